"""Joining with one's own keys, on anvil (issue #13): `tradeledger join` in the member's own data
directory, approval by an admin over the API and the CLI, and the fingerprint key delivered
sealed to the member — in process (the four-gateway test runs each gateway as a process)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from ledger.cli import app as cli_app
from ledger.config import Settings
from ledger.errors import LedgerStateError
from ledger.join import FINGERPRINT_KEY_FILE, JOIN_STATE_FILE, fingerprint_key_digest, read_request
from ledger.keys import Keystore
from ledger.network import Ledger, init_network, open_ledger
from ledger.services import documents as docs
from ledger.services import financing as fin
from ledger.services import members as svc
from ledger.services.roles import FinancingKind, Role
from tests.conftest import AnvilNode, make_settings

pytestmark = pytest.mark.anvil
FAST = {"TRADELEDGER_KEYSTORE_SCRYPT_N": "1024", "TRADELEDGER_CHAIN_SYNC": "normal"}
UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()


@pytest.fixture
def operator(
    tmp_path: Path, anvil_node: AnvilNode, anvil_funding_key_file: Path
) -> Iterator[tuple[Ledger, str]]:
    settings = make_settings(
        tmp_path / "operator", chain_url=anvil_node.url, funding_key_file=anvil_funding_key_file
    )
    ledger, api_key = init_network(settings, "Operator")
    try:
        yield ledger, api_key
    finally:
        ledger.close()


def join(
    tmp_path: Path, node: AnvilNode, contract: str, name: str, role: str, code: int = 0
) -> tuple[dict[str, Any], Path]:
    data_dir = tmp_path / name.replace(" ", "-").lower()
    out = tmp_path / f"{data_dir.name}.join.json"
    result = CliRunner().invoke(
        cli_app,
        ["join", "--chain-url", node.url, "--contract", contract, "--name", name, "--role", role,
         "--legal-id", "5493001KJTIIGC8Y1R12", "--out", str(out), "--data-dir", str(data_dir),
         "--json"],
        env=FAST,
    )  # fmt: skip
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return (json.loads(result.stdout) if code == 0 else {"output": result.output}), data_dir


def member_settings(data_dir: Path, node: AnvilNode) -> Settings:
    return make_settings(data_dir, chain_url=node.url)


def test_join_approve_over_the_api_delivers_the_key_sealed(
    tmp_path: Path, anvil_node: AnvilNode, operator: tuple[Ledger, str]
) -> None:
    ledger, admin_key = operator
    contract = ledger.manifest.contract_address
    joined, bank_dir = join(tmp_path, anvil_node, contract, "Bank A", "bank")
    assert joined["api_key"]
    request = json.loads(Path(joined["request"]).read_text())
    assert request["address"] == joined["address"]
    # the member's key is in its own directory only
    assert Keystore(bank_dir / "keystore", bank_dir / "secrets").addresses() == [
        joined["address"].lower()
    ]
    assert joined["address"].lower() not in ledger.keystore.addresses()
    # before approval: not a member, its gateway opens (joining) but has no fingerprint key
    waiting = open_ledger(member_settings(bank_dir, anvil_node))
    with pytest.raises(LedgerStateError, match="still joining"):
        waiting.fingerprint_key()
    waiting.close()

    headers = {"Authorization": f"Bearer {admin_key}"}
    with TestClient(create_app(ledger.settings, ledger)) as client:
        tampered = {**request, "name": "Bank Z"}
        refused = client.post("/v1/members/approve", json=tampered, headers=headers)
        assert refused.status_code == 422, refused.text
        assert "signature" in refused.text
        elsewhere = {**request, "contract": "0x" + "12" * 20}
        refused = client.post("/v1/members/approve", json=elsewhere, headers=headers)
        assert refused.status_code == 422  # the signature covers the contract too
        missing = client.post("/v1/members/approve", json={"kind": "x"}, headers=headers)
        assert missing.status_code == 422
        assert "kind" in missing.text

        approved = client.post("/v1/members/approve", json=request, headers=headers)
        assert approved.status_code == 200, approved.text
        body = approved.json()
        assert body["status"] == "executed"
        assert body["delivery_tx"] is not None
        again = client.post("/v1/members/approve", json=request, headers=headers)
        assert again.status_code == 409  # already a member

    member = svc.get_member(ledger, joined["address"])
    assert member.role == Role.BANK
    assert member.active
    # the bank's own gateway finishes joining by itself when it opens
    bank = open_ledger(member_settings(bank_dir, anvil_node))
    try:
        assert bank.fingerprint_key() == ledger.fingerprint_key()
        assert not (bank_dir / JOIN_STATE_FILE).exists()
        assert bank.manifest.admin_address == joined["address"]
        assert bank.db.authenticate(joined["api_key"]).address == joined["address"]
    finally:
        bank.close()


def test_join_approve_from_the_cli_and_file_delivery(
    tmp_path: Path, anvil_node: AnvilNode, operator: tuple[Ledger, str]
) -> None:
    ledger, _ = operator
    contract = ledger.manifest.contract_address
    joined, reg_dir = join(tmp_path, anvil_node, contract, "Regulator", "regulator")
    op_dir = ledger.settings.data_dir
    ledger.close()  # the CLI opens the operator's data directory itself
    envelope = tmp_path / "regulator.key.json"
    result = CliRunner().invoke(
        cli_app,
        ["member", "approve", joined["request"], "--envelope-out", str(envelope),
         "--data-dir", str(op_dir), "--json"],
        env={**FAST, "TRADELEDGER_CHAIN_URL": anvil_node.url,
             "TRADELEDGER_FUNDING_KEY_FILE": str(ledger.settings.funding_key_file)},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    approved = json.loads(result.stdout)
    assert approved["status"] == "executed"
    assert approved["role"] == "regulator"
    # the envelope file is sealed: it does not hold the key in clear
    key_hex = (op_dir / "secrets" / FINGERPRINT_KEY_FILE).read_text().strip()
    assert key_hex not in envelope.read_text()
    result = CliRunner().invoke(
        cli_app,
        ["join", "finish", str(envelope), "--data-dir", str(reg_dir)],
        env={**FAST, "TRADELEDGER_CHAIN_URL": anvil_node.url},
    )
    assert result.exit_code == 0, result.output
    assert (reg_dir / "secrets" / FINGERPRINT_KEY_FILE).read_text().strip() == key_hex


def test_join_refuses_a_contract_that_is_not_the_artifact(
    tmp_path: Path, anvil_node: AnvilNode
) -> None:
    # an address without our code (anvil's first dev account)
    refused, data_dir = join(
        tmp_path, anvil_node, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "Bank X", "bank", 1
    )
    assert "is not the TradeLedger artifact" in refused["output"]
    assert not (data_dir / "manifest.json").exists()


def test_fingerprint_key_rotation_moves_every_gateway_and_keeps_old_pledges(
    tmp_path: Path,
    anvil_node: AnvilNode,
    operator: tuple[Ledger, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ledger, _ = operator
    admin = ledger.manifest.admin_address
    contract = ledger.manifest.contract_address
    joined, bank_dir = join(tmp_path, anvil_node, contract, "Bank R", "bank")
    other, other_dir = join(tmp_path, anvil_node, contract, "Bank S", "bank")
    for request in (joined["request"], other["request"]):
        svc.approve_join(ledger, admin, read_request(Path(request)))
    exporter = svc.add_member(ledger, admin, "Exporter", Role.ENTERPRISE)
    invoice, _, _ = docs.register_file(ledger, exporter.member.address, "enterprise", UBL, "i.xml")
    old_key = ledger.fingerprint_key()
    open_ledger(member_settings(other_dir, anvil_node)).close()  # Bank S holds the old key

    bank = open_ledger(member_settings(bank_dir, anvil_node))
    try:
        me = joined["address"]
        docs.receive(bank, me, "bank", UBL, "invoice.xml")
        pledge = fin.PledgeRequest(docs.parse_doc_hash(invoice.doc_hash), 374_000)
        financed = fin.create(
            bank, me, [pledge], "DKK", FinancingKind.INVOICE_FINANCING,
            datetime.now(UTC) + timedelta(days=90), "R-1",
        )  # fmt: skip
        old_fps = {f.value for f in docs.examine(bank, UBL, me, "bank")[1].fingerprints}

        rotation = svc.rotate_fingerprint_key(ledger, admin)
        assert rotation.proposal.executed
        assert set(rotation.delivered_to) == {me, other["address"]}
        new_key = ledger.fingerprint_key()
        assert new_key != old_key
        state = svc.governance(ledger)
        assert state.fingerprint_key_id == "0x" + fingerprint_key_digest(new_key).hex()

        # the running bank gateway follows the rotation: it never fingerprints under the old key
        monkeypatch.setattr("ledger.network.FINGERPRINT_RECHECK_SECONDS", 0.0)
        assert bank.fingerprint_key() == new_key
        new_fps = {f.value for f in docs.examine(bank, UBL, me, "bank")[1].fingerprints}
        assert new_fps.isdisjoint(old_fps)  # every future fingerprint changes
        # the pledge made under the old key is released with the fingerprints it pledged
        fin.cancel(bank, me, financed.financing_id, 1)
        assert fin.get(bank, financed.financing_id).status.name == "CANCELLED"
    finally:
        bank.close()

    # a stopped gateway still holding the old key takes the new one sealed to it when it starts
    restarted = open_ledger(member_settings(other_dir, anvil_node))
    try:
        assert restarted.fingerprint_key() == new_key
    finally:
        restarted.close()
    # an unrelated wrong key is still refused (only the key rotated away from is replaced)
    (bank_dir / "secrets" / FINGERPRINT_KEY_FILE).write_text(os.urandom(32).hex())
    with pytest.raises(LedgerStateError, match="is not the consortium's"):
        open_ledger(member_settings(bank_dir, anvil_node))


def test_M2_join_takes_effect_and_delivers_at_the_second_admins_approval(
    tmp_path: Path, anvil_node: AnvilNode, operator: tuple[Ledger, str]
) -> None:
    ledger, _ = operator
    admin = ledger.manifest.admin_address
    contract = ledger.manifest.contract_address
    co, co_dir = join(tmp_path, anvil_node, contract, "Co-operator", "admin")
    svc.approve_join(ledger, admin, read_request(Path(co["request"])))
    svc.propose(ledger, admin, svc.ProposalAction.SET_THRESHOLD, data=2)
    joined, bank_dir = join(tmp_path, anvil_node, contract, "Bank M", "bank")

    pending = svc.approve_join(ledger, admin, read_request(Path(joined["request"])))
    assert not pending.executed
    assert pending.delivery_tx is None
    waiting = open_ledger(member_settings(bank_dir, anvil_node))
    with pytest.raises(LedgerStateError, match="still joining"):
        waiting.fingerprint_key()
    waiting.close()

    co_ledger = open_ledger(member_settings(co_dir, anvil_node))  # its own gateway, own key
    try:
        assert co_ledger.fingerprint_key() == ledger.fingerprint_key()
        done = svc.approve_proposal(co_ledger, co["address"], pending.proposal_id)
    finally:
        co_ledger.close()
    assert done.executed
    assert done.delivery_tx is not None  # the admin whose approval took effect delivered it
    bank = open_ledger(member_settings(bank_dir, anvil_node))
    try:
        assert bank.fingerprint_key() == ledger.fingerprint_key()
    finally:
        bank.close()
