"""Keyed fingerprints of a document's key facts (HMAC-SHA256 with the consortium key).

Why keyed: a document number, a date and an amount are few bits; a plain hash of them can be
recomputed by anyone who reads the chain and guesses. Without the consortium fingerprint key (held
by the members' gateways, never on chain) a fingerprint reveals nothing and cannot be matched.

Each fingerprint is the HMAC of: a version tag, its kind (domain separation), then its fields,
each written as a presence byte, a 4-byte big-endian length and the UTF-8 bytes, so that fields
can never run into each other (``("AB", "C")`` ≠ ``("A", "BC")``).

Kinds, loosest first (``fingerprint_inputs`` builds their fields; ``matching.py`` grades two
documents by comparing the same inputs, so a shared fingerprint and a graded match are one fact):

- ``seller_number`` — document type, one seller key identifier, document number. One per seller
  identity identifier (VAT, LEI, legal registration, tax id — each checked by its scheme, see
  ``identifiers.py``); if the seller has none, one for its strongest identifier. A number that
  names one party only within a register its file does not state (a German ``HRB 12345``)
  keys with the seller's name beside it (:func:`register_local`). Catches an altered copy
  (same number, other amount or date).
- ``seller_buyer_amount_date`` — document type, seller and buyer (strongest key identifier of
  each), amount in minor units, currency, issue date. Catches a re-numbered copy.
- ``seller_name_buyer_number`` — document type, the seller's name as written (its letters and
  digits, case aside; no identifier) and country, buyer (strongest key identifier), document
  number, amount in minor units, currency, issue date; only when the seller is named. Catches
  a copy whose seller's identifiers were changed or left out (its VAT id deleted, so it is
  keyed by its GLN or its name alone): every other kind keys the seller by an identifier, and
  tryout 64 (2026-12-06) financed such a copy of a financed invoice at a second bank, and both
  files of one invoice in one financing. Two sellers of other names with one number for one
  buyer on one day for one amount share none of it (the field cases' ``identifiers-placeholder``
  sellers are two).
- ``full`` — every key fact: type, credit-note flag, seller, buyer, number, issue and due date,
  amount, currency.

The document type of a credit note is ``INVOICE/CREDIT_NOTE`` in every fingerprint: a credit note
is never the same document as the invoice it corrects, even under the same number.

Oblivious fingerprints (issue #18, docs/fingerprints.md): the fingerprint that goes on chain is
``SHA-256(ONCHAIN_LABEL || OPRF output)`` where the OPRF (RFC 9497, :mod:`ledger.oprf`) is
evaluated by the consortium's evaluator on the same canonical encoding the MAC covers
(:func:`oprf_input`), so equal facts still give equal fingerprints. A gateway computes it only
through the evaluator (:func:`oblivious_fingerprints`); it holds no key that could.

Lookup keys (``lookup_keys``) are keyed the same way but never go on chain: the gateway stores
them with a received file to find, without reading every file, the invoices of the same seller
and buyer (``parties``, for suspicion) and the credit notes that reference an invoice
(``credits``: the ``seller_number`` fingerprint of the invoice a credit note corrects).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from cryptography.hazmat.primitives import hashes, hmac

from ledger.errors import InvalidInput
from ledger.lookalikes import ascii_lookalikes

from .citednumbers import lookup_forms
from .facts import DocumentFacts, DocumentType, IdScheme, ParsedDocument, Party, PartyId
from .identifiers import (
    LEGAL_REGISTER_COUNTRIES,
    LEGAL_VALIDATORS,
    TAX_VALIDATORS,
    national_parts,
    stdnum_module,
)
from .normalise import clean_text

#: changes whenever a normalisation rule or the MAC input layout changes
FINGERPRINT_VERSION = "tradeledger/fingerprint/v3"
#: the label hashed with an OPRF output into an on-chain fingerprint
ONCHAIN_LABEL = b"tradeledger/fingerprint/v3/onchain"
#: the shortest consortium fingerprint key accepted, in bytes
MIN_KEY_BYTES = 32
#: the document type label of a credit note (an INVOICE with the credit-note flag)
CREDIT_NOTE_LABEL = "INVOICE/CREDIT_NOTE"


class FingerprintKind(StrEnum):
    """What a fingerprint covers (also its domain-separation label)."""

    SELLER_NUMBER = "seller_number"
    SELLER_BUYER_AMOUNT_DATE = "seller_buyer_amount_date"
    SELLER_NAME_BUYER_NUMBER = "seller_name_buyer_number"
    FULL = "full"
    #: one version of a document on its amendment chain, by its hash (:func:`version_inputs`)
    DOCUMENT_VERSION = "document_version"


#: what a financed document shares with a file one of whose fingerprints it holds, in words
#: (from :func:`fingerprint_inputs` and :func:`version_inputs`), and what that alone leaves open
FINGERPRINT_COVERS: dict[FingerprintKind, str] = {
    FingerprintKind.SELLER_NUMBER: (
        "the same seller (by the identifier this fingerprint is named by) and the same "
        "number, whatever its date and "
        "amount: the same document, or the seller's number used again"
    ),
    FingerprintKind.SELLER_BUYER_AMOUNT_DATE: (
        "the same seller, buyer, amount and issue date, whatever its number"
    ),
    FingerprintKind.SELLER_NAME_BUYER_NUMBER: (
        "a seller of the same name, the same buyer, number, amount and issue date, whatever "
        "identifiers its seller is given: the same document with its seller's identifiers "
        "changed or left out"
    ),
    FingerprintKind.FULL: "the same seller, buyer, number, dates and amount",
    FingerprintKind.DOCUMENT_VERSION: "this registered version of the document, in any file",
}


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


@dataclass(frozen=True)
class FingerprintInput:
    """What one fingerprint covers, before the MAC: its kind, basis and field values."""

    kind: FingerprintKind
    basis: str
    fields: tuple[str | None, ...]

    @property
    def name(self) -> str:
        return f"{self.kind.value}:{self.basis}" if self.basis else self.kind.value


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes | bytearray) or len(key) < MIN_KEY_BYTES:
        raise InvalidInput("fingerprint_key", f"must be at least {MIN_KEY_BYTES} bytes")


def _field(value: str | None) -> bytes:
    if value is None:
        return b"\x00"
    data = value.encode("utf-8")
    return b"\x01" + len(data).to_bytes(4, "big") + data


def _mac(key: bytes, kind: str, fields: Iterable[str | None]) -> bytes:
    mac = hmac.HMAC(bytes(key), hashes.SHA256())
    mac.update(_field(FINGERPRINT_VERSION))
    mac.update(_field(kind))
    for value in fields:
        mac.update(_field(value))
    return mac.finalize()


def oprf_input(kind: str, fields: Iterable[str | None]) -> bytes:
    """The canonical encoding of one fingerprint's input: exactly what :func:`_mac` covers
    (version tag, kind, then each field with its presence byte and length)."""
    return b"".join([_field(FINGERPRINT_VERSION), _field(kind), *(_field(v) for v in fields)])


def onchain_value(output: bytes) -> bytes:
    """The bytes32 fingerprint of a 64-byte OPRF output."""
    if len(output) != 64:
        raise InvalidInput("output", "an OPRF output is 64 bytes")
    return hashlib.sha256(ONCHAIN_LABEL + bytes(output)).digest()


def oblivious_fingerprints(
    document: ParsedDocument | DocumentFacts, evaluate: Callable[[list[bytes]], list[bytes]]
) -> list[Fingerprint]:
    """The on-chain fingerprints of a document, in the order of :func:`compute_fingerprints`.
    ``evaluate`` maps OPRF inputs to their 64-byte outputs in one batch (the evaluator:
    :meth:`ledger.oblivious.EvaluatorClient.outputs`); its errors pass through."""
    facts = _facts(document)
    inputs = fingerprint_inputs(facts) if facts is not None else []
    if not inputs:
        return []
    outputs = evaluate([oprf_input(i.kind.value, i.fields) for i in inputs])
    return [
        Fingerprint(i.kind, i.basis, onchain_value(o)) for i, o in zip(inputs, outputs, strict=True)
    ]


def oblivious_fingerprints_many(
    documents: Sequence[DocumentFacts], evaluate: Callable[[list[bytes]], list[bytes]]
) -> list[list[Fingerprint]]:
    """:func:`oblivious_fingerprints` of several documents in one evaluation (one request, one
    proof), in order."""
    per_doc = [fingerprint_inputs(d) for d in documents]
    flat = [oprf_input(i.kind.value, i.fields) for inputs in per_doc for i in inputs]
    outputs = evaluate(flat) if flat else []
    found: list[list[Fingerprint]] = []
    at = 0
    for inputs in per_doc:
        mine = outputs[at : at + len(inputs)]
        at += len(inputs)
        found.append(
            [
                Fingerprint(i.kind, i.basis, onchain_value(o))
                for i, o in zip(inputs, mine, strict=True)
            ]
        )
    return found


def version_inputs(doc_hashes: Sequence[bytes]) -> list[FingerprintInput]:
    """The ``document_version`` fingerprint inputs of ``doc_hashes`` (32 bytes each): one per
    version of a document on its amendment chain — the document a financing pledges and every
    document it supersedes, directly or not (``DocumentSuperseded``). Its basis is the
    version's 0x hash, so a held one names the version it was found through.

    Why: an amendment (``supersedeDocument``) under a new number or amount shares no fact
    fingerprint with the version it replaces, and which document a financing pledges is sealed;
    a financing therefore locks the version fingerprint of each document it pledges and of
    its earlier versions (``ledger.services.financing``), so that a financing of any later
    version meets the earlier one's lock on chain (docs/fingerprints.md, "Versions")."""
    found = []
    for doc_hash in doc_hashes:
        if len(doc_hash) != 32:
            raise InvalidInput("doc_hash", "must be 32 bytes")
        text = "0x" + doc_hash.hex()
        found.append(FingerprintInput(FingerprintKind.DOCUMENT_VERSION, text, (text,)))
    return found


