"""A copy of an invoice financed at one bank, offered to another with its seller's strongest
identifier deleted or mistyped and a new number, or as a JSON form naming no buyer under a new
number, is suspected there: the other bank's financing is named, and financing the copy must
be acknowledged (``ledger.documents.marks``: ``mark_reissue`` by each seller key, its lines by
quantity and amount; ``mark_seller_amount``).

Tryout 59 (2026-12-06) financed the EN 16931 example ``ubl-tc434-example1.xml`` (De Koksmaat,
250.33 EUR) five times at three banks:

- the copy with the seller's ``PartyTaxScheme`` (VAT ``NL8200.98.395.B.01``) deleted and its
  number changed: ``mark_reissue`` named the seller by its strongest identifier only, the VAT
  id, and the copy's strongest was its KvK number — nothing met, ``suspicious: false``;
- the same with the VAT id's branch mistyped (``B.02``);
- a JSON form with the seller's VAT id and name, the issue date and the amount, no buyer and a
  new number: every mark needed a buyer, lines or the number's digits — nothing met.

Tryout 61 financed it twice more: a re-issue under a new number and date with one item renamed
(``SUIKERKLONT`` → ``SUIKERKLONTJE``) or ``ART`` put before every item (every quantity and amount
kept), and a JSON form with the buyer's id re-typed under a new number and date.

Real HTTP app, real chain, on both backends."""

from __future__ import annotations

import json
import random
import re
from typing import TYPE_CHECKING

import pytest
from api_helpers import check, client_fixture, finance, lodge

from tests.conftest import CORPUS

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends

EXAMPLE = (CORPUS / "ubl" / "ubl-tc434-example1.xml").read_bytes()
NUMBER = b"<cbc:ID>12115118</cbc:ID>"
VAT = b"<cbc:CompanyID>NL8200.98.395.B.01</cbc:CompanyID>"
DUE = 25_033  # 250.33 EUR
ISSUED = "2015-01-09"


def _numbered(data: bytes) -> tuple[bytes, str]:
    """``data`` (the example) under a number of 8 digits new to the test run."""
    number = str(random.randrange(10_000_000, 99_999_999))
    assert data.count(NUMBER) == 1
    return data.replace(NUMBER, f"<cbc:ID>{number}</cbc:ID>".encode()), number


def _financed_at_a(client: TestClient, network: Network) -> tuple[bytes, int]:
    original, _ = _numbered(EXAMPLE)
    lodged = lodge(client, network.bank, original)
    made = finance(client, network.bank, lodged["doc_hash"], amount=20_000, currency="EUR")
    assert made.status_code == 201, made.text
    return original, int(made.json()["financing_id"])


def _suspected_at_b(
    client: TestClient, network: Network, copy: bytes, held_by: int, amount: int = DUE
) -> None:
    checked = check(client, network.bank_b, copy)
    assert checked["conflicting_financings"] == [], checked  # no fingerprint shared: a mark
    assert any(held_by in s["financings"] for s in checked["suspicions"]), checked
    lodged = lodge(client, network.bank_b, copy)
    refused = finance(client, network.bank_b, lodged["doc_hash"], amount=amount, currency="EUR")
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "suspicions_unacknowledged", refused.text


def test_a_copy_without_the_sellers_vat_id_under_a_new_number_is_suspected(
    client: TestClient, network: Network
) -> None:
    _, financing_a = _financed_at_a(client, network)
    copy, _ = _numbered(
        re.sub(rb"<cac:PartyTaxScheme>.*?</cac:PartyTaxScheme>", b"", EXAMPLE, count=1, flags=re.S)
    )
    assert VAT not in copy
    _suspected_at_b(client, network, copy, financing_a)


def test_a_copy_with_the_sellers_vat_id_mistyped_under_a_new_number_is_suspected(
    client: TestClient, network: Network
) -> None:
    _, financing_a = _financed_at_a(client, network)
    copy, _ = _numbered(EXAMPLE.replace(VAT, b"<cbc:CompanyID>NL8200.98.395.B.02</cbc:CompanyID>"))
    _suspected_at_b(client, network, copy, financing_a)


def test_the_copy_renamed_too_is_suspected_by_the_legal_id_left(
    client: TestClient, network: Network
) -> None:
    """Its VAT id deleted and its name changed: the KvK number (``57151520``) alone names the
    seller of both files."""
    _, financing_a = _financed_at_a(client, network)
    copy = re.sub(
        rb"<cac:PartyTaxScheme>.*?</cac:PartyTaxScheme>", b"", EXAMPLE, count=1, flags=re.S
    )
    copy = copy.replace(b"<cbc:RegistrationName>De Koksmaat<", b"<cbc:RegistrationName>Zonnebloem<")
    copy, _ = _numbered(copy)
    _suspected_at_b(client, network, copy, financing_a)


