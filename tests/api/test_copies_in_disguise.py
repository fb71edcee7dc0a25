"""An invoice financed at one bank, then offered to another in disguise, is not financed there
unseen. A tryout (40) financed the demo invoice four times, three of them at one bank:

- a copy naming the seller by its GLN and name alone (its VAT and legal ids deleted), under a
  number with too few digits to be compared by them (``TOSL110``): no fingerprint met (a GLN
  is shared between companies, so it does not key a seller that has a VAT id) and no mark
  either — then a short number was compared whole, and the name mark met: a suspicion naming
  the other bank's financing; since tryout 64 the seller's name, buyer, number, date and
  amount lock it (``seller_name_buyer_number``): refused as pledged, and renamed as well, still
  suspected;
- a JSON form naming the seller by its Danish CVR number as a tax number (``TAX``) — the CVR
  number *is* the VAT id's digits, as for a legal registration: it keys as the VAT id now, and
  the chain refuses it;
- a JSON form declaring ``"documentType": "Other"``: the type alone kept every fingerprint
  apart; ``OTHER`` names no kind of document, and fingerprints compare it as an invoice now.

Real HTTP app, real chain, on both backends."""

from __future__ import annotations

import json
import random
import re
import string
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import UBL, check, client_fixture, finance, lodge

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends


def _number() -> str:
    """A number new to the test run with three digits only (``TOSL110`` has three)."""
    return "T" + "".join(random.choices(string.ascii_uppercase, k=8)) + "110"


def _financed_at_a(client: TestClient, network: Network) -> tuple[str, int]:
    number = _number()
    original = lodge(client, network.bank, UBL.replace(b"TOSL110", number.encode()))
    made = finance(client, network.bank, original["doc_hash"], amount=374_000)
    assert made.status_code == 201, made.text
    return number, int(made.json()["financing_id"])


def _form(number: str, seller: dict[str, Any], doc_type: str = "Invoice") -> bytes:
    return json.dumps(
        {
            "documentType": doc_type,
            "documentNumber": number,
            "issueDate": "2013-04-10",
            "dueDate": "2013-05-10",
            "seller": seller,
            "buyer": {"id": "5790000436057", "scheme": "GLN"},
            "totalAmount": {"value": "4675.00", "currency": "DKK"},
        }
    ).encode()


def _refused_as_pledged(client: TestClient, network: Network, data: bytes, held_by: int) -> None:
    seen = lodge(client, network.bank_b, data)
    assert seen["conflicting_financings"] == [held_by], seen
    refused = finance(client, network.bank_b, seen["doc_hash"], amount=467_500)
    assert refused.status_code == 409, refused.text
    assert refused.json()["details"]["reason"] == "FINGERPRINT_PLEDGED", refused.text
    assert refused.json()["details"]["conflicting_financing_id"] == held_by


def test_a_copy_naming_the_seller_by_gln_and_name_alone_is_refused_as_pledged(
    client: TestClient, network: Network
) -> None:
    """Its seller's name, buyer, number, date and amount lock it with the invoice
    (``seller_name_buyer_number``, since tryout 64); before, a suspicion only."""
    number, financing_a = _financed_at_a(client, network)
    copy = UBL.replace(b"TOSL110", number.encode())
    copy = re.sub(rb"<cac:PartyTaxScheme>.*?</cac:PartyTaxScheme>", b"", copy, count=1, flags=re.S)
    copy = copy.replace(b"<cbc:CompanyID>DK13585628</cbc:CompanyID>", b"", 1)
    assert b"DK13585628" not in copy.split(b"AccountingCustomerParty")[0]
    checked = check(client, network.bank_b, copy)
    assert checked["conflicting_financings"] == [financing_a], checked
    assert checked["invoice_pledged"] is True, checked
    _refused_as_pledged(client, network, copy, financing_a)


def test_the_copy_renamed_too_is_suspected(client: TestClient, network: Network) -> None:
    """Its seller renamed too, no fingerprint meets: the marks still ask of it."""
    number, financing_a = _financed_at_a(client, network)
    copy = UBL.replace(b"TOSL110", number.encode())
    copy = re.sub(rb"<cac:PartyTaxScheme>.*?</cac:PartyTaxScheme>", b"", copy, count=1, flags=re.S)
    copy = copy.replace(b"<cbc:CompanyID>DK13585628</cbc:CompanyID>", b"", 1)
    copy = copy.replace(b">SellerCompany<", b">SellerCompany ApS<")
    checked = check(client, network.bank_b, copy)
    assert checked["conflicting_financings"] == [], checked
    assert any(financing_a in s["financings"] for s in checked["suspicions"]), checked
    lodged = lodge(client, network.bank_b, copy)
    refused = finance(client, network.bank_b, lodged["doc_hash"], amount=467_500)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "suspicions_unacknowledged", refused.text


