"""Canonical key facts of a trade document, and the parsed document that carries them.

Every value held here is already normalised (see ``normalise.py``): two files of the same invoice
give equal ``DocumentFacts`` whatever their syntax or layout. ``to_dict``/``from_dict`` round-trip
through JSON, so a gateway can store the facts in SQL and grade a match later without the file.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cache
from typing import Any

from ledger.errors import InvalidInput

from .calculation import TotalsFault
from .currencies import is_currency_shape
from .identifiers import (
    LEGAL_REGISTER_COUNTRIES,
    RejectedId,
    compact,
    icd_id,
    legal_id,
    lei_id,
    national_parts,
    shape_problem,
    tax_id,
    vat_id,
    vat_prefix_country,
)
from .normalise import (
    INVOICE_REFERENCE_TERM,
    clean_text,
    normalise_currency,
    normalise_identifier,
    normalise_number,
    normalise_vat_id,
)
from .vatequivalents import vat_equivalent

#: 2 added lines, references and rejected identifiers; version 1 facts still load
#: UNTDID 1001 document type codes (BT-3) of documents that claim no payment, and what each is
NO_PAYMENT_TYPE_CODES = {
    "325": "a pro-forma invoice (UNTDID 1001 code 325): a preliminary invoice that claims no "
    "payment",
    "751": "invoice information for accounting purposes (UNTDID 1001 code 751): it claims no "
    "payment",
}

FACTS_SCHEMA_VERSION = 2
_READABLE_VERSIONS = frozenset({1, 2})


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
    #: legal registration id (BT-30 / BT-47), keyed with its register's country:
    #: ``<country>:<number>`` (the country of a register's ICD scheme, else the party's), the
    #: bare number when neither is known (:func:`legal_register_id`)
    LEGAL = "LEGAL"
    #: national tax registration other than VAT (BT-32, CII scheme FC), keyed with its country
    #: as a legal registration id is (:func:`national_id`)
    TAX = "TAX"
    GLN = "GLN"  # GS1 Global Location Number (ICD 0088)
    ICD = "ICD"  # another ISO 6523 ICD scheme; the value is "<icd>:<id>"
    PARTY = "PARTY"  # an identifier without a scheme (BT-29 / BT-46): weak
    NAME = "NAME"  # the registered name, used only when there is no identifier at all


#: schemes that name the legal person itself: a difference in one of them is a different party
IDENTITY_SCHEMES: frozenset[IdScheme] = frozenset(
    {IdScheme.VAT, IdScheme.LEI, IdScheme.LEGAL, IdScheme.TAX}
)
_SCHEME_ORDER = {scheme: i for i, scheme in enumerate(IdScheme)}
_IDENTITY_NAMES = frozenset(s.value for s in IDENTITY_SCHEMES)


@dataclass(frozen=True, order=True)
class PartyId:
    """One normalised identifier of a party: its kind and its value."""

    scheme: IdScheme
    value: str

    def __str__(self) -> str:
        return f"{self.scheme.value}:{self.value}"


#: identity schemes whose numbers are national (a register's, a tax office's): unique only
#: within their country, so keyed with it (:func:`national_id`)
NATIONAL_SCHEMES: frozenset[IdScheme] = frozenset({IdScheme.LEGAL, IdScheme.TAX})


def national_id(scheme: IdScheme, number: str, country: str | None) -> PartyId:
    """The party id of a national ``number`` (a scheme of :data:`NATIONAL_SCHEMES`) keyed with
    its ``country`` (ISO 3166-1 alpha-2): ``<country>:<number>``, the number normalised as
    ``normalise_identifier`` does; the bare number when the country is not known. A German
    Steuernummer and an Austrian tax number with the same digits, or a German ``HRB 12345`` and
    a Dutch KvK ``12345``, are two companies. Raises ``InvalidInput`` (field ``partyId``) if
    the number has no letter or digit.

    Leading zeros are dropped (``HRB 012345`` is ``HRB12345``) unless the country's register
    counts them: a number its check (python-stdnum, :func:`ledger.documents.identifiers.legal_id`
    or ``tax_id``) passes only as written keeps them — a Finnish Y-tunnus ``0112038-9``, a
    French SIREN ``005520135``, a Belgian enterprise number ``0000000196`` failed their length
    checks without them, and their sellers were keyed by nothing (a sweep of the ZUGFeRD and
    XRechnung corpora)."""
    text = normalise_identifier(number, "partyId")
    if country:
        kept = normalise_identifier(number, "partyId", keep_leading_zeros=True)
        if kept != text and _checks_only_as_written(scheme, kept, text, country.upper()):
            text = kept
    return PartyId(scheme, f"{country.upper()}:{text}" if country else text)


def _checks_only_as_written(scheme: IdScheme, kept: str, stripped: str, country: str) -> bool:
    """Whether the national number ``kept`` (its leading zeros as written) passes its
    country's check and ``stripped`` (without them) does not."""
    check = tax_id if scheme is IdScheme.TAX else legal_id
    return check(kept, country)[1] is None and check(stripped, country)[1] is not None


