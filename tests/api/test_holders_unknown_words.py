"""The ``holders_unknown`` notice says, per role, what is true for the caller and what it can
do: a file's on-chain fingerprints are evaluated for a bank's gateway only, which is no fault
of a regulator (given them from a bank's stored copy, when one was lodged here) nor something
an enterprise or attestor should ask a bank about."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from api_helpers import client_fixture, financed_invoice, own_invoice, xml
from fastapi.testclient import TestClient

if TYPE_CHECKING:
    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]


def _notice(client: TestClient, who: Participant, invoice: bytes) -> tuple[str, str]:
    checked = client.post("/v1/documents/check", files=xml(invoice), headers=who.headers)
    assert checked.status_code == 200, checked.text
    body: dict[str, Any] = checked.json()
    [message] = [n["message"] for n in body["notices"] if n["kind"] == "holders_unknown"]
    assert "evaluated for banks only" not in message
    return str(body["doc_hash"]), str(message)


def test_a_regulator_is_told_no_bank_lodged_a_copy_and_how_to_find_financings(
    client: TestClient, network: Network
) -> None:
    # financed by the bank, which never lodged a copy here: the regulator has no fingerprints
    invoice = own_invoice("UNLODGED")
    doc_hash = client.post(
        "/v1/documents", files=xml(invoice), headers=network.enterprise.headers
    ).json()["doc_hash"]
    checked, message = _notice(client, network.regulator, invoice)
    assert checked == doc_hash
    assert message.startswith("whether an active financing holds this file is not known here: ")
    assert "no bank lodged a copy of this document at this gateway" in message
    assert f"GET /v1/audit/financeable?doc_hash={doc_hash}" in message
    assert f"tradeledger audit timeline {doc_hash}" in message
    # what it is pointed at answers it
    found = client.get(
        "/v1/audit/financeable", params={"doc_hash": doc_hash}, headers=network.regulator.headers
    )
    assert found.status_code == 200, found.text
    timeline = client.get(
        f"/v1/audit/documents/{doc_hash}/timeline", headers=network.regulator.headers
    )
    assert timeline.status_code == 200, timeline.text


def test_the_other_roles_are_told_what_is_true_for_them(
    client: TestClient, network: Network
) -> None:
    invoice = own_invoice("OTHERS")
    for who in (network.enterprise, network.attestor, network.admin):
        doc_hash, message = _notice(client, who, invoice)
        assert "shown to banks and regulators only" in message, (who.role, message)
        assert "no bank lodged" not in message
        assert "financeable" not in message  # a bank's and a regulator's read
        timeline = client.get(f"/v1/audit/documents/{doc_hash}/timeline", headers=who.headers)
        assert timeline.status_code == 200, (who.role, timeline.text)
    _, enterprise = _notice(client, network.enterprise, invoice)
    assert "a document it registered only when the terms are sealed to it" in enterprise
    # the same words for every file an enterprise checks: they tell nothing of this one's
    assert _notice(client, network.enterprise, own_invoice("ANOTHER"))[1] == enterprise


def test_a_bank_evaluates_and_is_given_no_such_notice(client: TestClient, network: Network) -> None:
    invoice = own_invoice("BANK")
    financed_invoice(client, network, invoice)
    body = client.post(
        "/v1/documents/check", files=xml(invoice), headers=network.bank_b.headers
    ).json()
    assert "holders_unknown" not in {n["kind"] for n in body["notices"]}
    assert body["fingerprints"]
