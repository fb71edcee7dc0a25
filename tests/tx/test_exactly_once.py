"""Exactly-once at the transaction layer, on both backends: an idempotency key is bound to one
signed transaction before it is sent, and every retry — after a commit, after a crash before
the send, after the transaction died — applies the write once."""

from __future__ import annotations

import hashlib

import pytest
from web3 import Web3

from ledger.errors import ChainUnavailable, Conflict
from ledger.services.roles import DocType
from ledger.tx import Transactor
from tests.conftest import Network, rpc_call

pytestmark = pytest.mark.both_backends


def doc(label: str) -> bytes:
    return hashlib.sha256(label.encode()).digest()


def register_call(net: Network, label: str):  # type: ignore[no-untyped-def]
    return net.ledger.contract.functions.registerDocument(doc(label), int(DocType.INVOICE))


def chain_nonce(net: Network, address: str) -> int:
    return int(net.ledger.w3.eth.get_transaction_count(Web3.to_checksum_address(address)))


def fresh_transactor(net: Network, *, recover: bool = True, raw_sender=None) -> Transactor:  # type: ignore[no-untyped-def]
    """Another transactor for the bank over the same journal: a restarted gateway process
    (nothing in memory), or with ``raw_sender`` one whose sends never reach the node."""
    ledger = net.ledger
    transactor = Transactor(
        ledger.w3,
        ledger.keystore.load(net.bank.address),
        ledger.chain_id,
        ledger.fees,
        ledger.settings.receipt_timeout,
        rpc=ledger.rpc,
        journal=ledger.journal,
        raw_sender=raw_sender or (ledger.node.send_raw_batch if ledger.node is not None else None),
    )
    if recover:
        transactor.recover()
    return transactor


def crash_before_send(raws: list[bytes]) -> list[BaseException | None]:
    raise ConnectionError("the process died before the node got it")


def test_a_retry_after_the_commit_returns_the_same_transaction(network: Network) -> None:
    first = fresh_transactor(network)
    start = chain_nonce(network, first.address)
    receipt = first.transact(register_call(network, "committed"), idempotency_key="k-commit")
    # the answer was lost with the process: a restarted gateway retries with the same key
    again = fresh_transactor(network).send_call(
        register_call(network, "committed"), idempotency_key="k-commit"
    )
    assert again.replayed
    assert again.tx_hash == receipt["transactionHash"]
    assert chain_nonce(network, first.address) == start + 1


def test_a_key_journaled_before_a_crash_is_applied_once(network: Network) -> None:
    dying = fresh_transactor(network, raw_sender=crash_before_send)
    start = chain_nonce(network, dying.address)
    with pytest.raises(ChainUnavailable):
        dying.send_call(register_call(network, "in-flight"), idempotency_key="k-flight")
    # restart: recover() rebroadcasts the journaled transaction; the retry finds it mined
    restarted = fresh_transactor(network)
    sent = restarted.send_call(register_call(network, "in-flight"), idempotency_key="k-flight")
    assert restarted.wait(sent)["status"] == 1
    assert sent.replayed
    assert network.ledger.contract.functions.isIssued(doc("in-flight")).call()
    assert chain_nonce(network, dying.address) == start + 1


def test_a_dead_keyed_transaction_is_signed_again_and_applied_once(network: Network) -> None:
    dying = fresh_transactor(network, raw_sender=crash_before_send)
    start = chain_nonce(network, dying.address)
    with pytest.raises(ChainUnavailable):
        dying.send_call(register_call(network, "dead"), idempotency_key="k-dead")
    bound = network.ledger.journal.by_key(dying.address, "k-dead")
    assert bound is not None
    assert bound.nonce == start
    # another process of the same member takes that nonce with another write
    other = Transactor(
        network.ledger.w3,
        dying.signer,
        network.ledger.chain_id,
        network.ledger.fees,
        rpc=network.ledger.rpc,
        raw_sender=network.ledger.node.send_raw_batch if network.ledger.node else None,
    )
    other.transact(register_call(network, "elsewhere"), 150_000)
    # the retry (no recover: the journaled bytes are found dead by the retry itself)
    retry = fresh_transactor(network, recover=False)
    sent = retry.send_call(register_call(network, "dead"), idempotency_key="k-dead")
    assert not sent.replayed
    assert sent.tx_hash != bound.tx_hash
    assert retry.wait(sent)["status"] == 1
    rebound = network.ledger.journal.by_key(dying.address, "k-dead")
    assert rebound is not None
    assert rebound.tx_hash == bytes(sent.tx_hash)
    # and from now on the key names the new transaction
    again = fresh_transactor(network).send_call(
        register_call(network, "dead"), idempotency_key="k-dead"
    )
    assert again.tx_hash == sent.tx_hash
    assert chain_nonce(network, dying.address) == start + 2


