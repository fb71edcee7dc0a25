"""The regulator compares the files of different banks' financings with each other
(``rules.reissues_and_splits_financed``).

Tryout 47 (2026-12-05): Bank A financed a 4,675.00 DKK-style invoice; its seller issued a part
of it (some of its lines, for less) on another day against the same order, and a bank holding
only that part financed it. No cross-bank mark met (the order mark carries the issue date), so
that bank was told nothing, acknowledged nothing — and the regulator's ``audit verify``, which
listed only financings made despite acknowledged suspicions, read nothing: one invoice financed
beyond its amount across its whole and its part. The regulator's gateway holds the files; it now
compares the pledged files of active financings with each other, as a bank's check compares a
file with its own.

Real HTTP app, real chain, on both backends."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from api_helpers import (
    DEMO_DUE,
    audit_rules,
    check,
    client_fixture,
    finance,
    issued_later,
    lodge,
    number_of,
    own_invoice,
    register,
    reissued,
    split_part,
    xml,
)
from fastapi.testclient import TestClient

from tests.api.credited_invoice import FACE, INVOICE, credit_note

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends

DUE = DEMO_DUE


def _financed(client: TestClient, network: Network, invoice: bytes, amount: int) -> tuple[str, int]:
    """``invoice`` registered by the enterprise, lodged and financed for ``amount`` by Bank A."""
    doc_hash = register(client, network.enterprise, xml(invoice))
    assert lodge(client, network.bank, invoice)["doc_hash"] == doc_hash
    made = finance(client, network.bank, doc_hash, amount=amount)
    assert made.status_code == 201, made.text
    return doc_hash, int(made.json()["financing_id"])


def test_a_part_issued_another_day_financed_at_another_bank_is_listed_beyond_its_whole(
    client: TestClient, network: Network
) -> None:
    invoice = own_invoice("ACROSS")
    whole, financing_a = _financed(client, network, invoice, 400_000)
    part = issued_later(split_part(invoice, number_of(invoice) + "-L3", {2}, "2500.00"))
    # Bank B holds only the part: nothing tells it of the whole (the tryout's third bank)
    assert check(client, network.bank_b, part)["suspicions"] == []
    part_hash = lodge(client, network.bank_b, part)["doc_hash"]
    made = finance(client, network.bank_b, part_hash, amount=200_000)
    assert made.status_code == 201, made.text  # no suspicion to acknowledge
    financing_b = int(made.json()["financing_id"])

    rules = audit_rules(client, network.regulator)
    assert rules["financed_despite_suspicions"] == []  # nobody acknowledged anything
    [listed] = rules["reissues_and_splits_financed"]
    assert listed["kind"] == "split"
    assert listed["doc_hash"] == whole
    assert listed["amount_due"] == DUE
    assert listed["financing_ids"] == [financing_a, financing_b]
    assert [(p["doc_hash"], p["role"], p["amount"]) for p in listed["pledges"]] == [
        (whole, "whole", 400_000),
        (part_hash, "part", 200_000),
    ]
    assert listed["held"] == 600_000
    assert listed["held_beyond_due"] == 600_000 - DUE
    # the sum the heading leads with (and the CLI exits 3 for), by currency, in minor units
    assert rules["clean"] is True
    assert rules["financed_beyond_due"] == [{"currency": "DKK", "amount": 600_000 - DUE}]
    assert (rules["clean"], rules["verdict"]) == (True, "financed_beyond_due")
    assert "BEYOND its amount due" in listed["message"]
    assert "financed at 2 banks" in listed["message"]
    assert any("same order" in r for r in listed["reasons"]), listed["reasons"]
    # the banks read no rules at all (a regulator's re-check, opened with its key)
    for reader in (network.bank, network.bank_b, network.enterprise):
        answered = client.get("/v1/audit/verify", headers=reader.headers)
        assert answered.status_code in (200, 403), answered.text
        if answered.status_code == 200:
            assert answered.json()["rules"] is None


def test_a_re_issue_financed_at_another_bank_is_listed_within_its_amount_due(
    client: TestClient, network: Network
) -> None:
    invoice = own_invoice("REISSUED")
    original, financing_a = _financed(client, network, invoice, 100_000)
    again = reissued(invoice)
    again_hash = lodge(client, network.bank_b, again)["doc_hash"]
    made = finance(client, network.bank_b, again_hash, amount=150_000, acknowledge_suspicions=True)
    assert made.status_code == 201, made.text
    rules = audit_rules(client, network.regulator)
    assert rules["financed_beyond_due"] == []  # within its amount due: nothing to sum
    assert rules["verdict"] == "rules_hold"
    [listed] = rules["reissues_and_splits_financed"]
    assert listed["kind"] == "reissue"
    assert listed["doc_hash"] == original
    assert [p["role"] for p in listed["pledges"]] == ["original", "reissue"]
    assert listed["financing_ids"] == [financing_a, int(made.json()["financing_id"])]
    assert listed["held"] == 250_000
    assert listed["held_beyond_due"] == 0
    assert "BEYOND" not in listed["message"]


def test_an_invoice_of_another_order_financed_elsewhere_is_not_listed(
    client: TestClient, network: Network
) -> None:
    invoice = own_invoice("NOTRELATED")
    _financed(client, network, invoice, 400_000)
    other = re.sub(rb"<cbc:ID>ORDER-[0-9a-f]+<", b"<cbc:ID>ORDER-ELSEWHERE<", invoice, count=1)
    other = issued_later(split_part(other, number_of(invoice) + "-X", {2}, "2500.00"))
    other_hash = lodge(client, network.bank_b, other)["doc_hash"]
    made = finance(client, network.bank_b, other_hash, amount=200_000)
    assert made.status_code == 201, made.text
    assert audit_rules(client, network.regulator)["reissues_and_splits_financed"] == []


def test_a_part_no_longer_financed_is_not_listed(client: TestClient, network: Network) -> None:
    """Only active financings count: Bank B's financing of the part cancelled, nothing is held
    twice."""
    invoice = own_invoice("RELEASED")
    _financed(client, network, invoice, 400_000)
    part = issued_later(split_part(invoice, number_of(invoice) + "-L3", {2}, "2500.00"))
    part_hash = lodge(client, network.bank_b, part)["doc_hash"]
    made = finance(client, network.bank_b, part_hash, amount=200_000)
    assert made.status_code == 201, made.text
    fid = made.json()["financing_id"]
    assert len(audit_rules(client, network.regulator)["reissues_and_splits_financed"]) == 1
    cancelled = client.post(
        f"/v1/financings/{fid}/cancel", json={"reason_code": 1}, headers=network.bank_b.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    assert audit_rules(client, network.regulator)["reissues_and_splits_financed"] == []


def test_an_invoice_its_re_issue_and_a_part_are_one_receivable_one_entry(
    client: TestClient, network: Network
) -> None:
    """Tryout 48: the whole at Bank A, a part issued another day and a re-issue at other banks
    read as three pairs — each "financed at 2 banks", none giving the total, the part called a
    part of the re-issue issued after it. One receivable, one entry, every financing in it."""
    invoice = own_invoice("THREEWAYS")
    whole, financing_a = _financed(client, network, invoice, 400_000)
    part = issued_later(split_part(invoice, number_of(invoice) + "-L3", {2}, "2500.00"))
    part_hash = lodge(client, network.bank_b, part)["doc_hash"]
    made = finance(client, network.bank_b, part_hash, amount=200_000)
    assert made.status_code == 201, made.text
    on_part = int(made.json()["financing_id"])
    again = reissued(invoice)
    again_hash = lodge(client, network.bank_b, again)["doc_hash"]
    made = finance(client, network.bank_b, again_hash, amount=300_000, acknowledge_suspicions=True)
    assert made.status_code == 201, made.text
    on_reissue = int(made.json()["financing_id"])

    [listed] = audit_rules(client, network.regulator)["reissues_and_splits_financed"]
    assert listed["kind"] == "reissue_and_split"
    assert listed["doc_hash"] == whole
    assert listed["financing_ids"] == sorted([financing_a, on_part, on_reissue])
    assert [(p["doc_hash"], p["role"], p["amount"]) for p in listed["pledges"]] == [
        (whole, "original", 400_000),
        (again_hash, "reissue", 300_000),
        (part_hash, "part", 200_000),
    ]
    assert listed["held"] == 900_000
    assert listed["held_beyond_due"] == 900_000 - DUE
    assert "financed at 2 banks" in listed["message"]
    issued = {p["doc_hash"]: p["issue_date"] for p in listed["pledges"]}
    assert f"issued {issued[part_hash]}" in listed["message"]  # each file's own date


def test_what_credit_notes_leave_due_is_what_the_financings_are_held_against(
    client: TestClient, network: Network
) -> None:
    """Tryout 48: after the seller's credit note the regulator read 1,875.00 DKK due in one
    list and 4,675.00 DKK in this one. Held beyond is counted against what the credit notes
    leave due, said beside the amount stated."""
    original = register(client, network.enterprise, xml(INVOICE))
    assert lodge(client, network.bank, INVOICE)["doc_hash"] == original
    made = finance(client, network.bank, original, 100_000, currency="EUR")
    assert made.status_code == 201, made.text
    again = INVOICE.replace(b"<cbc:ID>Snippet1</cbc:ID>", b"<cbc:ID>Snippet1-R</cbc:ID>", 1)
    again = again.replace(b"<cbc:IssueDate>2017-11-13<", b"<cbc:IssueDate>2017-12-13<", 1)
    assert again.count(b"Snippet1-R") == 1
    again_hash = lodge(client, network.bank_b, again)["doc_hash"]
    made = finance(
        client, network.bank_b, again_hash, 100_000, currency="EUR", acknowledge_suspicions=True
    )
    assert made.status_code == 201, made.text
    [before] = audit_rules(client, network.regulator)["reissues_and_splits_financed"]
    assert (before["amount_due"], before["net_due"], before["held"]) == (FACE, FACE, 200_000)
    assert before["held_beyond_due"] == 200_000 - FACE

    lodge(client, network.enterprise, credit_note("CN-RE", "1000.00"))  # 656.25 EUR left
    [after] = audit_rules(client, network.regulator)["reissues_and_splits_financed"]
    assert (after["amount_due"], after["net_due"]) == (FACE, 65_625)
    assert after["held_beyond_due"] == 200_000 - 65_625
    assert (
        "1,656.25 EUR due; 656.25 EUR net of the credit notes counted (Snippet1's)"
        in after["message"]
    ), after["message"]
    assert "on one receivable of 656.25 EUR due: 1,343.75 EUR BEYOND" in after["message"]


def test_a_re_issue_with_a_prepayment_keeping_its_order_is_a_re_issue_held_against_it(
    client: TestClient, network: Network
) -> None:
    """Tryout 49: a re-issue stating a 1,000.00 DKK prepayment (BT-113) under a new number and
    date kept its order reference; the audit called it a "part" holding every line and held the
    financings against the original's 4,675.00 due. It is a re-issue, and 3,675.00 is due."""
    invoice = own_invoice("PREPAID")
    original, _ = _financed(client, network, invoice, 400_000)
    prepaid = reissued(invoice).replace(
        b'<cbc:PayableAmount currencyID="DKK">4675.00</cbc:PayableAmount>',
        b'<cbc:PrepaidAmount currencyID="DKK">1000.00</cbc:PrepaidAmount>'
        b'<cbc:PayableAmount currencyID="DKK">3675.00</cbc:PayableAmount>',
        1,
    )
    assert b"PrepaidAmount" in prepaid
    prepaid_hash = lodge(client, network.bank_b, prepaid)["doc_hash"]
    made = finance(client, network.bank_b, prepaid_hash, 300_000, acknowledge_suspicions=True)
    assert made.status_code == 201, made.text
    rules = audit_rules(client, network.regulator)
    assert rules["financed_beyond_due"] == [{"currency": "DKK", "amount": 700_000 - 367_500}]
    [listed] = rules["reissues_and_splits_financed"]
    assert listed["kind"] == "reissue"
    assert listed["doc_hash"] == original
    assert [(p["doc_hash"], p["role"]) for p in listed["pledges"]] == [
        (original, "original"),
        (prepaid_hash, "reissue"),
    ]
    assert listed["amount_due"] == 367_500
    assert listed["held_beyond_due"] == 700_000 - 367_500
    assert any("its amount due changed" in r for r in listed["reasons"]), listed["reasons"]
    assert "part" not in [p["role"] for p in listed["pledges"]]


