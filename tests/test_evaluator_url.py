"""The CLI in a second terminal reaches the evaluator the served gateway uses: ``start.sh``
sets TRADELEDGER_EVALUATOR_URL for its own processes only, so ``tradeledger finance create``
beside it said "no fingerprint evaluator is configured". The gateway keeps the URL it was
served (or created) with in its data directory, and settings without the variable read it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.config import EVALUATOR_FILE, Settings, record_evaluator_url


def test_a_data_directory_remembers_its_evaluator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRADELEDGER_EVALUATOR_URL", raising=False)
    data_dir = tmp_path / "ledger"
    data_dir.mkdir()
    assert Settings(data_dir=data_dir).evaluator_url == ""
    record_evaluator_url(Settings(data_dir=data_dir, evaluator_url="http://127.0.0.1:8600"))
    assert (data_dir / EVALUATOR_FILE).stat().st_mode & 0o777 == 0o600
    assert Settings(data_dir=data_dir).evaluator_url == "http://127.0.0.1:8600"
    # the variable, when set, wins; another data directory knows nothing of it
    monkeypatch.setenv("TRADELEDGER_EVALUATOR_URL", "http://127.0.0.1:9600")
    assert Settings(data_dir=data_dir).evaluator_url == "http://127.0.0.1:9600"
    monkeypatch.delenv("TRADELEDGER_EVALUATOR_URL")
    assert Settings(data_dir=tmp_path / "other").evaluator_url == ""
    # a damaged file is no URL (the command then says none is configured), never a crash
    (data_dir / EVALUATOR_FILE).write_text("{not json")
    assert Settings(data_dir=data_dir).evaluator_url == ""
    (data_dir / EVALUATOR_FILE).write_text('{"url": "file:///etc/passwd"}')
    assert Settings(data_dir=data_dir).evaluator_url == ""
