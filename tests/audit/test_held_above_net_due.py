"""The regulator's ``audit verify`` names an invoice its active financings hold more on than its
amount due net of the credit notes lodged here (a tryout: only the bank was warned, on its next
write, and the regulator's verify said nothing).

A bank finances the field case's invoice (EUR 1,656.25 due) in full; a credit note of EUR 500.00 on
it is lodged afterwards by its seller (a member whose legal id is the seller's VAT id: a note only
another member lodged is not counted, docs/documents.md). The chain knows no credit notes and does
not stop the financing, so the rules still hold; but the regulator's verify (API and CLI) lists the
invoice, with what is held and what is still due. An admin's verify reads no terms and lists
nothing; a bank may not verify. Real embedded chain, the gateway app, the CLI.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fastapi.testclient import TestClient

from tests.api.api_helpers import audit_rules, client_fixture, finance, lodge
from tests.cli.cli_helpers import Cli
from tests.conftest import SAMPLE_SELLER_VAT
from tests.documents.documents_support import field_bytes, with_party_vats

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

#: amount due EUR 1656.25, its seller's VAT id the test network's (and the demo's) exporter's
INVOICE = with_party_vats(field_bytes("credit-note/base-example.xml"), SAMPLE_SELLER_VAT)
CREDIT_NOTE = with_party_vats(
    field_bytes("credit-note/base-creditnote-correction.xml"), SAMPLE_SELLER_VAT
).replace(b">1656.25</cbc:PayableAmount>", b">500.00</cbc:PayableAmount>")  # on it, EUR 500.00


def test_the_regulator_is_shown_an_invoice_credited_below_its_financing(
    client: TestClient, network: Network
) -> None:
    bank, regulator = network.bank, network.regulator
    doc_hash = lodge(client, bank, INVOICE)["doc_hash"]
    made = finance(client, bank, doc_hash, amount=165_625, currency="EUR")
    assert made.status_code == 201, made.text
    fid = int(made.json()["financing_id"])
    assert audit_rules(client, regulator)["held_above_net_due"] == []  # nothing credited yet

    # another bank's note is its word alone: not counted (a tryout), nothing to follow up
    lodge(client, network.bank_b, CREDIT_NOTE)
    assert audit_rules(client, regulator)["held_above_net_due"] == []
    lodge(client, network.enterprise, CREDIT_NOTE)  # the seller's own copy counts
    rules = audit_rules(client, regulator)
    assert rules["clean"]  # not a breach: the chain knows no credit notes
    [found] = rules["held_above_net_due"]
    assert (found["doc_hash"], found["held"], found["net_due"], found["currency"]) == (
        doc_hash,
        165_625,
        115_625,
        "EUR",
    )
    assert found["financing_ids"] == [fid]
    assert "1,656.25 EUR" in found["message"]
    assert "1,156.25 EUR" in found["message"]

    # an admin reads no terms: no rules, nothing listed; a bank may not verify at all
    assert audit_rules(client, network.admin) is None
    refused = client.get("/v1/audit/verify", headers=bank.headers)
    assert refused.status_code == 403, refused.text


def test_the_cli_verify_lists_it(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    created = cli.json("init", "--demo")
    members = {m["role"]: m["address"] for m in created["members"]}
    bank, regulator = members["bank"], members["regulator"]
    invoice, note = tmp_path / "invoice.xml", tmp_path / "credit-note.xml"
    invoice.write_bytes(INVOICE)
    note.write_bytes(CREDIT_NOTE)
    doc_hash = cli.json("doc", "receive", str(invoice), "--as", bank)["doc_hash"]
    made = cli.json(
        "finance",
        "create",
        "--as",
        bank,
        "--doc",
        f"{doc_hash}=165625",
        "--currency",
        "EUR",
        "--maturity",
        "2099-12-31",
        "--reference",
        "HELD-1",
    )
    cli.json("doc", "receive", str(note), "--as", members["enterprise"])  # the seller's
    done = cli.run("audit", "verify", "--as", regulator, code=3)  # money beyond what is due
    assert (
        "RULES HOLD, BUT 500.00 EUR IS FINANCED BEYOND WHAT THE INVOICES ARE DUE: " in done.stdout
    )
    assert "; 1 to follow up below (not rule breaches)\n" in done.stdout
    assert "invoices held above their amount due net of credit notes: 1" in done.stdout
    assert (
        f"active financing {made['financing_id']} holds 1,656.25 EUR on invoice {doc_hash}, whose "
        "amount due net of the credit notes counted is 1,156.25 EUR"
    ) in done.stdout
    [found] = cli.json("audit", "verify", "--as", regulator, code=3)["rules"]["held_above_net_due"]
    assert (found["held"], found["net_due"]) == (165_625, 115_625)