def legal_register_id(number: str, register: str | None) -> PartyId:
    """The ``LEGAL`` party id of the registration ``number`` in the register of ``register``,
    an ISO 3166-1 alpha-2 country: the country of the register an ICD scheme names
    (:data:`LEGAL_REGISTER_COUNTRIES`), else the party's (another scheme is not compared, as
    before); None when neither is known.

    A registration number is unique only within its register: a German company's ``HRB 12345``
    and a Dutch one's KvK ``12345`` are two companies, and keyed alike they made one seller's
    invoice a duplicate of the other's. The value is ``<register>:<number>`` (``NL:57151520``),
    the number normalised as ``normalise_identifier`` does. Raises ``InvalidInput`` (field
    ``partyId``) if the number has no letter or digit."""
    return national_id(IdScheme.LEGAL, number, register)


def _vat_country(ids: Iterable[PartyId]) -> str | None:
    """The ISO 3166-1 country of the first VAT id in ``ids`` (its prefix; ``EL`` is Greece,
    ``XI`` Northern Ireland), or None."""
    for pid in ids:
        prefix = pid.value[:2]
        if pid.scheme is IdScheme.VAT and prefix.isalpha():
            return vat_prefix_country(prefix)
    return None


def make_party_id(
    scheme: IdScheme | str,
    value: str,
    *,
    country: str | None = None,
    icd: str | None = None,
    register: str | None = None,
) -> PartyId:
    """A normalised ``PartyId`` (not yet checked: see ``check_party_id``).

    VAT ids get the country prefix and, when valid, python-stdnum's compact form; ICD 0199
    becomes LEI, 0088 GLN, another code ``ICD`` with the value ``"<icd>:<id>"``; an ICD scheme
    without a code is a plain party id. Values under a scheme with check digits are only
    compacted (upper case, separators removed), never stripped of leading zeros. A ``LEGAL``
    id is keyed with ``register``, else ``country`` (:func:`legal_register_id`); a ``TAX`` id
    with ``country`` (:func:`national_id`).
    """
    kind = IdScheme(scheme)
    if kind in NATIONAL_SCHEMES:
        return national_id(kind, value, register or country)
    if kind is IdScheme.ICD:
        code = (icd or "").strip()
        if code == "0199":
            kind = IdScheme.LEI
        elif code == "0088":
            kind = IdScheme.GLN
        elif code:
            return PartyId(kind, f"{code}:{_compact_id(value)}")
        else:
            kind = IdScheme.PARTY
    if kind is IdScheme.VAT:
        canonical, _ = vat_id(value, country)
        return PartyId(kind, canonical or normalise_vat_id(value, country))
    if kind is IdScheme.NAME:
        return PartyId(kind, clean_text(value).upper())
    if kind in (IdScheme.LEI, IdScheme.GLN):
        return PartyId(kind, _compact_id(value))
    return PartyId(kind, normalise_identifier(value, "partyId"))


def _compact_id(value: str) -> str:
    text = compact(unicodedata.normalize("NFKC", value))
    if not text:
        raise InvalidInput("partyId", "must contain at least one letter or digit")
    return text


def party_id_problem(pid: PartyId, country: str | None = None) -> str | None:
    """Why ``pid`` must not identify a party (see ``identifiers.py``), or ``None``."""
    return _problem(pid, country)


