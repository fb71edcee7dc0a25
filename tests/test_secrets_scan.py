"""The secrets scan finds a secret left outside its place, and only there (tests/secrets_scan.py).

Every check plants a real secret of a real ledger (a keystore's private key, its passphrase, the
lookup key, an API key) where a fault would leave it — a log, a SQLite database, a JSON
file — and the scan must name it; the ledger's own files must scan clean.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account

from ledger.network import init_network
from ledger.services import members as member_svc
from ledger.services.roles import Role
from tests.conftest import make_settings
from tests.secrets_scan import API_KEY, main, scan


@pytest.fixture
def ledger_dir(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A real data directory (admin and one custodial member) and the member's API key, inside
    a test directory of its own under ``tmp_path``; removed afterwards, with what the test
    planted in it (the scan at the end of the session must not find the planted secrets)."""
    settings = make_settings(tmp_path / "run" / "test_x0" / "ledger")
    ledger, _admin_key = init_network(settings, "Admin")
    try:
        added = member_svc.add_member(ledger, ledger.manifest.admin_address, "Acme", Role.BANK)
    finally:
        ledger.close()
    yield settings.data_dir, added.api_key
    shutil.rmtree(tmp_path / "run")


def _private_key(data_dir: Path) -> tuple[str, bytes]:
    keystore = next((data_dir / "keystore").glob("*.json"))
    passphrase = (data_dir / "secrets" / f"{keystore.stem}.pass").read_text().strip()
    return keystore.stem, bytes(Account.decrypt(json.loads(keystore.read_text()), passphrase))


def test_a_fresh_data_directory_scans_clean(ledger_dir: tuple[Path, str]) -> None:
    data_dir, _ = ledger_dir
    report = scan([data_dir.parents[1]])
    assert report.findings == []
    # two keystores decrypted (admin, member), their passphrases, and the lookup key
    assert report.secrets >= 5
    assert report.keystores_unchecked == 0
    assert report.files >= 8


@pytest.mark.parametrize("form", ["0x-hex", "HEX", "raw"])
def test_a_private_key_anywhere_in_clear_is_found(ledger_dir: tuple[Path, str], form: str) -> None:
    data_dir, _ = ledger_dir
    address, key = _private_key(data_dir)
    blob = {
        "0x-hex": b'{"signer": "0x' + key.hex().encode() + b'"}',
        "HEX": b"key=" + key.hex().upper().encode(),
        "raw": b"\x00\x01" + key + b"\x02",
    }[form]
    (data_dir / "debug.bin").write_bytes(blob)
    findings = scan([data_dir.parents[1]]).findings
    assert [(f.kind, Path(f.where).name) for f in findings] == [
        ("keystore private key", "debug.bin")
    ]
    assert findings[0].source is not None
    assert findings[0].source.stem == address
    # even inside secrets/: a private key is allowed nowhere in clear
    (data_dir / "debug.bin").unlink()
    (data_dir / "secrets" / "backup.key").write_text(key.hex())
    assert [f.kind for f in scan([data_dir.parents[1]]).findings] == ["keystore private key"]


def test_a_passphrase_in_a_log_and_a_key_in_sqlite_are_found(
    ledger_dir: tuple[Path, str],
) -> None:
    data_dir, api_key = ledger_dir
    passfile = next((data_dir / "secrets").glob("*.pass"))
    (data_dir / "gateway.log").write_text(f"unlocking with {passfile.read_text().strip()}\n")
    with sqlite3.connect(data_dir / "leak.sqlite") as db:
        db.execute("create table responses (body text)")
        db.execute("insert into responses values (?)", (json.dumps({"api_key": api_key}),))
    lookup_key = (data_dir / "secrets" / "lookup.key").read_text().strip()
    (data_dir / "export.json").write_text(json.dumps({"k": lookup_key}))
    findings = scan([data_dir.parents[1]]).findings
    assert sorted((f.kind, Path(f.where).name) for f in findings) == [
        ("API key", "leak.sqlite"),
        ("keystore passphrase", "gateway.log"),
        ("lookup key", "export.json"),
    ]


def test_a_secret_in_another_data_directorys_secrets_is_in_its_place(
    ledger_dir: tuple[Path, str],
) -> None:
    """A copy of a key in another data directory's secrets/ (a restored backup) is in its place."""
    data_dir, _ = ledger_dir
    other = data_dir.parent / "member-b"
    (other / "secrets").mkdir(parents=True)
    (other / "keystore").mkdir()
    shutil.copy(data_dir / "secrets" / "lookup.key", other / "secrets" / "lookup.key")
    assert scan([data_dir.parents[1]]).findings == []


def test_logs_are_scanned(ledger_dir: tuple[Path, str]) -> None:
    data_dir, api_key = ledger_dir
    report = scan([data_dir.parents[1]], [("<log of t>", f"INFO issued {api_key}")])
    assert [(f.kind, f.where) for f in report.findings] == [("API key", "<log of t>")]
    assert report.logs == 1


def test_the_api_key_format_is_the_gateways(ledger_dir: tuple[Path, str]) -> None:
    _, api_key = ledger_dir
    assert API_KEY.fullmatch(api_key.encode())
    assert not API_KEY.search(b"Bearer tl_nope_nope")


def test_the_command_exits_1_on_a_find(
    ledger_dir: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir, api_key = ledger_dir
    root = str(data_dir.parents[1])
    assert main([root]) == 0
    (data_dir / "notes.txt").write_text(api_key)
    assert main([root]) == 1
    assert "API key in" in capsys.readouterr().out


#: a test run in a child pytest that leaves an API key in its captured log (the key is of the
#: gateway's format, made up here: the parent run's own scan must not see it, so it is built)
_LEAKY_TEST = """
import logging

def test_leaks_a_key():
    logging.getLogger("leaky").warning("key %s", "tl_" + "ab" * 8 + "_" + "C" * 43)

def test_clean():
    assert True
"""


@pytest.mark.parametrize("workers", ["0", "2"])
def test_a_run_with_a_key_in_a_log_fails_also_in_worker_processes(
    tmp_path: Path, workers: str
) -> None:
    """The plugin fails the run that left a key in a test's log: in one process, and under
    pytest-xdist, whose workers scan and hand what they found to the controller
    (``scripts/test.sh`` runs with ``-n 3``)."""
    import os
    import subprocess
    import sys

    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "conftest.py").write_text('pytest_plugins = ("tests.figures", "tests.secrets_scan")\n')
    (suite / "test_leaky.py").write_text(_LEAKY_TEST)
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root), "TRADELEDGER_SECRETS_SCAN": "1"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-n",
            workers,
            "--rootdir",
            str(suite),
            "-c",
            os.devnull,
            "--basetemp",
            str(tmp_path / "base"),
            str(suite),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=suite,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "2 passed" in out, out
    assert "secrets found outside their place" in out, out
    assert "API key in <Captured log call of test_leaky.py::test_leaks_a_key>" in out, out
