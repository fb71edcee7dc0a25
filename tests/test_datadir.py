"""The data directory is private from creation, and a gateway refuses to start on one that is not
(issue #15: ``gateway.sqlite``, ``index.sqlite``, ``txjournal.sqlite``, ``chain.sqlite`` and
``node.json`` were 0644 in a 0755 directory).

Each test runs with the usual umask 022, so only the gateway's own modes keep its files private.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.chain import bridge
from ledger.datadir import check_private, exposed, private_sqlite, write_private
from ledger.errors import LedgerStateError
from ledger.network import init_network, open_ledger
from tests.api.api_helpers import UBL, lodge, register
from tests.conftest import build_network, free_port, make_settings, start_gateway

#: what the issue found open to every user of the machine
NAMED = {"gateway.sqlite", "index.sqlite", "txjournal.sqlite", "chain/chain.sqlite", "node.json"}


@pytest.fixture(autouse=True)
def common_umask() -> Iterator[None]:
    """The umask most accounts have (files 0644, directories 0755 unless the code says so)."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _modes(data_dir: Path) -> dict[str, int]:
    """Every path under ``data_dir`` (relative, itself as ".") with its permission bits."""
    modes = {".": stat.S_IMODE(data_dir.stat().st_mode)}
    for path in data_dir.rglob("*"):
        modes[str(path.relative_to(data_dir))] = stat.S_IMODE(path.stat().st_mode)
    return modes


def _assert_private(data_dir: Path) -> dict[str, int]:
    modes = _modes(data_dir)
    dirs = {name for name in modes if (data_dir / name).is_dir()}
    assert {name: oct(mode) for name, mode in modes.items() if name in dirs and mode != 0o700} == {}
    assert {
        name: oct(mode) for name, mode in modes.items() if name not in dirs and mode != 0o600
    } == {}
    return modes


def test_every_file_a_gateway_creates_is_private(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "ledger")
    ledger, admin_key = init_network(settings)
    try:
        network = build_network(ledger, admin_key)
        with TestClient(create_app(settings, ledger)) as client:
            register(client, network.enterprise)
            lodge(client, network.bank, UBL)  # the lodged facts go to gateway.sqlite
            client.get("/v1/audit/refusals", headers=network.regulator.headers)
        bridge.advertise(settings.data_dir, "http://127.0.0.1:8000/rpc")
        bridge.node_token(settings.secrets_dir)
    finally:
        ledger.close()
    modes = _assert_private(settings.data_dir)
    assert modes.keys() >= NAMED | {"manifest.json", "keystore", "secrets"}
    assert exposed(settings.data_dir) == []


def test_the_served_gateway_and_the_cli_create_private_files(tmp_path: Path) -> None:
    """``tradeledger init``, ``serve`` and a CLI command beside it, as real processes."""
    data_dir = tmp_path / "ledger"
    env = {**os.environ, "TRADELEDGER_KEYSTORE_SCRYPT_N": "1024", "TRADELEDGER_DATA_DIR": ""}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ledger.cli", *args, "--data-dir", str(data_dir)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    made = cli("init", "--json")
    assert made.returncode == 0, made.stderr
    server = start_gateway(data_dir, free_port(), env)
    try:
        added = cli("member", "add", "Bank C", "--role", "bank", "--json")
        assert added.returncode == 0, added.stderr
        served = _assert_private(data_dir)  # while serving: node.json, -wal and -shm files too
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert served.keys() >= NAMED
    _assert_private(data_dir)


def test_a_gateway_refuses_a_data_directory_others_can_read(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "ledger")
    ledger, _ = init_network(settings)
    ledger.close()
    (settings.data_dir / "gateway.sqlite").chmod(0o644)
    settings.data_dir.chmod(0o755)

    with pytest.raises(LedgerStateError) as refused:
        open_ledger(settings)
    message = refused.value.message
    assert f"{settings.data_dir / 'gateway.sqlite'} (0644)" in message
    assert f"{settings.data_dir} (0755)" in message
    assert f"chmod -R go-rwx {settings.data_dir}" in message
    assert refused.value.details["exposed"] == [
        str(settings.data_dir),
        str(settings.data_dir / "gateway.sqlite"),
    ]

    # the command the message names is the whole fix
    subprocess.run(refused.value.details["fix"], shell=True, check=True, timeout=30)
    check_private(settings.data_dir)
    open_ledger(settings).close()


def test_the_cli_names_the_exposed_files_and_the_fix(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "ledger")
    ledger, _ = init_network(settings)
    ledger.close()
    (settings.secrets_dir / "lookup.key").chmod(0o640)
    env = {**os.environ, "TRADELEDGER_KEYSTORE_SCRYPT_N": "1024"}
    done = subprocess.run(
        [sys.executable, "-m", "ledger.cli", "member", "list", f"--data-dir={settings.data_dir}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "lookup.key (0640)" in done.stderr
    assert f"chmod -R go-rwx {settings.data_dir}" in done.stderr
    assert "Traceback" not in done.stderr


def test_writing_a_private_file_narrows_an_existing_one(tmp_path: Path) -> None:
    path = tmp_path / "node.json"
    path.write_text("{}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    write_private(path, json.dumps({"rpc_url": "x"}))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_sqlite_databases_are_created_private_with_their_wal_files(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "db" / "x.sqlite"
    private_sqlite(f"sqlite:///{path}")
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE t (x)")
    connection.execute("INSERT INTO t VALUES (1)")
    connection.commit()
    files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in path.parent.iterdir()}
    connection.close()
    assert files == {"x.sqlite": 0o600, "x.sqlite-wal": 0o600, "x.sqlite-shm": 0o600}
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    private_sqlite("sqlite://")  # in memory: no file
    private_sqlite("postgresql+psycopg://u@h/db")  # a server: no file