def test_a_json_form_naming_the_seller_by_its_cvr_number_as_a_tax_number_is_refused(
    client: TestClient, network: Network
) -> None:
    number, financing_a = _financed_at_a(client, network)
    seller = {"id": "13585628", "scheme": "TAX", "country": "DK"}
    _refused_as_pledged(client, network, _form(number, seller), financing_a)


def test_a_json_form_declaring_itself_other_is_refused(
    client: TestClient, network: Network
) -> None:
    number, financing_a = _financed_at_a(client, network)
    seller = {"id": "DK13585628", "scheme": "VAT"}
    _refused_as_pledged(client, network, _form(number, seller, doc_type="Other"), financing_a)


def test_a_bill_of_lading_keeps_its_own_type(client: TestClient, network: Network) -> None:
    """Only ``OTHER`` is compared as an invoice: a bill of lading with the invoice's number,
    seller and amount is another document."""
    number, _ = _financed_at_a(client, network)
    seller = {"id": "DK13585628", "scheme": "VAT"}
    seen = lodge(client, network.bank_b, _form(number, seller, doc_type="BillOfLading"))
    assert seen["conflicting_financings"] == [], seen


@pytest.mark.parametrize("doc_type", ["Contract", "PurchaseOrder", "WarehouseReceipt"])
def test_a_json_form_declaring_another_type_is_suspected(
    client: TestClient, network: Network, doc_type: str
) -> None:
    """Tryout 42: the invoice's facts in a JSON form declaring itself a Contract, a
    PurchaseOrder or a WarehouseReceipt were financed again as ``invoice_financing``, told
    nothing. Fingerprints keep their types (an invoice and a bill of lading with one number
    are two documents); marks meet across every type, so a person is asked."""
    number, financing_a = _financed_at_a(client, network)
    seller = {"id": "DK13585628", "scheme": "VAT", "country": "DK"}
    seen = lodge(client, network.bank_b, _form(number, seller, doc_type=doc_type))
    assert seen["conflicting_financings"] == [], seen  # its type keeps the fingerprints apart
    assert any(financing_a in s["financings"] for s in seen["suspicions"]), seen
    # said of what the file is (tryout 75: a warehouse receipt "may be the same invoice"); the
    # other bank's document by no type, which it cannot see
    word = {"Contract": "contract", "PurchaseOrder": "purchase order"}.get(
        doc_type, "warehouse receipt"
    )
    reasons = [
        r for x in seen["suspicions"] if financing_a in x["financings"] for r in x["reasons"]
    ]
    assert any(f"it may be the same {word} " in r for r in reasons), reasons
    assert any(f"active financing {financing_a} of " in r for r in reasons), reasons
    assert any("pledges a document" in r for r in reasons), reasons
    assert not any("invoice" in r for r in reasons), reasons
    refused = finance(client, network.bank_b, seen["doc_hash"], amount=467_500)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "suspicions_unacknowledged", refused.text


@pytest.mark.parametrize("scheme", ["LEGAL", "TAX"])
def test_a_json_form_naming_the_seller_by_its_bare_cvr_number_is_suspected(
    client: TestClient, network: Network, scheme: str
) -> None:
    """Tryout 42: the seller as ``{"id": "13585628", "scheme": "LEGAL"}`` with no country —
    the register, so the VAT id it stands for, is not known, and the lock keeps the country —
    met nothing. A mark names a national or VAT id by its digits alone: a suspicion."""
    number, financing_a = _financed_at_a(client, network)
    seen = lodge(client, network.bank_b, _form(number, {"id": "13585628", "scheme": scheme}))
    assert seen["conflicting_financings"] == [], seen
    assert any(financing_a in s["financings"] for s in seen["suspicions"]), seen
    refused = finance(client, network.bank_b, seen["doc_hash"], amount=467_500)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "suspicions_unacknowledged", refused.text
