"""``mark_reissue`` by each seller key compares an invoice's lines by quantity and net amount
alone when it has two lines or more, and by item too when it has one
(``ledger.documents.marks``; tryout 61 re-issued a 20-line invoice with one item renamed under
a new number and date, and it met nothing at a second bank)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from ledger.documents.detect import read_document
from ledger.documents.marks import MarkKind, mark_inputs
from tests.conftest import CORPUS
from tests.documents.documents_support import field_bytes, lines_merged

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


def test_other_line_amounts_for_another_buyer_meet_no_reissue_mark() -> None:
    """The control: the seller's invoice of the same amount due to another buyer with 1.00
    moved from one line to another is another invoice (its net amounts differ)."""
    amounts = re.findall(rb'<cbc:LineExtensionAmount currencyID="EUR">([^<]*)<', EXAMPLE)
    first, second = (Decimal(a.decode()) for a in amounts[1:3])  # [0] is the document total
    moved = EXAMPLE.replace(f'"EUR">{first}<'.encode(), f'"EUR">{first + 1}<'.encode(), 1).replace(
        f'"EUR">{second}<'.encode(), f'"EUR">{second - 1}<'.encode(), 1
    )
    other = _renumbered(
        moved.replace(b"<cbc:ID>10202</cbc:ID>", b"<cbc:ID>99999</cbc:ID>", 1), "12115999"
    )
    assert not _met(EXAMPLE, other) & {MarkKind.REISSUE, MarkKind.AMOUNT}


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


# -- tryout 62: the lines re-cut, every amount kept ------------------------------------------

FIRST = LINE.search(EXAMPLE)
assert FIRST is not None
FIRST_LINE = FIRST.group(0)


def _first_line_as(*lines: bytes) -> bytes:
    """The example with its first line (2 x 9.95 = 19.90) written as ``lines``."""
    return EXAMPLE.replace(FIRST_LINE, b"".join(lines), 1)


def _line(quantity: str, amount: str, price: str) -> bytes:
    return (
        FIRST_LINE.replace(
            b'">2</cbc:InvoicedQuantity>', f'">{quantity}</cbc:InvoicedQuantity>'.encode()
        )
        .replace(
            b'">19.90</cbc:LineExtensionAmount>', f'">{amount}</cbc:LineExtensionAmount>'.encode()
        )
        .replace(b'">9.95</cbc:PriceAmount>', f'">{price}</cbc:PriceAmount>'.encode())
    )


RECUT = {
    "one-at-the-double-price": _first_line_as(_line("1", "19.90", "19.90")),
    "a-line-of-nothing-added": _first_line_as(FIRST_LINE, _line("1", "0.00", "0.00")),
    "split-into-two-lines": _first_line_as(_line("1", "9.95", "9.95"), _line("1", "9.95", "9.95")),
}


@pytest.mark.parametrize("name", sorted(RECUT))
def test_a_reissue_with_its_lines_recut_meets_a_mark(name: str) -> None:
    copy = _renumbered(RECUT[name], "12115201").replace(
        b"<cbc:IssueDate>2015-01-09<", b"<cbc:IssueDate>2015-02-11<", 1
    )
    facts, original = read_document(copy).facts, read_document(EXAMPLE).facts
    assert facts is not None
    assert original is not None
    assert facts.amount_due_minor == original.amount_due_minor  # every amount kept
    met = _met(EXAMPLE, copy)
    assert met & {MarkKind.REISSUE, MarkKind.AMOUNT}, (name, met)


def test_the_same_lines_recut_for_another_buyer_meet_no_amount_mark() -> None:
    """The control of the amount mark between invoices that state lines: it names the buyer
    (another buyer's invoice of the same amount is another receivable, unless its lines say
    otherwise)."""
    other_buyer = RECUT["split-into-two-lines"].replace(
        b"<cbc:ID>10202</cbc:ID>", b"<cbc:ID>99999</cbc:ID>", 1
    )
    assert MarkKind.AMOUNT not in _met(EXAMPLE, _renumbered(other_buyer, "12115202"))


def test_a_monthly_invoice_that_states_its_period_meets_no_amount_mark() -> None:
    """Two months of one seller and buyer for the same amount, each stating its invoicing
    period (BG-14), are two receivables."""
    period = (
        b"<cac:InvoicePeriod><cbc:StartDate>2015-0{m}-01</cbc:StartDate>"
        b"<cbc:EndDate>2015-0{m}-28</cbc:EndDate></cac:InvoicePeriod>"
    )
    anchor = b"<cac:AccountingSupplierParty>"
    january = EXAMPLE.replace(anchor, period.replace(b"{m}", b"1") + anchor, 1)
    february = _renumbered(
        RECUT["split-into-two-lines"].replace(anchor, period.replace(b"{m}", b"2") + anchor, 1),
        "12115203",
    )
    assert MarkKind.AMOUNT not in _met(january, february)


def _in_usd(data: bytes) -> bytes:
    return data.replace(b'currencyID="EUR"', b'currencyID="USD"').replace(b">EUR<", b">USD<")


def test_a_reissue_in_another_currency_meets_on_its_items() -> None:
    copy = _renumbered(_in_usd(EXAMPLE), "12115300")
    assert _met(EXAMPLE, copy) == {MarkKind.ITEMS}


def test_other_quantities_in_another_currency_meet_nothing() -> None:
    """The control: the same items in other quantities, in USD, are another invoice."""
    other = _renumbered(_in_usd(_first_line_as(_line("3", "29.85", "9.95"))), "12115301")
    assert not _met(EXAMPLE, other)


# -- tryout 63 ---------------------------------------------------------------------------------


def test_one_line_invoices_of_a_fixed_fee_each_month_meet_nothing() -> None:
    """A seller's monthly invoice of one line at a fixed fee, its month in the item, to one
    buyer, stating no period: another invoice every month (tryout 63 was asked to acknowledge
    May's against June's)."""
    single = _one_line(EXAMPLE)
    item = re.search(rb"<cac:Item>\s*<cbc:Name>([^<]*)<", single)
    assert item is not None
    may = _renumbered(single.replace(item.group(1), b"Retainer fee May 2024", 1), "20240503")
    june = _renumbered(single.replace(item.group(1), b"Retainer fee June 2024", 1), "20240603")
    assert _met(may, june) == set()


def test_the_field_cases_two_invoices_of_the_same_lines_meet_no_mark() -> None:
    """``FV 1/12/2023`` and ``FV 11/2/2023`` (one seller and buyer, the same lines, another
    amount due and date) are two invoices, both to be financed without a word
    (``fieldcases/number-collision``): no mark of one meets the other — the reason a
    re-issue with a prepayment stated and its items renamed (tryout 63) is not asked either."""
    first = field_bytes("number-collision/a-FV-1-12-2023.xml")
    second = field_bytes("number-collision/b-FV-11-2-2023.xml")
    assert _met(first, second) == set()
    assert _met(second, first) == set()


# -- tryout 68: the lines merged into one ------------------------------------------------------


def test_a_reissue_with_its_lines_merged_into_one_meets_the_amount_mark() -> None:
    """The example's 20 lines merged into one under a new number and date, its seller, buyer
    and amount due kept: financed at a bank that held the original, unseen (tryout 68)."""
    copy = _renumbered(lines_merged(EXAMPLE), "66660011").replace(
        b"<cbc:IssueDate>2015-01-09<", b"<cbc:IssueDate>2016-05-25<", 1
    )
    facts, original = read_document(copy).facts, read_document(EXAMPLE).facts
    assert facts is not None
    assert original is not None
    assert len(facts.lines or ()) == 1
    assert facts.amount_due_minor == original.amount_due_minor
    assert MarkKind.AMOUNT in _met(EXAMPLE, copy)
    # the other way round as before: the 20 lines look for every lined invoice's amount mark
    assert MarkKind.AMOUNT in _met(copy, _renumbered(EXAMPLE, "66660012"))


def test_a_merged_reissue_whose_totals_no_longer_add_up_meets_by_the_amount_it_states() -> None:
    """Its lines merged and its VAT breakdown left as it was: it states the original's 250.33
    EUR due, its totals give less (BR-CO-16), and its marks by that lesser amount met none of
    the original's (tryout 71). It looks for them by the amount it states too."""
    copy = _renumbered(lines_merged(EXAMPLE, totals=False), "66660015")
    facts = read_document(copy).facts
    assert facts is not None
    assert facts.amount_minor == 25_033
    assert facts.amount_due_minor is not None
    assert facts.amount_due_minor < 25_033  # what its totals give
    assert MarkKind.AMOUNT in _met(EXAMPLE, copy)
    assert MarkKind.AMOUNT in _met(copy, _renumbered(EXAMPLE, "66660016"))  # and carries them


