"""From a raw log to (event name, canonical arguments) with the contract's ABI."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from web3.contract import Contract

from ledger.jsonsafe import jsonable


def to_hex(value: bytes | HexBytes | str) -> str:
    if isinstance(value, str):
        return value.lower() if value.startswith("0x") else "0x" + value.lower()
    return "0x" + bytes(value).hex()


def canonical_json(args: Mapping[str, Any]) -> str:
    """The one text form of decoded arguments (sorted keys, no spaces, bytes as 0x hex, see
    :mod:`ledger.jsonsafe`): what the index stores and what verify() hashes."""
    return json.dumps(jsonable(args), sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class RawEvent:
    """A log from the chain, decoded."""

    block_number: int
    log_index: int
    block_hash: str
    tx_hash: str
    tx_index: int
    event: str
    args: str  # canonical JSON
    topics: str
    data: str


@dataclass(frozen=True)
class _EventLayout:
    """How one event's log is laid out: its indexed arguments in the topics after the first,
    the others ABI-encoded in the data (names and types in ABI order)."""

    name: str
    names: tuple[str, ...]
    indexed: tuple[tuple[str, str], ...]  # (name, type) per topic after the first
    data_names: tuple[str, ...]
    data_types: tuple[str, ...]


class Decoder:
    """Decodes the logs of one contract by their first topic.

    A log is decoded with web3's own strict eth-abi codec (``w3.codec``): each indexed argument
    from its topic, the others from the data, addresses checksummed — what web3's
    ``process_log`` returns for these events (none has a struct or an indexed dynamic type),
    without its per-log work of rebuilding the event's ABI (issue #16: that was most of the
    follower's time). ``tests/indexer/test_decoder.py`` compares the two on every event.
    """

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self._codec = contract.w3.codec
        self._by_topic: dict[str, _EventLayout] = {}
        self._known: dict[tuple[tuple[str, ...], bytes], tuple[Any, ...]] = {}
        for item in contract.abi:
            entry: dict[str, Any] = dict(item)
            if entry.get("type") != "event":
                continue
            inputs = [dict(i) for i in entry.get("inputs", [])]
            if any(str(i["type"]).startswith("tuple") for i in inputs):
                raise ValueError(f"event {entry['name']}: struct arguments are not decoded here")
            topic = to_hex(contract.events[str(entry["name"])]().topic)
            data = [i for i in inputs if not i.get("indexed")]
            self._by_topic[topic] = _EventLayout(
                name=str(entry["name"]),
                names=tuple(str(i["name"]) for i in inputs),
                indexed=tuple((str(i["name"]), str(i["type"])) for i in inputs if i.get("indexed")),
                data_names=tuple(str(i["name"]) for i in data),
                data_types=tuple(str(i["type"]) for i in data),
            )

    def indexed_arguments(self, topic: str) -> tuple[str, tuple[str, ...]] | None:
        """The name of the event whose first topic is ``topic`` (0x hex) and the names of its
        indexed arguments, in topic order; None when the contract has no such event."""
        layout = self._by_topic.get(to_hex(topic))
        return None if layout is None else (layout.name, tuple(n for n, _ in layout.indexed))

    @property
    def event_names(self) -> list[str]:
        return sorted(layout.name for layout in self._by_topic.values())

    def decode(self, log: Mapping[str, Any]) -> RawEvent | None:
        """The decoded event, or None for a log that is not one of the contract's events.
        ``log`` as web3 gives it (bytes) or as a node's JSON-RPC answer has it (0x hex)."""
        topics = [to_hex(t) for t in log["topics"]]
        layout = self._by_topic.get(topics[0]) if topics else None
        if layout is None:
            return None
        if len(topics) != len(layout.indexed) + 1:
            raise ValueError(
                f"{layout.name}: {len(topics) - 1} indexed topics, the ABI has "
                f"{len(layout.indexed)}"
            )
        data = _bytes(log["data"])
        args: dict[str, Any] = {}
        for (name, kind), topic in zip(layout.indexed, topics[1:], strict=True):
            args[name] = self._decoded((kind,), _bytes(topic))[0]
        values = self._decoded(layout.data_types, data)
        for name, value in zip(layout.data_names, values, strict=True):
            args[name] = value
        return RawEvent(
            block_number=_int(log["blockNumber"]),
            log_index=_int(log["logIndex"]),
            block_hash=to_hex(log["blockHash"]),
            tx_hash=to_hex(log["transactionHash"]),
            tx_index=_int(log["transactionIndex"]),
            event=layout.name,
            args=canonical_json({key: args[key] for key in layout.names}),
            topics=",".join(topics),
            data="0x" + data.hex(),
        )

    def _decoded(self, types: tuple[str, ...], encoded: bytes) -> tuple[Any, ...]:
        """``encoded`` decoded as ``types`` and normalised (:meth:`_normal`), remembered when it
        is short and not a 32-byte hash: a batch's logs repeat their registrant, type and
        bank, and eth-abi decoding was a fifth of the follower's time (issue #16)."""
        remember = (
            len(encoded) <= _REMEMBERED_BYTES
            and types != ("bytes32",)
            and not any(kind.endswith("]") for kind in types)  # a list is not shared
        )
        key = (types, encoded)
        if remember and (known := self._known.get(key)) is not None:
            return known
        values = tuple(
            self._normal(kind, value)
            for kind, value in zip(types, self._codec.decode(types, encoded), strict=True)
        )
        if remember:
            if len(self._known) >= _REMEMBERED:
                self._known.clear()
            self._known[key] = values
        return values

    @staticmethod
    def _normal(kind: str, value: Any) -> Any:
        """Addresses checksummed, as web3 returns them (an ``address[]`` element-wise)."""
        if kind == "address":
            return _checksummed(value)
        if kind.startswith("address["):
            return [_checksummed(v) for v in value]
        return value


#: the longest encoding :meth:`Decoder._decoded` remembers, and how many it remembers
_REMEMBERED_BYTES = 96
_REMEMBERED = 4096


@lru_cache(maxsize=4096)
def _checksummed(address: str) -> str:
    """EIP-55 form of ``address`` (a Keccak-256 each: the same few members sign most logs)."""
    return to_checksum_address(address)


def _bytes(value: bytes | HexBytes | str) -> bytes:
    if isinstance(value, str):
        return bytes.fromhex(value[2:] if value.startswith("0x") else value)
    return bytes(value)


def _int(value: int | str) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)
