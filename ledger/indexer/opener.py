"""Opening financing envelopes for the index, with every encryption key this gateway holds.

A financing's terms, its entries and a refused attempt are envelopes on chain
(:mod:`ledger.confidential`, issue #14). The index tries every X25519 key of the gateway's
keyring (:mod:`ledger.encryptionkeys`: one per member served here) on each envelope and records
**which members' keys opened it** — its readers — beside the clear terms. The audit queries then
answer each caller only from what the caller's own key opens (``ReaderRow``), so two members
served by one gateway read no more of each other's book than two gateways would.

The data key of an opened financing (which opens its entries) is kept in memory only, never in
the SQL index; after a restart it is found again by opening the financing's envelope, read from
the ``events`` table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from ledger import confidential as conf


class Keyring(Protocol):
    """The encryption keys of the members served here (``ledger.encryptionkeys``)."""

    def key_for(self, address: str) -> X25519PrivateKey | None: ...

    def addresses(self) -> list[str]: ...


@dataclass(frozen=True)
class OpenedEnvelope:
    """What an envelope held (``payload``), the data key that opened it, whether its plaintext
    hashes to the commitment on chain, and the members (lower-case addresses) whose keys
    opened it."""

    payload: dict[str, Any]
    data_key: bytes
    commitment_ok: bool
    readers: tuple[str, ...]


@dataclass
class Opener:
    """The gateway's keys and the envelopes' context (chain id and contract)."""

    context: conf.Context
    keyring: Keyring | None = None
    _keys: list[tuple[str, X25519PrivateKey]] = field(default_factory=list)
    #: financing id → data key, for the financings opened so far (memory only)
    data_keys: dict[int, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.refresh()

    def refresh(self) -> bool:
        """Read the keyring again; True when the set of keys changed."""
        before = self.fingerprint()
        found: list[tuple[str, X25519PrivateKey]] = []
        if self.keyring is not None:
            for address in self.keyring.addresses():
                key = self.keyring.key_for(address)
                if key is not None:
                    found.append((address.lower(), key))
        self._keys = found
        return self.fingerprint() != before

    def fingerprint(self) -> str:
        """The public keys opened with, sorted, as one line (stored in ``index_meta``)."""
        return ",".join(sorted(conf.public_bytes(k).hex() for _, k in self._keys))

    @property
    def addresses(self) -> list[str]:
        return [a for a, _ in self._keys]

    def _private(self) -> list[X25519PrivateKey]:
        return [k for _, k in self._keys]

    def _who(self, indexes: Sequence[int]) -> tuple[str, ...]:
        return tuple(sorted({self._keys[i][0] for i in indexes}))

    def terms(self, envelope: bytes, commitment: bytes) -> OpenedEnvelope | None:
        """A terms envelope (a financing's or a refused attempt's) opened by any key here."""
        if not self._keys:
            return None
        found = conf.open_terms(envelope, self._private(), self.context)
        if found is None:
            return None
        opened, readers = found
        return OpenedEnvelope(
            opened.payload,
            opened.data_key,
            hashlib.sha256(opened.plaintext).digest() == commitment,
            self._who(readers),
        )

    def terms_with_key(
        self, envelope: bytes, data_key: bytes, commitment: bytes, readers: Sequence[str]
    ) -> OpenedEnvelope | None:
        """A terms envelope opened with a data key a ``TermsShared`` gave ``readers``."""
        opened = conf.open_terms_with_key(envelope, data_key, self.context)
        if opened is None:
            return None
        return OpenedEnvelope(
            opened.payload,
            data_key,
            hashlib.sha256(opened.plaintext).digest() == commitment,
            tuple(sorted(readers)),
        )

    def shared(self, envelope: bytes) -> tuple[bytes, tuple[str, ...]] | None:
        """The data key in a ``TermsShared`` envelope and the members here it was shared with."""
        if not self._keys:
            return None
        found = conf.open_shared_key(envelope, self._private(), self.context)
        if found is None:
            return None
        return found[0], self._who(found[1])

    def entry(
        self, envelope: bytes, data_key: bytes, financing_id: int, commitment: bytes
    ) -> tuple[dict[str, Any], bool] | None:
        """An entry of ``financing_id`` opened with its data key, and whether it hashes to its
        commitment; None when it does not open."""
        opened = conf.open_entry(envelope, data_key, self.context, financing_id)
        if opened is None:
            return None
        return opened.payload, hashlib.sha256(opened.plaintext).digest() == commitment
