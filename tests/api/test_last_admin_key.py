"""The only admin could revoke its own API keys (``POST /v1/keys/{address}/revoke``), locking
the consortium's administration out of the API (recovery: ``tradeledger key rotate`` on the
gateway's host). Revoking one's own keys when they are the last active admin keys at the
gateway is refused (409, naming the field and the rule, pointing at ``POST /v1/keys/rotate``),
nothing changed; an admin still revokes another admin's or a member's keys, a member its own,
and an admin its own once another admin holds a key."""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import client_fixture
from fastapi.testclient import TestClient

from ledger.services import members as member_svc
from ledger.services.roles import Role

if TYPE_CHECKING:
    from tests.conftest import Network

__all__ = ["client_fixture"]


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _active_keys(network: Network, address: str) -> int:
    return sum(not revoked for _, _, revoked in network.ledger.db.api_keys(address))


def test_the_last_admin_may_not_revoke_its_own_keys(client: TestClient, network: Network) -> None:
    admin = network.admin
    before = network.ledger.db.api_keys(admin.address)
    refused = client.post(f"/v1/keys/{admin.address}/revoke", headers=admin.headers)
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["error"] == "conflict"
    assert body["details"]["field"] == "address"
    assert "last active admin" in body["details"]["rule"]
    assert "POST /v1/keys/rotate" in body["message"]
    assert "tradeledger key rotate" in body["message"]
    # nothing changed: the same keys, and the admin's key still works
    assert network.ledger.db.api_keys(admin.address) == before
    assert client.get("/v1/members", headers=admin.headers).status_code == 200
    # the recovery the message names works
    rotated = client.post("/v1/keys/rotate", headers=admin.headers)
    assert rotated.status_code == 200, rotated.text
    assert client.get("/v1/members", headers=_bearer(rotated.json()["api_key"])).status_code == 200


def test_an_admin_still_revokes_others_keys_and_its_own_beside_another_admin(
    client: TestClient, network: Network
) -> None:
    admin = network.admin
    # a member's keys, by the admin
    member = client.post(f"/v1/keys/{network.bank.address}/revoke", headers=admin.headers)
    assert member.status_code == 200, member.text
    assert member.json()["revoked"] == 1
    # a member's own keys, by itself
    own = client.post(
        f"/v1/keys/{network.enterprise.address}/revoke", headers=network.enterprise.headers
    )
    assert own.status_code == 200, own.text
    assert client.get("/v1/members", headers=network.enterprise.headers).status_code == 401

    # another admin's keys, by the admin
    second = member_svc.add_member(network.ledger, admin.address, "Admin B", Role.ADMIN)
    other = client.post(f"/v1/keys/{second.member.address}/revoke", headers=admin.headers)
    assert other.status_code == 200, other.text
    assert other.json()["revoked"] == 1
    assert _active_keys(network, second.member.address) == 0
    # an admin with no active key is no admin key left: the first is still the last
    last = client.post(f"/v1/keys/{admin.address}/revoke", headers=admin.headers)
    assert last.status_code == 409, last.text

    # once another admin holds a key, the first may revoke its own
    new_key = client.post(f"/v1/keys/{second.member.address}/rotate", headers=admin.headers)
    assert new_key.status_code == 200, new_key.text
    mine = client.post(f"/v1/keys/{admin.address}/revoke", headers=admin.headers)
    assert mine.status_code == 200, mine.text
    assert client.get("/v1/members", headers=admin.headers).status_code == 401
    assert client.get("/v1/members", headers=_bearer(new_key.json()["api_key"])).status_code == 200


def test_two_admins_revoking_their_own_keys_at_once_leave_one_admin_key(
    client: TestClient, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both admins ask at the same moment: each alone would pass the check (the other still
    holds a key), so without one step from check to revocation both would be revoked. One
    is refused (409) and its key still works."""
    admin = network.admin
    second = member_svc.add_member(network.ledger, admin.address, "Admin B", Role.ADMIN)
    second_headers = _bearer(network.ledger.db.create_api_key(second.member.address))
    has_active_key = member_svc._has_active_key
    both_checking = threading.Barrier(2, timeout=5)

    def slow_check(ledger: Any, address: str) -> bool:
        found = has_active_key(ledger, address)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checking.wait(timeout=1)  # the other request reaches its check meanwhile
        return found

    monkeypatch.setattr(member_svc, "_has_active_key", slow_check)
    answers: dict[str, int] = {}

    def revoke_own(address: str, headers: dict[str, str]) -> None:
        answers[address] = client.post(f"/v1/keys/{address}/revoke", headers=headers).status_code

    threads = [
        threading.Thread(target=revoke_own, args=(admin.address, admin.headers)),
        threading.Thread(target=revoke_own, args=(second.member.address, second_headers)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(answers.values()) == [200, 409], answers
    kept = admin.headers if answers[admin.address] == 409 else second_headers
    assert client.get("/v1/members", headers=kept).status_code == 200
