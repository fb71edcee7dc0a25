"""Real chain activity for the index and audit tests: every event the contract emits, signed by
the network fixture's members.

Financing calls go to the contract directly, with terms sealed the way a bank's gateway seals
them (``ledger.services.financing``: the same payload, sealed with ``ledger.confidential`` to the
bank, every regulator and the documents' registrants). Going around the gateway is the point:
the same helpers let a test sign what a gateway would refuse to (an over-limit drawdown, a
document financed beyond its face value) and check that the regulator's audit names it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from web3.logs import DISCARD

from ledger import confidential as conf
from ledger.network import Ledger
from ledger.services import documents as docs
from ledger.services import members as member_svc
from ledger.services.roles import DocType, Role

MATURITY = int(time.time()) + 180 * 86400

#: (document hash, amount, face value, fingerprints), minor units
Pledge = tuple[bytes, int, int, list[bytes]]


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
    #: financing id → its data key (what opens its entries)
    data_keys: dict[int, bytes] = field(default_factory=dict)


# -- sealing like a bank's gateway ------------------------------------------------------------


def context(ledger: Ledger) -> conf.Context:
    return conf.Context(ledger.chain_id, bytes.fromhex(ledger.contract.address[2:]))


def public_key(ledger: Ledger, address: str) -> bytes | None:
    key = bytes(ledger.contract.functions.encryptionKeyOf(address).call())
    return key if any(key) else None


def recipients(ledger: Ledger, bank: str, registrants: Sequence[str] = ()) -> list[bytes]:
    """The bank, every active regulator with a key, and ``registrants`` (those with a key)."""
    _, regulators = ledger.contract.functions.encryptionRecipients(int(Role.REGULATOR)).call()
    keys = [public_key(ledger, bank), *(bytes(k) for k in regulators)]
    keys += [public_key(ledger, r) for r in registrants]
    return list(dict.fromkeys(k for k in keys if k is not None))


def registrant_of(ledger: Ledger, doc_hash: bytes) -> str | None:
    record = ledger.contract.functions.getDocument(doc_hash).call()
    return str(record[0]) if int(record[0], 16) else None


def terms_payload(
    ledger: Ledger,
    bank: str,
    pledges: Sequence[Pledge],
    currency: str = "EUR",
    reference: str = "ref",
    kind: str = "INVOICE_FINANCING",
    maturity: int = MATURITY,
) -> dict[str, Any]:
    """The payload a bank's gateway seals (``financing._terms_payload``)."""
    ordered = sorted(pledges)
    return {
        "v": 1,
        "type": "financing",
        "bank": bank,
        "kind": kind,
        "currency": currency,
        "amount": sum(p[1] for p in ordered),
        "maturity": maturity,
        "reference": reference,
        "documents": [
            {
                "doc_hash": hx(doc),
                "amount": amount,
                "face_value": face,
                "registrant": registrant_of(ledger, doc),
                "fingerprints": [hx(f) for f in sorted(fps)],
            }
            for doc, amount, face, fps in ordered
        ],
    }


def finance(
    ledger: Ledger,
    bank: str,
    pledges: Sequence[Pledge],
    currency: str = "EUR",
    reference: str = "ref",
    *,
    story: Story | None = None,
    edit: Callable[[dict[str, Any]], None] | None = None,
    sealed_to: Sequence[bytes] | None = None,
    fingerprints: Sequence[bytes] | None = None,
    commitment: bytes | None = None,
) -> int:
    """Register a financing signed by ``bank`` (no gateway check): its id, 0 when the chain
    refused it. ``edit`` changes the payload before sealing, ``sealed_to`` replaces the readers,
    ``fingerprints`` the locks sent (default: the pledged documents' own), ``commitment`` the
    commitment sent (default: the plaintext's)."""
    payload = terms_payload(ledger, bank, pledges, currency, reference)
    if edit is not None:
        edit(payload)
    registrants = [d["registrant"] for d in payload["documents"] if d["registrant"]]
    readers = sealed_to if sealed_to is not None else recipients(ledger, bank, registrants)
    sealed = conf.seal_terms(payload, readers, context(ledger))
    locks = fingerprints if fingerprints is not None else [f for p in pledges for f in p[3]]
    call = ledger.contract.functions.registerFinancing(
        sorted(set(locks)), commitment or sealed.commitment, sealed.envelope
    )
    receipt = ledger.transactor(bank).transact(call)
    logs = ledger.contract.events.FinancingRegistered().process_receipt(receipt, errors=DISCARD)
    if not logs:
        return 0
    financing_id = int(logs[0]["args"]["financingId"])
    if story is not None:
        story.data_keys[financing_id] = sealed.data_key
    return financing_id