def version_of(name: str | None) -> str | None:
    """The version (0x hash) a fingerprint named ``name`` is the ``document_version`` of
    (:func:`version_inputs`: ``document_version:0x…``), or None for any other fingerprint:
    what a holder found through an earlier version of a document is named by."""
    kind, _, basis = (name or "").partition(":")
    return (basis or None) if kind == FingerprintKind.DOCUMENT_VERSION.value else None


def covers(name: str | None) -> str | None:
    """What a document shares with a file whose fingerprint named ``name`` (``seller_number:VAT``,
    ``full``, ``document_version:0x…``) it holds, in words (:data:`FINGERPRINT_COVERS`); None
    for a name of no known kind. The identifier a ``seller_number`` fingerprint names its seller
    by is its scheme (``seller_number:LEGAL``: "by its LEGAL identifier"): a tryout read "the
    same seller (by this identifier)" under a line naming the seller's VAT id, which was not
    the one shared."""
    kind, _, basis = (name or "").partition(":")
    words = next((w for k, w in FINGERPRINT_COVERS.items() if k.value == kind), None)
    if words is not None and kind == FingerprintKind.SELLER_NUMBER.value and basis:
        by = "by its name" if basis == IdScheme.NAME.value else f"by its {basis} identifier"
        words = words.replace("by the identifier this fingerprint is named by", by)
    return words


