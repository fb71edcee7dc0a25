"""A write's ``Idempotency-Key`` binds its operation and arguments, whichever surface sent it.

A financing's writes seal their terms afresh on every attempt (a new random key each time), so
the transaction journal cannot compare a retry's call with the first one's and replays by the
key alone: ``finance repay 1 100 --idempotency-key K`` then ``finance repay 1 200
--idempotency-key K`` exited 0 and reported the first repayment of 100 — the 200 meant was
never recorded, and nothing said so (a helper's tryout, 2026-12-04); and a key the API had
used for a repayment of 50.00, given to the CLI for 70.00, reported 50.00 as done (a fresh
user's tryout, the same day). The API binds a key to its HTTP request at its door
(``api.deps``), which the CLI never passes. So the financing service binds a key to the
operation and its arguments — the same for the API and the CLI — in the gateway's idempotency
table (``GatewayDB.claim_idempotent``, under ``request:KEY`` beside the door's bindings) before
anything is signed. The same operation and arguments run as before (the journal replays what
was sent); others are the 409 ``conflict`` naming the key (``Idempotency-Key``; the CLI's
``--idempotency-key``) and its rule (:func:`ledger.errors.key_reused`), nothing sent. A write
refused as invalid, or naming nothing (404), before anything was signed frees its key, as
the API's 422 and 404 do.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import TypeVar

from ledger.errors import Conflict, InvalidInput, NotFound, key_reused
from ledger.network import Ledger
from ledger.services.writekeys import check_key, write_key

T = TypeVar("T")

#: the namespace of these bindings in the gateway's idempotency table
PREFIX = "request:"


def request_digest(operation: str, arguments: Mapping[str, object]) -> str:
    """SHA-256 (hex) of ``operation`` and its ``arguments`` as canonical JSON."""
    canonical = json.dumps(
        {"operation": operation, "arguments": arguments}, sort_keys=True, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def bound_to_request(
    ledger: Ledger,
    actor: str,
    key: str | None,
    operation: str,
    arguments: Mapping[str, object],
    write: Callable[[], T],
) -> T:
    """``write()`` with ``key`` (when given) bound to ``operation`` and ``arguments`` for
    ``actor``. Raises Conflict (``key_reused``) when the key is bound to other arguments, and
    whatever ``write`` raises; an InvalidInput or NotFound before anything was signed under
    the key releases it."""
    if key is None or key.startswith("auto:"):  # none given: a key of the gateway's own
        return write()
    given = check_key(key.removeprefix("client:"))
    bound = PREFIX + given
    digest = request_digest(operation, arguments)
    try:
        ledger.db.claim_idempotent(actor, bound, digest)
    except Conflict:
        raise key_reused(given) from None  # the key as the user gave it, not its binding
    try:
        return write()
    except (InvalidInput, NotFound):
        # refused before anything was signed: invalid, or naming no financing (tryout 67
        # repaid financing 100 by mistake, and the corrected request was refused its key)
        if not ledger.journal.names_any(write_key(key), actor):
            ledger.db.release_idempotent(actor, bound, digest)
        raise
