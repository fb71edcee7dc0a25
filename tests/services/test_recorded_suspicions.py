"""Which acknowledged suspicions a financing's sealed terms record (at most
``MAX_RECORDED_SUSPICIONS``): those naming another bank's active financing — what the
regulator's ``financed_despite_suspicions`` follows up — before the bank's own lodged invoices',
whatever order they were found in (a helper: a financing of many invoices, each resembling many
of the bank's own files, dropped the ones naming another bank's financing)."""

from __future__ import annotations

from ledger.services.financing import (
    MAX_RECORDED_SUSPICIONS,
    PledgeSuspicion,
    recorded_suspicions,
)


def _suspicion(i: int, financings: tuple[int, ...] = ()) -> PledgeSuspicion:
    return PledgeSuspicion(
        document_index=i % 16,
        doc_hash="0x" + f"{i:064x}",
        kind="split" if financings else "reissue",
        documents=() if financings else (f"0x{i + 1000:064x}",),
        matching_facts=("seller",),
        reasons=("resembles",),
        financings=financings,
    )


def test_those_naming_another_banks_financing_are_kept_first() -> None:
    own = [_suspicion(i) for i in range(MAX_RECORDED_SUSPICIONS + 8)]
    naming = [_suspicion(100 + i, (7 + i,)) for i in range(3)]
    kept = recorded_suspicions(own + naming)  # found last: cut in found order, they were lost
    assert len(kept) == MAX_RECORDED_SUSPICIONS
    assert kept[:3] == naming
    assert kept[3:] == own[: MAX_RECORDED_SUSPICIONS - 3]


def test_within_the_limit_every_suspicion_is_kept_in_found_order_per_group() -> None:
    found = [_suspicion(1), _suspicion(2, (5,)), _suspicion(3), _suspicion(4, (6,))]
    assert recorded_suspicions(found) == [found[1], found[3], found[0], found[2]]


def test_a_suspicion_recorded_twice_in_the_terms_reads_once() -> None:
    """Tryout 87 read one acknowledged suspicion twice in ``acknowledged_suspicions``: two
    suspicions of one kind against one lodged file each, naming the same financing, read the
    same once recorded (the count of lodged files, not which). Terms recorded so before are
    read each entry once; ``create`` records them once."""
    from ledger.services.financing import _recorded_suspicions

    entry = {
        "document_index": 0,
        "doc_hash": "0x" + "ab" * 32,
        "kind": "reissue",
        "documents": 1,
        "financings": [2],
    }
    payload = {"documents": [{"doc_hash": entry["doc_hash"]}], "suspicions": [entry, dict(entry)]}
    [read] = _recorded_suspicions(payload)
    assert (read.kind, read.lodged_invoices, read.financings) == ("reissue", 1, (2,))
    other = {**entry, "kind": "split"}
    assert len(_recorded_suspicions({**payload, "suspicions": [entry, other, entry]})) == 2
