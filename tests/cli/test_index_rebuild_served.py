"""``tradeledger index rebuild`` beside the gateway serving its data directory is refused, saying
why; once the gateway is stopped it rebuilds. Tryout 65 (2026-12-06) rebuilt beside a running
gateway: a raw ``database is locked`` traceback, a UNIQUE failure on ``index_blocks``, and twice
``rebuilt: 0 events`` while 68 were indexed. Then ``audit verify`` names the tables it compared."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger import servinglock
from ledger.cli import app
from ledger.network import init_network, signer_from_key
from tests.conftest import ANVIL_KEY, free_port, make_settings, start_anvil, start_gateway

FAST = {"TRADELEDGER_KEYSTORE_SCRYPT_N": "1024", "TRADELEDGER_CHAIN_SYNC": "normal"}


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={**FAST, **(env or {})})
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


@pytest.mark.anvil
def test_a_rebuild_beside_a_gateway_on_a_json_rpc_network_is_refused(tmp_path: Path) -> None:
    """A tryout rebuilt the index beside a gateway serving anvil: only the embedded chain's
    gateway said it served (node.json). Every serving gateway now holds the data directory's
    serving lock, so the rebuild is refused on any chain, and runs once the gateway stops."""
    node = start_anvil()
    try:
        data_dir = tmp_path / "gateway"
        chain = {"TRADELEDGER_CHAIN_URL": node.url}
        settings = make_settings(data_dir, chain_url=node.url)
        init_network(settings, "Test admin", funding=signer_from_key(ANVIL_KEY))[0].close()
        server = start_gateway(data_dir, free_port(), {**os.environ, **FAST, **chain})
        try:
            assert not (data_dir / "node.json").exists()  # no bridge on a JSON-RPC network
            code, out = _run("index", "rebuild", "--data-dir", str(data_dir), env=chain)
            assert code == 1, out
            assert "a gateway is serving" in out
            assert "stop the gateway before rebuilding its index" in out
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        code, out = _run("index", "rebuild", "--data-dir", str(data_dir), "--json", env=chain)
        assert code == 0, out
        rebuilt = json.loads(out)
        assert rebuilt["written"] == rebuilt["events"] > 0
    finally:
        node.stop()


def test_a_gateway_started_while_the_index_is_rebuilt_is_refused(tmp_path: Path) -> None:
    """The other way round: while a rebuild holds the data directory, ``serve`` is refused,
    saying why, before it opens the ledger (its index would catch up beside the rebuild); once
    the rebuild has ended it serves."""
    data_dir = tmp_path / "gateway"
    init_network(make_settings(data_dir))[0].close()
    command = [sys.executable, "-m", "ledger.cli", "serve", "--data-dir", str(data_dir)]
    env = {**os.environ, **FAST}
    with servinglock.alone(data_dir, "rebuilding its index"):
        refused = subprocess.run(
            [*command, "--port", str(free_port())], env=env, capture_output=True, timeout=60
        )
    words = refused.stderr.decode()
    assert refused.returncode == 1, words
    assert "Traceback" not in words
    assert "is being rebuilt" in words
    assert "serve it when the rebuild has ended" in words
    server = start_gateway(data_dir, free_port(), env)
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
