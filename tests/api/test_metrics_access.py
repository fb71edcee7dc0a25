"""``/metrics`` needs credentials, ``/health`` says only ok or unavailable (issue #15: anyone
could read the business volume of every route)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.conftest import Network

TOKEN = "scraper-token-0123456789abcdef"


@pytest.fixture
def client(network: Network) -> Iterator[TestClient]:
    settings = network.ledger.settings.model_copy(update={"metrics_token": TOKEN})
    with TestClient(create_app(settings, network.ledger)) as test_client:
        yield test_client


def test_metrics_refuse_anyone_without_credentials(client: TestClient, network: Network) -> None:
    for headers in ({}, {"Authorization": "Basic eDp5"}, {"Authorization": "Bearer wrong"}):
        answer = client.get("/metrics", headers=headers)
        assert answer.status_code == 401, headers
        assert answer.json()["error"] == "unauthorized"
        assert "tradeledger_" not in answer.text
    for role in ("bank", "enterprise", "attestor"):
        answer = client.get("/metrics", headers=getattr(network, role).headers)
        assert answer.status_code == 403, role
        assert "tradeledger_" not in answer.text


def test_metrics_serve_the_token_and_oversight_keys(client: TestClient, network: Network) -> None:
    client.get("/v1/documents", headers=network.bank.headers)
    for headers in (
        {"Authorization": f"Bearer {TOKEN}"},
        network.admin.headers,
        network.regulator.headers,
    ):
        answer = client.get("/metrics", headers=headers)
        assert answer.status_code == 200, answer.text
        assert 'route="/v1/documents"' in answer.text
        assert f"tradeledger_chain_head_block {float(network.ledger.head_block())}" in answer.text


def test_health_is_minimal(client: TestClient) -> None:
    answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


def test_a_short_metrics_token_is_refused() -> None:
    from pydantic import ValidationError

    from ledger.config import Settings

    with pytest.raises(ValidationError, match="at least 16 characters"):
        Settings(metrics_token="short")
