"""Idempotency keys for writes: every write is named before it is signed.

A write is identified by ``(participant, key)``. The key comes from the client (HTTP
``Idempotency-Key``, CLI ``--idempotency-key``) or, when none was given, is generated here, so
the gateway's own retries (a nonce another process took, a node that lost the transaction)
are exactly-once too. The transaction layer (:mod:`ledger.tx`) binds the key to one signed
transaction in the journal *before* sending it; a retry with the same key returns the outcome
of that one transaction.

A service write that needs several transactions (a financing that first registers a document
the chain does not know) names each one with :func:`sub_key`, so a retry after a crash between
them replays the ones that were sent and sends only the rest.
"""

from __future__ import annotations

import uuid

from ledger.errors import InvalidInput

__all__ = ["MAX_KEY_LENGTH", "check_key", "given_key", "sub_key", "write_key"]

#: the longest idempotency key a client may give (characters)
MAX_KEY_LENGTH = 200
_PREFIXES = ("client:", "auto:")


def check_key(key: str, field: str = "idempotency_key") -> str:
    """``key`` stripped, or InvalidInput naming ``field`` (1..200 printable ASCII characters)."""
    cleaned = key.strip()
    printable = cleaned.isascii() and cleaned.isprintable()
    if not 1 <= len(cleaned) <= MAX_KEY_LENGTH or not printable:
        raise InvalidInput(field, f"must be 1..{MAX_KEY_LENGTH} printable ASCII characters")
    return cleaned


def write_key(key: str | None) -> str:
    """The key naming one write: the client's (checked), else a new random one. A key this
    function made already (a service passing its key on) is returned as it is."""
    if key is not None and key.startswith(_PREFIXES):
        return key
    if key is None:
        return "auto:" + uuid.uuid4().hex
    return "client:" + check_key(key)


def given_key(key: str | None) -> str | None:
    """The key as the client gave it, of a key :func:`write_key` made (None for a key the
    gateway generated, or none)."""
    return key.removeprefix("client:") if key is not None and key.startswith("client:") else None


def sub_key(key: str, part: str) -> str:
    """The key of one transaction of a multi-transaction write."""
    return f"{key}#{part}"
