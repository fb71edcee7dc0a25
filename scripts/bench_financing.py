#!/usr/bin/env python3
"""Financing throughput through the gateway's financing service, before and after issue #14.

    .venv/bin/python scripts/bench_financing.py                    # this tree, embedded chain
    .venv/bin/python scripts/bench_financing.py --tree /tmp/old    # another checkout, same script
    .venv/bin/python scripts/bench_financing.py --chain-url http://127.0.0.1:8545 \
        --funding-key-file key.txt                                 # a JSON-RPC node (anvil)

A fresh ledger with a bank, a regulator and an enterprise; N distinct invoices lodged by the
bank (not timed); then, timed, N financings of one invoice each (``financing.create``: the
gateway's checks, fingerprints, sealing and the transaction), then N drawdowns and N
repayments; then, for a sample of the invoices, whether each is financed as the regulator's
reads ask it (the financings pledging it: every financing on chain searched, then — a tree with
``ledger.indexer.pledges`` — the served gateway's way, the event index naming the candidates).
It uses only calls both trees have, so ``--tree`` measures the code before the
terms were sealed with the same script. Prints operations per second and milliseconds per
operation (p50, p99); ``--json`` for a machine-readable line. Also times sealing and opening
one terms envelope on its own (this tree only).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any


def _invoice(template: bytes, number: int) -> bytes:
    """The sample invoice with its own number (BT-1) and amount due (BT-115)."""
    data = template.replace(b"<cbc:ID>TOSL110</cbc:ID>", f"<cbc:ID>B{number:07d}</cbc:ID>".encode())
    for total in ("TaxInclusiveAmount", "PayableAmount"):  # BT-112 = BT-115 (BR-CO-16)
        data = data.replace(
            f'<cbc:{total} currencyID="DKK">4675.00</cbc:{total}>'.encode(),
            f'<cbc:{total} currencyID="DKK">{1000 + number}.00</cbc:{total}>'.encode(),
        )
    return data


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _timed(label: str, n: int, step: Any) -> dict[str, float]:
    times = []
    start = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        step(i)
        times.append((time.perf_counter() - t0) * 1000)
    total = time.perf_counter() - start
    return {
        f"{label}_per_s": n / total,
        f"{label}_p50_ms": statistics.median(times),
        f"{label}_p99_ms": _percentile(times, 0.99),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    from ledger.config import Settings
    from ledger.network import init_network
    from ledger.services import documents as docs
    from ledger.services import financing as fin
    from ledger.services import members
    from ledger.services.roles import FinancingKind, Role

    template = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        extra: dict[str, Any] = {}
        try:  # a tree with oblivious fingerprints (issue #18) finances through an evaluator
            from ledger import evaluator as ev
        except ImportError:
            ev = None  # type: ignore[assignment]
        if ev is not None:
            scratch = stack.enter_context(ev.scratch_evaluator(Path(tmp) / "evaluator"))
            extra["evaluator_key"] = scratch.public_key
        values: dict[str, Any] = {
            "data_dir": Path(tmp) / "ledger",
            "keystore_scrypt_n": 2**10,
            "chain_sync": "normal",
        }
        if args.chain_url:
            values["chain_url"] = args.chain_url
            values["funding_key_file"] = args.funding_key_file
        if ev is not None:
            values["evaluator_url"] = scratch.url
        ledger, _ = init_network(Settings(**values), "Bench admin", **extra)
        if ev is not None:
            scratch.member_of.target = ev.contract_member_of(ledger.contract)
        try:
            admin = ledger.manifest.admin_address
            bank = members.add_member(ledger, admin, "Bench bank", Role.BANK).member.address
            regulator = members.add_member(
                ledger, admin, "Bench regulator", Role.REGULATOR
            ).member.address
            hashes = [
                docs.receive(ledger, bank, "bank", _invoice(template, i)).doc_hash
                for i in range(args.n)
            ]
            maturity = datetime.now(UTC) + timedelta(days=365)
            ids: list[int] = []

            def create(i: int) -> None:
                f = fin.create(
                    ledger,
                    bank,
                    [fin.PledgeRequest(docs.parse_doc_hash(hashes[i]), 100_000)],
                    "DKK",
                    FinancingKind.INVOICE_FINANCING,
                    maturity,
                    f"R{i}",
                )
                ids.append(f.financing_id)

            result: dict[str, Any] = {
                "n": args.n,
                "backend": "anvil" if args.chain_url else "embedded",
                "code": str(Path(fin.__file__).resolve().parent.parent.parent),
            }
            result |= _timed("create", args.n, create)
            result |= _timed(
                "drawdown", args.n, lambda i: fin.drawdown(ledger, bank, ids[i], 50_000)
            )
            result |= _timed("repay", args.n, lambda i: fin.repay(ledger, bank, ids[i], 50_000))
            # whether a document is financed, as its record and check ask it of the regulator:
            # every financing on chain searched, then (a served gateway) the index's candidates
            sample = [docs.parse_doc_hash(h) for h in hashes[:: max(1, args.n // 20)]]

            def financed(i: int) -> None:
                assert docs.is_financed(ledger, sample[i], regulator, "regulator", None)

            result |= _timed("financed_chain_search", len(sample), financed)
            try:
                from ledger.indexer import EventIndex
                from ledger.indexer.pledges import pledged_to  # noqa: F401  (this tree has it)
            except ImportError:
                pass  # a tree before the index narrowed the reads
            else:
                index = EventIndex.for_ledger(ledger)
                index.catch_up()
                ledger.event_index = index
                result |= _timed("financed_index", len(sample), financed)
                ledger.event_index = None
                index.close()
        finally:
            ledger.close()
    try:
        from ledger import confidential as conf

        if Path(conf.__file__).resolve().parent.parent != Path(result["code"]):
            raise ImportError("the tree measured has no sealed terms")  # before issue #14

        key = conf.new_private_key()
        readers = [conf.public_bytes(key)] + [
            conf.public_bytes(conf.new_private_key()) for _ in range(2)
        ]
        ctx = conf.Context(1, b"\x01" * 20)
        payload = {"amount": 100_000, "documents": [{"doc_hash": "0x" + "ab" * 32}]}
        sealed = conf.seal_terms(payload, readers, ctx)
        result |= _timed("seal", 1000, lambda i: conf.seal_terms(payload, readers, ctx))
        result |= _timed("open", 1000, lambda i: conf.open_terms(sealed.envelope, [key], ctx))
        result["envelope_bytes"] = len(sealed.envelope)
    except ImportError:
        pass  # the tree before issue #14
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100, help="financings (and entries) timed")
    parser.add_argument("--tree", type=Path, help="run the code of another checkout")
    parser.add_argument("--chain-url")
    parser.add_argument("--funding-key-file", type=Path)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.tree:
        # the other checkout's modules, not this tree's editable install
        sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in type(f).__module__]
        sys.path.insert(0, str(args.tree.resolve()))
    result = run(args)
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:>18}: {value:,.2f}" if isinstance(value, float) else f"{key:>18}: {value}")


if __name__ == "__main__":
    main()
