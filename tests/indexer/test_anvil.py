"""The follower against a JSON-RPC node (anvil): chain reorganisations, and a follower process
killed with SIGKILL mid-way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from indexer.activity import h, hx
from indexer.fixtures import Network, new_index, rpc
from sqlalchemy import select

from ledger.indexer import verify
from ledger.indexer.models import DocumentRow, EventRow
from ledger.services import documents as docs
from ledger.services.roles import DocType

pytestmark = pytest.mark.anvil

ROOT = Path(__file__).resolve().parents[2]


def indexed_docs(index: object) -> set[str]:
    with index.sessions() as s:  # type: ignore[attr-defined]
        return set(s.scalars(select(DocumentRow.doc_hash)))


def test_a_reorg_is_unwound_to_the_common_ancestor_and_reindexed(
    anvil_network: Network, anvil_url: str, tmp_path: Path
) -> None:
    ledger = anvil_network.ledger
    ent, bank = anvil_network.enterprise.address, anvil_network.bank.address
    docs.register(ledger, ent, h("kept"), DocType.INVOICE)
    index = new_index(ledger, f"sqlite:///{tmp_path / 'index.sqlite'}", block_range=3)
    try:
        index.catch_up()
        ancestor = ledger.head_block()
        docs.register(ledger, ent, h("orphan-1"), DocType.INVOICE)
        docs.register(ledger, ent, h("orphan-2"), DocType.INVOICE)
        index.catch_up()
        assert {hx(h("orphan-1")), hx(h("orphan-2"))} <= indexed_docs(index)
        old_head = index.cursor()

        rpc(anvil_url, "anvil_reorg", [2, []])  # the last two blocks replaced by empty ones
        assert ledger.head_block() == old_head[0]
        assert index.block(old_head[0]).hash != old_head[1]  # same height, another block

        index.catch_up()
        assert index.cursor()[0] == ledger.head_block()
        assert index.cursor()[1] == index.block(ledger.head_block()).hash
        present = indexed_docs(index)
        assert hx(h("kept")) in present
        assert hx(h("orphan-1")) not in present
        assert hx(h("orphan-2")) not in present
        with index.sessions() as s:
            assert not s.scalars(select(EventRow).where(EventRow.block_number > ancestor)).all()
        report = verify(index)
        assert report.equal, report.divergence

        # the index goes on from the new branch
        docs.register(ledger, bank, h("after"), DocType.INVOICE)
        index.catch_up()
        assert hx(h("after")) in indexed_docs(index)
        assert verify(index).equal
    finally:
        index.close()


CHILD = """
import sys, time
from ledger.config import Settings
from ledger.indexer import EventIndex
from ledger.network import open_ledger
settings = Settings(data_dir=sys.argv[1], chain_url=sys.argv[2], keystore_scrypt_n=1024)
ledger = open_ledger(settings)
index = EventIndex.for_ledger(ledger, sys.argv[3], block_range=1)
index.after_commit = lambda first, last: time.sleep(0.03)
index.catch_up()
print("finished", flush=True)
"""


def test_a_follower_killed_mid_way_resumes_without_gaps_or_doubles(
    anvil_network: Network, anvil_url: str, tmp_path: Path
) -> None:
    ledger = anvil_network.ledger
    for n in range(25):
        docs.register(ledger, anvil_network.enterprise.address, h(f"doc-{n}"), DocType.INVOICE)
    head = ledger.head_block()
    url = f"sqlite:///{tmp_path / 'index.sqlite'}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(ledger.settings.data_dir), anvil_url, url],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    watcher = new_index(ledger, url)
    try:
        deadline = time.monotonic() + 30
        while watcher.cursor()[0] < ledger.manifest.deployment_block + 10:
            assert child.poll() is None, child.stderr.read() if child.stderr else ""
            assert time.monotonic() < deadline, "the child indexed nothing"
            time.sleep(0.01)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        stopped_at = watcher.cursor()[0]
        assert stopped_at < head  # killed mid-way

        watcher.catch_up()
        with watcher.sessions() as s:
            keys = s.execute(select(EventRow.block_number, EventRow.log_index)).all()
        chain = watcher.chain_events(watcher.deployment_block, head)
        assert len(keys) == len(set(keys)) == len(chain)
        assert {(e.block_number, e.log_index) for e in chain} == set(keys)
        report = verify(watcher)
        assert report.equal, report.divergence
        assert report.index_counts["DocumentRegistered"] == 25
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
        watcher.close()
