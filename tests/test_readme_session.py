"""The README's first session, run as written: a served gateway, then each command of the block
in a shell, with what earlier commands printed pasted where the README says ``<…>``.

A command must exit 0, and what a ``curl`` prints must be a JSON answer that is not an error
(the first release's example registered with the admin's key and got a 403)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ledger.network import init_network
from ledger.services import documents as docs
from ledger.services import members as member_svc
from ledger.services.roles import Role
from tests.conftest import SAMPLE_SELLER_VAT, free_port, make_settings, start_gateway

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
PLACEHOLDER = re.compile(r"<the ([a-z_]+) printed above>")


def first_session() -> list[str]:
    after = README.split("A first session", 1)[1]
    block = after.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_the_readme_first_session_runs_as_written(tmp_path: Path) -> None:
    if subprocess.run(["which", "curl"], capture_output=True, check=False).returncode != 0:
        pytest.skip("curl is not installed (scripts/test.sh installs it)")
    data_dir = tmp_path / "ledger"
    settings = make_settings(data_dir)
    ledger, admin_key = init_network(settings)
    ledger.close()
    port = free_port()
    env = {
        **os.environ,
        "TRADELEDGER_DATA_DIR": str(data_dir),
        "TRADELEDGER_KEYSTORE_SCRYPT_N": str(settings.keystore_scrypt_n),
    }
    server = start_gateway(data_dir, port, env)
    bin_dir = Path(sys.executable).parent
    previous: Any = None
    try:
        lines = first_session()
        assert len(lines) >= 6
        for line in lines:
            command = line.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
            command = command.replace("<the admin API key printed at init>", admin_key)
            command = command.replace(".venv/bin/", f"{bin_dir}/")
            for field in PLACEHOLDER.findall(command):
                assert isinstance(previous, dict), f"{line}: nothing printed {field} before"
                command = command.replace(f"<the {field} printed above>", str(previous[field]))
            assert "<" not in command.split("#")[0], f"unfilled placeholder in {line}"
            done = subprocess.run(
                ["bash", "-c", f"{command}\nprintf '\\0'; env -0"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                timeout=300,
                check=False,
            )
            output, _, environment = done.stdout.partition(b"\0")
            assert done.returncode == 0, f"{line}\n{output.decode()}\n{done.stderr.decode()}"
            env = dict(
                item.split("=", 1) for item in environment.decode().split("\0") if "=" in item
            )
            text = output.decode().strip()
            try:
                previous = json.loads(text) if text else None
            except ValueError:
                previous = None
            if line.lstrip().startswith("curl"):
                assert isinstance(previous, dict), f"{line}: not a JSON answer: {text[:300]}"
                assert "error" not in previous, f"{line}: {text[:300]}"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def _row(task: str) -> str:
    """The README's command for ``task`` in its table of common tasks."""
    [command] = re.findall(rf"\| {re.escape(task)} \| `([^`]+)` \|", README)
    return str(command)


def test_the_readme_proof_rows_run_with_node_as_it_says(tmp_path: Path) -> None:
    """``--rpc $NODE``: the README says what ``$NODE`` is and, on the embedded default, where a
    user finds one (``rpc_url`` in ``DATA_DIR/node.json``, printed by ``serve``) — a tryout's
    user could not run the row. Run as written beside a served gateway, and without
    ``--rpc``, as the README says it may be."""
    assert "`$NODE` is the JSON-RPC URL of any node" in README
    assert "`rpc_url` in `DATA_DIR/node.json`" in README
    data_dir = tmp_path / "ledger"
    settings = make_settings(data_dir)
    ledger, _ = init_network(settings)
    try:
        acme = member_svc.add_member(
            ledger, ledger.manifest.admin_address, "Acme", Role.ENTERPRISE, SAMPLE_SELLER_VAT
        )
        invoice = (ROOT / "ledger" / "demo_data" / "invoice-ubl.xml").read_bytes()
        docs.register_file(ledger, acme.member.address, "enterprise", invoice, "invoice.xml")
    finally:
        ledger.close()
    work = tmp_path / "counterparty"
    work.mkdir()
    (work / "invoice.xml").write_bytes(invoice)
    env = {
        **os.environ,
        "TRADELEDGER_DATA_DIR": str(data_dir),
        "TRADELEDGER_KEYSTORE_SCRYPT_N": str(settings.keystore_scrypt_n),
    }
    server = start_gateway(data_dir, free_port(), env)
    bin_dir = Path(sys.executable).parent

    def shell(command: str, **extra: str) -> None:
        done = subprocess.run(
            ["bash", "-c", command.replace("tradeledger ", f"{bin_dir}/tradeledger ", 1)],
            cwd=work,
            env={**env, **extra},
            capture_output=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"{command}\n{done.stdout.decode()}{done.stderr.decode()}"

    try:
        node = json.loads((data_dir / "node.json").read_text())["rpc_url"]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/rpc", node), node
        shell(_row("prove a document to a counterparty ([proofs.md](docs/proofs.md))"))
        verify = _row("check a proof against any node of the chain")
        assert verify.endswith("--rpc $NODE")
        shell(verify, NODE=node)
        shell(verify.removesuffix(" --rpc $NODE"))
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
