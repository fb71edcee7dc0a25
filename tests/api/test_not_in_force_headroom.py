"""A revoked or superseded document has nothing left to finance, and every answer says so
(a fresh-user tryout: ``POST /v1/documents/check`` and ``/receive`` of a revoked invoice
answered ``financing_headroom: 233750``, its document view's held copy likewise, and the bank
found out only when its financing was refused — and that refusal recorded against it).

The gateway still records a financing of such a document as a refusal for the regulator
(``DOCUMENT_REVOKED``, docs/rules.md and ledger/services/financing.py: deliberate); what
changes is that the bank is told before it tries: ``financing_headroom`` 0 with a
``document_revoked`` / ``document_superseded`` notice saying why, on check, receive and the
held copy, and a match whose document is revoked carries its ``status``. Real app, real chain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import check, client_fixture, lodge, own_invoice, register, xml
from fastapi.testclient import TestClient

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends


def _kinds(answer: dict[str, Any]) -> list[str]:
    return [n["kind"] for n in answer["notices"]]


def _notice(answer: dict[str, Any], kind: str) -> dict[str, Any]:
    (found,) = [n for n in answer["notices"] if n["kind"] == kind]
    return found


def test_a_revoked_invoice_has_no_headroom_anywhere(client: TestClient, network: Network) -> None:
    invoice = own_invoice("REV")
    doc_hash = register(client, network.enterprise, xml(invoice))
    before = check(client, network.bank, invoice)
    assert before["financing_headroom"] == before["financeable_amount"] > 0
    assert "document_revoked" not in _kinds(before)

    revoked = client.post(
        f"/v1/documents/{doc_hash}/revoke",
        json={"reason_code": 3},
        headers=network.enterprise.headers,
    )
    assert revoked.status_code == 200, revoked.text

    for answer in (check(client, network.bank, invoice), lodge(client, network.bank, invoice)):
        assert answer["registration"]["status"] == "revoked"
        assert answer["financeable_amount"] > 0  # its value as a receivable stays
        assert answer["financing_headroom"] == 0
        notice = _notice(answer, "document_revoked")
        assert notice["documents"] == [doc_hash]
        assert f"document {doc_hash} is revoked" in notice["message"]
        assert "cannot be financed" in notice["message"]
        assert "DOCUMENT_REVOKED" in notice["message"]

    # the bank lodged it: a check of a copy with other bytes matches it, and says it is revoked
    # (its own copy of the very file is no match of it: tests/api/test_own_copy_is_no_match.py)
    again = check(client, network.bank, invoice.replace(b"?>", b"?><!-- a copy -->", 1))
    (match,) = [m for m in again["matches"] if m["doc_hash"] == doc_hash]
    assert match["status"] == "revoked"

    # an enterprise (no fingerprints, pledged unknown) is told the same: 0, not null
    for who in (network.enterprise, network.regulator):
        seen = check(client, who, invoice)
        assert seen["financing_headroom"] == 0, who.name
        assert "document_revoked" in _kinds(seen), who.name

    view = client.get(f"/v1/documents/{doc_hash}", headers=network.bank.headers)
    assert view.status_code == 200, view.text
    held = view.json()["held"]
    assert held["financing_headroom"] == 0
    assert "document_revoked" in _kinds(held)


def test_a_superseded_invoice_has_no_headroom_and_names_its_amendment(
    client: TestClient, network: Network
) -> None:
    invoice, amended = own_invoice("SUP"), own_invoice("SUP")
    doc_hash = register(client, network.enterprise, xml(invoice))
    done = client.post(
        f"/v1/documents/{doc_hash}/supersede",
        files=xml(amended),
        headers=network.enterprise.headers,
    )
    assert done.status_code == 201, done.text
    successor = done.json()["new_doc_hash"]

    for answer in (check(client, network.bank, invoice), lodge(client, network.bank, invoice)):
        assert answer["registration"]["status"] == "superseded"
        assert answer["financing_headroom"] == 0
        notice = _notice(answer, "document_superseded")
        assert notice["documents"] == [doc_hash, successor]
        assert f"superseded by {successor}" in notice["message"]
        assert "DOCUMENT_SUPERSEDED" in notice["message"]

    # the amendment itself is in force: no such notice, its headroom its amount
    current = check(client, network.bank, amended)
    assert current["registration"]["status"] == "active"
    assert current["financing_headroom"] == current["financeable_amount"] > 0
    assert not {"document_revoked", "document_superseded"} & set(_kinds(current))


def test_an_active_match_says_active(client: TestClient, network: Network) -> None:
    invoice = own_invoice("ACT")
    doc_hash = register(client, network.enterprise, xml(invoice))
    lodge(client, network.bank, invoice)
    (match,) = check(client, network.bank, invoice.replace(b"?>", b"?><!-- a copy -->", 1))[
        "matches"
    ]
    assert match["doc_hash"] == doc_hash
    assert match["status"] == "active"
