"""A re-issue that leaves out the delivery references its original states — the delivery date
(BT-72), an order reference — under a new number and date is suspected at another bank, as a
pair lodged at one gateway is: an invoice that states references carries its marks by them and
by "some references", and looks for the ones by none; one that states none looks for "some
references" too. Two invoices stating *other* references (a monthly invoice of the same lines
naming its period) still never meet on those marks.

Tryout 88 re-issued the field cases' invoice 471102 (delivery date 2018-03-05) as ``RE-99-0815``
of another date with the delivery date left out: Bank B's check read "no matching file", and its
financing was made with no acknowledgement asked for, while Bank A's financing held the
original."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ledger.documents import read_document
from ledger.documents.marks import MORE_THAN, OTHER_KIND, MarkInput, MarkKind, mark_inputs
from tests.api.api_helpers import check, client_fixture, finance, lodge

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]

HERE = Path(__file__).parent
CII = (HERE / "fieldcases/reissue/a-original-471102.cii.xml").read_bytes()
#: the EN 16931 example TOSL108 stating its delivery date alone (its invoicing period, order
#: and contract references removed: a re-issue keeping those is the same delivery by them)
UBL = re.sub(
    rb"\n    <cac:(InvoicePeriod|OrderReference|ContractDocumentReference)>.*?</cac:\1>",
    b"",
    (HERE.parent / "data/einvoices/ubl/ubl-tc434-example2.xml").read_bytes(),
    count=3,
    flags=re.S,
)
_CII_DELIVERY = re.compile(
    rb"<ram:ActualDeliverySupplyChainEvent>.*?</ram:ActualDeliverySupplyChainEvent>", re.S
)
_UBL_DELIVERY_DATE = re.compile(rb"<cbc:ActualDeliveryDate>[^<]*</cbc:ActualDeliveryDate>")


def _cii_reissued(*, delivery: bytes | None) -> bytes:
    """The CII under number RE-99-0815, issued 2018-04-20, its delivery date ``delivery``
    (CCYYMMDD) or left out."""
    out = CII.replace(b"<ram:ID>471102</ram:ID>", b"<ram:ID>RE-99-0815</ram:ID>", 1)
    out = out.replace(b">20180305</udt:DateTimeString>", b">20180420</udt:DateTimeString>", 1)
    assert out.count(b"RE-99-0815") == 1
    if delivery is None:
        return _CII_DELIVERY.sub(b"", out, count=1)
    return out.replace(
        b'<udt:DateTimeString format="102">20180305</udt:DateTimeString>\n        '
        b"</ram:OccurrenceDateTime>",
        b'<udt:DateTimeString format="102">'
        + delivery
        + b"</udt:DateTimeString>\n        </ram:OccurrenceDateTime>",
        1,
    )


def _ubl_reissued(*, delivery: str | None) -> bytes:
    """The UBL under number TOSL108-R, issued 2013-07-31, its delivery date ``delivery`` or
    left out."""
    out = UBL.replace(b"<cbc:ID>TOSL108</cbc:ID>", b"<cbc:ID>TOSL108-R</cbc:ID>", 1)
    out = out.replace(b"<cbc:IssueDate>2013-06-30<", b"<cbc:IssueDate>2013-07-31<", 1)
    if delivery is None:
        return _UBL_DELIVERY_DATE.sub(b"", out, count=1)
    return _UBL_DELIVERY_DATE.sub(
        f"<cbc:ActualDeliveryDate>{delivery}</cbc:ActualDeliveryDate>".encode(), out, count=1
    )


def _marks(data: bytes) -> list[MarkInput]:
    facts = read_document(data).facts
    assert facts is not None
    return mark_inputs(facts)


def _met(financed: bytes, checked: bytes) -> set[MarkKind]:
    """The kinds of the marks a financing of ``financed`` carries that a check of ``checked``
    looks for."""
    carried = {m.oprf_input() for m in _marks(financed) if m.carried}
    return {m.kind for m in _marks(checked) if m.looked_for and m.oprf_input() in carried}


def _references(data: bytes) -> dict[str, str]:
    facts = read_document(data).facts
    assert facts is not None
    return dict(facts.reference_map)


def test_the_variants_state_what_they_say() -> None:
    assert _references(CII) == {"delivery_date": "2018-03-05"}
    assert _references(_cii_reissued(delivery=None)) == {}
    assert _references(_cii_reissued(delivery=b"20180401")) == {"delivery_date": "2018-04-01"}
    assert _references(UBL) == {"delivery_date": "2013-06-15"}
    assert _references(_ubl_reissued(delivery=None)) == {}


@pytest.mark.parametrize(
    ("original", "reissue"),
    [
        (CII, _cii_reissued(delivery=None)),
        (UBL, _ubl_reissued(delivery=None)),
    ],
    ids=["CII", "UBL"],
)
def test_a_reissue_without_the_references_meets_either_way(original: bytes, reissue: bytes) -> None:
    """The original financed and the re-issue checked, and the other way round."""
    assert MarkKind.REISSUE in _met(original, reissue)
    assert MarkKind.REISSUE in _met(reissue, original)


@pytest.mark.parametrize(
    ("original", "other_delivery"),
    [
        (CII, _cii_reissued(delivery=b"20180401")),
        (UBL, _ubl_reissued(delivery="2013-07-15")),
    ],
    ids=["CII", "UBL"],
)
def test_two_invoices_of_other_deliveries_still_do_not_meet(
    original: bytes, other_delivery: bytes
) -> None:
    """The same lines delivered again on another date (a monthly invoice): none of the marks
    that name delivery references meets, either way."""
    by_references = {MarkKind.REISSUE, MarkKind.ITEMS, MarkKind.SPLIT, MarkKind.ORDER}
    assert not _met(original, other_delivery) & by_references
    assert not _met(other_delivery, original) & by_references


def test_an_invoice_stating_none_carries_nothing_new() -> None:
    """What an invoice without references carries is what it carried before: the marks by
    "some references" are only looked for."""
    marks = _marks(_cii_reissued(delivery=None))
    assert not [m for m in marks if m.carried and "some references" in m.fields]
    assert [m for m in marks if m.looked_for and "some references" in m.fields]


def _cii_with_order(data: bytes, order: str) -> bytes:
    """``data`` (a CII) stating the buyer's order reference ``order`` (BT-13) too."""
    closing = b"      </ram:BuyerTradeParty>\n"
    assert data.count(closing) == 1
    return data.replace(
        closing,
        closing
        + b"      <ram:BuyerOrderReferencedDocument>\n        <ram:IssuerAssignedID>"
        + order.encode()
        + b"</ram:IssuerAssignedID>\n      </ram:BuyerOrderReferencedDocument>\n",
    )


