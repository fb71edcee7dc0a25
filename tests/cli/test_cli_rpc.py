"""`tradeledger init` on a JSON-RPC node from the command line alone (anvil standing in for a
consortium node), then the same CLI working against it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger.cli import app
from tests.conftest import AnvilNode


@pytest.mark.anvil
def test_init_on_a_json_rpc_node_with_a_funding_key(
    anvil_node: AnvilNode,
    anvil_funding_key_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRADELEDGER_KEYSTORE_SCRYPT_N", "1024")
    data_dir = str(tmp_path / "bank-a")
    runner = CliRunner()
    created = runner.invoke(
        app,
        [
            "init",
            "--data-dir",
            data_dir,
            "--chain-url",
            anvil_node.url,
            "--funding-key-file",
            str(anvil_funding_key_file),
            "--json",
        ],
    )
    assert created.exit_code == 0, created.output
    manifest = json.loads((tmp_path / "bank-a" / "manifest.json").read_text())
    assert manifest["backend"] == anvil_node.url
    assert manifest["chain_id"] == int(str(anvil_node.rpc("eth_chainId")), 16)

    # the data directory remembers the network; the node is named by the environment
    monkeypatch.setenv("TRADELEDGER_CHAIN_URL", anvil_node.url)
    added = runner.invoke(
        app, ["member", "add", "Bank A", "--role", "bank", "--data-dir", data_dir, "--json"]
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["member", "list", "--data-dir", data_dir, "--json"])
    assert [m["role"] for m in json.loads(listed.output)["items"]] == ["admin", "bank"]


def test_init_refuses_a_chain_url_that_is_not_http(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["init", "--data-dir", str(tmp_path / "x"), "--chain-url", "ws://127.0.0.1:1"]
    )
    assert result.exit_code == 2
    assert "error: --chain-url: " in result.output  # the option given, not the Python field
    assert not (tmp_path / "x" / "manifest.json").exists()
