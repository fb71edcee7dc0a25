"""A financing whose pledged document was superseded, then its amendment revoked: no version of
the invoice is in force, and every place the financing's documents are shown says so.

The newcomer's tryout (2026-12-05): financing 1 pledges invoice V1; the seller superseded V1 by
an amendment V2, then revoked V2 with reason code 4 (fraud suspected). The financing's read said
only ``superseded, superseded_by: V2``, a drawdown went through with "superseded by V2: the bank
decides", and the regulator's ``audit verify`` listed it as merely "superseded" — while ``doc
verify`` of V1 said "current version: V2 (revoked)".

Now a superseded pledged document names its current version (the end of its chain of
amendments, followed by ``doc verify``'s own walk) and that version's status, and when it is
revoked: ``no_version_in_force``, with who revoked it, when and why. The drawdown still goes
through — as on a financing of a document revoked directly (docs/rules.md: the chain does not
stop a running financing, its bank decides) — but its notice is ``document_no_version_in_force``.
The regulator lists it with the same gravity as a directly revoked one. Real HTTP app, real
chain, on both backends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import audit_rules, client_fixture, financed_invoice, own_invoice, xml
from fastapi.testclient import TestClient

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends

NOT_IN_FORCE_WORDS = ("NO VERSION", "no version", "in force")


def _supersede(client: TestClient, network: Network, doc_hash: str) -> str:
    """The exporter supersedes ``doc_hash`` by a new invoice of its own: the amendment's hash."""
    done = client.post(
        f"/v1/documents/{doc_hash}/supersede",
        files=xml(own_invoice("AMENDED")),
        headers=network.enterprise.headers,
    )
    assert done.status_code == 201, done.text
    return str(done.json()["new_doc_hash"])


def _revoke(client: TestClient, network: Network, doc_hash: str, code: int) -> dict[str, Any]:
    done = client.post(
        f"/v1/documents/{doc_hash}/revoke",
        json={"reason_code": code},
        headers=network.enterprise.headers,
    )
    assert done.status_code == 200, done.text
    body: dict[str, Any] = done.json()
    return body


def _pledged(client: TestClient, who: Participant, fid: int) -> dict[str, Any]:
    read = client.get(f"/v1/financings/{fid}", headers=who.headers)
    assert read.status_code == 200, read.text
    (document,) = read.json()["documents"]
    listed = client.get("/v1/financings", headers=who.headers).json()["items"]
    (mine,) = [f for f in listed if f["financing_id"] == fid]
    assert mine["documents"] == [document]  # the list says the same
    return dict(document)


def _drawdown(client: TestClient, network: Network, fid: int) -> dict[str, Any]:
    drawn = client.post(
        f"/v1/financings/{fid}/drawdown", json={"amount": 10_000}, headers=network.bank.headers
    )
    assert drawn.status_code == 200, drawn.text  # warned, not refused: the bank decides
    body: dict[str, Any] = drawn.json()
    return body


