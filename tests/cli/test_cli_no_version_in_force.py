"""``tradeledger finance show``, ``finance drawdown`` and ``audit verify`` of a financing whose
pledged invoice V1 was superseded by V2, then V2 revoked with reason code 4 (fraud suspected):
each says that no version of the invoice is in force, with the reason, who and when — as ``doc
verify`` of V1 already said "current version: V2 (revoked)" (the newcomer's tryout, 2026-12-05:
all three said only "superseded by V2"). Before V2 is revoked (the control) none of them says
"in force". The API's answer: ``tests/api/test_no_version_in_force.py``. Real CLI (Typer's
runner) over a real embedded chain (the CLI's own data directory: embedded only)."""

from __future__ import annotations

from pathlib import Path

from tests.api.api_helpers import own_invoice
from tests.cli.cli_helpers import Cli

NO_VERSION = "NO VERSION of this document is in force"


def _pledge_line(said: str) -> str:
    [line] = [ln for ln in said.splitlines() if ln.strip().startswith("pledges ")]
    return line


def _not_in_force_line(said: str, doc_hash: str) -> str:
    [line] = [ln for ln in said.splitlines() if f"pledges {doc_hash}" in ln]
    return line


def _demo(cli: Cli) -> tuple[str, str]:
    """The demo network made with ``init --demo``: (its bank's address, its exporter's)."""
    members = cli.json("init", "--demo")["members"]
    by_role = {m["role"]: m for m in members}
    return by_role["bank"]["address"], by_role["enterprise"]["address"]


