"""A bank's batch of invoices has its fingerprints evaluated in one request to the evaluator
(issue #16: a 100-file batch made 100 round trips, one per file), and each file's fingerprints
are those a check of the file alone computes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import client_fixture, evaluator_requests, own_invoice
from fastapi.testclient import TestClient

if TYPE_CHECKING:
    from tests.conftest import Network

__all__ = ["client_fixture"]


def _fingerprints(body: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((f["name"], f["value"]) for f in body["fingerprints"])


def test_a_banks_batch_is_evaluated_in_one_request(
    client: TestClient, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoices = [own_invoice() for _ in range(3)]
    alone = []
    for invoice in invoices:  # what a check of each file alone reads (by another bank: what
        # the bank itself had evaluated would not be sent again, tests/api/test_evaluated_once.py)
        checked = client.post(
            "/v1/documents/check",
            files={"file": ("i.xml", invoice, "application/xml")},
            headers=network.bank_b.headers,
        )
        assert checked.status_code == 200, checked.text
        alone.append(_fingerprints(checked.json()))
    assert all(alone)
    sent = evaluator_requests(monkeypatch)
    batch = client.post(
        "/v1/documents/batch",
        files=[("files", (f"{i}.xml", data, "application/xml")) for i, data in enumerate(invoices)],
        headers=network.bank.headers,
    )
    assert batch.status_code == 201, batch.text
    assert len(sent) == 1, sent
    assert sent[0] == sum(len(f) for f in alone)
    assert [_fingerprints(d) for d in batch.json()["documents"]] == alone
