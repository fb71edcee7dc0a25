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
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session
from web3 import Web3

from ledger.errors import InvalidInput
from ledger.eventwords import FIELD_COLUMNS, decode_event
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
from ledger.messages import refusal_sentence
from ledger.services.roles import DocStatus, FinancingStatus, RefusalReason
from ledger.words import Names, iso_time, reference_text

DEFAULT_LIMIT = 100
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
    holding the financing in the way, each with its name. The numbers, in minor units of
    ``currency``, are the ledger's when the attempt was refused: the ``face_value`` on record of
    the document concerned (for ``FINGERPRINT_PLEDGED``, the document that holds the fingerprint,
    ``holding_doc_hash``), what active financings held against it (``already_financed``) and
    what was left (``headroom``); None when no financing had recorded a face value yet (the
    event does not carry the attempt's own amounts). ``holders`` names the active financings
    holding that document then (``financing_id``, ``bank``, ``bank_name``, ``amount``): for
    ``EXCEEDS_FACE_VALUE`` the chain names no conflicting financing, they are the ones in the
    way. ``bank_reference`` is the raw ``bytes32``,
    ``reference`` its text; ``summary`` says it all in one sentence."""

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
    member: str
    currency: str
    financings: int
    financed: int
    drawn: int
    repaid: int
    outstanding: int


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
    doc_hash: str | None
    registered: bool | None
    status: str | None
    registrant: str | None
    face_value: int | None
    financed_amount: int
    financeable: bool
    reasons: list[str] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    indexed_block: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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
) -> Page:
    """A document's history: registration, attestations, revocation, supersession, refusals
    naming it, and every event of the financings that pledge it (pledges, drawdowns,
    repayments, close, cancel, refusals those financings caused)."""
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
        return _event_page(session, conditions, period, after, limit)


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
    items = [_refusal(history, names, r, bank) for r, bank in rows]
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


def _refusal(
    history: _PledgeHistory, names: IndexNames, r: RefusalRow, bank: str | None
) -> Refusal:
    fingerprint = None if r.fingerprint == "0x" + "00" * 32 else r.fingerprint
    conflicting = int(r.conflicting_financing_id)
    holding = r.doc_hash
    if fingerprint is not None and conflicting:
        holding = history.holding.get((fingerprint, conflicting), r.doc_hash)
    face, holders, currency = history.held_then(holding, r.block_number, r.log_index)
    held = sum(amount for _, amount in holders)
    details: dict[str, Any] = {
        "block_number": r.block_number,
        "log_index": r.log_index,
        "tx_hash": r.tx_hash,
        "block_time": iso(r.block_time),
        "bank": r.bank,
        "bank_name": names.member(r.bank),
        "doc_hash": r.doc_hash,
        "reason": RefusalReason(r.reason).name,
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
        "headroom": max(face - held, 0) if face is not None else None,
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
    # the currency on record is the document's (the first financing's)
    summary = refusal_sentence({**details, "document_currency": currency})
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
        return _refusal_rows(session, conditions, after, limit)


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
        refused = _refusal_rows(session, conditions, after, limit)
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
) -> list[Exposure]:
    """Active financed, drawn, repaid and outstanding amounts per currency (minor units): per
    bank (its ACTIVE financings), or per enterprise (the registrant of the pledged documents:
    the pledged amount, and each financing's drawn and repaid amounts shared among its
    documents in proportion to their pledged amounts, see :func:`_shares`). ``period``
    selects financings by their registration time."""
    active = FinancingRow.status == int(FinancingStatus.ACTIVE)
    with index.sessions() as session:
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
            if member:
                query = query.where(FinancingRow.bank == parse_address(member, "member"))
            return [
                Exposure(b, c, int(n), int(a), int(d), int(r), int(d) - int(r))
                for b, c, n, a, d, r in session.execute(query)
            ]
        if by != "enterprise":
            raise InvalidInput("by", "must be bank or enterprise", value=by)
        pledges = (
            select(
                DocumentRow.registrant,
                FinancingRow.currency,
                FinancingRow.financing_id,
                FinancingRow.drawn,
                FinancingRow.repaid,
                PledgeRow.doc_hash,
                PledgeRow.amount,
            )
            .join(FinancingRow, FinancingRow.financing_id == PledgeRow.financing_id)
            .join(DocumentRow, DocumentRow.doc_hash == PledgeRow.doc_hash)
            .where(active, *period.clause(FinancingRow.registered_time))
            .order_by(FinancingRow.financing_id, PledgeRow.doc_hash)
        )
        if member:
            # every pledge of the member's financings: the shares need the whole financing
            theirs = (
                select(PledgeRow.financing_id)
                .join(DocumentRow, DocumentRow.doc_hash == PledgeRow.doc_hash)
                .where(DocumentRow.registrant == parse_address(member, "member"))
            )
            pledges = pledges.where(FinancingRow.financing_id.in_(theirs))
        by_financing: dict[int, list[Any]] = {}
        for row in session.execute(pledges):
            by_financing.setdefault(int(row.financing_id), []).append(row)
    totals: dict[tuple[str, str], list[int]] = {}
    ids: dict[tuple[str, str], set[int]] = {}
    for financing_id, rows in by_financing.items():
        amounts = [int(r.amount) for r in rows]
        drawn = _shares(int(rows[0].drawn), amounts)
        repaid = _shares(int(rows[0].repaid), amounts)
        for r, amount, d, p in zip(rows, amounts, drawn, repaid, strict=True):
            key = (str(r.registrant), str(r.currency))
            total = totals.setdefault(key, [0, 0, 0])
            total[0] += amount
            total[1] += d
            total[2] += p
            ids.setdefault(key, set()).add(financing_id)
    wanted = parse_address(member, "member") if member else None
    return [
        Exposure(e, c, len(ids[(e, c)]), a, d, p, d - p)
        for (e, c), (a, d, p) in sorted(totals.items())
        if wanted is None or e == wanted
    ]


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
    index: EventIndex, doc_hash: str | None = None, fingerprints: Sequence[str] = ()
) -> Financeability:
    """Is this document financeable, and what does it match? By document hash and/or the
    fingerprints a bank's gateway computed: the document's status, its active financed amount,
    and the active pledges holding any of the fingerprints (or the document)."""
    if doc_hash is None and not fingerprints:
        raise InvalidInput("doc_hash", "give a document hash, fingerprints, or both")
    doc = parse_hash(doc_hash, "doc_hash") if doc_hash else None
    fps = sorted({parse_hash(f, "fingerprint") for f in fingerprints})
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
            pledges = conn.execute(
                select(
                    PledgeRow.financing_id,
                    FinancingRow.bank,
                    PledgeRow.amount,
                    PledgeRow.face_value,
                    PledgeRow.block_number,
                    FinancingRow.tx_hash,
                )
                .join(FinancingRow, FinancingRow.financing_id == PledgeRow.financing_id)
                .where(PledgeRow.doc_hash == doc, PledgeRow.active)
            ).all()
            for financing_id, bank, amount, face, block, tx_hash in pledges:
                result.face_value = int(face)
                result.financed_amount += int(amount)
                result.matches.append(
                    Match(int(financing_id), bank, doc, None, int(amount), block, tx_hash)
                )
            if result.face_value is not None and result.financed_amount >= result.face_value:
                result.reasons.append(RefusalReason.EXCEEDS_FACE_VALUE.name)
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
                .where(PledgeFingerprintRow.fingerprint.in_(fps), PledgeFingerprintRow.active)
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
        return result


# -- export -----------------------------------------------------------------------------------


def export_events(
    index: EventIndex,
    fmt: str,
    period: Period = Period(),
    events: Sequence[str] = (),
    batch: int = 1000,
) -> Iterator[str]:
    """Every indexed event in chain order as CSV or JSON lines, one string per line, streamed
    (server-side cursor, ``batch`` rows in memory at a time)."""
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput("format", "must be csv or jsonl", value=fmt)
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
        query = query.where(EventRow.event.in_(list(events)))
    return _stream(index, query, fmt)


def _stream(index: EventIndex, query: Any, fmt: str) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if fmt == "csv":
        writer.writerow(CSV_COLUMNS)
        yield _drain(buffer)
    # names are read on a session of their own: the export's cursor streams on the first
    with index.sessions() as session, index.sessions() as lookups:
        names = IndexNames(lookups)
        for block, log, tx, block_hash, time, name, args in session.execute(query):
            decoded = decode_event(name, json.loads(args), names)
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
