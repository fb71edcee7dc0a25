"""Confidential financing terms: envelopes only their readers open, and commitments to them.

A financing's terms (amounts, currency, kind, maturity, reference, the documents and their
registrants) and every later entry (a drawdown or a repayment) go on chain encrypted
(issue #14, ``docs/privacy.md``). The construction uses only well-kept primitives from
``cryptography``:

- a fresh 32-byte **data key** per financing (or per refused attempt);
- the payload (canonical JSON with a random 32-byte ``salt``, zero-padded to a multiple of
  :data:`PAD` bytes so its length does not tell the size of an amount) sealed with
  ChaCha20-Poly1305 (RFC 8439) under the data key, the chain id and contract address as
  associated data (an envelope copied to another deployment does not open);
- the data key sealed to each reader's X25519 public key with HPKE base mode (RFC 9180,
  DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM). The slots carry no recipient id: a
  reader tries its key on each (a handful), so the envelope does not say who can read it.
  The slot count is padded to a multiple of :data:`SLOT_PAD` with slots sealed to throw-away
  keys, so it does not tell how many enterprises a financing concerns.

The **commitment** on chain is SHA-256 of the exact plaintext (which includes the salt): the
regulator who opens an envelope proves that what it read is what the bank recorded
(:func:`commitment`), and nobody without the plaintext can test a guess against it.

Wire formats (bytes):

- terms: ``0x04 | n (1 byte) | n x slot (80 bytes: HPKE enc 32 + sealed key 48) | nonce (12) |
  ciphertext``, the ciphertext of the payload's JSON compressed (zlib, RFC 1950) then
  zero-padded to a multiple of :data:`PAD`: a financing's terms name every pledged document
  with its fingerprints, and a financing of the contract's ``MAX_PLEDGES`` (16) invoices did
  not fit its ``MAX_TERMS`` (8,192 bytes) uncompressed. The commitment is still SHA-256 of the
  padded JSON. Envelopes of an earlier release, ``0x01 | …`` with the padded JSON itself
  encrypted, are opened as before;
- entry: ``0x02 | nonce (12) | ciphertext`` under the financing's data key;
- shared keys: ``0x03 | n | n x slot`` (the data key sealed to readers added later).
"""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from ledger.errors import InvalidInput

#: a terms envelope of an earlier release: its payload's padded JSON encrypted as it is
TERMS_VERSION = 0x01
ENTRY_VERSION = 0x02
SHARED_VERSION = 0x03
#: a terms envelope whose payload's JSON is compressed before it is padded and encrypted
COMPRESSED_TERMS_VERSION = 0x04
#: the longest JSON a compressed payload may open to, in bytes (a terms envelope is at most
#: 8,192 bytes on chain: no honest one comes near; a bigger one is refused, never inflated)
MAX_OPENED = 1 << 20
#: the terms envelopes :func:`open_terms` opens
_TERMS_VERSIONS = frozenset({TERMS_VERSION, COMPRESSED_TERMS_VERSION})
#: payloads are zero-padded to a multiple of this many bytes
PAD = 256
#: the slot count is padded to a multiple of this
SLOT_PAD = 4
#: the most readers one envelope may carry (255 fits the count byte)
MAX_SLOTS = 255
SLOT_SIZE = 32 + 32 + 16
NONCE_SIZE = 12
KEY_SIZE = 32
_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_INFO = b"tradeledger/financing-data-key/v1\0"
_AAD = b"tradeledger/financing/v1\0"


@dataclass(frozen=True)
class Context:
    """Where an envelope belongs: the chain id and the contract address (20 bytes)."""

    chain_id: int
    contract: bytes

    def aad(self, financing_id: int = 0) -> bytes:
        return (
            _AAD
            + self.chain_id.to_bytes(32, "big")
            + self.contract
            + financing_id.to_bytes(32, "big")
        )

    def info(self) -> bytes:
        return _INFO + self.chain_id.to_bytes(32, "big") + self.contract


@dataclass(frozen=True)
class Sealed:
    """An envelope ready for the chain, its commitment, and the data key it used."""

    commitment: bytes
    envelope: bytes
    data_key: bytes


