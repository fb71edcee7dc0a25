"""A file is not a match of itself: the caller's own lodged copy of the very file it checks is
said to be lodged here (with when), never listed as an ``identical`` match.

The tryout: a bank that had lodged an invoice checked the same file and read its own copy as an
IDENTICAL match, ``lodged_by`` itself — a duplicate suspicion against itself. Now the check (and
a second receive, which already left its own copy out but said nothing) carries an
``already_lodged`` notice naming the document and the time it was lodged; a *different* file
with the same facts is still found (``same_document``), and another member's copy of the same
file is still shown to whoever may see it (a regulator).

Real HTTP app, real chain, on both backends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import check, client_fixture, lodge, own_invoice, register, xml
from fastapi.testclient import TestClient

from tests.cli.cli_helpers import ISO_UTC

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends


def _lodged_notice(answer: dict[str, Any]) -> dict[str, Any] | None:
    found = [n for n in answer["notices"] if n["kind"] == "already_lodged"]
    assert len(found) <= 1, found
    return found[0] if found else None


def _self_matches(answer: dict[str, Any], who: Participant) -> list[dict[str, Any]]:
    return [
        m
        for m in answer["matches"]
        if m["doc_hash"] == answer["doc_hash"] and who.address in m["lodged_by"]
    ]


def test_a_bank_checking_the_file_it_lodged_is_told_it_is_lodged_not_matched(
    client: TestClient, network: Network
) -> None:
    invoice = own_invoice("SELF")
    doc_hash = register(client, network.enterprise, xml(invoice))
    first = lodge(client, network.bank, invoice)
    assert _lodged_notice(first) is None  # not lodged before this
    assert _self_matches(first, network.bank) == []

    for who in (network.bank, network.enterprise):  # the lodging bank; the registrant's copy
        checked = check(client, who, invoice)
        assert _self_matches(checked, who) == [], (who.name, checked["matches"])
        assert not checked["suspicious"], (who.name, checked["suspicions"])
        notice = _lodged_notice(checked)
        assert notice is not None, (who.name, checked["notices"])
        assert notice["documents"] == [doc_hash]
        assert notice["message"].startswith("this file is already lodged here: you lodged it at ")
        assert ISO_UTC.search(notice["message"]), notice["message"]
    # a second receive of it says the same (it kept its own copy out already, silently)
    again = lodge(client, network.bank, invoice)
    assert _self_matches(again, network.bank) == []
    assert _lodged_notice(again) is not None

    # a different file with the same facts (other bytes: a comment) is still found, as the
    # same document; it is not lodged here, so no such notice
    copy = invoice.replace(b"?>", b"?><!-- re-sent -->", 1)
    other = check(client, network.bank, copy)
    assert other["doc_hash"] != doc_hash
    assert [(m["doc_hash"], m["grade"]) for m in other["matches"]] == [(doc_hash, "same_document")]
    assert _lodged_notice(other) is None

    # another member's copy of the very file is shown to who may see it: a regulator sees
    # both banks' copies; a bank that lodged it too sees none but its own notice
    lodge(client, network.bank_b, invoice)
    regulator = check(client, network.regulator, invoice)
    [match] = [m for m in regulator["matches"] if m["doc_hash"] == doc_hash]
    assert set(match["lodged_by"]) >= {network.bank.address, network.bank_b.address}
    assert _lodged_notice(regulator) is None  # the regulator lodged nothing
    bank_b = check(client, network.bank_b, invoice)
    assert _self_matches(bank_b, network.bank_b) == []
    assert _lodged_notice(bank_b) is not None


def test_a_financing_of_the_lodged_file_is_not_held_up_by_it(
    client: TestClient, network: Network
) -> None:
    invoice = own_invoice("SELF-FIN")
    doc_hash = register(client, network.enterprise, xml(invoice))
    lodge(client, network.bank, invoice)
    lodge(client, network.bank, invoice)  # lodged twice: still one file
    made = client.post(
        "/v1/financings",
        json={
            "documents": [{"doc_hash": doc_hash, "amount": 100_000}],
            "currency": "DKK",
            "kind": "invoice_financing",
            "maturity": "2099-12-31",
            "reference": "SELF-1",
        },
        headers=network.bank.headers,
    )
    assert made.status_code == 201, made.text  # no suspicion of itself to acknowledge
    assert made.json().get("suspicions") in (None, [])
