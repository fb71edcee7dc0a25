"""The ``holders_unknown`` notice says, per role, what is true for the caller and what it can
do: a file's on-chain fingerprints are evaluated for a bank's gateway only, which is no fault
of a regulator (given them from a bank's stored copy, when one was lodged here) nor something
an enterprise or attestor should ask a bank about."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from api_helpers import client_fixture, financed_invoice, own_invoice, xml
from fastapi.testclient import TestClient

from ledger.services.documents import holders_unknown_notice

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
        # the commands to read its financings name this file's hash, never a placeholder
        # (a tryout read "{doc_hash}" and "<doc_hash>" in an enterprise's and attestor's notice)
        assert f"/v1/audit/documents/{doc_hash}/timeline" in message, (who.role, message)
        assert f"tradeledger audit timeline {doc_hash}" in message, (who.role, message)
        assert "<doc_hash>" not in message
        assert "{doc_hash}" not in message
        timeline = client.get(f"/v1/audit/documents/{doc_hash}/timeline", headers=who.headers)
        assert timeline.status_code == 200, (who.role, timeline.text)
    checked, enterprise = _notice(client, network.enterprise, invoice)
    assert "a document it registered only when the terms are sealed to it" in enterprise
    # the same words for every file an enterprise checks but its own hash: they tell nothing
    # of this one's financing
    other, another = _notice(client, network.enterprise, own_invoice("ANOTHER"))
    assert another.replace(other, "HASH") == enterprise.replace(checked, "HASH")


def test_a_bank_evaluates_and_is_given_no_such_notice(client: TestClient, network: Network) -> None:
    invoice = own_invoice("BANK")
    financed_invoice(client, network, invoice)
    body = client.post(
        "/v1/documents/check", files=xml(invoice), headers=network.bank_b.headers
    ).json()
    assert "holders_unknown" not in {n["kind"] for n in body["notices"]}
    assert body["fingerprints"]


#: what each role that is told it learns of a financing (tryout: an attestor registering or
#: reading was told what an enterprise learns)
LEARNS = {
    "enterprise": "an enterprise learns of a financing of a document it registered only when the "
    "terms are sealed to it (it is shown to be the document's seller, or the bank shared them)",
    "attestor": "an attestor learns of a financing of a document it registered only when the "
    "financing bank shared the terms with it",
}


def _holders_unknown(notices: list[dict[str, Any]]) -> str:
    [message] = [n["message"] for n in notices if n["kind"] == "holders_unknown"]
    return str(message)


def test_the_notice_is_worded_for_the_role_that_registers_checks_and_receives(
    client: TestClient, network: Network
) -> None:
    for who in (network.enterprise, network.attestor):
        role = who.role.name.lower()
        other = next(r for r in LEARNS if r != role)
        invoice = own_invoice(f"WORDS-{role}")
        registered = client.post("/v1/documents", files=xml(invoice), headers=who.headers)
        assert registered.status_code == 201, registered.text
        said = {
            "register": _holders_unknown(registered.json()["notices"]),
            "check": _notice(client, who, invoice)[1],
            "receive": _holders_unknown(
                client.post(
                    "/v1/documents/receive", files=xml(invoice), headers=who.headers
                ).json()["notices"]
            ),
        }
        for where, message in said.items():
            assert LEARNS[role] in message, (role, where, message)
            assert f"an {other} learns" not in message, (role, where, message)
    # a role without words of its own is told only what is true for every role
    message = holders_unknown_notice("gateway", "0x" + "00" * 32).message
    assert "shown to banks and regulators only" in message
    assert not any(words in message for words in ("an enterprise", "an attestor", "a regulator"))
