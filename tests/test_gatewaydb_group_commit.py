"""The gateway database's group commit: writes of requests that arrive together share one
commit, each caller still gets its own result or its own error, and what a caller was told is
written is on disk for another process (issue #16)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from ledger.errors import Conflict
from ledger.gatewaydb import GatewayDB, ParticipantRow, ReceivedFile

WAIT = 10.0


def _file(n: int, by: str = "0xbank") -> ReceivedFile:
    return ReceivedFile(
        f"0x{n:064x}", by, "ubl", 100 + n, f"inv-{n}.xml", "invoice", None, [("number", f"0x{n:x}")]
    )


def _writers_queued_behind_a_slow_write(db: GatewayDB, jobs: list[object]) -> list[object]:
    """Run ``jobs`` (callables) on threads while one write holds the writer's turn, so all of
    them are waiting when it ends; returns each job's result or exception, in order."""
    holding, release = threading.Event(), threading.Event()

    def slow(_s: Session) -> None:
        holding.set()
        assert release.wait(WAIT)

    blocker = threading.Thread(target=db.writes.run, args=(slow,))
    blocker.start()
    assert holding.wait(WAIT)
    outcomes: list[object] = [None] * len(jobs)

    def run(i: int) -> None:
        try:
            outcomes[i] = jobs[i]()  # type: ignore[operator]
        except Exception as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for _ in range(200):  # bounded: every job has handed its write over
        with db.writes._waiting_lock:
            if len(db.writes._waiting) == len(jobs):
                break
        threading.Event().wait(0.01)
    release.set()
    for t in [blocker, *threads]:
        t.join(WAIT)
        assert not t.is_alive()
    return outcomes


def test_writes_that_arrive_together_share_one_commit(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    db = GatewayDB(url)
    before = db.writes.commits
    jobs: list[object] = [
        (lambda n=n: db.store_received(f"0x{n:064x}", "0xbank", "ubl", 1, None, None, None, []))
        for n in range(6)
    ] + [(lambda n=n: db.claim_idempotent("0xbank", f"key-{n}", "digest")) for n in range(6)]
    outcomes = _writers_queued_behind_a_slow_write(db, jobs)
    assert all(o is None for o in outcomes), outcomes
    # the slow write's commit, then one for the twelve that waited behind it
    assert db.writes.commits - before == 2
    # and another process reads every row (committed, not only in this process's cache)
    other = GatewayDB(url)
    assert all(other.received(f"0x{n:064x}") for n in range(6))
    for n in range(6):  # bound to its request: another request under the key is refused
        with pytest.raises(Conflict):
            other.claim_idempotent("0xbank", f"key-{n}", "another request")
    other.engine.dispose()
    db.engine.dispose()


def test_a_failing_write_fails_alone(tmp_path: Path) -> None:
    db = GatewayDB(f"sqlite:///{tmp_path / 'gateway.db'}")
    db.add_participant("0xtaken", "Bank A", "bank")
    jobs: list[object] = [
        lambda: db.store_received_many([_file(1)]),
        lambda: db.add_participant("0xtaken", "Bank A again", "bank"),  # refused: exists
        lambda: db.claim_idempotent("0xbank", "k", "d1"),
        lambda: db.claim_idempotent("0xbank", "k", "d2"),  # same key, another request
        lambda: db.store_received_many([_file(2)]),
    ]
    outcomes = _writers_queued_behind_a_slow_write(db, jobs)
    assert outcomes[0] is None
    assert outcomes[4] is None
    assert isinstance(outcomes[1], Conflict)
    # one of the two requests under "k" bound it; the other is told the key is taken
    assert sorted(type(o).__name__ for o in outcomes[2:4]) == ["Conflict", "NoneType"]
    assert db.received(_file(1).doc_hash)
    assert db.received(_file(2).doc_hash)
    assert db.participant("0xtaken").name == "Bank A"
    db.engine.dispose()


def test_a_write_that_raises_rolls_back_only_its_rows(tmp_path: Path) -> None:
    db = GatewayDB(f"sqlite:///{tmp_path / 'gateway.db'}")

    def half_then_fail(s: Session) -> None:
        s.add(
            ParticipantRow(address="0xhalf", name="half", role="bank", created_at=datetime.now(UTC))
        )
        s.flush()
        raise ValueError("refused after adding a row")

    jobs: list[object] = [
        lambda: db.store_received_many([_file(3)]),
        lambda: db.writes.run(half_then_fail),
        lambda: db.store_received_many([_file(4)]),
    ]
    outcomes = _writers_queued_behind_a_slow_write(db, jobs)
    assert isinstance(outcomes[1], ValueError)
    assert outcomes[0] is None
    assert outcomes[2] is None
    assert db.received(_file(3).doc_hash)
    assert db.received(_file(4).doc_hash)
    assert not db.has_participant("0xhalf")
    db.engine.dispose()


def test_a_kept_evaluation_shares_the_next_writes_commit(tmp_path: Path) -> None:
    """The evaluator outputs a check keeps (``keep_evaluated``) wait for the check's next
    write, the fingerprint-check log's entry, and are committed with it: one commit (one
    fsync) for both, and another process reads both."""
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    db = GatewayDB(url)
    before = db.writes.commits
    db.keep_evaluated("0xbank", "ab" * 32, {b"t" * 32: b"o" * 64})
    assert db.writes.commits == before  # not yet
    db.store_received(f"0x{1:064x}", "0xbank", "ubl", 1, None, None, None, [])
    assert db.writes.commits - before == 1
    other = GatewayDB(url)
    assert other.evaluated_outputs("0xbank", "ab" * 32, [b"t" * 32]) == {b"t" * 32: b"o" * 64}
    assert other.evaluated_outputs("0xbank", "cd" * 32, [b"t" * 32]) == {}  # another key
    other.close()
    db.close()


def test_a_kept_evaluation_is_committed_when_the_database_closes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    db = GatewayDB(url)
    db.keep_evaluated("0xbank", "ab" * 32, {b"t" * 32: b"o" * 64})
    db.close()  # a CLI command ends: what it kept is written
    other = GatewayDB(url)
    assert other.evaluated_outputs("0xbank", "ab" * 32, [b"t" * 32]) == {b"t" * 32: b"o" * 64}
    other.close()


def test_a_failing_deferred_write_fails_nobody(tmp_path: Path) -> None:
    """A deferred write that fails (an output another process kept meanwhile, here any error)
    costs the write it was grouped with nothing: that write is committed and answered."""
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    db = GatewayDB(url)

    def broken(_s: Session) -> None:
        raise RuntimeError("kept meanwhile")

    db.writes.defer(broken)
    db.keep_evaluated("0xbank", "ab" * 32, {b"t" * 32: b"o" * 64})
    db.store_received(f"0x{2:064x}", "0xbank", "ubl", 1, None, None, None, [])
    assert db.received(f"0x{2:064x}")
    assert db.evaluated_outputs("0xbank", "ab" * 32, [b"t" * 32]) == {b"t" * 32: b"o" * 64}
    db.close()
