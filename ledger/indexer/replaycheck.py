"""The index's tables against a replay of its own events: the proof that what the audit reads
(``documents``, ``financings``, ``refusals``… and ``event_refs``) is what the events say.

:func:`ledger.indexer.verify` proves the ``events`` table equal to the chain; every audit
answer is read from the tables derived from it (``ledger.indexer.projections``). A tryout
(2026-12-06) edited a registration's time in ``documents`` and deleted a row of ``refusals``
in the gateway's SQLite file: ``audit verify`` still answered ``EQUAL`` while ``GET
/v1/documents/{hash}`` gave the false time and the regulator's refusals missed one. So the
events are folded again — the follower's own code (``EventIndex._write``), the same keys
opening the envelopes — into a scratch SQLite database, and every derived table is compared
with the index's, row by row in primary-key order; the first row that differs is named.

Both sides are read from one snapshot of the index (one read transaction: SQLite in WAL mode,
PostgreSQL at REPEATABLE READ), so a follower writing meanwhile changes neither.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, func, select

from ledger.indexer.decode import RawEvent
from ledger.indexer.follower import Block, EventIndex
from ledger.indexer.models import PROJECTIONS, EventRefRow, EventRow, IndexMetaRow

#: the derived tables compared, in this order
DERIVED: tuple[Table, ...] = tuple(
    row.__table__  # type: ignore[misc]
    for row in (*PROJECTIONS, EventRefRow)
)
#: events folded per scratch transaction
CHUNK = 2_000


@dataclass(frozen=True)
class ProjectionDivergence:
    """The first row where a derived table and the replay disagree: its ``table``, its primary
    key (``key``: column → value), the columns that differ (``["missing in index"]`` or
    ``["not in the events"]`` for a row on one side only) and both rows."""

    table: str
    key: dict[str, Any]
    fields: list[str]
    index: dict[str, Any] | None
    replay: dict[str, Any] | None


@dataclass(frozen=True)
class ProjectionReport:
    """``equal``: every derived table equals the replay of the ``events`` (their count) up to
    ``last_block``; None when not compared (``reason`` says why). ``tables``: rows per table in
    the index."""

    equal: bool | None
    events: int
    last_block: int
    tables: dict[str, int]
    divergence: ProjectionDivergence | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["divergence"] = None if self.divergence is None else dict(self.divergence.__dict__)
        return out


def verify_projections(index: EventIndex) -> ProjectionReport:
    """Replay the index's events into a scratch database and compare every derived table with
    the index's (see the module doc). Never writes to the index."""
    with index.engine.connect() as live:
        if index.engine.dialect.name == "postgresql":
            live = live.execution_options(isolation_level="REPEATABLE READ")
        with live.begin():
            meta = live.execute(select(IndexMetaRow.reader_keys)).scalar()
            last = live.execute(select(func.max(EventRow.block_number))).scalar()
            if meta is not None and meta != index.opener.fingerprint():
                return ProjectionReport(
                    None,
                    0,
                    int(last or 0),
                    {},
                    reason="not compared: the index's envelopes were opened with other keys than "
                    "this gateway's (the next catch-up replays them)",
                )
            with tempfile.TemporaryDirectory(prefix="tl-replay-") as scratch_dir:
                scratch = _scratch(index, Path(scratch_dir) / "replay.sqlite")
                try:
                    count = _replay(scratch, _events(live))
                    with scratch.engine.connect() as replayed:
                        tables, divergence = _compare(live, replayed)
                finally:
                    scratch.close()
    return ProjectionReport(divergence is None, count, int(last or 0), tables, divergence)


def _scratch(index: EventIndex, path: Path) -> EventIndex:
    """An empty index of the same network in ``path``, opening envelopes with ``index``'s keys."""
    return EventIndex(
        index.w3,
        index.contract,
        index.chain_id,
        index.deployment_block,
        f"sqlite:///{path}",
        index.block_range,
        index.opener.keyring,
    )


