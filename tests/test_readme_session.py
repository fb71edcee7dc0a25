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
from tests.conftest import free_port, make_settings, start_gateway

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