def _ubl_with_order(data: bytes, order: str) -> bytes:
    """``data`` (a UBL invoice) stating the buyer's order reference ``order`` (BT-13) too."""
    before = b"    <cac:AccountingSupplierParty>"
    assert data.count(before) == 1
    return data.replace(
        before,
        b"    <cac:OrderReference>\n        <cbc:ID>"
        + order.encode()
        + b"</cbc:ID>\n    </cac:OrderReference>\n"
        + before,
    )


def test_the_order_variants_state_what_they_say() -> None:
    reissue = _cii_with_order(_cii_reissued(delivery=b"20180305"), "PO-4711")
    assert _references(reissue) == {"delivery_date": "2018-03-05", "order": "PO-4711"}
    ubl = _ubl_with_order(_ubl_reissued(delivery="2013-06-15"), "PO-4711")
    assert _references(ubl) == {"delivery_date": "2013-06-15", "order": "PO-4711"}


@pytest.mark.parametrize(
    ("original", "reissue"),
    [
        (CII, _cii_with_order(_cii_reissued(delivery=b"20180305"), "PO-4711")),
        (UBL, _ubl_with_order(_ubl_reissued(delivery="2013-06-15"), "PO-4711")),
        (
            _cii_with_order(CII, "PO-4711"),
            _cii_with_order(_cii_reissued(delivery=None), "PO-4711"),
        ),
        (CII, _cii_with_order(_cii_reissued(delivery=None), "PO-4711")),
        (UBL, _ubl_with_order(_ubl_reissued(delivery=None), "PO-4711")),
    ],
    ids=[
        "CII-adds-order",
        "UBL-adds-order",
        "CII-drops-delivery-date-keeps-order",
        "CII-delivery-date-for-an-order",
        "UBL-delivery-date-for-an-order",
    ],
)
def test_a_reissue_one_reference_apart_meets_either_way(original: bytes, reissue: bytes) -> None:
    """Tryout 90: a re-issue under a new number and date that keeps the delivery date and adds
    an order reference (or keeps the order and drops the delivery date, or states an order
    where its original stated its delivery date) met nothing at a second bank; the same pair
    lodged at one gateway is suspected (no reference contradicts)."""
    assert MarkKind.REISSUE in _met(original, reissue)
    assert MarkKind.REISSUE in _met(reissue, original)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (_cii_with_order(CII, "PO-4711"), _cii_with_order(_cii_reissued(delivery=None), "PO-4712")),
        (
            _cii_with_order(CII, "PO-4711"),
            _cii_with_order(_cii_reissued(delivery=b"20180305"), "PO-4712"),
        ),
        (
            _cii_with_order(CII, "PO-4711"),
            _cii_with_order(_cii_reissued(delivery=b"20180401"), "PO-4711"),
        ),
        (CII, _cii_with_order(_cii_reissued(delivery=b"20180401"), "PO-4711")),
        (
            _ubl_with_order(UBL, "PO-4711"),
            _ubl_with_order(_ubl_reissued(delivery="2013-06-15"), "PO-4712"),
        ),
    ],
    ids=[
        "other-order-no-date",
        "same-date-other-order",
        "same-order-other-date",
        "other-date-order-added",
        "UBL-same-date-other-order",
    ],
)
def test_invoices_whose_references_contradict_still_do_not_meet(one: bytes, other: bytes) -> None:
    """The same lines for another order, or delivered on another date: a reference both state
    differs, which clears the pair at one gateway too; no mark that names references meets."""
    by_references = {MarkKind.REISSUE, MarkKind.ITEMS, MarkKind.SPLIT, MarkKind.ORDER}
    assert not _met(one, other) & by_references
    assert not _met(other, one) & by_references


