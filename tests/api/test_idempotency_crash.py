"""HTTP ``Idempotency-Key`` all the way down: when the gateway dies after the chain committed a
write but before it stored the answer, the retry returns that write's outcome — the same
financing id, the drawdown applied once — never a second transaction and never a refusal of
the caller's own write. (The crash is emulated by removing the stored answer; the suite in
tests/reliability kills real gateway processes.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from api_helpers import UBL, client_fixture, lodge, unique_file
from fastapi.testclient import TestClient
from sqlalchemy import delete

from ledger.gatewaydb import IdempotencyRow

if TYPE_CHECKING:
    from tests.conftest import Network

__all__ = ["client_fixture"]


def lose_stored_answers(network: Network) -> None:
    """What a crash between the chain's commit and the stored response leaves: a bound key
    with no answer, and a gateway with nothing in memory."""
    with network.ledger.db.session() as s, s.begin():
        s.execute(delete(IdempotencyRow))
    network.ledger._transactors.clear()


def test_retries_after_a_lost_answer_apply_each_write_once(
    client: TestClient, network: Network
) -> None:
    bank = network.bank.headers
    doc = lodge(client, network.bank, UBL)["doc_hash"]
    first = client.post(
        "/v1/financings",
        json={
            "documents": [{"doc_hash": doc, "amount": 374_000}],
            "currency": "DKK",
            "kind": "invoice_financing",
            "maturity": "2099-01-01",
            "reference": "CRASH-1",
        },
        headers={**bank, "Idempotency-Key": "fin-crash"},
    )
    assert first.status_code == 201, first.text
    fid = first.json()["financing_id"]
    lose_stored_answers(network)
    retried = client.post(
        "/v1/financings",
        json={
            "documents": [{"doc_hash": doc, "amount": 374_000}],
            "currency": "DKK",
            "kind": "invoice_financing",
            "maturity": "2099-01-01",
            "reference": "CRASH-1",
        },
        headers={**bank, "Idempotency-Key": "fin-crash"},
    )
    assert retried.status_code == 201, retried.text
    assert retried.json()["financing_id"] == fid

    base = f"/v1/financings/{fid}"
    for _ in range(3):
        drawn = client.post(
            f"{base}/drawdown", json={"amount": 70_000}, headers={**bank, "Idempotency-Key": "d1"}
        )
        assert drawn.status_code == 200, drawn.text
        lose_stored_answers(network)
    assert client.get(base, headers=bank).json()["drawn"] == 70_000

    files = unique_file("crash")
    ent = {**network.enterprise.headers, "Idempotency-Key": "reg-crash"}
    one = client.post("/v1/documents", files=files, headers=ent)
    lose_stored_answers(network)
    two = client.post("/v1/documents", files=files, headers=ent)
    assert one.status_code == two.status_code == 201, two.text
    assert one.json()["tx_hash"] == two.json()["tx_hash"]

    contract = network.ledger.contract.functions
    assert contract.financingCount().call() == 1
    refused = network.ledger.contract.events.FinancingRefused().get_logs(from_block=0)
    assert refused == []


def test_a_key_bound_to_one_request_refuses_another_even_before_an_answer(
    client: TestClient, network: Network
) -> None:
    headers = {**network.enterprise.headers, "Idempotency-Key": "bound"}
    first = client.post("/v1/documents", files=unique_file("a"), headers=headers)
    assert first.status_code == 201
    lose_stored_answers(network)
    other = client.post("/v1/documents", files=unique_file("b"), headers=headers)
    assert other.status_code == 409  # the journal binds the key to the first call
    assert other.json()["details"]["idempotency_key"]


def test_a_transient_failure_is_never_stored(client: TestClient, network: Network) -> None:
    """A write the node refuses (here: the member's account cannot pay for gas) answers 503 and
    is not stored under its key: once the cause is gone, the retry with the same key works."""
    if network.ledger.settings.gas_pricing == "zero":
        pytest.skip("a free-gas network: no fee can be unaffordable")
    ledger = network.ledger
    headers = {**network.enterprise.headers, "Idempotency-Key": "transient"}
    files = unique_file("transient")
    real = ledger.fees.fields

    def unaffordable() -> dict[str, int]:
        return {"gasPrice": 10**30}

    ledger.fees.fields = unaffordable  # type: ignore[method-assign]
    try:
        refused = client.post("/v1/documents", files=files, headers=headers)
    finally:
        ledger.fees.fields = real  # type: ignore[method-assign]
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"] == "transaction_rejected"
    retried = client.post("/v1/documents", files=files, headers=headers)
    assert retried.status_code == 201, retried.text
    assert "Idempotent-Replayed" not in retried.headers


def test_no_secret_is_stored_in_an_idempotency_record(client: TestClient, network: Network) -> None:
    """An onboarding's answer shows the new member's API key once: it is never stored. A retry
    under the same key onboards no second member; it shows a fresh key and revokes the lost
    one."""
    headers = {**network.admin.headers, "Idempotency-Key": "onboard-d"}
    body = {"name": "Bank D", "role": "bank"}
    before = network.ledger.contract.functions.memberCount().call()
    first = client.post("/v1/members", json=body, headers=headers)
    assert first.status_code == 201, first.text
    secret = first.json()["api_key"]
    with network.ledger.db.session() as s:
        stored = [row.response_json for row in s.query(IdempotencyRow).all()]
    assert stored
    assert not any(secret in text for text in stored)
    again = client.post("/v1/members", json=body, headers=headers)
    assert again.status_code == 201, again.text
    assert again.json()["address"] == first.json()["address"]
    assert network.ledger.contract.functions.memberCount().call() == before + 1
    fresh = {"Authorization": f"Bearer {again.json()['api_key']}"}
    assert client.get("/v1/members", headers=fresh).status_code == 200
    lost = {"Authorization": f"Bearer {secret}"}
    assert client.get("/v1/members", headers=lost).status_code == 401
