"""A gateway served for real (uvicorn, API and bridge listeners) in a thread of the test process,
as ``tradeledger serve`` runs it: for tests about sockets, connections and streaming."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from api.app import create_app
from api.serve import Gateway
from ledger.config import Settings
from ledger.network import Ledger
from tests.conftest import free_port


@contextmanager
def served_gateway(ledger: Ledger, **settings: Any) -> Iterator[Gateway]:
    """Serve ``ledger`` on 127.0.0.1 (a free port; ``settings`` override the ledger's), started
    and stopped within bounded waits."""
    config: Settings = ledger.settings.model_copy(update={"port": free_port(), **settings})
    gateway = Gateway(config, ledger, create_app(config, ledger), log_level="error")
    thread = threading.Thread(target=gateway.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not gateway.api.started or (gateway.bridge is not None and not gateway.bridge.started):
        if time.monotonic() > deadline or not thread.is_alive():
            gateway.stop()
            raise RuntimeError("the gateway did not start within 30 s")
        time.sleep(0.05)
    try:
        yield gateway
    finally:
        gateway.stop()
        thread.join(timeout=60)
