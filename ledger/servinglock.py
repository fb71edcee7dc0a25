"""Whether a gateway is serving a data directory, on any chain: a lock its process holds.

``tradeledger index rebuild`` drops and rewrites the audit index that a serving gateway's
follower writes, so it must not run beside one. The embedded chain's gateway says it serves in
``DATA_DIR/node.json`` (its bridge's address); a gateway on a JSON-RPC network has no bridge,
so a rebuild beside it was not refused (a tryout). Every serving gateway now holds a **shared**
``flock`` on ``DATA_DIR/serving.lock`` for as long as it serves (:func:`serving`), and a
rebuild takes it **exclusively** or is refused (:func:`alone`); a gateway started while a
rebuild runs is refused the same way. The kernel drops the lock with the process, so a gateway
killed with ``kill -9`` leaves nothing behind to clear.

Errors: :class:`ledger.errors.LedgerStateError` (HTTP 409 ``ledger_state``, CLI exit 1).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from ledger.datadir import private_dir
from ledger.errors import LedgerStateError

#: the lock file, in the data directory (mode 0600, empty)
SERVING_FILE = "serving.lock"


@contextlib.contextmanager
def _locked(data_dir: Path, mode: int, refusal: str) -> Iterator[None]:
    private_dir(data_dir)
    fd = os.open(data_dir / SERVING_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LedgerStateError(refusal, data_dir=str(data_dir)) from None
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextlib.contextmanager
def serving(data_dir: Path) -> Iterator[None]:
    """Hold the data directory as served while inside (shared: several gateways may serve it).

    Raises ``LedgerStateError`` when a rebuild of its index holds it (:func:`alone`)."""
    refusal = (
        f"the index of {data_dir} is being rebuilt (`tradeledger index rebuild`): serve it "
        "when the rebuild has ended"
    )
    with _locked(data_dir, fcntl.LOCK_SH, refusal):
        yield


@contextlib.contextmanager
def alone(data_dir: Path, what: str) -> Iterator[None]:
    """Hold the data directory so that no gateway serves it while inside; ``what`` names the
    work in the refusal (``rebuilding its index``).

    Raises ``LedgerStateError`` when a gateway serves it (:func:`serving`), or another
    ``alone`` holds it."""
    refusal = (
        f"a gateway is serving {data_dir}, or another command holds it: stop the gateway "
        f"before {what} — its follower writes the same index"
    )
    with _locked(data_dir, fcntl.LOCK_EX, refusal):
        yield
