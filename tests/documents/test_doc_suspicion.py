"""Suspicions (``ledger.documents.suspicion``) only between invoices with something due."""

from __future__ import annotations

from dataclasses import replace

import pytest
from documents_support import field_doc, renumbered

from ledger.documents.facts import DocumentFacts
from ledger.documents.suspicion import find_suspicions


def _facts(rel: str) -> DocumentFacts:
    facts = field_doc(rel).facts
    assert facts is not None
    return facts


ORIGINAL = "split/a-original-471102.cii.xml"


REISSUE = ("reissue/a-original-471102.cii.xml", "reissue/c-reissued-471102-R1-new-date.cii.xml")


def test_the_field_cases_are_suspicious_with_positive_amounts() -> None:
    """The control: the same pairs with positive amounts are reported."""
    whole = _facts(ORIGINAL)
    assert whole.amount_minor is not None
    assert whole.amount_minor > 0
    part = renumbered(whole, "P-1", whole.amount_minor // 2)
    assert [s.kind.value for s in find_suspicions(part, [("whole", whole)])] == ["split_part"]
    assert [s.kind.value for s in find_suspicions(whole, [("part", part)])] == ["split_whole"]
    first, again = (_facts(r) for r in REISSUE)
    assert [s.kind.value for s in find_suspicions(again, [("first", first)])] == ["reissue"]


@pytest.mark.parametrize("amount", [0, -10_000])
def test_nothing_due_is_no_split_part_nor_whole(amount: int) -> None:
    whole = _facts(ORIGINAL)
    nothing = renumbered(whole, "N-1", amount)
    assert find_suspicions(nothing, [("whole", whole)]) == []  # not a part of a positive one
    assert find_suspicions(whole, [("nothing", nothing)]) == []  # not a part of the candidate
    negative_whole = renumbered(whole, "W-1", amount)
    smaller = renumbered(whole, "S-1", amount - 5_000)
    assert find_suspicions(smaller, [("whole", negative_whole)]) == []
    assert find_suspicions(negative_whole, [("part", smaller)]) == []


@pytest.mark.parametrize("amount", [0, -10_000])
def test_nothing_due_is_no_re_issue(amount: int) -> None:
    """A re-issue of an invoice with nothing due has nothing due either: each copy has its
    ``nothing_due`` notice, neither is a receivable financed twice."""
    first, again = (_facts(r) for r in REISSUE)
    first, again = replace(first, amount_minor=amount), replace(again, amount_minor=amount)
    assert find_suspicions(again, [("first", first)]) == []
    assert find_suspicions(first, [("again", again)]) == []


def test_a_negative_invoice_does_not_make_parts_add_up() -> None:
    """Parts that add up only through a negative invoice are no split of a receivable."""
    whole = renumbered(_facts(ORIGINAL), "W-1", 10_000)
    known = [
        ("a", renumbered(whole, "A-1", 6_000)),
        ("b", renumbered(whole, "B-1", 6_000)),
        ("negative", renumbered(whole, "N-1", -2_000)),
    ]
    [split] = find_suspicions(whole, known)
    assert split.kind.value == "split_whole"
    assert set(split.documents) == {"a", "b"}  # tied by their issue date, not adding up
    assert not any("add up" in r for r in split.reasons)


def test_an_amount_due_above_its_totals_is_compared_as_its_totals_give() -> None:
    """A tryout re-issued an invoice with its amount due (BT-115) inflated tenfold above its
    totals (EN 16931 BR-CO-16): compared on the stated figure it was called a split — the
    original "a part" of it — not the re-issue it is. Every comparison reads the amount due the
    totals give when that is less (``DocumentFacts.amount_due_minor``)."""
    first, again = (_facts(r) for r in REISSUE)
    assert again.amount_minor is not None
    inflated = replace(
        again, amount_minor=again.amount_minor * 10, amount_due_by_totals=again.amount_minor
    )
    assert [s.kind.value for s in find_suspicions(inflated, [("first", first)])] == ["reissue"]
    assert [s.kind.value for s in find_suspicions(first, [("inflated", inflated)])] == ["reissue"]


def test_a_ubl_reference_date_reads_as_a_cii_one() -> None:
    """UBL's delivery date (BT-72) and invoicing period (BT-73/74) were kept as written, so the
    same delivery written ``2013-04-15Z`` there and ``20130415`` in a CII copy read as two
    deliveries, and cleared a re-issue across syntaxes. Both read as ISO 8601 days now; a text
    that is no date is kept as written."""
    from importlib import resources

    from ledger.documents import read_document

    ubl = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
    assert b"<cbc:ActualDeliveryDate>2013-04-15</cbc:ActualDeliveryDate>" in ubl
    zoned = ubl.replace(
        b">2013-04-15</cbc:ActualDeliveryDate>", b">2013-04-15Z</cbc:ActualDeliveryDate>"
    )
    period = b"<cac:InvoicePeriod><cbc:StartDate>2013-04-01+02:00</cbc:StartDate>"
    period += b"<cbc:EndDate>2013-04-30</cbc:EndDate></cac:InvoicePeriod>"
    zoned = zoned.replace(b"<cac:OrderReference>", period + b"<cac:OrderReference>", 1)
    facts = read_document(zoned).facts
    assert facts is not None
    refs = dict(facts.references)
    assert refs["delivery_date"] == "2013-04-15"
    assert refs["period"] == "2013-04-01/2013-04-30"
    odd = ubl.replace(
        b">2013-04-15</cbc:ActualDeliveryDate>", b">mid April</cbc:ActualDeliveryDate>"
    )
    odd_facts = read_document(odd).facts
    assert odd_facts is not None
    assert dict(odd_facts.references)["delivery_date"] == "mid April"


def test_an_amount_read_from_the_totals_is_said_beside_the_one_stated() -> None:
    """A tryout read a re-issue's reason quote 250.33 of an invoice that states 250.34: its
    totals give 250.33 (EN 16931 BR-CO-16), which every comparison reads. The reason says both."""
    first, again = (_facts(r) for r in REISSUE)
    assert first.amount_minor is not None
    by_totals = first.amount_minor - 1
    inflated = replace(first, amount_due_by_totals=by_totals)
    [found] = find_suspicions(replace(again, amount_due_by_totals=by_totals), [("first", inflated)])
    said = " ".join(found.reasons)
    stated = f"{first.amount_minor // 100:,}.{first.amount_minor % 100:02d}"
    assert f"(by its totals; it states {stated} " in said, said
    [plain] = find_suspicions(again, [("first", first)])
    assert "by its totals" not in " ".join(plain.reasons)


def test_each_part_of_a_whole_is_said_with_its_own_tie() -> None:
    """Tryout 46: two lodged invoices of the candidate's lines for less, one of its issue date,
    the other of another date but the same order reference: the suspicion said "same issue date"
    of both, dating one of them wrongly. Each is said with its own tie now."""
    whole = replace(renumbered(_facts(ORIGINAL), "W-1", 10_000), references=(("order", "PO-7"),))
    assert whole.issue_date is not None
    same_day = replace(renumbered(whole, "A-1", 3_000), references=())
    other_day = replace(  # some of its lines: the same lines another day are a re-issue
        renumbered(whole, "B-1", 3_000),
        lines=whole.lines[:1] if whole.lines else None,
        issue_date=whole.issue_date.replace(year=whole.issue_date.year + 1),
    )
    [split] = find_suspicions(whole, [("a", same_day), ("b", other_day)])
    assert split.kind.value == "split_whole"
    assert set(split.documents) == {"a", "b"}
    assert f"invoice A-1: same issue date {whole.issue_date.isoformat()}" in split.reasons
    assert "invoice B-1: same order PO-7" in split.reasons, split.reasons
    assert not any("B-1" in r and "issue date" in r for r in split.reasons), split.reasons


def test_two_files_of_one_invoice_are_one_part_named_by_both() -> None:
    """Tryout 46: a bank holding one invoice in two files (UBL and CII) read two identical
    suspicions, neither naming its file; counted twice, one part's two files would add up to a
    whole it is half of. One suspicion now, naming both files, and no adding up."""
    whole = renumbered(_facts(ORIGINAL), "W-1", 12_000)
    part = renumbered(whole, "P-1", 4_000)
    candidate = renumbered(whole, "C-1", 4_000)
    known = [("whole", whole), ("part-ubl", part), ("part-cii", part)]
    found = find_suspicions(candidate, known)
    kinds = [s.kind.value for s in found]
    assert kinds.count("split_part") == 1, found
    [as_part] = [s for s in found if s.kind.value == "split_part"]
    assert not any("add up" in r for r in as_part.reasons), as_part.reasons
    [again] = find_suspicions(
        renumbered(whole, "W-2", 12_000), [("part-ubl", part), ("part-cii", part)]
    )
    assert again.kind.value == "split_whole"
    assert again.documents == ("part-ubl", "part-cii")


def test_a_part_of_some_lines_is_not_said_to_have_the_same_lines() -> None:
    """Tryout 47: a part holding two of an invoice's three lines read "same seller, buyer and
    lines as invoice …". It says which of the lines now."""
    whole = renumbered(_facts(ORIGINAL), "W-1", 10_000)
    assert len(whole.lines) >= 2
    some = replace(renumbered(whole, "P-1", 4_000), lines=whole.lines[:1])
    [as_part] = find_suspicions(some, [("whole", whole)])
    assert as_part.kind.value == "split_part"
    assert f"and 1 of its {len(whole.lines)} lines, for" in as_part.reasons[0], as_part.reasons
    every = renumbered(whole, "P-2", 4_000)
    [all_lines] = [
        s for s in find_suspicions(every, [("whole", whole)]) if s.kind.value == "split_part"
    ]
    assert f"and its {len(whole.lines)} lines, for" in all_lines.reasons[0], all_lines.reasons


def test_the_same_lines_under_another_amount_due_are_a_re_issue_with_its_amount_changed() -> None:
    """Tryout 46: the demo invoice re-issued with a 50.00 prepayment (BT-113) under a new number
    and date, no reference shared: no suspicion at a bank holding both (another amount due: no
    re-issue; no tie: no split part). It is a re-issue, its amount due changed, said so."""
    original = replace(renumbered(_facts(ORIGINAL), "W-1", 10_000), references=())
    assert original.issue_date is not None
    prepaid = replace(
        renumbered(original, "R-1", 9_500),
        issue_date=original.issue_date.replace(year=original.issue_date.year + 1),
    )
    [found] = find_suspicions(prepaid, [("original", original)])
    assert found.kind.value == "reissue"
    assert found.documents == ("original",)
    assert found.matching_facts == ("seller", "buyer", "currency", "lines")
    assert "its amount due changed: " in found.reasons[0], found.reasons
    assert any(r.startswith("new number R-1 (was W-1)") for r in found.reasons), found.reasons
    # the control: tied by its issue date, the same pair is a part of the invoice, as before
    same_day = renumbered(original, "R-2", 9_500)
    assert [s.kind.value for s in find_suspicions(same_day, [("original", original)])] == [
        "split_part"
    ]


@pytest.mark.parametrize(
    ("checked", "others"),
    [
        ("split/b1-part-471102-1.cii.xml", ("split/b2-part-471102-2.cii.xml",)),
        ("split/b2-part-471102-2.cii.xml", ("split/b1-part-471102-1.cii.xml",)),
    ],
)
def test_a_part_is_never_the_whole_of_its_sibling(checked: str, others: tuple[str, ...]) -> None:
    """Tryout 74: the split's first part (300.00), checked beside the invoice and the second
    part (229.87), was said to be a part of the invoice *and* the whole of the second part. A
    part that adds up with a sibling to a known whole is that whole's part, not its sibling's
    whole; without the whole lodged, the larger part may still be read as the other's whole."""
    whole = _facts(ORIGINAL)
    known = [("whole", whole), *((rel, _facts(rel)) for rel in others)]
    kinds = [s.kind.value for s in find_suspicions(_facts(checked), known)]
    assert kinds == ["split_part"], kinds
