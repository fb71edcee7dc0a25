"""Submitting transactions: nonces, fees, signing, sending, receipts, reverts, idempotency.

A :class:`Transactor` sends for one signer and is safe to share between threads (and asyncio
tasks: :meth:`Transactor.asend_call` / :meth:`Transactor.atransact` run the blocking work in a
thread).

Nonces
    Allocated under a per-sender lock, so concurrent requests never reuse or skip one. Every
    transaction is tracked by (sender, nonce). Sends are *group-committed*: a request signs its
    transaction under the lock and queues it; whichever request flushes next sends everything
    queued in one JSON-RPC batch (``eth_sendRawTransaction`` × n, one HTTP round trip), in
    nonce order. A node answering "already known" has the transaction: that is success. A send
    the node refuses gives its nonce back: when later nonces are already out, a zero-value
    self-transfer fills the hole so they do not wait forever; when the refusal is about the
    nonce itself (another process used the key), the next allocation re-reads it from the chain.

Idempotency
    ``send_call(call, idempotency_key=k)`` (and ``send``/``transact``) applies a write at most
    once per (sender, key): the first call signs and journals the raw transaction under ``k``;
    any later call with the same ``k`` — a client retry, or a retry after the gateway restarted
    — resubmits *the same signed bytes* (same nonce, same hash), which the chain can include
    only once, and returns the same :class:`Sent` with ``replayed=True``. The key names the
    write: the body of a replayed call is not compared (the HTTP layer hashes request bodies).

Journal
    With a :class:`TxJournal` (``data_dir/txjournal.sqlite``), each signed transaction is written
    before it is sent. A gateway killed with transactions in flight rebroadcasts, when it next
    opens a participant's transactor (:meth:`Transactor.recover`), every journaled transaction
    whose nonce the chain has not used yet, so a node that lost them (restart, mempool eviction)
    still gets them and no nonce is left empty.

Reverts
    A revert becomes the typed error named after the Solidity error (``ledger.revert``): at gas
    estimation (the usual path) or, for a transaction mined with status 0 (eth-tester given an
    explicit gas; any node when state changed between estimate and inclusion), by replaying it
    as a call against the state it ran on.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_hash.auto import keccak
from eth_tester.exceptions import TransactionFailed
from eth_tester.exceptions import ValidationError as TesterValidationError
from eth_utils.exceptions import ValidationError as EVMValidationError
from hexbytes import HexBytes
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import Timeout as RequestsTimeout
from web3 import Web3
from web3.exceptions import (
    ContractCustomError,
    ContractLogicError,
    TimeExhausted,
    TransactionNotFound,
    Web3RPCError,
)
from web3.types import TxReceipt

from ledger.chain.lean import ContractCall
from ledger.chain.rpc import RpcClient, RpcError, RpcFailure
from ledger.datadir import private_sqlite
from ledger.errors import (
    ChainUnavailable,
    InvalidInput,
    LedgerError,
    TransactionRejected,
    key_reused,
)
from ledger.keys import Signer
from ledger.receiptwait import ReceiptWaiter
from ledger.revert import UnknownRevert, decode_revert, revert_data_from_exception

__all__ = [
    "GAS_MARGIN",
    "PRIORITY_FEE",
    "FeePolicy",
    "Sent",
    "Transactor",
    "TxJournal",
    "notify_sent",
    "translate",
    "wait_for_receipt",
]

#: head-room over the node's gas estimate
GAS_MARGIN = 1.25
#: priority fee for EIP-1559 networks (wei)
PRIORITY_FEE = 10**9
#: how long idempotency keys are remembered in the journal (seconds)
IDEMPOTENCY_RETENTION = 7 * 24 * 3600
#: prune confirmed journal entries every this many sent transactions
PRUNE_EVERY = 5_000
#: how often a send is re-signed when another process of the same key took its nonce
NONCE_ATTEMPTS = 8
#: seconds a transaction whose nonce a block used is given to show its receipt before it is
#: called dead (a node may publish the receipt just after the nonce moves)
DEAD_RECEIPT_GRACE = 1.0

_CONNECTION_ERRORS = (RequestsConnectionError, RequestsTimeout, ConnectionError, OSError)


@dataclass(frozen=True)
class Sent:
    """A transaction accepted by the node: its hash and nonce (``replayed``: an earlier call with
    the same idempotency key sent it)."""

    tx_hash: HexBytes
    nonce: int
    replayed: bool = False


#: who is told when a call of this context is sent (:func:`notify_sent`)
_ON_SENT: contextvars.ContextVar[Callable[[Sent], None] | None] = contextvars.ContextVar(
    "on_sent", default=None
)


@contextmanager
def notify_sent(callback: Callable[[Sent], None]) -> Iterator[None]:
    """Within this block, :meth:`Transactor.send_call` calls ``callback(sent)`` once its call's
    transaction is journaled and accepted by the node (on the embedded chain: mined) — and only
    for a transaction signed by this call, never for one an earlier call with the same
    idempotency key sent (``Sent.replayed``): the REST API's ``Prefer: respond-async`` answers
    202 at that point (``api/respond_async.py``). Contextual (:mod:`contextvars`): a thread
    started with a copy of the context is told too, other threads are not."""
    token = _ON_SENT.set(callback)
    try:
        yield
    finally:
        _ON_SENT.reset(token)


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
            try:
                if self._mode == "legacy":
                    fees = {"gasPrice": int(self._w3.eth.gas_price)}
                else:
                    base = int(self._w3.eth.get_block("latest").get("baseFeePerGas", 0) or 0)
                    fees = {
                        "maxFeePerGas": 2 * base + PRIORITY_FEE,
                        "maxPriorityFeePerGas": PRIORITY_FEE,
                    }
            except Exception as exc:
                raise translate(exc) from None
            self._cached = (now, fees)
            return fees


# -- the journal ---------------------------------------------------------------------------


@dataclass(frozen=True)
class JournalEntry:
    """One signed transaction as the journal keeps it."""

    sender: str
    nonce: int
    tx_hash: bytes
    raw: bytes
    idempotency_key: str | None
    #: SHA-256 of the call (to, value, data) the key was first used for; None for fillers
    call_digest: bytes | None = None
    #: the hash of a dead transaction of the same key this one replaces
    replaces: bytes | None = None


class TxJournal:
    """Signed transactions of this data directory, with the idempotency key each one answers.

    One row per signed transaction (keyed by its hash). ``(sender, idem_key)`` is unique: an
    idempotency key is bound to exactly one signed transaction, *before* that transaction is
    sent, together with a digest of the call it carries (so the same key cannot silently name a
    different write). Every process of a data directory (the gateway, the CLI beside it) shares
    the file, so a key means the same write on both surfaces.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        private_sqlite(path)
        self._conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        # FULL: a key's binding survives power loss as long as the chain's block does
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS signed_tx (tx_hash BLOB PRIMARY KEY,"
            " sender TEXT NOT NULL, nonce INTEGER NOT NULL, raw BLOB NOT NULL, idem_key TEXT,"
            " call_digest BLOB, created REAL NOT NULL)"
        )
        self._conn.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS signed_tx_key ON signed_tx (sender, idem_key)"
            " WHERE idem_key IS NOT NULL"
        )
        self._conn.execute(
            "CREATE INDEX IF NOT EXISTS signed_tx_nonce ON signed_tx (sender, nonce)"
        )
        self._migrate_v1()
        self._lock = threading.Lock()

    def _migrate_v1(self) -> None:
        """Carry over the first release's table (one row per sender and nonce, no digest)."""
        old = self._conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tx'"
        ).fetchone()
        if old is None:
            return
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            self._conn.execute(
                "INSERT OR IGNORE INTO signed_tx (tx_hash, sender, nonce, raw, idem_key,"
                " call_digest, created) SELECT tx_hash, sender, nonce, raw, idem_key, NULL,"
                " created FROM tx"
            )
            self._conn.execute("DROP TABLE tx")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def record(self, entries: Sequence[JournalEntry]) -> list[JournalEntry | None]:
        """Write ``entries`` before they are sent; an entry's ``replaces`` row (a dead
        transaction of the same key) is removed in the same transaction.

        Returns, per entry, None when written, or the entry already bound to its key by another
        process (the caller must not send its own then).
        """
        now = time.time()
        out: list[JournalEntry | None] = []
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for e in entries:
                    if e.replaces is not None:
                        self._conn.execute("DELETE FROM signed_tx WHERE tx_hash = ?", (e.replaces,))
                    try:
                        self._conn.execute(
                            "INSERT INTO signed_tx VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (
                                e.tx_hash,
                                e.sender,
                                e.nonce,
                                e.raw,
                                e.idempotency_key,
                                e.call_digest,
                                now,
                            ),
                        )
                    except sqlite3.IntegrityError:
                        out.append(self._by_key_locked(e.sender, e.idempotency_key))
                    else:
                        out.append(None)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        return out

    def forget(self, sender: str, nonce: int, tx_hash: bytes) -> None:
        """Remove the entry of a transaction the node refused (it was never accepted)."""
        with self._lock:
            self._conn.execute(
                "DELETE FROM signed_tx WHERE sender = ? AND nonce = ? AND tx_hash = ?",
                (sender, nonce, tx_hash),
            )

    def by_key(self, sender: str, key: str) -> JournalEntry | None:
        """The transaction bound to ``(sender, key)``, if any."""
        with self._lock:
            return self._by_key_locked(sender, key)

    def names_any(self, key: str, sender: str) -> bool:
        """Whether a transaction of ``sender`` is bound to ``key`` or to one of its parts
        (``key#part``, :func:`ledger.services.writekeys.sub_key`): whether ``sender``'s write
        named ``key`` signed anything. Keys are per participant: another member's write under
        the same key is not this one's (a tryout's bank had its key bound by a refused request
        because another bank had used the key)."""
        pattern = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self._lock:
            row = self._conn.execute(
                "SELECT 1 FROM signed_tx WHERE lower(sender) = lower(?)"
                " AND (idem_key = ? OR idem_key LIKE ? ESCAPE '\\') LIMIT 1",
                (sender, key, pattern + "#%"),
            ).fetchone()
        return row is not None

    def by_key_prefix(self, sender: str, prefix: str) -> list[JournalEntry]:
        """The transactions of ``sender`` bound to a key that starts with ``prefix``, in the
        order they were signed (nonce order): the parts of a write named by an older scheme
        (``doc import``'s ``KEY#batch-0x…``, :func:`ledger.services.documents.legacy_batches`)."""
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self._lock:
            rows = self._conn.execute(
                "SELECT nonce, tx_hash, raw, idem_key, call_digest FROM signed_tx"
                " WHERE sender = ? AND idem_key LIKE ? ESCAPE '\\' ORDER BY nonce",
                (sender, pattern + "%"),
            ).fetchall()
        return [_entry(sender, r) for r in rows]

    def _by_key_locked(self, sender: str, key: str | None) -> JournalEntry | None:
        if key is None:
            return None
        row = self._conn.execute(
            "SELECT nonce, tx_hash, raw, call_digest FROM signed_tx"
            " WHERE sender = ? AND idem_key = ?",
            (sender, key),
        ).fetchone()
        if row is None:
            return None
        digest = bytes(row[3]) if row[3] is not None else None
        return JournalEntry(sender, int(row[0]), bytes(row[1]), bytes(row[2]), key, digest)

    def from_nonce(self, sender: str, nonce: int) -> list[JournalEntry]:
        """Entries of ``sender`` with a nonce at or above ``nonce``, in nonce order."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT nonce, tx_hash, raw, idem_key, call_digest FROM signed_tx"
                " WHERE sender = ? AND nonce >= ? ORDER BY nonce",
                (sender, nonce),
            ).fetchall()
        return [_entry(sender, r) for r in rows]

    def prune(self, sender: str, below_nonce: int, retention: float) -> None:
        """Drop confirmed entries: unkeyed ones and those of gateway-generated keys (``auto:``,
        which only the gateway's own in-flight retries use) at once, client keys after
        ``retention``."""
        with self._lock:
            self._conn.execute(
                "DELETE FROM signed_tx WHERE sender = ? AND nonce < ?"
                " AND (idem_key IS NULL OR idem_key LIKE 'auto:%' OR created < ?)",
                (sender, below_nonce, time.time() - retention),
            )

    def close(self) -> None:
        with self._lock:
            self._conn.close()


# -- the transactor ---------------------------------------------------------------------------


@dataclass(eq=False)
class _Pending:
    """One signed transaction on its way to the node."""

    nonce: int
    raw: bytes
    tx_hash: HexBytes
    key: str | None
    fees: dict[str, int]
    replay: bool = False
    done: bool = False
    error: LedgerError | None = None
    #: the call digest bound to ``key`` (journaled with it)
    digest: bytes | None = None
    #: the dead transaction of the same key this one replaces in the journal
    replaces: bytes | None = None
    #: a replayed transaction the node answered "nonce already used" for: mined, or dead
    nonce_used: bool = False
    #: a fresh transaction refused because its nonce was taken (another process of the key)
    nonce_conflict: bool = False


def call_digest(tx: dict[str, Any]) -> bytes:
    """What an idempotency key is bound to: SHA-256 of the call's ``to``, ``value`` and
    ``data`` (not its nonce, fees or gas, which a re-signed transaction may change)."""
    to = str(tx.get("to") or "").lower().encode()
    value = int(tx.get("value", 0) or 0).to_bytes(32, "big")
    data = tx.get("data") or b""
    payload = bytes(HexBytes(data))
    digest = hashlib.sha256()
    for part in (to, value, payload):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.digest()


class Transactor:
    """Sends transactions for one signer; safe to share between threads."""

    def __init__(
        self,
        w3: Web3,
        signer: Signer,
        chain_id: int,
        fees: FeePolicy,
        receipt_timeout: float = 120.0,
        *,
        rpc: RpcClient | None = None,
        journal: TxJournal | None = None,
        raw_sender: Callable[[list[bytes]], list[BaseException | None]] | None = None,
    ) -> None:
        self.w3 = w3
        self.signer = signer
        self.chain_id = chain_id
        self.fees = fees
        self.receipt_timeout = receipt_timeout
        self.rpc = rpc
        self.journal = journal
        #: sends a batch of raw transactions (the embedded chain's shared-block path)
        self.raw_sender = raw_sender
        self._address = signer.address
        self._lock = threading.Lock()  # nonce allocation, signing, the queue
        self._flush_lock = threading.Lock()  # one batch on the wire at a time, in nonce order
        self._next_nonce: int | None = None
        self._queue: list[_Pending] = []
        self._by_key: dict[str, _Pending] = {}
        self._since_prune = 0
        #: one poll for every thread waiting for a receipt (JSON-RPC only)
        self._receipts: ReceiptWaiter[TxReceipt | LedgerError] = ReceiptWaiter(self._poll_receipts)

    @property
    def address(self) -> str:
        return self._address

    # -- building -----------------------------------------------------------------------

    def estimate(self, call: ContractCall) -> int:
        """Gas for ``call`` with margin; a revert here raises its typed error."""
        try:
            gas = call.estimate_gas({"from": self.address})
        except Exception as exc:
            raise translate(exc) from None
        return int(gas * GAS_MARGIN) + 10_000

    # -- sending ------------------------------------------------------------------------

    def send_call(
        self,
        call: ContractCall,
        gas: int | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> Sent:
        """Estimate (unless ``gas`` is given), sign and send a contract call.

        With ``idempotency_key``, a repeated call (even after a gateway restart, or from
        another process of the same data directory) resubmits the first call's signed
        transaction instead of estimating and signing a new one: the write is applied once.
        Raises :class:`ledger.errors.Conflict` when the key was used for a different call.
        """
        data = call._encode_transaction_data()
        tx: dict[str, Any] = {"to": call.address, "data": data, "value": 0}
        if idempotency_key is not None:
            with self._lock:
                known = self._known_locked(idempotency_key, call_digest(tx))
            if known is not None:
                tx["gas"] = gas  # None: estimated only if the journaled bytes are found dead
                return self.send(tx, idempotency_key=idempotency_key)
        tx["gas"] = gas if gas is not None else self.estimate(call)
        sent = self.send(tx, idempotency_key=idempotency_key)
        hook = _ON_SENT.get()
        if hook is not None and not sent.replayed:
            hook(sent)
        return sent

    def send(self, tx: dict[str, Any], *, idempotency_key: str | None = None) -> Sent:
        """Sign ``tx`` with the next nonce and send it (group-committed with concurrent sends)."""
        return self.send_many([tx], [idempotency_key])[0]

    def send_many(
        self,
        txs: Sequence[dict[str, Any]],
        idempotency_keys: Sequence[str | None] | None = None,
    ) -> list[Sent]:
        """Sign ``txs`` with consecutive nonces and send them in one batch; raises the first
        refusal after the others were sent (their nonces stay consistent).

        A transaction whose key is bound already is not signed again: its journaled bytes are
        resent (``Sent.replayed``). A nonce taken by another process of the same key is
        resolved here — re-read from the chain, re-signed, resent — never returned to the
        caller; so is a keyed transaction found dead (its nonce used by another transaction,
        no receipt of its own: it can never be mined), which is re-signed under the same key.
        """
        keys = list(idempotency_keys) if idempotency_keys is not None else [None] * len(txs)
        if len(keys) != len(txs):
            raise InvalidInput("idempotency_keys", "must match the transactions in length")
        digests = [
            call_digest(tx) if key is not None else None for tx, key in zip(txs, keys, strict=True)
        ]
        results: list[Sent | None] = [None] * len(txs)
        errors: list[LedgerError | None] = [None] * len(txs)
        dead: dict[int, bytes] = {}
        last_answer: dict[int, str] = {}  # why the nonce was taken, for the final refusal
        todo = list(range(len(txs)))
        txs = [dict(tx) for tx in txs]
        for attempt in range(NONCE_ATTEMPTS):
            for i in todo:  # a dead transaction sent as a replay has no gas of its own yet
                if i in dead and not txs[i].get("gas"):
                    txs[i]["gas"] = self._estimate_tx(txs[i])
            fees = self.fees.fields()
            items: dict[int, _Pending] = {}
            with self._lock:
                for i in todo:
                    key = keys[i]
                    known = None if i in dead else self._known_locked(key, digests[i])
                    if known is not None:
                        items[i] = _Pending(
                            known.nonce,
                            known.raw,
                            known.tx_hash,
                            key,
                            {},
                            True,
                            digest=known.digest,
                        )
                    elif not txs[i].get("gas") and "data" in txs[i]:
                        continue  # bound when checked, gone since: estimated next round
                    else:
                        items[i] = self._prepare(txs[i], fees, key, digests[i], dead.get(i) or None)
                self._queue.extend(items.values())
            for i in todo:
                if i not in items:
                    dead.setdefault(i, b"")
            self._flush_until(list(items.values()))
            todo = []
            for i, item in items.items():
                if item.nonce_used and self._dead(item.tx_hash, item.nonce):
                    dead[i] = bytes(item.tx_hash)  # its nonce went to another transaction
                    self._forget_key(item)
                    todo.append(i)
                elif item.nonce_conflict:
                    todo.append(i)  # another process of this key took the nonce: re-sign
                    last_answer[i] = str(item.error or "the key was bound by another process")
                elif item.error is not None:
                    errors[i] = item.error
                else:
                    results[i] = Sent(item.tx_hash, item.nonce, item.replay)
            if not todo:
                break
            if attempt:
                time.sleep(min(0.05 * attempt, 0.5))
        for i in todo:
            errors[i] = TransactionRejected(
                "the signing key's nonce kept moving under this gateway (another process is "
                "sending for the same member): nothing was applied, retry (after "
                f"{NONCE_ATTEMPTS} attempts; the last: {last_answer.get(i, 'no answer')[:300]})",
                sender=self._address,
            )
        for error in errors:
            if error is not None:
                raise error
        return [r for r in results if r is not None]

    def replay(self, key: str) -> Sent | None:
        """Resend the transaction already bound to ``key`` (its journaled bytes), whatever call
        it carries; None when no transaction is bound, or the bound one is dead (its nonce went
        to another transaction: the binding is dropped, the caller signs anew). For a write whose
        exact call is decided at its first attempt (a transfer at that moment's fee cap)."""
        with self._lock:
            known = self._known_locked(key, None)
        if known is None:
            return None
        item = _Pending(known.nonce, known.raw, known.tx_hash, key, {}, True, digest=known.digest)
        with self._lock:
            self._queue.append(item)
        self._flush_until([item])
        if item.error is not None:
            raise item.error
        if item.nonce_used and self._dead(item.tx_hash, item.nonce):
            self._forget_key(item)
            if self.journal is not None:
                self.journal.forget(self._address, item.nonce, bytes(item.tx_hash))
            return None
        return Sent(item.tx_hash, item.nonce, True)

    def unmined(self) -> list[JournalEntry]:
        """This sender's journaled transactions the chain has not mined yet — signed and sent
        (or about to be) by any process of this data directory, a nonce at or above the
        chain's latest — in nonce order; empty without a journal. They are what the chain will
        apply next: a check of what an account still allows (a financing's undrawn amount)
        that reads mined state only would let a second write past the first."""
        if self.journal is None:
            return []
        return self.journal.from_nonce(self._address, self._chain_nonce("latest"))

    async def asend_call(
        self,
        call: ContractCall,
        gas: int | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> Sent:
        """:meth:`send_call` for asyncio code (runs in a worker thread)."""
        return await asyncio.to_thread(self.send_call, call, gas, idempotency_key=idempotency_key)

    async def atransact(
        self,
        call: ContractCall,
        gas: int | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> TxReceipt:
        """:meth:`transact` for asyncio code (runs in a worker thread)."""
        return await asyncio.to_thread(self.transact, call, gas, idempotency_key=idempotency_key)

    # nonce allocation and signing: caller holds self._lock

    def _prepare(
        self,
        tx: dict[str, Any],
        fees: dict[str, int],
        key: str | None,
        digest: bytes | None,
        replaces: bytes | None,
    ) -> _Pending:
        if self._next_nonce is None:
            self._next_nonce = self._chain_nonce("pending")
        nonce = self._next_nonce
        full = {**tx, **fees, "nonce": nonce, "chainId": self.chain_id}
        raw = self.signer.sign_transaction(full)
        item = _Pending(nonce, raw, HexBytes(keccak(raw)), key, fees, digest=digest)
        item.replaces = replaces
        self._next_nonce = nonce + 1
        if key is not None:
            self._by_key[key] = item
        return item

    def _known_locked(self, key: str | None, digest: bytes | None) -> _Pending | None:
        """The transaction already bound to ``key`` (memory, else the journal), or None.
        Raises Conflict when the key is bound to a different call."""
        if key is None:
            return None
        found = self._by_key.get(key)
        if found is None or found.error is not None:
            found = None
            if self.journal is not None:
                entry = self.journal.by_key(self._address, key)
                if entry is not None:
                    found = _Pending(
                        entry.nonce,
                        entry.raw,
                        HexBytes(entry.tx_hash),
                        key,
                        {},
                        True,
                        digest=entry.call_digest,
                    )
                    found.done = True
                    self._by_key[key] = found
        if found is None:
            return None
        if digest is not None and found.digest is not None and found.digest != digest:
            raise key_reused(key.removeprefix("client:"))  # the key as the client sent it
        return found

    def _estimate_tx(self, tx: dict[str, Any]) -> int:
        """Gas for a raw call ``tx`` with margin (a revert raises its typed error)."""
        try:
            params: Any = {
                "from": self.address,
                "to": tx.get("to"),
                "data": tx.get("data", b""),
                "value": tx.get("value", 0),
            }
            gas = self.w3.eth.estimate_gas(params)
        except Exception as exc:
            raise translate(exc) from None
        return int(gas * GAS_MARGIN) + 10_000

    def _forget_key(self, item: _Pending) -> None:
        with self._lock:
            current = self._by_key.get(item.key) if item.key is not None else None
            if current is not None and item.key is not None and current.tx_hash == item.tx_hash:
                del self._by_key[item.key]

    def _dead(self, tx_hash: HexBytes, nonce: int) -> bool:
        """Whether a transaction the node answered "nonce too low" for can never be mined: a
        block holds its nonce (the latest nonce is past it) and the receipt is not its own.

        A node also answers "nonce too low" for bytes still in its pool (a replay racing the
        rebroadcast of ``recover``): those are pending, not dead. Re-signing them would send
        the write a second time, which reverts, and the caller would get that revert instead
        of its answer. The nonce is read first; a node may still publish the receipt of the
        block that used the nonce a moment after its nonce moved, so the receipt is looked for
        for up to DEAD_RECEIPT_GRACE seconds before the transaction is called dead (a rare
        path: it costs nothing when the node answers plainly)."""
        if self._chain_nonce("latest") <= nonce:
            return False
        deadline = time.monotonic() + DEAD_RECEIPT_GRACE
        while not self._mined(tx_hash):
            if time.monotonic() > deadline:
                return True
            time.sleep(0.05)
        return False

    def _mined(self, tx_hash: HexBytes) -> bool:
        """Whether the chain has a receipt for ``tx_hash``."""
        try:
            if self.rpc is not None:
                answer = self.rpc.receipts([tx_hash])[0]
                if isinstance(answer, RpcError):
                    raise RpcFailure(answer)
                return answer is not None
            self.w3.eth.get_transaction_receipt(tx_hash)
        except TransactionNotFound:
            return False
        except Exception as exc:
            raise translate(exc) from None
        return True

    # the wire: whoever holds the flush lock sends everything queued, in nonce order

    def _flush_until(self, items: Sequence[_Pending]) -> None:
        while not all(item.done for item in items):
            with self._flush_lock:
                with self._lock:
                    batch, self._queue = self._queue, []
                if batch:
                    self._dispatch(batch)

    def _dispatch(self, batch: list[_Pending]) -> None:
        fresh = [item for item in batch if not item.replay]
        taken: list[_Pending] = []  # keys bound meanwhile by another process: not sent
        try:
            if self.journal is not None and fresh:
                bound = self.journal.record(
                    [
                        JournalEntry(
                            self._address,
                            i.nonce,
                            bytes(i.tx_hash),
                            i.raw,
                            i.key,
                            i.digest,
                            i.replaces,
                        )
                        for i in fresh
                    ]
                )
                taken = [item for item, other in zip(fresh, bound, strict=True) if other]
                if taken:
                    batch = [item for item in batch if item not in taken]
            answers = self._send_raw([item.raw for item in batch])
        except Exception as exc:
            # the node may or may not have them: keep the journal (recover() rebroadcasts, a
            # retry with the same idempotency key resends the same bytes), re-read the nonce
            error = translate(exc)
            for item in batch:
                item.error, item.done = error, True
            self.resync()
            return
        for item in taken:
            item.done, item.nonce_conflict = True, True
        refused: list[_Pending] = []
        nonce_error = False
        for item, answer in zip(batch, answers, strict=True):
            item.done = True
            if answer is None or _already_known(answer):
                continue
            if item.replay and _nonce_used(answer):
                item.nonce_used = True  # mined already — or dead: send_many looks
                continue
            item.error = translate(answer)
            if not item.replay:
                refused.append(item)
                if _nonce_used(answer) or _nonce_gap(answer):
                    nonce_error = item.nonce_conflict = True
        if refused or taken:
            self._refused(refused + taken, nonce_error)
        self._since_prune += len(fresh)
        if self.journal is not None and self._since_prune >= PRUNE_EVERY:
            self._since_prune = 0
            try:
                confirmed = self._chain_nonce("latest")
            except LedgerError:
                return
            self.journal.prune(self._address, confirmed, IDEMPOTENCY_RETENTION)
            with self._lock:  # keyed entries stay in the journal; memory keeps recent ones
                if len(self._by_key) > PRUNE_EVERY:
                    for key in [k for k, v in self._by_key.items() if v.nonce < confirmed]:
                        del self._by_key[key]

    def _send_raw(self, raws: list[bytes]) -> list[BaseException | None]:
        """Send raw transactions; per transaction, None or the node's refusal."""
        if self.raw_sender is not None:
            return self.raw_sender(raws)
        if self.rpc is not None:
            return [
                RpcFailure(a) if isinstance(a, RpcError) else None
                for a in self.rpc.send_raw_transactions(raws)
            ]
        out: list[BaseException | None] = []
        for raw in raws:
            try:
                self.w3.eth.send_raw_transaction(raw)
            except _CONNECTION_ERRORS:
                raise
            except Exception as exc:
                out.append(exc)
            else:
                out.append(None)
        return out

    def _refused(self, refused: list[_Pending], nonce_error: bool) -> None:
        """Give the nonces of refused transactions back without leaving a gap."""
        with self._lock:
            for item in refused:
                if item.key is not None and self._by_key.get(item.key) is item:
                    del self._by_key[item.key]
            if self.journal is not None:
                for item in refused:  # (a key taken by another process wrote no row)
                    self.journal.forget(self._address, item.nonce, bytes(item.tx_hash))
            if nonce_error or self._next_nonce is None:
                self._next_nonce = None  # another process used this key: re-read the chain
                return
            holes = sorted(item.nonce for item in refused)
            while holes and holes[-1] == self._next_nonce - 1:
                self._next_nonce = holes.pop()  # nothing sent after it: reuse the nonce
            fillers = [self._filler(nonce, refused[0].fees) for nonce in holes]
        if fillers:
            answers = self._send_raw(fillers)
            if any(a is not None and not _already_known(a) for a in answers):
                with self._lock:
                    self._next_nonce = None

    def _filler(self, nonce: int, fees: dict[str, int]) -> bytes:
        tx = {"to": self._address, "value": 0, "gas": 21_000, "data": b"", **fees}
        return self.signer.sign_transaction({**tx, "nonce": nonce, "chainId": self.chain_id})

    def _chain_nonce(self, block: str) -> int:
        try:
            if self.rpc is not None:
                if block == "pending":
                    return self.rpc.pending_nonce(self._address)
                return self.rpc.latest_nonce(self._address)
            return int(self.w3.eth.get_transaction_count(self._address, block))  # type: ignore[arg-type]
        except Exception as exc:
            raise translate(exc) from None

    def resync(self) -> None:
        """Forget the local nonce: the next send reads it from the chain."""
        with self._lock:
            self._next_nonce = None

    def recover(self) -> int:
        """Rebroadcast journaled transactions whose nonce the chain has not used yet (after a
        restart with transactions in flight); returns how many were rebroadcast."""
        if self.journal is None:
            return 0
        with self._flush_lock, self._lock:
            confirmed = self._chain_nonce("latest")
            entries = self.journal.from_nonce(self._address, confirmed)
            self.journal.prune(self._address, confirmed, IDEMPOTENCY_RETENTION)
            if entries:
                answers = self._send_raw([entry.raw for entry in entries])
                for entry, answer in zip(entries, answers, strict=True):
                    if answer is None or _already_known(answer):
                        continue
                    if _nonce_used(answer) and not self._dead(HexBytes(entry.tx_hash), entry.nonce):
                        continue  # mined, or pending, since the nonce was read
                    # refused: never accepted, so its bytes can never be mined; a retry of its
                    # key signs anew
                    self.journal.forget(self._address, entry.nonce, entry.tx_hash)
            self._next_nonce = None
        return len(entries)

    # -- receipts -------------------------------------------------------------------------

    def wait(self, sent: Sent, replay: ContractCall | None = None) -> TxReceipt:
        """Wait for the receipt; status 0 becomes the typed error (replaying ``replay``)."""
        if self.rpc is not None:
            result = self._wait_rpc([sent.tx_hash])[0]
            if isinstance(result, LedgerError):
                raise result
            receipt = result
        else:
            receipt = wait_for_receipt(self.w3, sent.tx_hash, self.receipt_timeout)
        if receipt["status"] != 1:
            raise self._revert_error(receipt, replay)
        return receipt

    def wait_many(
        self,
        sents: Sequence[Sent],
        replays: Sequence[ContractCall | None] | None = None,
    ) -> list[TxReceipt | LedgerError]:
        """Receipts of many transactions, polled in batches over JSON-RPC; a status-0 receipt
        or a missing one is returned as its error instead."""
        replays = list(replays) if replays is not None else [None] * len(sents)
        if self.rpc is not None:
            results = self._wait_rpc([s.tx_hash for s in sents])
        else:
            results = []
            for sent in sents:
                try:
                    results.append(wait_for_receipt(self.w3, sent.tx_hash, self.receipt_timeout))
                except LedgerError as exc:
                    results.append(exc)
        out: list[TxReceipt | LedgerError] = []
        for result, replay in zip(results, replays, strict=True):
            if not isinstance(result, LedgerError) and result["status"] != 1:
                out.append(self._revert_error(result, replay))
            else:
                out.append(result)
        return out

    def _wait_rpc(self, hashes: list[HexBytes]) -> list[TxReceipt | LedgerError]:
        """Receipts from the waiter this transactor's threads share (one poll for all of them,
        :mod:`ledger.receiptwait`); a hash not mined within ``receipt_timeout`` is
        ChainUnavailable."""
        found = self._receipts.wait(hashes, self.receipt_timeout)
        return [
            found.get(HexBytes(h))
            or ChainUnavailable(
                f"no receipt for {h.to_0x_hex()} after {self.receipt_timeout:.0f}s",
                tx_hash=h.to_0x_hex(),
            )
            for h in hashes
        ]

    def _poll_receipts(self, hashes: list[HexBytes]) -> list[TxReceipt | LedgerError | None]:
        assert self.rpc is not None
        return [
            translate(RpcFailure(answer)) if isinstance(answer, RpcError) else answer
            for answer in self.rpc.receipts(hashes)
        ]

    def transact(
        self,
        call: ContractCall,
        gas: int | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> TxReceipt:
        """Send ``call`` and wait for its successful receipt."""
        sent = self.send_call(call, gas, idempotency_key=idempotency_key)
        return self.wait(sent, replay=call)

    def _revert_error(self, receipt: TxReceipt, replay: ContractCall | None) -> LedgerError:
        if replay is not None:
            # the state before the block, then after it (when an earlier transaction of the
            # same block caused the revert, e.g. the same document twice in one block)
            mined = int(receipt["blockNumber"])
            for block in (max(mined - 1, 0), mined):
                try:
                    replay.call({"from": self.address}, block_identifier=block)
                except Exception as exc:
                    return translate(exc)
        return UnknownRevert("0x")


def wait_for_receipt(w3: Web3, tx_hash: HexBytes, timeout: float) -> TxReceipt:
    """Poll for a receipt with a bounded loop; an unreachable node is ChainUnavailable."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    # the embedded chain's provider shapes a receipt without web3's generic formatters
    direct: Callable[[bytes], TxReceipt | None] | None = getattr(w3.provider, "receipt", None)
    while True:
        try:
            if direct is not None:
                if (found := direct(bytes(tx_hash))) is not None:
                    return found
            else:
                return w3.eth.get_transaction_receipt(tx_hash)
        except TransactionNotFound:
            pass
        except Exception as exc:
            raise translate(exc) from None
        if time.monotonic() > deadline:
            raise ChainUnavailable(
                f"no receipt for {tx_hash.to_0x_hex()} after {timeout:.0f}s",
                tx_hash=tx_hash.to_0x_hex(),
            )
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def _already_known(exc: BaseException | None) -> bool:
    text = str(exc).lower()
    return (
        "already known" in text
        or "known transaction" in text
        or "already imported" in text
        or "transaction_already_known" in text
    )


def _nonce_used(exc: BaseException | None) -> bool:
    """The node says this nonce is already used (mined, or another process's transaction)."""
    text = str(exc).lower()
    return (
        "nonce too low" in text
        or "nonce_too_low" in text
        or "invalid transaction nonce" in text  # py-evm
        or "replacement transaction underpriced" in text
    )


def _nonce_gap(exc: BaseException | None) -> bool:
    text = str(exc).lower()
    return "nonce too high" in text or "nonce_too_high" in text


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
    if isinstance(exc, TesterValidationError | EVMValidationError):  # eth-tester / py-evm
        return TransactionRejected(f"the node refused the transaction: {exc}")
    if isinstance(exc, Web3RPCError | RpcFailure):
        data = revert_data_from_exception(exc)
        if data is not None and len(data) >= 4 and "revert" in str(exc).lower():
            return decode_revert(data)
        return TransactionRejected(f"the node refused the transaction: {exc}")
    return LedgerError(f"unexpected chain error: {type(exc).__name__}: {exc}")


def _entry(sender: str, row: Any) -> JournalEntry:
    """A journal entry of ``sender`` from a ``signed_tx`` row read as (nonce, tx_hash, raw,
    idem_key, call_digest)."""
    digest = bytes(row[4]) if row[4] is not None else None
    return JournalEntry(sender, int(row[0]), bytes(row[1]), bytes(row[2]), row[3], digest)
