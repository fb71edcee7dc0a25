"""FastAPI dependencies: the open ledger, the authenticated participant, role checks that mirror
the contract's, and the ``Idempotency-Key`` behaviour of writes."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import replace
from typing import Annotated, Any

import anyio
from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import error_body, json_bytes
from ledger.errors import (
    Conflict,
    InvalidInput,
    LedgerError,
    Unauthorized,
    role_not_allowed,
)
from ledger.gatewaydb import Participant
from ledger.network import Ledger
from ledger.services import roles, rotation, standing
from ledger.services.writekeys import check_key, write_key

_bearer = HTTPBearer(auto_error=False)

#: who may call each write, exactly as the contract decides: one table with the CLI
#: (``ledger.services.roles.WRITE_ROLES``)
WRITE_ROLES = roles.WRITE_ROLES


async def get_ledger(request: Request) -> Ledger:
    ledger: Ledger = request.app.state.ledger
    return ledger


LedgerDep = Annotated[Ledger, Depends(get_ledger)]


def single_header(headers: Iterable[tuple[bytes, bytes]], name: str) -> bytes | None:
    """The value of header ``name`` among ASGI ``headers``, None when it is absent. Raises
    InvalidInput naming the header when it is given more than once: two ``Idempotency-Key``
    or ``Authorization`` headers name two writes or two callers, and which one was meant is
    not for the gateway to guess (a dict of the headers keeps the last, Starlette's
    ``headers.get`` the first)."""
    wanted = name.lower().encode("latin-1")
    values = [value for key, value in headers if key.lower() == wanted]
    if len(values) > 1:
        raise InvalidInput(
            name, "is given more than once: send it once per request", count=len(values)
        )
    return values[0] if values else None


async def get_reader(
    ledger: LedgerDep,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Participant:
    """The authenticated participant, with its on-chain standing (``active``): for the routes
    that serve a member's own history, which a suspended member may still read
    (:data:`HistoryReaderDep`; each such route keeps such a reader to its own records).
    Two ``Authorization`` headers are refused (422 naming it), whichever of them is valid."""
    single_header(request.scope.get("headers") or [], "Authorization")
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("send `Authorization: Bearer <api key>`")
    # a key checked moments ago is served from memory, without a thread hop or a query
    cached = ledger.db.authenticate_cached(credentials.credentials)
    found: Participant = (
        cached
        if cached is not None
        else await anyio.to_thread.run_sync(ledger.db.authenticate, credentials.credentials)
    )
    cache = standing.cache_of(ledger)
    known = cache.cached(found.address)
    if known is None:
        known = await anyio.to_thread.run_sync(cache.read, found.address)
    if known.member_id == 0:  # no member at this address: was its key rotated away?
        found, now = await anyio.to_thread.run_sync(_rotated, ledger, found)
        known = now
    return found if known.active else replace(found, active=False, inactive_reason=known.reason)


def _rotated(ledger: Ledger, found: Participant) -> tuple[Participant, standing.Standing]:
    """``found`` where its member is now: at the new key this gateway adopted for it when its
    key was rotated on chain (``ledger.services.rotation``; its API keys act as the member),
    else as it was; with its standing."""
    moved = rotation.current(ledger, found.address)
    if moved != found.address:
        found = ledger.db.participant(moved)
    return found, standing.standing(ledger, found.address)


HistoryReaderDep = Annotated[Participant, Depends(get_reader)]


async def get_participant(
    reader: HistoryReaderDep, ledger: LedgerDep, request: Request
) -> Participant:
    """The authenticated participant, refused unless it is an active member on chain: a
    suspended member keeps no off-chain powers (403 ``member_suspended``), a pending one
    (joined, not yet approved) is told who approves it and how (403 ``member_pending``); the
    refusal names the request it refused (``call POST /v1/financings``)."""
    if not reader.active:
        route = request.scope.get("route")
        path = getattr(route, "path", None) or request.url.path
        what = f"call {request.method} {path}"
        raise await anyio.to_thread.run_sync(lambda: inactive(reader, what, ledger))
    return reader


ParticipantDep = Annotated[Participant, Depends(get_participant)]


def inactive(participant: Participant, what: str, ledger: Ledger | None = None) -> LedgerError:
    """The 403 for a participant not active on chain that asked to do ``what``: suspended
    (``member_suspended``), or pending — its membership not yet approved on chain
    (``member_pending``, with who approves it, read from ``ledger`` when given) — as the
    standing :func:`get_reader` read says: never "suspended" for one that was never active."""
    if participant.inactive_reason is None:
        return standing.refuse_inactive(
            participant.address, what, name=participant.name, ledger=ledger
        )
    return standing.refuse_inactive(
        participant.address, what, participant.inactive_reason, name=participant.name, ledger=ledger
    )


def own_history_only(participant: Participant, owner: str | None, what: str) -> None:
    """Refuse (403 ``member_suspended``) a participant not active on chain reading ``what``
    of another member (``owner``; None: of nobody in particular, e.g. a list of everyone's)."""
    if participant.active:
        return
    if owner is None or owner.lower() != participant.address.lower():
        raise inactive(participant, f"read {what}")


async def authenticate(ledger: Ledger, authorization: str) -> Participant:
    """The participant of an ``Authorization`` header's bearer key, or Unauthorized (for the
    middleware, which runs before FastAPI's dependencies). A key checked moments ago is served
    from memory, without a thread hop or a query."""
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("send `Authorization: Bearer <api key>`")
    cached = ledger.db.authenticate_cached(token)
    if cached is not None:
        return cached
    participant: Participant = await anyio.to_thread.run_sync(ledger.db.authenticate, token)
    return participant


async def get_write_key(
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="1..200 printable ASCII characters naming this write: a retry with the "
            "same key and request is applied once and answers the first outcome (docs/api.md)",
        ),
    ] = None,
) -> str | None:
    """The request's ``Idempotency-Key`` (checked by :class:`IdempotencyMiddleware`, which
    read ``idempotency_key`` already: declared here for the OpenAPI), handed to the service so
    the transaction layer binds it to one signed transaction; None lets the service generate
    one."""
    key = request.scope.get("state", {}).get(STATE_KEY)
    return str(key) if key is not None else None


