"""The API's twin of ``--as`` naming no member (tests/cli/test_cli_as_words.py): a participant of
this gateway whose membership is not approved on chain (a join awaiting approval, an
``add_member`` proposal short of M approvals) is **pending**, and told so — 403
``member_pending``, never ``member_suspended`` / "may not do this" (a fresh user's tryout): what
it asked, who approves it (the consortium's admins, M of them; its proposal and its approvals so
far) and the command that does it. A suspended member is still 403 ``member_suspended``, told
it is suspended."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from api_helpers import MATURITY, UBL, client_fixture, governed_fixture, xml
from fastapi.testclient import TestClient
from web3 import Web3

from ledger.services import members as member_svc

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture", "governed_fixture"]

pytestmark = pytest.mark.both_backends

PENDING = "0x" + "34" * 20


def test_a_participant_not_approved_on_chain_is_told_it_is_pending(
    client: TestClient, network: Network
) -> None:
    address = Web3.to_checksum_address(PENDING)
    network.ledger.db.add_participant(address, "Joining Bank", "bank")
    headers = {"Authorization": f"Bearer {network.ledger.db.create_api_key(address)}"}
    refused = client.post("/v1/documents/check", files=xml(UBL), headers=headers)
    assert refused.status_code == 403, refused.text
    body = refused.json()
    assert body["error"] == "member_pending"
    details = body["details"]
    assert details["standing"] == "pending"
    assert details["approved_by"] == ["admin"]
    assert details["threshold"] == 1
    assert "suspended" not in body["message"]
    assert "may not do this" not in body["message"]
    assert body["message"].startswith(
        f"Joining Bank ({address}) is pending (its membership is not yet approved on chain) "
        "and may not call POST /v1/documents/check: the consortium's admins (1 of them) "
        "approve it"
    ), body["message"]
    assert "`tradeledger member approve FILE` or POST /v1/members/approve" in body["message"]
    assert details["next_step"] in body["message"]
    # a read of another member's records: pending too, never suspended
    other = client.get(f"/v1/members/{network.bank.address}", headers=headers)
    assert other.status_code == 403, other.text
    assert other.json()["error"] == "member_pending"


def test_a_member_whose_proposal_awaits_approvals_is_told_which_and_how(
    client: TestClient, governed: Network
) -> None:
    network = governed
    added = client.post(
        "/v1/members", json={"name": "Nordbank", "role": "bank"}, headers=network.admin.headers
    )
    assert added.status_code == 202, added.text
    pid, key = added.json()["proposal_id"], added.json()["api_key"]
    body = {
        "documents": [{"doc_hash": "0x" + "ab" * 32, "amount": 1000}],
        "currency": "DKK",
        "kind": "invoice_financing",
        "maturity": MATURITY,
    }
    refused = client.post("/v1/financings", json=body, headers={"Authorization": f"Bearer {key}"})
    assert refused.status_code == 403, refused.text
    answer = refused.json()
    assert answer["error"] == "member_pending"
    details = answer["details"]
    assert (details["proposal_id"], details["approvals"], details["threshold"]) == (pid, 1, 2)
    assert "may not call POST /v1/financings" in answer["message"]
    assert "the consortium's admins (2 of them) approve it" in answer["message"]
    assert f"add_member proposal {pid} (1 of 2 approvals so far)" in answer["message"]
    assert f"`tradeledger member approve-proposal {pid}`" in answer["message"]
    assert f"POST /v1/governance/proposals/{pid}/approve" in answer["message"]


def test_a_suspended_member_is_told_it_is_suspended(client: TestClient, network: Network) -> None:
    member_svc.suspend_member(network.ledger, network.admin.address, network.bank.address)
    refused = client.post("/v1/documents/check", files=xml(UBL), headers=network.bank.headers)
    assert refused.status_code == 403, refused.text
    body = refused.json()
    assert body["error"] == "member_suspended"
    assert body["details"]["standing"] == "suspended on chain"
    assert f"({network.bank.address}) is suspended on chain and may not" in body["message"]
