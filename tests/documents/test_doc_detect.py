"""Format detection looks at the content, never the name; unknown files are raw, not errors."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from documents_support import CORPUS_FILES, FIELDCASES, corpus_bytes
from pypdf import PdfWriter

from ledger.documents import DocumentFormat, detect_format, document_hash, read_document

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def _blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (corpus_bytes("ubl/ubl-tc434-example1.xml"), DocumentFormat.UBL),
        (corpus_bytes("ubl/ubl-tc434-creditnote1.xml"), DocumentFormat.UBL),
        (corpus_bytes("cii/CII_example1.xml"), DocumentFormat.CII),
        (
            b'\xef\xbb\xbf  {"documentType": "BillOfLading", "documentNumber": "B1", '
            b'"issueDate": "2024-01-02", "issuer": {"id": "DE1", "scheme": "VAT"}}',
            DocumentFormat.JSON_FORM,
        ),
        (PNG, DocumentFormat.RAW),
        (_blank_pdf(), DocumentFormat.RAW),
        (b"", DocumentFormat.RAW),
        (b"just some text", DocumentFormat.RAW),
        (b'{"invoice": 1}', DocumentFormat.RAW),
        (b"<html><body>invoice</body></html>", DocumentFormat.RAW),
        # not parsed at all, so its DOCTYPE does no harm: an SVG image is a raw file
        (
            b'<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg"/>',
            DocumentFormat.RAW,
        ),
        # another UBL document (an Order) is not an invoice
        (
            b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2">'
            b"<ID>1</ID></Order>",
            DocumentFormat.RAW,
        ),
    ],
    ids=[
        "ubl-invoice",
        "ubl-credit-note",
        "cii",
        "json-form",
        "png",
        "pdf-without-invoice",
        "empty",
        "text",
        "other-json",
        "html",
        "svg-with-doctype",
        "ubl-order",
    ],
)
def test_format_is_detected_from_content(data: bytes, expected: DocumentFormat) -> None:
    assert detect_format(data) is expected
    doc = read_document(data)
    assert doc.format is expected
    assert doc.doc_hash == hashlib.sha256(data).digest()


def test_a_raw_file_has_a_hash_and_no_facts() -> None:
    doc = read_document(PNG)
    assert doc.format is DocumentFormat.RAW
    assert doc.facts is None
    assert doc.doc_hash == document_hash(PNG)
    assert len(doc.doc_hash) == 32


def test_an_xml_root_claiming_an_invoice_namespace_must_be_an_invoice() -> None:
    from ledger.errors import DocumentFormatError

    data = (
        b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2" '
        b'xmlns:i="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>1</ID></Order>'
    )
    with pytest.raises(DocumentFormatError) as info:
        read_document(data)
    assert info.value.field == "file"  # the file as a whole, as the client sent it
    assert info.value.rule.startswith("its root element ")


def test_detection_ignores_a_bom_and_leading_whitespace() -> None:
    data = b"\xef\xbb\xbf" + corpus_bytes("cii/CII_example1.xml")
    assert detect_format(data) is DocumentFormat.CII
    assert read_document(data).facts == read_document(data[3:]).facts
    form = b"\n\n" + json.dumps({"documentType": "Invoice"}).encode()
    assert detect_format(form) is DocumentFormat.JSON_FORM


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_text_in_utf16_is_a_plain_file_as_in_utf8(codec: str) -> None:
    """A tryout: a UTF-16 text file was refused as "not well-formed XML" where the same text in
    UTF-8 registers as a plain file. Only a file that claims to be an XML invoice must be one."""
    for text in ("hi", "invoice 42, see attached", "<html><body>an invoice</body></html>"):
        data = text.encode(codec)
        assert detect_format(data) is DocumentFormat.RAW, (codec, text)
        assert read_document(data).facts is None


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_an_invoice_in_utf16_is_read_and_a_broken_one_refused(codec: str) -> None:
    from ledger.errors import DocumentFormatError

    text = corpus_bytes("ubl/ubl-tc434-example1.xml").decode("utf-8")
    text = text.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    assert 'encoding="UTF-16"' in text
    assert detect_format(text.encode(codec)) is DocumentFormat.UBL
    broken = text.replace("</Invoice>", "")
    with pytest.raises(DocumentFormatError):
        read_document(broken.encode(codec))


def _root_tag_span(data: bytes) -> tuple[int, int]:
    """Where the root element's start tag is in ``data``: after its name, and its closing ``>``."""
    import re

    prolog = rb"(?:\s+|<\?[^>]*\?>|<!--.*?-->)*"
    found = re.match(prolog + rb"<[\w.:-]+", data.lstrip(b"\xef\xbb\xbf"), re.DOTALL)
    assert found is not None
    start = found.end() + (len(data) - len(data.lstrip(b"\xef\xbb\xbf")))
    return start, data.index(b">", start)


_ROOTED = [*CORPUS_FILES, *sorted((FIELDCASES / "sbdh").glob("*.xml"))]


@pytest.mark.parametrize("path", _ROOTED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_an_invoice_cut_short_in_its_root_tag_is_refused_not_registered_raw(path: Path) -> None:
    """A tryout: a UBL invoice cut before its root named its namespace registered as a plain
    file; its root element's name claims an invoice whatever namespace follows, so a file cut
    anywhere in its root's start tag is refused as not well-formed, as one cut later is."""
    from ledger.errors import DocumentFormatError

    data = path.read_bytes()
    start, end = _root_tag_span(data)
    for cut in sorted({start, start + 1, (start + end) // 2, end - 1, end, end + 1}):
        with pytest.raises(DocumentFormatError) as info:
            read_document(data[:cut], registering=True)
        assert info.value.field == "file"
        assert "not well-formed XML" in info.value.rule, (cut, info.value.rule)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_an_invoice_cut_short_in_utf16_is_refused(codec: str) -> None:
    from ledger.errors import DocumentFormatError

    text = corpus_bytes("ubl/ubl-tc434-example1.xml").decode("utf-8")
    text = text.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    cut = text[: text.index("<Invoice") + len("<Invoice ")]
    with pytest.raises(DocumentFormatError):
        read_document(cut.encode(codec))


def test_other_markup_cut_short_stays_a_plain_file() -> None:
    """Only an invoice's root claims an invoice: other XML or HTML cut short, or an element
    named like an invoice without its namespace that is whole, registers as a plain file."""
    for data in (
        b"<html><body>an invoice",
        b'<?xml version="1.0"?><Order xmlns:x="urn:x"',
        b'<?xml version="1.0"?><Invoices><Invoice>',
        b'<?xml version="1.0"?><Invoice><ID>1</ID></Invoice>',
        b"<!-- a comment <Invoice",
    ):
        assert detect_format(data) is DocumentFormat.RAW, data
