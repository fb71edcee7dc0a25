"""A JSON-RPC node that refuses the client says why, and the client says it on.

Tryout 70's counterparty ran ``doc verify-proof … --rpc`` against the embedded chain's bridge
(which answers only a request with its data directory's node token) and read ``does not
answer eth_chainId: forbidden (code -32603)``: nothing of the token. The bridge's 403 names
it, and :class:`ledger.chain.rpc.RpcClient` now passes its words on."""

from __future__ import annotations

import pytest

from ledger.chain.bridge import advertised_node
from ledger.chain.rpc import RpcClient
from ledger.errors import ChainUnavailable
from tests.conftest import Network
from tests.served import served_gateway


@pytest.mark.embedded_only("the bridge serves the embedded chain")
def test_the_bridge_refusing_a_client_without_its_token_is_said_in_its_words(
    network: Network,
) -> None:
    with served_gateway(network.ledger) as gateway:
        node = advertised_node(gateway.settings.data_dir, gateway.settings.secrets_dir)
        assert node is not None
        url, headers = node
        assert int(RpcClient(url, 10.0, 50, headers).call("eth_chainId"), 16) > 0
        with pytest.raises(ChainUnavailable) as refused:
            RpcClient(url, 10.0, 50, {}).call("eth_chainId")
    message = refused.value.message
    assert "refused this client (HTTP 403)" in message
    assert "X-Node-Token" in message