def test_superseded_then_revoked_says_no_version_is_in_force(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    bank, exporter = _demo(cli)
    invoice, amended = tmp_path / "invoice.xml", tmp_path / "amended.xml"
    invoice.write_bytes(own_invoice("CLINV1"))
    amended.write_bytes(own_invoice("CLINV2"))
    v1 = cli.json("doc", "register", str(invoice), "--as", exporter)["doc_hash"]
    cli.json("doc", "receive", str(invoice), "--as", bank)
    fid = cli.finance(bank, v1)
    v2 = cli.json("doc", "supersede", v1, str(amended), "--as", exporter)["new_doc_hash"]

    # the control: V2 is active
    shown = cli.run("finance", "show", str(fid), "--as", bank).stdout
    line = _pledge_line(shown)
    assert f"document SUPERSEDED by {v2}; its current version {v2} (the successor) is active" in (
        line
    ), line
    assert "in force" not in shown
    drawn = cli.run("finance", "drawdown", str(fid), "10000", "--as", bank)
    assert f"warning (document_superseded): financing {fid} pledges document {v1}" in drawn.stderr
    assert "in force" not in drawn.stderr
    verified = cli.run("audit", "verify").stdout
    assert "in force" not in _not_in_force_line(verified, v1), verified
    assert "NO VERSION" not in verified

    # V2 revoked for fraud
    cli.json("doc", "revoke", v2, "--as", exporter, "--reason-code", "4")
    said = cli.run("doc", "verify", str(invoice), code=5).stdout
    assert f"current version: {v2} (revoked) (the successor): no version" in said, said

    shown = cli.run("finance", "show", str(fid), "--as", bank).stdout
    line = _pledge_line(shown)
    assert f"document SUPERSEDED by {v2}; its current version {v2} (the successor) was REVOKED" in (
        line
    ), line
    assert "(reason 4: fraud_suspected)" in line
    assert f"Demo Exporter ({exporter})" in line
    assert NO_VERSION in line
    as_json = cli.json("finance", "show", str(fid), "--as", bank)["documents"][0]
    assert as_json["current_version"] == v2
    assert as_json["current_status"] == "revoked"
    assert as_json["no_version_in_force"] is True
    assert as_json["current_revocation"]["reason_code"] == 4

    listed = cli.run("finance", "list", "--as", bank).stdout
    assert f"warning (document_no_version_in_force): financing {fid} pledges" in listed
    assert NO_VERSION in listed

    drawn = cli.run("finance", "drawdown", str(fid), "10000", "--as", bank)  # exit 0: warned
    assert f"warning (document_no_version_in_force): financing {fid} pledges document {v1}" in (
        drawn.stderr
    ), drawn.stderr
    assert NO_VERSION in drawn.stderr
    assert "(reason 4: fraud_suspected)" in drawn.stderr

    verified = cli.run("audit", "verify").stdout
    assert "RULES HOLD" in verified
    assert f"with NO VERSION of a document in force: 1 (financing {fid})" in verified
    line = _not_in_force_line(verified, v1)
    assert f"current version {v2} REVOKED by Demo Exporter ({exporter})" in line, line
    assert "(reason 4: fraud_suspected): NO VERSION of the document is in force" in line
    # who revoked, as it counts, as every other line and the JSON say it (tryout 84)
    assert f"— Demo Exporter ({exporter}) is shown to be its seller" in line, line
    report = cli.json("audit", "verify")
    (listed_json,) = report["rules"]["not_in_force"]
    assert listed_json["no_version_in_force"] is True
    assert listed_json["revocation"]["reason_code"] == 4

    # a document revoked directly is counted with it: the same gravity
    revoked_too = tmp_path / "other.xml"
    revoked_too.write_bytes(own_invoice("CLINV3"))
    v3 = cli.json("doc", "register", str(revoked_too), "--as", exporter)["doc_hash"]
    cli.json("doc", "receive", str(revoked_too), "--as", bank)
    other = cli.finance(bank, v3)
    cli.json("doc", "revoke", v3, "--as", exporter, "--reason-code", "4")
    verified = cli.run("audit", "verify").stdout
    assert f"with NO VERSION of a document in force: 2 (financings {fid}, {other})" in verified
    line = _not_in_force_line(verified, v3)
    assert "(reason 4: fraud_suspected)" in line, line


def test_a_chain_of_three_versions_names_the_last(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    by_role = {m["role"]: m["address"] for m in cli.json("init", "--demo")["members"]}
    bank, exporter = by_role["bank"], by_role["enterprise"]
    files = [tmp_path / f"v{n}.xml" for n in (1, 2, 3)]
    for n, path in enumerate(files, start=1):
        path.write_bytes(own_invoice(f"CLICHAIN{n}"))
    v1 = cli.json("doc", "register", str(files[0]), "--as", exporter)["doc_hash"]
    cli.json("doc", "receive", str(files[0]), "--as", bank)
    fid = cli.finance(bank, v1)
    v2 = cli.json("doc", "supersede", v1, str(files[1]), "--as", exporter)["new_doc_hash"]
    v3 = cli.json("doc", "supersede", v2, str(files[2]), "--as", exporter)["new_doc_hash"]
    line = _pledge_line(cli.run("finance", "show", str(fid), "--as", bank).stdout)
    assert f"SUPERSEDED by {v2}; its current version {v3} is active" in line, line

    cli.json("doc", "revoke", v3, "--as", exporter, "--reason-code", "4")
    line = _pledge_line(cli.run("finance", "show", str(fid), "--as", bank).stdout)
    assert f"SUPERSEDED by {v2}; its current version {v3} was REVOKED" in line, line
    assert NO_VERSION in line
    drawn = cli.run("finance", "drawdown", str(fid), "10000", "--as", bank)
    assert "warning (document_no_version_in_force)" in drawn.stderr
    line = _not_in_force_line(cli.run("audit", "verify").stdout, v1)
    assert f"superseded by {v2} at block" in line, line
    assert f"current version {v3} REVOKED" in line, line
    assert "NO VERSION of the document is in force" in line


def test_the_heading_says_which_revocations_withdrew_a_registration_only(tmp_path: Path) -> None:
    """Tryout 82: the audit's heading counted a financing whose invoice a registrant not its
    seller revoked under "NO VERSION of a document in force" with the seller's own revocations,
    no word that only a registration was withdrawn (its line said so). The bank registers the
    exporter's invoice, finances it and revokes it "cancelled by issuer"; the exporter revokes
    another the bank financed."""
    cli = Cli(tmp_path / "ledger")
    bank, exporter = _demo(cli)
    by_bank, by_seller = tmp_path / "by-bank.xml", tmp_path / "by-seller.xml"
    by_bank.write_bytes(own_invoice("CLREG1"))
    by_seller.write_bytes(own_invoice("CLREG2"))
    mine = cli.json("doc", "register", str(by_bank), "--as", bank)["doc_hash"]
    cli.json("doc", "receive", str(by_bank), "--as", bank)
    registration_only = cli.finance(bank, mine)
    theirs = cli.json("doc", "register", str(by_seller), "--as", exporter)["doc_hash"]
    cli.json("doc", "receive", str(by_seller), "--as", bank)
    withdrawn = cli.finance(bank, theirs)
    cli.json("doc", "revoke", mine, "--as", bank, "--reason-code", "3")
    cli.json("doc", "revoke", theirs, "--as", exporter, "--reason-code", "3")

    verified = cli.run("audit", "verify").stdout
    both = sorted([registration_only, withdrawn])
    assert (
        f"with NO VERSION of a document in force: 2 (financings {both[0]}, {both[1]}), of which "
        f"1 (financing {registration_only}) by a revocation that withdrew a registration only"
    ) in verified, verified
