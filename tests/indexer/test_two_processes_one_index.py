"""Two followers of one SQLite index — the served gateway and a CLI command beside it, each its
own process with its own connections — catch up at the same time without either failing.

A range was written in a transaction that read the cursor first and took the write lock at its
first write; when the other follower had committed a range in between, SQLite refused the
upgrade at once ("database is locked", ``SQLITE_BUSY_SNAPSHOT``: no busy wait can help a stale
read), and a tryout's ``doc receive`` beside its serving gateway died with a traceback. The
follower's writes now begin ``IMMEDIATE`` (``ledger.indexer.db.write_engine``): the second
waits for the first, finds the range written, and goes on."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from ledger.indexer import EventIndex, verify
from ledger.indexer.models import DocumentRow
from ledger.services.roles import DocType
from tests.conftest import Network


def _register(network: Network, label: str) -> None:
    ledger = network.ledger
    ledger.transactor(network.enterprise.address).transact(
        ledger.contract.functions.registerDocument(
            hashlib.sha256(label.encode()).digest(), int(DocType.INVOICE)
        ),
        150_000,
    )


def test_a_range_written_by_another_process_meanwhile_is_no_error(
    network: Network, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'index.sqlite'}"
    gateway = EventIndex.for_ledger(network.ledger, url)
    cli = EventIndex.for_ledger(network.ledger, url)  # its own engine: another process's
    try:
        gateway.catch_up()
        before = gateway.cursor()[0]
        for i in range(3):
            _register(network, f"two followers {i}")
        failures: list[BaseException] = []
        other = threading.Thread(target=_catching_up, args=(gateway, failures), daemon=True)
        written = cli._write
        started: list[bool] = []

        def write_after_the_other_ran(session: Any, events: Any, blocks: Any) -> None:
            if not started:  # the gateway catches up between this range's read and its write
                started.append(True)
                other.start()
                time.sleep(1.0)
            written(session, events, blocks)

        cli._write = write_after_the_other_ran  # type: ignore[method-assign]
        cli.catch_up()
        other.join(timeout=60)
        assert not other.is_alive()
        assert failures == []
        assert started == [True]
        head = network.ledger.head_block()
        assert cli.cursor()[0] == gateway.cursor()[0] == head > before
        with cli.sessions() as session:
            assert session.scalar(select(func.count()).select_from(DocumentRow)) >= 3
        report = verify(cli)
        assert report.equal
        assert report.behind_blocks == 0
    finally:
        cli.close()
        gateway.close()


def _catching_up(index: EventIndex, failures: list[BaseException]) -> None:
    try:
        index.catch_up()
    except BaseException as exc:  # the test reports what the thread met
        failures.append(exc)
