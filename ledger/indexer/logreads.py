"""The contract's logs read from the event index, for the blocks it has folded in (issue #16).

A document's record (``GET /v1/documents/{hash}``) reads the logs naming the document from its
registration to the chain's head. On a node every block of that range is looked through: the
embedded chain decodes the receipts of every block whose logs bloom may hold one of the events
(Yellow Paper §4.3.1) — a bloom filters on the event, not on the document, so every block holding a
registration qualifies, and a back-fill's blocks (thousands of logs each) saturate their blooms.
A document registered early on a chain of 20,000 documents read its record in ~1.2 s, ~60 µs per
later log. The served gateway's event index holds every log of the contract with what it concerns
(``EventRefRow``: the document, financing or member it names): the blocks it has folded in are
read from there, by what the log names, and only the blocks above them from the chain.

The index answers only for blocks it vouches for: its last block must be the chain's (same hash,
:func:`ledger.indexer.headreads.canonical_last`); else the caller reads the chain.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select

from ledger.indexer.headreads import canonical_last
from ledger.indexer.models import EventRefRow, EventRow
from ledger.indexer.projections import ADDRESS_ARGS

if TYPE_CHECKING:
    from ledger.indexer.follower import EventIndex

#: the kind of ``EventRefRow`` an indexed argument is recorded under (``projections.refs``)
_DOC_ARGS = frozenset({"docHash", "oldDocHash", "newDocHash"})


@dataclass(frozen=True)
class IndexedLogs:
    """The logs the index holds for a query: ``logs`` of blocks up to ``last`` (the index's
    last block, the chain's), as ``eth_getLogs`` answers them (0x hex strings, in chain order);
    the blocks above ``last`` are the caller's to read from the chain."""

    last: int
    logs: list[dict[str, Any]]


def indexed_logs(index: EventIndex, topics: Sequence[Any], first: int) -> IndexedLogs | None:
    """The logs of blocks ``first`` up to the index's last block matching ``topics`` (per
    position: one 0x topic, a list of them, or None for any; position 0 names the events and
    must be given), read from ``index``. None when the index cannot answer: it has not started,
    its last block is below ``first`` or is not the chain's, or ``topics`` names no event.

    Rows are found by what a filtered position names (a document, financing or member, when
    every event asked for records that argument as a ref), else by event name; either way each
    log is matched against ``topics`` as a node would."""
    if not topics or topics[0] is None:
        return None
    wanted_topics = [topics[0]] if isinstance(topics[0], str) else list(topics[0])
    # each wanted event's indexed arguments, as the index's decoder lays the contract's out
    layouts = [index.decoder.indexed_arguments(t) for t in wanted_topics]
    events = dict(found for found in layouts if found is not None)
    if not events:
        return None
    with index.engine.connect() as connection:
        indexed = index.indexed(connection)
        if indexed is None or indexed[0] < first:
            return None
        last = indexed[0]
        narrowing = _by_refs(events, topics)
        query = select(
            EventRow.block_number,
            EventRow.log_index,
            EventRow.block_hash,
            EventRow.tx_hash,
            EventRow.tx_index,
            EventRow.topics,
            EventRow.data,
        ).where(EventRow.block_number >= first, EventRow.block_number <= last)
        if narrowing is not None:
            query = query.join(
                EventRefRow,
                and_(
                    EventRefRow.block_number == EventRow.block_number,
                    EventRefRow.log_index == EventRow.log_index,
                ),
            ).where(narrowing)
        else:
            query = query.where(EventRow.event.in_(sorted(events)))
        rows = connection.execute(query.order_by(EventRow.block_number, EventRow.log_index)).all()
    if not canonical_last(index, *indexed):
        return None
    found: list[dict[str, Any]] = []
    seen: set[tuple[int, int]] = set()
    for block, log_index, block_hash, tx_hash, tx_index, joined, data in rows:
        if (block, log_index) in seen:  # a log naming several wanted refs
            continue
        seen.add((block, log_index))
        log_topics = str(joined).split(",")
        if not topics_match(log_topics, topics):
            continue
        found.append(
            {
                "address": index.contract_address,
                "blockNumber": hex(int(block)),
                "blockHash": str(block_hash),
                "transactionHash": str(tx_hash),
                "transactionIndex": hex(int(tx_index)),
                "logIndex": hex(int(log_index)),
                "topics": log_topics,
                "data": str(data),
                "removed": False,
            }
        )
    return IndexedLogs(last, found)


def indexed_block_times(index: EventIndex, numbers: Collection[int]) -> dict[int, int]:
    """The times (Unix seconds) of those of blocks ``numbers`` the index holds an event of, by
    number: one query, where a header read per block was made (a page of financings' entries).
    Empty when the index's last block is not the chain's (a reorg it has not unwound)."""
    if not numbers:
        return {}
    found: dict[int, int] = {}
    with index.engine.connect() as connection:
        indexed = index.indexed(connection)
        if indexed is None:
            return {}
        wanted = sorted(n for n in numbers if n <= indexed[0])
        for start in range(0, len(wanted), 500):
            rows = connection.execute(
                select(EventRow.block_number, EventRow.block_time)
                .where(EventRow.block_number.in_(wanted[start : start + 500]))
                .distinct()
            )
            found.update((int(n), int(t)) for n, t in rows)
    return found if found and canonical_last(index, *indexed) else {}


def _ref_kind(argument: str) -> str | None:
    if argument in _DOC_ARGS:
        return "doc"
    if argument == "financingId":
        return "fin"
    if argument in ADDRESS_ARGS:
        return "mem"
    return None


def _ref(kind: str, topic: str) -> str:
    """How ``projections.refs`` records the value a topic (0x, 32 bytes) carries."""
    text = topic.lower()
    if kind == "fin":
        return str(int(text, 16))
    if kind == "mem":
        return "0x" + text[-40:]
    return text


def _by_refs(events: dict[str, tuple[str, ...]], topics: Sequence[Any]) -> Any | None:
    """The ``EventRefRow`` condition that finds the logs ``topics`` filters on, by the first
    filtered position whose argument every wanted event records as a ref; None when none does
    (the rows are then found by event name)."""
    for position, wanted in enumerate(topics[1:], start=1):
        if wanted is None:
            continue
        kinds: set[str] = set()
        for indexed in events.values():
            kind = _ref_kind(indexed[position - 1]) if len(indexed) >= position else None
            if kind is None:
                kinds = set()
                break
            kinds.add(kind)
        if not kinds:
            continue
        values = [wanted] if isinstance(wanted, str) else list(wanted)
        return or_(
            *(
                and_(
                    EventRefRow.kind == kind,
                    EventRefRow.ref.in_(sorted({_ref(kind, v) for v in values})),
                )
                for kind in sorted(kinds)
            )
        )
    return None


def topics_match(found: Sequence[str], wanted: Sequence[Any]) -> bool:
    """Whether a log's ``found`` topics match ``wanted`` as ``eth_getLogs`` matches them."""
    if len(found) < len(wanted):
        return False
    for topic, want in zip(found, wanted, strict=False):
        if want is None:
            continue
        allowed = [want] if isinstance(want, str) else list(want)
        if topic.lower() not in {a.lower() for a in allowed}:
            return False
    return True