@cache
def _problem(pid: PartyId, country: str | None) -> str | None:
    scheme, value = pid.scheme, pid.value
    if scheme is IdScheme.NAME:
        return None
    if scheme is IdScheme.VAT:
        canonical, problem = vat_id(value, country)
        if problem is None and canonical != value:
            return "is not in canonical form"
        return problem
    if scheme is IdScheme.LEI:
        return lei_id(value)[1]
    if scheme is IdScheme.GLN:
        return icd_id("0088", value)[1]
    if scheme is IdScheme.ICD:
        code, _, number = value.partition(":")
        return icd_id(code, number)[1]
    if scheme in NATIONAL_SCHEMES:
        register, number = national_parts(value)
        check = tax_id if scheme is IdScheme.TAX else legal_id
        return check(number, register or country)[1]
    return shape_problem(value)


def check_party_id(
    scheme: IdScheme | str,
    value: str,
    *,
    country: str | None = None,
    icd: str | None = None,
    legal_scheme: str | None = None,
) -> PartyId | RejectedId:
    """The ``PartyId`` for an identifier a file carries, or a ``RejectedId`` saying why it is not
    one (``Foretaksregisteret`` as a tax id, a VAT number whose check digits fail, a scheme code
    that is not an ISO 6523 ICD, …). ``legal_scheme`` is the ICD code of a legal registration
    (BT-30 scheme): the number is checked under it, and stored without it."""
    kind = IdScheme(scheme)
    shown = (
        f"{kind.value}" + (f" {icd}" if icd else "") + (f" {legal_scheme}" if legal_scheme else "")
    )
    if not value.strip():
        return RejectedId(shown, value, "is empty")
    register = None
    if kind is IdScheme.LEGAL and legal_scheme:
        _, problem = icd_id(legal_scheme, value)
        if problem is not None:
            return RejectedId(shown, value.strip(), problem)
        # keyed with the country of its scheme's register; another scheme's, the party's
        register = LEGAL_REGISTER_COUNTRIES.get(legal_scheme)
    try:
        pid = make_party_id(kind, value, country=country, icd=icd, register=register)
    except InvalidInput as exc:
        return RejectedId(shown, value.strip(), exc.rule)
    problem = _problem(pid, country)
    return pid if problem is None else RejectedId(shown, value.strip(), problem)


