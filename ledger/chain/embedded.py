"""The embedded chain: py-evm (through eth-tester) on a database on disk.

One process owns a data directory's chain at a time (an exclusive ``flock``); a second one gets
a clear error instead of corrupting it. Every block is committed to disk as a whole when it is
sealed, so a restart — even after ``kill -9`` — resumes at the last sealed block with every
acknowledged transaction present.

What eth-tester does not do and this module adds:

* persistence (``BlockCommitStore``) and reopening at the stored head;
* refusing transactions signed for another chain id (eth-tester alone mines them);
* receipt and transaction lookups through py-evm's transaction index instead of a scan of
  every block (eth-tester's own lookup is linear in the chain length);
* a lock around the provider, because py-evm is not thread-safe;
* blocks dated when they are sealed (see below).

Block times. py-evm (and so eth-tester) builds the *next* block's header the moment a block is
sealed, and stamps it then: on a chain that seals only when a transaction arrives, a block sealed
after 80 s of quiet would carry a time 80 s before its transactions existed — backdating, on a
provenance ledger. Here, when the first transaction enters an empty pending block (and before an
empty block or a whole batch is sealed), the pending header is restamped with the wall clock's
second, ``max(now, parent)``. The transactions then execute with that ``block.timestamp`` and
the block is sealed in the same locked request, so a block's time is its sealing time to the
second: never before its transactions arrived, never after the answer that acknowledged them.

Blocks sealed within the same second share that second. Ethereum's header rule asks a block to
be *strictly* later than its parent (``parent + 1``); a chain that seals more than one block a
second under that rule runs ahead of the clock (a tryout saw 17 s), and a registration is then
dated after its own acknowledgement. The embedded chain has one sealer and no consensus that
needs the strict rule, so its VM accepts a block dated in its parent's second (``>=``). Nodes
that keep the strict rule date blocks truly by sealing at most one a second (Besu QBFT's block
period, anvil ``--block-time 1``); anvil's automine runs ahead like the old rule did.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth.abc import VirtualMachineAPI
from eth.chains.base import MiningChain
from eth.constants import BLANK_ROOT_HASH
from eth.db.atomic import AtomicDB
from eth.exceptions import HeaderNotFound
from eth.exceptions import TransactionNotFound as EVMTransactionNotFound
from eth.typing import AccountDetails
from eth.vm.forks.prague import PragueVM
from eth_bloom.bloom import BloomFilter
from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.backends.pyevm.main import get_default_genesis_params
from eth_tester.backends.pyevm.serializers import (
    serialize_transaction,
    serialize_transaction_receipt,
)
from eth_tester.exceptions import TransactionNotFound, ValidationError
from eth_typing import BlockNumber, Hash32
from eth_utils.address import to_canonical_address
from eth_utils.hexadecimal import encode_hex
from web3 import Web3
from web3.providers.eth_tester import EthereumTesterProvider
from web3.providers.eth_tester.middleware import (
    receipt_result_formatter,
    receipt_result_remapper,
)
from web3.types import RPCEndpoint, RPCResponse, TxReceipt

from ledger.chain.rpc import format_receipt
from ledger.chain.store import BlockCommitStore, SyncMode
from ledger.datadir import private_dir
from ledger.errors import LedgerStateError

#: the genesis gas limit: large enough for batches of 256 documents
GENESIS_GAS_LIMIT = 60_000_000
#: the balance the genesis gives the funding account (wei); members are funded from it
GENESIS_BALANCE = 10**30
#: the sender of read-only calls: funded at genesis so eth-tester accepts ``eth_call``; it is
#: a hash, so nobody holds its key and it can never send a transaction
READER_ADDRESS = Web3.to_checksum_address(Web3.keccak(text="tradeledger/reader")[:20])


class SameSecondPragueVM(PragueVM):
    """Prague, except that a block may be dated in its parent's second (``>=``, not ``>``).

    Every other check of the header stands: it is made against the parent as it is, with only
    the parent's time read one second earlier when the two share a second.
    """

    @classmethod
    def validate_header(cls, header: Any, parent_header: Any) -> None:
        if parent_header is not None and header.timestamp == parent_header.timestamp:
            parent_header = parent_header.copy(timestamp=parent_header.timestamp - 1)
        super().validate_header(header, parent_header)


def _bloom_may_hold(
    bloom: int,
    emitter: bytes,
    events: Sequence[bytes],
    values: Sequence[Sequence[bytes]] = (),
) -> bool:
    """Whether a block's logs bloom may hold a log of ``emitter`` with one of ``events`` as
    its first topic and, for each of ``values``, one of its topics among the later ones (a
    bloom holds every topic of every log: ``eth_bloom``, the filter py-evm builds headers
    with)."""
    found = BloomFilter(bloom)
    return (
        emitter in found
        and any(topic in found for topic in events)
        and all(any(topic in found for topic in anyof) for anyof in values)
    )


def _chain_class(chain_id: int) -> type[MiningChain]:
    class EmbeddedChain(MiningChain):
        vm_configuration: tuple[tuple[BlockNumber, type[VirtualMachineAPI]], ...] = (
            (BlockNumber(0), SameSecondPragueVM),
        )

        def create_header_from_parent(self, parent_header: Any, **header_params: Any) -> Any:
            # keep the gas limit constant, as eth-tester's own chain does
            header_params["gas_limit"] = parent_header.gas_limit
            return super().create_header_from_parent(parent_header, **header_params)

        def get_transaction_builder(self) -> Any:
            return super().get_vm().get_transaction_builder()

        # -- block times: the pending block is dated when it starts to be filled or sealed --

        #: the wall clock that dates blocks (Unix seconds); tests may put their own here
        clock: Callable[[], float] = staticmethod(time.time)

        def stamp_pending(self) -> None:
            """Date the (still empty) pending block now: the clock's second, or its parent's
            if the clock stepped back (a block is never dated before its parent)."""
            header = self.header
            parent = self.chaindb.get_block_header_by_hash(header.parent_hash)
            stamp = max(int(self.clock()), int(parent.timestamp))
            if stamp != header.timestamp:
                self.set_header_timestamp(stamp)

        def apply_transaction(self, transaction: Any) -> Any:
            if self.header.gas_used == 0:  # the first transaction of this block
                self.stamp_pending()
            return super().apply_transaction(transaction)

        def mine_all(
            self, transactions: Any, *args: Any, parent_header: Any = None, **kwargs: Any
        ) -> Any:
            if parent_header is None and self.header.gas_used == 0:
                self.stamp_pending()
            return super().mine_all(transactions, *args, parent_header=parent_header, **kwargs)

        def mine_block_extended(self, *args: Any, **kwargs: Any) -> Any:
            if self.header.gas_used == 0:  # an empty block: dated when sealed
                self.stamp_pending()
            return super().mine_block_extended(*args, **kwargs)

    EmbeddedChain.chain_id = chain_id
    return EmbeddedChain


#: ``eth_call`` outputs kept for one head (:meth:`PersistentPyEVMBackend.call`)
_KEPT_CALLS = 1024


class PersistentPyEVMBackend(PyEVMBackend):  # type: ignore[misc]
    """eth-tester's py-evm backend on a ``BlockCommitStore`` instead of memory."""

    def __init__(
        self,
        store: BlockCommitStore,
        chain_id: int,
        funded_address: str | None,
    ) -> None:
        self.store = store
        self.chain_id = chain_id
        self.account_keys = ()
        #: log offsets of the blocks sealed here, by block hash (see ``_sealed_offsets``)
        self.log_offsets: dict[str, list[int]] = {}
        #: the receipts of the blocks sealed here, by block hash: a block's logs and receipts
        #: are read right after it is sealed (the request's receipt, the index's tail), and
        #: decoding them again from the store was a tenth of a batch request (issue #16)
        self.sealed_receipts: dict[bytes, tuple[Any, ...]] = {}
        chain_class = _chain_class(chain_id)
        base_db = AtomicDB(store)
        if funded_address is not None:
            genesis_state: dict[Any, AccountDetails] = {
                to_canonical_address(address): {
                    "balance": GENESIS_BALANCE,
                    "nonce": 0,
                    "code": b"",
                    "storage": {},
                }
                for address in (funded_address, READER_ADDRESS)
            }
            params = get_default_genesis_params({"gas_limit": GENESIS_GAS_LIMIT})
            self.chain = chain_class.from_genesis(base_db, params, genesis_state)
            # eth-tester's chain starts with a first block mined
            store.commit()
        else:
            self.chain = chain_class(base_db)
        #: the committed canonical head (number, hash, time), set after each commit: read
        #: without the provider's lock, which a block's sealing holds (``EmbeddedNode.head``)
        self.committed_head = self.head()
        #: ``eth_call`` outputs at the canonical head, by call (see :meth:`call`)
        self._calls: dict[str, bytes] = {}
        self._calls_at: bytes | None = None
        self._calls_lock = threading.Lock()

    @property
    def clock(self) -> Callable[[], float]:
        """The wall clock that dates blocks (Unix seconds; ``time.time`` unless replaced)."""
        chain: Any = self.chain
        clock: Callable[[], float] = chain.clock
        return clock

    @clock.setter
    def clock(self, clock: Callable[[], float]) -> None:
        chain: Any = self.chain
        chain.clock = clock

    # -- persistence: one commit per sealed block -----------------------------------------

    def mine_blocks(self, num_blocks: int = 1, coinbase: Any = None) -> Any:
        kwargs = {} if coinbase is None else {"coinbase": coinbase}
        hashes = super().mine_blocks(num_blocks, **kwargs)
        self.store.commit()
        self.committed_head = self.head()
        return hashes

    # -- eth_call: one call at one block answers once ---------------------------------------

    def call(self, transaction: dict[str, Any], block_number: Any = "latest") -> Any:
        """eth-tester's ``eth_call``, its output kept for the canonical head it ran at: the same
        call (sender, target, data, gas, value) at the same block answers the same, since a
        block's hash commits to its state. A read at "latest" ran the contract in py-evm every
        time — ``memberOf`` about 3 ms, 0.16 ms kept; a bank's read of a financing, several
        such calls, 13.4 → 7.7 ms (issue #16, docs/benchmarks.md, twenty-eighth pass; a check's
        latency did not move: its state reads come from the index). Only "latest" (and its
        synonyms) is kept, until the head moves; a call that reverts raises as before and is
        not kept; at most :data:`_KEPT_CALLS` outputs."""
        if block_number not in ("latest", "safe", "finalized"):
            return super().call(transaction, block_number)
        chain: Any = self.chain
        head = bytes(chain.chaindb.get_canonical_head().hash)
        key = repr(sorted(transaction.items()))
        with self._calls_lock:
            if self._calls_at != head:
                self._calls, self._calls_at = {}, head
            found = self._calls.get(key)
        if found is not None:
            return found
        output = super().call(transaction, block_number)
        with self._calls_lock:
            if self._calls_at == head and isinstance(output, bytes):
                if len(self._calls) >= _KEPT_CALLS:
                    self._calls.clear()
                self._calls[key] = output
        return output

    # -- chain id check ---------------------------------------------------------------------

    def send_raw_transaction(self, raw_transaction: bytes) -> Any:
        vm = self.chain.get_vm()
        decoded = vm.get_transaction_builder().decode(raw_transaction)
        tx_chain_id = getattr(decoded, "chain_id", None)
        if tx_chain_id != self.chain_id:
            raise ValidationError(
                f"transaction signed for chain id {tx_chain_id}; this chain's id is {self.chain_id}"
            )
        return super().send_raw_transaction(raw_transaction)

    def apply_raw_batch(self, raws: list[bytes]) -> list[BaseException | None]:
        """Apply many raw transactions and seal them in as few blocks as fit (one commit each).

        eth-tester mines a block per transaction, and py-evm's incremental
        ``apply_transaction`` rebuilds the block's transaction and receipt tries on every call
        (quadratic in the block's size). A batch here is applied with ``mine_all``: the tries
        are built once per block, one block seal and one SQLite commit per block (a new block
        when the declared gas would pass the gas target, so the base fee never rises). If the
        chain refuses a transaction (nonce, funds, chain id), that block is redone one
        transaction at a time and the
        refusal is reported in its slot while the others go on; a revert is not a refusal (it
        is mined with status 0, as on any node). Nothing is acknowledged before its block is
        committed, so the kill -9 guarantee holds. (Blocks sealed here bypass eth-tester's
        ``eth_newFilter`` bookkeeping; ``eth_getLogs`` sees them like any block.)
        """
        chain: Any = self.chain
        results: list[BaseException | None] = [None] * len(raws)
        builder = chain.get_vm().get_transaction_builder()
        decoded: list[tuple[int, Any]] = []
        for slot, raw in enumerate(raws):
            try:
                transaction = builder.decode(raw)
                tx_chain_id = getattr(transaction, "chain_id", None)
                if tx_chain_id != self.chain_id:
                    raise ValidationError(
                        f"transaction signed for chain id {tx_chain_id}; this chain's id is "
                        f"{self.chain_id}"
                    )
            except Exception as exc:  # reported per transaction, as a node does
                results[slot] = exc
            else:
                decoded.append((slot, transaction))
        # fill blocks up to the EIP-1559 gas *target* (half the limit), not the limit: fuller
        # blocks would raise the base fee 12.5% a block, and eth-tester's calls (1 gwei)
        # would soon be refused
        gas_limit = int(chain.header.gas_limit) // 2
        block: list[tuple[int, Any]] = []
        declared = 0
        for slot, transaction in decoded:
            if block and declared + transaction.gas > gas_limit:
                self._seal(block, results)
                block, declared = [], 0
            block.append((slot, transaction))
            declared += transaction.gas
        if block:
            self._seal(block, results)
        return results

    def _seal(self, block: list[tuple[int, Any]], results: list[BaseException | None]) -> None:
        chain: Any = self.chain
        if not chain.get_block().transactions:
            try:
                imported, receipts, _ = chain.mine_all(
                    [transaction for _, transaction in block],
                    coinbase=b"\0" * 20,
                    mix_hash=os.urandom(32),
                    blob_gas_used=0,
                )
            except Exception:  # noqa: S110 - some transaction is refused: one at a time below
                pass
            else:
                self.store.commit()
                self.committed_head = self.head()
                self._sealed_offsets(imported.imported_block.hash, receipts)
                while len(self.sealed_receipts) >= _SEALED_RECEIPT_BLOCKS:  # the oldest out
                    del self.sealed_receipts[next(iter(self.sealed_receipts))]
                self.sealed_receipts[bytes(imported.imported_block.hash)] = tuple(receipts)
                return
        applied = 0
        for slot, transaction in block:
            try:
                chain.apply_transaction(transaction)
            except Exception as exc:
                results[slot] = exc
            else:
                applied += 1
        if applied:
            self.mine_blocks(1)

    def _sealed_offsets(self, block_hash: bytes, receipts: Sequence[Any]) -> None:
        """Keep how many logs the transactions before each one of a block just sealed
        emitted (by its index): what :class:`LockedTesterProvider` numbers its logs by,
        known here without reading the block back."""
        offsets, total = [], 0
        for receipt in receipts:
            offsets.append(total)
            total += len(receipt.logs)
        if len(self.log_offsets) >= _OFFSET_CACHE_BLOCKS:
            self.log_offsets.clear()
        self.log_offsets[encode_hex(block_hash)] = offsets

    # -- the event index's reads: logs and headers straight from py-evm ------------------------

    def logs(
        self,
        address: str,
        first: int,
        last: int,
        events: Sequence[bytes] = (),
        values: Sequence[Sequence[bytes]] = (),
    ) -> list[dict[str, Any]]:
        """The logs ``address`` emitted in canonical blocks ``first..last`` (up to the head),
        as ``eth_getLogs`` answers them on a node: 0x hex strings and numbers, log indexes
        counted across the block, in chain order. Read from the stored headers and receipts:
        no transaction is decoded, and a block without transactions is one header read.

        ``events``: the first topics (32 bytes each) a caller wants, when it wants only some;
        a block whose logs bloom (its header's, Yellow Paper §4.3.1) holds none of them, or not
        ``address``, is passed over without reading its receipts. A bloom may hold what the
        block has not (the caller filters the logs), never the reverse: no wanted log is
        missed. ``values``: for later topics a caller filters on, the topics any of which it
        wants there (32 bytes each); a block whose bloom holds none of one of them is passed over
        too. All logs are returned, as without ``events``, from the blocks read."""
        chain: Any = self.chain
        chaindb = chain.chaindb
        emitter = to_canonical_address(address)
        head = int(chaindb.get_canonical_head().block_number)
        found: list[dict[str, Any]] = []
        for number in range(max(0, first), min(last, head) + 1):
            header = chaindb.get_canonical_block_header_by_number(BlockNumber(number))
            if header.transaction_root == BLANK_ROOT_HASH:
                continue
            if events and not _bloom_may_hold(header.bloom, emitter, events, values):
                continue
            receipts = self.sealed_receipts.get(bytes(header.hash)) or chaindb.get_receipts(
                header, chain.get_vm_class(header).get_receipt_builder()
            )
            tx_hashes: tuple[Hash32, ...] | None = None
            log_index = 0
            for tx_index, receipt in enumerate(receipts):
                for log in receipt.logs:
                    if log.address == emitter:
                        if tx_hashes is None:
                            tx_hashes = chaindb.get_block_transaction_hashes(header)
                        found.append(
                            {
                                "address": address,
                                "blockNumber": hex(number),
                                "blockHash": encode_hex(header.hash),
                                "transactionHash": encode_hex(tx_hashes[tx_index]),
                                "transactionIndex": hex(tx_index),
                                "logIndex": hex(log_index),
                                "topics": [
                                    encode_hex(topic.to_bytes(32, "big")) for topic in log.topics
                                ],
                                "data": encode_hex(log.data),
                                "removed": False,
                            }
                        )
                    log_index += 1
        return found

    def head(self) -> tuple[int, str, int]:
        """The number, hash (0x hex) and time (Unix seconds) of the canonical head."""
        header = self.chain.chaindb.get_canonical_head()
        return int(header.block_number), encode_hex(header.hash), int(header.timestamp)

    def header(self, number: int) -> tuple[str, int] | None:
        """The hash (0x hex) and time (Unix seconds) of canonical block ``number``; None when
        the chain is shorter."""
        chaindb: Any = self.chain.chaindb
        try:
            header = chaindb.get_canonical_block_header_by_number(BlockNumber(number))
        except HeaderNotFound:
            return None
        return encode_hex(header.hash), int(header.timestamp)

    # -- indexed lookups ----------------------------------------------------------------------

    def _locate(self, transaction_hash: bytes) -> tuple[Any, Any, int]:
        head = self.chain.get_block()
        for index, transaction in enumerate(head.transactions):
            if transaction.hash == transaction_hash:
                return head, transaction, index
        try:
            number, index = self.chain.get_canonical_transaction_index(Hash32(transaction_hash))
        except (EVMTransactionNotFound, KeyError):
            raise TransactionNotFound(
                f"No transaction found for transaction hash: {encode_hex(transaction_hash)}"
            ) from None
        block = self.chain.get_canonical_block_by_number(number)
        return block, block.transactions[index], index

    def get_transaction_by_hash(self, transaction_hash: bytes) -> Any:
        block, transaction, index = self._locate(transaction_hash)
        is_pending = block.number == self.chain.get_block().number
        return serialize_transaction(block, transaction, index, is_pending)

    def get_transaction_receipt(self, transaction_hash: bytes) -> Any:
        """The receipt, reading only this transaction and the receipts it needs (its own and
        the previous one, for gas used) instead of the whole block: a block sealed from a
        batch holds hundreds of transactions."""
        chain: Any = self.chain
        try:
            number, index = chain.get_canonical_transaction_index(transaction_hash)
        except (EVMTransactionNotFound, KeyError):
            block, transaction, index = self._locate(transaction_hash)  # the pending block
            is_pending = block.number == chain.get_block().number
            receipts = block.get_receipts(chain.chaindb)
            return serialize_transaction_receipt(
                block, receipts, transaction, index, is_pending, chain.get_vm()
            )
        chaindb = chain.chaindb
        header = chaindb.get_canonical_block_header_by_number(number)
        vm_class = chain.get_vm_class_for_block_number(number)
        transaction = chaindb.get_transaction_by_index(
            number, index, vm_class.get_transaction_builder()
        )
        receipt_builder = vm_class.get_receipt_builder()
        sealed = self.sealed_receipts.get(bytes(header.hash))
        receipts = {
            i: sealed[i]
            if sealed is not None
            else chaindb.get_receipt_by_index(number, i, receipt_builder)
            for i in {index, max(index - 1, 0)}
        }
        return serialize_transaction_receipt(
            _SealedBlock(header), receipts, transaction, index, False, chain.get_vm()
        )


