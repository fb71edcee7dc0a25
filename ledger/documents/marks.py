"""Marks: what a re-issue or a split of an invoice shares with it, for banks that cannot see it.

A re-issue (the same invoice under a new number and date) and a split (one invoice cut into
parts) change every fact a fingerprint covers, so no fingerprint lock stops them, and a bank's
own suspicion checks (``suspicion.py``) see only the invoices lodged at its own gateway. An
invoice financed at Bank A and re-issued to Bank B was caught by no one (a tryout of
2026-12-03). A financing therefore carries **marks** on chain beside its fingerprints
(``registerMarkedFinancing``): values computed from the facts such an invoice keeps, which
lock nothing. Another bank's check computes the same marks of its file and reads which active
financings carry them (``markedFinancings``): a shared mark makes the file suspicious, with the
financing named, for a person to judge; a financing of it must then be acknowledged
(``ledger.services.financing``), as for the suspicions found among a bank's own files.

Two marks per invoice, each over the facts its trick keeps (the strongest key identifier of
seller and buyer, as the fingerprints name parties):

- ``mark_reissue`` — type, seller, buyer, currency, amount due (EN 16931 BT-115, as
  ``DocumentFacts.amount_due_minor`` reads it), every line (item, quantity, net amount);
- ``mark_split`` — type, seller, buyer, currency, issue date (BT-2), the set of line items:
  the parts of a split issued with their invoice share it with the invoice and each other.

Both also carry the delivery references the invoice states (order, despatch advice, receiving
advice, delivery date, invoicing period: ``suspicion.DELIVERY_REFERENCES``): a monthly invoice
for the same lines that names its period is a different delivery, not a re-issue, and gets a
different mark — as a pair of such invoices lodged at one gateway is cleared by its
references. Unlike that local check, an invoice that states a reference and one that does not
get different marks, so such a pair is not caught across banks.

Marks are computed as on-chain fingerprints are: the consortium's evaluator's OPRF output over
the same canonical encoding (``fingerprints.oprf_input``, each kind domain-separated), hashed
(``fingerprints.onchain_value``). Nobody who cannot have the evaluator evaluate the facts can
compute or test a mark (docs/fingerprints.md). Only invoices with a positive amount due, lines,
a currency and a keyed seller and buyer have marks; a credit note has none.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from .facts import DocumentFacts
from .fingerprints import oprf_input, party_fields, type_label
from .suspicion import DELIVERY_REFERENCES


class MarkKind(StrEnum):
    """Which trick a mark would reveal: a re-issue or a split of a financed invoice."""

    REISSUE = "mark_reissue"
    SPLIT = "mark_split"

    @property
    def matching_facts(self) -> tuple[str, ...]:
        """The facts an invoice carrying the same mark shares with the financed one."""
        if self is MarkKind.REISSUE:
            return ("seller", "buyer", "currency", "amount", "lines")
        return ("seller", "buyer", "currency", "issue_date", "lines")


@dataclass(frozen=True)
class MarkInput:
    """One mark's kind and the fields the evaluator evaluates (see the module docstring)."""

    kind: MarkKind
    fields: tuple[str | None, ...]

    def oprf_input(self) -> bytes:
        """The canonical encoding the evaluator evaluates (:func:`fingerprints.oprf_input`)."""
        return oprf_input(self.kind.value, self.fields)


def _references(facts: DocumentFacts) -> str:
    stated = facts.reference_map
    return json.dumps([[k, stated[k]] for k in DELIVERY_REFERENCES if k in stated])


def mark_inputs(facts: DocumentFacts | None) -> list[MarkInput]:
    """The inputs of the marks of ``facts`` (``[]`` when it has none: a raw file, a credit
    note, no positive amount due, no lines, no currency, or a seller or buyer without a key
    identifier), in :class:`MarkKind` order."""
    if facts is None or facts.credit_note or not facts.lines or not facts.currency:
        return []
    due = facts.amount_due_minor
    if due is None or due <= 0:
        return []
    if facts.seller is not None and facts.seller.unkeyed:
        return []
    seller, buyer = party_fields(facts.seller), party_fields(facts.buyer)
    if seller[0] is None or buyer[0] is None:
        return []
    label = type_label(facts)
    references = _references(facts)
    lines = json.dumps(sorted([ln.item, ln.quantity, ln.amount_minor] for ln in facts.lines))
    items = json.dumps(sorted({ln.item for ln in facts.lines}))
    found = [
        MarkInput(
            MarkKind.REISSUE,
            (label, *seller, *buyer, facts.currency, str(due), lines, references),
        )
    ]
    if facts.issue_date is not None:
        issued = facts.issue_date.isoformat()
        found.append(
            MarkInput(
                MarkKind.SPLIT,
                (label, *seller, *buyer, facts.currency, issued, items, references),
            )
        )
    return found


def oprf_inputs(inputs: Sequence[MarkInput]) -> list[bytes]:
    """The evaluator's inputs of ``inputs``, in order."""
    return [i.oprf_input() for i in inputs]
