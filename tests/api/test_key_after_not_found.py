"""A write refused as naming nothing (404: a financing id that names none, a mistyped path)
before anything was signed leaves its ``Idempotency-Key`` free for the corrected request, at
the API's door and in the financing service's binding alike. Tryout 67 sent a repayment to
financing 100 (404), then to financing 10 with the same key, and was refused the key (409)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from api_helpers import client_fixture, financed_invoice

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]


def test_a_drawdown_sent_to_no_financing_leaves_its_key_to_the_right_one(
    client: TestClient, network: Network
) -> None:
    _, financing = financed_invoice(client, network)
    key = {**network.bank.headers, "Idempotency-Key": f"after-404-{financing}"}
    body = {"amount": 1_000}
    for wrong in (
        f"/v1/financings/{financing + 1000}/drawdown",
        f"/v1/financings/{financing}/drawdownz",
    ):
        missed = client.post(wrong, json=body, headers=key)
        assert missed.status_code == 404, missed.text
    done = client.post(f"/v1/financings/{financing}/drawdown", json=body, headers=key)
    assert done.status_code == 200, done.text
    again = client.post(f"/v1/financings/{financing}/drawdown", json=body, headers=key)
    assert again.status_code == 200, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    read = client.get(f"/v1/financings/{financing}", headers=network.bank.headers).json()
    assert read["drawn"] == 1_000, read  # once
