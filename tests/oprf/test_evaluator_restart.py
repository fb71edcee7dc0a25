"""A restarted evaluator keeps what protects the members (the carried-over finding "evaluator
rate-limit counters are per process"): the rate limit counts the evaluations of the window
before the restart (from its persisted log), and a request signed before the restart is
refused — its nonce, held in memory, was lost with the old process, so it could be a replay."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_account import Account

from ledger.evaluator import (
    EVALUATE_LABEL,
    ROLE_BANK,
    EvaluationLog,
    EvaluatorService,
    Refused,
    key_signer,
    sign_request,
)
from ledger.oprf import Client, Evaluator

CONSORTIUM = "0x" + "ab" * 20
BANK = Account.create()
OTHER_BANK = Account.create()


def _service(log_file: Path, evaluator: Evaluator, limit: int = 8) -> EvaluatorService:
    return EvaluatorService(
        evaluator,
        EvaluationLog(log_file),
        member_of=lambda consortium, address: (ROLE_BANK, True),
        limit=limit,
        window=600,
    )


def _request(account: object, n: int) -> dict[str, object]:
    items = [Client.blind(f"input {i}".encode()).blinded.hex() for i in range(n)]
    key = account.key  # type: ignore[attr-defined]
    address = account.address  # type: ignore[attr-defined]
    body = sign_request(CONSORTIUM, address, key_signer(bytes(key)), EVALUATE_LABEL, items)
    return {**body, "blinded": items}


def test_a_restart_keeps_the_rate_limit_window(tmp_path: Path) -> None:
    evaluator = Evaluator.from_seed(Evaluator.new_seed())
    first = _service(tmp_path / "log.sqlite", evaluator)
    first.evaluate(_request(BANK, 6))
    first.log.close()
    restarted = _service(tmp_path / "log.sqlite", evaluator)
    with pytest.raises(Refused) as refused:  # 6 + 3 > 8 within the window, across the restart
        restarted.evaluate(_request(BANK, 3))
    assert (refused.value.status, refused.value.code) == (429, "rate_limited")
    assert "6 used" in str(refused.value)
    restarted.evaluate(_request(BANK, 2))  # what is left of the budget
    restarted.evaluate(_request(OTHER_BANK, 8))  # another member's budget is its own


def test_a_request_signed_before_a_restart_is_refused(tmp_path: Path) -> None:
    evaluator = Evaluator.from_seed(Evaluator.new_seed())
    first = _service(tmp_path / "log.sqlite", evaluator)
    captured = _request(BANK, 1)
    first.evaluate(captured)
    with pytest.raises(Refused) as replayed:
        first.evaluate(captured)
    assert replayed.value.code == "replayed_request"
    first.log.close()
    restarted = _service(tmp_path / "log.sqlite", evaluator)
    with pytest.raises(Refused) as again:  # the nonce was forgotten with the old process
        restarted.evaluate(captured)
    assert (again.value.status, again.value.code) == (401, "stale_request")
    restarted.evaluate(_request(BANK, 1))  # a request signed now is answered


def test_each_logged_evaluation_is_on_disk_when_answered_and_private(tmp_path: Path) -> None:
    """The log is written ahead and synced on every entry (WAL, synchronous FULL: the entry is
    on disk before the answer leaves), and an evaluator killed without closing it (``os._exit``
    in a child process: no close, no checkpoint) loses no entry; its files are the owner's
    only."""
    import os
    import sqlite3
    import stat
    import subprocess
    import sys

    log_file = tmp_path / "log.sqlite"
    child = (
        "import os, sys\n"
        "from ledger.evaluator import EvaluationLog\n"
        "log = EvaluationLog(__import__('pathlib').Path(sys.argv[1]))\n"
        "for i in range(5):\n"
        "    log.add('0x' + 'cd' * 20, i + 1, 'evaluated')\n"
        "os._exit(0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", child, str(log_file)], capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    reopened = EvaluationLog(log_file)
    try:
        assert [e.count for e in reopened.read()] == [1, 2, 3, 4, 5]
        connection = sqlite3.connect(log_file)
        try:
            assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        finally:
            connection.close()
        assert reopened._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        modes = {
            p.name: stat.S_IMODE(p.stat().st_mode)
            for p in tmp_path.iterdir()
            if p.name.startswith("log.sqlite")
        }
        assert modes
        assert all(mode == 0o600 for mode in modes.values()), modes
        assert os.path.exists(f"{log_file}-wal")
    finally:
        reopened.close()
