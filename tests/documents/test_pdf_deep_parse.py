"""No garbage collection runs while a hostile PDF holds the stack near its limit.

pypdf parses a nested dictionary or array by recursion, with no depth limit of its own: a PDF
nesting 50,000 levels takes the parse within a few frames of the interpreter's recursion limit
(py-evm raises it to 100,000) before pypdf gives up and the gateway reads the file as raw. A
collection that the interpreter starts in that window runs every pending finaliser (a
generator's ``finally``, a session's close) with no stack left: each fails with RecursionError,
"Exception ignored". A full test run saw it (``test_doc_fuzz.py``, hostile PDFs: unraisable
exception warnings, once in five runs); a gateway would leak what those finalisers release. The
reader pauses the collector while pypdf parses (``ledger.documents.deepparse``)."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import eth  # noqa: F401  (py-evm: the gateway imports it, and it raises the recursion limit)
from documents_support import minimal_pdf

from ledger.documents.detect import read_document

#: deeper than this, a collection starting is in the hostile parse's window
SHALLOW = 2_000


def _deep_pdf(depth: int) -> bytes:
    """A PDF whose name tree nests ``depth`` dictionaries (the fuzz test's ``deep-dict``)."""
    nest = b"<< /A " * depth + b"1" + b" >>" * depth
    return minimal_pdf(
        [b"<< /Type /Catalog /Names << /EmbeddedFiles << /Names " + nest + b" >> >> >>"]
    )


def _depth(frame: FrameType | None) -> int:
    n = 0
    while frame is not None and n <= SHALLOW:
        frame, n = frame.f_back, n + 1
    return n


@contextmanager
def _collections_at_depth() -> Iterator[list[int]]:
    """The stack depth (capped at :data:`SHALLOW` + 1) at which each collection starts, with
    the collector made eager (a collection every few allocations)."""
    seen: list[int] = []

    def started(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            seen.append(_depth(sys._getframe(1)))

    threshold = gc.get_threshold()
    gc.collect()
    gc.callbacks.append(started)
    gc.set_threshold(50, 1, 1)
    try:
        yield seen
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks.remove(started)


def test_no_collection_starts_while_a_deep_pdf_is_parsed() -> None:
    assert sys.getrecursionlimit() >= 100_000  # the gateway's, as py-evm sets it
    data = _deep_pdf(50_000)
    with _collections_at_depth() as seen:
        read_document(data)
    assert seen, "the eager collector ran no collection at all: the check proves nothing"
    assert max(seen) <= SHALLOW, f"a collection started {max(seen)}+ frames deep"
    assert gc.isenabled()


def test_the_check_sees_a_collection_deep_in_a_recursion() -> None:
    """The control: a collection the interpreter starts deep in a recursion is seen."""

    def down(n: int) -> int:
        if n == 0:
            return len([[] for _ in range(200)])  # allocations: the eager collector runs
        return down(n - 1)

    with _collections_at_depth() as seen:
        down(5_000)
    assert max(seen) > SHALLOW