def test_a_key_names_one_write(network: Network) -> None:
    bank = fresh_transactor(network)
    bank.transact(register_call(network, "first write"), idempotency_key="k-once")
    with pytest.raises(Conflict):
        bank.send_call(register_call(network, "another write"), idempotency_key="k-once")
    with pytest.raises(Conflict):  # also from another process of the data directory
        fresh_transactor(network).send_call(
            register_call(network, "another write"), idempotency_key="k-once"
        )
    assert not network.ledger.contract.functions.isIssued(doc("another write")).call()


def test_recover_keeps_the_binding_of_a_transaction_mined_meanwhile(network: Network) -> None:
    """A second process (the CLI beside the gateway) opens its transactor just as the gateway's
    keyed transaction is mined: its rebroadcast answers "nonce used", and the binding must stay
    (else the key's retry would sign a second write)."""
    bank = fresh_transactor(network)
    bank.transact(register_call(network, "mined meanwhile"), idempotency_key="k-meanwhile")
    entry = network.ledger.journal.by_key(bank.address, "k-meanwhile")
    assert entry is not None
    # the nonce read before the transaction was mined: recover sees it as in flight
    late = fresh_transactor(network, recover=False)
    real = late._chain_nonce
    late._chain_nonce = lambda block: entry.nonce  # type: ignore[method-assign]
    late.recover()
    late._chain_nonce = real  # type: ignore[method-assign]
    assert network.ledger.journal.by_key(bank.address, "k-meanwhile") is not None
    again = fresh_transactor(network).send_call(
        register_call(network, "mined meanwhile"), idempotency_key="k-meanwhile"
    )
    assert again.replayed


def test_a_replay_the_node_calls_nonce_too_low_while_pending_is_not_dead(
    network: Network, backend: str
) -> None:
    """A retry races the restart's rebroadcast: the node answers "nonce too low" for bytes still
    waiting in its pool. They are pending, not dead: the retry answers with them, and the write
    is applied once (re-signing them sent a second write that reverted, and the caller got
    DocumentAlreadyRegistered for its own registration)."""
    if backend != "anvil":
        pytest.skip("the embedded chain mines on send: nothing is ever pending")
    url = network.ledger.settings.chain_url
    first = fresh_transactor(network)
    start = chain_nonce(network, first.address)
    rpc_call(url, "evm_setAutomine", [False])
    try:
        pooled = first.send_call(
            register_call(network, "pooled"), 150_000, idempotency_key="k-pool"
        )

        def pool_says_nonce_too_low(raws: list[bytes]) -> list[BaseException | None]:
            return [ValueError("nonce too low") for _ in raws]

        retry = fresh_transactor(network, recover=False, raw_sender=pool_says_nonce_too_low)
        sent = retry.send_call(register_call(network, "pooled"), idempotency_key="k-pool")
        assert sent.replayed
        assert sent.tx_hash == pooled.tx_hash
        assert retry.replay("k-pool") is not None  # the replay path keeps the binding too
    finally:
        rpc_call(url, "evm_setAutomine", [True])
        rpc_call(url, "evm_mine")
    assert first.wait(pooled)["status"] == 1
    assert chain_nonce(network, first.address) == start + 1
    bound = network.ledger.journal.by_key(first.address, "k-pool")
    assert bound is not None
    assert bound.tx_hash == bytes(pooled.tx_hash)
