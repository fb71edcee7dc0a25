"""The field cases (tests/documents/fieldcases, see its README) and variants of each kind."""

from __future__ import annotations

import io
from datetime import date

import pytest
from documents_support import KEY, field_bytes, field_doc
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)

from ledger.documents import DocumentFormat, grade, onchain_fingerprints, read_document
from ledger.documents.identifiers import icd_codes
from ledger.documents.normalise import normalise_number
from ledger.errors import DocumentFormatError

NO_A = "identifiers-placeholder/a-seller1-TOSL108.xml"
NO_B = "identifiers-placeholder/b-seller2-TOSL108.xml"
ZF1_PDF = "zugferd1/ZUGFeRD_1p0_BASIC_Einfach.pdf"
FX_PDF = "facturx-attachment/b-attachment-named-invoice.xml.pdf"


def shared(a: bytes, b: bytes) -> set[bytes]:
    return set(onchain_fingerprints(read_document(a), KEY)) & set(
        onchain_fingerprints(read_document(b), KEY)
    )


# -- 1a. identifiers that are not identifiers ---------------------------------------------


def test_two_norwegian_sellers_with_the_same_number_share_nothing() -> None:
    a, b = field_doc(NO_A), field_doc(NO_B)
    assert a.facts is not None
    assert b.facts is not None
    assert a.facts.number == b.facts.number == "TOSL108"
    assert not shared(field_bytes(NO_A), field_bytes(NO_B))
    assert grade(a, b) is None
    assert a.facts.seller is not None
    reasons = {r.value: r.reason for r in a.facts.seller.rejected}
    assert "no digit" in reasons["Foretaksregisteret"]


@pytest.mark.parametrize(
    "placeholder",
    ["Foretaksregisteret", " FORETAKSREGISTERET ", "Handelsregister", "N/A", "000000000", "-"],
)
def test_a_placeholder_tax_id_never_joins_two_sellers(placeholder: str) -> None:
    """Siblings: other placeholder texts, and sellers whose VAT ids the file does not carry."""
    a = field_bytes(NO_A).replace(b"Foretaksregisteret", placeholder.encode())
    b = field_bytes(NO_B).replace(b"Foretaksregisteret", placeholder.encode())
    # without their VAT numbers the two sellers keep only their organisation numbers
    a = a.replace(b"<cbc:CompanyID>NO123456785MVA</cbc:CompanyID>", b"")
    b = b.replace(b"<cbc:CompanyID>NO811111112MVA</cbc:CompanyID>", b"")
    assert not shared(a, b)
    assert grade(read_document(a), read_document(b)) is None


def test_a_seller_whose_every_identity_fails_is_never_keyed() -> None:
    """Both sellers' VAT and organisation numbers fail their check digits: nothing is keyed,
    so nothing can collide (the gateway says so in a notice)."""
    a = field_bytes(NO_A).replace(b"NO123456785MVA", b"NO123456789MVA")
    a = a.replace(b'"0192">123456785<', b'"0192">123456789<')
    b = field_bytes(NO_B).replace(b"NO811111112MVA", b"NO811111113MVA")
    b = b.replace(b'"0192">811111112<', b'"0192">811111113<')
    doc = read_document(a)
    assert doc.facts is not None
    assert doc.facts.seller is not None
    assert doc.facts.seller.unkeyed
    assert onchain_fingerprints(doc, KEY) == []
    assert not shared(a, b)


@pytest.mark.parametrize(
    ("element", "reason"),
    [
        (b'<cbc:ID schemeID="SEPA">DE98ZZZ09999999999</cbc:ID>', "not an ISO 6523 ICD code"),
        (b'<cbc:ID schemeID="0088">1238764941387</cbc:ID>', "check digit"),
        (b'<cbc:ID schemeID="0199">5493001KJTIIGC8Y1R13</cbc:ID>', "lei"),
        (b'<cbc:ID schemeID="0192">123456789</cbc:ID>', "no.orgnr"),
    ],
)
def test_party_identifiers_are_checked_by_their_scheme(element: bytes, reason: str) -> None:
    data = field_bytes(NO_A).replace(b'<cbc:ID schemeID="0088">1238764941386</cbc:ID>', element)
    facts = read_document(data).facts
    assert facts is not None
    assert facts.seller is not None
    assert any(reason in r.reason for r in facts.seller.rejected), facts.seller.rejected
    assert all(str(p.value) not in element.decode() for p in facts.seller.ids if p.scheme != "VAT")


def test_a_valid_lei_and_gln_are_kept() -> None:
    data = field_bytes(NO_A).replace(
        b'<cbc:ID schemeID="0088">1238764941386</cbc:ID>',
        b'<cbc:ID schemeID="0199">5493001KJTIIGC8Y1R12</cbc:ID>',
    )
    facts = read_document(data).facts
    assert facts is not None
    assert facts.seller is not None
    assert "LEI:5493001KJTIIGC8Y1R12" in {str(p) for p in facts.seller.ids}