@dataclass(frozen=True)
class _SealedBlock:
    """What eth-tester's receipt serializer reads of a block: hash, number, header."""

    header: Any

    @property
    def hash(self) -> bytes:
        return bytes(self.header.hash)

    @property
    def number(self) -> int:
        return int(self.header.block_number)


#: the methods whose answers carry logs (their ``logIndex`` is made block-wide)
_LOG_METHODS = frozenset(
    {"eth_getLogs", "eth_getFilterLogs", "eth_getFilterChanges", "eth_getTransactionReceipt"}
)
#: blocks whose per-transaction log offsets are kept (a mined block's never change)
_OFFSET_CACHE_BLOCKS = 4096
#: the blocks whose receipts stay in memory once sealed (``sealed_receipts``): those read
#: again soon after (a block of 100 registrations' receipts is about 60 KB)
_SEALED_RECEIPT_BLOCKS = 64


class LockedTesterProvider(EthereumTesterProvider):
    """EthereumTesterProvider whose requests run one at a time (py-evm is not thread-safe),
    answering ``eth_chainId`` with this chain's id (eth-tester's provider hard-codes its own),
    and numbering logs as JSON-RPC does.

    eth-tester numbers each transaction's logs from 0, so the logs of a block of several
    transactions (a batch the gateway sends at once) shared ``logIndex`` 0 — and everything
    keyed by (block, log index), the event index first of all, saw one event where there were
    several. Every log answered here carries its index in the block: the logs of the block's
    earlier transactions come first (Ethereum JSON-RPC, ``eth_getLogs``)."""

    def __init__(self, tester: EthereumTester, chain_id: int) -> None:
        super().__init__(tester)
        self._request_lock = threading.RLock()
        self._chain_id = chain_id
        self._log_offsets: dict[str, list[int]] = {}

    @property
    def request_lock(self) -> threading.RLock:
        """Held for every request (and by direct eth-tester calls, ledger/chain/lean.py)."""
        return self._request_lock

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        if method == "eth_chainId":
            return {"jsonrpc": "2.0", "id": 0, "result": hex(self._chain_id)}
        with self._request_lock:
            response = super().make_request(method, params)
            if method in _LOG_METHODS and response.get("result"):
                response = {**response, "result": self._block_wide(response["result"])}
            return response

    def receipt(self, transaction_hash: bytes) -> TxReceipt | None:
        """The mined transaction's receipt as ``w3.eth.get_transaction_receipt`` returns it
        (None: not mined), shaped by eth-tester's provider formatters and then as a node's
        JSON receipt is (:func:`ledger.chain.rpc.format_receipt`) instead of web3's generic
        result formatters, which checksummed each log's address anew and walked every value
        of every log: 60% of reading a 100-document batch's receipt (issue #16).
        ``tests/backends/test_receipt_format.py`` holds the two equal."""
        try:
            answer = self.make_request(
                RPCEndpoint("eth_getTransactionReceipt"), [encode_hex(transaction_hash)]
            )
        except TransactionNotFound:
            return None
        raw = answer.get("result")
        if not isinstance(raw, dict):
            return None
        return format_receipt(receipt_result_formatter(receipt_result_remapper(raw)))

    def _block_wide(self, result: Any) -> Any:
        if isinstance(result, list | tuple):
            return [self._block_wide_log(log) for log in result]
        if isinstance(result, dict) and isinstance(result.get("logs"), list):
            return {**result, "logs": [self._block_wide_log(log) for log in result["logs"]]}
        return result

    def _block_wide_log(self, log: Any) -> Any:
        if not isinstance(log, dict) or log.get("block_hash") is None:
            return log  # pending, or not a log (a filter's block hashes)
        offsets = self._offsets(log["block_hash"])
        index = int(log["transaction_index"])
        return {**log, "log_index": offsets[index] + int(log["log_index"])}

    def _offsets(self, block_hash: Any) -> list[int]:
        """How many logs the block's transactions before each one emitted (by its index)."""
        key = block_hash if isinstance(block_hash, str) else encode_hex(block_hash)
        found = self._log_offsets.get(key)
        tester = self.ethereum_tester
        assert tester is not None  # given at construction
        if found is None:  # sealed by apply_raw_batch: counted then
            found = getattr(tester.backend, "log_offsets", {}).get(key.lower())
        if found is None:
            block = tester.get_block_by_hash(key)
            found, total = [], 0
            for tx in block["transactions"]:
                found.append(total)
                tx_hash = tx if isinstance(tx, str | bytes) else tx["hash"]
                total += len(tester.get_transaction_receipt(tx_hash)["logs"])
            if len(self._log_offsets) >= _OFFSET_CACHE_BLOCKS:
                self._log_offsets.clear()
            self._log_offsets[key] = found
        return found


