"""A party's number in a register of legal persons keys it alike however the file writes it:
as its legal registration identifier (EN 16931 BT-30) under the register's ICD, as a party
identifier (BT-29) under that ICD, or as a JSON form's ``"scheme": "<ICD>"``.

A tryout financed an invoice twice: Bank A financed the EN 16931 example invoice (seller VAT
NL820098395B01, KvK 57151520 as BT-30); Bank B lodged a JSON form naming the seller by
``{"id": "57151520", "scheme": "0106"}`` and financed it without a word — the JSON reader keyed
the seller ``ICD:0106:57151520``, the UBL reader ``LEGAL:57151520``, and no fingerprint met.
Every register of :data:`ledger.documents.identifiers.LEGAL_REGISTER_ICDS` is tried here, with
a number its register's check accepts (python-stdnum's own examples)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ledger.documents import read_document
from ledger.documents.facts import IdScheme
from ledger.documents.fingerprints import FingerprintKind, fingerprint_inputs
from ledger.documents.identifiers import LEGAL_REGISTER_ICDS
from tests.api.api_helpers import client_fixture, finance

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]

EXAMPLE = (Path(__file__).parents[1] / "data/einvoices/ubl/ubl-tc434-example1.xml").read_bytes()
#: a number each register's check accepts (python-stdnum's examples; 0106 and 0200: digits)
NUMBERS = {
    "0002": "552008443",
    "0007": "1234567897",
    "0106": "57151520",
    "0151": "83914571673",
    "0183": "CHE100155212",
    "0184": "13585628",
    "0188": "5835678256246",
    "0191": "12345678",
    "0192": "988077917",
    "0195": "00192200M",
    "0196": "4504013150",
    "0200": "123456789",
    "0208": "0403019261",
    "0212": "20774740",
    "0218": "40003521600",
}


def _seller(ubl: bytes, identifiers: bytes, legal: bytes) -> bytes:
    """The example with its seller's VAT registration removed, ``identifiers`` (BT-29 party
    identification elements) first in its party and its legal entity's BT-30 as ``legal``."""
    end = ubl.index(b"</cac:AccountingSupplierParty>")
    seller, rest = ubl[:end], ubl[end:]
    seller = re.sub(rb"<cac:PartyTaxScheme>.*?</cac:PartyTaxScheme>", b"", seller, flags=re.S)
    seller = seller.replace(b"<cbc:CompanyID>57151520</cbc:CompanyID>", legal)
    seller = re.sub(
        rb"(<cac:AccountingSupplierParty>\s*<cac:Party>)", rb"\1" + identifiers, seller, count=1
    )
    return seller + rest


def _json_form(issuer: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "documentType": "Invoice",
            "documentNumber": "12115118",
            "issueDate": "2015-01-09",
            "issuer": {**issuer, "name": "De Koksmaat"},
            "consignee": {"id": "10202", "scheme": "PARTY", "name": "ODIN 59"},
            "totalAmount": {"value": "250.33", "currency": "EUR"},
        }
    ).encode()


def _forms(code: str, number: str) -> dict[str, bytes]:
    return {
        "UBL, BT-30 under the ICD": _seller(
            EXAMPLE, b"", f'<cbc:CompanyID schemeID="{code}">{number}</cbc:CompanyID>'.encode()
        ),
        "UBL, BT-29 under the ICD": _seller(
            EXAMPLE,
            f'<cac:PartyIdentification><cbc:ID schemeID="{code}">{number}</cbc:ID>'
            "</cac:PartyIdentification>".encode(),
            b"",
        ),
        "JSON form, the ICD as its scheme": _json_form({"id": number, "scheme": code}),
    }


def _legal_seller_numbers(data: bytes) -> set[tuple[Any, ...]]:
    facts = read_document(data).facts
    assert facts is not None
    return {
        i.fields
        for i in fingerprint_inputs(facts)
        if i.kind is FingerprintKind.SELLER_NUMBER and i.basis == IdScheme.LEGAL.value
    }


def test_every_register_is_tried() -> None:
    assert set(NUMBERS) == LEGAL_REGISTER_ICDS


@pytest.mark.parametrize("code", sorted(NUMBERS))
def test_the_three_ways_of_writing_a_register_number_share_a_fingerprint(code: str) -> None:
    forms = _forms(code, NUMBERS[code])
    keyed = {what: _legal_seller_numbers(data) for what, data in forms.items()}
    for what, inputs in keyed.items():
        assert inputs, (what, keyed)  # keyed by its legal registration id
    first, *others = keyed.values()
    for what, inputs in list(keyed.items())[1:]:
        assert first & inputs, (code, what, keyed)
    assert len(others) == 2


