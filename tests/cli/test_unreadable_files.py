"""A data directory file that is no database is said in words, never as a Python traceback.

The event index is a copy of the chain: when its SQLite file cannot be read at all (a disk
fault, a file written over), every command that reads it and ``serve`` say so and name the
remedy, ``tradeledger index rebuild``, which sets the file aside (kept, not deleted) and makes
the index again from the chain. Before, each printed SQLAlchemy's traceback, ``index rebuild``
too. Any other error no command expects (here: the gateway's own database written over) ends
the real command with one ``error:`` line and exit 1 (``--json``: the API's ``internal_error``
body), as a tryout's ``doc receive`` beside its gateway should have ended."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.cli_helpers import FAST, Cli, ledger_with_members

GARBAGE = b"\x13not a database\x00" * 256


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    made = tmp_path / "ledger"
    ledger_with_members(made)
    return made


def _write_over(path: Path) -> None:
    for companion in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        companion.unlink(missing_ok=True)
    path.write_bytes(GARBAGE)
    path.chmod(0o600)  # private, as the data directory's files are


def test_an_unreadable_index_is_named_and_rebuilt(data_dir: Path) -> None:
    cli = Cli(data_dir)
    index = data_dir / "index.sqlite"
    _write_over(index)
    for command in (("audit", "refusals"), ("index", "status"), ("serve", "--port", "1")):
        failed = cli.run(*command, code=1)
        assert failed.stderr.startswith(f"error: the event index at {index} is not a database")
        assert "`tradeledger index rebuild`" in failed.stderr, failed.stderr
    body = cli.json("audit", "refusals", code=1)
    assert body["error"] == "ledger_state_error", body
    assert body["details"]["path"] == str(index)
    rebuilt = cli.json("index", "rebuild")
    aside = Path(rebuilt["set_aside_as"])
    assert aside.parent == data_dir
    assert aside.name.startswith("index.sqlite.unreadable-")
    assert aside.read_bytes() == GARBAGE  # kept as it was, for whoever looks into the fault
    assert rebuilt["written"] > 0
    assert rebuilt["last_block"] == rebuilt["head_block"]
    assert cli.run("audit", "refusals").code == 0
    assert cli.json("index", "rebuild")["set_aside_as"] is None  # a readable one stays


def test_an_unexpected_error_is_one_line_of_the_real_command(data_dir: Path) -> None:
    _write_over(data_dir / "gateway.sqlite")
    env = {**os.environ, **FAST}
    command = [sys.executable, "-m", "ledger.cli", "member", "list", "--data-dir", str(data_dir)]
    plain = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert plain.returncode == 1, plain
    assert "Traceback" not in plain.stderr + plain.stdout
    lines = plain.stderr.strip().splitlines()
    assert len(lines) == 1, plain.stderr
    assert lines[0].startswith("error: unexpected DatabaseError: "), lines
    assert "not of your input" in lines[0]
    given = subprocess.run(
        [*command, "--json"], capture_output=True, text=True, env=env, timeout=120
    )
    assert given.returncode == 1, given
    body = json.loads(given.stdout)
    assert body["error"] == "internal_error"
    assert body["details"] == {"exception": "DatabaseError"}
    assert body["message"] == lines[0].removeprefix("error: ")


def test_an_unexpected_error_never_shows_a_urls_password(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The words of an unexpected error are shown (its first line): a URL in them loses its
    user and password, as every error of the gateway shows a URL (the evaluator's may carry
    basic authentication: README, *Configuration*)."""
    from ledger.cli_common import unexpected_error

    failure = RuntimeError("GET http://bob:s3cret@127.0.0.1:8600/evaluate failed\nsecond line")
    assert unexpected_error(failure, json_wanted=False) == 1
    said = capsys.readouterr().err
    assert "s3cret" not in said
    assert "bob" not in said
    assert "http://127.0.0.1:8600/evaluate failed" in said
    assert "second line" not in said
