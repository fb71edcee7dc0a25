"""``financings`` of ``GET /v1/documents/{hash}``, per role (tryout): another bank that reads
none of them got ``[]`` and an attestor ``null``, and the field said "the financings that
pledged it", so ``[]`` read as "none pledged it". The shape is one rule (``document_detail``):
a list of the financings whose sealed terms the caller's key opens for the roles that may
learn of a document's financing — ``[]``: you read none, not that none exists — and ``null``
for the others (not shown to your role), as docs/api.md says.

Real HTTP app, real chain."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from api_helpers import client_fixture, financed_invoice
from fastapi.testclient import TestClient

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]


def _financings(client: TestClient, who: Participant, doc_hash: str) -> Any:
    answer = client.get(f"/v1/documents/{doc_hash}", headers=who.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["financings"]


def test_financings_per_role(client: TestClient, network: Network) -> None:
    doc_hash, financing_id = financed_invoice(client, network)  # the enterprise registered it
    shapes = {name: _financings(client, who, doc_hash) for name, who in network.by_role().items()}
    assert shapes == {
        "bank": [financing_id],  # its own
        "regulator": [financing_id],
        "enterprise": [financing_id],  # the registrant: sealed to it
        "attestor": None,  # not shown to its role
        "admin": [],  # may learn of it, reads none: the bank did not seal it to the operator
    }
    # another bank reads none: [] — its words must not say that none pledges it
    assert _financings(client, network.bank_b, doc_hash) == []


def test_the_field_says_what_an_empty_list_means(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["DocumentDetail"]
    words = schema["properties"]["financings"]["description"]
    assert "whose sealed terms your key opens" in words
    assert "[] when you read none, which does not say that none pledges it" in words
    assert "null: not shown to your role" in words
