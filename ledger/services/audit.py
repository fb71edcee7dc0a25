"""What a regulator asks the index: timelines, member activity, refusals, duplicates,
exposure, financeability, and streamed exports.

Every answer is read from the event index (:mod:`ledger.indexer`) and says up to which block
it is complete (``indexed_block``). Every row carries its block number, transaction hash and log
index so it can be checked against the chain with any Ethereum client. Lists are paginated by an
opaque cursor (``next_cursor``); every query takes a time range (``since``/``until``: ISO 8601 or
Unix seconds, compared with the block's timestamp, both inclusive: a date alone as ``until`` is
the whole of that day, UTC). A filter given empty is refused (:data:`EMPTY_FILTER_RULE`), never
read as "no filter". The gateway's API catches the index up to the chain head before it answers
(:func:`catch_up_for_read`).

Financing terms are confidential (issue #14, ``docs/privacy.md``). The index holds the clear
terms of every envelope a key at this gateway opened, with the members whose keys opened it
(``readers``); every query here answers **one reader** (:class:`Viewer`): the regulator what its
key opens, a bank its own financings in full and only the public part of the others (id, bank,
status, time, fingerprint count), an enterprise the financings of documents it registered, an
attestor or an admin nothing of a financing's terms. Fingerprints and their holders go to banks
and regulators only. :class:`Access` turns that rule into SQL conditions, so a reader is never
handed a row, a sum or a sentence built from terms it may not read.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, Protocol, TypeVar

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    bindparam,
    cast,
    exists,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased
from web3 import Web3

from ledger.calendardays import no_such_day, no_such_time
from ledger.documents import DocumentFacts
from ledger.documents.fingerprints import onchain_rows
from ledger.errors import (
    ChainUnavailable,
    InvalidInput,
    not_own_records,
    role_not_allowed,
)
from ledger.eventwords import CLEAR_KEY, DECODERS, FIELD_COLUMNS, HIDE_FINGERPRINTS, decode_event
from ledger.gatewaydb import ReceivedDocument
from ledger.indexer.follower import EventIndex
from ledger.indexer.models import (
    CursorRow,
    DocumentRow,
    EntryRow,
    EventRefRow,
    EventRow,
    FinancingRow,
    MemberRow,
    PledgeFingerprintRow,
    PledgeRow,
    ReaderRow,
    RefusalRow,
)
from ledger.jsonliterals import exponent_rule, in_exponent_notation
from ledger.messages import refusal_headroom, refusal_sentence
from ledger.services.roles import (
    DocStatus,
    FinancingKind,
    FinancingStatus,
    RefusalReason,
    Role,
    one_of_rule,
)
from ledger.services.sellers import seller_legal_id_hashes
from ledger.words import Names, iso_time, spreadsheet_cell, who

T = TypeVar("T")

DEFAULT_LIMIT = 100
#: the last second of year 9999: the latest time a query may name (Unix seconds)
MAX_TIME = 253_402_300_799
#: block numbers and log indexes in a cursor: the index's signed 64-bit columns
MAX_POSITION = 2**63 - 1
MAX_LIMIT = 1000
#: refusal reasons that point at a document shown twice
DUPLICATE_REASONS = (RefusalReason.FINGERPRINT_PLEDGED, RefusalReason.EXCEEDS_FACE_VALUE)
EXPORT_FORMATS = ("csv", "jsonl")
#: how many block ranges a read catches the index up before answering (the follower does the
#: rest in the background; ``indexed_block`` says how far an answer is complete)
READ_CATCH_UP_RANGES = 4
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


#: the rule an empty filter breaks: a script's unset variable (``?bank=$BANK``) must not read as
#: "no filter" and answer every bank's records
EMPTY_FILTER_RULE = "must not be empty: leave it out for no filter"
#: one day in milliseconds: a date alone as an upper bound reaches the end of that day
_DAY_MS = 86_400_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def given(text: str | None, field_name: str) -> str | None:
    """``text`` as given, or None when it was left out (None). Raises :class:`InvalidInput`
    (``field_name``, :data:`EMPTY_FILTER_RULE`) when it was given empty or blank."""
    if text is None:
        return None
    if not text.strip():
        raise InvalidInput(field_name, EMPTY_FILTER_RULE)
    return text


def parse_filter(text: str | None, field_name: str, parse: Callable[[str, str], T]) -> T | None:
    """``parse(text, field_name)``, or None when the filter was left out (None); an empty or
    blank one raises :class:`InvalidInput` (:data:`EMPTY_FILTER_RULE`), never "no filter"."""
    found = given(text, field_name)
    return None if found is None else parse(found, field_name)


@dataclass(frozen=True)
class Period:
    """A closed interval of block timestamps (Unix seconds); None is open."""

    since: int | None = None
    until: int | None = None

    @classmethod
    def parse(cls, since: str | None = None, until: str | None = None) -> Period:
        """From text as the API and the CLI take it (:func:`parse_bounds`: a date alone as
        ``until`` is the whole of that day, UTC). InvalidInput names ``since`` or ``until``."""
        return cls(*parse_bounds(since, until))

    def clause(self, column: Any) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.since is not None:
            found.append(column >= self.since)
        if self.until is not None:
            found.append(column <= self.until)
        return found


def parse_instant_ms(text: str | None, field_name: str, *, upper: bool = False) -> int | None:
    """A time bound as Unix milliseconds, inclusive; None when left out (None).

    ``text`` is ISO 8601 — a date (``2026-01-31``) or a date and time (UTC when it names no
    offset) — or Unix seconds. A lower bound is the first instant it names. An upper bound
    (``upper``) is the last instant it names: a date alone reaches the end of that day
    (``2026-01-31`` → 2026-01-31T23:59:59.999Z), Unix seconds or a time without a fraction the
    end of that second; a time with a fraction is taken as given. Raises InvalidInput naming
    ``field_name`` for an empty value, for Unix seconds past year 9999, or for anything else.
    """
    found = given(text, field_name)
    if found is None:
        return None
    found = found.strip()
    if in_exponent_notation(found):  # Unix seconds in digits alone, as every whole number
        raise InvalidInput(field_name, exponent_rule(found))
    if found.isascii() and found.isdigit():
        if int(found) > MAX_TIME:
            raise InvalidInput(field_name, f"Unix seconds must be at most {MAX_TIME} (year 9999)")
        return int(found) * 1000 + (999 if upper else 0)
    try:
        day = date.fromisoformat(found)
    except ValueError:
        pass
    else:
        start = (datetime.combine(day, time(), UTC) - _EPOCH) // _MS
        return start + _DAY_MS - 1 if upper else start
    not_a_day = no_such_day(found) or no_such_time(found)  # as written, but not in the calendar
    if not_a_day is not None:
        raise InvalidInput(field_name, not_a_day)
    try:
        moment = datetime.fromisoformat(found.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            field_name, "must be ISO 8601 (e.g. 2026-01-31 or 2026-01-31T09:30:00Z) or Unix seconds"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if upper:
        return (moment - _EPOCH) // _MS + (999 if moment.microsecond == 0 else 0)
    return -((_EPOCH - moment) // _MS)  # the first whole millisecond at or after it


def parse_time(text: str | None, field_name: str, *, upper: bool = False) -> int | None:
    """A time bound as Unix seconds, inclusive, for a column of whole seconds (a block's
    time): :func:`parse_instant_ms`, a lower bound rounded up and an upper bound down to the
    second (``upper``: a date alone is up to 23:59:59 of that day, UTC)."""
    ms = parse_instant_ms(text, field_name, upper=upper)
    if ms is None:
        return None
    return ms // 1000 if upper else -(-ms // 1000)


def parse_bounds_ms(
    since: str | None,
    until: str | None,
    since_field: str = "since",
    until_field: str = "until",
) -> tuple[int | None, int | None]:
    """A closed interval in Unix milliseconds from two bounds (:func:`parse_instant_ms`: a date
    alone as ``until`` is the whole of that day, UTC); None is open. Raises InvalidInput naming
    the bound for a bad or empty one, and ``until_field`` when it is before ``since``."""
    start = parse_instant_ms(since, since_field)
    end = parse_instant_ms(until, until_field, upper=True)
    if start is not None and end is not None and start > end:
        raise InvalidInput(until_field, f"must not be before {since_field}")
    return start, end


def parse_bounds(
    since: str | None,
    until: str | None,
    since_field: str = "since",
    until_field: str = "until",
) -> tuple[int | None, int | None]:
    """:func:`parse_bounds_ms` in whole Unix seconds (for block times): the lower bound rounded
    up, the upper bound down (``until=2026-01-31`` → 2026-01-31T23:59:59Z)."""
    start, end = parse_bounds_ms(since, until, since_field, until_field)
    return (
        None if start is None else -(-start // 1000),
        None if end is None else end // 1000,
    )


def catch_up_for_read(index: EventIndex, max_ranges: int = READ_CATCH_UP_RANGES) -> int:
    """Catch ``index`` up to the chain head before a read answers, so a write answered a
    moment ago is in the answer: at most ``max_ranges`` block ranges (a far-behind index is
    left to the follower thread). When the chain does not answer (:class:`ChainUnavailable`)
    the read is served from the index as it stands — its ``indexed_block`` says how far that
    is — rather than failing. Returns the number of events written."""
    try:
        return index.catch_up(max_ranges=max_ranges)
    except ChainUnavailable:
        return 0


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
    """A contract event's name as the ABI spells it (``FinancingRefused``; taken as written:
    ``financingrefused`` is refused), or :class:`InvalidInput` naming ``field_name`` and listing
    them."""
    if text in EVENT_NAMES:
        return text
    raise InvalidInput(field_name, one_of_rule(EVENT_NAMES, text), value=text)


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


# -- who reads ----------------------------------------------------------------------------------

#: the roles given the fingerprints a financing locks, and their holders (docs/privacy.md)
FINGERPRINT_ROLES = ("bank", "regulator", "gateway")
#: the roles that read every member's records (activity, export, the index's proof)
OVERSIGHT = ("regulator", "admin")
#: every member's role
ANY_MEMBER = ("admin", "bank", "enterprise", "regulator", "attestor")
#: who may read each audit view, by role: the one table ``GET /v1/audit/…``
#: (``api/routers/audit.py``) and ``tradeledger audit … --as`` (``ledger/cli_audit.py``) both
#: refuse by — 403 ``forbidden`` / exit 1, in the same words (``require_reader``). What each
#: role reads of a view it may read is the :class:`Viewer`'s business.
READERS: dict[str, tuple[str, ...]] = {
    "timeline": ANY_MEMBER,
    # others than OVERSIGHT their own address only (``own_or_oversight``)
    "activity": ANY_MEMBER,
    "refusals": (*OVERSIGHT, "bank"),
    "duplicates": ("bank", "regulator"),
    "financeable": ("bank", "regulator"),
    # a bank or an enterprise its own book only (``own_or_oversight``)
    "exposure": ("regulator", "bank", "enterprise"),
    "export": OVERSIGHT,
    "verify": OVERSIGHT,
    "fingerprint-checks": ("regulator",),
    "fingerprint-evaluations": ("regulator",),
}


#: what reading each audit view is, in the words a refusal says (``role enterprise may not read
#: duplicate financings (allowed: bank, regulator)``)
READ_ACTIONS: dict[str, str] = {
    "timeline": "read a document's timeline",
    "activity": "read a member's activity",
    "refusals": "read refused financing attempts",
    "duplicates": "read duplicate financings",
    "financeable": "read whether a document is financeable",
    "exposure": "read financing exposure",
    "export": "export the audit events",
    "verify": "verify the audit index against the chain",
    "fingerprint-checks": "read the log of fingerprint checks",
    "fingerprint-evaluations": "read the fingerprint evaluator's log",
}


def require_reader(view: str, role: str) -> None:
    """Refuse (Forbidden, as the API's ``require_role``) a member of ``role`` that may not read
    ``view`` (a key of :data:`READERS`), naming the view's action (:data:`READ_ACTIONS`) and the
    roles that may; the gateway's operator (``gateway``) reads them all."""
    allowed = READERS[view]
    if role != GATEWAY_ROLE and role not in allowed:
        raise role_not_allowed(role, allowed, READ_ACTIONS[view])


def own_or_oversight(role: str, own: str, address: str, view: str) -> None:
    """Refuse (Forbidden) a reader of ``role`` at ``own`` asking for another member's records
    (``address``) in ``view`` (a key of :data:`READERS`) unless it oversees them all
    (:data:`OVERSIGHT`, or the gateway's operator): the refusal names what was asked, what
    ``role`` may, and who reads every member's — the overseers that may read ``view`` at all
    (exposure: the regulator, never the admin, which may not read exposure)."""
    if role in OVERSIGHT or role == GATEWAY_ROLE:
        return
    if parse_address(address).lower() != own.lower():
        raise not_own_records(
            role,
            f"read another member's records ({address})",
            tuple(r for r in OVERSIGHT if r in READERS[view]),
            f"{role} reads its own only",
        )


#: the role of the gateway's operator reading at its own data directory (:data:`GATEWAY`)
GATEWAY_ROLE = "gateway"
#: the refusal reasons that say the document takes no financing at all
_DOCUMENT_REASONS = (
    RefusalReason.DOCUMENT_NOT_REGISTERED.name,
    RefusalReason.DOCUMENT_REVOKED.name,
    RefusalReason.DOCUMENT_SUPERSEDED.name,
)


@dataclass(frozen=True)
class Viewer:
    """Who reads the index, and so what of the financings it is given (``docs/privacy.md``).

    ``role`` is the member's role name (``regulator``, ``bank``, ``enterprise``, ``attestor``,
    ``admin``), or ``gateway`` (:data:`GATEWAY`, ``address`` None): the gateway's operator at its
    own data directory, who holds every key there and reads all that they open.

    A financing's terms are given in full to a reader the table allows whose key opened them:
    the regulator (every financing its key opens), the financing bank (its own), an enterprise
    (every financing its key opens: sealed to it as a registrant shown to be the seller, or
    shared with it by the bank). Everyone else gets the public part: id, bank,
    status, time, fingerprint count. Fingerprints and their holders go to banks and regulators
    only. A refused attempt is read in full by the regulator and by the refused bank; an admin
    sees only that a refusal happened (and which bank sent it, as the chain shows)."""

    address: str | None
    role: str

    @classmethod
    def of(cls, address: str, role: str) -> Viewer:
        return cls(parse_address(address), role.lower())

    @property
    def key(self) -> str:
        return (self.address or "").lower()

    @property
    def sees_fingerprints(self) -> bool:
        return self.role in FINGERPRINT_ROLES

    @property
    def reading_role(self) -> str:
        """The role that decides what it reads ("" for a member without an address)."""
        return self.role if self.address or self.role == "gateway" else ""


#: the gateway itself: everything the keys at this data directory open
GATEWAY = Viewer(None, "gateway")


#: the tables as the readability conditions name them inside a correlated EXISTS (made once:
#: an alias adapts its columns on first use, which would cost more than the query)
_FINANCING = aliased(FinancingRow, name="readable_financing")
_PLEDGE = aliased(PledgeRow, name="readable_pledge")
_DOCUMENT = aliased(DocumentRow, name="readable_document")


def _readable(
    role: str, column: Any, key: str | None = None, address: str | None = None
) -> ColumnElement[bool]:
    """``column`` (a financing id) names a financing a reader of ``role`` reads in full (see
    :class:`Viewer`): its key opened it (``readers``) and the table allows it. ``key`` (the
    reader's lower-case address) and ``address`` are bound parameters ``viewer_key`` and
    ``viewer_address``; left None, they are given when the statement is executed (a statement
    built once and kept, :func:`_financeable_statements`)."""
    f = _FINANCING
    if role == "gateway":
        return exists().where(f.financing_id == column, f.opened.is_(True))
    if role not in ("regulator", "bank", "enterprise"):
        return false()
    viewer_key = bindparam("viewer_key", key, type_=String)
    viewer_address = bindparam("viewer_address", address, type_=String)
    reader = exists().where(
        ReaderRow.kind == "fin",
        ReaderRow.ref == cast(column, String(80)),
        ReaderRow.reader == viewer_key,
    )
    if role == "bank":
        return and_(reader, exists().where(f.financing_id == column, f.bank == viewer_address))
    # an enterprise: every financing its key opened — sealed to it as the registrant shown to
    # be the seller, or shared with it by the bank; it read only those of documents it
    # registered, so a financing a bank shared with the seller of a copy the bank lodged was
    # readable at GET /v1/financings and missing from its exposure (a tryout)
    return reader


#: the most look-ups an :class:`Access` keeps before it forgets them all
_CACHE_SIZE = 4096


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) >= _CACHE_SIZE:
        cache.clear()
    cache[key] = value


