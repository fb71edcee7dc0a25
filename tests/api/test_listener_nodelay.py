"""Both listeners of a served gateway answer on connections with TCP_NODELAY (Nagle off).

The bridge's listening socket was made with protocol 0; asyncio sets ``TCP_NODELAY`` only on the
connections of a socket whose protocol says TCP, so every answer on a kept-alive bridge
connection (its headers and body written apart) waited for the client's delayed ACK — about
40 ms a JSON-RPC call: the evaluator's ``memberOf`` read 100–140 ms (three calls) once every two
seconds, the p99 of a check of a new invoice, and every CLI command beside a served gateway paid
it on each of its calls. What a client relies on is checked on the server's own connection
sockets, not as a time.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from typing import Any

import pytest
import uvicorn

from ledger.chain.bridge import advertised_node
from tests.conftest import Network
from tests.served import served_gateway


def _nodelay_of_connections(server: uvicorn.Server) -> list[int]:
    """``TCP_NODELAY`` of each connection ``server`` holds open now (waits a little for the one
    just made to be registered by the server's loop)."""
    deadline = time.monotonic() + 10
    while True:
        found: list[Any] = list(server.server_state.connections)
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    values = []
    for protocol in found:
        sock = protocol.transport.get_extra_info("socket")
        values.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
    return values


@pytest.mark.embedded_only("the bridge serves the embedded chain")
def test_the_bridge_answers_on_connections_without_nagle(network: Network) -> None:
    with served_gateway(network.ledger) as gateway:
        assert gateway.bridge is not None
        node = advertised_node(gateway.settings.data_dir, gateway.settings.secrets_dir)
        assert node is not None
        url, headers = node
        port = int(url.split(":")[2].split("/")[0])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
            for _ in range(2):  # the same kept-alive connection answers twice
                connection.request(
                    "POST", "/rpc", body, {**headers, "Content-Type": "application/json"}
                )
                answer = connection.getresponse()
                assert answer.status == 200
                assert json.loads(answer.read())["result"].startswith("0x")
            values = _nodelay_of_connections(gateway.bridge)
        finally:
            connection.close()
    assert values, "the bridge held no connection open"
    assert all(values), f"TCP_NODELAY of the bridge's connections: {values}"


def test_the_api_answers_on_connections_without_nagle(network: Network) -> None:
    with served_gateway(network.ledger) as gateway:
        connection = http.client.HTTPConnection("127.0.0.1", gateway.settings.port, timeout=10)
        try:
            connection.request("GET", "/health")
            answer = connection.getresponse()
            assert answer.status == 200
            answer.read()
            values = _nodelay_of_connections(gateway.api)
        finally:
            connection.close()
    assert values, "the API held no connection open"
    assert all(values), f"TCP_NODELAY of the API's connections: {values}"
