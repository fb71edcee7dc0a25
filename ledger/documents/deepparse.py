"""The garbage collector paused while a library parses an untrusted file by recursion.

pypdf parses a nested dictionary or array by recursion and has no depth limit of its own: it
stops at the interpreter's recursion limit (pypdf turns the RecursionError into a read error,
and the gateway reads the file as raw). py-evm raises that limit to 100,000 in every process
that imports it — the gateway's —, so a PDF nesting 50,000 levels holds a request's stack within
a few frames of it. A collection the interpreter starts in that window (any allocation may start
one) runs every pending finaliser of unreachable objects — a generator's ``finally``, a database
session's close, another request's — with no stack left: each fails with RecursionError and is
dropped ("Exception ignored in …"), leaking what it would release. A full test run saw it
(``tests/documents/test_doc_fuzz.py``, hostile PDFs; ``tests/documents/test_pdf_deep_parse.py``).

:func:`collection_paused` disables automatic collection while such a parse runs — in any thread:
the collector is the process's — and enables it again when the last parse in flight ends (if it
was enabled before the first). Objects freed by reference counting are freed as always; only the
cycle collector waits, for the length of a parse bounded by the reader's size limits
(``ledger.documents.facturx.MAX_PDF_BYTES``). Lowering the recursion limit instead would be
process-wide too, and would break py-evm's deep calls in other threads.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
#: parses in flight, and whether the collector was enabled when the first began
_in_flight = 0
_was_enabled = False


@contextmanager
def collection_paused() -> Iterator[None]:
    """No automatic garbage collection while the block runs (nor while another thread's does):
    for a library's recursive parse of an untrusted file (module docstring)."""
    global _in_flight, _was_enabled
    with _lock:
        if _in_flight == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _in_flight += 1
    try:
        yield
    finally:
        with _lock:
            _in_flight -= 1
            if _in_flight == 0 and _was_enabled:
                gc.enable()
