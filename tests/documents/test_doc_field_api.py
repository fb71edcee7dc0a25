"""The field cases through the HTTP API: what a bank sees at check; 422 for a credit note."""

from __future__ import annotations

from typing import TYPE_CHECKING

from documents_support import field_bytes
from fastapi.testclient import TestClient

from tests.api.api_helpers import MATURITY, client_fixture, lodge, xml

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]


def test_check_says_suspicious_and_credit_note(client: TestClient, network: Network) -> None:
    bank = network.bank
    original = lodge(client, bank, field_bytes("reissue/a-original-471102.cii.xml"))
    reissued = field_bytes("reissue/c-reissued-471102-R1-new-date.cii.xml")
    body = client.post("/v1/documents/check", files=xml(reissued), headers=bank.headers).json()
    assert body["suspicious"] is True
    assert body["suspicions"][0]["kind"] == "reissue"
    assert body["suspicions"][0]["documents"] == [original["doc_hash"]]
    assert body["matches"] == []
    assert body["credit_note"] is False
    assert body["financeable_amount"] == 52987

    note = field_bytes("credit-note/base-creditnote-correction.xml")
    body = lodge(client, bank, note)
    assert body["credit_note"] is True
    assert "credit_note" in {n["kind"] for n in body["notices"]}
    response = client.post(
        "/v1/financings",
        json={
            "documents": [{"doc_hash": body["doc_hash"], "amount": 1000}],
            "currency": "EUR",
            "kind": "invoice_financing",
            "maturity": MATURITY,
        },
        headers=bank.headers,
    )
    assert response.status_code == 422, response.text
    assert "credit note" in response.text
    assert "Traceback" not in response.text
