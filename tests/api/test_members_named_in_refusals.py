"""A refusal that is about a member names it as people know it — its registered name with its
full address, ``Bank A (0x…)`` — wherever the gateway knows the name: the 403
``member_suspended`` (a write, and a read of another member's records), the gateway's own 429
of the check limit, and the fingerprint evaluator's 429 and ``member_suspended``, which the
evaluator says by address alone (it knows no names) and the gateway names. Found by a tryout:
each said the address only.

Real gateway app, real embedded chain, the session's real evaluator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import check_limited, client_fixture, own_invoice, unique_file, xml
from fastapi.testclient import TestClient

from ledger.services import members as member_svc
from ledger.services import standing as standing_svc
from ledger.words import checksummed

if TYPE_CHECKING:
    from tests.conftest import Network, Participant
    from tests.evaluator_harness import SessionEvaluator

__all__ = ["client_fixture"]


def named(who: Participant) -> str:
    return f"{who.name} ({checksummed(who.address)})"


def _body(response: Any, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == error, body
    return body


def test_a_suspended_member_is_named_in_its_403(client: TestClient, network: Network) -> None:
    registered = client.post(
        "/v1/documents", files=unique_file("before"), headers=network.bank_b.headers
    )
    assert registered.status_code == 201, registered.text
    for who in (network.bank, network.enterprise):
        member_svc.suspend_member(network.ledger, network.admin.address, who.address)
    # a write
    written = client.post("/v1/documents", files=unique_file("after"), headers=network.bank.headers)
    body = _body(written, 403, "member_suspended")
    assert body["message"].startswith(f"{named(network.bank)} is "), body["message"]
    assert body["details"]["name"] == network.bank.name
    # a read of another member's record
    other = registered.json()["doc_hash"]
    read = client.get(f"/v1/documents/{other}", headers=network.enterprise.headers)
    body = _body(read, 403, "member_suspended")
    assert named(network.enterprise) in body["message"], body["message"]


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[tuple[Network, TestClient]]:
    with check_limited(tmp_path, 1, 600) as limited_gateway:
        yield limited_gateway


def test_the_check_limit_names_the_member(limited: tuple[Network, TestClient]) -> None:
    net, client = limited
    for who in (net.bank, net.attestor):
        made = client.post("/v1/documents/check", files=unique_file("one"), headers=who.headers)
        assert made.status_code == 200, made.text
        refused = client.post("/v1/documents/check", files=unique_file("two"), headers=who.headers)
        body = _body(refused, 429, "rate_limited")
        assert body["message"].startswith(f"{named(who)} made 1 file checks"), body["message"]


def test_the_evaluators_429_names_the_bank(
    client: TestClient,
    network: Network,
    session_evaluator: SessionEvaluator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(session_evaluator.service, "limit", 1)  # an invoice needs more inputs
    refused = client.post(
        "/v1/documents/check", files=xml(own_invoice("NAMED")), headers=network.bank.headers
    )
    body = _body(refused, 429, "rate_limited")
    assert "the fingerprint evaluator's limit" in body["message"], body["message"]
    assert f"{named(network.bank)} may have 1 inputs evaluated" in body["message"], body
    assert body["details"]["member_name"] == network.bank.name
    assert refused.headers["Retry-After"]


def test_the_evaluators_member_suspended_names_the_bank(
    client: TestClient, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The evaluator reads the chain itself: a suspension this gateway has not seen yet (made
    at another gateway, within its standing cache's seconds) is refused there first."""
    bank = network.bank
    member_svc.suspend_member(network.ledger, network.admin.address, bank.address)
    seen_active = standing_svc.Standing(bank.address, 1, True)
    monkeypatch.setattr(standing_svc.StandingCache, "read", lambda self, address: seen_active)
    refused = client.post(
        "/v1/documents/check", files=xml(own_invoice("SUSPENDED")), headers=bank.headers
    )
    body = _body(refused, 403, "member_suspended")
    assert "the fingerprint evaluator refused" in body["message"], body["message"]
    assert f"member {named(bank)} is suspended" in body["message"], body["message"]
    assert body["details"]["member_name"] == bank.name
