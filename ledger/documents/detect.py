"""Format detection from a file's content (never its name), and the one entry point that reads."""

from __future__ import annotations

import hashlib

from lxml import etree

from ledger.errors import DocumentFormatError

from .cii import RSM, is_cii, read_cii
from .facts import DocumentFacts, DocumentFormat, ParsedDocument
from .facturx import embedded_cii, is_pdf
from .jsonform import looks_like_json_form, read_json_form
from .ubl import UBL_CREDIT_NOTE_NS, UBL_INVOICE_NS, is_ubl, read_ubl
from .xmlsafe import parse_untrusted_xml

_XML_CLAIMS = (UBL_INVOICE_NS.encode(), UBL_CREDIT_NOTE_NS.encode(), RSM.encode())
_LEADING = b"\xef\xbb\xbf \t\r\n"


def document_hash(data: bytes) -> bytes:
    """The SHA-256 of the exact bytes (32 bytes): what the DocumentRegistry anchors."""
    return hashlib.sha256(data).digest()


def _claims_xml_invoice(data: bytes) -> bool:
    head = data.lstrip(_LEADING)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        return True  # UTF-16 XML: let the hardened parser decide
    return head.startswith(b"<") and any(claim in data for claim in _XML_CLAIMS)


def _classify(data: bytes) -> tuple[DocumentFormat, etree._Element | None]:
    if is_pdf(data):
        root = embedded_cii(data)
        return (DocumentFormat.FACTURX, root) if root is not None else (DocumentFormat.RAW, None)
    if _claims_xml_invoice(data):
        root = parse_untrusted_xml(data)
        if is_ubl(root):
            return DocumentFormat.UBL, root
        if is_cii(root):
            return DocumentFormat.CII, root
        if any(claim in data for claim in _XML_CLAIMS):
            raise DocumentFormatError(
                "root element",
                "must be a UBL 2.1 Invoice or CreditNote or a CII rsm:CrossIndustryInvoice",
            )
        return DocumentFormat.RAW, None
    if looks_like_json_form(data):
        return DocumentFormat.JSON_FORM, None
    return DocumentFormat.RAW, None


def detect_format(data: bytes) -> DocumentFormat:
    """The format ``data`` is in, judged from its content.

    A PDF is Factur-X only if it embeds a CII invoice; XML is UBL or CII by its root element; a
    JSON object with a ``documentType`` is the JSON form; anything else is ``raw``. Raises
    ``DocumentFormatError``/``InvalidInput`` for a file that claims to be XML of an invoice but
    is unsafe or not well-formed.
    """
    return _classify(data)[0]


def read_document(data: bytes) -> ParsedDocument:
    """Read any file: its SHA-256, its format and, unless it is ``raw``, its key facts.

    Raises ``DocumentFormatError`` (naming the missing or bad field) when the file claims a
    format but does not conform, and ``InvalidInput`` when it is too large or too deep.
    """
    fmt, root = _classify(data)
    facts: DocumentFacts | None = None
    if fmt is DocumentFormat.UBL and root is not None:
        facts = read_ubl(root)
    elif fmt in (DocumentFormat.CII, DocumentFormat.FACTURX) and root is not None:
        facts = read_cii(root)
    elif fmt is DocumentFormat.JSON_FORM:
        facts = read_json_form(data)
    return ParsedDocument(format=fmt, doc_hash=document_hash(data), size=len(data), facts=facts)
