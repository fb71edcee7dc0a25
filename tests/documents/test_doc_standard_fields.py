"""What a document says is checked against its standard, in every reader: the currency (BT-5,
an active ISO 4217 code), the JSON form's total (not negative) and dates (BT-9 not before BT-2);
and the real EN 16931 invoices that state a due date before their issue date are still read."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from documents_support import CORPUS_FILES, corpus_bytes, field_bytes
from lxml import etree

from ledger.documents import DocumentFacts, DocumentFormat, read_document
from ledger.documents.currencies import check_currency
from ledger.documents.facturx import embedded_invoice
from ledger.documents.writers import write_facturx, write_json_form
from ledger.errors import DocumentFormatError, InvalidInput


def form(**overrides: Any) -> bytes:
    base: dict[str, Any] = {
        "documentType": "Invoice",
        "documentNumber": "INV-2024-7",
        "issueDate": "2024-03-01",
        "dueDate": "2024-04-30",
        "issuer": {"id": "DE136695976", "scheme": "VAT", "name": "Seller GmbH"},
        "totalAmount": {"value": "100.00", "currency": "EUR"},
    }
    base.update(overrides)
    return json.dumps(base).encode()


# -- ISO 4217 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("ZZZ", "not an active ISO 4217 currency code"),
        ("HRK", "not an active ISO 4217 currency code"),  # withdrawn: Croatia uses the euro
        ("XXX", "no currency is involved"),
        ("XTS", "reserved for testing"),
        ("EU", "three letters"),
        ("€", "three letters"),
    ],
)
def test_a_code_that_is_no_active_currency_is_refused(code: str, words: str) -> None:
    with pytest.raises(InvalidInput) as info:
        check_currency(code, "currency")
    assert info.value.field == "currency"
    assert words in info.value.rule


@pytest.mark.parametrize("code", ["EUR", " nok ", "JPY", "BHD", "CHF", "XOF", "SLE", "VES"])
def test_active_codes_pass_in_upper_case(code: str) -> None:
    assert check_currency(code) == code.strip().upper()


def test_the_json_form_refuses_a_currency_that_is_not_iso_4217() -> None:
    with pytest.raises(DocumentFormatError) as info:
        read_document(form(totalAmount={"value": "100.00", "currency": "ZZZ"}))
    assert info.value.field == "totalAmount.currency"
    assert "ISO 4217" in info.value.rule


def test_ubl_refuses_a_document_currency_that_is_not_iso_4217() -> None:
    data = corpus_bytes("ubl/ubl-tc434-example1.xml")
    old = b"<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>"
    assert old in data
    bad = data.replace(old, b"<cbc:DocumentCurrencyCode>ZZZ</cbc:DocumentCurrencyCode>")
    with pytest.raises(DocumentFormatError) as info:
        read_document(bad)
    assert info.value.field == "cbc:DocumentCurrencyCode"
    assert "ZZZ is not an active ISO 4217 currency code" in info.value.rule


def test_ubl_refuses_an_amount_currency_that_is_not_iso_4217() -> None:
    data = corpus_bytes("ubl/ubl-tc434-example1.xml")
    old = b'<cbc:PayableAmount currencyID="EUR">'
    assert old in data
    with pytest.raises(DocumentFormatError) as info:
        read_document(data.replace(old, b'<cbc:PayableAmount currencyID="ZZZ">'))
    assert info.value.field == "cbc:PayableAmount/@currencyID"
    assert "ISO 4217" in info.value.rule


def test_cii_refuses_an_invoice_currency_that_is_not_iso_4217() -> None:
    data = corpus_bytes("cii/CII_example1.xml")
    old = b">EUR</ram:InvoiceCurrencyCode>"
    assert old in data
    with pytest.raises(DocumentFormatError) as info:
        read_document(data.replace(old, b">ZZZ</ram:InvoiceCurrencyCode>"))
    assert info.value.field == "ram:InvoiceCurrencyCode"
    assert "ISO 4217" in info.value.rule


def test_factur_x_and_zugferd_1_refuse_a_currency_that_is_not_iso_4217() -> None:
    found = embedded_invoice(field_bytes("zugferd1/ZUGFeRD_1p0_BASIC_Einfach.pdf"))
    assert found is not None
    xml = etree.tostring(found[1])
    assert b">EUR</ram:InvoiceCurrencyCode>" in xml
    assert read_document(write_facturx(xml, "ZUGFeRD-invoice.xml")).facts is not None
    bad = xml.replace(b">EUR</ram:InvoiceCurrencyCode>", b">ZZZ</ram:InvoiceCurrencyCode>")
    for data in (write_facturx(bad, "ZUGFeRD-invoice.xml"), bad):
        with pytest.raises(DocumentFormatError) as info:
            read_document(data)
        assert info.value.field == "ram:InvoiceCurrencyCode"
        assert "ZZZ is not an active ISO 4217 currency code" in info.value.rule


def test_every_real_invoice_states_an_active_currency() -> None:
    for path in CORPUS_FILES:
        facts = read_document(path.read_bytes()).facts
        assert facts is not None, path.name
        assert facts.currency is not None, path.name
        assert check_currency(facts.currency) == facts.currency


def test_facts_stored_before_the_check_still_load() -> None:
    facts = read_document(form()).facts
    assert facts is not None
    stored = facts.to_dict() | {"currency": "ZZZ"}
    assert DocumentFacts.from_dict(stored).currency == "ZZZ"


# -- the JSON form's total and dates ----------------------------------------------------------


@pytest.mark.parametrize("value", ["-10", "-0.01", -10, "-1.234,56"])
def test_the_json_form_refuses_a_negative_total(value: Any) -> None:
    with pytest.raises(DocumentFormatError) as info:
        read_document(form(totalAmount={"value": value, "currency": "EUR"}))
    assert info.value.field == "totalAmount.value"
    assert "must not be negative" in info.value.rule
    assert "CreditNote" in info.value.rule


def test_a_credit_note_states_a_positive_total_and_a_zero_total_is_read() -> None:
    note = read_document(form(documentType="CreditNote")).facts
    assert note is not None
    assert note.credit_note
    assert note.amount_minor == 10000
    zero = read_document(form(totalAmount={"value": "0.00", "currency": "EUR"})).facts
    assert zero is not None
    assert zero.amount_minor == 0


def test_the_json_form_refuses_a_due_date_before_the_issue_date() -> None:
    with pytest.raises(DocumentFormatError) as info:
        read_document(form(issueDate="2024-03-01", dueDate="29.02.2024"))
    assert info.value.field == "dueDate"
    assert info.value.rule == (
        "the payment due date 2024-02-29 (EN 16931 BT-9) must not be before the issue date "
        "2024-03-01 (BT-2)"
    )


@pytest.mark.parametrize("kind", ["WarehouseReceipt", "BillOfLading", "Contract"])
def test_another_documents_due_date_is_not_called_a_payment_due_date(kind: str) -> None:
    """Tryout 75: a warehouse receipt's ``dueDate`` (its expiry) before its issue date was
    "the payment due date"; only an invoice's is a payment due date (EN 16931 BT-9)."""
    with pytest.raises(DocumentFormatError) as info:
        read_document(form(documentType=kind, issueDate="2024-03-01", dueDate="2024-02-29"))
    assert info.value.field == "dueDate"
    assert info.value.rule == (
        "the due or expiry date 2024-02-29 must not be before the issue date 2024-03-01"
    )


def test_a_due_date_on_the_issue_date_is_read() -> None:
    facts = read_document(form(issueDate="2024-03-01", dueDate="2024-03-01")).facts
    assert facts is not None
    assert facts.due_date == facts.issue_date == date(2024, 3, 1)


@pytest.mark.parametrize("rel", ["cii/CII_business_example_02.xml", "cii/XRechnung-O.xml"])
def test_en_16931_invoices_with_a_due_date_before_the_issue_date_are_still_read(rel: str) -> None:
    """EN 16931 does not order BT-9 and BT-2, and two of its own examples put the due date
    first: the UBL and CII readers read them as written (the JSON form, the gateway's own
    schema, refuses it)."""
    parsed = read_document(corpus_bytes(rel))
    assert parsed.format is DocumentFormat.CII
    facts = parsed.facts
    assert facts is not None
    assert facts.due_date is not None
    assert facts.issue_date is not None
    assert facts.due_date < facts.issue_date
    with pytest.raises(DocumentFormatError) as info:
        read_document(write_json_form(facts))
    assert info.value.field == "dueDate"
