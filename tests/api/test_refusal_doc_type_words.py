"""A financing refused because another bank holds a fingerprint of a bill of lading (or of any
other non-invoice document) said "the invoice of document …" and "a fingerprint of the invoice
is held there": the sentence now names the document's registered type (``details.doc_type``),
and an invoice's refusal keeps its words (tests/cli/test_cli_error_words.py)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from api_helpers import BILL, client_fixture, finance
from fastapi.testclient import TestClient

from ledger.messages import doc_type_word

if TYPE_CHECKING:
    from tests.conftest import Network

__all__ = ["client_fixture"]


def test_a_pledged_bill_of_lading_is_refused_in_its_own_words(
    client: TestClient, network: Network
) -> None:
    form = {**json.loads(BILL), "totalAmount": {"value": "4675.00", "currency": "DKK"}}
    created = client.post("/v1/documents/json", json=form, headers=network.enterprise.headers)
    assert created.status_code == 201, created.text
    assert created.json()["doc_type"] == "bill_of_lading"
    doc = created.json()["doc_hash"]
    for bank in (network.bank, network.bank_b):  # each bank lodges its copy of the JSON form
        lodged = client.post(
            "/v1/documents/receive",
            files={"file": ("bill.json", json.dumps(form).encode(), "application/json")},
            headers=bank.headers,
        )
        assert lodged.status_code == 200, lodged.text
    made = finance(client, network.bank, doc, amount=100_000, kind="pre_shipment")
    assert made.status_code == 201, made.text

    refused = finance(client, network.bank_b, doc, amount=100_000, kind="pre_shipment")
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["details"]["reason"] == "FINGERPRINT_PLEDGED"
    assert body["details"]["doc_type"] == "bill_of_lading"
    message = body["message"]
    assert f"the bill of lading of document {doc} (this file or another copy of it)" in message
    assert "of the bill of lading is held there" in message
    assert "invoice" not in message

    # the regulator's audit view of the refusal says it the same way
    listed = client.get("/v1/audit/refusals", headers=network.regulator.headers)
    assert listed.status_code == 200, listed.text
    (summary,) = [i["summary"] for i in listed.json()["items"] if i["doc_hash"] == doc]
    assert "of the bill of lading is held there" in summary, summary
    assert "invoice" not in summary


@pytest.mark.parametrize(
    ("doc_type", "word"),
    [
        (None, "invoice"),  # a refusal given without it: as before
        ("invoice", "invoice"),
        ("bill_of_lading", "bill of lading"),
        ("warehouse_receipt", "warehouse receipt"),
        (3, "warehouse receipt"),
        ("other", "document"),
        ("nonsense", "document"),
    ],
)
def test_a_document_type_in_words(doc_type: object, word: str) -> None:
    assert doc_type_word(doc_type) == word