def test_the_marks_apart_cost_what_the_docs_say() -> None:
    """By the first re-issue mark (each mark looked for costs the checking bank one input of
    its allowance): an invoice stating one reference looks for two marks more and carries four
    more (one for each other kind of reference); one stating two looks for three more (the
    mark by each one alone, and "these and more" the two) and carries two more ("these and
    more" each one alone); one stating three looks for seven and carries six (every smaller
    set); and, for each reference left out, one stating N references looks for one mark by its
    kind beside the others and carries one by each of the 5 - N kinds it does not state."""

    def apart(marks: list[MarkInput]) -> tuple[int, int]:
        first = next(m for m in marks if m.kind is MarkKind.REISSUE).fields[:-1]
        new = [
            m
            for m in marks
            if m.kind is MarkKind.REISSUE
            and (
                str(m.fields[-1]).startswith((MORE_THAN, OTHER_KIND))
                or (str(m.fields[-1]).startswith("[[") and not m.carried)
            )
        ]
        assert all(m.fields[:-1] == first for m in new)
        return len([m for m in new if m.looked_for]), len([m for m in new if m.carried])

    assert apart(_marks(CII)) == (2, 4)  # these and more, and its kind; every other kind
    # and, for each one left out, its kind beside the other; each of the three other kinds
    assert apart(_marks(_cii_with_order(CII, "PO-4711"))) == (3 + 2, 2 + 6)
    v07 = _marks(_tryout_91("v07-reissue-order-and-despatch-added.cii.xml"))
    assert apart(v07) == (7 + 3, 6 + 6)


