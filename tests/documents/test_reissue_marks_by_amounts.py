"""``mark_reissue`` by each seller key compares an invoice's lines by quantity and net amount
alone when it has two lines or more, and by item too when it has one
(``ledger.documents.marks``; tryout 61 re-issued a 20-line invoice with one item renamed under
a new number and date, and it met nothing at a second bank)."""

from __future__ import annotations

import re

from ledger.documents.detect import read_document
from ledger.documents.marks import MarkKind, mark_inputs
from tests.conftest import CORPUS

EXAMPLE = (CORPUS / "ubl" / "ubl-tc434-example1.xml").read_bytes()
LINE = re.compile(rb"<cac:InvoiceLine>.*?</cac:InvoiceLine>", re.S)


def _met(original: bytes, copy: bytes) -> set[MarkKind]:
    """The kinds of the marks ``copy`` looks for that a financing of ``original`` carries."""
    carried = {m.oprf_input() for m in mark_inputs(read_document(original).facts) if m.carried}
    looked = [m for m in mark_inputs(read_document(copy).facts) if m.looked_for]
    return {m.kind for m in looked if m.oprf_input() in carried}


def _renumbered(data: bytes, number: str) -> bytes:
    return data.replace(b"<cbc:ID>12115118</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>".encode(), 1)


def _one_line(data: bytes) -> bytes:
    lines = LINE.findall(data)
    assert len(lines) > 1
    for line in lines[1:]:
        data = data.replace(line, b"", 1)
    return data


def test_a_reissue_with_an_item_renamed_meets_on_its_quantities_and_amounts() -> None:
    copy = _renumbered(EXAMPLE.replace(b"SUIKERKLONT<", b"SUIKERKLONTJE<"), "12115999")
    assert MarkKind.REISSUE in _met(EXAMPLE, copy)


def test_a_reissue_with_a_quantity_changed_does_not() -> None:
    quantity = re.search(rb'(<cbc:InvoicedQuantity unitCode="[^"]*">)([^<]*)<', EXAMPLE)
    assert quantity is not None
    changed = EXAMPLE.replace(quantity.group(0), quantity.group(1) + b"999<", 1)
    assert MarkKind.REISSUE not in _met(EXAMPLE, _renumbered(changed, "12115999"))


def test_an_invoice_of_one_line_is_compared_by_its_item_too() -> None:
    """A seller's invoice of one line at a fixed fee, its month in the item's text, is another
    invoice every month: the same quantity and amount under another item meet no re-issue
    mark; the same item does."""
    single = _one_line(EXAMPLE)
    item = re.search(rb"<cac:Item>\s*<cbc:Name>([^<]*)<", single)
    assert item is not None
    other_item = _renumbered(single.replace(item.group(1), b"ANOTHER ARTICLE", 1), "12115999")
    assert MarkKind.REISSUE not in _met(single, other_item)
    assert MarkKind.REISSUE in _met(single, _renumbered(single, "12115999"))