@dataclass(frozen=True)
class Opened:
    """What an envelope held: the payload (parsed JSON), the exact plaintext, the data key."""

    payload: dict[str, Any]
    plaintext: bytes
    data_key: bytes


def new_private_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def public_bytes(key: X25519PrivateKey) -> bytes:
    """The raw 32-byte X25519 public key of ``key`` (what a member publishes on chain)."""
    return key.public_key().public_bytes_raw()


def commitment(plaintext: bytes) -> bytes:
    """The 32-byte commitment recorded on chain for ``plaintext`` (SHA-256)."""
    return hashlib.sha256(plaintext).digest()


def _plaintext(payload: dict[str, Any]) -> bytes:
    body = dict(payload)
    body["salt"] = os.urandom(32).hex()
    raw = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return raw + b"\0" * (-len(raw) % PAD)


def _packed(plaintext: bytes) -> bytes:
    """The padded JSON ``plaintext`` (:func:`_plaintext`) as a compressed terms envelope
    carries it: its JSON compressed, then zero-padded to a multiple of :data:`PAD`."""
    packed = zlib.compress(plaintext.rstrip(b"\0"), 9)
    return packed + b"\0" * (-len(packed) % PAD)


def _unpacked(body: bytes) -> bytes:
    """The padded JSON a compressed payload ``body`` holds (:func:`_packed` undone);
    ValueError when it is not one zlib stream followed by zeros, or opens to more than
    :data:`MAX_OPENED` bytes."""
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(body, MAX_OPENED)
    except zlib.error as exc:
        raise ValueError("not a compressed payload") from exc
    if not inflater.eof or inflater.unconsumed_tail or inflater.unused_data.strip(b"\0"):
        raise ValueError("not one compressed payload followed by padding")
    return raw + b"\0" * (-len(raw) % PAD)


def _parse(plaintext: bytes) -> dict[str, Any]:
    payload = json.loads(plaintext.rstrip(b"\0"))
    if not isinstance(payload, dict):
        raise ValueError("payload is not an object")
    return payload


def _slots(data_key: bytes, recipients: Sequence[bytes], context: Context) -> bytes:
    keys = [X25519PublicKey.from_public_bytes(r) for r in dict.fromkeys(recipients)]
    while len(keys) % SLOT_PAD:
        keys.append(new_private_key().public_key())
    if len(keys) > MAX_SLOTS:
        raise InvalidInput("recipients", f"an envelope carries at most {MAX_SLOTS} readers")
    out = bytearray([len(keys)])
    for key in keys:
        out += _SUITE.encrypt(data_key, key, info=context.info())
    return bytes(out)


def _open_slots(
    data: bytes, offset: int, keys: Iterable[X25519PrivateKey], context: Context
) -> tuple[bytes | None, int, list[int]]:
    """(data key, offset after the slots, indexes of the keys that opened a slot)."""
    if len(data) <= offset:
        raise ValueError("truncated envelope")
    n = data[offset]
    offset += 1
    end = offset + n * SLOT_SIZE
    if len(data) < end:
        raise ValueError("truncated envelope")
    found: bytes | None = None
    readers: list[int] = []
    candidates = list(keys)
    for i in range(n):
        slot = data[offset + i * SLOT_SIZE : offset + (i + 1) * SLOT_SIZE]
        for k, key in enumerate(candidates):
            try:
                opened = _SUITE.decrypt(slot, key, info=context.info())
            except Exception:  # noqa: S112 - not this reader's slot
                continue
            found = opened
            readers.append(k)
    return found, end, readers


def seal_terms(payload: dict[str, Any], recipients: Sequence[bytes], context: Context) -> Sealed:
    """Seal ``payload`` (JSON-able) to ``recipients`` (raw X25519 public keys, 32 bytes each).

    Returns the envelope, the commitment to its plaintext and the new data key (kept by the
    caller to seal the financing's later entries). InvalidInput when there are too many readers.
    """
    data_key = ChaCha20Poly1305.generate_key()
    plaintext = _plaintext(payload)
    nonce = os.urandom(NONCE_SIZE)
    body = ChaCha20Poly1305(data_key).encrypt(nonce, _packed(plaintext), context.aad())
    slots = _slots(data_key, recipients, context)
    envelope = bytes([COMPRESSED_TERMS_VERSION]) + slots + nonce + body
    return Sealed(commitment(plaintext), envelope, data_key)


