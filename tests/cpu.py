"""CPU seconds one piece of work took on the calling thread: the bound a hostile input must meet.

A reader refusing a bomb, a scanner in linear time, a fuzzed file read: each promises that one
input costs the gateway a bounded amount of work. Wall-clock time measures the machine's load as
well (CI runs two suites on two cores), and ``time.process_time`` adds every thread of the test
process, including a served gateway's or an indexer's still running from an earlier test. This
module counts the calling thread's CPU only (``time.thread_time``, CLOCK_THREAD_CPUTIME_ID)::

    with cpu_seconds() as spent:
        read_document(data)
    assert spent.seconds < 2.0, spent

The readers run on the calling thread (lxml, pypdf and json do not start threads), so the count
is all the work the input caused.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class Spent:
    """CPU seconds the calling thread spent inside a ``cpu_seconds`` block (set when it ends)."""

    seconds: float = 0.0

    def __str__(self) -> str:
        return f"{self.seconds:.2f} CPU s on the reading thread"


@contextmanager
def cpu_seconds() -> Iterator[Spent]:
    """Count the calling thread's CPU seconds inside the block, also when it raises."""
    spent = Spent()
    started = time.thread_time()
    try:
        yield spent
    finally:
        spent.seconds = time.thread_time() - started
