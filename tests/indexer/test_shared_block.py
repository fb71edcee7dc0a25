"""Several transactions mined in one block (a batch the gateway sends at once: concurrent REST
registrations share a block) are several events to the index, on both backends.

eth-tester numbered each transaction's logs from 0, so the embedded chain answered three
registrations of one block with ``logIndex`` 0 each; the index, keyed by (block, log index),
stopped on a UNIQUE constraint and never caught up again (and ``index rebuild`` could not
either). The embedded chain now numbers logs across the block, as JSON-RPC specifies."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ledger.indexer import EventIndex, verify
from ledger.indexer.models import DocumentRow
from ledger.services.roles import DocType
from tests.conftest import Network

pytestmark = pytest.mark.both_backends


def test_the_events_of_one_block_are_each_indexed(network: Network, tmp_path: Path) -> None:
    ledger = network.ledger
    bank = ledger.transactor(network.bank.address)
    calls = [
        ledger.contract.functions.registerDocument(
            hashlib.sha256(f"shared block {i}".encode()).digest(), int(DocType.INVOICE)
        )
        for i in range(4)
    ]
    txs = [
        {"to": ledger.contract.address, "data": call._encode_transaction_data(), "gas": 150_000}
        for call in calls
    ]
    sent = bank.send_many(txs)
    receipts = [bank.wait(s) for s in sent]
    blocks = {r["blockNumber"] for r in receipts}
    logs = ledger.w3.eth.get_logs(
        {"fromBlock": min(blocks), "toBlock": max(blocks), "address": ledger.contract.address}
    )
    # one log index per log of a block, as JSON-RPC numbers them; receipts agree with getLogs
    positions = [(log["blockNumber"], log["logIndex"]) for log in logs]
    assert len(positions) == len(set(positions)) == 4
    assert sorted((r["blockNumber"], r["logs"][0]["logIndex"]) for r in receipts) == sorted(
        positions
    )
    if ledger.node is not None:  # the embedded chain mines a batch as one block
        assert len(blocks) == 1
    index = EventIndex.for_ledger(ledger, f"sqlite:///{tmp_path / 'index.sqlite'}")
    try:
        index.catch_up()
        with index.sessions() as session:
            assert session.scalar(select(func.count()).select_from(DocumentRow)) == 4
        report = verify(index)
        assert report.equal
        assert report.behind_blocks == 0
        # a block the index has not reached: "equal" is about the indexed blocks, and the
        # report says how far behind the head they stop (it answered a bare "equal" before)
        ledger.transactor(network.enterprise.address).transact(
            ledger.contract.functions.registerDocument(
                hashlib.sha256(b"after the index").digest(), int(DocType.INVOICE)
            ),
            150_000,
        )
        later = verify(index)
        assert later.behind_blocks >= 1
        assert later.head_block == later.last_block + later.behind_blocks
    finally:
        index.close()
