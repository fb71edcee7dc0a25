"""Group commit: the writes of threads that arrive together, committed in one transaction.

SQLite lets one writer in at a time. A served gateway's requests each wrote their rows in a
transaction of their own (an idempotency binding, a received file, the fingerprint-check log,
the final answer: three or four commits per registration), one after the other, every commit
synced to disk (``synchronous=FULL``); under eight concurrent clients a quarter of a
registration's time was waiting for the writer's turn (issue #16, the REST profile).

Here a thread hands its write over as a function of a session. Whoever takes the writer's turn
runs every write waiting at that moment in one transaction and commits once; the others find
theirs done when their turn comes (the leader/follower scheme of database group commit). Each
caller still gets its own result or its own error, and no write is committed before its caller
asked: a write's rows are durable when :meth:`GroupCommit.run` returns, as before.

A write that fails (a domain refusal, a unique-key race with another process) must not take
the others with it: when a group's transaction fails, its writes are run again one by one, each
in its own transaction, so only the failing one fails, with the error it would have had alone.
A write function must therefore only touch the session it is given (no other side effects): it
may run twice, the first time rolled back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from sqlalchemy.orm import Session

T = TypeVar("T")

log = logging.getLogger(__name__)


@dataclass(eq=False)
class _Write(Generic[T]):
    write: Callable[[Session], T]
    result: T | None = None
    error: BaseException | None = None
    done: bool = False
    #: nobody waits for it (:meth:`GroupCommit.defer`)
    deferred: bool = False


class GroupCommit:
    """Runs write functions ``(Session) -> T`` in shared transactions (see the module).

    ``grouped=False`` (PostgreSQL, which lets writers in together): each write in its own
    transaction, as it comes. ``commits`` and ``writes`` count what was committed (for the
    tests and the benchmark)."""

    def __init__(self, sessions: Callable[[], Session], grouped: bool = True) -> None:
        self._sessions = sessions
        self._grouped = grouped
        self._turn = threading.Lock()
        self._waiting_lock = threading.Lock()
        self._waiting: list[_Write[Any]] = []
        self.commits = 0
        self.writes = 0

    def run(self, write: Callable[[Session], T]) -> T:
        """Run ``write`` in a transaction and commit it; returns its result or raises its
        error (after the rollback). The rows are committed when this returns."""
        if not self._grouped:
            return self._alone(write)
        item: _Write[T] = _Write(write)
        with self._waiting_lock:
            self._waiting.append(item)
        with self._turn:
            if not item.done:  # not taken by the leader before us: lead, with whoever waits
                self._lead()
        if item.error is not None:
            raise item.error
        return cast(T, item.result)

    def defer(self, write: Callable[[Session], object]) -> None:
        """Commit ``write`` with the next group any caller's :meth:`run` leads (or at
        :meth:`flush`), without waiting for it: for a write whose loss costs only work done
        again (a cache), which so shares the commit — and the fsync — of the write its caller
        makes next instead of adding one. Not durable when this returns; its error is dropped
        (logged), never another write's. Without grouping (PostgreSQL) it is run now."""
        if not self._grouped:
            try:
                self._alone(write)
            except Exception as exc:
                log.warning("a deferred write failed: %s", exc)
            return
        with self._waiting_lock:
            self._waiting.append(_Write(write, deferred=True))

    def flush(self) -> None:
        """Commit the writes waiting now (the deferred ones: :meth:`defer`)."""
        with self._turn:
            self._lead()

    def _lead(self) -> None:
        """Take every write waiting and commit them (the caller holds the writer's turn); a
        deferred one's error, which nobody waits for, is logged."""
        with self._waiting_lock:
            group, self._waiting = self._waiting, []
        if not group:
            return
        self._commit(group)
        for item in group:
            if item.deferred and item.error is not None:
                log.warning("a deferred write failed: %s", item.error)

    def _alone(self, write: Callable[[Session], T]) -> T:
        with self._sessions() as s, s.begin():
            result = write(s)
        self.commits += 1
        self.writes += 1
        return result

    def _commit(self, group: list[_Write[Any]]) -> None:
        try:
            if len(group) > 1 and self._together(group):
                return
            for item in group:
                try:
                    item.result = self._alone(item.write)
                except Exception as exc:  # its own error, for its own caller
                    item.error = exc
                item.done = True
        finally:
            for item in group:  # interrupted (KeyboardInterrupt…): nobody waits forever
                if not item.done:
                    item.error = RuntimeError("the write was interrupted before its commit")
                    item.done = True

    def _together(self, group: list[_Write[Any]]) -> bool:
        """One transaction for the whole group; False (rolled back) when any write failed."""
        try:
            with self._sessions() as s, s.begin():
                results = [item.write(s) for item in group]
        except Exception:
            return False
        for item, result in zip(group, results, strict=True):
            item.result, item.done = result, True
        self.commits += 1
        self.writes += len(group)
        return True
