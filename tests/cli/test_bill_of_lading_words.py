"""A bill of lading is not called an invoice: ``doc check`` says whether *the bill of lading* is
pledged, and a refused financing of it names the bill of lading — registered or not (an
unregistered one is named by the type of the copy the refused bank lodged). All through the
CLI, on the demo's bill of lading (JSON form) with an amount, so that it can be financed."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from tests.cli.cli_helpers import Cli

BILL = json.loads(resources.files("ledger.demo_data").joinpath("bill-of-lading.json").read_text())
FINANCE = ("--currency", "DKK", "--maturity", "2099-12-31", "--kind", "other")


def _bill(tmp: Path, number: str) -> Path:
    form = {
        **BILL,
        "documentNumber": number,
        "totalAmount": {"value": "1000.00", "currency": "DKK"},
    }
    path = tmp / f"{number}.json"
    path.write_text(json.dumps(form))
    return path


def test_a_bill_of_lading_is_called_a_bill_of_lading(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    names = {m["name"]: m["address"] for m in cli.json("init", "--demo")["members"]}
    bank_a, exporter = names["Demo Bank A"], names["Demo Exporter"]
    bank_b = cli.json("member", "add", "Bank B", "--role", "bank")["address"]

    # registered by the exporter, financed by bank A
    bill = _bill(tmp_path, "MAEU-240410-7731")
    cli.run("doc", "register", str(bill), "--as", exporter)
    free = cli.run("doc", "check", str(bill), "--as", bank_a).stdout
    assert "  bill of lading pledged: no (no active financing locks its fingerprints)" in free
    assert "invoice" not in free
    doc_hash = cli.json("doc", "receive", str(bill), "--as", bank_a)["doc_hash"]
    cli.run("finance", "create", "--as", bank_a, "--doc", f"{doc_hash}=100000", *FINANCE)

    held = cli.run("doc", "check", str(bill), "--as", bank_b, code=3).stdout
    assert "  bill of lading PLEDGED: an active financing locks its fingerprints" in held
    assert "invoice" not in held
    mine = cli.run("doc", "check", str(bill), "--as", exporter).stdout
    assert "this bill of lading is pledged: active financing 1 of Demo Bank A" in mine
    assert "invoice PLEDGED" not in mine
    cli.run("doc", "receive", str(bill), "--as", bank_b)
    refused = cli.run(
        "finance", "create", "--as", bank_b, "--doc", f"{doc_hash}=100000", *FINANCE, code=4
    )
    said = " ".join(refused.output.split())
    assert f"the bill of lading of document {doc_hash} (this file or another copy of it)" in said
    assert "the invoice of" not in said

    # registered by nobody, numbered anew (the same parties, amount and date: the same bill of
    # lading by its fingerprints): named by the type of the copy bank B lodged
    loose = _bill(tmp_path, "MAEU-240410-9000")
    loose_hash = cli.json("doc", "receive", str(loose), "--as", bank_b)["doc_hash"]
    refused = cli.run(
        "finance", "create", "--as", bank_b, "--doc", f"{loose_hash}=100000", *FINANCE, code=4
    )
    said = " ".join(refused.output.split())
    assert f"the bill of lading of document {loose_hash} (this file or another copy" in said, said
    assert "the invoice of" not in said
