"""A bank's check of an invoice counts what its own active financings hold on the invoice's
re-issues and parts (``ledger/services/own_related.py``).

Tryout 51 (2026-12-06): a bank whose own financings held an invoice's re-issue and one of its
parts checked the original and read "left to finance: 4,500.00" (``financing_headroom`` counts
the fingerprints of the file checked; a re-issue and a part have their own); the suspicions
beside it named the financings, but not as its own. The check now says which financings are the
bank's own, what they hold and what is left counting them — to that bank only: another bank
and the regulator read the same answer without them. Real HTTP app, real chain, both backends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import (
    DEMO_DUE,
    check,
    client_fixture,
    finance,
    issued_later,
    lodge,
    number_of,
    own_invoice,
    reissued,
    split_part,
)
from fastapi.testclient import TestClient

from tests.api.credited_invoice import FACE, INVOICE, credit_note

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends

DUE = DEMO_DUE


def _financed(client: TestClient, network: Network, data: bytes, amount: int) -> tuple[str, int]:
    doc_hash = str(lodge(client, network.bank, data)["doc_hash"])
    made = finance(client, network.bank, doc_hash, amount, acknowledge_suspicions=True)
    assert made.status_code == 201, made.text
    return doc_hash, int(made.json()["financing_id"])


def _suspected_financings(answer: dict[str, Any]) -> tuple[set[int], set[int]]:
    named = {f for s in answer["suspicions"] for f in s["financings"]}
    own = {f for s in answer["suspicions"] for f in s["own_financings"]}
    return named, own


def test_the_original_checked_counts_the_banks_own_financings_of_its_reissue_and_part(
    client: TestClient, network: Network
) -> None:
    invoice = own_invoice("OWNHELD")
    original = str(lodge(client, network.bank, invoice)["doc_hash"])
    reissue, on_reissue = _financed(client, network, reissued(invoice), 300_000)
    part_file = issued_later(split_part(invoice, number_of(invoice) + "-L3", {2}, "2500.00"))
    part, on_part = _financed(client, network, part_file, 100_000)

    answer = check(client, network.bank, invoice)
    assert answer["doc_hash"] == original
    assert answer["financing_headroom"] == DUE  # by this file's own fingerprints: unchanged
    assert answer["financing_headroom_counting_own"] == DUE - 400_000
    own = answer["own_receivable"]
    assert own["kind"] == "reissue_and_split"
    assert own["role"] == "original"
    assert own["currency"] == "DKK"
    assert own["amount_due"] == DUE
    assert own["held"] == 400_000
    assert own["financing_ids"] == sorted([on_reissue, on_part])
    assert {
        (h["financing_id"], h["doc_hash"], h["role"], h["amount"]) for h in own["holdings"]
    } == {
        (on_reissue, reissue, "reissue", 300_000),
        (on_part, part, "part", 100_000),
    }
    named, owned = _suspected_financings(answer)
    assert {on_reissue, on_part} <= named
    assert owned == {on_reissue, on_part}

    # more held than is due: nothing is left, never a negative figure
    first = reissued(invoice)
    renumbered = number_of(first).encode()
    again = issued_later(first, 7).replace(renumbered, renumbered + b"2", 1)
    _, third = _financed(client, network, again, 200_000)
    answer = check(client, network.bank, invoice)
    assert answer["own_receivable"]["held"] == 600_000
    assert answer["own_receivable"]["beyond_due"] == 600_000 - DUE
    assert answer["financing_headroom_counting_own"] == 0
    assert third in answer["own_receivable"]["financing_ids"]


def test_a_part_checked_is_held_against_its_whole(client: TestClient, network: Network) -> None:
    """The bank's financing holds the whole for 4,000.00 of its 4,675.00: of the part's
    2,500.00, 675.00 is left counting it."""
    invoice = own_invoice("OWNWHOLE")
    whole, on_whole = _financed(client, network, invoice, 400_000)
    part_file = issued_later(split_part(invoice, number_of(invoice) + "-L3", {2}, "2500.00"))
    answer = check(client, network.bank, part_file)
    assert answer["financing_headroom"] == 250_000
    own = answer["own_receivable"]
    assert (own["kind"], own["role"], own["amount_due"], own["held"]) == (
        "split",
        "part",
        DUE,
        400_000,
    )
    assert [(h["doc_hash"], h["role"]) for h in own["holdings"]] == [(whole, "whole")]
    assert answer["financing_headroom_counting_own"] == DUE - 400_000
    assert on_whole in {f for s in answer["suspicions"] for f in s["own_financings"]}


def test_another_bank_and_the_regulator_are_not_told_the_banks_holdings(
    client: TestClient, network: Network
) -> None:
    invoice = own_invoice("OWNOTHER")
    lodge(client, network.bank, invoice)
    _, on_reissue = _financed(client, network, reissued(invoice), 300_000)
    lodge(client, network.bank_b, invoice)
    lodge(client, network.bank_b, reissued(invoice))
    for who in (network.bank_b, network.regulator):
        answer = check(client, who, invoice)
        assert answer["own_receivable"] is None, who
        assert answer["financing_headroom_counting_own"] == answer["financing_headroom"], who
        assert all(s["own_financings"] == [] for s in answer["suspicions"]), who
        assert "300000" not in str(answer["suspicions"])
    # Bank B's own files find the re-issue Bank A financed: named, but not Bank B's own
    answer = check(client, network.bank_b, invoice)
    named, owned = _suspected_financings(answer)
    assert on_reissue in named, answer["suspicions"]
    assert owned == set()


def test_without_own_financings_of_its_files_nothing_changes(
    client: TestClient, network: Network
) -> None:
    invoice = own_invoice("OWNNONE")
    lodge(client, network.bank, invoice)
    lodge(client, network.bank, reissued(invoice))
    answer = check(client, network.bank, invoice)
    assert [s["kind"] for s in answer["suspicions"]] == ["reissue"]
    assert answer["own_receivable"] is None
    assert answer["financing_headroom_counting_own"] == answer["financing_headroom"] == DUE


def test_the_credit_notes_counted_are_taken_off_the_receivable(
    client: TestClient, network: Network
) -> None:
    """Tryout 52: with a 1,000.00 credit note counted on the original, "left to finance
    counting them" still started from the receivable's full amount due, 1,000.00 more than
    was left."""
    lodge(client, network.bank, INVOICE)
    again = issued_later(INVOICE.replace(b"<cbc:ID>Snippet1</cbc:ID>", b"<cbc:ID>S1R</cbc:ID>"), 20)
    reissue = str(lodge(client, network.bank, again)["doc_hash"])
    made = finance(
        client, network.bank, reissue, 50_000, currency="EUR", acknowledge_suspicions=True
    )
    assert made.status_code == 201, made.text
    lodge(client, network.bank, credit_note("CN-OWN-1", "1000.00"))

    answer = check(client, network.bank, INVOICE)
    assert answer["financeable_amount"] == FACE - 100_000
    own = answer["own_receivable"]
    assert (own["amount_due"], own["credited"], own["net_due"], own["held"]) == (
        FACE,
        100_000,
        FACE - 100_000,
        50_000,
    )
    assert own["beyond_due"] == 0
    assert answer["financing_headroom_counting_own"] == FACE - 100_000 - 50_000


def test_what_its_own_financing_holds_on_the_file_checked_is_counted_too(
    client: TestClient, network: Network
) -> None:
    """Tryout 82: a bank financed an invoice for 500.00 and its re-issue for 100.00 (529.87
    due); its check of the invoice said "less 100.00 EUR held" and never BEYOND — the 500.00
    on the file checked itself was left out."""
    invoice = own_invoice("OWNSELF")
    original, on_original = _financed(client, network, invoice, DUE - 10_000)
    reissue, on_reissue = _financed(client, network, reissued(invoice), 100_000)
    for checked, other in ((invoice, reissue), (reissued(invoice), original)):
        answer = check(client, network.bank, checked)
        own = answer["own_receivable"]
        assert own is not None, answer["suspicions"]
        assert own["held"] == DUE + 90_000
        assert own["beyond_due"] == 90_000
        assert sorted(own["financing_ids"]) == sorted([on_original, on_reissue])
        assert other in {h["doc_hash"] for h in own["holdings"]}
        assert answer["doc_hash"] in {h["doc_hash"] for h in own["holdings"]}
        assert answer["financing_headroom_counting_own"] == 0
