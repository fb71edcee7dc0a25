"""The embedded chain's log reads pass over the blocks whose logs bloom holds none of the events
asked for (``EmbeddedNode.logs(..., events)``), and miss none: a served gateway's first member
name read after a start walked every block's receipts through eth-tester (2 s at 2,500 blocks,
issue #16), and a document's history read every receipt of its range."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hexbytes import HexBytes
from web3 import Web3
from web3.datastructures import AttributeDict

from ledger.services import documents as docs
from ledger.services import members as member_svc
from ledger.services.roles import Role
from tests.conftest import Network


def _topic(network: Network, event: str) -> bytes:
    return bytes(HexBytes(network.ledger.contract.events[event]().topic))


def _chain_with_members_among_documents(network: Network) -> None:
    ledger, admin = network.ledger, network.admin.address
    for i in range(3):
        docs.register(
            ledger, network.enterprise.address, uuid.uuid4().bytes * 2, docs.DocType.OTHER
        )
        member_svc.add_member(ledger, admin, f"Bloom Bank {i} {uuid.uuid4().hex[:6]}", Role.BANK)


@pytest.mark.embedded_only("the bloom read is the embedded chain's store read")
def test_a_bloom_filtered_read_returns_every_wanted_log_and_reads_fewer_receipts(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    _chain_with_members_among_documents(network)
    ledger = network.ledger
    assert ledger.node is not None
    address, first, head = (
        ledger.contract.address,
        ledger.manifest.deployment_block,
        ledger.head_number(),
    )
    ledger.node.backend.sealed_receipts.clear()  # every block's receipts from the store
    chaindb: Any = ledger.node.backend.chain.chaindb
    read: list[int] = []
    real = chaindb.get_receipts

    def counted(header: Any, builder: Any) -> Any:
        read.append(int(header.block_number))
        return real(header, builder)

    monkeypatch.setattr(chaindb, "get_receipts", counted)
    everything = ledger.node.logs(address, first, head)
    all_read = len(read)
    for events in (["MemberAdded"], ["MemberAdded", "MemberKeyRotated"], ["DocumentRegistered"]):
        wanted = tuple(_topic(network, e) for e in events)
        read.clear()
        found = ledger.node.logs(address, first, head, wanted)
        hexes = {"0x" + t.hex() for t in wanted}
        expected = [log for log in everything if log["topics"][0] in hexes]
        assert expected  # the chain has such logs
        assert [log for log in found if log["topics"][0] in hexes] == expected, events
        if events == ["MemberAdded"]:
            assert len(read) < all_read  # blocks of documents only were passed over


@pytest.mark.both_backends
def test_member_names_are_the_chains(network: Network) -> None:
    """The names read through the store (bloom) are those eth_getLogs answers."""
    _chain_with_members_among_documents(network)
    ledger = network.ledger
    names = member_svc.chain_names(ledger)
    events = ledger.contract.events
    truth = {
        str(log["args"]["account"]).lower(): str(log["args"]["name"])
        for log in events.MemberAdded().get_logs(
            from_block=ledger.manifest.deployment_block, to_block="latest"
        )
    }
    assert {a: n for a, n in names.items() if a in truth} == truth
    assert all(Web3.is_address(a) for a in names)


@pytest.mark.embedded_only("the sealed receipts are the embedded chain's")
def test_a_just_sealed_blocks_logs_and_receipts_are_the_stores(network: Network) -> None:
    """The receipts of blocks sealed here are kept in memory for the reads right after
    (``sealed_receipts``); what they give is what the store gives once they are dropped."""
    _chain_with_members_among_documents(network)
    ledger = network.ledger
    assert ledger.node is not None
    backend = ledger.node.backend
    assert backend.sealed_receipts  # the blocks just sealed
    first, head = ledger.manifest.deployment_block, ledger.head_number()
    tx_hashes = [
        log["transactionHash"] for log in ledger.node.logs(ledger.contract.address, first, head)
    ]

    def read() -> Any:
        return (
            ledger.node.logs(ledger.contract.address, first, head),  # type: ignore[union-attr]
            [dict(ledger.w3.eth.get_transaction_receipt(h)) for h in tx_hashes],
        )

    kept = read()
    backend.sealed_receipts.clear()
    assert read() == kept


@pytest.mark.embedded_only("the provider's own receipt is the embedded chain's")
def test_the_embedded_providers_receipt_is_the_one_web3_gives(network: Network) -> None:
    """``wait`` reads a receipt on the embedded chain through its provider's ``receipt``
    (eth-tester's formatters, then a node's JSON receipt's), not web3's generic formatters:
    the same receipt, field for field and type for type — several transactions in one block
    (their logs numbered block-wide), one that reverted, the deployment's — and None for a
    transaction never sent."""
    ledger = network.ledger
    bank = ledger.transactor(network.bank.address)
    calls = [
        ledger.contract.functions.registerDocuments(
            [uuid.uuid4().bytes * 2 for _ in range(3)], [int(docs.DocType.INVOICE)] * 3
        )
        for _ in range(3)
    ]
    txs = [
        {"to": ledger.contract.address, "data": c._encode_transaction_data(), "gas": 400_000}
        for c in calls
    ]
    again = {**txs[0]}  # the same documents again: mined, and reverted
    mined = [bank.wait(s) for s in bank.send_many(txs)]
    failed = bank.send_many([again])[0]
    hashes = [r["transactionHash"] for r in mined] + [failed.tx_hash]
    hashes.append(HexBytes(ledger.manifest.deployment_tx))
    provider: Any = ledger.w3.provider

    def shape(value: Any) -> Any:
        if isinstance(value, dict | AttributeDict):
            return {k: shape(v) for k, v in value.items()} | {"__type__": type(value).__name__}
        if isinstance(value, list):
            return [shape(v) for v in value]
        return (type(value).__name__, value)

    statuses = []
    for tx_hash in hashes:
        direct = provider.receipt(bytes(tx_hash))
        assert shape(direct) == shape(ledger.w3.eth.get_transaction_receipt(tx_hash))
        statuses.append(direct["status"])
    assert statuses == [1, 1, 1, 0, 1]
    assert len({r["blockNumber"] for r in mined}) == 1  # one block, logs numbered block-wide
    assert [log["logIndex"] for r in mined for log in r["logs"]] == list(range(9))
    assert provider.receipt(b"\x01" * 32) is None
