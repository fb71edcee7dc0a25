"""The evaluator reads ``memberOf`` through the bridge of the gateway serving the embedded chain;
a gateway restarted serves its bridge on another port (a free one, unless
``TRADELEDGER_BRIDGE_PORT`` fixes it). The evaluator kept the first address and refused every
check and financing with ``chain_unavailable`` until it was restarted too (tryout 68)."""

from __future__ import annotations

import pytest

from ledger import evaluator as ev
from ledger.services.roles import Role
from tests.conftest import Network
from tests.served import served_gateway


@pytest.mark.embedded_only("the bridge serves the embedded chain")
def test_member_of_follows_a_restarted_gateways_bridge(network: Network) -> None:
    ledger = network.ledger
    data_dir = ledger.settings.data_dir
    contract = ledger.manifest.contract_address
    member_of = ev.gateway_member_of(data_dir)
    with served_gateway(ledger) as first:
        first_url = first.bridge_url
        assert member_of(contract, network.bank.address) == (int(Role.BANK), True)
    with served_gateway(ledger) as second:
        assert second.bridge_url != first_url  # another free port
        assert member_of(contract, network.bank.address) == (int(Role.BANK), True)
    # no gateway serves the chain now: refused, saying so
    with pytest.raises(ev.Refused) as refused:
        member_of(contract, network.bank.address)
    assert refused.value.code == "chain_unavailable"
