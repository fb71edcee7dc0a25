"""A reason code is never shown alone: wherever the API or the CLI shows one, its meaning in the
project's code table (``RevocationReason``, named after ISO 20022 cancellation reasons) is
beside it, and the code stays (a tryout read ``revoke_reason: 3`` in a document list with no
meaning)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.api_helpers import (
    client_fixture,  # noqa: F401 (the fixture)
    register,
)
from tests.conftest import Network


def test_the_document_list_names_a_revocations_reason(client: TestClient, network: Network) -> None:
    doc = register(client, network.enterprise)
    owner = network.enterprise.headers
    done = client.post(f"/v1/documents/{doc}/revoke", json={"reason_code": 3}, headers=owner)
    assert done.status_code == 200, done.text
    listed = client.get("/v1/documents?status=revoked", headers=network.regulator.headers)
    assert listed.status_code == 200, listed.text
    (item,) = [i for i in listed.json()["items"] if i["doc_hash"] == doc]
    assert item["revoke_reason"] == 3
    assert item["revoke_reason_name"] == "cancelled_by_issuer"
    active = client.get("/v1/documents?status=active", headers=network.regulator.headers)
    assert all(i["revoke_reason_name"] is None for i in active.json()["items"])
    shown = client.get(f"/v1/documents/{doc}", headers=owner).json()
    assert shown["revocation"]["reason_name"] == "cancelled_by_issuer"
