"""The embedded chain answers standard Ethereum JSON-RPC at /rpc, to local clients with the node
token: an ordinary web3 HTTP client reads, estimates, sends signed transactions, and gets
reverts as typed errors — while the gateway process holds the chain."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from web3 import Web3

from api.app import create_app
from ledger.artifacts import load_artifact
from ledger.chain.bridge import node_token
from ledger.errors import Forbidden as ForbiddenError
from ledger.revert import ERRORS
from ledger.tx import FeePolicy, Transactor
from tests.conftest import Network
from tests.test_persistence import _free_port


@pytest.fixture
def served(network: Network) -> Iterator[str]:
    port = _free_port()
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
