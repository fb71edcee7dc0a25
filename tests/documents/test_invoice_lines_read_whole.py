"""An invoice line the file states is read whole, or the file is refused naming the line
(``ledger/documents/lines.py``).

A tryout (2026-12-06) wrote one line's quantity as ``1E3`` (then ``abc``): the reader dropped
every line of the invoice without a word (``facts.lines`` None), and a re-issue so written,
its amount due lowered by a prepayment, escaped a bank's check and the regulator's comparison
(a re-issue is found by its lines when its amount due changed). Each sibling is tried here in
each format the readers take: UBL Invoice and CreditNote, CII D16B, CII in a Factur-X PDF and
ZUGFeRD 1.0; the quantity, the amount and the item, malformed or missing, on the first line and
on a later one. A free-text line (none of the three) carries no money and is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from documents_support import CORPUS_FILES, FIELDCASES, corpus_bytes, field_bytes
from lxml import etree
from test_doc_facturx import pdf_with

from ledger.documents import read_document
from ledger.documents.facturx import embedded_invoice
from ledger.errors import DocumentFormatError

UBL_NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CII_NS = {
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
}
ZF1_NS = {
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12"
}
ZF1_PDF = "zugferd1/ZUGFeRD_1p0_BASIC_Einfach.pdf"


@dataclass(frozen=True)
class Format:
    """Where a format writes a line and its three parts, and how a file of it is built."""

    name: str
    source: Callable[[], bytes]  # the XML of a valid file
    wrap: Callable[[bytes], bytes]  # the file as uploaded (a PDF for Factur-X and ZUGFeRD 1)
    ns: dict[str, str]
    line: str
    quantity: str
    amount: str
    item_paths: tuple[str, ...]  # the item name and the identifiers that stand for it
    field_line: str  # the line as the refusal names it

    def lines(self, root: etree._Element) -> list[etree._Element]:
        return list(root.iter(f"{{{self.ns[self.line.split(':')[0]]}}}{self.line.split(':')[1]}"))


def _zf1_xml() -> bytes:
    found = embedded_invoice(field_bytes(ZF1_PDF))
    assert found is not None
    return etree.tostring(found[1])


def _same(data: bytes) -> bytes:
    return data


UBL_ITEMS = (
    "cac:Item/cbc:Name",
    "cac:Item/cac:SellersItemIdentification/cbc:ID",
    "cac:Item/cac:StandardItemIdentification/cbc:ID",
)
CII_ITEMS = (
    "ram:SpecifiedTradeProduct/ram:Name",
    "ram:SpecifiedTradeProduct/ram:SellerAssignedID",
    "ram:SpecifiedTradeProduct/ram:GlobalID",
)
#: where CII D16B writes a line and its parts (as :class:`Format` takes them, after the source)
CII_D16B_PARTS = (
    CII_NS,
    "ram:IncludedSupplyChainTradeLineItem",
    "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity",
    "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/"
    "ram:LineTotalAmount",
    CII_ITEMS,
    "ram:IncludedSupplyChainTradeLineItem",
)
FORMATS = [
    Format(
        "UBL Invoice",
        lambda: corpus_bytes("ubl/ubl-tc434-example2.xml"),
        _same,
        UBL_NS,
        "cac:InvoiceLine",
        "cbc:InvoicedQuantity",
        "cbc:LineExtensionAmount",
        UBL_ITEMS,
        "cac:InvoiceLine",
    ),
    Format(
        "UBL CreditNote",
        lambda: corpus_bytes("ubl/ubl-tc434-creditnote1.xml"),
        _same,
        UBL_NS,
        "cac:CreditNoteLine",
        "cbc:CreditedQuantity",
        "cbc:LineExtensionAmount",
        UBL_ITEMS,
        "cac:CreditNoteLine",
    ),
    Format(
        "CII D16B",
        lambda: corpus_bytes("cii/CII_example2.xml"),
        _same,
        *CII_D16B_PARTS,
    ),
    Format(
        "Factur-X PDF",
        lambda: corpus_bytes("cii/CII_example2.xml"),
        lambda xml: pdf_with({"factur-x.xml": xml}),
        *CII_D16B_PARTS,
    ),
    Format(
        "ZUGFeRD 1.0 PDF",
        _zf1_xml,
        lambda xml: pdf_with({"ZUGFeRD-invoice.xml": xml}),
        ZF1_NS,
        "ram:IncludedSupplyChainTradeLineItem",
        "ram:SpecifiedSupplyChainTradeDelivery/ram:BilledQuantity",
        "ram:SpecifiedSupplyChainTradeSettlement/ram:SpecifiedTradeSettlementMonetarySummation/"
        "ram:LineTotalAmount",
        CII_ITEMS,
        "ram:IncludedSupplyChainTradeLineItem",
    ),
]
FORMAT_IDS = [f.name for f in FORMATS]


def _changed(fmt: Format, position: int, change: Callable[[etree._Element], None]) -> bytes:
    """The format's file with ``change`` made to its ``position``-th line (1-based)."""
    root = etree.fromstring(fmt.source())
    lines = fmt.lines(root)
    change(lines[min(position, len(lines)) - 1])
    return fmt.wrap(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _position(fmt: Format, wanted: int) -> int:
    """``wanted`` or, in a file of fewer lines, its last line."""
    return min(wanted, len(fmt.lines(etree.fromstring(fmt.source()))))


def _set(fmt: Format, path: str, text: str) -> Callable[[etree._Element], None]:
    def change(line: etree._Element) -> None:
        found = line.find(path, fmt.ns)
        assert found is not None, path
        found.text = text

    return change


def _remove(fmt: Format, *paths: str) -> Callable[[etree._Element], None]:
    def change(line: etree._Element) -> None:
        removed = 0
        for path in paths:
            for found in line.findall(path, fmt.ns):
                parent = found.getparent()
                assert parent is not None
                parent.remove(found)
                removed += 1
        assert removed, paths

    return change


def _refused(data: bytes) -> DocumentFormatError:
    with pytest.raises(DocumentFormatError) as caught:
        read_document(data)
    return caught.value


@pytest.mark.parametrize("fmt", FORMATS, ids=FORMAT_IDS)
def test_every_format_reads_its_lines_unchanged(fmt: Format) -> None:
    """The control: the untouched file's lines are read, one per line it states."""
    root = etree.fromstring(fmt.source())
    facts = read_document(fmt.wrap(fmt.source())).facts
    assert facts is not None
    assert facts.lines is not None
    assert len(facts.lines) == len(fmt.lines(root))


#: quantities an xs:decimal is not: exponent, words, a comma, NaN, infinity, hex, two points
BAD_NUMBERS = ["1E3", "1e3", "abc", "1,5", "NaN", "Infinity", "0x10", "1.2.3", "--1", "½"]


@pytest.mark.parametrize("wanted", [1, 2], ids=["first line", "a later line"])
@pytest.mark.parametrize("value", BAD_NUMBERS)
@pytest.mark.parametrize("fmt", FORMATS, ids=FORMAT_IDS)
def test_a_quantity_that_is_no_decimal_refuses_the_file_naming_the_line(
    fmt: Format, value: str, wanted: int
) -> None:
    position = _position(fmt, wanted)
    error = _refused(_changed(fmt, position, _set(fmt, fmt.quantity, value)))
    assert error.field == f"{fmt.field_line}[{position}]/{fmt.quantity}", error.field
    assert "must be a decimal number such as 1234.56" in error.rule
    assert "BT-129 Invoiced quantity" in error.rule
    assert f"line {position} of the " in error.rule
    assert error.details["line"] == position
    assert error.details["value"] == value


@pytest.mark.parametrize("value", ["1E3", "abc", "12,50", "1.2.3", "Infinity"])
@pytest.mark.parametrize("fmt", FORMATS, ids=FORMAT_IDS)
def test_a_line_amount_that_is_no_decimal_refuses_the_file_naming_the_line(
    fmt: Format, value: str
) -> None:
    position = _position(fmt, 2)
    error = _refused(_changed(fmt, position, _set(fmt, fmt.amount, value)))
    assert error.field == f"{fmt.field_line}[{position}]/{fmt.amount}", error.field
    assert "BT-131 Invoice line net amount" in error.rule
    assert error.details["value"] == value


@pytest.mark.parametrize(
    ("part", "term", "rule"),
    [
        ("quantity", "BT-129 Invoiced quantity", "BR-22"),
        ("amount", "BT-131 Invoice line net amount", "BR-24"),
        ("item", "BT-153 Item name", "BR-25"),
    ],
)
@pytest.mark.parametrize("how", ["removed", "blank"])
@pytest.mark.parametrize("fmt", FORMATS, ids=FORMAT_IDS)
def test_a_line_missing_one_of_its_three_parts_refuses_the_file(
    fmt: Format, part: str, term: str, rule: str, how: str
) -> None:
    position = _position(fmt, 2)
    paths = {"quantity": (fmt.quantity,), "amount": (fmt.amount,), "item": fmt.item_paths}[part]
    if how == "removed":
        change = _remove(fmt, *paths)
    else:

        def change(line: etree._Element) -> None:
            for path in paths:
                for found in line.findall(path, fmt.ns):
                    found.text = "  "

    error = _refused(_changed(fmt, position, change))
    assert error.field.startswith(f"{fmt.field_line}[{position}]/"), error.field
    assert f"required in every invoice line ({term}, EN 16931 {rule}" in error.rule
    assert error.details["line"] == position


@pytest.mark.parametrize("fmt", FORMATS, ids=FORMAT_IDS)
def test_an_item_known_by_its_identifier_alone_is_read(fmt: Format) -> None:
    """BT-153 missing but the seller's or a standard identifier given: the line is read."""
    root = etree.fromstring(fmt.source())
    ids = [line for line in fmt.lines(root) if line.find(fmt.item_paths[1], fmt.ns) is not None]
    ids += [line for line in fmt.lines(root) if line.find(fmt.item_paths[2], fmt.ns) is not None]
    if not ids:
        pytest.skip(f"no line of the {fmt.name} sample carries an item identifier")
    line = ids[0]
    named = line.find(fmt.item_paths[0], fmt.ns)
    assert named is not None
    parent = named.getparent()
    assert parent is not None
    parent.remove(named)
    facts = read_document(fmt.wrap(etree.tostring(root))).facts
    assert facts is not None
    assert facts.lines is not None
    assert len(facts.lines) == len(fmt.lines(root))


@pytest.mark.parametrize("fmt", FORMATS, ids=FORMAT_IDS)
def test_a_free_text_line_carries_no_money_and_is_skipped(fmt: Format) -> None:
    """A line stating none of item, quantity and amount (a ZUGFeRD 1.0 free-text line)."""
    root = etree.fromstring(fmt.source())
    first = fmt.lines(root)[0]
    parent = first.getparent()
    assert parent is not None
    prefix, local = fmt.line.split(":")
    parent.insert(parent.index(first) + 1, etree.Element(f"{{{fmt.ns[prefix]}}}{local}"))
    facts = read_document(fmt.wrap(etree.tostring(root))).facts
    plain = read_document(fmt.wrap(fmt.source())).facts
    assert facts is not None
    assert plain is not None
    assert facts.lines == plain.lines
    assert facts.lines


def _stated_lines(data: bytes) -> int:
    return len(
        re.findall(
            rb"<(?:\w+:)?(?:InvoiceLine|CreditNoteLine|IncludedSupplyChainTradeLineItem)[\s>]", data
        )
    )


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[p.name for p in CORPUS_FILES])
def test_every_corpus_invoice_is_read_with_every_line_it_states(path: Path) -> None:
    """No conformant file is refused for its lines, and none loses them."""
    data = path.read_bytes()
    facts = read_document(data).facts
    assert facts is not None
    stated = _stated_lines(data)
    assert stated
    assert facts.lines is not None
    assert len(facts.lines) == stated


