"""Authorisation is decided before state: a member acting on another member's document or
financing gets 403 whatever that record's state, and learns nothing of it (a tryout revoked
another member's revoked document and read 409 "is revoked, not active"). Nothing is written."""

from __future__ import annotations

import os
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.api_helpers import (
    client_fixture,  # noqa: F401 (the fixture)
    financed_invoice,
    register,
    unique_file,
)
from tests.conftest import Network


def _history_length(client: TestClient, network: Network, doc_hash: str) -> int:
    got = client.get(f"/v1/documents/{doc_hash}", headers=network.enterprise.headers)
    return len(got.json()["history"])


def _refused(response: Any, error: str) -> None:
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["error"] == error
    assert "status" not in body["details"]
    assert "revoked" not in body["message"]
    assert "superseded" not in body["message"]


@pytest.mark.parametrize("state", ["active", "revoked", "superseded"])
def test_another_members_document_is_403_in_every_state(
    client: TestClient, network: Network, state: str
) -> None:
    doc = register(client, network.enterprise)
    owner = network.enterprise.headers
    if state == "revoked":
        done = client.post(f"/v1/documents/{doc}/revoke", json={"reason_code": 1}, headers=owner)
        assert done.status_code == 200, done.text
    elif state == "superseded":
        done = client.post(f"/v1/documents/{doc}/supersede", files=unique_file(), headers=owner)
        assert done.status_code == 201, done.text
    before = _history_length(client, network, doc)
    for other in (network.attestor, network.bank):
        revoke = client.post(
            f"/v1/documents/{doc}/revoke", json={"reason_code": 3}, headers=other.headers
        )
        _refused(revoke, "NotDocumentRegistrant")
    supersede = client.post(
        f"/v1/documents/{doc}/supersede", files=unique_file(), headers=network.attestor.headers
    )
    _refused(supersede, "NotDocumentRegistrant")
    assert _history_length(client, network, doc) == before


@pytest.mark.parametrize("state", ["active", "closed", "cancelled"])
def test_another_banks_financing_is_403_in_every_state(
    client: TestClient, network: Network, state: str
) -> None:
    _, fid = financed_invoice(client, network)
    mine = network.bank.headers
    if state == "closed":
        assert client.post(f"/v1/financings/{fid}/close", headers=mine).status_code == 200
    elif state == "cancelled":
        done = client.post(f"/v1/financings/{fid}/cancel", json={"reason_code": 1}, headers=mine)
        assert done.status_code == 200, done.text
    other = network.bank_b.headers
    for path, body in (
        ("drawdown", {"amount": 100}),
        ("repay", {"amount": 100}),
        ("close", None),
        ("cancel", {"reason_code": 2}),
    ):
        got = client.post(f"/v1/financings/{fid}/{path}", json=body, headers=other)
        _refused(got, "NotFinancingBank")


def test_the_registrant_still_learns_its_own_documents_state(
    client: TestClient, network: Network
) -> None:
    doc = register(client, network.enterprise)
    owner = network.enterprise.headers
    assert (
        client.post(f"/v1/documents/{doc}/revoke", json={"reason_code": 1}, headers=owner)
    ).status_code == 200
    again = client.post(f"/v1/documents/{doc}/revoke", json={"reason_code": 1}, headers=owner)
    assert again.status_code == 409
    assert again.json()["error"] == "DocumentNotActive"


@pytest.mark.parametrize("state", ["active", "revoked"])
def test_the_callers_role_is_refused_before_the_documents_owner(
    network: Network, state: str
) -> None:
    """A tryout revoked a document as a regulator: the API said the role may not do this, the
    CLI (the service, without the API's role check) that only its registrant may. Who the
    caller is comes first, as in the contract: the regulator's role is refused (revoke and
    supersede), an admin may revoke but not supersede, another bank is not the registrant."""
    from ledger.errors import LedgerError
    from ledger.services import documents as docs

    ledger, owner = network.ledger, network.enterprise.address
    _, _, registration = docs.register_file(ledger, owner, "enterprise", os.urandom(32), "r.bin")
    doc_hash = bytes.fromhex(registration.doc_hash[2:])
    if state == "revoked":
        docs.revoke(ledger, owner, doc_hash, 1)
    cases = [
        (lambda: docs.revoke(ledger, network.regulator.address, doc_hash, 3), "RoleNotAllowed"),
        (
            lambda: docs.supersede(ledger, network.regulator.address, doc_hash, os.urandom(32)),
            "RoleNotAllowed",
        ),
        (
            lambda: docs.supersede(ledger, network.admin.address, doc_hash, os.urandom(32)),
            "RoleNotAllowed",
        ),
        (lambda: docs.revoke(ledger, network.bank.address, doc_hash, 3), "NotDocumentRegistrant"),
    ]
    for act, code in cases:
        with pytest.raises(LedgerError) as refused:
            act()
        assert refused.value.code == code
        assert "revoked" not in refused.value.message
    assert docs.get_registration(ledger, doc_hash).status.name == (
        "REVOKED" if state == "revoked" else "ACTIVE"
    )
