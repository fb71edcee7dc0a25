"""verify(): proof that the index holds exactly the chain's events.

Both sides are read in (block, log index) order — the chain through ``eth_getLogs`` and
``eth_getBlockByNumber``, the index from its ``events`` table — and folded into a running hash::

    leaf_i = keccak(canonical JSON of [block, block hash, block time, tx hash, tx index,
                                       log index, event, args, topics, data])
    h_0 = 32 zero bytes;  h_i = keccak(h_{i-1} || leaf_i)

Equal final hashes and equal counts per event mean the index is a faithful copy up to its last
indexed block (whose hash is also checked against the chain). On inequality the first record
that differs is named: block, transaction, log index, and which fields differ. The tables the
audit's answers are read from are then compared with a replay of those events
(:mod:`ledger.indexer.replaycheck`): the index is equal to the chain only when they are too.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from web3 import Web3

from ledger.indexer.follower import Block, EventIndex
from ledger.indexer.models import EventRow
from ledger.indexer.replaycheck import ProjectionReport, verify_projections

FIELDS = (
    "block_number",
    "block_hash",
    "block_time",
    "tx_hash",
    "tx_index",
    "log_index",
    "event",
    "args",
    "topics",
    "data",
)
ZERO = b"\0" * 32


@dataclass(frozen=True)
class Divergence:
    """The first record where the index and the chain disagree."""

    block_number: int
    tx_hash: str
    log_index: int
    #: field names that differ; ["missing in index"] or ["not on chain"] for a lone record
    fields: list[str]
    chain: dict[str, Any] | None
    index: dict[str, Any] | None


@dataclass
class VerifyReport:
    equal: bool
    last_block: int
    last_block_hash_ok: bool
    chain_events: int
    index_events: int
    chain_hash: str
    index_hash: str
    chain_counts: dict[str, int] = field(default_factory=dict)
    index_counts: dict[str, int] = field(default_factory=dict)
    divergence: Divergence | None = None
    #: the chain's head when the check ran, and how many blocks past ``last_block`` the index
    #: had not reached: ``equal`` covers blocks up to ``last_block`` only
    head_block: int = 0
    behind_blocks: int = 0
    #: the tables the audit reads against a replay of the index's events
    #: (:func:`ledger.indexer.replaycheck.verify_projections`); ``equal`` needs them equal too
    projections: ProjectionReport | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.__dict__)
        out["divergence"] = None if self.divergence is None else dict(self.divergence.__dict__)
        out["projections"] = None if self.projections is None else self.projections.to_dict()
        return out


def leaf(record: dict[str, Any]) -> bytes:
    text = json.dumps([record[f] for f in FIELDS], separators=(",", ":"))
    return bytes(Web3.keccak(text=text))


def _chain_records(index: EventIndex, last: int) -> Iterator[dict[str, Any]]:
    first = index.deployment_block
    while first <= last:
        end = min(first + index.block_range - 1, last)
        times: dict[int, Block | None] = {}
        for e in index.chain_events(first, end):
            if e.block_number not in times:
                times[e.block_number] = index.block(e.block_number)
            block = times[e.block_number]
            yield {
                "block_number": e.block_number,
                "block_hash": e.block_hash,
                "block_time": block.time if block is not None else -1,
                "tx_hash": e.tx_hash,
                "tx_index": e.tx_index,
                "log_index": e.log_index,
                "event": e.event,
                "args": e.args,
                "topics": e.topics,
                "data": e.data,
            }
        first = end + 1


def _index_records(index: EventIndex, last: int) -> Iterator[dict[str, Any]]:
    with index.sessions() as session:
        rows = session.execute(
            select(EventRow)
            .where(EventRow.block_number <= last)
            .order_by(EventRow.block_number, EventRow.log_index)
            .execution_options(yield_per=1000)
        ).scalars()
        for row in rows:
            yield {f: getattr(row, f) for f in FIELDS}


def verify(index: EventIndex) -> VerifyReport:
    """Compare the index with the chain up to the index's last block; ``behind_blocks`` says
    how far that is from the chain's head (``equal`` is about the indexed blocks only). Then
    the tables every audit answer is read from against a replay of the index's events
    (``projections``): ``equal`` only when they are equal too."""
    last, last_hash = index.cursor()
    head = index.head()
    on_chain = index.block(last)
    hash_ok = on_chain is not None and on_chain.hash == last_hash
    chain_h, index_h = ZERO, ZERO
    chain_counts: Counter[str] = Counter()
    index_counts: Counter[str] = Counter()
    divergence: Divergence | None = None
    pairs = itertools.zip_longest(_chain_records(index, last), _index_records(index, last))
    for chain_rec, index_rec in pairs:
        if chain_rec is not None:
            chain_h = bytes(Web3.keccak(chain_h + leaf(chain_rec)))
            chain_counts[chain_rec["event"]] += 1
        if index_rec is not None:
            index_h = bytes(Web3.keccak(index_h + leaf(index_rec)))
            index_counts[index_rec["event"]] += 1
        if divergence is None and chain_rec != index_rec:
            divergence = _divergence(chain_rec, index_rec)
    projections = verify_projections(index)
    return VerifyReport(
        equal=divergence is None
        and hash_ok
        and chain_h == index_h
        and projections.equal is not False,
        last_block=last,
        last_block_hash_ok=hash_ok,
        chain_events=sum(chain_counts.values()),
        index_events=sum(index_counts.values()),
        chain_hash="0x" + chain_h.hex(),
        index_hash="0x" + index_h.hex(),
        chain_counts=dict(sorted(chain_counts.items())),
        index_counts=dict(sorted(index_counts.items())),
        divergence=divergence,
        head_block=head,
        behind_blocks=max(0, head - last),
        projections=projections,
    )


def _divergence(chain: dict[str, Any] | None, index: dict[str, Any] | None) -> Divergence:
    if chain is None:
        assert index is not None
        return Divergence(
            index["block_number"],
            index["tx_hash"],
            index["log_index"],
            ["not on chain"],
            None,
            index,
        )
    if index is None:
        return Divergence(
            chain["block_number"],
            chain["tx_hash"],
            chain["log_index"],
            ["missing in index"],
            chain,
            None,
        )
    # the index is ordered like the chain: the earlier of the two is the one the other lacks
    chain_key = (chain["block_number"], chain["log_index"])
    index_key = (index["block_number"], index["log_index"])
    if chain_key < index_key:
        return Divergence(
            chain_key[0], chain["tx_hash"], chain_key[1], ["missing in index"], chain, None
        )
    if index_key < chain_key:
        return Divergence(
            index_key[0], index["tx_hash"], index_key[1], ["not on chain"], None, index
        )
    differ = [f for f in FIELDS if chain[f] != index[f]]
    return Divergence(chain_key[0], chain["tx_hash"], chain_key[1], differ, chain, index)
