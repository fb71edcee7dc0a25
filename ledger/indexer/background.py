"""The gateway's follower thread: keeps the index at the chain head while the API runs."""

from __future__ import annotations

import logging
import threading

from ledger.indexer.follower import EventIndex

log = logging.getLogger("tradeledger.indexer")


class BackgroundFollower:
    """Calls ``index.catch_up()`` every ``interval`` seconds until stopped."""

    def __init__(self, index: EventIndex, interval: float = 0.5) -> None:
        self.index = index
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="index-follower", daemon=True)
        self.last_error: str | None = None

    def start(self) -> BackgroundFollower:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.index.catch_up(max_ranges=50)
                self.last_error = None
            except Exception as exc:  # keep following: a node restart must not kill the thread
                if self.last_error != str(exc):
                    log.warning("index follower: %s", exc)
                self.last_error = str(exc)
            self._stop.wait(self.interval)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop following, wait for the thread, release the index's connections."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self.index.close()

    def lag(self) -> int | None:
        """Blocks behind the head, or None when the chain or the index cannot be read."""
        try:
            return self.index.lag()
        except Exception:
            return None


def start_follower(index: EventIndex, interval: float = 0.5) -> BackgroundFollower:
    return BackgroundFollower(index, interval).start()
