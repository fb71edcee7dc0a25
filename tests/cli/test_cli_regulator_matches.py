"""``tradeledger doc check`` as the regulator lists each matching document once, naming every
member that lodged it (it listed one IDENTICAL match per lodging member: a tryout); a bank's
check still shows only its own copy, never who else lodged the file."""

from __future__ import annotations

from pathlib import Path

from tests.cli.cli_helpers import UBL, Cli


def test_doc_check_lists_a_document_lodged_by_two_banks_once(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    members = {m["role"]: m for m in cli.json("init", "--demo")["members"]}
    bank_a = members["bank"]["address"]
    bank_b = cli.json("member", "add", "Bank B", "--role", "bank")["address"]
    invoice = tmp_path / "invoice.xml"
    invoice.write_bytes(UBL)
    doc_hash = cli.json("doc", "receive", str(invoice), "--as", bank_a)["doc_hash"]
    cli.json("doc", "receive", str(invoice), "--as", bank_b)

    for args in ((), ("--as", members["regulator"]["address"])):  # the operator; a regulator
        said = cli.run("doc", "check", str(invoice), *args).stdout
        [line] = [ln for ln in said.splitlines() if "match IDENTICAL" in ln]
        assert doc_hash in line, said
        assert "Demo Bank A" in line, said
        assert "Bank B" in line, said
        [match] = cli.json("doc", "check", str(invoice), *args)["matches"]
        assert match["lodged_by"] == [bank_a, bank_b]
        assert match["received_by"] == bank_a

    # a bank: its own copy is no match of the file itself, and the other bank's is not shown
    said = cli.run("doc", "check", str(invoice), "--as", bank_b).stdout
    assert "match IDENTICAL" not in said, said
    assert "Demo Bank A" not in said, said
    assert "no other matching file among your own files" in said, said
    assert "note (already_lodged): this file is already lodged here: you lodged it at " in said
    assert cli.json("doc", "check", str(invoice), "--as", bank_b)["matches"] == []
