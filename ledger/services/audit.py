"""What a regulator asks the index: timelines, member activity, refusals, duplicates,
exposure, financeability, and streamed exports.

Every answer is read from the event index (:mod:`ledger.indexer`) and says up to which block
it is complete (``indexed_block``). Every row carries its block number, transaction hash and log
index so it can be checked against the chain with any Ethereum client. Lists are paginated by an
opaque cursor (``next_cursor``); every query takes a time range (``since``/``until``: ISO 8601 or
Unix seconds, compared with the block's timestamp, both inclusive).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session
from web3 import Web3
from web3.exceptions import Web3Exception

from ledger.errors import InvalidInput, LedgerError
from ledger.eventwords import DECODERS, FIELD_COLUMNS, DecodedEvent, decode_event
from ledger.gatewaydb import ReceivedDocument
from ledger.indexer.follower import EventIndex
from ledger.indexer.models import (
    CursorRow,
    DocumentRow,
    EventRefRow,
    EventRow,
    FinancingRow,
    MemberRow,
    PledgeFingerprintRow,
    PledgeRow,
    RefusalRow,
)
from ledger.messages import refusal_headroom, refusal_sentence
from ledger.network import legal_id_hash
from ledger.services.roles import DocStatus, FinancingStatus, RefusalReason, Role
from ledger.words import Names, currency_code, hex_of, iso_time, reference_text

DEFAULT_LIMIT = 100
#: an event with what a reader may not see taken out: (args, fields, summary)
Withheld = tuple[dict[str, Any], dict[str, Any], str]
#: takes it out: (event name, args, fields, summary, names) → :data:`Withheld`
Withhold = Callable[[str, dict[str, Any], dict[str, Any], str, Names], Withheld]
#: the last second of year 9999: the latest time a query may name (Unix seconds)
MAX_TIME = 253_402_300_799
#: block numbers and log indexes in a cursor: the index's signed 64-bit columns
MAX_POSITION = 2**63 - 1
MAX_LIMIT = 1000
#: refusal reasons that point at a document shown twice
DUPLICATE_REASONS = (RefusalReason.FINGERPRINT_PLEDGED, RefusalReason.EXCEEDS_FACE_VALUE)
EXPORT_FORMATS = ("csv", "jsonl")
#: where each event is on chain, then what it says: its sentence and one column per decoded
#: field (the union of every event's fields, ``ledger.eventwords.FIELD_COLUMNS``; empty when an
#: event has no such field)
CSV_COLUMNS = (
    "block_number",
    "log_index",
    "tx_hash",
    "block_hash",
    "block_time",
    "event",
    "summary",
    *FIELD_COLUMNS,
)


# -- inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A closed interval of block timestamps (Unix seconds); None is open."""

    since: int | None = None
    until: int | None = None

    @classmethod
    def parse(cls, since: str | None = None, until: str | None = None) -> Period:
        period = cls(parse_time(since, "since"), parse_time(until, "until"))
        if period.since is not None and period.until is not None and period.since > period.until:
            raise InvalidInput("until", "must not be before since")
        return period

    def clause(self, column: Any) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.since is not None:
            found.append(column >= self.since)
        if self.until is not None:
            found.append(column <= self.until)
        return found


def parse_time(text: str | None, field_name: str) -> int | None:
    """ISO 8601 (a date, or a date and time; UTC when no offset) or Unix seconds."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    if text.isdigit():
        if int(text) > MAX_TIME:
            raise InvalidInput(field_name, f"Unix seconds must be at most {MAX_TIME} (year 9999)")
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            field_name, "must be ISO 8601 (e.g. 2026-01-31T00:00:00Z) or Unix seconds"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def parse_hash(text: str, field_name: str) -> str:
    """A 32-byte hash as lower-case 0x hex (how the index stores it)."""
    cleaned = text.strip().lower().removeprefix("0x")
    if len(cleaned) != 64 or any(c not in "0123456789abcdef" for c in cleaned):
        raise InvalidInput(field_name, "must be 32 bytes as 64 hex digits", value=text)
    return "0x" + cleaned


def parse_address(text: str, field_name: str = "address") -> str:
    try:
        return str(Web3.to_checksum_address(text.strip()))
    except ValueError:
        raise InvalidInput(field_name, "must be a 20-byte hex address", value=text) from None


#: the contract's event names (every event of the ABI has a decoder), for the export's filter
EVENT_NAMES = tuple(sorted(DECODERS))


def parse_event_name(text: str, field_name: str = "event") -> str:
    """A contract event's name as the ABI spells it (any case: ``financingrefused`` →
    ``FinancingRefused``), or :class:`InvalidInput` naming ``field_name`` and listing them."""
    wanted = text.strip().lower()
    for name in EVENT_NAMES:
        if name.lower() == wanted:
            return name
    raise InvalidInput(field_name, f"must be one of {', '.join(EVENT_NAMES)}", value=text)


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("limit", f"must be between 1 and {MAX_LIMIT}")
    return limit


def _event_cursor(after: str | None) -> tuple[int, int] | None:
    if not after:
        return None
    try:
        block, log = after.split("-", 1)
        position = int(block), int(log)
    except ValueError:
        raise InvalidInput("cursor", "is not a cursor this API returned", value=after) from None
    if not all(0 <= p <= MAX_POSITION for p in position):
        raise InvalidInput("cursor", "is not a cursor this API returned", value=after)
    return position


def _after(
    block_col: Any, log_col: Any, after: tuple[int, int] | None
) -> list[ColumnElement[bool]]:
    if after is None:
        return []
    block, log = after
    return [or_(block_col > block, and_(block_col == block, log_col > log))]


def iso(seconds: int) -> str:
    """Unix seconds as ISO 8601 UTC (``2026-03-01T09:30:12Z``)."""
    return iso_time(seconds)


# -- names ------------------------------------------------------------------------------------


class IndexNames:
    """:class:`ledger.words.Names` read from the index: members' names (also under the
    addresses they rotated away from) and financings' currencies, cached per query."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._members: dict[str, str] | None = None
        self._currencies: dict[int, str | None] = {}

    def _load_members(self) -> dict[str, str]:
        found = {
            a.lower(): n for a, n in self.session.execute(select(MemberRow.address, MemberRow.name))
        }
        by_id = dict(self.session.execute(select(MemberRow.member_id, MemberRow.name)).all())
        rotated = self.session.scalars(
            select(EventRow.args).where(EventRow.event == "MemberKeyRotated")
        )
        for args in rotated:
            moved = json.loads(args)
            name = by_id.get(int(moved["memberId"]))
            if name:
                found.setdefault(str(moved["oldAccount"]).lower(), name)
        return found

    def member(self, address: str) -> str | None:
        if self._members is None:
            self._members = self._load_members()
        return self._members.get(str(address).lower()) or None

    def financing_currency(self, financing_id: int) -> str | None:
        if financing_id not in self._currencies:
            self._currencies[financing_id] = self.session.scalar(
                select(FinancingRow.currency).where(FinancingRow.financing_id == financing_id)
            )
        return self._currencies[financing_id]


