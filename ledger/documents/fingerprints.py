"""Keyed fingerprints of a document's key facts (HMAC-SHA256 with the consortium key).

Why keyed: a document number, a date and an amount are few bits; a plain hash of them can be
recomputed by anyone who reads the chain and guesses. Without the consortium fingerprint key (held
by the members' gateways, never on chain) a fingerprint reveals nothing and cannot be matched.

Each fingerprint is the HMAC of: a version tag, its kind (domain separation), then its fields,
each written as a presence byte, a 4-byte big-endian length and the UTF-8 bytes, so that fields
can never run into each other (``("AB", "C")`` ≠ ``("A", "BC")``).

Kinds, loosest first:

- ``seller_number`` — document type, one seller identity identifier, document number. One per
  seller identity identifier (VAT, LEI, legal registration, tax id); if the seller has none, one
  for its strongest identifier. Catches an altered copy (same number, other amount or date).
- ``seller_buyer_amount_date`` — document type, seller and buyer (strongest identifier of
  each), amount in minor units, currency, issue date. Catches a re-numbered copy.
- ``full`` — every key fact: type, credit-note flag, seller, buyer, number, issue and due date,
  amount, currency.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from cryptography.hazmat.primitives import hashes, hmac

from ledger.errors import InvalidInput

from .facts import DocumentFacts, ParsedDocument, Party, PartyId

#: changes whenever a normalisation rule or the MAC input layout changes
FINGERPRINT_VERSION = "tradeledger/fingerprint/v1"
#: the shortest consortium fingerprint key accepted, in bytes
MIN_KEY_BYTES = 32


class FingerprintKind(StrEnum):
    """What a fingerprint covers (also its domain-separation label)."""

    SELLER_NUMBER = "seller_number"
    SELLER_BUYER_AMOUNT_DATE = "seller_buyer_amount_date"
    FULL = "full"


@dataclass(frozen=True)
class Fingerprint:
    """One keyed fingerprint: its kind, the seller identifier scheme it was built on, its value."""

    kind: FingerprintKind
    basis: str
    value: bytes

    @property
    def name(self) -> str:
        """e.g. ``seller_number:VAT`` or ``full``."""
        return f"{self.kind.value}:{self.basis}" if self.basis else self.kind.value


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes | bytearray) or len(key) < MIN_KEY_BYTES:
        raise InvalidInput("fingerprint_key", f"must be at least {MIN_KEY_BYTES} bytes")


def _field(value: str | None) -> bytes:
    if value is None:
        return b"\x00"
    data = value.encode("utf-8")
    return b"\x01" + len(data).to_bytes(4, "big") + data


def _mac(key: bytes, kind: FingerprintKind, fields: Iterable[str | None]) -> bytes:
    mac = hmac.HMAC(bytes(key), hashes.SHA256())
    mac.update(_field(FINGERPRINT_VERSION))
    mac.update(_field(kind.value))
    for value in fields:
        mac.update(_field(value))
    return mac.finalize()


def _party_fields(party: Party | None) -> list[str | None]:
    primary = party.primary if party else None
    return [primary.scheme.value, primary.value] if primary else [None, None]


def _seller_number_ids(seller: Party | None) -> list[PartyId]:
    if seller is None:
        return []
    identity = list(seller.identity_ids)
    if identity:
        return identity
    return [seller.primary] if seller.primary else []


def compute_fingerprints(document: ParsedDocument | DocumentFacts, key: bytes) -> list[Fingerprint]:
    """All fingerprints of a document (none for a raw file), in a stable order."""
    _check_key(key)
    facts = document.facts if isinstance(document, ParsedDocument) else document
    if facts is None:
        return []
    doc_type = facts.doc_type.value
    issue = facts.issue_date.isoformat() if facts.issue_date else None
    due = facts.due_date.isoformat() if facts.due_date else None
    amount = str(facts.amount_minor) if facts.amount_minor is not None else None
    found: list[Fingerprint] = []
    for pid in _seller_number_ids(facts.seller):
        value = _mac(
            key, FingerprintKind.SELLER_NUMBER, [doc_type, pid.scheme, pid.value, facts.number]
        )
        found.append(Fingerprint(FingerprintKind.SELLER_NUMBER, pid.scheme.value, value))
    seller = _party_fields(facts.seller)
    buyer = _party_fields(facts.buyer)
    if amount is not None and issue is not None and seller[0] is not None:
        value = _mac(
            key,
            FingerprintKind.SELLER_BUYER_AMOUNT_DATE,
            [doc_type, *seller, *buyer, amount, facts.currency, issue],
        )
        found.append(Fingerprint(FingerprintKind.SELLER_BUYER_AMOUNT_DATE, "", value))
    full_fields = [
        doc_type,
        "credit_note" if facts.credit_note else "",
        *seller,
        *buyer,
        facts.number,
        issue,
        due,
        amount,
        facts.currency,
    ]
    found.append(
        Fingerprint(FingerprintKind.FULL, "", _mac(key, FingerprintKind.FULL, full_fields))
    )
    return found


def onchain_fingerprints(document: ParsedDocument | DocumentFacts, key: bytes) -> list[bytes]:
    """The fingerprints as the contract takes them: bytes32 values, strictly ascending, unique."""
    return sorted({fp.value for fp in compute_fingerprints(document, key)})
