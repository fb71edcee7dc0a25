"""A financing's drawdowns and repayments say when they were recorded.

A tryout read ``GET /v1/financings/{id}`` (and ``finance show``) and found its entries with a
type, an amount, a block and a transaction — no time: a bank had to go to the audit timeline to
learn when money moved. Each entry now has ``at``, its block's time. The real API on the chain
of the run."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tests.api.api_helpers import financed_invoice

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

from tests.api.api_helpers import client_fixture

__all__ = ["client_fixture"]


def test_entries_carry_their_blocks_time(client: TestClient, network: Network) -> None:
    _, financing_id = financed_invoice(client, network)
    before = datetime.now(UTC).replace(microsecond=0).timestamp() - 120
    for path, amount in (("drawdown", 50_000), ("repay", 20_000)):
        done = client.post(
            f"/v1/financings/{financing_id}/{path}",
            json={"amount": amount},
            headers=network.bank.headers,
        )
        assert done.status_code == 200, done.text
    read = client.get(f"/v1/financings/{financing_id}", headers=network.bank.headers).json()
    entries = read["entries"]
    assert [(e["type"], e["amount"]) for e in entries] == [
        ("drawdown", 50_000),
        ("repayment", 20_000),
    ]
    for entry in entries:
        at = datetime.fromisoformat(entry["at"].replace("Z", "+00:00"))
        assert at.timestamp() == network.ledger.block_time(entry["block"])
        assert before <= at.timestamp() <= datetime.now(UTC).timestamp() + 5
    # the regulator reads the same times; another bank reads no entries at all
    regulator = client.get(f"/v1/financings/{financing_id}", headers=network.regulator.headers)
    assert [e["at"] for e in regulator.json()["entries"]] == [e["at"] for e in entries]
    other = client.get(f"/v1/financings/{financing_id}", headers=network.bank_b.headers)
    assert other.json()["entries"] == []
