"""The API's twin of ``--as`` naming no member (tests/cli/test_cli_as_words.py): a participant of
this gateway whose membership is not approved on chain (a join awaiting approval) is told it is
not a member yet — no longer "not an active member (suspended, or not yet approved)" — and a
suspended member that it is suspended. The code stays ``member_suspended`` (codes are never
renamed); ``details.standing`` and the message say which."""

from __future__ import annotations

from typing import TYPE_CHECKING

from api_helpers import UBL, client_fixture, xml
from fastapi.testclient import TestClient
from web3 import Web3

from ledger.services import members as member_svc

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

PENDING = "0x" + "34" * 20


def test_a_participant_not_approved_on_chain_is_told_it_is_not_a_member_yet(
    client: TestClient, network: Network
) -> None:
    address = Web3.to_checksum_address(PENDING)
    network.ledger.db.add_participant(address, "Joining Bank", "bank")
    headers = {"Authorization": f"Bearer {network.ledger.db.create_api_key(address)}"}
    refused = client.post("/v1/documents/check", files=xml(UBL), headers=headers)
    assert refused.status_code == 403, refused.text
    body = refused.json()
    assert body["error"] == "member_suspended"
    assert body["details"]["standing"] == (
        "not a member of the consortium yet (its membership is not approved on chain)"
    )
    assert "suspended" not in body["message"].split(":")[0], body["message"]
    assert body["message"].startswith(f"Joining Bank ({address}) is not a member of the consortium")


def test_a_suspended_member_is_told_it_is_suspended(client: TestClient, network: Network) -> None:
    member_svc.suspend_member(network.ledger, network.admin.address, network.bank.address)
    refused = client.post("/v1/documents/check", files=xml(UBL), headers=network.bank.headers)
    assert refused.status_code == 403, refused.text
    body = refused.json()
    assert body["details"]["standing"] == "suspended on chain"
    assert f"({network.bank.address}) is suspended on chain and may not" in body["message"]