# -- outputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventRecord:
    """One event, with everything needed to find it on chain (``block_number``, ``log_index``,
    ``tx_hash``, ``block_hash``; ``args`` exactly as the chain gives them: enum numbers, ``0x``
    hex bytes, Unix seconds, minor units) and the same decoded for people: ``block_time`` in
    ISO 8601 UTC, ``fields`` (names, codes, major units with ``currency``, member names beside
    addresses; :mod:`ledger.eventwords`) and ``summary``, one sentence."""

    block_number: int
    log_index: int
    tx_hash: str
    block_hash: str
    block_time: str
    event: str
    args: dict[str, Any]
    fields: dict[str, Any]
    summary: str

    @classmethod
    def of(cls, row: EventRow, names: Names) -> EventRecord:
        args = json.loads(row.args)
        decoded = decode_event(row.event, args, names)
        return cls(
            block_number=row.block_number,
            log_index=row.log_index,
            tx_hash=row.tx_hash,
            block_hash=row.block_hash,
            block_time=iso(row.block_time),
            event=row.event,
            args=args,
            fields=decoded.fields,
            summary=decoded.summary,
        )


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None
    indexed_block: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [asdict(i) for i in self.items],
            "next_cursor": self.next_cursor,
            "indexed_block": self.indexed_block,
        }


@dataclass(frozen=True)
class Refusal:
    """A refused financing attempt. ``bank`` is the refused bank, ``conflicting_bank`` the bank
    holding the financing in the way, each with its name.

    What the refused bank asked, from the refused transaction's input (the ``FinancingRefused``
    event does not carry it; :func:`attempted`): ``requested_amount`` for this document, in minor
    units of ``requested_currency``, and the face value its gateway read from its file
    (``stated_face_value``); None when the transaction was not a direct ``registerFinancing``
    call.

    The numbers, in minor units of ``currency``, are the ledger's when the attempt was refused:
    the ``face_value`` on record of the document concerned (for ``FINGERPRINT_PLEDGED``, the
    document that holds the fingerprint, ``holding_doc_hash``), what active financings held
    against it (``already_financed``) and what could actually be financed (``headroom``: 0 while
    an active financing held the invoice's fingerprints — the chain then refuses any amount — or
    when the document was not active, else ``face_value - already_financed``); None when no
    financing had recorded a face value yet. ``holders`` names the active financings holding
    that document then (``financing_id``, ``bank``, ``bank_name``, ``amount``): for
    ``EXCEEDS_FACE_VALUE`` the chain names no conflicting financing, they are the ones in the
    way. ``bank_reference`` is the raw ``bytes32``, ``reference`` its text; ``summary`` says it
    all in one sentence."""

    block_number: int
    log_index: int
    tx_hash: str
    block_time: str
    bank: str
    bank_name: str | None
    doc_hash: str
    reason: str
    conflicting_financing_id: int
    conflicting_bank: str | None
    conflicting_bank_name: str | None
    fingerprint: str | None
    bank_reference: str
    reference: str
    holding_doc_hash: str | None
    currency: str | None
    face_value: int | None
    already_financed: int | None
    headroom: int | None
    requested_amount: int | None
    requested_currency: str | None
    stated_face_value: int | None
    holders: list[dict[str, Any]]
    summary: str


@dataclass(frozen=True)
class FingerprintPledge:
    financing_id: int
    bank: str
    bank_name: str | None
    doc_hash: str
    active: bool
    block_number: int
    tx_hash: str
    block_time: str


@dataclass(frozen=True)
class RepeatedFingerprint:
    fingerprint: str
    financings: int
    pledges: list[FingerprintPledge]


@dataclass(frozen=True)
class Duplicates:
    refusals: Page
    repeated_fingerprints: Page

    def to_dict(self) -> dict[str, Any]:
        return {
            "refusals": self.refusals.to_dict(),
            "repeated_fingerprints": self.repeated_fingerprints.to_dict(),
        }


@dataclass(frozen=True)
class Exposure:
    """One row of exposure: ``member`` (a bank, or the enterprise that borrows; None when no
    member is known for the seller, see ``seller_name``/``seller_id``) and its ``member_name``;
    in minor units of ``currency``: ``financed`` (pledged), ``drawn``, ``repaid`` and
    ``outstanding`` (drawn - repaid) over ``financings`` active financings. Per enterprise,
    ``attributed_by`` lists how its documents' borrower was found (:data:`ATTRIBUTIONS`); per
    bank it is None."""

    member: str | None
    currency: str
    financings: int
    financed: int
    drawn: int
    repaid: int
    outstanding: int
    member_name: str | None = None
    attributed_by: list[str] | None = None
    seller_name: str | None = None
    seller_id: str | None = None


@dataclass(frozen=True)
class Match:
    """An active pledge that holds a fingerprint (or the document) asked about."""

    financing_id: int
    bank: str
    doc_hash: str
    fingerprint: str | None
    amount: int
    block_number: int
    tx_hash: str


