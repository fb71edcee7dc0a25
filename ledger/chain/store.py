"""A key-value store on disk for py-evm's chain database, committed one whole block at a time.

py-evm writes trie nodes, headers, receipts and indexes to a plain key-value interface. This
store keeps the writes of the block being built in memory and writes them to SQLite in one
transaction when the block is sealed (``commit``). A crash (``kill -9``) at any point leaves the
file at the last sealed block: never half a block, never a block without its state.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Literal

from eth.db.backends.base import BaseDB

from ledger.datadir import private_sqlite

SyncMode = Literal["full", "normal"]

_DELETED = object()


class BlockCommitStore(BaseDB):
    """py-evm ``BaseDB`` over one SQLite table ``kv(k BLOB PRIMARY KEY, v BLOB)``."""

    def __init__(self, path: Path, sync: SyncMode = "full") -> None:
        self.path = path
        private_sqlite(path)
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        # full: a sealed block survives power loss; normal: survives a process crash (kill -9)
        self._conn.execute(f"PRAGMA synchronous={'FULL' if sync == 'full' else 'NORMAL'}")
        self._conn.execute("CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB NOT NULL)")
        self._pending: dict[bytes, object] = {}
        self._lock = threading.RLock()

    # -- BaseDB interface ------------------------------------------------------------------

    def __getitem__(self, key: bytes) -> bytes:
        with self._lock:
            pending = self._pending.get(key)
            if pending is _DELETED:
                raise KeyError(key)
            if pending is not None:
                return pending  # type: ignore[return-value]
            row = self._conn.execute("SELECT v FROM kv WHERE k = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return bytes(row[0])

    def __setitem__(self, key: bytes, value: bytes) -> None:
        with self._lock:
            self._pending[key] = bytes(value)

    def __delitem__(self, key: bytes) -> None:
        with self._lock:
            if not self._exists(key):
                raise KeyError(key)
            self._pending[key] = _DELETED

    def _exists(self, key: bytes) -> bool:
        try:
            self[key]
        except KeyError:
            return False
        return True

    # -- block commits ---------------------------------------------------------------------

    def commit(self) -> None:
        """Write everything since the last commit in one SQLite transaction."""
        with self._lock:
            if not self._pending:
                return
            upserts = [(k, v) for k, v in self._pending.items() if v is not _DELETED]
            deletes = [(k,) for k, v in self._pending.items() if v is _DELETED]
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", upserts)
                self._conn.executemany("DELETE FROM kv WHERE k = ?", deletes)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            self._pending.clear()

    def discard(self) -> None:
        """Forget writes since the last commit."""
        with self._lock:
            self._pending.clear()

    def close(self) -> None:
        with self._lock:
            self._conn.close()
