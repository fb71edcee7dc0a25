"""``/metrics`` needs credentials, ``/health`` says only ok or unavailable (issue #15: anyone
could read the business volume of every route)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.evaluator import EvaluationLog, EvaluatorService, served_in_thread
from ledger.oprf import Evaluator
from tests.conftest import Network
from tests.evaluator_harness import SessionEvaluator

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


def _evaluator_up(client: TestClient) -> str:
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    return next(
        line.split()[1]
        for line in text.splitlines()
        if line.startswith("tradeledger_evaluator_up ")
    )


def test_metrics_say_whether_the_evaluator_can_be_used(
    client: TestClient,
    network: Network,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    session_evaluator: SessionEvaluator,
) -> None:
    """``/health`` is the chain's liveness only; whether fingerprints can be evaluated is in
    ``/metrics``, asked without spending any member's evaluation allowance."""
    ledger = network.ledger
    log = session_evaluator.service.log
    last = 0
    while page := log.read(after=last):  # the session's log so far
        last = page[-1].id
    assert _evaluator_up(client) == "1.0"  # the session's evaluator, its key on chain

    def served_at(url: str) -> None:
        monkeypatch.setattr(
            ledger, "settings", ledger.settings.model_copy(update={"evaluator_url": url})
        )

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    served_at(closed)
    assert _evaluator_up(client) == "0.0"
    assert client.get("/health").json() == {"status": "ok"}  # the chain still answers
    # an evaluator that answers with a key the chain does not hold: its proofs cannot verify
    other = EvaluatorService(
        Evaluator.from_seed(Evaluator.new_seed()),
        EvaluationLog(tmp_path / "other.log"),
        member_of=lambda consortium, address: (0, True),
    )
    with served_in_thread(other) as url:
        served_at(url)
        assert _evaluator_up(client) == "0.0"
    served_at("")
    assert _evaluator_up(client) == "-1.0"
    assert log.read(after=last) == []  # no evaluation was asked for


def test_metrics_answer_while_the_index_cannot_be_read(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The follower's lag is None when the index or the chain cannot be read at that moment
    (a read raced the follower's catch-up): a scrape then says -1, it is not a 500."""
    follower = client.app.state.audit_follower  # type: ignore[attr-defined]
    assert follower is not None

    def unreadable() -> None:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(follower.index, "lag", unreadable)
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200, answer.text
    assert "tradeledger_index_lag_blocks -1.0" in answer.text
