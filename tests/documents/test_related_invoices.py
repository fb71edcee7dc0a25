"""The re-issues and splits among a set of files (``suspicion.related_invoices``): what the
regulator's re-check compares the files of different banks' financings with (tryout 47: a part
issued another day, against the same order, financed at a bank holding only that part)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from documents_support import field_doc, renumbered

from ledger.documents.facts import DocumentFacts, Line
from ledger.documents.suspicion import related_invoices

ORIGINAL = "split/a-original-471102.cii.xml"


def _whole() -> DocumentFacts:
    facts = field_doc(ORIGINAL).facts
    assert facts is not None
    assert facts.issue_date is not None
    return replace(renumbered(facts, "W-1", 10_000), references=(("order", "PO-7"),))


def test_a_part_issued_another_day_against_the_same_order_is_grouped_with_its_whole() -> None:
    whole = _whole()
    assert whole.issue_date is not None
    part = replace(
        renumbered(whole, "P-1", 6_000),
        lines=whole.lines[:1] if whole.lines else None,
        issue_date=whole.issue_date + timedelta(days=9),
    )
    [group] = related_invoices([("w", whole), ("p", part)])
    assert group.kind == "split"
    assert [(f.ident, f.role) for f in group.files] == [("w", "whole"), ("p", "part")]
    assert group.amount_due == 10_000
    assert group.files[1].issue_date == part.issue_date
    assert any(r.startswith("invoice P-1: ") and "same order PO-7" in r for r in group.reasons)


def test_parts_that_add_up_are_one_group_with_their_whole() -> None:
    whole = replace(_whole(), references=())
    first = replace(renumbered(whole, "P-1", 4_000), issue_date=None)
    second = replace(renumbered(whole, "P-2", 6_000), issue_date=None)
    [group] = related_invoices([("p1", first), ("w", whole), ("p2", second)])
    assert group.kind == "split"
    assert group.files[0].ident == "w"
    assert {f.ident for f in group.files[1:]} == {"p1", "p2"}
    assert {f.role for f in group.files[1:]} == {"part"}


def test_an_invoice_and_its_re_issues_are_one_group_the_earliest_first() -> None:
    original = _whole()
    assert original.issue_date is not None
    later = replace(
        renumbered(original, "R-1", 10_000), issue_date=original.issue_date + timedelta(1)
    )
    latest = replace(
        renumbered(original, "R-2", 10_000), issue_date=original.issue_date + timedelta(5)
    )
    [group] = related_invoices([("r2", latest), ("o", original), ("r1", later)])
    assert group.kind == "reissue"
    assert [(f.ident, f.role) for f in group.files] == [
        ("o", "original"),
        ("r1", "reissue"),
        ("r2", "reissue"),
    ]
    assert all(not r.startswith("invoice W-1: ") for r in group.reasons)  # said of re-issues
    assert any(r.startswith("invoice R-2: ") for r in group.reasons)


def test_invoices_of_different_orders_or_no_tie_are_not_grouped() -> None:
    whole = _whole()
    assert whole.issue_date is not None
    other_order = replace(renumbered(whole, "P-1", 6_000), references=(("order", "PO-8"),))
    untied = replace(
        renumbered(whole, "P-2", 3_000),
        lines=whole.lines[:1] if whole.lines else None,
        references=(),
        issue_date=whole.issue_date + timedelta(days=30),
    )
    assert related_invoices([("w", whole), ("o", other_order), ("u", untied)]) == []


def test_only_the_peers_given_are_compared() -> None:
    whole = _whole()
    part = renumbered(whole, "P-1", 6_000)
    assert related_invoices([("w", whole), ("p", part)], peers=lambda _: ()) == []
    assert len(related_invoices([("w", whole), ("p", part)], peers=lambda _: ("w", "p"))) == 1


def test_the_same_lines_under_a_lower_amount_due_another_day_are_a_re_issue() -> None:
    """Tryout 46: the demo invoice re-issued with a prepayment (BT-113) under a new number and
    date, no reference shared: neither a re-issue (another amount due) nor a tied part. Its
    lines are the original's, each for the same amount: a re-issue, its amount due changed."""
    original = replace(_whole(), references=())
    assert original.issue_date is not None
    prepaid = replace(
        renumbered(original, "R-9", 9_500), issue_date=original.issue_date + timedelta(days=40)
    )
    [group] = related_invoices([("o", original), ("r", prepaid)])
    assert group.kind == "reissue"
    assert [(f.ident, f.role) for f in group.files] == [("o", "original"), ("r", "reissue")]
    assert group.amount_due == 9_500  # what is left to pay
    [why] = group.reasons
    assert why.startswith("invoice R-9: same seller, buyer and "), why
    assert "its amount due changed: " in why
    assert "a prepayment, BT-113" in why


