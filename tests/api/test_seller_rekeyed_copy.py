"""A copy of an invoice whose seller's identifiers were changed or left out is the same
invoice: pledged at another bank it is refused as pledged, and pledged beside the invoice in
one financing it is refused as the same document (``seller_name_buyer_number``); two files of
one receivable in one financing that only the marks can tie are a suspicion to acknowledge.

Tryout 64 (2026-12-06) lodged the demo invoice and a copy with only the seller's VAT id
removed (the seller then keyed by its GLN): the same number, date, buyer, lines and amount.
One financing pledged both, 4,000.00 DKK each against 4,675.00 DKK, with no suspicion, and
drew all 8,000.00 DKK; at a second bank the copy was financed after acknowledging a re-issue
suspicion. Every fingerprint keyed the seller, and a financing's marks were compared with
other financings only.

Real HTTP app, real chain, on both backends."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import MATURITY, check, client_fixture, finance, lodge, own_invoice

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends

TAX_SCHEME = rb"<cac:PartyTaxScheme>.*?</cac:PartyTaxScheme>"
LEGAL_ID = b"<cbc:CompanyID>DK13585628</cbc:CompanyID>\n            </cac:PartyLegalEntity>"
SELLER_GLN = rb"<cac:PartyIdentification>\s*<cbc:ID schemeID=\"0088\">5790000436101</cbc:ID>\s*"
SELLER_GLN += rb"</cac:PartyIdentification>"


def _without_vat(invoice: bytes) -> bytes:
    """``invoice`` with the seller's VAT id and legal id deleted: keyed by its GLN."""
    copy = re.sub(TAX_SCHEME, b"", invoice, count=1, flags=re.S)
    assert copy != invoice
    assert LEGAL_ID in copy
    return copy.replace(LEGAL_ID, b"</cac:PartyLegalEntity>", 1)


def _by_name_only(invoice: bytes) -> bytes:
    """``invoice`` whose seller is named and nothing else: keyed by its name."""
    copy, found = re.subn(SELLER_GLN, b"", _without_vat(invoice), count=1)
    assert found == 1
    return copy


def _pledge(
    client: TestClient, bank: Participant, hashes: list[str], amount: int, **extra: object
) -> Any:
    body = {
        "documents": [{"doc_hash": h, "amount": amount} for h in hashes],
        "currency": "DKK",
        "kind": "invoice_financing",
        "maturity": MATURITY,
        **extra,
    }
    return client.post("/v1/financings", json=body, headers=bank.headers)


def _lookalike_name(copy: bytes) -> bytes:
    """``copy`` with the seller's name written with a Cyrillic ``е`` and ``а`` (U+0435,
    U+0430) for the Latin letters: it reads the same (tryout 76 escaped the name lock so)."""
    written = "SеllerCompаny".encode()
    assert copy.count(b">SellerCompany<") >= 1
    return copy.replace(b">SellerCompany<", b">" + written + b"<")


def _without_vat_lookalike(invoice: bytes) -> bytes:
    return _lookalike_name(_without_vat(invoice))


def _by_lookalike_name_only(invoice: bytes) -> bytes:
    return _lookalike_name(_by_name_only(invoice))


@pytest.mark.parametrize(
    "disguise", [_without_vat, _by_name_only, _without_vat_lookalike, _by_lookalike_name_only]
)
def test_a_copy_with_the_seller_rekeyed_is_pledged_at_another_bank(
    client: TestClient, network: Network, disguise: Callable[[bytes], bytes]
) -> None:
    invoice = own_invoice("KEYED")
    financed = lodge(client, network.bank, invoice)
    made = finance(client, network.bank, financed["doc_hash"], amount=400_000)
    assert made.status_code == 201, made.text
    copy = disguise(invoice)
    checked = check(client, network.bank_b, copy)
    assert checked["invoice_pledged"] is True, checked
    assert checked["financing_headroom"] == 0, checked
    lodged = lodge(client, network.bank_b, copy)
    refused = finance(client, network.bank_b, lodged["doc_hash"], amount=400_000)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] != "suspicions_unacknowledged", refused.text
    acknowledged = finance(
        client, network.bank_b, lodged["doc_hash"], amount=400_000, acknowledge_suspicions=True
    )
    assert acknowledged.status_code == 409, acknowledged.text
    listed = client.get("/v1/financings", headers=network.bank_b.headers).json()
    assert all(f.get("status") != "active" for f in listed["items"] if f.get("terms")), listed


def test_an_invoice_and_its_rekeyed_copy_are_not_pledged_in_one_financing(
    client: TestClient, network: Network
) -> None:
    invoice = own_invoice("TWICE")
    first = lodge(client, network.bank, invoice)["doc_hash"]
    second = lodge(client, network.bank, _without_vat(invoice))["doc_hash"]
    assert first != second
    refused = _pledge(client, network.bank, [first, second], 400_000)
    assert refused.status_code == 422, refused.text
    details = refused.json()["details"]
    assert details["field"] == "documents[1].doc_hash", details
    assert "same document as documents[0]" in details["rule"], details
    assert "seller_name_buyer_number" in details["rule"], details


def test_two_files_of_one_receivable_tied_only_by_marks_ask_before_one_financing(
    client: TestClient, network: Network
) -> None:
    """The copy's number changed too (no fingerprint shared) and every item renamed (the
    bank's own comparison of lines finds nothing): the marks of the two files meet."""
    invoice = own_invoice("MARKED")
    number = re.search(rb"<cbc:ID>(MARKED-[0-9a-f]+)</cbc:ID>", invoice)
    assert number is not None
    copy = _without_vat(invoice).replace(number.group(1), number.group(1) + b"-B", 1)
    copy, renamed = re.subn(
        rb"<cbc:Name>([^<]+)</cbc:Name>(\s*<cac:SellersItem)",
        rb"<cbc:Name>ART \1</cbc:Name>\2",
        copy,
    )
    assert renamed == 3
    first = lodge(client, network.bank, invoice)["doc_hash"]
    second = lodge(client, network.bank, copy)["doc_hash"]
    asked = _pledge(client, network.bank, [first, second], 200_000)
    assert asked.status_code == 409, asked.text
    body = asked.json()
    assert body["error"] == "suspicions_unacknowledged", body
    [within] = [s for s in body["details"]["suspicions"] if first in s["documents"]]
    assert within["document_index"] == 1, within
    assert within["doc_hash"] == second, within
    assert within["kind"] == "reissue", within
    assert "documents[0] of this financing" in within["reasons"][0], within
    assert within["financings"] == [], within
    made = _pledge(client, network.bank, [first, second], 200_000, acknowledge_suspicions=True)
    assert made.status_code == 201, made.text
    recorded = made.json()["suspicions"]
    assert any(s["doc_hash"] == second and first in s["documents"] for s in recorded), recorded


def test_two_different_invoices_of_one_seller_are_pledged_together_without_a_word(
    client: TestClient, network: Network
) -> None:
    """The control: two invoices of the demo seller for other orders, numbers and dates."""
    hashes = [lodge(client, network.bank, own_invoice("PAIR"))["doc_hash"] for _ in range(2)]
    made = _pledge(client, network.bank, hashes, 200_000)
    assert made.status_code == 201, made.text
    assert made.json()["suspicions"] == []
