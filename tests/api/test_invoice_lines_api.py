"""A line that cannot be read refuses the file at every route, naming the line; nothing is
stored (``ledger/documents/lines.py``).

Tryout 51 (2026-12-06): Bank A financed an invoice; its seller re-issued it under a new number
and date with a 1,000.00 DKK prepayment (BT-113) and wrote one line's quantity as ``1E3``. The
reader dropped every line of the re-issue without a word, so Bank B's check found no re-issue
(its amount due differs, and its lines were gone) and the regulator's comparison listed nothing.
The file is refused now, at check, receive and register alike; the same re-issue with its
quantity as an ``xs:decimal`` is suspected, as it always was."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import pytest
from api_helpers import check, client_fixture, finance, lodge, own_invoice, register, reissued, xml
from fastapi.testclient import TestClient

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

QUANTITY = b'<cbc:InvoicedQuantity unitCode="EA">1000</cbc:InvoicedQuantity>'
PAYABLE = b'<cbc:PayableAmount currencyID="DKK">4675.00</cbc:PayableAmount>'
PREPAID = (
    b'<cbc:PrepaidAmount currencyID="DKK">1000.00</cbc:PrepaidAmount>'
    b'<cbc:PayableAmount currencyID="DKK">3675.00</cbc:PayableAmount>'
)
FIELD = "cac:InvoiceLine[1]/cbc:InvoicedQuantity"


def _prepaid_reissue(invoice: bytes, quantity: bytes) -> bytes:
    reissue = reissued(invoice).replace(PAYABLE, PREPAID, 1)
    assert QUANTITY in reissue
    return reissue.replace(
        b">1000</cbc:InvoicedQuantity>", b">" + quantity + b"</cbc:InvoicedQuantity>", 1
    )


@pytest.mark.parametrize("quantity", [b"1E3", b"abc", b"1,000"])
def test_a_prepaid_reissue_with_an_unreadable_quantity_is_refused_everywhere(
    client: TestClient, network: Network, quantity: bytes
) -> None:
    invoice = own_invoice("LINES")
    doc_hash = register(client, network.enterprise, xml(invoice))
    assert lodge(client, network.bank, invoice)["doc_hash"] == doc_hash
    assert finance(client, network.bank, doc_hash, 400_000).status_code == 201

    bad = _prepaid_reissue(invoice, quantity)
    bad_hash = "0x" + hashlib.sha256(bad).hexdigest()
    answers = {
        "check": client.post("/v1/documents/check", files=xml(bad), headers=network.bank_b.headers),
        "receive": client.post(
            "/v1/documents/receive", files=xml(bad), headers=network.bank_b.headers
        ),
        "register": client.post(
            "/v1/documents", files=xml(bad), headers=network.enterprise.headers
        ),
    }
    for route, response in answers.items():
        assert response.status_code == 422, (route, response.text)
        body = response.json()
        assert body["error"] == "document_format_error", body
        assert body["details"]["field"] == FIELD, body
        assert body["details"]["line"] == 1, body
        assert body["details"]["value"] == quantity.decode(), body
        assert "BT-129 Invoiced quantity" in body["message"], body
        assert "line 1 of the UBL 2.1 Invoice" in body["message"], body
    assert (
        client.get(f"/v1/documents/{bad_hash}", headers=network.bank_b.headers).status_code == 404
    )
    lodged = client.get("/v1/documents/lodged", headers=network.bank_b.headers).json()
    assert bad_hash not in [item["doc_hash"] for item in lodged["items"]]

    # the control: written as a decimal, Bank B's check suspects the same re-issue
    good = _prepaid_reissue(invoice, b"1000")
    assert lodge(client, network.bank_b, invoice)["doc_hash"] == doc_hash
    answer = check(client, network.bank_b, good)
    kinds = {s["kind"] for s in answer["suspicions"]}
    assert "reissue" in kinds, answer["suspicions"]
