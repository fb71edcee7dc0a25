"""A file the CLI cannot read is named as the user gave it: ``FILE`` (the API's ``file``).

``tradeledger doc check bad.xml`` said ``error: xml: not well-formed XML at line 1, …`` and
``doc import`` ``out/bad.json: json: …``: the reader's own names (tests/api/
test_upload_field_names.py has the API's side). Each command that reads a file now names its
``FILE`` argument (``doc import`` the file's path), keeping the reader's rule and position.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import FAST, ledger_with_members
from typer.testing import CliRunner

from ledger.cli import app

UBL_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
BROKEN = {
    "bad.xml": (
        f'<?xml version="1.0"?><Invoice xmlns="{UBL_NS}"><cbc:ID>1</Invoice>',
        "not well-formed XML at line 1, column",
    ),
    "bad.json": ('{"documentType": "Invoice",', "not a well-formed JSON document: at line 1"),
}


@pytest.fixture(scope="module")
def ledger_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    found = tmp_path_factory.mktemp("uploads") / "ledger"
    who = ledger_with_members(found)
    return found, who


@pytest.mark.parametrize("name", BROKEN)
def test_every_command_that_reads_a_file_names_its_file_argument(
    ledger_dir: tuple[Path, dict[str, str]], tmp_path: Path, name: str
) -> None:
    data_dir, who = ledger_dir
    text, said = BROKEN[name]
    path = tmp_path / name
    path.write_text(text)
    kept = tmp_path / "kept.txt"
    kept.write_text(f"a document to amend with {name}\n")
    words = ["doc", "register", str(kept), "--as", who["enterprise"], "--json"]
    made = CliRunner().invoke(app, [*words, "--data-dir", str(data_dir)], env=FAST)
    old = json.loads(made.stdout)["doc_hash"]
    for words in (
        ["doc", "check", str(path)],
        ["doc", "receive", str(path), "--as", who["bank"]],
        ["doc", "register", str(path), "--as", who["enterprise"]],
        ["doc", "supersede", old, str(path), "--as", who["enterprise"]],
    ):
        done = CliRunner().invoke(app, [*words, "--data-dir", str(data_dir), "--json"], env=FAST)
        assert done.exit_code == 2, (words, done.output)
        body = json.loads(done.stdout)
        assert body["details"]["field"] == "FILE", (words, body)
        assert said in body["details"]["rule"], (words, body)
        assert body["message"] == f"FILE: {body['details']['rule']}", (words, body)


def test_an_import_names_the_files_path(
    ledger_dir: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    data_dir, who = ledger_dir
    folder = tmp_path / "outbox"
    folder.mkdir()
    text, said = BROKEN["bad.json"]
    (folder / "bad.json").write_text(text)
    words = ["doc", "import", str(folder), "--as", who["enterprise"], "--data-dir", str(data_dir)]
    done = CliRunner().invoke(app, words, env=FAST)
    assert done.exit_code == 2, done.output
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith(f"error: {folder / 'bad.json'}: {said}"), line
