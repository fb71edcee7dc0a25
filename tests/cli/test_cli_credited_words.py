"""What ``doc check`` says a credited invoice's financeable amount counts: a bank's and a
regulator's answer counts the credit notes lodged at the gateway by the invoice's seller or
buyer, and its own; another role's only its own (docs/privacy.md, docs/documents.md). The line
read "net of credit notes" for everyone, so an enterprise that had not lodged the credit note
read the full amount as net of all of them (a tryout, 2026-12-03)."""

from __future__ import annotations

from pathlib import Path

from tests.cli.cli_helpers import Cli
from tests.documents.documents_support import field_bytes

INVOICE = field_bytes("credit-note/base-example.xml")
CREDIT_NOTE = field_bytes("credit-note/base-creditnote-correction.xml")


def _demo(tmp_path: Path) -> tuple[Cli, dict[str, str]]:
    """A demo ledger (``init --demo``) and a member's address by role."""
    cli = Cli(tmp_path / "ledger")
    members = cli.json("init", "--demo")["members"]
    return cli, {m["role"]: m["address"] for m in members}


def test_the_financeable_amount_says_whose_credit_notes_it_counts(tmp_path: Path) -> None:
    cli, by_role = _demo(tmp_path)
    invoice, note = tmp_path / "invoice.xml", tmp_path / "note.xml"
    invoice.write_bytes(INVOICE)
    note.write_bytes(CREDIT_NOTE)
    bank = by_role["bank"]
    cli.json("doc", "receive", str(invoice), "--as", bank)
    cli.json("doc", "receive", str(note), "--as", bank)  # the bank lodged the credit note
    # NOT FINANCEABLE (exit 5) to those whose count has the credit note cancel the invoice: the
    # bank's own; not the regulator's (a note another member lodged alone is its word, and the
    # bank is no party to the invoice), nor the enterprise's (its own notes only)
    codes = {"bank": 5, "enterprise": 0, "regulator": 0}
    said = {
        role: cli.run("doc", "check", str(invoice), "--as", by_role[role], code=code).stdout
        for role, code in codes.items()
    }
    for role in ("bank", "regulator"):
        [line] = [ln for ln in said[role].splitlines() if "financeable amount" in ln]
        counted = "net of the credit notes counted: those its seller or buyer vouch for, and yours"
        assert counted in line, said[role]
    assert (
        "note (credit_note_not_counted): 1 credit note(s) lodged here name this invoice"
        in (said["regulator"])
    )
    [line] = [ln for ln in said["enterprise"].splitlines() if "financeable amount" in ln]
    assert "net of your own credit notes lodged here" in line, said["enterprise"]
    # and the amounts differ as the words say: the bank's is reduced, the enterprise's is not
    bank_json = cli.json("doc", "check", str(invoice), "--as", bank, code=5)
    enterprise_json = cli.json("doc", "check", str(invoice), "--as", by_role["enterprise"])
    assert bank_json["financeable_amount"] < enterprise_json["financeable_amount"]


def test_a_registered_credit_note_is_said_to_be_one(tmp_path: Path) -> None:
    """``doc register`` of a credit note: "as invoice (credit note)" — the document type a
    credit note is registered under (EN 16931 BT-3 381) and what it is; it read "as invoice"."""
    cli, by_role = _demo(tmp_path)
    note, invoice = tmp_path / "note.xml", tmp_path / "invoice.xml"
    note.write_bytes(CREDIT_NOTE)
    invoice.write_bytes(INVOICE)
    said = cli.run("doc", "register", str(note), "--as", by_role["enterprise"]).stdout
    assert " as invoice (credit note) in block " in said, said
    said = cli.run("doc", "register", str(invoice), "--as", by_role["enterprise"]).stdout
    assert " as invoice in block " in said, said
