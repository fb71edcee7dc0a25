"""What sharing a block buys on the embedded chain (issue #16: the chain's share of REST single).

The transaction layer sends single-document transactions in groups of ``k`` (``send_many`` of
``k``, then their receipts), so each group is one block: ``k`` = 1 is what a REST client that
waits for its answer gets when no other request shares its block, ``k`` = 8 what 8 such clients
would get if every block held one transaction of each, and a large ``k`` what ``send_many``
single gets. Per ``k``: transactions per second and this process's CPU milliseconds per
transaction (py-evm runs in it). The rounds run twice, in order, on one chain (a chain that
grows slows them: compare each ``k`` with its repeat).

    .venv/bin/python scripts/bench_embedded_blocks.py            # k = 1, 2, 4, 8, 16, 64, 200

Prints one line per round (``--json``: the figures); writes nothing outside a temporary
directory.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench as txbench  # noqa: E402


def rounds(bench: Any, k: int, groups: int) -> tuple[float, float]:
    """(transactions per second, CPU milliseconds per transaction) of ``groups`` groups of
    ``k`` single-document transactions, each group sent together and waited for."""
    contract = bench.ledger.contract.address
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(groups):
        txs = [
            {
                "to": contract,
                "data": txbench.encode_single(bench.docs.take(1)[0]),
                "gas": 120_000,
                "value": 0,
            }
            for _ in range(k)
        ]
        receipts = bench.sender.wait_many(bench.sender.send_many(txs))
        if any(isinstance(r, Exception) or r["status"] != 1 for r in receipts):
            raise RuntimeError(f"a transaction failed: {receipts}")
    n = k * groups
    return n / (time.perf_counter() - wall), (time.process_time() - cpu) * 1000 / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,2,4,8,16,64,200", help="the k of each round")
    parser.add_argument("--per-round", type=int, default=400, help="transactions per round")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sizes = [int(k) for k in args.sizes.split(",")]
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-embedded-blocks-") as work:
        bench = txbench.open_bench("embedded", Path(work) / "chain")
        try:
            rounds(bench, 8, 10)  # warm: the contract's code and the caches read once
            for repeat in (1, 2):
                for k in sizes:
                    rate, ms = rounds(bench, k, max(1, args.per_round // k))
                    out.append({"k": k, "round": repeat, "tx_per_s": rate, "cpu_ms_per_tx": ms})
                    if not args.json:
                        print(f"round {repeat}, k={k:4d}: {rate:6.0f} tx/s, {ms:5.2f} ms CPU/tx")
        finally:
            bench.ledger.close()
    if args.json:
        print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
