"""A file whose document type code (BT-3) EN 16931 does not admit is refused at every route
that reads it, naming the element and BR-CL-01; nothing is stored, nothing financed
(``ledger.documents.ubl.document_type_code``).

Before, ``<cbc:InvoiceTypeCode>999</cbc:InvoiceTypeCode>`` was read as an invoice: registered,
lodged and financed as one."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import pytest
from api_helpers import client_fixture, own_invoice, xml
from fastapi.testclient import TestClient

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

TYPE_CODE = b"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>"


@pytest.mark.parametrize("code", [b"999", b"Invoice"])
def test_an_unknown_type_code_is_refused_everywhere(
    client: TestClient, network: Network, code: bytes
) -> None:
    invoice = own_invoice("TYPECODE")
    assert TYPE_CODE in invoice
    bad = invoice.replace(TYPE_CODE, b"<cbc:InvoiceTypeCode>" + code + b"</cbc:InvoiceTypeCode>")
    bad_hash = "0x" + hashlib.sha256(bad).hexdigest()
    answers = {
        "check": client.post("/v1/documents/check", files=xml(bad), headers=network.bank.headers),
        "receive": client.post(
            "/v1/documents/receive", files=xml(bad), headers=network.bank.headers
        ),
        "register": client.post(
            "/v1/documents", files=xml(bad), headers=network.enterprise.headers
        ),
        "verify": client.post(
            "/v1/documents/verify", files=xml(bad), headers=network.regulator.headers
        ),
    }
    for route in ("check", "receive", "register"):
        response = answers[route]
        assert response.status_code == 422, (route, response.text)
        body = response.json()
        assert body["error"] == "document_format_error", body
        assert body["details"]["field"] == "cbc:InvoiceTypeCode", body
        assert body["details"]["value"] == code.decode(), body
        assert body["details"]["business_rule"] == "EN 16931 BR-CL-01", body
        assert "BT-3" in body["message"], body
    # verify hashes the bytes and reads no facts: the file is simply not registered
    assert answers["verify"].status_code == 200, answers["verify"].text
    assert answers["verify"].json()["status"] == "not_registered"
    assert client.get(f"/v1/documents/{bad_hash}", headers=network.bank.headers).status_code == 404
    lodged = client.get("/v1/documents/lodged", headers=network.bank.headers).json()
    assert bad_hash not in [item["doc_hash"] for item in lodged["items"]]

    # the control: the same invoice typed 380 is read, and a 384 (a corrected invoice) too
    for good_code in (b"380", b"384"):
        good = invoice.replace(
            TYPE_CODE, b"<cbc:InvoiceTypeCode>" + good_code + b"</cbc:InvoiceTypeCode>"
        )
        response = client.post("/v1/documents/check", files=xml(good), headers=network.bank.headers)
        assert response.status_code == 200, response.text
