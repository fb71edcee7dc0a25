"""The JSON-RPC backend: any Ethereum node over HTTP (anvil in tests; Besu or GoQuorum, QBFT,
in a consortium).

Two things live here:

* :func:`connect` builds the Web3 of a JSON-RPC network from the settings: HTTP timeout, the
  PoA/QBFT ``extraData`` middleware (``rpc_poa``), the chain id check (``rpc_chain_id``);
* :class:`RpcClient` talks JSON-RPC directly for the hot path, where web3's per-call overhead
  matters: batch requests (one HTTP round trip for many ``eth_sendRawTransaction`` or
  ``eth_getTransactionReceipt``), chunked to ``rpc_batch_size``. A node that refuses batches
  (some proxies do) is detected once and then served one call at a time.

Nothing here is specific to one client: only standard ``eth_*`` methods are used, so moving from
anvil to a Besu consortium changes configuration, not code.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests
import urllib3
from eth_utils.address import is_address
from hexbytes import HexBytes
from web3 import HTTPProvider, Web3
from web3.datastructures import AttributeDict
from web3.middleware import ExtraDataToPOAMiddleware
from web3.types import RPCEndpoint, RPCResponse, TxReceipt

from ledger.config import Settings
from ledger.errors import ChainUnavailable, LedgerStateError
from ledger.httppool import pooled_endpoint, unreachable_reason, without_credentials


@dataclass(frozen=True)
class RpcError:
    """A JSON-RPC error object returned for one call (the call failed, the transport did not)."""

    code: int
    message: str
    data: Any = None

    def __str__(self) -> str:
        return f"{self.message} (code {self.code})"


class RpcFailure(Exception):
    """A JSON-RPC call answered with an error object (raised by :meth:`RpcClient.call`)."""

    def __init__(self, error: RpcError) -> None:
        super().__init__(str(error))
        self.error = error
        self.data = error.data


def _refusal_words(body: bytes) -> str:
    """What a node's 401/403 body says: its ``message`` (JSON), else its text, at most 300
    characters; a generic phrase when it says nothing."""
    text = body.decode("utf-8", "replace").strip()
    try:
        found = json.loads(text)
    except ValueError:
        found = None
    if isinstance(found, dict):
        message = found.get("message") or found.get("error")
        if isinstance(message, dict):
            message = message.get("message")
        if isinstance(message, str) and message:
            text = message
    return text[:300] or "it gave no reason (credentials or a token may be needed)"


class RpcClient:
    """A thread-safe JSON-RPC client over HTTP with batch requests.

    HTTP is urllib3's connection pool (:mod:`ledger.httppool`: kept-alive connections, as many
    as threads ask at once; the environment's proxy and CA bundle read once, when the client
    is made; user and password in the node's URL sent as HTTP basic authentication), with
    five or so calls per registration (issue #16, docs/benchmarks.md)."""

    def __init__(
        self,
        url: str,
        timeout: float = 30.0,
        batch_size: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.headers = dict(headers or {})
        self.batch_size = max(batch_size, 1)
        self._batches = batch_size > 1
        self._ids = itertools.count(1)
        self._endpoint = pooled_endpoint(url, self.headers)
        #: the node's URL as errors show it (no credentials)
        self.shown_url = without_credentials(url)

    def _post(self, payload: Any) -> Any:
        try:
            response = self._endpoint.post("", json.dumps(payload).encode(), self.timeout)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise ChainUnavailable(
                f"chain node unreachable: {unreachable_reason(exc)}", url=self.shown_url
            ) from None
        if response.status >= 500 or response.status in (404, 405):
            raise ChainUnavailable(
                f"chain node answered HTTP {response.status}", url=self.shown_url
            )
        if response.status in (401, 403):
            # a node that refuses this client (the embedded chain's bridge without its node
            # token, a provider without credentials) says why in its body: say it, never only
            # "forbidden" (tryout 70's counterparty read "forbidden (code -32603)")
            raise ChainUnavailable(
                f"chain node refused this client (HTTP {response.status}): "
                f"{_refusal_words(response.data)}",
                url=self.shown_url,
                http_status=response.status,
            )
        try:
            return json.loads(response.data)
        except ValueError:
            raise ChainUnavailable("chain node answered with something not JSON") from None

    def call(self, method: str, params: Sequence[Any] = ()) -> Any:
        """One call; an error object raises :class:`RpcFailure`."""
        answer = self._post(
            {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)}
        )
        result = _result(answer)
        if isinstance(result, RpcError):
            raise RpcFailure(result)
        return result

    def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        """Many calls, in order; each entry is the call's result or its :class:`RpcError`."""
        results: list[Any] = []
        for start in range(0, len(calls), self.batch_size):
            results.extend(self._chunk(calls[start : start + self.batch_size]))
        return results

    def _chunk(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        if not self._batches or len(calls) == 1:
            return [self._single(method, params) for method, params in calls]
        first = next(self._ids)
        payload = [
            {"jsonrpc": "2.0", "id": first + i, "method": method, "params": list(params)}
            for i, (method, params) in enumerate(calls)
        ]
        for _ in range(len(calls) - 1):
            next(self._ids)
        answer = self._post(payload)
        if not isinstance(answer, list):
            # the node (or a proxy) refuses batch requests: from now on, one call at a time
            self._batches = False
            return [self._single(method, params) for method, params in calls]
        by_id = {item.get("id"): item for item in answer if isinstance(item, dict)}
        out: list[Any] = []
        for i in range(len(calls)):
            item = by_id.get(first + i)
            out.append(
                _result(item) if item is not None else RpcError(-32603, "no answer in batch")
            )
        return out

    def _single(self, method: str, params: Sequence[Any]) -> Any:
        answer = self._post(
            {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)}
        )
        return _result(answer)

    # -- the hot path ----------------------------------------------------------------------

    def send_raw_transactions(self, raws: Sequence[bytes]) -> list[HexBytes | RpcError]:
        """``eth_sendRawTransaction`` for each raw transaction, batched."""
        answers = self.batch([("eth_sendRawTransaction", ["0x" + raw.hex()]) for raw in raws])
        return [a if isinstance(a, RpcError) else HexBytes(a) for a in answers]

    def receipts(self, tx_hashes: Sequence[bytes]) -> list[TxReceipt | RpcError | None]:
        """``eth_getTransactionReceipt`` for each hash, batched (None: not mined yet)."""
        answers = self.batch(
            [("eth_getTransactionReceipt", ["0x" + bytes(h).hex()]) for h in tx_hashes]
        )
        out: list[TxReceipt | RpcError | None] = []
        for answer in answers:
            if answer is None or isinstance(answer, RpcError):
                out.append(answer)
            else:
                out.append(format_receipt(answer))
        return out

    def pending_nonce(self, address: str) -> int:
        return int(self.call("eth_getTransactionCount", [address, "pending"]), 16)

    def latest_nonce(self, address: str) -> int:
        return int(self.call("eth_getTransactionCount", [address, "latest"]), 16)


_INT_FIELDS = frozenset(
    {
        "blockNumber",
        "cumulativeGasUsed",
        "effectiveGasPrice",
        "gasUsed",
        "status",
        "transactionIndex",
        "type",
        "blobGasUsed",
        "blobGasPrice",
        "logIndex",
    }
)
_BYTES_FIELDS = frozenset({"blockHash", "transactionHash", "logsBloom", "root", "data"})
_ADDRESS_FIELDS = frozenset({"from", "to", "contractAddress", "address"})
#: the fields of a log web3 formats (``LOG_ENTRY_FORMATTERS``); any other is left as given
_LOG_FIELDS = frozenset(
    {"blockHash", "blockNumber", "transactionIndex", "transactionHash", "logIndex", "address"}
    | {"topics", "data"}
)


@functools.lru_cache(maxsize=4096)
def _checksum(address: str) -> str:
    return str(Web3.to_checksum_address(address))


def _format_value(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _INT_FIELDS:
        return int(value, 16) if isinstance(value, str) else value
    if name in _BYTES_FIELDS:
        return HexBytes(value)
    if name == "to" and not is_address(value):
        return value  # a contract creation's, as web3 leaves it (eth-tester gives "")
    if name in _ADDRESS_FIELDS:
        return _checksum(value)
    if name == "topics":
        return [HexBytes(topic) for topic in value]
    if name == "logs":
        return _format_logs(value)
    return value


def _format_logs(logs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A receipt's raw ``logs`` formatted as :func:`_format_value` formats each field, each
    distinct hex string made into one ``HexBytes`` (immutable) shared by every log holding it:
    a 100-document batch's logs share their block and transaction hash, event topic,
    registrant and data, and making them anew was 14% of a batch request's interpreter time
    (issue #16)."""
    made: dict[str, HexBytes] = {}

    def shared(text: str) -> HexBytes:
        found = made.get(text)
        if found is None:
            found = made[text] = HexBytes(text)
        return found

    formatted = []
    for log in logs:
        entry: dict[str, Any] = {}
        for key, value in log.items():
            if value is None or key not in _LOG_FIELDS:
                entry[key] = value  # as web3 leaves them (eth-tester's "type": "mined")
            elif key == "topics":
                entry[key] = [shared(t) if isinstance(t, str) else HexBytes(t) for t in value]
            elif key in _BYTES_FIELDS and isinstance(value, str):
                entry[key] = shared(value)
            else:
                entry[key] = _format_value(key, value)
        formatted.append(entry)
    return formatted


def format_receipt(raw: dict[str, Any]) -> TxReceipt:
    """A raw JSON receipt as web3 returns it (ints, HexBytes, checksummed addresses, formatted
    logs), without web3's generic formatter pipeline (the hot path polls thousands)."""
    formatted: dict[str, Any] = {}
    for name, value in raw.items():
        shaped = _format_value(name, value)
        if name == "logs" and isinstance(shaped, list):
            # built as web3's AttributeDict.recursive would make them, without walking every
            # value of every log again (10% of a 100-file batch request's time, issue #16)
            shaped = [AttributeDict(log) for log in shaped]
        elif isinstance(shaped, Mapping | list):  # a node's own nested extras, if any
            shaped = AttributeDict.recursive(shaped)
        formatted[name] = shaped
    return AttributeDict(formatted)  # type: ignore[return-value]


def _result(answer: Any) -> Any:
    if not isinstance(answer, dict):
        return RpcError(-32603, f"malformed JSON-RPC answer: {answer!r:.200}")
    error = answer.get("error")
    if error is not None:
        if not isinstance(error, dict):
            return RpcError(-32603, str(error))
        return RpcError(
            int(error.get("code", -32603)), str(error.get("message", "")), error.get("data")
        )
    return answer.get("result")


class _Provider(HTTPProvider):
    """web3's HTTP provider, raising :class:`ChainUnavailable` (503) when the node cannot be
    reached, like :class:`RpcClient` — so a contract read while the node restarts is not a
    500 — and asking for the logs of a long block range in parts of at most ``log_range``
    blocks (nodes refuse long ranges: Besu, and the embedded chain's bridge)."""

    def __init__(self, url: str, log_range: int, **kwargs: Any) -> None:
        super().__init__(url, **kwargs)
        self.log_range = max(1, log_range)

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        if method == "eth_getLogs":
            in_parts = self._logs_in_parts(params)
            if in_parts is not None:
                return in_parts
        return self._send(method, params)

    def _logs_in_parts(self, params: Any) -> RPCResponse | None:
        """The logs of a range longer than ``log_range``, fetched part by part (None: the
        range is short, or not a plain block range, and is sent as it is)."""
        query = params[0] if isinstance(params, list | tuple) and params else None
        if not isinstance(query, dict) or query.get("blockHash") is not None:
            return None
        head: int | None = None

        def number(tag: Any) -> int:
            nonlocal head
            if isinstance(tag, int) and not isinstance(tag, bool):
                return tag
            if isinstance(tag, str) and tag.startswith("0x"):
                return int(tag, 16)
            if tag == "earliest":
                return 0
            if head is None:
                head = int(str(self._send(RPCEndpoint("eth_blockNumber"), [])["result"]), 16)
            return head

        try:
            first = number(query.get("fromBlock", "latest"))
            last = number(query.get("toBlock", "latest"))
        except (ValueError, TypeError, KeyError):
            return None
        if last - first + 1 <= self.log_range:
            return None
        logs: list[Any] = []
        for start in range(first, last + 1, self.log_range):
            end = min(start + self.log_range - 1, last)
            part = {**query, "fromBlock": hex(start), "toBlock": hex(end)}
            answer = self._send(RPCEndpoint("eth_getLogs"), [part])
            if "error" in answer:
                return answer
            logs.extend(answer.get("result") or [])
        return RPCResponse(jsonrpc="2.0", id=0, result=logs)

    def _send(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        try:
            return super().make_request(method, params)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise ChainUnavailable(
                f"chain node unreachable: {type(exc).__name__}",
                url=without_credentials(str(self.endpoint_uri)),
            ) from None


def connect(
    settings: Settings, url: str | None = None, headers: dict[str, str] | None = None
) -> tuple[Web3, RpcClient]:
    """Web3 and a batch client for the JSON-RPC node at ``url`` (default
    ``settings.chain_url``), sending ``headers`` with every request."""
    url = url or settings.chain_url
    request_headers = {"Content-Type": "application/json", **(headers or {})}
    w3 = Web3(
        _Provider(
            url,
            settings.rpc_log_range,
            request_kwargs={"timeout": settings.rpc_timeout, "headers": request_headers},
        )
    )
    if settings.rpc_poa:
        # QBFT/IBFT/Clique networks put validator data in extraData (longer than 32 bytes)
        w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    client = RpcClient(url, settings.rpc_timeout, settings.rpc_batch_size, headers)
    try:
        chain_id = int(client.call("eth_chainId"), 16)
    except ChainUnavailable as exc:
        shown = without_credentials(url)
        why = exc.message if exc.details.get("http_status") in (401, 403) else ""
        raise ChainUnavailable(
            f"cannot reach the chain node at {shown}" + (f": {why}" if why else ""), url=shown
        ) from None
    except RpcFailure as exc:
        shown = without_credentials(url)
        raise ChainUnavailable(f"{shown} does not answer eth_chainId: {exc}", url=shown) from None
    if settings.rpc_chain_id is not None and chain_id != settings.rpc_chain_id:
        raise LedgerStateError(
            f"{without_credentials(url)} is chain {chain_id}; "
            f"TRADELEDGER_RPC_CHAIN_ID says {settings.rpc_chain_id}",
            url=without_credentials(url),
        )
    return w3, client
