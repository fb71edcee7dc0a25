"""Benchmark of the event index's read side (issue #7): not a test.

For each size (documents in the index) it fills an index directly in SQL with synthetic but
realistic rows — documents, financings (one in two documents financed, 80 % of those active),
pledges with three keyed fingerprints each, and one event per document — then measures, through
the API (a real uvicorn on 127.0.0.1 with a keep-alive client, or ``--via testclient``; the real
gateway app with authentication), the latency of
``GET /v1/audit/financeable?doc_hash=…&fingerprint=…×3`` (p50/p99), and, for the largest size,
the peak Python memory (tracemalloc) and RSS of streaming an export of every event.

    .venv/bin/python scripts/bench_queries.py                      # 10k, 100k, 1M
    .venv/bin/python scripts/bench_queries.py --sizes 10000 --json

The chain is only needed for the gateway's own startup (an embedded network with one bank).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import random
import resource
import socket
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402

from api.app import create_app  # noqa: E402
from ledger.config import Settings  # noqa: E402
from ledger.indexer import EventIndex  # noqa: E402
from ledger.indexer.models import SCHEMA_VERSION, Base  # noqa: E402
from ledger.network import Ledger, init_network  # noqa: E402
from ledger.oprf import Evaluator  # noqa: E402
from ledger.services import audit  # noqa: E402
from ledger.services import members as member_svc  # noqa: E402
from ledger.services.roles import Role  # noqa: E402

BANKS = [f"0x{hashlib.sha256(f'bank{i}'.encode()).hexdigest()[:40]}" for i in range(20)]
FIRMS = [f"0x{hashlib.sha256(f'firm{i}'.encode()).hexdigest()[:40]}" for i in range(2000)]
REGULATOR = f"0x{hashlib.sha256(b'regulator').hexdigest()[:40]}"
CURRENCIES = ["EUR", "USD", "GBP", "CNY", "SGD"]
BASE_TIME = 1_767_225_600  # 2026-01-01


def hx(*parts: object) -> str:
    return "0x" + hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


def fill(
    path: Path,
    size: int,
    chain_id: int,
    contract: str,
    head: int,
    head_hash: str,
    caller: str,
    reader_keys: str,
) -> float:
    """Synthetic rows for ``size`` documents; returns seconds taken. Financings are opened
    (their terms in the index) with readers: their bank, a regulator and the registrant; one in
    20 is ``caller``'s own (the bank asking), the rest other banks'."""
    started = time.perf_counter()
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    engine.dispose()
    banks = [caller, *BANKS[1:]]
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute(
        "INSERT INTO index_cursor VALUES (1, ?, ?, 1, ?, ?)", (chain_id, contract, head, head_hash)
    )
    # the gateway's keys as they are: the follower must not replay these synthetic projections
    db.execute("INSERT INTO index_meta VALUES (1, ?, ?)", (SCHEMA_VERSION, reader_keys))
    chunk = 50_000
    for start in range(0, size, chunk):
        docs, fins, pledges, fps, events, readers = [], [], [], [], [], []
        for i in range(start, min(start + chunk, size)):
            doc = hx("doc", i)
            block = 10 + i // 50
            t = BASE_TIME + block * 2
            firm = FIRMS[i % len(FIRMS)]
            docs.append((doc, 1, firm, 1, None, None, block, t))
            args = f'{{"docHash":"{doc}","docType":1,"registrant":"{firm}"}}'
            events.append(
                (
                    block,
                    i % 50,
                    hx("b", block),
                    t,
                    hx("tx", i),
                    0,
                    "DocumentRegistered",
                    args,
                    "",
                    "0x",
                )
            )
            if i % 2 == 0:
                fid = i // 2 + 1
                status = 1 if i % 10 else 2
                face = 100_000 + (i % 997) * 100
                bank = banks[i % len(banks)]
                fins.append(
                    (
                        fid,
                        bank,
                        status,
                        3,
                        block,
                        i % 50,
                        t,
                        hx("tx", i),
                        hx("commitment", i),
                        True,
                        True,
                        1,
                        CURRENCIES[i % 5],
                        face // 2,
                        t + 86400 * 90,
                        f"REF-{i}",
                        face // 4,
                        0,
                    )
                )
                pledges.append((fid, doc, face // 2, face, firm, status == 1, block, t))
                for k in range(3):
                    fps.append((hx("fp", i, k), fid, doc, status == 1, block, t))
                readers += [("fin", str(fid), r.lower()) for r in (bank, REGULATOR, firm)]
        db.executemany("INSERT INTO documents VALUES (?,?,?,?,?,?,?,?)", docs)
        db.executemany(
            "INSERT INTO financings (financing_id, bank, status, fingerprint_count, "
            "registered_block, registered_log, registered_time, tx_hash, terms_commitment, "
            "opened, commitment_ok, kind, currency, amount, maturity, reference, drawn, repaid) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            fins,
        )
        db.executemany(
            "INSERT INTO pledges (financing_id, doc_hash, amount, face_value, registrant, active, "
            "block_number, block_time) VALUES (?,?,?,?,?,?,?,?)",
            pledges,
        )
        db.executemany(
            "INSERT INTO pledge_fingerprints (fingerprint, financing_id, doc_hash, active, "
            "block_number, block_time) VALUES (?,?,?,?,?,?)",
            fps,
        )
        db.executemany("INSERT INTO readers (kind, ref, reader) VALUES (?,?,?)", readers)
        db.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?)", events)
        db.commit()
    db.execute("ANALYZE")
    db.commit()
    db.close()
    return time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@contextlib.contextmanager
def _client(app: Any, via: str) -> Iterator[Any]:
    """TestClient (in-process ASGI), or a real uvicorn on 127.0.0.1 and an HTTP/1.1 keep-alive
    client."""
    if via == "testclient":
        with TestClient(app) as client:
            yield client
        return
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(30)


def bench_size(
    ledger: Ledger,
    settings: Settings,
    bank: member_svc.NewMember,
    size: int,
    queries: int,
    work: Path,
    via: str,
) -> dict[str, Any]:
    path = work / f"index-{size}.sqlite"
    head = ledger.head_block()
    head_hash = "0x" + bytes(ledger.w3.eth.get_block(head)["hash"]).hex()
    keys = EventIndex.for_ledger(ledger, f"sqlite:///{work / 'keys.sqlite'}")
    reader_keys = keys.opener.fingerprint()
    keys.close()
    address = str(bank.member.address)
    fill_s = fill(
        path,
        size,
        ledger.chain_id,
        str(ledger.contract.address),
        head,
        head_hash,
        address,
        reader_keys,
    )
    bank_key = bank.api_key
    ledger.settings = settings.model_copy(update={"index_url": f"sqlite:///{path}"})
    app = create_app(ledger.settings, ledger)
    rng = random.Random(size)
    headers = {"Authorization": f"Bearer {bank_key}"}
    latencies: list[float] = []
    with _client(app, via) as client:

        def ask() -> float:
            i = rng.randrange(size)
            params: list[tuple[str, str]] = [("doc_hash", hx("doc", i))]
            params += [("fingerprint", hx("fp", i, k)) for k in range(3)]
            started = time.perf_counter()
            response = client.get("/v1/audit/financeable", params=params, headers=headers)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.text
            return elapsed

        for _ in range(min(200, queries)):
            ask()
        latencies = [ask() for _ in range(queries)]
    index = EventIndex.for_ledger(ledger)
    viewer = audit.Viewer.of(address, "bank")
    service: list[float] = []
    for _ in range(queries):
        i = rng.randrange(size)
        started = time.perf_counter()
        audit.financeable(index, hx("doc", i), [hx("fp", i, k) for k in range(3)], viewer=viewer)
        service.append(time.perf_counter() - started)
    index.close()
    ms = 1000.0
    return {
        "documents": size,
        "fill_seconds": round(fill_s, 1),
        "index_mb": round(path.stat().st_size / 2**20, 1),
        "api_p50_ms": round(statistics.median(latencies) * ms, 3),
        "api_p99_ms": round(percentile(latencies, 0.99) * ms, 3),
        "service_p50_ms": round(statistics.median(service) * ms, 3),
        "service_p99_ms": round(percentile(service, 0.99) * ms, 3),
        "queries": queries,
        "via": via,
    }


def bench_export(ledger: Ledger) -> dict[str, Any]:
    index = EventIndex.for_ledger(ledger)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    lines = 0
    size = 0
    for line in audit.export_events(index, "jsonl"):
        lines += 1
        size += len(line)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    index.close()
    return {
        "events": lines,
        "bytes": size,
        "seconds": round(elapsed, 1),
        "tracemalloc_peak_mb": round(peak / 2**20, 2),
        "max_rss_growth_mb": round((rss_after - rss_before) / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--via", choices=("uvicorn", "testclient"), default="uvicorn", help="how to call the API"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    work = args.workdir or Path(tempfile.mkdtemp(prefix="tl-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    settings = Settings(data_dir=work / "ledger", keystore_scrypt_n=2**10, chain_sync="normal")
    # the index rows are written directly: no fingerprint is evaluated, any evaluator key will do
    unused_evaluator = Evaluator.from_seed(Evaluator.new_seed()).public_key.to_bytes()
    ledger, _admin_key = init_network(settings, "Bench admin", evaluator_key=unused_evaluator)
    try:
        bank = member_svc.add_member(ledger, ledger.manifest.admin_address, "Bench bank", Role.BANK)
        results = []
        for size in sizes:
            results.append(bench_size(ledger, settings, bank, size, args.queries, work, args.via))
            if not args.json:
                print(json.dumps(results[-1]), file=sys.stderr)
        export = bench_export(ledger)  # the largest index is the last one opened
        if not args.json:
            print(json.dumps(export), file=sys.stderr)
    finally:
        ledger.close()
    report = {"financeable": results, "export": export, "cpus": __import__("os").cpu_count()}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print("documents   api p50   api p99   service p50   service p99   index MB")
        for r in results:
            print(
                f"{r['documents']:>9}  {r['api_p50_ms']:>7.3f}  {r['api_p99_ms']:>8.3f}  "
                f"{r['service_p50_ms']:>11.3f}  {r['service_p99_ms']:>12.3f}  {r['index_mb']:>8}"
            )
        print(
            f"export of {export['events']} events: {export['seconds']} s, tracemalloc peak "
            f"{export['tracemalloc_peak_mb']} MB, RSS growth {export['max_rss_growth_mb']} MB"
        )


if __name__ == "__main__":
    main()