def fingerprint_type(doc_type: DocumentType) -> DocumentType:
    """The document type as fingerprints and marks compare it: ``OTHER`` as ``INVOICE``. A
    type is what a file declares (a JSON form's ``documentType``), and ``OTHER`` names no kind
    of document: a tryout financed the demo invoice again as a JSON form declaring
    ``"documentType": "Other"``, whose every fingerprint differed from the invoice's by its
    type alone. Every other type keeps its own (an invoice and a bill of lading with the same
    number and amount are two documents)."""
    return DocumentType.INVOICE if doc_type is DocumentType.OTHER else doc_type


def type_label(facts: DocumentFacts) -> str:
    """The document type as fingerprints carry it (:func:`fingerprint_type`; a credit note has
    its own)."""
    return CREDIT_NOTE_LABEL if facts.credit_note else fingerprint_type(facts.doc_type).value


def party_fields(party: Party | None) -> list[str | None]:
    """A party as fingerprints and marks name it: its strongest key identifier's scheme and
    value (``[None, None]`` without one); a number that names one party only within a register
    its file does not state, with the party's name (:func:`register_local`)."""
    key = party.key if party else None
    if key is None or party is None:
        return [None, None]
    return [key.scheme.value, _qualified(key, party)]


#: countries with one register of legal persons for the whole country whose number a legal
#: registration id (BT-30) is: those python-stdnum checks a bare number against, and those of
#: a national register's ICD (``identifiers.LEGAL_REGISTER_COUNTRIES``). Elsewhere a number may
#: be one register's of many — each German local court keeps a Handelsregister (``HRB 12345``
#: is held at many courts), each US state its own file numbers, each Italian province its REA
NATIONAL_LEGAL_REGISTERS: frozenset[str] = frozenset(
    {*LEGAL_VALIDATORS, *LEGAL_REGISTER_COUNTRIES.values()}
)


