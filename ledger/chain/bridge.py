"""The embedded chain, spoken as Ethereum JSON-RPC.

Only one process can hold the embedded chain. While ``tradeledger serve`` holds it, the server
also answers JSON-RPC at ``/rpc`` (loopback clients with the node token only), so that the CLI,
a second gateway process, or any Ethereum client (to check an audit export line against the
chain, say) can use the same chain. This module turns a JSON-RPC request into a call through the
eth-tester provider and its result into JSON-RPC wire format (quantities as hex strings);
reverts come back as JSON-RPC errors carrying the revert data, as a real node sends them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth.exceptions import PyEVMError, UnrecognizedTransactionType
from eth_tester.exceptions import TransactionFailed, ValidationError
from eth_utils.exceptions import ValidationError as EVMValidationError
from web3 import Web3
from web3.middleware import combine_middleware
from web3.types import RPCEndpoint

from ledger.chain.embedded import READER_ADDRESS
from ledger.errors import InvalidInput
from ledger.jsondepth import check_json_depth
from ledger.jsonsafe import jsonable
from ledger.keys import write_private
from ledger.revert import revert_data_from_exception

#: the methods a client may call: reads, gas estimation, and sending signed transactions
ALLOWED_METHODS = frozenset(
    {
        "eth_chainId",
        "net_version",
        "web3_clientVersion",
        "eth_blockNumber",
        "eth_getBalance",
        "eth_getCode",
        "eth_getStorageAt",
        "eth_getTransactionCount",
        "eth_getBlockByNumber",
        "eth_getBlockByHash",
        "eth_getTransactionByHash",
        "eth_getTransactionReceipt",
        "eth_getLogs",
        "eth_call",
        "eth_estimateGas",
        "eth_gasPrice",
        "eth_maxPriorityFeePerGas",
        "eth_feeHistory",
        "eth_sendRawTransaction",
    }
)

log = logging.getLogger("tradeledger.bridge")

NODE_FILE = "node.json"
TOKEN_FILE = "node.token"  # noqa: S105 - a file name, not a secret


def _wire(value: Any) -> Any:
    """eth-tester results → JSON-RPC wire values: ints become hex quantities, everything else
    as :func:`ledger.jsonsafe.jsonable` makes it (bytes as 0x hex, mappings, lists)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return hex(value)
    if isinstance(value, Mapping):
        if "logIndex" in value:
            # eth-tester marks logs {"type": "mined"}; nodes send no such field
            value = {k: v for k, v in value.items() if k != "type"}
        return {str(k): _wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_wire(v) for v in value]
    return jsonable(value)


#: JSON-RPC error code of a request over one of the bridge's limits (as Infura and geth use it)
LIMIT_EXCEEDED = -32005


@dataclass(frozen=True)
class BridgeLimits:
    """What one request to the bridge may cost (``Settings.bridge_*``).

    ``max_batch``: calls in one batch. ``max_log_blocks``: blocks the ``eth_getLogs`` calls of
    one request scan together (the embedded chain reads every block of a range; a batch of
    300 whole-chain scans once held it for a minute). ``max_response``: bytes of one answer
    (a batch's answers together); a call whose answer would pass it is answered with an error
    instead, and so is every later call of the batch.
    """

    max_batch: int = 200
    max_log_blocks: int = 5_000
    max_response: int = 10 * 1024 * 1024