@dataclass
class Financeability:
    """Whether a document can be financed now, as the index (the chain's copy) sees it.

    ``status`` and ``registrant`` are the registration's; ``face_value`` (minor units of
    ``currency``) is the chain's — fixed by the document's first financing, ``face_value_source``
    ``chain`` — else read from the caller's own lodged file of that hash (``facts``, EN 16931
    BT-115), else None. ``financed_amount`` is what active financings hold on it. ``fingerprints``
    are the ones checked: those given, those pledged on chain for this hash, and those of the
    caller's lodged file of this hash. ``matches`` are the active pledges holding the document
    or any of them. ``financeable`` is false when ``reasons`` (named like the contract's
    ``RefusalReason``) is not empty; ``headroom`` is what can actually be financed now: 0 when
    not financeable (while another financing holds one of the invoice's fingerprints the chain
    refuses any amount), else ``face_value - financed_amount``; None when the face value is
    not known."""

    doc_hash: str | None
    registered: bool | None
    status: str | None
    registrant: str | None
    face_value: int | None
    financed_amount: int
    financeable: bool
    currency: str | None = None
    face_value_source: Literal["chain", "facts"] | None = None
    headroom: int | None = None
    fingerprints: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    indexed_block: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- who borrows ------------------------------------------------------------------------------


class LodgedFiles(Protocol):
    """The files participants handed a gateway — their facts and keyed fingerprints, never
    their bytes (``ledger.gatewaydb.GatewayDB``)."""

    def received(self, doc_hash: str, received_by: str | None = None) -> list[ReceivedDocument]:
        """The stored copies of ``doc_hash`` (of one participant, or of all)."""

    def received_with_fingerprints(
        self, fingerprints: list[str], received_by: str | None = None
    ) -> list[ReceivedDocument]:
        """Files holding any of ``fingerprints`` (of one participant, or of all)."""


#: how the borrower of a pledged document was found, strongest first (see :func:`borrowers`)
ATTRIBUTIONS = ("registrant", "seller_legal_id", "same_invoice", "seller_facts", "unattributed")


@dataclass(frozen=True)
class Borrower:
    """Who a financed document's money is lent to: an ENTERPRISE member (``member``, its
    ``member_name``), or — when the ledger knows no member for it — the seller as the lodged
    file names it (``seller_name``, ``seller_id`` as ``SCHEME:value``). ``attributed_by`` is
    one of :data:`ATTRIBUTIONS`."""

    member: str | None
    member_name: str | None
    attributed_by: str
    seller_name: str | None = None
    seller_id: str | None = None

    @property
    def key(self) -> str:
        """What exposure rows group by: the member, else the seller, else nobody."""
        if self.member:
            return self.member
        if self.seller_id or self.seller_name:
            return f"seller:{self.seller_id or ''}:{(self.seller_name or '').casefold()}"
        return "unattributed"


def _seller(files: Sequence[ReceivedDocument]) -> tuple[str | None, list[tuple[str, str]]]:
    """The seller (BG-4) of the first of ``files`` whose facts name one: its name (BT-27)
    and identifiers as (scheme, value), strongest first."""
    for f in files:
        if not f.facts_json:
            continue
        seller = (json.loads(f.facts_json) or {}).get("seller") or {}
        ids = [(str(i["scheme"]), str(i["value"])) for i in seller.get("ids") or () if i]
        if ids or seller.get("name"):
            return seller.get("name") or None, ids
    return None, []


def borrowers(
    session: Session, doc_hashes: Sequence[str], lodged: LodgedFiles | None = None
) -> dict[str, Borrower]:
    """The borrower of each pledged document in ``doc_hashes``, decided from what the ledger
    knows, in this order (docs/audit.md, "Exposure by enterprise"):

    1. ``registrant`` — the member that registered the hash, when it is an ENTERPRISE (a bank's
       gateway registers a hash the chain does not know before financing it: that bank is never
       the borrower);
    2. ``seller_legal_id`` — the ENTERPRISE whose legal id (stored hashed on chain) is one of the
       seller's identifiers (BT-29/BT-30/BT-31) in a file of that hash lodged at this gateway;
    3. ``same_invoice`` — the ENTERPRISE that registered another hash carrying one of this
       document's fingerprints (pledged on chain, or of a file of this hash lodged here): the
       same invoice in another format; the earliest such registration;
    4. ``seller_facts`` — no member known: the seller as the lodged file names it (``member``
       None, ``seller_name``, ``seller_id``);
    5. ``unattributed`` — nothing known (``member`` None).
    """
    docs = sorted(set(doc_hashes))
    if not docs:
        return {}
    enterprise = int(Role.ENTERPRISE)
    members = session.execute(
        select(MemberRow.address, MemberRow.name, MemberRow.legal_id_hash).where(
            MemberRow.role == enterprise
        )
    ).all()
    enterprises = {str(a).lower(): (str(a), n or None) for a, n, _ in members}
    zero = "0x" + "00" * 32
    by_legal_id = {
        str(h).lower(): (str(a), n or None) for a, n, h in members if h and str(h).lower() != zero
    }
    registered = {
        d: (str(r), int(b))
        for d, r, b in session.execute(
            select(
                DocumentRow.doc_hash, DocumentRow.registrant, DocumentRow.registered_block
            ).where(DocumentRow.doc_hash.in_(docs))
        )
    }
    found: dict[str, Borrower] = {}
    pending: list[str] = []
    for doc in docs:
        registrant = registered.get(doc, ("", 0))[0]
        if registrant.lower() in enterprises:
            address, name = enterprises[registrant.lower()]
            found[doc] = Borrower(address, name, "registrant")
        else:
            pending.append(doc)
    if not pending:
        return found
    pledged: dict[str, set[str]] = {}
    for doc, fingerprint in session.execute(
        select(PledgeFingerprintRow.doc_hash, PledgeFingerprintRow.fingerprint).where(
            PledgeFingerprintRow.doc_hash.in_(pending)
        )
    ):
        pledged.setdefault(doc, set()).add(fingerprint)
    for doc in pending:
        files = lodged.received(doc) if lodged is not None else []
        seller_name, seller_ids = _seller(files)
        for _, value in seller_ids:
            hit = by_legal_id.get("0x" + legal_id_hash(value).hex())
            if hit is not None:
                found[doc] = Borrower(hit[0], hit[1], "seller_legal_id")
                break
        if doc in found:
            continue
        fingerprints = set(pledged.get(doc, set()))
        fingerprints |= {value for f in files for _, value in f.fingerprints}
        same = _same_invoice_registrants(session, doc, sorted(fingerprints), lodged)
        for registrant, _ in sorted(same, key=lambda s: s[1]):
            if registrant.lower() in enterprises:
                address, name = enterprises[registrant.lower()]
                found[doc] = Borrower(address, name, "same_invoice")
                break
        if doc in found:
            continue
        if seller_name or seller_ids:
            scheme_value = f"{seller_ids[0][0]}:{seller_ids[0][1]}" if seller_ids else None
            found[doc] = Borrower(None, None, "seller_facts", seller_name, scheme_value)
        else:
            found[doc] = Borrower(None, None, "unattributed")
    return found


