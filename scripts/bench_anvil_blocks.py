"""What one block costs anvil as its chain grows (issue #16: the chain's share of REST single).

8 clients drive the transaction layer as REST clients drive a gateway (``bench_api.py``'s
``clients_run``: each reads once, sends one single-document transaction and waits for its
receipt), so under automine nearly every transaction is a block of its own. Per step of
``--step`` transactions: the clients' rate, the blocks mined, and anvil's CPU milliseconds per
transaction and per block (its process's utime + stime from ``/proc``, proc(5)). A node whose
cost per block is flat prints flat figures; anvil 1.7.1's grow with every block mined.

    .venv/bin/python scripts/bench_anvil_blocks.py                      # 6 steps of 1,000
    .venv/bin/python scripts/bench_anvil_blocks.py --prune-history 64   # anvil keeping 64 states

Prints one line per step (``--json``: the figures); writes nothing.
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
import bench_api  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--step", type=int, default=1_000, help="transactions per step")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--prune-history", type=int, default=0, metavar="N", help="anvil keeps N states; 0: all"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    flags = list(bench_api.ANVIL_FLAGS)
    if args.prune_history:
        flags += ["--prune-history", str(args.prune_history)]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as work, txbench.anvil(*flags) as url:
        bench = txbench.open_bench("anvil", Path(work) / "bench", url)
        try:
            w3 = bench.ledger.w3
            for _ in range(args.steps):
                block0, cpu0 = w3.eth.block_number, bench_api.chain_cpu_seconds(url)
                t0 = time.perf_counter()
                rate = bench_api.clients_run(bench, args.step, args.clients)
                elapsed = time.perf_counter() - t0
                block1, cpu1 = w3.eth.block_number, bench_api.chain_cpu_seconds(url)
                if cpu0 is None or cpu1 is None:
                    raise SystemExit("anvil's CPU cannot be read from /proc here")
                blocks = block1 - block0
                row = {
                    "head": block1,
                    "clients_tx_per_s": rate,
                    "blocks": blocks,
                    "anvil_busy": (cpu1 - cpu0) / elapsed,
                    "anvil_ms_per_tx": 1000 * (cpu1 - cpu0) / args.step,
                    "anvil_ms_per_block": 1000 * (cpu1 - cpu0) / max(blocks, 1),
                }
                rows.append(row)
                print(
                    f"head {block1:>6,}: {args.clients} clients {rate:,.0f} tx/s, "
                    f"{args.step / max(blocks, 1):.2f} tx a block, anvil busy "
                    f"{row['anvil_busy']:.0%}, {row['anvil_ms_per_tx']:.2f} ms of its CPU a "
                    f"transaction, {row['anvil_ms_per_block']:.2f} ms a block",
                    flush=True,
                )
        finally:
            bench.ledger.close()
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