def test_routing_and_location_schemes_are_not_legal_ids() -> None:
    """A GLN (0088) or a Leitweg-ID (0204) names a place or an inbox, not the legal person:
    it does not key the seller as a legal registration."""
    for code, number in (("0088", "5790000436101"), ("0204", "04011000-1234512345-06")):
        facts = read_document(_json_form({"id": number, "scheme": code})).facts
        assert facts is not None
        assert facts.seller is not None
        assert IdScheme.LEGAL not in {p.scheme for p in facts.seller.key_ids}, code


def test_a_second_bank_cannot_finance_the_json_form_naming_the_seller_by_its_kvk_number(
    client: TestClient, network: Network
) -> None:
    """The tryout's case, through the API: the example financed at Bank A, its JSON form
    (seller ``0106`` 57151520, no VAT) lodged by Bank B is held by that financing."""
    registered = client.post(
        "/v1/documents",
        files={"file": ("example1.xml", EXAMPLE, "application/xml")},
        headers=network.enterprise.headers,
    )
    assert registered.status_code == 201, registered.text
    lodged = client.post(
        "/v1/documents/receive",
        files={"file": ("example1.xml", EXAMPLE, "application/xml")},
        headers=network.bank.headers,
    )
    assert lodged.status_code == 200, lodged.text
    made = finance(client, network.bank, lodged.json()["doc_hash"], amount=20_000, currency="EUR")
    assert made.status_code == 201, made.text
    first = made.json()["financing_id"]

    copy = _json_form({"id": "57151520", "scheme": "0106", "country": "NL"})
    seen = client.post(
        "/v1/documents/receive",
        files={"file": ("copy.json", copy, "application/json")},
        headers=network.bank_b.headers,
    )
    assert seen.status_code == 200, seen.text
    assert seen.json()["conflicting_financings"] == [first], seen.text
    refused = finance(
        client, network.bank_b, seen.json()["doc_hash"], amount=20_000, currency="EUR"
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["details"]["reason"] == "FINGERPRINT_PLEDGED", refused.text


@pytest.mark.parametrize(
    ("code", "number", "vat"),
    [("0211", "00743110157", "IT00743110157"), ("0213", "FI20774740", "FI20774740")],
)
def test_an_icd_that_is_a_vat_number_keys_as_the_vat_id(code: str, number: str, vat: str) -> None:
    """Italy's partita IVA (0211) and Finland's VAT identifier (0213) are VAT numbers: a party
    named by one keys as its VAT id written as such."""

    def seller_numbers(issuer: dict[str, Any]) -> set[tuple[Any, ...]]:
        facts = read_document(_json_form(issuer)).facts
        assert facts is not None
        return {
            i.fields
            for i in fingerprint_inputs(facts)
            if i.kind is FingerprintKind.SELLER_NUMBER and i.basis == IdScheme.VAT.value
        }

    by_icd = seller_numbers({"id": number, "scheme": code})
    assert by_icd
    assert by_icd & seller_numbers({"id": vat, "scheme": "VAT"})


#: numbers that lead with zeros their register's check counts (python-stdnum accepts each as
#: written and refuses it without them): a Finnish Y-tunnus, a French SIREN, a Belgian
#: enterprise number
LEADING_ZEROS = [("0212", "0112038-9"), ("0002", "005520135"), ("0208", "0000000196")]


@pytest.mark.parametrize(("code", "number"), LEADING_ZEROS)
def test_a_number_whose_leading_zeros_its_register_counts_keys_the_seller(
    code: str, number: str
) -> None:
    """A sweep of the ZUGFeRD and XRechnung corpora: leading zeros were dropped before the
    register's check, so ``0112038-9`` was checked as ``112038-9`` and refused ("invalid
    length"), and a seller named by it alone was keyed by nothing — no fingerprint, never
    financeable. Kept as written, it keys the seller, alike in the three ways of writing it."""
    forms = _forms(code, number)
    keyed = {what: _legal_seller_numbers(data) for what, data in forms.items()}
    for what, inputs in keyed.items():
        assert inputs, (what, keyed)
    first = next(iter(keyed.values()))
    for what, inputs in keyed.items():
        assert first & inputs, (code, what, keyed)
    facts = read_document(forms["UBL, BT-30 under the ICD"]).facts
    assert facts is not None
    assert facts.seller is not None
    assert not facts.seller.rejected, facts.seller.rejected
    # written with other separators, the same seller
    spaced = _legal_seller_numbers(_forms(code, " ".join(number))["UBL, BT-30 under the ICD"])
    assert spaced == first


def test_a_number_valid_without_its_leading_zeros_keys_as_before() -> None:
    """A number the register's check accepts without its leading zeros (a Belgian
    ``0403019261`` read as ``403019261``) keys as it did: written either way, one seller."""
    with_zero = _legal_seller_numbers(_forms("0208", "0403019261")["UBL, BT-30 under the ICD"])
    without = _legal_seller_numbers(_forms("0208", "403019261")["UBL, BT-30 under the ICD"])
    assert with_zero
    assert with_zero == without
