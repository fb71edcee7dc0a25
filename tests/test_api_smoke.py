"""Through HTTP against the real embedded chain: register a file, read it back, verify it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from api.app import create_app

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network


@pytest.fixture
def client(network: Network) -> Iterator[TestClient]:
    app = create_app(network.ledger.settings, network.ledger)
    with TestClient(app) as test_client:
        yield test_client


def test_register_read_and_verify_a_file(client: TestClient, network: Network) -> None:
    files = {"file": ("invoice.pdf", b"%PDF-1.7 an invoice", "application/pdf")}
    created = client.post(
        "/v1/documents",
        files=files,
        data={"doc_type": "invoice"},
        headers=network.enterprise.headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["registered_by"] == network.enterprise.address
    assert body["doc_type"] == "invoice"
    assert body["block"] >= 1
    assert body["tx_hash"].startswith("0x")

    read = client.get(f"/v1/documents/{body['doc_hash']}", headers=network.bank.headers)
    assert read.status_code == 200
    assert read.json()["registered_by"] == network.enterprise.address

    verified = client.post("/v1/documents/verify", files=files, headers=network.regulator.headers)
    assert verified.json()["registered"] is True
    assert verified.json()["valid"] is True

    other = {"file": ("invoice.pdf", b"%PDF-1.7 an invoice ", "application/pdf")}
    assert (
        client.post("/v1/documents/verify", files=other, headers=network.bank.headers).json()[
            "registered"
        ]
        is False
    )


def test_second_registration_is_409_naming_the_first(client: TestClient, network: Network) -> None:
    files = {"file": ("a.xml", b"<Invoice/>", "application/xml")}
    first = client.post("/v1/documents", files=files, headers=network.enterprise.headers)
    assert first.status_code == 201
    again = client.post("/v1/documents", files=files, headers=network.bank.headers)
    assert again.status_code == 409
    error = again.json()
    assert error["error"] == "DocumentAlreadyRegistered"
    assert error["details"]["registrant"].lower() == network.enterprise.address.lower()
    assert "Traceback" not in again.text


def test_roles_and_auth_both_ways(client: TestClient, network: Network) -> None:
    files = {"file": ("b.txt", b"bill of lading 42", "text/plain")}
    assert client.post("/v1/documents", files=files).status_code == 401
    bad = {"Authorization": "Bearer tl_0000000000000000_nope"}
    assert client.post("/v1/documents", files=files, headers=bad).status_code == 401
    refused = client.post("/v1/documents", files=files, headers=network.regulator.headers)
    assert refused.status_code == 403
    allowed = client.post("/v1/documents", files=files, headers=network.attestor.headers)
    assert allowed.status_code == 201


def test_unknown_document_is_404_and_bad_hash_is_422(client: TestClient, network: Network) -> None:
    missing = client.get("/v1/documents/0x" + "ab" * 32, headers=network.bank.headers)
    assert missing.status_code == 404
    bad = client.get("/v1/documents/not-a-hash", headers=network.bank.headers)
    assert bad.status_code == 422
    assert bad.json()["details"]["field"] == "doc_hash"
