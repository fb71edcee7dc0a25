"""The threads waiting for receipts share one poll (``ledger.receiptwait``): each gets its own
receipt, a hash not mined in time is missing, and a node error reaches the thread that polled."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest
from hexbytes import HexBytes

from ledger.receiptwait import ReceiptWaiter


class Node:
    """A node that mines every hash sent to it ``block_time`` seconds after the first poll for
    it, and counts the polls (one JSON-RPC batch each) and the hashes asked."""

    def __init__(self, block_time: float) -> None:
        self.block_time = block_time
        self.polls = 0
        self.asked = 0
        self._seen: dict[HexBytes, float] = {}
        self._lock = threading.Lock()

    def poll(self, hashes: list[HexBytes]) -> Sequence[str | None]:
        now = time.monotonic()
        with self._lock:
            self.polls += 1
            self.asked += len(hashes)
            for h in hashes:
                self._seen.setdefault(h, now)
            return [
                f"receipt of {h.hex()}" if now - self._seen[h] >= self.block_time else None
                for h in hashes
            ]


def tx(i: int) -> HexBytes:
    return HexBytes(i.to_bytes(32, "big"))


def test_many_threads_share_the_polls_and_each_gets_its_own_receipt() -> None:
    node = Node(block_time=0.3)
    waiter: ReceiptWaiter[str] = ReceiptWaiter(node.poll)
    got: dict[int, dict[HexBytes, str]] = {}

    def wait(i: int) -> None:
        got[i] = waiter.wait([tx(i), tx(1000 + i)], timeout=10)

    threads = [threading.Thread(target=wait, args=(i,)) for i in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert all(
        got[i]
        == {tx(i): f"receipt of {tx(i).hex()}", tx(1000 + i): f"receipt of {tx(1000 + i).hex()}"}
        for i in range(64)
    )
    # alone, each of 64 threads polls about 7 times in 0.3 s (5, 10, 20 … ms apart): 450 polls
    assert node.polls < 120, node.polls


def test_a_hash_not_mined_in_time_is_missing_and_the_others_are_there() -> None:
    node = Node(block_time=0.05)

    def poll(hashes: list[HexBytes]) -> Sequence[str | None]:
        answers = node.poll(hashes)
        return [None if h == tx(7) else a for h, a in zip(hashes, answers, strict=True)]

    waiter: ReceiptWaiter[str] = ReceiptWaiter(poll)
    found = waiter.wait([tx(6), tx(7)], timeout=0.5)
    assert set(found) == {tx(6)}


def test_a_node_error_reaches_the_thread_that_polled_and_the_next_poll_goes_on() -> None:
    calls: list[int] = []

    def poll(hashes: list[HexBytes]) -> Sequence[str | None]:
        calls.append(len(hashes))
        if len(calls) == 1:
            raise ConnectionError("node down")
        return ["mined"] * len(hashes)

    waiter: ReceiptWaiter[str] = ReceiptWaiter(poll)
    with pytest.raises(ConnectionError):
        waiter.wait([tx(1)], timeout=5)
    assert waiter.wait([tx(1)], timeout=5) == {tx(1): "mined"}


def test_nothing_is_kept_once_no_thread_waits() -> None:
    node = Node(block_time=0)
    waiter: ReceiptWaiter[str] = ReceiptWaiter(node.poll)
    for i in range(100):
        assert tx(i) in waiter.wait([tx(i)], timeout=5)
    assert not waiter._found
    assert not waiter._wanted
