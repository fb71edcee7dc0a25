"""Documents: receive a file, check it against what the ledger holds, register, revoke,
supersede, attest, and read a document with its provenance, attestations, financings and matches.

"A file this gateway received" is kept as its facts and keyed fingerprints (never the bytes) in
the gateway database, per participant. Graded matches (identical / same_document / altered) are
computed against those stored facts: a participant sees matches against the files *it* lodged;
a regulator sees matches against every file this gateway holds. On-chain evidence (the hash is
registered, an active financing holds one of the fingerprints) is consortium-wide.

Fingerprints and their holders are shown to banks and regulators only; every evaluation of a
file against the chain is logged and, for checks, rate-limited per participant
(:mod:`ledger.services.disclosure`, :mod:`ledger.services.fingerprint_checks`).
"""

from __future__ import annotations

import hashlib
import json
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from itertools import combinations
from typing import Any

import rlp
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from hexbytes import HexBytes
from sqlalchemy import and_, or_, select
from web3 import Web3
from web3.datastructures import AttributeDict

from ledger.controls import refuse_control, refuse_control_in_filename
from ledger.documents import (
    DocumentFacts,
    Match,
    ParsedDocument,
    compute_fingerprints,
    find_matches,
    grade_facts,
    read_document,
)
from ledger.documents.calculation import PAID_RULE, TotalsFault
from ledger.documents.citednumbers import cites, lookup_forms, named_among, plain_forms
from ledger.documents.detect import control_refusal
from ledger.documents.facts import DocumentFormat, DocumentType, IdScheme, Party, make_party_id
from ledger.documents.fingerprints import (
    ONCHAIN_PREFIX,
    fingerprint_inputs,
    invoice_number_fingerprints,
    invoice_number_inputs,
    lookup_keys,
    onchain_rows,
    onchain_value,
    oprf_input,
    version_of,
)
from ledger.documents.jsonform import MAX_JSON_BYTES, MAX_JSON_DEPTH, read_json_form
from ledger.documents.matching import MatchGrade, party_relation
from ledger.documents.normalise import (
    MAX_MINOR_UNITS,
    NUMBER_TERM,
    clean_text,
    normalise_number,
    too_large_rule,
)
from ledger.documents.suspicion import RelatedInvoices, find_suspicions, related_invoices
from ledger.documents.totals import RULE as TOTALS_RULE
from ledger.errors import (
    DocumentFormatError,
    EvaluatorUnavailable,
    InvalidInput,
    LedgerError,
    NotFound,
    not_own_records,
)
from ledger.eventwords import decode_event
from ledger.fieldnames import FILE
from ledger.gatewaydb import CheckEntry, PartyQuery, ReceivedDocument, ReceivedFile
from ledger.indexer import EventIndex, headreads, logreads
from ledger.indexer.models import CursorRow, DocumentRow
from ledger.indexer.rules import COPY_REVOKED
from ledger.jsondepth import json_depth
from ledger.jsonkeys import loads_unique
from ledger.jsonliterals import WrittenFloat, rounded_at
from ledger.jsonsafe import jsonable
from ledger.messages import doc_type_word
from ledger.network import Ledger
from ledger.services import fingerprint_checks as checks
from ledger.services.audit import catch_up_for_read, parse_address, parse_bounds, parse_filter
from ledger.services.disclosure import FINGERPRINT_ROLES, sees_financing, sees_fingerprints
from ledger.services.marked import (
    Mark,
    evaluated_with_marks,
    join_marked,
    marked_financings,
    suspicion_family,
)
from ledger.services.own_related import (
    RECEIVABLE_FAMILIES,
    OwnReceivable,
    own_financings,
    own_receivable,
    receivable_financings,
    tied_documents,
    tied_through,
)
from ledger.services.roles import (
    REGISTRATION_ONLY_REASONS,
    REGISTRATION_WITHDRAWN_ONLY,
    DocStatus,
    DocType,
    FinancingStatus,
    RevocationReason,
    Role,
    reason_name,
    revoker_words,
    withdraws_receivable,
)
from ledger.services.sellers import (
    NOT_SELLER_NOTICE,
    SellerShown,
    member_is_admin,
    party_legal_id_hashes,
    registrant_seller,
)
from ledger.services.standing import standing
from ledger.services.writekeys import sub_key, write_key
from ledger.surrogates import RULE as SURROGATE_RULE
from ledger.surrogates import escape_surrogates, first_lone_surrogate
from ledger.tx import JournalEntry
from ledger.words import Names, checksummed, major, money, utc_text, who

MAX_FILE_BYTES = 20 * 1024 * 1024
#: the largest face value the contract can record: uint64 minor units
MAX_FACE_VALUE = MAX_MINOR_UNITS
ZERO32 = b"\0" * 32
#: roles whose graded matches cover every file this gateway holds (supervision)
SEE_ALL_ROLES = frozenset({"regulator"})


@dataclass(frozen=True)
class Registration:
    """A document's on-chain record."""

    doc_hash: str
    doc_type: DocType
    status: DocStatus
    registered_by: str
    registrant_id: int
    registered_at: datetime
    successor: str | None


@dataclass(frozen=True)
class Receipt:
    """Where a write landed."""

    tx_hash: str
    block: int


@dataclass(frozen=True)
class FingerprintInfo:
    """One keyed fingerprint of a file and the active financing holding it on chain (0: none)."""

    name: str
    value: str
    held_by_financing: int = 0


@dataclass(frozen=True)
class GradedMatch:
    """A document this gateway holds that matches the candidate, graded and explained: one per
    document however many members lodged it. ``lodged_by``: the members whose lodged copy it
    stands for, as the caller may see them (:func:`match_scope`: the caller alone, but for a
    regulator), first lodged first; ``received_by`` the first of them."""

    grade: str
    doc_hash: str
    received_by: str
    agree: tuple[str, ...]
    differ: tuple[str, ...]
    registered: bool
    lodged_by: tuple[str, ...] = ()
    #: the registered document's status as the chain says it now (``active``, ``revoked``,
    #: ``superseded``); None: not registered
    status: str | None = None

    def without(self, member: str) -> GradedMatch | None:
        """This match without ``member``'s copy (None: it was the only one)."""
        rest = tuple(m for m in self.lodged_by if m != member)
        if not rest:
            return None
        return replace(self, received_by=rest[0], lodged_by=rest)


@dataclass(frozen=True)
class SuspicionInfo:
    """A file that is not the candidate but looks like it was re-issued or split from it (or it
    from them): never a block, a reason to look (``ledger.documents.suspicion``)."""

    kind: str
    reasons: tuple[str, ...]
    documents: tuple[str, ...]
    #: the active financings of other banks whose marks the file shares (found on chain,
    #: ``ledger.services.marked``: their documents are not shown); for a suspicion found among
    #: the files lodged here, the active financings holding a fingerprint of one of them
    financings: tuple[int, ...] = ()
    #: the facts the invoices share, e.g. ``("seller", "buyer", "currency", "amount")``
    matching_facts: tuple[str, ...] = ()
    #: each of ``documents`` with its status on chain now (:func:`named_statuses`)
    statuses: tuple[NamedStatus, ...] = ()
    #: those of ``financings`` that are the caller's own (a bank's check: its own active
    #: financings, whose terms it reads; ``ledger.services.own_related``)
    own_financings: tuple[int, ...] = ()


@dataclass(frozen=True)
class NamedStatus:
    """A document a suspicion names, with its status on chain now: ``active``, ``revoked``,
    ``superseded`` (``superseded_by`` the amendment in force) or ``not_registered`` — as a
    financing's pledged documents say theirs. A revoked or superseded document is no longer in
    force, but the suspicion stands: a re-issue or a split of an invoice that was financed and
    then revoked may still be the same receivable financed twice (docs/documents.md)."""

    doc_hash: str
    status: str
    superseded_by: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "doc_hash": self.doc_hash,
            "status": self.status,
            "superseded_by": self.superseded_by,
        }

    @property
    def reason(self) -> str | None:
        """The sentence a suspicion's reasons add for a document not in force; None for one
        that is (or was never registered: lodged files need not be)."""
        if self.status == "revoked":
            return (
                f"{self.doc_hash} is revoked on chain: no longer in force, yet a re-issue or a "
                "split of it may still be the same receivable (a financing of it stays active "
                "until its bank closes it)"
            )
        if self.status == "superseded":
            by = f" by {self.superseded_by}" if self.superseded_by else ""
            return (
                f"{self.doc_hash} is superseded on chain{by}: the amendment is the version in force"
            )
        return None


def named_statuses(ledger: Ledger, doc_hashes: Sequence[str]) -> dict[str, NamedStatus]:
    """Each of ``doc_hashes`` (0x hex) with its status on chain now, in one read for all
    (:func:`statuses_of`), and the successor of a superseded one."""
    raw = {h: bytes.fromhex(h[2:]) for h in dict.fromkeys(doc_hashes)}
    if not raw:
        return {}
    found = statuses_of(ledger, list(raw.values()))
    out: dict[str, NamedStatus] = {}
    for h, b in raw.items():
        status = found.get(b, DocStatus.NONE)
        if status is DocStatus.NONE:
            out[h] = NamedStatus(h, "not_registered")
        elif status is DocStatus.SUPERSEDED:
            successor = bytes(ledger.calls.functions.successorOf(b).call())
            out[h] = NamedStatus(h, "superseded", hex32(successor) if any(successor) else None)
        else:
            out[h] = NamedStatus(h, status.name.lower())
    return out


@dataclass(frozen=True)
class Notice:
    """Something the caller should know about a file: ``credit_note`` (it is one and cannot be
    financed), ``credit_note_financed_invoice`` (it corrects an invoice an active financing
    holds), ``credited`` (credit notes lodged here reduce this invoice's financeable value),
    ``credit_note_not_counted`` (credit notes lodged here name it but no party to it vouches for
    them, or they are revoked on chain: not counted, :func:`credit_notes_read`),
    ``identifier_rejected`` (a party identifier failed its scheme's check and is not used),
    ``seller_unkeyed`` (every identity identifier of the seller failed: no fingerprint, so it
    cannot be financed), ``nothing_due`` (an invoice whose amount due is negative or zero, or
    whose credit notes cancel it: its financeable amount is 0), ``amount_due_inconsistent`` (an
    invoice's stated amount due is not what its totals give, EN 16931 BR-CO-16: no more than the
    lesser can be financed), ``holders_unknown`` (the
    fingerprints a financing locks could not be evaluated for the caller — not a bank, or the
    evaluator is unavailable — so whether an active financing holds the file is not known: it
    is never reported as "not financed"), ``control_characters`` (an identifier or a party's
    name holds a control or bidirectional control character a registration refuses:
    :func:`_control_notice`); of a financing's answer: ``registrant_not_reader``
    (an enterprise registered a pledged document but is not shown to be its seller, so the
    terms were not sealed to it: :func:`ledger.services.financing.registrant_notice`); of a
    registration's answer: ``registrant_not_seller`` (the registrant is not shown to be the
    document's seller, so the registration does not show the document is its own:
    :func:`registrant_not_seller_notice`)."""

    kind: str
    message: str
    documents: tuple[str, ...] = ()
    financings: tuple[int, ...] = ()


class HashedForm(StrEnum):
    """What a document hash is of: the file's own bytes, or the canonical JSON form of its
    content (sorted keys, no whitespace, UTF-8), as ``POST /v1/documents/json`` registers it."""

    FILE_BYTES = "file_bytes"
    CANONICAL_JSON = "canonical_json"
    #: the bytes of *another* file holding the same JSON document (other whitespace or key
    #: order), lodged at this gateway and registered: this file's own bytes are not registered
    #: (:func:`same_document_registrations`). A tryout read ``file_bytes`` there and took the
    #: hash shown for its own file's
    OTHER_BYTE_FORM = "other_byte_form"

    @property
    def description(self) -> str:
        if self is HashedForm.FILE_BYTES:
            return "SHA-256 of the file's bytes"
        if self is HashedForm.OTHER_BYTE_FORM:
            return (
                "SHA-256 of another byte form of the same JSON document (a file lodged here "
                "with the same content, other whitespace or key order; not this file's bytes)"
            )
        return (
            "SHA-256 of the file's canonical JSON form (sorted keys, no whitespace, UTF-8), "
            "as POST /v1/documents/json registers it"
        )


@dataclass(frozen=True)
class HashTried:
    """One hash of a file that was looked up on the ledger."""

    form: HashedForm
    doc_hash: str
    registered: bool


@dataclass(frozen=True)
class FoundRegistration:
    """A registration of a file under one of its hashes (``form``: of its bytes, or of its
    canonical JSON form)."""

    form: HashedForm
    registration: Registration


@dataclass(frozen=True)
class FileLookup:
    """Which document of the ledger a file is (:func:`lookup_file`): ``doc_hash`` is the hash
    whose registration is the **earliest** (``hashed`` says of what), or that of the file's
    bytes when none is registered; ``tried`` lists every hash looked up, in order;
    ``registrations`` every registration found, earliest first (two when both the file's bytes
    and its canonical JSON form are registered: by another gateway, or before this gateway
    refused the second, docs/documents.md)."""

    doc_hash: bytes
    hashed: HashedForm
    tried: tuple[HashTried, ...]
    registration: Registration | None
    registrations: tuple[FoundRegistration, ...] = ()


@dataclass(frozen=True)
class Holder:
    """An active financing holding a fingerprint of a file: its bank (from the chain), and
    whether this gateway made it (it holds the pledges, so the file was lodged here)."""

    financing_id: int
    bank: str
    made_here: bool


@dataclass(frozen=True)
class Examined:
    """A file read by the gateway: facts, fingerprints and what the ledger already knows.

    ``doc_hash`` is the document the file is: the hash of its bytes, or — a JSON file whose
    canonical form is registered and whose bytes are not — that of its canonical JSON form
    (``hashed``, with every hash looked up in ``tried``)."""

    doc_hash: str
    format: str
    size: int
    doc_type: DocType
    facts: dict[str, Any] | None
    fingerprints: tuple[FingerprintInfo, ...]
    registration: Registration | None
    matches: tuple[GradedMatch, ...]
    suspicions: tuple[SuspicionInfo, ...] = ()
    notices: tuple[Notice, ...] = ()
    #: an invoice's amount due net of the credit notes lodged here (None: not an invoice)
    financeable_amount: int | None = None
    hashed: HashedForm = HashedForm.FILE_BYTES
    tried: tuple[HashTried, ...] = ()
    #: the active financings holding one of its fingerprints, with their banks
    holders: tuple[Holder, ...] = ()
    #: whether ``matches`` cover every file this gateway holds (a regulator), not only the
    #: caller's own
    sees_all: bool = False
    #: False: the caller's role is not given fingerprints and holders (``fingerprints`` and
    #: ``holders`` are empty because they are withheld, not because there are none)
    fingerprints_shown: bool = True
    #: whether an active financing locks one of its fingerprints (public on chain; None: the
    #: file gives no fingerprint, or they could not be evaluated for the caller) — kept when
    #: the fingerprints themselves are withheld
    locked: bool | None = None
    #: False: the on-chain fingerprints could not be evaluated for the caller (not a bank, or
    #: the evaluator is unavailable: notice ``holders_unknown``), so ``holders`` being empty
    #: says nothing about whether the file is financed
    holders_known: bool = True
    #: whether it is financed, as the caller may learn it (:func:`is_financed`; None: not
    #: registered, not the caller's to learn, or not known)
    financed: bool | None = None
    #: the SHA-256 (0x hex) of its canonical JSON form when the file is a JSON object (None:
    #: it is not one), what ``POST /v1/documents/json`` registers it under
    canonical_hash: str | None = None
    #: every registration of the file found, earliest first (:func:`lookup_file`): two when
    #: both its bytes and its canonical JSON form are registered; ``registration`` is the first
    registrations: tuple[FoundRegistration, ...] = ()
    #: whether the *invoice* is pledged — an active financing locks its fingerprints, through
    #: this copy or another copy with the same facts (another format, another hash) — as the
    #: caller may learn it (:func:`invoice_pledged`; None: not known, or not its to learn)
    pledged: bool | None = None
    #: whether the registrant is shown to be the document's seller, from this file's facts
    #: (:mod:`ledger.services.sellers`); None: not compared yet (the API compares from
    #: ``facts``)
    registrant_seller: SellerShown | None = None
    #: a bank's check: the receivable the invoice is a file of, as the bank's own active
    #: financings hold it through its re-issues or parts (None: they hold none of its files)
    own_receivable: OwnReceivable | None = None

    @property
    def suspicious(self) -> bool:
        return bool(self.suspicions)

    @property
    def financing_headroom(self) -> int | None:
        """What is left to finance of the invoice (minor units): 0 when it is pledged
        (``pledged``: an active financing locks its fingerprints, and the contract refuses any
        other) or when its registration is not in force (revoked or superseded: no bank can
        finance it, notice ``document_revoked`` / ``document_superseded``), else
        ``financeable_amount``; 0 too when that is 0 (nothing due, or an unkeyed seller's
        invoice: nothing is left to finance, pledged or not); None when the caller cannot know
        whether it is pledged, or it has no financeable amount."""
        if self.financeable_amount is None:
            return None
        if self.financeable_amount == 0:
            return 0
        if self.registration is not None and self.registration.status is not DocStatus.ACTIVE:
            return 0
        if self.pledged is None:
            return None
        return 0 if self.pledged else self.financeable_amount

    @property
    def headroom_counting_own(self) -> int | None:
        """What is left to finance counting what the caller's own active financings hold on
        the invoice's re-issues and parts (:attr:`own_receivable`, minor units): at most
        :attr:`financing_headroom`, at most the receivable's amount due less what they hold;
        :attr:`financing_headroom` itself when they hold none of its files."""
        headroom = self.financing_headroom
        if headroom is None or self.own_receivable is None:
            return headroom
        return self.own_receivable.left(headroom)

    @property
    def conflicting_financings(self) -> list[int]:
        return sorted({f.held_by_financing for f in self.fingerprints if f.held_by_financing})


@dataclass(frozen=True)
class Attestation:
    attestor: str
    evidence_hash: str
    block: int
    tx_hash: str
    #: the attestation block's time (UTC): when the attestor vouched for the document
    attested_at: datetime | None = None


@dataclass(frozen=True)
class DocumentEvent:
    """One event of a document's history: ``args`` as the chain gives them (JSON-safe: enum
    numbers, 0x hex, Unix seconds, minor units), ``fields`` decoded beside them (names,
    currency codes, major units, ISO times: ``ledger.eventwords``) and a ``summary``
    sentence."""

    event: str
    block: int
    tx_hash: str
    args: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    summary: str = ""


@dataclass(frozen=True)
class Revocation:
    """Who revoked a document (``by``, its name ``by_name``), when (``at``: the block's time,
    UTC), why (``reason_code`` 0..255 and its documented name ``reason_name``,
    :class:`ledger.services.roles.RevocationReason`; an undocumented code is its number), in
    which transaction and block: read from the ``DocumentRevoked`` event."""

    by: str
    by_name: str | None
    reason_code: int
    reason_name: str
    block: int
    tx_hash: str
    at: datetime

    def fields(self) -> dict[str, Any]:
        """JSON-ready, under the names the API uses elsewhere (``at`` RFC 3339 UTC)."""
        return {
            "by": self.by,
            "by_name": self.by_name,
            "reason_code": self.reason_code,
            "reason_name": self.reason_name,
            "at": utc_text(self.at),
            "block": self.block,
            "tx_hash": self.tx_hash,
        }


def revocation_of(ledger: Ledger, log: Any, names: Names) -> Revocation:
    """The :class:`Revocation` a ``DocumentRevoked`` log records (``names`` names its
    revoker); its time is its block's."""
    by = Web3.to_checksum_address(log["args"]["by"])
    block = int(log["blockNumber"])
    code = int(log["args"]["reasonCode"])
    return Revocation(
        by=by,
        by_name=names.member(by),
        reason_code=code,
        reason_name=reason_name(RevocationReason, code),
        block=block,
        tx_hash=log["transactionHash"].to_0x_hex(),
        at=datetime.fromtimestamp(int(ledger.w3.eth.get_block(block)["timestamp"]), UTC),
    )


def find_revocation(ledger: Ledger, doc_hash: bytes, names: Names) -> Revocation | None:
    """The revocation of ``doc_hash`` (None when it was never revoked)."""
    registered = find_registration(ledger, doc_hash)
    if registered is None:
        return None
    since = ledger.logs_since(int(registered.registered_at.timestamp()))
    found: list[Any] = logs(ledger, "DocumentRevoked", since, docHash=doc_hash)
    return revocation_of(ledger, found[-1], names) if found else None


@dataclass(frozen=True)
class DocumentDetail:
    """A document as :func:`detail` reads it; ``revocation`` is set when it is revoked."""

    registration: Registration
    attestations: tuple[Attestation, ...]
    financings: tuple[int, ...]
    history: tuple[DocumentEvent, ...]
    held: Examined | None
    revocation: Revocation | None = None


# -- small helpers ------------------------------------------------------------------------


def file_hash(data: bytes) -> bytes:
    """The document hash: SHA-256 of the file's bytes."""
    check_size(data)
    return hashlib.sha256(data).digest()


def check_size(data: bytes) -> None:
    if not data:
        raise InvalidInput("file", "must not be empty")
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput("file", f"must be at most {MAX_FILE_BYTES} bytes")


#: where each format states the amount due (EN 16931 BT-115), as its errors name it
AMOUNT_FIELDS = {
    DocumentFormat.UBL: "cbc:PayableAmount",
    DocumentFormat.CII: "ram:DuePayableAmount",
    DocumentFormat.FACTURX: "ram:DuePayableAmount",
    DocumentFormat.JSON_FORM: "totalAmount.value",
}


def check_face_value(facts: DocumentFacts, field: str = "amount") -> None:
    """Refuse (:class:`InvalidInput` naming ``field``: where the file states its amount due,
    :data:`AMOUNT_FIELDS`) a face value the ledger cannot hold.

    The contract records a face value as uint64 minor units; a file with a larger amount due
    (EN 16931 BT-115, or BT-112 when BT-115 is absent) could be lodged and registered but
    never financed, so it is refused when it is read.
    """
    amount = facts.amount_minor
    if amount is not None and amount > MAX_FACE_VALUE:
        # the words every route gives an amount too large (the readers refuse it first)
        raise InvalidInput(
            field, too_large_rule(), term="BT-115", value=str(amount), currency=facts.currency
        )


def parse_doc_hash(text: str, field_name: str = "doc_hash") -> bytes:
    """A document hash from 64 hex digits (0x optional)."""
    cleaned = text.strip().lower().removeprefix("0x")
    if len(cleaned) != 64:
        raise InvalidInput(field_name, "must be 32 bytes as 64 hex digits")
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        raise InvalidInput(field_name, "must be 32 bytes as 64 hex digits") from None