def register_local(pid: PartyId) -> bool:
    """Whether ``pid`` is a national number (a legal registration BT-30 or tax registration
    BT-32 id, ``<country>:<number>``) that may name one party only within a register, or a
    region, its file does not state: a number without its country; a legal registration id
    of a country not known to have one national register (:data:`NATIONAL_LEGAL_REGISTERS`);
    a German Steuernummer in a Land's own format (``201/113/40209`` is a number in several
    Länder; the 13-digit federal form, or a Steuer-ID, names one). Tryout 88 financed one
    seller's invoice ``1001`` and was refused another seller's ``1001`` as pledged: both wrote
    ``HRB 12345``, and their VAT ids differed; tryout 89 the same with two US companies' state
    file number ``4012345``. Such a number keys its party with the party's name beside it
    (:func:`_qualified`)."""
    if pid.scheme not in (IdScheme.LEGAL, IdScheme.TAX):
        return False
    country, number = national_parts(pid.value)
    if not country:
        return True
    if pid.scheme is IdScheme.LEGAL:
        return country not in NATIONAL_LEGAL_REGISTERS
    if country == "DE":
        federal = len(number) == 13 and stdnum_module("de.stnr").is_valid(number)
        return not (federal or stdnum_module("de.idnr").is_valid(number))
    # a tax number python-stdnum knows no national module for may be a state's or a
    # province's (tryout 90: two US companies' state tax number 1234567 were one seller)
    return country not in TAX_VALIDATORS


def seller_number_keys(seller: Party | None) -> tuple[PartyId, ...]:
    """The key identifiers ``seller_number`` fingerprints key ``seller`` by: its
    ``key_ids``, but a number that names one party only within a register its file does not
    state (:func:`register_local`) when another identity identifier names it in the whole
    country — two German companies of one name at two courts, each with its own VAT id, both
    ``HRB 12345``, were one seller by the number and their name (tryout 90). A copy that
    deletes the VAT id and keeps the rest still meets by ``seller_name_buyer_number``."""
    keys = seller.key_ids if seller is not None else ()
    identity = [
        k
        for k in keys
        if k.scheme in (IdScheme.VAT, IdScheme.LEI, IdScheme.LEGAL, IdScheme.TAX)
        and not register_local(k)
    ]
    if not identity:
        return keys
    return tuple(k for k in keys if not register_local(k))


def _qualified(pid: PartyId, party: Party | None) -> str:
    """``pid``'s value as a key, with ``party``'s name (:func:`_folded_name`) after it when the
    number names one party only within a register its file does not state
    (:func:`register_local`) and the party is named: ``DE:HRB12345/alphamaschinengmbh``.
    A copy of the invoice keeps both (its name as written, case, spaces and punctuation aside);
    two companies numbered alike at two courts are two."""
    name = _folded_name(party) if register_local(pid) else ""
    return f"{pid.value}/{name}" if name else pid.value


#: seller keys that name no one beyond their country: a party id without a scheme (BT-29) and a
#: name; ``seller_number`` keys them with the seller's country (:func:`_seller_key_value`)
_LOCAL_KEYS = frozenset({IdScheme.PARTY, IdScheme.NAME})


def _seller_key_value(pid: PartyId, seller: Party | None) -> str:
    """The value ``seller_number`` keys the seller's ``pid`` by: a party id without a scheme or
    a name with the seller's country before it when the file states one (``DK:12345``): two
    sellers in two countries with the party id ``12345``, or both named ``Nordic Trading``,
    and one invoice number were one seller (tryouts 40 and 42 refused the second as pledged).
    Any other identifier as it is (a VAT id, an LEI, a GLN name one party anywhere; a legal or
    tax id carries its country already: ``facts.national_id``), a number that names one party
    only within a register its file does not state with the seller's name
    (:func:`register_local`)."""
    country = seller.country if seller is not None else None
    if pid.scheme in _LOCAL_KEYS and country:
        return f"{country}:{pid.value}"
    return _qualified(pid, seller)


#: what a seller's name is keyed without (``_seller_name``)
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


