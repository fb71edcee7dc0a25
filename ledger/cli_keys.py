"""An ``--idempotency-key`` binds one CLI write: the same key with other arguments is refused.

A financing's writes seal their terms afresh on every attempt (a new random key each time), so
the transaction journal cannot compare a retry's call with the first one's and replays by the
key alone: ``finance repay 1 100 --idempotency-key K`` then ``finance repay 1 200
--idempotency-key K`` exited 0 and reported the first repayment of 100 — the 200 the user
meant was never recorded, and nothing said so (a helper's tryout, 2026-12-04). The API binds a
key to its request's digest at its door (``api.deps``); the CLI now binds a key to the command
and its arguments the same way, in the same table (``GatewayDB.claim_idempotent``, under
``cli:KEY`` so that the two surfaces' digests never meet), before anything is signed. A retry
with the same arguments runs as before (the journal replays what was sent); other arguments
are the 409 ``conflict`` naming ``--idempotency-key`` and its rule
(:func:`ledger.errors.key_reused`). A command refused as invalid before anything was signed
frees its key, as the API's 422 does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import TypeVar

from ledger.errors import Conflict, InvalidInput, key_reused
from ledger.network import Ledger
from ledger.services.writekeys import check_key, write_key

T = TypeVar("T")

#: the namespace of the CLI's bindings in the gateway's idempotency table
PREFIX = "cli:"


def request_digest(command: str, arguments: Mapping[str, object]) -> str:
    """SHA-256 (hex) of ``command`` and its ``arguments`` as canonical JSON."""
    canonical = json.dumps(
        {"command": command, "arguments": arguments}, sort_keys=True, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def once_per_key(
    ledger: Ledger,
    actor: str,
    key: str | None,
    command: str,
    arguments: Mapping[str, object],
    write: Callable[[], T],
) -> T:
    """``write()`` with ``key`` (when given) bound to ``command`` and ``arguments`` for
    ``actor``. Raises Conflict (``key_reused``) when the key is bound to other arguments, and
    whatever ``write`` raises; an InvalidInput before anything was signed under the key
    releases it."""
    if key is None:
        return write()
    bound = PREFIX + check_key(key)
    digest = request_digest(command, arguments)
    try:
        ledger.db.claim_idempotent(actor, bound, digest)
    except Conflict:
        raise key_reused(key) from None  # the key as the user gave it, not its binding
    try:
        return write()
    except InvalidInput:
        if not ledger.journal.names_any(write_key(key)):
            ledger.db.release_idempotent(actor, bound, digest)
        raise