def test_the_icd_list_is_the_real_one() -> None:
    codes = icd_codes()
    assert len(codes) >= 230
    assert codes["0088"] == "EAN Location Code"
    assert codes["0192"] == "Organisasjonsnummer"
    assert "SEPA" not in codes
    assert "9930" not in codes  # an EAS (electronic address) code, not an ICD


# -- 1a. numbers ------------------------------------------------------------------------------


def test_fv_1_12_and_fv_11_2_are_two_invoices() -> None:
    a, b = "number-collision/a-FV-1-12-2023.xml", "number-collision/b-FV-11-2-2023.xml"
    assert not shared(field_bytes(a), field_bytes(b))
    assert grade(field_doc(a), field_doc(b)) is None


def test_every_day_of_a_year_numbered_d_m_y_stays_distinct() -> None:
    """Siblings: every pair of dates written without zero padding, in three separator styles."""
    from datetime import timedelta

    days = [date(2023, 1, 1) + timedelta(days=n) for n in range(365)]
    for style in ("FV {d}/{m}/{y}", "{d}.{m}.{y}", "R-{d}-{m}-{y}"):
        canon = {normalise_number(style.format(d=x.day, m=x.month, y=x.year)) for x in days}
        assert len(canon) == 365, style


@pytest.mark.parametrize(
    "retyped",
    [
        "fv 01/12/2023",
        "FV-1-12-2023",
        "FV1.12.2023",
        "ＦＶ　１／１２／２０２３",
        " FV 1 / 12 / 2023 ",
    ],
)
def test_re_typed_copies_still_meet(retyped: str) -> None:
    assert normalise_number(retyped) == normalise_number("FV 1/12/2023")


# -- 2. formats that were claimed but not read ---------------------------------------------


def test_zugferd_1_pdf_is_read() -> None:
    doc = field_doc(ZF1_PDF)
    assert doc.format is DocumentFormat.FACTURX
    assert doc.facts is not None
    assert doc.facts.number == "471102"
    assert doc.facts.issue_date == date(2013, 3, 5)
    assert (doc.facts.amount_minor, doc.facts.currency) == (23562, "EUR")


def zf1_xml() -> bytes:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(field_bytes(ZF1_PDF)))
    return bytes(next(iter(reader.attachment_list)).content)


def test_zugferd_1_comfort_and_extended_profiles_and_credit_notes() -> None:
    """Siblings: the other ZUGFeRD 1.0 profiles carry the amount due and a due date; a credit
    note is type 381."""
    xml = zf1_xml()
    for profile in (b"comfort", b"extended"):
        data = xml.replace(b"invoice:1p0:basic", b"invoice:1p0:" + profile)
        data = data.replace(
            b'<ram:GrandTotalAmount currencyID="EUR">235.62</ram:GrandTotalAmount>',
            b'<ram:GrandTotalAmount currencyID="EUR">235.62</ram:GrandTotalAmount>'
            b'<ram:TotalPrepaidAmount currencyID="EUR">35.62</ram:TotalPrepaidAmount>'
            b'<ram:DuePayableAmount currencyID="EUR">200.00</ram:DuePayableAmount>',
        )
        data = data.replace(
            b"</ram:ApplicableTradeTax>",
            b"</ram:ApplicableTradeTax><ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime>"
            b'<udt:DateTimeString format="102">20130404</udt:DateTimeString>'
            b"</ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>",
        )
        facts = read_document(data).facts
        assert facts is not None
        assert facts.amount_minor == 20000
        assert facts.due_date == date(2013, 4, 4)
    note = read_document(
        xml.replace(b"<ram:TypeCode>380</ram:TypeCode>", b"<ram:TypeCode>381</ram:TypeCode>")
    )
    assert note.facts is not None
    assert note.facts.credit_note


def test_a_zugferd_1_xml_alone_is_read_like_its_pdf() -> None:
    xml = read_document(zf1_xml())
    assert xml.format is DocumentFormat.CII
    assert xml.facts == field_doc(ZF1_PDF).facts


def test_a_factur_x_attachment_named_invoice_xml_with_a_long_comment_is_read() -> None:
    doc = field_doc(FX_PDF)
    assert doc.format is DocumentFormat.FACTURX
    assert doc.facts is not None
    assert doc.facts.number == "471102"
    assert doc.facts.issue_date == date(2018, 3, 5)
    assert doc.facts.amount_minor == 52987


