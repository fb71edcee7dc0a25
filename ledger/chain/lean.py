"""The contract's functions without web3.py's per-call machinery (issue #16).

web3.py builds a ``ContractFunction`` per call by validating the contract's whole ABI (a
Keccak-256 of every function signature, every time), then runs its middleware (the chain id
is fetched again for each ``eth_call``) and formatters. On the REST path that was a third of
the served gateway's samples on anvil and half the time of a read on the embedded chain
(docs/benchmarks.md). :class:`LeanContract` does the same work once per contract: selectors and
ABI types are computed when it is built; a call is then ABI encoding, one ``eth_call``
(through :class:`~ledger.chain.rpc.RpcClient` on a JSON-RPC node, straight to eth-tester on
the embedded chain, under its request lock) and ABI decoding. Encoding and decoding are
web3.py's own strict eth-abi codec (``w3.codec``); nothing of the ABI is ours.

A :class:`LeanFunction` answers what the gateway asks of a web3 ``ContractFunction``:
``call`` (results shaped as web3.py shapes them: checksum addresses, ``bytes``, lists for
arrays, tuples for structs; a single output unwrapped), ``estimate_gas``,
``_encode_transaction_data`` and ``address`` — so the transaction layer
(:class:`ledger.tx.Transactor`) sends it as it sends a web3 call. Reverts raise the
contract's typed error (:func:`ledger.revert.decode_revert`); an unreachable node raises
ChainUnavailable.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from eth_typing import HexStr
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.address import to_checksum_address
from web3 import Web3

from ledger.chain.rpc import RpcClient, RpcError, RpcFailure
from ledger.errors import LedgerError
from ledger.revert import UnknownRevert, decode_revert, revert_data_from_exception

#: ``eth_call`` of (transaction, block) → the returned bytes; raises the translated error
EthCall = Callable[[dict[str, Any], int | str], bytes]
#: ``eth_call`` of many transactions at one block → their returned bytes, in order; raises the
#: first call's translated error
EthCallMany = Callable[[Sequence[dict[str, Any]], int | str], list[bytes]]


class ContractCall(Protocol):
    """What the transaction layer needs of a contract call (web3's or :class:`LeanFunction`)."""

    @property
    def address(self) -> Any: ...

    def _encode_transaction_data(self) -> Any: ...

    def call(self, transaction: Any = ..., block_identifier: Any = ...) -> Any: ...

    def estimate_gas(self, transaction: Any = ...) -> int: ...


def _abi_type(entry: dict[str, Any]) -> str:
    """The canonical ABI type of an input or output (structs as ``(t1,t2,…)``)."""
    kind = str(entry["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in entry.get("components", []))
        return f"({inner}){kind[len('tuple') :]}"
    return kind


def _shape(entry: dict[str, Any], value: Any) -> Any:
    """``value`` as decoded by eth-abi, shaped as web3.py returns it: checksum addresses,
    lists for arrays, tuples for structs."""
    kind = str(entry["type"])
    if kind.endswith("]"):
        item = {**entry, "type": kind[: kind.rindex("[")]}
        return [_shape(item, v) for v in value]
    if kind == "tuple":
        return tuple(_shape(c, v) for c, v in zip(entry["components"], value, strict=True))
    if kind == "address":
        return _checksum(value)
    return value


@lru_cache(maxsize=4096)
def _checksum(address: str) -> str:
    """EIP-55 form of ``address`` (a Keccak-256 each: the same few members' addresses come
    back in most answers, so they are remembered)."""
    return to_checksum_address(address)


@dataclass(frozen=True)
class _Signature:
    name: str
    selector: bytes
    inputs: tuple[str, ...]
    outputs: tuple[dict[str, Any], ...]
    output_types: tuple[str, ...]


class LeanFunction:
    """One call of a contract function with its arguments (see the module docstring)."""

    def __init__(self, contract: LeanContract, signature: _Signature, args: Sequence[Any]) -> None:
        self._contract = contract
        self._signature = signature
        self.args = tuple(args)
        self.fn_name = signature.name

    @property
    def address(self) -> str:
        return self._contract.address

    def _encode_transaction_data(self) -> HexStr:
        # web3's strict codec: a bytes32 given 31 bytes is refused, not padded
        encoded = self._contract.w3.codec.encode(list(self._signature.inputs), list(self.args))
        return HexStr("0x" + (self._signature.selector + encoded).hex())

    def call(self, transaction: Any = None, block_identifier: Any = "latest") -> Any:
        """The function's result at ``block_identifier`` (``"latest"`` or a number), as web3.py
        returns it; ``transaction``'s ``from`` is the caller (else none is sent: the node's
        default caller, the embedded chain's funded reader)."""
        block = "latest" if block_identifier is None else block_identifier
        return self.decode(self._contract.eth_call(self.call_transaction(transaction), block))

    def call_transaction(self, transaction: Any = None) -> dict[str, Any]:
        """The ``eth_call`` transaction of this call: ``to``, ``data`` and, when
        ``transaction`` names one, ``from``."""
        tx = {"to": self.address, "data": self._encode_transaction_data()}
        sender = (transaction or {}).get("from")
        if sender:  # else no caller: the node's default (the embedded chain's reader)
            tx["from"] = sender
        return tx

    def decode(self, raw: bytes) -> Any:
        """The function's returned bytes ``raw``, decoded and shaped as :meth:`call` returns
        them; LedgerError when they are not this function's answer."""
        signature = self._signature
        try:
            values = self._contract.w3.codec.decode(list(signature.output_types), raw)
        except Exception as exc:  # not this contract's answer (wrong address, empty code)
            raise LedgerError(
                f"unexpected answer to {signature.name}: {type(exc).__name__}",
                function=signature.name,
            ) from None
        shaped = [_shape(o, v) for o, v in zip(signature.outputs, values, strict=True)]
        return shaped[0] if len(shaped) == 1 else shaped

    def estimate_gas(self, transaction: Any = None) -> int:
        """Gas for sending this call from ``transaction``'s ``from`` (web3's ``eth_estimateGas``;
        a revert raises web3's error, which :func:`ledger.tx.translate` types)."""
        tx: dict[str, Any] = {"to": self.address, "data": self._encode_transaction_data()}
        sender = (transaction or {}).get("from")
        if sender:
            tx["from"] = sender
        return int(self._contract.w3.eth.estimate_gas(tx))  # type: ignore[arg-type]


class _Functions:
    def __init__(self, contract: LeanContract) -> None:
        self._contract = contract

    def __getattr__(self, name: str) -> Callable[..., LeanFunction]:
        try:
            signature = self._contract.signatures[name]
        except KeyError:
            raise AttributeError(f"the contract has no function {name!r}") from None

        def bind(*args: Any) -> LeanFunction:
            return LeanFunction(self._contract, signature, args)

        return bind


class LeanContract:
    """A deployed contract's functions, called without web3.py's per-call work.

    ``eth_call``: how a call reaches the chain (:func:`rpc_eth_call`, :func:`tester_eth_call`).
    Overloaded functions are not supported (the contract has none): a second definition of a
    name raises ValueError when the contract is built."""

    def __init__(
        self,
        w3: Web3,
        address: str,
        abi: Sequence[dict[str, Any]],
        eth_call: EthCall,
        eth_call_many: EthCallMany | None = None,
    ):
        self.w3 = w3
        self.address = to_checksum_address(address)
        self.eth_call = eth_call
        self.eth_call_many = eth_call_many
        self.signatures: dict[str, _Signature] = {}
        for entry in abi:
            if entry.get("type") != "function":
                continue
            name = str(entry["name"])
            if name in self.signatures:
                raise ValueError(f"overloaded function {name!r} is not supported")
            inputs = tuple(_abi_type(i) for i in entry.get("inputs", []))
            outputs = tuple(entry.get("outputs", []))
            self.signatures[name] = _Signature(
                name,
                function_signature_to_4byte_selector(f"{name}({','.join(inputs)})"),
                inputs,
                outputs,
                tuple(_abi_type(o) for o in outputs),
            )
        self.functions = _Functions(self)

    def call_many(self, calls: Sequence[LeanFunction], block: int | str = "latest") -> list[Any]:
        """The results of ``calls`` (functions of this contract) at one ``block``, in order, as
        :meth:`LeanFunction.call` returns each: one JSON-RPC batch on a node (a batch of 100
        files read its registrations in one round trip, issue #16), one call after another on
        the embedded chain. The first failing call's error is raised (a revert: the
        contract's typed error; an unreachable node: ChainUnavailable)."""
        if not calls:
            return []
        txs = [c.call_transaction() for c in calls]
        if self.eth_call_many is not None:
            raws = self.eth_call_many(txs, block)
        else:
            raws = [self.eth_call(tx, block) for tx in txs]
        return [c.decode(raw) for c, raw in zip(calls, raws, strict=True)]


def _revert(exc: BaseException) -> LedgerError:
    """The contract's typed error for a reverted call (UnknownRevert without revert data)."""
    data = revert_data_from_exception(exc)
    return decode_revert(data) if data is not None and len(data) >= 4 else UnknownRevert(str(exc))


def rpc_eth_call(client: RpcClient) -> EthCall:
    """``eth_call`` over JSON-RPC (keep-alive sessions of :class:`RpcClient`)."""

    def call(tx: dict[str, Any], block: int | str) -> bytes:
        tag = hex(block) if isinstance(block, int) else block
        try:
            answer = client.call("eth_call", [tx, tag])
        except RpcFailure as exc:
            return _raise(_translated(exc))
        return bytes.fromhex(str(answer)[2:])

    return call


def rpc_eth_call_many(client: RpcClient) -> EthCallMany:
    """``eth_call`` of many transactions in one JSON-RPC batch (:meth:`RpcClient.batch`: a
    node that refuses batches gets them one at a time)."""

    def call_many(txs: Sequence[dict[str, Any]], block: int | str) -> list[bytes]:
        tag = hex(block) if isinstance(block, int) else block
        answers = client.batch([("eth_call", [tx, tag]) for tx in txs])
        raws = []
        for answer in answers:
            if isinstance(answer, RpcError):
                _raise(_translated(RpcFailure(answer)))
            raws.append(bytes.fromhex(str(answer)[2:]))
        return raws

    return call_many


def tester_eth_call(tester: Any, lock: threading.RLock, reader: str) -> EthCall:
    """``eth_call`` on the embedded chain: eth-tester directly, one request at a time (the
    lock the embedded provider holds for every request: py-evm is not thread-safe). A call
    without a caller is made from ``reader``, funded at genesis (py-evm charges a call's gas
    to its sender), as web3.py makes it (its ``default_account``)."""
    from eth_tester.exceptions import TransactionFailed

    def call(tx: dict[str, Any], block: int | str) -> bytes:
        if not tx.get("from"):
            tx = {**tx, "from": reader}
        try:
            with lock:
                answer = tester.call(tx, block)
        except TransactionFailed as exc:
            first = exc.args[0] if exc.args else None
            return _raise(_revert(first if isinstance(first, Exception) else exc))
        return bytes.fromhex(str(answer)[2:]) if isinstance(answer, str) else bytes(answer)

    return call


def _translated(exc: BaseException) -> LedgerError:
    """The gateway's error for a failed call, as web3's calls get it (ledger.tx.translate)."""
    from ledger.tx import translate  # ledger.tx sends lean calls: imported when needed

    return translate(exc)


def _raise(error: LedgerError) -> bytes:
    raise error
