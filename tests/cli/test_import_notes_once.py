"""``doc import`` says each notice once per import, not once per file. Found by a tryout: an
enterprise importing a folder of invoices read the same ``holders_unknown`` note (what an
enterprise learns of a financing) once per file, each the same words but for the file's own
hash. Now a notice said of several files is said once — the hash it names written DOC_HASH,
the argument of ``tradeledger audit timeline DOC_HASH`` — and the files it is about are
listed under it, each with its hash; a notice said of one file stays that file's line.

Real CLI (Typer's runner) on a real embedded chain."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from tests.api.api_helpers import own_invoice
from tests.cli.cli_helpers import Cli

BILL = resources.files("ledger.demo_data").joinpath("bill-of-lading.json").read_bytes()


def test_a_notice_of_every_file_is_said_once_with_the_files_it_is_about(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    members = {m["role"]: m["address"] for m in cli.json("init", "--demo")["members"]}
    folder = tmp_path / "outbox"
    folder.mkdir()
    for i in range(3):
        (folder / f"invoice-{i}.xml").write_bytes(own_invoice(f"ONCE-{i}"))
    (folder / "bill-of-lading.json").write_bytes(BILL)
    args = ("doc", "import", str(folder), "--as", members["enterprise"])
    said = cli.run(*args).stdout
    registered = cli.json(*args)  # run again: every file registered already, nothing noted
    assert registered["registered"] == []

    assert said.count("holders_unknown") == 1, said
    assert said.count("an enterprise learns of a financing") == 1, said
    [note] = [line for line in said.splitlines() if "note (holders_unknown)" in line]
    assert note.startswith("  note (holders_unknown) on 4 files, DOC_HASH each one's: "), note
    assert "tradeledger audit timeline DOC_HASH" in note
    listed = [line.strip() for line in said.splitlines() if line.startswith("    ")]
    assert len(listed) == 4, said
    for path in sorted(folder.iterdir()):
        [line] = [x for x in listed if x.startswith(f"{path}: DOC_HASH 0x")]
        doc_hash = line.rsplit(" ", 1)[1]
        assert cli.json("doc", "show", doc_hash)["doc_hash"] == doc_hash


def test_a_notice_of_one_file_is_that_files_line(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    members = {m["role"]: m["address"] for m in cli.json("init", "--demo")["members"]}
    folder = tmp_path / "outbox"
    folder.mkdir()
    (folder / "invoice.xml").write_bytes(own_invoice("ONCE-ALONE"))
    (folder / "note.txt").write_text("a file without facts: nothing to note")
    said = cli.run("doc", "import", str(folder), "--as", members["attestor"]).stdout
    [note] = [line for line in said.splitlines() if "holders_unknown" in line]
    assert note.startswith(f"  {folder / 'invoice.xml'}: note (holders_unknown): "), said
    assert "DOC_HASH" not in said
    assert "an attestor learns of a financing" in note


def test_files_under_a_notice_that_names_no_hash_are_listed_with_theirs(tmp_path: Path) -> None:
    """Invoices whose seller's every identifier fails its check (``seller_unkeyed``: the same
    words for each, naming no hash) are listed under the one note with their hashes."""
    cli = Cli(tmp_path / "ledger")
    members = {m["role"]: m["address"] for m in cli.json("init", "--demo")["members"]}
    folder = tmp_path / "outbox"
    folder.mkdir()
    for i in range(2):
        unkeyed = own_invoice(f"UNKEYED-{i}").replace(b"DK13585628", b"DK13585627")
        (folder / f"unkeyed-{i}.xml").write_bytes(unkeyed)
    said = cli.run("doc", "import", str(folder), "--as", members["enterprise"]).stdout
    lines = said.splitlines()
    [at] = [i for i, line in enumerate(lines) if "note (seller_unkeyed)" in line]
    assert lines[at].startswith("  note (seller_unkeyed) on 2 files: "), said
    listed = [line.strip() for line in lines[at + 1 : at + 3]]
    for path in sorted(folder.iterdir()):
        [line] = [x for x in listed if x.startswith(f"{path}: 0x")]
        assert cli.json("doc", "show", line.rsplit(" ", 1)[1])["doc_hash"] == line.rsplit(" ", 1)[1]