def _events(live: Connection) -> Iterator[tuple[RawEvent, int]]:
    rows = live.execute(
        select(EventRow)
        .order_by(EventRow.block_number, EventRow.log_index)
        .execution_options(yield_per=CHUNK)
    ).mappings()
    for r in rows:
        event = RawEvent(
            block_number=r["block_number"],
            log_index=r["log_index"],
            block_hash=r["block_hash"],
            tx_hash=r["tx_hash"],
            tx_index=r["tx_index"],
            event=r["event"],
            args=r["args"],
            topics=r["topics"],
            data=r["data"],
        )
        yield event, int(r["block_time"])


def _replay(scratch: EventIndex, events: Iterator[tuple[RawEvent, int]]) -> int:
    """Fold ``events`` (each with its block time) into ``scratch`` as the follower folds a
    range; the count."""
    count = 0
    while chunk := list(itertools.islice(events, CHUNK)):
        blocks = {e.block_number: Block(e.block_number, e.block_hash, t) for e, t in chunk}
        with scratch.sessions.begin() as session:
            scratch._write(session, [e for e, _ in chunk], blocks)
        count += len(chunk)
    return count


def _compare(
    live: Connection, replayed: Connection
) -> tuple[dict[str, int], ProjectionDivergence | None]:
    """Each derived table's rows in ``live`` against ``replayed``: as multisets, by a sum of
    their hashes (no order asked of either database: SQLite and PostgreSQL order text by other
    rules); when the sums differ, the first row of the index without its equal in the replay
    (looked up by primary key), else the first row of the replay missing from the index."""
    tables: dict[str, int] = {}
    for table in DERIVED:
        ours, rows = _digest(
            live.execute(select(table).execution_options(yield_per=CHUNK)).mappings()
        )
        theirs, _ = _digest(replayed.execute(select(table)).mappings())
        tables[table.name] = rows
        if ours != theirs:
            return tables, _first_difference(table, live, replayed)
    return tables, None


def _canonical(row: Any) -> bytes:
    return json.dumps(dict(row), sort_keys=True, default=str, separators=(",", ":")).encode()


def _digest(rows: Any) -> tuple[int, int]:
    """(the sum of the rows' SHA-256 modulo 2**256, their count): equal for equal multisets."""
    total, count = 0, 0
    for row in rows:
        total = (total + int.from_bytes(hashlib.sha256(_canonical(row)).digest())) % 2**256
        count += 1
    return total, count


def _first_difference(table: Table, live: Connection, replayed: Connection) -> ProjectionDivergence:
    key = [c.name for c in table.primary_key.columns]

    def row_at(connection: Connection, row: Any) -> dict[str, Any] | None:
        found = (
            connection.execute(select(table).where(*(table.c[k] == row[k] for k in key)))
            .mappings()
            .first()
        )
        return dict(found) if found is not None else None

    for ours in live.execute(select(table)).mappings():
        theirs = row_at(replayed, ours)
        if theirs != dict(ours):
            return _divergence(table.name, key, dict(ours), theirs)
    for replay in replayed.execute(select(table)).mappings():
        if row_at(live, replay) is None:
            return _divergence(table.name, key, None, dict(replay))
    # equal as sets, not as multisets: a row twice on one side (no primary key stops it)
    return _divergence(table.name, key, None, None)


def _divergence(
    name: str, key: Sequence[str], index: dict[str, Any] | None, replay: dict[str, Any] | None
) -> ProjectionDivergence:
    row = index if index is not None else replay
    if index is None and replay is None:
        fields = ["a row counted twice"]
    elif index is None:
        fields = ["missing in index"]
    elif replay is None:
        fields = ["not in the events"]
    else:
        fields = [c for c in index if index[c] != replay.get(c)]
    return ProjectionDivergence(
        name,
        {k: row[k] for k in key} if row is not None else {},
        fields,
        _plain(index),
        _plain(replay),
    )


def _plain(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """A row as JSON carries it (bytes as 0x hex)."""
    if row is None:
        return None
    return {k: ("0x" + v.hex() if isinstance(v, bytes | bytearray) else v) for k, v in row.items()}
