"""``Prefer: respond-async`` (RFC 7240 §4.1) for registrations: 202 once the transaction is sent.

A registration answers 201 once its block is mined and the file is lodged. A client that
registers many files one request at a time (a bank back-filling its invoices) waits for every
block; with ``Prefer: respond-async`` and an ``Idempotency-Key`` the gateway answers
**202 Accepted** (RFC 9110 §15.3.3) as soon as the registration's transaction is signed,
journaled and accepted by the node (on the embedded chain: mined), with
``Preference-Applied: respond-async``, the transaction's hash and the document hashes; the
rest — the receipt, lodging the file, the answer — runs on in the gateway, and the final answer
(201, or the refusal, e.g. 409) is stored under the idempotency key
(:class:`api.deps.IdempotencyMiddleware`). The client reads the outcome by sending the same
request with the same key again: it gets the stored answer, or waits for the write still
running. Nothing changes about exactly-once: the key is bound to one signed transaction before
it is sent (:mod:`ledger.tx`), and a request that would be refused before anything is sent
(bad input, a file registered already) is refused at once, as without the preference.

A request that finishes before its transaction is sent (a refusal, a replay of a key whose
transaction was sent already) answers as it would without the preference. ``wait=`` (RFC 7240
§4.3) is not honoured: the answer comes as soon as the transaction is sent.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import anyio
from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ledger.errors import InvalidInput, LedgerError
from ledger.network import Ledger
from ledger.tx import Sent, notify_sent

from .deps import DIGEST_KEY, STATE_KEY, is_final
from .errors import _described, json_bytes, status_for
from .openapi_responses import errors

log = logging.getLogger(__name__)

__all__ = [
    "PREFERENCE",
    "AsyncWrites",
    "RegistrationAccepted",
    "accepted_responses",
    "prefers_async",
    "respond",
]

#: the preference token (RFC 7240 §4.1)
PREFERENCE = "respond-async"
#: the most registrations running on after their 202 at once by default (``Settings.async_writes``)
MAX_RUNNING = 64
T = TypeVar("T")


class RegistrationAccepted(BaseModel):
    """The answer of a registration sent with ``Prefer: respond-async`` (202)."""

    status: Literal["pending"] = Field(
        description="sent, not yet confirmed: the outcome is the answer to the same request "
        "sent again with the same Idempotency-Key (201 when registered, or the refusal)"
    )
    tx_hash: str = Field(description="the registration's transaction (0x, 32 bytes)")
    doc_hashes: list[str] = Field(
        description="SHA-256 of each file as it is registered (0x, 32 bytes), in the order sent"
    )
    idempotency_key: str = Field(description="the key to send the request again with")
    message: str


def accepted_responses() -> dict[int | str, dict[str, Any]]:
    """The 202 of a route that honours ``Prefer: respond-async``, for the OpenAPI document."""
    return {
        202: {
            "model": RegistrationAccepted,
            "description": "Accepted (with `Prefer: respond-async` and an `Idempotency-Key`): "
            "the transaction is sent; send the same request with the same key again for the "
            "outcome. A write that ends before its transaction is sent answers as without the "
            "preference (201, or its refusal).",
            "headers": {
                "Preference-Applied": {
                    "description": "respond-async (RFC 7240)",
                    "schema": {"type": "string"},
                },
                "Location": {
                    "description": "a single document: /v1/documents/{doc_hash}, which answers "
                    "404 until the registration is mined",
                    "schema": {"type": "string"},
                },
            },
        },
        **errors(429),
    }


def prefers_async(request: Request) -> bool:
    """Whether a ``Prefer`` header of ``request`` holds ``respond-async`` (RFC 7240 §2: a list of
    preferences, each a token with optional ``=value`` and ``;`` parameters; tokens compare
    case-insensitively; several ``Prefer`` headers are one list)."""
    for header in request.headers.getlist("prefer"):
        for preference in header.split(","):
            token = preference.split(";", 1)[0].split("=", 1)[0].strip().lower()
            if token == PREFERENCE:
                return True
    return False


@dataclass
class _Running:
    """One registration answered 202 or still deciding: who answers its outcome."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    #: the 202 was answered: the outcome is stored under the key when the write ends
    early: bool = False
    #: set once the write has ended and its outcome is stored (or was not to be)
    settled: concurrent.futures.Future[None] = field(default_factory=concurrent.futures.Future)


