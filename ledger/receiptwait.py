"""One poll for every thread waiting for receipts of one node.

Every write waits for its transaction's receipt. Each waiting thread polling the node on its own
sends one ``eth_getTransactionReceipt`` batch per thread per tick: 8 threads, 8 polls; the 64
registrations a gateway lets run on after their 202 (``Prefer: respond-async``), 64 polls a tick
for as long as a block takes (1–5 s on a QBFT network). Here the threads share the polls: one
of them (whichever is due first) asks the node for every hash any of them waits for, in one
batch, and hands each its receipt. A new transaction is polled for at once; then 5 ms after a
poll that found a receipt, doubling to 100 ms while none comes (the pace one thread kept alone).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from hexbytes import HexBytes

__all__ = ["FIRST_DELAY", "LAST_DELAY", "ReceiptWaiter"]

#: seconds between polls right after one found a receipt (the pace doubles while none comes)
FIRST_DELAY = 0.005
#: the slowest pace (seconds)
LAST_DELAY = 0.1

R = TypeVar("R")


class ReceiptWaiter(Generic[R]):
    """Receipts of many threads' transactions from one shared poll.

    ``poll(hashes)`` asks the node for ``hashes`` at once: per hash, its answer (a receipt, or
    an error object the waiter returns as it is) or None when it is not mined yet. An exception
    ``poll`` raises is raised to the thread that polled; the others poll again."""

    def __init__(self, poll: Callable[[list[HexBytes]], Sequence[R | None]]) -> None:
        self._poll = poll
        self._cond = threading.Condition()
        self._wanted: Counter[HexBytes] = Counter()
        self._found: dict[HexBytes, R] = {}
        self._polling = False
        self._next_poll = 0.0
        self._delay = FIRST_DELAY

    def wait(self, hashes: Sequence[HexBytes], timeout: float) -> dict[HexBytes, R]:
        """The answers found for ``hashes`` within ``timeout`` seconds (a hash not mined by
        then is missing from the result)."""
        wanted = [HexBytes(h) for h in hashes]
        deadline = time.monotonic() + timeout
        with self._cond:
            self._wanted.update(wanted)
            # a new transaction: polled for at once, then at the first pace again
            self._delay = FIRST_DELAY
            self._next_poll = min(self._next_poll, time.monotonic())
        try:
            while True:
                with self._cond:
                    if all(h in self._found for h in wanted):
                        return {h: self._found[h] for h in wanted}
                    now = time.monotonic()
                    if now >= deadline:
                        return {h: self._found[h] for h in wanted if h in self._found}
                    if self._polling or now < self._next_poll:
                        # another thread is polling for us, or the next poll is not due
                        self._cond.wait(min(deadline, max(self._next_poll, now + 0.001)) - now)
                        continue
                    self._polling = True
                    todo = [h for h in self._wanted if h not in self._found]
                try:
                    answers = self._poll(todo)
                except BaseException:
                    with self._cond:
                        self._polling = False
                        self._next_poll = time.monotonic() + self._delay
                        self._cond.notify_all()
                    raise
                with self._cond:
                    found_any = False
                    for h, answer in zip(todo, answers, strict=True):
                        if answer is not None:
                            self._found[h] = answer
                            found_any = True
                    self._delay = FIRST_DELAY if found_any else min(self._delay * 2, LAST_DELAY)
                    self._next_poll = time.monotonic() + self._delay
                    self._polling = False
                    self._cond.notify_all()
        finally:
            with self._cond:
                self._wanted.subtract(wanted)
                for h in wanted:
                    if self._wanted[h] <= 0:
                        del self._wanted[h]
                        self._found.pop(h, None)
