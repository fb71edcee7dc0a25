"""Factur-X / ZUGFeRD: the CII invoice embedded in a PDF is read; the PDF's own hash is kept."""

from __future__ import annotations

import hashlib
import io

import pytest
from documents_support import corpus_bytes, corpus_doc
from pypdf import PdfWriter

from ledger.documents import DocumentFormat, grade, read_document
from ledger.documents.matching import MatchGrade
from ledger.errors import DocumentFormatError, InvalidInput
from tests.cpu import cpu_seconds


def pdf_with(attachments: dict[str, bytes]) -> bytes:
    """A one-page PDF with embedded files, built with pypdf as a Factur-X tool would."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    for name, data in attachments.items():
        writer.add_attachment(name, data)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "name", ["factur-x.xml", "zugferd-invoice.xml", "ZUGFeRD-invoice.xml", "xrechnung.xml"]
)
def test_the_embedded_cii_invoice_is_read(name: str) -> None:
    cii = corpus_bytes("cii/CII_example2.xml")
    pdf = pdf_with({name: cii})
    doc = read_document(pdf)
    assert doc.format is DocumentFormat.FACTURX
    assert doc.doc_hash == hashlib.sha256(pdf).digest()
    assert doc.facts == corpus_doc("cii/CII_example2.xml").facts


def test_a_facturx_pdf_is_the_same_document_as_its_ubl_twin() -> None:
    pdf = read_document(pdf_with({"factur-x.xml": corpus_bytes("cii/CII_example1.xml")}))
    match = grade(pdf, corpus_doc("ubl/ubl-tc434-example1.xml"))
    assert match is not None
    assert match.grade is MatchGrade.SAME_DOCUMENT


def test_other_attachments_are_ignored_and_an_unnamed_cii_is_found() -> None:
    cii = corpus_bytes("cii/CII_example4.xml")
    pdf = pdf_with({"terms.txt": b"pay in 30 days", "invoice-data.xml": cii})
    doc = read_document(pdf)
    assert doc.format is DocumentFormat.FACTURX
    assert doc.facts == corpus_doc("cii/CII_example4.xml").facts


def test_a_pdf_with_only_unrelated_attachments_is_raw() -> None:
    doc = read_document(pdf_with({"photo.jpg": b"\xff\xd8\xff\xe0 jpeg"}))
    assert doc.format is DocumentFormat.RAW
    assert doc.facts is None


def test_a_ubl_invoice_attached_to_a_pdf_is_read() -> None:
    ubl = corpus_bytes("ubl/ubl-tc434-example1.xml")
    doc = read_document(pdf_with({"factur-x.xml": ubl}))
    assert doc.format is DocumentFormat.FACTURX
    assert doc.facts == corpus_doc("ubl/ubl-tc434-example1.xml").facts


def test_an_attached_xml_that_is_no_invoice_is_a_format_error_not_a_raw_file() -> None:
    with pytest.raises(DocumentFormatError) as info:
        read_document(pdf_with({"factur-x.xml": b"<?xml version='1.0'?><order><id>1</id></order>"}))
    assert info.value.field == "file"
    assert info.value.rule.startswith("its embedded file factur-x.xml is XML but not an invoice")


def test_a_hostile_attachment_is_refused() -> None:
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:'
        b'CrossIndustryInvoice:100">&xxe;</rsm:CrossIndustryInvoice>'
    )
    with pytest.raises(InvalidInput, match="DOCTYPE"):
        read_document(pdf_with({"factur-x.xml": evil}))


def test_an_incomplete_embedded_invoice_names_the_missing_field() -> None:
    cii = corpus_bytes("cii/CII_example1.xml").replace(b"<ram:ID>12115118</ram:ID>", b"")
    with pytest.raises(DocumentFormatError) as info:
        read_document(pdf_with({"factur-x.xml": cii}))
    assert info.value.field == "ram:ID"


def test_a_broken_pdf_is_raw() -> None:
    assert read_document(b"%PDF-1.7\n garbage \x00\x01").format is DocumentFormat.RAW


def test_a_compression_bomb_attachment_is_refused() -> None:
    import zlib

    from pypdf.generic import NameObject

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    embedded = writer.add_attachment("factur-x.xml", b"<x/>")
    stream = embedded._embedded_file  # no public API writes a pre-compressed stream
    stream._data = zlib.compress(b" " * (100 * 1024 * 1024), 9)  # ~100 kB → 100 MB
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    out = io.BytesIO()
    writer.write(out)
    assert len(out.getvalue()) < 1024 * 1024
    with cpu_seconds() as spent, pytest.raises(InvalidInput) as info:
        read_document(out.getvalue())
    assert spent.seconds < 10, spent  # inflating 100 MB would take longer
    assert info.value.field == "file"  # the PDF sent; its embedded file named in the rule
    assert info.value.rule.startswith("its embedded file factur-x.xml ")


def test_an_oversized_attachment_is_refused() -> None:
    with pytest.raises(InvalidInput, match="larger than"):
        read_document(pdf_with({"factur-x.xml": b"<" + b" " * (11 * 1024 * 1024)}))


# -- a PDF that cannot say which invoice it is (a tryout of 2026-12-05) --------------------------


def _encrypted(pdf: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("decoy", "invoice"),
    [
        ("a-decoy.xml", "factur-x.xml"),  # the decoy first in name order: read before
        ("zz-other.xml", "factur-x.xml"),
        ("invoice.xml", "zugferd-invoice.xml"),
    ],
)
def test_a_pdf_carrying_two_different_invoices_is_refused(decoy: str, invoice: str) -> None:
    """Which attachment is *the* invoice is a reader's guess: the tryout's decoy came first in
    name order, so a second bank financed, under the decoy's facts, the invoice another bank
    held. Refused, naming both attachments — in the CII and UBL syntaxes alike."""
    for first, second in (
        (corpus_bytes("cii/CII_example1.xml"), corpus_bytes("cii/CII_example2.xml")),
        (corpus_bytes("ubl/ubl-tc434-example1.xml"), corpus_bytes("cii/CII_example2.xml")),
    ):
        with pytest.raises(DocumentFormatError) as info:
            read_document(pdf_with({decoy: second, invoice: first}))
        assert info.value.field == "file"
        assert "carries 2 different invoices" in info.value.rule
        assert decoy in info.value.rule
        assert invoice in info.value.rule


def test_the_same_invoice_attached_twice_is_one_invoice() -> None:
    cii = corpus_bytes("cii/CII_example2.xml")
    doc = read_document(pdf_with({"factur-x.xml": cii, "zugferd-invoice.xml": cii}))
    assert doc.facts == corpus_doc("cii/CII_example2.xml").facts


def test_an_encrypted_pdf_that_cannot_be_opened_is_refused_not_raw() -> None:
    """Its attachments cannot be read, an invoice among them perhaps: it was registered as a
    plain file (``raw``), which the field cases' rule forbids for a PDF carrying an invoice."""
    for attachments in (
        {"factur-x.xml": corpus_bytes("cii/CII_example2.xml")},
        {"photo.jpg": b"\xff\xd8\xff\xe0 jpeg"},  # nothing to say what it carries: the same
    ):
        with pytest.raises(DocumentFormatError) as info:
            read_document(_encrypted(pdf_with(attachments), "secret"))
        assert info.value.field == "file"
        assert "encrypted PDF" in info.value.rule


def test_a_pdf_protected_by_an_owner_password_alone_is_read() -> None:
    cii = corpus_bytes("cii/CII_example2.xml")
    doc = read_document(_encrypted(pdf_with({"factur-x.xml": cii}), ""))
    assert doc.format is DocumentFormat.FACTURX
    assert doc.facts == corpus_doc("cii/CII_example2.xml").facts
