"""The JSON-RPC backend against a real node (anvil): init with a funding key, free-gas
networks (the Besu/QBFT configuration), the chain id check, batch requests and a node that
refuses them."""

from __future__ import annotations

import hashlib
import json
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ledger.chain.rpc import RpcClient, RpcError, connect
from ledger.errors import ChainUnavailable, LedgerStateError
from ledger.network import init_network, open_ledger
from ledger.services import members as member_svc
from ledger.services.roles import DocType, Role
from tests.conftest import AnvilNode, free_port, make_settings, start_anvil

pytestmark = pytest.mark.anvil


@pytest.fixture(scope="module")
def free_gas_anvil() -> Iterator[AnvilNode]:
    """A node like a Besu QBFT network with free gas: base fee 0, gas price 0, chain id 1337."""
    node = start_anvil("--block-base-fee-per-gas", "0", "--gas-price", "0", "--chain-id", "1337")
    try:
        yield node
    finally:
        node.stop()


def test_init_on_a_free_gas_network_needs_no_funding(
    free_gas_anvil: AnvilNode, tmp_path: Path
) -> None:
    settings = make_settings(
        tmp_path / "l", chain_url=free_gas_anvil.url, gas_pricing="zero", rpc_chain_id=1337
    )
    ledger, _ = init_network(settings, "Consortium admin")
    try:
        assert ledger.chain_id == 1337
        bank = member_svc.add_member(ledger, ledger.manifest.admin_address, "Bank", Role.BANK)
        assert int(ledger.w3.eth.get_balance(bank.member.address)) == 0  # never funded
        doc = hashlib.sha256(b"free gas").digest()
        receipt = ledger.transactor(bank.member.address).transact(
            ledger.contract.functions.registerDocument(doc, int(DocType.INVOICE))
        )
        assert receipt["status"] == 1
        assert int(ledger.w3.eth.get_transaction(receipt["transactionHash"])["gasPrice"]) == 0
    finally:
        ledger.close()
    reopened = open_ledger(settings)  # the gateway restarts against the same node
    try:
        assert reopened.contract.functions.isIssued(doc).call()
    finally:
        reopened.close()


def test_legacy_gas_pricing(
    anvil_node: AnvilNode, anvil_funding_key_file: Path, tmp_path: Path
) -> None:
    settings = make_settings(
        tmp_path / "l",
        chain_url=anvil_node.url,
        gas_pricing="legacy",
        funding_key_file=anvil_funding_key_file,
    )
    ledger, _ = init_network(settings)
    try:
        deployment = ledger.w3.eth.get_transaction(ledger.manifest.deployment_tx)
        assert deployment["type"] == 0
        assert int(deployment["gasPrice"]) > 0
    finally:
        ledger.close()


def test_init_without_funding_on_priced_gas_is_refused_clearly(
    anvil_node: AnvilNode, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path / "l", chain_url=anvil_node.url)
    with pytest.raises(LedgerStateError, match="TRADELEDGER_FUNDING_KEY_FILE"):
        init_network(settings)


def test_a_bad_funding_key_file_is_refused(anvil_node: AnvilNode, tmp_path: Path) -> None:
    key = tmp_path / "k"
    key.write_text("not a key")
    settings = make_settings(tmp_path / "l", chain_url=anvil_node.url, funding_key_file=key)
    with pytest.raises(LedgerStateError, match="32-byte hex key"):
        init_network(settings)


def test_the_node_must_be_the_configured_chain(anvil_node: AnvilNode, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "l", chain_url=anvil_node.url, rpc_chain_id=5)
    with pytest.raises(LedgerStateError, match="chain 31337"):
        connect(settings)


def test_an_unreachable_node_is_chain_unavailable(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "l", chain_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ChainUnavailable):
        connect(settings)


def test_batch_answers_in_order_with_per_call_errors(anvil_node: AnvilNode) -> None:
    client = RpcClient(anvil_node.url, batch_size=3)
    answers = client.batch(
        [("eth_chainId", [])] * 4 + [("eth_sendRawTransaction", ["0x00"]), ("eth_chainId", [])]
    )
    assert answers[:4] == ["0x7a69"] * 4
    assert isinstance(answers[4], RpcError)
    assert answers[5] == "0x7a69"


class NoBatchProxy:
    """A loopback proxy in front of the node that refuses JSON-RPC batch requests."""

    def __init__(self, upstream: str) -> None:
        self.batches_refused = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if json.loads(body).__class__ is list:
                    proxy.batches_refused += 1
                    answer = json.dumps(
                        {
                            "jsonrpc": "2.0",
                            "id": None,
                            "error": {"code": -32600, "message": "no batches"},
                        }
                    ).encode()
                else:
                    request = urllib.request.Request(
                        upstream, body, {"Content-Type": "application/json"}
                    )
                    with urllib.request.urlopen(request, timeout=10) as response:
                        answer = response.read()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def test_a_node_that_refuses_batches_is_served_one_call_at_a_time(
    anvil_node: AnvilNode, anvil_funding_key_file: Path, tmp_path: Path
) -> None:
    proxy = NoBatchProxy(anvil_node.url)
    try:
        settings = make_settings(
            tmp_path / "l", chain_url=proxy.url, funding_key_file=anvil_funding_key_file
        )
        ledger, _ = init_network(settings)
        try:
            bank = member_svc.add_member(ledger, ledger.manifest.admin_address, "B", Role.BANK)
            transactor = ledger.transactor(bank.member.address)
            calls = [
                ledger.contract.functions.registerDocument(
                    hashlib.sha256(f"nb{i}".encode()).digest(), int(DocType.INVOICE)
                )
                for i in range(5)
            ]
            txs = [
                {"to": c.address, "data": c._encode_transaction_data(), "gas": 120_000, "value": 0}
                for c in calls
            ]
            receipts = transactor.wait_many(transactor.send_many(txs))
            assert all(not isinstance(r, Exception) and r["status"] == 1 for r in receipts)
            assert proxy.batches_refused == 1  # detected once, then single calls
        finally:
            ledger.close()
    finally:
        proxy.stop()
