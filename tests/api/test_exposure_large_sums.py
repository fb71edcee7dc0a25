"""The regulator's exposure adds every amount up exactly, however large the sum.

Tryout 69 financed a warehouse receipt of 2^64 - 1 minor units: the financing was written on
chain, the bank answered 500, and ``GET /v1/audit/exposure`` answered 500 from then on to every
reader (SQLite's ``SUM`` of 64-bit integers raises on overflow). Each amount is now at most
2^63 - 1 (tests/api/test_amount_words.py), and exposure is summed in Python: two financings of
5 * 10^18 minor units each at one bank sum beyond 2^63 - 1, and are read exactly.

Real HTTP app, real chain, on both backends."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING

import pytest
from api_helpers import client_fixture, finance, lodge

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends

LARGE = 5 * 10**18  # minor units: below 2^63 - 1 alone, beyond it twice


def _invoice(face_major: str, issued: str) -> bytes:
    return json.dumps(
        {
            "documentType": "Invoice",
            "documentNumber": f"BIG-{uuid.uuid4().hex[:10]}",
            "issueDate": issued,
            "issuer": {"id": "DK13585628", "scheme": "VAT", "name": "SellerCompany"},
            "totalAmount": {"value": face_major, "currency": "DKK"},
        }
    ).encode()


def test_exposure_sums_beyond_64_bits_exactly(client: TestClient, network: Network) -> None:
    bank = network.bank
    # two invoices of the seller (other amounts and dates: two receivables)
    for face, issued in (
        ("50000000000000000.00", "2026-11-01"),
        ("60000000000000000.00", "2026-11-02"),
    ):
        lodged = lodge(client, bank, _invoice(face, issued))
        made = finance(client, bank, lodged["doc_hash"], amount=LARGE, acknowledge_suspicions=True)
        assert made.status_code == 201, made.text
    for who in (network.regulator, bank):
        answer = client.get(
            "/v1/audit/exposure", params={"member": bank.address}, headers=who.headers
        )
        assert answer.status_code == 200, answer.text
        (row,) = [r for r in answer.json()["items"] if r["currency"] == "DKK"]
        assert row["financings"] == 2, row
        assert row["financed"] == 2 * LARGE  # 10^19 > 2^63 - 1, exact
    by_enterprise = client.get(
        "/v1/audit/exposure", params={"by": "enterprise"}, headers=network.regulator.headers
    )
    assert by_enterprise.status_code == 200, by_enterprise.text
    assert sum(r["financed"] for r in by_enterprise.json()["items"]) == 2 * LARGE
