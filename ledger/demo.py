"""``tradeledger demo``: the double-financing story on a fresh embedded chain, in plain words.

An exporter registers an invoice (a real EN 16931 UBL invoice shipped in ``ledger/demo_data``)
and its bill of lading (JSON form); customs attests the bill of lading; bank A finances 80% of
the invoice; bank B receives the *same invoice as CII XML* and is refused, with the evidence; a
drawdown and a repayment; the regulator's audit shows everything, bank B's attempt included.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

from ledger import evaluator as ev
from ledger.config import Settings
from ledger.errors import FinancingRefused, LedgerStateError
from ledger.network import Ledger, init_network
from ledger.services import documents as docs
from ledger.services import financing as fin
from ledger.services import members as member_svc
from ledger.services.roles import FinancingKind, RefusalReason, Role

Say = Callable[[str], None]


def demo_file(name: str) -> bytes:
    """A file shipped in ``ledger/demo_data``."""
    return resources.files("ledger.demo_data").joinpath(name).read_bytes()


def _money(minor: int, currency: str) -> str:
    return f"{minor / 100:,.2f} {currency}"


def _short(value: str) -> str:
    return value[:10] + "…" + value[-4:]


def run_demo(data_dir: Path | None, say: Say = print) -> None:
    """Run the story in ``data_dir``, which is kept; by default in a new temporary directory,
    removed when the story ends (or fails)."""
    if data_dir is not None:
        if (data_dir / "manifest.json").exists():
            raise LedgerStateError(f"{data_dir} already holds a ledger: give a new --data-dir")
        _run(data_dir, say)
        return
    with tempfile.TemporaryDirectory(prefix="tradeledger-demo-") as temporary:
        _run(Path(temporary), say, temporary=True)
    say(f"\n(The demo ledger in {temporary} was removed; give --data-dir to keep one.)")


def _run(data_dir: Path, say: Say, temporary: bool = False) -> None:
    settings = Settings(data_dir=data_dir, keystore_scrypt_n=2**12, chain_sync="normal")
    where = "a temporary directory, " if temporary else ""
    say(f"A fresh consortium ledger on an embedded chain in {where}{data_dir}\n")
    # the consortium's fingerprint evaluator: its key in a directory of its own (never the
    # ledger's), served beside the story for its length (docs/fingerprints.md)
    with tempfile.TemporaryDirectory(prefix="tradeledger-demo-evaluator-") as evaluator_dir:
        public = ev.init_key(Path(evaluator_dir) / "evaluator")
        ledger, _ = init_network(settings, "Consortium admin", evaluator_key=public)
        try:
            service = ev.EvaluatorService(
                ev.load_key(Path(evaluator_dir) / "evaluator"),
                ev.EvaluationLog(Path(evaluator_dir) / "evaluator" / ev.LOG_FILE),
                ev.contract_member_of(ledger.contract),
            )
            with ev.served_in_thread(service) as url:
                ledger.settings.evaluator_url = url
                _story(ledger, say)
            service.log.close()
        finally:
            ledger.close()


def _story(ledger: Ledger, say: Say) -> None:
    admin = ledger.manifest.admin_address
    names: dict[str, str] = {}

    def member(name: str, role: Role, legal_id: str = "") -> str:
        address = member_svc.add_member(ledger, admin, name, role, legal_id).member.address
        names[address] = name
        return address

    # the seller of the demo invoices (VAT DK13585628): terms on them are sealed to it
    exporter = member("Nordic Exporter A/S", Role.ENTERPRISE, "DK13585628")
    customs = member("Danish Customs", Role.ATTESTOR)
    bank_a = member("Bank A", Role.BANK)
    bank_b = member("Bank B", Role.BANK)
    regulator = member("Financial Supervisory Authority", Role.REGULATOR)
    say("1. The members join: " + ", ".join(names.values()) + ".")

    ubl = demo_file("invoice-ubl.xml")
    cii = demo_file("invoice-cii.xml")
    bill = json.loads(demo_file("bill-of-lading.json"))
    invoice, receipt, _ = docs.register_file(ledger, exporter, "enterprise", ubl, "invoice.xml")
    facts = invoice.facts or {}
    face = int(facts["amountMinor"])
    currency = str(facts["currency"])
    # what the gateway kept of the file (an enterprise's answer shows no fingerprints)
    kept = ledger.db.received(invoice.doc_hash, exporter)
    keyed = len(docs.local_values(kept[0].fingerprints)) if kept else 0
    say(
        f"2. {names[exporter]} registers invoice {facts['numberAsWritten']} "
        f"({_money(face, currency)}, UBL XML) in block {receipt.block}.\n"
        f"   Only its SHA-256 goes on chain: {_short(invoice.doc_hash)}. The gateway keeps its "
        f"facts and {keyed} keyed fingerprints."
    )
    bl, bl_receipt, _ = docs.register_file(
        ledger, exporter, "enterprise", docs.canonical_json(bill), "bill-of-lading.json"
    )
    say(
        f"   It registers the bill of lading {bill['documentNumber']} (JSON form) in block "
        f"{bl_receipt.block}: {_short(bl.doc_hash)}."
    )
    attested = docs.attest(ledger, customs, docs.parse_doc_hash(bl.doc_hash), "MRN 13DK0000471")
    say(
        f"3. {names[customs]} attests that the bill of lading matches its export record "
        f"(block {attested.block})."
    )

    docs.receive(ledger, bank_a, "bank", ubl, "invoice-from-exporter.xml")
    amount = face * 80 // 100
    maturity = datetime.now(UTC) + timedelta(days=90)
    first = fin.create(
        ledger,
        bank_a,
        [fin.PledgeRequest(docs.parse_doc_hash(invoice.doc_hash), amount)],
        currency,
        FinancingKind.INVOICE_FINANCING,
        maturity,
        "A-2024-0042",
    )
    say(
        f"4. {names[bank_a]} receives the invoice, its gateway reads the same facts, and it "
        f"finances 80%: {_money(amount, currency)} as financing {first.financing_id} "
        f"(block {first.registered_block}).\n"
        f"   On chain the financing holds the invoice's fingerprints, not its content."
    )

    _, seen = docs.examine(ledger, cii, bank_b, "bank")
    held = [f for f in seen.fingerprints if f.held_by_financing]
    say(
        f"5. The exporter sends the same invoice to {names[bank_b]}, this time as CII XML: other "
        f"bytes, other hash ({_short(seen.doc_hash)}).\n"
        f"   Checking it, {names[bank_b]}'s gateway finds {len(held)} of its "
        f"{len(seen.fingerprints)} fingerprints held by financing "
        f"{', '.join(map(str, seen.conflicting_financings))}."
    )
    docs.receive(ledger, bank_b, "bank", cii, "invoice-from-exporter-cii.xml")
    try:
        fin.create(
            ledger,
            bank_b,
            [fin.PledgeRequest(docs.parse_doc_hash(seen.doc_hash), amount)],
            currency,
            FinancingKind.FACTORING,
            maturity,
            "B-77",
        )
        say("   (unexpected: bank B's financing was accepted)")
    except FinancingRefused as refused:
        d = refused.details
        say(
            f"   {names[bank_b]} tries anyway, pledging the CII file's hash (which nobody "
            f"registered: a bank pledges what it received) and the ledger REFUSES the "
            f"financing:\n"
            f"     reason:                {d['reason']}\n"
            f"     document:              {d['doc_hash']}\n"
            f"     conflicting financing: {d['conflicting_financing_id']} "
            f"(by {names.get(fin.get(ledger, d['conflicting_financing_id']).bank, '?')})\n"
            f"     fingerprint:           {d['fingerprint']} ({d['fingerprint_kind']})\n"
            f"   The refusal itself is recorded on chain (block {d['block']}): nothing changed "
            f"hands, but the attempt is visible."
        )

    drawn = fin.drawdown(ledger, bank_a, first.financing_id, amount)
    repaid = fin.repay(ledger, bank_a, first.financing_id, amount // 2)
    state = fin.get(ledger, first.financing_id, reader=bank_a)
    assert state.terms is not None  # the bank reads its own financing
    say(
        f"6. {names[bank_a]} pays out {_money(amount, currency)} (block {drawn.block}); the "
        f"exporter repays {_money(amount // 2, currency)}, which the bank records (block "
        f"{repaid.block}: only the financing's bank may record a repayment). Outstanding: "
        f"{_money(state.terms.outstanding, currency)}."
    )
    say(
        f"7. The regulator ({names[regulator]}) audits the invoice (UBL and its CII copy), the "
        "bill of lading and the refusals:"
    )
    for line in _audit(ledger, [invoice.doc_hash, bl.doc_hash, seen.doc_hash], names, regulator):
        say("   " + line)


def _audit(
    ledger: Ledger, doc_hashes: list[str], names: dict[str, str], regulator: str
) -> list[str]:
    """The regulator's view: from the event index (ledger.services.audit) when available,
    else straight from the contract's event logs."""
    lines: list[str] = []
    try:
        from ledger.indexer import EventIndex
        from ledger.services import audit

        index = EventIndex.for_ledger(ledger)
        try:
            index.catch_up()
            events = []
            for doc in doc_hashes:
                events += audit.timeline(index, doc, limit=audit.MAX_LIMIT).items
            seen: set[tuple[int, int]] = set()
            for e in sorted(events, key=lambda e: (e.block_number, e.log_index)):
                if (e.block_number, e.log_index) in seen:
                    continue
                seen.add((e.block_number, e.log_index))
                lines.append(f"block {e.block_number:>3}  {e.event}{_args(e.args, names)}")
            refusals = audit.refusals(index, limit=audit.MAX_LIMIT).items
            lines += [
                f"refused: {names.get(r.bank, r.bank)} on {_short(r.doc_hash)} — {r.reason}, "
                f"in the way: financing {r.conflicting_financing_id} of "
                f"{names.get(r.conflicting_bank or '', r.conflicting_bank)}"
                for r in refusals
            ]
            return lines
        finally:
            index.close()
    except Exception:  # the audit service is optional here: read the chain instead
        lines = []
    for doc in doc_hashes:
        detail = docs.detail(ledger, docs.parse_doc_hash(doc), regulator, "regulator")
        lines += [f"block {e.block:>3}  {e.event}{_args(e.args, names)}" for e in detail.history]
    lines += [
        f"refused: {names.get(r.bank, r.bank)} on {_short(r.doc_hash or '')} — "
        f"{r.reason.name if r.reason else 'confidential'}, "
        f"in the way: financing {r.conflicting_financing_id}"
        for r in fin.refusals(ledger, reader=regulator)
    ]
    return lines


def _args(args: dict[str, object], names: dict[str, str]) -> str:
    shown = []
    for key in ("registrant", "attestor", "bank", "financingId", "amount", "reason"):
        value = args.get(key)
        if value is None:
            continue
        if key == "reason":
            value = RefusalReason(int(str(value))).name
        shown.append(f"{key}={names.get(str(value), value)}")
    return f" ({', '.join(shown)})" if shown else ""