def test_an_invoice_its_re_issue_and_a_part_of_it_are_one_receivable() -> None:
    """Tryout 48: the original, a part cut from it issued a few days later (the same order) and
    a re-issue issued later still were three pairs. One group: the original first, then its
    re-issue, then the part — whichever invoice each was found against."""
    original = _whole()
    assert original.issue_date is not None
    part = replace(
        renumbered(original, "P-1", 4_000),
        lines=original.lines[:1] if original.lines else None,
        issue_date=original.issue_date + timedelta(days=4),
    )
    again = replace(
        renumbered(original, "R-1", 10_000), issue_date=original.issue_date + timedelta(10)
    )
    [group] = related_invoices([("p", part), ("r", again), ("o", original)])
    assert group.kind == "reissue_and_split"
    assert [(f.ident, f.role) for f in group.files] == [
        ("o", "original"),
        ("r", "reissue"),
        ("p", "part"),
    ]
    assert group.amount_due == 10_000


def test_a_prepaid_re_issue_sharing_the_order_is_a_re_issue_not_a_part() -> None:
    """Tryout 49: a re-issue with a 1,000.00 prepayment keeps the order reference; read as a
    "part" holding every line, and the receivable's amount due as the original's."""
    original = _whole()
    assert original.issue_date is not None
    prepaid = replace(
        renumbered(original, "R-2", 9_000), issue_date=original.issue_date + timedelta(days=10)
    )
    [group] = related_invoices([("o", original), ("r", prepaid)])
    assert group.kind == "reissue"
    assert [f.role for f in group.files] == ["original", "reissue"]
    assert group.amount_due == 9_000


def test_two_orders_are_not_one_receivable_through_an_invoice_stating_none() -> None:
    """Tryout 49: invoices of orders PO-7 and PO-8 were one receivable in the audit, each tied
    to an invoice of the same lines that names no order. Never through a third file."""
    first = _whole()
    assert first.issue_date is not None
    second = replace(
        renumbered(first, "W-2", 10_000),
        references=(("order", "PO-8"),),
        issue_date=first.issue_date + timedelta(days=20),
    )
    bare = replace(
        renumbered(first, "W-3", 10_000), references=(), issue_date=first.issue_date + timedelta(5)
    )
    groups = related_invoices([("a", first), ("b", bare), ("c", second)])
    assert all(not {"a", "c"} <= {f.ident for f in g.files} for g in groups), groups
    assert {f.ident for f in groups[0].files} == {"a", "b"}
    assert all("W-2" not in r for r in groups[0].reasons)


def test_context_keeps_the_original_and_re_issues_are_said_against_it() -> None:
    """Tryout 50: with the original only as context (lodged, no longer financed), it is still
    the first file; a re-issue is said against it, never against another re-issue (one such
    reason called the earlier re-issue "the original's")."""
    original = _whole()
    assert original.issue_date is not None
    first = replace(
        renumbered(original, "R-1", 10_000), issue_date=original.issue_date + timedelta(3)
    )
    second = replace(
        renumbered(original, "R-2", 10_000), issue_date=original.issue_date + timedelta(9)
    )
    [group] = related_invoices([("r1", first), ("r2", second)], context=[("o", original)])
    assert [(f.ident, f.role) for f in group.files] == [
        ("o", "original"),
        ("r1", "reissue"),
        ("r2", "reissue"),
    ]
    assert all("is the original's" not in r for r in group.reasons), group.reasons
    assert len(group.reasons) == 2
    # context alone, or one file given and the rest context, is no group
    assert related_invoices([("r1", first)], context=[("o", original), ("r2", second)]) == []