class AsyncWrites:
    """The registrations of one gateway that may run on after their 202 (``app.state``)."""

    def __init__(self, workers: int = MAX_RUNNING) -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="respond-async"
        )
        self._running: dict[tuple[str, str], _Running] = {}
        self._lock = threading.Lock()

    async def settled(self, caller: str, key: str) -> None:
        """Wait until a registration of ``(caller, key)`` that runs on after its 202 has ended
        and its outcome is stored: a repeated request then reads the stored answer."""
        with self._lock:
            running = self._running.get((caller, key))
        if running is not None:
            await asyncio.wrap_future(running.settled)

    def close(self) -> None:
        """Let every registration running on finish (its receipt, its file, its answer)."""
        self._pool.shutdown(wait=True)

    async def run(
        self,
        ledger: Ledger,
        caller: str,
        key: str,
        digest: str,
        work: Callable[[], T],
        accepted: Callable[[Sent], JSONResponse],
    ) -> T | JSONResponse:
        """``work()``'s result if it ends before its transaction is sent; else ``accepted(sent)``
        at once, ``work`` running on and its outcome stored under ``key`` when it ends."""
        loop = asyncio.get_running_loop()
        sent: asyncio.Future[Sent] = loop.create_future()

        def answer(s: Sent) -> None:
            if not sent.done():
                sent.set_result(s)

        def on_sent(s: Sent) -> None:
            loop.call_soon_threadsafe(answer, s)

        running = _Running()
        outcome: concurrent.futures.Future[T] = concurrent.futures.Future()
        slot = (caller, key)

        def job() -> None:
            try:
                with notify_sent(on_sent):
                    result = work()
            except BaseException as exc:  # the outcome, for whoever answers it
                with running.lock:
                    outcome.set_exception(exc)
                    store = running.early
                if store:
                    _store_refusal(ledger, caller, key, digest, exc)
            else:
                with running.lock:
                    outcome.set_result(result)
                    store = running.early
                if store:
                    _store(ledger, caller, key, digest, 201, jsonable_encoder(result))
            finally:
                with self._lock:
                    if self._running.get(slot) is running:
                        del self._running[slot]
                running.settled.set_result(None)

        with self._lock:
            self._running[slot] = running
        self._pool.submit(contextvars.copy_context().run, job)
        finished = asyncio.wrap_future(outcome)
        either: set[asyncio.Future[Any]] = {sent, finished}
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        with running.lock:
            running.early = not outcome.done()
        if not running.early:
            sent.cancel()
            return await finished  # its result, or its error as without the preference
        finished.add_done_callback(lambda f: f.exception())  # told to the store, not the loop
        return accepted(sent.result())


def _store(ledger: Ledger, caller: str, key: str, digest: str, status: int, body: Any) -> None:
    try:
        text = json_bytes(body).decode("utf-8")
        ledger.db.store_idempotent_result(caller, key, digest, status, text)
    except Exception:  # the outcome is on chain; a repeated request runs the write again
        log.exception("could not store the outcome of %s's registration %s", caller, key)


def _store_refusal(ledger: Ledger, caller: str, key: str, digest: str, exc: BaseException) -> None:
    """A final refusal (4xx) is stored as a repeated request would read it; a transient one
    (5xx: the chain unreachable, the receipt late) is not: the repeated request runs the write
    again, which finds its journaled transaction."""
    if not isinstance(exc, LedgerError):
        log.error("registration %s of %s failed after its 202", key, caller, exc_info=exc)
        return
    status = status_for(exc)
    if not is_final(status):
        log.warning("registration %s of %s: %s (not stored: transient)", key, caller, exc)
        return
    _store(ledger, caller, key, digest, status, _described(ledger, exc))


async def respond(
    request: Request,
    ledger: Ledger,
    caller: str,
    work: Callable[[], T],
    doc_hashes: Callable[[], list[str]],
    location: Callable[[list[str]], str | None] = lambda hashes: None,
) -> T | JSONResponse:
    """Run a registration's ``work`` in a worker thread: its result (201), or with
    ``Prefer: respond-async`` (and an Idempotency-Key) the 202 once its transaction is sent.
    ``doc_hashes()`` gives the hashes being registered once ``work`` has read its files.

    Raises InvalidInput naming ``Idempotency-Key`` when the preference comes without one: the
    outcome could not be asked for again."""
    if not prefers_async(request):
        return await anyio.to_thread.run_sync(work)
    state = request.scope.get("state", {})
    key, digest = state.get(STATE_KEY), state.get(DIGEST_KEY)
    if key is None or digest is None:
        raise InvalidInput(
            "Idempotency-Key",
            "required with Prefer: respond-async: the outcome is read by sending the same "
            "request with the same key again",
        )
    writes: AsyncWrites = request.app.state.async_writes

    def accepted(sent: Sent) -> JSONResponse:
        hashes = doc_hashes()
        body = RegistrationAccepted(
            status="pending",
            tx_hash=sent.tx_hash.to_0x_hex(),
            doc_hashes=hashes,
            idempotency_key=str(key),
            message="registration sent, not yet confirmed: send the same request with the same "
            "Idempotency-Key again for its outcome",
        )
        headers = {"Preference-Applied": PREFERENCE}
        where = location(hashes)
        if where is not None:
            headers["Location"] = where
        return JSONResponse(body.model_dump(), status_code=202, headers=headers)

    return await writes.run(ledger, caller, str(key), str(digest), work, accepted)