@dataclass(frozen=True)
class Party:
    """A seller, buyer, issuer or consignee: its usable identifiers (sorted, de-duplicated, each
    checked by its scheme), the ones rejected with the reason, and its name."""

    ids: tuple[PartyId, ...]
    #: for people; not compared (two files may spell the name differently)
    name: str | None = field(default=None, compare=False)
    country: str | None = field(default=None, compare=False)
    #: identifiers the file carries that failed their scheme's check; never compared or keyed
    rejected: tuple[RejectedId, ...] = field(default=(), compare=False)

    @classmethod
    def of(
        cls,
        ids: Iterable[PartyId | RejectedId],
        name: str | None = None,
        country: str | None = None,
    ) -> Party:
        """A party with its usable ids sorted strongest first. Every ``PartyId`` is checked by
        its scheme (``party_id_problem``) and moved to ``rejected`` if it fails; the name
        becomes a NAME id only if no usable id is left. A legal registration or tax id given
        without its country is keyed with ``country``, else the country of the party's VAT id
        (:func:`national_id`)."""
        given = list(ids)
        register = country or _vat_country(p for p in given if isinstance(p, PartyId))
        usable: set[PartyId] = set()
        rejected: list[RejectedId] = []
        for item in given:
            if isinstance(item, RejectedId):
                rejected.append(item)
                continue
            if item.scheme in NATIONAL_SCHEMES and register and not national_parts(item.value)[0]:
                item = national_id(item.scheme, item.value, register)
            problem = _problem(item, country)
            if problem is None:
                usable.add(item)
            else:
                rejected.append(RejectedId(item.scheme.value, item.value, problem))
        unique = sorted(usable, key=lambda p: (_SCHEME_ORDER[p.scheme], p.value))
        if any(p.scheme is IdScheme.NAME for p in unique) and len(unique) > 1:
            unique = [p for p in unique if p.scheme is not IdScheme.NAME]
        shown = clean_text(name) if name and clean_text(name) else None
        if not unique and shown:
            unique = [make_party_id(IdScheme.NAME, shown)]
        return cls(ids=tuple(unique), name=shown, country=country, rejected=tuple(rejected))

    @property
    def primary(self) -> PartyId | None:
        """The strongest identifier: VAT, LEI, legal id, tax id, GLN, other, party id, name."""
        return self.ids[0] if self.ids else None

    @property
    def identity_ids(self) -> tuple[PartyId, ...]:
        """The identifiers of the legal person itself (VAT, LEI, legal registration, tax id)."""
        return tuple(p for p in self.ids if p.scheme in IDENTITY_SCHEMES)

    @property
    def key_ids(self) -> tuple[PartyId, ...]:
        """The identifiers a party is keyed on (what fingerprints and the grade use): its identity
        identifiers (VAT, LEI, legal registration, tax id), strongest first. A party without one
        is keyed on its strongest identifier (GLN, other ICD, party id, else its name) — except a
        party whose file claims an identity (a VAT number, LEI, legal or tax registration) that
        failed every check: it is not keyed at all. Its GLN or name cannot stand in for the
        identity it claims (location codes and names are shared between companies), and the
        failed value must never be keyed on; ``unkeyed`` tells the caller. A register number
        also keys the party by the VAT id it stands for (:attr:`vat_equivalents`), and an
        identifier under a legal register's ICD by the legal registration id it is
        (:attr:`legal_equivalents`)."""
        identity = self.identity_ids
        if self.unkeyed:
            return ()
        derived = (*self.vat_equivalents, *self.legal_equivalents)
        if not identity and not derived:
            return (self.ids[0],) if self.ids else ()
        keys = sorted({*identity, *derived}, key=lambda p: (_SCHEME_ORDER[p.scheme], p.value))
        if not identity:  # still keyed on what it was keyed on before, too
            keys.append(self.ids[0])
        return tuple(keys)

    @property
    def vat_equivalents(self) -> tuple[PartyId, ...]:
        """The VAT ids the party's register numbers stand for where the country makes the one
        from the other (a Danish CVR number ``13585628`` is the VAT id ``DK13585628``:
        :mod:`ledger.documents.vatequivalents`), and that it does not carry itself. They key it
        as its own VAT id would (a re-typed copy naming the seller by the other number meets
        the original's fingerprints); they are not shown among its identifiers."""
        own = {p for p in self.ids if p.scheme is IdScheme.VAT}
        found: list[PartyId] = []
        for p in self.ids:
            vat = vat_equivalent(p.scheme.value, p.value, self.country)
            if vat is not None and PartyId(IdScheme.VAT, vat) not in own:
                found.append(PartyId(IdScheme.VAT, vat))
        return tuple(dict.fromkeys(found))

    @property
    def legal_equivalents(self) -> tuple[PartyId, ...]:
        """The legal registration ids (``LEGAL``, as EN 16931 BT-30 keys them: the number with
        its register's country) of the party's identifiers under an ICD naming a register of
        legal persons (:data:`~ledger.documents.identifiers.LEGAL_REGISTER_COUNTRIES`) that it
        does not carry as such: the KvK number ``0106:57151520`` (a party identifier, or a JSON
        form's scheme) keys the party as BT-30 ``57151520`` under 0106 (or without a scheme,
        of a party in NL) does: ``LEGAL:NL:57151520``. Not shown among its identifiers."""
        own = {p for p in self.ids if p.scheme is IdScheme.LEGAL}
        found: list[PartyId] = []
        for p in self.ids:
            if p.scheme is not IdScheme.ICD:
                continue
            code, _, number = p.value.partition(":")
            if code not in LEGAL_REGISTER_COUNTRIES:
                continue
            try:
                legal = legal_register_id(number, LEGAL_REGISTER_COUNTRIES[code])
            except InvalidInput:
                continue
            if legal not in own:
                found.append(legal)
        return tuple(dict.fromkeys(found))

    @property
    def unkeyed(self) -> bool:
        """The party claims an identity, and every identity identifier it gave failed its check."""
        if self.identity_ids:
            return False
        return any(r.scheme.split(" ")[0] in _IDENTITY_NAMES for r in self.rejected)

    @property
    def key(self) -> PartyId | None:
        """The strongest key identifier (``key_ids[0]``), or ``None``."""
        keys = self.key_ids
        return keys[0] if keys else None

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
            "rejected": [r.to_dict() for r in self.rejected],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Party:
        """The inverse of ``to_dict``; identifiers are checked again (facts stored before a
        check existed lose the identifiers that fail it)."""
        ids: list[PartyId | RejectedId] = [
            PartyId(IdScheme(i["scheme"]), str(i["value"])) for i in data["ids"]
        ]
        ids += [RejectedId.from_dict(r) for r in data.get("rejected") or []]
        return cls.of(ids, name=data.get("name"), country=data.get("country"))


