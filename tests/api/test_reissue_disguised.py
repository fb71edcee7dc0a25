"""A re-issue disguised by another currency, or by a mistyped buyer VAT number, is suspected
(``ledger.documents.suspicion._in_other_currency``; ``fingerprints.lookup_keys``).

Tryout 55: the demo invoice re-issued with every DKK made EUR, under a new number, was financed
at 4,675.00 EUR by a bank holding the 4,675.00 DKK original, with no word: suspicions compared
invoices in one currency only. A re-issue whose buyer carried a mistyped VAT number was never
compared at all: its buyer was keyed on nothing. Real HTTP app, real chain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from api_helpers import check, client_fixture, finance, lodge, number_of, own_invoice, reissued
from fastapi.testclient import TestClient

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]


def _in_euro(invoice: bytes) -> bytes:
    return reissued(invoice).replace(b"DKK", b"EUR")


def test_a_reissue_in_another_currency_is_suspected(client: TestClient, network: Network) -> None:
    original = own_invoice("CURR")
    doc_hash = str(lodge(client, network.bank, original)["doc_hash"])
    answer = check(client, network.bank, _in_euro(original))
    [suspicion] = [s for s in answer["suspicions"] if doc_hash in s["documents"]]
    assert suspicion["kind"] == "reissue"
    assert suspicion["matching_facts"] == ["seller", "buyer", "lines"]
    reason = suspicion["reasons"][0]
    assert f"as invoice {number_of(original)}, in another currency" in reason
    assert "4,675.00 EUR here, 4,675.00 DKK there" in reason

    copy = str(lodge(client, network.bank, _in_euro(original))["doc_hash"])
    refused = finance(client, network.bank, copy, 467_500, currency="EUR")
    assert refused.status_code == 409, refused.text  # acknowledge the suspicion first
    made = finance(client, network.bank, copy, 467_500, currency="EUR", acknowledge_suspicions=True)
    assert made.status_code == 201, made.text


def test_other_lines_in_another_currency_are_not_suspected(
    client: TestClient, network: Network
) -> None:
    original = own_invoice("CURROTHER")
    lodge(client, network.bank, original)
    other = _in_euro(original).replace(
        b">1000</cbc:InvoicedQuantity>", b">999</cbc:InvoicedQuantity>"
    )
    assert other != _in_euro(original)
    answer = check(client, network.bank, other)
    assert [s for s in answer["suspicions"] if "another currency" in s["reasons"][0]] == []


def _buyer_vat(invoice: bytes, vat: bytes) -> bytes:
    """``invoice`` with a VAT number (BT-48) added to its buyer."""
    anchor = b"<cac:PartyLegalEntity>\n                <cbc:RegistrationName>Buyercompany ltd"
    assert invoice.count(anchor) == 1
    scheme = (
        b"<cac:PartyTaxScheme><cbc:CompanyID>" + vat + b"</cbc:CompanyID>"
        b"<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
    )
    return invoice.replace(anchor, scheme + anchor)


def test_a_mistyped_buyer_vat_number_hides_no_reissue(client: TestClient, network: Network) -> None:
    """Tryout 55: a buyer whose only identity id failed its check (DK11111111) was keyed on
    nothing, so its invoices' other files were never looked up: a re-issue under a mistyped
    buyer VAT number was financed without a suspicion. Its other invoices are looked up by its
    strongest id left (here its GLN); the parties are compared again."""
    original = own_invoice("BUYERVAT")
    doc_hash = str(lodge(client, network.bank, original)["doc_hash"])
    copy = _buyer_vat(reissued(original), b"DK11111111")
    answer = check(client, network.bank, copy)
    assert any(n["kind"] == "identifier_rejected" for n in answer["notices"])
    assert [s["kind"] for s in answer["suspicions"] if doc_hash in s["documents"]] == ["reissue"]
