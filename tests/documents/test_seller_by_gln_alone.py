"""A copy naming the seller by a scheme identifier alone (a GLN, another ICD) meets the original
that names it by its VAT id beside that identifier.

A tryout financed the demo invoice twice: Bank B financed its CII copy (seller VAT DK13585628 and
GLN 5790000436101: keyed on the VAT id); Bank A financed the JSON form naming the seller by its
GLN alone (keyed on the GLN) — 5,675 DKK held on a 4,675 DKK invoice, and no fingerprint met.
The seller's other scheme identifiers now number its documents too (``Party.number_key_ids``:
one ``seller_number`` fingerprint each)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pytest

from ledger.documents import read_document
from ledger.documents.fingerprints import FingerprintKind, fingerprint_inputs
from tests.api.api_helpers import CII, UBL, client_fixture, finance, lodge, xml

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]


def _json_form(seller: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "documentType": "Invoice",
            "documentNumber": "TOSL110",
            "issueDate": "2013-04-10",
            "dueDate": "2013-05-10",
            "seller": {**seller, "name": "SellerCompany"},
            "buyer": {"id": "5790000436057", "scheme": "GLN", "name": "Buyercompany ltd"},
            "totalAmount": {"value": "4675.00", "currency": "DKK"},
        }
    ).encode()


def _seller_part(ubl: bytes, edit: Any) -> bytes:
    end = ubl.index(b"</cac:AccountingSupplierParty>")
    return edit(ubl[:end]) + ubl[end:]


#: the demo UBL's seller without its VAT registration and legal id: its GLN (ICD 0088) alone
UBL_GLN_ONLY = _seller_part(
    UBL,
    lambda seller: re.sub(
        rb"<cbc:CompanyID>DK13585628</cbc:CompanyID>",
        b"",
        re.sub(rb"<cac:PartyTaxScheme>.*?</cac:PartyTaxScheme>", b"", seller, flags=re.S),
    ),
)
#: the demo UBL with a D-U-N-S number (ICD 0060) beside the seller's GLN and VAT id
UBL_WITH_DUNS = _seller_part(
    UBL,
    lambda seller: seller.replace(
        b'<cbc:ID schemeID="0088">5790000436101</cbc:ID>',
        b'<cbc:ID schemeID="0088">5790000436101</cbc:ID></cac:PartyIdentification>'
        b'<cac:PartyIdentification><cbc:ID schemeID="0060">123456789</cbc:ID>',
    ),
)


def _seller_numbers(data: bytes) -> set[tuple[Any, ...]]:
    facts = read_document(data).facts
    assert facts is not None
    return {i.fields for i in fingerprint_inputs(facts) if i.kind is FingerprintKind.SELLER_NUMBER}


@pytest.mark.parametrize(
    ("original", "copy"),
    [
        (CII, _json_form({"id": "5790000436101", "scheme": "GLN", "country": "DK"})),
        (UBL, _json_form({"id": "5790000436101", "scheme": "0088"})),
        (UBL, UBL_GLN_ONLY),
        (CII, UBL_GLN_ONLY),
        (UBL_WITH_DUNS, _json_form({"id": "123456789", "scheme": "0060"})),
    ],
    ids=["cii-json-gln", "ubl-json-0088", "ubl-gln-only", "cii-ubl-gln-only", "duns-alone"],
)
def test_a_copy_naming_the_seller_by_a_scheme_identifier_alone_shares_a_fingerprint(
    original: bytes, copy: bytes
) -> None:
    assert _seller_numbers(original) & _seller_numbers(copy)


def test_a_name_or_an_unschemed_id_alone_is_never_added() -> None:
    """Names and party ids without a scheme are shared between companies: a seller with a VAT
    id is not numbered under them."""
    facts = read_document(UBL).facts
    assert facts is not None
    assert facts.seller is not None
    schemes = {p.scheme.value for p in facts.seller.number_key_ids}
    assert "NAME" not in schemes
    assert "PARTY" not in schemes


def test_the_json_form_naming_the_seller_by_its_gln_cannot_be_financed_again(
    client: TestClient, network: Network
) -> None:
    """The tryout's case through the API: the CII copy financed at Bank B; the JSON form with
    the seller's GLN alone, lodged by Bank A, is held by that financing."""
    registered = client.post("/v1/documents", files=xml(CII), headers=network.enterprise.headers)
    assert registered.status_code == 201, registered.text
    cii = lodge(client, network.bank_b, CII)["doc_hash"]
    first = finance(client, network.bank_b, cii, amount=467_500)
    assert first.status_code == 201, first.text
    copy = _json_form({"id": "5790000436101", "scheme": "GLN", "country": "DK"})
    seen = client.post(
        "/v1/documents/receive",
        files={"file": ("copy.json", copy, "application/json")},
        headers=network.bank.headers,
    )
    assert seen.status_code == 200, seen.text
    assert seen.json()["conflicting_financings"] == [first.json()["financing_id"]], seen.text
    refused = finance(client, network.bank, seen.json()["doc_hash"], amount=100_000)
    assert refused.status_code == 409, refused.text
    assert refused.json()["details"]["reason"] == "FINGERPRINT_PLEDGED", refused.text
