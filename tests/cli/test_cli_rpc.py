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


#: URLs a node's address cannot be: a port beyond 65535 (with credentials too), a bracket left
#: open, no scheme, another scheme, no host, port 0
BAD_URLS = [
    "http://127.0.0.1:99999/",
    "http://user:secret@127.0.0.1:99999/",
    "http://[::1",
    "notaurl",
    "ftp://x",
    "http://",
    "http://127.0.0.1:0/",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_node_url_that_cannot_be_one_is_refused_naming_where_it_was_given(
    url: str, tmp_path: Path
) -> None:
    """Tryout 75: ``doc verify-proof --rpc http://127.0.0.1:99999/`` — the command a
    counterparty runs — and ``TRADELEDGER_CHAIN_URL=http://[::1`` ended in a Python traceback
    (the URL was read only when the first request was made); ``--rpc notaurl`` was "cannot
    reach the chain node". Each is bad input: exit 2 naming the option or the variable and the
    rule, nothing of the URL's credentials shown."""
    proof, file = tmp_path / "p.json", tmp_path / "f.xml"
    proof.write_text("{}")
    file.write_bytes(b"x")
    runner = CliRunner()
    checked = runner.invoke(
        app,
        ["doc", "verify-proof", str(proof), str(file), "--rpc", url, "--data-dir", str(tmp_path)],
    )
    assert checked.exit_code == 2, checked.output
    assert "Traceback" not in checked.output
    assert "error: --rpc: must be an http:// or https:// URL with a host and a port" in (
        checked.output
    )
    assert "secret" not in checked.output
    for variable, what in (
        ("TRADELEDGER_CHAIN_URL", "embedded chain"),
        ("TRADELEDGER_EVALUATOR_URL", "no evaluator"),
    ):
        listed = runner.invoke(
            app, ["member", "list", "--data-dir", str(tmp_path)], env={variable: url}
        )
        assert listed.exit_code == 2, (variable, listed.output)
        assert "Traceback" not in listed.output
        assert f"error: {variable}: must be empty ({what}) or an http" in listed.output, (
            listed.output
        )
        assert "secret" not in listed.output


def test_the_evaluator_refuses_a_chain_url_that_cannot_be_one(tmp_path: Path) -> None:
    """The evaluator's ``--chain-url`` is read by the same rule, before it serves."""
    runner = CliRunner()
    made = runner.invoke(app, ["evaluator", "init", "--data-dir", str(tmp_path / "ev")])
    assert made.exit_code == 0, made.output
    for url in BAD_URLS:
        served = runner.invoke(
            app,
            [
                "evaluator",
                "serve",
                "--data-dir",
                str(tmp_path / "ev"),
                "--chain-url",
                url,
                "--contract",
                "0x" + "00" * 19 + "01",
            ],
        )
        assert served.exit_code == 2, (url, served.output)
        assert "error: --chain-url: must be an http:// or https:// URL" in served.output
        assert "secret" not in served.output
