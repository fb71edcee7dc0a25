"""``doc check`` of a revoked or superseded document says it is NOT FINANCEABLE and why, with
nothing left to finance, and exits 5 like any file no bank can finance (a fresh-user tryout:
``doc check FILE --as BANK`` printed ``REVOKED`` on its first line yet ``left to finance:
2,337.50 DKK`` and exited 0; ``doc show`` printed ``left to finance: unknown (no
fingerprint)``). A match whose document is revoked says so beside it. Real CLI over a real
embedded chain (the CLI's own data directory: embedded only).
"""

from __future__ import annotations

from pathlib import Path

from tests.api.api_helpers import own_invoice
from tests.cli.cli_helpers import Cli


def _demo(tmp_path: Path) -> tuple[Cli, dict[str, str]]:
    cli = Cli(tmp_path / "ledger")
    members = cli.json("init", "--demo")["members"]
    return cli, {m["role"]: m["address"] for m in members}


def _left_line(said: str) -> str:
    [line] = [ln for ln in said.splitlines() if "left to finance" in ln]
    return line


def test_doc_check_of_a_revoked_invoice_is_not_financeable(tmp_path: Path) -> None:
    cli, by_role = _demo(tmp_path)
    bank, exporter = by_role["bank"], by_role["enterprise"]
    invoice = tmp_path / "invoice.xml"
    invoice.write_bytes(own_invoice("CLIREV"))
    doc_hash = cli.json("doc", "register", str(invoice), "--as", exporter)["doc_hash"]
    active = cli.run("doc", "check", str(invoice), "--as", bank).stdout  # exit 0: financeable
    assert "NOT FINANCEABLE" not in active
    cli.json("doc", "revoke", doc_hash, "--as", exporter, "--reason-code", "3")

    said = cli.run("doc", "check", str(invoice), "--as", bank, code=5).stdout
    assert said.startswith("REVOKED:"), said
    assert "left to finance: 0.00 DKK (the document is revoked)" in _left_line(said), said
    assert f"NOT FINANCEABLE: document {doc_hash} is revoked" in said, said
    assert "DOCUMENT_REVOKED" in said
    as_json = cli.json("doc", "check", str(invoice), "--as", bank, code=5)
    assert as_json["financing_headroom"] == 0
    assert "document_revoked" in [n["kind"] for n in as_json["notices"]]

    received = cli.run("doc", "receive", str(invoice), "--as", bank).stdout
    assert "left to finance: 0.00 DKK (the document is revoked)" in _left_line(received)
    assert cli.json("doc", "receive", str(invoice), "--as", bank)["financing_headroom"] == 0

    # now the bank holds a copy: the regulator's check matches it (a bank's own copy is no
    # match of the file it checks) and says that copy's document is revoked
    regulator = by_role["regulator"]
    matched = cli.run("doc", "check", str(invoice), "--as", regulator, code=5).stdout
    [match] = [ln for ln in matched.splitlines() if ln.strip().startswith("match ")]
    assert doc_hash in match
    assert match.endswith("— that document is REVOKED"), match

    shown = cli.run("doc", "show", doc_hash, "--as", bank).stdout
    assert "left to finance: 0.00 DKK (the document is revoked)" in _left_line(shown), shown
    assert f"NOT FINANCEABLE: document {doc_hash} is revoked" in shown, shown
    assert cli.json("doc", "show", doc_hash, "--as", bank)["held"]["financing_headroom"] == 0


def test_doc_check_of_a_superseded_invoice_names_its_amendment(tmp_path: Path) -> None:
    cli, by_role = _demo(tmp_path)
    bank, exporter = by_role["bank"], by_role["enterprise"]
    invoice, amended = tmp_path / "invoice.xml", tmp_path / "amended.xml"
    invoice.write_bytes(own_invoice("CLISUP"))
    amended.write_bytes(own_invoice("CLISUP"))
    doc_hash = cli.json("doc", "register", str(invoice), "--as", exporter)["doc_hash"]
    successor = cli.json("doc", "supersede", doc_hash, str(amended), "--as", exporter)[
        "new_doc_hash"
    ]

    said = cli.run("doc", "check", str(invoice), "--as", bank, code=5).stdout
    assert said.startswith(f"SUPERSEDED by {successor}"), said
    assert "left to finance: 0.00 DKK (the document is superseded)" in _left_line(said), said
    assert f"NOT FINANCEABLE: document {doc_hash} is superseded by {successor}" in said, said
    cli.run("doc", "check", str(amended), "--as", bank)  # the amendment: exit 0
