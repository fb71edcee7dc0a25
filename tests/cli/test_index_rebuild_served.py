"""``tradeledger index rebuild`` beside the gateway serving its data directory is refused, saying
why; once the gateway is stopped it rebuilds. Tryout 65 (2026-12-06) rebuilt beside a running
gateway: a raw ``database is locked`` traceback, a UNIQUE failure on ``index_blocks``, and twice
``rebuilt: 0 events`` while 68 were indexed. Then ``audit verify`` names the tables it compared."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from typer.testing import CliRunner

from ledger.cli import app
from ledger.network import init_network
from tests.conftest import free_port, make_settings, start_gateway

FAST = {"TRADELEDGER_KEYSTORE_SCRYPT_N": "1024", "TRADELEDGER_CHAIN_SYNC": "normal"}


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=FAST)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_a_rebuild_beside_the_serving_gateway_is_refused_and_runs_once_it_stops(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "gateway"
    init_network(make_settings(data_dir))[0].close()
    server = start_gateway(data_dir, free_port(), {**os.environ, **FAST})
    try:
        code, out = _run("index", "rebuild", "--data-dir", str(data_dir))
        assert code == 1, out
        assert "a gateway is serving" in out
        assert "stop it before rebuilding its index" in out
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    code, out = _run("index", "rebuild", "--data-dir", str(data_dir), "--json")
    assert code == 0, out
    rebuilt = json.loads(out)
    assert rebuilt["written"] == rebuilt["events"] > 0
    code, out = _run("audit", "verify", "--data-dir", str(data_dir))
    assert code == 0, out
    assert "the tables the audit reads equal a replay of them" in out
