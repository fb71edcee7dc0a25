"""Through the API, a request that fails writes nothing: a JSON body that is not a JSON form is
refused before it is registered as a plain file, and a financing of a document without
fingerprints answers 422 saying which identifier failed which check, with the document left
unregistered. Real app, real embedded chain."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from api_helpers import client_fixture, finance
from fastapi.testclient import TestClient

from ledger.services import documents as docs

if TYPE_CHECKING:
    from tests.conftest import Network

__all__ = ["client_fixture"]


def _nonce(network: Network, address: str) -> int:
    return int(network.ledger.w3.eth.get_transaction_count(address))


def test_a_json_body_that_is_not_a_form_is_not_registered(
    client: TestClient, network: Network
) -> None:
    body = {"documentNumber": "MAEU-1", "issuer": {"id": "DK13585628", "scheme": "VAT"}}
    before = _nonce(network, network.enterprise.address)
    answer = client.post("/v1/documents/json", json=body, headers=network.enterprise.headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["details"]["field"] == "documentType"
    canonical = hashlib.sha256(docs.canonical_json(body)).digest()
    assert docs.find_registration(network.ledger, canonical) is None
    assert _nonce(network, network.enterprise.address) == before


def test_a_financing_without_fingerprints_answers_why_and_writes_nothing(
    client: TestClient, network: Network
) -> None:
    form = {
        "documentType": "Invoice",
        "documentNumber": "BV-11",
        "issueDate": "2026-02-01",
        "issuer": {"id": "DK11111111", "scheme": "VAT", "name": "Seller ApS"},
        "consignee": {"id": "DE136695976", "scheme": "VAT"},
        "totalAmount": {"value": "500.00", "currency": "DKK"},
    }
    lodged = client.post(
        "/v1/documents/receive",
        files={"file": ("bv11.json", json.dumps(form).encode(), "application/json")},
        headers=network.bank.headers,
    )
    assert lodged.status_code == 200, lodged.text
    examined = lodged.json()
    assert examined["fingerprints"] == []
    assert {"identifier_rejected", "seller_unkeyed"} <= {n["kind"] for n in examined["notices"]}
    before = _nonce(network, network.bank.address)
    answer = finance(client, network.bank, examined["doc_hash"], 10_000)
    assert answer.status_code == 422, answer.text
    error = answer.json()
    assert error["details"]["field"] == "documents[0].doc_hash"
    assert "DK11111111" in error["message"]
    assert "failed their checks" in error["message"]
    assert _nonce(network, network.bank.address) == before
    assert docs.find_registration(network.ledger, docs.parse_doc_hash(examined["doc_hash"])) is None
