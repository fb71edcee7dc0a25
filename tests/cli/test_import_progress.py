"""``tradeledger doc import`` keeps its progress off the answer: progress is for people
watching a terminal, so it goes to stderr, only when stderr is a terminal, and is cleared —
never left on the line the summary or an error is printed on. Piped, redirected or with
``--json``, stdout holds the answer only and stderr nothing of the progress."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger import cli_common
from ledger.cli import app
from tests.cli.cli_helpers import FAST, Cli, Result

#: a terminal's erase-line and cursor escapes
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    runner = Cli(tmp_path_factory.mktemp("import-progress") / "ledger")
    runner.json("init", "--demo")
    return runner


def _exporter(cli: Cli) -> str:
    members = cli.json("member", "list")["items"]
    return str(next(m["address"] for m in members if m["role"] == "enterprise"))


def _folder(tmp_path: Path, name: str, count: int = 3) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for i in range(count):
        (folder / f"doc{i}.txt").write_text(f"{name} document {i}")
    return folder


def _import(cli: Cli, folder: Path, *args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(
        app,
        [
            "doc",
            "import",
            str(folder),
            "--as",
            _exporter(cli),
            *args,
            "--data-dir",
            str(cli.data_dir),
        ],
        env=FAST,
    )
    assert result.exit_code == code, (result.output, result.exception)
    return Result(result.exit_code, result.stdout, result.stderr)


def _screen(stream: str) -> list[str]:
    """What a terminal shows of ``stream``: on each line, what a carriage return let stand
    (the text after the last one), its escapes gone."""
    return [ESCAPES.sub("", line.rsplit("\r", 1)[-1]) for line in stream.split("\n")]


def test_piped_the_answer_is_alone(cli: Cli, tmp_path: Path) -> None:
    said = _import(cli, _folder(tmp_path, "piped"))
    assert said.stdout == f"registered 3 document(s) from {tmp_path / 'piped'}\n"
    assert said.stderr == ""  # stderr no terminal: no progress, not even its label
    as_json = _import(cli, _folder(tmp_path, "scripted"), "--json")
    assert len(json.loads(as_json.stdout)["registered"]) == 3
    assert as_json.stderr == ""


def test_on_a_terminal_the_progress_is_cleared_before_the_answer(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_common, "on_terminal", lambda stream: True)
    said = _import(cli, _folder(tmp_path, "watched"))
    assert "registering 3/3" in said.stderr  # shown while it runs, on stderr
    assert "registering" not in said.stdout
    # and cleared: the line the answer is printed on is empty, nothing of it left on screen
    assert said.stderr.endswith("\r\x1b[2K"), repr(said.stderr)
    assert _screen(said.stderr) == [""]
    assert said.stdout == f"registered 3 document(s) from {tmp_path / 'watched'}\n"
    # --json: no progress at all, even on a terminal
    as_json = _import(cli, _folder(tmp_path, "watched-json"), "--json")
    assert as_json.stderr == ""
    assert len(json.loads(as_json.stdout)["registered"]) == 3


def test_on_a_terminal_an_error_starts_its_own_line(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_common, "on_terminal", lambda stream: True)
    folder = _folder(tmp_path, "refused", count=2)
    (folder / "empty.txt").write_text("")  # read after doc0 and doc1: refused mid-import
    said = _import(cli, folder, code=2)
    # the other files are registered: the summary on stdout lists the refused one
    assert said.stdout.startswith("registered 2 document(s)"), said.stdout
    assert f"REFUSED: {folder / 'empty.txt'}: " in said.stdout
    shown = [line for line in _screen(said.stderr) if line]
    assert "registering 2/3" in said.stderr  # it was shown, and cleared before the error
    [error] = shown
    assert error.startswith(f"error: {folder / 'empty.txt'}: "), shown