def _same_invoice_registrants(
    session: Session, doc: str, fingerprints: list[str], lodged: LodgedFiles | None
) -> list[tuple[str, int]]:
    """(registrant, registration block) of the other registered hashes that carry one of
    ``fingerprints``: pledged on chain with it, or a file lodged here with it."""
    if not fingerprints:
        return []
    others = set(
        session.scalars(
            select(PledgeFingerprintRow.doc_hash).where(
                PledgeFingerprintRow.fingerprint.in_(fingerprints)
            )
        )
    )
    if lodged is not None:
        others |= {f.doc_hash for f in lodged.received_with_fingerprints(fingerprints)}
    others.discard(doc)
    if not others:
        return []
    return [
        (str(r), int(b))
        for r, b in session.execute(
            select(DocumentRow.registrant, DocumentRow.registered_block).where(
                DocumentRow.doc_hash.in_(sorted(others))
            )
        )
    ]


# -- queries ----------------------------------------------------------------------------------


def indexed_block(session: Session) -> int:
    cursor = session.get(CursorRow, 1)
    return cursor.last_block if cursor is not None else -1


def _event_page(
    session: Session,
    conditions: Sequence[ColumnElement[bool]],
    period: Period,
    after: str | None,
    limit: int,
    exclude: Sequence[str] = (),
) -> Page:
    limit = _limit(limit)
    keys = (
        select(EventRefRow.block_number, EventRefRow.log_index)
        .join(
            EventRow,
            and_(
                EventRow.block_number == EventRefRow.block_number,
                EventRow.log_index == EventRefRow.log_index,
            ),
        )
        .where(or_(*conditions), *period.clause(EventRow.block_time))
        .where(*([EventRow.event.not_in(sorted(exclude))] if exclude else []))
        .where(*_after(EventRefRow.block_number, EventRefRow.log_index, _event_cursor(after)))
        .distinct()
        .order_by(EventRefRow.block_number, EventRefRow.log_index)
        .limit(limit + 1)
    ).subquery()
    rows = list(
        session.scalars(
            select(EventRow)
            .join(
                keys,
                and_(
                    EventRow.block_number == keys.c.block_number,
                    EventRow.log_index == keys.c.log_index,
                ),
            )
            .order_by(EventRow.block_number, EventRow.log_index)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = f"{rows[-1].block_number}-{rows[-1].log_index}" if more and rows else None
    names = IndexNames(session)
    return Page([EventRecord.of(r, names) for r in rows], cursor, indexed_block(session))


def _ref(kind: str, refs: Sequence[str]) -> ColumnElement[bool]:
    return and_(EventRefRow.kind == kind, EventRefRow.ref.in_(list(refs)))


def timeline(
    index: EventIndex,
    doc_hash: str,
    period: Period = Period(),
    after: str | None = None,
    limit: int = DEFAULT_LIMIT,
    exclude: Sequence[str] = (),
) -> Page:
    """A document's history: registration, attestations, revocation, supersession, refusals
    naming it, and every event of the financings that pledge it (pledges, drawdowns,
    repayments, close, cancel, refusals those financings caused) — but the events named in
    ``exclude`` (e.g. the financing events, for a reader who may not learn of them)."""
    doc = parse_hash(doc_hash, "doc_hash")
    with index.sessions() as session:
        financings = [
            str(f)
            for f in session.scalars(
                select(PledgeRow.financing_id).where(PledgeRow.doc_hash == doc)
            )
        ]
        conditions = [_ref("doc", [doc])]
        if financings:
            conditions.append(_ref("fin", financings))
        return _event_page(session, conditions, period, after, limit, exclude)


def member_activity(
    index: EventIndex,
    address: str,
    period: Period = Period(),
    after: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page:
    """Every event a member did or is named in (by address; financing events count for the
    financing's bank)."""
    member = parse_address(address).lower()
    with index.sessions() as session:
        return _event_page(session, [_ref("mem", [member])], period, after, limit)


def _refusal_rows(
    index: EventIndex,
    session: Session,
    conditions: Sequence[ColumnElement[bool]],
    after: str | None,
    limit: int,
) -> Page:
    limit = _limit(limit)
    conflicting = FinancingRow.__table__.alias("conflicting")
    query = (
        select(RefusalRow, conflicting.c.bank)
        .outerjoin(conflicting, conflicting.c.financing_id == RefusalRow.conflicting_financing_id)
        .where(*conditions)
        .where(*_after(RefusalRow.block_number, RefusalRow.log_index, _event_cursor(after)))
        .order_by(RefusalRow.block_number, RefusalRow.log_index)
        .limit(limit + 1)
    )
    rows = session.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    history = _PledgeHistory.of(session, [r for r, _ in rows])
    names = IndexNames(session)
    attempts = attempted(index, [r.tx_hash for r, _ in rows])
    items = [_refusal(history, names, r, bank, attempts.get(r.tx_hash)) for r, bank in rows]
    last = rows[-1][0] if rows else None
    cursor = f"{last.block_number}-{last.log_index}" if more and last is not None else None
    return Page(items, cursor, indexed_block(session))


@dataclass
class _PledgeHistory:
    """What a page of refusals needs to replay "who held this document then", read in a fixed
    number of queries whatever the page's size: the pledges of the documents concerned, the
    close/cancel events of their financings, and those financings' bank and currency."""

    #: (fingerprint, financing id) → the document that financing pledged with that fingerprint
    holding: dict[tuple[str, int], str]
    #: document → [(block, log, financing id, amount, face value)] in chain order
    pledges: dict[str, list[tuple[int, int, int, int, int]]]
    #: financing id → (block, log) of its close or cancel
    released: dict[int, tuple[int, int]]
    #: financing id → (bank, currency)
    financings: dict[int, tuple[str, str]]

    @classmethod
    def of(cls, session: Session, rows: Sequence[RefusalRow]) -> _PledgeHistory:
        zero = "0x" + "00" * 32
        asked = {(r.fingerprint, int(r.conflicting_financing_id)) for r in rows}
        asked = {(fp, fid) for fp, fid in asked if fp != zero and fid}
        holding: dict[tuple[str, int], str] = {}
        if asked:
            found = session.execute(
                select(
                    PledgeFingerprintRow.fingerprint,
                    PledgeFingerprintRow.financing_id,
                    PledgeFingerprintRow.doc_hash,
                ).where(PledgeFingerprintRow.fingerprint.in_(sorted({fp for fp, _ in asked})))
            )
            holding = {(fp, int(fid)): doc for fp, fid, doc in found if (fp, int(fid)) in asked}
        docs = {r.doc_hash for r in rows} | set(holding.values())
        pledges: dict[str, list[tuple[int, int, int, int, int]]] = {}
        if docs:
            pledged = session.execute(
                select(EventRefRow.ref, EventRow.block_number, EventRow.log_index, EventRow.args)
                .join(
                    EventRow,
                    and_(
                        EventRefRow.block_number == EventRow.block_number,
                        EventRefRow.log_index == EventRow.log_index,
                    ),
                )
                .where(
                    EventRefRow.kind == "doc",
                    EventRefRow.ref.in_(sorted(docs)),
                    EventRow.event == "DocumentPledged",
                )
                .order_by(EventRow.block_number, EventRow.log_index)
            )
            for doc, block, log, args in pledged:
                a = json.loads(args)
                pledges.setdefault(doc, []).append(
                    (block, log, int(a["financingId"]), int(a["amount"]), int(a["faceValue"]))
                )
        ids = sorted({p[2] for found in pledges.values() for p in found})
        released: dict[int, tuple[int, int]] = {}
        financings: dict[int, tuple[str, str]] = {}
        if ids:
            ended = session.execute(
                select(EventRefRow.ref, EventRow.block_number, EventRow.log_index)
                .join(
                    EventRow,
                    and_(
                        EventRefRow.block_number == EventRow.block_number,
                        EventRefRow.log_index == EventRow.log_index,
                    ),
                )
                .where(
                    EventRefRow.kind == "fin",
                    EventRefRow.ref.in_([str(i) for i in ids]),
                    EventRow.event.in_(("FinancingClosed", "FinancingCancelled")),
                )
            )
            released = {int(ref): (block, log) for ref, block, log in ended}
            financings = {
                int(fid): (bank, currency)
                for fid, bank, currency in session.execute(
                    select(
                        FinancingRow.financing_id, FinancingRow.bank, FinancingRow.currency
                    ).where(FinancingRow.financing_id.in_(ids))
                )
            }
        return cls(holding, pledges, released, financings)

    def held_then(
        self, doc_hash: str, block: int, log: int
    ) -> tuple[int | None, list[tuple[int, int]], str | None]:
        """(face value on record, [(financing id, amount)] of the active financings holding
        it, their currency) of ``doc_hash`` just before the event at (block, log)."""
        before = [p for p in self.pledges.get(doc_hash, []) if (p[0], p[1]) < (block, log)]
        if not before:
            return None, [], None
        holders = [
            (fid, amount)
            for _, _, fid, amount, _ in before
            if not (fid in self.released and self.released[fid] < (block, log))
        ]
        currency = self.financings.get(before[-1][2], ("", None))[1]
        return before[-1][4], holders, currency


@dataclass(frozen=True)
class Attempt:
    """What a refused ``registerFinancing`` transaction asked, read from its input (the
    ``FinancingRefused`` event does not carry it): its ``currency`` and, per pledged document,
    (amount, the face value the bank's gateway stated, the fingerprints), minor units."""

    currency: str
    pledges: dict[str, tuple[int, int, tuple[str, ...]]]


def attempted(index: EventIndex, tx_hashes: Sequence[str]) -> dict[str, Attempt]:
    """The :class:`Attempt` of each transaction in ``tx_hashes`` that is a direct call of the
    contract's ``registerFinancing``, decoded from its input with the contract's ABI
    (``eth_getTransactionByHash``; one read per transaction). A transaction the chain cannot
    give, or that called something else (a wrapper contract), is left out; so is every one when
    the node does not answer (after its first failed read, not one per refusal)."""
    found: dict[str, Attempt] = {}
    for tx_hash in sorted(set(tx_hashes)):
        try:
            tx = index.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
            if str(tx.get("to") or "").lower() != index.contract_address.lower():
                continue
            function, params = index.contract.decode_function_input(tx["input"])
        except (LedgerError, OSError):
            break  # the node does not answer: the refusals stand without what was asked
        except (Web3Exception, ValueError, KeyError, TypeError):
            continue  # not found, or not the contract's call: nothing to read
        if function.fn_name != "registerFinancing":
            continue
        pledges: dict[str, tuple[int, int, tuple[str, ...]]] = {}
        for pledge in params["pledges"]:
            doc, amount, face, fps = (
                (pledge["docHash"], pledge["amount"], pledge["faceValue"], pledge["fingerprints"])
                if isinstance(pledge, dict)
                else tuple(pledge)
            )
            pledges[hex_of(doc)] = (int(amount), int(face), tuple(hex_of(f) for f in fps))
        found[tx_hash] = Attempt(currency_code(params["currency"]), pledges)
    return found


def _refusal(
    history: _PledgeHistory,
    names: IndexNames,
    r: RefusalRow,
    bank: str | None,
    attempt: Attempt | None,
) -> Refusal:
    fingerprint = None if r.fingerprint == "0x" + "00" * 32 else r.fingerprint
    conflicting = int(r.conflicting_financing_id)
    holding = r.doc_hash
    if fingerprint is not None and conflicting:
        holding = history.holding.get((fingerprint, conflicting), r.doc_hash)
    face, holders, currency = history.held_then(holding, r.block_number, r.log_index)
    held = sum(amount for _, amount in holders)
    reason = RefusalReason(r.reason).name
    asked = attempt.pledges.get(r.doc_hash) if attempt is not None else None
    requested_currency = attempt.currency if attempt is not None else None
    details: dict[str, Any] = {
        "block_number": r.block_number,
        "log_index": r.log_index,
        "tx_hash": r.tx_hash,
        "block_time": iso(r.block_time),
        "bank": r.bank,
        "bank_name": names.member(r.bank),
        "doc_hash": r.doc_hash,
        "reason": reason,
        "conflicting_financing_id": conflicting,
        "conflicting_bank": bank,
        "conflicting_bank_name": names.member(bank) if bank else None,
        "fingerprint": fingerprint,
        "bank_reference": r.bank_reference,
        "reference": reference_text(r.bank_reference),
        "holding_doc_hash": holding if holding != r.doc_hash else None,
        "currency": currency,
        "face_value": face,
        "already_financed": held if face is not None else None,
        "headroom": refusal_headroom(
            face, held, held=bool(holders) or bool(fingerprint and conflicting), reason=reason
        ),
        "requested_amount": asked[0] if asked is not None else None,
        "requested_currency": requested_currency,
        "stated_face_value": asked[1] if asked is not None else None,
        "holders": [
            {
                "financing_id": financing_id,
                "bank": history.financings[financing_id][0]
                if financing_id in history.financings
                else None,
                "bank_name": names.member(history.financings[financing_id][0])
                if financing_id in history.financings
                else None,
                "amount": amount,
            }
            for financing_id, amount in holders
        ],
    }
    # as in the refused bank's 409: ``currency`` the attempt's, ``document_currency`` the one
    # on record (the document's first financing's)
    summary = refusal_sentence(
        {**details, "currency": currency or requested_currency, "document_currency": currency}
    )
    return Refusal(**details, summary=summary)


def refusals(
    index: EventIndex,
    period: Period = Period(),
    bank: str | None = None,
    reason: str | None = None,
    after: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page:
    """Refused financing attempts: who tried, which document, why, and the financing in the way."""
    conditions = period.clause(RefusalRow.block_time)
    if bank:
        conditions.append(RefusalRow.bank == parse_address(bank, "bank"))
    if reason:
        code = RefusalReason.parse(reason, "reason")
        conditions.append(RefusalRow.reason == int(code))
    with index.sessions() as session:
        return _refusal_rows(index, session, conditions, after, limit)


def duplicates(
    index: EventIndex,
    period: Period = Period(),
    after: str | None = None,
    fingerprints_after: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Duplicates:
    """Suspected duplicates: refusals because a fingerprint was already pledged or the face
    value was exceeded, and fingerprints pledged by more than one financing over time."""
    limit = _limit(limit)
    conditions = [
        RefusalRow.reason.in_([int(r) for r in DUPLICATE_REASONS]),
        *period.clause(RefusalRow.block_time),
    ]
    with index.sessions() as session:
        refused = _refusal_rows(index, session, conditions, after, limit)
        repeated_q = (
            select(
                PledgeFingerprintRow.fingerprint,
                func.count(func.distinct(PledgeFingerprintRow.financing_id)),
            )
            .where(*period.clause(PledgeFingerprintRow.block_time))
            .group_by(PledgeFingerprintRow.fingerprint)
            .having(func.count(func.distinct(PledgeFingerprintRow.financing_id)) > 1)
            .order_by(PledgeFingerprintRow.fingerprint)
            .limit(limit + 1)
        )
        if fingerprints_after:
            repeated_q = repeated_q.where(
                PledgeFingerprintRow.fingerprint > parse_hash(fingerprints_after, "cursor")
            )
        repeated = session.execute(repeated_q).all()
        more = len(repeated) > limit
        repeated = repeated[:limit]
        names = IndexNames(session)
        items = []
        for fingerprint, count in repeated:
            pledges = session.execute(
                select(PledgeFingerprintRow, FinancingRow.bank, FinancingRow.tx_hash)
                .join(
                    FinancingRow,
                    FinancingRow.financing_id == PledgeFingerprintRow.financing_id,
                )
                .where(
                    PledgeFingerprintRow.fingerprint == fingerprint,
                    *period.clause(PledgeFingerprintRow.block_time),
                )
                .order_by(PledgeFingerprintRow.block_number)
            ).all()
            items.append(
                RepeatedFingerprint(
                    fingerprint=fingerprint,
                    financings=int(count),
                    pledges=[
                        FingerprintPledge(
                            financing_id=int(p.financing_id),
                            bank=bank,
                            bank_name=names.member(bank),
                            doc_hash=p.doc_hash,
                            active=p.active,
                            block_number=p.block_number,
                            tx_hash=tx_hash,
                            block_time=iso(p.block_time),
                        )
                        for p, bank, tx_hash in pledges
                    ],
                )
            )
        cursor = items[-1].fingerprint if more and items else None
        return Duplicates(refused, Page(items, cursor, indexed_block(session)))


def exposure(
    index: EventIndex,
    by: Literal["bank", "enterprise"],
    member: str | None = None,
    period: Period = Period(),
    lodged: LodgedFiles | None = None,
) -> list[Exposure]:
    """Active financed, drawn, repaid and outstanding amounts per currency (minor units): per
    bank (its ACTIVE financings), or per enterprise — the **borrower** of the pledged documents,
    never the bank that financed them (:func:`borrowers`: the registrant when it is an
    enterprise, else the enterprise named by the seller's identifiers in a file lodged here,
    else the enterprise that registered the same invoice, else the seller as the file names it,
    ``member`` None): the pledged amount, and each financing's drawn and repaid amounts shared
    among its documents in proportion to their pledged amounts (:func:`_shares`). ``lodged``
    (the gateway's files, ``ledger.gatewaydb.GatewayDB``) lets the rule read the facts and
    fingerprints of files lodged here. ``period`` selects financings by their registration
    time. Rows name the member (``member_name``); per enterprise they say how each was found
    (``attributed_by``)."""
    if by not in ("bank", "enterprise"):
        raise InvalidInput("by", "must be one of bank, enterprise", value=by)
    wanted = parse_address(member, "member") if member else None
    active = FinancingRow.status == int(FinancingStatus.ACTIVE)
    with index.sessions() as session:
        names = IndexNames(session)
        if by == "bank":
            query = (
                select(
                    FinancingRow.bank,
                    FinancingRow.currency,
                    func.count(),
                    func.sum(FinancingRow.amount),
                    func.sum(FinancingRow.drawn),
                    func.sum(FinancingRow.repaid),
                )
                .where(active, *period.clause(FinancingRow.registered_time))
                .group_by(FinancingRow.bank, FinancingRow.currency)
                .order_by(FinancingRow.bank, FinancingRow.currency)
            )
            if wanted:
                query = query.where(FinancingRow.bank == wanted)
            return [
                Exposure(
                    b, c, int(n), int(a), int(d), int(r), int(d) - int(r), names.member(b), None
                )
                for b, c, n, a, d, r in session.execute(query)
            ]
        pledges = (
            select(
                FinancingRow.currency,
                FinancingRow.financing_id,
                FinancingRow.drawn,
                FinancingRow.repaid,
                PledgeRow.doc_hash,
                PledgeRow.amount,
            )
            .join(FinancingRow, FinancingRow.financing_id == PledgeRow.financing_id)
            .where(active, *period.clause(FinancingRow.registered_time))
            .order_by(FinancingRow.financing_id, PledgeRow.doc_hash)
        )
        by_financing: dict[int, list[Any]] = {}
        for row in session.execute(pledges):
            by_financing.setdefault(int(row.financing_id), []).append(row)
        found = borrowers(
            session, sorted({r.doc_hash for rows in by_financing.values() for r in rows}), lodged
        )
    totals: dict[tuple[str, str], list[int]] = {}
    ids: dict[tuple[str, str], set[int]] = {}
    who_of: dict[tuple[str, str], Borrower] = {}
    how: dict[tuple[str, str], set[str]] = {}
    for financing_id, rows in by_financing.items():
        amounts = [int(r.amount) for r in rows]
        drawn = _shares(int(rows[0].drawn), amounts)
        repaid = _shares(int(rows[0].repaid), amounts)
        for r, amount, d, p in zip(rows, amounts, drawn, repaid, strict=True):
            borrower = found[r.doc_hash]
            if wanted is not None and (borrower.member or "").lower() != wanted.lower():
                continue
            key = (borrower.key, str(r.currency))
            total = totals.setdefault(key, [0, 0, 0])
            total[0] += amount
            total[1] += d
            total[2] += p
            ids.setdefault(key, set()).add(financing_id)
            who_of.setdefault(key, borrower)
            how.setdefault(key, set()).add(borrower.attributed_by)
    rows_out = []
    for key, (a, d, p) in totals.items():
        b = who_of[key]
        rows_out.append(
            Exposure(
                member=b.member,
                currency=key[1],
                financings=len(ids[key]),
                financed=a,
                drawn=d,
                repaid=p,
                outstanding=d - p,
                member_name=b.member_name,
                attributed_by=sorted(how[key]),
                seller_name=b.seller_name,
                seller_id=b.seller_id,
            )
        )
    # members first (by address), then the sellers no member could be found for
    return sorted(
        rows_out,
        key=lambda e: (
            e.member is None,
            e.member or "",
            e.seller_id or "",
            e.seller_name or "",
            e.currency,
        ),
    )


def _shares(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` split in proportion to ``weights``, in whole minor units that add up to it
    (each share rounded down, the remainder to the last): a financing's drawn or repaid
    amount shared among the documents it pledges."""
    whole = sum(weights)
    if whole <= 0:
        return [0] * len(weights)
    shares = [total * w // whole for w in weights[:-1]]
    return [*shares, total - sum(shares)]


def financeable(
    index: EventIndex,
    doc_hash: str | None = None,
    fingerprints: Sequence[str] = (),
    lodged: LodgedFiles | None = None,
    caller: str | None = None,
) -> Financeability:
    """Is this document financeable, and what does it match? By document hash and/or the
    fingerprints a bank's gateway computed (see :class:`Financeability`). With a document hash
    the document's own fingerprints are checked too — those pledged on chain for it, and those
    of ``caller``'s file of that hash in ``lodged`` (the gateway's files) — so a document held
    under another hash (its other format) is not financeable without naming a fingerprint."""
    if doc_hash is None and not fingerprints:
        raise InvalidInput("doc_hash", "give a document hash, fingerprints, or both")
    doc = parse_hash(doc_hash, "doc_hash") if doc_hash else None
    fps = {parse_hash(f, "fingerprint") for f in fingerprints}
    own_file = None
    if doc is not None and lodged is not None and caller:
        mine = lodged.received(doc, caller)
        own_file = mine[0] if mine else None
        if own_file is not None:
            fps |= {value for _, value in own_file.fingerprints}
    cursor_q = select(CursorRow.last_block).where(CursorRow.id == 1).scalar_subquery()
    # Core rows on one pooled connection: this is the hot path a bank's gateway calls before
    # every financing (see docs/benchmarks-index.md)
    with index.engine.connect() as conn:
        result = Financeability(
            doc_hash=doc,
            registered=None,
            status=None,
            registrant=None,
            face_value=None,
            financed_amount=0,
            financeable=True,
        )
        if doc is None:
            result.indexed_block = int(conn.execute(select(cursor_q)).scalar_one_or_none() or -1)
        else:
            head = conn.execute(
                select(cursor_q, DocumentRow.status, DocumentRow.registrant).outerjoin_from(
                    select(cursor_q.label("c")).subquery(),
                    DocumentRow,
                    DocumentRow.doc_hash == doc,
                )
            ).one()
            result.indexed_block = int(head[0] if head[0] is not None else -1)
            result.registered = head[1] is not None
            if head[1] is None:
                result.reasons.append(RefusalReason.DOCUMENT_NOT_REGISTERED.name)
            else:
                status = DocStatus(head[1])
                result.status = status.name
                result.registrant = head[2]
                if status is DocStatus.REVOKED:
                    result.reasons.append(RefusalReason.DOCUMENT_REVOKED.name)
                elif status is DocStatus.SUPERSEDED:
                    result.reasons.append(RefusalReason.DOCUMENT_SUPERSEDED.name)
            # every pledge of the document, active or released: the first fixed its face value
            # and currency on chain for good
            pledges = conn.execute(
                select(
                    PledgeRow.financing_id,
                    FinancingRow.bank,
                    FinancingRow.currency,
                    PledgeRow.amount,
                    PledgeRow.face_value,
                    PledgeRow.active,
                    PledgeRow.block_number,
                    FinancingRow.tx_hash,
                )
                .join(FinancingRow, FinancingRow.financing_id == PledgeRow.financing_id)
                .where(PledgeRow.doc_hash == doc)
                .order_by(PledgeRow.block_number, PledgeRow.financing_id)
            ).all()
            for financing_id, bank, currency, amount, face, active, block, tx_hash in pledges:
                if result.face_value is None:
                    result.face_value, result.currency = int(face), str(currency)
                    result.face_value_source = "chain"
                if not active:
                    continue
                result.financed_amount += int(amount)
                result.matches.append(
                    Match(int(financing_id), bank, doc, None, int(amount), block, tx_hash)
                )
            if result.face_value is None and own_file is not None and own_file.facts_json:
                facts = json.loads(own_file.facts_json) or {}
                if isinstance(facts.get("amountMinor"), int) and facts.get("currency"):
                    result.face_value, result.currency = (
                        int(facts["amountMinor"]),
                        facts["currency"],
                    )
                    result.face_value_source = "facts"
            if result.face_value is not None and result.financed_amount >= result.face_value:
                result.reasons.append(RefusalReason.EXCEEDS_FACE_VALUE.name)
            fps |= set(
                conn.scalars(
                    select(PledgeFingerprintRow.fingerprint).where(
                        PledgeFingerprintRow.doc_hash == doc
                    )
                )
            )
        result.fingerprints = sorted(fps)
        if fps:
            held = conn.execute(
                select(
                    PledgeFingerprintRow.financing_id,
                    FinancingRow.bank,
                    PledgeFingerprintRow.doc_hash,
                    PledgeFingerprintRow.fingerprint,
                    PledgeRow.amount,
                    PledgeFingerprintRow.block_number,
                    FinancingRow.tx_hash,
                )
                .join(
                    FinancingRow,
                    FinancingRow.financing_id == PledgeFingerprintRow.financing_id,
                )
                .join(
                    PledgeRow,
                    and_(
                        PledgeRow.financing_id == PledgeFingerprintRow.financing_id,
                        PledgeRow.doc_hash == PledgeFingerprintRow.doc_hash,
                    ),
                )
                .where(
                    PledgeFingerprintRow.fingerprint.in_(result.fingerprints),
                    PledgeFingerprintRow.active,
                )
                .order_by(PledgeFingerprintRow.fingerprint)
            ).all()
            for financing_id, bank, held_doc, fingerprint, amount, block, tx_hash in held:
                result.matches.append(
                    Match(
                        int(financing_id), bank, held_doc, fingerprint, int(amount), block, tx_hash
                    )
                )
            if held:
                result.reasons.append(RefusalReason.FINGERPRINT_PLEDGED.name)
        result.financeable = not result.reasons
        if result.face_value is not None:
            result.headroom = (
                max(result.face_value - result.financed_amount, 0) if result.financeable else 0
            )
        return result


# -- export -----------------------------------------------------------------------------------


def export_events(
    index: EventIndex,
    fmt: str,
    period: Period = Period(),
    events: Sequence[str] = (),
    batch: int = 1000,
    withhold: Withhold | None = None,
) -> Iterator[str]:
    """Every indexed event in chain order as CSV or JSON lines, one string per line, streamed
    (server-side cursor, ``batch`` rows in memory at a time). ``withhold``: what a reader may
    not see is taken out of each event — (name, args, fields, summary, names) → (args, fields,
    summary) — e.g. fingerprints (``ledger.services.disclosure.withhold_event``)."""
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput("format", f"must be one of {', '.join(EXPORT_FORMATS)}", value=fmt)
    events = [parse_event_name(e) for e in events]
    query = (
        select(
            EventRow.block_number,
            EventRow.log_index,
            EventRow.tx_hash,
            EventRow.block_hash,
            EventRow.block_time,
            EventRow.event,
            EventRow.args,
        )
        .where(*period.clause(EventRow.block_time))
        .order_by(EventRow.block_number, EventRow.log_index)
        .execution_options(yield_per=batch, stream_results=True)
    )
    if events:
        query = query.where(EventRow.event.in_(sorted(set(events))))
    return _stream(index, query, fmt, withhold)


def _stream(
    index: EventIndex,
    query: Any,
    fmt: str,
    withhold: Withhold | None = None,
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if fmt == "csv":
        writer.writerow(CSV_COLUMNS)
        yield _drain(buffer)
    # names are read on a session of their own: the export's cursor streams on the first
    with index.sessions() as session, index.sessions() as lookups:
        names = IndexNames(lookups)
        for block, log, tx, block_hash, time, name, args in session.execute(query):
            raw = json.loads(args)
            decoded = decode_event(name, raw, names)
            if withhold is not None:
                raw, withheld_fields, summary = withhold(
                    name, raw, decoded.fields, decoded.summary, names
                )
                decoded = DecodedEvent(withheld_fields, summary)
                args = json.dumps(raw, separators=(",", ":"))
            if fmt == "csv":
                fields = decoded.fields
                writer.writerow(
                    [
                        block,
                        log,
                        tx,
                        block_hash,
                        iso(time),
                        name,
                        decoded.summary,
                        *["" if fields.get(c) is None else fields[c] for c in FIELD_COLUMNS],
                    ]
                )
                yield _drain(buffer)
            else:
                fields_json = json.dumps(decoded.fields, separators=(",", ":"), ensure_ascii=False)
                summary = json.dumps(decoded.summary, ensure_ascii=False)
                yield (
                    f'{{"block_number":{block},"log_index":{log},"tx_hash":"{tx}",'
                    f'"block_hash":"{block_hash}","block_time":"{iso(time)}","event":"{name}",'
                    f'"args":{args},"fields":{fields_json},"summary":{summary}}}\n'
                )


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