@dataclass
class EmbeddedNode:
    """An open embedded chain: its Web3, its backend, and the lock on its directory."""

    w3: Web3
    chain_id: int
    backend: PersistentPyEVMBackend
    _lock_fd: int = field(repr=False)

    def close(self) -> None:
        with self.w3.provider._request_lock:  # type: ignore[attr-defined]
            self.backend.store.close()
        os.close(self._lock_fd)

    def send_raw_batch(self, raws: list[bytes]) -> list[BaseException | None]:
        """Apply raw transactions in shared blocks (see ``apply_raw_batch``); per transaction,
        None or the refusal."""
        with self.w3.provider._request_lock:  # type: ignore[attr-defined]
            return self.backend.apply_raw_batch(raws)

    def logs(
        self,
        address: str,
        first: int,
        last: int,
        events: Sequence[bytes] = (),
        values: Sequence[Sequence[bytes]] = (),
    ) -> list[dict[str, Any]]:
        """``eth_getLogs`` of ``address`` over blocks ``first..last``, read straight from the
        chain's store (see :meth:`PersistentPyEVMBackend.logs`; ``events``: the first topics
        wanted, ``values`` those wanted among the later ones, to pass over blocks whose bloom
        holds none)."""
        with self.w3.provider._request_lock:  # type: ignore[attr-defined]
            return self.backend.logs(address, first, last, events, values)

    def header(self, number: int) -> tuple[str, int] | None:
        """Hash and time of canonical block ``number``, or None (the chain is shorter)."""
        with self.w3.provider._request_lock:  # type: ignore[attr-defined]
            return self.backend.header(number)

    def head(self) -> tuple[int, str, int]:
        """Number, hash and time of the canonical head as last committed: no wait for the
        provider's lock, which the sealing of a block holds (issue #16: a served gateway's
        reads ask the head first, and queued behind every seal)."""
        return self.backend.committed_head