def _seller_name(seller: Party | None) -> str:
    """The seller's name as ``seller_name_buyer_number`` keys it: its letters and digits as
    written, case aside, with its country before it when the file states one (a name names no
    one beyond its country, as :func:`_seller_key_value` keys one); ``""`` for a seller without
    a name."""
    name = _folded_name(seller)
    if not name or seller is None:
        return ""
    return f"{seller.country}:{name}" if seller.country else name


def _folded_name(party: Party | None) -> str:
    """A party's name as keys compare it: its letters and digits as written, case aside
    (``""`` for a party without a name)."""
    if party is None or not party.name:
        return ""
    # its letters and digits, case folded: ``Seller Company`` is ``SellerCompany`` (tryout 66
    # wrote the name with a space in a copy that swapped every identifier); its legal form is
    # kept — ``Acme Ltd`` and ``Acme GmbH`` are two companies to a lock
    # (and a letter of another script that reads as an ASCII one, as ASCII: a copy naming the
    # seller "Lieferаnt GmbH" with a Cyrillic "а" escaped this lock, tryout 76)
    folded = ascii_lookalikes(clean_text(party.name).casefold()).casefold()
    return _NOT_LETTER_OR_DIGIT.sub("", folded)


def fingerprint_inputs(facts: DocumentFacts) -> list[FingerprintInput]:
    """The inputs of every fingerprint of ``facts``, in a stable order (see the module doc).

    None when the seller is ``unkeyed`` (it claims an identity, and every identity identifier
    it gave fails its check): such a document is matched only by its bytes, and the gateway
    says so (``ledger.services.documents`` notice ``seller_unkeyed``)."""
    if facts.seller is not None and facts.seller.unkeyed:
        return []
    label = type_label(facts)
    issue = facts.issue_date.isoformat() if facts.issue_date else None
    due = facts.due_date.isoformat() if facts.due_date else None
    amount = str(facts.amount_minor) if facts.amount_minor is not None else None
    found: list[FingerprintInput] = []
    for pid in seller_number_keys(facts.seller):
        found.append(
            FingerprintInput(
                FingerprintKind.SELLER_NUMBER,
                pid.scheme.value,
                (label, pid.scheme.value, _seller_key_value(pid, facts.seller), facts.number),
            )
        )
    seller = party_fields(facts.seller)
    buyer = party_fields(facts.buyer)
    if amount is not None and issue is not None and seller[0] is not None:
        found.append(
            FingerprintInput(
                FingerprintKind.SELLER_BUYER_AMOUNT_DATE,
                "",
                (label, *seller, *buyer, amount, facts.currency, issue),
            )
        )
    named = _seller_name(facts.seller)
    if amount is not None and issue is not None and buyer[0] is not None and named:
        found.append(
            FingerprintInput(
                FingerprintKind.SELLER_NAME_BUYER_NUMBER,
                "",
                (label, named, *buyer, facts.number, amount, facts.currency, issue),
            )
        )
    full = (
        label,
        "credit_note" if facts.credit_note else "",
        *seller,
        *buyer,
        facts.number,
        issue,
        due,
        amount,
        facts.currency,
    )
    found.append(FingerprintInput(FingerprintKind.FULL, "", full))
    return found


def _facts(document: ParsedDocument | DocumentFacts) -> DocumentFacts | None:
    return document.facts if isinstance(document, ParsedDocument) else document


def compute_fingerprints(document: ParsedDocument | DocumentFacts, key: bytes) -> list[Fingerprint]:
    """All fingerprints of a document (none for a raw file), in a stable order."""
    _check_key(key)
    facts = _facts(document)
    if facts is None:
        return []
    return [
        Fingerprint(i.kind, i.basis, _mac(key, i.kind.value, i.fields))
        for i in fingerprint_inputs(facts)
    ]


def onchain_fingerprints(document: ParsedDocument | DocumentFacts, key: bytes) -> list[bytes]:
    """The fingerprints as the contract takes them: bytes32 values, strictly ascending, unique."""
    return sorted({fp.value for fp in compute_fingerprints(document, key)})


def invoice_number_fingerprints(facts: DocumentFacts, number: str, key: bytes) -> list[bytes]:
    """The ``seller_number`` fingerprints of the invoice ``number`` (normalised) of the seller of
    ``facts``: what a credit note that references that invoice (BT-25) looks it up by."""
    _check_key(key)
    return [
        _mac(key, FingerprintKind.SELLER_NUMBER.value, fields)
        for fields in _invoice_number_fields(facts, number)
    ]


