"""A re-issue that re-cuts a line *and* re-types its buyer's id still meets the financed
invoice, by its seller, amount due and delivery references (``mark_seller_amount`` of two
invoices that state lines and the same references: tryout 79 financed such a copy of the
field cases' re-issued invoice at a second bank, unseen)."""

from __future__ import annotations

import re

from documents_support import field_bytes

from ledger.documents.detect import read_document
from ledger.documents.marks import MarkKind, mark_inputs

ORIGINAL = field_bytes("reissue/a-original-471102.cii.xml")
LINE = re.compile(
    rb"<ram:IncludedSupplyChainTradeLineItem>.*?</ram:IncludedSupplyChainTradeLineItem>", re.S
)


def _met(original: bytes, copy: bytes) -> set[MarkKind]:
    carried = {m.oprf_input() for m in mark_inputs(read_document(original).facts) if m.carried}
    looked = [m for m in mark_inputs(read_document(copy).facts) if m.looked_for]
    return {m.kind for m in looked if m.oprf_input() in carried}


def _recut(data: bytes, delivered: bytes = b"20180305") -> bytes:
    """``data`` under a new number and issue date, its first line (20 x 9.90) cut into two of
    10 x 9.90, its buyer's id re-typed, delivered on ``delivered``."""
    first = LINE.search(data)
    assert first is not None
    half = first.group(0).replace(b">20.0000<", b">10.0000<").replace(b">198.00<", b">99.00<")
    second = half.replace(b"<ram:LineID>1</ram:LineID>", b"<ram:LineID>1b</ram:LineID>")
    out = data.replace(first.group(0), half + second, 1)
    out = out.replace(b"<ram:ID>471102</ram:ID>", b"<ram:ID>RE-2018-0100</ram:ID>", 1)
    out = out.replace(b">20180305<", b">20180320<", 1)  # the issue date (BT-2) comes first
    out = out.replace(b"<ram:ID>GE2020211</ram:ID>", b"<ram:ID>GE2020212</ram:ID>", 1)
    at = out.rindex(b">20180305<")  # the delivery date (BT-72)
    return out[:at] + b">" + delivered + b"<" + out[at + len(b">20180305<") :]


def test_a_recut_reissue_with_its_buyer_retyped_meets_on_seller_amount_and_references() -> None:
    copy = _recut(ORIGINAL)
    facts = read_document(copy).facts
    assert facts is not None
    assert facts.amount_due_minor == 52_987  # the same amount due, its totals adding up
    assert MarkKind.SELLER_AMOUNT in _met(ORIGINAL, copy)
    assert MarkKind.SELLER_AMOUNT in _met(copy, ORIGINAL)


def test_another_delivery_of_the_same_amount_meets_no_seller_amount_mark() -> None:
    """The control: the seller's invoice of the same amount delivered another day (another
    delivery) is another invoice."""
    other = _recut(ORIGINAL, delivered=b"20180402")
    assert MarkKind.SELLER_AMOUNT not in _met(ORIGINAL, other)