WriteKeyDep = Annotated[str | None, Depends(get_write_key)]


def require_role(participant: Participant, *roles: str, action: str) -> None:
    """Refuse (403) a participant whose role is not one of ``roles`` asking to do ``action``
    (words after "may not": ``add a member``), naming the action and the roles that may —
    mirrors the contract."""
    if participant.role not in roles:
        raise role_not_allowed(participant.role, roles, action)


def require(participant: Participant, write: str, action: str) -> None:
    """Refuse (403) unless ``participant``'s role may perform ``write`` (a key of WRITE_ROLES),
    said as ``action`` (``draw down financing 7``)."""
    require_role(participant, *WRITE_ROLES[write], action=action)


# -- Idempotency-Key -------------------------------------------------------------------------

#: where the middleware leaves the checked key for :func:`get_write_key`
STATE_KEY = "idempotency_key"
#: and the request's digest, under which a write answered 202 stores its outcome
#: (``api/respond_async.py``)
DIGEST_KEY = "idempotency_digest"
#: statuses that are not final outcomes of a write: never stored, the client retries them
_TRANSIENT_STATUSES = frozenset({408, 425, 429})


def is_final(status: int) -> bool:
    """Whether a write's answer ``status`` is its outcome, stored and replayed to a retry: a 2xx
    or 4xx, but a transient one (408, 425, 429) or 202 (``Prefer: respond-async``: the write
    stores its own outcome when it ends)."""
    return status < 500 and status not in _TRANSIENT_STATUSES and status != 202


REPLAYED_HEADER = "Idempotent-Replayed"
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def request_digest(method: str, path: str, query: bytes, content_type: str, body: bytes) -> str:
    """What a retried request must repeat: method, path, query and body. A multipart body's
    boundary is random per attempt, so it is replaced by a constant before hashing."""
    if "multipart/" in content_type and "boundary=" in content_type:
        boundary = content_type.split("boundary=", 1)[1].split(";", 1)[0].strip().strip('"')
        if boundary:
            body = body.replace(boundary.encode(), b"BOUNDARY")
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