class JsonRpcBridge:
    """Answers JSON-RPC requests from the embedded chain behind ``w3``, within ``limits``."""

    def __init__(self, w3: Web3, limits: BridgeLimits | None = None) -> None:
        provider = w3.provider
        self._lock = provider._request_lock  # type: ignore[attr-defined]
        middleware = tuple(provider._middleware)  # type: ignore[attr-defined]
        self._request = combine_middleware(
            middleware=middleware, w3=w3, provider_request_fn=provider.make_request
        )
        self._chain_id: int = provider._chain_id  # type: ignore[attr-defined]
        self.limits = limits or BridgeLimits()

    def handle_bytes(self, body: bytes) -> bytes:
        """A raw request body (whatever its content type, as nodes accept it) → the JSON answer."""
        try:
            check_json_depth(body)
            request = json.loads(body)
        except (ValueError, InvalidInput):
            return _dump(_error(None, -32700, "parse error"))
        return self.answer(request)

    def handle(self, request: Any) -> Any:
        """One JSON-RPC request object, or a batch (list) of them → the answer as JSON values."""
        return json.loads(self.answer(request))

    def answer(self, request: Any) -> bytes:
        """One JSON-RPC request object, or a batch (list) of them → the JSON answer (bytes)."""
        budget = _Budget(self.limits)
        if not isinstance(request, list):
            return budget.fit(self._one(request, budget))
        if not request:
            return _dump(_error(None, -32600, "invalid request: empty batch"))
        if len(request) > self.limits.max_batch:
            return _dump(
                _error(
                    None,
                    LIMIT_EXCEEDED,
                    f"batch too large: {len(request)} calls; this node answers at most "
                    f"{self.limits.max_batch} calls per batch (send the rest in another request)",
                )
            )
        parts = [budget.fit(self._one(item, budget)) for item in request]
        return b"[" + b",".join(parts) + b"]"

    def _one(self, request: Any, budget: _Budget) -> dict[str, Any]:
        if not isinstance(request, dict) or not isinstance(request.get("method"), str):
            return _error(None, -32600, "invalid request")
        request_id = request.get("id")
        method = request["method"]
        params = request.get("params") or []
        if method not in ALLOWED_METHODS:
            return _error(request_id, -32601, f"method {method} is not available")
        if not isinstance(params, list):
            return _error(request_id, -32602, "invalid params: params must be an array")
        if budget.spent:
            return _error(request_id, LIMIT_EXCEEDED, budget.spent)
        if method == "eth_getLogs":
            refused = self._log_range(params, budget)
            if refused is not None:
                return _error(request_id, LIMIT_EXCEEDED, refused)
        if method == "eth_chainId":
            return {"jsonrpc": "2.0", "id": request_id, "result": hex(self._chain_id)}
        if method == "net_version":
            return {"jsonrpc": "2.0", "id": request_id, "result": str(self._chain_id)}
        if method in ("eth_call", "eth_estimateGas") and params and isinstance(params[0], dict):
            # eth-tester needs a funded sender even for calls; nodes default it
            params = [{"from": READER_ADDRESS, **params[0]}, *params[1:]]
        try:
            with self._lock:
                response = self._request(RPCEndpoint(method), params)
        except TransactionFailed as exc:
            data = revert_data_from_exception(exc)
            return _error(request_id, 3, "execution reverted", "0x" + data.hex() if data else None)
        except (ValidationError, EVMValidationError, PyEVMError) as exc:
            # the chain refused a transaction or a value (nonce, funds, chain id, size): a
            # node answers -32000 with the reason, e.g. "nonce too low" for a replayed one
            return _error(request_id, -32000, _refusal_message(exc))
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            return _error(request_id, -32602, f"invalid params: {exc}")
        except Exception:
            # whatever else fails answers as JSON-RPC, never as an HTTP 500
            log.exception("JSON-RPC %s failed", method)
            return _error(request_id, -32603, "internal error")
        if "error" in response:
            error = response["error"]
            message = error.get("message", "error") if isinstance(error, dict) else str(error)
            return _error(request_id, -32000, message)
        return {"jsonrpc": "2.0", "id": request_id, "result": _wire(response.get("result"))}

    def _log_range(self, params: list[Any], budget: _Budget) -> str | None:
        """Charge an ``eth_getLogs`` call's block range to the request's budget; the refusal
        message when it does not fit (a malformed filter is left to the chain's own error)."""
        query = params[0] if params else None
        if not isinstance(query, dict) or query.get("blockHash") is not None:
            return None
        try:
            head: int | None = None

            def number(tag: Any) -> int:
                nonlocal head
                if isinstance(tag, str) and tag.startswith("0x"):
                    return int(tag, 16)
                if isinstance(tag, int) and not isinstance(tag, bool):
                    return tag
                if tag == "earliest":
                    return 0
                if head is None:
                    with self._lock:
                        found = self._request(RPCEndpoint("eth_blockNumber"), [])["result"]
                    head = found if isinstance(found, int) else int(str(found), 16)
                return head

            first = number(query.get("fromBlock", "latest"))
            last = number(query.get("toBlock", "latest"))
        except (ValueError, TypeError, KeyError):
            return None
        blocks = max(0, last - first + 1)
        left = self.limits.max_log_blocks - budget.log_blocks
        if blocks > left:
            return (
                f"block range too large: eth_getLogs over {blocks} blocks ({first}..{last}); "
                f"this node scans at most {self.limits.max_log_blocks} blocks per request "
                f"({left} left in this one): split the range"
            )
        budget.log_blocks += blocks
        return None


class _Budget:
    """What one request has used of its :class:`BridgeLimits`."""

    def __init__(self, limits: BridgeLimits) -> None:
        self.limits = limits
        self.log_blocks = 0
        self.size = 0
        #: once the response is full: why every later call is refused
        self.spent = ""

    def fit(self, answer: dict[str, Any]) -> bytes:
        """``answer`` as JSON, or an error in its place once the response would be too large."""
        data = _dump(answer)
        if self.size + len(data) > self.limits.max_response:
            self.spent = (
                f"response too large: the answers pass {self.limits.max_response} bytes; "
                "ask for less (fewer calls, a shorter block range)"
            )
            data = _dump(_error(answer.get("id"), LIMIT_EXCEEDED, self.spent))
        self.size += len(data)
        return data


def _dump(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _refusal_message(exc: Exception) -> str:
    """The chain's reason for refusing, in the words nodes use where one applies."""
    if isinstance(exc, UnrecognizedTransactionType):
        return f"transaction type {exc.args[0] if exc.args else '?'} is not supported"
    text = str(exc) or type(exc).__name__
    lowered = text.lower()
    if "nonce" in lowered and ("expected" in lowered or "too low" in lowered):
        # py-evm: "Invalid transaction nonce: Expected 1, but got 0"; geth: "nonce too low"
        return f"nonce too low: {text}"
    return text


def _error(request_id: Any, code: int, message: str, data: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "id": request_id, "error": error}


def node_token(secrets_dir: Path) -> str:
    """The token a local client must send to the bridge (created on first use, mode 0600)."""
    path = secrets_dir / TOKEN_FILE
    if path.exists():
        return path.read_text().strip()
    token = secrets.token_urlsafe(32)
    write_private(path, token)
    return token


def advertise(data_dir: Path, rpc_url: str) -> None:
    """Tell local clients where this process serves the chain (``DATA_DIR/node.json``)."""
    write_private(data_dir / NODE_FILE, json.dumps({"rpc_url": rpc_url, "pid": os.getpid()}))


def withdraw(data_dir: Path) -> None:
    """Stop advertising (the file is also ignored once its process is gone)."""
    path = data_dir / NODE_FILE
    with contextlib.suppress(FileNotFoundError):
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()


def advertised_node(data_dir: Path, secrets_dir: Path) -> tuple[str, dict[str, str]] | None:
    """The URL and headers of the process serving this data directory's chain, if one is."""
    path = data_dir / NODE_FILE
    try:
        info = json.loads(path.read_text())
        url = str(info["rpc_url"])
        pid = int(info["pid"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, owned by another user
    return url, {"X-Node-Token": node_token(secrets_dir)}
