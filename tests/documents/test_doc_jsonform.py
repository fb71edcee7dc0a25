"""The JSON form for trade documents without an e-invoice syntax."""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Any

import pytest

from ledger.documents import DocumentFormat, DocumentType, IdScheme, PartyId, read_document
from ledger.errors import DocumentFormatError, InvalidInput
from tests.cpu import cpu_seconds


def form(**overrides: Any) -> bytes:
    base: dict[str, Any] = {
        "documentType": "BillOfLading",
        "documentNumber": "MAEU-000123456",
        "issueDate": "2024-03-01",
        "issuer": {"id": "DE 136 695 976", "scheme": "VAT", "name": "Carrier GmbH"},
        "consignee": {"ids": [{"id": "529900T8BM49AURSDO55", "scheme": "LEI"}]},
        "totalAmount": {"value": "1.234,56", "currency": "eur"},
    }
    for key, value in overrides.items():
        if value is None:
            base.pop(key, None)
        else:
            base[key] = value
    return json.dumps(base).encode()


def test_a_bill_of_lading() -> None:
    doc = read_document(form())
    assert doc.format is DocumentFormat.JSON_FORM
    facts = doc.facts
    assert facts is not None
    assert facts.doc_type is DocumentType.BILL_OF_LADING
    assert facts.number == "MAEU123456"
    assert facts.issue_date == date(2024, 3, 1)
    assert facts.amount_minor == 123456
    assert facts.currency == "EUR"
    assert facts.seller is not None
    assert facts.seller.ids == (PartyId(IdScheme.VAT, "DE136695976"),)
    assert facts.buyer is not None
    assert facts.buyer.primary == PartyId(IdScheme.LEI, "529900T8BM49AURSDO55")


@pytest.mark.parametrize(
    ("name", "expected", "credit_note"),
    [
        ("Invoice", DocumentType.INVOICE, False),
        ("CreditNote", DocumentType.INVOICE, True),
        ("BillOfLading", DocumentType.BILL_OF_LADING, False),
        ("WarehouseReceipt", DocumentType.WAREHOUSE_RECEIPT, False),
        ("CustomsDeclaration", DocumentType.CUSTOMS_DECLARATION, False),
        ("PurchaseOrder", DocumentType.PURCHASE_ORDER, False),
        ("CertificateOfOrigin", DocumentType.CERTIFICATE_OF_ORIGIN, False),
        ("Contract", DocumentType.CONTRACT, False),
        ("Other", DocumentType.OTHER, False),
        ("WAREHOUSE_RECEIPT", DocumentType.WAREHOUSE_RECEIPT, False),
    ],
)
def test_every_document_type(name: str, expected: DocumentType, credit_note: bool) -> None:
    facts = read_document(form(documentType=name)).facts
    assert facts is not None
    assert facts.doc_type is expected
    assert facts.credit_note is credit_note


def test_seller_and_buyer_are_synonyms_of_issuer_and_consignee() -> None:
    a = read_document(form()).facts
    b = read_document(
        form(
            issuer=None,
            consignee=None,
            seller={"id": "de136695976", "scheme": "vat"},
            buyer={"id": "529900T8BM49AURSDO55", "scheme": "LEI"},
        )
    ).facts
    assert a == b


def test_a_certificate_of_origin_needs_no_amount() -> None:
    facts = read_document(form(documentType="CertificateOfOrigin", totalAmount=None)).facts
    assert facts is not None
    assert facts.amount_minor is None
    assert facts.currency is None


def test_vat_ids_take_the_party_country() -> None:
    issuer = {"id": "136695976", "scheme": "VAT", "country": "de"}
    facts = read_document(form(issuer=issuer)).facts
    assert facts is not None
    assert facts.seller is not None
    assert facts.seller.primary == PartyId(IdScheme.VAT, "DE136695976")


def test_icd_schemes_and_parties_without_scheme() -> None:
    issuer = {"ids": [{"id": "4000001000005", "scheme": "0088"}, {"id": "C-77"}]}
    facts = read_document(form(issuer=issuer)).facts
    assert facts is not None
    assert facts.seller is not None
    assert facts.seller.ids == (
        PartyId(IdScheme.GLN, "4000001000005"),
        PartyId(IdScheme.PARTY, "C77"),
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"documentNumber": None}, "documentNumber"),
        ({"issueDate": None}, "issueDate"),
        ({"issuer": None}, "issuer"),
        ({"documentType": "Banana"}, "documentType"),
        ({"documentType": "Invoice", "totalAmount": None}, "totalAmount"),
        ({"issueDate": "03/04/2024"}, "issueDate"),
        ({"issueDate": "2024-02-30"}, "issueDate"),
        ({"totalAmount": {"value": "1,234", "currency": "EUR"}}, "totalAmount.value"),
        ({"totalAmount": {"value": 12.5, "currency": "EURO"}}, "totalAmount.currency"),
        ({"totalAmount": {"value": True, "currency": "EUR"}}, "totalAmount.value"),
        ({"seller": {"id": "1", "scheme": "VAT"}}, "seller"),
        ({"issuer": {"id": "1", "scheme": "DUNS-ish"}}, "issuer.scheme"),
        ({"issuer": {"country": "DE"}}, "issuer.id"),
        ({"issuer": "ACME"}, "issuer"),
    ],
)
def test_a_bad_form_names_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(DocumentFormatError) as info:
        read_document(form(**overrides))
    assert info.value.field == field


def test_a_form_that_is_not_well_formed_json_is_a_format_error() -> None:
    with pytest.raises(DocumentFormatError):
        read_document(b'{"documentType": "Invoice", ')


@pytest.mark.parametrize("depth", [33, 100_000])
def test_a_deeply_nested_form_is_refused_before_parsing(depth: int) -> None:
    # Importing py-evm raises the recursion limit to 100000; the json module would then crash
    # the whole process (segfault) on this input instead of raising RecursionError.
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(100_000)
    try:
        data = b'{"documentType": "Invoice", "x": ' + b"[" * depth + b"]" * depth + b"}"
        with cpu_seconds() as spent, pytest.raises(InvalidInput, match="nested deeper"):
            read_document(data)
        assert spent.seconds < 1.0, spent
    finally:
        sys.setrecursionlimit(previous)


def test_a_hostile_unterminated_string_is_scanned_in_linear_time() -> None:
    data = b'{"documentType": "Invoice", "x": ' + b"[" * 40 + b'"\\' * 300_000
    with cpu_seconds() as spent, pytest.raises(InvalidInput):
        read_document(data)
    assert spent.seconds < 2.0, spent  # quadratic scanning takes minutes


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    facts = read_document(form(note="[[[[{{{{" * 20, tags=[["a"], ["b"]])).facts
    assert facts is not None


def test_a_json_number_amount_is_exact() -> None:
    facts = read_document(form(totalAmount={"value": 1234.56, "currency": "JPY"})).facts
    assert facts is not None
    assert facts.amount_minor == 1235  # JPY has no minor unit: rounded half up
