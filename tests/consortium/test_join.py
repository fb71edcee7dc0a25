"""Joining with one's own keys, on anvil (issue #13): `tradeledger join` in the member's own data
directory, approval by an admin over the API and the CLI — in process (the four-gateway test runs
each gateway as a process). No fingerprint key is delivered (issue #18): a joined bank has its
fingerprints evaluated by the consortium's evaluator, whose key rotation is tested here."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from stdnum.iso7064 import mod_97_10
from typer.testing import CliRunner

from api.app import create_app
from ledger.cli import app as cli_app
from ledger.config import Settings
from ledger.documents import read_document
from ledger.errors import EvaluatorUnavailable, Forbidden
from ledger.join import FINGERPRINT_KEY_FILE, JOIN_STATE_FILE, LOOKUP_KEY_FILE, read_request
from ledger.keys import Keystore
from ledger.network import Ledger, init_network, open_ledger
from ledger.services import documents as docs
from ledger.services import financing as fin
from ledger.services import members as svc
from ledger.services.roles import FinancingKind, Role
from tests.conftest import AnvilNode, make_settings
from tests.evaluator_harness import SessionEvaluator

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


def lei_of(name: str) -> str:
    """A valid LEI of its own for each joining organisation (ISO 17442 check digits): a legal
    id names one legal entity, so two members may not share one."""
    body = "549300" + hashlib.sha256(name.encode()).hexdigest().upper()[:12]
    return body + mod_97_10.calc_check_digits(body)


def join(
    tmp_path: Path,
    node: AnvilNode,
    contract: str,
    name: str,
    role: str,
    code: int = 0,
    legal_id: str | None = None,
) -> tuple[dict[str, Any], Path]:
    data_dir = tmp_path / name.replace(" ", "-").lower()
    out = tmp_path / f"{data_dir.name}.join.json"
    result = CliRunner().invoke(
        cli_app,
        ["join", "--chain-url", node.url, "--contract", contract, "--name", name, "--role", role,
         "--legal-id", legal_id or lei_of(name), "--out", str(out), "--data-dir", str(data_dir),
         "--json"],
        env=FAST,
    )  # fmt: skip
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return (json.loads(result.stdout) if code == 0 else {"output": result.output}), data_dir


def member_settings(data_dir: Path, node: AnvilNode) -> Settings:
    return make_settings(data_dir, chain_url=node.url)


def test_join_approve_over_the_api_and_the_joined_bank_has_fingerprints_evaluated(
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
    # before approval: not a member, its gateway opens (joining); the evaluator refuses it
    waiting = open_ledger(member_settings(bank_dir, anvil_node))
    try:
        with pytest.raises(Forbidden, match="only a bank"):
            waiting.oblivious_fingerprints(joined["address"], read_document(UBL))
    finally:
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
        assert "delivery_tx" not in body  # nothing is delivered
        again = client.post("/v1/members/approve", json=request, headers=headers)
        assert again.status_code == 409  # already a member

    member = svc.get_member(ledger, joined["address"])
    assert member.role == Role.BANK
    assert member.active
    # the bank's own gateway finishes joining by itself when it opens
    bank = open_ledger(member_settings(bank_dir, anvil_node))
    try:
        assert bank.oblivious_fingerprints(joined["address"], read_document(UBL))
        assert not (bank_dir / JOIN_STATE_FILE).exists()
        assert not (bank_dir / "secrets" / FINGERPRINT_KEY_FILE).exists()
        assert (bank_dir / "secrets" / LOOKUP_KEY_FILE).exists()  # its own, made at join
        assert bank.lookup_key() != ledger.lookup_key()
        assert bank.manifest.admin_address == joined["address"]
        assert bank.db.authenticate(joined["api_key"]).address == joined["address"]
    finally:
        bank.close()


def test_join_approve_and_finish_from_the_cli(
    tmp_path: Path, anvil_node: AnvilNode, operator: tuple[Ledger, str]
) -> None:
    ledger, _ = operator
    contract = ledger.manifest.contract_address
    joined, reg_dir = join(tmp_path, anvil_node, contract, "Regulator", "regulator")
    op_dir = ledger.settings.data_dir
    ledger.close()  # the CLI opens the operator's data directory itself
    result = CliRunner().invoke(
        cli_app,
        ["member", "approve", joined["request"], "--data-dir", str(op_dir), "--json"],
        env={**FAST, "TRADELEDGER_CHAIN_URL": anvil_node.url,
             "TRADELEDGER_FUNDING_KEY_FILE": str(ledger.settings.funding_key_file)},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    approved = json.loads(result.stdout)
    assert approved["status"] == "executed"
    assert approved["role"] == "regulator"
    result = CliRunner().invoke(
        cli_app,
        ["join", "finish", "--data-dir", str(reg_dir)],
        env={**FAST, "TRADELEDGER_CHAIN_URL": anvil_node.url},
    )
    assert result.exit_code == 0, result.output
    assert not (reg_dir / JOIN_STATE_FILE).exists()
    assert not (reg_dir / "secrets" / FINGERPRINT_KEY_FILE).exists()


def test_join_refuses_a_contract_that_is_not_the_artifact(
    tmp_path: Path, anvil_node: AnvilNode
) -> None:
    # an address without our code (anvil's first dev account)
    refused, data_dir = join(
        tmp_path, anvil_node, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "Bank X", "bank", 1
    )
    assert "is not the TradeLedger artifact" in refused["output"]
    assert not (data_dir / "manifest.json").exists()


def test_evaluator_key_rotation_moves_every_gateway_and_keeps_old_pledges(
    tmp_path: Path,
    anvil_node: AnvilNode,
    operator: tuple[Ledger, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The consortium moves to a new evaluator (a new key on chain): a running bank gateway
    refuses the old evaluator's answers at once, fingerprints change, and a pledge made under
    the old key is still released with the fingerprints it locked."""
    ledger, _ = operator
    admin = ledger.manifest.admin_address
    contract = ledger.manifest.contract_address
    joined, bank_dir = join(tmp_path, anvil_node, contract, "Bank R", "bank")
    svc.approve_join(ledger, admin, read_request(Path(joined["request"])))
    exporter = svc.add_member(ledger, admin, "Exporter", Role.ENTERPRISE)
    invoice, _, _ = docs.register_file(ledger, exporter.member.address, "enterprise", UBL, "i.xml")
    new_evaluator = SessionEvaluator()
    bank = open_ledger(member_settings(bank_dir, anvil_node))
    try:
        new_evaluator.register(bank.contract)
        me = joined["address"]
        docs.receive(bank, me, "bank", UBL, "invoice.xml")
        pledge = fin.PledgeRequest(docs.parse_doc_hash(invoice.doc_hash), 374_000)
        financed = fin.create(
            bank, me, [pledge], "DKK", FinancingKind.INVOICE_FINANCING,
            datetime.now(UTC) + timedelta(days=90), "R-1",
        )  # fmt: skip
        old_fps = {f.value for f in docs.examine(bank, UBL, me, "bank")[1].fingerprints}

        new_key = new_evaluator.service.public_key
        proposal = svc.rotate_evaluator_key(ledger, admin, new_key)
        assert proposal.executed
        assert svc.governance(ledger).fingerprint_evaluator_key == "0x" + new_key.hex()
        # the running bank gateway follows the rotation: the old evaluator's proofs are refused
        monkeypatch.setattr("ledger.network.FINGERPRINT_RECHECK_SECONDS", 0.0)
        with pytest.raises(EvaluatorUnavailable, match="does not verify"):
            bank.oblivious_fingerprints(me, read_document(UBL))
        bank.settings.evaluator_url = new_evaluator.url
        new_fps = {f.value for f in docs.examine(bank, UBL, me, "bank")[1].fingerprints}
        assert new_fps
        assert new_fps.isdisjoint(old_fps)  # every future fingerprint changes
        # the pledge made under the old key is released with the fingerprints it pledged
        fin.cancel(bank, me, financed.financing_id, 1)
        assert fin.get(bank, financed.financing_id).status.name == "CANCELLED"
    finally:
        bank.close()
        new_evaluator.stop()