def test_two_alike_parts_of_a_split_are_parts_not_a_re_issue_of_each_other() -> None:
    """An invoice of 2 x an item cut into two invoices of 1 x it, issued other days: the two
    parts look like a re-issue of each other; the group is a split with its whole, not
    ``reissue_and_split`` with an "original" (tryout 63 read a split so)."""
    whole = replace(_whole(), references=())
    assert whole.issue_date is not None
    assert whole.lines
    item = whole.lines[0].item
    whole = replace(whole, lines=(Line(item, "2", 10_000),))
    halves = [
        replace(
            renumbered(whole, f"P-{n}", 5_000),
            lines=(Line(item, "1", 5_000),),
            issue_date=whole.issue_date + timedelta(days=n),
        )
        for n in (3, 5)
    ]
    [group] = related_invoices([("p1", halves[0]), ("p2", halves[1])], context=[("w", whole)])
    assert group.kind == "split"
    assert [(f.ident, f.role) for f in group.files] == [
        ("w", "whole"),
        ("p1", "part"),
        ("p2", "part"),
    ]
    assert group.amount_due == 10_000


def test_two_files_of_one_number_in_a_group_are_told_apart_by_their_ids() -> None:
    """Tryout 73: beside the financed invoice, an altered copy under its number (one cent less)
    was lodged; the audit's reasons named "invoice TOSL110" and quoted the copy's amount, and
    the reader took it for the financed one. When two files of a group share a number, each
    reason names the files it compares by their ids too; otherwise by number alone."""
    original = replace(_whole(), references=())
    assert original.issue_date is not None
    assert original.amount_due_minor is not None
    number = original.number_as_written or original.number
    reissue = replace(
        renumbered(original, "R-1", original.amount_due_minor - 10),
        issue_date=original.issue_date + timedelta(3),
    )
    copy = replace(
        renumbered(original, number, original.amount_due_minor - 1),
        issue_date=original.issue_date + timedelta(5),
    )
    [group] = related_invoices([("0xo", original), ("0xr", reissue)], context=[("0xc", copy)])
    assert {f.ident for f in group.files} == {"0xo", "0xr", "0xc"}
    assert group.reasons, group
    for reason in group.reasons:
        head = reason.split(":", 1)[0]
        assert f"invoice {number} (0x" in head, reason  # the one compared, by its id
    [alone] = related_invoices([("0xo", original), ("0xr", reissue)])
    assert all(f"invoice {number} (" not in r.split(":", 1)[0] for r in alone.reasons), alone


# -- tryout 77: a file stating less than its own totals give does not lower the receivable --


def test_a_file_stating_less_than_its_totals_is_no_file_of_the_receivable() -> None:
    """The field cases' `number-collision` pair beside the invoice they were made from: `b`
    states 980.00 due of its 1,656.25 totals (another invoice, by the field cases' README) and
    lowered what the audit said two financings of 1,656.25 were due (tryout 77)."""
    from documents_support import field_bytes

    from ledger.documents.detect import read_document

    def facts(rel: str) -> DocumentFacts:
        found = read_document(field_bytes(rel)).facts
        assert found is not None
        return found

    base, a = facts("credit-note/base-example.xml"), facts("number-collision/a-FV-1-12-2023.xml")
    b = facts("number-collision/b-FV-11-2-2023.xml")
    [group] = related_invoices([("base", base), ("a", a)], context=[("b", b)])
    # b is no file of it: the same lines under another amount due that its own totals do not
    # give is another invoice (tryout 80: the audit said 1,656.25 EUR was lent beyond one
    # receivable when a and b were each financed once)
    assert {f.ident for f in group.files} == {"base", "a"}
    assert group.amount_due == 165_625  # not b's 980.00
    assert related_invoices([("a", a), ("b", b)]) == []


def test_a_reissue_stating_a_prepayment_still_lowers_the_due() -> None:
    """What is left of an invoice re-issued with 0.01 stated paid, its totals adding up, is
    what the receivable is due (tryouts 49 and 50)."""
    from ledger.documents.detect import read_document
    from tests.documents.test_marks_before_settled import PREPAID, UBL

    original, reissue = read_document(UBL).facts, read_document(PREPAID).facts
    assert original is not None
    assert reissue is not None
    [group] = related_invoices([("o", original), ("r", reissue)])
    assert not any(f.below_its_totals for f in group.files)
    assert group.amount_due == 467_499
