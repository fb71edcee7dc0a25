"""Governance on the real embedded chain (issue #13): proposals, M of N approvals, through the
services, the API and the CLI; and the fingerprint evaluator key the contract holds.

The contract rules themselves have a forge test each (contracts/test/Governance.t.sol); these
tests show that the gateway surfaces them: with M = 1 today's commands work at once, with M = 2
one admin alone changes nothing and a second approval does.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from ledger.cli import app as cli_app
from ledger.documents import read_document
from ledger.errors import Conflict, EvaluatorUnavailable, InvalidInput, NotFound
from ledger.network import init_network, open_ledger
from ledger.services import members as svc
from ledger.services.roles import Role
from tests.conftest import Network, Participant, make_settings
from tests.evaluator_harness import SessionEvaluator

FAST = {"TRADELEDGER_KEYSTORE_SCRYPT_N": "1024", "TRADELEDGER_CHAIN_SYNC": "normal"}
UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()


@pytest.fixture
def two_of_two(network: Network) -> tuple[Network, Participant]:
    """The test network with a second (custodial) ADMIN and M raised to 2 by the owner."""
    ledger = network.ledger
    added = svc.add_member(ledger, network.admin.address, "Second admin", Role.ADMIN)
    admin2 = Participant("Second admin", Role.ADMIN, added.member.address, added.api_key)
    raised = svc.propose(ledger, network.admin.address, svc.ProposalAction.SET_THRESHOLD, data=2)
    assert raised.executed
    assert svc.governance(ledger).threshold == 2
    return network, admin2


@pytest.mark.embedded_only("governance semantics; the anvil run is the consortium test")
def test_M1_default_changes_at_once_and_chain_holds_the_evaluator_key(
    network: Network, session_evaluator: SessionEvaluator
) -> None:
    ledger = network.ledger
    state = svc.governance(ledger)
    assert (state.threshold, state.admin_count) == (1, 1)
    key = session_evaluator.service.public_key
    assert state.fingerprint_evaluator_key == "0x" + key.hex()
    assert ledger.manifest.fingerprint_evaluator_key == key.hex()[:16]
    # a proposal by the only admin takes effect in its own transaction
    made = svc.propose(
        ledger,
        network.admin.address,
        svc.ProposalAction.SUSPEND_MEMBER,
        account=network.bank.address,
    )
    assert made.executed
    assert made.approvals == 1
    assert not svc.get_member(ledger, network.bank.address).active
    # and the direct call still works as before
    svc.reinstate_member(ledger, network.admin.address, network.bank.address)
    assert svc.get_member(ledger, network.bank.address).active
    # an evaluator key that is no ristretto255 point is refused before it reaches the chain
    # (the contract refuses only zero; on chain it would stop every bank's financing)
    for bad in (b"\xff" * 32, b"\x01" * 31, b""):
        with pytest.raises(InvalidInput, match="ristretto255") as refused:
            svc.propose(
                ledger,
                network.admin.address,
                svc.ProposalAction.SET_FINGERPRINT_EVALUATOR,
                data=bad,
            )
        assert refused.value.field == "data"
    assert svc.governance(ledger).fingerprint_evaluator_key == "0x" + key.hex()
    # the only admin cannot suspend itself through a gateway: every admin call would then be
    # refused, with nobody left to reinstate it but the owner's key on the operator's host
    with pytest.raises(Conflict) as alone:
        svc.suspend_member(ledger, network.admin.address, network.admin.address)
    assert type(alone.value).__name__ == "AdminsBelowThreshold"
    assert svc.get_member(ledger, network.admin.address).active


@pytest.mark.embedded_only("governance semantics; the anvil run is the consortium test")
def test_M2_one_admin_alone_changes_nothing_second_approval_does(
    two_of_two: tuple[Network, Participant],
) -> None:
    network, admin2 = two_of_two
    ledger = network.ledger
    new = svc.add_member(ledger, network.admin.address, "Bank C", Role.BANK)
    assert new.proposal is not None
    assert not new.proposal.executed
    assert (new.proposal.approvals, new.proposal.threshold) == (1, 2)
    with pytest.raises(NotFound):
        svc.get_member(ledger, new.member.address)
    suspended = svc.suspend_member(ledger, network.admin.address, network.bank.address)
    assert suspended.proposal is not None
    assert suspended.tx_hash.startswith("0x")
    assert svc.get_member(ledger, network.bank.address).active, "one admin alone"

    approved = svc.approve_proposal(ledger, admin2.address, new.proposal.proposal_id)
    assert approved.executed
    assert svc.get_member(ledger, new.member.address).role == Role.BANK


@pytest.mark.embedded_only("governance semantics; the anvil run is the consortium test")
def test_M2_over_the_api(two_of_two: tuple[Network, Participant]) -> None:
    network, admin2 = two_of_two
    with TestClient(create_app(network.ledger.settings, network.ledger)) as client:
        body = {"action": "suspend_member", "account": network.bank.address}
        made = client.post("/v1/governance/proposals", json=body, headers=network.admin.headers)
        assert made.status_code == 201, made.text
        proposal = made.json()
        assert (proposal["status"], proposal["approvals"], proposal["threshold"]) == (
            "pending",
            1,
            2,
        )
        pid = proposal["proposal_id"]
        # the same admin again: refused, naming the proposal and the admin
        again = client.post(
            f"/v1/governance/proposals/{pid}/approve", headers=network.admin.headers
        )
        assert again.status_code == 409, again.text
        assert "ProposalAlreadyApproved" in again.text
        # not an admin
        bank = client.post(f"/v1/governance/proposals/{pid}/approve", headers=network.bank.headers)
        assert bank.status_code == 403
        # the regulator sees the pending proposal
        seen = client.get(
            "/v1/governance/proposals?pending=true", headers=network.regulator.headers
        )
        assert seen.status_code == 200
        assert [p["proposal_id"] for p in seen.json()["items"]] == [pid]
        member = client.get(f"/v1/members/{network.bank.address}", headers=network.admin.headers)
        assert member.json()["active"] is True

        done = client.post(f"/v1/governance/proposals/{pid}/approve", headers=admin2.headers)
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "executed"
        member = client.get(f"/v1/members/{network.bank.address}", headers=network.admin.headers)
        assert member.json()["active"] is False
        closed = client.post(f"/v1/governance/proposals/{pid}/approve", headers=admin2.headers)
        assert closed.status_code == 409
        assert "ProposalNotPending" in closed.text
        unknown = client.post("/v1/governance/proposals/99/approve", headers=admin2.headers)
        assert unknown.status_code == 404
        bad = client.post(
            "/v1/governance/proposals",
            json={"action": "abolish"},
            headers=network.admin.headers,
        )
        assert bad.status_code == 422
        assert "action" in bad.text
        state = client.get("/v1/governance", headers=network.regulator.headers).json()
        assert (state["threshold"], state["admin_count"]) == (2, 2)


def test_cli_propose_and_approve(tmp_path: Path) -> None:
    runner = CliRunner()
    data_dir = tmp_path / "ledger"

    def run(*args: str) -> dict[str, object]:
        result = runner.invoke(cli_app, [*args, "--data-dir", str(data_dir), "--json"], env=FAST)
        assert result.exit_code == 0, (args, result.output)
        loaded: dict[str, object] = json.loads(result.stdout)
        return loaded

    run("init")
    made = run(
        "member",
        "propose",
        "add-member",
        "--account",
        "0x" + "ab" * 20,
        "--role",
        "bank",
        "--name",
        "Joined Bank",
    )
    assert made["status"] == "executed"
    listed = run("member", "proposals")
    assert listed["threshold"] == 1
    assert [p["action"] for p in listed["proposals"]] == ["add_member"]  # type: ignore[union-attr]
    added = run("member", "add", "Custodial Exporter", "--role", "enterprise")
    assert added["member_id"] == 3
    refused = runner.invoke(
        cli_app, ["member", "approve-proposal", "1", "--data-dir", str(data_dir)], env=FAST
    )
    assert refused.exit_code == 1
    assert "proposal 1 is executed, not pending" in refused.output
    assert "Traceback" not in refused.output


# -- the evaluator key on chain -------------------------------------------------------------


def test_the_evaluator_key_on_chain_decides(
    tmp_path: Path, session_evaluator: SessionEvaluator
) -> None:
    """Editing the manifest does not change whose proofs a gateway accepts; only a proposal
    does, and it takes a ristretto255 public key only."""
    settings = make_settings(tmp_path / "ledger")
    ledger, _ = init_network(settings, "Op")
    bank = svc.add_member(ledger, ledger.manifest.admin_address, "Bank", Role.BANK)
    ledger.close()
    manifest = json.loads(settings.manifest_path.read_text())
    manifest["fingerprint_evaluator_key"] = "00" * 8
    settings.manifest_path.write_text(json.dumps(manifest))
    ledger = open_ledger(settings)
    try:
        assert ledger.evaluator_key() == session_evaluator.service.public_key
        assert ledger.oblivious_fingerprints(bank.member.address, read_document(UBL))
        with pytest.raises(InvalidInput, match="ristretto255"):
            svc.rotate_evaluator_key(ledger, ledger.manifest.admin_address, b"\x01" * 32)
        rogue = SessionEvaluator()
        try:
            rogue.register(ledger.contract)
            ledger.settings.evaluator_url = rogue.url  # an evaluator whose key is not on chain
            with pytest.raises(EvaluatorUnavailable, match="does not verify"):
                ledger.oblivious_fingerprints(bank.member.address, read_document(UBL))
        finally:
            rogue.stop()
    finally:
        ledger.close()


def test_init_sets_the_threshold_and_co_admins_and_refuses_an_impossible_one(
    tmp_path: Path,
) -> None:
    """M is set at deployment from the CLI; an M the admins cannot reach is refused before
    anything is created (a retry with a right M then works in the same directory)."""
    runner = CliRunner()
    data_dir = tmp_path / "m2"
    refused = runner.invoke(
        cli_app, ["init", "--data-dir", str(data_dir), "--threshold", "2"], env=FAST
    )
    assert refused.exit_code == 2, refused.output
    assert "threshold" in refused.output
    assert not (data_dir / "chain").exists()
    co_admin = "0x" + "aa" * 20
    made = runner.invoke(
        cli_app,
        ["init", "--data-dir", str(data_dir), "--threshold", "2", "--co-admin", co_admin],
        env=FAST,
    )
    assert made.exit_code == 0, made.output
    shown = runner.invoke(
        cli_app, ["member", "proposals", "--data-dir", str(data_dir), "--json"], env=FAST
    )
    assert json.loads(shown.output)["threshold"] == 2
    assert json.loads(shown.output)["admin_count"] == 2


@pytest.mark.embedded_only("governance semantics; the anvil run is the consortium test")
def test_M2_of_2_an_admins_suspension_is_refused_when_asked(
    two_of_two: tuple[Network, Participant],
) -> None:
    """With M = 2 and two admins, suspending either would leave one admin, below the two
    approvals a change needs: refused when proposed (tryout 69's proposal stayed pending for
    good, its approval refused), on the service, the API and its member route alike; nothing
    is proposed. A bank's suspension is still proposed."""
    network, admin2 = two_of_two
    ledger = network.ledger
    before = len(svc.list_proposals(ledger)[0])
    with pytest.raises(Conflict) as refused:
        svc.suspend_member(ledger, admin2.address, network.admin.address)
    assert type(refused.value).__name__ == "AdminsBelowThreshold"
    with pytest.raises(Conflict):
        svc.propose(
            ledger, network.admin.address, svc.ProposalAction.SUSPEND_MEMBER, account=admin2.address
        )
    with TestClient(create_app(ledger.settings, ledger)) as client:
        body = {"action": "suspend_member", "account": network.admin.address}
        made = client.post("/v1/governance/proposals", json=body, headers=admin2.headers)
        assert made.status_code == 409, made.text
        assert "leave 1 active admin, fewer than the 2 approvals" in made.json()["message"]
        route = client.post(f"/v1/members/{admin2.address}/suspend", headers=network.admin.headers)
        assert route.status_code == 409, route.text
    assert len(svc.list_proposals(ledger)[0]) == before
    assert svc.get_member(ledger, network.admin.address).active
    assert svc.get_member(ledger, admin2.address).active
    assert svc.suspend_member(ledger, network.admin.address, network.bank.address).proposal
