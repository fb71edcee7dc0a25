#!/usr/bin/env python3
"""A document's record (``GET /v1/documents/{hash}``'s service) on a long embedded chain, with
and without the gateway's event index (issue #16).

    .venv/bin/python scripts/bench_history.py                  # 3,000 empty blocks
    .venv/bin/python scripts/bench_history.py --blocks 20000 --reads 10

A fresh embedded ledger with one bank; ``--blocks`` empty blocks mined, then one document
registered; then, timed, ``--reads`` reads of that document's record (``documents.detail``:
its registration, history and held copy) without an index (as the CLI reads it) and with a
caught-up index (as a served gateway does). Prints p50 and max in milliseconds; ``--json``
for a machine-readable line. Writes nothing outside a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_api  # noqa: E402

from ledger import evaluator as ev  # noqa: E402
from ledger.indexer import EventIndex  # noqa: E402
from ledger.network import open_ledger  # noqa: E402
from ledger.services import documents as docs  # noqa: E402


def _timed(read: object, n: int) -> dict[str, float]:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        read()  # type: ignore[operator]
        times.append((time.perf_counter() - t0) * 1000)
    return {"p50_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=3000, help="empty blocks mined first")
    parser.add_argument("--reads", type=int, default=20, help="reads timed per mode")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with ev.scratch_evaluator(work / "evaluator") as scratch:
            prepared = bench_api.prepare("embedded", work / "api", "", 0, 0, 100, scratch)
            ledger = open_ledger(prepared.settings)
            try:
                scratch.member_of.target = ev.contract_member_of(ledger.contract)
                assert ledger.node is not None
                with ledger.w3.provider._request_lock:  # type: ignore[attr-defined]
                    ledger.node.backend.mine_blocks(args.blocks)
                doc_hash = os.urandom(32)
                docs.register(ledger, prepared.address, doc_hash, docs.DocType.OTHER)
                out: dict[str, object] = {"blocks": int(ledger.w3.eth.block_number)}

                def read() -> None:
                    docs.detail(ledger, doc_hash, prepared.address, "bank")

                out["without_index"] = _timed(read, args.reads)
                index = EventIndex.for_ledger(ledger, url=f"sqlite:///{work / 'index.sqlite'}")
                index.catch_up()
                ledger.event_index = index
                out["with_index"] = _timed(read, args.reads)
                index.close()
            finally:
                ledger.close()
    if args.json:
        print(json.dumps(out))
        return
    print(f"a document's record on a {out['blocks']:,}-block embedded chain:")
    for mode in ("without_index", "with_index"):
        figures = out[mode]
        assert isinstance(figures, dict)
        print(f"  {mode.replace('_', ' ')}: p50 {figures['p50_ms']} ms, max {figures['max_ms']} ms")


if __name__ == "__main__":
    main()