class ChainInUse(LedgerStateError):
    """Another process holds this embedded chain."""


CHAIN_DB_NAME = "chain.sqlite"
LOCK_NAME = "chain.lock"


def open_embedded(
    chain_dir: Path,
    chain_id: int,
    sync: SyncMode = "full",
    create_funding: str | None = None,
) -> EmbeddedNode:
    """Open the embedded chain stored in ``chain_dir``, or with ``create_funding`` (the address
    the genesis funds) create a new one there."""
    create = create_funding is not None
    private_dir(chain_dir)
    db_path = chain_dir / CHAIN_DB_NAME
    if create and db_path.exists():
        raise LedgerStateError(f"a chain already exists at {db_path}", path=str(db_path))
    if not create and not db_path.exists():
        raise LedgerStateError(
            f"no chain at {db_path}: run `tradeledger init` first", path=str(db_path)
        )
    lock_fd = os.open(chain_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(lock_fd)
        raise ChainInUse(
            f"the ledger at {chain_dir} is open in another process (stop it first, or use its API)",
            path=str(chain_dir),
        ) from None
    try:
        store = BlockCommitStore(db_path, sync=sync)
        backend = PersistentPyEVMBackend(store, chain_id, create_funding)
        tester = EthereumTester(backend=backend)
        w3 = Web3(LockedTesterProvider(tester, chain_id))
        # eth-tester needs a sender that can afford the call's gas even for eth_call
        w3.eth.default_account = READER_ADDRESS
    except BaseException:
        os.close(lock_fd)
        raise
    return EmbeddedNode(w3=w3, chain_id=chain_id, backend=backend, _lock_fd=lock_fd)
