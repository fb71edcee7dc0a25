"""A served gateway reads the contract's logs from its event index for the blocks the index has
folded in, and only the blocks above them from the chain (``ledger.indexer.logreads``, issue
#16): a document's record read its history from its registration to the head through the chain,
and on the embedded chain that decoded the receipts of every block holding any registration (a
logs bloom filters on the event, not on the document) — 1.2 s for a document registered early
on a chain of 20,000 documents. The answers are the chain's, for filters on a document, a
financing, a member, and on an argument the index records no ref for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hexbytes import HexBytes

from ledger.indexer import EventIndex
from ledger.services import documents as docs
from ledger.services import members as member_svc
from ledger.services.documents import DocType
from ledger.services.roles import Role
from tests.conftest import Network


def _register(network: Network, doc_hash: bytes) -> None:
    docs.register(network.ledger, network.enterprise.address, doc_hash, DocType.INVOICE)


def _chain_reads(network: Network, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The first block of every log read that goes to the chain from now on."""
    ledger = network.ledger
    starts: list[int] = []
    if ledger.node is not None:
        node = ledger.node
        real_node = node.logs

        def node_logs(address: str, first: int, *args: Any) -> Any:
            starts.append(first)
            return real_node(address, first, *args)

        monkeypatch.setattr(node, "logs", node_logs)
    else:
        eth = ledger.w3.eth
        real_rpc = eth.get_logs

        def rpc_logs(params: Any) -> Any:
            starts.append(int(params["fromBlock"]))
            return real_rpc(params)

        monkeypatch.setattr(eth, "get_logs", rpc_logs)
    return starts


def _reads(network: Network, doc_hash: bytes, member_id: int) -> list[Any]:
    """What the gateway's log reads answer: a document's history events, its revocation, a
    member's additions (filtered on ``memberId``, which the index records no ref of), every
    refusal, and a document's full record as its registrant reads it."""
    ledger = network.ledger
    history = docs.logs_naming(
        ledger, ("DocumentRegistered", "DocumentAttested", "DocumentRevoked"), 1, doc_hash
    )
    revoked = docs.logs(ledger, "DocumentRevoked", docHash=doc_hash)
    added = docs.logs_naming(ledger, ("MemberAdded",), 1, member_id.to_bytes(32, "big"))
    members = docs.logs_of(ledger, ("MemberAdded",))
    detail = docs.detail(ledger, doc_hash, network.enterprise.address, "enterprise")
    return [
        [(log["event"], dict(log["args"]), log["blockNumber"], log["logIndex"]) for log in found]
        for found in (history, revoked, added, members)
    ] + [detail]


