"""Real chain activity for the index tests: every event the contract emits, signed by the
network fixture's members (no financing service yet, so financing calls go to the contract)."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

from web3.logs import DISCARD

from ledger.network import Ledger
from ledger.services import documents as docs
from ledger.services import members as member_svc
from ledger.services.roles import DocType, FinancingKind

MATURITY = int(time.time()) + 180 * 86400


def h(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def hx(value: bytes) -> str:
    return "0x" + value.hex()


@dataclass
class Story:
    """What the activity did, for assertions."""

    docs: dict[str, bytes] = field(default_factory=dict)
    fingerprints: dict[str, list[bytes]] = field(default_factory=dict)
    financings: dict[str, int] = field(default_factory=dict)


def finance(
    ledger: Ledger,
    bank: str,
    pledges: list[tuple[bytes, int, int, list[bytes]]],
    currency: bytes = b"EUR",
    reference: str = "ref",
) -> int:
    """Register a financing; returns its id (0 when the chain refused it)."""
    ordered = sorted((doc, amount, face, sorted(fps)) for doc, amount, face, fps in pledges)
    call = ledger.contract.functions.registerFinancing(
        ordered, currency, int(FinancingKind.INVOICE_FINANCING), MATURITY, h(reference)
    )
    receipt = ledger.transactor(bank).transact(call)
    logs = ledger.contract.events.FinancingRegistered().process_receipt(receipt, errors=DISCARD)
    return int(logs[0]["args"]["financingId"]) if logs else 0


def release(ledger: Ledger, financing_id: int, pledged: list[tuple[bytes, list[bytes]]]) -> list:  # type: ignore[type-arg]
    return [(doc, sorted(fps)) for doc, fps in sorted(pledged)]


def run_story(ledger: Ledger, net: object) -> Story:
    """Register, attest, finance, refuse, draw, repay, close, cancel, revoke, supersede,
    suspend and reinstate: one of every event."""
    bank = net.bank.address  # type: ignore[attr-defined]
    bank_b = net.bank_b.address  # type: ignore[attr-defined]
    ent = net.enterprise.address  # type: ignore[attr-defined]
    att = net.attestor.address  # type: ignore[attr-defined]
    admin = net.admin.address  # type: ignore[attr-defined]
    story = Story()
    c = ledger.contract.functions
    for name in ("inv1", "inv2", "inv3", "bl1"):
        story.docs[name] = h(name)
        kind = DocType.BILL_OF_LADING if name.startswith("bl") else DocType.INVOICE
        docs.register(ledger, ent, story.docs[name], kind)
    story.fingerprints = {
        "inv1": [h("fp-inv1-a"), h("fp-inv1-b")],
        "inv2": [h("fp-inv2-a")],
        "inv3": [h("fp-inv3-a")],
    }
    ledger.transactor(att).transact(c.attestDocument(story.docs["bl1"], h("manifest-1")))
    # bank A finances inv1 (EUR 600.00 of 1000.00)
    f1 = finance(ledger, bank, [(story.docs["inv1"], 60000, 100000, story.fingerprints["inv1"])])
    story.financings["f1"] = f1
    ledger.transactor(bank).transact(c.drawdown(f1, 50000))
    ledger.transactor(bank).transact(c.repay(f1, 20000))
    # bank B shows inv1's fingerprint again (the same invoice re-typed): refused
    refused = finance(
        ledger,
        bank_b,
        [(story.docs["inv2"], 10000, 50000, [story.fingerprints["inv1"][0]])],
        reference="dup",
    )
    assert refused == 0
    # bank B finances inv2 and then cancels; later bank A finances inv2's fingerprint again
    f2 = finance(ledger, bank_b, [(story.docs["inv2"], 40000, 50000, story.fingerprints["inv2"])])
    story.financings["f2"] = f2
    ledger.transactor(bank_b).transact(
        c.cancelFinancing(f2, 1, [(story.docs["inv2"], story.fingerprints["inv2"])])
    )
    f3 = finance(ledger, bank, [(story.docs["inv2"], 30000, 50000, story.fingerprints["inv2"])])
    story.financings["f3"] = f3
    # f1 repaid and closed
    ledger.transactor(bank).transact(c.repay(f1, 30000))
    ledger.transactor(bank).transact(
        c.closeFinancing(f1, [(story.docs["inv1"], sorted(story.fingerprints["inv1"]))])
    )
    # revocation and supersession
    ledger.transactor(ent).transact(c.revokeDocument(story.docs["inv3"], 7))
    story.docs["bl1v2"] = h("bl1v2")
    ledger.transactor(ent).transact(c.supersedeDocument(story.docs["bl1"], story.docs["bl1v2"]))
    # a refused attempt on the revoked document
    finance(ledger, bank_b, [(story.docs["inv3"], 100, 1000, story.fingerprints["inv3"])])
    member_svc.suspend_member(ledger, admin, att)
    member_svc.reinstate_member(ledger, admin, att)
    return story
