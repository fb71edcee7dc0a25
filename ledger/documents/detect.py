"""Format detection from a file's content (never its name), and the one entry point that reads."""

from __future__ import annotations

import hashlib
import re

from lxml import etree

from ledger.controls import refuse_control
from ledger.errors import DocumentFormatError, InvalidInput
from ledger.fieldnames import FILE

from .cii import is_cii, read_cii
from .envelope import ACCEPTED, INVOICE_NAMESPACES, describe, is_sbdh, unwrap
from .facts import DocumentFacts, DocumentFormat, ParsedDocument
from .facturx import embedded_invoice, is_pdf
from .jsonform import looks_like_json_form, read_json_form
from .textlimits import check_text_lengths
from .ubl import is_ubl, read_ubl
from .xmlsafe import parse_untrusted_xml

_XML_CLAIMS = tuple(ns.encode() for ns in INVOICE_NAMESPACES)
_LEADING = b"\xef\xbb\xbf \t\r\n"


def document_hash(data: bytes) -> bytes:
    """The SHA-256 of the exact bytes (32 bytes): what the DocumentRegistry anchors."""
    return hashlib.sha256(data).digest()


#: how a UTF-16 file opens — its byte order mark, or an XML declaration's ``<?`` without one —
#: and the codec that reads it
_UTF16_OPENINGS = (
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)


def _utf16_text(head: bytes) -> str | None:
    """``head`` read as UTF-16 when it opens as UTF-16 text does (:data:`_UTF16_OPENINGS`;
    undecodable units dropped: only its markup is looked at), else None."""
    for opening, codec in _UTF16_OPENINGS:
        if head.startswith(opening):
            return head.decode(codec, errors="ignore").lstrip("\ufeff \t\r\n")
    return None


#: the prolog an XML file may open with (declaration, comments, processing instructions, a
#: DOCTYPE without an internal subset), then its root's start tag: the element's name, with
#: its prefix if it has one
_ROOT_TAG = re.compile(
    r"\A(?:\s+|<\?[^>]*\?>|<!--.*?-->|<!DOCTYPE[^>\[]*>)*<(?:[\w.-]+:)?([\w.-]+)(?:[\s/>]|\Z)",
    re.DOTALL,
)
#: the root elements' local names of the formats read (:data:`ACCEPTED`)
_INVOICE_ROOTS = frozenset(
    {
        "Invoice",
        "CreditNote",
        "CrossIndustryInvoice",
        "CrossIndustryDocument",
        "StandardBusinessDocument",
    }
)


def _names_invoice_root(text: str) -> bool:
    """Whether ``text``'s root element, as its start tag reads, is one of the invoice roots
    (:data:`_INVOICE_ROOTS`), whatever its namespace: a file cut short before its root names
    its namespace (a tryout: a UBL invoice truncated in its root's attributes registered as a
    plain file) still claims to be an invoice."""
    found = _ROOT_TAG.match(text[:8192])
    return found is not None and found.group(1) in _INVOICE_ROOTS


def _claims_xml_invoice(data: bytes) -> bool:
    """Whether ``data`` claims to be an XML invoice — it opens with markup and names an invoice
    namespace (:data:`INVOICE_NAMESPACES`) or opens with an invoice's root element
    (:func:`_names_invoice_root`) —, in UTF-8 or in UTF-16 alike (a tryout: a UTF-16 text file
    was refused as "not well-formed XML" where any other text registers as a plain file). Only
    a file that claims it must be an invoice."""
    head = data.lstrip(_LEADING)
    text = _utf16_text(head)
    if text is not None:
        return text.startswith("<") and (
            any(ns in text for ns in INVOICE_NAMESPACES) or _names_invoice_root(text)
        )
    if not head.startswith(b"<"):
        return False
    if any(claim in data for claim in _XML_CLAIMS):
        return True
    return _names_invoice_root(head[:8192].decode("utf-8", errors="replace"))


def _invoice_format(root: etree._Element) -> DocumentFormat | None:
    if is_ubl(root):
        return DocumentFormat.UBL
    if is_cii(root):
        return DocumentFormat.CII
    return None


def _classify(data: bytes) -> tuple[DocumentFormat, etree._Element | None]:
    if is_pdf(data):
        found = embedded_invoice(data)
        return (DocumentFormat.FACTURX, found[1]) if found else (DocumentFormat.RAW, None)
    if _claims_xml_invoice(data):
        parsed = parse_untrusted_xml(data)
        root = unwrap(parsed)
        fmt = _invoice_format(root)
        if fmt is not None:
            return fmt, root
        if is_sbdh(parsed) or any(claim in data for claim in _XML_CLAIMS):
            raise DocumentFormatError(
                FILE, f"its root element {describe(root)} is not an invoice: must be {ACCEPTED}"
            )
        return DocumentFormat.RAW, None
    if looks_like_json_form(data):
        return DocumentFormat.JSON_FORM, None
    return DocumentFormat.RAW, None