def _tryout_91(name: str) -> bytes:
    return (HERE / "tryouts" / f"t91-{name}").read_bytes()


@pytest.mark.parametrize(
    "name",
    [
        "v03-reissue-order-added-delivery-dropped.cii.xml",
        "v07-reissue-order-and-despatch-added.cii.xml",
        "v12-reissue-line-recut-order-added.cii.xml",
        "u05-reissue-ubl-recut-despatch-added.ubl.xml",
    ],
)
def test_tryout_91s_reissues_meet_either_way(name: str) -> None:
    """Tryout 91's re-issues of its base invoice (delivery date only) under a new number and
    date: an order and a despatch advice added (two references more), its lines re-cut with an
    order or a despatch advice added (the re-issue marks by lines then differ: the marks by its
    amount meet), its delivery date swapped for an order. Each was financed at a second bank
    unseen."""
    base, reissue = _tryout_91("base.cii.xml"), _tryout_91(name)
    assert _met(base, reissue) & {MarkKind.REISSUE, MarkKind.AMOUNT}
    assert _met(reissue, base) & {MarkKind.REISSUE, MarkKind.AMOUNT}


@pytest.mark.parametrize(
    "name",
    [
        "v04-reissue-delivery-changed.cii.xml",
        "v08-reissue-delivery-changed-order-added.cii.xml",
        "v10-genuine-next-delivery.cii.xml",
    ],
)
def test_tryout_91s_other_deliveries_do_not_meet(name: str) -> None:
    """The same lines delivered on another date (an order added or not): another delivery, as
    the local check clears it; no mark that names references meets."""
    base, other = _tryout_91("base.cii.xml"), _tryout_91(name)
    by_references = {MarkKind.REISSUE, MarkKind.ITEMS, MarkKind.SPLIT, MarkKind.ORDER}
    assert not _met(base, other) & by_references
    assert not _met(other, base) & by_references
    # mark_amount meets only between an invoice without lines and one with: both state lines
    assert MarkKind.AMOUNT not in _met(base, other) | _met(other, base)


@pytest.mark.parametrize(
    "reissue",
    [
        _cii_reissued(delivery=None),
        _cii_with_order(_cii_reissued(delivery=b"20180305"), "PO-4711"),
    ],
    ids=["delivery-date-left-out", "order-added"],
)
def test_a_second_bank_is_told_of_the_reissue(
    client: TestClient, network: Network, reissue: bytes
) -> None:
    """Through the API: Bank A finances the original stating its delivery date; Bank B's check
    of a re-issue without it (tryout 88), or keeping it and adding an order reference (tryout
    90), is suspicious, naming Bank A's financing, and its financing waits for an
    acknowledgement."""
    original = lodge(client, network.bank, CII)
    made = finance(client, network.bank, original["doc_hash"], amount=50_000, currency="EUR")
    assert made.status_code == 201, made.text
    fid = made.json()["financing_id"]

    checked = check(client, network.bank_b, reissue)
    [suspicion] = [s for s in checked["suspicions"] if s["kind"] == "reissue"]
    assert fid in suspicion["financings"], checked["suspicions"]

    lodged = lodge(client, network.bank_b, reissue)
    refused = finance(client, network.bank_b, lodged["doc_hash"], amount=50_000, currency="EUR")
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "suspicions_unacknowledged"


def test_a_reference_moved_into_another_kind_meets_either_way() -> None:
    """Tryout 92: a re-issue under a new number and date with its order number moved into a
    despatch advice reference, its delivery date kept, was financed at a third bank unseen."""
    here = HERE / "tryouts"
    original = (here / "t92-s1-orig-INV-2024-0100.xml").read_bytes()
    moved = (here / "t92-r10-reissue-despatch-swap.xml").read_bytes()
    assert _references(original) == {"delivery_date": "2024-02-27", "order": "PO-7781"}
    assert _references(moved) == {"delivery_date": "2024-02-27", "despatch": "PO-7781"}
    assert MarkKind.REISSUE in _met(original, moved)
    assert MarkKind.REISSUE in _met(moved, original)