def test_logs_come_from_the_index_up_to_its_last_block_and_from_the_chain_above(
    network: Network, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = network.ledger
    served = ledger.event_index
    early, other = b"\x11" * 32, b"\x12" * 32
    _register(network, early)
    for n in range(3):  # later registrations: blocks holding the same event, not this document
        _register(network, bytes([0x20 + n]) * 32)
    docs.attest(ledger, network.attestor.address, early, "customs entry 7")
    index = EventIndex.for_ledger(ledger, url=f"sqlite:///{tmp_path / 'logs.sqlite'}")
    try:
        index.catch_up()
        folded = index.cursor()[0]
        # above the index: the document revoked, another registered, a member added
        docs.revoke(ledger, network.enterprise.address, early, 1)
        _register(network, other)
        late = member_svc.add_member(ledger, network.admin.address, "Late Bank", Role.BANK)
        member_id = int(late.member.member_id)
        ledger.event_index = None
        truth = _reads(network, early, member_id)
        assert [e for e, *_ in truth[0]] == [
            "DocumentRegistered",
            "DocumentAttested",
            "DocumentRevoked",
        ]
        assert len(truth[1]) == 1
        assert len(truth[2]) == 1
        starts = _chain_reads(network, monkeypatch)
        ledger.event_index = index
        assert _reads(network, early, member_id) == truth
        assert starts, "the blocks above the index were not read"
        assert all(start == folded + 1 for start in starts), (starts, folded)
        # caught up, nothing is read from the chain below the head
        index.catch_up()
        starts.clear()
        assert _reads(network, early, member_id) == truth
        head = ledger.head_number()
        assert all(start > head for start in starts), (starts, head)
    finally:
        ledger.event_index = served
        index.close()


def test_an_index_that_is_not_the_chain_s_is_not_read(
    network: Network, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An index whose last block's hash is not the chain's (a reorg it has not unwound) answers
    nothing: the logs are read from the chain, whole."""
    from ledger.indexer import logreads

    ledger = network.ledger
    served = ledger.event_index
    doc_hash = b"\x31" * 32
    _register(network, doc_hash)
    index = EventIndex.for_ledger(ledger, url=f"sqlite:///{tmp_path / 'reorg.sqlite'}")
    try:
        index.catch_up()
        monkeypatch.setattr(logreads, "canonical_last", lambda *_: False)
        starts = _chain_reads(network, monkeypatch)
        ledger.event_index = index
        found = docs.logs(ledger, "DocumentRegistered", docHash=doc_hash)
        assert len(found) == 1
        assert starts == [ledger.manifest.deployment_block]
    finally:
        ledger.event_index = served
        index.close()


def test_the_embedded_chain_passes_over_blocks_whose_bloom_lacks_a_filtered_value(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without an index (the CLI), a log read filtered on a document reads the receipts only of
    the blocks whose logs bloom may hold that document, not of every block with the event."""
    ledger = network.ledger
    if ledger.node is None:
        pytest.skip("the embedded chain's own log reader")
    wanted = b"\x41" * 32
    start = ledger.head_number() + 1
    _register(network, wanted)
    for n in range(4):
        _register(network, bytes([0x50 + n]) * 32)
    backend = ledger.node.backend  # type: ignore[attr-defined]
    chaindb = backend.chain.chaindb
    read: list[int] = []
    real = chaindb.get_receipts

    def counted(header: Any, builder: Any) -> Any:
        read.append(int(header.block_number))
        return real(header, builder)

    monkeypatch.setattr(chaindb, "get_receipts", counted)
    monkeypatch.setattr(backend, "sealed_receipts", {})
    topic = bytes(HexBytes(ledger.contract.events["DocumentRegistered"]().topic))
    found = ledger.node.logs(
        ledger.contract.address, start, ledger.head_number(), [topic], [[wanted]]
    )
    assert [HexBytes(log["topics"][1]) for log in found] == [HexBytes(wanted)]
    assert len(read) == 1, read  # four other registrations' blocks passed over
    read.clear()
    everything = ledger.node.logs(ledger.contract.address, start, ledger.head_number(), [topic])
    assert len(everything) == 5
    assert len(read) == 5


def test_block_times_come_from_the_index_and_equal_the_headers(
    network: Network, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page of financings reads each entry's block time: from the index for the blocks it
    holds an event of (one query), from the headers for the others — the same times either
    way, and from the headers alone when the index is not the chain's."""
    from ledger.indexer import logreads

    ledger = network.ledger
    served = ledger.event_index
    blocks = []
    for n in range(4):
        _register(network, bytes([0x40 + n]) * 32)
        blocks.append(ledger.head_number())
    index = EventIndex.for_ledger(ledger, url=f"sqlite:///{tmp_path / 'times.sqlite'}")
    try:
        index.catch_up()
        _register(network, b"\x50" * 32)  # above the index
        blocks.append(ledger.head_number())
        truth = {}
        for number in blocks:  # the headers', read without the ledger's cache
            header = ledger.w3.eth.get_block(number)
            truth[number] = int(header["timestamp"])
        header_reads: list[int] = []
        real = type(ledger).block_time

        def counted(self: Any, number: int) -> int:
            header_reads.append(number)
            return real(self, number)

        monkeypatch.setattr(type(ledger), "block_time", counted)
        ledger._block_times.clear()
        ledger.event_index = index
        assert ledger.block_times(blocks) == truth
        assert header_reads == [blocks[-1]]  # the block above the index only
        header_reads.clear()
        ledger._block_times.clear()
        monkeypatch.setattr(logreads, "canonical_last", lambda *_: False)
        assert ledger.block_times(blocks) == truth
        assert sorted(header_reads) == sorted(blocks)
    finally:
        ledger.event_index = served
        index.close()
