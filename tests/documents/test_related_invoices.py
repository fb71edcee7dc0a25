"""The re-issues and splits among a set of files (``suspicion.related_invoices``): what the
regulator's re-check compares the files of different banks' financings with (tryout 47: a part
issued another day, against the same order, financed at a bank holding only that part)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from documents_support import field_doc, renumbered

from ledger.documents.facts import DocumentFacts
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
    part = replace(renumbered(whole, "P-1", 6_000), issue_date=whole.issue_date + timedelta(days=9))
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
        references=(),
        issue_date=whole.issue_date + timedelta(days=30),
    )
    assert related_invoices([("w", whole), ("o", other_order), ("u", untied)]) == []


def test_only_the_peers_given_are_compared() -> None:
    whole = _whole()
    part = renumbered(whole, "P-1", 6_000)
    assert related_invoices([("w", whole), ("p", part)], peers=lambda _: ()) == []
    assert len(related_invoices([("w", whole), ("p", part)], peers=lambda _: ("w", "p"))) == 1