def _invoice_number_fields(facts: DocumentFacts, number: str) -> list[tuple[str, ...]]:
    """The fields of the ``seller_number`` fingerprints of invoice ``number`` of the seller of
    ``facts``, its seller keyed as :func:`fingerprint_inputs` keys it (:func:`_seller_key_value`:
    a credit note of a seller keyed by its party id or name looked its invoice up without the
    country the invoice's own fingerprint has)."""
    seller = facts.seller
    return [
        ("INVOICE", p.scheme.value, _seller_key_value(p, seller), number)
        for p in seller_number_keys(seller)
    ]


def invoice_number_inputs(facts: DocumentFacts, number: str) -> list[bytes]:
    """The OPRF inputs of the ``seller_number`` fingerprints of invoice ``number`` of the seller
    of ``facts`` (what :func:`invoice_number_fingerprints` MACs), for the on-chain values."""
    return [
        oprf_input(FingerprintKind.SELLER_NUMBER.value, fields)
        for fields in _invoice_number_fields(facts, number)
    ]


def _seller_number_rows(
    name: str, facts: DocumentFacts, numbers: Iterable[str], key: bytes
) -> list[tuple[str, bytes]]:
    """``(<name>:<seller scheme>, value)`` per number of ``numbers`` and seller key id: the
    ``seller_number`` fingerprints (:func:`invoice_number_fingerprints`) as lookup rows."""
    return [
        (f"{name}:{pid.scheme.value}", value)
        for number in numbers
        for pid, value in zip(
            seller_number_keys(facts.seller),
            invoice_number_fingerprints(facts, number, key),
            strict=True,
        )
    ]


def lookup_keys(document: ParsedDocument | DocumentFacts, key: bytes) -> list[tuple[str, bytes]]:
    """Keys the gateway stores with a received file and never puts on chain, as (name, value):

    - ``parties:<seller scheme>/<buyer scheme>`` — one per seller key id × buyer key id, for
      invoices (not credit notes): finds the other invoices of the same seller and buyer.
    - ``credits:<seller scheme>`` — for a credit note, one per referenced invoice and seller key
      id: the ``seller_number`` fingerprint of the invoice it corrects; and one per form of the
      reference (:func:`ledger.documents.citednumbers.lookup_forms`) likewise.
    - ``numbers:<seller scheme>`` — for an invoice, one per form of its number and seller key
      id: what finds it from a credit note naming it re-written (``RE-471102``, tryout 90).
    """
    _check_key(key)
    facts = _facts(document)
    if facts is None or facts.seller is None:
        return []
    found: list[tuple[str, bytes]] = []
    if facts.credit_note:
        for reference in facts.invoice_refs:
            found += _seller_number_rows(
                "credits", facts, (reference, *lookup_forms(reference)), key
            )
        # once each: two references of one form (``A100234`` and ``B100234``, or one invoice
        # written two ways) gave one row twice, and storing the note failed after its
        # registration was on chain (a 500, tryout 94)
        return list(dict.fromkeys(found))
    found += _seller_number_rows("numbers", facts, lookup_forms(facts.number), key)
    if facts.buyer is None:
        return found
    # a buyer whose every identity id failed its check is keyed on nothing (its fingerprints
    # must not stand on a GLN or a name), but its other invoices are still looked up by its
    # strongest id left: a mistyped buyer VAT number hid every re-issue and split (tryout 55).
    # Lookup keys never leave this gateway, and the suspicions compare the parties again.
    buyer_keys = facts.buyer.key_ids or (facts.buyer.ids[:1] if facts.buyer.unkeyed else ())
    for s in facts.seller.key_ids:
        for b in buyer_keys:
            fields = (type_label(facts), s.scheme.value, s.value, b.scheme.value, b.value)
            found.append(
                (f"parties:{s.scheme.value}/{b.scheme.value}", _mac(key, "parties", fields))
            )
    return found


#: a stored row holding an on-chain fingerprint (the evaluator's, for a bank) under its name
ONCHAIN_PREFIX = "onchain:"


def onchain_rows(rows: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The on-chain fingerprints stored with a received file, (name, 0x value): kept when a
    bank lodged it (evaluated then); none for a file lodged by another role."""
    return [(n.removeprefix(ONCHAIN_PREFIX), v) for n, v in rows if n.startswith(ONCHAIN_PREFIX)]
