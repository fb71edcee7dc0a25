"""The index's log decoder reads every event exactly as web3's ``process_log`` does.

``ledger.indexer.decode.Decoder`` decodes logs with web3's eth-abi codec directly (issue #16:
web3's ``process_log`` rebuilt the event's ABI on every log and was most of the follower's
time). What it stores is hashed by ``audit verify``, so its canonical JSON must be byte for byte
what web3's decoding gives. Compared two ways: every log of a chain where one of every event
happened, and, for every event of the ABI, logs encoded from chosen values — extremes of each
type, checksummed and lower-case addresses, empty and long dynamic values — in web3's form
(bytes) and a node's JSON-RPC form (0x hex).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from indexer.fixtures import Storied

from ledger.indexer.decode import Decoder, canonical_json, to_hex


def _web3_args(contract: Any, log: Any) -> str:
    topic = to_hex(log["topics"][0])
    for item in contract.abi:
        if item.get("type") == "event":
            event = contract.events[item["name"]]()
            if to_hex(event.topic) == topic:
                decoded = event.process_log(log)
                return canonical_json(
                    {str(i["name"]): decoded["args"][i["name"]] for i in item["inputs"]}
                )
    raise AssertionError(f"no event for topic {topic}")


def test_every_log_of_a_storied_chain_decodes_as_web3_does(storied: Storied) -> None:
    ledger = storied.ledger
    contract = ledger.contract
    logs = ledger.w3.eth.get_logs({"address": contract.address, "fromBlock": 0})
    decoder = Decoder(contract)
    names = set()
    for log in logs:
        event = decoder.decode(log)
        assert event is not None
        names.add(event.event)
        assert event.args == _web3_args(contract, log), event.event
        assert (event.block_number, event.log_index) == (log["blockNumber"], log["logIndex"])
        assert event.data == to_hex(log["data"])
    assert len(names) >= 15, sorted(names)  # the story has one of (nearly) every event


def _values(kind: str, n: int) -> Any:
    """A value of ABI type ``kind``: n=0 the smallest, 1 the largest, 2 random."""
    if kind.endswith("[]"):
        return [_values(kind[:-2], (n + i) % 3) for i in range((0, 3, 17)[n])]
    if kind == "address":
        raw = (b"\0" * 20, b"\xff" * 20, os.urandom(20))[n]
        return to_checksum_address(raw)
    if kind.startswith("uint"):
        bits = int(kind[4:])
        return (0, 2**bits - 1, int.from_bytes(os.urandom(bits // 8)))[n]
    if kind.startswith("bytes") and kind != "bytes":
        size = int(kind[5:])
        return (b"\0" * size, b"\xff" * size, os.urandom(size))[n]
    if kind == "bytes":
        return (b"", b"\xff" * 97, os.urandom(33))[n]
    if kind == "string":
        return ("", "Ünïcødé €" * 20, "Bank A/S")[n]
    raise AssertionError(f"no values for {kind}")


@pytest.mark.parametrize("form", ["web3", "json-rpc"])
def test_every_event_of_the_abi_decodes_as_web3_does(storied: Storied, form: str) -> None:
    contract = storied.ledger.contract
    codec = storied.ledger.w3.codec
    decoder = Decoder(contract)
    events = [item for item in contract.abi if item.get("type") == "event"]
    assert sorted(decoder.event_names) == sorted(str(e["name"]) for e in events)
    for item in events:
        topic0 = HexBytes(contract.events[item["name"]]().topic)
        for n in range(3):
            values = [_values(str(i["type"]), n) for i in item["inputs"]]
            indexed = [(i, v) for i, v in zip(item["inputs"], values, strict=True) if i["indexed"]]
            plain = [
                (i, v) for i, v in zip(item["inputs"], values, strict=True) if not i["indexed"]
            ]
            topics = [bytes(topic0)] + [codec.encode([i["type"]], [v]) for i, v in indexed]
            data = codec.encode([i["type"] for i, _ in plain], [v for _, v in plain])
            log: dict[str, Any] = {
                "address": contract.address,
                "blockNumber": 7,
                "logIndex": 3,
                "transactionIndex": 1,
                "blockHash": HexBytes(os.urandom(32)),
                "transactionHash": HexBytes(os.urandom(32)),
                "topics": [HexBytes(t) for t in topics],
                "data": HexBytes(data),
            }
            expected = _web3_args(contract, log)
            if form == "json-rpc":
                log = {
                    **log,
                    "blockNumber": "0x7",
                    "logIndex": "0x3",
                    "transactionIndex": "0x1",
                    "blockHash": "0x" + bytes(log["blockHash"]).hex(),
                    "transactionHash": "0x" + bytes(log["transactionHash"]).hex(),
                    "topics": ["0x" + t.hex() for t in topics],
                    "data": "0x" + data.hex(),
                }
            event = decoder.decode(log)
            assert event is not None
            assert (event.event, event.args) == (item["name"], expected), (item["name"], n)
            assert (event.block_number, event.log_index, event.tx_index) == (7, 3, 1)


def test_a_log_of_another_contract_or_shape_is_not_read_as_one_of_ours(storied: Storied) -> None:
    decoder = Decoder(storied.ledger.contract)
    other = {"topics": [HexBytes(os.urandom(32))], "data": b""}
    assert decoder.decode(other) is None
    assert decoder.decode({"topics": [], "data": b""}) is None
    registered = storied.ledger.contract.events.DocumentRegistered().topic
    with pytest.raises(ValueError, match="indexed topics"):  # a log missing a topic
        decoder.decode({"topics": [registered], "data": b"\0" * 32, "blockNumber": 1})


def _as_json_rpc(log: Any) -> dict[str, Any]:
    return {
        "address": log["address"],
        "blockNumber": hex(log["blockNumber"]),
        "blockHash": to_hex(log["blockHash"]),
        "transactionHash": to_hex(log["transactionHash"]),
        "transactionIndex": hex(log["transactionIndex"]),
        "logIndex": hex(log["logIndex"]),
        "topics": [to_hex(t) for t in log["topics"]],
        "data": to_hex(log["data"]),
        "removed": False,
    }


def test_the_embedded_chains_logs_are_what_eth_get_logs_answers(storied: Storied) -> None:
    """The index reads the embedded chain's logs from its store (no eth-tester formatting):
    the same logs, hashes and block-wide log indexes as ``eth_getLogs``, for the whole chain
    and for ranges that start and end anywhere."""
    ledger = storied.ledger
    node = ledger.node
    assert node is not None
    address = ledger.contract.address
    head = ledger.head_block()
    every = [
        _as_json_rpc(log) for log in ledger.w3.eth.get_logs({"address": address, "fromBlock": 0})
    ]
    assert node.logs(address, 0, head) == every
    assert len({(log["blockNumber"], log["logIndex"]) for log in every}) == len(every)
    for first, last in [(0, 0), (1, head // 2), (head // 2, head), (head, head + 5)]:
        assert node.logs(address, first, last) == [
            log for log in every if first <= int(log["blockNumber"], 16) <= last
        ]
    assert node.logs(to_checksum_address("0x" + "11" * 20), 0, head) == []  # another emitter
    block = ledger.w3.eth.get_block(head)
    assert node.header(head) == (to_hex(block["hash"]), int(block["timestamp"]))
    assert node.header(head + 1) is None
