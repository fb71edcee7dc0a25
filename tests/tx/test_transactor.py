"""The transaction layer on both backends: nonces under concurrency, refusals, "already known",
idempotency keys, status-0 receipts as typed errors, JSON-RPC batches."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from eth_account import Account
from hexbytes import HexBytes
from web3 import Web3

from ledger.errors import LedgerError, TransactionRejected
from ledger.keys import LocalSigner
from ledger.revert import ERRORS
from ledger.services.roles import DocType
from ledger.tx import Sent, Transactor
from tests.conftest import Network, rpc_call

pytestmark = pytest.mark.both_backends


def doc(label: str) -> bytes:
    return hashlib.sha256(label.encode()).digest()


def register_call(net: Network, label: str):  # type: ignore[no-untyped-def]
    return net.ledger.contract.functions.registerDocument(doc(label), int(DocType.INVOICE))


def chain_nonce(net: Network, address: str) -> int:
    return int(net.ledger.w3.eth.get_transaction_count(Web3.to_checksum_address(address)))


@contextmanager
def manual_mining(net: Network) -> Iterator[None]:
    """On anvil: hold transactions in the pool until ``evm_mine`` (automine back on after)."""
    assert net.ledger.settings.chain_url
    rpc_call(net.ledger.settings.chain_url, "evm_setAutomine", [False])
    try:
        yield
    finally:
        rpc_call(net.ledger.settings.chain_url, "evm_setAutomine", [True])


def test_concurrent_threads_never_reuse_or_skip_a_nonce(network: Network) -> None:
    bank = network.ledger.transactor(network.bank.address)
    start = chain_nonce(network, bank.address)
    sent: list[Sent] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)
    gas = 120_000

    def worker(worker_id: int) -> None:
        barrier.wait()
        for i in range(5):
            try:
                sent.append(bank.send_call(register_call(network, f"t{worker_id}-{i}"), gas))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sorted(s.nonce for s in sent) == list(range(start, start + 40))
    receipts = bank.wait_many(sent)
    assert all(not isinstance(r, LedgerError) and r["status"] == 1 for r in receipts)
    assert chain_nonce(network, bank.address) == start + 40


def test_asyncio_tasks_share_one_transactor(network: Network) -> None:
    bank = network.ledger.transactor(network.bank.address)
    start = chain_nonce(network, bank.address)

    async def main() -> list[object]:
        calls = [register_call(network, f"async-{i}") for i in range(10)]
        return await asyncio.gather(*(bank.atransact(c, 120_000) for c in calls))

    receipts = asyncio.run(main())
    assert all(r["status"] == 1 for r in receipts)  # type: ignore[index]
    assert chain_nonce(network, bank.address) == start + 10


def test_a_refused_send_gives_its_nonce_back(network: Network) -> None:
    bank = network.ledger.transactor(network.bank.address)
    start = chain_nonce(network, bank.address)
    with pytest.raises(TransactionRejected):  # intrinsic gas too low: the node refuses it
        bank.send_call(register_call(network, "refused"), gas=1_000)
    receipt = bank.transact(register_call(network, "after refusal"), 120_000)
    assert receipt["status"] == 1
    assert chain_nonce(network, bank.address) == start + 1


def test_a_refusal_inside_a_batch_leaves_no_gap(network: Network) -> None:
    bank = network.ledger.transactor(network.bank.address)
    start = chain_nonce(network, bank.address)
    contract = network.ledger.contract.address

    def tx(label: str, gas: int) -> dict[str, object]:
        data = register_call(network, label)._encode_transaction_data()
        return {"to": contract, "data": data, "gas": gas, "value": 0}

    with pytest.raises(TransactionRejected):
        bank.send_many([tx("b1", 120_000), tx("b2", 1_000), tx("b3", 120_000)])
    after = bank.transact(register_call(network, "b4"), 120_000)
    assert after["status"] == 1
    # b1 and b4 are on chain; b2's nonce was filled (a filler or b3/b4), nothing is stuck
    assert network.ledger.contract.functions.isIssued(doc("b1")).call()
    assert network.ledger.contract.functions.isIssued(doc("b4")).call()
    final = chain_nonce(network, bank.address)
    assert final >= start + 2
    pending = int(network.ledger.w3.eth.get_transaction_count(bank.address, "pending"))
    assert pending == final


def test_another_process_using_the_key_resyncs_the_nonce(network: Network) -> None:
    ledger = network.ledger
    bank = ledger.transactor(network.bank.address)
    bank.transact(register_call(network, "first"), 120_000)
    # a second gateway (another Transactor over the same key) moves the nonce on
    other = Transactor(ledger.w3, bank.signer, ledger.chain_id, ledger.fees, rpc=ledger.rpc)
    other.transact(register_call(network, "elsewhere"), 120_000)
    # nonce too low: resolved inside the transactor (re-read, re-signed), never the caller's
    stale = bank.transact(register_call(network, "stale"), 120_000)
    assert stale["status"] == 1
    assert bank.transact(register_call(network, "resynced"), 120_000)["status"] == 1
    assert network.ledger.contract.functions.isIssued(doc("stale")).call()


def test_the_same_idempotency_key_applies_a_write_once(network: Network) -> None:
    bank = network.ledger.transactor(network.bank.address)
    start = chain_nonce(network, bank.address)
    first = bank.send_call(register_call(network, "idem"), idempotency_key="req-1")
    receipt = bank.wait(first)
    again = bank.send_call(register_call(network, "idem"), idempotency_key="req-1")
    assert again.tx_hash == first.tx_hash
    assert again.nonce == first.nonce
    assert again.replayed
    assert bank.wait(again)["transactionHash"] == receipt["transactionHash"]
    # without a key the same call is a new transaction, refused as a duplicate
    with pytest.raises(ERRORS["DocumentAlreadyRegistered"]):
        bank.send_call(register_call(network, "idem"))
    assert chain_nonce(network, bank.address) == start + 1


def test_a_status_0_receipt_is_the_typed_solidity_error(network: Network) -> None:
    """With an explicit gas nothing is estimated: the transaction is mined and reverts (status
    0, on eth-tester and on anvil) and the replay names the Solidity error with its args."""
    bank = network.ledger.transactor(network.bank.address)
    bank.transact(register_call(network, "twice"), 120_000)
    sent = bank.send_call(register_call(network, "twice"), gas=200_000)
    receipt = network.ledger.w3.eth.wait_for_transaction_receipt(sent.tx_hash, timeout=30)
    assert receipt["status"] == 0
    with pytest.raises(ERRORS["DocumentAlreadyRegistered"]) as raised:
        bank.wait(sent, replay=register_call(network, "twice"))
    assert raised.value.details["docHash"] == doc("twice")
    assert Web3.to_checksum_address(raised.value.details["registrant"]) == network.bank.address
    # and through transact
    with pytest.raises(ERRORS["DocumentAlreadyRegistered"]):
        bank.transact(register_call(network, "twice"), gas=200_000)


def test_send_many_batches_and_wait_many_polls(network: Network) -> None:
    bank = network.ledger.transactor(network.bank.address)
    contract = network.ledger.contract.address
    txs = [
        {
            "to": contract,
            "data": register_call(network, f"many-{i}")._encode_transaction_data(),
            "gas": 120_000,
            "value": 0,
        }
        for i in range(60)
    ]
    sent = bank.send_many(txs)
    assert [s.nonce for s in sent] == list(range(sent[0].nonce, sent[0].nonce + 60))
    receipts = bank.wait_many(sent)
    # which ones, and why, when any is not mined with status 1 (it failed twice in full runs
    # under load on anvil: the next pass needs the answer, not "assert False")
    failed = [
        (i, r if isinstance(r, LedgerError) else r["status"])
        for i, r in enumerate(receipts)
        if isinstance(r, LedgerError) or r["status"] != 1
    ]
    assert not failed, failed[:5]


def test_already_known_is_success(network: Network, backend: str) -> None:
    if backend != "anvil":
        pytest.skip("the embedded chain mines on send: nothing is ever pending")
    bank = network.ledger.transactor(network.bank.address)
    with manual_mining(network):
        first = bank.send_call(register_call(network, "known"), 120_000, idempotency_key="k")
        # the node holds it in its pool: resending the same bytes answers "already imported"
        again = bank.send_call(register_call(network, "known"), 120_000, idempotency_key="k")
        assert again.tx_hash == first.tx_hash
        rpc_call(network.ledger.settings.chain_url, "evm_mine")
    assert bank.wait(first)["status"] == 1


def test_a_signer_for_another_chain_is_refused(network: Network) -> None:
    """The embedded chain refuses transactions signed for another chain id, as nodes do."""
    ledger = network.ledger
    account = Account.create()
    wrong = Transactor(
        ledger.w3, LocalSigner(account), ledger.chain_id + 1, ledger.fees, rpc=ledger.rpc
    )
    with pytest.raises(TransactionRejected):
        wrong.send({"to": account.address, "value": 0, "gas": 21_000})


def test_sent_hash_is_the_keccak_of_the_raw_transaction(network: Network) -> None:
    bank = network.ledger.transactor(network.bank.address)
    sent = bank.send_call(register_call(network, "hash"), 120_000)
    tx = network.ledger.w3.eth.get_transaction(sent.tx_hash)
    assert HexBytes(tx["hash"]) == sent.tx_hash
    assert tx["nonce"] == sent.nonce


def test_heavy_batches_keep_reads_working(network: Network) -> None:
    """Blocks sealed from batches stay at the gas target: the base fee does not climb, so
    reads (eth_call) and later writes keep working."""
    bank = network.ledger.transactor(network.bank.address)
    contract = network.ledger.contract
    txs = []
    for n in range(30):
        docs = [doc(f"heavy-{n}-{i}") for i in range(100)]
        call = contract.functions.registerDocuments(docs, [int(DocType.INVOICE)] * 100)
        txs.append(
            {
                "to": contract.address,
                "data": call._encode_transaction_data(),
                "gas": 3_200_000,
                "value": 0,
            }
        )
    receipts = bank.wait_many(bank.send_many(txs))
    bad = [r for r in receipts if isinstance(r, LedgerError) or r["status"] != 1]
    assert not bad, [repr(b)[:300] for b in bad[:3]]
    base_fee = int(network.ledger.w3.eth.get_block("latest")["baseFeePerGas"])
    assert base_fee <= 10**9
    assert contract.functions.isIssued(doc("heavy-29-99")).call()
