"""Parsing XML that came from a stranger.

The files a gateway reads are written by borrowers, the people the ledger guards against. So the
parser never loads a DTD, never expands an entity, never touches the network, refuses any DOCTYPE
(that is where billion-laughs and external-entity attacks live), caps the size and the nesting
depth, and keeps lxml's own limits on (``huge_tree=False``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lxml import etree

from ledger.errors import DocumentFormatError, InvalidInput
from ledger.fieldnames import FILE

#: the largest XML document accepted, in bytes
MAX_XML_BYTES = 10 * 1024 * 1024
#: the deepest element nesting accepted (UBL and CII invoices stay below 15)
MAX_XML_DEPTH = 64

_TOO_DEEP = f"XML nested deeper than {MAX_XML_DEPTH} levels is refused"
_DOCTYPE = re.compile(rb"<!\s*DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


#: lxml's own ", line 65, column 38" after libxml2's message
_LXML_POSITION = re.compile(r",? line \d+, column \d+\s*$")
#: libxml2's "… Identificati line 65": the line of the error, said again
_TRAILING_LINE = re.compile(r"\s+line (\d+)\s*$")
_TAG_MISMATCH = re.compile(r"^Opening and ending tag mismatch: (\S+) line (\d+) and (\S+)$")


def _syntax_error(exc: etree.XMLSyntaxError) -> str:
    """``at line 65, column 38: couldn't find end of start tag Identificati``: the position
    once (lxml and libxml2 each append it), then libxml2's reason."""
    line, column = exc.position if exc.position else (exc.lineno, None)
    message = _LXML_POSITION.sub("", (exc.msg or "").strip())
    mismatch = _TAG_MISMATCH.match(message)
    if mismatch:
        opened, opened_line, closing = mismatch.groups()
        where = "" if int(opened_line) == line else f" (opened on line {opened_line})"
        message = f"the start tag <{opened}>{where} is closed by </{closing}>"
    else:
        trailing = _TRAILING_LINE.search(message)
        if trailing and int(trailing.group(1)) == line:
            message = message[: trailing.start()]
    at = f"at line {line}" + (f", column {column}" if column else "") if line else ""
    return f"{at}: {message}" if at else f": {message}"


def parse_untrusted_xml(data: bytes, field: str = FILE) -> etree._Element:
    """The root element of ``data``, or ``DocumentFormatError``/``InvalidInput`` if it is unsafe
    or not well-formed."""
    if len(data) > MAX_XML_BYTES:
        raise InvalidInput(field, f"XML larger than {MAX_XML_BYTES} bytes is refused")
    if _DOCTYPE.search(data) or _ENTITY.search(data):
        raise DocumentFormatError(field, "a DOCTYPE or entity declaration is not allowed")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        if "depth" in (exc.msg or "").lower():  # libxml2 stops at 256 levels: the same rule
            raise InvalidInput(field, _TOO_DEEP) from None
        raise DocumentFormatError(field, f"not well-formed XML {_syntax_error(exc)}") from None
    if root is None:
        raise DocumentFormatError(field, "empty XML document")
    # A DOCTYPE hidden from the byte scan (another encoding) still shows up in the tree.
    docinfo = root.getroottree().docinfo
    if getattr(docinfo, "doctype", "") or docinfo.internalDTD is not None:
        raise DocumentFormatError(field, "a DOCTYPE or entity declaration is not allowed")
    _check_depth(root, field)
    return root


#: an element deeper than MAX_XML_DEPTH, as an XPath from the root (the root is level 1)
_TOO_DEEP_PATH = etree.XPath("boolean(" + "/".join(["*"] * MAX_XML_DEPTH) + ")")


def _check_depth(root: etree._Element, field: str) -> None:
    """Refuse a tree nested deeper than MAX_XML_DEPTH elements, or holding an entity reference.

    Both are found by libxml2 without a Python object per element: walking the tree in Python
    made one proxy and one tuple per element — 0.06-0.6 s for an invoice of 200,000 elements
    read alone, and twice 10 s of the reading thread's CPU inside the CI run of the whole suite
    (the document fuzz suite; the cause there was not found: not the process's other threads,
    nor the garbage collector over a heap of 10 million objects). The whole read of such an
    invoice now takes about 0.06 s."""
    if _TOO_DEEP_PATH(root):
        raise InvalidInput(field, _TOO_DEEP)
    if next(root.iter(etree.Entity), None) is not None:
        raise DocumentFormatError(field, "entity references are not allowed")


def local_name(element: etree._Element) -> str:
    """The tag without its namespace."""
    return etree.QName(element).localname


def namespace(element: etree._Element) -> str:
    """The namespace URI of the element ('' if none)."""
    return etree.QName(element).namespace or ""


def text_of(element: etree._Element | None) -> str | None:
    """The element's stripped text, or ``None`` if there is no element or it is blank."""
    if element is None or element.text is None:
        return None
    text = element.text.strip()
    return text or None


def refuse_repeated(
    root: etree._Element,
    ns: dict[str, str],
    once: Sequence[tuple[str, str]],
    syntax: str,
) -> None:
    """Refuse an invoice that states twice what its syntax allows once: ``once`` is
    ``(path, business term)`` pairs (``("cbc:ID", "BT-1")``); the first path found more than
    once raises ``DocumentFormatError`` naming its last element and the term. An invoice with
    two numbers or two amounts due is two claims, and which one it makes is a reader's guess
    (the first, here, before this rule: a tryout's invoice stating ``TOSL920`` and ``TOSL110``
    was read as ``TOSL920``)."""
    for path, term in once:
        found = root.findall(path, ns)
        if len(found) > 1:
            raise repeated(path.split("/")[-1], len(found), f"{syntax} allows it once ({term})")


def repeated(field: str, count: int, allows: str, among: str = "") -> DocumentFormatError:
    """The refusal of an element given ``count`` times that ``allows`` says is given once
    (``among``: which of them were counted, e.g. `` in the invoice currency EUR``)."""
    return DocumentFormatError(
        field,
        f"is given {count} times{among}: {allows}; which of them the invoice states cannot be told",
        count=count,
    )
