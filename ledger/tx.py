"""Submitting transactions: nonces, fees, signing, sending, receipts, reverts.

A :class:`Transactor` sends for one signer. Nonces are allocated under a per-sender lock held
only while signing and sending, so concurrent requests (threads, or asyncio handlers run in
threads) never reuse or skip a nonce; waiting for receipts happens outside the lock, in
parallel. A send the node refuses re-reads the nonce from the chain so no gap is left. A node
answering "already known" has the transaction: that is success, not an error.

A revert becomes the typed error named after the Solidity error (``ledger.revert``): at gas
estimation (the usual path: the node executes the call and returns the revert data) or, for a
transaction mined with status 0, by replaying it as a call against the state it ran on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eth_tester.exceptions import TransactionFailed
from eth_tester.exceptions import ValidationError as TesterValidationError
from hexbytes import HexBytes
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import Timeout as RequestsTimeout
from web3 import Web3
from web3.contract.contract import ContractFunction
from web3.exceptions import (
    ContractCustomError,
    ContractLogicError,
    TimeExhausted,
    TransactionNotFound,
    Web3RPCError,
)
from web3.types import TxReceipt

from ledger.errors import ChainUnavailable, InvalidInput, LedgerError
from ledger.keys import Signer
from ledger.revert import UnknownRevert, decode_revert, revert_data_from_exception

#: head-room over the node's gas estimate
GAS_MARGIN = 1.25
#: priority fee for EIP-1559 networks (wei)
PRIORITY_FEE = 10**9

_CONNECTION_ERRORS = (RequestsConnectionError, RequestsTimeout, ConnectionError, OSError)


@dataclass(frozen=True)
class Sent:
    """A transaction accepted by the node."""

    tx_hash: HexBytes
    nonce: int


class FeePolicy:
    """Fee fields for a transaction: EIP-1559 from the node's base fee, legacy, or zero."""

    def __init__(self, w3: Web3, mode: str = "auto", cache_seconds: float = 2.0) -> None:
        self._w3 = w3
        self._mode = mode
        self._cache_seconds = cache_seconds
        self._cached: tuple[float, dict[str, int]] | None = None
        self._lock = threading.Lock()

    def fields(self) -> dict[str, int]:
        if self._mode == "zero":
            return {"gasPrice": 0}
        with self._lock:
            now = time.monotonic()
            if self._cached and now - self._cached[0] < self._cache_seconds:
                return self._cached[1]
            if self._mode == "legacy":
                fees = {"gasPrice": int(self._w3.eth.gas_price)}
            else:
                base = int(self._w3.eth.get_block("latest").get("baseFeePerGas", 0) or 0)
                fees = {
                    "maxFeePerGas": 2 * base + PRIORITY_FEE,
                    "maxPriorityFeePerGas": PRIORITY_FEE,
                }
            self._cached = (now, fees)
            return fees