def test_superseded_then_its_amendment_revoked_for_fraud(
    client: TestClient, network: Network
) -> None:
    v1, fid = financed_invoice(client, network)
    v2 = _supersede(client, network, v1)

    # the control: V2 is active — a version is in force, and nothing says otherwise
    for who in (network.bank, network.regulator, network.enterprise):
        pledged = _pledged(client, who, fid)
        assert pledged["status"] == "superseded", who.name
        assert pledged["superseded_by"] == v2
        assert pledged["current_version"] == v2
        assert pledged["current_status"] == "active"
        assert pledged["current_revocation"] is None
        assert pledged["no_version_in_force"] is False
    body = _drawdown(client, network, fid)
    (notice,) = body["notices"]
    assert notice["kind"] == "document_superseded"
    assert f"its current version {v2} (the successor) is active" in notice["message"]
    assert not any(w in notice["message"] for w in NOT_IN_FORCE_WORDS), notice["message"]
    (listed,) = audit_rules(client, network.regulator)["not_in_force"]
    assert listed["status"] == "superseded"
    assert listed["current_version"] == v2
    assert listed["current_status"] == "active"
    assert listed["no_version_in_force"] is False
    assert listed["revocation"] is None
    assert not any(w in listed["message"] for w in NOT_IN_FORCE_WORDS), listed["message"]

    # V2 revoked for fraud: no version of the invoice is in force
    revoked = _revoke(client, network, v2, 4)
    document = client.get(f"/v1/documents/{v2}", headers=network.bank.headers).json()
    for who in (network.bank, network.regulator, network.enterprise):
        pledged = _pledged(client, who, fid)
        assert pledged["status"] == "superseded", who.name
        assert pledged["superseded_by"] == v2
        assert pledged["revocation"] is None  # V1 itself was superseded, not revoked
        assert pledged["current_version"] == v2
        assert pledged["current_status"] == "revoked"
        assert pledged["no_version_in_force"] is True
        assert pledged["current_revocation"] == document["revocation"]
        assert pledged["current_revocation"]["reason_code"] == 4
        assert pledged["current_revocation"]["reason_name"] == "fraud_suspected"
        assert pledged["current_revocation"]["by"] == network.enterprise.address
        assert pledged["current_revocation"]["tx_hash"] == revoked["tx_hash"]

    body = _drawdown(client, network, fid)
    assert body["financing"]["drawn"] == 20_000
    assert body["financing"]["documents"][0]["no_version_in_force"] is True
    (notice,) = body["notices"]
    assert notice["kind"] == "document_no_version_in_force"
    assert notice["documents"] == [v1, v2]
    assert notice["financings"] == [fid]
    message = notice["message"]
    assert f"superseded by {v2}; its current version {v2} (the successor) was REVOKED" in message
    assert "(reason 4: fraud_suspected)" in message
    assert network.enterprise.address in message
    assert document["revocation"]["at"] in message
    assert "NO VERSION of this document is in force" in message
    repaid = client.post(
        f"/v1/financings/{fid}/repay", json={"amount": 5_000}, headers=network.bank.headers
    )
    assert [n["kind"] for n in repaid.json()["notices"]] == ["document_no_version_in_force"]

    # the regulator: the rules hold, and it is listed as gravely as a revoked document
    rules = audit_rules(client, network.regulator)
    assert rules["clean"] is True
    (listed,) = rules["not_in_force"]
    assert listed["financing_id"] == fid
    assert listed["doc_hash"] == v1
    assert listed["status"] == "superseded"
    assert listed["superseded_by"] == v2
    assert listed["current_version"] == v2
    assert listed["current_status"] == "revoked"
    assert listed["no_version_in_force"] is True
    assert listed["revocation"]["reason_code"] == 4
    assert listed["revocation"]["reason_name"] == "fraud_suspected"
    assert listed["revocation"]["by"] == network.enterprise.address
    assert listed["revocation"]["at"] == document["revocation"]["at"]
    assert listed["revocation"]["tx_hash"] == revoked["tx_hash"]
    assert "NO VERSION of the document is in force" in listed["message"]

    # another bank still sees no pledged document, nor anything of its versions
    theirs = client.get(f"/v1/financings/{fid}", headers=network.bank_b.headers).json()
    assert theirs["documents"] == []
    assert v1 not in str(theirs)
    assert v2 not in str(theirs)


def test_a_chain_of_three_versions_names_the_last(client: TestClient, network: Network) -> None:
    v1, fid = financed_invoice(client, network)
    v2 = _supersede(client, network, v1)
    v3 = _supersede(client, network, v2)
    pledged = _pledged(client, network.bank, fid)
    assert (pledged["superseded_by"], pledged["current_version"]) == (v2, v3)
    assert pledged["current_status"] == "active"
    assert pledged["no_version_in_force"] is False

    _revoke(client, network, v3, 4)
    pledged = _pledged(client, network.bank, fid)
    assert pledged["superseded_by"] == v2
    assert pledged["current_version"] == v3
    assert pledged["current_status"] == "revoked"
    assert pledged["current_revocation"]["reason_code"] == 4
    assert pledged["no_version_in_force"] is True
    (notice,) = _drawdown(client, network, fid)["notices"]
    assert notice["kind"] == "document_no_version_in_force"
    assert notice["documents"] == [v1, v3]
    assert f"superseded by {v2}; its current version {v3} was REVOKED" in notice["message"]
    (listed,) = audit_rules(client, network.regulator)["not_in_force"]
    assert (listed["current_version"], listed["current_status"]) == (v3, "revoked")
    assert listed["no_version_in_force"] is True
    assert listed["revocation"]["reason_name"] == "fraud_suspected"
