"""The embedded chain persists: a restart — even after ``kill -9`` — resumes at the same head
with every acknowledged transaction present; it refuses foreign-chain transactions; one process
owns a data directory at a time."""

from __future__ import annotations

import hashlib
import json
import os
import signal
from pathlib import Path

import httpx
import pytest
from eth_account import Account
from eth_tester import exceptions as tester_errors
from web3 import Web3

from ledger.chain.embedded import open_embedded
from ledger.errors import LedgerStateError, TransactionRejected
from ledger.network import init_network, open_ledger
from ledger.services import documents as docs
from ledger.services import members as member_svc
from ledger.services.roles import DocType, Role
from ledger.tx import translate
from tests.conftest import free_port, make_settings, start_gateway


def test_restart_resumes_at_the_same_head_with_every_document(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "l", chain_sync="full")
    ledger, _ = init_network(settings)
    member = member_svc.add_member(
        ledger, ledger.manifest.admin_address, "Exporter", Role.ENTERPRISE
    )
    hashes = [hashlib.sha256(f"doc {i}".encode()).digest() for i in range(5)]
    for h in hashes:
        docs.register(ledger, member.member.address, h, DocType.INVOICE)
    head = ledger.head_block()
    ledger.close()

    reopened = open_ledger(settings)
    try:
        assert reopened.head_block() == head
        for h in hashes:
            reg = docs.get_registration(reopened, h)
            assert reg.registered_by == member.member.address
        # and the chain goes on from there
        more = hashlib.sha256(b"after restart").digest()
        receipt = docs.register(reopened, member.member.address, more, DocType.OTHER)
        assert receipt.block == head + 1
    finally:
        reopened.close()


def test_a_ledger_an_earlier_release_deployed_is_refused_at_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A release whose contract changed (a function added: ``markCarriers``) cannot serve a
    ledger an earlier release deployed: its first check would fail on the missing function.
    It is refused at open, naming both contracts' code and what to do."""
    settings = make_settings(tmp_path / "l")
    ledger, _ = init_network(settings)
    deployed = ledger.manifest.artifact_sha256
    ledger.close()
    monkeypatch.setattr("ledger.network.artifact_sha256", lambda _name: "ab" * 32)
    with pytest.raises(LedgerStateError) as refused:
        open_ledger(settings)
    assert "an earlier release deployed" in refused.value.message
    assert "Start a new ledger in a data directory of its own" in refused.value.message
    assert refused.value.details["deployed_sha256"] == deployed
    assert refused.value.details["shipped_sha256"] == "ab" * 32
    monkeypatch.undo()
    open_ledger(settings).close()  # the release that made it serves it


def test_a_second_process_cannot_open_the_same_chain(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "l")
    ledger, _ = init_network(settings)
    try:
        with pytest.raises(LedgerStateError, match="open in another process"):
            open_embedded(settings.chain_dir, settings.chain_id)
    finally:
        ledger.close()


def test_transactions_signed_for_another_chain_are_refused(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "l")
    ledger, _ = init_network(settings)
    try:
        key = Account.create()
        tx = {
            "to": key.address,
            "value": 0,
            "gas": 21_000,
            "maxFeePerGas": 10**10,
            "maxPriorityFeePerGas": 10**9,
            "nonce": 0,
            "type": 2,
        }
        head = ledger.head_block()
        for chain_id in (1, settings.chain_id + 1):
            raw = key.sign_transaction({**tx, "chainId": chain_id}).raw_transaction
            with pytest.raises(tester_errors.ValidationError) as raised:
                ledger.w3.eth.send_raw_transaction(raw)
            error = translate(raised.value)
            # the node's refusal of a signed transaction: the gateway's own fault, never the
            # client's input — a 503 never stored under an idempotency key
            assert isinstance(error, TransactionRejected)
            assert f"chain id {chain_id}" in error.message
        assert ledger.head_block() == head
        assert ledger.w3.eth.chain_id == settings.chain_id
    finally:
        ledger.close()


@pytest.mark.parametrize("sync", ["full", "normal"])
def test_kill_9_loses_no_acknowledged_registration(tmp_path: Path, sync: str) -> None:
    data_dir = tmp_path / "l"
    settings = make_settings(data_dir, chain_sync=sync)
    ledger, _ = init_network(settings)
    exporter = member_svc.add_member(
        ledger, ledger.manifest.admin_address, "Exporter", Role.ENTERPRISE
    )
    ledger.close()

    env = {
        **os.environ,
        "TRADELEDGER_KEYSTORE_SCRYPT_N": str(settings.keystore_scrypt_n),
        "TRADELEDGER_CHAIN_SYNC": sync,
    }
    headers = {"Authorization": f"Bearer {exporter.api_key}"}
    acknowledged: list[str] = []
    for round_ in range(2):
        port = free_port()
        server = start_gateway(data_dir, port, env)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                for i in range(8):
                    payload = f"round {round_} file {i}".encode()
                    response = client.post(
                        "/v1/documents", files={"file": ("f.bin", payload)}, headers=headers
                    )
                    assert response.status_code == 201, response.text
                    acknowledged.append(response.json()["doc_hash"])
        finally:
            server.send_signal(signal.SIGKILL)  # no shutdown, no flush: a crash
            server.wait(timeout=30)

    reopened = open_ledger(make_settings(data_dir, chain_sync=sync))
    try:
        for doc_hash in acknowledged:
            reg = docs.get_registration(reopened, bytes.fromhex(doc_hash[2:]))
            assert reg.registered_by == exporter.member.address
        assert len(set(acknowledged)) == 16
        # the manifest and keystores are intact and the chain accepts new writes
        manifest = json.loads((data_dir / "manifest.json").read_text())
        assert (
            Web3.to_checksum_address(manifest["contract_address"])
            == reopened.manifest.contract_address
        )
        docs.register(
            reopened, exporter.member.address, hashlib.sha256(b"after").digest(), DocType.OTHER
        )
    finally:
        reopened.close()
