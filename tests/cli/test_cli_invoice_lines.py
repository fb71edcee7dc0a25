"""``tradeledger doc check|receive|register`` refuse a file one of whose lines cannot be read,
naming the line, as the API does (tests/api/test_invoice_lines_api.py): tryout 51 wrote a
quantity as ``1E3`` and every line of the invoice was dropped without a word. Real CLI (Typer's
runner) over a real embedded chain."""

from __future__ import annotations

from pathlib import Path

from tests.api.api_helpers import own_invoice
from tests.cli.cli_helpers import Cli

FIELD = "cac:InvoiceLine[2]/cbc:InvoicedQuantity"


def test_a_line_quantity_in_exponent_notation_is_refused_naming_the_line(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    members = {m["role"]: m["address"] for m in cli.json("init", "--demo")["members"]}
    invoice = own_invoice("CLILINES")
    bad = invoice.replace(b">100</cbc:InvoicedQuantity>", b">1E2</cbc:InvoicedQuantity>", 1)
    assert bad != invoice
    path = tmp_path / "invoice.xml"
    path.write_bytes(bad)
    for command, who in (("check", "bank"), ("receive", "bank"), ("register", "enterprise")):
        body = cli.json("doc", command, str(path), "--as", members[who], code=2)
        assert body["error"] == "document_format_error", (command, body)
        assert body["details"]["field"] == FIELD, (command, body)
        assert body["details"]["value"] == "1E2", (command, body)
        said = cli.run("doc", command, str(path), "--as", members[who], code=2).output
        assert FIELD in said, (command, said)
        assert "BT-129 Invoiced quantity; line 2 of the UBL 2.1 Invoice" in said, (command, said)
    assert cli.json("doc", "search", "--as", members["bank"])["items"] == []
    path.write_bytes(invoice)
    assert cli.json("doc", "register", str(path), "--as", members["enterprise"])["doc_hash"]
