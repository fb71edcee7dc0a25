"""Chain reads answered by the event index, never older than the chain (issue #16).

A check, a registration's pre-check and a document's record each read the contract's state: whether
a document is registered (``getDocument``, ``successorOf``) and which active financing holds each of
a file's fingerprints (``fingerprintHolders``), and how many financings there are
(``financingCount``: a document's financings are looked for up to it). On the embedded chain each
such call runs the EVM over the state trie (~10 ms on py-evm); the served gateway's event index
holds the same state as rows, folded from the events that made it (``projections``).

The index answers only for a state it can vouch for: each read takes the chain's head and the
index's cursor, checks that the index's last block is the chain's (same hash: no reorg in between),
and reads the events of the blocks the index has not folded in yet (at most ``MAX_TAIL`` blocks —
farther behind, the caller reads the chain). A read whose answer one of those events may change goes
to the chain; every other read is answered by the index as of the chain's head, which is what a
chain read at that moment would answer.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Connection, bindparam, func, select

from ledger.errors import ChainUnavailable
from ledger.indexer.models import (
    DocumentRow,
    EventRefRow,
    FinancingRow,
    MarkRow,
    MemberRow,
    PledgeFingerprintRow,
    ReaderRow,
    RefusalRow,
)
from ledger.indexer.projections import FIN_ACTIVE

if TYPE_CHECKING:
    from ledger.indexer.follower import Block, EventIndex

T = TypeVar("T")

#: blocks the index may be behind the chain's head and still answer (their events are read and
#: looked through); farther behind, reads go to the chain
MAX_TAIL = 16

#: the events that change a document's record (``getDocument``, ``successorOf``)
DOCUMENT_EVENTS = frozenset({"DocumentRegistered", "DocumentRevoked", "DocumentSuperseded"})
#: the events that lock or release fingerprints (``fingerprintHolder``)
LOCK_EVENTS = frozenset({"FinancingRegistered", "FinancingClosed", "FinancingCancelled"})


@dataclass(frozen=True)
class Settled:
    """The index as of the chain's head: ``indexed`` is its last block (the chain's, same
    hash); ``tail`` the (event name, arguments) of blocks ``indexed + 1`` up to the head, which
    the index has not folded in."""

    indexed: int
    tail: tuple[tuple[str, dict[str, object]], ...]

    @cached_property
    def _values(self) -> dict[str, frozenset[str]]:
        """Per event name in the tail, its arguments' values (lower case): what :meth:`names`
        looks in (a batch asks it once per file)."""
        found: dict[str, set[str]] = {}
        for name, args in self.tail:
            found.setdefault(name, set()).update(str(v).lower() for v in args.values())
        return {name: frozenset(values) for name, values in found.items()}

    def names(self, events: frozenset[str], value: str | None = None) -> bool:
        """Whether an event of ``events`` in the tail has ``value`` (0x hex, any case) among its
        arguments (None: any such event)."""
        present = [self._values[name] for name in events if name in self._values]
        if value is None:
            return bool(present)
        wanted = value.lower()
        return any(wanted in values for values in present)


@dataclass(frozen=True)
class _Tail:
    """The last tail read for an index: the (index's last block and hash, head and hash) it was
    read for, its standing, and each of its events' block number."""

    key: tuple[int, str, int, str]
    settled: Settled
    blocks: tuple[int, ...]


def _settled(index: EventIndex, head: Block, indexed: tuple[int, str] | None) -> Settled | None:
    """The standing against the chain's ``head`` of an index whose cursor read ``indexed``
    after it, or None when it cannot answer for it (more than ``MAX_TAIL`` blocks behind, a
    reorg under its last block, the chain unreadable: the caller reads the chain).

    The tail's events are read once: a later read keeps those of the last tail's blocks that
    are still the chain's and past the index's last block, and reads only the blocks mined
    since (each request of a busy gateway mines a block, and every request re-read the whole
    tail)."""
    if indexed is None:
        return None
    last, last_hash = indexed
    if head.number < last or head.number - last > MAX_TAIL:
        return None
    if head.number == last:
        return Settled(last, ()) if head.hash == last_hash.lower() else None
    key = (last, last_hash.lower(), head.number, head.hash)
    known = _TAILS.get(index)
    if known is not None and known.key == key:  # the same tail as the last read's
        return known.settled
    if not canonical_last(index, last, last_hash):
        return None
    valid = _still_valid(index, known, last, head.number)
    kept, first = ([], last + 1) if valid is None else (valid[0], valid[1] + 1)
    try:
        events = index.chain_events(first, head.number) if first <= head.number else []
    except ChainUnavailable:
        return None
    read = [(e.block_number, (e.event, json.loads(e.args))) for e in events]
    tail = [*kept, *read]
    found = Settled(last, tuple(event for _block, event in tail))
    _TAILS[index] = _Tail(key, found, tuple(block for block, _event in tail))
    return found


def _still_valid(
    index: EventIndex, known: _Tail | None, last: int, head: int
) -> tuple[list[tuple[int, tuple[str, dict[str, object]]]], int] | None:
    """The events of ``known``'s tail in blocks after ``last`` and the last block it covers,
    when its blocks are all still the chain's (its head block's hash unchanged: the blocks
    under it are then too) and it starts at or before ``last`` and ends at or before ``head``;
    else None (read it all)."""
    if known is None:
        return None
    known_last, _known_last_hash, known_head, known_head_hash = known.key
    if not known_last <= last <= known_head <= head:
        return None
    if not canonical_last(index, known_head, known_head_hash):
        return None
    events = [
        (number, event)
        for number, event in zip(known.blocks, known.settled.tail, strict=True)
        if number > last
    ]
    return events, known_head


def canonical_last(index: EventIndex, last: int, last_hash: str) -> bool:
    """Whether the index's last block ``last`` (``last_hash``) is the chain's block ``last``
    (no reorg under it that the index has not unwound)."""
    try:
        block = index.block(last)
    except ChainUnavailable:
        return False
    return block is not None and block.hash.lower() == last_hash.lower()


#: per index, the last tail read and the (index's last block and hash, head and hash) it was
#: read for: the files of a batch, read one after another, share it
_TAILS: weakref.WeakKeyDictionary[EventIndex, _Tail] = weakref.WeakKeyDictionary()


def _as_of_head(
    index: EventIndex,
    read: Callable[[Connection], T],
    events: frozenset[str],
    value: str | None = None,
) -> tuple[T] | None:
    """What ``read`` answers of the index, in a 1-tuple, as of the chain's head; None when the
    index cannot vouch for it: the chain is unreadable, the index is too far behind or under
    a reorg (:func:`_settled`), or a block it has not folded in holds one of ``events`` (with
    ``value`` among its arguments, when given: :meth:`Settled.names`). ``read`` runs on the
    connection the index's cursor is read on, so both are of one moment."""
    found = _at_head(index, read)
    if found is None or found[1].names(events, value):
        return None
    return (found[0],)


def _at_head(index: EventIndex, read: Callable[[Connection], T]) -> tuple[T, Settled] | None:
    """What ``read`` answers of the index, with the index's standing against the chain's head
    (the caller looks through its tail), or None when the index cannot vouch for the head."""
    try:
        head = index.head_block()
    except ChainUnavailable:
        return None
    with index.engine.connect() as connection:
        indexed = index.indexed(connection)
        answer = read(connection)
    state = _settled(index, head, indexed)
    return None if state is None else (answer, state)


@dataclass(frozen=True)
class IndexedDocument:
    """A document's record as the index holds it (``getDocument`` and ``successorOf``):
    addresses checksummed, hashes lower-case 0x hex, ``registered_time`` in Unix seconds (the
    block's), ``doc_type`` and ``status`` as the contract's enums number them."""

    doc_type: int
    status: int
    registrant: str
    registrant_id: int
    registered_time: int
    successor: str | None


class Unknown:
    """:func:`document`'s answer when the index cannot vouch for it: read the chain."""


UNKNOWN = Unknown()


def document(index: EventIndex, doc_hash: str) -> IndexedDocument | Unknown | None:
    """The record of ``doc_hash`` (0x hex) as of the chain's head: an :class:`IndexedDocument`,
    None when it is not registered, or :data:`UNKNOWN` when the index cannot vouch for the
    answer (see :func:`_settled`; an unindexed event names the document)."""
    return documents(index, [doc_hash])[doc_hash.lower()]


#: the records of the documents whose hashes are bound as ``hashes`` (built once: a check and a
#: registration read it each time, and building the statement cost more than running it)
_DOCUMENTS = (
    select(
        DocumentRow.doc_hash,
        DocumentRow.doc_type,
        DocumentRow.status,
        # the registrant's address now, as getDocument answers it (a key rotation moves it:
        # ledger.services.rotation); the registration's as a fallback
        func.coalesce(MemberRow.address, DocumentRow.registrant),
        DocumentRow.registrant_id,
        DocumentRow.registered_time,
        DocumentRow.successor,
    )
    .outerjoin(MemberRow, MemberRow.member_id == DocumentRow.registrant_id)
    .where(DocumentRow.doc_hash.in_(bindparam("hashes", expanding=True)))
)


def documents(
    index: EventIndex, doc_hashes: Sequence[str]
) -> dict[str, IndexedDocument | Unknown | None]:
    """:func:`document` of each of ``doc_hashes`` (0x hex; the answer's keys are lower-case),
    in one read: one head, one cursor and one query for them all (a batch's files were one
    each, issue #16). A hash that a block the index has not folded in names is
    :data:`UNKNOWN`, as is every hash when the index cannot vouch for the head."""
    wanted = list(dict.fromkeys(h.lower() for h in doc_hashes))
    if not wanted:
        return {}
    found = _at_head(
        index,
        lambda connection: [
            row
            for chunk in _chunks(wanted)
            for row in connection.execute(_DOCUMENTS, {"hashes": chunk})
        ],
    )
    if found is None:
        return dict.fromkeys(wanted, UNKNOWN)
    rows, state = found
    answers: dict[str, IndexedDocument | Unknown | None] = dict.fromkeys(wanted)
    for doc_hash, doc_type, status, registrant, registrant_id, registered_time, successor in rows:
        answers[str(doc_hash)] = (
            UNKNOWN
            if registrant_id is None
            else IndexedDocument(
                doc_type=int(doc_type),
                status=int(status),
                registrant=str(registrant),
                registrant_id=int(registrant_id),
                registered_time=int(registered_time),
                successor=None if successor is None else str(successor),
            )
        )
    if state.tail:
        for doc_hash in wanted:
            if state.names(DOCUMENT_EVENTS, doc_hash):
                answers[doc_hash] = UNKNOWN
    return answers


def _chunks(values: list[str], size: int = 500) -> list[list[str]]:
    """``values`` in lists of at most ``size`` (SQLite binds at most 32,766 parameters in one
    statement; fewer keep each statement small)."""
    return [values[i : i + size] for i in range(0, len(values), size)]


#: the active pledges of the fingerprints bound as ``fingerprints`` (built once, as
#: :data:`_DOCUMENTS`)
_HOLDERS = select(PledgeFingerprintRow.fingerprint, PledgeFingerprintRow.financing_id).where(
    PledgeFingerprintRow.fingerprint.in_(bindparam("fingerprints", expanding=True)),
    PledgeFingerprintRow.active.is_(True),
)


def fingerprint_holders(index: EventIndex, fingerprints: Sequence[str]) -> list[int] | None:
    """The active financing holding each of ``fingerprints`` (0x hex; 0: none), as
    ``fingerprintHolders`` answers at the chain's head, or None when the index cannot vouch for
    it (see :func:`_settled`; a financing was registered, closed or cancelled in a block it has
    not folded in)."""
    wanted = [f.lower() for f in fingerprints]
    found = _as_of_head(
        index,
        lambda connection: connection.execute(
            _HOLDERS, {"fingerprints": sorted(set(wanted))}
        ).all(),
        LOCK_EVENTS,
    )
    if found is None:
        return None
    (rows,) = found
    held: dict[str, int] = {}
    for fingerprint, financing_id in rows:
        if fingerprint in held:  # two active locks on one fingerprint: the chain decides
            return None
        held[fingerprint] = int(financing_id)
    return [held.get(f, 0) for f in wanted]


#: the events that change what ``markCarriers`` (and ``markedFinancings``) answers
MARK_EVENTS = frozenset({"FinancingMarked", "FinancingClosed", "FinancingCancelled"})


#: the active financings carrying the marks bound as ``marks``, oldest first (built once, as
#: :data:`_DOCUMENTS`)
_CARRIERS = (
    select(MarkRow.mark, MarkRow.financing_id)
    .join(FinancingRow, FinancingRow.financing_id == MarkRow.financing_id)
    .where(
        MarkRow.mark.in_(bindparam("marks", expanding=True)),
        FinancingRow.status == FIN_ACTIVE,
    )
    .order_by(MarkRow.financing_id)
)


def mark_carriers(index: EventIndex, marks: Sequence[str]) -> list[list[int]] | None:
    """For each of ``marks`` (0x hex), every active financing carrying it, oldest first, as
    ``markCarriers`` answers at the chain's head; or None when the index cannot vouch for it
    (see :func:`_settled`; a financing was marked, closed or cancelled in a block it has not
    folded in)."""
    wanted = [m.lower() for m in marks]
    found = _as_of_head(
        index,
        lambda connection: connection.execute(_CARRIERS, {"marks": sorted(set(wanted))}).all(),
        MARK_EVENTS,
    )
    if found is None:
        return None
    (rows,) = found
    carriers: dict[str, list[int]] = {}
    for mark, financing_id in rows:
        carriers.setdefault(str(mark), []).append(int(financing_id))
    return [list(carriers.get(m, ())) for m in wanted]


#: the event that adds a financing (``financingCount``)
COUNT_EVENTS = frozenset({"FinancingRegistered"})


def financing_count(index: EventIndex) -> int | None:
    """``financingCount`` at the chain's head — the highest financing id, as financings are
    numbered from 1 in the order they are registered — or None when the index cannot vouch for
    it (see :func:`_settled`; a financing was registered in a block it has not folded in)."""
    found = _as_of_head(
        index,
        lambda connection: connection.execute(select(func.max(FinancingRow.financing_id))).scalar(),
        COUNT_EVENTS,
    )
    return None if found is None else int(found[0] or 0)


@dataclass(frozen=True)
class HistoryStart:
    """The first blocks a document's history must be read from, for one reader: of the events
    naming the document, of the refusals the reader opens (which document a refusal concerns
    is sealed: any of them may)."""

    document: int
    refusals: int


def history_start(index: EventIndex, doc_hash: str, reader: str) -> HistoryStart | None:
    """Where the logs of ``doc_hash``'s history (0x hex) start, from what the index holds:
    the first block of an indexed event of each kind, else the index's last block (the events
    it has not seen are later). None when the index's last block is not the chain's (a reorg
    it has not unwound: read from the deployment block)."""
    indexed = index.indexed()
    if indexed is None:
        return None
    last, last_hash = indexed
    if not canonical_last(index, last, last_hash):
        return None
    # the events the index has not seen are after ``last``; reading from ``last`` itself keeps
    # the range inside the chain (a node refuses a ``fromBlock`` above its head)
    with index.sessions() as session:
        document = session.scalar(
            select(func.min(EventRefRow.block_number)).where(
                EventRefRow.kind == "doc", EventRefRow.ref == doc_hash.lower()
            )
        )
        refusals = session.scalar(
            select(func.min(RefusalRow.block_number)).join(
                ReaderRow,
                (ReaderRow.kind == "ref")
                & (ReaderRow.ref == RefusalRow.ref)
                & (ReaderRow.reader == reader.lower()),
            )
        )
    return HistoryStart(
        *(last if found is None else min(int(found), last) for found in (document, refusals))
    )
