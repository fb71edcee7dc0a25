"""An ``Idempotency-Key`` is the participant's own: another member's use of the same key never
binds it, nor keeps it bound after a request refused as invalid.

A tryout: bank A created a financing with key K; bank B's financing with K of a document it
had not lodged was refused (422) — and then bank B's drawdown with K was a 409 "was given
before with another request", telling it that someone had used its key. A refused request
frees its key unless its write signed something; that was asked of every sender's
transactions, so bank A's financing under K kept bank B's refused binding. Real gateway app,
real chain of the run."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from api_helpers import client_fixture, lodge, own_invoice, register, xml

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]


def _finance(client: TestClient, bank: Participant, doc_hash: str, key: str) -> Any:
    body = {
        "documents": [{"doc_hash": doc_hash, "amount": 100_000}],
        "currency": "DKK",
        "kind": "invoice_financing",
        "maturity": "2099-12-31",
        "reference": "KEYS",
    }
    return client.post(
        "/v1/financings", json=body, headers={**bank.headers, "Idempotency-Key": key}
    )


def test_another_members_key_never_binds_this_ones(client: TestClient, network: Network) -> None:
    key = "shared-key-1"
    first = own_invoice("KEYA")
    doc_a = register(client, network.enterprise, xml(first))
    lodge(client, network.bank, first)
    made = _finance(client, network.bank, doc_a, key)
    assert made.status_code == 201, made.text
    # bank B, the same key, a document it never lodged: refused as invalid, nothing signed
    refused = _finance(client, network.bank_b, "0x" + "ab" * 32, key)
    assert refused.status_code == 422, refused.text
    # the key is still free for bank B's own write
    second = own_invoice("KEYB")
    doc_b = register(client, network.enterprise, xml(second))
    lodge(client, network.bank_b, second)
    own = _finance(client, network.bank_b, doc_b, key)
    assert own.status_code == 201, own.text
    assert own.json()["bank"] == network.bank_b.address
    # and each bank's retry replays its own financing
    assert (
        _finance(client, network.bank, doc_a, key).json()["financing_id"]
        == (made.json()["financing_id"])
    )
    assert (
        _finance(client, network.bank_b, doc_b, key).json()["financing_id"]
        == (own.json()["financing_id"])
    )
