"""A node's raw JSON receipt is shaped as web3 shapes it (``AttributeDict`` all the way down,
ints, ``HexBytes``, checksummed addresses), built directly rather than walked again
(``ledger.chain.rpc.format_receipt``, issue #16)."""

from __future__ import annotations

from typing import Any

from hexbytes import HexBytes
from web3.datastructures import AttributeDict

from ledger.chain.rpc import _format_value, format_receipt

CONTRACT = "0x5fbdb2315678afecb367f032d93f642f64180aa3"
SENDER = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"


def _raw_receipt(logs: int) -> dict[str, Any]:
    """A receipt as anvil answers ``eth_getTransactionReceipt`` (hex strings), with a nested
    extra field as some nodes add."""
    return {
        "status": "0x1",
        "cumulativeGasUsed": "0x5208",
        "logsBloom": "0x" + "00" * 256,
        "type": "0x2",
        "transactionHash": "0x" + "ab" * 32,
        "transactionIndex": "0x0",
        "blockHash": "0x" + "cd" * 32,
        "blockNumber": "0x10",
        "gasUsed": "0x5208",
        "effectiveGasPrice": "0x0",
        "from": SENDER,
        "to": CONTRACT,
        "contractAddress": None,
        "l1Fees": {"base": "0x1", "parts": ["0x2", {"blob": "0x3"}]},
        "logs": [
            {
                "address": CONTRACT,
                "topics": ["0x" + f"{i:064x}", "0x" + "11" * 32, "0x" + "00" * 12 + "22" * 20],
                "data": "0x",
                "blockHash": "0x" + "cd" * 32,
                "blockNumber": "0x10",
                "blockTimestamp": "0x6751a2c0",
                "transactionHash": "0x" + "ab" * 32,
                "transactionIndex": "0x0",
                "logIndex": hex(i),
                "removed": False,
            }
            for i in range(logs)
        ],
    }


def _as_web3_walks_it(raw: dict[str, Any]) -> Any:
    """Every field formatted on its own (each log's too), then walked as web3 walks it."""

    def field(name: str, value: Any) -> Any:
        if name == "logs":
            return [{k: _format_value(k, v) for k, v in log.items()} for log in value]
        return _format_value(name, value)

    return AttributeDict.recursive({k: field(k, v) for k, v in raw.items()})


def _shape(value: Any) -> Any:
    """``value`` with the type of every container and leaf, to compare shapes exactly."""
    if isinstance(value, AttributeDict):
        return ("AttributeDict", {k: _shape(v) for k, v in value.items()})
    if isinstance(value, dict):
        return ("dict", {k: _shape(v) for k, v in value.items()})
    if isinstance(value, list):
        return ("list", [_shape(v) for v in value])
    return (type(value).__name__, value)


def test_a_receipt_is_shaped_as_web3_shapes_it() -> None:
    for logs in (0, 1, 120):
        raw = _raw_receipt(logs)
        made = format_receipt(raw)
        assert _shape(made) == _shape(_as_web3_walks_it(raw))
    made = format_receipt(_raw_receipt(2))
    assert made.status == 1
    assert made.blockNumber == 16
    assert made["from"] == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    log = made.logs[1]
    assert isinstance(log, AttributeDict)
    assert log.logIndex == 1
    assert log.address == "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    assert log.topics[0] == HexBytes("0x" + f"{1:064x}")
    assert isinstance(made.l1Fees, AttributeDict)
    assert isinstance(made.l1Fees.parts[1], AttributeDict)
