"""Latency of a fingerprint check with the evaluator (issue #18): not a test.

Builds an embedded network with one bank and an enterprise, serves the real evaluator app
(``ledger.evaluator``) with uvicorn on 127.0.0.1 in a thread of this process (limit off), and
measures, for ``--checks`` distinct invoices (the demo UBL with another number each time):

- ``evaluate``: the evaluator round trip alone — blind the file's 3-4 inputs, sign, POST, verify
  the batch proof, unblind, hash (``Ledger.oblivious_fingerprints``);
- ``check (bank)``: a bank's whole check of a file (``documents.examine``: read, local matching,
  evaluator round trip, ``fingerprintHolder`` per fingerprint, suspicions);
- ``check (enterprise)``: the same check by an enterprise, which has no evaluation (the
  holders are unknown to it): the part of the check that is not the evaluator.

    .venv/bin/python scripts/bench_fingerprints.py              # 200 checks
    .venv/bin/python scripts/bench_fingerprints.py --checks 500 --json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from ledger import evaluator as ev  # noqa: E402
from ledger.config import Settings  # noqa: E402
from ledger.documents import read_document  # noqa: E402
from ledger.network import init_network  # noqa: E402
from ledger.services import documents as docs  # noqa: E402
from ledger.services import members as member_svc  # noqa: E402
from ledger.services.roles import Role  # noqa: E402

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {
        "p50_ms": round(pick(0.50) * 1000, 2),
        "p99_ms": round(pick(0.99) * 1000, 2),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
    }


def variant(n: int) -> bytes:
    """The demo invoice under another invoice number (distinct fingerprints each time)."""
    number = read_document(UBL).facts.number_as_written  # type: ignore[union-attr]
    return UBL.replace(number.encode(), f"BENCH-{n:05d}".encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-fingerprints-"))
    # the real evaluator app, served by uvicorn on 127.0.0.1 in this process, limit off
    scratch_cm = ev.scratch_evaluator(work / "evaluator")
    scratch = scratch_cm.__enter__()
    settings = Settings(  # type: ignore[call-arg]
        data_dir=work / "ledger",
        keystore_scrypt_n=2**10,
        chain_sync="normal",
        evaluator_url=scratch.url,
    )
    ledger, _ = init_network(settings, "Bench admin", evaluator_key=scratch.public_key)
    scratch.member_of.target = ev.contract_member_of(ledger.contract)
    admin = ledger.manifest.admin_address
    bank = member_svc.add_member(ledger, admin, "Bank", Role.BANK).member.address
    ent = member_svc.add_member(ledger, admin, "Exporter", Role.ENTERPRISE).member.address
    files = [variant(n) for n in range(args.checks)]
    docs.examine(ledger, files[0], bank, "bank")  # warm up (keystore, connections)

    evaluate, check_bank, check_ent = [], [], []
    for data in files:
        parsed = read_document(data)
        t0 = time.perf_counter()
        ledger.oblivious_fingerprints(bank, parsed)
        t1 = time.perf_counter()
        docs.examine(ledger, data, bank, "bank")
        t2 = time.perf_counter()
        docs.examine(ledger, data, ent, "enterprise")
        t3 = time.perf_counter()
        evaluate.append(t1 - t0)
        check_bank.append(t2 - t1)
        check_ent.append(t3 - t2)
    ledger.close()
    scratch_cm.__exit__(None, None, None)

    result = {
        "checks": args.checks,
        "inputs_per_file": len(ledger_inputs(files[0])),
        "evaluate": percentiles(evaluate),
        "check_bank": percentiles(check_bank),
        "check_enterprise": percentiles(check_ent),
        "cpus": os.cpu_count(),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{args.checks} checks, {result['inputs_per_file']} fingerprints per file")
    for name in ("evaluate", "check_bank", "check_enterprise"):
        r = result[name]
        print(f"  {name:18} p50 {r['p50_ms']:7.2f} ms   p99 {r['p99_ms']:7.2f} ms")


def ledger_inputs(data: bytes) -> list[Any]:
    from ledger.documents.fingerprints import fingerprint_inputs

    facts = read_document(data).facts
    return fingerprint_inputs(facts) if facts else []


if __name__ == "__main__":
    main()
