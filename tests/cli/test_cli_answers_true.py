"""What ``tradeledger`` tells a reader is true and does not contradict itself: the CLI twins of
the API tests of the same faults (each test names its twin). On the embedded chain (the CLI's
own ledger)."""

from __future__ import annotations

from pathlib import Path

from tests.cli.cli_helpers import UBL, Cli

FINANCE = ("--currency", "DKK", "--maturity", "2099-12-31", "--reference", "T-1")


def _lodged(tmp_path: Path) -> tuple[Cli, dict[str, str], Path, str]:
    """The demo ledger with the sample invoice registered by the exporter and lodged by bank A:
    (the CLI, the members by name, the file, its hash)."""
    cli = Cli(tmp_path / "ledger")
    names = {m["name"]: m["address"] for m in cli.json("init", "--demo")["members"]}
    invoice = tmp_path / "invoice.xml"
    invoice.write_bytes(UBL)
    doc_hash = cli.json("doc", "register", str(invoice), "--as", names["Demo Exporter"])["doc_hash"]
    cli.json("doc", "receive", str(invoice), "--as", names["Demo Bank A"])
    return cli, names, invoice, doc_hash


def test_doc_show_lists_the_registration_its_held_copy_says_it_has(tmp_path: Path) -> None:
    """A tryout read ``registered: true`` beside ``tried: []`` and ``registrations: []``
    (tests/api/test_registered_with_its_registration.py)."""
    cli, names, _, doc_hash = _lodged(tmp_path)
    for who in (names["Demo Exporter"], names["Demo Bank A"]):
        held = cli.json("doc", "show", doc_hash, "--as", who)["held"]
        assert held["registered"] is True
        assert [(r["doc_hash"], r["earliest"]) for r in held["registrations"]] == [
            (doc_hash, True)
        ], held["registrations"]
        assert held["tried"] == [{"form": "file_bytes", "doc_hash": doc_hash, "registered": True}]


def test_doc_check_of_a_lodged_file_says_it_is_lodged_not_that_it_matches(
    tmp_path: Path,
) -> None:
    """A tryout's bank read its own lodged copy as an IDENTICAL match of the file it checked
    (tests/api/test_own_copy_is_no_match.py)."""
    cli, names, invoice, doc_hash = _lodged(tmp_path)
    bank = names["Demo Bank A"]
    said = cli.run("doc", "check", str(invoice), "--as", bank).stdout
    assert "match IDENTICAL" not in said, said
    assert "no other matching file among your own files at this gateway" in said, said
    assert "note (already_lodged): this file is already lodged here: you lodged it at " in said
    checked = cli.json("doc", "check", str(invoice), "--as", bank)
    assert checked["matches"] == []
    assert [n["documents"] for n in checked["notices"] if n["kind"] == "already_lodged"] == [
        [doc_hash]
    ]
    again = cli.run("doc", "receive", str(invoice), "--as", bank).stdout
    assert "note (already_lodged)" in again, again
    # a copy with other bytes and the same facts is still found
    copy = tmp_path / "copy.xml"
    copy.write_bytes(UBL.replace(b"?>", b"?><!-- re-sent -->", 1))
    other = cli.json("doc", "check", str(copy), "--as", bank)
    assert [(m["doc_hash"], m["grade"]) for m in other["matches"]] == [(doc_hash, "same_document")]


def test_an_exporter_reading_the_financing_is_told_which_not_that_it_is_unknown(
    tmp_path: Path,
) -> None:
    """A tryout's exporter superseded its financed invoice and read ``holders_unknown``
    (tests/api/test_holders_known_to_readers.py)."""
    cli, names, _, doc_hash = _lodged(tmp_path)
    bank, exporter = names["Demo Bank A"], names["Demo Exporter"]
    amended = tmp_path / "amended.xml"
    amended.write_bytes(UBL.replace(b"<cbc:Note>", b"<cbc:Note>Amended: ", 1))
    fid = cli.json("finance", "create", "--as", bank, "--doc", f"{doc_hash}=374000", *FINANCE)[
        "financing_id"
    ]
    assert cli.json("finance", "show", str(fid), "--as", exporter)["amount"] == 374_000
    text = cli.run("doc", "check", str(amended), "--as", exporter).stdout
    assert "holders_unknown" not in text, text
    assert f"note (invoice_pledged): this invoice is pledged: active financing {fid} of " in text
    superseded = cli.json("doc", "supersede", doc_hash, str(amended), "--as", exporter)
    kinds = [n["kind"] for n in superseded["notices"]]
    assert "holders_unknown" not in kinds, superseded["notices"]
    [pledged] = [n for n in superseded["notices"] if n["kind"] == "invoice_pledged"]
    assert pledged["financings"] == [fid]
    assert f"Demo Bank A ({bank})" in pledged["message"]
    # the command it names shows the exporter that financing
    assert f"tradeledger finance show {fid} --as {exporter}" in pledged["message"]
