"""A seller written by its business register number keys its documents as its VAT id does,
where the country makes the one from the other (``ledger.documents.vatequivalents``). A tryout
financed an invoice at one bank, re-typed it at a second with the Danish seller written by its
CVR number (``13585628``, or ``0184:13585628``) instead of its VAT id ``DK13585628``, and
financed it again: the two had no fingerprint in common. Now the copy is held by the first
financing (409 ``FINGERPRINT_PLEDGED``), whichever way it names the seller."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ledger.documents import read_document
from ledger.documents.fingerprints import FingerprintKind, fingerprint_inputs
from ledger.documents.vatequivalents import vat_equivalent
from tests.api.api_helpers import client_fixture, finance, financed_invoice, own_invoice

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]


@pytest.mark.parametrize(
    ("scheme", "value", "country", "vat"),
    [
        ("LEGAL", "13585628", "DK", "DK13585628"),
        ("LEGAL", "DK 13 58 56 28", "DK", "DK13585628"),
        ("LEGAL", "DK13585628", None, "DK13585628"),
        ("ICD", "0184:13585628", None, "DK13585628"),
        ("LEGAL", "974 760 673", "NO", "NO974760673MVA"),
        ("ICD", "0192:974760673", None, "NO974760673MVA"),
        ("LEGAL", "0403.019.261", "BE", "BE0403019261"),
        ("ICD", "0208:0403019261", None, "BE0403019261"),
        ("LEGAL", "2077474-0", "FI", "FI20774740"),
        ("ICD", "0212:2077474-0", None, "FI20774740"),
        ("LEGAL", "556036-0793", "SE", "SE556036079301"),
        ("ICD", "0007:5560360793", None, "SE556036079301"),
        # ICD schemes that are VAT numbers themselves
        ("ICD", "0211:00743110157", None, "IT00743110157"),
        ("ICD", "0211:IT00743110157", None, "IT00743110157"),
        ("ICD", "0213:FI20774740", None, "FI20774740"),
        ("ICD", "0213:20774740", None, "FI20774740"),
        ("ICD", "0211:00743110158", None, None),  # its check digit fails
        # a national number that is the VAT id's digits (VIES): as TAX or LEGAL, of a party
        # of the country or keyed with it (tryout 41: a Croatian seller by its OIB as TAX)
        ("TAX", "46830600751", "HR", "HR46830600751"),
        ("TAX", "HR:46830600751", None, "HR46830600751"),
        ("LEGAL", "PL:5260250274", None, "PL5260250274"),
        ("TAX", "GR:094259216", None, "EL094259216"),
        ("TAX", "ES:B58378431", None, "ESB58378431"),
        ("TAX", "HR:46830600750", None, None),  # its check digit fails
        # a party id without a scheme written as a VAT id, prefix and all (tryout 41)
        ("PARTY", "DK13585628", "DK", "DK13585628"),
        ("PARTY", "13585628", "DK", None),  # bare digits: a customer number could pass
        ("PARTY", "DK13585627", "DK", None),
        # no equivalent: a failed check, a country without the rule, another scheme
        ("LEGAL", "13585627", "DK", None),
        ("LEGAL", "HRB 1234", "DE", None),
        ("LEGAL", "13585628", None, None),
        ("VAT", "DK13585628", "DK", None),
        ("GLN", "5790000436101", "DK", None),
        ("ICD", "0088:5790000436101", None, None),
    ],
)
def test_register_numbers_and_the_vat_ids_they_stand_for(
    scheme: str, value: str, country: str | None, vat: str | None
) -> None:
    assert vat_equivalent(scheme, value, country) == vat


def _without_seller_vat(ubl: bytes, legal: bytes) -> bytes:
    """The UBL with its seller's VAT registration removed and its legal registration
    (BT-30) written as ``legal`` (a ``cbc:CompanyID`` element)."""
    seller_end = ubl.index(b"</cac:AccountingSupplierParty>")
    seller, rest = ubl[:seller_end], ubl[seller_end:]
    seller = re.sub(rb"<cac:PartyTaxScheme>.*?</cac:PartyTaxScheme>", b"", seller, flags=re.S)
    seller = seller.replace(b"<cbc:CompanyID>DK13585628</cbc:CompanyID>", legal)
    return seller + rest


def _json_copy(ubl: bytes, issuer: dict[str, Any]) -> bytes:
    facts = read_document(ubl).facts
    assert facts is not None
    assert facts.issue_date is not None
    return json.dumps(
        {
            "documentType": "Invoice",
            "documentNumber": facts.number_as_written,
            "issueDate": facts.issue_date.isoformat(),
            "issuer": {**issuer, "name": "SellerCompany"},
            "totalAmount": {"value": "4675.00", "currency": "DKK"},
        }
    ).encode()


def _seller_number_inputs(data: bytes) -> set[tuple[Any, ...]]:
    facts = read_document(data).facts
    assert facts is not None
    return {i.fields for i in fingerprint_inputs(facts) if i.kind is FingerprintKind.SELLER_NUMBER}


def _copies(ubl: bytes) -> dict[str, bytes]:
    return {
        "UBL, CVR under ICD 0184": _without_seller_vat(
            ubl, b'<cbc:CompanyID schemeID="0184">13585628</cbc:CompanyID>'
        ),
        "UBL, CVR without a scheme": _without_seller_vat(
            ubl, b"<cbc:CompanyID>13585628</cbc:CompanyID>"
        ),
        "JSON, LEGAL with its country": _json_copy(
            ubl, {"id": "13585628", "scheme": "LEGAL", "country": "DK"}
        ),
        "JSON, ICD 0184": _json_copy(ubl, {"id": "13585628", "scheme": "0184"}),
    }


def test_a_copy_naming_the_seller_by_its_cvr_number_shares_the_vat_fingerprint() -> None:
    original = own_invoice("CVR")
    mine = _seller_number_inputs(original)
    for what, copy in _copies(original).items():
        facts = read_document(copy).facts
        assert facts is not None, what
        assert facts.seller is not None, what
        assert "VAT" not in {p.scheme.value for p in facts.seller.ids}, what  # none written
        assert mine & _seller_number_inputs(copy), what


def test_a_second_bank_cannot_finance_the_copy(client: TestClient, network: Network) -> None:
    original = own_invoice("CVR")
    _, first = financed_invoice(client, network, original)
    for what, copy in _copies(original).items():
        kind = "application/json" if copy.startswith(b"{") else "application/xml"
        lodged = client.post(
            "/v1/documents/receive",
            files={"file": ("copy", copy, kind)},
            headers=network.bank_b.headers,
        )
        assert lodged.status_code == 200, (what, lodged.text)
        assert lodged.json()["conflicting_financings"] == [first], what
        refused = finance(client, network.bank_b, lodged.json()["doc_hash"], amount=100_000)
        assert refused.status_code == 409, (what, refused.text)
        assert refused.json()["details"]["reason"] == "FINGERPRINT_PLEDGED", what


def test_python_stdnum_modules_are_loaded_in_one_place() -> None:
    """``vatequivalents`` imported python-stdnum's register modules itself, beside
    ``identifiers``' own loader: they load through :func:`identifiers.stdnum_module`, the one
    place a python-stdnum module is imported by name."""
    from ledger.documents import identifiers, vatequivalents

    assert vatequivalents.stdnum_module is identifiers.stdnum_module
    identifiers.stdnum_module.cache_clear()
    vat_equivalent.cache_clear()
    try:
        assert vat_equivalent("LEGAL", "974 760 673", "NO") == "NO974760673MVA"
        assert identifiers.stdnum_module.cache_info().currsize >= 1  # no.orgnr, loaded there
    finally:
        vat_equivalent.cache_clear()
    # and no other module of the gateway imports one, by name or by an import statement (its
    # exceptions aside)
    loads = re.compile(
        r"import_module\(\s*f?[\"']stdnum|^\s*(?:from|import)\s+stdnum\.(?!exceptions\b)", re.M
    )
    package = Path(vatequivalents.__file__ or "").parents[2]
    loading = sorted(
        str(path.relative_to(package))
        for folder in ("ledger", "api")
        for path in (package / folder).rglob("*.py")
        if loads.search(path.read_text(encoding="utf-8"))
    )
    assert loading == ["ledger/documents/identifiers.py"], loading


@pytest.mark.parametrize(
    "seller",
    [
        {"id": "46830600751", "scheme": "TAX", "country": "HR"},
        {"id": "46830600751", "scheme": "LEGAL", "country": "HR"},
        {"ids": [{"id": "HR46830600751", "scheme": "PARTY"}], "country": "HR"},
    ],
)
def test_a_croatian_seller_by_its_oib_meets_its_vat_id(seller: dict[str, Any]) -> None:
    """Tryout 41: a copy of a Croatian invoice naming the seller by its OIB (the VAT id's
    digits) as a tax number was financed at a second bank, told nothing."""

    def vat_numbers(party: dict[str, Any]) -> set[tuple[Any, ...]]:
        form = {
            "documentType": "CommercialInvoice",
            "documentNumber": "test decimal 1",
            "issueDate": "2018-02-05",
            "seller": party,
            "totalAmount": {"value": "15.15", "currency": "EUR"},
        }
        facts = read_document(json.dumps(form).encode()).facts
        assert facts is not None
        return {
            i.fields
            for i in fingerprint_inputs(facts)
            if i.kind is FingerprintKind.SELLER_NUMBER and i.basis == "VAT"
        }

    original = vat_numbers({"id": "HR46830600751", "scheme": "VAT"})
    assert original
    assert vat_numbers(seller) == original
