"""Factur-X / ZUGFeRD: a PDF/A-3 that carries the invoice as an embedded CII XML attachment."""

from __future__ import annotations

import io

from lxml import etree
from pypdf import PdfReader
from pypdf.errors import LimitReachedError, PyPdfError

from ledger.errors import DocumentFormatError, InvalidInput

from .cii import is_cii
from .xmlsafe import MAX_XML_BYTES, parse_untrusted_xml

#: attachment names Factur-X 1.0 / ZUGFeRD 1 and 2 / XRechnung use for the invoice XML
KNOWN_ATTACHMENT_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")
#: the largest PDF the reader opens, in bytes (larger files are treated as raw)
MAX_PDF_BYTES = 50 * 1024 * 1024

_CII_MARKER = b"CrossIndustryInvoice"


def is_pdf(data: bytes) -> bool:
    """Whether ``data`` starts like a PDF (``%PDF-`` within the first 1024 bytes)."""
    return b"%PDF-" in data[:1024]


def embedded_cii(data: bytes) -> etree._Element | None:
    """The parsed CII root of a Factur-X/ZUGFeRD PDF, or ``None`` if the PDF carries none.

    A PDF that cannot be opened is not an error (it is still a file to register); an embedded
    invoice attachment that is not a valid CII document is (``DocumentFormatError``).
    """
    if not is_pdf(data) or len(data) > MAX_PDF_BYTES:
        return None
    attachments = _attachments(data)
    if not attachments:
        return None
    by_name = {name.lower(): (name, blob) for name, blob in attachments}
    candidates = [by_name[n] for n in KNOWN_ATTACHMENT_NAMES if n in by_name]
    candidates += [
        (name, blob)
        for name, blob in attachments
        if name.lower().endswith(".xml")
        and name.lower() not in KNOWN_ATTACHMENT_NAMES
        and _CII_MARKER in blob[:4096]
    ]
    for name, blob in candidates:
        root = parse_untrusted_xml(blob, field=f"attachment {name}")
        if not is_cii(root):
            raise DocumentFormatError(
                f"attachment {name}", "must be a UN/CEFACT CII CrossIndustryInvoice (Factur-X)"
            )
        return root
    return None


def _attachments(data: bytes) -> list[tuple[str, bytes]]:
    """The XML attachments (name, content). Other attachments are not decompressed."""
    try:
        reader = PdfReader(io.BytesIO(data))
        files = list(reader.attachment_list)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError):
        return []  # not a PDF pypdf can open: a raw file
    found: list[tuple[str, bytes]] = []
    for embedded in files:
        name = str(embedded.name)
        if not name.lower().endswith(".xml"):
            continue
        try:
            blob = bytes(embedded.content)
        except LimitReachedError:
            raise InvalidInput(
                f"attachment {name}", "decompresses beyond the size limit (a compression bomb?)"
            ) from None
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError):
            raise DocumentFormatError(f"attachment {name}", "cannot be read") from None
        if len(blob) > MAX_XML_BYTES:
            raise InvalidInput(f"attachment {name}", f"larger than {MAX_XML_BYTES} bytes")
        found.append((name, blob))
    return found