def test_the_merged_line_for_another_buyer_or_amount_meets_no_amount_mark() -> None:
    """The controls: one line of the same amount to another buyer, or of another amount to
    the same buyer, is another invoice."""
    merged = _renumbered(lines_merged(EXAMPLE), "66660013")
    other_buyer = merged.replace(b"<cbc:ID>10202</cbc:ID>", b"<cbc:ID>99999</cbc:ID>", 1)
    assert MarkKind.AMOUNT not in _met(EXAMPLE, other_buyer)
    # the same line at 206.89 net: 250.34 due
    other_amount = merged.replace(b'"EUR">206.88<', b'"EUR">206.89<').replace(
        b'"EUR">250.33<', b'"EUR">250.34<'
    )
    facts = read_document(other_amount).facts
    assert facts is not None
    assert facts.amount_due_minor == 25_034
    assert MarkKind.AMOUNT not in _met(EXAMPLE, other_amount)


@pytest.mark.parametrize("item", [b"Levering horeca-artikelen", b"PATAT FRITES 10MM 10KG", b"x"])
def test_a_merged_reissue_meets_whatever_its_line_is_called(item: bytes) -> None:
    copy = _renumbered(lines_merged(EXAMPLE, item), "66660014")
    assert MarkKind.AMOUNT in _met(EXAMPLE, copy)
