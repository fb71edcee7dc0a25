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


# -- tryout 78: a re-issue and the two parts of a split, each financed despite a suspicion
# naming the original's financing; the regulator holds no file of any


def _tied(
    financing_id: int, kind: str, held_by: list[tuple[int, int]] | None
) -> FinancedDespiteSuspicions:
    """Financing ``financing_id`` made despite a ``kind`` suspicion naming financing 6 (the
    original's, ``DUE``); ``held_by`` None: the entry could not sum (a mark's ``split``)."""
    own = held_by[0][1] if held_by else DUE
    return FinancedDespiteSuspicions(
        financing_id=financing_id,
        bank="0x" + "22" * 20,
        currency="EUR",
        amount=own,
        kinds=[kind],
        suspicions=[],
        other_financings=[SuspectedFinancing(6, "0x" + "33" * 20, DUE, "EUR")],
        message="",
        held_together=sum(a for _, a in held_by) if held_by else None,
        face_value=DUE if held_by else None,
        held_beyond_face_value=max(0, sum(a for _, a in held_by) - DUE) if held_by else None,
        held_by=held_by,
    )


PART = 30_000


def test_the_parts_of_a_split_are_summed_with_the_reissue_and_the_original_once() -> None:
    report = RulesReport(
        regulators=[],
        financed_despite_suspicions=[
            _tied(7, "reissue", [(7, DUE), (6, DUE)]),
            _tied(8, "split_part", [(8, PART), (6, DUE)]),
            _tied(9, "split_part", [(9, DUE - PART), (6, DUE)]),
        ],
    )
    # 6, 7 and the two parts (together one more invoice): three times it held, once due
    assert report.beyond_due() == {"EUR": 2 * DUE}
    assert report.beyond_due_not_summed() == []


def test_parts_a_mark_tied_leave_the_sum_a_least_figure_and_say_so() -> None:
    """A mark's ``split`` does not say which document is the part (two parts of one invoice,
    each financed once, hold no more than it is due): those financings are not summed, and
    the report says the figure is a least one, naming them."""
    report = RulesReport(
        regulators=[],
        financed_despite_suspicions=[
            _tied(7, "reissue", [(7, DUE), (6, DUE)]),
            _tied(8, "split", None),
            _tied(9, "split", None),
        ],
    )
    assert report.beyond_due() == {"EUR": DUE}
    assert report.beyond_due_not_summed() == [8, 9]
    assert report.to_dict()["financed_beyond_due_not_summed"] == [8, 9]
    from ledger.cli_audit import _rules_text

    heading = _rules_text(report).splitlines()[0]
    assert "AT LEAST 529.87 EUR (financings 8 and 9, made despite suspicions, not summed)" in (
        heading
    )


def test_a_split_part_is_held_together_with_the_whole_at_the_whole_face_value() -> None:
    from ledger.indexer.rules import SuspicionNamingFinancings, _despite, _Financing
    from ledger.indexer.terms import DocumentTerms, Terms

    def terms(amount: int, face: int, of: str) -> Terms:
        pledged = (DocumentTerms(of, amount, face, None, ()),)
        return Terms("financing", None, None, "EUR", amount, 0, "", pledged, None)

    def financing(i: int, t: Terms) -> _Financing:
        return _Financing(i, "0x" + f"{i:02d}" * 20, i, 0, "0x" + "00" * 32, b"", b"", (), terms=t)

    whole = financing(6, terms(DUE, DUE, "0x" + "06" * 32))
    part_doc = "0x" + "08" * 32
    mine = terms(PART, PART, part_doc)
    found = [SuspicionNamingFinancings(0, part_doc, "split_part", [6])]
    entry = _despite(financing(8, mine), mine, found, {6: whole}, {})
    assert (entry.held_together, entry.face_value) == (PART + DUE, DUE)  # the whole's
    assert entry.held_by == [(8, PART), (6, DUE)]
    assert "face value (the whole's): 300.00 EUR BEYOND it" in entry.message


def test_an_invoice_financed_on_two_versions_counts_beyond_its_latest_face_value() -> None:
    """An amended invoice financed on its original at one bank and on its amendment at another:
    what they hold beyond the latest version's face value (it read RULES HOLD and exit 0), once
    with a suspicion's entry naming the same two financings at the least of the faces."""
    from ledger.indexer.rules import AmendmentFinancedTwice, AmendmentPledge

    pledges = [
        AmendmentPledge(1, "0x" + "aa" * 20, "0x" + "01" * 32, 1, DUE, DUE, "EUR"),
        AmendmentPledge(2, "0x" + "bb" * 20, "0x" + "02" * 32, 2, DUE + 1, DUE + 1, "EUR"),
    ]
    twice = AmendmentFinancedTwice(
        ["0x" + "01" * 32, "0x" + "02" * 32], pledges, [1, 2], "EUR", 2 * DUE + 1, DUE + 1, ""
    )
    alone = RulesReport(regulators=[], amendments_financed_twice=[twice])
    assert alone.beyond_due() == {"EUR": DUE}
    tied = RulesReport(
        regulators=[],
        amendments_financed_twice=[twice],
        financed_despite_suspicions=[
            FinancedDespiteSuspicions(
                financing_id=2,
                bank="0x" + "22" * 20,
                currency="EUR",
                amount=DUE + 1,
                kinds=["reissue"],
                suspicions=[],
                other_financings=[SuspectedFinancing(1, "0x" + "33" * 20, DUE, "EUR")],
                message="",
                held_together=2 * DUE + 1,
                face_value=DUE,
                held_beyond_face_value=DUE + 1,
                held_by=[(2, DUE + 1), (1, DUE)],
            )
        ],
    )
    assert tied.beyond_due() == {"EUR": DUE}  # not DUE + 1: the amendment's face decides
