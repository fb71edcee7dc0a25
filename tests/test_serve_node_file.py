"""A stopped gateway removes the ``DATA_DIR/node.json`` it wrote (where it serves the chain's
JSON-RPC bridge), and only its own.

A newcomer found node.json left behind by a gateway stopped with SIGTERM: uvicorn shuts down
gracefully, then raises the signal again with the default handler, which ended the process
before the clean-up ran. A real ``tradeledger serve`` subprocess here: started on a free
127.0.0.1 port over a temporary data directory, waited for (bounded), then signalled."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from ledger.chain.bridge import NODE_FILE
from ledger.network import init_network
from tests.conftest import free_port, make_settings, start_gateway

FAST = {"TRADELEDGER_KEYSTORE_SCRYPT_N": "1024", "TRADELEDGER_CHAIN_SYNC": "normal"}


def _ledger(tmp_path: Path) -> Path:
    data_dir = tmp_path / "gateway"
    ledger, _ = init_network(make_settings(data_dir))
    ledger.close()
    return data_dir


def _node(data_dir: Path) -> dict[str, object]:
    """node.json as the gateway wrote it: it is written just after /health first answers, so
    read it within a bounded wait."""
    deadline = time.monotonic() + 10
    while True:
        try:
            found: dict[str, object] = json.loads((data_dir / NODE_FILE).read_text())
            return found
        except (FileNotFoundError, ValueError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@pytest.mark.parametrize(
    ("stop", "status"), [(signal.SIGTERM, 128 + signal.SIGTERM), (signal.SIGINT, None)]
)
def test_a_gateway_stopped_by_a_signal_removes_its_node_file(
    tmp_path: Path, stop: signal.Signals, status: int | None
) -> None:
    data_dir = _ledger(tmp_path)
    server = start_gateway(data_dir, free_port(), {**os.environ, **FAST})
    try:
        assert _node(data_dir)["pid"] == server.pid
        server.send_signal(stop)
        code = server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)
    assert not (data_dir / NODE_FILE).exists()
    if status is not None:  # SIGTERM: the exit status says so (SIGINT: Click's own)
        assert code == status


def test_a_node_file_of_another_live_process_is_left(tmp_path: Path) -> None:
    """Another gateway took the data directory's node.json over (its pid, alive): the one
    stopped leaves it as it is."""
    data_dir = _ledger(tmp_path)
    server = start_gateway(data_dir, free_port(), {**os.environ, **FAST})
    other = {"rpc_url": "http://127.0.0.1:1/rpc", "pid": os.getpid()}  # this test: alive
    try:
        _node(data_dir)
        (data_dir / NODE_FILE).write_text(json.dumps(other))
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)
    assert json.loads((data_dir / NODE_FILE).read_text()) == other
