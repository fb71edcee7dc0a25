"""``tradeledger evaluator serve`` reads its limit and window from ``TRADELEDGER_EVALUATOR_LIMIT``
and ``TRADELEDGER_EVALUATOR_WINDOW`` (``scripts/start.sh`` starts it with no options): a bank
back-filling its books raises them without editing the script. Found by a tryout: 50 invoices
locked a bank out for ten minutes, and nothing said how to raise the limit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ledger import cli
from ledger import evaluator as ev


def _served(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str]) -> Any:
    seen: dict[str, Any] = {}
    real = ev.EvaluatorService

    def service(*args: Any, **kwargs: Any) -> Any:
        seen["limit"], seen["window"] = args[3], args[4]
        return real(*args, **kwargs)

    monkeypatch.setattr(ev, "EvaluatorService", service)
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: None)
    data = tmp_path / "evaluator"
    assert (
        CliRunner().invoke(cli.app, ["evaluator", "init", "--data-dir", str(data)]).exit_code == 0
    )
    result = CliRunner().invoke(
        cli.app,
        ["evaluator", "serve", "--data-dir", str(data), "--gateway-data-dir", str(tmp_path)],
        env=env,
    )
    assert result.exit_code == 0, result.output
    return seen


def test_the_limit_and_window_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = {"TRADELEDGER_EVALUATOR_LIMIT": "5000", "TRADELEDGER_EVALUATOR_WINDOW": "60"}
    assert _served(monkeypatch, tmp_path, env) == {"limit": 5000, "window": 60}


def test_without_them_the_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TRADELEDGER_EVALUATOR_LIMIT", raising=False)
    monkeypatch.delenv("TRADELEDGER_EVALUATOR_WINDOW", raising=False)
    assert _served(monkeypatch, tmp_path, {}) == {"limit": ev.DEFAULT_LIMIT, "window": 600}
    # raised from 256 with the marks of tryouts 59 and 61, and from 384 with those of tryout 68
    assert ev.DEFAULT_LIMIT == 448