FIELD_XML = sorted(p for p in FIELDCASES.rglob("*.xml"))


@pytest.mark.parametrize("path", FIELD_XML, ids=[p.name for p in FIELD_XML])
def test_every_field_case_invoice_keeps_its_lines(path: Path) -> None:
    data = path.read_bytes()
    facts = read_document(data).facts
    assert facts is not None
    if _stated_lines(data):
        assert facts.lines is not None
        assert len(facts.lines) == _stated_lines(data)


@pytest.mark.parametrize("fmt", FORMATS, ids=FORMAT_IDS)
def test_a_quantity_longer_than_200_characters_once_normalised_is_refused(fmt: Format) -> None:
    """It used to leave the file without lines, as an unreadable one did. Trailing zeros are
    normalised away first: a long way of writing a real quantity is read."""
    position = _position(fmt, 2)
    long_digits = "1" + "0" * 250  # (decimals are rounded to 28 digits: never this long)
    error = _refused(_changed(fmt, position, _set(fmt, fmt.quantity, long_digits)))
    assert error.field == f"{fmt.field_line}[{position}]/{fmt.quantity}", error.field
    assert "longer than 200 characters once normalised (EN 16931 BT-129" in error.rule
    assert (error.details["limit"], error.details["length"]) == (200, 251)
    zeros = read_document(_changed(fmt, position, _set(fmt, fmt.quantity, "2." + "0" * 250)))
    assert zeros.facts is not None
    assert zeros.facts.lines is not None
    assert "2" in [line.quantity for line in zeros.facts.lines]


@pytest.mark.parametrize("fmt", FORMATS[:2], ids=FORMAT_IDS[:2])
def test_a_ubl_line_amount_in_another_currency_refuses_the_file(fmt: Format) -> None:
    """Tryout 52: a line amount in EUR on a NOK invoice was read as NOK."""
    position = _position(fmt, 2)

    def change(line: etree._Element) -> None:
        found = line.find(fmt.amount, fmt.ns)
        assert found is not None
        found.set("currencyID", "EUR" if found.get("currencyID") != "EUR" else "USD")

    error = _refused(_changed(fmt, position, change))
    assert error.field == f"{fmt.field_line}[{position}]/{fmt.amount}/@currencyID", error.field
    assert "must be the document currency" in error.rule
    assert "PEPPOL-EN16931-R051" in error.rule
    assert error.details["line"] == position
