"""A copy of an invoice with its seller re-keyed *and* renamed — another valid VAT id, legal id
and GLN, another name — is suspected where the invoice is financed (``mark_buyer``: the buyer,
the number's digits, the issue date, currency and amount due, no seller), and financing it
must be acknowledged.

Every fingerprint and every other mark names the seller: tryout 66 swapped the demo invoice's
seller VAT id and GLN and wrote its name anew, and the copy shared nothing with the financed
invoice at a second bank (session 36 left it open). The same buyer's invoice of another seller
under another number, or on another day, is not suspected.

Real HTTP app, real chain, on both backends."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from api_helpers import check, client_fixture, finance, lodge, own_invoice

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends

#: the demo seller's identifiers and name, and another valid seller's (CVR and GLN checked)
SWAPS = (
    (b"DK13585628", b"DK29403473"),  # VAT (BT-31) and legal id (BT-30)
    (b"5790000436101", b"5790000436118"),  # GLN (BT-29)
    (b">SellerCompany<", b">Nordic Widgets ApS<"),  # BT-27
)


def _swapped(invoice: bytes) -> bytes:
    for old, new in SWAPS:
        assert old in invoice
        invoice = invoice.replace(old, new)
    return invoice


def _financed_at_a(client: TestClient, network: Network) -> tuple[bytes, int]:
    invoice = own_invoice("SWAP")
    lodged = lodge(client, network.bank, invoice)
    made = finance(client, network.bank, lodged["doc_hash"], amount=400_000)
    assert made.status_code == 201, made.text
    return invoice, int(made.json()["financing_id"])


def test_a_copy_with_its_seller_swapped_is_suspected_at_another_bank(
    client: TestClient, network: Network
) -> None:
    invoice, held_by = _financed_at_a(client, network)
    copy = _swapped(invoice)
    checked = check(client, network.bank_b, copy)
    assert checked["conflicting_financings"] == [], checked  # no fingerprint shared
    assert checked["suspicious"] is True, checked
    (found,) = [s for s in checked["suspicions"] if held_by in s["financings"]]
    assert any("whatever its seller" in r for r in found["reasons"]), found
    lodged = lodge(client, network.bank_b, copy)
    refused = finance(client, network.bank_b, lodged["doc_hash"], amount=400_000)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "suspicions_unacknowledged", refused.text


@pytest.mark.parametrize("change", ["number", "date"])
def test_another_sellers_invoice_to_the_buyer_is_not_suspected(
    client: TestClient, network: Network, change: str
) -> None:
    invoice, _ = _financed_at_a(client, network)
    other = _swapped(invoice)
    if change == "number":
        other = re.sub(rb"<cbc:ID>SWAP-[0-9a-f]+<", b"<cbc:ID>SWAP-99999999<", other, count=1)
    else:
        start = other.index(b"<cbc:IssueDate>") + len(b"<cbc:IssueDate>")
        day = other[start : start + 10]
        other = other.replace(day, b"2011-12-31", 1)
    checked = check(client, network.bank_b, other)
    assert checked["suspicious"] is False, checked
