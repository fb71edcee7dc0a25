"""``tradeledger audit verify`` when a member not shown to be an invoice's seller revokes a
near-copy of it (tryout 44): Bank B registers the demo exporter's invoice again with a note
appended — the same document, another hash — and revokes it, reason 3 ("cancelled by issuer"),
while Bank A's financing of the exporter's own registration stands. The regulator's verify
listed it as "NO VERSION of the same receivable is in force": false, as Bank B is not the
seller. It is listed apart now, with who revoked it; the exporter's own revocation is listed as
withdrawn (the control). Real CLI (Typer's runner) over a real embedded chain."""

from __future__ import annotations

from pathlib import Path

from tests.api.api_helpers import own_invoice
from tests.cli.cli_helpers import Cli

APART = (
    "active financings on copies of documents revoked by a member not shown to be their seller "
    "(the receivable not shown to be withdrawn): "
)
WITHDRAWN = "active financings on copies of documents their seller or an admin withdrew: "


def test_a_near_copy_revoked_by_another_bank_is_not_called_withdrawn(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    members = {m["role"]: m["address"] for m in cli.json("init", "--demo")["members"]}
    bank_b = cli.json("member", "add", "Bank B", "--role", "bank")["address"]
    invoice, copy = tmp_path / "invoice.xml", tmp_path / "copy.xml"
    invoice.write_bytes(own_invoice("NEAR"))
    copy.write_bytes(invoice.read_bytes().replace(b"</cbc:Note>", b" (copy)</cbc:Note>", 1))
    assert copy.read_bytes() != invoice.read_bytes()
    original = cli.json("doc", "register", str(invoice), "--as", members["enterprise"])
    cli.json("doc", "receive", str(invoice), "--as", members["bank"])
    fid = cli.finance(members["bank"], original["doc_hash"])
    near = cli.json("doc", "register", str(copy), "--as", bank_b)["doc_hash"]
    cli.json("doc", "revoke", near, "--as", bank_b, "--reason-code", "3")

    verified = cli.run("audit", "verify", "--as", members["regulator"]).stdout
    assert f"{WITHDRAWN}0" in verified, verified
    assert f"{APART}1 (financing {fid})" in verified, verified
    assert "Bank B (" in verified
    assert "is not shown to be its seller" in verified
    assert "NO VERSION of the same receivable" not in verified

    # the control: the exporter, shown to be the seller, registers another copy and revokes it
    second = tmp_path / "second.xml"
    second.write_bytes(invoice.read_bytes().replace(b"</cbc:Note>", b" (second)</cbc:Note>", 1))
    theirs = cli.json("doc", "register", str(second), "--as", members["enterprise"])["doc_hash"]
    cli.json("doc", "revoke", theirs, "--as", members["enterprise"], "--reason-code", "3")
    verified = cli.run("audit", "verify", "--as", members["regulator"]).stdout
    assert f"{WITHDRAWN}1 (financing {fid})" in verified, verified
    assert "is shown to be its seller: its legal id on chain is" in verified, verified
    # the financed file itself is still registered as active: not "no version in force"
    assert "that revocation WITHDREW THE RECEIVABLE" in verified, verified
    assert f"though the file financing {fid} pledges, " in verified
    assert "is still registered as active (its registrant has not revoked it)" in verified
    assert "NO VERSION" not in verified
