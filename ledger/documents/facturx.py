"""Invoices inside PDFs: Factur-X, ZUGFeRD 1.0 and 2.x, XRechnung, or any PDF/A-3 that carries the
invoice as an embedded file.

Where a PDF keeps its embedded files, and all of them are searched:

- the document's ``EmbeddedFiles`` name tree (what most tools write);
- the ``/AF`` (associated files) arrays of the document catalog and of each page (PDF/A-3: a
  file may be attached *only* there);
- file-attachment annotations (``/Subtype /FileAttachment``) on the pages.

The invoice is found by parsing every embedded file that is XML and looking at its root element
(through an SBDH envelope if there is one) — never by its name, its extension or its first bytes:
a file called ``invoice.xml``, ``data`` or ``ZUGFeRD-invoice.xml``, or one that opens with a long
licence comment, is found the same way. A PDF that carries XML but no invoice the readers can
read is an error that says so (``DocumentFormatError`` naming the attachment): it is never
registered as a plain file that could then never be financed. A PDF without XML attachments is a
plain file.

Checked and not used: the ``factur-x`` package (PyPI) finds the XML only under the names
``factur-x.xml``/``zugferd-invoice.xml``/``order-x.xml`` in the ``EmbeddedFiles`` tree, which is
the fault this module fixes; pypdf (already a dependency) reads every place above.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

from lxml import etree
from pypdf import PdfReader
from pypdf.errors import LimitReachedError, PyPdfError

from ledger.errors import DocumentFormatError, InvalidInput
from ledger.fieldnames import FILE

from .deepparse import collection_paused
from .envelope import ACCEPTED, INVOICE_NAMESPACES, describe, is_invoice_root, unwrap
from .xmlsafe import MAX_XML_BYTES, parse_untrusted_xml

#: pypdf warns of every fault it reads past in a sent file (``EOF marker not found``) on its
#: own logger, which a served gateway prints bare, naming no request: what it could not read
#: is answered to the sender instead (a refusal naming the file, or a raw file)
logging.getLogger("pypdf").setLevel(logging.ERROR)

#: the largest PDF the reader opens, in bytes (larger files are treated as raw)
MAX_PDF_BYTES = 50 * 1024 * 1024
#: the most embedded files looked at in one PDF
MAX_ATTACHMENTS = 64
#: the most pages whose /AF and annotations are looked at
MAX_PAGES = 500

#: what pypdf raises on a malformed file; NotImplementedError for a stream filter it does not
#: know (``/Filter /A``): found by fuzzing (tests/documents/test_doc_fuzz.py)
_READ_ERRORS = (
    PyPdfError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    OSError,
    NotImplementedError,
)
_LEADING = b"\xef\xbb\xbf \t\r\n"


def is_pdf(data: bytes) -> bool:
    """Whether ``data`` starts like a PDF (``%PDF-`` within the first 1024 bytes)."""
    return b"%PDF-" in data[:1024]


def looks_like_xml(blob: bytes) -> bool:
    """Whether an embedded file is XML at all (then it is parsed; its root decides the rest)."""
    head = blob.lstrip(_LEADING)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        return True
    return head.startswith(b"<")


def embedded_invoice(data: bytes) -> tuple[str, etree._Element] | None:
    """``(attachment name, invoice root)`` of the invoice a PDF carries, or ``None`` when the
    PDF carries no XML (or cannot be opened: it is then a plain file).

    Raises ``DocumentFormatError`` when XML is attached but none of it is an invoice the
    readers read; when the PDF carries two invoices that differ (which one is *the* invoice is
    the reader's guess: a Factur-X reader takes ``factur-x.xml``, a tryout's decoy attachment
    named ``a-decoy.xml`` came first in name order, and the invoice another bank held was
    financed again under the decoy's facts); when the PDF is encrypted and cannot be opened
    without a password (its attachments, an invoice among them perhaps, cannot be read);
    ``InvalidInput`` for an attachment that is too large or decompresses beyond the limit.
    The same invoice attached twice (identical bytes under two names) is one invoice.
    """
    if not is_pdf(data) or len(data) > MAX_PDF_BYTES:
        return None
    found: list[tuple[str, etree._Element, bytes]] = []
    not_invoices: list[tuple[str, str]] = []
    for name, blob in _embedded_files(data):
        if not looks_like_xml(blob):
            continue
        try:
            root = unwrap(parse_untrusted_xml(blob))
        except InvalidInput as exc:  # the PDF is the file sent: its embedded file is a place in it
            details = {k: v for k, v in exc.details.items() if k not in ("field", "rule")}
            raise type(exc)(FILE, f"{_embedded(name)}: {exc.rule}", **details) from None
        if is_invoice_root(root):
            if all(blob != seen for _, _, seen in found):
                found.append((name, root, blob))
        else:
            claims = any(ns.encode() in blob for ns in INVOICE_NAMESPACES)
            why = "claims an invoice namespace but its root is" if claims else "its root is"
            not_invoices.append((name, f"is XML but not an invoice ({why} {describe(root)})"))
    if len(found) > 1:
        names = ", ".join(name for name, _, _ in found)
        raise DocumentFormatError(
            FILE,
            f"carries {len(found)} different invoices (its embedded files {names}): a PDF must "
            "carry one invoice (Factur-X and ZUGFeRD carry it as factur-x.xml or "
            "zugferd-invoice.xml); which of them the PDF stands for cannot be told",
        )
    if found:
        name, root, _ = found[0]
        return name, root
    if not_invoices:
        name, why = not_invoices[0]
        raise DocumentFormatError(FILE, f"{_embedded(name)} {why}; the gateway reads {ACCEPTED}")
    marker = _invoice_marker(data)
    if marker is not None:  # an invoice it says it carries, none of its embedded files
        raise DocumentFormatError(
            FILE,
            f"is a PDF that declares an embedded invoice ({marker} in its bytes) but carries none "
            "the gateway can find: its embedded files are not where a PDF names them (a "
            "damaged or edited file?); send the PDF as it was issued, or its invoice XML",
        )
    return None


#: what in a PDF's bytes says it carries an e-invoice: the Factur-X, ZUGFeRD and FeRD XMP
#: schemas (PDF/A-3 metadata, uncompressed), the invoice XML's own root names (an attachment
#: stored uncompressed), the attachment names the standards give (lower case)
_INVOICE_MARKERS = (
    b"urn:factur-x:",
    b"urn:zugferd:",
    b"urn:ferd:",
    b"crossindustryinvoice",
    b"crossindustrydocument",
    b"urn:oasis:names:specification:ubl:schema:xsd:invoice-2",
    b"urn:oasis:names:specification:ubl:schema:xsd:creditnote-2",
    b"factur-x.xml",
    b"zugferd-invoice.xml",
    b"xrechnung.xml",
)
#: an embedded file's stream dictionary (``/Type /EmbeddedFile``): never in an object stream
_EMBEDDED_FILE = b"/EmbeddedFile"


def _invoice_marker(data: bytes) -> str | None:
    """The first sign in a PDF's bytes (:data:`_INVOICE_MARKERS`, case aside) that it carries an
    e-invoice, or ``None``. A Factur-X PDF with its ``/EmbeddedFiles`` key renamed was registered
    as a plain file (tryout 59): a PDF that carries an invoice the gateway cannot read is an
    error, never silently raw (``fieldcases/facturx-attachment``)."""
    lowered = data.lower()
    for marker in _INVOICE_MARKERS:
        if marker in lowered:
            return marker.decode()
    return None


def _embedded(name: str) -> str:
    """An embedded file of the PDF sent, as a refusal of the PDF (:data:`FILE`) names it."""
    return f"its embedded file {name}"


def _embedded_files(data: bytes) -> Iterator[tuple[str, bytes]]:
    """Every embedded file of the PDF, once: (name, content)."""
    try:
        with collection_paused():  # pypdf recurses as deep as a hostile file nests
            reader = PdfReader(io.BytesIO(data))
            locked = reader.is_encrypted and not _opened(reader)
            specs = [] if locked else list(_filespecs(reader))
    except _READ_ERRORS as exc:
        # not a PDF pypdf can open: a raw file — unless it carries an embedded file or says it
        # carries an invoice (a Factur-X PDF cut short was registered as a plain file: tryout 59)
        marker = _invoice_marker(data) or (
            _EMBEDDED_FILE.decode() if _EMBEDDED_FILE in data else None
        )
        if marker is None:
            return
        raise DocumentFormatError(
            FILE,
            f"is a PDF the gateway cannot read ({str(exc)[:120] or type(exc).__name__}: damaged "
            f"or cut short?) that carries an embedded file ({marker} in its bytes), an invoice "
            "perhaps: send the PDF as it was issued, or its invoice XML",
        ) from None
    if locked:
        raise DocumentFormatError(
            FILE,
            "is an encrypted PDF the gateway cannot open without its password: its embedded "
            "files, an invoice among them perhaps, cannot be read; send it unencrypted",
        )
    seen: set[Any] = set()
    count = 0
    for name, stream in specs:
        ref = getattr(stream, "indirect_reference", None)
        key: Any = (ref.idnum, ref.generation) if ref is not None else id(stream)
        if key in seen:
            continue
        seen.add(key)
        count += 1
        if count > MAX_ATTACHMENTS:
            raise InvalidInput(FILE, f"carries more than {MAX_ATTACHMENTS} embedded files")
        yield name, _content(name, stream)


def _opened(reader: PdfReader) -> bool:
    """Whether an encrypted PDF opens with the empty user password (a PDF protected by an owner
    password alone, against editing or printing, opens so in every reader)."""
    try:
        return bool(reader.decrypt(""))
    except _READ_ERRORS:
        return False  # an encryption pypdf cannot undo (a missing cipher library, say)


def _content(name: str, stream: Any) -> bytes:
    try:
        with collection_paused():
            blob = bytes(stream.get_data())
    except LimitReachedError:
        raise InvalidInput(
            FILE, f"{_embedded(name)} decompresses beyond the size limit (a compression bomb?)"
        ) from None
    except _READ_ERRORS:
        raise DocumentFormatError(FILE, f"{_embedded(name)} cannot be read") from None
    if len(blob) > MAX_XML_BYTES:
        raise InvalidInput(FILE, f"{_embedded(name)} is larger than {MAX_XML_BYTES} bytes")
    return blob


def _filespecs(reader: PdfReader) -> Iterator[tuple[str, Any]]:
    """(name, embedded-file stream) from the name tree, the /AF arrays and the annotations."""
    catalog: Any = reader.trailer["/Root"].get_object()
    names = catalog.get("/Names")
    if names is not None:
        tree = names.get_object().get("/EmbeddedFiles")
        if tree is not None:
            yield from _name_tree(tree.get_object(), depth=0)
    yield from _af(catalog)
    for index, page in enumerate(reader.pages):
        if index >= MAX_PAGES:
            break
        yield from _af(page)
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/FileAttachment" and annot.get("/FS") is not None:
                spec = _spec(annot["/FS"])
                if spec is not None:
                    yield spec


def _name_tree(node: Any, depth: int) -> Iterator[tuple[str, Any]]:
    if depth > 16:
        return
    pairs = node.get("/Names") or []
    for i in range(1, len(pairs), 2):
        spec = _spec(pairs[i], str(pairs[i - 1]))
        if spec is not None:
            yield spec
    for kid in node.get("/Kids") or []:
        yield from _name_tree(kid.get_object(), depth + 1)


def _af(holder: Any) -> Iterator[tuple[str, Any]]:
    files = holder.get("/AF")
    if files is None:
        return
    for item in files.get_object():
        spec = _spec(item)
        if spec is not None:
            yield spec


def _spec(ref: Any, fallback: str = "") -> tuple[str, Any] | None:
    """(name, stream) of a file specification, or ``None`` if it embeds no file."""
    spec = ref.get_object()
    if not hasattr(spec, "get"):
        return None
    ef = spec.get("/EF")
    if ef is None:
        return None
    ef = ef.get_object()
    stream = ef.get("/F") or ef.get("/UF")
    if stream is None:
        return None
    name = str(spec.get("/UF") or spec.get("/F") or fallback or "(unnamed)")
    return name, stream.get_object()