def detect_format(data: bytes) -> DocumentFormat:
    """The format ``data`` is in, judged from its content.

    A PDF is ``facturx`` when it carries an invoice as an embedded file (any name, in the
    name tree, an ``/AF`` array or an annotation; ``facturx.py``); XML is UBL or CII (D16B or
    ZUGFeRD 1.0) by its root element, also inside an SBDH envelope; a JSON object with a
    ``documentType`` is the JSON form; anything else is ``raw``. Raises
    ``DocumentFormatError``/``InvalidInput`` for a file that claims to be an invoice (XML with an
    invoice namespace, a PDF carrying XML) but is unsafe, not well-formed or not an invoice.
    """
    return _classify(data)[0]


def read_document(data: bytes, *, registering: bool = False) -> ParsedDocument:
    """Read any file: its SHA-256, its format and, unless it is ``raw``, its key facts.

    ``registering``: the file is being registered now, so a JSON form is read strictly (an
    unknown key, a number for text, ``eur`` for ``EUR`` are refused: ``jsonform.py``); reading
    a file to check, lodge or verify it reads a form as registered forms were read before.

    Raises ``DocumentFormatError`` (naming the missing or bad field) when the file claims a
    format but does not conform or one of its texts is longer than its limit (a name 500
    characters, an identifier, scheme, reference or number 200: ``textlimits.py``), and
    ``InvalidInput`` when it is too large or too deep.
    """
    fmt, root = _classify(data)
    facts: DocumentFacts | None = None
    if root is not None and is_ubl(root):
        facts = check_text_lengths(read_ubl(root), "cbc:ID")
    elif root is not None and is_cii(root):
        facts = check_text_lengths(read_cii(root), "ram:ID")
    elif fmt is DocumentFormat.JSON_FORM:
        facts = read_json_form(data, strict=registering)  # strict: no control character
        facts = check_text_lengths(facts, "documentNumber")
    if registering and facts is not None and root is not None:
        _refuse_controls(facts, "cbc:ID" if is_ubl(root) else "ram:ID")
    return ParsedDocument(format=fmt, doc_hash=document_hash(data), size=len(data), facts=facts)


def control_refusal(facts: DocumentFacts) -> DocumentFormatError | None:
    """What a registration of a file with ``facts`` would be refused for, a control or
    bidirectional control character in an identifier or a party's name
    (:func:`_refuse_controls`), or None: a check and a receive read such a file (a bank must
    still learn what it holds) and say so in a notice — tryout 68's seller name with a
    right-to-left override (U+202E) was refused at registration and passed a check and a
    lodging without a word."""
    try:
        _refuse_controls(facts, "number")
    except DocumentFormatError as refused:
        return refused
    return None


#: the EN 16931 terms of the identifiers an XML invoice's facts keep
_PARTY_TERMS = {"seller": "BT-27, BT-29..BT-32", "buyer": "BT-44, BT-46..BT-48"}


def _refuse_controls(facts: DocumentFacts, number_field: str) -> None:
    """An XML invoice registered now: DocumentFormatError naming the first identifier (number,
    invoice references, party names and identifiers, references) holding a control character
    other than XML's layout whitespace (``ledger.controls``). Lines and notes are free text."""
    checks: list[tuple[str | None, str, str]] = [(facts.number_as_written, number_field, "BT-1")]
    checks += [(ref, "invoiceReference", "BT-25") for ref in facts.invoice_refs]
    for role, party in (("seller", facts.seller), ("buyer", facts.buyer)):
        if party is None:
            continue
        terms = _PARTY_TERMS[role]
        checks.append((party.name, f"{role}.name", terms))
        checks += [(pid.value, f"{role}.id", terms) for pid in party.ids]
        checks += [(rid.value, f"{role}.id", terms) for rid in party.rejected]
    checks += [(value, f"references.{kind}", "BT-11..BT-17") for kind, value in facts.references]
    for text, field, term in checks:
        try:
            refuse_control(text, field, allow_layout=True)
        except InvalidInput as exc:
            raise DocumentFormatError(
                exc.field, f"{exc.rule} ({term})", character=exc.details.get("character")
            ) from None