def test_M2_join_takes_effect_at_the_second_admins_approval(
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
    waiting = open_ledger(member_settings(bank_dir, anvil_node))
    try:
        with pytest.raises(Forbidden, match="only a bank"):
            waiting.oblivious_fingerprints(joined["address"], read_document(UBL))
    finally:
        waiting.close()

    co_ledger = open_ledger(member_settings(co_dir, anvil_node))  # its own gateway, own key
    try:
        done = svc.approve_proposal(co_ledger, co["address"], pending.proposal_id)
    finally:
        co_ledger.close()
    assert done.executed
    bank = open_ledger(member_settings(bank_dir, anvil_node))
    try:
        assert bank.oblivious_fingerprints(joined["address"], read_document(UBL))
        assert not (bank_dir / JOIN_STATE_FILE).exists()
    finally:
        bank.close()


def test_approve_refuses_a_join_request_that_is_another_member_to_a_reader_or_in_law(
    tmp_path: Path, anvil_node: AnvilNode, operator: tuple[Ledger, str]
) -> None:
    """A join request under a legal id a member has (here in lower case), or under a name that
    reads like a member's (a Cyrillic ``а``), is refused when the admin approves it: 409
    naming the field and the member, nothing proposed."""
    ledger, admin_key = operator
    contract = ledger.manifest.contract_address
    lei = "529900T8BM49AURSDO55"
    first, _ = join(tmp_path, anvil_node, contract, "Bank P", "bank", legal_id=lei)
    headers = {"Authorization": f"Bearer {admin_key}"}
    with TestClient(create_app(ledger.settings, ledger)) as client:

        def approve(joined: dict[str, Any]) -> Any:
            body = json.loads(Path(joined["request"]).read_text())
            return client.post("/v1/members/approve", json=body, headers=headers)

        assert approve(first).status_code in (200, 201)
        count = svc.governance(ledger).proposal_count
        same_lei, _ = join(tmp_path, anvil_node, contract, "Bank Q", "bank", legal_id=lei.lower())
        look_alike, _ = join(tmp_path, anvil_node, contract, "B\u0430nk P", "bank")
        for joined, field in ((same_lei, "legal_id"), (look_alike, "name")):
            refused = approve(joined)
            assert refused.status_code == 409, refused.text
            details = refused.json()["details"]
            assert (details["field"], details["address"]) == (field, first["address"])
        assert svc.governance(ledger).proposal_count == count
