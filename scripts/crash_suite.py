"""The crash suite of issue #10, on demand: kill the gateway (and restart the node) under two
banks and an enterprise writing through the API, retry every unanswered write with its key, and
print what the chain says: ``lost``, ``applied twice``, ``own retry refused`` — all must be 0.

The scenario, the retry rule and the audit are in ``tests/reliability/crashdriver.py``; what the
figures mean is in docs/reliability.md. The backends run one after the other.

    .venv/bin/python scripts/crash_suite.py                         # 20 kills on each backend
    .venv/bin/python scripts/crash_suite.py --backend anvil --kills 40 --node-restarts 8
    .venv/bin/python scripts/crash_suite.py --kills 3 --json        # a quick look

Exit status 0 when every figure is 0 on every backend run, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.reliability.crashdriver import CrashConfig, CrashReport, run_crash_suite  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("embedded", "anvil", "both"), default="both")
    parser.add_argument("--kills", type=int, default=20, help="gateway SIGKILLs per backend")
    parser.add_argument(
        "--node-restarts",
        type=int,
        default=4,
        help="anvil: graceful node restarts (dump/load state) under the running gateway",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bank-workers", type=int, default=2, help="client threads per bank")
    parser.add_argument("--enterprise-workers", type=int, default=1)
    parser.add_argument(
        "--keep", type=Path, help="keep the ledgers and logs under this directory (else deleted)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    backends = ("embedded", "anvil") if args.backend == "both" else (args.backend,)
    reports: list[CrashReport] = []
    for backend in backends:
        config = CrashConfig(
            backend=backend,
            kills=args.kills,
            node_restarts=args.node_restarts if backend == "anvil" else 0,
            seed=args.seed,
            bank_workers=args.bank_workers,
            enterprise_workers=args.enterprise_workers,
        )
        root = (
            args.keep / backend
            if args.keep
            else Path(tempfile.mkdtemp(prefix=f"tradeledger-crash-{backend}-"))
        )
        try:
            report = run_crash_suite(config, root)
        finally:
            if not args.keep:
                shutil.rmtree(root, ignore_errors=True)
        reports.append(report)
        if not args.json:
            print(report.summary(), flush=True)
    if args.json:
        print(json.dumps([r.figures() for r in reports], indent=2))
    else:
        print()
        print(
            "backend   kills  node restarts  chain writes  retried  (in a block)  lost  "
            "applied twice  own retry refused  unexpected"
        )
        for r in reports:
            f = r.figures()
            print(
                f"{r.backend:<9} {r.kills:>5}  {r.node_restarts:>13}  {r.chain_writes:>12}  "
                f"{f['retried_total']:>7}  {f['retried_committed_total']:>12}  {f['lost']:>4}  "
                f"{f['applied_twice']:>13}  {f['own_retry_refused']:>17}  {f['unexpected']:>10}"
            )
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
