"""The X25519 private keys of the members a gateway serves: what opens financing envelopes.

Each member publishes one X25519 public key on chain (``setEncryptionKey``, or the ``data`` of
the ADD_MEMBER proposal when it joined with its own keys); envelopes of confidential terms are
sealed to it (:mod:`ledger.confidential`). The private keys live in the gateway's secrets
directory, readable by its owner only:

- ``encryption/<address>.key`` — one per member this gateway holds the signing key of: the
  organisation that joined with ``tradeledger join`` (:mod:`ledger.join` writes it, beside the
  ``encryption.key`` its join request named), and every custodial member
  (``tradeledger member add``), made when the member is added.

A key opens only what was sealed to its member: the API decrypts with the *caller's* key, so
two participants served by one gateway read each other's financings no more than two gateways
would.
"""

from __future__ import annotations

import threading
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from web3 import Web3

from ledger.confidential import new_private_key, public_bytes
from ledger.keys import write_private

KEYS_DIR = "encryption"


class EncryptionKeyring:
    """The encryption keys of the members served from one secrets directory, by address."""

    def __init__(self, secrets_dir: Path) -> None:
        self.secrets_dir = secrets_dir
        self._cache: dict[str, X25519PrivateKey | None] = {}
        self._lock = threading.Lock()

    def _path(self, address: str) -> Path:
        return self.secrets_dir / KEYS_DIR / f"{address.lower().removeprefix('0x')}.key"

    def _read(self, path: Path) -> X25519PrivateKey | None:
        try:
            return X25519PrivateKey.from_private_bytes(bytes.fromhex(path.read_text().strip()))
        except (OSError, ValueError):
            return None

    def key_for(self, address: str) -> X25519PrivateKey | None:
        """The private key of member ``address``, or None when this gateway holds none."""
        lowered = address.lower()
        with self._lock:
            if lowered in self._cache and self._cache[lowered] is not None:
                return self._cache[lowered]
        key = self._read(self._path(lowered))
        with self._lock:
            self._cache[lowered] = key
        return key

    def create(self, address: str) -> bytes:
        """Make (or reuse) the key of custodial member ``address``; its raw public key."""
        existing = self.key_for(address)
        if existing is not None:
            return public_bytes(existing)
        key = new_private_key()
        write_private(self._path(address), key.private_bytes_raw().hex())
        with self._lock:
            self._cache[address.lower()] = key
        return public_bytes(key)

    def adopt(self, old: str, new: str) -> None:
        """Keep the key of the member at ``old`` under ``new`` too: its key was rotated on
        chain, and the contract keeps its encryption key for its member id (the old file stays,
        for envelopes an index opened under the old address)."""
        key = self.key_for(old)
        if key is None or self.key_for(new) is not None:
            return
        write_private(self._path(new), key.private_bytes_raw().hex())
        with self._lock:
            self._cache[new.lower()] = key

    def addresses(self) -> list[str]:
        """Every address this gateway holds an encryption key for (checksummed)."""
        found = {p.stem for p in (self.secrets_dir / KEYS_DIR).glob("*.key")}
        return sorted(Web3.to_checksum_address("0x" + a) for a in found)