def refuse(
    ledger: Ledger,
    bank: str,
    pledges: Sequence[Pledge],
    refusal: dict[str, Any],
    currency: str = "EUR",
    reference: str = "ref",
    sealed_to: Sequence[bytes] | None = None,
) -> None:
    """Record a refused attempt as a bank's gateway does (``recordRefusal``), sealed to the bank
    and the regulators."""
    payload = terms_payload(ledger, bank, pledges, currency, reference)
    payload["type"] = "refusal"
    payload["refusal"] = refusal
    readers = sealed_to if sealed_to is not None else recipients(ledger, bank)
    sealed = conf.seal_terms(payload, readers, context(ledger))
    ledger.transactor(bank).transact(
        ledger.contract.functions.recordRefusal(sealed.commitment, sealed.envelope)
    )


def entry(
    ledger: Ledger,
    bank: str,
    financing_id: int,
    data_key: bytes,
    kind: str,
    amount: int,
    total_drawn: int,
    total_repaid: int,
    *,
    commitment: bytes | None = None,
) -> None:
    """Record a drawdown or repayment (``kind``) with the totals it states, as sent: no check."""
    sealed = conf.seal_entry(
        {
            "v": 1,
            "type": kind,
            "amount": amount,
            "total_drawn": total_drawn,
            "total_repaid": total_repaid,
        },
        data_key,
        context(ledger),
        financing_id,
    )
    ledger.transactor(bank).transact(
        ledger.contract.functions.recordEntry(
            financing_id, commitment or sealed.commitment, sealed.envelope
        )
    )


def locks_of(ledger: Ledger, financing_id: int) -> list[bytes]:
    """The fingerprints ``financing_id`` locks, as its event says (what a release hands back)."""
    logs = ledger.contract.events.FinancingRegistered().get_logs(
        from_block=0, argument_filters={"financingId": financing_id}
    )
    return sorted(bytes(f) for f in logs[0]["args"]["fingerprints"])


def close(ledger: Ledger, bank: str, financing_id: int) -> None:
    ledger.transactor(bank).transact(
        ledger.contract.functions.closeFinancing(financing_id, locks_of(ledger, financing_id))
    )


def cancel(ledger: Ledger, bank: str, financing_id: int, reason: int = 1) -> None:
    ledger.transactor(bank).transact(
        ledger.contract.functions.cancelFinancing(
            financing_id, reason, locks_of(ledger, financing_id)
        )
    )


# -- the story --------------------------------------------------------------------------------


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
    d, fps = story.docs, story.fingerprints
    ledger.transactor(att).transact(c.attestDocument(d["bl1"], h("manifest-1")))
    # bank A finances inv1 (EUR 600.00 of 1000.00)
    f1 = finance(ledger, bank, [(d["inv1"], 60000, 100000, fps["inv1"])], story=story)
    story.financings["f1"] = f1
    entry(ledger, bank, f1, story.data_keys[f1], "drawdown", 50000, 50000, 0)
    entry(ledger, bank, f1, story.data_keys[f1], "repayment", 20000, 50000, 20000)
    # bank B shows inv1's fingerprint again (the same invoice re-typed): the contract refuses it
    refused = finance(
        ledger, bank_b, [(d["inv2"], 10000, 50000, [fps["inv1"][0]])], reference="dup"
    )
    assert refused == 0
    # bank B finances inv2 and then cancels; later bank A finances inv2's fingerprint again
    f2 = finance(ledger, bank_b, [(d["inv2"], 40000, 50000, fps["inv2"])], story=story)
    story.financings["f2"] = f2
    cancel(ledger, bank_b, f2)
    f3 = finance(ledger, bank, [(d["inv2"], 30000, 50000, fps["inv2"])], story=story)
    story.financings["f3"] = f3
    # f1 repaid and closed
    entry(ledger, bank, f1, story.data_keys[f1], "repayment", 30000, 50000, 50000)
    close(ledger, bank, f1)
    # revocation and supersession
    ledger.transactor(ent).transact(c.revokeDocument(d["inv3"], 7))
    story.docs["bl1v2"] = h("bl1v2")
    ledger.transactor(ent).transact(c.supersedeDocument(d["bl1"], story.docs["bl1v2"]))
    # a refused attempt on the revoked document, recorded by bank B's gateway
    refuse(
        ledger,
        bank_b,
        [(d["inv3"], 100, 1000, fps["inv3"])],
        {"reason": "DOCUMENT_REVOKED", "doc_hash": hx(d["inv3"])},
        reference="revoked",
    )
    member_svc.suspend_member(ledger, admin, att)
    member_svc.reinstate_member(ledger, admin, att)
    return story