def hex32(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def canonical_json(form: dict[str, Any]) -> bytes:
    """The bytes a JSON form is registered as: sorted keys, no spaces, UTF-8."""
    return json.dumps(form, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def read_sent_form(sent: bytes) -> None:
    """Read the JSON text a client sent to ``POST /v1/documents/json`` as an uploaded file of
    it is read to be registered (:func:`_read_checked`, strictly), before its canonical bytes
    are made: each fault is refused naming the field in the words the upload, ``doc register``
    and ``doc check`` give it — its numbers exact, as written. The canonical bytes are written
    from the floats a JSON parser reads, in which ``1e999999999`` is infinity: its refusal said
    what a float made of it, where an upload says what is wrong with the amount
    (``totalAmount.value: is too large: an amount must be at most …``)."""
    _read_checked(sent, registering=True)


def refuse_rounded_numbers(form: dict[str, Any]) -> None:
    """Refuse (:class:`InvalidInput` naming the field) a JSON form, parsed keeping its numbers'
    literals (:class:`ledger.jsonliterals.WrittenFloat`: ``POST /v1/documents/json``), with a
    number its canonical bytes (:func:`canonical_json`) would not keep: they are written from
    the floats a JSON parser reads, and ``10000000000000000.01`` would be registered as
    ``1e+16`` — a face value nobody stated, beside "registered as written, never rounded"."""
    found = rounded_at(form)
    if found is None:
        return
    field, written, kept = found
    raise DocumentFormatError(
        field or FILE,
        f"{written} cannot be registered as written: the form is registered as its canonical "
        f"JSON, where this number would be {kept} (a JSON number is read as a binary float, "
        "about 17 significant digits); send it as a JSON string of decimal digits",
        value=written,
    )


def canonical_form(data: bytes) -> bytes | None:
    """The canonical JSON bytes of ``data`` when it is a JSON object, else None: the bytes
    ``POST /v1/documents/json`` registers for that object. Files larger than a JSON form may
    be, or nested deeper than one may be (``ledger.documents.jsonform``), are not parsed; an
    object with a lone surrogate in a string or key (``"\\udc80"``) is not Unicode text, so not
    a JSON document: the file is its raw bytes (:mod:`ledger.surrogates`).

    Nor has an object that names a key twice (``{"a": 1, "a": 2}``: which did it mean?), nor
    one when one of its numbers is not held by the binary float
    its canonical bytes write (:func:`ledger.jsonliterals.rounded_at`: 17 significant digits or
    more that a float rounds, ``0.1000000000000000055511151231257827`` is ``0.1``; an exponent
    beyond a float's range, ``1e400`` is ``Infinity``): its canonical bytes would be another
    document's — a file with ``0.1000000000000000055511151231257827`` verified as the document
    registered with ``0.1``, and could not be registered beside it. Such a file is its raw bytes,
    as ``POST /v1/documents/json`` refuses such a number. Every other object keeps the canonical
    bytes (and hash) it always had, its numbers as a float writes them (``1e3`` is ``1000.0``):
    two objects have one canonical form only when each of their numbers is the same number as
    written (``1e3`` and ``1000.0`` are one; ``0.1`` and ``0.10000000000000001`` are not)."""
    if len(data) > MAX_JSON_BYTES or not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return None
    if json_depth(data) > MAX_JSON_DEPTH:
        return None
    try:
        form = loads_unique(data, parse_float=WrittenFloat)
    except (UnicodeDecodeError, ValueError, RecursionError):
        # InvalidInput (a ValueError) too: an object that names a key twice has no canonical
        # form — its canonical bytes would keep one of the two values, and the file, which says
        # both, verified as the document registered with that one (a tryout: the amount
        # 9,999,999.00 written first, "valid" against the form registered with 1,234.56)
        return None
    if not isinstance(form, dict) or first_lone_surrogate(form) is not None:
        return None  # a lone surrogate is no character: no canonical form (ledger.surrogates)
    if rounded_at(form) is not None:
        return None  # a number its canonical bytes would round: another document's bytes
    return canonical_json(form)


def lookup_file(
    ledger: Ledger, data: bytes, raw_hash: bytes | None = None, *, from_chain: bool = False
) -> FileLookup:
    """Which registered document ``data`` is: looked up by the SHA-256 of its bytes and —
    when the file is a JSON object — by that of its canonical JSON form (a JSON form
    registered through ``POST /v1/documents/json``). The one rule ``doc verify``,
    ``doc check`` and ``doc receive`` share. ``raw_hash``: the file's SHA-256, when known.

    Both hashes are always looked up. When both are registered (another gateway registered
    the second, or it was registered before this gateway refused it), the file *is* the
    earliest registration — who registered the document first, and when, is what a verifier
    relies on — and ``registrations`` lists both, earliest first (ties: the file's bytes
    first). ``from_chain``: every registration read from the chain, never from the index
    (:func:`get_registration`). Raises InvalidInput for an empty or too large file; chain
    errors as ``ledger.errors``.
    """
    raw = raw_hash if raw_hash is not None else file_hash(data)
    candidates: list[tuple[HashedForm, bytes]] = [(HashedForm.FILE_BYTES, raw)]
    canonical = canonical_form(data)
    if canonical is not None and canonical != data:
        candidates.append((HashedForm.CANONICAL_JSON, hashlib.sha256(canonical).digest()))
    tried: list[HashTried] = []
    found: list[tuple[FoundRegistration, bytes]] = []
    for form, doc_hash in candidates:
        registration = find_registration(ledger, doc_hash, from_chain=from_chain)
        tried.append(HashTried(form, hex32(doc_hash), registration is not None))
        if registration is not None:
            found.append((FoundRegistration(form, registration), doc_hash))
    if not found and canonical is not None:
        # another byte form of the same JSON document, registered from a file lodged here:
        # the document this file is (registering it is refused for that reason)
        others = same_document_registrations(
            ledger, hex32(raw), hex32(hashlib.sha256(canonical).digest()), from_chain=from_chain
        )
        if others:
            # their hashes were looked up too: the registration relied on is among those tried
            tried += [HashTried(f.form, f.registration.doc_hash, True) for f in others]
            first_other = others[0]
            other_hash = parse_doc_hash(first_other.registration.doc_hash)
            return FileLookup(
                other_hash, first_other.form, tuple(tried), first_other.registration, tuple(others)
            )
    if not found:
        return FileLookup(raw, HashedForm.FILE_BYTES, tuple(tried), None)
    ordered = earliest_first(ledger, [f for f, _ in found])
    first = ordered[0]
    first_hash = next(h for f, h in found if f is first)
    return FileLookup(first_hash, first.form, tuple(tried), first.registration, tuple(ordered))


def earliest_first(ledger: Ledger, found: Sequence[FoundRegistration]) -> list[FoundRegistration]:
    """``found`` in the order they were registered: by block time, and — two in the same
    second — by the block and log position of their ``DocumentRegistered`` event."""
    if len({f.registration.registered_at for f in found}) == len(found):
        return sorted(found, key=lambda f: f.registration.registered_at)

    def position(f: FoundRegistration) -> tuple[datetime, int, int]:
        events = logs(
            ledger,
            "DocumentRegistered",
            ledger.logs_since(int(f.registration.registered_at.timestamp())),
            docHash=parse_doc_hash(f.registration.doc_hash),
        )
        first = events[0] if events else {"blockNumber": 0, "logIndex": 0}
        return f.registration.registered_at, int(first["blockNumber"]), int(first["logIndex"])

    return sorted(found, key=position)


def canonical_hash_of(data: bytes) -> str | None:
    """The SHA-256 (0x hex) of ``data``'s canonical JSON form when ``data`` is a JSON object
    (the hash ``POST /v1/documents/json`` registers it under; the file's own hash when the
    file is that form), else None."""
    canonical = canonical_form(data)
    return hex32(hashlib.sha256(canonical).digest()) if canonical is not None else None


def same_document_registrations(
    ledger: Ledger, doc_hash: str, canonical_hash: str | None, *, from_chain: bool = False
) -> list[FoundRegistration]:
    """The registrations of the JSON document a file is, under hashes other than the file's
    own ``doc_hash``, earliest first: its canonical JSON form (``canonical_hash``) on chain,
    and the byte forms of it lodged at this gateway (a JSON file keeps its canonical hash
    beside its fingerprints when it is lodged) that are registered. Empty for a file that is
    not a JSON object. A form registered only through another gateway in a byte form this
    gateway never saw cannot be known here (every byte form of a JSON object hashes
    differently): verify then shows both registrations (:func:`lookup_file`)."""
    if canonical_hash is None:
        return []
    found: dict[str, FoundRegistration] = {}
    if canonical_hash != doc_hash:
        registration = find_registration(
            ledger, bytes.fromhex(canonical_hash[2:]), from_chain=from_chain
        )
        if registration is not None:
            found[canonical_hash] = FoundRegistration(HashedForm.CANONICAL_JSON, registration)
    for row in ledger.db.received_with_fingerprints([canonical_hash], None):
        if row.doc_hash in found or row.doc_hash in (doc_hash, canonical_hash):
            continue
        registration = find_registration(
            ledger, bytes.fromhex(row.doc_hash[2:]), from_chain=from_chain
        )
        if registration is not None:
            found[row.doc_hash] = FoundRegistration(HashedForm.OTHER_BYTE_FORM, registration)
    return earliest_first(ledger, list(found.values()))


def refuse_second_hash(
    ledger: Ledger, examined: Examined, *, file_index: int | None = None
) -> None:
    """Refuse to register a file whose JSON document is registered already under another hash
    (:func:`same_document_registrations`): a second, later registration of the same document
    would answer verify for that file in place of the first (who registered it first, and
    when, is what members rely on). Raises the contract's own 409, DocumentAlreadyRegistered,
    naming the registered hash, who registered it and when, with ``file_hash`` (this file's
    hash), ``hashed`` (what the registered hash is of) and ``file_index`` (in a batch)."""
    _refuse_second_hash_of(ledger, examined.doc_hash, examined.canonical_hash, file_index)


def _refuse_second_hash_of(
    ledger: Ledger, doc_hash: str, canonical_hash: str | None, file_index: int | None = None
) -> None:
    """:func:`refuse_second_hash` of the file whose hash is ``doc_hash`` (0x-hex) and whose
    canonical JSON form hashes to ``canonical_hash`` (None: not a JSON object), before it is
    examined (its fingerprints evaluated)."""
    from ledger.revert import ERRORS  # built from the ABI at import

    others = same_document_registrations(ledger, doc_hash, canonical_hash)
    if not others:
        return
    first = others[0]
    reg = first.registration
    error = ERRORS["DocumentAlreadyRegistered"](
        bytes.fromhex(reg.doc_hash[2:]), reg.registered_by, int(reg.registered_at.timestamp())
    )
    error.details.update(file_hash=doc_hash, hashed=first.form.value)
    if file_index is not None:  # named as every refusal of a batch's file names it (a tryout)
        error.details.update(field=f"files[{file_index}]", file_index=file_index)
    raise error


#: locks that make one JSON document's registrations at this gateway take turns (striped by
#: its canonical hash: a registration holds at most a few, in order)
_DOCUMENT_TURNS = tuple(threading.Lock() for _ in range(256))


@contextmanager
def one_registration_at_a_time(canonical_hashes: Sequence[str | None]) -> Iterator[None]:
    """Hold the turn of each JSON document of ``canonical_hashes`` (0x hex; None: a file that
    is no JSON object, which the chain itself keeps to one registration) for the block: from
    the check that no other byte form of it is registered (:func:`refuse_second_hash`) to the
    lodging of the file once its registration is mined, so that the second of two requests
    sees the first. Two uploads of one JSON document at one moment (its form to ``/json`` and
    its file, or two byte forms of it) were both registered, and the later one, another
    member's, was named the earliest (tryout 70). Within this gateway only: the chain knows
    file hashes, not JSON documents (docs/documents.md)."""
    stripes = sorted({int(h[2:10], 16) % len(_DOCUMENT_TURNS) for h in canonical_hashes if h})
    with ExitStack() as stack:
        for stripe in stripes:
            stack.enter_context(_DOCUMENT_TURNS[stripe])
        yield


def logs(
    ledger: Ledger,
    event: str,
    from_block: int | None = None,
    to_block: int | None = None,
    **filters: Any,
) -> list[Any]:
    """The contract's ``event`` logs since ``from_block`` (default: its deployment) up to
    ``to_block`` (default: the head), filtered on indexed arguments (bytes32 as bytes,
    addresses as text), decoded by web3, in chain order."""
    entry = ledger.contract.events[event]()
    indexed = [dict(i) for i in entry.abi["inputs"] if i.get("indexed")]
    topics: list[Any] = [hex32(bytes(HexBytes(entry.topic)))]
    for position, arg in enumerate(indexed, start=1):
        if arg["name"] in filters:
            topics += [None] * (position - len(topics))
            topics.append(_topic(str(arg["type"]), filters[arg["name"]]))
    return [entry.process_log(log) for log in _contract_logs(ledger, topics, from_block, to_block)]


def _topic(abi_type: str, value: Any) -> str:
    """An indexed argument's topic (0x hex): a bytes32 as it is, an address left-padded."""
    if abi_type == "address":
        return "0x" + "0" * 24 + str(value).lower().removeprefix("0x")
    if abi_type == "bytes32":
        return hex32(bytes(value))
    raise ValueError(f"no topic filter for an indexed {abi_type}")


def _contract_logs(
    ledger: Ledger, topics: Sequence[Any], from_block: int | None, to_block: int | None = None
) -> list[Any]:
    """The contract's logs since ``from_block`` (default: its deployment) matching ``topics``
    (per position: one 0x topic, a list of them, or None for any), as web3 returns them, in
    chain order. On the embedded chain they are read straight from its store (its headers and
    receipts, ``EmbeddedNode.logs``): eth-tester's ``eth_getLogs`` formats every block of its
    range (~16 ms a block: a document's record read 4 s on a 250-block chain, issue #16). A
    served gateway reads the blocks its event index has folded in from the index
    (:mod:`ledger.indexer.logreads`: a bloom filters on the event, not on the document it names,
    and a back-fill's blocks saturate it), and only the blocks above them from the chain."""
    from ledger.tx import translate

    first = max(from_block or 0, ledger.manifest.deployment_block)
    try:
        indexed = (
            logreads.indexed_logs(ledger.event_index, topics, first)
            if ledger.event_index is not None
            else None
        )
        held = [] if indexed is None else [_web3_log(log) for log in indexed.logs]
        if to_block is not None:
            held = [log for log in held if int(log["blockNumber"]) <= to_block]
        head: int | None = None  # read once, when a bound needs it
        if indexed is not None:
            first, head = indexed.last + 1, ledger.head_number()
            if first > min(head, to_block if to_block is not None else head):
                return held
        if ledger.node is None:
            found = ledger.w3.eth.get_logs(
                {
                    "address": ledger.contract.address,
                    "fromBlock": first,
                    "toBlock": to_block if to_block is not None else "latest",
                    "topics": list(topics),
                }
            )
            return held + sorted(
                found, key=lambda log: (int(log["blockNumber"]), int(log["logIndex"]))
            )
        last = head if head is not None else ledger.head_number()
        raw = ledger.node.logs(
            ledger.contract.address,
            first,
            min(last, to_block) if to_block is not None else last,
            _first_topics(topics),
            _later_topics(topics),
        )
    except Exception as exc:
        raise translate(exc) from None
    return held + [_web3_log(log) for log in raw if logreads.topics_match(log["topics"], topics)]


def _first_topics(topics: Sequence[Any]) -> tuple[bytes, ...]:
    """The event topics ``topics`` asks for (its first position), as bytes; none when it asks
    for any event."""
    if not topics or topics[0] is None:
        return ()
    wanted = [topics[0]] if isinstance(topics[0], str) else list(topics[0])
    return tuple(bytes(HexBytes(t)) for t in wanted)


def _later_topics(topics: Sequence[Any]) -> tuple[tuple[bytes, ...], ...]:
    """The topics ``topics`` asks for in its later positions (those it filters on), as bytes:
    per position, any of them."""
    return tuple(
        tuple(bytes(HexBytes(t)) for t in ([want] if isinstance(want, str) else list(want)))
        for want in topics[1:]
        if want is not None
    )


def _web3_log(raw: dict[str, Any]) -> AttributeDict[str, Any]:
    """A log as the embedded chain's store gives it (JSON-RPC hex) as web3 formats one."""
    return AttributeDict(
        {
            "address": Web3.to_checksum_address(raw["address"]),
            "blockHash": HexBytes(raw["blockHash"]),
            "blockNumber": int(raw["blockNumber"], 16),
            "data": HexBytes(raw["data"]),
            "logIndex": int(raw["logIndex"], 16),
            "removed": False,
            "topics": [HexBytes(t) for t in raw["topics"]],
            "transactionHash": HexBytes(raw["transactionHash"]),
            "transactionIndex": int(raw["transactionIndex"], 16),
        }
    )


def logs_naming(
    ledger: Ledger,
    events: Sequence[str],
    position: int,
    value: bytes | Sequence[bytes],
    from_block: int | None = None,
) -> list[Any]:
    """The logs of any of ``events`` whose indexed argument in topic ``position`` (1..3) is
    ``value`` (32 bytes, or any of several), since ``from_block`` (default: the contract's
    deployment), decoded like :func:`logs`, in chain order: one ``eth_getLogs`` (a topic filter
    ORs the values in a position) instead of one per event."""
    values = [value] if isinstance(value, bytes) else list(value)
    wanted: list[Any] = [hex32(v) for v in values]
    return _logs_of_events(ledger, events, [*([None] * (position - 1)), wanted], from_block)


def logs_of(ledger: Ledger, events: Sequence[str], from_block: int | None = None) -> list[Any]:
    """The logs of any of ``events`` since ``from_block`` (default: the contract's
    deployment), decoded like :func:`logs`, in chain order, in one read."""
    return _logs_of_events(ledger, events, [], from_block)


def _logs_of_events(
    ledger: Ledger, events: Sequence[str], more_topics: Sequence[Any], from_block: int | None
) -> list[Any]:
    """The logs of any of ``events`` matching ``more_topics`` (topics 1.., as
    :func:`_contract_logs` takes them), decoded, in chain order."""
    by_topic = {
        hex32(bytes(HexBytes(ledger.contract.events[name]().topic))): name for name in events
    }
    found = _contract_logs(ledger, [list(by_topic), *more_topics], from_block)
    return [
        ledger.contract.events[by_topic[hex32(bytes(log["topics"][0]))]]().process_log(log)
        for log in found
        if log["topics"] and hex32(bytes(log["topics"][0])) in by_topic
    ]


def _receipt(raw: Any) -> Receipt:
    return Receipt(raw["transactionHash"].to_0x_hex(), int(raw["blockNumber"]))


#: how a file read as each syntax is named in a type refusal
_FORMAT_WORDS = {
    "ubl": "a UBL 2.1 document",
    "cii": "a UN/CEFACT CII document",
    "facturx": "a Factur-X / ZUGFeRD PDF",
    "json": "a tradeledger JSON form",
}


def detected_type(parsed: ParsedDocument) -> DocType | None:
    """The type the file's own content states (an e-invoice is an invoice, a JSON form its
    ``documentType``), or None for a file without facts or a JSON form of ``documentType``
    ``Other`` (its type is what its registrant says)."""
    if parsed.facts is None or parsed.facts.doc_type.value == DocType.OTHER.name:
        return None
    return DocType[parsed.facts.doc_type.value]


def type_mismatch(parsed: ParsedDocument, declared: DocType) -> str | None:
    """What contradicts ``declared`` in the file (``it is a UBL 2.1 document of type invoice,
    not contract``), or None when the file states no type or the same one. A document's type on
    chain is a fact others rely on (a regulator's list by type, a bank's view of what it
    finances): a UBL invoice registered as a contract was taken as one without a word (a
    tryout of 2026-12-04)."""
    detected = detected_type(parsed)
    if detected is None or detected is declared:
        return None
    what = _FORMAT_WORDS.get(parsed.format.value, "a document")
    return f"it is {what} of type {detected.name.lower()}, not {declared.name.lower()}"


def _doc_type_of(
    parsed: ParsedDocument,
    requested: DocType | None,
    field: str = "doc_type",
    where: dict[str, object] | None = None,
) -> DocType:
    """The type a file is registered with: ``requested`` when given and the file states no
    other, else the file's own (``OTHER`` for a file without facts). InvalidInput naming
    ``field`` (with ``where`` in its details, e.g. a batch's ``file_index``) when ``requested``
    contradicts the type the file states (:func:`type_mismatch`)."""
    if requested is None:
        return detected_type(parsed) or DocType.OTHER
    mismatch = type_mismatch(parsed, requested)
    if mismatch is not None:
        raise InvalidInput(
            field,
            f"must be the type the file itself states: {mismatch} (declare no type to take "
            "the file's own)",
            declared=requested.name.lower(),
            **(where or {}),
        )
    return requested


# -- reading the chain --------------------------------------------------------------------


def _state_index(ledger: Ledger) -> EventIndex | None:
    """The event index that answers the contract's state reads (:mod:`ledger.indexer.headreads`)
    in place of the chain: a served gateway's on the embedded chain, where each ``eth_call``
    runs py-evm over the state trie (~10 ms). A node runs them natively (~1 ms on anvil, one
    round trip: fewer than the index's head, cursor and tail reads): there, the chain."""
    return ledger.event_index if ledger.node is not None else None


def financing_count(ledger: Ledger) -> int:
    """How many financings the contract holds (``financingCount``: ids run from 1 to it). A
    served gateway on the embedded chain answers from its event index when the index vouches
    for the chain's head (:func:`_state_index`: no EVM call — the call was a quarter of a
    single registration's time there, issue #16), else the chain."""
    index = _state_index(ledger)
    if index is not None:
        counted = headreads.financing_count(index)
        if counted is not None:
            return counted
    return int(ledger.calls.functions.financingCount().call())


def get_registration(ledger: Ledger, doc_hash: bytes, *, from_chain: bool = False) -> Registration:
    """The on-chain record of ``doc_hash``, or NotFound. A served gateway on the embedded
    chain answers from its event index when the index vouches for the chain's head
    (:func:`_state_index`, :mod:`ledger.indexer.headreads`: no EVM call), else the chain;
    ``from_chain``: the chain always — what a verifier relies on (tryout 67 edited a
    registration's time in the index file, and ``doc verify`` answered "valid" with it)."""
    index = None if from_chain else _state_index(ledger)
    if index is not None:
        indexed = headreads.document(index, hex32(doc_hash))
        if indexed is None:
            raise NotFound(
                f"document 0x{doc_hash.hex()} is not registered", doc_hash=hex32(doc_hash)
            )
        if isinstance(indexed, headreads.IndexedDocument):
            return _from_index(doc_hash, indexed)
    record = ledger.calls.functions.getDocument(doc_hash).call()
    successor = None
    if DocStatus(record[4]) is not DocStatus.NONE:
        successor = bytes(ledger.calls.functions.successorOf(doc_hash).call())
    registration = _on_chain_registration(doc_hash, record, successor)
    if registration is None:
        raise NotFound(f"document 0x{doc_hash.hex()} is not registered", doc_hash=hex32(doc_hash))
    return registration


def _from_index(doc_hash: bytes, indexed: headreads.IndexedDocument) -> Registration:
    return Registration(
        doc_hash=hex32(doc_hash),
        doc_type=DocType(indexed.doc_type),
        status=DocStatus(indexed.status),
        registered_by=Web3.to_checksum_address(indexed.registrant),
        registrant_id=indexed.registrant_id,
        registered_at=datetime.fromtimestamp(indexed.registered_time, UTC),
        successor=indexed.successor,
    )


def _indexed_registration(
    ledger: Ledger,
    doc_hash: bytes,
    indexed: headreads.IndexedDocument | headreads.Unknown | None,
) -> Registration | None:
    """The registration the index answered (None: not registered), or the chain's when the
    index could not vouch for it."""
    if isinstance(indexed, headreads.IndexedDocument):
        return _from_index(doc_hash, indexed)
    if indexed is None:
        return None
    return find_registration(ledger, doc_hash)


def _on_chain_registration(
    doc_hash: bytes, record: Sequence[Any], successor: bytes | None
) -> Registration | None:
    """The registration of ``doc_hash`` from ``getDocument``'s answer ``record`` and
    ``successorOf``'s (read only for a registered document); None when it is not registered."""
    (registrant, registrant_id, registered_at, doc_type, status) = record
    if DocStatus(status) is DocStatus.NONE:
        return None
    return Registration(
        doc_hash=hex32(doc_hash),
        doc_type=DocType(doc_type),
        status=DocStatus(status),
        registered_by=Web3.to_checksum_address(registrant),
        registrant_id=int(registrant_id),
        registered_at=datetime.fromtimestamp(int(registered_at), UTC),
        successor=hex32(successor) if successor is not None and any(successor) else None,
    )


def registrations_of(
    ledger: Ledger, doc_hashes: Sequence[bytes]
) -> dict[bytes, Registration | None]:
    """The record of each of ``doc_hashes`` (None: never registered), as
    :func:`find_registration` reads it: on a node, the statuses of all in one
    ``documentStatuses`` call, then one JSON-RPC batch of the ``getDocument`` and
    ``successorOf`` calls of those registered only (a batch of files read its registrations one
    round trip each, then one ``getDocument`` each, whose decoding was a sixth of a batch
    request's interpreter time: issue #16); from the event index or one call after another
    where :func:`get_registration` reads those — a served gateway's index all in one read
    (:func:`ledger.indexer.headreads.documents`). ChainUnavailable when the node cannot be
    reached."""
    unique = list(dict.fromkeys(doc_hashes))
    index = _state_index(ledger)
    if index is not None:
        indexed = headreads.documents(index, [hex32(h) for h in unique])
        return {h: _indexed_registration(ledger, h, indexed[hex32(h)]) for h in unique}
    if ledger.rpc is None:
        return {h: find_registration(ledger, h) for h in unique}
    functions = ledger.calls.functions
    statuses = functions.documentStatuses(unique).call() if unique else []
    registered = [
        h for h, s in zip(unique, statuses, strict=True) if DocStatus(s) is not DocStatus.NONE
    ]
    # both reads of the registered ones in one JSON-RPC batch
    answers = ledger.calls.call_many(
        [functions.getDocument(h) for h in registered]
        + [functions.successorOf(h) for h in registered]
    )
    records, successors = answers[: len(registered)], answers[len(registered) :]
    found: dict[bytes, Registration | None] = dict.fromkeys(unique)
    for h, record, successor in zip(registered, records, successors, strict=True):
        found[h] = _on_chain_registration(h, record, bytes(successor))
    return found


def find_registration(
    ledger: Ledger, doc_hash: bytes, *, from_chain: bool = False
) -> Registration | None:
    """The record of ``doc_hash``, or None when it was never registered (``from_chain``: as
    :func:`get_registration`)."""
    try:
        return get_registration(ledger, doc_hash, from_chain=from_chain)
    except NotFound:
        return None


def _blocks_dated(ledger: Ledger, timestamp: int) -> tuple[int, int | None]:
    """The first and last block a registration the chain dated ``timestamp`` (Unix seconds)
    can be in: on the embedded chain, whose log reads walk blocks, the blocks of that second
    (a check of an invoice registered long ago walked every block since); on a node, whose
    log index answers a topic query without walking, from its deployment, unbounded."""
    since = ledger.logs_since(timestamp)
    node = ledger.node
    if node is None:
        return since, None
    after = ledger.logs_since(timestamp + 1)
    header = node.header(after)
    if header is None or header[1] <= timestamp:  # no block of a later second yet: the head
        return since, None
    return since, after - 1


#: the most earlier versions of one document read back along its amendment chain
#: (:func:`earlier_versions`); a financing locks one version fingerprint for each
MAX_EARLIER_VERSIONS = 32


def earlier_versions(ledger: Ledger, registration: Registration | None) -> list[bytes]:
    """The documents the registered document ``registration`` supersedes, directly or not
    (32-byte hashes, the version it amends first, then the one that one amends, …): read back
    along the public ``DocumentSuperseded`` events, each found in the block its amendment was
    registered in (``supersedeDocument`` registers the amendment). At most
    :data:`MAX_EARLIER_VERSIONS` + 1, so that a caller can tell a longer chain; none for a
    document nobody registered or one registered by ``registerDocument``. ChainUnavailable
    when the node cannot be reached."""
    found: list[bytes] = []
    current = registration
    while current is not None and len(found) <= MAX_EARLIER_VERSIONS:
        # a served gateway's index says where the document's events start, with no header read
        # (a header read waits for the embedded chain's seal: issue #16); else its second
        start = (
            headreads.history_start(ledger.event_index, current.doc_hash, "")
            if ledger.event_index is not None
            else None
        )
        since, until = (
            (start.document, None)
            if start is not None
            else _blocks_dated(ledger, int(current.registered_at.timestamp()))
        )
        amends = logs(
            ledger,
            "DocumentSuperseded",
            since,
            until,
            newDocHash=bytes.fromhex(current.doc_hash[2:]),
        )
        if not amends:
            break
        earlier = bytes(amends[0]["args"]["oldDocHash"])
        if earlier in found:  # never on chain (an amendment is a new registration): a guard
            break
        found.append(earlier)
        current = find_registration(ledger, earlier)
    return found


def was_registered(ledger: Ledger, doc_hash: bytes) -> bool:
    """Whether ``doc_hash`` is registered (whatever its standing now: a registration is never
    undone); read from the chain once, then remembered by the gateway (``Ledger.seen_registered``):
    a regulator's check of an invoice lodged at many banks read every copy's registration on
    every check."""
    if ledger.seen_registered(doc_hash):
        return True
    if find_registration(ledger, doc_hash) is None:
        return False
    ledger.saw_registered(doc_hash)
    return True


def fingerprint_holder(ledger: Ledger, fingerprint: bytes) -> int:
    """The active financing holding ``fingerprint`` on chain, or 0."""
    return int(ledger.calls.functions.fingerprintHolder(fingerprint).call())


#: reads the stored files holding any of some fingerprints (0x-hex) in a scope (None: every
#: participant's): :meth:`GatewayDB.received_with_fingerprints`, or the same from files read ahead
StoredReader = Callable[[Sequence[str], str | None], list[ReceivedDocument]]


@dataclass(frozen=True)
class _StoredAhead:
    """Stored files read ahead (:meth:`_Lookups.read_stored`): every file in ``scope`` (None:
    every participant's) that is a copy of one of ``hashes`` (0x-hex) or holds one of
    ``values`` (0x-hex fingerprints and lookup keys), each with all its fingerprints."""

    scope: str | None
    hashes: frozenset[str]
    values: frozenset[str]
    files: list[ReceivedDocument]

    def covers(self, hashes: Sequence[str], values: Sequence[str], scope: str | None) -> bool:
        """Whether every file the same query of ``scope`` would find is among these."""
        return (
            (self.scope is None or self.scope == scope)
            and self.hashes.issuperset(hashes)
            and self.values.issuperset(values)
        )

    def select(
        self, hashes: Sequence[str], values: Sequence[str], scope: str | None
    ) -> list[ReceivedDocument]:
        """What :meth:`GatewayDB.received_for_files` of the same arguments answers, from these
        files (when :meth:`covers` says they hold it), in the same order."""
        wanted_hashes, wanted = set(hashes), set(values)
        return [
            r
            for r in self.files
            if (scope is None or r.received_by == scope)
            and (r.doc_hash in wanted_hashes or any(v in wanted for _, v in r.fingerprints))
        ]


class _Lookups:
    """The reads of one evaluation: the ``fingerprintHolder`` lookups, counted for the
    fingerprint-check log (how many were made, how many found a holder), and what its files'
    examinations read of the chain and of the gateway database, read ahead together."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.evaluated = 0
        self.matched = 0
        #: the registrations of a batch's files, read ahead together (:meth:`read_ahead`)
        self.registrations: dict[bytes, Registration | None] = {}
        #: whether each of those is registered, by 0x-hash (:func:`_grade_against`'s ``known``)
        self.known: dict[str, bool] = {}
        #: the files' own fingerprints, computed once (:func:`_own_fingerprints`)
        self.own: dict[bytes, list[str]] = {}
        #: the stored files the examinations compare with, read ahead (:meth:`read_stored`)
        self.ahead: list[_StoredAhead] | None = None
        #: the documents each file amends (:meth:`earlier_versions`), read once
        self.earlier: dict[bytes, list[bytes]] = {}

    def read_ahead(
        self,
        files: Sequence[ParsedDocument],
        actor: str,
        role: str,
        read: dict[bytes, Registration | None] | None = None,
    ) -> None:
        """Read what examining ``files`` for ``actor`` of ``role`` asks of the chain and of
        the gateway database in one batch each, not once per file (issue #16): the stored
        files they are compared with (:meth:`read_stored`), then the registrations
        (:func:`registrations_of`) of ``files`` and of the stored copies they match — but for
        those in ``read``, the registrations by hash just read (:func:`registrations_of`:
        None, never registered), which are not read again."""
        self.read_stored(files, actor, role)
        read = read or {}
        hashes = [f.doc_hash for f in files]
        own = [v for f in files for v in self.own_fingerprints(f)]
        copies = {
            bytes.fromhex(r.doc_hash[2:])
            for r in self.stored([hex32(h) for h in hashes], own, match_scope(actor, role))
        }
        # every copy's record, a registered one's too: a copy that is the same document as a
        # file is its registered twin, whose record its version fingerprints need
        # (:func:`registered_twins`)
        wanted = hashes + sorted(copies - set(hashes))
        unread = [h for h in wanted if h not in read]
        self.registrations = {
            **{h: read[h] for h in wanted if h in read},
            **(registrations_of(self.ledger, unread) if unread else {}),
        }
        for doc_hash, registration in self.registrations.items():
            if registration is not None:
                self.ledger.saw_registered(doc_hash)
        self.known = {hex32(h): r is not None for h, r in self.registrations.items()}

    def read_stored(self, files: Sequence[ParsedDocument], actor: str, role: str) -> None:
        """Read at once every stored file that examining ``files`` for ``actor`` of ``role``
        compares them with (issue #16): copies of them and files sharing one of their own
        fingerprints (the matches, :func:`_grade_against`), the other invoices of their seller
        and buyer (:func:`suspicions_of`), the invoices a credit note among them corrects —
        all in :func:`match_scope` — and the credit notes that correct them
        (:func:`credit_notes_for`, in :func:`_notes_scope`): one query set when the two scopes
        are the same, one per scope when they differ (a bank's credit notes are everyone's,
        its matches its own). The reads then take their part (:meth:`stored`)."""
        match, notes = match_scope(actor, role), _notes_scope(actor, role)
        hashes = [hex32(f.doc_hash) for f in files]
        in_match = [v for f in files for v in self.own_fingerprints(f)]
        in_notes: list[str] = []
        for f in files:
            by_match, by_notes = _look_around_keys(self.ledger, f.facts)
            in_match += by_match
            in_notes += by_notes
        asks = [(hashes, in_match, match), ([], in_notes, notes)]
        if match == notes:
            asks = [(hashes, in_match + in_notes, match)]
        self.ahead = [
            _StoredAhead(
                scope,
                frozenset(wanted_hashes),
                frozenset(values),
                self.ledger.db.received_for_files(wanted_hashes, values, scope),
            )
            for wanted_hashes, values, scope in asks
            if wanted_hashes or values
        ]

    def stored(
        self, hashes: Sequence[str], values: Sequence[str], scope: str | None
    ) -> list[ReceivedDocument]:
        """:meth:`GatewayDB.received_for_files` of the arguments: from the files read ahead
        when they hold the answer, else read now."""
        for ahead in self.ahead or ():
            if ahead.covers(hashes, values, scope):
                return ahead.select(hashes, values, scope)
        return self.ledger.db.received_for_files(list(hashes), list(values), scope)

    def stored_with(self, values: Sequence[str], scope: str | None) -> list[ReceivedDocument]:
        """:meth:`GatewayDB.received_with_fingerprints` of the arguments (a
        :data:`StoredReader`), from the files read ahead when they hold the answer."""
        return self.stored((), values, scope)

    def registration(self, doc_hash: bytes) -> Registration | None:
        """:func:`find_registration` of ``doc_hash``, read ahead when it was."""
        if doc_hash in self.registrations:
            return self.registrations[doc_hash]
        return find_registration(self.ledger, doc_hash)

    def earlier_versions(self, doc_hash: bytes) -> list[bytes]:
        """:func:`earlier_versions` of the registered ``doc_hash`` (:meth:`registration`),
        read once: a bank's check wants them for the version fingerprints and for its
        suspicions alike."""
        found = self.earlier.get(doc_hash)
        if found is None:
            found = self.earlier[doc_hash] = earlier_versions(
                self.ledger, self.registration(doc_hash)
            )
        return found

    def own_fingerprints(self, parsed: ParsedDocument) -> list[str]:
        """:func:`_own_fingerprints` of ``parsed``, computed once."""
        found = self.own.get(parsed.doc_hash)
        if found is None:
            found = self.own[parsed.doc_hash] = _own_fingerprints(self.ledger, parsed)
        return found

    def holders(self, fingerprints: Sequence[bytes]) -> list[int]:
        """The active financing holding each of ``fingerprints`` (0: none), in one call."""
        if not fingerprints:
            return []
        found = None
        index = _state_index(self.ledger)
        if index is not None:  # no EVM call when the index vouches for the answer
            found = headreads.fingerprint_holders(index, [hex32(f) for f in fingerprints])
        if found is None:
            found = [
                int(h)
                for h in self.ledger.calls.functions.fingerprintHolders(list(fingerprints)).call()
            ]
        self.evaluated += len(found)
        self.matched += sum(1 for h in found if h)
        return found


# -- examining a file ---------------------------------------------------------------------


def facts_of(row: ReceivedDocument) -> DocumentFacts | None:
    """The facts a lodged file was read to (None: a raw file)."""
    return DocumentFacts.from_dict(json.loads(row.facts_json)) if row.facts_json else None


def _grade_against(
    ledger: Ledger,
    parsed: ParsedDocument,
    fp_values: list[str],
    scope: str | None,
    known: dict[str, bool] | None = None,
    stored: Sequence[ReceivedDocument] | None = None,
) -> list[GradedMatch]:
    """Graded matches of ``parsed`` against the stored files in ``scope`` (None: all).
    ``known``: whether documents are registered, as just read (by 0x-hash; not read again).
    ``stored``: the files of ``scope`` that are copies of ``parsed`` or hold one of
    ``fp_values`` (:meth:`GatewayDB.received_for_files`), when already read; else read here."""
    own = hex32(parsed.doc_hash)
    rows = stored if stored is not None else ledger.db.received_for_files([own], fp_values, scope)
    candidates = {(r.doc_hash, r.received_by): r for r in rows}
    found: list[tuple[Match, ReceivedDocument]] = []
    for row in candidates.values():
        known_hash = bytes.fromhex(row.doc_hash[2:])
        if known_hash == parsed.doc_hash:
            found.append((find_matches(parsed, [parsed])[0], row))
            continue
        facts = facts_of(row)
        if parsed.facts is None or facts is None:
            continue
        match = grade_facts(parsed.facts, facts, known_hash)
        if match is not None:
            found.append((match, row))
    order = {"identical": 0, "same_document": 1, "altered": 2}
    # one match per document, however many members lodged it (a regulator sees them all): its
    # strongest grade, and its holders first lodged first
    by_doc: dict[str, list[tuple[Match, ReceivedDocument]]] = {}
    for match, row in found:
        by_doc.setdefault(row.doc_hash, []).append((match, row))
    best = {
        doc_hash: min(copies, key=lambda m: (order[m[0].grade.value], m[1].received_by))[0]
        for doc_hash, copies in by_doc.items()
    }
    registered: dict[str, bool] = dict(known or {})
    result = []
    for doc_hash in sorted(by_doc, key=lambda h: (order[best[h].grade.value], h)):
        match = best[doc_hash]
        lodgers = sorted(by_doc[doc_hash], key=lambda m: (_utc(m[1].received_at), m[1].received_by))
        holders = tuple(dict.fromkeys(row.received_by for _, row in lodgers))
        if doc_hash not in registered:
            registered[doc_hash] = was_registered(ledger, bytes.fromhex(doc_hash[2:]))
        result.append(
            GradedMatch(
                grade=match.grade.value,
                doc_hash=doc_hash,
                received_by=holders[0],
                agree=match.agree,
                differ=match.differ,
                registered=registered[doc_hash],
                lodged_by=holders,
            )
        )
    return _with_statuses(ledger, result)


def _with_statuses(ledger: Ledger, matches: list[GradedMatch]) -> list[GradedMatch]:
    """``matches`` with each registered one's status as the chain says it now (one read for
    them all: a status changes, so it is never remembered): a copy whose document is revoked
    or superseded must say so beside the match."""
    wanted = [bytes.fromhex(m.doc_hash[2:]) for m in matches if m.registered]
    if not wanted:
        return matches
    statuses = statuses_of(ledger, wanted)
    out = []
    for m in matches:
        status = statuses.get(bytes.fromhex(m.doc_hash[2:])) if m.registered else None
        if status is None or status is DocStatus.NONE:
            out.append(m)
        else:
            out.append(replace(m, status=status.name.lower()))
    return out


def statuses_of(ledger: Ledger, doc_hashes: Sequence[bytes]) -> dict[bytes, DocStatus]:
    """The status of each of ``doc_hashes`` now (``NONE``: not registered): from a served
    gateway's event index where it vouches for the chain's head, else in one
    ``documentStatuses`` call — never one read per document (issue #16)."""
    unique = list(dict.fromkeys(doc_hashes))
    found: dict[bytes, DocStatus] = {}
    index = _state_index(ledger)
    if index is not None:
        indexed = headreads.documents(index, [hex32(h) for h in unique])
        for h in unique:
            known = indexed[hex32(h)]
            if isinstance(known, headreads.IndexedDocument):
                found[h] = DocStatus(known.status)
            elif known is None:
                found[h] = DocStatus.NONE
    unread = [h for h in unique if h not in found]
    if unread:
        answered = ledger.calls.functions.documentStatuses(unread).call()
        found.update({h: DocStatus(s) for h, s in zip(unread, answered, strict=True)})
    return found


def match_scope(actor: str, role: str) -> str | None:
    """Whose stored files ``actor`` may be matched against (None: every file)."""
    return None if role in SEE_ALL_ROLES else actor


def examine(
    ledger: Ledger,
    data: bytes,
    actor: str,
    role: str,
    doc_type: DocType | None = None,
    *,
    as_registered: bool = True,
    registering: bool = False,
    via: checks.Via = checks.SERVICE_CHECK,
) -> tuple[ParsedDocument, Examined]:
    """Read ``data`` and say what the ledger and this gateway know about it, as ``actor`` of
    ``role`` may see it (fingerprints and holders: banks and regulators only,
    :mod:`ledger.services.disclosure`). No chain write.

    ``as_registered``: find the document the file is as :func:`lookup_file` does (a JSON file
    registered as its canonical form is that document); False: the file's own bytes, as a
    registration of the file anchors them. ``registering``: the file is read to be registered
    now (a JSON form strictly: :func:`ledger.documents.read_document`).

    The evaluation is logged for the regulator as asked ``via`` an endpoint, and — a limited
    ``via`` — admitted first: RateLimited past the participant's limit, MemberSuspended for a
    member not active on chain (:mod:`ledger.services.fingerprint_checks`).
    """
    with _logged(ledger, actor, role, via) as evaluation:
        parsed, examined = _examine(
            ledger,
            data,
            actor,
            role,
            doc_type,
            as_registered,
            evaluation.lookups,
            registering=registering,
        )
    return parsed, _disclosed(ledger, examined, actor, role)


class _Evaluation:
    """An evaluation being made (:func:`_logged`): its lookups and, once it ended well and
    its caller took it (``keep``), its log entry for the caller to write with the files it
    lodges — one commit for both."""

    def __init__(self, ledger: Ledger, admitted: checks.Admission) -> None:
        self.ledger = ledger
        self.lookups = _Lookups(ledger)
        self.admitted = admitted
        self.kept = False
        #: the thread's count of inputs sent to the evaluator when it started
        self.sent_before = ledger.inputs_sent()

    @property
    def sent(self) -> int:
        """The inputs this evaluation had the evaluator evaluate (its calls run in its thread)."""
        return self.ledger.inputs_sent() - self.sent_before

    def keep(self) -> None:
        """The caller writes the entry (:meth:`entry`) — with its files, or on its own when
        what follows the evaluation fails (:func:`_kept_with_files`)."""
        self.kept = True

    def entry(self, outcome: str = "ok") -> CheckEntry:
        lookups = self.lookups
        return checks.entry(self.admitted, lookups.evaluated, lookups.matched, outcome, self.sent)


@contextmanager
def _logged(
    ledger: Ledger, actor: str, role: str, via: checks.Via, files: int = 1
) -> Iterator[_Evaluation]:
    """Admit an evaluation of ``files`` files by ``actor`` (RateLimited, MemberSuspended: see
    :func:`examine`) and log it when the block ends, with its lookups and its outcome (the
    code of the error that ended it) — unless it ended well and the caller keeps its entry to
    write it with the files it lodges (:meth:`_Evaluation.keep`)."""
    evaluation = _Evaluation(ledger, checks.admit(ledger, actor, role, via, files))
    try:
        yield evaluation
    except LedgerError as exc:
        _write_alone(ledger, evaluation, exc.code)
        raise
    except BaseException:
        _write_alone(ledger, evaluation, "internal_error")
        raise
    if evaluation.kept:
        checks.release(evaluation.admitted)
    else:
        _write_alone(ledger, evaluation)


def _write_alone(ledger: Ledger, evaluation: _Evaluation, outcome: str = "ok") -> None:
    lookups = evaluation.lookups
    checks.finish(
        ledger,
        evaluation.admitted,
        lookups.evaluated,
        lookups.matched,
        outcome,
        evaluation.sent,
    )


@contextmanager
def _kept_with_files(ledger: Ledger, evaluation: _Evaluation) -> Iterator[list[CheckEntry]]:
    """The log entry of an evaluation that ended well, for the block to write with the files
    it lodges; written on its own when the block fails before that, with the outcome of the
    request: the code of the error that ended it (a write the chain refused:
    ``DocumentAlreadyRegistered``; an unreachable node: ``chain_unavailable``), as for an
    evaluation that failed — never ``ok`` for a request that was refused."""
    pending = [evaluation.entry()]
    try:
        yield pending
    except BaseException as exc:
        if pending:
            code = exc.code if isinstance(exc, LedgerError) else "internal_error"
            ledger.db.add_fingerprint_check(evaluation.entry(code))
        raise


def _disclosed(ledger: Ledger, examined: Examined, actor: str, role: str) -> Examined:
    """``examined`` as ``actor`` of ``role`` may read it: whether a financing locks it, whether
    it is financed (for whom may see it), fingerprints and holders only for banks and
    regulators (:mod:`ledger.services.disclosure`)."""
    locked = any(f.held_by_financing for f in examined.fingerprints)
    examined = replace(examined, locked=locked if examined.fingerprints else None)
    reg = examined.registration
    if reg is not None and sees_financing(role, actor, reg.registered_by):
        examined = replace(
            examined,
            financed=is_financed(
                ledger, bytes.fromhex(examined.doc_hash[2:]), actor, role, reg.registered_by
            ),
        )
    examined = with_pledged(ledger, examined, actor, role)
    if not sees_fingerprints(role):
        examined = replace(examined, fingerprints=(), holders=(), fingerprints_shown=False)
    return examined


def with_pledged(ledger: Ledger, examined: Examined, actor: str, role: str) -> Examined:
    """``examined`` with ``pledged`` (:func:`invoice_pledged`) as ``actor`` of ``role`` may
    learn it. Where the caller knows the invoice is pledged — its own financing, or one sealed
    to it (docs/privacy.md: an enterprise learns that of the documents it registered) — the
    ``holders_unknown`` notice, which would say "whether an active financing holds this file is
    not known" beside ``invoice_pledged: true``, becomes ``invoice_pledged`` naming the
    financings it reads (:func:`known_pledges_notices`). Where it is not known, ``pledged``
    stays None and the notice says why."""
    pledged = invoice_pledged(ledger, examined, actor, role)
    notices = examined.notices
    if pledged:
        notices = known_pledges_notices(ledger, examined, actor, role)
    return replace(examined, pledged=pledged, notices=notices)


def with_financed(
    ledger: Ledger, examined: Examined, financed: bool | None, actor: str, role: str
) -> Examined:
    """``examined`` as its answer gives it once whether this exact document is financed is
    read for the caller (``financed``, :func:`is_financed`; None: not the caller's to learn):
    ``pledged`` as :func:`invoice_pledged` gives it with that answer. A registration is
    examined before its hash is registered, when ``financed`` is not known yet; whether the
    registration's answer was built then (the first request) or from the registered hash (a
    retry, a replay, the API after the CLI) it must say the same: a file without facts, which
    only its own financing can pledge, is pledged exactly when it is financed (found by a
    tryout: ``null`` in the first answer, ``false`` in its retry)."""
    if role == "admin" or financed is None:
        return examined
    pledged = examined.pledged
    if financed:
        pledged = True
    elif pledged is None and examined.facts is None:
        pledged = False
    if pledged == examined.pledged:
        return examined
    notices = examined.notices
    if pledged:
        notices = known_pledges_notices(ledger, examined, actor, role)
    return replace(examined, pledged=pledged, notices=notices)


_HOLDERS_UNKNOWN = "whether an active financing holds this file is not known"


def known_pledges_notices(
    ledger: Ledger, examined: Examined, actor: str, role: str
) -> tuple[Notice, ...]:
    """The notices of ``examined``, an invoice ``actor`` of ``role`` knows is pledged, with its
    ``holders_unknown`` notice made true for that caller: a notice must not call unknown what
    the caller reads (a tryout's enterprise superseded its financed invoice and read "whether
    an active financing holds this file is not known" about the financing sealed to it). It
    becomes ``invoice_pledged``, naming the active financings whose terms the caller's key
    opens that pledge this document or a copy of it among its matches (a graded match shares a
    fingerprint with it: docs/documents.md), with their banks — and, for a bank whose
    evaluator could not be reached, why its fingerprints' holders were not checked. Where the
    caller reads none of them (it knows of the pledge from elsewhere), the notice says the
    invoice is pledged and which financing holds it is not known, with its reason."""
    if not any(n.kind == "holders_unknown" for n in examined.notices):
        return examined.notices
    word = doc_type_word(examined.doc_type.name)
    pledges = _known_pledges(ledger, examined, actor)
    grades = {m.doc_hash: m.grade for m in examined.matches}
    return tuple(
        _pledged_holders_unknown(ledger, n, word, examined.doc_hash, pledges, actor, role, grades)
        for n in examined.notices
    )


def _through(pledged: str, doc_hash: str, grades: dict[str, str]) -> str:
    """How the document ``pledged`` stands to the file ``doc_hash`` a notice is about: the file
    itself, a copy of it (its match graded ``identical`` or ``same_document``), or a document
    it matches under another grade — an earlier version it amends is no copy (a tryout's
    supersession read "through document 0x…, a copy" of the document it replaced)."""
    if pledged == doc_hash:
        return "(this document)"
    grade = grades.get(pledged)
    if grade in (None, "identical", "same_document"):
        return f"(through document {pledged}, a copy)"
    return f"(through document {pledged}, which this file matches as {grade})"


def _known_pledges(ledger: Ledger, examined: Examined, actor: str) -> list[tuple[Any, str]]:
    """The active financings whose terms ``actor``'s key opens that pledge the document
    ``examined`` is or a copy of it (:func:`_copies`), each with the document (0x hex) it
    pledges, by id."""
    if not actor:
        return []
    found: dict[int, tuple[Any, str]] = {}
    for doc_hash in (examined.doc_hash, *_copies(ledger, examined, actor)):
        for f in _readable_financings(ledger, bytes.fromhex(doc_hash[2:]), actor):
            if f.status is FinancingStatus.ACTIVE:
                found.setdefault(f.financing_id, (f, doc_hash))
    return [found[fid] for fid in sorted(found)]


def _pledged_holders_unknown(
    ledger: Ledger,
    notice: Notice,
    word: str,
    doc_hash: str,
    pledges: Sequence[tuple[Any, str]],
    actor: str,
    role: str,
    grades: dict[str, str] | None = None,
) -> Notice:
    if notice.kind != "holders_unknown":
        return notice
    reason = notice.message.removeprefix(_HOLDERS_UNKNOWN).removeprefix(" here").removeprefix(": ")
    if not pledges:
        said = (
            f"this {word} is pledged; which financing holds each of its fingerprints is not known"
        )
        return replace(notice, message=f"{said}: {reason}" if reason else said)
    from ledger.services.names import LedgerNames  # it reads documents: imported when used

    names = LedgerNames(ledger)
    held = [
        f"active financing {f.financing_id} of {who(f.bank, names)} "
        + _through(pledged, doc_hash, grades or {})
        for f, pledged in pledges
    ]
    ids = [f.financing_id for f, _ in pledges]
    reads = ", ".join(
        f"GET /v1/financings/{fid}, tradeledger finance show {fid} --as {actor}" for fid in ids
    )
    verb = "holds" if len(held) == 1 else "hold"
    message = f"this {word} is pledged: {'; '.join(held)} {verb} it, whose terms you read ({reads})"
    if role == "bank" and reason:  # the evaluator's failure is news to a bank
        message += f"; the holders of its fingerprints were not checked: {reason}"
    return Notice(
        "invoice_pledged",
        message,
        documents=tuple(dict.fromkeys(pledged for _, pledged in pledges)),
        financings=tuple(ids),
    )


def invoice_pledged(ledger: Ledger, examined: Examined, actor: str, role: str) -> bool | None:
    """Whether the invoice ``examined`` is pledged — an active financing locks its
    fingerprints, through this copy or another copy of it with the same facts (another format,
    another hash) — as ``actor`` of ``role`` may learn it (docs/privacy.md):

    - True when this exact document is financed (``examined.financed``), or a copy of it among
      the caller's matches is pledged by an active financing whose sealed terms the caller's
      key opens (an enterprise that registered the financed copy; a regulator);
    - for banks and regulators, whose answers carry fingerprints and holders, the public lock
      itself (``examined.locked``: True or False) when its fingerprints are known here;
    - None otherwise: an enterprise or attestor learns nothing of financings not sealed to it
      (a forged copy must not learn that the original is financed), the admin reads neither
      terms nor holders, and a file whose fingerprints could not be evaluated is not known.

    A file without facts has no fingerprint: only its own financing can pledge it.
    """
    if role == "admin":
        return None
    if examined.financed:
        return True
    if examined.facts is None:
        return examined.financed
    # a bank's or regulator's answer is the public lock where its fingerprints are known: the
    # copies its terms name are then not looked for (one query less on every check)
    lock_known = sees_fingerprints(role) and examined.locked is not None
    if _pledged_through_copy(ledger, examined, actor, by_terms=not lock_known):
        return True
    if lock_known:
        return examined.locked
    return None


def _pledged_through_copy(
    ledger: Ledger, examined: Examined, actor: str, *, by_terms: bool = True
) -> bool:
    """Whether an active financing whose terms ``actor``'s key opens pledges one of the copies
    of ``examined`` (:func:`_copies`; ``by_terms`` False: among its matches only)."""
    if not actor:
        return False
    return any(
        f.status is FinancingStatus.ACTIVE
        for doc_hash in _copies(ledger, examined, actor, by_terms=by_terms)
        for f in _readable_financings(ledger, bytes.fromhex(doc_hash[2:]), actor)
    )


def _copies(ledger: Ledger, examined: Examined, actor: str, *, by_terms: bool = True) -> list[str]:
    """The other documents (0x hex, ascending) ``actor`` knows to be copies of ``examined``:
    its matches among the files it may compare with, and (``by_terms``) the documents
    financings whose terms its key opens pledge with a fingerprint such a financing pledged
    this one with (the event index's :func:`ledger.indexer.pledges.copies_pledged_with`; none
    without an index)."""
    copies = {m.doc_hash for m in examined.matches if m.doc_hash != examined.doc_hash}
    if by_terms and ledger.event_index is not None and examined.facts is not None:
        from ledger.indexer.pledges import copies_pledged_with  # the index imports the services

        copies |= set(copies_pledged_with(ledger.event_index, examined.doc_hash, actor))
    return sorted(copies)


def _examine(
    ledger: Ledger,
    data: bytes,
    actor: str,
    role: str,
    doc_type: DocType | None,
    as_registered: bool,
    lookups: _Lookups,
    *,
    registering: bool = False,
    parsed: ParsedDocument | None = None,
) -> tuple[ParsedDocument, Examined]:
    if parsed is None:
        parsed = _read_checked(data, registering)
    if lookups.ahead is None:  # the stored files compared with below, in one query set
        lookups.read_stored([parsed], actor, role)
    canonical_hash = canonical_hash_of(data)
    if as_registered:
        found = lookup_file(ledger, data, parsed.doc_hash)
        parsed = replace(parsed, doc_hash=found.doc_hash)
    else:
        registration = lookups.registration(parsed.doc_hash)
        tried = (
            HashTried(HashedForm.FILE_BYTES, hex32(parsed.doc_hash), registration is not None),
        )
        own = (FoundRegistration(HashedForm.FILE_BYTES, registration),) if registration else ()
        found = FileLookup(parsed.doc_hash, HashedForm.FILE_BYTES, tried, registration, own)
    # this gateway's own fingerprints (lookup key) find the files it keeps; the on-chain ones
    # (the evaluator's, for a bank) find the financings holding the file
    values = lookups.own_fingerprints(parsed)
    # the file's registration, as found: what its earlier versions are read from, once
    lookups.registrations.setdefault(parsed.doc_hash, found.registration)
    infos, unknown, marks = _onchain_infos(
        ledger, parsed, actor, role, lookups, with_marks=not registering
    )
    scope = match_scope(actor, role)
    stored = lookups.stored([hex32(parsed.doc_hash)], values, scope)
    matches = _grade_against(
        ledger,
        parsed,
        values,
        scope,
        {**lookups.known, **{t.doc_hash: t.registered for t in found.tried}},
        stored,
    )
    # the caller's own copy of this very file is no match of it (a tryout's bank read its own
    # lodged copy as an IDENTICAL match of the file it checked): it is said to be lodged here
    this_file = hex32(parsed.doc_hash)
    matches = [
        kept
        for m in matches
        if (kept := m.without(actor) if m.doc_hash == this_file else m) is not None
    ]
    own_copy = next(
        (r for r in stored if actor and r.doc_hash == this_file and r.received_by == actor), None
    )
    suspicions, notices, financeable = _look_around(ledger, parsed, actor, role, lookups)
    #: the active financings holding this file's own fingerprints
    pledged = {i.held_by_financing for i in infos if i.held_by_financing}
    if marks:  # an active financing of a re-issue or a split of this invoice
        noun = doc_type_word(parsed.facts.doc_type.value) if parsed.facts else "invoice"
        carriers = marked_financings(ledger, actor, marks, pledged, own=True, noun=noun)
        # the caller's own financing of the invoice its own files were found to be: named in
        # that suspicion, of its kind (a tryout's bank financed one receivable twice, and nobody
        # but the bank could tell which financing the files were pledged to; joined to the
        # first suspicion whatever its kind, it was named under a copy_revoked one)
        listed = list(suspicions)
        joined = {
            m.financing_id
            for m in carriers
            if join_marked(listed, m.financing_id, m.suspicion_kind, m.reasons, m.own)
        }
        suspicions = tuple(listed)
        carriers = [m for m in carriers if m.financing_id not in joined]
        suspicions = (
            *suspicions,
            *(
                SuspicionInfo(
                    m.suspicion_kind, m.reasons, (), (m.financing_id,), m.kind.matching_facts
                )
                for m in carriers
            ),
        )
    owned_receivable = None
    if role == "bank" and actor and not registering and parsed.facts is not None:
        suspicions, owned_receivable = _own_holdings(
            ledger,
            actor,
            parsed.facts,
            hex32(parsed.doc_hash),
            suspicions,
            financeable,
            pledged,
            lookups.stored_with,
        )
    if unknown is not None:
        notices = (*notices, unknown)
    if not registering and parsed.facts is not None:
        hidden = control_refusal(parsed.facts)
        if hidden is not None:
            notices = (*notices, _control_notice(hidden))
    held_by = holders(ledger, infos)
    notices = (*notices, *earlier_version_notices(ledger, infos, held_by))
    if own_copy is not None and not registering:
        # a registration's answer is the same whether its file was lodged by the first attempt
        # or not (a retry): said only by a check and a receive
        notices = (*notices, already_lodged_notice(own_copy))
    if (in_force := status_notice(found.registration)) is not None:
        notices = (in_force, *notices)
    examined = Examined(
        doc_hash=hex32(parsed.doc_hash),
        format=parsed.format.value,
        size=parsed.size,
        doc_type=_doc_type_of(parsed, doc_type),
        facts=parsed.facts.to_dict() if parsed.facts else None,
        fingerprints=infos,
        registration=found.registration,
        matches=tuple(matches),
        suspicions=suspicions,
        notices=notices,
        financeable_amount=financeable,
        hashed=found.hashed,
        tried=found.tried,
        holders=held_by,
        sees_all=match_scope(actor, role) is None,
        holders_known=unknown is None,
        canonical_hash=canonical_hash,
        registrations=found.registrations,
        own_receivable=owned_receivable,
    )
    return parsed, examined


def own_holdings_of(
    ledger: Ledger,
    actor: str,
    facts: DocumentFacts,
    doc_hash: str,
    suspicions: Sequence[tuple[str, tuple[str, ...], tuple[int, ...]]],
    financeable: int | None,
) -> OwnReceivable | None:
    """The receivable a bank's own active financings already hold of the invoice ``facts``
    (its file ``doc_hash``, 0x hex) through its re-issues and parts, as its check counts them
    (:func:`_own_holdings`), given the file's suspicions as ``(kind, documents, financings)``
    — what a financing's request found for the document (``ledger.services.financing``:
    tryout 83's bank financed a part its check said nothing was left of, told only the
    suspicion). None when they hold none of it."""
    infos = tuple(
        SuspicionInfo(kind, (), documents, financings) for kind, documents, financings in suspicions
    )
    return _own_holdings(ledger, actor, facts, doc_hash, infos, financeable)[1]


def _own_holdings(
    ledger: Ledger,
    actor: str,
    facts: DocumentFacts,
    doc_hash: str,
    suspicions: tuple[SuspicionInfo, ...],
    financeable: int | None,
    holding_it: Iterable[int] = (),
    read: StoredReader | None = None,
) -> tuple[tuple[SuspicionInfo, ...], OwnReceivable | None]:
    """A bank's check: its suspicions with the financings they name that are the bank's own
    marked (``own_financings``), and the receivable those hold through the invoice's re-issues
    and parts (``ledger.services.own_related``; tryout 51's bank read "left to finance:
    4,500.00" of an invoice whose re-issue and part its own financings held). ``holding_it``:
    the active financings holding the checked file's own fingerprints, counted with the rest;
    ``read``: the check's reader of stored files (its files read ahead, not read again).

    Beside the financings the suspicions name, those holding the bank's own lodged files of the
    checked invoice's receivable (:func:`_receivable_files_held`): a suspicion ties a file to
    the one it resembles most, so a part of an invoice is suspected against the original the
    bank lodged, not against the original's re-issue the bank financed (tryout 81: "left to
    finance: 300.00" of a part whose whole the bank's financing of the re-issue held)."""
    named_ids = receivable_financings([(s.kind, s.financings) for s in suspicions])
    ids = named_ids
    if any(suspicion_family(s.kind) in RECEIVABLE_FAMILIES for s in suspicions):
        ids = sorted({*ids, *_receivable_files_held(ledger, actor, facts, doc_hash, read)})
    # the bank's own financings that acknowledged a suspicion naming the same other bank's
    # financing: their files resemble the invoice it holds, as this one does (tryout 82)
    tied = tied_through(ledger, actor, named_ids)
    ids = sorted({*ids, *tied})
    if not ids:
        return suspicions, None
    # the financings holding the checked file's own fingerprints count with the others once
    # the file is found to be of a receivable they hold (``own_receivable``; tryout 82)
    ids = sorted({*ids, *holding_it})
    owned = own_financings(ledger, actor, ids)
    if not owned:
        return suspicions, None
    marked = tuple(
        replace(s, own_financings=tuple(f for f in s.financings if f in owned)) for s in suspicions
    )
    named = [d for s in suspicions for d in s.documents]
    # what the checked file is of the invoice those financings hold: the family of its
    # suspicions naming them (a split, where it is one: then a part or a whole by its amount)
    families = {
        suspicion_family(s.kind) for s in suspicions if set(s.financings) & set(named_ids)
    } & set(RECEIVABLE_FAMILIES)
    checked_family = "split" if "split" in families else next(iter(families), "")
    found = own_receivable(
        ledger,
        actor,
        facts,
        doc_hash,
        owned,
        financeable,
        named,
        tied_documents(tied, owned),
        checked_family,
    )
    return marked, found


def earlier_version_notices(
    ledger: Ledger, infos: Sequence[FingerprintInfo], held_by: Sequence[Holder]
) -> tuple[Notice, ...]:
    """The ``earlier_version_pledged`` notice of a file that amends a document an active
    financing pledges, or is a copy of a registered one (:func:`registered_twins`) — one of its
    ``document_version`` fingerprints of another version is held:
    :func:`ledger.documents.fingerprints.version_inputs` —, naming the version and the
    financing with its bank; none otherwise. No bank can finance the file while that
    financing is in force: its financing would lock the same version fingerprint."""
    held = [
        (version, f.held_by_financing)
        for f in infos
        if f.held_by_financing and (version := version_of(f.name)) is not None
    ]
    if not held:
        return ()
    from ledger.services.names import LedgerNames  # it reads documents: imported when used

    banks = {h.financing_id: h.bank for h in held_by}
    names = LedgerNames(ledger)
    said = "; ".join(
        f"{version} is pledged by active financing {fid}"
        + (f" of {who(banks[fid], names)}" if fid in banks else "")
        for version, fid in held
    )
    return (
        Notice(
            "earlier_version_pledged",
            "this document amends an earlier version of itself (DocumentSuperseded), or is "
            "another file of a registered document (the same document in another format), or "
            f"of a version of one, and {said}: a pledge holds for every later version of the "
            "document it pledges and for every copy of it, so no bank can finance this one "
            "while that financing is in force",
            tuple(version for version, _ in held),
            tuple(sorted({fid for _, fid in held})),
        ),
    )


def _read_checked(data: bytes, registering: bool, sent: bytes | None = None) -> ParsedDocument:
    """``data`` read (:func:`ledger.documents.read_document`) after its size is checked, its
    face value checked too. InvalidInput (or PayloadTooLarge) when it cannot be. ``sent``: the
    JSON text a client sent when ``data`` is its canonical form (``POST /v1/documents/json``),
    which a refusal quotes (:func:`_as_sent`)."""
    check_size(data)
    try:
        parsed = read_document(data, registering=registering)
    except InvalidInput as refused:
        if sent is None:
            raise
        raise _as_sent(refused, sent, registering) from None
    if parsed.facts is not None:
        check_face_value(parsed.facts, AMOUNT_FIELDS.get(parsed.format, "amount"))
    return parsed


def _as_sent(refused: InvalidInput, sent: bytes, registering: bool) -> InvalidInput:
    """The refusal of a JSON form read from its canonical bytes, as the form the client
    ``sent`` words it: the same rule of the same field, its numbers quoted as written — the
    canonical bytes write ``1e3`` as ``1000.0`` and ``-0`` as ``0`` (Python's parser read them
    so), which the client never wrote. ``refused`` itself when reading ``sent`` refuses another
    field first, or nothing."""
    try:
        read_json_form(sent, strict=registering)
    except InvalidInput as again:
        if type(again) is type(refused) and again.field == refused.field:
            return again
    return refused


def _own_fingerprints(ledger: Ledger, parsed: ParsedDocument) -> list[str]:
    """The 0x-hex fingerprints of ``parsed`` under this gateway's own lookup key: what finds
    the files it keeps (never on chain)."""
    return [hex32(f.value) for f in compute_fingerprints(parsed, ledger.lookup_key())]


def _onchain_infos(
    ledger: Ledger,
    parsed: ParsedDocument,
    actor: str,
    role: str,
    lookups: _Lookups,
    *,
    with_marks: bool = False,
) -> tuple[tuple[FingerprintInfo, ...], Notice | None, list[Mark]]:
    """The on-chain fingerprints of a file with the financing holding each, or none and a
    ``holders_unknown`` notice when they cannot be evaluated for ``actor``: only a bank's
    gateway has them evaluated (docs/fingerprints.md), and not while the evaluator is down or
    refusing. A regulator gets the ones a bank stored here with a copy of the same document,
    when there is one. ``with_marks``: a bank's file's marks too (``ledger.documents.marks``),
    evaluated in the same request. A bank's registered file that amends earlier versions
    (:meth:`_Lookups.earlier_versions`) gets their ``document_version`` fingerprints too, whose
    holder is a financing of an earlier version of it. RateLimited and MemberSuspended from the
    evaluator pass through."""
    if parsed.facts is None or not fingerprint_inputs(parsed.facts):
        return (), None, []
    if role != "bank" and sees_fingerprints(role):
        stored = _stored_onchain_of_same(ledger, parsed, lookups.stored_with)
        if stored:
            held = lookups.holders([bytes.fromhex(v[2:]) for _, v in stored])
            return (
                tuple(FingerprintInfo(n, v, h) for (n, v), h in zip(stored, held, strict=True)),
                None,
                [],
            )
    if role != "bank":
        return (), holders_unknown_notice(role, hex32(parsed.doc_hash)), []
    earlier = lookups.earlier_versions(parsed.doc_hash)[:MAX_EARLIER_VERSIONS]
    # a registered document this file is a copy of, and the versions it amends: the same
    # receivable, whose version fingerprints a financing of this file locks too
    twins = registered_twins(ledger, parsed.facts, parsed.doc_hash, actor, role, lookups)
    earlier = [*earlier, *(h for h in twins if h not in earlier)]
    try:
        evaluated, marked = evaluated_with_marks(
            ledger,
            actor,
            [parsed.facts],
            with_marks=with_marks,
            carried=False,
            versions=[earlier] if earlier else None,
        )
    except EvaluatorUnavailable as exc:
        return (
            (),
            Notice(
                "holders_unknown",
                f"whether an active financing holds this file is not known: {exc.message}",
            ),
            [],
        )
    fps = evaluated[0]
    held = lookups.holders([f.value for f in fps])
    infos = tuple(
        FingerprintInfo(f.name, hex32(f.value), h) for f, h in zip(fps, held, strict=True)
    )
    return infos, None, marked[0]


def _control_notice(refused: InvalidInput) -> Notice:
    """The ``control_characters`` notice of a file a registration would refuse for a control
    or bidirectional control character in an identifier or a name (``refused``, naming the
    field and the character): what a reader is shown of it may not be what it states."""
    return Notice(
        "control_characters",
        f"{refused.field}: {refused.rule}; a registration of this file would be refused, and "
        "what a reader is shown of it (a name written right to left, a character unseen) may "
        "not be what it states: compare it with the seller's own copy",
    )


def already_lodged_notice(copy: ReceivedDocument) -> Notice:
    """The ``already_lodged`` notice of a file its caller lodged here before (``copy``, its own
    stored copy): the same file, not a match of it — when it was lodged, and under which name."""
    named = f" as {copy.filename}" if copy.filename else ""
    return Notice(
        "already_lodged",
        f"this file is already lodged here: you lodged it at {utc_text(_utc(copy.received_at))}"
        f"{named} (document {copy.doc_hash}); it is the same file, not a match of it: the "
        "matches are other files, and copies of it lodged by others as you may see them",
        documents=(copy.doc_hash,),
    )


def holders_unknown_notice(role: str, doc_hash: str) -> Notice:
    """The ``holders_unknown`` notice of a file with facts whose on-chain fingerprints a
    non-bank ``role`` has not evaluated (only a bank's gateway has them evaluated), saying what
    is true for that role and what it can do instead:

    - a regulator is given them from a bank's stored copy of the document, and none was lodged
      here; it finds the financings that pledge the document by its hash (``doc_hash``);
    - an admin reads no fingerprint nor holder, but the financings of any document;
    - an enterprise or attestor learns the financing of the documents it registered only —
      the same words for every file but its own hash, so they tell nothing of this one's
      (docs/privacy.md): an
      enterprise when the terms are sealed to it as the seller (or the bank shared them), an
      attestor — never a financed invoice's seller — when the bank shared them;
    - any other caller (a role without its own words) is told only what no role is given.

    Each is worded for its role: a tryout's attestor was told what an enterprise learns."""
    said = "whether an active financing holds this file is not known here: "
    timeline = "tradeledger audit timeline"
    if role == "regulator":
        return Notice(
            "holders_unknown",
            f"{said}no bank lodged a copy of this document at this gateway, so its on-chain "
            "fingerprints are not known here (a regulator is given them from a bank's stored "
            "copy); the financings that pledge this document are found by its hash: "
            f"GET /v1/audit/financeable?doc_hash={doc_hash}, or its timeline "
            f"(GET /v1/audit/documents/{doc_hash}/timeline, {timeline} {doc_hash})",
        )
    if role == "admin":
        return Notice(
            "holders_unknown",
            f"{said}fingerprints and the financings that lock them are shown to banks and "
            "regulators only; the financings that pledge this document are in its timeline "
            f"(GET /v1/audit/documents/{doc_hash}/timeline, {timeline} {doc_hash})",
        )
    shown = (
        f"{said}fingerprints and the financings that lock them are shown to banks and "
        "regulators only"
    )
    where = (  # the file's own hash, which its caller sent: it tells nothing of a financing
        "in the document's registration and its timeline "
        f"(GET /v1/audit/documents/{doc_hash}/timeline, {timeline} {doc_hash})"
    )
    if role == "enterprise":
        return Notice(
            "holders_unknown",
            f"{shown}; an enterprise learns of a financing of a document it registered only "
            "when the terms are sealed to it (it is shown to be the document's seller, or the "
            f"bank shared them), {where}",
        )
    if role == "attestor":
        return Notice(
            "holders_unknown",
            f"{shown}; an attestor learns of a financing of a document it registered only when "
            "the financing bank shared the terms with it (a financing's terms are sealed to its "
            f"bank, the regulators and the invoice's seller), {where}",
        )
    return Notice(
        "holders_unknown", f"{shown}; a financing is shown to those its terms are sealed to"
    )


def holders(ledger: Ledger, fingerprints: Sequence[FingerprintInfo]) -> tuple[Holder, ...]:
    """The active financings holding any of ``fingerprints``, each with its bank as the chain
    records it and whether this gateway made it."""
    found = []
    for financing_id in sorted({f.held_by_financing for f in fingerprints if f.held_by_financing}):
        record = ledger.calls.functions.getFinancing(financing_id).call()
        found.append(
            Holder(
                financing_id=financing_id,
                bank=Web3.to_checksum_address(record[0]),
                made_here=bool(ledger.db.pledges(financing_id)),
            )
        )
    return tuple(found)


def unkeyed_reason(facts: DocumentFacts | None, *, values: bool = True) -> str | None:
    """Why a document has no fingerprint, in words — its seller claims an identity (VAT
    number, LEI, legal or tax registration) and every such identifier failed its check: which
    value, which rule (``values``; False when they are said beside it) —; None when it has
    fingerprints (or is a raw file, without facts)."""
    seller = facts.seller if facts is not None else None
    if seller is None or not seller.unkeyed:
        return None
    failed = "; ".join(f"{r.scheme} {r.value!r} {r.reason}" for r in seller.rejected)
    which = f" ({failed})" if values else ""
    return (
        f"the seller's identifiers failed their checks{which}, so the document has no "
        "fingerprint: no bank can finance it and a copy in another format is not recognised; "
        "a document is keyed on its seller's VAT number, LEI, legal or tax registration, and "
        "a corrected one with a valid identifier can be financed"
    )


#: a stored row holding the SHA-256 of a JSON file's canonical form (its value), so that a
#: JSON form whose byte form was registered here is known (:func:`same_document_registrations`)
CANONICAL_PREFIX = "canonical_json:"
#: prefixes of the lookup keys stored beside the fingerprints (never on chain)
LOOKUP_PREFIXES = ("parties:", "credits:", "numbers:", CANONICAL_PREFIX)


def is_lookup_key(name: str) -> bool:
    """Whether a stored fingerprint row is a local lookup key, not a fingerprint."""
    return name.startswith(LOOKUP_PREFIXES)


def local_values(rows: Sequence[tuple[str, str]]) -> list[str]:
    """The gateway-local fingerprints (lookup key) of a received file's stored rows: what
    matches files kept here. Never compared with the chain."""
    return [v for n, v in rows if not is_lookup_key(n) and not n.startswith(ONCHAIN_PREFIX)]


def _money(facts: DocumentFacts, amount: int) -> str:
    """``amount`` (minor units) of the invoice's currency for people (``4,675.00 DKK``)."""
    return money(amount, facts.currency)


#: the notice of a credit note lodged here against an invoice that is not counted against it
#: (:func:`credit_notes_read`)
NOTE_NOT_COUNTED = "credit_note_not_counted"


def credit_notes_for(
    ledger: Ledger,
    facts: DocumentFacts,
    scope: str | None = None,
    *,
    reader: str | None = None,
    read: StoredReader | None = None,
) -> list[tuple[str, DocumentFacts]]:
    """The credit notes counted against the invoice ``facts`` (:func:`credit_notes_read`):
    (doc hash, facts), one per credit note however many copies were lodged."""
    return credit_notes_read(ledger, facts, scope, reader=reader, read=read)[0]


def credit_notes_read(
    ledger: Ledger,
    facts: DocumentFacts,
    scope: str | None = None,
    *,
    reader: str | None = None,
    read: StoredReader | None = None,
) -> tuple[list[tuple[str, DocumentFacts]], list[tuple[str, DocumentFacts, str]]]:
    """The credit notes lodged at this gateway — by anyone, or by ``scope`` only — that correct
    the invoice ``facts`` (BT-25 names its number, same seller, same currency), as (counted,
    not counted): (doc hash, facts) each — and, for one not counted, why in words —, one per
    credit note however many copies were lodged.

    Whether a note counts against the invoice's financeable value is
    :func:`why_not_counted`'s: the caller's own, or vouched for by a member that may be a party
    to the invoice, and never withdrawn on chain. Any other note is one member's word and is
    not counted (two tryouts: any member's made-up note — lodged, or registered by a member
    without a legal id — made another company's invoice unfinanceable at every bank, and a
    revoked one went on counting); :data:`NOTE_NOT_COUNTED` names it.
    ``read``: where the stored files are read from (default: the gateway database)."""
    if facts.credit_note or facts.seller is None:
        return [], []
    values = _invoice_keys(ledger, facts, facts.number)
    found: dict[tuple[str, int | None], tuple[str, DocumentFacts]] = {}
    lodgers: dict[tuple[str, int | None], set[str]] = {}
    #: copies of the invoice itself lodged here (its own number and seller): who registered
    #: it first is the one member that may speak for a seller it cannot be compared with
    copies: set[str] = set()
    other_currency: dict[tuple[str, int | None], tuple[str, DocumentFacts]] = {}
    unclear: dict[tuple[str, int | None], tuple[str, DocumentFacts, str]] = {}

    def in_scope(values: Sequence[str], _: str | None) -> list[ReceivedDocument]:
        # the files the notes are read among (``scope``): whether a reference could name
        # another invoice — never another member's files for a reader that may not see them
        if read is not None:
            return read(values, scope)
        return ledger.db.received_with_fingerprints(list(values), scope)

    for row in (read or ledger.db.received_with_fingerprints)(values, scope):
        note = facts_of(row)
        if note is None or party_relation(note.seller, facts.seller)[0] is not True:
            continue
        if not note.credit_note:
            if note.number == facts.number:
                copies.add(row.doc_hash)
            continue
        names = _note_names(ledger, note, facts, in_scope)
        if names is False:
            continue
        key = (note.number, note.amount_minor)
        if isinstance(names, str):
            unclear.setdefault(key, (row.doc_hash, note, names))
            continue
        if note.currency != facts.currency:
            # told, not dropped: tryout 92's seller's note in EUR of its DKK invoice reached
            # the financing bank as nothing at all
            other_currency.setdefault(key, (row.doc_hash, note))
            continue
        found.setdefault(key, (row.doc_hash, note))
        lodgers.setdefault(key, set()).add(row.received_by.lower())
    counted: list[tuple[str, DocumentFacts]] = []
    uncounted: list[tuple[str, DocumentFacts, str]] = []
    first: list[frozenset[str]] = []  # read once, when a note needs it

    def first_registrants() -> frozenset[str]:
        if not first:
            first.append(first_registrants_of(ledger, copies))
        return first[0]

    for key, (doc_hash, note) in found.items():
        why = why_not_counted(
            ledger, doc_hash, note, facts, lodgers[key], reader, first_registrants
        )
        if why is None:
            counted.append((doc_hash, note))
        else:
            uncounted.append((doc_hash, note, why))
    uncounted += unclear.values()
    for doc_hash, note in other_currency.values():
        uncounted.append(
            (
                doc_hash,
                note,
                f"in {note.currency}, not the invoice's {facts.currency}: a credit note counts "
                "in the currency of the invoice it corrects",
            )
        )
    return sorted(counted), sorted(uncounted)


def _note_names(
    ledger: Ledger, note: DocumentFacts, invoice: DocumentFacts, read: StoredReader
) -> bool | str:
    """Whether a credit note of the invoice's seller names ``invoice`` by one of its
    references (BT-25), as :func:`ledger.documents.citednumbers.named_among` reads each among
    the seller's invoices lodged at this gateway; or, in words, why a note that names it
    among others is counted against none: a reference that could name several of them
    (tryout 92: ``100234`` lowered ``A100234``, ``B100234`` and ``100234`` alike; tryout 93:
    ``471102`` the seller's ``471102`` of 2023 and of 2024), or a note naming this invoice and
    another (tryout 93: a note of 300.00 naming two invoices lowered each by 300.00) — its
    amount is not split between them by its references. The bank is told (a
    ``credit_note_not_counted`` notice)."""
    naming: list[str] = []
    unclear: str | None = None
    for reference in note.invoice_refs:
        if not cites(reference, invoice.number, invoice.issue_date):
            continue
        lodged = _invoices_of(read(_invoice_keys(ledger, note, reference), None), note.seller)
        lodged[""] = (invoice.number, invoice.issue_date)
        named = named_among(reference, lodged)
        if {lodged[i] for i in named} == {lodged[""]}:
            naming.append(reference)
        elif not named:
            others = sorted(
                {
                    f"{number} of {issued.isoformat() if issued else 'no issue date'}"
                    for i, (number, issued) in lodged.items()
                    if i and (number, issued) != lodged[""] and cites(reference, number, issued)
                }
            )
            unclear = (
                f"names invoice {reference}, which could be this invoice or the seller's "
                f"{', '.join(others)} lodged here: counted against none of them"
            )
    if naming and len(naming) < len(set(note.invoice_refs)):
        return (
            f"names {len(set(note.invoice_refs))} invoices ({', '.join(note.invoice_refs)}), "
            "this one among them: its amount is not split between them by its references, so "
            "it is counted against none of them — ask the seller how it splits"
        )
    return True if naming else (unclear or False)


def _names_several(note: DocumentFacts) -> Notice | None:
    """The ``credit_note_names_several`` notice of a credit note whose references (BT-25)
    name more than one invoice (not one invoice written two ways): a bank counts it against
    none of them, its amount not being split between them by its references (tryout 93: a
    note of 300.00 naming two invoices lowered each by 300.00)."""
    refs = list(dict.fromkeys(note.invoice_refs))
    if all(cites(a, b, None) or cites(b, a, None) for a, b in combinations(refs, 2)):
        return None
    return Notice(
        "credit_note_names_several",
        f"this credit note names {len(refs)} invoices ({', '.join(refs)}): its amount is not "
        "split between them by its references, so it is counted against none of them — ask "
        "the seller how it splits, or have it issue one note per invoice",
    )


def _invoices_of(
    rows: Sequence[ReceivedDocument], seller: Party | None
) -> dict[str, tuple[str, date | None]]:
    """The invoices (no credit notes) among ``rows`` of ``seller``: doc hash → (normalised
    number, issue date), as :func:`ledger.documents.citednumbers.named_among` reads them."""
    found: dict[str, tuple[str, date | None]] = {}
    for row in rows:
        f = facts_of(row)
        if f is None or f.credit_note or party_relation(f.seller, seller)[0] is not True:
            continue
        found[row.doc_hash] = (f.number, f.issue_date)
    return found


#: why a credit note no member vouches for is not counted (:func:`why_not_counted`)
NOT_VOUCHED = (
    "only lodged or registered by members not shown to be the invoice's seller or buyer by "
    "their legal id on chain (a member without one, a bank, an attestor or a regulator never "
    "vouches for a credit note), and not by an enterprise with a legal id that registered the "
    "invoice first where the files cannot compare the parties: one member's word"
)


def first_registrants_of(ledger: Ledger, doc_hashes: Iterable[str]) -> frozenset[str]:
    """The member(s), lower-case, that registered the earliest of the documents ``doc_hashes``
    (0x-hex: copies of one invoice lodged here) on chain — several only when two were dated the
    same second —; empty when none is registered."""
    registrations = [
        r
        for r in (find_registration(ledger, bytes.fromhex(h[2:])) for h in sorted(doc_hashes))
        if r is not None
    ]
    if not registrations:
        return frozenset()
    earliest = min(r.registered_at for r in registrations)
    return frozenset(r.registered_by.lower() for r in registrations if r.registered_at == earliest)


def why_not_counted(
    ledger: Ledger,
    doc_hash: str,
    note: DocumentFacts,
    invoice: DocumentFacts,
    lodgers: Iterable[str],
    reader: str | None = None,
    invoice_registrants: Callable[[], frozenset[str]] = frozenset,
) -> str | None:
    """Why the credit note ``note`` (0x-hex ``doc_hash``) does not count against ``invoice``
    (:func:`credit_notes_read`), in words — or None when it counts:

    1. registered on chain and revoked or superseded there: withdrawn, it counts for nobody;
    2. ``reader`` lodged a copy itself (its own books): it counts;
    3. a member that lodged a copy here (``lodgers``) or registered it on chain vouches for it
       (:func:`vouches`: shown to be the seller or the buyer, or an enterprise with a legal id
       that the files cannot show to be neither and that registered the invoice first —
       ``invoice_registrants``, lower-case addresses, read only when needed): it counts;
    4. otherwise it is one member's word: not counted (:data:`NOT_VOUCHED`)."""
    registration = find_registration(ledger, bytes.fromhex(doc_hash[2:]))
    if registration is not None and registration.status is not DocStatus.ACTIVE:
        return f"{registration.status.name.lower()} on chain"
    members = {m.lower() for m in lodgers}
    if reader is not None and reader.lower() in members:
        return None
    if registration is not None:
        members.add(registration.registered_by.lower())
    if any(vouches(ledger, m, note, invoice, invoice_registrants) for m in sorted(members)):
        return None
    return NOT_VOUCHED


def _party_ids(invoice: DocumentFacts) -> tuple[set[bytes], set[bytes]]:
    """The legal-id hashes that show a member to be the seller, and the buyer, of an invoice
    (:func:`ledger.services.sellers.party_legal_id_hashes`: VAT id with its country prefix,
    LEI, ``<ICD>:<id>``, only those that passed their checks) — the invoice's own, never a
    credit note's: a tryout's enterprise named itself the buyer in a note it made up, and was
    "shown" to be the buyer by its own file."""
    return set(party_legal_id_hashes(invoice.seller)), set(party_legal_id_hashes(invoice.buyer))


def vouches(
    ledger: Ledger,
    member: str,
    note: DocumentFacts,
    invoice: DocumentFacts,
    invoice_registrants: Callable[[], frozenset[str]] = frozenset,
) -> bool:
    """Whether ``member``'s copy or registration of a credit note makes it count: it is shown
    to be the seller or the buyer (its legal id on chain is one of their identifiers in the
    invoice, :func:`_party_ids`: never the note's own, which its maker writes), or it is an
    ENTERPRISE with a legal id on chain
    that the files cannot show to be neither (the seller or the buyer names no identifier to
    compare it with) **and** that registered the invoice first (``invoice_registrants``: the
    first registrants of the invoice's copies lodged here, :func:`first_registrants_of`) — a
    tryout: an unrelated enterprise's note cancelled an invoice whose parties' VAT ids failed
    their checks. Never a bank, an attestor, a regulator or the operator — no party to a
    receivable it did not issue or owe — nor a member without a legal id (nothing to compare)."""
    record = ledger.calls.functions.memberOf(Web3.to_checksum_address(member)).call()
    if int(record[0]) == 0 or Role(int(record[2])) is not Role.ENTERPRISE:
        return False
    legal = bytes(record[4])  # the legal-id hash, from the record read for the role
    if not any(legal):
        return False
    sellers, buyers = _party_ids(invoice)
    if legal in sellers or legal in buyers:
        return True
    if sellers and buyers:
        return False  # shown to be neither
    # a party the files name no comparable identifier of: only the invoice's own registrant
    return member.lower() in invoice_registrants()


def not_counted_notice(uncounted: Sequence[tuple[str, DocumentFacts, str]]) -> Notice | None:
    """The :data:`NOTE_NOT_COUNTED` notice of an invoice's credit notes lodged here that are not
    counted against it (:func:`credit_notes_read`), or None when there is none: each named
    with its number, amount and why — its lodger is never named (who holds what is not
    another member's to learn)."""
    if not uncounted:
        return None
    listed = "; ".join(
        f"{n.number_as_written or n.number} ({_money(n, n.amount_minor or 0)}, {why})"
        for _, n, why in uncounted
    )
    return Notice(
        NOTE_NOT_COUNTED,
        f"{len(uncounted)} credit note(s) lodged here name this invoice but are not counted "
        f"against its financeable value: {listed}. A credit note counts when the invoice's "
        "seller or buyer vouches for it (lodges or registers it: a legal id on chain equal to "
        "one of their identifiers; where the files name none to compare, the member that "
        "registered the invoice first), or you lodged it yourself; confirm the others with the "
        "seller or the buyer before financing",
        documents=tuple(h for h, _, _ in uncounted),
    )


def counted_notes(ledger: Ledger, notes: Sequence[tuple[str, DocumentFacts]]) -> str:
    """The credit notes counted against an invoice (:func:`credit_notes_for`), in words, each
    with its number (EN 16931 BT-1), amount and whether it is registered on chain, and by whom
    (public on chain) — a tryout's bank, refused its financing by another member's note, saw
    only "1 credit note(s)": ``CN-7 (1,000.00 DKK, registered on chain by Bank B)``, ``CN-8
    (500.00 DKK, lodged here, not registered on chain)``."""
    from ledger.services.names import LedgerNames  # it reads documents: imported when used

    names = LedgerNames(ledger)

    def where(doc_hash: str) -> str:
        registration = find_registration(ledger, bytes.fromhex(doc_hash[2:]))
        if registration is None:
            return "lodged here, not registered on chain"
        return f"registered on chain by {who(registration.registered_by, names)}"

    return "; ".join(
        f"{note.number_as_written or note.number} ({_money(note, note.amount_minor or 0)}, "
        f"{where(doc_hash)})"
        for doc_hash, note in notes
    )


def financeable_amount(
    ledger: Ledger,
    facts: DocumentFacts,
    scope: str | None = None,
    notes: Sequence[tuple[str, DocumentFacts]] | None = None,
    *,
    reader: str | None = None,
) -> int | None:
    """What can be financed of an invoice (minor units, never negative): its amount due
    (EN 16931 BT-115) net of the credit notes counted against it (:func:`credit_notes_read`:
    those lodged here — by anyone, or by ``scope`` only — that ``reader`` lodged itself or that
    a party to the invoice vouches for, none revoked on chain) — and 0 when that is not
    positive: an invoice whose amount due is negative or zero, or whose credit notes cancel it,
    has nothing to finance
    (``financing.create`` refuses it, and :func:`nothing_due` says why in words). ``None`` for a
    credit note or a document without an amount. ``notes``: :func:`credit_notes_for` of the
    same arguments, when already read.
    A check answers 0 for an invoice no bank can finance for want of fingerprints
    (:func:`unkeyed_reason`): :func:`_financeable_shown`."""
    net = net_amount_due(ledger, facts, scope, notes, reader=reader)
    return None if net is None else max(net, 0)


def _financeable_shown(facts: DocumentFacts, financeable: int | None) -> int | None:
    """What a check, a receive or a held copy answers as ``financeable_amount``: 0 for an
    invoice whose seller is unkeyed — no fingerprint, so no bank can finance it (its
    ``seller_unkeyed`` notice says why; ``financing.create`` refuses it in those words) —
    else ``financeable`` (:func:`financeable_amount`)."""
    if financeable is not None and facts.seller is not None and facts.seller.unkeyed:
        return 0
    if financeable is not None and facts.no_payment_claimed is not None:
        return 0  # a pro-forma invoice: its ``no_payment_claimed`` notice says so
    return financeable


def net_amount_due(
    ledger: Ledger,
    facts: DocumentFacts,
    scope: str | None = None,
    notes: Sequence[tuple[str, DocumentFacts]] | None = None,
    *,
    reader: str | None = None,
) -> int | None:
    """An invoice's amount due net of the credit notes counted against it (minor units; may be
    negative or zero: :func:`financeable_amount` is what can be financed of it); ``None`` for a
    credit note or a document without an amount. The amount due is the one the file states
    (BT-115), or what EN 16931 BR-CO-16 gives from its totals when that is less
    (``DocumentFacts.amount_due_minor``). Arguments as :func:`financeable_amount`."""
    if facts.credit_note or facts.amount_minor is None:
        return None
    if notes is None:
        notes = credit_notes_for(ledger, facts, scope, reader=reader)
    credited = sum(n.amount_minor or 0 for _, n in notes)
    due = facts.amount_due_minor  # BT-115, or less where EN 16931 BR-CO-16 gives less
    assert due is not None
    return due - credited


def nothing_due(
    amount_minor: int | None,
    net: int | None,
    currency: str | None,
    by_totals: int | None = None,
    faults: Sequence[TotalsFault] = (),
) -> str | None:
    """Why an invoice has nothing to finance, in words, or ``None`` when it has something (or is
    no invoice with an amount): ``amount_minor`` is its amount due (EN 16931 BT-115, minor
    units of ``currency``), ``net`` that amount net of the credit notes counted
    (:func:`net_amount_due`; ``None``: not known, taken as ``amount_minor``), ``by_totals``
    the amount due its totals give when that differs (BR-CO-16,
    ``DocumentFacts.amount_due_by_totals``)."""
    if amount_minor is None:
        return None
    if amount_minor < 0:
        return (
            f"its amount due (EN 16931 BT-115) is negative ({money(amount_minor, currency)}): "
            "the seller owes the buyer, nothing is due to be financed"
        )
    if amount_minor == 0:
        return "its amount due (EN 16931 BT-115) is zero: nothing is due to be financed"
    if by_totals is not None and by_totals <= 0 and (net is None or net <= 0):
        words = totals_words(amount_minor, by_totals, currency, faults)
        return f"{words}: nothing is due to be financed"
    if net is not None and net <= 0:
        return (
            f"the credit notes counted cancel its amount due of {money(amount_minor, currency)}: "
            "nothing is left to finance"
        )
    return None


#: how a ``nothing_due`` notice's message begins; its reason (:func:`nothing_due`) follows
NOTHING_DUE_LEAD = "this invoice cannot be financed: "
#: why a credit note cannot be financed (its ``credit_note`` notice says it)
CREDIT_NOTE_REASON = (
    "this is a credit note (it reduces what the buyer owes): it is not a receivable"
)


def no_payment_reason(what: str) -> str:
    """Why a document whose type code claims no payment (``DocumentFacts.no_payment_claimed``:
    ``what`` it is) cannot be financed, in the words of its notice and of the refusal."""
    return f"This is {what}: it is not a receivable and cannot be financed (EN 16931 BT-3)"


#: the notices of a document not in force (revoked, superseded): no bank can finance it
NOT_IN_FORCE_NOTICES = frozenset({"document_revoked", "document_superseded"})
#: the notices of a file no bank can finance, whoever holds it: its document revoked or
#: superseded, nothing due, a credit note, a seller whose every identifier failed its check (no
#: fingerprint: ``financing.create`` refuses it)
NOT_FINANCEABLE_NOTICES = frozenset(
    {"nothing_due", "credit_note", "no_payment_claimed", "seller_unkeyed", *NOT_IN_FORCE_NOTICES}
)


def status_notice(registration: Registration | None) -> Notice | None:
    """The ``document_revoked`` or ``document_superseded`` notice of a file whose registered
    document is not in force — no bank can finance it: its gateway refuses a financing of it
    (``DOCUMENT_REVOKED``, ``DOCUMENT_SUPERSEDED``, recorded for the regulator, docs/rules.md)
    — or None (not registered, or active). What a check, a receipt and a held copy carry, so a
    bank is told before it tries."""
    if registration is None or registration.status is DocStatus.ACTIVE:
        return None
    doc = registration.doc_hash
    if registration.status is DocStatus.REVOKED:
        return Notice(
            "document_revoked",
            f"document {doc} is revoked: a revoked document cannot be financed (a financing of "
            "it is refused, DOCUMENT_REVOKED, and the refusal recorded for the regulator)",
            documents=(doc,),
        )
    successor = registration.successor
    by = f" by {successor}" if successor else ""
    return Notice(
        "document_superseded",
        f"document {doc} is superseded{by}: a superseded document cannot be financed (a "
        "financing of it is refused, DOCUMENT_SUPERSEDED, and the refusal recorded for the "
        "regulator)",
        documents=(doc, successor) if successor else (doc,),
    )


def _nothing_due_notice(facts: DocumentFacts, net: int | None) -> Notice | None:
    """The ``nothing_due`` notice of an invoice whose amount due net of the credit notes counted
    is ``net`` (:func:`nothing_due`), or None when it has something to finance."""
    why = nothing_due(
        facts.amount_minor, net, facts.currency, facts.amount_due_by_totals, facts.totals_faults
    )
    if why is None:
        return None
    return Notice("nothing_due", f"{NOTHING_DUE_LEAD}{why}", documents=())


def not_financeable_reason(notices: Iterable[tuple[str, str]]) -> str | None:
    """Why no bank can finance a file, in the words of its own notices (kind, message) — the
    message of its ``document_revoked`` / ``document_superseded`` notice (its document is not in
    force), the reason of its ``nothing_due`` notice (the amount due as the service counted it,
    net of the credit notes in the caller's scope), that it is a credit note, or the message of
    its ``seller_unkeyed`` notice (every identifier of its seller failed its check: no
    fingerprint) — or None when none of them says so. What ``doc check`` and ``doc show`` print
    after NOT FINANCEABLE: never recomputed from an amount shown."""
    found = {kind: message for kind, message in notices if kind in NOT_FINANCEABLE_NOTICES}
    for kind in sorted(NOT_IN_FORCE_NOTICES):
        if kind in found:
            return found[kind]
    if "nothing_due" in found:
        return found["nothing_due"].removeprefix(NOTHING_DUE_LEAD)
    if "credit_note" in found:
        return CREDIT_NOTE_REASON
    if "no_payment_claimed" in found:
        claimed = found["no_payment_claimed"]
        return claimed[0].lower() + claimed[1:]
    if "seller_unkeyed" in found:
        unkeyed = found["seller_unkeyed"]
        return unkeyed[0].lower() + unkeyed[1:]
    return None


def totals_words(
    stated: int,
    by_totals: int,
    currency: str | None,
    faults: Sequence[TotalsFault] = (),
) -> str:
    """An invoice's amount due and the one its totals give, in words: ``stated`` is BT-115,
    ``by_totals`` BT-112 - BT-113 + BT-114 (EN 16931 BR-CO-16) or, with ``faults``, what its
    own lines, allowances, charges and VAT support (``ledger.documents.calculation``), each
    rule broken named (minor units of ``currency``)."""
    if faults:
        broken = "; ".join(
            f"{fault.term} ({fault.field}) states {money(fault.stated, currency)} where "
            f"{fault.basis} {money(fault.expected, currency)} ({fault.rule})"
            for fault in faults
        )
        if all(fault.rule == PAID_RULE for fault in faults):  # its totals add up (BR-CO-16)
            return (
                f"its amount due of {money(stated, currency)} (BT-115) is more than its total "
                f"with VAT (BT-112) and rounding (BT-114) give: {money(by_totals, currency)} "
                f"({broken})"
            )
        return (
            f"its amount due of {money(stated, currency)} (BT-115) is more than its own lines, "
            f"allowances, charges and VAT support: {money(by_totals, currency)}, its totals "
            f"do not add up ({broken})"
        )
    return (
        f"its amount due of {money(stated, currency)} (BT-115) is not what its totals give: "
        f"{money(by_totals, currency)}, the total with VAT (BT-112) less the amount paid "
        f"(BT-113) plus rounding (BT-114), as {TOTALS_RULE} requires"
    )


def _totals_notice(facts: DocumentFacts) -> Notice | None:
    """The ``amount_due_inconsistent`` notice of an invoice whose stated amount due breaks
    EN 16931 BR-CO-16 (``ledger.documents.totals``), or None when it keeps it or cannot be
    checked."""
    if facts.credit_note or facts.amount_minor is None or facts.amount_due_by_totals is None:
        return None
    words = totals_words(
        facts.amount_minor, facts.amount_due_by_totals, facts.currency, facts.totals_faults
    )
    if facts.amount_due_by_totals <= 0 < facts.amount_minor:
        words += ": nothing can be financed of it"  # never "no more than -2,325.00 DKK"
    elif facts.amount_due_by_totals < facts.amount_minor:
        words += (
            f": no more than {money(facts.amount_due_by_totals, facts.currency)} can be "
            "financed of it"
        )
    return Notice("amount_due_inconsistent", words[0].upper() + words[1:], documents=())


def net_due_here(ledger: Ledger) -> Callable[[str], int | None]:
    """What this gateway's files say an invoice's amount due is now, by its 0x-hex hash (minor
    units): :func:`net_due_of_lodged` of a copy lodged here (every copy of a hash is the same
    file) — net of every credit note lodged here; None when no copy is lodged here, or for a
    credit note or a file without an amount. For the regulator's re-check
    (``ledger.indexer.check_rules``, ``held_above_net_due``)."""

    def net_due(doc_hash: str) -> int | None:
        copies = ledger.db.received(doc_hash.lower())
        return net_due_of_lodged(ledger, copies[0])[0] if copies else None

    return net_due


def net_due_of_lodged(
    ledger: Ledger, lodged: ReceivedDocument, reader: str | None = None
) -> tuple[int | None, str | None]:
    """The amount due of a lodged file net of the credit notes counted against it (minor
    units; None for a file without an amount, or a credit note) and, when nothing is left to
    finance, why in words (:func:`nothing_due`) — as :func:`financeable_amount` and
    ``financing.create`` count them for ``reader`` (:func:`credit_notes_read`: those a party to
    the invoice vouches for, and ``reader``'s own; ``ledger.services.audit.NetDue``)."""
    facts = facts_of(lodged)
    if facts is None:
        return None, None
    net = net_amount_due(ledger, facts, reader=reader)
    why = nothing_due(
        facts.amount_minor, net, facts.currency, facts.amount_due_by_totals, facts.totals_faults
    )
    return net, why if net is not None else None


def _notes_scope(actor: str, role: str) -> str | None:
    """Whose credit notes lodged here a caller's answers take into account: everyone's for a
    bank or a regulator (a bank must not finance what a buyer's credit note cancelled), the
    caller's own for the others (another participant's files are not theirs to learn of)."""
    return None if role in FINGERPRINT_ROLES else actor


def _financed_own_invoices(ledger: Ledger, invoices: Sequence[str], actor: str) -> tuple[str, ...]:
    """Of ``invoices`` (hashes of the caller's own files), those it registered that an active
    financing whose terms its key opens holds now (by the public locks on the fingerprints of
    its lodged copy, each holder then read for ``actor``). An enterprise learns of a financing
    from terms sealed or shared to it alone (docs/privacy.md): by the locks alone, a credit
    note told a registrant not shown to be the invoice's seller — whose document read says
    ``is_financed: null`` — whether its invoice was financed (tryout 89)."""
    from ledger.services import financing  # it imports this module

    found = []
    for doc_hash in invoices:
        reg = find_registration(ledger, bytes.fromhex(doc_hash[2:]))
        if reg is None or reg.registered_by.lower() != actor.lower():
            continue
        values = _stored_onchain(ledger, [doc_hash])
        holders = ledger.calls.functions.fingerprintHolders(values).call() if values else []
        if any(
            financing.get(ledger, fid, reader=actor).terms is not None
            for fid in sorted({int(h) for h in holders if int(h)})
        ):
            found.append(doc_hash)
    return tuple(found)


def _stored_onchain_of_same(
    ledger: Ledger, parsed: ParsedDocument, read: StoredReader | None = None
) -> list[tuple[str, str]]:
    """The on-chain fingerprints a bank's gateway stored here with a copy of a document with
    exactly the same key facts (the same local ``full`` fingerprint, hence the same OPRF
    inputs): how a regulator, which has none evaluated, still learns who holds a file."""
    full = [
        hex32(f.value)
        for f in compute_fingerprints(parsed, ledger.lookup_key())
        if f.kind.value == "full"
    ]
    for row in (read or ledger.db.received_with_fingerprints)(full, None) if full else []:
        if (found := onchain_rows(row.fingerprints)) and full[0] in local_values(row.fingerprints):
            return found
    return []


def _stored_onchain(ledger: Ledger, doc_hashes: Sequence[str]) -> list[bytes]:
    """The on-chain fingerprints stored with any copy of ``doc_hashes`` lodged here (a bank's
    gateway stores them when it lodges a file): the same document has the same ones whoever
    lodged it, so a role that cannot have them evaluated can still ask the chain about it."""
    return sorted(
        {
            bytes.fromhex(v[2:])
            for doc_hash in doc_hashes
            for row in ledger.db.received(doc_hash, None)
            for _, v in onchain_rows(row.fingerprints)
        }
    )


#: where a credit note's "falls by" holds: a note counts for a reader when that reader lodged it,
#: or a member shown to be the invoice's seller or buyer vouches for it (:func:`why_not_counted`)
#: — a tryout's registrant read "falls by" of a note no bank would count
_WHERE_IT_COUNTS = (
    "where the note counts (for a member that lodges it here, and for every reader here once "
    "the invoice's seller or buyer lodges or registers it)"
)


def _invoice_onchain(
    ledger: Ledger, facts: DocumentFacts, number: str, actor: str, role: str
) -> list[bytes]:
    """The on-chain ``seller_number`` fingerprints of invoice ``number`` of the seller of a
    credit note, and of the invoice numbers its forms are (``RE-471102`` and ``471102/2018``:
    ``471102``; :func:`ledger.documents.citednumbers.plain_forms`), evaluated for a bank (none
    for another role, or while the evaluator is unavailable: the financing holding the
    invoice is then not named)."""
    inputs = [i for n in (number, *plain_forms(number)) for i in invoice_number_inputs(facts, n)]
    if role != "bank" or not inputs:
        return []
    try:
        return [onchain_value(o) for o in ledger.evaluate(actor, inputs)]
    except EvaluatorUnavailable:
        return []


def _look_around(
    ledger: Ledger, parsed: ParsedDocument, actor: str, role: str, lookups: _Lookups
) -> tuple[tuple[SuspicionInfo, ...], tuple[Notice, ...], int | None]:
    """Suspicions (re-issue, split), credit-note notices and the financeable value of a file.

    A credit note's notice names the financings holding the invoice it corrects to banks and
    regulators; to the others only whether an invoice they registered is financed."""
    facts = parsed.facts
    if facts is None:
        return (), (), None
    notices = _facts_notices(facts)
    if facts.credit_note:
        several = _names_several(facts)
        if several is not None:
            notices.append(several)
        for number in facts.invoice_refs:
            found = lookups.stored_with(
                _invoice_keys(ledger, facts, number), match_scope(actor, role)
            )
            lodged = _invoices_of(found, facts.seller)
            invoices = sorted(named_among(number, lodged))
            fitting = {invoice for invoice in lodged.values() if cites(number, *invoice)}
            if not invoices and fitting:
                # tryout 93: the seller was told nothing of a note whose number fits two of
                # its invoices (its 471102 of 2023 and of 2024), counted against neither
                notices.append(
                    Notice(
                        "credit_note_reference_unclear",
                        f"this credit note names invoice {number}, which could be any of "
                        f"{len(fitting)} invoices of "
                        "the seller among your files here: it is counted against none of them "
                        "— name the one it corrects (its number as issued, with its year)",
                    )
                )
                continue
            if several is not None:
                continue
            onchain = _invoice_onchain(ledger, facts, number, actor, role) or _stored_onchain(
                ledger, invoices
            )
            held = sorted({h for h in lookups.holders(list(onchain)) if h})
            if held and sees_fingerprints(role):
                notices.append(
                    Notice(
                        "credit_note_financed_invoice",
                        f"this credit note corrects invoice {number}, which active financing "
                        f"{', '.join(map(str, held))} holds: the invoice's financeable value "
                        f"falls by {_money(facts, facts.amount_minor or 0)} {_WHERE_IT_COUNTS}",
                        documents=tuple(invoices),
                        financings=tuple(held),
                    )
                )
            elif held and (mine := _financed_own_invoices(ledger, invoices, actor)):
                notices.append(
                    Notice(
                        "credit_note_financed_invoice",
                        f"this credit note corrects invoice {number}, which you registered "
                        "and which is financed: the invoice's financeable value falls by "
                        f"{_money(facts, facts.amount_minor or 0)} {_WHERE_IT_COUNTS}",
                        documents=mine,
                    )
                )
        return (), tuple(notices), None
    totals = _totals_notice(facts)
    if totals is not None:
        notices.append(totals)
    scope = _notes_scope(actor, role)
    notes, uncounted = credit_notes_read(
        ledger, facts, scope, reader=actor, read=lookups.stored_with
    )
    financeable = financeable_amount(ledger, facts, scope, notes)
    if (not_counted := not_counted_notice(uncounted)) is not None:
        notices.append(not_counted)
    if notes:
        notices.append(
            Notice(
                "credited",
                f"{len(notes)} credit note(s) counted correct this invoice: its financeable "
                f"value is {_money(facts, financeable or 0)} of "
                f"{_money(facts, facts.amount_minor or 0)} ({counted_notes(ledger, notes)})",
                documents=tuple(h for h, _ in notes),
            )
        )
    nothing = _nothing_due_notice(facts, net_amount_due(ledger, facts, scope, notes))
    if nothing is not None:
        notices.append(nothing)
    suspicions = suspicions_of(
        ledger,
        facts,
        hex32(parsed.doc_hash),
        actor,
        role,
        read=lookups.stored_with,
        earlier=lookups.earlier_versions,
    )
    return suspicions, tuple(notices), _financeable_shown(facts, financeable)


def _facts_notices(facts: DocumentFacts) -> list[Notice]:
    """The notices a file's facts alone give, whoever reads it: its rejected identifiers
    (``identifier_rejected``), a seller without a usable identity (``seller_unkeyed``), a
    credit note (``credit_note``), an issue date in the future (``issued_in_future``), a due
    date before the issue date (``due_before_issue``) — a check's (:func:`_look_around`) and a
    held copy's (:func:`held_copy`) alike."""
    notices: list[Notice] = []
    for role_name, party in (("seller", facts.seller), ("buyer", facts.buyer)):
        for rejected in party.rejected if party else ():
            notices.append(
                Notice(
                    "identifier_rejected",
                    f"{role_name} identifier {rejected.scheme} {rejected.value!r} is not used: "
                    f"{rejected.reason}",
                )
            )
    unkeyed = unkeyed_reason(facts, values=False)  # the values are in the notices above
    if unkeyed is not None:
        notices.append(Notice("seller_unkeyed", unkeyed[0].upper() + unkeyed[1:]))
    if facts.credit_note:
        # one naming no invoice lowers none: tryout 92's seller registered a JSON-form note
        # (the form has no BT-25) and was not told it corrects nothing
        unnamed = (
            "; it names no invoice it corrects (BT-25 Preceding invoice reference), so it is "
            "counted against none"
            if not facts.invoice_refs
            else ""
        )
        notices.append(
            Notice("credit_note", f"{CREDIT_NOTE_REASON} and cannot be financed{unnamed}")
        )
    elif facts.no_payment_claimed is not None:
        notices.append(Notice("no_payment_claimed", no_payment_reason(facts.no_payment_claimed)))
    future = issued_in_future(facts)
    if future is not None:
        notices.append(future)
    # the JSON form refuses it; an e-invoice is read as stated, and a bank was told nothing
    if facts.due_date and facts.issue_date and facts.due_date < facts.issue_date:
        notices.append(
            Notice(
                "due_before_issue",
                f"its due date (BT-9) {facts.due_date.isoformat()} is before its issue date "
                f"(BT-2) {facts.issue_date.isoformat()}: check the dates with its issuer before "
                "relying on them",
            )
        )
    return notices


def issued_in_future(facts: DocumentFacts, today: date | None = None) -> Notice | None:
    """The ``issued_in_future`` notice of a document whose issue date (EN 16931 BT-2) is after
    tomorrow in UTC (a day for the zones ahead of UTC), or None: a document dated 2999 was
    registered and checked without a word (a tryout). Nothing is refused: the date is the
    issuer's, and a person decides."""
    if facts.issue_date is None:
        return None
    today = today or datetime.now(UTC).date()
    if facts.issue_date <= today + timedelta(days=1):
        return None
    term = "its issue date (BT-2)" if facts.doc_type is DocumentType.INVOICE else "its issue date"
    return Notice(
        "issued_in_future",
        f"{term} {facts.issue_date.isoformat()} is after today ({today.isoformat()}, UTC): a "
        "document is not issued in the future; check the date with its issuer before relying "
        "on it",
    )


def _look_around_keys(ledger: Ledger, facts: DocumentFacts | None) -> tuple[list[str], list[str]]:
    """The 0x-hex lookup keys :func:`_look_around` reads stored files by, for a file with
    ``facts``, as (read in :func:`match_scope`, read in :func:`_notes_scope`): a credit note's
    invoices' ``seller_number`` fingerprints and an invoice's ``parties`` keys
    (:func:`suspicions_of`); an invoice's own ``seller_number`` fingerprints (its credit notes,
    :func:`credit_notes_for`)."""
    if facts is None:
        return [], []
    if facts.credit_note:
        return [
            v for number in facts.invoice_refs for v in _invoice_keys(ledger, facts, number)
        ], []
    return _parties_keys(ledger, facts), _invoice_keys(ledger, facts, facts.number)


def _invoice_keys(ledger: Ledger, facts: DocumentFacts, number: str) -> list[str]:
    """The 0x-hex ``seller_number`` lookup keys of invoice ``number`` of the seller of
    ``facts`` (:func:`invoice_number_fingerprints` under this gateway's key), and those of
    each of its forms (:func:`ledger.documents.citednumbers.lookup_forms`: a credit note names
    ``471102`` as ``RE-471102``, ``471102/2018``, ``471 102``): what finds an invoice's credit
    notes, and a credit note's invoices (whether one names the other:
    :func:`ledger.documents.citednumbers.cites`)."""
    key = ledger.lookup_key()
    return [
        hex32(v)
        for form in (number, *lookup_forms(number))
        for v in invoice_number_fingerprints(facts, form, key)
    ]


def _parties_keys(ledger: Ledger, facts: DocumentFacts) -> list[str]:
    """The 0x-hex ``parties`` lookup keys of an invoice (:func:`lookup_keys`): what finds the
    other invoices of its seller and buyer."""
    return [
        hex32(v) for n, v in lookup_keys(facts, ledger.lookup_key()) if n.startswith("parties:")
    ]


def suspicions_of(
    ledger: Ledger,
    facts: DocumentFacts,
    doc_hash: str,
    actor: str,
    role: str,
    *,
    read: StoredReader | None = None,
    earlier: Callable[[bytes], Sequence[bytes]] | None = None,
) -> tuple[SuspicionInfo, ...]:
    """Why the invoice with ``facts`` (document ``doc_hash``, never compared with itself) looks
    like a re-issue or a split of the invoices of the same seller and buyer this gateway holds
    in the scope of ``actor`` of ``role`` (:func:`match_scope`; found through the ``parties``
    lookup key, never on chain): what ``doc check`` and ``doc receive`` report, and what a
    bank's financing must acknowledge (:func:`ledger.services.financing.create`). ``read``:
    where the stored files are read from (default: the gateway database); ``earlier``: the
    documents a registered document amends (default: :func:`earlier_versions` of its
    registration, read now; a check's and a financing's, read once for all their uses).

    A document the file amends (:func:`earlier_versions`: its registrant superseded it by this
    one) is no suspicion of it: an amendment under the same lines and another amount read as a
    ``split`` of its own earlier version (a tryout). The amendment replaces it — no bank can
    finance a superseded document — and a financing of it still in force holds its version
    fingerprint, which the check reports (``earlier_version_pledged``) and the chain enforces."""
    if facts.credit_note:
        return ()
    files = same_parties_files(ledger, facts, doc_hash, actor, role, read)
    known = [(h, f) for h, (f, _) in files.items()]
    if known:  # read the chain only when there is something to compare with
        document = bytes.fromhex(doc_hash[2:])
        amends = (
            earlier(document)
            if earlier is not None
            else earlier_versions(ledger, find_registration(ledger, document))
        )
        amended = {hex32(h) for h in amends}
        known = [(h, f) for h, f in known if h not in amended]
    withdrawn = copies_withdrawn(ledger, facts, known, doc_hash)
    found = find_suspicions(facts, known)
    # each document named with its status now: a revoked or superseded one is said so, in the
    # object and in the words, and the suspicion stands (NamedStatus)
    statuses = named_statuses(ledger, [d for s in found for d in s.documents]) if found else {}
    holding = _holding(ledger, files, [d for s in found for d in s.documents]) if found else {}
    out = []
    for s in found:
        named = tuple(statuses[d] for d in s.documents)
        said = tuple(r for n in named if (r := n.reason) is not None)
        held = tuple(sorted({i for d in s.documents for i in holding.get(d, ())}))
        out.append(
            SuspicionInfo(
                s.kind.value, s.reasons + said, s.documents, held, s.matching_facts, named
            )
        )
    return tuple(withdrawn + out)


def registered_twins(
    ledger: Ledger,
    facts: DocumentFacts | None,
    doc_hash: bytes,
    actor: str,
    role: str,
    lookups: _Lookups | None = None,
) -> list[bytes]:
    """The registered documents (32-byte hashes) that are the **same document** as the file
    ``doc_hash`` with ``facts`` — files lodged here in the scope of ``actor`` of ``role``
    (:func:`match_scope`), of the same seller and buyer, graded ``identical`` or
    ``same_document`` — with every document each amends (:func:`earlier_versions`); never
    ``doc_hash`` itself, nor a document it amends.

    A copy of a registered document in another file (another format, another hash) is the same
    receivable, so a financing of the copy locks their version fingerprints too, as it locks
    its own versions'. A tryout: an exporter superseded its invoice by an amendment under a new
    number and financed the amendment at Bank A; Bank B, holding the original, financed its
    CII copy — no fingerprint met (the number and amount differ), nothing was said, and the
    regulator's audit read clean. The copy now locks the original's version fingerprint, which
    Bank A's financing of its amendment holds: the chain refuses it, and a check says so.
    ``lookups``: a check's reads, read once for all its uses (the stored files, the
    registrations, the amendment chains); else read now."""
    read = lookups if lookups is not None else _Lookups(ledger)
    found: list[bytes] = []
    for twin in _registered_copies(read, facts, doc_hash, actor, role):
        found += [twin, *read.earlier_versions(twin)]
    if not found:
        return []
    mine = set(read.earlier_versions(doc_hash))
    return [h for h in dict.fromkeys(found) if h != doc_hash and h not in mine]


def _registered_copies(
    read: _Lookups, facts: DocumentFacts | None, doc_hash: bytes, actor: str, role: str
) -> list[bytes]:
    """The registered documents among the files lodged here in the scope of ``actor`` of
    ``role`` that are the same document as the file ``doc_hash`` with ``facts`` (graded
    ``identical`` or ``same_document``), itself aside: a bank's files, or every file for a
    regulator (:data:`SEE_ALL_ROLES`)."""
    if facts is None or facts.credit_note or (role != "bank" and role not in SEE_ALL_ROLES):
        return []
    own = hex32(doc_hash)
    same = {
        row.doc_hash
        for row in read.stored_with(_parties_keys(read.ledger, facts), match_scope(actor, role))
        if row.doc_hash != own
        and (f := facts_of(row)) is not None
        and (m := grade_facts(facts, f)) is not None
        and m.grade in (MatchGrade.IDENTICAL, MatchGrade.SAME_DOCUMENT)
    }
    hashes = [bytes.fromhex(h[2:]) for h in sorted(same)]
    return [h for h in hashes if read.registration(h) is not None]


def twins_here(ledger: Ledger) -> Callable[[str], list[str]]:
    """The registered documents a pledged file is another copy of, by its 0x-hex hash, as the
    files lodged at this gateway say (:func:`_registered_copies` over every file, as a
    regulator reads them; none when no copy of the hash is lodged here). For the regulator's
    re-check (``ledger.indexer.check_rules``, ``amendments_financed_twice``): a financing of
    the CII rendering of a registered amendment pledges that amendment. Each hash is read
    once: the re-check asks for a pledged document's copies in two of its rules."""
    read = _Lookups(ledger)
    answered: dict[str, list[str]] = {}

    def twins(doc_hash: str) -> list[str]:
        key = doc_hash.lower()
        if key not in answered:
            copies = ledger.db.received(key)
            found = (
                _registered_copies(
                    read, facts_of(copies[0]), bytes.fromhex(key[2:]), "", "regulator"
                )
                if copies
                else []
            )
            answered[key] = [hex32(h) for h in found]
        return answered[key]

    return twins


def seller_here(
    ledger: Ledger, received_by: str | None = None
) -> Callable[[str, Sequence[str]], tuple[bool | None, str]]:
    """Whether a member is shown to be the seller of a document, by the first of its files
    (0x-hex hashes) lodged at this gateway — by ``received_by`` only, when given — that names a
    seller (:func:`ledger.services.sellers.registrant_seller`): (``is_seller``, ``reason``), or
    (None, why it cannot be told) when none does. For the regulator's re-check
    (``ledger.indexer.check_rules``), and for a bank's read of its financing
    (``ledger.services.financing``, its own files only): a revocation withdraws the receivable
    only by its seller or an admin."""

    def seller_of(member: str, files: Sequence[str]) -> tuple[bool | None, str]:
        for doc_hash in files:
            copies = ledger.db.received(doc_hash.lower(), received_by)
            facts = facts_of(copies[0]) if copies else None
            if facts is not None and facts.seller is not None:
                shown = registrant_seller(ledger, member, facts, f"the file {doc_hash} lodged here")
                return shown.is_seller, shown.reason
        if received_by is not None:
            return (
                None,
                f"cannot be told here: no file of it lodged by {received_by} names its seller",
            )
        return None, (
            "cannot be told here: no file of the document lodged at this gateway names its "
            f"seller ({', '.join(files)})"
        )

    return seller_of


def related_here(ledger: Ledger) -> Callable[[Sequence[str]], list[RelatedInvoices]]:
    """The re-issues and splits among documents (0x-hex hashes), as the files of them lodged at
    this gateway say (:func:`ledger.documents.suspicion.related_invoices`: each file compared
    with those of the same seller and buyer — the ``parties`` lookup keys — as a bank's check
    compares a file with its own; a hash with no file lodged here, or a credit note, is left
    out), with every other file of those sellers and buyers lodged here as context: the
    original a financing no longer holds is still the original. For the regulator's re-check
    (``ledger.indexer.check_rules``, ``reissues_and_splits_financed``): the files of different
    banks' financings compared with each other, which no bank can do. Two queries for all."""

    def related(doc_hashes: Sequence[str]) -> list[RelatedInvoices]:
        wanted = list(dict.fromkeys(h.lower() for h in doc_hashes))
        lodged: dict[str, ReceivedDocument] = {}
        for row in ledger.db.received_for_files(wanted, []):  # one query for them all
            lodged.setdefault(row.doc_hash, row)
        files: list[tuple[str, DocumentFacts]] = []
        keys: dict[str, list[str]] = {}
        holding: dict[str, list[str]] = {}  # a parties key → the files that have it
        for doc_hash in wanted:
            facts = facts_of(lodged[doc_hash]) if doc_hash in lodged else None
            if facts is None or facts.credit_note:
                continue
            files.append((doc_hash, facts))
            keys[doc_hash] = _parties_keys(ledger, facts)
        names = sorted({k for found in keys.values() for k in found})
        context: list[tuple[str, DocumentFacts]] = []
        for row in ledger.db.received_with_fingerprints(names, match_scope("", "regulator")):
            facts = facts_of(row)
            if row.doc_hash in keys or facts is None or facts.credit_note:
                continue  # a file given, read already (or another copy of one of the context)
            context.append((row.doc_hash, facts))
            keys[row.doc_hash] = _parties_keys(ledger, facts)
        for doc_hash, found in keys.items():
            for key in found:
                holding.setdefault(key, []).append(doc_hash)

        def peers(doc_hash: str) -> Iterable[str]:
            return dict.fromkeys(p for key in keys[doc_hash] for p in holding[key])

        return related_invoices(files, peers, context) if names else []

    return related


def same_parties_files(
    ledger: Ledger,
    facts: DocumentFacts,
    doc_hash: str,
    actor: str,
    role: str,
    read: StoredReader | None = None,
) -> dict[str, tuple[DocumentFacts, ReceivedDocument]]:
    """The files lodged here in the scope of ``actor`` of ``role`` (:func:`match_scope`) of
    the same seller and buyer as ``facts`` (the ``parties`` lookup key), ``doc_hash`` aside:
    (facts, stored row) by 0x-hex hash, once per hash (the first file of it), read from
    ``read`` (default: the gateway database)."""
    names = _parties_keys(ledger, facts)
    found: dict[str, tuple[DocumentFacts, ReceivedDocument]] = {}
    for row in (read or ledger.db.received_with_fingerprints)(names, match_scope(actor, role)):
        if row.doc_hash != doc_hash and (f := facts_of(row)) is not None:
            found.setdefault(row.doc_hash, (f, row))
    return found


def _receivable_files_held(
    ledger: Ledger,
    actor: str,
    facts: DocumentFacts,
    doc_hash: str,
    read: StoredReader | None = None,
) -> set[int]:
    """The active financings (anyone's) holding a fingerprint of a file ``actor`` lodged here
    that is of the receivable of the invoice ``facts`` (document ``doc_hash``, 0x hex): its
    re-issues, parts, whole or original, as :func:`related_invoices` groups the checked invoice
    with the files of the same seller and buyer ``actor`` lodged (credit notes aside). Two
    reads: the files (through ``read``: a check's files read ahead), then the holders of their
    fingerprints."""
    checked = doc_hash.lower()
    files = same_parties_files(ledger, facts, checked, actor, "bank", read)
    invoices = [(h, f) for h, (f, _) in files.items() if not f.credit_note]
    if not invoices:
        return set()
    of_receivable: set[str] = set()
    for group in related_invoices([(checked, facts), *invoices]):
        idents = {f.ident for f in group.files}
        if checked in idents:
            of_receivable |= idents - {checked}
    held = _holding(ledger, files, sorted(of_receivable))
    return {financing_id for ids in held.values() for financing_id in ids}


def _holding(
    ledger: Ledger,
    files: dict[str, tuple[DocumentFacts, ReceivedDocument]],
    doc_hashes: Sequence[str],
) -> dict[str, tuple[int, ...]]:
    """The active financings holding a fingerprint of each of ``doc_hashes`` (files of
    ``files``: their on-chain fingerprints as stored when lodged), by hash, in one read for
    them all: what a suspicion found among a bank's own files names beside them. A tryout's
    bank financed a part of an invoice Bank B's active financing held, after a ``split_part``
    suspicion naming ``financings: []``, and the regulator's follow-up of financings made
    despite suspicions skipped it."""
    values = {
        h: [bytes.fromhex(v[2:]) for n, v in files[h][1].fingerprints if not is_lookup_key(n)]
        for h in dict.fromkeys(doc_hashes)
        if h in files
    }
    asked = sorted({v for vs in values.values() for v in vs})
    holder = dict(zip(asked, _Lookups(ledger).holders(asked), strict=True))
    return {h: tuple(sorted({holder[v] for v in vs if holder[v]})) for h, vs in values.items()}


def pledged_copy_withdrawn(
    ledger: Ledger, facts: DocumentFacts, doc_hash: str, bank: str
) -> list[SuspicionInfo]:
    """The copies of a pledged invoice (``facts``, document ``doc_hash``) among the files
    ``bank`` lodged here whose revocation withdrew the receivable — by its seller or an admin
    (:func:`copies_withdrawn`, ``withdrawn_only``): what a write on a financing warns of
    (``ledger.services.financing.copy_withdrawn_notices``; a tryout's bank drew down with no
    word on an invoice its check called withdrawn)."""
    if facts.credit_note:
        return []
    files = same_parties_files(ledger, facts, doc_hash, bank, "bank")
    known = [(h, f) for h, (f, _) in files.items()]
    return copies_withdrawn(ledger, facts, known, doc_hash, withdrawn_only=True)


def copies_withdrawn(
    ledger: Ledger,
    facts: DocumentFacts,
    known: Sequence[tuple[str, DocumentFacts]],
    doc_hash: str | None = None,
    *,
    withdrawn_only: bool = False,
) -> list[SuspicionInfo]:
    """The :data:`COPY_REVOKED` suspicions of the invoice ``facts``: each file of ``known``
    (0x-hex hash, facts: files lodged here in the caller's scope) that is the **same document**
    (graded ``same_document``: same seller, number, buyer, amount, dates) and is revoked on
    chain — or superseded by amendments whose current version is —, for any reason but one that
    withdraws a registration only (:data:`REGISTRATION_ONLY_REASONS`: issued in error, a
    duplicate). A tryout: the seller revoked its amended invoice for fraud, and a bank holding
    the invoice's CII copy (another hash, still active) financed it without a word. Not a block:
    the bank judges it, and acknowledging it is recorded in the sealed terms. ``doc_hash``: the
    file's own hash (0x hex), so that the words name it when it is itself registered and
    active — as they name each copy of ``known`` still active: "no version of this invoice is
    in force" would be untrue of the registrations, though the revocation withdrew the
    receivable (a tryout: the UBL revoked "cancelled by issuer", three copies still active).

    A revocation withdraws the receivable only when its revoker is an admin or shown to be the
    seller (:func:`ledger.services.roles.withdraws_receivable`, compared with the revoked copy's
    facts): any registrant may revoke its own registration, and a tryout's bank revoked a
    near-copy it had registered of another bank's financed invoice. By anyone else, the
    suspicion stands, and its words say whose revocation it was and that only the registration
    is shown to be withdrawn; ``withdrawn_only``: those by the seller or an admin only."""
    same = [
        (h, f, m)
        for h, f in known
        if (m := grade_facts(facts, f)) is not None and m.grade is MatchGrade.SAME_DOCUMENT
    ]
    if not same:
        return []
    # both read documents: imported when used
    from ledger.services.names import LedgerNames
    from ledger.services.verify import current_version

    names = LedgerNames(ledger)
    # one batch read of the copies' statuses; only a withdrawn copy's record is read on its own
    # (tests/services/test_match_reads.py: a registered copy is never read one by one)
    statuses = named_statuses(ledger, [h for h, _, _ in same] + ([doc_hash] if doc_hash else []))
    still_active = [h for h, _, _ in same if statuses[h].status == "active"]
    if doc_hash and statuses[doc_hash].status == "active":
        still_active.insert(0, doc_hash)
    if still_active:
        files = "file" if len(still_active) == 1 else "files"
        verb = "is" if len(still_active) == 1 else "are"
        in_force = (
            "that revocation withdrew this invoice — every file of it, in any format, is the "
            f"same receivable — though {len(still_active)} {files} of it {verb} still registered "
            f"as active ({', '.join(still_active)}): "
            f"{'its registrant has' if len(still_active) == 1 else 'their registrants have'} "
            "not revoked it"
        )
    else:
        in_force = (
            "no version of this invoice is in force — every file of it, in any format, is the "
            "same receivable"
        )
    out: list[SuspicionInfo] = []
    for h, copy_facts, match in same:
        if statuses[h].status not in ("revoked", "superseded"):
            continue
        record = find_registration(ledger, bytes.fromhex(h[2:]))
        if record is None:
            continue
        end = current_version(ledger, record)  # the one walk of the amendment chain
        if end.status is not DocStatus.REVOKED:
            continue
        revocation = find_revocation(ledger, bytes.fromhex(end.doc_hash[2:]), names)
        if revocation is None or revocation.reason_code in REGISTRATION_ONLY_REASONS:
            continue
        path = [statuses[h]]
        if end.doc_hash != h:
            path.append(NamedStatus(end.doc_hash, "revoked"))
        amended = f", amended to {end.doc_hash}, which is" if end.doc_hash != h else ", which is"
        revoker = who(revocation.by, names)
        admin = member_is_admin(ledger, revocation.by)
        seller = registrant_seller(ledger, revocation.by, copy_facts, f"the file {h} lodged here")
        withdrawn = withdraws_receivable(admin, seller.is_seller)
        if withdrawn_only and not withdrawn:
            continue
        code = f"{revocation.reason_code} ({revocation.reason_name.replace('_', ' ')})"
        reason = (
            f"it is the same document as {h} (the same seller, number, buyer, amount and "
            f"dates){amended} revoked on chain by {revoker} at "
            f"{utc_text(revocation.at)}, "
            f"{f'reason code {code}' if withdrawn else f'the reason code it gave {code}'}; "
            f"{revoker_words(revoker, admin, seller.is_seller, seller.reason)}: "
            f"{in_force if withdrawn else REGISTRATION_WITHDRAWN_ONLY}"
        )
        out.append(
            SuspicionInfo(
                COPY_REVOKED,
                (reason,),
                tuple(n.doc_hash for n in path),
                (),
                match.agree,
                tuple(path),
            )
        )
    return out


def lodge_examined(
    ledger: Ledger, parsed: ParsedDocument, examined: Examined, actor: str, filename: str | None
) -> None:
    """:func:`lodge` a file as :func:`examine` read it: its type, the on-chain fingerprints it
    evaluated and its canonical JSON hash from ``examined``."""
    lodge(
        ledger,
        parsed,
        actor,
        examined.doc_type,
        filename,
        onchain=examined.fingerprints,
        canonical_hash=examined.canonical_hash,
    )


def lodge(
    ledger: Ledger,
    parsed: ParsedDocument,
    actor: str,
    doc_type: DocType,
    filename: str | None,
    *,
    onchain: Sequence[FingerprintInfo] = (),
    canonical_hash: str | None = None,
) -> None:
    """Keep a file ``actor`` handed this gateway, read by :func:`examine`: its facts,
    fingerprints and lookup keys under this gateway's own key, the ``onchain`` fingerprints
    :func:`examine` had evaluated for a bank and the hash of its canonical JSON form
    (``canonical_hash``, a JSON file) — never the file's bytes —, under ``parsed.doc_hash``."""
    ledger.db.store_received_many(
        [_kept(ledger, parsed, actor, doc_type, filename, onchain, canonical_hash)]
    )


def _kept(
    ledger: Ledger,
    parsed: ParsedDocument,
    actor: str,
    doc_type: DocType,
    filename: str | None,
    onchain: Sequence[FingerprintInfo],
    canonical_hash: str | None = None,
) -> ReceivedFile:
    """What :func:`lodge` keeps of a file (see there)."""
    key = ledger.lookup_key()  # this gateway's own key: what it keeps never goes on chain
    fps = [(f.name, hex32(f.value)) for f in compute_fingerprints(parsed, key)]
    fps += [(name, hex32(value)) for name, value in lookup_keys(parsed, key)]
    fps += [(ONCHAIN_PREFIX + f.name, f.value) for f in onchain]
    if canonical_hash is not None:
        fps.append((CANONICAL_PREFIX + "sha256", canonical_hash))
    return ReceivedFile(
        doc_hash=hex32(parsed.doc_hash),
        received_by=actor,
        fmt=parsed.format.value,
        size=parsed.size,
        # a name the OS gave with bytes that are not UTF-8 (``s\xff.txt`` on the command line
        # reads as a lone surrogate): kept escaped, as text (ledger.surrogates)
        filename=escape_surrogates(filename),
        doc_type=doc_type.name.lower(),
        facts_json=json.dumps(parsed.facts.to_dict()) if parsed.facts else None,
        fingerprints=fps,
    )


def receive(
    ledger: Ledger,
    actor: str,
    role: str,
    data: bytes,
    filename: str | None = None,
    doc_type: DocType | None = None,
    *,
    via: checks.Via = checks.SERVICE_RECEIVE,
) -> Examined:
    """Lodge a file ``actor`` received (facts + fingerprints) at this gateway; no chain write.

    The file is kept under the document it is (:func:`lookup_file`): a JSON file registered
    as its canonical form through ``POST /v1/documents/json`` is lodged under that hash, so a
    bank can finance the registered document. The matches are computed before the file is
    stored, so they show what was there already. The evaluation is logged (and, a limited
    ``via``, admitted) as :func:`examine` says.
    """
    refuse_control_in_filename(filename, "filename")
    parsed, examined = examine(ledger, data, actor, role, doc_type, via=via)
    lodge_examined(ledger, parsed, examined, actor, filename)
    return examined


# -- writes: every check that can be made is made before anything is written ---------------
#
# A request that fails changes nothing: the file is read and checked, the chain write is
# simulated (``eth_estimateGas`` runs it on the current state and raises the contract's error),
# and only then is the file lodged and the transaction sent. A registration of a file not
# registered yet is not simulated (issue #16: its gas is known); its file is lodged once it is
# mined, and one the chain refuses all the same raises the contract's error from its receipt.
# A retry of a write that was sent (its idempotency key is bound in the journal) is not
# simulated again: it returns the outcome of the transaction it sent.


def sent_already(ledger: Ledger, actor: str, key: str) -> bool:
    """Whether a transaction of ``actor`` is bound to ``key`` (a retry of a write sent before)."""
    return ledger.journal.by_key(ledger.transactor(actor).address, key) is not None


def registered_under(ledger: Ledger, actor: str, key: str) -> list[str] | None:
    """The hashes (0x hex, in the call's order) of the registration ``actor`` signed under
    ``key`` (a retry's key: ``doc import`` finds what each of its batches sent), read from the
    journaled transaction; None when no transaction is bound to the key, [] when the one bound
    registers nothing (another write's key)."""
    entry = ledger.journal.by_key(ledger.transactor(actor).address, key)
    if entry is None:
        return None
    return _registered_in(ledger, entry)


#: the part of an import's key that named its batches until the unreleased change after 0.1.0:
#: ``KEY#batch-0x<the hash of the batch's first document>`` (now the first batch is KEY
#: itself, batch N ``KEY#batch-N``)
LEGACY_BATCH_PART = "batch-0x"


def legacy_batches(ledger: Ledger, actor: str, key: str) -> list[tuple[str, list[str]]]:
    """The batches an import keyed ``key`` (:func:`ledger.services.writekeys.write_key`'s form)
    sent under the older names of its batches (``KEY#batch-0x…``, by each batch's first
    document): each ``(its key, the hashes it registers)``, in the order they were signed.
    A retry replays them under those keys — a journaled transaction is found by its key only,
    so a retry that named them the new way would send them again (refused, or registered twice
    under another name)."""
    sender = ledger.transactor(actor).address
    entries = ledger.journal.by_key_prefix(sender, sub_key(key, LEGACY_BATCH_PART))
    return [(str(e.idempotency_key), _registered_in(ledger, e)) for e in entries]


def _registered_in(ledger: Ledger, entry: JournalEntry) -> list[str]:
    """The hashes (0x hex, in the call's order) a journaled transaction registers; [] when it
    registers nothing."""
    raw = bytes(entry.raw)
    if raw and raw[0] <= 0x7F:  # a typed transaction (EIP-2718): type byte, then its RLP
        data = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()["data"]
    else:  # legacy: [nonce, gasPrice, gas, to, value, data, v, r, s]
        data = rlp.decode(raw)[5]
    try:
        function, args = ledger.contract.decode_function_input(HexBytes(data))
    except ValueError:
        return []
    if function.fn_name == "registerDocuments":
        return [hex32(h) for h in args["docHashes"]]
    if function.fn_name == "registerDocument":
        return [hex32(args["docHash"])]
    return []


def refuse_early(ledger: Ledger, actor: str, call: Any, key: str) -> int | None:
    """Raise the error the chain would raise for ``call`` sent by ``actor`` now (a simulation:
    nothing is written), unless ``key`` is bound to a transaction already (a retry). Returns
    the gas the simulation estimated (with margin), for sending ``call`` on the state it ran
    on without executing it a second time; None for a retry (its bytes are resent)."""
    if sent_already(ledger, actor, key):
        return None
    return ledger.transactor(actor).estimate(call)


def register_file(
    ledger: Ledger,
    actor: str,
    role: str,
    data: bytes,
    filename: str | None = None,
    doc_type: DocType | None = None,
    *,
    idempotency_key: str | None = None,
    via: checks.Via = checks.SERVICE_REGISTER,
    sent: bytes | None = None,
) -> tuple[Examined, Receipt, Registration]:
    """Lodge a file and register the SHA-256 of its bytes on chain, signed by ``actor``.
    ``sent``: the JSON text the client sent when ``data`` is its canonical form
    (``POST /v1/documents/json``): a refusal of the form quotes it (``1e3``, not ``1000.0``).

    All or nothing: the file is read first and lodged only once its registration is mined; a
    file the chain refuses (registered already, a role that may not register, a suspended
    member) is refused with the contract's error and is not lodged. A retry with the same
    ``idempotency_key`` returns the first registration (and lodges the file, if the first
    attempt stopped between the two). No simulation when the file is not registered yet: the
    gas of a registration is known (:data:`REGISTER_GAS`), and the registration is read back
    once (:func:`_registered_by`). A file refused for what is known before its fingerprints are
    evaluated — registered already, as the file or as its JSON document — is refused before
    they are (:func:`_refuse_before_evaluating`): it spends none of a bank's allowance at the
    evaluator, and its fingerprint-check log entry says ``evaluated`` 0.
    """
    refuse_control_in_filename(filename, "filename")
    key = write_key(idempotency_key)
    with _logged(ledger, actor, role, via) as evaluation:
        parsed = _read_checked(data, registering=True, sent=sent)
        evaluation.lookups.registrations = _refuse_before_evaluating(
            ledger, actor, key, [(data, filename)], [parsed], doc_type, batch=False
        )
        parsed, examined = _examine(
            ledger,
            data,
            actor,
            role,
            doc_type,
            False,
            evaluation.lookups,
            registering=True,
            parsed=parsed,
        )
        evaluation.keep()
    with (
        _kept_with_files(ledger, evaluation) as logged,
        one_registration_at_a_time([examined.canonical_hash]),
    ):
        examined = _disclosed(ledger, examined, actor, role)
        call = _registration(ledger, parsed.doc_hash, examined.doc_type)
        try:
            if not sent_already(ledger, actor, key):
                refuse_second_hash(ledger, examined)
            gas = _registration_gas(ledger, actor, call, key, [examined], REGISTER_GAS)
            mined = ledger.transactor(actor).transact(call, gas, idempotency_key=key)
        except LedgerError as exc:  # registered a moment ago by another: who, and the seller
            tell_seller(ledger, exc, actor, [(examined.doc_hash, parsed.facts)])
            raise
        kept = _kept(
            ledger,
            parsed,
            actor,
            examined.doc_type,
            filename,
            examined.fingerprints,
            examined.canonical_hash,
        )
        ledger.db.store_received_many([kept], checks=logged)
        logged.clear()
    registration = _registered_by(
        ledger, mined, [parsed.doc_hash], [examined.doc_type], fresh=examined.registration is None
    )[0]
    return (
        _registered_now(ledger, examined, registration, parsed.facts),
        _receipt(mined),
        registration,
    )


#: gas of ``registerDocument`` (51k measured; margin for a network that prices storage higher)
REGISTER_GAS = 80_000
#: gas of ``registerDocuments`` per document and per transaction (25.4k + 26k measured)
REGISTER_MANY_GAS = (32_000, 60_000)


def _registration_gas(
    ledger: Ledger, actor: str, call: Any, key: str, examined: Sequence[Examined], known: int
) -> int | None:
    """Gas for sending a registration: ``known`` (no simulation) when none of the files is
    registered yet, as :func:`examine` just read; else the simulation of :func:`refuse_early`,
    which raises the contract's error (DocumentAlreadyRegistered) — unless ``key`` is a retry
    of a registration sent before (None: its bytes are resent). A registration the chain
    refuses all the same (the member suspended since its standing was read) is mined with
    status 0 and raises the contract's error from its receipt; nothing is lodged then."""
    if any(e.registration is not None for e in examined):
        return refuse_early(ledger, actor, call, key)
    return known


#: topic 0 of ``DocumentRegistered(bytes32 indexed docHash, address indexed registrant, DocType)``
DOCUMENT_REGISTERED_TOPIC = Web3.keccak(text="DocumentRegistered(bytes32,address,uint8)")


def _registered_by(
    ledger: Ledger,
    mined: Any,
    hashes: Sequence[bytes],
    types: Sequence[DocType],
    *,
    fresh: bool = True,
) -> list[Registration]:
    """The registrations of ``hashes`` registered (as ``types``) in the transaction whose
    receipt is ``mined``. ``fresh`` (none of them was registered when the request read them):
    from the receipt itself (issue #16: no read after the write) — its ``DocumentRegistered``
    events name each document and its registrant, the block gives the time, the registrant's
    member id is its standing (an id never changes once given), a new registration is active
    and has no successor. Otherwise — a retry replaying a registration sent before, since
    perhaps revoked or superseded — and when the receipt does not carry every event (a node
    that trims logs), each record is read from the chain as it stands now."""
    found = _from_receipt(ledger, mined, hashes, types) if fresh else None
    return found if found is not None else [get_registration(ledger, bytes(h)) for h in hashes]


def _from_receipt(
    ledger: Ledger, mined: Any, hashes: Sequence[bytes], types: Sequence[DocType]
) -> list[Registration] | None:
    """The new registrations of ``hashes`` as receipt ``mined`` carries them (see
    :func:`_registered_by`); None when it does not carry them all."""
    registrants: dict[bytes, str] = {}
    contract = ledger.calls.address.lower()
    for log in mined["logs"]:
        topics = log["topics"]
        if (
            len(topics) == 3
            and str(log["address"]).lower() == contract
            and bytes(topics[0]) == DOCUMENT_REGISTERED_TOPIC
        ):
            registrants[bytes(topics[1])] = checksummed("0x" + bytes(topics[2])[-20:].hex())
    for doc_hash in registrants:  # mined: registered for good
        ledger.saw_registered(doc_hash)
    if any(bytes(h) not in registrants for h in hashes):
        return None
    ids = {r: standing(ledger, r).member_id for r in set(registrants.values())}
    if not all(ids.values()):
        return None
    at = datetime.fromtimestamp(_block_time_of(ledger, mined), UTC)
    return [
        Registration(
            doc_hash=hex32(doc_hash),
            doc_type=doc_type,
            status=DocStatus.ACTIVE,
            registered_by=registrants[bytes(doc_hash)],
            registrant_id=ids[registrants[bytes(doc_hash)]],
            registered_at=at,
            successor=None,
        )
        for doc_hash, doc_type in zip(hashes, types, strict=True)
    ]


def _block_time_of(ledger: Ledger, mined: Any) -> int:
    """The timestamp of the block of receipt ``mined``: the receipt's own ``blockTimestamp``
    when the node gives one (anvil, reth: the same node's word as its block header), else
    the block's header (:meth:`Ledger.block_time`)."""
    stamp = mined.get("blockTimestamp")
    if isinstance(stamp, str) and stamp.startswith("0x"):
        return int(stamp, 16)
    if isinstance(stamp, int) and not isinstance(stamp, bool):
        return stamp
    return ledger.block_time(int(mined["blockNumber"]))


def _registered_now(
    ledger: Ledger, examined: Examined, registration: Registration, facts: DocumentFacts | None
) -> Examined:
    """``examined`` (read before the write) as it stands once its hash is registered: its
    registration, and the matches that are copies of the same file marked registered. Whether
    it is financed is read again for the caller (``financed`` None): a bank may have financed
    the file before it was registered (its terms then name no registrant), and the answer to
    its registrant must not read "not financed" (found by a tryout: it did). Whether its
    registrant is shown to be the document's seller, from the file's ``facts``
    (:func:`ledger.services.sellers.registrant_seller`): when it is not, a
    ``registrant_not_seller`` notice says the registration does not show the document is its
    own (a tryout's enterprise registered another company's invoice and read nothing)."""
    seller = registrant_seller(ledger, registration.registered_by, facts)
    notices = examined.notices
    if seller.is_seller is False:
        notices = (*notices, registrant_not_seller_notice(ledger, registration, seller))
    matches = tuple(
        replace(m, registered=True) if m.doc_hash == examined.doc_hash else m
        for m in examined.matches
    )
    tried = tuple(
        replace(t, registered=True) if t.doc_hash == examined.doc_hash else t
        for t in examined.tried
    )
    financed = None if examined.registration is None else examined.financed
    return replace(
        examined,
        registration=registration,
        matches=matches,
        tried=tried,
        financed=financed,
        registrations=(FoundRegistration(HashedForm.FILE_BYTES, registration),),
        registrant_seller=seller,
        notices=notices,
    )


def registrant_not_seller_notice(
    ledger: Ledger, registration: Registration, seller: SellerShown
) -> Notice:
    """The ``registrant_not_seller`` notice of ``registration``, whose registrant is not shown
    to be the document's seller (``seller.reason`` says why): the registration proceeds — a
    bank or a buyer may register a document it holds — but it records who registered the hash
    and when, not who issued the document."""
    from ledger.services.names import LedgerNames  # it reads documents

    registrant = who(registration.registered_by, LedgerNames(ledger))
    return Notice(
        NOT_SELLER_NOTICE,
        f"document {registration.doc_hash} is registered by {registrant}, but {seller.reason}. "
        "A registration records who registered a document and when, not who issued it: this "
        f"one does not show that the document is {registrant}'s, and whoever reads it with the "
        "file (verify, check) is told so (registrant_is_seller: false)",
        documents=(registration.doc_hash,),
    )


def _registration(ledger: Ledger, doc_hash: bytes, doc_type: DocType) -> Any:
    """The contract call registering ``doc_hash`` as ``doc_type`` (InvalidInput for none)."""
    if doc_type is DocType.NONE:
        raise InvalidInput("doc_type", "must not be none")
    return ledger.calls.functions.registerDocument(doc_hash, int(doc_type))


def register(
    ledger: Ledger,
    actor: str,
    doc_hash: bytes,
    doc_type: DocType,
    *,
    idempotency_key: str | None = None,
    gas: int | None = None,
) -> Receipt:
    """Register ``doc_hash`` as ``doc_type``, signed by ``actor``, exactly once per
    ``idempotency_key`` (see :mod:`ledger.services.writekeys`); ``gas`` from a simulation
    just made (:func:`refuse_early`), else estimated here."""
    return _receipt(
        ledger.transactor(actor).transact(
            _registration(ledger, doc_hash, doc_type),
            gas,
            idempotency_key=write_key(idempotency_key),
        )
    )


def max_batch(ledger: Ledger) -> int:
    """The contract's ``MAX_BATCH`` (documents per ``registerDocuments``): a constant of the
    deployed bytecode, read once per ledger (every batch request read it from the chain, a
    round trip to a node busy mining: issue #16)."""
    known = _MAX_BATCH.get(ledger)
    if known is None:
        known = _MAX_BATCH[ledger] = int(ledger.calls.functions.MAX_BATCH().call())
    return known


#: per ledger, its contract's ``MAX_BATCH``
_MAX_BATCH: weakref.WeakKeyDictionary[Ledger, int] = weakref.WeakKeyDictionary()


def _batch_registration(
    ledger: Ledger,
    items: Sequence[tuple[bytes, DocType]],
    names: Sequence[str | None] | None = None,
    field_name: str = "documents",
) -> Any:
    """The contract call registering ``items`` in one transaction, after the checks the
    contract makes that need no chain state: 1..``MAX_BATCH`` documents (InvalidInput naming
    ``field_name``), each once (naming the later one's place, ``files[3]``, the one it repeats
    and the files' ``names`` when known: :func:`check_no_repeat`), no type ``none``."""
    if not items:
        raise InvalidInput(field_name, "must not be empty")
    limit = max_batch(ledger)
    if len(items) > limit:  # the field the caller sent: documents, or a batch's files
        raise InvalidInput(
            field_name, f"at most {limit} documents per batch (the contract's MAX_BATCH)"
        )
    hashes = [h for h, _ in items]
    check_no_repeat(hashes, names, field_name)
    if any(t is DocType.NONE for _, t in items):
        raise InvalidInput("doc_type", "must not be none")
    return ledger.calls.functions.registerDocuments(hashes, [int(t) for _, t in items])


def check_no_repeat(
    hashes: Sequence[bytes], names: Sequence[str | None] | None, field_name: str
) -> None:
    """Raise InvalidInput naming the first document of a batch that repeats an earlier one:
    ``files[3]: c.xml is the same document as files[1] (a.xml), 0x…: …``, with
    ``details.duplicates`` listing every repeated place and the place it repeats."""
    first: dict[bytes, int] = {}
    repeats: list[tuple[int, int]] = []
    for i, doc_hash in enumerate(hashes):
        if doc_hash in first:
            repeats.append((i, first[doc_hash]))
        else:
            first[doc_hash] = i

    def place(i: int) -> str:
        name = names[i] if names is not None and i < len(names) else None
        return f"{field_name}[{i}] ({name})" if name else f"{field_name}[{i}]"

    if repeats:
        later, earlier = repeats[0]
        name = names[later] if names is not None and later < len(names) else None
        raise InvalidInput(
            f"{field_name}[{later}]",
            f"{name + ' ' if name else ''}is the same document as {place(earlier)}, "
            f"{hex32(hashes[later])}: a batch registers each document once",
            filename=names[later] if names is not None and later < len(names) else None,
            duplicates=[
                {"index": i, "duplicates": j, "filename": names[i] if names else None}
                for i, j in repeats
            ],
        )


def register_batch(
    ledger: Ledger,
    actor: str,
    items: Sequence[tuple[bytes, DocType]],
    *,
    idempotency_key: str | None = None,
) -> Receipt:
    """Register many hashes in one transaction (all or nothing)."""
    return _receipt(
        ledger.transactor(actor).transact(
            _batch_registration(ledger, items), idempotency_key=write_key(idempotency_key)
        )
    )


def register_files(
    ledger: Ledger,
    actor: str,
    role: str,
    files: Sequence[tuple[bytes, str | None]],
    doc_type: DocType | None = None,
    *,
    idempotency_key: str | None = None,
    via: checks.Via = checks.SERVICE_REGISTER,
) -> tuple[list[Examined], Receipt]:
    """Lodge several files and register them in one transaction. Each returned
    :class:`Examined` carries its registration as the chain holds it after that transaction.

    All or nothing: every file is read, the batch checked (size, the same file twice) and its
    registration simulated before any file is lodged or anything sent. InvalidInput names the
    file (``files[i]``) that cannot be read. What refuses the batch without its files'
    fingerprints — its size, a file twice, a file registered already (the contract's 409
    ``DocumentAlreadyRegistered`` naming it: ``file_index``, ``filename``) — refuses it before
    they are evaluated (:func:`_refuse_before_evaluating`): such a refusal spends none of a
    bank's allowance at the evaluator, and its log entry says ``evaluated`` 0."""
    for i, (_, name) in enumerate(files):
        refuse_control_in_filename(name, f"files[{i}]")
    key = write_key(idempotency_key)
    read: list[tuple[ParsedDocument, Examined, str | None]] = []
    # one evaluation of the batch's files in the fingerprint-check log, and at the evaluator
    with _logged(ledger, actor, role, via, files=len(files)) as evaluation:
        parsed_files: list[ParsedDocument] = []
        for i, (data, name) in enumerate(files):
            try:
                parsed_files.append(_read_checked(data, registering=True))
            except InvalidInput as exc:
                raise in_batch(exc, i, name) from None
        read_already = _refuse_before_evaluating(ledger, actor, key, files, parsed_files, doc_type)
        # what each file's examination reads, read for all of them at once
        evaluation.lookups.read_ahead(parsed_files, actor, role, read_already)
        with _evaluated_together(ledger, actor, role, parsed_files):
            for i, (data, name) in enumerate(files):
                try:
                    parsed, examined = _examine(
                        ledger,
                        data,
                        actor,
                        role,
                        doc_type,
                        False,
                        evaluation.lookups,
                        registering=True,
                        parsed=parsed_files[i],
                    )
                except InvalidInput as exc:
                    raise in_batch(exc, i, name) from None
                read.append((parsed, _disclosed(ledger, examined, actor, role), name))
        evaluation.keep()
    with _kept_with_files(ledger, evaluation) as logged:
        return register_examined(ledger, actor, read, idempotency_key=key, logged=logged)


def in_batch(exc: InvalidInput, index: int, name: str | None) -> InvalidInput:
    """``exc``, raised reading a batch's file ``index`` (named ``name``), naming the file as
    the client sent it: ``files[i]`` for the file as a whole (:data:`FILE`: not well-formed XML
    or JSON, no invoice at its root), ``files[i].issueDate`` for a place in it; with
    ``file_index`` and ``filename``, as every refusal of a batch's file, its other details kept."""
    field = f"files[{index}]" if exc.field == FILE else f"files[{index}].{exc.field}"
    details = {k: v for k, v in exc.details.items() if k not in ("field", "rule")}
    return type(exc)(field, exc.rule, **{**details, "file_index": index, "filename": name})


def _refuse_before_evaluating(
    ledger: Ledger,
    actor: str,
    key: str,
    files: Sequence[tuple[bytes, str | None]],
    parsed: Sequence[ParsedDocument],
    doc_type: DocType | None,
    *,
    batch: bool = True,
) -> dict[bytes, Registration | None]:
    """Make the refusals of a registration of ``files`` — (bytes, file name), read as
    ``parsed`` — by ``actor`` that are known without their fingerprints, before those are
    evaluated: a tryout's bank sent 34 invoices, one registered already, and had 127 inputs
    charged at the evaluator for a batch refused 409 (its next checks: 429). The same
    refusals, in the same order and words, as :func:`register_examined` (``batch``) or
    :func:`register_file` make after the evaluation: a batch's size and repeats (InvalidInput,
    ``files``), a document type ``none``, and — unless ``key`` is bound to a registration sent
    before (a retry, answered by it) — a JSON document twice in other bytes, a file whose JSON
    document is registered under another hash, and a file registered already (the
    contract's DocumentAlreadyRegistered, from the simulation of the registration, naming the
    file of a batch: ``file_index``, ``filename``). The statuses of the files are read in one
    ``documentStatuses`` call. Returns the registrations read, by hash (None: not
    registered), for the examination not to read them again; none for a retry."""
    try:
        return _refusals_before_evaluating(ledger, actor, key, files, parsed, doc_type, batch)
    except LedgerError as exc:
        tell_seller(ledger, exc, actor, [(hex32(p.doc_hash), p.facts) for p in parsed])
        raise


def _refusals_before_evaluating(
    ledger: Ledger,
    actor: str,
    key: str,
    files: Sequence[tuple[bytes, str | None]],
    parsed: Sequence[ParsedDocument],
    doc_type: DocType | None,
    batch: bool,
) -> dict[bytes, Registration | None]:
    """:func:`_refuse_before_evaluating`, without the words for the seller."""
    names = [name for _, name in files]
    items = [
        (p.doc_hash, _doc_type_of(p, doc_type, where={"file_index": i} if batch else None))
        for i, p in enumerate(parsed)
    ]
    if batch:
        call = _batch_registration(ledger, items, names, "files")
    else:
        call = _registration(ledger, *items[0])
    if sent_already(ledger, actor, key):
        return {}
    canonical = [canonical_hash_of(data) for data, _ in files]
    if batch:
        _refuse_twins(canonical)
    for i, (doc_hash, _) in enumerate(items):
        _refuse_second_hash_of(
            ledger, hex32(doc_hash), canonical[i], file_index=i if batch else None
        )
    hashes = [h for h, _ in items]
    found = registrations_of(ledger, hashes)
    if any(r is not None for r in found.values()):
        try:
            refuse_early(ledger, actor, call, key)
        except LedgerError as exc:
            if batch:
                _name_the_file(exc, [hex32(h) for h in hashes], names)
            raise
    return found


def tell_seller(
    ledger: Ledger,
    exc: LedgerError,
    actor: str,
    facts: Sequence[tuple[str, DocumentFacts | None]],
) -> None:
    """Add to ``exc``, when it is the contract's ``DocumentAlreadyRegistered`` refusing a file
    of ``facts`` (``(its hash, its facts)``, 0x hex) registered by ``actor``, whether that
    registration's registrant is shown to be the document's seller (``registrant_is_seller``,
    ``registrant_seller_reason``, ``seller_ids``: :mod:`ledger.services.sellers`) and whether
    ``actor`` is (``caller_is_seller``): the message then says so, and what the seller can do
    (:func:`ledger.messages.describe`). A tryout's seller was refused "already registered, by"
    another member and could not tell that member was not the seller. Nothing is added for a
    file that names no seller."""
    if type(exc).__name__ != "DocumentAlreadyRegistered":
        return
    details = exc.details
    found = details.get("file_hash") or details.get("docHash")
    named = hex32(found) if isinstance(found, bytes) else str(found or "").lower()
    of_file = next((f for h, f in facts if h.lower() == named), None)
    registrant = details.get("registrant")
    if of_file is None or of_file.seller is None or not isinstance(registrant, str):
        return
    theirs = registrant_seller(ledger, registrant, of_file)
    mine = registrant_seller(ledger, actor, of_file)
    details.update(
        registrant_is_seller=theirs.is_seller,
        registrant_seller_reason=theirs.reason,
        seller_ids=list(theirs.compared_with),
        caller_is_seller=mine.is_seller,
        caller=checksummed(actor),
    )


def _name_the_file(exc: LedgerError, hashes: Sequence[str], names: Sequence[str | None]) -> None:
    """Add to the contract's refusal ``exc`` of a batch, which names a hash (``docHash``), the
    place (``file_index``) and name (``filename``) of the file of ``hashes`` (0x-hex, in the
    batch's order; ``names`` beside them) it is."""
    from ledger.revert import FIELDS  # built from the ABI at import

    found = exc.details.get("docHash")
    named = hex32(found) if isinstance(found, bytes) else str(found or "").lower()
    for i, (doc_hash, name) in enumerate(zip(hashes, names, strict=True)):
        if named and doc_hash.lower() == named:
            exc.details.update(file_index=i, filename=name)
            if FIELDS.get(type(exc).__name__) == FILE:  # the file as a whole: files[i]
                exc.details["field"] = f"files[{i}]"
            break


@contextmanager
def _evaluated_together(
    ledger: Ledger, actor: str, role: str, files: Sequence[ParsedDocument]
) -> Iterator[None]:
    """For a bank, the OPRF inputs of every file of a batch (read) evaluated in one request
    (:meth:`Ledger.evaluated_together`), which each file's examination then reads; nothing
    when the evaluator is unavailable (each file's examination says so). RateLimited and
    MemberSuspended pass through, as they would from the first file's evaluation."""
    inputs: dict[bytes, None] = {}
    if role == "bank" and len(files) > 1:
        for parsed in files:
            facts = parsed.facts
            for i in fingerprint_inputs(facts) if facts is not None else ():
                inputs[oprf_input(i.kind.value, i.fields)] = None
    with ExitStack() as stack:
        if inputs:
            with suppress(EvaluatorUnavailable):
                stack.enter_context(ledger.evaluated_together(actor, list(inputs)))
        yield


def register_examined(
    ledger: Ledger,
    actor: str,
    read: Sequence[tuple[ParsedDocument, Examined, str | None]],
    *,
    idempotency_key: str | None = None,
    logged: list[CheckEntry] | None = None,
) -> tuple[list[Examined], Receipt]:
    """Register files already read by :func:`examine` — (parsed, examined, file name) — in one
    transaction, by the hash of each file's bytes: the batch is checked (and simulated when one
    of the files is registered already, which raises the contract's error), the transaction
    sent with its known gas, and the files lodged once it is mined (:func:`register_file`).
    ``logged``: the fingerprint-check log entries of the evaluation that read the files,
    written in the same database transaction as the files (and emptied once written)."""
    for i, (_, _, name) in enumerate(read):  # a name is kept with its file (doc import too)
        refuse_control_in_filename(name, f"files[{i}]")
    key = write_key(idempotency_key)
    items = [(parsed.doc_hash, examined.doc_type) for parsed, examined, _ in read]
    call = _batch_registration(ledger, items, [name for _, _, name in read], "files")
    with one_registration_at_a_time([e.canonical_hash for _, e, _ in read]):
        return _register_read(ledger, actor, read, key, items, call, logged)


def _register_read(
    ledger: Ledger,
    actor: str,
    read: Sequence[tuple[ParsedDocument, Examined, str | None]],
    key: str,
    items: list[tuple[bytes, DocType]],
    call: Any,
    logged: list[CheckEntry] | None,
) -> tuple[list[Examined], Receipt]:
    """:func:`register_examined` once its documents' turns are held."""
    per_doc, per_tx = REGISTER_MANY_GAS
    try:
        if not sent_already(ledger, actor, key):
            _refuse_twins([e.canonical_hash for _, e, _ in read])
            for i, (_, examined, _) in enumerate(read):
                refuse_second_hash(ledger, examined, file_index=i)
        try:
            gas = _registration_gas(
                ledger, actor, call, key, [e for _, e, _ in read], per_doc * len(read) + per_tx
            )
        except LedgerError as exc:  # the contract's refusal names a hash: say which file it is
            _name_the_file(exc, [e.doc_hash for _, e, _ in read], [name for _, _, name in read])
            raise
    except LedgerError as exc:
        tell_seller(ledger, exc, actor, [(e.doc_hash, p.facts) for p, e, _ in read])
        raise
    try:
        mined = ledger.transactor(actor).transact(call, gas, idempotency_key=key)
    except LedgerError as exc:  # registered a moment ago by another: who, and the seller
        _name_the_file(exc, [e.doc_hash for _, e, _ in read], [name for _, _, name in read])
        tell_seller(ledger, exc, actor, [(e.doc_hash, p.facts) for p, e, _ in read])
        raise
    ledger.db.store_received_many(
        [
            _kept(
                ledger,
                parsed,
                actor,
                examined.doc_type,
                name,
                examined.fingerprints,
                examined.canonical_hash,
            )
            for parsed, examined, name in read
        ],
        checks=logged or (),
    )  # one transaction for the batch's files (and the log entry of their evaluation)
    if logged:
        logged.clear()  # written
    found = _registered_by(
        ledger,
        mined,
        [h for h, _ in items],
        [t for _, t in items],
        fresh=all(e.registration is None for _, e, _ in read),
    )
    registered = [
        _registered_now(ledger, examined, registration, parsed.facts)
        for (parsed, examined, _), registration in zip(read, found, strict=True)
    ]
    return registered, _receipt(mined)


def _refuse_twins(canonical_hashes: Sequence[str | None]) -> None:
    """Refuse a batch holding two byte forms of one JSON document (the same canonical JSON
    form, other bytes; ``canonical_hashes``: each file's, None for a file that is not a JSON
    object): registered together, the one document would have two registrations.
    InvalidInput naming the second file (``files[i]``) and the first."""
    first: dict[str, int] = {}
    for i, canonical_hash in enumerate(canonical_hashes):
        if canonical_hash is None:
            continue
        if canonical_hash in first:
            j = first[canonical_hash]
            raise InvalidInput(
                f"files[{i}]",
                f"is the same JSON document as files[{j}] in other bytes (the same canonical "
                "JSON form): register it once",
                canonical_hash=canonical_hash,
            )
        first[canonical_hash] = i


def revoke(
    ledger: Ledger,
    actor: str,
    doc_hash: bytes,
    reason_code: int = 0,
    *,
    idempotency_key: str | None = None,
) -> Receipt:
    if not 0 <= reason_code <= 255:
        raise InvalidInput("reason_code", "must be 0..255")
    refuse_non_registrant(ledger, actor, get_registration(ledger, doc_hash), admins=True)
    return _receipt(
        ledger.transactor(actor).transact(
            ledger.calls.functions.revokeDocument(doc_hash, reason_code),
            idempotency_key=write_key(idempotency_key),
        )
    )


def refuse_non_registrant(
    ledger: Ledger, actor: str, registration: Registration, *, admins: bool
) -> None:
    """NotDocumentRegistrant (403) when ``actor`` may not change ``registration`` — not its
    registrant (nor, with ``admins``, the contract's owner or an admin) — decided before the
    document's state: another member learns nothing of it (the contract checks the state
    first: a revoked document answered 409 DocumentNotActive to anyone)."""
    from ledger.revert import ERRORS  # built from the ABI at import

    mine = Web3.to_checksum_address(actor)
    if Web3.to_checksum_address(registration.registered_by) == mine:
        return
    if admins and Web3.to_checksum_address(ledger.calls.functions.owner().call()) == mine:
        return
    # who the caller is comes first, as in the contract (and the API's role check): a
    # regulator is told its role may not do this, not that the document is another's
    member_id, _, role_number, active, _ = ledger.calls.functions.memberOf(mine).call()
    role = Role(int(role_number))
    if not member_id:
        raise ERRORS["NotAMember"](mine)
    if not active:
        raise ERRORS["MemberNotActive"](mine)
    if admins and role is Role.ADMIN:
        return
    if role not in (Role.BANK, Role.ENTERPRISE, Role.ATTESTOR):
        raise ERRORS["RoleNotAllowed"](mine, int(role))
    if registration.registrant_id and registration.registrant_id == int(member_id):
        return  # its registrant by member id, as the contract decides (a rotated key)
    raise ERRORS["NotDocumentRegistrant"](bytes.fromhex(registration.doc_hash[2:]), mine)


def supersede(
    ledger: Ledger,
    actor: str,
    old_hash: bytes,
    new_hash: bytes,
    *,
    idempotency_key: str | None = None,
) -> Receipt:
    refuse_non_registrant(ledger, actor, get_registration(ledger, old_hash), admins=False)
    return _receipt(
        ledger.transactor(actor).transact(
            ledger.calls.functions.supersedeDocument(old_hash, new_hash),
            idempotency_key=write_key(idempotency_key),
        )
    )


def supersede_with_file(
    ledger: Ledger,
    actor: str,
    role: str,
    old_hash: bytes,
    data: bytes,
    filename: str | None = None,
    *,
    idempotency_key: str | None = None,
    via: checks.Via = checks.SERVICE_SUPERSEDE,
) -> tuple[Examined, Receipt]:
    """Lodge the amendment ``data`` and mark ``old_hash`` superseded by it (the amendment is
    registered with the old document's type). All or nothing: the file is read and the
    supersession simulated before the file is lodged; a refusal (not the registrant, the old
    document not active, the amendment registered already) lodges nothing.

    The refusals known without the amendment's fingerprints — the old document not registered
    or not the caller's, the amendment's JSON document registered under another hash, and what
    the simulation of the supersession refuses (the old document not active, the amendment
    registered already, the amendment the old document itself) — are made before they are
    evaluated, as for a registration (:func:`_refuse_before_evaluating`): they spend none of a
    bank's allowance at the evaluator, and the fingerprint-check log entry says ``evaluated``
    0. The same errors, in the same order, as when they were made after the evaluation.

    An amendment that is a JSON document takes its turn with the registrations of that
    document at this gateway (:func:`one_registration_at_a_time`): its form and its file
    amended and registered at one moment become one registration, not two."""
    refuse_control_in_filename(filename, "filename")
    key = write_key(idempotency_key)
    old = get_registration(ledger, old_hash)
    refuse_non_registrant(ledger, actor, old, admins=False)
    with _logged(ledger, actor, role, via) as evaluation:
        parsed = _read_checked(data, registering=True)
        # an amendment is registered with its document's type: of another type it would be
        # recorded as what it is not (a document of type other, a raw file's, may become any)
        mismatch = (
            type_mismatch(parsed, old.doc_type) if old.doc_type is not DocType.OTHER else None
        )
        if mismatch is not None:
            raise InvalidInput(
                "file",
                "must be the same type of document as the one it amends "
                f"({old.doc_type.name.lower()}, {hex32(old_hash)}): {mismatch}",
            )
        other = not_an_amendment(_lodged_facts(ledger, hex32(old_hash)), parsed.facts)
        if other is not None:
            raise InvalidInput(
                "file",
                f"must amend the same receivable as the document it amends ({hex32(old_hash)}): "
                f"{other}",
            )
        call = ledger.calls.functions.supersedeDocument(old_hash, parsed.doc_hash)
        try:
            if not sent_already(ledger, actor, key):
                _refuse_second_hash_of(ledger, hex32(parsed.doc_hash), canonical_hash_of(data))
            gas = refuse_early(ledger, actor, call, key)
        except LedgerError as exc:
            tell_seller(ledger, exc, actor, [(hex32(parsed.doc_hash), parsed.facts)])
            raise
        parsed, examined = _examine(
            ledger,
            data,
            actor,
            role,
            old.doc_type,
            False,
            evaluation.lookups,
            registering=True,
            parsed=parsed,
        )
    examined = _disclosed(ledger, examined, actor, role)
    # the amendment's JSON document takes its turn as a registration does: checked again that
    # no other byte form of it is registered, then lodged and sent before another may check
    with one_registration_at_a_time([examined.canonical_hash]):
        if examined.canonical_hash is not None and not sent_already(ledger, actor, key):
            try:
                refuse_second_hash(ledger, examined)
            except LedgerError as exc:
                tell_seller(ledger, exc, actor, [(hex32(parsed.doc_hash), parsed.facts)])
                raise
        lodge_examined(ledger, parsed, examined, actor, filename)
        receipt = _receipt(ledger.transactor(actor).transact(call, gas, idempotency_key=key))
    registration = get_registration(ledger, parsed.doc_hash)
    return _registered_now(ledger, examined, registration, parsed.facts), receipt


def _lodged_facts(ledger: Ledger, doc_hash: str) -> DocumentFacts | None:
    """The facts of a copy of ``doc_hash`` (0x-hex) lodged at this gateway, by anyone; None
    when none is lodged here or it has none (a raw file)."""
    for row in ledger.db.received(doc_hash):
        facts = facts_of(row)
        if facts is not None:
            return facts
    return None


def not_an_amendment(old: DocumentFacts | None, new: DocumentFacts | None) -> str | None:
    """Why a file with facts ``new`` is no amendment of the document with facts ``old`` (the
    same receivable corrected), in words — or None when it may be one, or either side's facts
    are unknown here. A tryout "amended" a financed NOK invoice by another seller's EUR credit
    note, and every view went on calling the document in force: a credit note corrects an
    invoice as a document of its own (EN 16931 BT-3, BT-25), another seller's document is not
    this seller's, and an invoice in another currency is another receivable (a financing's
    face value and currency are fixed on chain)."""
    if old is None or new is None:
        return None
    if new.credit_note != old.credit_note:
        what = "a credit note" if new.credit_note else "not a credit note"
        was = "an invoice" if new.credit_note else "a credit note"
        return (
            f"it is {what} and the document it amends is {was}: a credit note corrects an "
            "invoice as a document of its own (register it; it names the invoice, BT-25)"
        )
    if party_relation(new.seller, old.seller)[0] is False:
        return "its seller is not the seller of the document it amends (another party's document)"
    if old.currency and new.currency and old.currency != new.currency:
        return (
            f"its currency ({new.currency}) is not that of the document it amends "
            f"({old.currency}): an invoice in another currency is another receivable"
        )
    return None


#: what ``evidence`` must be, in words (the API and the CLI say it)
EVIDENCE_RULE = (
    "is required: your own record the document matches (a customs declaration number, a "
    "manifest or warehouse entry), as text or as 64 hex digits of its hash; an attestation "
    "without evidence would vouch for nothing"
)


def evidence_hash(evidence: str | None) -> bytes:
    """The attestor's evidence reference: 64 hex digits as given, else SHA-256 of the text.
    InvalidInput (``evidence``) when there is none, or only white space, or all zeros, or the
    text holds a control character (a reference: its hash must be reproducible from the
    record as people read it; ``ledger.controls``)."""
    text = evidence or ""
    if not text.strip():
        raise InvalidInput("evidence", EVIDENCE_RULE)
    try:
        found = parse_doc_hash(text, "evidence")
    except InvalidInput:
        refuse_control(text, "evidence")
        return hashlib.sha256(text.encode()).digest()
    if found == ZERO32:
        raise InvalidInput("evidence", EVIDENCE_RULE)
    return found


def attest(
    ledger: Ledger,
    actor: str,
    doc_hash: bytes,
    evidence: str | None = None,
    *,
    idempotency_key: str | None = None,
) -> Receipt:
    """Attest ``doc_hash`` as ATTESTOR ``actor`` with ``evidence`` (required: see
    :func:`evidence_hash`), exactly once per ``idempotency_key``."""
    return _receipt(
        ledger.transactor(actor).transact(
            ledger.calls.functions.attestDocument(doc_hash, evidence_hash(evidence)),
            idempotency_key=write_key(idempotency_key),
        )
    )


# -- a document with everything around it -----------------------------------------------


def _event(log: Any, names: Names) -> DocumentEvent:
    """A decoded log as a history entry; its arguments JSON-safe (``bytes32[]`` fingerprints,
    ``bytes3`` currencies and every other chain value as :func:`ledger.jsonsafe.jsonable`
    makes them), with their decoded fields and sentence beside them."""
    args = jsonable(dict(log["args"]))
    decoded = decode_event(str(log["event"]), args, names)
    return DocumentEvent(
        event=str(log["event"]),
        block=int(log["blockNumber"]),
        tx_hash=log["transactionHash"].to_0x_hex(),
        args=args,
        fields=jsonable(decoded.fields),
        summary=decoded.summary,
    )


def held_copy(ledger: Ledger, doc_hash: bytes, actor: str, role: str) -> Examined | None:
    """What this gateway holds of ``doc_hash`` for ``actor``, with its matches (fingerprints
    and their holders for banks and regulators only)."""
    rows = ledger.db.received(hex32(doc_hash), match_scope(actor, role))
    if not rows:
        return None
    row = next((r for r in rows if r.received_by == actor), rows[0])
    facts = facts_of(row)
    parsed = ParsedDocument(
        format=DocumentFormat(row.format), doc_hash=doc_hash, size=row.size, facts=facts
    )
    values = local_values(row.fingerprints)
    matches = [
        m
        for m in _grade_against(ledger, parsed, values, match_scope(actor, role))
        if m.doc_hash != hex32(doc_hash)
    ]
    shown = sees_fingerprints(role)  # the others are never given them: not even looked up
    pairs = onchain_rows(row.fingerprints) if shown else []
    if shown and not pairs and role != "bank":
        # a regulator: the on-chain fingerprints a bank stored here with a copy of it (as a check)
        pairs = _stored_onchain_of_same(ledger, parsed)
    infos = tuple(
        FingerprintInfo(name, value, fingerprint_holder(ledger, bytes.fromhex(value[2:])))
        for name, value in pairs
    )
    financeable: int | None = None
    notices: tuple[Notice, ...] = ()
    if facts is not None:  # the notices of its facts, as a check gives them
        notices = tuple(_facts_notices(facts))
    if facts is not None and not facts.credit_note:  # net of the credit notes counted, as a check
        scope = _notes_scope(actor, role)
        notes, uncounted = credit_notes_read(ledger, facts, scope, reader=actor)
        financeable = _financeable_shown(facts, financeable_amount(ledger, facts, scope, notes))
        nothing = _nothing_due_notice(facts, net_amount_due(ledger, facts, scope, notes))
        not_counted = not_counted_notice(uncounted)
        notices += tuple(n for n in (_totals_notice(facts), nothing, not_counted) if n is not None)
    held_by = holders(ledger, infos)
    notices += earlier_version_notices(ledger, infos, held_by)
    if role != "bank" and not infos and facts is not None and fingerprint_inputs(facts):
        # as a check of the file says it: whether a financing holds it is not known to this
        # role (a tryout's enterprise read it in the check, and nothing in its held copy)
        notices += (holders_unknown_notice(role, row.doc_hash),)
    registration = find_registration(ledger, doc_hash)
    if (in_force := status_notice(registration)) is not None:
        notices = (in_force, *notices)
    financed = (
        is_financed(ledger, doc_hash, actor, role, registration.registered_by)
        if registration is not None and sees_financing(role, actor, registration.registered_by)
        else None
    )
    # the hash the copy is kept under, looked up now: an answer that says registered lists the
    # registration it relies on (a tryout read registered: true beside tried: [] and
    # registrations: [])
    canonical = _canonical_of(row)
    form = HashedForm.CANONICAL_JSON if canonical == row.doc_hash else HashedForm.FILE_BYTES
    held = Examined(
        doc_hash=row.doc_hash,
        format=row.format,
        size=row.size,
        doc_type=DocType[(row.doc_type or "other").upper()],
        facts=facts.to_dict() if facts else None,
        fingerprints=infos,
        registration=registration,
        matches=tuple(matches),
        holders=held_by,
        sees_all=match_scope(actor, role) is None,
        fingerprints_shown=shown,
        # a copy lodged by a non-bank kept no on-chain fingerprints: its holders are not known
        holders_known=bool(infos) or not local_values(row.fingerprints),
        locked=any(f.held_by_financing for f in infos) if infos else None,
        financed=financed,
        financeable_amount=financeable,
        notices=notices,
        hashed=form,
        tried=(HashTried(form, row.doc_hash, registration is not None),),
        canonical_hash=canonical,
        registrations=(FoundRegistration(form, registration),) if registration else (),
    )
    return with_pledged(ledger, held, actor, role)


def _canonical_of(row: ReceivedDocument) -> str | None:
    """The SHA-256 (0x hex) of the canonical JSON form of a lodged JSON file, kept beside its
    fingerprints (:func:`lodge`); None for any other file."""
    return next((v for n, v in row.fingerprints if n == CANONICAL_PREFIX + "sha256"), None)


#: a document's history: events whose first indexed argument is the document (for
#: DocumentSuperseded, the old document: the amendment's own history starts at its registration)
_DOC_FIRST_EVENTS = (
    "DocumentRegistered",
    "DocumentRevoked",
    "DocumentSuperseded",
    "DocumentAttested",
)
#: … and the life of every financing that pledged it (each names the financing first); which
#: financings pledge a document is confidential: only those the reader's key opens are found
_FINANCING_EVENTS = (
    "FinancingRegistered",
    "FinancingEntryRecorded",
    "FinancingClosed",
    "FinancingCancelled",
)


def financings_readable_by(ledger: Ledger, doc_hash: bytes, reader: str) -> list[int]:
    """The ids of the financings pledging ``doc_hash`` whose terms ``reader``'s key opens."""
    return [f.financing_id for f in _readable_financings(ledger, doc_hash, reader)]


def _readable_financings(
    ledger: Ledger, doc_hash: bytes, reader: str, count: int | None = None
) -> list[Any]:
    """The financings pledging ``doc_hash`` whose terms ``reader``'s key opens (read once),
    by ascending id. A served gateway asks its event index which financings to read (those
    it saw pledge the document to ``reader``, and every financing it has not seen yet); each
    is read and opened from the chain. Without an index, every financing on chain is opened.
    ``count``: the chain's ``financingCount`` if the caller read it already."""
    from ledger.services import financing  # it imports this module

    if not reader:
        return []
    if ledger.event_index is not None:
        from ledger.indexer.pledges import pledged_to  # the index imports the services' kin

        known = pledged_to(ledger.event_index, hex32(doc_hash), reader, count)
        return financing.read_pledging(ledger, doc_hash, reader, known, count)
    found: list[Any] = []
    cursor: str | None = None
    while True:
        page = financing.list_financings(
            ledger, doc_hash=doc_hash, cursor=cursor, limit=financing.MAX_LIMIT, reader=reader
        )
        found += page.items
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


def is_financed(
    ledger: Ledger, doc_hash: bytes, actor: str, role: str, registered_by: str | None
) -> bool | None:
    """Whether an active financing pledges this exact document, as ``actor`` (of ``role``) can
    know it: from the financings whose sealed terms its key opens. True when one of them is
    active; False when none is and the caller would read any — a regulator (sealed to every
    one), or the document's registrant when its key opens every active financing (a financing
    sent before the registration is sealed to no registrant, and one sent after it to an
    enterprise registrant shown to be the seller only); None otherwise (a bank or the
    operator reads only its own book: it cannot tell). Never from fingerprints, whose locks a forged
    copy with the same facts shares (banks read those as ``held_by``; everyone who may learn it
    reads them as :func:`invoice_pledged`). None without a reader (the CLI without ``--as``
    opens no terms: it cannot say "not financed")."""
    return financed_of(ledger, [(doc_hash, registered_by)], actor, role)[0]


def financed_of(
    ledger: Ledger,
    documents: Sequence[tuple[bytes, str | None]],
    actor: str,
    role: str,
) -> list[bool | None]:
    """:func:`is_financed` of each ``(doc_hash, registered_by)`` of ``documents``, in order,
    with one read of the chain's ``financingCount`` and (a served gateway) one statement to
    its event index for them all (a batch's answer asks it of every file: issue #16)."""
    if not actor:
        return [None] * len(documents)
    from ledger.services import financing  # it imports this module

    count = financing_count(ledger)  # one read for every question
    mine = [rb is not None and rb.lower() == actor.lower() for _, rb in documents]
    # a financing is sealed to a document's registrant only if there was one when the bank's
    # gateway sealed it: one sent before the registration (a bank may pledge an unregistered
    # invoice) pledges it unseen, however late it was mined. "Not financed" is true only when
    # the registrant opens every active financing.
    asks_unopened = role != "regulator" and any(mine)
    unopened: bool | None = None
    if ledger.event_index is not None:
        from ledger.indexer.pledges import financed_view  # the index imports the services

        view = financed_view(
            ledger.event_index,
            [hex32(d) for d, _ in documents],
            actor,
            count,
            unopened=asks_unopened,
        )
        readables = [
            financing.read_pledging(ledger, d, actor, view.of(hex32(d)), count)
            for d, _ in documents
        ]
        if asks_unopened:
            unopened = bool(view.active_unopened) or _active_unopened_on_chain(
                ledger, actor, view.indexed_up_to + 1, count
            )
    else:
        readables = [_readable_financings(ledger, d, actor, count) for d, _ in documents]
        if asks_unopened:
            unopened = _active_unopened_on_chain(ledger, actor, 1, count)
    answers: list[bool | None] = []
    for readable, is_mine in zip(readables, mine, strict=True):
        if any(f.status is FinancingStatus.ACTIVE for f in readable):
            answers.append(True)
        elif role == "regulator":
            answers.append(False)
        elif not is_mine:
            answers.append(None)
        else:
            answers.append(None if unopened else False)
    return answers


def _active_unopened_on_chain(ledger: Ledger, reader: str, first: int, count: int) -> bool:
    """Whether a financing ``first``..``count`` on chain is active with terms ``reader``'s key
    does not open (it could pledge anything)."""
    from ledger.services.financing import opens  # it imports this module

    for fid in range(first, count + 1):
        status = ledger.calls.functions.getFinancing(fid).call()[2]
        if FinancingStatus(status) is FinancingStatus.ACTIVE and not opens(ledger, fid, reader):
            return True
    return False


def detail(
    ledger: Ledger, doc_hash: bytes, actor: str, role: str, names: Names | None = None
) -> DocumentDetail:
    """A document's registration, attestations, financings, history and held copy.

    The history is everything that happened to the document — registration, attestations,
    revocation or supersession — and the life of every financing that pledged it *whose terms
    ``actor``'s encryption key opens* (registration, entries, close, cancel: which financings
    pledge a document is confidential, docs/privacy.md), in chain order, each event decoded
    (``names``: who the addresses are; default: this ledger's members).
    """
    from ledger.services.names import LedgerNames  # it reads documents: imported when used

    try:
        registration = get_registration(ledger, doc_hash)
    except NotFound as unregistered:
        raise _lodged_not_registered(ledger, doc_hash, actor) or unregistered from None
    # log queries: the events naming the document in their first topic, then in their second
    # (a financing's pledge or refusal names the financing or the bank first), then the events
    # of the financings that pledged it
    from ledger.services.financing import refusal_logs_naming  # it imports this module

    readable = _readable_financings(ledger, doc_hash, actor)
    pledged = [f.financing_id for f in readable]
    # where each part of the history starts (issue #16: read from the deployment block, the
    # embedded chain walked every block for every record): a served gateway's index says it;
    # else the document's events are no older than its registration, and a refusal's are
    # found from the deployment (which document it concerns is sealed)
    start = (
        headreads.history_start(ledger.event_index, hex32(doc_hash), actor)
        if ledger.event_index is not None
        else None
    )
    history = logs_naming(
        ledger,
        _DOC_FIRST_EVENTS,
        1,
        doc_hash,
        start.document if start else ledger.logs_since(int(registration.registered_at.timestamp())),
    )
    history += refusal_logs_naming(ledger, doc_hash, actor, start.refusals if start else None)
    if pledged:  # a financing's events are no older than its registration
        history += logs_naming(
            ledger,
            _FINANCING_EVENTS,
            1,
            [fid.to_bytes(32, "big") for fid in pledged],
            min(f.registered_block for f in readable),
        )
    history.sort(key=lambda log: (int(log["blockNumber"]), int(log["logIndex"])))
    names = names if names is not None else LedgerNames(ledger)
    attested = [log for log in history if log["event"] == "DocumentAttested"]
    times = ledger.block_times(int(log["blockNumber"]) for log in attested) if attested else {}
    attestations = tuple(
        Attestation(
            attestor=str(log["args"]["attestor"]),
            evidence_hash=hex32(log["args"]["evidenceHash"]),
            block=int(log["blockNumber"]),
            tx_hash=log["transactionHash"].to_0x_hex(),
            attested_at=datetime.fromtimestamp(times[int(log["blockNumber"])], UTC),
        )
        for log in attested
    )
    revoked = [log for log in history if log["event"] == "DocumentRevoked"]
    events = [_event(log, names) for log in history]
    if pledged or any(e.event == "FinancingRefused" for e in events):
        events = _opened_events(ledger, events, pledged, actor, names)
    return DocumentDetail(
        registration=registration,
        attestations=attestations,
        financings=tuple(pledged),
        history=tuple(events),
        held=held_copy(ledger, doc_hash, actor, role),
        revocation=revocation_of(ledger, revoked[-1], names)
        if revoked and registration.status is DocStatus.REVOKED
        else None,
    )


def _lodged_not_registered(ledger: Ledger, doc_hash: bytes, actor: str) -> NotFound | None:
    """The 404 of a document nobody registered that ``actor`` lodged a file of here: where what
    it holds of it is read instead — a tryout's bank read a bare "is not registered" of the
    invoice it had lodged and financed (a bank financing a file it received registers nothing:
    docs/privacy.md). None when ``actor`` lodged no such file."""
    if not actor:
        return None
    rows = ledger.db.received(hex32(doc_hash), actor)
    if not rows:
        return None
    doc = hex32(doc_hash)
    named = f" as {rows[0].filename}" if rows[0].filename else ""
    return NotFound(
        f"document {doc} is not registered: nobody registered its hash. You lodged a file with "
        f"this hash here at {utc_text(_utc(rows[0].received_at))}{named}: the financings of "
        f"yours that pledge it are listed by GET /v1/financings?doc={doc} (tradeledger finance "
        f"list --doc {doc} --as {actor}), and a check of the file (POST /v1/documents/check, "
        "tradeledger doc check) says what the ledger holds of it",
        doc_hash=doc,
        lodged=True,
    )


def pledged_in_view(detail: DocumentDetail, financed: bool | None, role: str) -> bool | None:
    """``invoice_pledged`` of a document's view (:func:`detail`) for a caller of ``role`` who
    reads ``financed`` for it: that of the copy this gateway holds for the caller
    (:func:`invoice_pledged`), else True when the document itself is financed, else None (no
    copy held: its fingerprints are not known here)."""
    if role == "admin":
        return None
    if detail.held is not None and detail.held.pledged is not None:
        return detail.held.pledged
    return True if financed else None


def _opened_events(
    ledger: Ledger, events: list[DocumentEvent], pledged: list[int], reader: str, names: Names
) -> list[DocumentEvent]:
    """The financing events of a history in words for ``reader``, who opens their sealed terms
    (the chain's arguments carry ciphertext: the envelopes are dropped from ``args``)."""
    from ledger.services import financing  # it imports this module

    by_tx: dict[str, tuple[str, dict[str, Any], str]] = {}
    #: the bank of each financing whose terms ``reader`` opens (its registration names it)
    banks: dict[int, str] = {}
    for fid in pledged:
        f = financing.get(ledger, fid, reader=reader)
        t = f.terms
        if t is None:
            continue
        banks[fid] = f.bank
        by_tx[f.registered_tx] = (
            "FinancingRegistered",
            {
                "financing_id": fid,
                "bank": f.bank,
                "bank_name": names.member(f.bank) if names else None,
                "kind": t.kind.name.lower(),
                "currency": t.currency,
                "amount": major(t.amount, t.currency),
                "maturity": utc_text(t.maturity),
                "reference": t.reference,
            },
            f"financing {fid} registered by {who(f.bank, names)}: "
            f"{money(t.amount, t.currency)} ({t.kind.name.lower()}), maturity "
            f"{t.maturity.date().isoformat()}, reference {t.reference or '-'}",
        )
        drawn = repaid = 0
        for entry in t.entries:
            if entry.type == "drawdown":
                drawn += entry.amount
                total, verb = drawn, f"drawn from financing {fid}"
            else:
                repaid += entry.amount
                total, verb = repaid, f"repaid on financing {fid}"
            by_tx[entry.tx_hash] = (
                "FinancingEntryRecorded",
                {
                    "financing_id": fid,
                    "type": entry.type,
                    "currency": t.currency,
                    "amount": major(entry.amount, t.currency),
                    "total": major(total, t.currency),
                },
                f"{money(entry.amount, t.currency)} {verb} ({money(total, t.currency)} in total)",
            )
    for e in events:
        if e.event == "FinancingRefused" and isinstance(e.args.get("terms"), str):
            refusal = financing.open_refusal(
                ledger, bytes.fromhex(e.args["terms"][2:]), reader, names
            )
            if refusal is not None:
                by_tx[e.tx_hash] = ("FinancingRefused", *refusal)
    out = []
    for e in events:
        args = {k: v for k, v in e.args.items() if k not in ("terms", "entry", "fingerprints")}
        opened = by_tx.get(e.tx_hash)
        if opened is not None and opened[0] == e.event:
            e = replace(e, fields=opened[1], summary=opened[2])
        out.append(_by_its_bank(replace(e, args=args), banks, names))
    return out


#: a financing's acts whose event names no member: the bank that acted is its financing's
_BANK_ACTS = ("FinancingEntryRecorded", "FinancingClosed", "FinancingCancelled")


def _by_its_bank(e: DocumentEvent, banks: dict[int, str], names: Names) -> DocumentEvent:
    """A drawdown, repayment, close or cancel of a financing whose terms the reader opens
    (``banks``), naming the bank that acted as every other entry names its member; of another
    financing (the reader may not learn whose it is), as it was."""
    fid = e.fields.get("financing_id")
    if e.event not in _BANK_ACTS or not isinstance(fid, int) or fid not in banks:
        return e
    bank = banks[fid]
    fields = {**e.fields, "bank": bank, "bank_name": names.member(bank)}
    mention = f"financing {fid}"
    summary = e.summary.replace(mention, f"{mention} of {who(bank, names)}", 1)
    return replace(e, fields=fields, summary=summary)


# -- lists and searches ---------------------------------------------------------------------
#
# Registrations are listed from the event index (``ledger.indexer``, the SQL copy of the chain:
# a filtered, paginated query there is the fast path), caught up to the chain head first so a
# document registered a moment ago is listed. The files a participant lodged here are searched
# in the gateway database, only ever among that participant's own files.

DEFAULT_LIST_LIMIT = 100
MAX_LIST_LIMIT = 500
#: how many block ranges a list catches the index up before answering (the follower does the
#: rest in the background; ``indexed_block`` says how far an answer is complete)
LIST_CATCH_UP_RANGES = 4
MAX_SEARCH_TEXT = 200


@dataclass(frozen=True)
class ListedDocument:
    """A registration as the index holds it."""

    doc_hash: str
    doc_type: DocType
    status: DocStatus
    registered_by: str
    registered_at: datetime
    registered_block: int
    successor: str | None
    revoke_reason: int | None


@dataclass(frozen=True)
class DocumentPage:
    """One page of a list: ``next_cursor`` continues it (None: done); the list is complete up
    to block ``indexed_block``."""

    items: list[ListedDocument]
    next_cursor: str | None
    indexed_block: int


@dataclass(frozen=True)
class DocumentFilter:
    """Which registrations to list; every field optional (None: any)."""

    registrant: str | None = None
    doc_type: DocType | None = None
    status: DocStatus | None = None
    registered_from: int | None = None  # Unix seconds, inclusive
    registered_to: int | None = None  # Unix seconds, inclusive

    @classmethod
    def parse(
        cls,
        registrant: str | None = None,
        doc_type: str | None = None,
        status: str | None = None,
        registered_from: str | None = None,
        registered_to: str | None = None,
    ) -> DocumentFilter:
        """Filters from text, as the API and the CLI take them (None: left out). ``from`` and
        ``to`` are ISO 8601 or Unix seconds, both inclusive: a date alone as ``to`` is the whole
        of that day, UTC (``ledger.services.audit.parse_bounds``). InvalidInput names the field
        (``registrant``, ``type``, ``status``, ``from``, ``to``) and its rule — also for one
        given empty, which is refused rather than read as "no filter"."""
        start, end = parse_bounds(registered_from, registered_to, "from", "to")
        return cls(
            registrant=parse_filter(registrant, "registrant", parse_address),
            doc_type=parse_filter(doc_type, "type", DocType.parse),
            status=parse_filter(status, "status", DocStatus.parse),
            registered_from=start,
            registered_to=end,
        )


#: roles that may list every member's registrations; the others list their own
LIST_ALL_ROLES = ("regulator", "admin")


def registrations_for(where: DocumentFilter, role: str, address: str) -> DocumentFilter:
    """``where`` as a member of ``role`` at ``address``, active on chain, may list it — the one
    rule of ``GET /v1/documents`` and ``tradeledger doc list --as``: a regulator or an admin
    lists every member's registrations; any other role its own (``registrant`` left out is
    itself), and another ``registrant`` is Forbidden (:func:`ledger.errors.not_own_records`).
    A member not active on chain lists its own only, refused by each surface first."""
    if role in LIST_ALL_ROLES:
        return where
    if where.registrant is None:
        return replace(where, registrant=address)
    if where.registrant.lower() != address.lower():
        raise not_own_records(
            role,
            f"list another member's registrations (registrant {where.registrant})",
            LIST_ALL_ROLES,
            f"{role} lists its own only (leave registrant out)",
        )
    return where


def _list_cursor(text: str | None) -> tuple[int, str] | None:
    """(registered block, doc hash) of the last item of the previous page."""
    if not text:
        return None
    block, _, doc_hash = text.partition("-")
    cleaned = doc_hash.lower()
    if (
        not (block.isascii() and block.isdigit())
        or len(cleaned) != 66
        or not cleaned.startswith("0x")
        or any(c not in "0123456789abcdef" for c in cleaned[2:])
    ):
        raise InvalidInput("cursor", "must be a next_cursor returned by this list", value=text)
    return int(block), cleaned


def _check_limit(limit: int, maximum: int) -> int:
    if not 1 <= limit <= maximum:
        raise InvalidInput("limit", f"must be 1..{maximum}")
    return limit


def list_documents(
    index: EventIndex,
    where: DocumentFilter = DocumentFilter(),
    cursor: str | None = None,
    limit: int = DEFAULT_LIST_LIMIT,
) -> DocumentPage:
    """Registrations matching ``where``, oldest first (by block, then hash), one page.

    The index is first caught up to the chain head (at most ``LIST_CATCH_UP_RANGES`` block
    ranges; when the chain does not answer, the page is served from the index as it stands).
    Raises InvalidInput for a bad ``cursor`` or ``limit`` (1..``MAX_LIST_LIMIT``).
    """
    limit = _check_limit(limit, MAX_LIST_LIMIT)
    after = _list_cursor(cursor)
    catch_up_for_read(index, LIST_CATCH_UP_RANGES)  # chain down: what is indexed, see indexed_block
    query = select(DocumentRow)
    if where.registrant is not None:
        query = query.where(DocumentRow.registrant == where.registrant)
    if where.doc_type is not None:
        query = query.where(DocumentRow.doc_type == int(where.doc_type))
    if where.status is not None:
        query = query.where(DocumentRow.status == int(where.status))
    if where.registered_from is not None:
        query = query.where(DocumentRow.registered_time >= where.registered_from)
    if where.registered_to is not None:
        query = query.where(DocumentRow.registered_time <= where.registered_to)
    if after is not None:
        block, last_hash = after
        query = query.where(
            or_(
                DocumentRow.registered_block > block,
                and_(DocumentRow.registered_block == block, DocumentRow.doc_hash > last_hash),
            )
        )
    query = query.order_by(DocumentRow.registered_block, DocumentRow.doc_hash).limit(limit + 1)
    with index.sessions() as session:
        rows = list(session.scalars(query))
        indexed = session.get(CursorRow, 1)
        indexed_block = indexed.last_block if indexed is not None else -1
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        ListedDocument(
            doc_hash=r.doc_hash,
            doc_type=DocType(r.doc_type),
            status=DocStatus(r.status),
            registered_by=r.registrant,
            registered_at=datetime.fromtimestamp(r.registered_time, UTC),
            registered_block=r.registered_block,
            successor=r.successor,
            revoke_reason=r.revoke_reason,
        )
        for r in rows
    ]
    next_cursor = f"{rows[-1].registered_block}-{rows[-1].doc_hash}" if more and rows else None
    return DocumentPage(items, next_cursor, indexed_block)


@dataclass(frozen=True)
class LodgedDocument:
    """A file a participant handed this gateway: what it was read as, never its bytes."""

    doc_hash: str
    format: str
    doc_type: str
    size: int
    filename: str | None
    received_at: datetime
    facts: dict[str, Any] | None


@dataclass(frozen=True)
class LodgedPage:
    items: list[LodgedDocument]
    next_cursor: str | None


def _search_criterion(text: str, field_name: str) -> None:
    """The one rule for every lodged-file search criterion: 1..MAX_SEARCH_TEXT characters, at
    least one of them a letter or digit (``---``, a NUL or a space alone match nothing a
    person meant): InvalidInput naming the parameter."""
    if len(text) > MAX_SEARCH_TEXT:
        raise InvalidInput(field_name, f"must be at most {MAX_SEARCH_TEXT} characters")
    if not clean_text(text):
        raise InvalidInput(field_name, "must not be empty")
    if not any(c.isalnum() for c in text):
        raise InvalidInput(field_name, "must contain at least one letter or digit")
    refuse_control(text, field_name)  # as no registered identifier holds one (ledger.controls)
    found = first_lone_surrogate(text)
    if found is not None:  # not text: from a command line's undecodable bytes
        raise InvalidInput(field_name, SURROGATE_RULE.format(escaped=found[1]))


def _party_query(text: str | None, field_name: str) -> PartyQuery | None:
    """A seller or buyer to look for: an identifier (VAT id, LEI, GLN, …, compared in the
    normalised form) or a part of the registered name (case-insensitive)."""
    if text is None:
        return None
    _search_criterion(text, field_name)
    name = clean_text(text).casefold()
    return PartyQuery(ids=_identifier_forms(text), name=name)


def _identifier_forms(text: str) -> frozenset[str]:
    """Every form ``text`` would be stored in as a party identifier, as
    :func:`ledger.documents.facts.make_party_id` makes each: a VAT id as python-stdnum compacts
    it (``NL820098395B01``: its zeros kept) or, not valid, normalised; an LEI or a GLN compacted
    (their zeros kept too: ``0614141000012``); an identifier written ``<code>:<id>`` under its
    ICD (``0007:5560360793``); any other id normalised (leading zeros of each digit run
    dropped). None when nothing in it can be an identifier (e.g. only punctuation): the name
    may still match."""
    forms: set[str] = set()
    for scheme in (IdScheme.VAT, IdScheme.LEI, IdScheme.PARTY):
        with suppress(InvalidInput):
            forms.add(make_party_id(scheme, text).value)
    code, colon, value = (part.strip() for part in text.partition(":"))
    if colon and len(code) == 4 and code.isdigit() and value:
        with suppress(InvalidInput):
            forms.add(make_party_id(IdScheme.ICD, value, icd=code).value)
    return frozenset(forms)


def _lodged_cursor(text: str | None) -> tuple[datetime, str] | None:
    if not text:
        return None
    stamp, _, doc_hash = text.partition("|")
    try:
        return _utc(datetime.fromisoformat(stamp)), parse_doc_hash(doc_hash, "cursor").hex()
    except (ValueError, InvalidInput):
        raise InvalidInput("cursor", "must be a next_cursor returned by this list") from None


def search_lodged(
    ledger: Ledger,
    actor: str,
    invoice_number: str | None = None,
    seller: str | None = None,
    buyer: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIST_LIMIT,
) -> LodgedPage:
    """The files ``actor`` lodged at this gateway (received or registered), oldest first,
    matching every given criterion — never another participant's files, whatever the role.

    ``invoice_number``: the document number (EN 16931 BT-1), compared normalised
    (``INV-0042`` finds ``INV42``). ``seller`` / ``buyer``: an identifier of the party (VAT id
    BT-31 / BT-48, LEI, legal or party id) or a part of its name (BT-27 / BT-44). Raises
    InvalidInput naming the field for an empty or over-long criterion, a bad cursor or limit.
    """
    limit = _check_limit(limit, MAX_LIST_LIMIT)
    number = None
    if invoice_number is not None:
        _search_criterion(invoice_number, "invoice_number")
        # as the number is stored (BT-1, ``DocumentFacts.number``): ``FV 1/12/2023`` is
        # ``FV1-12-2023``, apart from ``FV 11/2/2023``
        number = normalise_number(invoice_number, "invoice_number", NUMBER_TERM)
    after = _lodged_cursor(cursor)
    rows, more = ledger.db.search_received(
        received_by=actor,
        number=number,
        seller=_party_query(seller, "seller"),
        buyer=_party_query(buyer, "buyer"),
        after=(after[0], hex32(bytes.fromhex(after[1]))) if after else None,
        limit=limit,
    )
    items = [
        LodgedDocument(
            doc_hash=r.doc_hash,
            format=r.format,
            doc_type=r.doc_type or "other",
            size=r.size,
            filename=r.filename,
            received_at=_utc(r.received_at),
            facts=json.loads(r.facts_json) if r.facts_json else None,
        )
        for r in rows
    ]
    last = items[-1] if more and items else None
    next_cursor = f"{last.received_at.isoformat()}|{last.doc_hash}" if last else None
    return LodgedPage(items, next_cursor)


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive date-times; the gateway stores UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
