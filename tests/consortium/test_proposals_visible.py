"""Above M = 1 a member write says it is a proposal (202, its id, "k of M"), an identical pending
one is refused (409), a stale one shows as ``moot``; who proposed and approved what is in the
proposal and in each admin's activity; member names come from the chain (embedded chain)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from web3 import Web3

from api.app import create_app
from ledger.cli import app as cli_app
from ledger.indexer import EventIndex
from ledger.services import audit
from ledger.services import members as svc
from ledger.services.roles import ProposalAction
from tests.conftest import Network, Participant
from tests.consortium.test_governance import FAST, two_of_two  # noqa: F401 (fixture)

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
pytestmark = pytest.mark.embedded_only("governance semantics; the anvil run is the consortium test")


def test_M2_member_writes_are_proposals_202_no_duplicates_and_who_approved(
    two_of_two: tuple[Network, Participant],  # noqa: F811
    tmp_path: Path,
) -> None:
    network, admin2 = two_of_two
    ledger = network.ledger
    bank = network.bank.address
    with TestClient(create_app(ledger.settings, ledger)) as client:
        made = client.post(f"/v1/members/{bank}/suspend", headers=network.admin.headers)
        assert made.status_code == 202, made.text
        body = made.json()
        assert body["active"] is True  # not yet: a proposal
        proposal = body["proposal"]
        assert (proposal["status"], proposal["approvals"], proposal["threshold"]) == (
            "pending",
            1,
            2,
        )
        assert proposal["name"] == network.bank.name  # the member's on-chain name
        pid = proposal["proposal_id"]
        again = client.post(f"/v1/members/{bank}/suspend", headers=admin2.headers)
        assert again.status_code == 409, again.text
        assert f"proposal {pid}" in again.json()["message"]
        added = client.post(
            "/v1/members", json={"name": "Bank C", "role": "bank"}, headers=network.admin.headers
        )
        assert added.status_code == 202, added.text
        assert added.json()["proposal"]["status"] == "pending"

        done = client.post(f"/v1/governance/proposals/{pid}/approve", headers=admin2.headers)
        assert done.status_code == 200, done.text
        shown = client.get(f"/v1/governance/proposals/{pid}", headers=network.regulator.headers)
        p = shown.json()
        assert p["status"] == "executed"
        assert [(a["admin"], a["name"]) for a in p["approvers"]] == [
            (network.admin.address, network.admin.name),
            (admin2.address, admin2.name),
        ]
        assert all(ISO.match(a["approved_at"]) for a in p["approvers"])
        assert ISO.match(p["proposed_at"])
        assert p["proposer_name"] == network.admin.name
        assert p["tx_hash"] is not None  # an older proposal still names its transaction

        # a duplicate made around this gateway (another tool) stays pending: shown as moot
        stray = ledger.contract.functions.propose(
            (int(ProposalAction.SUSPEND_MEMBER), bank, "0x" + "00" * 20, 0, b"\0" * 32,
             b"\0" * 32, "")
        )  # fmt: skip
        ledger.transactor(network.admin.address).transact(stray)
        listed = client.get(
            "/v1/governance/proposals?pending=true", headers=network.regulator.headers
        ).json()["items"]
        assert [(x["action"], x["status"]) for x in listed][-1] == ("suspend_member", "moot")

        # M raised to 2 after a proposal passed under M = 1: it still shows 1
        first = client.get("/v1/governance/proposals/1", headers=network.admin.headers).json()
        assert (first["action"], first["threshold"]) == ("set_threshold", 1)

    # every gateway shows every member's on-chain name
    names = {m.address: m.name for m in svc.list_members(ledger)}
    ledger.db.close()  # a gateway that never served these members (no local names)
    ledger.db = type(ledger.db)(f"sqlite:///{tmp_path / 'other-gateway.db'}")
    assert {m.address: m.name for m in svc.list_members(ledger)} == names
    assert names[admin2.address] == "Second admin"

    # the regulator sees each admin's proposals and approvals in its activity
    index = EventIndex.for_ledger(ledger, f"sqlite:///{tmp_path / 'index.db'}")
    try:
        index.catch_up()
        of_admin2 = [e.event for e in audit.member_activity(index, admin2.address).items]
        assert "ProposalApproved" in of_admin2
        of_operator = [e.event for e in audit.member_activity(index, network.admin.address).items]
        assert {"ProposalCreated", "ProposalApproved"} <= set(of_operator)
    finally:
        index.close()


def test_cli_suspend_above_M1_prints_the_proposal_and_refuses_a_duplicate(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "ledger"

    def run(*args: str, code: int = 0) -> str:
        result = CliRunner().invoke(cli_app, [*args, "--data-dir", str(data_dir)], env=FAST)
        assert result.exit_code == code, (args, result.output)
        assert "Traceback" not in result.output
        return result.output

    run("init")
    run("member", "add", "Second admin", "--role", "admin")
    bank = json.loads(run("member", "add", "Bank A", "--role", "bank", "--json"))["address"]
    run("member", "propose", "set-threshold", "--threshold", "2")
    out = run("member", "suspend", bank)
    assert re.search(r"proposal \d+: suspend Bank A .*pending: 1 of 2 approvals", out), out
    refused = run("member", "suspend", bank, code=1)
    assert "already proposes this" in refused
    # the member it concerns by its name with its address, as every message names members
    assert f"(suspend_member Bank A ({Web3.to_checksum_address(bank)}))" in refused, refused
    listed = run("member", "proposals")
    assert "fingerprint evaluator key 0x" in listed
    assert "Bank A" in listed.splitlines()[-1]  # NAME of a suspend proposal
