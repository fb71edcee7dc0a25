"""The fingerprint evaluator of the test session: the real service (ledger/evaluator.py) served
over HTTP by uvicorn on 127.0.0.1 in a thread of the test process, started once per session.

Every test network's gateway reaches it through ``TRADELEDGER_EVALUATOR_URL`` (set for the
session) and puts its public key on chain at ``init``. The evaluator reads ``memberOf`` from the
chain of the consortium a request names, through the contract handle of the ledger opened in this
process for it (:func:`register`): the embedded chain has no other handle. The Ledger objects
never see the evaluator's key; the key lives only in this harness's :class:`EvaluatorService`.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

from ledger.evaluator import (
    DEFAULT_LIMIT,
    DEFAULT_WINDOW,
    LOG_FILE,
    EvaluationLog,
    EvaluatorService,
    Refused,
    contract_member_of,
    create_app,
    gateway_member_of,
)
from ledger.oprf import Evaluator


class SessionEvaluator:
    """One evaluator for the session: ``url``, ``service`` (limit, log) and ``stop()``."""

    def __init__(self, limit: int = DEFAULT_LIMIT, window: int = DEFAULT_WINDOW) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="tradeledger-evaluator-"))
        #: the secret seed (kept here only so a test can look for it where it must not be)
        self.seed = Evaluator.new_seed()
        self._contracts: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.service = EvaluatorService(
            Evaluator.from_seed(self.seed),
            EvaluationLog(self.dir / LOG_FILE),
            self.member_of,
            limit,
            window,
            standing_ttl=0,  # tests suspend members between calls: read every standing anew
        )
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(self.service), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the session's fingerprint evaluator did not start")
            time.sleep(0.02)

    def register(self, contract: Any, data_dir: Path | None = None) -> None:
        """Let the evaluator read ``memberOf`` of the consortium at ``contract.address``: through
        that handle, or — once it is closed (a gateway process holds the embedded chain now) —
        through the bridge of the gateway serving ``data_dir``, as ``start.sh`` runs it."""
        with self._lock:
            self._contracts[str(contract.address).lower()] = (contract, data_dir)

    def member_of(self, consortium: str, address: str) -> tuple[int, bool]:
        with self._lock:
            found = self._contracts.get(consortium.lower())
        if found is None:
            raise Refused(403, "wrong_consortium", f"this evaluator does not serve {consortium}")
        contract, data_dir = found
        try:
            return contract_member_of(contract)(consortium, address)
        except Refused:
            raise
        except Exception:
            if data_dir is None:
                raise
            return gateway_member_of(data_dir)(consortium, address)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.service.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
