"""The parts of an invoice split *by its lines*, financed at another bank, are suspected.

A tryout (2026-12-05): Bank A financed an invoice of three lines; its seller cut it into two
invoices — one with the cookies line, one with the pen and paper lines, each with its own
number and totals, issued the same day against the same order — and Bank C, which never saw
the original, financed both for its full value: no suspicion, and the regulator's `audit
verify` listed nothing. The split mark covers the set of line items, which a part by lines does
not share. A financing now also carries ``mark_order`` (type, seller, buyer, currency, issue
date and the delivery references stated), which such a part keeps: Bank C's financing must
acknowledge a ``split`` suspicion naming Bank A's financing, and the regulator then lists it.

Real HTTP app, real chain, on both backends."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pytest
from api_helpers import (
    audit_rules,
    check,
    client_fixture,
    finance,
    financed_invoice,
    lodge,
    own_invoice,
    split_part,
)
from fastapi.testclient import TestClient

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends


def test_the_parts_of_a_financed_invoice_split_by_lines_are_suspected(
    client: TestClient, network: Network
) -> None:
    invoice = own_invoice("BYLINES")
    _, financing_a = financed_invoice(client, network, invoice)
    number = re.search(rb"<cbc:ID>([^<]*)</cbc:ID>", invoice)
    assert number is not None
    cookies = split_part(invoice, number.group(1).decode() + "-L1", {2}, "2500.00")
    pen_and_paper = split_part(invoice, number.group(1).decode() + "-L2", {0, 1}, "1500.00")

    checked = check(client, network.bank_b, cookies)
    [suspicion] = checked["suspicions"]
    assert suspicion["kind"] == "split", suspicion
    assert suspicion["financings"] == [financing_a]
    assert "by its lines" in " ".join(suspicion["reasons"])
    assert checked["invoice_pledged"] is False  # another invoice: nothing holds this one

    hashes = [lodge(client, network.bank_b, part)["doc_hash"] for part in (cookies, pen_and_paper)]
    body = {
        "documents": [{"doc_hash": h, "amount": 100_000} for h in hashes],
        "currency": "DKK",
        "kind": "invoice_financing",
        "maturity": "2099-12-31",
    }
    asked = client.post("/v1/financings", json=body, headers=network.bank_b.headers)
    assert asked.status_code == 409, asked.text
    assert asked.json()["error"] == "suspicions_unacknowledged"
    made = client.post(
        "/v1/financings",
        json={**body, "acknowledge_suspicions": True},
        headers=network.bank_b.headers,
    )
    assert made.status_code == 201, made.text
    [listed] = audit_rules(client, network.regulator)["financed_despite_suspicions"]
    assert listed["financing_id"] == made.json()["financing_id"]
    assert [o["financing_id"] for o in listed["other_financings"]] == [financing_a]


def test_an_invoice_of_another_order_the_same_day_is_not_suspected(
    client: TestClient, network: Network
) -> None:
    """Two invoices of one seller to one buyer issued the same day against different orders
    share no mark: every invoice of a busy day is not a split."""
    invoice = own_invoice("OTHER-ORDER")
    financed_invoice(client, network, invoice)
    other = re.sub(rb"<cbc:ID>ORDER-[0-9a-f]+<", b"<cbc:ID>ORDER-ANOTHER<", invoice, count=1)
    assert other != invoice
    other = split_part(other, "OTHER-ORDER-2", {2}, "2500.00")
    assert check(client, network.bank_b, other)["suspicions"] == []
    doc_hash = lodge(client, network.bank_b, other)["doc_hash"]
    made = finance(client, network.bank_b, doc_hash, amount=100_000)
    assert made.status_code == 201, made.text


def test_a_part_found_among_the_banks_own_files_names_the_financing_holding_the_whole(
    client: TestClient, network: Network
) -> None:
    """Tryout 46: Bank B held the whole invoice (Bank A financed it) and financed a part of it
    issued on another day, against the same order — no mark met (the order mark carries the
    issue date, the split mark the whole set of lines). Its ``split_part`` suspicion, found
    among its own files, named ``financings: []``, and the regulator's follow-up of financings
    made despite suspicions skipped it. It names the financing holding the whole now."""
    invoice = own_invoice("HELDWHOLE")
    _, financing_a = financed_invoice(client, network, invoice)
    number = re.search(rb"<cbc:ID>([^<]*)</cbc:ID>", invoice)
    issued = re.search(rb"<cbc:IssueDate>([^<]*)<", invoice)
    assert number is not None
    assert issued is not None
    cookies = split_part(invoice, number.group(1).decode() + "-L1", {2}, "2500.00")
    day = date.fromisoformat(issued.group(1).decode()) + timedelta(days=1)
    later = cookies.replace(issued.group(0), f"<cbc:IssueDate>{day.isoformat()}<".encode(), 1)
    assert later != cookies
    lodge(client, network.bank_b, invoice)  # Bank B holds the whole invoice too
    found = {s["kind"]: s for s in check(client, network.bank_b, later)["suspicions"]}
    assert "split_part" in found, found
    assert found["split_part"]["financings"] == [financing_a], found
    part = lodge(client, network.bank_b, later)["doc_hash"]
    made = finance(client, network.bank_b, part, amount=100_000, acknowledge_suspicions=True)
    assert made.status_code == 201, made.text
    [listed] = audit_rules(client, network.regulator)["financed_despite_suspicions"]
    assert listed["financing_id"] == made.json()["financing_id"]
    assert [o["financing_id"] for o in listed["other_financings"]] == [financing_a]
