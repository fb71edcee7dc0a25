"""The embedded chain keeps an ``eth_call``'s output for the head it ran at (issue #16:
``memberOf`` ran the contract in py-evm at every read of a standing, the gateway's and the
evaluator's, about 3 ms each, and a financing's read makes several such calls). What a user
relies on: a read never answers from a state the chain has left — a suspension, a
registration, any new block is seen by the next read —, a revert still raises, and reads at an
older block still run there.
Embedded chain only (a JSON-RPC node answers its own calls)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from eth_tester.backends.pyevm import main as pyevm_main

from ledger.revert import ContractError
from ledger.services import documents as docs
from ledger.services import members as member_svc
from ledger.services.roles import DocType
from tests.conftest import Network

pytestmark = pytest.mark.embedded_only("a JSON-RPC node answers its own eth_call")


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the calls py-evm executes (eth-tester's execute-and-revert)."""
    executed: list[int] = []
    real = pyevm_main._execute_and_revert_transaction

    def counted(*args: Any, **kwargs: Any) -> Any:
        executed.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pyevm_main, "_execute_and_revert_transaction", counted)
    return executed


def _standing(network: Network, address: str) -> tuple[int, bool]:
    record = network.ledger.calls.functions.memberOf(address).call()
    return int(record[0]), bool(record[3])


def test_a_read_at_the_same_head_runs_once(network: Network, runs: list[int]) -> None:
    first = _standing(network, network.bank_b.address)
    assert len(runs) == 1
    assert [_standing(network, network.bank_b.address) for _ in range(5)] == [first] * 5
    assert len(runs) == 1
    # another call (another argument) runs
    _standing(network, network.bank.address)
    assert len(runs) == 2
    # web3's own contract call meets the same kept output
    web3_record = network.ledger.contract.functions.memberOf(network.bank_b.address).call()
    assert (int(web3_record[0]), bool(web3_record[3])) == first


def test_a_new_block_is_read_at_once(network: Network, runs: list[int]) -> None:
    """A suspension, then a registration: the same call's next read answers from the new
    head (a simulated registration that went through before refuses once it is on chain)."""
    ledger, me = network.ledger, network.enterprise.address
    member_id, active = _standing(network, network.bank_b.address)
    assert active
    member_svc.suspend_member(ledger, network.admin.address, network.bank_b.address)
    assert _standing(network, network.bank_b.address) == (member_id, False)
    doc_hash = os.urandom(32)
    simulated = ledger.calls.functions.registerDocument(doc_hash, int(DocType.INVOICE))
    simulated.call({"from": me})
    simulated.call({"from": me})
    docs.register(ledger, me, doc_hash, DocType.INVOICE)
    with pytest.raises(ContractError) as raised:
        simulated.call({"from": me})
    assert raised.value.code == "DocumentAlreadyRegistered"


def test_a_revert_raises_every_time(network: Network, runs: list[int]) -> None:
    revoke_unknown = network.ledger.calls.functions.revokeDocument(os.urandom(32), 3)
    for n in range(1, 3):
        with pytest.raises(ContractError):
            revoke_unknown.call({"from": network.enterprise.address})
        assert len(runs) == n


def test_a_read_at_an_older_block_runs_at_that_block(network: Network, runs: list[int]) -> None:
    ledger = network.ledger
    before = ledger.w3.eth.block_number
    member_svc.suspend_member(ledger, network.admin.address, network.bank_b.address)
    call = ledger.calls.functions.memberOf(network.bank_b.address)
    ran = len(runs)
    assert bool(call.call(block_identifier=before)[3]) is True
    assert bool(call.call(block_identifier=before)[3]) is True
    assert len(runs) == ran + 2
    assert bool(call.call()[3]) is False
