"""Mine what anvil's automine left in its pool: a watch beside every anvil the tests start.

anvil seals a block per arriving transaction while automine is on, but now and then leaves
ready transactions of a burst in its pool until the next transaction arrives (its miner misses
their "ready" notice: foundry-rs/foundry#10122; and a burst beyond one block's gas limit keeps
its tail there). A test that sends a burst and then only waits waits in vain: CI failed so on
``tests/tx/test_transactor.py::test_send_many_batches_and_wait_many_polls[anvil]`` (60
transactions, the first three mined, the rest still pending after 120 s). A QBFT network seals a
block every period and cannot strand a transaction this way; the gateway's code is not at fault,
the dev node is, so the remedy lives here, beside the node the tests run.

:class:`StrandWatch` looks at the node once a ``period`` (seconds): when ready transactions
(``txpool_status.pending``) sat in the pool across two looks with automine on and no block
sealed between them, it mines one block (``evm_mine``) and counts it in the figure
``anvil: stranded pools mined`` (printed at the end of the run). A node with automine off (a
test holding transactions on purpose, ``evm_setAutomine false``; interval mining) is left
alone, as are queued transactions (a nonce gap no block can close).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

#: the figure counting blocks the watch mined (see the module docstring)
FIGURE = "anvil: stranded pools mined"

Rpc = Callable[[str, "list[object] | None"], object]


class StrandWatch:
    """A daemon thread mining ready transactions anvil's automine left in its pool.

    ``rpc(method, params)`` is one JSON-RPC call to the node (it may raise ``OSError`` or
    ``RuntimeError`` while the node starts or stops: that look is skipped). ``period`` is in
    seconds. :attr:`mined` counts the blocks it mined.
    """

    def __init__(self, rpc: Rpc, period: float = 1.0) -> None:
        self._rpc = rpc
        self._period = period
        self._stopped = threading.Event()
        self._seen: tuple[int, int] | None = None  # (ready transactions, head block) last look
        self.mined = 0
        self._thread = threading.Thread(target=self._run, name="anvil-strand-watch", daemon=True)

    def start(self) -> StrandWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop looking (bounded: waits at most one look plus the RPC timeout)."""
        self._stopped.set()
        self._thread.join(timeout=15)

    def _run(self) -> None:
        while not self._stopped.wait(self._period):
            try:
                self._look()
            except (OSError, RuntimeError, ValueError, KeyError, TypeError):
                self._seen = None  # the node is starting, stopping or busy: look again later

    def _automine(self) -> bool:
        return self._rpc("anvil_getAutomine", None) is True

    def _look(self) -> None:
        status = self._rpc("txpool_status", None)
        assert isinstance(status, dict)
        ready = int(str(status["pending"]), 16)
        if not ready or not self._automine():
            self._seen = None
            return
        seen = (ready, int(str(self._rpc("eth_blockNumber", None)), 16))
        if seen != self._seen:
            self._seen = seen  # new, or the node is still sealing: look again next period
            return
        # the same ready transactions a whole period later, no block between: stranded (asked
        # once more right before mining, so a test that just turned automine off keeps its pool)
        if self._automine():
            self._rpc("evm_mine", None)
            self.mined += 1
            # imported here: conftest imports this module before it loads the figures plugin
            from tests import figures

            figures.add(FIGURE)
        self._seen = None