def test_the_original_is_still_the_original_once_its_financing_ends(
    client: TestClient, network: Network
) -> None:
    """Tryout 50: once the original's financing closed, the audit named its re-issue "the
    original", a part dated before it, and dropped the original's credit note from the amount
    due. The original, still lodged here, stays the original."""
    invoice = own_invoice("ENDED")
    original, financing_a = _financed(client, network, invoice, 100_000)
    part = issued_later(split_part(invoice, number_of(invoice) + "-L3", {2}, "2500.00"))
    part_hash = lodge(client, network.bank_b, part)["doc_hash"]
    assert finance(client, network.bank_b, part_hash, 200_000).status_code == 201
    again = reissued(invoice)
    again_hash = lodge(client, network.bank_b, again)["doc_hash"]
    made = finance(client, network.bank_b, again_hash, 300_000, acknowledge_suspicions=True)
    assert made.status_code == 201, made.text
    cancelled = client.post(
        f"/v1/financings/{financing_a}/cancel",
        json={"reason_code": 1},
        headers=network.bank.headers,
    )
    assert cancelled.status_code == 200, cancelled.text

    [listed] = audit_rules(client, network.regulator)["reissues_and_splits_financed"]
    assert listed["doc_hash"] == original  # held by no financing now, the original all the same
    assert listed["number"] == number_of(invoice)
    assert [(p["doc_hash"], p["role"]) for p in listed["pledges"]] == [
        (again_hash, "reissue"),
        (part_hash, "part"),
    ]
    assert listed["amount_due"] == DUE
    assert listed["held"] == 500_000
    assert "held by no active financing" in listed["message"]
    assert not any("is the original's" in r for r in listed["reasons"]), listed["reasons"]
