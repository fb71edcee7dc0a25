"""From a raw log to (event name, canonical arguments) with the contract's ABI."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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


class Decoder:
    """Decodes the logs of one contract by their first topic."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self._by_topic: dict[str, str] = {}
        #: each event's argument names, in ABI order (an argument may be named like a mapping
        #: method — ``TermsShared.keys`` —, so the decoded arguments are read by name)
        self._inputs: dict[str, list[str]] = {}
        for item in contract.abi:
            entry: dict[str, Any] = dict(item)
            if entry.get("type") != "event":
                continue
            name = str(entry["name"])
            event = contract.events[name]()
            self._by_topic[to_hex(event.topic)] = name
            self._inputs[name] = [str(i["name"]) for i in entry.get("inputs", [])]

    @property
    def event_names(self) -> list[str]:
        return sorted(self._by_topic.values())

    def decode(self, log: Mapping[str, Any]) -> RawEvent | None:
        """The decoded event, or None for a log that is not one of the contract's events."""
        topics = [to_hex(t) for t in log["topics"]]
        if not topics or topics[0] not in self._by_topic:
            return None
        name = self._by_topic[topics[0]]
        decoded = self.contract.events[name]().process_log(log)
        args = decoded["args"]
        return RawEvent(
            block_number=int(log["blockNumber"]),
            log_index=int(log["logIndex"]),
            block_hash=to_hex(log["blockHash"]),
            tx_hash=to_hex(log["transactionHash"]),
            tx_index=int(log["transactionIndex"]),
            event=name,
            args=canonical_json({key: args[key] for key in self._inputs[name]}),
            topics=",".join(topics),
            data=to_hex(log["data"]),
        )
