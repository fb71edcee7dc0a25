"""A PDF that carries an invoice the gateway cannot read is refused naming the file, never
registered silently as a plain file (``fieldcases/facturx-attachment``: "an error, never silently
raw"; ``ledger.documents.facturx``).

Tryout 59 (2026-12-06): the field cases' Factur-X PDF cut short by 2,000 bytes, and the same
PDF with its ``/EmbeddedFiles`` key renamed, were each registered as a ``raw`` file of type
``other`` — never financeable, and no one told why. Every invoice-carrying PDF of the field
cases, and one made here with a compressed attachment, is tried cut short and with its
attachment unreachable; a plain PDF damaged so, and garbage after ``%PDF-``, stay plain files.
"""

from __future__ import annotations

import io
import logging

import pytest
from pypdf import PdfWriter

from ledger.documents import DocumentFormat, read_document
from ledger.errors import DocumentFormatError
from tests.documents.documents_support import field_bytes
from tests.documents.test_doc_detect import _blank_pdf

PDFS = [
    "facturx-attachment/b-attachment-named-invoice.xml.pdf",
    "zugferd1/ZUGFeRD_1p0_BASIC_Einfach.pdf",
]


def _with_attachment(name: str, xml: bytes) -> bytes:
    """A one-page PDF carrying ``xml`` as embedded file ``name`` (its stream compressed, as
    pypdf writes it: the XML's own names are not in the PDF's bytes)."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_attachment(name, xml)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _invoice_pdfs() -> list[tuple[str, bytes]]:
    made = _with_attachment("factur-x.xml", field_bytes("reissue/a-original-471102.cii.xml"))
    return [(p, field_bytes(p)) for p in PDFS] + [("made/factur-x.xml", made)]


INVOICE_PDFS = _invoice_pdfs()


@pytest.mark.parametrize(("name", "data"), INVOICE_PDFS, ids=[n for n, _ in INVOICE_PDFS])
def test_the_whole_pdf_is_read(name: str, data: bytes) -> None:
    """The control: undamaged, each is read as the invoice it carries."""
    parsed = read_document(data)
    assert parsed.format is DocumentFormat.FACTURX, name
    assert parsed.facts is not None


@pytest.mark.parametrize(("name", "data"), INVOICE_PDFS, ids=[n for n, _ in INVOICE_PDFS])
@pytest.mark.parametrize("cut", [200, 2_000])
def test_an_invoice_pdf_cut_short_is_refused(name: str, data: bytes, cut: int) -> None:
    """Cut after its attachment (a PDF cut before it shows nothing of an invoice: a plain
    file cut short, as far as its bytes tell)."""
    with pytest.raises(DocumentFormatError) as refused:
        read_document(data[:-cut])
    assert refused.value.field == "file"
    assert "embedded" in refused.value.rule


@pytest.mark.parametrize(("name", "data"), INVOICE_PDFS, ids=[n for n, _ in INVOICE_PDFS])
@pytest.mark.parametrize(
    "edit", [(b"/EmbeddedFiles", b"/EmbeddedFilez"), (b"/AF", b"/AX"), (b"/Names", b"/Nomes")]
)
def test_an_invoice_pdf_whose_attachment_is_named_otherwise_is_never_a_plain_file(
    name: str, data: bytes, edit: tuple[bytes, bytes]
) -> None:
    """Its name tree's key renamed (and its ``/AF`` or ``/Names`` too): read as its invoice
    where another way to its attachment is left (ZUGFeRD's ``/AF``), else refused."""
    edited = data.replace(b"/EmbeddedFiles", b"/EmbeddedFilez").replace(*edit)
    assert edited != data
    refusal: DocumentFormatError | None = None
    try:
        parsed = read_document(edited)
    except DocumentFormatError as exc:
        refusal = exc
    if refusal is not None:
        assert refusal.field == "file"
        assert "embedded" in refusal.rule
    else:
        assert parsed.format is DocumentFormat.FACTURX, name
        assert parsed.facts == read_document(data).facts


@pytest.mark.parametrize(
    "data",
    [
        _blank_pdf()[:-40],
        _blank_pdf().replace(b"%%EOF", b""),
        b"%PDF-1.7\n" + b"garbage\0" * 500,
    ],
    ids=["plain-cut", "plain-no-eof", "garbage"],
)
def test_a_damaged_pdf_without_an_invoice_stays_a_plain_file(data: bytes) -> None:
    assert read_document(data).format is DocumentFormat.RAW


def test_pypdf_does_not_print_what_it_reads_past(caplog: pytest.LogCaptureFixture) -> None:
    """A served gateway printed a bare ``EOF marker not found`` for each broken PDF sent."""
    with caplog.at_level(logging.WARNING):
        read_document(b"%PDF-1.7\n" + b"garbage\0" * 500)
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]
