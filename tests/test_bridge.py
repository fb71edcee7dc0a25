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
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from web3 import Web3

from api.bridge import BridgeApp
from api.serve import Gateway
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
from tests.served import served_gateway

pytestmark = pytest.mark.embedded_only("the /rpc bridge serves the embedded chain")


@pytest.fixture
def gateway(network: Network) -> Iterator[Gateway]:
    """The served gateway (API and bridge listeners), as ``tradeledger serve`` runs it."""
    with served_gateway(network.ledger) as served:
        yield served


@pytest.fixture
def served(gateway: Gateway) -> str:
    """The bridge's URL."""
    assert gateway.bridge_url is not None
    return gateway.bridge_url


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
        registration = json.loads(verified.stdout)["registration"]
        assert registration["registered_by"] == exporter.member.address
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    # the server is gone: its advertisement no longer counts and the chain opens directly
    assert bridge.advertised_node(data_dir, settings.secrets_dir) is None
    reopened = open_ledger(settings)
    assert reopened.node is not None
    reopened.close()


# -- its own loopback listener (issue #15) -----------------------------------------------------


def _post(url: str, payload: object, **headers: str) -> httpx.Response:
    return httpx.post(url, json=payload, headers=headers, timeout=30)


def test_the_api_listener_does_not_serve_the_bridge(gateway: Gateway, network: Network) -> None:
    """Behind a reverse proxy on the same host every remote client arrives from 127.0.0.1, with
    whatever X-Forwarded-For it wrote: the public listener must not answer /rpc at all, token or
    not, forwarded header or not."""
    token = node_token(network.ledger.settings.secrets_dir)
    api = f"http://127.0.0.1:{gateway.settings.port}/rpc"
    call = {"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}
    for forwarded in ("127.0.0.1", "203.0.113.7", "::1"):
        answer = _post(api, call, **{"X-Node-Token": token, "X-Forwarded-For": forwarded})
        assert answer.status_code == 404, (forwarded, answer.text)
        assert "result" not in answer.text
    # the bridge's own listener is on 127.0.0.1, another port, and advertised to local clients
    assert gateway.bridge_url is not None
    assert gateway.bridge_url.startswith("http://127.0.0.1:")
    assert f":{gateway.settings.port}/" not in gateway.bridge_url
    advertised = bridge.advertised_node(network.ledger.settings.data_dir, Path("/nonexistent"))
    assert advertised is None or advertised[0] == gateway.bridge_url


def test_the_bridge_ignores_forwarded_headers(served: str, network: Network) -> None:
    """The bridge judges the TCP peer, never a header: a forged X-Forwarded-For neither lets a
    client in nor shuts a local one out; only the token decides among local clients."""
    token = node_token(network.ledger.settings.secrets_dir)
    call = {"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}
    for forwarded in ("203.0.113.7", "127.0.0.1"):
        answer = _post(served, call, **{"X-Node-Token": token, "X-Forwarded-For": forwarded})
        assert answer.status_code == 200, answer.text
        assert int(answer.json()["result"], 16) == network.ledger.head_block()
        refused = _post(served, call, **{"X-Forwarded-For": forwarded})
        assert refused.status_code == 403


def test_the_bridge_caps_batches_log_ranges_and_answers(tmp_path: Path) -> None:
    """A JSON-RPC request's batch size, the blocks its eth_getLogs calls scan and the size of
    its answer are capped, each with a JSON-RPC error that names the limit."""
    settings = make_settings(
        tmp_path / "l", bridge_max_batch=5, bridge_max_log_blocks=4, bridge_max_response=2048
    )
    ledger, _ = init_network(settings)
    try:
        for n in range(4):  # blocks with logs: one member each
            member_svc.add_member(ledger, ledger.manifest.admin_address, f"M{n}", Role.BANK)
        app = BridgeApp(ledger)
        head = ledger.head_block()
        assert head >= 5
        local = TestClient(app, client=("127.0.0.1", 50000))
        token = {"X-Node-Token": node_token(settings.secrets_dir)}

        def rpc(payload: object) -> object:
            response = local.post("/rpc", json=payload, headers=token)
            assert response.status_code == 200, response.text
            return response.json()

        def logs(first: int, last: int, call_id: int = 1) -> dict[str, object]:
            return {
                "jsonrpc": "2.0",
                "id": call_id,
                "method": "eth_getLogs",
                "params": [{"fromBlock": hex(first), "toBlock": hex(last)}],
            }

        number = {"jsonrpc": "2.0", "id": 9, "method": "eth_blockNumber", "params": []}
        too_many = rpc([number] * 6)
        assert isinstance(too_many, dict)
        assert too_many["error"]["code"] == -32005
        assert "at most 5 calls per batch" in too_many["error"]["message"]
        assert len(rpc([number] * 5)) == 5  # type: ignore[arg-type]

        wide = rpc(logs(0, head))
        assert isinstance(wide, dict)
        assert wide["error"]["code"] == -32005
        assert f"over {head + 1} blocks" in wide["error"]["message"]
        assert "at most 4 blocks per request" in wide["error"]["message"]
        assert "result" in rpc(logs(head - 3, head))  # type: ignore[operator]
        # the range is a budget of the whole request: two 3-block scans do not fit in one
        pair = rpc([logs(head - 2, head, 1), logs(head - 2, head, 2)])
        assert isinstance(pair, list)
        assert "result" in pair[0]
        assert pair[1]["error"]["code"] == -32005
        assert "1 left in this one" in pair[1]["error"]["message"]
        # "latest" and "earliest" count as the blocks they name
        open_ended = rpc(
            {"jsonrpc": "2.0", "id": 3, "method": "eth_getLogs", "params": [{"fromBlock": "0x0"}]}
        )
        assert isinstance(open_ended, dict)
        assert open_ended["error"]["code"] == -32005

        blocks = [
            {"jsonrpc": "2.0", "id": n, "method": "eth_getBlockByNumber", "params": [hex(n), True]}
            for n in range(5)
        ]
        answers = local.post("/rpc", json=blocks, headers=token)
        assert len(answers.content) < 2048 + 1024
        parts = answers.json()
        refused = [p for p in parts if "error" in p]
        assert refused, "five full blocks do not fit in 2 KiB"
        assert refused[0]["error"]["code"] == -32005
        assert "response too large" in refused[0]["error"]["message"]
        assert "2048 bytes" in refused[0]["error"]["message"]
        assert all("error" in p for p in parts[parts.index(refused[0]) :])
    finally:
        ledger.close()


def test_the_cli_reads_long_ranges_through_a_capped_bridge(tmp_path: Path) -> None:
    """The gateway's own JSON-RPC client asks for a long range in parts
    (TRADELEDGER_RPC_LOG_RANGE), so a bridge or a node that caps ranges serves it."""
    data_dir = tmp_path / "l"
    settings = make_settings(data_dir)
    ledger, _ = init_network(settings)
    for n in range(5):
        member_svc.add_member(ledger, ledger.manifest.admin_address, f"Bank {n}", Role.BANK)
    ledger.close()
    env = {
        **os.environ,
        "TRADELEDGER_KEYSTORE_SCRYPT_N": "1024",
        "TRADELEDGER_BRIDGE_MAX_LOG_BLOCKS": "3",
        "TRADELEDGER_RPC_LOG_RANGE": "3",
    }
    server = start_gateway(data_dir, free_port(), env)
    try:
        listed = subprocess.run(
            [
                sys.executable,
                "-m",
                "ledger.cli",
                "member",
                "list",
                "--json",
                "--data-dir",
                data_dir,
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert listed.returncode == 0, listed.stderr
        assert sum(1 for m in json.loads(listed.stdout)["items"] if m["role"] == "bank") == 5
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
