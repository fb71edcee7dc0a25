"""A gateway asked to serve on a port another process listens on says so in one line, naming
the option (or variable) that gave the port, and exits 2 — before any "tradeledger serving …"
banner. Tryout 86 started a second gateway on its first one's port and read the banner, then
uvicorn's ``[Errno 98]``, exit 3."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger.cli import app
from tests.cli.cli_helpers import FAST, Cli, ledger_with_members


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port on 127.0.0.1 another socket listens on, for the test's length."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        yield int(listener.getsockname()[1])


def test_a_port_in_use_is_named_before_anything_is_served(tmp_path: Path, taken_port: int) -> None:
    data_dir = tmp_path / "ledger"
    ledger_with_members(data_dir)
    failed = Cli(data_dir).run("serve", "--port", str(taken_port), code=2)
    assert "serving" not in failed.output, failed.output
    assert failed.stderr.strip() == (
        f"error: --port: {taken_port} is in use on 127.0.0.1: another process listens there "
        "(another gateway?) — stop it, or give another port"
    )
    from_env = CliRunner().invoke(
        app,
        ["serve", "--data-dir", str(data_dir)],
        env={**FAST, "TRADELEDGER_PORT": str(taken_port)},
    )
    assert from_env.exit_code == 2, from_env.output
    assert from_env.stderr.startswith(f"error: TRADELEDGER_PORT: {taken_port} is in use"), (
        from_env.stderr
    )
    assert not (data_dir / "node.json").exists()  # nothing advertised