def _form(number: str, issued: str = ISSUED, amount: str = "250.33") -> bytes:
    return json.dumps(
        {
            "documentType": "Invoice",
            "documentNumber": number,
            "issueDate": issued,
            "issuer": {"id": "NL820098395B01", "scheme": "VAT", "name": "De Koksmaat"},
            "totalAmount": {"value": amount, "currency": "EUR"},
        }
    ).encode()


def test_a_json_form_naming_no_buyer_under_a_new_number_is_suspected(
    client: TestClient, network: Network
) -> None:
    _, financing_a = _financed_at_a(client, network)
    _suspected_at_b(client, network, _form(f"KM-2015-{random.randrange(10**6)}"), financing_a)


@pytest.mark.parametrize(
    "edit",
    [
        (b"SUIKERKLONT<", b"SUIKERKLONTJE<"),
        (b"<cbc:Name>", b"<cbc:Name>ART "),
    ],
    ids=["one-item-renamed", "every-item-renamed"],
)
def test_a_reissue_with_its_items_renamed_is_suspected(
    client: TestClient, network: Network, edit: tuple[bytes, bytes]
) -> None:
    _, financing_a = _financed_at_a(client, network)
    assert edit[0] in EXAMPLE
    copy, _ = _numbered(EXAMPLE.replace(*edit))
    copy = copy.replace(f"<cbc:IssueDate>{ISSUED}<".encode(), b"<cbc:IssueDate>2015-02-13<", 1)
    assert ISSUED.encode() not in copy.split(b"<cbc:DueDate>")[0]
    _suspected_at_b(client, network, copy, financing_a)


def test_a_json_form_with_the_buyer_retyped_on_another_day_is_suspected(
    client: TestClient, network: Network
) -> None:
    _, financing_a = _financed_at_a(client, network)
    form = json.loads(_form("KM-JX", issued="2015-01-16"))
    form["consignee"] = {"id": "10203", "scheme": "PARTY"}
    _suspected_at_b(client, network, json.dumps(form).encode(), financing_a)


def test_a_json_form_of_another_amount_is_not_suspected_of_it(
    client: TestClient, network: Network
) -> None:
    """The control: the same seller's form of another amount is another invoice; no mark meets
    the financing."""
    _, financing_a = _financed_at_a(client, network)
    checked = check(client, network.bank_b, _form(f"KM-{random.randrange(10**6)}", amount="250.34"))
    assert not any(financing_a in s["financings"] for s in checked["suspicions"]), checked


def test_another_invoice_with_lines_of_the_same_amount_is_not_suspected_of_it(
    client: TestClient, network: Network
) -> None:
    """The control: two invoices that state their lines are compared by them — the seller's
    invoice of the same amount for other quantities meets no mark, whatever its buyer."""
    _, financing_a = _financed_at_a(client, network)
    other, _ = _numbered(EXAMPLE)
    quantity = re.search(rb'<cbc:InvoicedQuantity unitCode="[^"]*">([^<]*)<', other)
    assert quantity is not None
    other = other.replace(quantity.group(0), quantity.group(0).replace(quantity.group(1), b"7"), 1)
    checked = check(client, network.bank_b, other)
    assert not any(financing_a in s["financings"] for s in checked["suspicions"]), checked


def test_a_reissue_in_another_currency_is_suspected_at_a_bank_holding_no_file_of_it(
    client: TestClient, network: Network
) -> None:
    """Tryout 62: every EUR made USD under a new number and date — caught at a bank holding the
    original, financed unseen at one holding nothing of it (every mark named the currency)."""
    _, financing_a = _financed_at_a(client, network)
    copy, _ = _numbered(EXAMPLE.replace(b'currencyID="EUR"', b'currencyID="USD"'))
    copy = copy.replace(b">EUR<", b">USD<").replace(
        f"<cbc:IssueDate>{ISSUED}<".encode(), b"<cbc:IssueDate>2015-03-01<", 1
    )
    checked = check(client, network.bank_b, copy)
    assert checked["facts"]["currency"] == "USD"
    assert any(financing_a in s["financings"] for s in checked["suspicions"]), checked
    lodged = lodge(client, network.bank_b, copy)
    refused = finance(client, network.bank_b, lodged["doc_hash"], amount=DUE, currency="USD")
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "suspicions_unacknowledged", refused.text
