"""ASGI middleware that bound what a request may cost before any route sees it (issue #15).

:class:`RequestGuard` (outermost but for the metrics) does two things, in this order:

1. **Authenticate before reading a body.** A request to ``/v1/…`` (every route there takes an API
   key) must carry a valid ``Authorization: Bearer <api key>``; without one it is answered 401 and
   its body is never read (the connection is closed, so nothing drains it either). A 300 MB
   upload without a key costs the gateway nothing.
2. **One body limit, for every content type, while streaming.** ``Settings.max_body_bytes``: a
   declared ``Content-Length`` above it is answered 413 at once; a body without one (chunked) is
   counted as it arrives and answered 413 the moment it passes the limit — whoever is reading it
   (the ``Idempotency-Key`` middleware, the JSON checks, the multipart parser) gets no more of it.
   The 413 names the limit.

:class:`JsonDepthLimit` then refuses JSON bodies nested deeper than ``MAX_JSON_DEPTH`` (422)
before FastAPI parses them (see ``ledger.jsondepth`` for why a parser must never see them), and
those that name a key twice in one object (``ledger.jsonkeys``: FastAPI would keep the last).
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import authenticate
from api.errors import error_body, json_bytes, non_finite_rule
from ledger.errors import InvalidInput, LedgerError, PayloadTooLarge
from ledger.jsondepth import check_json_depth
from ledger.jsonkeys import loads_unique
from ledger.jsonliterals import constant_at, non_finite_at, parse_keeping_literals
from ledger.network import Ledger
from ledger.surrogates import RULE as SURROGATE_RULE
from ledger.surrogates import first_lone_surrogate

#: paths whose every route authenticates with an API key (the guard checks it first)
AUTHENTICATED_PREFIX = "/v1/"


class BodyTooLarge(HTTPException):
    """Raised into whoever reads a body past the limit. An ``HTTPException``, so FastAPI's body
    parsing lets it through rather than calling it a malformed body; :class:`RequestGuard`
    answers it."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


def too_large(limit: int) -> PayloadTooLarge:
    """The 413 of a body past ``limit`` bytes: the field (the request's body, whatever it
    carries) and the rule, as every refusal names them (a tryout read a 413 with neither)."""
    rule = f"must be at most {limit} bytes ({limit / 2**20:g} MiB, TRADELEDGER_MAX_BODY_BYTES)"
    return PayloadTooLarge(
        f"the request body is larger than the limit of {limit} bytes ({limit / 2**20:g} MiB): "
        "send a smaller file (or fewer files at once)",
        limit=limit,
        field="body",
        rule=rule,
    )


class RequestGuard:
    """Authenticate ``/v1/`` requests before their body is read; cap every body at
    ``max_body`` bytes while it streams (see the module docstring)."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if scope.get("path", "").startswith(AUTHENTICATED_PREFIX):
            ledger: Ledger = scope["app"].state.ledger
            try:
                await authenticate(ledger, headers.get(b"authorization", b"").decode("latin-1"))
            except LedgerError as exc:
                await send_error(send, 401, exc)
                return
        declared = headers.get(b"content-length")
        if (
            declared is not None
            and declared.isascii()
            and declared.isdigit()
            and int(declared) > self.max_body
        ):
            await send_error(send, 413, too_large(self.max_body))
            return
        seen = {"size": 0, "over": False, "started": False}

        async def limited_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                seen["size"] += len(message.get("body", b""))
                if seen["size"] > self.max_body:
                    seen["over"] = True
                    raise BodyTooLarge(self.max_body)
            return message

        async def watched_send(message: Message) -> None:
            if seen["over"]:
                return  # an answer to a body the app never got whole: the 413 replaces it
            if message["type"] == "http.response.start":
                seen["started"] = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except Exception:
            if not seen["over"]:
                raise
        if seen["over"] and not seen["started"]:
            await send_error(send, 413, too_large(self.max_body))


async def send_error(send: Send, status: int, error: LedgerError) -> None:
    """The one error body, closing the connection (a body left unread is never drained)."""
    payload = json_bytes(error_body(error))
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        (b"connection", b"close"),
    ]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


class JsonDepthLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        if "json" not in content_type:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:  # bounded: RequestGuard stops the body at Settings.max_body_bytes
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more = bool(message.get("more_body"))
        body = b"".join(chunks)
        try:
            check_json_depth(body)
            check_json_numbers(body)
        except InvalidInput as exc:
            await _refuse(send, exc)
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def check_json_numbers(body: bytes) -> None:
    """Refuse (:class:`InvalidInput` naming the field) a JSON body with an object that names a
    key twice (which value was meant? :mod:`ledger.jsonkeys`), or with a number no field can
    take: ``NaN`` or ``Infinity`` (not JSON, though Python's parser accepts them), or an integer
    too long to convert. A number that overflows a float (``1e400``) reaches the route, whose
    field refuses it in its own words (:func:`ledger.jsonliterals.constant_at`). A body that
    is not JSON is left to the route's own parsing (its 422 names the position). A body that is
    not UTF-8 (RFC 8259 §8.1: UTF-16 with its BOM, Latin-1) is refused naming ``body``; a string
    or key with a lone surrogate (``"\\ud800"``: no character) naming where it sits
    (:mod:`ledger.surrogates`)."""
    if not body.strip():
        return
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            "body",
            f"must be JSON encoded as UTF-8 (RFC 8259 §8.1); byte {exc.start} is not UTF-8"
            + (
                " (this body is UTF-16 or UTF-32)" if body[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
            ),
        ) from None
    try:
        value = loads_unique(text)
    except InvalidInput:
        raise  # an object that names a key twice (ledger.jsonkeys)
    except json.JSONDecodeError:
        return
    except ValueError as exc:  # an integer beyond Python's digit limit for int()
        raise InvalidInput("body", f"holds a number too large for any field ({exc})") from None
    surrogate = first_lone_surrogate(value)
    if surrogate is not None:
        field, escaped = surrogate
        raise InvalidInput(field, SURROGATE_RULE.format(escaped=escaped))
    if non_finite_at(value) is not None:
        # read again, the literals NaN/Infinity/-Infinity (not JSON) kept apart from a number
        # that overflows (1e400): JSON, which the field it is given to refuses in its own words
        # (an amount too large, a value that is not a JSON integer), as every route does
        where = constant_at(parse_keeping_literals(text))
        if where is not None:
            field = where[0] or "body"
            raise InvalidInput(field, non_finite_rule(field, where[1]))


async def _refuse(send: Send, error: InvalidInput) -> None:
    payload = json_bytes(error_body(error))
    await send(
        {
            "type": "http.response.start",
            "status": 422,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