def _pdf(xml: bytes, how: str, name: str = "invoice.xml") -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    if how == "names":
        writer.add_attachment(name, xml)
    else:
        stream = DecodedStreamObject()
        stream.set_data(xml)
        stream[NameObject("/Type")] = NameObject("/EmbeddedFile")
        spec = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Filespec"),
                NameObject("/F"): TextStringObject(name),
                NameObject("/UF"): TextStringObject(name),
                NameObject("/EF"): DictionaryObject({NameObject("/F"): writer._add_object(stream)}),
                NameObject("/AFRelationship"): NameObject("/Data"),
            }
        )
        ref = writer._add_object(spec)
        if how == "af":
            writer._root_object[NameObject("/AF")] = ArrayObject([ref])
        else:
            annot = DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Annot"),
                    NameObject("/Subtype"): NameObject("/FileAttachment"),
                    NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (10, 10, 30, 30)]),
                    NameObject("/FS"): ref,
                }
            )
            page[NameObject("/Annots")] = ArrayObject([writer._add_object(annot)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("how", ["names", "af", "annotation"])
@pytest.mark.parametrize("name", ["invoice.xml", "data", "Rechnung 2018-03-05.XML", "zugferd.bin"])
def test_the_invoice_is_found_wherever_and_however_it_is_attached(how: str, name: str) -> None:
    xml = field_bytes("reissue/a-original-471102.cii.xml")
    comment = b"<!-- " + b"licence text " * 800 + b"-->\n"
    xml = xml.replace(b"?>", b"?>\n" + comment, 1) if xml.startswith(b"<?xml") else comment + xml
    doc = read_document(_pdf(xml, how, name))
    assert doc.format is DocumentFormat.FACTURX
    assert doc.facts == field_doc("reissue/a-original-471102.cii.xml").facts


@pytest.mark.parametrize("how", ["names", "af", "annotation"])
def test_a_zugferd_1_attached_anywhere_is_read(how: str) -> None:
    doc = read_document(_pdf(zf1_xml(), how, "ZUGFeRD-invoice.xml"))
    assert doc.facts == field_doc(ZF1_PDF).facts


@pytest.mark.parametrize("how", ["names", "af", "annotation"])
def test_a_pdf_carrying_xml_that_is_no_invoice_is_an_error_not_a_plain_file(how: str) -> None:
    xml = b'<?xml version="1.0"?><!-- x --><DespatchAdvice xmlns="urn:example"><ID>1</ID>'
    xml += b"</DespatchAdvice>"
    with pytest.raises(DocumentFormatError) as info:
        read_document(_pdf(xml, how, "invoice.xml"))
    assert info.value.field == "file"
    assert info.value.rule.startswith("its embedded file invoice.xml ")
    assert "not an invoice" in info.value.rule
    assert "DespatchAdvice" in info.value.rule


def test_a_peppol_invoice_in_its_sbdh_envelope_is_read() -> None:
    doc = field_doc("sbdh/base-example-in-sbdh.xml")
    assert doc.format is DocumentFormat.UBL
    assert doc.facts == field_doc("credit-note/base-example.xml").facts


def test_sbdh_siblings_credit_note_and_cii_inside_and_an_empty_envelope() -> None:
    envelope = field_bytes("sbdh/base-example-in-sbdh.xml")
    head, _, _ = envelope.partition(b"<Invoice ")
    tail = b"</StandardBusinessDocument>\n"
    note = field_bytes("credit-note/base-creditnote-correction.xml").split(b"?>", 1)[1]
    facts = read_document(head + note + tail).facts
    assert facts is not None
    assert facts.credit_note
    cii = field_bytes("split/a-original-471102.cii.xml").split(b"?>", 1)[1]
    assert (
        read_document(head + cii + tail).facts == field_doc("split/a-original-471102.cii.xml").facts
    )
    empty = head.split(b"<StandardBusinessDocumentHeader>")[0] + tail
    with pytest.raises(DocumentFormatError) as info:
        read_document(
            empty.replace(
                b"</Standard",
                b"<!-- urn:oasis:names:specification:ubl:schema:xsd:Invoice-2 --></Standard",
            )
        )
    assert "envelope" in info.value.rule


# -- 3. credit notes --------------------------------------------------------------------------


def test_the_peppol_credit_note_is_read_with_its_billing_reference() -> None:
    note = field_doc("credit-note/base-creditnote-correction.xml")
    invoice = field_doc("credit-note/base-example.xml")
    assert note.facts is not None
    assert invoice.facts is not None
    assert note.facts.credit_note
    assert note.facts.invoice_refs == (invoice.facts.number,)
    # same number as the invoice it corrects, yet never the same document
    assert note.facts.number == invoice.facts.number
    assert not shared(
        field_bytes("credit-note/base-creditnote-correction.xml"),
        field_bytes("credit-note/base-example.xml"),
    )
    assert grade(note, invoice) is None


def test_a_cii_credit_note_with_an_invoice_reference() -> None:
    cii = field_bytes("split/a-original-471102.cii.xml")
    cii = cii.replace(b"<ram:TypeCode>380</ram:TypeCode>", b"<ram:TypeCode>381</ram:TypeCode>")
    cii = cii.replace(
        b"<ram:InvoiceCurrencyCode>",
        b"<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>RE-2018/0007</ram:IssuerAssignedID>"
        b"</ram:InvoiceReferencedDocument><ram:InvoiceCurrencyCode>",
    )
    facts = read_document(cii).facts
    assert facts is not None
    assert facts.credit_note
    assert facts.invoice_refs == ("RE2018-7",)


def test_icd_list_file_has_its_source_beside_it() -> None:
    from ledger.documents.identifiers import ICD_LIST_PATH

    readme = (ICD_LIST_PATH.parent / "README.md").read_text()
    assert "peppol-bis-invoice-3" in readme
