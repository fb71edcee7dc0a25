"""How fast the gateway's event index follows the chain: events indexed per second.

Registers ``--docs`` documents in transactions of ``--batch`` (the transaction layer, as
``scripts/bench.py`` does), then indexes them into a fresh SQLite index with
``EventIndex.catch_up`` — reading the logs (from the embedded chain's store, or a node's
``eth_getLogs``), decoding them, writing the events, their refs and the projections — and
prints the events indexed per second and the microseconds per event (median of ``--runs``
fresh indexes over the same chain). With ``--profile`` it prints the top of a cProfile of
one run. With ``--verify`` it then times ``verify`` on the last index — the events against the
chain and every derived table against a replay of the events (``ledger.indexer.replaycheck``)
— and the replay's share on its own.

    .venv/bin/python scripts/bench_index.py                      # embedded, 3,000 documents
    .venv/bin/python scripts/bench_index.py --backend anvil --docs 20000
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench import anvil, batched_run, open_bench  # noqa: E402

from ledger.indexer import EventIndex  # noqa: E402


def index_once(bench_ledger: object, url: str, profile: bool) -> tuple[int, float]:
    """(events written, seconds) for one fresh index of the whole chain."""
    index = EventIndex.for_ledger(bench_ledger, url)  # type: ignore[arg-type]
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    written = index.catch_up()
    if profiler is not None:
        profiler.disable()
    elapsed = time.perf_counter() - started
    index.close()
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return written, elapsed


def verify_once(bench_ledger: object, url: str) -> dict[str, object]:
    """Seconds of ``verify`` on the index at ``url`` (caught up), and of its replay alone."""
    from ledger.indexer import verify
    from ledger.indexer.replaycheck import verify_projections

    index = EventIndex.for_ledger(bench_ledger, url)  # type: ignore[arg-type]
    try:
        started = time.perf_counter()
        replay = verify_projections(index)
        replayed = time.perf_counter() - started
        started = time.perf_counter()
        report = verify(index)
        whole = time.perf_counter() - started
    finally:
        index.close()
    if not (report.equal and replay.equal):
        raise SystemExit(f"verify found a difference: {report.to_dict()}")
    return {
        "verify_seconds": round(whole, 3),
        "replay_seconds": round(replayed, 3),
        "replay_us_per_event": round(replayed / max(1, replay.events) * 1e6),
        "derived_rows": sum(replay.tables.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("embedded", "anvil"), default="embedded")
    parser.add_argument("--docs", type=int, default=3000, help="documents registered")
    parser.add_argument(
        "--batch",
        type=int,
        default=0,
        help="documents per transaction (default 100 embedded, 25 anvil: anvil's automine "
        "strands the tail of a burst of 100-document transactions)",
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--verify", action="store_true", help="time audit verify too")
    args = parser.parse_args()
    args.batch = args.batch or (25 if args.backend == "anvil" else 100)
    with tempfile.TemporaryDirectory(prefix="tradeledger-bench-index-") as scratch:
        work = Path(scratch)
        if args.backend == "anvil":
            with anvil() as url:
                results = run(args, work, url)
        else:
            results = run(args, work, "")
    print(json.dumps(results) if args.json else "\n".join(f"{k}: {v}" for k, v in results.items()))


def run(args: argparse.Namespace, work: Path, url: str) -> dict[str, object]:
    bench = open_bench(args.backend, work / "ledger", url)
    try:
        batched_run(bench, args.docs, args.batch)
        timings = []
        events = 0
        for n in range(args.runs):
            events, seconds = index_once(
                bench.ledger, f"sqlite:///{work / f'index-{n}.sqlite'}", args.profile and n == 0
            )
            timings.append(seconds)
        seconds = statistics.median(timings)
        results: dict[str, object] = {
            "backend": args.backend,
            "documents": args.docs,
            "events": events,
            "seconds": round(seconds, 3),
            "events_per_second": round(events / seconds),
            "us_per_event": round(seconds / events * 1e6),
        }
        if args.verify:
            results |= verify_once(
                bench.ledger, f"sqlite:///{work / f'index-{args.runs - 1}.sqlite'}"
            )
        return results
    finally:
        bench.ledger.close()


if __name__ == "__main__":
    main()