class Access:
    """What one :class:`Viewer` reads of the index's confidential rows, as SQL conditions
    (correlated ``EXISTS`` on the ``readers`` primary key: a handful of index look-ups per row,
    whatever the size of the index) and cached look-ups (one :class:`Access` per query)."""

    def __init__(self, session: Session, viewer: Viewer) -> None:
        self.session = session
        self.viewer = viewer
        # bounded (see _remember): an export streams a million events in constant memory
        self._financings: dict[int, bool] = {}
        self._refusals: dict[str, bool] = {}
        self._terms: dict[int, dict[str, Any] | None] = {}

    # -- financings

    def readable(self, column: Any) -> ColumnElement[bool]:
        """``column`` (a financing id) names a financing the viewer reads in full."""
        v = self.viewer
        return _readable(v.reading_role, column, v.key, v.address)

    def reads(self, financing_id: int | None) -> bool:
        if financing_id is None:
            return False
        financing_id = int(financing_id)
        if financing_id not in self._financings:
            found = self.session.scalar(
                select(FinancingRow.financing_id).where(
                    FinancingRow.financing_id == financing_id,
                    self.readable(FinancingRow.financing_id),
                )
            )
            _remember(self._financings, financing_id, found is not None)
        return self._financings[financing_id]

    # -- refusals

    def refusals_listed(self) -> list[ColumnElement[bool]]:
        """Which refusals the viewer is shown at all: all (regulator, admin: only that they
        happened), a bank its own, nobody else any."""
        role = self.viewer.role
        if role in ("gateway", "regulator", "admin"):
            return []
        if role == "bank":
            return [RefusalRow.bank == self.viewer.address]
        return [false()]

    def refusals_read(self) -> ColumnElement[bool]:
        """Which refusals the viewer reads in full (what was asked, and why)."""
        v = self.viewer
        if v.role == "gateway":
            return RefusalRow.opened.is_(True)
        if v.role not in ("regulator", "bank") or not v.address:
            return false()
        found = exists().where(
            ReaderRow.kind == "ref", ReaderRow.ref == RefusalRow.ref, ReaderRow.reader == v.key
        )
        if v.role == "bank":
            return and_(found, RefusalRow.bank == v.address)
        return found

    def reads_refusal(self, row: RefusalRow) -> bool:
        if row.ref not in self._refusals:
            found = self.session.scalar(
                select(RefusalRow.ref).where(RefusalRow.ref == row.ref, self.refusals_read())
            )
            _remember(self._refusals, row.ref, found is not None)
        return self._refusals[row.ref]

    # -- clear payloads

    def terms(self, financing_id: int) -> dict[str, Any] | None:
        """The terms of ``financing_id`` in the shape of its sealed payload, when the viewer
        reads them (else None)."""
        if not self.reads(financing_id):
            return None
        if financing_id not in self._terms:
            _remember(self._terms, financing_id, self._load_terms(financing_id))
        return self._terms[financing_id]

    def _load_terms(self, financing_id: int) -> dict[str, Any] | None:
        f = self.session.get(FinancingRow, financing_id)
        if f is None or not f.opened:
            return None
        pledges = self.session.scalars(
            select(PledgeRow)
            .where(PledgeRow.financing_id == financing_id)
            .order_by(PledgeRow.doc_hash)
        ).all()
        kind = FinancingKind(f.kind).name if f.kind in {int(k) for k in FinancingKind} else None
        return {
            "kind": kind,
            "currency": f.currency,
            "amount": f.amount,
            "maturity": f.maturity,
            "reference": f.reference,
            "suspicions": json.loads(f.acknowledged_suspicions)
            if f.acknowledged_suspicions
            else [],
            "drawn": f.drawn,
            "repaid": f.repaid,
            "documents": [
                {
                    "doc_hash": p.doc_hash,
                    "amount": p.amount,
                    "face_value": p.face_value,
                    "registrant": p.registrant,
                }
                for p in pledges
            ],
        }

    def bank_read(self, financing_id: int) -> str | None:
        """The bank of ``financing_id`` when the viewer reads its terms (its registration names
        it to them: so may its entries, close and cancel), else None."""
        if self.terms(financing_id) is None:
            return None
        f = self.session.get(FinancingRow, financing_id)
        return str(f.bank) if f is not None else None

    def currency(self, financing_id: int) -> str | None:
        terms = self.terms(financing_id)
        return str(terms["currency"]) if terms and terms.get("currency") else None

    def clear(self, event: str, args: Mapping[str, Any], block: int, log: int) -> Any:
        """The clear payload of a financing event for :func:`ledger.eventwords.decode_event`
        (under ``CLEAR_KEY``), when the viewer reads it; else None."""
        if event == "FinancingRegistered":
            return self.terms(int(args["financingId"]))
        if event in ("FinancingClosed", "FinancingCancelled"):
            bank = self.bank_read(int(args["financingId"]))
            return {"bank": bank} if bank else None
        if event == "FinancingEntryRecorded":
            financing_id = int(args["financingId"])
            terms = self.terms(financing_id)
            entry = self.session.get(EntryRow, (block, log))
            if terms is None or entry is None or entry.amount is None:
                return None
            return {
                "bank": self.bank_read(financing_id),
                "type": entry.entry_type,
                "amount": entry.amount,
                "total_drawn": entry.total_drawn,
                "total_repaid": entry.total_repaid,
                "currency": terms["currency"],
            }
        if event == "FinancingRefused":
            row = self.session.get(RefusalRow, (block, log))
            if row is None or not self.reads_refusal(row):
                return None
            return {
                "currency": row.currency,
                "amount": row.requested_amount,
                "reference": row.reference,
                "refusal": {
                    "reason": RefusalReason(row.reason).name if row.reason else None,
                    "doc_hash": row.doc_hash,
                    "conflicting_financing_id": row.conflicting_financing_id,
                    "fingerprint": row.fingerprint,
                },
            }
        return None

    def shown_args(self, args: dict[str, Any]) -> dict[str, Any]:
        """The raw arguments as the viewer is given them: without the fingerprints a financing
        locks, and the marks it carries, unless the viewer sees fingerprints."""
        if self.viewer.sees_fingerprints or not {"fingerprints", "marks"} & set(args):
            return args
        return {k: v for k, v in args.items() if k not in ("fingerprints", "marks")}

    def decode(self, event: str, args: dict[str, Any], block: int, log: int, names: Names) -> Any:
        decoding: dict[str, Any] = dict(args)
        clear = self.clear(event, args, block, log)
        if clear is not None:
            decoding[CLEAR_KEY] = clear
        if not self.viewer.sees_fingerprints:
            decoding[HIDE_FINGERPRINTS] = True
        return decode_event(event, decoding, names)


