"""Canonical key facts of a trade document, and the parsed document that carries them.

Every value held here is already normalised (see ``normalise.py``): two files of the same invoice
give equal ``DocumentFacts`` whatever their syntax or layout. ``to_dict``/``from_dict`` round-trip
through JSON, so a gateway can store the facts in SQL and grade a match later without the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from ledger.errors import InvalidInput

from .normalise import clean_text, normalise_currency, normalise_identifier, normalise_vat_id

FACTS_SCHEMA_VERSION = 1


class DocumentType(StrEnum):
    """The document types; names map 1:1 to the on-chain enum."""

    INVOICE = "INVOICE"
    BILL_OF_LADING = "BILL_OF_LADING"
    WAREHOUSE_RECEIPT = "WAREHOUSE_RECEIPT"
    CUSTOMS_DECLARATION = "CUSTOMS_DECLARATION"
    PURCHASE_ORDER = "PURCHASE_ORDER"
    CERTIFICATE_OF_ORIGIN = "CERTIFICATE_OF_ORIGIN"
    CONTRACT = "CONTRACT"
    OTHER = "OTHER"


class DocumentFormat(StrEnum):
    """The syntax a file was read as (detected from its content, never from its name)."""

    RAW = "raw"
    UBL = "ubl"
    CII = "cii"
    FACTURX = "facturx"
    JSON_FORM = "json"


class IdScheme(StrEnum):
    """Kinds of party identifier, strongest first (the order ``Party.primary`` uses)."""

    VAT = "VAT"  # VAT identifier with country prefix (EN 16931 BT-31 / BT-48)
    LEI = "LEI"  # ISO 17442 Legal Entity Identifier (ICD 0199)
    LEGAL = "LEGAL"  # legal registration id (BT-30 / BT-47), registry scheme not compared
    TAX = "TAX"  # national tax registration other than VAT (BT-32, CII scheme FC)
    GLN = "GLN"  # GS1 Global Location Number (ICD 0088)
    ICD = "ICD"  # another ISO 6523 ICD scheme; the value is "<icd>:<id>"
    PARTY = "PARTY"  # an identifier without a scheme (BT-29 / BT-46): weak
    NAME = "NAME"  # the registered name, used only when there is no identifier at all


#: schemes that name the legal person itself: a difference in one of them is a different party
IDENTITY_SCHEMES: frozenset[IdScheme] = frozenset(
    {IdScheme.VAT, IdScheme.LEI, IdScheme.LEGAL, IdScheme.TAX}
)
_SCHEME_ORDER = {scheme: i for i, scheme in enumerate(IdScheme)}


@dataclass(frozen=True, order=True)
class PartyId:
    """One normalised identifier of a party: its kind and its value."""

    scheme: IdScheme
    value: str

    def __str__(self) -> str:
        return f"{self.scheme.value}:{self.value}"


def make_party_id(
    scheme: IdScheme | str, value: str, *, country: str | None = None, icd: str | None = None
) -> PartyId:
    """A normalised ``PartyId``. VAT ids get the country prefix; ICD 0199 becomes LEI, 0088 GLN."""
    kind = IdScheme(scheme)
    if kind is IdScheme.ICD:
        code = (icd or "").strip()
        if code == "0199":
            kind = IdScheme.LEI
        elif code == "0088":
            kind = IdScheme.GLN
        elif code:
            return PartyId(kind, f"{code}:{normalise_identifier(value, 'partyId')}")
        else:
            kind = IdScheme.PARTY
    if kind is IdScheme.VAT:
        return PartyId(kind, normalise_vat_id(value, country))
    if kind is IdScheme.NAME:
        return PartyId(kind, clean_text(value).upper())
    return PartyId(kind, normalise_identifier(value, "partyId"))


@dataclass(frozen=True)
class Party:
    """A seller, buyer, issuer or consignee: its identifiers (sorted, de-duplicated) and name."""

    ids: tuple[PartyId, ...]
    #: for people; not compared (two files may spell the name differently)
    name: str | None = field(default=None, compare=False)
    country: str | None = field(default=None, compare=False)

    @classmethod
    def of(
        cls, ids: Iterable[PartyId], name: str | None = None, country: str | None = None
    ) -> Party:
        """A party with its ids sorted strongest first; the name becomes a NAME id if no id."""
        unique = sorted(set(ids), key=lambda p: (_SCHEME_ORDER[p.scheme], p.value))
        shown = clean_text(name) if name and clean_text(name) else None
        if not unique and shown:
            unique = [make_party_id(IdScheme.NAME, shown)]
        return cls(ids=tuple(unique), name=shown, country=country)

    @property
    def primary(self) -> PartyId | None:
        """The strongest identifier: VAT, LEI, legal id, tax id, GLN, other, party id, name."""
        return self.ids[0] if self.ids else None

    @property
    def identity_ids(self) -> tuple[PartyId, ...]:
        """The identifiers of the legal person itself (VAT, LEI, legal registration, tax id)."""
        return tuple(p for p in self.ids if p.scheme in IDENTITY_SCHEMES)

    def compare(self, other: Party) -> tuple[frozenset[IdScheme], frozenset[IdScheme]]:
        """The schemes on which two parties agree (share a value) and conflict (both carry the
        scheme, with no value in common)."""
        agree: set[IdScheme] = set()
        conflict: set[IdScheme] = set()
        for scheme in {p.scheme for p in self.ids} & {p.scheme for p in other.ids}:
            mine = {p.value for p in self.ids if p.scheme is scheme}
            theirs = {p.value for p in other.ids if p.scheme is scheme}
            (agree if mine & theirs else conflict).add(scheme)
        return frozenset(agree), frozenset(conflict)

    def same_as(self, other: Party) -> bool:
        """Whether two parties are the same legal person: no identity identifier (VAT, LEI, legal
        registration, tax id) present in both contradicts, and at least one identifier agrees.
        A shared GLN or party id alone does not outweigh a different VAT id."""
        agree, conflict = self.compare(other)
        return bool(agree) and not (conflict & IDENTITY_SCHEMES)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ids": [{"scheme": p.scheme.value, "value": p.value} for p in self.ids],
            "name": self.name,
            "country": self.country,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Party:
        ids = tuple(PartyId(IdScheme(i["scheme"]), str(i["value"])) for i in data["ids"])
        return cls(ids=ids, name=data.get("name"), country=data.get("country"))


@dataclass(frozen=True)
class DocumentFacts:
    """The key facts of a document, normalised.

    ``amount_minor`` is the face value in the currency's minor units: for an invoice the amount
    due for payment (EN 16931 BT-115), or the total with VAT (BT-112) when BT-115 is absent.
    A credit note is an ``INVOICE`` with ``credit_note=True``.
    """

    doc_type: DocumentType
    number: str
    issue_date: date | None = None
    due_date: date | None = None
    seller: Party | None = None
    buyer: Party | None = None
    amount_minor: int | None = None
    currency: str | None = None
    credit_note: bool = False
    #: the document number as written in the file (for people; never compared)
    number_as_written: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.number != normalise_identifier(self.number, "number"):
            raise InvalidInput("number", "must be normalised (use DocumentFacts.create)")
        if self.currency is not None and self.currency != normalise_currency(self.currency):
            raise InvalidInput("currency", "must be an upper-case ISO 4217 code")
        if (self.amount_minor is None) != (self.currency is None):
            raise InvalidInput("amount", "an amount needs a currency and a currency an amount")

    @classmethod
    def create(
        cls,
        doc_type: DocumentType,
        number: str,
        *,
        issue_date: date | None = None,
        due_date: date | None = None,
        seller: Party | None = None,
        buyer: Party | None = None,
        amount_minor: int | None = None,
        currency: str | None = None,
        credit_note: bool = False,
    ) -> DocumentFacts:
        """Facts from raw values: the number and currency are normalised here."""
        return cls(
            doc_type=doc_type,
            number=normalise_identifier(number, "number"),
            issue_date=issue_date,
            due_date=due_date,
            seller=seller,
            buyer=buyer,
            amount_minor=amount_minor,
            currency=normalise_currency(currency) if currency is not None else None,
            credit_note=credit_note,
            number_as_written=number.strip(),
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (dates as ISO 8601 strings)."""
        return {
            "version": FACTS_SCHEMA_VERSION,
            "docType": self.doc_type.value,
            "creditNote": self.credit_note,
            "number": self.number,
            "numberAsWritten": self.number_as_written,
            "issueDate": self.issue_date.isoformat() if self.issue_date else None,
            "dueDate": self.due_date.isoformat() if self.due_date else None,
            "seller": self.seller.to_dict() if self.seller else None,
            "buyer": self.buyer.to_dict() if self.buyer else None,
            "amountMinor": self.amount_minor,
            "currency": self.currency,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DocumentFacts:
        """The inverse of ``to_dict``."""
        if data.get("version") != FACTS_SCHEMA_VERSION:
            raise InvalidInput("version", f"facts schema version must be {FACTS_SCHEMA_VERSION}")
        return cls(
            doc_type=DocumentType(data["docType"]),
            number=data["number"],
            issue_date=date.fromisoformat(data["issueDate"]) if data.get("issueDate") else None,
            due_date=date.fromisoformat(data["dueDate"]) if data.get("dueDate") else None,
            seller=Party.from_dict(data["seller"]) if data.get("seller") else None,
            buyer=Party.from_dict(data["buyer"]) if data.get("buyer") else None,
            amount_minor=data.get("amountMinor"),
            currency=data.get("currency"),
            credit_note=bool(data.get("creditNote", False)),
            number_as_written=data.get("numberAsWritten", ""),
        )


@dataclass(frozen=True)
class ParsedDocument:
    """A file as the gateway sees it: its SHA-256, the format read, and its facts (if any)."""

    format: DocumentFormat
    doc_hash: bytes
    size: int
    facts: DocumentFacts | None = None

    def __post_init__(self) -> None:
        if len(self.doc_hash) != 32:
            raise InvalidInput("doc_hash", "must be 32 bytes (SHA-256)")
        if self.format is DocumentFormat.RAW and self.facts is not None:
            raise InvalidInput("facts", "a raw file has no facts")

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format.value,
            "docHash": "0x" + self.doc_hash.hex(),
            "size": self.size,
            "facts": self.facts.to_dict() if self.facts else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ParsedDocument:
        raw_hash = str(data["docHash"]).removeprefix("0x")
        return cls(
            format=DocumentFormat(data["format"]),
            doc_hash=bytes.fromhex(raw_hash),
            size=int(data["size"]),
            facts=DocumentFacts.from_dict(data["facts"]) if data.get("facts") else None,
        )