@dataclass(frozen=True, order=True)
class Line:
    """One invoice line (EN 16931 BG-25), for comparing invoices that are not the same document:
    the item (BT-153 name, else BT-155/BT-157 id, upper case, spaces collapsed), the invoiced
    quantity (BT-129, as a plain decimal string) and the line net amount (BT-131, minor units)."""

    item: str
    quantity: str
    amount_minor: int

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "quantity": self.quantity, "amountMinor": self.amount_minor}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Line:
        return cls(str(data["item"]), str(data["quantity"]), int(data["amountMinor"]))


#: the references a document may carry (``DocumentFacts.references`` keys), EN 16931 terms
REFERENCE_KINDS = (
    "order",  # BT-13 purchase order reference
    "contract",  # BT-12 contract reference
    "despatch",  # BT-16 despatch advice reference
    "receipt",  # BT-15 receiving advice reference
    "project",  # BT-11 project reference
    "delivery_date",  # BT-72 actual delivery date
    "period",  # BT-73/BT-74 invoicing period, "start/end"
)


@dataclass(frozen=True)
class DocumentFacts:
    """The key facts of a document, normalised.

    ``amount_minor`` is the face value in the currency's minor units: for an invoice the amount
    due for payment (EN 16931 BT-115), or the total with VAT (BT-112) when BT-115 is absent and
    nothing is stated paid (BT-113) or rounded (BT-114): the readers refuse such a file then.
    A credit note is an ``INVOICE`` with ``credit_note=True``; ``invoice_refs`` are the numbers
    of the invoices it corrects (BT-25, normalised).

    ``lines`` (``None`` when the format carries none) and ``references`` are not key facts: they
    are compared only to say whether two different documents look like a re-issue or a split
    of one invoice (``suspicion.py``), never for a grade or a fingerprint.
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
    lines: tuple[Line, ...] | None = field(default=None, compare=False)
    references: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    invoice_refs: tuple[str, ...] = field(default=(), compare=False)
    #: the amount due EN 16931 BR-CO-16 gives (BT-112 - BT-113 + BT-114, minor units) when it
    #: differs from the one the file states (``amount_minor``, BT-115); None when they agree or
    #: the file does not state both (``ledger.documents.totals``). Not a key fact: the face
    #: value stays what the file states; what can be financed is the lesser
    #: (:attr:`amount_due_minor`)
    amount_due_by_totals: int | None = field(default=None, compare=False)
    #: the invoice total with VAT (EN 16931 BT-112, minor units) when the file states a paid
    #: amount above zero (BT-113) or a rounding amount (BT-114) besides: what it was due before
    #: either (``totals.total_before_settled``), which a re-issue shares with its invoice
    #: whatever it says was paid (``marks.mark_inputs``); None otherwise. Not a key fact
    total_before_settled: int | None = field(default=None, compare=False)
    #: the EN 16931 calculation rules the file breaks so that it states more than its own
    #: lines, allowances, charges and VAT support (``ledger.documents.calculation``); when
    #: any, :attr:`amount_due_by_totals` is what they support. Not a key fact
    totals_faults: tuple[TotalsFault, ...] = field(default=(), compare=False)
    #: the document type code (BT-3, UNTDID 1001) the file states, or None (a JSON form, a file
    #: that states none). Not a key fact: what it says that matters is :attr:`credit_note` and
    #: :attr:`no_payment_claimed`
    type_code: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.number != normalise_number(self.number, "number"):
            raise InvalidInput("number", "must be normalised (use DocumentFacts.create)")
        # the shape only: facts stored before the ISO 4217 list was checked must stay readable
        # (every reader checks the list, through DocumentFacts.create)
        if self.currency is not None and not is_currency_shape(self.currency):
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
        lines: Iterable[Line] | None = None,
        references: Mapping[str, str] | None = None,
        invoice_refs: Iterable[str] = (),
        amount_due_by_totals: int | None = None,
        totals_faults: Iterable[TotalsFault] = (),
        type_code: str | None = None,
        total_before_settled: int | None = None,
    ) -> DocumentFacts:
        """Facts from raw values: the number, the invoice references and the currency are
        normalised here."""
        refs = tuple(
            sorted(
                {
                    normalise_number(r, "invoiceReference", INVOICE_REFERENCE_TERM)
                    for r in invoice_refs
                }
            )
        )
        return cls(
            doc_type=doc_type,
            number=normalise_number(number, "number"),
            issue_date=issue_date,
            due_date=due_date,
            seller=seller,
            buyer=buyer,
            amount_minor=amount_minor,
            currency=normalise_currency(currency, issued=issue_date)
            if currency is not None
            else None,
            credit_note=credit_note,
            number_as_written=number.strip(),
            lines=tuple(sorted(lines)) if lines is not None else None,
            references=tuple(sorted((references or {}).items())),
            invoice_refs=refs,
            amount_due_by_totals=amount_due_by_totals,
            totals_faults=tuple(totals_faults),
            type_code=type_code,
            total_before_settled=total_before_settled,
        )

    @property
    def amount_due_minor(self) -> int | None:
        """The amount due that can be relied on (minor units): the stated one (BT-115), or what
        BR-CO-16 gives when that is less (:attr:`amount_due_by_totals`); None without an
        amount."""
        if self.amount_minor is None or self.amount_due_by_totals is None:
            return self.amount_minor
        return min(self.amount_minor, self.amount_due_by_totals)

    @property
    def no_payment_claimed(self) -> str | None:
        """What the document is when its type code (BT-3) says it claims no payment — a
        pro-forma invoice (325), invoice information for accounting purposes (751) — else
        None. Such a document is no receivable: it cannot be financed (a pro-forma invoice
        financed as an invoice is money lent against nothing owed)."""
        return NO_PAYMENT_TYPE_CODES.get(self.type_code or "")

    @property
    def reference_map(self) -> dict[str, str]:
        return dict(self.references)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (dates as ISO 8601 strings)."""
        return {
            "version": FACTS_SCHEMA_VERSION,
            "docType": self.doc_type.value,
            "creditNote": self.credit_note,
            "typeCode": self.type_code,
            "number": self.number,
            "numberAsWritten": self.number_as_written,
            "issueDate": self.issue_date.isoformat() if self.issue_date else None,
            "dueDate": self.due_date.isoformat() if self.due_date else None,
            "seller": self.seller.to_dict() if self.seller else None,
            "buyer": self.buyer.to_dict() if self.buyer else None,
            "amountMinor": self.amount_minor,
            "amountDueByTotals": self.amount_due_by_totals,
            "totalsFaults": [fault.to_dict() for fault in self.totals_faults],
            "currency": self.currency,
            "invoiceReferences": list(self.invoice_refs),
            "references": dict(self.references),
            "lines": [line.to_dict() for line in self.lines] if self.lines is not None else None,
        } | (
            {"totalBeforeSettled": self.total_before_settled}
            if self.total_before_settled is not None
            else {}
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DocumentFacts:
        """The inverse of ``to_dict``; also reads version 1 facts (their number is normalised
        again by today's rule, their party identifiers checked again)."""
        if data.get("version") not in _READABLE_VERSIONS:
            raise InvalidInput("version", f"facts schema version must be {FACTS_SCHEMA_VERSION}")
        lines = data.get("lines")
        number = str(data["number"])
        if data.get("version") == 1:
            number = normalise_number(data.get("numberAsWritten") or number, "number")
        return cls(
            doc_type=DocumentType(data["docType"]),
            number=number,
            issue_date=date.fromisoformat(data["issueDate"]) if data.get("issueDate") else None,
            due_date=date.fromisoformat(data["dueDate"]) if data.get("dueDate") else None,
            seller=Party.from_dict(data["seller"]) if data.get("seller") else None,
            buyer=Party.from_dict(data["buyer"]) if data.get("buyer") else None,
            amount_minor=data.get("amountMinor"),
            currency=data.get("currency"),
            credit_note=bool(data.get("creditNote", False)),
            number_as_written=data.get("numberAsWritten", ""),
            lines=tuple(Line.from_dict(x) for x in lines) if lines is not None else None,
            references=tuple(sorted((data.get("references") or {}).items())),
            invoice_refs=tuple(data.get("invoiceReferences") or ()),
            amount_due_by_totals=data.get("amountDueByTotals"),
            totals_faults=tuple(TotalsFault.from_dict(x) for x in data.get("totalsFaults") or ()),
            type_code=data.get("typeCode"),
            total_before_settled=data.get("totalBeforeSettled"),
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
