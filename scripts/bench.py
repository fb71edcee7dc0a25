"""Throughput of the gateway's write path: confirmed document registrations per second.

Measures, on the embedded chain and on anvil, through the gateway's transaction layer
(``Ledger.transactor`` → ``Transactor.send_many`` → ``wait_many``: nonce allocation,
signing, the transaction journal, JSON-RPC batches, receipts polled in batches):

* single — one document per transaction (``registerDocument``);
* batched — 100 documents per transaction (``registerDocuments``);
* restart — ``open_ledger`` time on an embedded data directory holding the batched runs'
  documents (100k by default).

Each figure is the median of ``--runs`` runs (3 by default); a run counts documents whose
receipt came back with status 1, divided by the time from the first send to the last receipt.
Writes ``docs/benchmarks.md`` (``--no-docs`` to skip) and with ``--json`` prints the results.

    .venv/bin/python scripts/bench.py --json                  # default run (a few minutes)
    .venv/bin/python scripts/bench.py --backends anvil --sustained 1000000   # 1M on anvil
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eth_utils import function_signature_to_4byte_selector  # noqa: E402
from web3.types import RPCEndpoint  # noqa: E402

from ledger.config import Settings  # noqa: E402
from ledger.errors import LedgerError  # noqa: E402
from ledger.network import Ledger, init_network, open_ledger  # noqa: E402
from ledger.oprf import Evaluator  # noqa: E402
from ledger.services import members as member_svc  # noqa: E402
from ledger.services.roles import Role  # noqa: E402
from ledger.tx import Sent, Transactor  # noqa: E402

ANVIL = ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
#: anvil's first dev account (public, well-known test key)
ANVIL_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
REGISTER = function_signature_to_4byte_selector("registerDocument(bytes32,uint8)")
REGISTER_MANY = function_signature_to_4byte_selector("registerDocuments(bytes32[],uint8[])")
INVOICE = 1
#: how many transactions one send_many call signs and sends (one JSON-RPC batch)
PIPELINE = 200


# -- call data without web3's contract machinery (the hot path) -------------------------------


def encode_single(doc: bytes) -> bytes:
    return REGISTER + doc + INVOICE.to_bytes(32, "big")


def encode_many(docs: list[bytes]) -> bytes:
    n = len(docs)
    word = 32
    head = (2 * word).to_bytes(32, "big") + ((3 + n) * word).to_bytes(32, "big")
    hashes = n.to_bytes(32, "big") + b"".join(docs)
    types = n.to_bytes(32, "big") + INVOICE.to_bytes(32, "big") * n
    return REGISTER_MANY + head + hashes + types


class DocSource:
    """Distinct 32-byte document hashes (a counter: unique across runs of one ledger)."""

    def __init__(self, prefix: int) -> None:
        self.prefix = prefix.to_bytes(8, "big")
        self.next = 0

    def take(self, n: int) -> list[bytes]:
        start = self.next
        self.next += n
        return [self.prefix + i.to_bytes(24, "big") for i in range(start, start + n)]


# -- chains ----------------------------------------------------------------------------------


@contextmanager
def anvil(*extra: str) -> Iterator[str]:
    import socket
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    process = subprocess.Popen(
        [str(ANVIL), "--host", "127.0.0.1", "--port", str(port), "--silent", *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    body = b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}'
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
                urllib.request.urlopen(request, timeout=5).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("anvil did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        process.kill()
        process.wait(timeout=10)


ANVIL_ARGS = (
    "--block-time",
    "1",
    "--gas-limit",
    "4000000000",
    "--balance",
    "100000000000",
    "--disable-code-size-limit",
)


@dataclass
class Bench:
    ledger: Ledger
    sender: Transactor
    docs: DocSource


def open_bench(backend: str, data_dir: Path, url: str = "") -> Bench:
    overrides: dict[str, Any] = {"data_dir": data_dir, "keystore_scrypt_n": 2**10}
    if backend == "anvil":
        key_file = data_dir.parent / f"{data_dir.name}.fundingkey"
        key_file.write_text(ANVIL_KEY)
        overrides.update(chain_url=url, funding_key_file=key_file, receipt_timeout=600.0)
    else:
        overrides.update(chain_sync="normal")
    settings = Settings(**overrides)
    # the transaction layer evaluates no fingerprint: the consortium needs only some evaluator
    # public key on chain (a fresh one, its private key dropped)
    unused_evaluator = Evaluator.from_seed(Evaluator.new_seed()).public_key.to_bytes()
    ledger, _ = init_network(settings, "Bench admin", evaluator_key=unused_evaluator)
    member = member_svc.add_member(ledger, ledger.manifest.admin_address, "Exporter", Role.BANK)
    if backend == "anvil":  # a million documents need more gas than a member is funded for
        ledger.w3.provider.make_request(
            RPCEndpoint("anvil_setBalance"), [member.member.address, hex(10**24)]
        )
    sender = ledger.transactor(member.member.address)
    return Bench(ledger, sender, DocSource(int.from_bytes(os.urandom(4), "big")))


# -- measurements ------------------------------------------------------------------------------


def run_txs(bench: Bench, data: list[bytes], gas: int) -> tuple[int, float, float]:
    """Send every call (pipelined in send_many batches), wait for all receipts; returns
    (confirmed transactions, seconds to the last receipt, seconds to the last send)."""
    contract = bench.ledger.contract.address
    sender = bench.sender
    t0 = time.perf_counter()
    sent: list[Sent] = []
    for start in range(0, len(data), PIPELINE):
        chunk = data[start : start + PIPELINE]
        sent.extend(
            sender.send_many([{"to": contract, "data": d, "gas": gas, "value": 0} for d in chunk])
        )
    submitted = time.perf_counter() - t0
    receipts = sender.wait_many(sent)
    elapsed = time.perf_counter() - t0
    ok = sum(1 for r in receipts if not isinstance(r, LedgerError) and r["status"] == 1)
    return ok, elapsed, submitted


def single_run(bench: Bench, n: int) -> tuple[float, float]:
    """(confirmed tx/s, submitted tx/s)."""
    ok, elapsed, submitted = run_txs(bench, [encode_single(d) for d in bench.docs.take(n)], 120_000)
    if ok != n:
        raise RuntimeError(f"single: {n - ok} of {n} registrations failed")
    return ok / elapsed, n / submitted


def batched_run(bench: Bench, n_docs: int, batch: int) -> tuple[float, float]:
    """(confirmed docs/s, submitted docs/s)."""
    data = [encode_many(bench.docs.take(batch)) for _ in range(n_docs // batch)]
    gas = 30_000 * batch + 200_000
    ok, elapsed, submitted = run_txs(bench, data, gas)
    if ok != len(data):
        raise RuntimeError(f"batched: {len(data) - ok} of {len(data)} transactions failed")
    return ok * batch / elapsed, len(data) * batch / submitted


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def measure(
    label: str, runs: int, once: Callable[[], tuple[float, float]], log: Callable[[str], None]
) -> dict[str, Any]:
    rates, submitted = [], []
    for i in range(runs):
        rate, sent = once()
        log(f"  {label} run {i + 1}/{runs}: {rate:,.0f}/s confirmed ({sent:,.0f}/s submitted)")
        rates.append(rate)
        submitted.append(sent)
    return {"median": median(rates), "runs": rates, "submitted_median": median(submitted)}


def bench_embedded(args: argparse.Namespace, work: Path, log: Callable[[str], None]) -> dict:
    out: dict[str, Any] = {}
    log("embedded: single-document transactions")
    bench = open_bench("embedded", work / "emb-single")
    try:
        out["single"] = measure(
            "single", args.runs, lambda: single_run(bench, args.single_embedded), log
        )
    finally:
        bench.ledger.close()
    log(f"embedded: batches of {args.batch}")
    data_dir = work / "emb-batched"
    bench = open_bench("embedded", data_dir)
    per_run = max(args.restart_docs // args.runs, args.batch)
    try:
        out["batched"] = measure(
            "batched", args.runs, lambda: batched_run(bench, per_run, args.batch), log
        )
        docs = bench.docs.next
        settings = bench.ledger.settings
    finally:
        bench.ledger.close()
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        reopened = open_ledger(settings)
        reopened.contract.functions.isIssued(b"\0" * 32).call()
        times.append(time.perf_counter() - t0)
        reopened.close()
    size = sum(p.stat().st_size for p in (data_dir / "chain").glob("*"))
    out["restart"] = {"docs": docs, "seconds": median(times), "runs": times, "chain_bytes": size}
    log(f"  restart with {docs:,} documents: {median(times):.2f} s (chain {size / 1e6:.0f} MB)")
    return out


def bench_anvil(args: argparse.Namespace, work: Path, log: Callable[[str], None]) -> dict:
    out: dict[str, Any] = {}
    log("anvil: single-document transactions (--block-time 1)")
    with anvil(*ANVIL_ARGS) as url:
        bench = open_bench("anvil", work / "anvil-single", url)
        try:
            out["single"] = measure(
                "single", args.runs, lambda: single_run(bench, args.single_anvil), log
            )
        finally:
            bench.ledger.close()
    log(f"anvil: batches of {args.batch} (--block-time 1)")
    with anvil(*ANVIL_ARGS) as url:
        bench = open_bench("anvil", work / "anvil-batched", url)
        try:
            out["batched"] = measure(
                "batched",
                args.runs,
                lambda: batched_run(bench, args.batched_anvil, args.batch),
                log,
            )
        finally:
            bench.ledger.close()
    if args.sustained:
        log(f"anvil: sustained, {args.sustained:,} documents in segments of 100k")
        with anvil(*ANVIL_ARGS) as url:
            bench = open_bench("anvil", work / "anvil-sustained", url)
            segments = []
            try:
                done = 0
                while done < args.sustained:
                    n = min(100_000, args.sustained - done)
                    rate, _ = batched_run(bench, n, args.batch)
                    done += n
                    segments.append({"docs_total": done, "rate": rate})
                    log(f"  {done:,} documents: {rate:,.0f}/s")
            finally:
                bench.ledger.close()
            total = sum(s["rate"] for s in segments)
            out["sustained"] = {"segments": segments, "mean": total / len(segments)}
    return out


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    anvil_version = ""
    if ANVIL.exists():
        anvil_version = subprocess.run(
            [str(ANVIL), "--version"], capture_output=True, text=True, check=False
        ).stdout.splitlines()[0]
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "anvil": anvil_version,
    }


TARGETS = {
    ("embedded", "single"): 140,
    ("embedded", "batched"): 1_500,
    ("anvil", "single"): 2_000,
    ("anvil", "batched"): 10_000,
}


def write_docs(path: Path, results: dict[str, Any], command: str) -> None:
    info = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Confirmed document registrations per second through the gateway's transaction layer",
        "(`Transactor.send_many` → `wait_many`: nonce allocation, signing, the transaction",
        "journal, JSON-RPC batch requests, receipts polled in batches). Medians of "
        f"{results['runs']} runs.",
        "Written by `scripts/bench.py`; see *Analysis* below for what the numbers mean.",
        "",
        f"- command: `{command}`",
        f"- machine: {info['cpus']} cores, {info['cpu']}; {info['system']}; Python "
        f"{info['python']}; {info['anvil']}",
        f"- date: {results['date']}",
        "",
        "| backend | measurement | median (confirmed) | runs | submitted (median) | target | met |",
        "|---|---|---:|---|---:|---:|:-:|",
    ]
    for backend in ("embedded", "anvil"):
        data = results.get(backend)
        if not data:
            continue
        for kind, unit in (("single", "tx/s (1 doc/tx)"), ("batched", "docs/s (100 docs/tx)")):
            if kind not in data:
                continue
            entry = data[kind]
            target = TARGETS[(backend, kind)]
            runs = ", ".join(f"{r:,.0f}" for r in entry["runs"])
            met = "yes" if entry["median"] >= target else "**no**"
            sent = entry.get("submitted_median")
            lines.append(
                f"| {backend} | {kind}, {unit} | {entry['median']:,.0f} | {runs} | "
                f"{f'{sent:,.0f}' if sent else '—'} | ≥ {target:,} | {met} |"
            )
        if "restart" in data:
            r = data["restart"]
            met = "yes" if r["seconds"] <= 3 else "**no**"
            lines.append(
                f"| embedded | `open_ledger` with {r['docs']:,} docs "
                f"({r['chain_bytes'] / 1e6:,.0f} MB chain) | {r['seconds']:.2f} s | "
                f"{', '.join(f'{t:.2f}' for t in r['runs'])} | — | ≤ 3 s | {met} |"
            )
        if "sustained" in data:
            segs = data["sustained"]["segments"]
            rates = ", ".join(f"{s['rate']:,.0f}" for s in segs)
            lines.append(
                f"| anvil | sustained, docs/s per 100k up to {segs[-1]['docs_total']:,} | "
                f"{data['sustained']['mean']:,.0f} (mean) | "
                f"{rates} | — | ≥ 10,000 | "
                f"{'yes' if min(s['rate'] for s in segs) >= 10_000 else '**no**'} |"
            )
    previous = path.read_text() if path.exists() else ""
    marker = "## Analysis"
    analysis = previous[previous.index(marker) :] if marker in previous else f"{marker}\n\n(TBD)\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n\n" + analysis)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--backends", default="embedded,anvil")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=100, help="documents per batched tx")
    parser.add_argument("--single-embedded", type=int, default=2_000, help="txs per run")
    parser.add_argument("--single-anvil", type=int, default=20_000, help="txs per run")
    parser.add_argument("--batched-anvil", type=int, default=100_000, help="docs per run")
    parser.add_argument(
        "--restart-docs",
        type=int,
        default=100_000,
        help="embedded batched documents in total (over all runs), then the restart is timed",
    )
    parser.add_argument("--sustained", type=int, default=0, help="anvil: e.g. 1000000")
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    parser.add_argument("--docs-path", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    results: dict[str, Any] = {
        "machine": machine(),
        "runs": args.runs,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    work = Path(tempfile.mkdtemp(prefix="tradeledger-bench-"))
    try:
        if "embedded" in backends:
            results["embedded"] = bench_embedded(args, work, log)
        if "anvil" in backends:
            if not ANVIL.exists():
                log("anvil not installed: skipped (npm ci)")
            else:
                results["anvil"] = bench_anvil(args, work, log)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not args.no_docs:
        command = "scripts/bench.py " + " ".join(sys.argv[1:])
        write_docs(args.docs_path, results, command.strip())
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