def _terms_plaintext(version: int, opened: bytes) -> bytes:
    """The padded JSON of a terms envelope of ``version`` whose ciphertext opened to
    ``opened``; ValueError when it does not hold one."""
    return _unpacked(opened) if version == COMPRESSED_TERMS_VERSION else opened


def open_terms(
    envelope: bytes, keys: Sequence[X25519PrivateKey], context: Context
) -> tuple[Opened, list[int]] | None:
    """Open a terms envelope with any of ``keys``: the payload and the indexes (into ``keys``)
    of every key that can read it, or None when none can (or the envelope is malformed)."""
    try:
        if not envelope or envelope[0] not in _TERMS_VERSIONS:
            return None
        data_key, offset, readers = _open_slots(envelope, 1, keys, context)
        if data_key is None:
            return None
        nonce = envelope[offset : offset + NONCE_SIZE]
        opened = ChaCha20Poly1305(data_key).decrypt(
            nonce, envelope[offset + NONCE_SIZE :], context.aad()
        )
        plaintext = _terms_plaintext(envelope[0], opened)
        return Opened(_parse(plaintext), plaintext, data_key), readers
    except (ValueError, InvalidTag):
        return None


def seal_entry(
    payload: dict[str, Any], data_key: bytes, context: Context, financing_id: int
) -> Sealed:
    """Seal a financing's entry (a drawdown or a repayment) under its data key."""
    plaintext = _plaintext(payload)
    nonce = os.urandom(NONCE_SIZE)
    body = ChaCha20Poly1305(data_key).encrypt(nonce, plaintext, context.aad(financing_id))
    return Sealed(commitment(plaintext), bytes([ENTRY_VERSION]) + nonce + body, data_key)


def open_entry(
    envelope: bytes, data_key: bytes, context: Context, financing_id: int
) -> Opened | None:
    """Open an entry of ``financing_id`` with its data key; None when it does not open."""
    try:
        if len(envelope) < 1 + NONCE_SIZE or envelope[0] != ENTRY_VERSION:
            return None
        nonce = envelope[1 : 1 + NONCE_SIZE]
        plaintext = ChaCha20Poly1305(data_key).decrypt(
            nonce, envelope[1 + NONCE_SIZE :], context.aad(financing_id)
        )
        return Opened(_parse(plaintext), plaintext, data_key)
    except (ValueError, InvalidTag):
        return None


def seal_shared_key(data_key: bytes, recipients: Sequence[bytes], context: Context) -> bytes:
    """The data key sealed to readers added later (``shareTerms``)."""
    return bytes([SHARED_VERSION]) + _slots(data_key, recipients, context)


def open_shared_key(
    envelope: bytes, keys: Sequence[X25519PrivateKey], context: Context
) -> tuple[bytes, list[int]] | None:
    """The data key in a shared-keys envelope if any of ``keys`` opens it, and which did."""
    try:
        if not envelope or envelope[0] != SHARED_VERSION:
            return None
        data_key, _, readers = _open_slots(envelope, 1, keys, context)
    except ValueError:
        return None
    return (data_key, readers) if data_key is not None else None


def open_terms_with_key(envelope: bytes, data_key: bytes, context: Context) -> Opened | None:
    """Open a terms envelope with a data key obtained from a shared-keys envelope."""
    try:
        if not envelope or envelope[0] not in _TERMS_VERSIONS:
            return None
        offset = 2 + envelope[1] * SLOT_SIZE
        nonce = envelope[offset : offset + NONCE_SIZE]
        opened = ChaCha20Poly1305(data_key).decrypt(
            nonce, envelope[offset + NONCE_SIZE :], context.aad()
        )
        plaintext = _terms_plaintext(envelope[0], opened)
        return Opened(_parse(plaintext), plaintext, data_key)
    except (ValueError, InvalidTag, IndexError):
        return None
