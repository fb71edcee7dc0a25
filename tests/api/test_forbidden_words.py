"""A 403 ``forbidden`` names the action refused and who may do it.

A fresh user was told ``role enterprise may not do this (allowed: bank)``: do *what*? Every
refusal of a role now names the action (``role enterprise may not finance documents (allowed:
bank)``) in the one error body, ``details.action`` and ``details.allowed`` beside ``role``; a
refusal of another member's records says what the caller may read instead
(``details.condition``). The write matrix (tests/api/test_roles_matrix.py) and the read matrix
(tests/api/test_read_matrix.py) hold every other write and read to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import client_fixture
from fastapi.testclient import TestClient

from api.bridge import BridgeApp
from ledger.services import audit

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

ROLES = ("admin", "bank", "enterprise", "regulator", "attestor")


def _forbidden(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 403, answer.text
    body: dict[str, Any] = answer.json()
    assert set(body) == {"error", "message", "details"}, body
    assert body["error"] == "forbidden", body
    details = body["details"]
    assert details["action"] in body["message"], body
    assert all(role in body["message"] for role in details["allowed"]), body
    return body


#: the audit views' routes (a path parameter filled with the caller's own record)
VIEWS = {
    "refusals": "/v1/audit/refusals",
    "duplicates": "/v1/audit/duplicates",
    "financeable": "/v1/audit/financeable?doc_hash=0x" + "11" * 32,
    "exposure": "/v1/audit/exposure",
    "export": "/v1/audit/export",
    "verify": "/v1/audit/verify",
    "fingerprint-checks": "/v1/audit/fingerprint-checks",
    "fingerprint-evaluations": "/v1/audit/fingerprint-evaluations",
}


def test_an_audit_view_refused_says_which_view_and_who_reads_it(
    client: TestClient, network: Network
) -> None:
    refused = 0
    for view, url in VIEWS.items():
        for role in ROLES:
            if role in audit.READERS[view]:
                continue
            answer = client.get(url, headers=network.by_role()[role].headers)
            body = _forbidden(answer)
            action, allowed = audit.READ_ACTIONS[view], audit.READERS[view]
            assert body["details"] == {"role": role, "action": action, "allowed": list(allowed)}
            assert (
                body["message"] == f"role {role} may not {action} (allowed: {', '.join(allowed)})"
            )
            refused += 1
    assert refused >= 10


def test_another_members_records_refused_say_what_the_caller_may_read(
    client: TestClient, network: Network
) -> None:
    bank, other = network.bank, network.enterprise.address
    listed = _forbidden(
        client.get("/v1/documents", params={"registrant": other}, headers=bank.headers)
    )
    assert listed["details"]["allowed"] == ["regulator", "admin"]
    assert "list another member's registrations" in listed["message"], listed
    assert "bank lists its own only (leave registrant out)" in listed["message"], listed
    assert listed["details"]["condition"] == "bank lists its own only (leave registrant out)"
    activity = _forbidden(client.get(f"/v1/audit/members/{other}/activity", headers=bank.headers))
    assert activity["details"]["action"].startswith("read another member's records")
    assert activity["details"]["condition"] == "bank reads its own only"
    exposure = _forbidden(
        client.get(
            "/v1/audit/exposure", params={"member": network.bank_b.address}, headers=bank.headers
        )
    )
    assert exposure["details"]["allowed"] == ["regulator"]  # the admin reads no exposure at all


def test_governance_and_onboarding_refusals_name_the_action(
    client: TestClient, network: Network
) -> None:
    proposal = {"action": "set_threshold", "threshold": 1}
    made = _forbidden(
        client.post("/v1/governance/proposals", json=proposal, headers=network.bank.headers)
    )
    assert made["message"] == "role bank may not make a governance proposal (allowed: admin)"
    approved = _forbidden(
        client.post("/v1/governance/proposals/1/approve", headers=network.regulator.headers)
    )
    assert approved["details"]["action"] == "approve a governance proposal"
    joined = _forbidden(
        client.post("/v1/members/approve", json={}, headers=network.enterprise.headers)
    )
    assert joined["details"]["action"] == "approve a join request"
    metrics = _forbidden(client.get("/metrics", headers=network.enterprise.headers))
    assert metrics["details"]["allowed"] == ["admin", "regulator"]
    assert "read /metrics" in metrics["message"], metrics


@pytest.mark.embedded_only("the /rpc bridge serves the embedded chain")
def test_the_bridge_refusals_name_the_action_and_the_condition(network: Network) -> None:
    """The node's JSON-RPC listener refuses a client off this host and one without the node
    token: each 403 says what was refused and on what condition it is served."""
    app = BridgeApp(network.ledger)
    remote = TestClient(app, client=("192.0.2.7", 50000)).post("/rpc", json={})
    tokenless = TestClient(app, client=("127.0.0.1", 50000)).post("/rpc", json={})
    for answer, condition in ((remote, "from loopback only"), (tokenless, "node token")):
        assert answer.status_code == 403, answer.text
        details = answer.json()["details"]
        assert details["action"] == "call the node's JSON-RPC", details
        assert condition in details["condition"], details
