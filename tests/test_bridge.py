"""The embedded chain answers standard Ethereum JSON-RPC at /rpc, to local clients with the node
token: an ordinary web3 HTTP client reads, estimates, sends signed transactions, and gets
reverts as typed errors — while the gateway process holds the chain."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from web3 import Web3

from api.app import create_app
from ledger.artifacts import load_artifact
from ledger.chain import bridge
from ledger.chain.bridge import node_token
from ledger.errors import Forbidden as ForbiddenError
from ledger.network import init_network, open_ledger
from ledger.revert import ERRORS
from ledger.services import members as member_svc
from ledger.services.roles import Role
from ledger.tx import FeePolicy, Transactor
from tests.conftest import Network, free_port, make_settings, start_gateway

pytestmark = pytest.mark.embedded_only("the /rpc bridge serves the embedded chain")


@pytest.fixture
def served(network: Network) -> Iterator[str]:
    port = free_port()
    app = create_app(network.ledger.settings, network.ledger)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/rpc"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _client(url: str, token: str | None) -> Web3:
    headers = {"X-Node-Token": token} if token else {}
    return Web3(Web3.HTTPProvider(url, request_kwargs={"headers": headers, "timeout": 30}))


def test_a_web3_client_reads_and_writes_through_the_bridge(served: str, network: Network) -> None:
    ledger = network.ledger
    remote = _client(served, node_token(ledger.settings.secrets_dir))
    assert remote.eth.chain_id == ledger.chain_id
    assert remote.eth.block_number == ledger.head_block()
    contract = remote.eth.contract(
        address=ledger.contract.address, abi=load_artifact("TradeLedger")["abi"]
    )
    assert contract.functions.memberCount().call() == 6

    # a participant's own key signs; the bridge only relays the signed transaction
    signer = ledger.keystore.load(network.enterprise.address)
    sender = Transactor(remote, signer, ledger.chain_id, FeePolicy(remote))
    doc = hashlib.sha256(b"sent through the bridge").digest()
    receipt = sender.transact(contract.functions.registerDocument(doc, 1))
    assert receipt["status"] == 1
    assert ledger.contract.functions.isIssued(doc).call() is True

    # the same registration again: the node's revert data becomes the typed error
    with pytest.raises(ERRORS["DocumentAlreadyRegistered"]) as raised:
        sender.transact(contract.functions.registerDocument(doc, 1))
    assert raised.value.details["docHash"] == doc

    logs = contract.events.DocumentRegistered().get_logs(from_block=receipt["blockNumber"])
    assert [log["args"]["docHash"] for log in logs] == [doc]


def test_the_bridge_refuses_clients_without_the_token(served: str, network: Network) -> None:
    for token in (None, "wrong"):
        with pytest.raises(Exception, match="403"):
            _client(served, token).eth.block_number  # noqa: B018
    assert issubclass(ERRORS["RoleNotAllowed"], ForbiddenError)


def test_the_cli_works_while_the_server_holds_the_chain(tmp_path: Path) -> None:
    data_dir = tmp_path / "l"
    settings = make_settings(data_dir)
    ledger, _ = init_network(settings)
    exporter = member_svc.add_member(
        ledger, ledger.manifest.admin_address, "Exporter", Role.ENTERPRISE
    )
    ledger.close()
    env = {**os.environ, "TRADELEDGER_KEYSTORE_SCRYPT_N": str(settings.keystore_scrypt_n)}
    server = start_gateway(data_dir, free_port(), env)
    try:
        invoice = tmp_path / "invoice.txt"
        invoice.write_bytes(b"an invoice registered while the server runs")

        def cli(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "ledger.cli", *args, "--data-dir", str(data_dir)],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )

        added = cli("member", "add", "Bank C", "--role", "bank", "--json")
        assert added.returncode == 0, added.stderr
        assert json.loads(added.stdout)["api_key"].startswith("tl_")
        registered = cli("doc", "register", str(invoice), "--as", exporter.member.address, "--json")
        assert registered.returncode == 0, registered.stderr
        verified = cli("doc", "verify", str(invoice), "--json")
        assert verified.returncode == 0, verified.stderr
        assert json.loads(verified.stdout)["registered_by"] == exporter.member.address
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    # the server is gone: its advertisement no longer counts and the chain opens directly
    assert bridge.advertised_node(data_dir, settings.secrets_dir) is None
    reopened = open_ledger(settings)
    assert reopened.node is not None
    reopened.close()