# -- names ------------------------------------------------------------------------------------


class IndexNames:
    """:class:`ledger.words.Names` read from the index: members' names (also under the
    addresses they rotated away from) and financings' currencies — those the reader may read
    (``access``; without it, none), cached per query."""

    def __init__(self, session: Session, access: Access | None = None) -> None:
        self.session = session
        self.access = access
        self._members: dict[str, str] | None = None

    def _load_members(self) -> dict[str, str]:
        found = {
            a.lower(): n for a, n in self.session.execute(select(MemberRow.address, MemberRow.name))
        }
        by_id = dict(self.session.execute(select(MemberRow.member_id, MemberRow.name)).all())
        for moved in key_rotations(self.session):
            name = by_id.get(int(moved["memberId"]))
            if name:
                found.setdefault(str(moved["oldAccount"]).lower(), name)
        return found

    def member(self, address: str) -> str | None:
        if self._members is None:
            self._members = self._load_members()
        return self._members.get(str(address).lower()) or None

    def financing_currency(self, financing_id: int) -> str | None:
        return self.access.currency(financing_id) if self.access is not None else None


# -- outputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventRecord:
    """One event, with everything needed to find it on chain (``block_number``, ``log_index``,
    ``tx_hash``, ``block_hash``; ``args`` exactly as the chain gives them: enum numbers, ``0x``
    hex bytes — a financing's terms as its envelope —, Unix seconds, minor units; the
    fingerprints a financing locks only to banks and regulators) and the same decoded for
    people: ``block_time`` in ISO 8601 UTC, ``fields`` (names, codes, major units with
    ``currency``, members' names beside addresses, and a financing's clear terms when the
    reader may read them; :mod:`ledger.eventwords`) and ``summary``, one sentence."""

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
    def of(cls, row: EventRow, names: Names, access: Access) -> EventRecord:
        args = json.loads(row.args)
        decoded = access.decode(row.event, args, row.block_number, row.log_index, names)
        return cls(
            block_number=row.block_number,
            log_index=row.log_index,
            tx_hash=row.tx_hash,
            block_hash=row.block_hash,
            block_time=iso(row.block_time),
            event=row.event,
            args=access.shown_args(args),
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
    """A refused financing attempt. ``bank`` (the refused bank, with its name), where and when
    are public; the rest is in the attempt's envelope and given only to a reader allowed to
    read it (the regulator, the refused bank): otherwise ``confidential`` is true and those
    fields are None.

    For a reader: the document (``doc_hash``), the ``reason`` (a ``RefusalReason`` name), the
    financing in the way (``conflicting_financing_id``, 0 when none; its bank
    ``conflicting_bank``, public) and the ``fingerprint`` held; the bank's ``reference``; what
    it asked for this document (``requested_amount`` in minor units of ``requested_currency``)
    and the face value its gateway read from its file (``stated_face_value``).

    The numbers, in minor units of ``currency``, are replayed from the financings the reader
    reads as they stood at the refusal: the ``face_value`` they recorded for the document
    concerned (for ``FINGERPRINT_PLEDGED``, the document that holds the fingerprint,
    ``holding_doc_hash``, when the reader reads that financing), what they held against it
    (``already_financed``), the financings holding it (``holders``: ``financing_id``, ``bank``,
    ``bank_name``, ``amount``) and ``headroom``: 0 while a financing held one of the invoice's
    fingerprints (the chain refuses any amount) or when the document was not active, else
    ``face_value - already_financed``. ``commitment_holds``: the envelope opened to the
    commitment on chain. ``summary`` says it all in one sentence."""

    block_number: int
    log_index: int
    tx_hash: str
    block_time: str
    bank: str
    bank_name: str | None
    confidential: bool
    terms_commitment: str
    commitment_holds: bool | None
    doc_hash: str | None
    reason: str | None
    conflicting_financing_id: int | None
    conflicting_bank: str | None
    conflicting_bank_name: str | None
    fingerprint: str | None
    reference: str | None
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
    """A financing that locked the fingerprint; ``doc_hash`` only when the reader reads it."""

    financing_id: int
    bank: str
    bank_name: str | None
    doc_hash: str | None
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
    ``outstanding`` (drawn - repaid) over ``financings`` active financings the reader reads.
    Per enterprise, ``attributed_by`` lists how its documents' borrower was found
    (:data:`ATTRIBUTIONS`); per bank it is None.

    Apart from those, the money still out on financings no longer active, which a cancel (at
    any time, docs/rules.md) or a close by a bank signing around its gateway leaves out of
    ``outstanding``: ``outstanding_after_cancel`` — drawn - repaid (minor units of
    ``currency``) summed over the reader's readable CANCELLED financings whose drawn exceeds
    their repaid — and ``outstanding_after_close`` the same over CLOSED ones (a breach of the
    rules, ``CLOSED_NOT_REPAID`` in ``audit verify``); ``released_with_outstanding`` lists
    those financings' ids, ascending. 0, 0 and [] when there is none. A row may hold only
    these (``financings`` 0).

    Per enterprise, ``seller_shown`` says whether the member is shown to be the seller of
    every document of the row (:attr:`Borrower.seller_shown`: its legal id on chain is one of
    the seller's identifiers in a lodged file the reader may read): False when it is named by
    ``registrant`` or ``same_invoice`` for a document where nothing shows it (nor contradicts
    it); None per bank, and for a seller no member is known for."""

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
    outstanding_after_cancel: int = 0
    outstanding_after_close: int = 0
    released_with_outstanding: list[int] = field(default_factory=list)
    seller_shown: bool | None = None


#: the statuses of a financing no longer active whose money may still be out
_RELEASED = (int(FinancingStatus.CANCELLED), int(FinancingStatus.CLOSED))


def _released_outstanding() -> ColumnElement[bool]:
    """A CANCELLED or CLOSED financing whose drawn amount exceeds its repaid amount."""
    return and_(
        FinancingRow.status.in_(_RELEASED),
        func.coalesce(FinancingRow.drawn, 0) > func.coalesce(FinancingRow.repaid, 0),
    )


@dataclass(frozen=True)
class Match:
    """An active financing that locks a fingerprint (or pledges the document) asked about;
    ``doc_hash`` and ``amount`` only when the reader reads that financing."""

    financing_id: int
    bank: str
    doc_hash: str | None
    fingerprint: str | None
    amount: int | None
    block_number: int
    tx_hash: str


@dataclass
class Financeability:
    """Whether a document can be financed now, as the index (the chain's copy) sees it.

    ``status`` and ``registrant`` are the registration's (public). ``face_value`` (minor units of
    ``currency``) is the one the financings the caller reads recorded for it (``face_value_source``
    ``financings``), else the caller's own lodged file of that hash (``facts``, EN 16931 BT-115; a
    regulator's: any copy lodged here), else None. ``financed_amount`` (minor units of ``currency``)
    is what the active financings the caller reads hold on it (0: none holds it) — None when it is
    not known to the caller: a match's amount is unreadable to it (another bank's financing locks
    one of the fingerprints: a confidential amount, not 0), or the document's own fingerprints are
    not known to it (``financeable`` None, or a revoked or superseded document it knows by its
    hash alone: another bank's confidential financing may hold it), or no document was asked
    about (fingerprints alone). ``fingerprints`` are the ones checked: those
    given, those the caller's financings pledged for this hash, and those of the caller's lodged
    file of this hash (a regulator's: of any copy lodged here). ``matches`` are the active
    financings that pledge the document (readable to the caller) or lock any of those fingerprints
    (public locks: their document and amount only when readable). ``financeable`` is false when
    ``reasons`` (named like the contract's ``RefusalReason``) is not empty; ``headroom`` is what can
    actually be financed now: 0 when not financeable, else ``face_value - financed_amount``; None
    when the face value is not known. ``financeable`` is None — unknown, never a guess — when
    nothing but the document hash could be checked and it gave no reason: no fingerprint was given,
    and neither a financing the caller reads nor the caller's lodged file of that hash names one, so
    a copy of the document held under another hash (another bank's financing) cannot be ruled out;
    ``unknown_reason`` then says so in words. ``status`` is the registration's (``active``,
    ``revoked``, ``superseded``; None when not registered).

    ``net_amount_due`` is the amount due of the caller's lodged file of this hash net of the
    credit notes lodged at this gateway (minor units; None without such a file or a way to
    count them): what a financing may be for at most (``financing.create`` refuses more). When
    it is zero or negative — a negative or zero amount due (EN 16931 BT-115), or credit notes
    that cancel it — the reason is ``NOTHING_DUE`` (the gateway's own: the contract knows no
    credit notes) and ``nothing_due`` says why in words; otherwise the headroom is counted
    from it when it is below the face value."""

    doc_hash: str | None
    registered: bool | None
    status: str | None
    registrant: str | None
    face_value: int | None
    financed_amount: int | None
    financeable: bool | None
    currency: str | None = None
    face_value_source: Literal["financings", "facts"] | None = None
    headroom: int | None = None
    fingerprints: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    indexed_block: int = 0
    unknown_reason: str | None = None
    net_amount_due: int | None = None
    nothing_due: str | None = None

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
    one of :data:`ATTRIBUTIONS`. ``seller_shown`` is True when the member is shown to be the
    document's seller (its legal id on chain is one of the seller's identifiers of
    :data:`SELLER_PROOF_SCHEMES` in a lodged file the reader may read), False when it is named
    only because nothing shows it not to be (``registrant`` or ``same_invoice`` without such a
    file, or without a legal id to compare), None when no member is named."""

    member: str | None
    member_name: str | None
    attributed_by: str
    seller_name: str | None = None
    seller_id: str | None = None
    seller_shown: bool | None = None

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


def _lodged_by(viewer: Viewer) -> str | None:
    """Whose lodged files a query may read: all of this gateway's for the gateway and the
    regulator, else the viewer's own."""
    return None if viewer.role in ("gateway", "regulator") else viewer.address


def _seller_proof(files: Sequence[ReceivedDocument]) -> list[str]:
    """The hashes (``0x…``, as ``MemberRow.legal_id_hash``) of the seller's identifiers in
    ``files`` that can show a member to be the seller — only ``sellers.SELLER_PROOF_SCHEMES``
    (:func:`ledger.services.sellers.seller_legal_id_hashes`, the one definition) — in the order
    the files name them, without repeats."""
    found: list[str] = []
    for f in files:
        if not f.facts_json:
            continue
        facts = DocumentFacts.from_dict(json.loads(f.facts_json))
        for hashed in seller_legal_id_hashes(facts):
            key = "0x" + hashed.hex()
            if key not in found:
                found.append(key)
    return found


def _shown_not_seller(legal: str | None, proof: Sequence[str], shown: Sequence[str]) -> bool:
    """Whether a member whose legal id on chain hashes to ``legal`` (``0x…``; None: it has
    none) is shown NOT to be the seller of a document whose lodged file names the seller
    identifiers hashed as ``proof`` (:func:`_seller_proof`): the file names some, ``legal`` is
    none of them, and either the member has a legal id (another company's) or another
    enterprise is shown to be the seller (``shown``: the enterprises whose legal id is one of
    ``proof``). Nothing contradicts a member when no file is lodged, or when the file names no
    identifier of those schemes: then it is not shown either way."""
    if not proof or (legal is not None and legal in proof):
        return False
    return legal is not None or bool(shown)


def borrowers(
    session: Session,
    doc_hashes: Sequence[str],
    lodged: LodgedFiles | None = None,
    access: Access | None = None,
) -> dict[str, Borrower]:
    """The borrower of each pledged document in ``doc_hashes``, decided from what the ledger
    knows — and the reader may read (``access``; default: the gateway's view) — in this order
    (docs/audit.md, "Exposure by enterprise"):

    1. ``registrant`` — the member that registered the hash, when it is an ENTERPRISE (a bank's
       gateway registers a hash the chain does not know before financing it: that bank is never
       the borrower) and no file of that hash lodged at this gateway that the reader may read
       shows it NOT to be the seller (:func:`_shown_not_seller`: the file names seller
       identifiers of :data:`SELLER_PROOF_SCHEMES`, and its legal id is another company's or
       another enterprise's legal id is one of them). A registrant is not the issuer: any
       member may register a file it holds (a buyer, anyone with a copy);
    2. ``seller_legal_id`` — the ENTERPRISE whose legal id (stored hashed on chain) is one of the
       seller's identifiers of :data:`SELLER_PROOF_SCHEMES` (a VAT id with its country prefix,
       an LEI, ``<ICD>:<id>``: as ``ledger.services.sellers`` shows a seller) in a file of that
       hash lodged at this gateway; the first such identifier the file names;
    3. ``same_invoice`` — the ENTERPRISE that registered another hash carrying one of this
       document's fingerprints (pledged by a financing the reader reads, or of a file of this
       hash lodged here): the same invoice in another format; the earliest such registration
       whose registrant is not shown NOT to be the seller by the lodged files of either hash;
    4. ``seller_facts`` — no member known: the seller as the lodged file names it (``member``
       None, ``seller_name``, ``seller_id``);
    5. ``unattributed`` — nothing known (``member`` None).

    ``registrant`` and ``same_invoice`` name a member that is not contradicted, which is not
    the same as shown to be the seller: :attr:`Borrower.seller_shown` says which.
    """
    access = access or Access(session, GATEWAY)
    by = _lodged_by(access.viewer)
    docs = sorted(set(doc_hashes))
    if not docs:
        return {}
    enterprise = int(Role.ENTERPRISE)
    members = session.execute(
        select(MemberRow.address, MemberRow.name, MemberRow.legal_id_hash).where(
            MemberRow.role == enterprise
        )
    ).all()
    zero = "0x" + "00" * 32
    enterprises = {
        str(a).lower(): (
            str(a),
            n or None,
            str(h).lower() if h and str(h).lower() != zero else None,
        )
        for a, n, h in members
    }
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

    def verdict(member: str, proof: Sequence[str]) -> bool | None:
        """None: an enterprise shown NOT to be the seller (or no enterprise); else whether it
        is shown to be it."""
        if member.lower() not in enterprises:
            return None
        legal = enterprises[member.lower()][2]
        shown = [h for h in proof if h in by_legal_id and h != legal]
        if _shown_not_seller(legal, proof, shown):
            return None
        return legal is not None and legal in proof

    # an enterprise reading its own: a copy lodged here may show it to be the seller
    viewer = enterprises.get((access.viewer.address or "").lower())
    found: dict[str, Borrower] = {}
    lodged_of: dict[str, tuple[list[ReceivedDocument], list[str]]] = {}
    pending: list[str] = []
    for doc in docs:
        files = lodged.received(doc, by) if lodged is not None else []
        proof = _seller_proof(files)
        lodged_of[doc] = (files, proof)
        registrant = registered.get(doc, ("", 0))[0]
        seller_shown = verdict(registrant, proof)
        if seller_shown is not None:
            address, name, _ = enterprises[registrant.lower()]
            found[doc] = Borrower(address, name, "registrant", seller_shown=seller_shown)
            continue
        for hashed in proof:
            hit = by_legal_id.get(hashed)
            if hit is not None:
                found[doc] = Borrower(hit[0], hit[1], "seller_legal_id", seller_shown=True)
                break
        if (
            doc not in found
            and viewer is not None
            and access.viewer.role == "enterprise"
            and _shown_seller_here(viewer[2], doc, lodged)
        ):
            found[doc] = Borrower(viewer[0], viewer[1], "seller_legal_id", seller_shown=True)
        if doc not in found:
            pending.append(doc)
    if not pending:
        return found
    pledged: dict[str, set[str]] = {}
    for pledged_doc, fingerprint in session.execute(
        select(PledgeFingerprintRow.doc_hash, PledgeFingerprintRow.fingerprint).where(
            PledgeFingerprintRow.doc_hash.in_(pending),
            access.readable(PledgeFingerprintRow.financing_id),
        )
    ):
        pledged.setdefault(str(pledged_doc), set()).add(fingerprint)
    for doc in pending:
        files, proof = lodged_of[doc]
        fingerprints = set(pledged.get(doc, set()))
        fingerprints |= {value for f in files for _, value in f.fingerprints}
        same = _same_invoice_registrants(session, doc, sorted(fingerprints), lodged, access)
        for other, registrant, _ in sorted(same, key=lambda s: (s[2], s[0])):
            if registrant.lower() not in enterprises:
                continue
            theirs = lodged.received(other, by) if lodged is not None else []
            seller_shown = verdict(registrant, [*proof, *_seller_proof(theirs)])
            if seller_shown is not None:
                address, name, _ = enterprises[registrant.lower()]
                found[doc] = Borrower(address, name, "same_invoice", seller_shown=seller_shown)
                break
        if doc in found:
            continue
        seller_name, seller_ids = _seller(files)
        if seller_name or seller_ids:
            scheme_value = f"{seller_ids[0][0]}:{seller_ids[0][1]}" if seller_ids else None
            found[doc] = Borrower(None, None, "seller_facts", seller_name, scheme_value)
        else:
            found[doc] = Borrower(None, None, "unattributed")
    return found


def _shown_seller_here(legal: str | None, doc: str, lodged: LodgedFiles | None) -> bool:
    """Whether an ENTERPRISE viewer whose legal id hashes to ``legal`` (``0x…``; None: it has
    none) is shown to be the seller of ``doc`` by any copy of it lodged at this gateway —
    whoever lodged it. Asked only for a document of a financing the viewer reads (sealed or
    shared to it), and the copies are only compared with its own legal id: it learns no more
    than that it is the seller of a document whose financing it reads (a tryout: the seller
    read a financing its bank shared with it, of the invoice's CII copy that bank lodged, and
    its own exposure was empty while the regulator's named it)."""
    if legal is None or lodged is None:
        return False
    return legal in _seller_proof(lodged.received(doc, None))


def _same_invoice_registrants(
    session: Session,
    doc: str,
    fingerprints: list[str],
    lodged: LodgedFiles | None,
    access: Access,
) -> list[tuple[str, str, int]]:
    """(document hash, registrant, registration block) of the other registered hashes that
    carry one of ``fingerprints``: pledged with it by a financing the reader reads, or a file
    lodged here with it."""
    if not fingerprints:
        return []
    others = {
        str(d)
        for d in session.scalars(
            select(PledgeFingerprintRow.doc_hash).where(
                PledgeFingerprintRow.fingerprint.in_(fingerprints),
                PledgeFingerprintRow.doc_hash.is_not(None),
                access.readable(PledgeFingerprintRow.financing_id),
            )
        )
    }
    if lodged is not None:
        others |= {
            f.doc_hash
            for f in lodged.received_with_fingerprints(fingerprints, _lodged_by(access.viewer))
        }
    others.discard(doc)
    if not others:
        return []
    return [
        (str(d), str(r), int(b))
        for d, r, b in session.execute(
            select(
                DocumentRow.doc_hash, DocumentRow.registrant, DocumentRow.registered_block
            ).where(DocumentRow.doc_hash.in_(sorted(others)))
        )
    ]


# -- queries ----------------------------------------------------------------------------------


def indexed_block(session: Session) -> int:
    cursor = session.get(CursorRow, 1)
    return cursor.last_block if cursor is not None else -1


def _event_page(
    session: Session,
    access: Access,
    conditions: Sequence[ColumnElement[bool]],
    keys: Sequence[tuple[int, int]],
    period: Period,
    after: str | None,
    limit: int,
) -> Page:
    """One page of the events named by refs matching ``conditions`` and of those at ``keys``
    (block, log index), in chain order, decoded for ``access``'s viewer."""
    limit = _limit(limit)
    position = _event_cursor(after)
    rows: list[EventRow] = []
    if conditions:
        by_ref = (
            select(EventRefRow.block_number, EventRefRow.log_index)
            .join(
                EventRow,
                and_(
                    EventRow.block_number == EventRefRow.block_number,
                    EventRow.log_index == EventRefRow.log_index,
                ),
            )
            .where(or_(*conditions), *period.clause(EventRow.block_time))
            .where(*_after(EventRefRow.block_number, EventRefRow.log_index, position))
            .distinct()
            .order_by(EventRefRow.block_number, EventRefRow.log_index)
            .limit(limit + 1)
        ).subquery()
        rows += session.scalars(
            select(EventRow).join(
                by_ref,
                and_(
                    EventRow.block_number == by_ref.c.block_number,
                    EventRow.log_index == by_ref.c.log_index,
                ),
            )
        )
    if keys:
        rows += session.scalars(
            select(EventRow)
            .where(
                or_(*(and_(EventRow.block_number == b, EventRow.log_index == g) for b, g in keys))
            )
            .where(*period.clause(EventRow.block_time))
            .where(*_after(EventRow.block_number, EventRow.log_index, position))
        )
    unique = {(r.block_number, r.log_index): r for r in rows}
    ordered = [unique[k] for k in sorted(unique)]
    more = len(ordered) > limit
    ordered = ordered[:limit]
    cursor = f"{ordered[-1].block_number}-{ordered[-1].log_index}" if more and ordered else None
    names = IndexNames(session, access)
    return Page([EventRecord.of(r, names, access) for r in ordered], cursor, indexed_block(session))


def _ref(kind: str, refs: Sequence[str]) -> ColumnElement[bool]:
    return and_(EventRefRow.kind == kind, EventRefRow.ref.in_(list(refs)))


def timeline(
    index: EventIndex,
    doc_hash: str,
    period: Period = Period(),
    after: str | None = None,
    limit: int = DEFAULT_LIMIT,
    viewer: Viewer = GATEWAY,
) -> Page:
    """A document's history as ``viewer`` may read it: its registration, attestations,
    revocation and supersession (public), every event of the financings that pledge it and
    the viewer reads (registration, entries, shared keys, close, cancel), and the refusals
    naming it or caused by those financings that the viewer reads."""
    doc = parse_hash(doc_hash, "doc_hash")
    with index.sessions() as session:
        access = Access(session, viewer)
        financings = sorted(
            {
                int(f)
                for f in session.scalars(
                    select(PledgeRow.financing_id).where(
                        PledgeRow.doc_hash == doc, access.readable(PledgeRow.financing_id)
                    )
                )
            }
        )
        conditions = [_ref("doc", [doc])]
        if financings:
            conditions.append(_ref("fin", [str(f) for f in financings]))
        naming = [RefusalRow.doc_hash == doc]
        if financings:
            naming.append(RefusalRow.conflicting_financing_id.in_(financings))
        refused = [
            (int(b), int(g))
            for b, g in session.execute(
                select(RefusalRow.block_number, RefusalRow.log_index).where(
                    or_(*naming), access.refusals_read(), *access.refusals_listed()
                )
            )
        ]
        return _event_page(session, access, conditions, refused, period, after, limit)


def member_activity(
    index: EventIndex,
    address: str,
    period: Period = Period(),
    after: str | None = None,
    limit: int = DEFAULT_LIMIT,
    viewer: Viewer = GATEWAY,
) -> Page:
    """Every event a member did or is named in (by address, under each key it held:
    :func:`member_addresses`; financing events count for the financing's bank) — public on
    chain — decoded as ``viewer`` may read them."""
    member = parse_address(address)
    with index.sessions() as session:
        access = Access(session, viewer)
        addresses = member_addresses(session, member)
        return _event_page(session, access, [_ref("mem", addresses)], [], period, after, limit)


def key_rotations(session: Session) -> list[dict[str, Any]]:
    """Every indexed ``MemberKeyRotated`` event's arguments (``memberId``, ``oldAccount``,
    ``newAccount``), the latest first (a retired address may be a member's again and be
    rotated away from again: :func:`rotated_away` then names the last member that did)."""
    found = session.scalars(
        select(EventRow.args)
        .where(EventRow.event == "MemberKeyRotated")
        .order_by(EventRow.block_number.desc(), EventRow.log_index.desc())
    )
    return [json.loads(a) for a in found]


def rotated_away(moves: Iterable[dict[str, Any]], address: str) -> int | None:
    """The member id that rotated its key away from ``address`` (any case), by ``moves``
    (:func:`key_rotations`); None when no member did."""
    wanted = address.lower()
    return next((int(m["memberId"]) for m in moves if str(m["oldAccount"]).lower() == wanted), None)


def member_addresses(session: Session, address: str) -> list[str]:
    """Every address (lower-case) the member at ``address`` — its current one, or one it
    rotated away from — signed with (``MemberKeyRotated``): what it did under an earlier key is
    its activity too. Just ``address`` when no member had it."""
    wanted = address.lower()
    moves = key_rotations(session)
    found = session.scalar(select(MemberRow.member_id).where(MemberRow.address == address))
    member_id = int(found) if found is not None else rotated_away(moves, wanted)
    if member_id is None:
        return [wanted]
    out = {wanted}
    for m in moves:
        if int(m["memberId"]) == member_id:
            out |= {str(m["oldAccount"]).lower(), str(m["newAccount"]).lower()}
    return sorted(out)


def _refusal_rows(
    session: Session,
    access: Access,
    conditions: Sequence[ColumnElement[bool]],
    after: str | None,
    limit: int,
) -> Page:
    limit = _limit(limit)
    query = (
        select(RefusalRow)
        .where(*conditions)
        .where(*_after(RefusalRow.block_number, RefusalRow.log_index, _event_cursor(after)))
        .order_by(RefusalRow.block_number, RefusalRow.log_index)
        .limit(limit + 1)
    )
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    readable = [r for r in rows if access.reads_refusal(r)]
    history = _PledgeHistory.of(session, readable, access)
    conflicting_ids = sorted({int(r.conflicting_financing_id or 0) for r in readable} - {0})
    banks = (
        dict(
            session.execute(
                select(FinancingRow.financing_id, FinancingRow.bank).where(
                    FinancingRow.financing_id.in_(conflicting_ids)
                )
            ).all()
        )
        if conflicting_ids
        else {}
    )
    refused_docs = sorted({str(r.doc_hash) for r in readable if r.doc_hash})
    doc_types: dict[str, int] = (
        {
            str(h): int(t)
            for h, t in session.execute(
                select(DocumentRow.doc_hash, DocumentRow.doc_type).where(
                    DocumentRow.doc_hash.in_(refused_docs)
                )
            ).all()
        }
        if refused_docs
        else {}
    )
    names = IndexNames(session, access)
    items = [
        _refusal(
            history,
            names,
            r,
            banks.get(r.conflicting_financing_id or 0),
            doc_types.get(str(r.doc_hash or "")),
        )
        if access.reads_refusal(r)
        else _confidential_refusal(names, r)
        for r in rows
    ]
    last = rows[-1] if rows else None
    cursor = f"{last.block_number}-{last.log_index}" if more and last is not None else None
    return Page(items, cursor, indexed_block(session))


@dataclass
class _PledgeHistory:
    """What a page of refusals needs to replay "who held this document then", from the
    financings the reader reads, in a fixed number of queries whatever the page's size: their
    pledges of the documents concerned, their close/cancel events, their bank and currency."""

    #: (fingerprint, financing id) → the document that financing pledged with that fingerprint
    holding: dict[tuple[str, int], str]
    #: document → [(block, log, financing id, amount, face value)] in chain order
    pledges: dict[str, list[tuple[int, int, int, int, int]]]
    #: financing id → (block, log) of its close or cancel
    released: dict[int, tuple[int, int]]
    #: financing id → (bank, currency)
    financings: dict[int, tuple[str, str]]

    @classmethod
    def of(cls, session: Session, rows: Sequence[RefusalRow], access: Access) -> _PledgeHistory:
        asked = {
            (r.fingerprint, int(r.conflicting_financing_id))
            for r in rows
            if r.fingerprint and r.conflicting_financing_id
        }
        holding: dict[tuple[str, int], str] = {}
        if asked:
            found = session.execute(
                select(
                    PledgeFingerprintRow.fingerprint,
                    PledgeFingerprintRow.financing_id,
                    PledgeFingerprintRow.doc_hash,
                ).where(
                    PledgeFingerprintRow.fingerprint.in_(sorted({fp for fp, _ in asked})),
                    PledgeFingerprintRow.doc_hash.is_not(None),
                    access.readable(PledgeFingerprintRow.financing_id),
                )
            )
            holding = {
                (fp, int(fid)): str(doc) for fp, fid, doc in found if (fp, int(fid)) in asked
            }
        docs = {str(r.doc_hash) for r in rows if r.doc_hash} | set(holding.values())
        pledges: dict[str, list[tuple[int, int, int, int, int]]] = {}
        financings: dict[int, tuple[str, str]] = {}
        if docs:
            pledged = session.execute(
                select(
                    PledgeRow.doc_hash,
                    PledgeRow.block_number,
                    FinancingRow.registered_log,
                    PledgeRow.financing_id,
                    PledgeRow.amount,
                    PledgeRow.face_value,
                    FinancingRow.bank,
                    FinancingRow.currency,
                )
                .join(FinancingRow, FinancingRow.financing_id == PledgeRow.financing_id)
                .where(
                    PledgeRow.doc_hash.in_(sorted(docs)),
                    access.readable(PledgeRow.financing_id),
                )
                .order_by(PledgeRow.block_number, FinancingRow.registered_log)
            )
            for doc, block, log, fid, amount, face, bank, currency in pledged:
                pledges.setdefault(doc, []).append(
                    (int(block), int(log), int(fid), int(amount), int(face))
                )
                financings[int(fid)] = (bank, str(currency or ""))
        released: dict[int, tuple[int, int]] = {}
        if financings:
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
                    EventRefRow.ref.in_([str(i) for i in financings]),
                    EventRow.event.in_(("FinancingClosed", "FinancingCancelled")),
                )
            )
            released = {int(ref): (block, log) for ref, block, log in ended}
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
        currency = self.financings.get(before[0][2], ("", None))[1] or None
        return before[0][4], holders, currency


def _confidential_refusal(names: IndexNames, r: RefusalRow) -> Refusal:
    """A refusal as those who may not read it see it: that it happened, who sent it, when."""
    return Refusal(
        block_number=r.block_number,
        log_index=r.log_index,
        tx_hash=r.tx_hash,
        block_time=iso(r.block_time),
        bank=r.bank,
        bank_name=names.member(r.bank),
        confidential=True,
        terms_commitment=r.terms_commitment,
        commitment_holds=None,
        doc_hash=None,
        reason=None,
        conflicting_financing_id=None,
        conflicting_bank=None,
        conflicting_bank_name=None,
        fingerprint=None,
        reference=None,
        holding_doc_hash=None,
        currency=None,
        face_value=None,
        already_financed=None,
        headroom=None,
        requested_amount=None,
        requested_currency=None,
        stated_face_value=None,
        holders=[],
        summary=f"a financing by {who(r.bank, names)} was refused (what it asked, and why, is "
        "confidential)",
    )


def _refusal(
    history: _PledgeHistory,
    names: IndexNames,
    r: RefusalRow,
    bank: str | None,
    doc_type: int | None = None,
) -> Refusal:
    fingerprint = r.fingerprint or None
    conflicting = int(r.conflicting_financing_id or 0)
    doc = str(r.doc_hash or "")
    holding = doc
    if fingerprint is not None and conflicting:
        holding = history.holding.get((fingerprint, conflicting), doc)
    face, holders, currency = history.held_then(holding, r.block_number, r.log_index)
    held = sum(amount for _, amount in holders)
    reason = RefusalReason(r.reason).name if r.reason else None
    held_flag = bool(holders) or bool(fingerprint and conflicting)
    headroom = refusal_headroom(face, held, held=held_flag, reason=reason or "")
    if headroom is None and (held_flag or reason in _DOCUMENT_REASONS):
        headroom = 0  # nothing can be financed, whatever the face value
    details: dict[str, Any] = {
        "block_number": r.block_number,
        "log_index": r.log_index,
        "tx_hash": r.tx_hash,
        "block_time": iso(r.block_time),
        "bank": r.bank,
        "bank_name": names.member(r.bank),
        "confidential": False,
        "terms_commitment": r.terms_commitment,
        "commitment_holds": r.commitment_ok,
        "doc_hash": r.doc_hash,
        "reason": reason,
        "conflicting_financing_id": conflicting,
        "conflicting_bank": bank,
        "conflicting_bank_name": names.member(bank) if bank else None,
        "fingerprint": fingerprint,
        "reference": r.reference,
        "holding_doc_hash": holding if holding != doc else None,
        "currency": currency,
        "face_value": face,
        "already_financed": held if face is not None else None,
        "headroom": headroom,
        "requested_amount": r.requested_amount,
        "requested_currency": r.currency,
        "stated_face_value": r.stated_face_value,
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
    # the earlier financings of the document recorded
    # ``doc_type`` (the document's registered type): the sentence says "bill of lading", not
    # "invoice", for one
    summary = refusal_sentence(
        {
            **details,
            "currency": currency or r.currency,
            "document_currency": currency,
            "doc_type": doc_type,
        }
    )
    return Refusal(**details, summary=summary)


def refusals(
    index: EventIndex,
    period: Period = Period(),
    bank: str | None = None,
    reason: str | None = None,
    after: str | None = None,
    limit: int = DEFAULT_LIMIT,
    viewer: Viewer = GATEWAY,
) -> Page:
    """Refused financing attempts as ``viewer`` may see them: the regulator all (in full where
    its key opens them), a bank its own, an admin that they happened; who tried, which
    document, why, and the financing in the way. ``reason`` keeps the refusals the viewer reads
    with that reason."""
    conditions = period.clause(RefusalRow.block_time)
    wanted_bank = parse_filter(bank, "bank", parse_address)
    if wanted_bank is not None:
        conditions.append(RefusalRow.bank == wanted_bank)
    code = parse_filter(reason, "reason", RefusalReason.parse)
    with index.sessions() as session:
        access = Access(session, viewer)
        conditions += access.refusals_listed()
        if code is not None:
            conditions += [RefusalRow.reason == int(code), access.refusals_read()]
        return _refusal_rows(session, access, conditions, after, limit)


def duplicates(
    index: EventIndex,
    period: Period = Period(),
    after: str | None = None,
    fingerprints_after: str | None = None,
    limit: int = DEFAULT_LIMIT,
    viewer: Viewer = GATEWAY,
) -> Duplicates:
    """Suspected duplicates: the refusals ``viewer`` reads because a fingerprint was already
    locked or the face value was exceeded, and fingerprints locked by more than one financing
    over time (public locks: for banks and regulators; each financing's document only when the
    viewer reads it)."""
    limit = _limit(limit)
    with index.sessions() as session:
        access = Access(session, viewer)
        conditions = [
            RefusalRow.reason.in_([int(r) for r in DUPLICATE_REASONS]),
            access.refusals_read(),
            *access.refusals_listed(),
            *period.clause(RefusalRow.block_time),
        ]
        refused = _refusal_rows(session, access, conditions, after, limit)
        if not viewer.sees_fingerprints:
            return Duplicates(refused, Page([], None, indexed_block(session)))
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
        names = IndexNames(session, access)
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
                            doc_hash=p.doc_hash if access.reads(p.financing_id) else None,
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
    viewer: Viewer = GATEWAY,
) -> list[Exposure]:
    """Active financed, drawn, repaid and outstanding amounts per currency (minor units), over
    the financings ``viewer`` reads in full: per bank (its ACTIVE financings), or per
    enterprise — the **borrower** of the pledged documents, never the bank that financed them
    (:func:`borrowers`: the registrant when it is an enterprise no file lodged here shows not
    to be the seller, else the enterprise named by the seller's identifiers in a file lodged
    here, else the enterprise that registered the same invoice (not shown not to be the
    seller), else the seller as the file names it, ``member`` None): the pledged amount,
    and each financing's drawn and repaid amounts shared among its documents in proportion to
    their pledged amounts (:func:`_shares`). Apart from those, what CANCELLED and CLOSED
    financings the viewer reads in full still have outstanding (drawn above repaid), summed
    the same way into ``outstanding_after_cancel`` / ``outstanding_after_close`` (minor units;
    :class:`Exposure`). ``lodged`` (the gateway's files,
    ``ledger.gatewaydb.GatewayDB``) lets the rule read the facts and fingerprints of files
    lodged here (the viewer's own, or all for the regulator). ``period`` selects financings by
    their registration time. Rows name the member (``member_name``); per enterprise they say
    how each was found (``attributed_by``)."""
    if by not in ("bank", "enterprise"):
        raise InvalidInput("by", one_of_rule(("bank", "enterprise"), by), value=by)
    wanted = parse_filter(member, "member", parse_address)
    active = FinancingRow.status == int(FinancingStatus.ACTIVE)
    with index.sessions() as session:
        access = Access(session, viewer)
        readable = access.readable(FinancingRow.financing_id)
        names = IndexNames(session, access)
        if by == "bank":
            query = (
                select(
                    FinancingRow.bank,
                    FinancingRow.currency,
                    FinancingRow.amount,
                    FinancingRow.drawn,
                    FinancingRow.repaid,
                )
                .where(active, readable, *period.clause(FinancingRow.registered_time))
                .order_by(FinancingRow.bank, FinancingRow.currency)
            )
            released = (
                select(
                    FinancingRow.bank,
                    FinancingRow.currency,
                    FinancingRow.status,
                    FinancingRow.financing_id,
                    FinancingRow.drawn,
                    FinancingRow.repaid,
                )
                .where(
                    _released_outstanding(), readable, *period.clause(FinancingRow.registered_time)
                )
                .order_by(FinancingRow.financing_id)
            )
            if wanted:
                query = query.where(FinancingRow.bank == wanted)
                released = released.where(FinancingRow.bank == wanted)
            # summed here, not by SQL: SQLite's SUM of 64-bit integers raises on overflow, and
            # a bank's envelope may state any uint64 (saturated in the index), so one hostile
            # financing of 2^64 - 1 made this read a 500 for every reader (tryout 69)
            sums: dict[tuple[str, str], list[int]] = {}
            for bank_address, currency, pledged, drawn_, repaid_ in session.execute(query):
                summed = sums.setdefault((bank_address, str(currency)), [0, 0, 0, 0])
                summed[0] += 1
                summed[1] += int(pledged or 0)
                summed[2] += int(drawn_ or 0)
                summed[3] += int(repaid_ or 0)
            by_bank: dict[tuple[str, str], Exposure] = {
                key: Exposure(*key, n, a, d, r, d - r, names.member(key[0]), None)
                for key, (n, a, d, r) in sums.items()
            }
            known = len(by_bank)
            for bank, c, status, fid, d, r in session.execute(released).all():
                key = (bank, str(c))
                seen = by_bank.get(key) or Exposure(bank, str(c), 0, 0, 0, 0, 0, names.member(bank))
                out = int(d or 0) - int(r or 0)
                cancelled = int(status) == int(FinancingStatus.CANCELLED)
                by_bank[key] = replace(
                    seen,
                    outstanding_after_cancel=seen.outstanding_after_cancel + out * cancelled,
                    outstanding_after_close=seen.outstanding_after_close + out * (not cancelled),
                    released_with_outstanding=[*seen.released_with_outstanding, int(fid)],
                )
            if len(by_bank) == known:  # the database's order (bank, currency)
                return list(by_bank.values())
            # a bank with money out only after a cancel or close: all by (bank, currency)
            return [by_bank[key] for key in sorted(by_bank)]
        pledges = (
            select(
                FinancingRow.currency,
                FinancingRow.financing_id,
                FinancingRow.status,
                FinancingRow.drawn,
                FinancingRow.repaid,
                PledgeRow.doc_hash,
                PledgeRow.amount,
            )
            .join(FinancingRow, FinancingRow.financing_id == PledgeRow.financing_id)
            .where(
                or_(active, _released_outstanding()),
                readable,
                *period.clause(FinancingRow.registered_time),
            )
            .order_by(FinancingRow.financing_id, PledgeRow.doc_hash)
        )
        by_financing: dict[int, list[Any]] = {}
        for row in session.execute(pledges):
            by_financing.setdefault(int(row.financing_id), []).append(row)
        found = borrowers(
            session,
            sorted({r.doc_hash for rows in by_financing.values() for r in rows}),
            lodged,
            access,
        )
    # financed, drawn, repaid (active); outstanding after a cancel, after a close
    totals: dict[tuple[str, str], list[int]] = {}
    ids: dict[tuple[str, str], set[int]] = {}
    released_ids: dict[tuple[str, str], set[int]] = {}
    who_of: dict[tuple[str, str], Borrower] = {}
    how: dict[tuple[str, str], set[str]] = {}
    shown: dict[tuple[str, str], bool] = {}
    for financing_id, rows in by_financing.items():
        amounts = [int(r.amount) for r in rows]
        drawn = _shares(int(rows[0].drawn or 0), amounts)
        repaid = _shares(int(rows[0].repaid or 0), amounts)
        status = int(rows[0].status)
        for r, amount, d, p in zip(rows, amounts, drawn, repaid, strict=True):
            borrower = found[r.doc_hash]
            if wanted is not None and (borrower.member or "").lower() != wanted.lower():
                continue
            key = (borrower.key, str(r.currency))
            total = totals.setdefault(key, [0, 0, 0, 0, 0])
            if status == int(FinancingStatus.ACTIVE):
                total[0] += amount
                total[1] += d
                total[2] += p
                ids.setdefault(key, set()).add(financing_id)
            else:
                total[3 if status == int(FinancingStatus.CANCELLED) else 4] += d - p
                released_ids.setdefault(key, set()).add(financing_id)
            who_of.setdefault(key, borrower)
            how.setdefault(key, set()).add(borrower.attributed_by)
            if borrower.member:
                shown[key] = shown.get(key, True) and bool(borrower.seller_shown)
    rows_out = []
    for key, (a, d, p, after_cancel, after_close) in totals.items():
        b = who_of[key]
        rows_out.append(
            Exposure(
                member=b.member,
                currency=key[1],
                financings=len(ids.get(key, ())),
                financed=a,
                drawn=d,
                repaid=p,
                outstanding=d - p,
                member_name=b.member_name,
                attributed_by=sorted(how[key]),
                seller_name=b.seller_name,
                seller_id=b.seller_id,
                outstanding_after_cancel=after_cancel,
                outstanding_after_close=after_close,
                released_with_outstanding=sorted(released_ids.get(key, ())),
                seller_shown=shown.get(key),
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


@dataclass(frozen=True)
class _FinanceableStatements:
    cursor: Any
    head: Any
    pledges: Any
    fingerprints: Any
    held: Any


@functools.cache
def _financeable_statements(role: str) -> _FinanceableStatements:
    """The statements of :func:`financeable` for a reader of ``role``, built once (their
    parameters: ``doc``, ``fps``, ``viewer_key``, ``viewer_address``)."""
    doc = bindparam("doc", type_=String)
    cursor_q = select(CursorRow.last_block).where(CursorRow.id == 1).scalar_subquery()
    return _FinanceableStatements(
        cursor=select(cursor_q),
        head=select(cursor_q, DocumentRow.status, DocumentRow.registrant).outerjoin_from(
            select(cursor_q.label("c")).subquery(), DocumentRow, DocumentRow.doc_hash == doc
        ),
        pledges=select(
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
        .where(PledgeRow.doc_hash == doc, _readable(role, PledgeRow.financing_id))
        .order_by(PledgeRow.block_number, PledgeRow.financing_id),
        fingerprints=select(PledgeFingerprintRow.fingerprint).where(
            PledgeFingerprintRow.doc_hash == doc,
            _readable(role, PledgeFingerprintRow.financing_id),
        ),
        held=select(
            PledgeFingerprintRow.financing_id,
            FinancingRow.bank,
            PledgeFingerprintRow.doc_hash,
            PledgeFingerprintRow.fingerprint,
            PledgeRow.amount,
            PledgeFingerprintRow.block_number,
            FinancingRow.tx_hash,
            _readable(role, PledgeFingerprintRow.financing_id).label("readable"),
        )
        .join(FinancingRow, FinancingRow.financing_id == PledgeFingerprintRow.financing_id)
        .outerjoin(
            PledgeRow,
            and_(
                PledgeRow.financing_id == PledgeFingerprintRow.financing_id,
                PledgeRow.doc_hash == PledgeFingerprintRow.doc_hash,
            ),
        )
        .where(
            PledgeFingerprintRow.fingerprint.in_(bindparam("fps", expanding=True)),
            PledgeFingerprintRow.active.is_(True),
        )
        .order_by(PledgeFingerprintRow.fingerprint),
    )


#: the reason :func:`financeable` gives for an invoice with nothing to finance (the gateway's
#: own, beside the contract's ``RefusalReason`` names: the chain knows no credit notes)
NOTHING_DUE = "NOTHING_DUE"


#: the reason :func:`financeable` gives for a credit note (the gateway's own, as NOTHING_DUE)
CREDIT_NOTE = "CREDIT_NOTE"
CREDIT_NOTE_WORDS = (
    "this is a credit note (it reduces what the buyer owes): it is not a receivable and cannot "
    "be financed"
)


def _is_credit_note(copy: ReceivedDocument | None) -> bool:
    """Whether a lodged copy's facts are a credit note's (EN 16931 BT-3 381 and the like)."""
    if copy is None or not copy.facts_json:
        return False
    facts = json.loads(copy.facts_json) or {}
    return bool(facts.get("creditNote"))


class NetDue(Protocol):
    """The amount due of a lodged file net of the credit notes lodged against it (minor units,
    None when it has none) and, when nothing is left, why in words
    (``ledger.services.documents.net_due_of_lodged``)."""

    def __call__(self, lodged: ReceivedDocument) -> tuple[int | None, str | None]: ...


#: why :func:`financeable` cannot answer a bank for a document hash alone
UNKNOWN_WITHOUT_FINGERPRINTS = (
    "no fingerprint of this document is known here: no financing you read pledges it and you "
    "lodged no evaluated copy of it, so a copy of the document held under another hash cannot be "
    "ruled out (fingerprints given beside a document hash are checked, but nothing ties them "
    "to the document). Lodge the file (POST /v1/documents/receive), or ask by its fingerprints "
    "alone"
)

#: why :func:`financeable` cannot answer a regulator for a document hash alone (it oversees
#: every file lodged here, and a copy it lodged itself is never evaluated: lodging is no help)
UNKNOWN_WITHOUT_FINGERPRINTS_REGULATOR = (
    "no fingerprint of this document is known here: no financing you read pledges it and no "
    "bank lodged an evaluated copy of it at this gateway, so a copy of the document held under "
    "another hash cannot be ruled out (fingerprints given beside a document hash are checked, "
    "but nothing ties them to the document). Check the file (POST /v1/documents/check): it "
    "finds a copy with the same facts a bank lodged here under another hash; or ask by its "
    "fingerprints alone"
)


def financeable(
    index: EventIndex,
    doc_hash: str | None = None,
    fingerprints: Sequence[str] = (),
    lodged: LodgedFiles | None = None,
    caller: str | None = None,
    viewer: Viewer = GATEWAY,
    net_due: NetDue | None = None,
) -> Financeability:
    """Is this document financeable, and what does it match? By document hash and/or the
    fingerprints a bank's gateway computed (see :class:`Financeability`). With a document hash
    the document's own fingerprints are checked too — those the financings ``viewer`` reads
    pledged for it, and those of ``caller``'s file of that hash in ``lodged`` (the gateway's
    files) — so a document held under another hash (its other format) is not financeable
    without naming a fingerprint. A regulator (which oversees every file lodged here) is
    answered from every copy of the document lodged here, whoever lodged it; a bank only from
    its own (another bank's lodged file is confidential). A lock by a financing the viewer does
    not read is a match without its document or amount: which document another bank financed
    is confidential. ``net_due`` counts the credit notes against the caller's lodged file — a
    regulator's, any copy's (``net_amount_due``, ``NOTHING_DUE``: see :class:`Financeability`)."""
    if doc_hash is None and not fingerprints:
        raise InvalidInput("doc_hash", "give a document hash, fingerprints, or both")
    doc = parse_filter(doc_hash, "doc_hash", parse_hash)
    fps = {parse_hash(f, "fingerprint") for f in fingerprints}
    oversees = viewer.role == "regulator"
    #: the copies of the document lodged here that answer for the caller: its own, or for a
    #: regulator (who oversees every file lodged here) any copy — a bank never learns from
    #: another bank's lodged file. The same hash is the same bytes: the same facts.
    copies: list[ReceivedDocument] = []
    if doc is not None and lodged is not None:
        if oversees:
            copies = lodged.received(doc)
        elif caller:
            copies = lodged.received(doc, caller)
    #: the copy whose facts give the face value and count the credit notes: the caller's own
    #: first (a regulator's own copy is the same file, but never evaluated)
    mine = [c for c in copies if caller and c.received_by.lower() == caller.lower()]
    own_file = (mine or copies)[0] if copies else None
    # the on-chain fingerprints stored with them (a bank's gateway evaluated them when it was
    # lodged); their gateway-local lookup values are never compared with the chain
    stored = {value for copy in copies for _, value in onchain_rows(copy.fingerprints)}
    fps |= stored
    #: whether the document's own fingerprints are known here (given ones are not tied to the
    #: document: a wrong or made-up one would make its answer true)
    known_own = bool(stored)
    counted = own_file
    statements = _financeable_statements(viewer.reading_role)
    # Core rows on one pooled connection, from statements built once per role: this is the
    # hot path a bank's gateway calls before every financing (see docs/benchmarks-index.md)
    with index.engine.connect() as conn:
        params = {"viewer_key": viewer.key, "viewer_address": viewer.address, "doc": doc}
        result = Financeability(
            doc_hash=doc,
            registered=None,
            status=None,
            registrant=None,
            face_value=None,
            financed_amount=None,
            financeable=True,
        )
        #: what the active financings the viewer reads hold on the document
        financed = 0
        if doc is None:
            result.indexed_block = int(conn.execute(statements.cursor).scalar_one_or_none() or -1)
        else:
            head = conn.execute(statements.head, params).one()
            result.indexed_block = int(head[0] if head[0] is not None else -1)
            result.registered = head[1] is not None
            if head[1] is not None:  # an unregistered document may be financed (unregistered)
                status = DocStatus(head[1])
                result.status = status.name.lower()  # as every other output names it
                result.registrant = head[2]
                if status is DocStatus.REVOKED:
                    result.reasons.append(RefusalReason.DOCUMENT_REVOKED.name)
                elif status is DocStatus.SUPERSEDED:
                    result.reasons.append(RefusalReason.DOCUMENT_SUPERSEDED.name)
            # every pledge of the document the viewer reads, active or released: the first
            # recorded its face value and currency
            pledges = conn.execute(statements.pledges, params).all()
            for financing_id, bank, currency, amount, face, active, block, tx_hash in pledges:
                if result.face_value is None:
                    result.face_value, result.currency = int(face), str(currency)
                    result.face_value_source = "financings"
                if not active:
                    continue
                financed += int(amount)
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
            if counted is not None and net_due is not None:
                result.net_amount_due, result.nothing_due = net_due(counted)
            if _is_credit_note(own_file):
                # a credit note reduces what the buyer owes: no receivable, whatever its amount
                # (financing.create refuses it; the check's notice says the same)
                result.reasons.append(CREDIT_NOTE)
                result.nothing_due = CREDIT_NOTE_WORDS
            elif result.nothing_due is not None:
                result.reasons.append(NOTHING_DUE)
            elif result.face_value is not None and financed >= result.face_value:
                result.reasons.append(RefusalReason.EXCEEDS_FACE_VALUE.name)
            if pledges:  # the fingerprints a financing the viewer reads pledged for it
                pledged = {str(f) for f in conn.scalars(statements.fingerprints, params)}
                fps |= pledged
                known_own = known_own or bool(pledged)
        result.fingerprints = sorted(fps)
        if fps:
            # the locks are public; their document and amount only for a reader (decided in
            # the same statement)
            held = conn.execute(statements.held, {**params, "fps": result.fingerprints}).all()
            direct = {m.financing_id for m in result.matches}
            #: what financings the viewer reads hold on a copy of the document (another hash
            #: locking one of its fingerprints: the same invoice), once per financing and copy
            through: dict[tuple[int, str], int] = {}
            for financing_id, bank, held_doc, fingerprint, amount, block, tx_hash, readable in held:
                result.matches.append(
                    Match(
                        int(financing_id),
                        bank,
                        held_doc if readable else None,
                        fingerprint,
                        int(amount) if readable and amount is not None else None,
                        block,
                        tx_hash,
                    )
                )
                copy = readable and amount is not None and held_doc and held_doc != doc
                if copy and int(financing_id) not in direct:
                    through[(int(financing_id), str(held_doc))] = int(amount)
            # tryout 87's regulator read financed_amount 0 of an invoice a financing it reads
            # held through its CII copy (a match it read, 4,000.00): 0 reads "nothing financed"
            financed += sum(through.values())
            if held:
                result.reasons.append(RefusalReason.FINGERPRINT_PLEDGED.name)
        result.financeable = not result.reasons
        if result.financeable and (not fps if doc is None else not known_own):
            result.financeable = None
            result.unknown_reason = (
                UNKNOWN_WITHOUT_FINGERPRINTS_REGULATOR if oversees else UNKNOWN_WITHOUT_FINGERPRINTS
            )
        if known_own and all(m.amount is not None for m in result.matches):
            # known only when the document's own fingerprints are (so any financing holding it
            # locks one of them: a match) and every active match's amount is readable: a lock
            # by a financing the viewer does not read holds an amount it may not learn, and a
            # document known by its hash alone — an unknown answer, or a revoked or superseded
            # one (not financeable by its status) — may be held by one it does not see (never
            # a 0); by fingerprints alone there is no document to hold anything
            result.financed_amount = financed
        if result.financeable is not None and result.face_value is not None:
            cap = result.face_value
            if result.net_amount_due is not None:
                cap = min(cap, result.net_amount_due)
            result.headroom = max(cap - financed, 0) if result.financeable else 0
        return result


# -- export -----------------------------------------------------------------------------------


def export_events(
    index: EventIndex,
    fmt: str,
    period: Period = Period(),
    events: Sequence[str] = (),
    batch: int = 1000,
    viewer: Viewer = GATEWAY,
) -> Iterator[str]:
    """Every indexed event in chain order as CSV or JSON lines, one string per line, streamed
    (server-side cursor, ``batch`` rows in memory at a time), decoded as ``viewer`` may read
    them: a financing's terms only where the viewer reads them, its fingerprints only for banks
    and regulators. CSV (RFC 4180, CRLF line ends) is safe to open in a spreadsheet: a text cell
    that would start a formula gets a leading ``'`` (:func:`ledger.words.spreadsheet_cell`).
    Raises InvalidInput for an unknown ``fmt`` or event name."""
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput("format", one_of_rule(EXPORT_FORMATS, fmt), value=fmt)
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
    return _stream(index, query, fmt, viewer)


def _stream(index: EventIndex, query: Any, fmt: str, viewer: Viewer) -> Iterator[str]:
    buffer = io.StringIO()
    # RFC 4180 line ends: the csv module quotes a cell holding any character of the line
    # terminator, so a CR or LF in a member's text stays inside its quoted cell instead of
    # starting a row of its own
    writer = csv.writer(buffer, lineterminator="\r\n")
    if fmt == "csv":
        writer.writerow(CSV_COLUMNS)
        yield _drain(buffer)
    # names and terms are read on a session of their own: the export's cursor streams on the
    # first
    with index.sessions() as session, index.sessions() as lookups:
        access = Access(lookups, viewer)
        names = IndexNames(lookups, access)
        for block, log, tx, block_hash, time, name, args in session.execute(query):
            raw = json.loads(args)
            decoded = access.decode(name, raw, block, log, names)
            if fmt == "csv":
                fields = decoded.fields
                row = [
                    block,
                    log,
                    tx,
                    block_hash,
                    iso(time),
                    name,
                    decoded.summary,
                    *[_csv_value(fields.get(c)) for c in FIELD_COLUMNS],
                ]
                # a member's text (a name, a reference) must not reach a spreadsheet as a formula
                writer.writerow([spreadsheet_cell(cell) for cell in row])
                yield _drain(buffer)
            else:
                shown = access.shown_args(raw)
                args_json = (
                    args
                    if shown is raw
                    else json.dumps(shown, sort_keys=True, separators=(",", ":"))
                )
                fields_json = json.dumps(decoded.fields, separators=(",", ":"), ensure_ascii=False)
                summary = json.dumps(decoded.summary, ensure_ascii=False)
                yield (
                    f'{{"block_number":{block},"log_index":{log},"tx_hash":"{tx}",'
                    f'"block_hash":"{block_hash}","block_time":"{iso(time)}","event":"{name}",'
                    f'"args":{args_json},"fields":{fields_json},"summary":{summary}}}\n'
                )


def _csv_value(value: Any) -> Any:
    """A field's CSV cell: empty for none, a truth value as JSON writes it (``true``,
    ``false``: the JSON-lines export and the API say so; Python's ``True`` is no one's
    spelling), anything else as it is."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


# -- who asks, and the regulator's keys ---------------------------------------------------------


def member_of(index: EventIndex, address: str, field_name: str = "address") -> MemberRow:
    """The member at ``address`` as the index knows it — also at an address it rotated away
    from (its row names its current one); InvalidInput naming ``field_name`` when no member has
    or had that address."""
    wanted = parse_address(address, field_name)
    with index.sessions() as session:
        found = session.scalars(select(MemberRow).where(MemberRow.address == wanted)).first()
        if found is None:  # an address a member rotated away from names that member
            moved = rotated_away(key_rotations(session), wanted)
            found = session.get(MemberRow, moved) if moved is not None else None
    if found is None:
        raise InvalidInput(field_name, "is not a member of the consortium", value=address)
    return found


def registrant_of(index: EventIndex, doc_hash: str) -> str | None:
    """Who registered ``doc_hash`` as the index knows it (None: not registered, or a malformed
    hash — the query itself names that)."""
    try:
        wanted = parse_hash(doc_hash, "doc_hash")
    except InvalidInput:
        return None
    with index.sessions() as session:
        return session.scalars(
            select(DocumentRow.registrant).where(DocumentRow.doc_hash == wanted)
        ).first()


def viewer_of(index: EventIndex, address: str | None, field_name: str = "--as") -> Viewer:
    """The :class:`Viewer` for member ``address`` (its role read from the index), or
    :data:`GATEWAY` when ``address`` is None."""
    if address is None:
        return GATEWAY
    member = member_of(index, address, field_name)
    return Viewer(member.address, Role(member.role).name.lower())


def regulator_keys(
    index: EventIndex, keyring: Any, address: str | None = None, field_name: str = "--as"
) -> list[tuple[str, Any]]:
    """(address, X25519 private key) of the active regulators whose encryption key
    ``keyring`` (``ledger.encryptionkeys.EncryptionKeyring``) holds — only ``address`` when
    given (InvalidInput naming ``field_name`` when it is no regulator, or its key is not
    here)."""
    with index.sessions() as session:
        regulators = list(
            session.scalars(
                select(MemberRow.address).where(
                    MemberRow.role == int(Role.REGULATOR), MemberRow.active.is_(True)
                )
            )
        )
    if address is not None:
        wanted = parse_address(address, field_name)
        if wanted not in regulators:
            raise InvalidInput(field_name, "is not an active regulator", value=address)
        regulators = [wanted]
    found = [(a, keyring.key_for(a)) for a in regulators]
    if address is not None and found[0][1] is None:
        raise InvalidInput(
            field_name,
            "this gateway holds no encryption key of that regulator: run the audit at the "
            "regulator's own gateway",
            value=address,
        )
    return [(a, k) for a, k in found if k is not None]