class Transactor:
    """Sends transactions for one signer; safe to share between threads."""

    def __init__(
        self,
        w3: Web3,
        signer: Signer,
        chain_id: int,
        fees: FeePolicy,
        receipt_timeout: float = 120.0,
    ) -> None:
        self.w3 = w3
        self.signer = signer
        self.chain_id = chain_id
        self.fees = fees
        self.receipt_timeout = receipt_timeout
        self._lock = threading.Lock()
        self._next_nonce: int | None = None

    @property
    def address(self) -> str:
        return self.signer.address

    # -- building -----------------------------------------------------------------------

    def estimate(self, call: ContractFunction) -> int:
        """Gas for ``call`` with margin; a revert here raises its typed error."""
        try:
            gas = call.estimate_gas({"from": self.address})
        except Exception as exc:
            raise translate(exc) from None
        return int(gas * GAS_MARGIN) + 10_000

    # -- sending ------------------------------------------------------------------------

    def send_call(self, call: ContractFunction, gas: int | None = None) -> Sent:
        """Estimate (unless ``gas`` is given), sign and send a contract call."""
        if gas is None:
            gas = self.estimate(call)
        data = call._encode_transaction_data()
        return self.send({"to": call.address, "data": data, "gas": gas, "value": 0})

    def send(self, tx: dict[str, Any]) -> Sent:
        """Sign ``tx`` with the next nonce and send it."""
        fees = self.fees.fields()
        with self._lock:
            if self._next_nonce is None:
                self._next_nonce = self._chain_nonce()
            nonce = self._next_nonce
            full = {**tx, **fees, "nonce": nonce, "chainId": self.chain_id}
            raw = self.signer.sign_transaction(full)
            try:
                tx_hash = self.w3.eth.send_raw_transaction(raw)
            except Exception as exc:
                if _already_known(exc):
                    tx_hash = HexBytes(Web3.keccak(raw))
                else:
                    self._next_nonce = None  # re-read from the chain next time
                    raise translate(exc) from None
            self._next_nonce = nonce + 1
        return Sent(HexBytes(tx_hash), nonce)

    def _chain_nonce(self) -> int:
        try:
            return int(
                self.w3.eth.get_transaction_count(Web3.to_checksum_address(self.address), "pending")
            )
        except Exception as exc:
            raise translate(exc) from None

    # -- receipts -------------------------------------------------------------------------

    def wait(self, sent: Sent, replay: ContractFunction | None = None) -> TxReceipt:
        """Wait for the receipt; status 0 becomes the typed error (replaying ``replay``)."""
        receipt = wait_for_receipt(self.w3, sent.tx_hash, self.receipt_timeout)
        if receipt["status"] != 1:
            raise self._revert_error(receipt, replay)
        return receipt

    def transact(self, call: ContractFunction, gas: int | None = None) -> TxReceipt:
        """Send ``call`` and wait for its successful receipt."""
        return self.wait(self.send_call(call, gas), replay=call)

    def _revert_error(self, receipt: TxReceipt, replay: ContractFunction | None) -> LedgerError:
        if replay is not None:
            block = max(int(receipt["blockNumber"]) - 1, 0)
            try:
                replay.call({"from": self.address}, block_identifier=block)
            except Exception as exc:
                return translate(exc)
        return UnknownRevert("0x")


def wait_for_receipt(w3: Web3, tx_hash: HexBytes, timeout: float) -> TxReceipt:
    """Poll for a receipt with a bounded loop; an unreachable node is ChainUnavailable."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        try:
            return w3.eth.get_transaction_receipt(tx_hash)
        except TransactionNotFound:
            pass
        except Exception as exc:
            raise translate(exc) from None
        if time.monotonic() > deadline:
            raise ChainUnavailable(
                f"no receipt for {tx_hash.hex()} after {timeout:.0f}s", tx_hash=tx_hash.hex()
            )
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def _already_known(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "already known" in text or "known transaction" in text


def translate(exc: BaseException) -> LedgerError:
    """Map an exception from web3 / eth-tester / the transport to the gateway's tree."""
    if isinstance(exc, LedgerError):
        return exc
    if isinstance(exc, ContractCustomError | ContractLogicError | TransactionFailed):
        data = revert_data_from_exception(exc)
        if data is not None and len(data) >= 4:
            return decode_revert(data)
        return UnknownRevert(str(exc))
    if isinstance(exc, (*_CONNECTION_ERRORS, TimeExhausted)):
        return ChainUnavailable(f"chain node unreachable: {type(exc).__name__}")
    if isinstance(exc, TesterValidationError):
        return InvalidInput("transaction", str(exc))
    if isinstance(exc, Web3RPCError):
        data = revert_data_from_exception(exc)
        if data is not None and len(data) >= 4 and "revert" in str(exc).lower():
            return decode_revert(data)
        return InvalidInput("transaction", f"rejected by the node: {exc}")
    return LedgerError(f"unexpected chain error: {type(exc).__name__}: {exc}")


Translate = Callable[[BaseException], LedgerError]
