"""``RulesReport.beyond_due``: what ``audit verify``'s heading (and ``financed_beyond_due``)
sums of the money lent beyond what the invoices are due — each receivable once, with every
financing tied to it.

Tryout 76: three financings of one 529.87 EUR invoice tied by the files (a group of
``reissues_and_splits_financed``, 1,059.74 EUR beyond), and a fourth, of a copy the files did
not tie (its seller's name written with a Cyrillic letter), made despite a suspicion naming the
first. The fourth's 529.87 EUR was listed but left out of the sum."""

from __future__ import annotations

from ledger.indexer.rules import (
    FinancedDespiteSuspicions,
    ReissueOrSplitFinanced,
    RulesReport,
    SuspectedFinancing,
)

DUE = 52_987


def _group(ids: list[int], held: int) -> ReissueOrSplitFinanced:
    return ReissueOrSplitFinanced(
        kind="reissue",
        doc_hash="0x" + "11" * 32,
        number="471102",
        currency="EUR",
        amount_due=DUE,
        net_due=None,
        pledges=[],
        financing_ids=ids,
        held=held,
        held_beyond_due=max(0, held - DUE),
        reasons=[],
        message="",
    )


def _despite(financing_id: int, names: list[int], amount: int = DUE) -> FinancedDespiteSuspicions:
    return FinancedDespiteSuspicions(
        financing_id=financing_id,
        bank="0x" + "22" * 20,
        currency="EUR",
        amount=amount,
        kinds=["reissue"],
        suspicions=[],
        other_financings=[SuspectedFinancing(i, "0x" + "33" * 20, DUE, "EUR") for i in names],
        message="",
        held_together=amount + DUE * len(names),
        face_value=DUE,
        held_beyond_face_value=amount + DUE * len(names) - DUE,
    )


def test_a_financing_tied_by_a_suspicion_to_a_group_adds_what_it_holds() -> None:
    report = RulesReport(
        regulators=[],
        reissues_and_splits_financed=[_group([5, 6, 7], 3 * DUE)],
        financed_despite_suspicions=[_despite(7, [5]), _despite(8, [5])],
    )
    # four times the invoice held, once due: three times it beyond (financing 7, in the group
    # already, not counted twice)
    assert report.beyond_due() == {"EUR": 3 * DUE}
    assert report.to_dict()["financed_beyond_due"] == [{"currency": "EUR", "amount": 3 * DUE}]
    # no rule broken, money lent beyond what is due: the word a script reads says so
    assert report.clean
    assert report.verdict == report.to_dict()["verdict"] == "financed_beyond_due"


def test_a_group_within_its_amount_due_goes_beyond_it_with_the_financing_tied_to_it() -> None:
    report = RulesReport(
        regulators=[],
        reissues_and_splits_financed=[_group([5, 6], 40_000)],
        financed_despite_suspicions=[_despite(8, [6], amount=20_000)],
    )
    assert report.beyond_due() == {"EUR": 60_000 - DUE}


def test_financings_tied_by_suspicions_alone_count_as_before() -> None:
    report = RulesReport(regulators=[], financed_despite_suspicions=[_despite(8, [5])])
    assert report.beyond_due() == {"EUR": DUE}
