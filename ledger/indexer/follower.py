"""The follower: chain logs → SQL, in bounded block ranges, one SQL transaction per range.

Guarantees (see docs/audit.md):

* **no gaps, no doubles** — a range's events, projections and the cursor (last indexed block and
  its hash) commit in one transaction; a crash anywhere leaves the index at the last committed
  range, and the next run starts right after it;
* **reorg-safe** — before each range the stored hash of the last indexed block is compared with
  the chain's; on a mismatch the follower walks back through its stored block hashes to the
  common ancestor, deletes everything above it, replays the projections from the surviving
  events, and indexes forward again;
* **one index, one network** — the cursor row names the chain id and contract; an index built for
  another network is refused, never mixed;
* **one layout** — ``index_meta`` names the schema version; an index of another version (one
  written before financings were confidential, say) is dropped on open and indexed again;
* **the gateway's keys** — financing envelopes are opened with every encryption key the gateway
  holds (:mod:`ledger.indexer.opener`); when that set of keys changes (a member added here, a key
  restored), the projections are replayed from the stored events so that what the new key opens
  is indexed too.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, inspect, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import BlockNotFound

from ledger import confidential as conf
from ledger.chain.rpc import RpcClient, RpcError
from ledger.datadir import private_sqlite
from ledger.errors import ChainUnavailable, IndexUnreadable, LedgerError, LedgerStateError
from ledger.indexer import projections
from ledger.indexer.db import (
    make_engine,
    set_aside,
    unreadable_sqlite,
    write_engine,
)
from ledger.indexer.decode import Decoder, RawEvent, to_hex
from ledger.indexer.models import (
    PROJECTIONS,
    SCHEMA_VERSION,
    Base,
    BlockRow,
    CursorRow,
    EventRefRow,
    EventRow,
    IndexMetaRow,
)
from ledger.indexer.opener import Keyring, Opener

if TYPE_CHECKING:
    from ledger.chain.embedded import EmbeddedNode
    from ledger.network import Ledger

#: blocks per eth_getLogs call and per SQL transaction
DEFAULT_BLOCK_RANGE = 2000


class RangeRaced(LedgerError):
    """The chain changed under a range while it was read (a reorg in progress); retry."""

    code = "range_raced"


@dataclass(frozen=True)
class IndexStatus:
    """Where the index stands against the chain."""

    chain_id: int
    contract: str
    deployment_block: int
    last_block: int
    last_block_hash: str
    head_block: int
    lag: int
    events: int


@dataclass(frozen=True)
class Block:
    number: int
    hash: str
    time: int


#: the index's last block and its hash (built once: every read at the head asks it)
_CURSOR = select(CursorRow.last_block, CursorRow.last_block_hash).where(CursorRow.id == 1)


class EventIndex:
    """The event index of one network, in the SQL database at ``url``."""

    def __init__(
        self,
        w3: Web3,
        contract: Contract,
        chain_id: int,
        deployment_block: int,
        url: str,
        block_range: int = DEFAULT_BLOCK_RANGE,
        keyring: Keyring | None = None,
        rpc: RpcClient | None = None,
        node: EmbeddedNode | None = None,
    ) -> None:
        self.w3 = w3
        #: a JSON-RPC node's batch client: heads, blocks and logs read without web3's per-call
        #: work, a range's blocks in one round trip (issue #16); None: through ``w3``
        self.rpc = rpc
        #: the embedded chain: blocks and logs read from its store, without eth-tester's and
        #: web3's formatting of each (issue #16); None: through ``rpc`` or ``w3``
        self.node = node
        self.contract = contract
        self.chain_id = chain_id
        self.contract_address = str(contract.address)
        self.deployment_block = deployment_block
        self.block_range = max(1, block_range)
        self.engine: Engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        #: the follower's own writes (a range, an unwind, a replay): on SQLite they take the
        #: write lock as they begin (``BEGIN IMMEDIATE``, :func:`ledger.indexer.db.make_engine`)
        self.write_sessions = sessionmaker(write_engine(self.engine), expire_on_commit=False)
        self.decoder = Decoder(contract)
        self._lock = threading.Lock()
        #: test hooks: called inside a range's transaction before commit / after commit
        self.before_commit: Callable[[int, int], None] | None = None
        self.after_commit: Callable[[int, int], None] | None = None
        #: opens financing envelopes with the gateway's keys (``keyring``; None: public part)
        self.opener = Opener(
            conf.Context(chain_id, bytes.fromhex(self.contract_address.removeprefix("0x"))),
            keyring,
        )
        self._synced_keys: str | None = None
        #: where :meth:`for_ledger` set an unreadable index file aside (None: it did not)
        self.set_aside_as: Path | None = None
        try:
            self._ensure_schema()
        except DatabaseError as exc:
            self.engine.dispose()
            unreadable = unreadable_sqlite(url, exc)
            if unreadable is None:
                raise
            raise unreadable from None

    def _ensure_schema(self) -> None:
        """Create the tables; drop and recreate them first when they are of another schema
        version (the index is disposable: the next catch_up indexes the chain again)."""
        tables = set(inspect(self.engine).get_table_names())
        ours = {t.name for t in Base.metadata.sorted_tables}
        if tables & ours:
            version = None
            if IndexMetaRow.__tablename__ in tables:
                with self.engine.connect() as connection:
                    version = connection.scalar(
                        select(IndexMetaRow.schema_version).where(IndexMetaRow.id == 1)
                    )
            if version != SCHEMA_VERSION:
                Base.metadata.drop_all(self.engine)
        Base.metadata.create_all(self.engine)
        self._ensure_meta()

    def _ensure_meta(self) -> None:
        try:
            with self.write_sessions.begin() as session:
                if session.get(IndexMetaRow, 1) is None:
                    session.add(
                        IndexMetaRow(
                            id=1,
                            schema_version=SCHEMA_VERSION,
                            reader_keys=self.opener.fingerprint(),
                        )
                    )
        except IntegrityError:
            pass  # another process wrote it first

    @classmethod
    def for_ledger(
        cls,
        ledger: Ledger,
        url: str | None = None,
        block_range: int = DEFAULT_BLOCK_RANGE,
        *,
        set_aside_unreadable: bool = False,
    ) -> EventIndex:
        """The index of ``ledger``'s network, opening envelopes with its gateway's keys.
        Raises :class:`ledger.errors.IndexUnreadable` when its SQLite file is no database
        — unless ``set_aside_unreadable`` (``index rebuild``): then the file is moved aside
        (:func:`ledger.indexer.db.set_aside`, named in :attr:`set_aside_as`) and a new index
        opened in its place, to be filled by a catch-up."""
        url = url or ledger.settings.index_db_url()

        def opened() -> EventIndex:
            return cls(
                ledger.w3,
                ledger.contract,
                ledger.chain_id,
                ledger.manifest.deployment_block,
                url,
                block_range,
                ledger.encryption_keys,
                ledger.rpc,
                ledger.node,
            )

        try:
            return opened()
        except IndexUnreadable as unreadable:
            if not set_aside_unreadable:
                raise
            aside = set_aside(unreadable.path)
            private_sqlite(unreadable.path)  # the new file private, as init made the first
        index = opened()
        index.set_aside_as = aside
        return index

    def close(self) -> None:
        self.engine.dispose()

    # -- chain reads ----------------------------------------------------------------------------

    def _rpc(self, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except BlockNotFound:
            raise
        except LedgerError:
            raise
        except Exception as exc:
            raise ChainUnavailable(f"chain read failed: {exc}") from None

    def head(self) -> int:
        """The chain's head block number. On the embedded chain, its store's committed head:
        eth-tester's ``eth_blockNumber`` builds and validates the whole head block (a
        back-fill's holds thousands of transactions: ~200 ms, issue #16)."""
        if self.node is not None:
            return int(self._rpc(self.node.head)[0])
        if self.rpc is not None:
            rpc = self.rpc
            return int(str(self._rpc(lambda: rpc.call("eth_blockNumber"))), 16)
        return int(self._rpc(lambda: self.w3.eth.block_number))

    def head_block(self) -> Block:
        """The chain's head block (number, hash, time) in one read."""
        if self.node is not None:
            node = self.node
            number, block_hash, time = self._rpc(node.head)
            return Block(number, block_hash.lower(), time)
        if self.rpc is not None:
            rpc = self.rpc
            answer = self._rpc(lambda: rpc.call("eth_getBlockByNumber", ["latest", False]))
            if not isinstance(answer, dict):
                raise ChainUnavailable(f"chain read failed: the head block is {answer!r:.200}")
            return Block(
                int(str(answer["number"]), 16),
                str(answer["hash"]).lower(),
                int(str(answer["timestamp"]), 16),
            )
        raw = self._rpc(lambda: self.w3.eth.get_block("latest"))
        return Block(int(raw["number"]), to_hex(raw["hash"]), int(raw["timestamp"]))

    def block(self, number: int) -> Block | None:
        """The canonical block ``number``, or None when the chain is shorter."""
        return self.blocks([number])[number]

    def _node_block(self, node: EmbeddedNode, number: int) -> Block | None:
        found: tuple[str, int] | None = self._rpc(lambda: node.header(number))
        return None if found is None else Block(number, found[0], found[1])

    def _web3_block(self, number: int) -> Block | None:
        try:
            raw = self._rpc(lambda: self.w3.eth.get_block(number))
        except BlockNotFound:
            return None
        return Block(int(raw["number"]), to_hex(raw["hash"]), int(raw["timestamp"]))

    def blocks(self, numbers: Sequence[int]) -> dict[int, Block | None]:
        """The canonical blocks ``numbers`` (None: the chain is shorter), in one JSON-RPC
        batch on a node, from the store's headers on the embedded chain."""
        if self.node is not None:
            return {number: self._node_block(self.node, number) for number in numbers}
        if self.rpc is None:
            return {number: self._web3_block(number) for number in numbers}
        rpc = self.rpc
        answers = self._rpc(
            lambda: rpc.batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
        )
        out: dict[int, Block | None] = {}
        for number, answer in zip(numbers, answers, strict=True):
            if isinstance(answer, RpcError):
                raise ChainUnavailable(f"chain read failed: {answer}")
            out[number] = (
                None
                if answer is None
                else Block(
                    int(str(answer["number"]), 16),
                    str(answer["hash"]).lower(),
                    int(str(answer["timestamp"]), 16),
                )
            )
        return out

    def chain_events(self, first: int, last: int) -> list[RawEvent]:
        """The contract's decoded events in blocks ``first..last``, in chain order (on a node
        read as its JSON-RPC answer, without web3's formatting of each log)."""
        if self.node is not None:
            node, address = self.node, self.contract_address
            logs = self._rpc(lambda: node.logs(address, first, last))
        elif self.rpc is not None:
            rpc = self.rpc
            query = {
                "address": self.contract.address,
                "fromBlock": hex(first),
                "toBlock": hex(last),
            }
            logs = self._rpc(lambda: rpc.call("eth_getLogs", [query]))
            if not isinstance(logs, list):
                raise ChainUnavailable(f"chain read failed: eth_getLogs answered {logs!r:.200}")
        else:
            logs = self._rpc(
                lambda: self.w3.eth.get_logs(
                    {"address": self.contract.address, "fromBlock": first, "toBlock": last}
                )
            )
        events = [e for e in (self.decoder.decode(log) for log in logs) if e is not None]
        events.sort(key=lambda e: (e.block_number, e.log_index))
        return events

    # -- cursor -------------------------------------------------------------------------------

    def _cursor(self, session: Session, lock: bool = False) -> CursorRow:
        query = select(CursorRow).where(CursorRow.id == 1)
        if lock:
            query = query.with_for_update()
        cursor = session.scalars(query).first()
        if cursor is None:
            start = self.deployment_block - 1
            block = self.block(start)
            if block is None:
                raise LedgerStateError(f"the chain has no block {start}")
            cursor = CursorRow(
                id=1,
                chain_id=self.chain_id,
                contract=self.contract_address,
                deployment_block=self.deployment_block,
                last_block=start,
                last_block_hash=block.hash,
            )
            session.add(cursor)
            session.add(BlockRow(number=start, hash=block.hash))
            session.flush()
        elif cursor.chain_id != self.chain_id or cursor.contract != self.contract_address:
            raise LedgerStateError(
                "this index belongs to another network: rebuild it or point index_url elsewhere",
                index_chain_id=cursor.chain_id,
                index_contract=cursor.contract,
            )
        return cursor

    def cursor(self) -> tuple[int, str]:
        """The last indexed block and its hash."""
        with self.sessions.begin() as session:
            cursor = self._cursor(session)
            return cursor.last_block, cursor.last_block_hash

    def indexed(self, connection: Connection | None = None) -> tuple[int, str] | None:
        """The last indexed block and its hash, read without a write transaction (None: the
        index has not started); in ``connection`` when given (with other reads, as of one
        moment)."""
        if connection is None:
            with self.engine.connect() as own:
                found = own.execute(_CURSOR).first()
        else:
            found = connection.execute(_CURSOR).first()
        return None if found is None else (int(found[0]), str(found[1]))

    def status(self) -> IndexStatus:
        last, last_hash = self.cursor()
        head = self.head()
        with self.sessions() as session:
            count = int(session.scalar(select(func.count()).select_from(EventRow)) or 0)
        return IndexStatus(
            chain_id=self.chain_id,
            contract=self.contract_address,
            deployment_block=self.deployment_block,
            last_block=last,
            last_block_hash=last_hash,
            head_block=head,
            lag=max(0, head - last),
            events=count,
        )

    def lag(self) -> int:
        """Blocks the index is behind the chain head."""
        return max(0, self.head() - self.cursor()[0])

    # -- following ------------------------------------------------------------------------------

    def catch_up(
        self, to_block: int | None = None, max_ranges: int | None = None, wait: bool = True
    ) -> int:
        """Index up to ``to_block`` (default: the head). Returns the number of events written.
        ``wait=False``: when another thread is catching up already, return 0 at once instead
        of queueing behind it (for a read that covers what is not indexed by itself)."""
        if not self._lock.acquire(blocking=wait):
            return 0
        try:
            return self._catch_up_locked(to_block, max_ranges)
        finally:
            self._lock.release()

    def _catch_up_locked(self, to_block: int | None, max_ranges: int | None) -> int:
        written = 0
        ranges = 0
        self._sync_keys()
        while max_ranges is None or ranges < max_ranges:
            target = self.head() if to_block is None else min(to_block, self.head())
            last, last_hash = self.cursor()
            stored = self.block(last)
            if stored is None or stored.hash != last_hash:
                self._unwind()
                continue
            if last >= target:
                break
            first, end = last + 1, min(last + self.block_range, target)
            try:
                written += self._index_range(last, first, end)
            except RangeRaced:
                continue
            ranges += 1
        return written

    def _sync_keys(self) -> None:
        """Replay the projections when the gateway's keys are not those they were opened
        with (``index_meta.reader_keys``)."""
        self.opener.refresh()
        keys = self.opener.fingerprint()
        if keys == self._synced_keys:
            return
        with self.write_sessions.begin() as session:
            meta = session.get(IndexMetaRow, 1, with_for_update=True)
            if meta is None:
                meta = IndexMetaRow(id=1, schema_version=SCHEMA_VERSION, reader_keys=keys)
                session.add(meta)
            elif meta.reader_keys != keys:
                self._replay(session)
                meta.reader_keys = keys
        self._synced_keys = keys

    def _index_range(self, expected_last: int, first: int, last: int) -> int:
        end_before = self.block(last)
        events = self.chain_events(first, last)
        blocks: dict[int, Block] = {}
        for number, found in self.blocks(sorted({e.block_number for e in events})).items():
            if found is None:
                raise RangeRaced("block vanished while indexing")
            blocks[number] = found
        end_after = self.block(last)
        if end_before is None or end_after is None or end_before.hash != end_after.hash:
            raise RangeRaced("the chain moved under the range")
        if any(blocks[e.block_number].hash != e.block_hash for e in events):
            raise RangeRaced("logs from a block that is no longer canonical")
        with self.write_sessions.begin() as session:
            cursor = self._cursor(session, lock=True)
            if cursor.last_block != expected_last:
                return 0  # another follower committed this range first
            self._write(session, events, blocks)
            self._checkpoint(session, first, last, blocks.values(), end_after)
            cursor.last_block = last
            cursor.last_block_hash = end_after.hash
            if self.before_commit is not None:
                session.flush()
                self.before_commit(first, last)
        if self.after_commit is not None:
            self.after_commit(first, last)
        return len(events)

    @staticmethod
    def _checkpoint(
        session: Session, first: int, last: int, blocks: Iterable[Block], end: Block
    ) -> None:
        """The hashes of a range's blocks with events and of its last block (``end``), in one
        DELETE and one INSERT (issue #16: a merge per block read each row back first — 9% of
        a gateway's interpreter time under single registrations, one block each). Nothing of
        the range is stored before it is written here (an unwind deletes what is above the
        common ancestor); the DELETE keeps the write correct if a row ever is."""
        hashes = {block.number: block.hash for block in blocks}
        hashes[last] = end.hash
        session.execute(delete(BlockRow).where(BlockRow.number >= first, BlockRow.number <= last))
        session.execute(
            insert(BlockRow), [{"number": n, "hash": h} for n, h in sorted(hashes.items())]
        )

    def _write(
        self, session: Session, events: Iterable[RawEvent], blocks: Mapping[int, Block]
    ) -> None:
        """Store ``events`` and fold each into the projections, in chain order.

        The events and their refs go in as plain batched INSERTs (no ORM object per row): they
        are held back only until a projection that may read stored events runs (a financing's
        envelopes are opened from its earlier events), so every projection reads the index as
        it stood at its own event. A range of registrations is two INSERT statements."""
        stored: list[dict[str, Any]] = []
        refs: list[dict[str, Any]] = []
        for e in events:
            time = blocks[e.block_number].time
            args = json.loads(e.args)
            stored.append(
                {
                    "block_number": e.block_number,
                    "log_index": e.log_index,
                    "block_hash": e.block_hash,
                    "block_time": time,
                    "tx_hash": e.tx_hash,
                    "tx_index": e.tx_index,
                    "event": e.event,
                    "args": e.args,
                    "topics": e.topics,
                    "data": e.data,
                }
            )
            refs.extend(
                {"kind": kind, "ref": ref, "block_number": e.block_number, "log_index": e.log_index}
                for kind, ref in projections.refs(session, e.event, args)
            )
            if e.event not in projections.READS_NO_EVENTS:
                _insert_rows(session, stored, refs)
            projections.apply(
                session, e.event, args, e.block_number, e.log_index, time, e.tx_hash, self.opener
            )
        _insert_rows(session, stored, refs)
        projections.release(session)
        # the projections' rows: one flush for the range (batched INSERTs; a projection that
        # reads a row an earlier event of the range added finds it: the session autoflushes
        # before any read)
        session.flush()

    # -- reorgs ---------------------------------------------------------------------------------

    def _unwind(self) -> int:
        """Walk back to the common ancestor with the chain, delete what is above it, replay the
        projections. Returns the ancestor's number."""
        with self.write_sessions.begin() as session:
            cursor = self._cursor(session, lock=True)
            ancestor: Block | None = None
            checkpoints = session.scalars(
                select(BlockRow)
                .where(BlockRow.number <= cursor.last_block)
                .order_by(BlockRow.number.desc())
            )
            for checkpoint in checkpoints:
                found = self.block(checkpoint.number)
                if found is not None and found.hash == checkpoint.hash:
                    ancestor = found
                    break
            if ancestor is None:
                start = self.block(self.deployment_block - 1)
                if start is None:
                    raise LedgerStateError("the chain lost the block before the deployment")
                ancestor = start
            top = ancestor.number
            session.execute(delete(EventRefRow).where(EventRefRow.block_number > top))
            session.execute(delete(EventRow).where(EventRow.block_number > top))
            session.execute(delete(BlockRow).where(BlockRow.number > top))
            session.merge(BlockRow(number=top, hash=ancestor.hash))
            cursor.last_block = top
            cursor.last_block_hash = ancestor.hash
            self._replay(session)
        return top

    def _replay(self, session: Session) -> None:
        self.opener.data_keys.clear()
        projections.forget(session)
        for table in PROJECTIONS:
            session.execute(delete(table))
        session.flush()
        rows = session.execute(
            select(
                EventRow.event,
                EventRow.args,
                EventRow.block_number,
                EventRow.log_index,
                EventRow.block_time,
                EventRow.tx_hash,
            ).order_by(EventRow.block_number, EventRow.log_index)
        ).all()
        for name, args, number, log_index, time, tx_hash in rows:
            projections.apply(
                session, name, json.loads(args), number, log_index, time, tx_hash, self.opener
            )
        projections.release(session)
        session.flush()

    # -- rebuild --------------------------------------------------------------------------------

    def rebuild(self) -> int:
        """Drop every table and index the chain again from the deployment block."""
        with self._lock:
            Base.metadata.drop_all(self.engine)
            Base.metadata.create_all(self.engine)
            self.opener.data_keys.clear()
            self._synced_keys = None
            self._ensure_meta()
        return self.catch_up()


def _insert_rows(
    session: Session, stored: list[dict[str, Any]], refs: list[dict[str, Any]]
) -> None:
    """INSERT the held-back events and refs (one statement each), and forget them."""
    if stored:
        session.execute(insert(EventRow.__table__), stored)  # type: ignore[arg-type]
        stored.clear()
    if refs:
        session.execute(insert(EventRefRow.__table__), refs)  # type: ignore[arg-type]
        refs.clear()
