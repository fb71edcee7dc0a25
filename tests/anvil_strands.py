"""Unstick what anvil's pool leaves behind: a watch beside every anvil the tests start.

anvil seals a block per arriving transaction while automine is on, but a burst can strand in
its pool two ways, both faults of the dev node (a QBFT network seals a block every period and
keeps no such pool; the gateway's code is not at fault, so the remedy lives here, beside the
node the tests run):

- **Ready but not sealed.** Now and then ready transactions of a burst stay in the pool until
  the next transaction arrives (the miner misses their "ready" notice: foundry-rs/foundry#10122;
  a burst beyond one block's gas limit keeps its tail there). CI failed so on
  ``tests/tx/test_transactor.py::test_send_many_batches_and_wait_many_polls[anvil]`` (60
  transactions, the first three mined, the rest still pending after 120 s).
- **Queued behind a nonce already mined.** The pool files a transaction as *queued* when, as it
  arrives, the transaction before it (same sender, nonce - 1) is neither on chain nor in the
  ready pool; a block sealed between the two checks (the predecessor mined and pruned from the
  pool between anvil reading the account's nonce and filing the transaction) leaves it waiting
  for a predecessor that will never be announced again, however many blocks follow. CI failed
  so on ``tests/test_anvil_strands.py::test_bursts_beyond_a_block_are_all_mined`` (52 of a
  burst queued, the lowest at the account's own next nonce).

:class:`StrandWatch` looks at the node once a ``period`` (seconds). When the same stuck pool
is seen across two looks with automine on and no block sealed between them, it acts: ready
transactions get one block (``evm_mine``, the figure ``anvil: stranded pools mined``); a
sender whose lowest queued nonce is its next nonce on chain has its queued transactions taken
out of the pool (``anvil_removePoolTransactions``) and sent again in nonce order, their bytes
unchanged (``eth_getRawTransactionByHash``; the figure ``anvil: orphaned queues re-sent``).
Both figures are printed at the end of the run. A node with automine off (a test holding
transactions on purpose, ``evm_setAutomine false``; interval mining) is left alone, as is a
real nonce gap (a queued transaction whose predecessor was never sent: no block can close it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

#: the figure counting blocks the watch mined (see the module docstring)
FIGURE = "anvil: stranded pools mined"
#: the figure counting senders whose orphaned queue the watch sent again
FIGURE_ORPHANS = "anvil: orphaned queues re-sent"

Rpc = Callable[[str, "list[object] | None"], object]

#: what one look saw: (ready transactions, orphaned senders with their lowest queued nonce,
#: head block)
_Seen = tuple[int, tuple[tuple[str, int], ...], int]


class StrandWatch:
    """A daemon thread unsticking what anvil's automine left in its pool (see the module).

    ``rpc(method, params)`` is one JSON-RPC call to the node (it may raise ``OSError`` or
    ``RuntimeError`` while the node starts or stops: that look is skipped). ``period`` is in
    seconds. :attr:`mined` counts the blocks it mined, :attr:`resent` the senders whose
    orphaned queue it sent again; ``record=False`` keeps them out of the run's figures (a
    watch of scripted answers).
    """

    def __init__(self, rpc: Rpc, period: float = 1.0, record: bool = True) -> None:
        self._rpc = rpc
        self._period = period
        self._record = record
        self._stopped = threading.Event()
        self._seen: _Seen | None = None
        self.mined = 0
        self.resent = 0
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

    def _queued(self) -> dict[str, dict[int, str]]:
        """sender → {nonce: transaction hash} of the queued (not ready) transactions."""
        content = self._rpc("txpool_content", None)
        assert isinstance(content, dict)
        queued: dict[str, dict[str, dict[str, object]]] = content.get("queued") or {}
        return {
            sender: {int(nonce): str(tx["hash"]) for nonce, tx in by_nonce.items()}
            for sender, by_nonce in queued.items()
        }

    def _next_nonce(self, sender: str) -> int:
        return int(str(self._rpc("eth_getTransactionCount", [sender, "latest"])), 16)

    def _orphaned(self, queued: dict[str, dict[int, str]]) -> tuple[tuple[str, int], ...]:
        """The senders whose lowest queued nonce is their next nonce on chain (nothing is
        missing before it, yet it is not ready), each with that nonce."""
        lowest = {sender: min(by_nonce) for sender, by_nonce in queued.items() if by_nonce}
        return tuple(
            sorted(
                (sender, nonce)
                for sender, nonce in lowest.items()
                if self._next_nonce(sender) == nonce
            )
        )

    def _look(self) -> None:
        status = self._rpc("txpool_status", None)
        assert isinstance(status, dict)
        ready = int(str(status["pending"]), 16)
        queued_count = int(str(status.get("queued", "0x0")), 16)
        if not (ready or queued_count) or not self._automine():
            self._seen = None
            return
        queued = self._queued() if queued_count and not ready else {}
        orphaned = self._orphaned(queued) if queued else ()
        if not ready and not orphaned:
            self._seen = None  # only a real nonce gap: no block can close it
            return
        seen: _Seen = (ready, orphaned, int(str(self._rpc("eth_blockNumber", None)), 16))
        if seen != self._seen:
            self._seen = seen  # new, or the node is still sealing: look again next period
            return
        # the same stuck pool a whole period later, no block between (asked once more right
        # before acting, so a test that just turned automine off keeps its pool)
        self._seen = None
        if not self._automine():
            return
        # imported here: conftest imports this module before it loads the figures plugin
        from tests import figures

        if ready:
            self._rpc("evm_mine", None)
            self.mined += 1
            if self._record:
                figures.add(FIGURE)
            return
        for sender, _nonce in orphaned:
            self._send_again(sender, queued[sender])
            self.resent += 1
            if self._record:
                figures.add(FIGURE_ORPHANS)

    def _send_again(self, sender: str, by_nonce: dict[int, str]) -> None:
        """Take ``sender``'s queued transactions out of the pool and send their bytes again,
        lowest nonce first (the first is ready on arrival, and each unlocks the next)."""
        raws = [
            str(self._rpc("eth_getRawTransactionByHash", [by_nonce[nonce]]))
            for nonce in sorted(by_nonce)
        ]
        self._rpc("anvil_removePoolTransactions", [sender])
        for raw in raws:
            self._rpc("eth_sendRawTransaction", [raw])
