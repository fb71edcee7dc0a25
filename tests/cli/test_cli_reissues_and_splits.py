"""``tradeledger audit verify`` lists an invoice financed across its whole and a part issued
another day at another bank (tryout 47: one invoice financed beyond its amount, and the
regulator's verify read nothing of it). Real CLI (Typer's runner) over a real embedded chain."""

from __future__ import annotations

from pathlib import Path

from tests.api.api_helpers import issued_later, number_of, own_invoice, split_part
from tests.cli.cli_helpers import Cli

HEADING = "invoices financed across their re-issues or split parts: "


def test_verify_lists_a_whole_and_its_part_financed_at_two_banks(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    members = {m["role"]: m["address"] for m in cli.json("init", "--demo")["members"]}
    bank_b = cli.json("member", "add", "Bank B", "--role", "bank")["address"]
    invoice = own_invoice("CLIPART")
    part = issued_later(split_part(invoice, number_of(invoice) + "-L3", {2}, "2500.00"), days=3)
    whole_file, part_file = tmp_path / "whole.xml", tmp_path / "part.xml"
    whole_file.write_bytes(invoice)
    part_file.write_bytes(part)

    whole = cli.json("doc", "register", str(whole_file), "--as", members["enterprise"])
    cli.json("doc", "receive", str(whole_file), "--as", members["bank"])
    first = cli.finance(members["bank"], whole["doc_hash"], 400_000)
    verified = cli.run("audit", "verify", "--as", members["regulator"]).stdout
    assert f"{HEADING}0" in verified, verified  # one financing: nothing financed twice
    # what the 0 stands on, said beside it (tryout 66 read a flat 0 at a consortium's regulator)
    assert (
        f"{HEADING}0 — by the files and credit notes lodged at this gateway only (a file only "
        "another member's gateway holds is not compared)"
    ) in verified, verified

    cli.json("doc", "receive", str(part_file), "--as", bank_b)
    part_hash = cli.json("doc", "check", str(part_file), "--as", bank_b)["doc_hash"]
    second = cli.finance(bank_b, part_hash, 200_000)
    verified = cli.run("audit", "verify", "--as", members["regulator"], code=3).stdout
    assert f"{HEADING}1 (financings {first}, {second}); BEYOND their amount due: 1" in verified
    assert "to follow up below" in verified
    # the money lent beyond what is due is on the heading, not only below it (tryout 59)
    heading = next(line for line in verified.splitlines() if line.startswith("RULES"))
    assert heading.startswith(
        "RULES HOLD, BUT 1,325.00 DKK IS FINANCED BEYOND WHAT THE INVOICES ARE DUE: "
    ), heading
    assert "Bank B (" in verified
    assert "6,000.00 DKK on one receivable of 4,675.00 DKK due" in verified, verified
    assert "1,325.00 DKK BEYOND its amount due" in verified
    listed = cli.json("audit", "verify", "--as", members["regulator"], code=3)
    assert listed["rules"]["reissues_and_splits_financed"][0]["held"] == 600_000
