"""An invoice that states twice what its syntax allows once is refused, naming the element.

A tryout (2026-12-05) registered a UBL invoice stating two numbers (``cbc:ID`` TOSL920 and
TOSL110) as TOSL920, and one stating two amounts due (``cbc:PayableAmount``) at the first:
which of the two the invoice claims is a reader's guess, and the other reader — a bank's, a
court's — may take the other. Every business term the readers take once (number, dates, type,
currency, seller, buyer, totals) is now refused when given twice, in UBL and CII alike, naming
the element, the term and the syntax (``xmlsafe.refuse_repeated``). An amount given once in the
invoice currency and once in another (CII's GrandTotalAmount in the VAT currency) is not a
repeat. Corpus: tests/data/einvoices (EUPL v1.2)."""

from __future__ import annotations

import re

import pytest
from documents_support import corpus_bytes, field_bytes

from ledger.documents import read_document
from ledger.errors import DocumentFormatError

UBL = "ubl/ubl-tc434-example1.xml"
CII = "cii/CII_example1.xml"


def _twice(data: bytes, pattern: bytes) -> bytes:
    """``data`` with the first element matching ``pattern`` (a regex of the whole element)
    written twice, the copy first."""
    found = re.search(pattern, data, re.S)
    assert found is not None, pattern
    element = found.group(0)
    return data[: found.start()] + element + b"\n" + element + data[found.end() :]


@pytest.mark.parametrize(
    ("source", "pattern", "field", "term"),
    [
        (UBL, rb"<cbc:ID>12115118</cbc:ID>", "cbc:ID", "BT-1"),
        (UBL, rb"<cbc:IssueDate>[^<]*</cbc:IssueDate>", "cbc:IssueDate", "BT-2"),
        (UBL, rb"<cbc:InvoiceTypeCode>[^<]*</cbc:InvoiceTypeCode>", "cbc:InvoiceTypeCode", "BT-3"),
        (
            UBL,
            rb"<cbc:DocumentCurrencyCode>[^<]*</cbc:DocumentCurrencyCode>",
            "cbc:DocumentCurrencyCode",
            "BT-5",
        ),
        (UBL, rb"<cbc:PayableAmount[^>]*>[^<]*</cbc:PayableAmount>", "cbc:PayableAmount", "BT-115"),
        (
            UBL,
            rb"<cac:AccountingCustomerParty>.*?</cac:AccountingCustomerParty>",
            "cac:AccountingCustomerParty",
            "BG-7",
        ),
        (CII, rb"<ram:ID>12115118</ram:ID>", "ram:ID", "BT-1"),
        (CII, rb"<ram:IssueDateTime>.*?</ram:IssueDateTime>", "ram:IssueDateTime", "BT-2"),
        (
            CII,
            rb"<ram:InvoiceCurrencyCode>[^<]*</ram:InvoiceCurrencyCode>",
            "ram:InvoiceCurrencyCode",
            "BT-5",
        ),
        (CII, rb"<ram:SellerTradeParty>.*?</ram:SellerTradeParty>", "ram:SellerTradeParty", "BG-4"),
        (
            CII,
            rb"<ram:DuePayableAmount[^>]*>[^<]*</ram:DuePayableAmount>",
            "ram:DuePayableAmount",
            "in the invoice currency",
        ),
    ],
)
def test_a_term_given_twice_is_refused_naming_it(
    source: str, pattern: bytes, field: str, term: str
) -> None:
    data = corpus_bytes(source)
    assert read_document(data).facts is not None  # the file itself reads
    with pytest.raises(DocumentFormatError) as info:
        read_document(_twice(data, pattern))
    assert info.value.field == field
    assert "is given 2 times" in info.value.rule
    assert term in info.value.rule
    assert "cannot be told" in info.value.rule


def test_a_total_in_another_currency_beside_the_invoice_currency_is_not_a_repeat() -> None:
    data = corpus_bytes(CII)
    found = re.search(rb"<ram:GrandTotalAmount([^>]*)>([^<]*)</ram:GrandTotalAmount>", data)
    assert found is not None
    in_vat_currency = b'<ram:GrandTotalAmount currencyID="SEK">2500.00</ram:GrandTotalAmount>'
    data = data[: found.end()] + in_vat_currency + data[found.end() :]
    facts = read_document(data).facts
    assert facts is not None
    assert facts.amount_minor == read_document(corpus_bytes(CII)).facts.amount_minor  # type: ignore[union-attr]


def test_an_envelope_carrying_two_documents_is_refused() -> None:
    """The SBDH carries one business document; the tryout's envelope with two invoices
    (Snippet1 and another) was read as the first."""
    data = field_bytes("sbdh/base-example-in-sbdh.xml")
    start = data.index(b"<Invoice ")
    end = data.index(b"</Invoice>") + len(b"</Invoice>")
    invoice = data[start:end]
    other = invoice.replace(b"<cbc:ID>Snippet1</cbc:ID>", b"<cbc:ID>Snippet2</cbc:ID>", 1)
    assert other != invoice
    assert read_document(data).facts is not None
    with pytest.raises(DocumentFormatError) as info:
        read_document(data[:end] + b"\n" + other + data[end:])
    assert info.value.field == "file"
    assert "carries 2 documents" in info.value.rule