class IdempotencyMiddleware:
    """A write sent with ``Idempotency-Key`` is applied once per (participant, key).

    Before the write runs, the key is bound to a digest of the request (the same key with a
    different request is a 409, even after a crash) and handed to the service, which hands it
    to the transaction layer: there it is bound to one signed transaction in the journal
    *before* that transaction is sent (:mod:`ledger.tx`). So a retry — whether the first
    attempt committed, is still pending, or was lost with the process — returns the outcome of
    that one transaction, never a second one.

    The first *final* response (2xx, 4xx) is stored and replayed to later retries, marked
    ``Idempotent-Replayed: true`` — except a 422, 404 or 405 of a write that signed nothing
    under the key (bad input, or a path or method that names nothing, refused before any
    transaction): that request changed nothing, so the key is released, and the client's
    corrected request may use it. A transient one — 5xx (chain
    unreachable, a transaction the node refused, a timeout) or 408/425/429 — is never stored:
    the retry runs the write again,
    which finds its journaled transaction. Concurrent retries of one key wait for the first.

    A write with two ``Idempotency-Key`` (or ``Authorization``) headers is refused (422 naming
    the header) before any key is bound: which write, or whose, was meant is not guessed.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        #: one lock per (participant, key) in flight, with how many requests hold or await it
        self._locks: dict[tuple[str, str], tuple[asyncio.Lock, int]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        listed = scope.get("headers") or []
        headers = dict(listed)
        try:  # before a key is bound to anything: a retry with one of them is a fresh write
            raw_key = single_header(listed, "Idempotency-Key")
            single_header(listed, "Authorization")
        except InvalidInput as exc:
            await _send_json(send, 422, error_body(exc))
            return
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        try:
            key = check_key(raw_key.decode("latin-1"), "Idempotency-Key")
        except InvalidInput as exc:
            await _send_json(send, 422, error_body(exc))
            return
        ledger: Ledger = scope["app"].state.ledger
        try:
            participant = await authenticate(
                ledger, headers.get(b"authorization", b"").decode("latin-1")
            )
        except LedgerError:
            await self.app(scope, receive, send)  # the route answers 401
            return
        # whole, to digest and replay it: bounded by api.limits.RequestGuard, which stops any
        # body at Settings.max_body_bytes while it streams (and has authenticated it already)
        body = await _read_body(receive)
        digest = request_digest(
            scope["method"],
            scope["path"],
            scope.get("query_string", b""),
            headers.get(b"content-type", b"").decode("latin-1"),
            body,
        )
        slot = (participant.address, key)
        lock, users = self._locks.get(slot, (asyncio.Lock(), 0))
        self._locks[slot] = (lock, users + 1)
        try:
            await self._once(scope, send, ledger, participant.address, key, digest, body, lock)
        finally:
            lock, users = self._locks[slot]
            if users <= 1:
                del self._locks[slot]
            else:
                self._locks[slot] = (lock, users - 1)

    async def _once(
        self,
        scope: Scope,
        send: Send,
        ledger: Ledger,
        address: str,
        key: str,
        digest: str,
        body: bytes,
        lock: asyncio.Lock,
    ) -> None:
        async with lock:
            running = getattr(scope["app"].state, "async_writes", None)
            if running is not None:  # answered 202 and running on: its outcome, once stored
                await running.settled(address, key)
            try:
                found = await anyio.to_thread.run_sync(
                    ledger.db.claim_idempotent, address, key, digest
                )
            except Conflict as exc:
                await _send_json(send, 409, error_body(exc))
                return
            if found is not None:
                status, stored = found
                await _send_json(send, status, json.loads(stored), replayed=True)
                return
            scope.setdefault("state", {})[STATE_KEY] = key
            scope["state"][DIGEST_KEY] = digest
            captured: dict[str, Any] = {"status": 500, "body": b""}

            async def replay_receive() -> Message:
                return {"type": "http.request", "body": body, "more_body": False}

            async def capture_send(message: Message) -> None:
                if message["type"] == "http.response.start":
                    captured["status"] = int(message["status"])
                elif message["type"] == "http.response.body":
                    captured["body"] += message.get("body", b"")
                await send(message)

            await self.app(scope, replay_receive, capture_send)
            final = is_final(captured["status"])
            if _names_the_key(captured["status"], captured["body"]) or (
                captured["status"] in _RELEASING
                and not await anyio.to_thread.run_sync(
                    ledger.journal.names_any, write_key(key), address
                )
            ):
                # refused because the key names another write (one the CLI sent with other
                # arguments: ledger.services.requestkeys; refused before anything was signed),
                # or refused as invalid before anything was signed: nothing happened to
                # replay, so the key stays free for the request it names
                await anyio.to_thread.run_sync(ledger.db.release_idempotent, address, key, digest)
            elif final and not _carries_secret(captured["body"]):
                text = captured["body"].decode("utf-8") or "null"
                await anyio.to_thread.run_sync(
                    ledger.db.store_idempotent_result,
                    address,
                    key,
                    digest,
                    captured["status"],
                    text,
                )


#: the answers that leave the key free when nothing was signed under it: invalid input (422),
#: and no such resource or route (404) or method there (405) — tryout 66 mistyped a path
#: (``/drawdownz``) and its key was bound to the 404, the corrected request refused as reusing it
_RELEASING = frozenset({404, 405, 422})


def _names_the_key(status: int, body: bytes) -> bool:
    """Whether an answer is the 409 of a key bound to another request (its field the
    ``Idempotency-Key``: :func:`ledger.errors.key_reused`)."""
    if status != 409:
        return False
    try:
        details = json.loads(body).get("details") or {}
    except (ValueError, AttributeError):
        return False
    return isinstance(details, dict) and details.get("field") == "Idempotency-Key"


def _carries_secret(body: bytes) -> bool:
    """Whether a response shows a secret (an API key, shown once). Such a response is never
    stored as an idempotent result: the key stays bound to its request, and a retry runs the
    write again — on chain it replays the one transaction, and it issues a fresh API key in
    place of the one whose answer was lost (revoking it).

    Only an answer that holds the key's name is parsed: this runs on the event loop for every
    keyed write's answer, and a 100-file batch's (~100 KB) took 7% of a REST batch's
    interpreter time to parse (issue #16)."""
    if b'"api_key"' not in body:
        return False
    try:
        payload = json.loads(body)
    except ValueError:
        return False
    return isinstance(payload, dict) and "api_key" in payload


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send_json(send: Send, status: int, payload: Any, replayed: bool = False) -> None:
    data = json_bytes(payload)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    if replayed:
        headers.append((REPLAYED_HEADER.lower().encode(), b"true"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
