"""Marks: what a re-issue or a split of an invoice shares with it, for banks that cannot see it.

A re-issue (the same invoice under a new number and date) and a split (one invoice cut into
parts) change every fact a fingerprint covers, so no fingerprint lock stops them, and a bank's
own suspicion checks (``suspicion.py``) see only the invoices lodged at its own gateway. An
invoice financed at Bank A and re-issued to Bank B was caught by no one (a tryout of
2026-12-03). A financing therefore carries **marks** on chain beside its fingerprints
(``registerMarkedFinancing``): values computed from the facts such an invoice keeps, which
lock nothing. Another bank's check computes the same marks of its file and reads which active
financings carry them (``markCarriers``): a shared mark makes the file suspicious, with the
financing named, for a person to judge; a financing of it must then be acknowledged
(``ledger.services.financing``), as for the suspicions found among a bank's own files.

Nine kinds of mark, each over the facts its trick keeps (the strongest key identifier of
seller and buyer, as the fingerprints name parties; ``mark_reissue``, ``mark_number``,
``mark_digits`` and ``mark_seller_amount`` name no buyer). The "type" each names is one for
every document (:data:`MARK_LABEL`): a document's type is what its file declares, and a tryout
financed an invoice again as a JSON form declaring itself a Contract, a PurchaseOrder and a
WarehouseReceipt, whose fingerprints its type kept apart:

- ``mark_reissue`` — type, seller (by its strongest key identifier as written; and again by
  each key identifier and its name as ``mark_number`` names them, its lines then by their net
  amounts alone: a copy with the seller's VAT id deleted or mistyped keeps its legal id,
  tryout 59, and one with its items renamed or its quantities re-written every net amount,
  tryouts 61 and 62), currency,
  amount due (EN 16931 BT-115, as
  ``DocumentFacts.amount_due_minor`` reads it), every line (item, quantity, net amount), the
  delivery references stated; **no buyer**: a re-issue with the buyer's customer number
  re-typed (``10202`` → ``10203``) under a new number and date kept every line and met
  nothing when the buyer was one of its fields (a tryout of 2026-12-05). Two buyers invoiced
  the same lines for the same amount by one seller meet on it: a suspicion, for a person;
- ``mark_split`` — type, seller, buyer, currency, issue date (BT-2), the set of line items:
  the parts of a split issued with their invoice share it with the invoice and each other;
- ``mark_order`` — type, seller, buyer, currency, issue date and the delivery references the
  invoice states (order BT-13 and the others below), for an invoice that states one: the parts
  of an invoice split *by its lines* share no line set with it, and keep these (a tryout of
  2026-12-05 financed both parts of an invoice financed at another bank, unseen);
- ``mark_amount`` — type, seller, buyer, currency, amount due, and whether the invoice states
  its lines (``lines`` or ``no lines``): what a re-issue keeps when the lines cannot be
  compared. The JSON form states no lines, so an invoice re-typed as a JSON form under a new
  number and date had no marks at all, and was financed at a second bank unseen (a tryout of
  2026-12-04); and, between two invoices that state lines, one more with their delivery
  references: their lines re-cut for the same amounts (2 x 9.95 as 1 x 19.90, a line of 0.00
  added) hid a re-issue (tryout 62); and an invoice of one line looks for one more,
  ``several lines``, that an invoice of two lines or more carries: a re-issue with its lines
  merged into one (tryout 68), while two one-line invoices (a monthly fee) never meet so;
- ``mark_items`` — type, seller, buyer, every line's item and quantity, the figure due, the
  delivery references stated; **no currency**: a re-issue in another currency (every EUR made
  USD under a new number and date) met nothing at a bank that held no file of the invoice
  (tryout 62);
- ``mark_number`` — type, seller (one mark per key identifier of the seller, as
  ``seller_number`` fingerprints are: a copy naming the seller by its KvK number meets an
  original naming it by its VAT id beside it; and one by the seller's name, which a copy naming
  the seller by name alone, or by an identifier that fails its check, still shares), the
  digits of the number (:func:`number_digits`: its letters, and each digit group's leading
  zeros, aside; beside a run of 6 digits or more, the shorter runs too — a year appended to
  ``12115118`` is passed over), currency and amount due —
  **no buyer, no date**. Every other mark names the buyer, so a copy that re-typed the buyer's
  identifier (a supplier's customer number, ``10202`` → ``10203``) or left the buyer out (a JSON
  form) under a number with a letter added (``12115118-B``, ``INV-12115118``) met none of them,
  and a tryout of 2026-12-05 financed one invoice three times so. A number with fewer than
  :data:`MIN_NUMBER_DIGITS` digits is compared whole (normalised: ``TOSL110``), not by its
  digits: by its digits alone it would meet a seller's other invoices of the same amount too
  often.
- ``mark_seller_amount`` — type, seller (its strongest key identifier and its name), currency,
  amount due and whether the invoice states lines, carried and looked for as ``mark_amount``
  is; **no buyer, no number, no date**: tryouts 59 and 61 financed an invoice again as a JSON
  form naming no buyer, or its buyer re-typed, under a new number and date, and every other
  mark needed a buyer, lines, the date or the number's digits.
- ``mark_buyer`` — type, buyer (its strongest key identifier), the digits of the number, issue
  date, currency and amount due; **no seller**: every other mark names the seller, so a copy
  with the seller's VAT id swapped and its name re-written met nothing (tryouts 64 and 66).
The first two are only for invoices that state their lines, and a file looks for the same
marks it would carry. ``mark_amount`` is carried and looked for differently, so that two
invoices that both state their lines are never matched on their amount alone (their lines
decide, through ``mark_reissue``): an invoice *carries* the one of its own kind (``lines`` or
``no lines``) and *looks for* the ``no lines`` one always, and the ``lines`` one too when it
states none itself (:attr:`MarkInput.carried`, :attr:`MarkInput.looked_for`). A pair with at
least one invoice without lines meets on it; a pair that both state lines does not.

The first two also carry the delivery references the invoice states (order, despatch advice,
receiving advice, delivery date, invoicing period: ``suspicion.DELIVERY_REFERENCES``): a
monthly invoice for the same lines that names its period is a different delivery, not a
re-issue, and gets a different mark — as a pair of such invoices lodged at one gateway is
cleared by its references. A reference only one of a pair states clears nothing, as in that
local check: each mark that names the references is also carried with "some references" by an
invoice that states them, and looked for so by one that states none
(:func:`_references_either_way`; tryout 88 left a re-issue's delivery date out). The first
``mark_reissue`` mark and the ``mark_amount`` marks by lines also meet when one invoice states
references the other states, and more, or each states one of two kinds: a re-issue that adds
references (an order, a despatch advice) or drops some, or states an order for its delivery
date (tryouts 90 and 91 did so, one with its lines re-cut, and met nothing).
``mark_amount`` carries no reference: a JSON form states none, and a reference only one of a
pair states clears nothing in the local check either.

A financing carries at most the contract's ``MAX_FINANCING_MARKS`` (64: 4 per pledge of its
16); :func:`within_limit` keeps, when a financing's documents have more, each document's
marks in :data:`CARRY_PRECEDENCE` order, the first of every document before the second of any.

Marks are computed as on-chain fingerprints are: the consortium's evaluator's OPRF output over
the same canonical encoding (``fingerprints.oprf_input``, each kind domain-separated), hashed
(``fingerprints.onchain_value``). Nobody who cannot have the evaluator evaluate the facts can
compute or test a mark (docs/fingerprints.md). Only invoices with a positive amount due and a
currency have marks; ``mark_number`` and ``mark_digits`` need a seller's key identifier or
name, ``mark_reissue`` a keyed seller, the others a keyed seller and buyer (``mark_reissue``
and ``mark_split`` only for invoices that state lines); a credit note has none.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import combinations
from typing import TypeVar

from ledger.oprf import MAX_INPUT_BYTES

from .facts import DocumentFacts, IdScheme, Party, PartyId
from .fingerprints import oprf_input, party_fields, register_local
from .identifiers import national_parts
from .normalise import digits_in_order
from .partynames import sounds_like
from .suspicion import DELIVERY_REFERENCES

T = TypeVar("T")


class MarkKind(StrEnum):
    """Which trick a mark would reveal: a re-issue or a split of a financed invoice."""

    REISSUE = "mark_reissue"
    SPLIT = "mark_split"
    AMOUNT = "mark_amount"
    #: type, seller, buyer, currency, issue date and the delivery references: the parts of an
    #: invoice split *by its lines* (each part some of the lines) keep these, and no line set
    ORDER = "mark_order"
    #: type, seller (one per key identifier), the number's digits, currency, amount due: the
    #: same invoice with letters of its number and its buyer re-typed or left out
    NUMBER = "mark_number"
    #: type, seller (its strongest key identifier, and its name), every digit of the number
    #: run together, currency, amount due, issue date: the same invoice with the digits of its
    #: number regrouped (``12 115 118``, ``1211-5118``) and its buyer re-typed or left out
    DIGITS = "mark_digits"
    #: type, seller (its strongest key identifier, and its name), currency, amount due,
    #: whether the invoice states lines; no buyer, no number, no date: the same invoice as a
    #: file that states no lines (a JSON form) under a new number and date with its buyer left
    #: out or re-typed (tryouts 59 and 61 financed the EN 16931 example again so)
    SELLER_AMOUNT = "mark_seller_amount"
    #: type, seller, buyer, every line's item and quantity, the figure due, the delivery
    #: references; no currency: the same invoice re-issued in another currency (tryout 62)
    ITEMS = "mark_items"
    #: type, buyer (its strongest key identifier), the number's digits, issue date, currency,
    #: amount due; **no seller**: the same invoice with its seller re-keyed and renamed (every
    #: other mark names the seller: a copy with the seller's VAT id swapped and its name
    #: re-written met nothing, tryouts 64 and 66)
    BUYER = "mark_buyer"

    @property
    def matching_facts(self) -> tuple[str, ...]:
        """The facts an invoice carrying the same mark shares with the financed one."""
        if self is MarkKind.REISSUE:
            return ("seller", "currency", "amount", "lines")
        if self is MarkKind.AMOUNT:
            return ("seller", "buyer", "currency", "amount")
        if self is MarkKind.ORDER:
            return ("seller", "buyer", "currency", "issue_date", "references")
        if self is MarkKind.NUMBER:
            return ("seller", "number_digits", "currency", "amount")
        if self is MarkKind.DIGITS:
            return ("seller", "number_digits", "currency", "amount", "issue_date")
        if self is MarkKind.SELLER_AMOUNT:
            return ("seller", "currency", "amount")
        if self is MarkKind.ITEMS:
            return ("seller", "buyer", "lines")
        if self is MarkKind.BUYER:
            return ("buyer", "number_digits", "issue_date", "currency", "amount")
        return ("seller", "buyer", "currency", "issue_date", "lines")


#: the type every mark names (a credit note has none): marks compare documents of every type
MARK_LABEL = "DOCUMENT"
#: ``mark_amount``'s last field: whether the invoice states its lines
LINES_STATED, NO_LINES = "lines", "no lines"
#: ``mark_amount``'s fourth field on the mark an invoice of several lines carries and one of a
#: single line looks for: a re-issue with its lines merged into one (tryout 68)
SEVERAL_LINES = "several lines"
#: the delivery-references field of a mark that an invoice stating delivery references also
#: carries, and one stating none also looks for (:func:`_references_either_way`)
SOME_REFERENCES = "some references"
#: the prefix of the delivery-references field of a mark an invoice stating these references
#: and more carries, and one stating these looks for (:func:`_references_either_way` with
#: ``apart``)
MORE_THAN = "these and more: "
#: the prefix of the delivery-references field of a mark an invoice stating one reference
#: carries for each other kind it could be (``delivery_date``, ``order``, …), and one stating
#: one reference looks for by its own kind (:func:`_references_either_way` with ``apart``);
#: with ``swapped``, beside the other references the invoice states
OTHER_KIND = "one reference, not of kind "
#: the most references an invoice's every smaller set is enumerated for (beyond: each set of
#: one reference fewer); five kinds are known (``suspicion.DELIVERY_REFERENCES``)
MAX_SUBSET_REFERENCES = 3
#: a run of ASCII digits (a normalised number writes every digit so: ``normalise_number``)
_ASCII_DIGIT_RUN = re.compile(r"[0-9]+")
#: the fewest digits a number needs for ``mark_number`` (``INV-7`` and ``CN-7`` of one amount
#: are too likely two invoices)
MIN_NUMBER_DIGITS = 4
#: a run of this many digits (leading zeros aside) is a serial number: ``number_digits`` keeps
#: the long runs alone, so a year or a short suffix added beside one is passed over
LONG_RUN_DIGITS = 6
#: the fewest lines an invoice needs for ``mark_reissue`` by each seller key to compare its lines
#: by their net amounts alone, none of 0.00 (fewer: by item and quantity too)
MIN_LINES_BY_AMOUNT = 2
#: the contract's ``MAX_FINANCING_MARKS`` (``MAX_PLEDGES`` 16 x 4): the most marks one
#: financing carries (``tests/documents/test_number_marks.py`` holds the two equal)
MAX_FINANCING_MARKS = 64
#: which of a document's marks a financing keeps first when its documents have more than
#: :data:`MAX_FINANCING_MARKS` (:func:`within_limit`); the first ``mark_number`` (the
#: seller's strongest identifier) ranks next after ``mark_amount``, its others last
CARRY_PRECEDENCE = (
    MarkKind.REISSUE,
    MarkKind.AMOUNT,
    MarkKind.NUMBER,
    MarkKind.SELLER_AMOUNT,
    MarkKind.SPLIT,
    MarkKind.ORDER,
    MarkKind.ITEMS,
    MarkKind.DIGITS,
    MarkKind.BUYER,
)
#: the kinds a document has one of per seller key: its first ranks at its kind's place, the
#: others after every kind (:func:`within_limit`)
_PER_SELLER_KEY = (MarkKind.REISSUE, MarkKind.NUMBER, MarkKind.DIGITS, MarkKind.SELLER_AMOUNT)


def item_key(item: str) -> str:
    """A line's item as the marks compare it: its letters and digits alone, upper case
    (``PATAT FRITES 10MM 10KG`` and ``Patat-frites 10 mm 10 kg`` are one item; a tryout
    re-spaced one item of a re-issue and met nothing)."""
    return "".join(c for c in unicodedata.normalize("NFKC", item) if c.isalnum()).upper()


def number_digits(number: str) -> str | None:
    """The digits of a (normalised) document number as ``mark_number`` compares them: each
    maximal run of digits without its leading zeros (``0`` for a run of zeros), joined with
    ``-``. When a run has :data:`LONG_RUN_DIGITS` digits or more, only such long runs count:
    a year, a suffix or a prefix added to a long serial number (``12115118/2015``,
    ``12115118-1``, ``FY24 12115118``) leaves it ``12115118``. Otherwise every run counts and
    keeps its bounds: ``FV 01/12/2023`` is ``1-12-2023`` and ``FV 11/2/2023`` ``11-2-2023``, as
    the number rule keeps them (the field cases' two invoices of one seller numbered so are two
    invoices). ``12115118-B``, ``INV-12115118`` and ``12115118`` are all ``12115118``. None with
    fewer than :data:`MIN_NUMBER_DIGITS` digits."""
    written = _ASCII_DIGIT_RUN.findall(number)
    runs = [r.lstrip("0") or "0" for r in written]
    long_runs = [r for r in runs if len(r) >= LONG_RUN_DIGITS]
    if long_runs:
        return "-".join(long_runs)
    if sum(len(r) for r in written) < MIN_NUMBER_DIGITS:
        return None
    return "-".join(runs)


@dataclass(frozen=True)
class MarkInput:
    """One mark's kind, the fields the evaluator evaluates (see the module docstring), and
    whether the invoice carries it on chain when financed (``carried``) and looks for it in
    other banks' financings when checked (``looked_for``)."""

    kind: MarkKind
    fields: tuple[str | None, ...]
    carried: bool = True
    looked_for: bool = True

    def oprf_input(self) -> bytes:
        """The canonical encoding the evaluator evaluates (:func:`fingerprints.oprf_input`). One
        longer than an OPRF input may be (:data:`ledger.oprf.MAX_INPUT_BYTES`: an invoice of
        some 1,100 lines or more, whose lines' JSON alone passed it — a 500 at check and
        receive, tryout 57) has each of its long fields stand as its SHA-256: every gateway
        encodes it so, and no mark of such an invoice was ever made the other way."""
        encoded = oprf_input(self.kind.value, self.fields)
        if len(encoded) <= MAX_INPUT_BYTES:
            return encoded
        return oprf_input(self.kind.value, tuple(_digested(f) for f in self.fields))


#: a mark field longer than this (characters) stands as its SHA-256 when its mark is too long
LONG_FIELD = 1024


def _digested(field: str | None) -> str | None:
    if field is None or len(field) <= LONG_FIELD:
        return field
    return "sha256:" + hashlib.sha256(field.encode()).hexdigest()


def _references(facts: DocumentFacts) -> str:
    stated = facts.reference_map
    return json.dumps([[k, stated[k]] for k in DELIVERY_REFERENCES if k in stated])


def _references_either_way(
    mark: MarkInput, *, apart: bool = False, swapped: bool = False
) -> list[MarkInput]:
    """``mark``, whose last field is the delivery ``references`` the invoice states (JSON,
    ``"[]"`` for none), and the marks that let an invoice stating references and one stating
    none meet on it, as :attr:`MarkInput.carried` and :attr:`MarkInput.looked_for` say for
    ``mark``: one stating references also carries the mark with :data:`SOME_REFERENCES` there
    and looks for the one with none; one stating none also looks for :data:`SOME_REFERENCES`.
    Two invoices stating *other* references still never meet on it (a monthly invoice of the
    same lines that names its period is another delivery). Tryout 88 re-issued a financed
    invoice under a new number and date with its delivery date (BT-72) left out, and met
    nothing at a second bank; a pair lodged at one gateway is suspected so already (a
    reference only one of the two states clears nothing: ``suspicion``).

    With ``apart`` (an invoice's first ``mark_reissue`` mark and its ``mark_amount`` marks by
    lines), two invoices one of which states references the other states, and more, meet too,
    as at one gateway (no reference both state differs): one stating references looks for the
    mark by :data:`MORE_THAN` them and by each smaller set of them, and carries the mark by
    :data:`MORE_THAN` each smaller set (every smaller set for up to
    :data:`MAX_SUBSET_REFERENCES` references, beyond that those of one reference fewer). And
    two stating one reference each, of two kinds, meet: one stating one reference carries the
    mark by :data:`OTHER_KIND` each kind it is not, and looks for it by its own. Tryouts 90 and
    91 re-issued an invoice stating its delivery date under a new number and date with an
    order reference added (and a despatch advice; and its lines re-cut), or its delivery date
    swapped for an order, and met nothing at a second bank.

    With ``swapped`` too (an invoice's first ``mark_reissue`` mark), two invoices each stating
    one reference of a kind the other does not, beside the same others, meet: one stating
    references carries, for each of them left out, the mark by :data:`OTHER_KIND` each kind it
    does not state beside the rest, and looks for the mark by the kind of each left out beside
    the rest. Tryout 92 re-issued an invoice with its order number moved into a despatch
    advice reference, its delivery date kept, and a third bank financed it unseen. Two
    invoices two references apart so (each with two the other lacks) still do not meet,
    though the local check suspects them (a known limit, docs/fingerprints.md)."""
    head, references = mark.fields[:-1], mark.fields[-1]
    if references == "[]" or references is None:
        more = [MarkInput(mark.kind, (*head, SOME_REFERENCES), False, mark.looked_for)]
        return [mark, *(m for m in more if m.looked_for)]
    more = [
        MarkInput(mark.kind, (*head, SOME_REFERENCES), mark.carried, False),
        MarkInput(mark.kind, (*head, "[]"), False, mark.looked_for),
    ]
    if apart:
        stated: list[list[str]] = json.loads(references)
        more.append(MarkInput(mark.kind, (*head, MORE_THAN + references), False, mark.looked_for))
        if len(stated) == 1 or swapped:
            # one reference each of two kinds beside the same others (its delivery date left
            # out and an order added; its order number moved into a despatch advice): nothing
            # contradicts, as in the local check (tryouts 90 and 92)
            kinds = {kind for kind, _ in stated}
            for left_out in range(len(stated)):
                rest = json.dumps(stated[:left_out] + stated[left_out + 1 :])
                more.append(
                    MarkInput(
                        mark.kind,
                        (*head, _other_kind(stated[left_out][0], rest)),
                        False,
                        mark.looked_for,
                    )
                )
                more += [
                    MarkInput(mark.kind, (*head, _other_kind(kind, rest)), mark.carried, False)
                    for kind in DELIVERY_REFERENCES
                    if kind not in kinds
                ]
        for fewer in _smaller_sets(stated):
            more += [
                MarkInput(mark.kind, (*head, fewer), False, mark.looked_for),
                MarkInput(mark.kind, (*head, MORE_THAN + fewer), mark.carried, False),
            ]
    return [mark, *(m for m in more if m.carried or m.looked_for)]


def _other_kind(kind: str, rest: str) -> str:
    """The references field of a mark by one reference of ``kind`` beside ``rest`` (JSON)."""
    return OTHER_KIND + kind + ("" if rest == "[]" else " beside " + rest)


def _smaller_sets(stated: list[list[str]]) -> list[str]:
    """Each non-empty set of ``stated`` smaller than it, in order, as the references field
    writes it (JSON): every one for up to :data:`MAX_SUBSET_REFERENCES` references, else those
    of one reference fewer."""
    sizes = range(1, len(stated)) if len(stated) <= MAX_SUBSET_REFERENCES else [len(stated) - 1]
    return [json.dumps(list(kept)) for size in sizes for kept in combinations(stated, size)]


def mark_inputs(facts: DocumentFacts | None) -> list[MarkInput]:
    """The inputs of the marks of ``facts`` (``[]`` when it has none: a raw file, a credit
    note, no positive amount due, no currency; only ``mark_number`` for a seller or buyer
    without a key identifier), in :class:`MarkKind` order, each saying whether it is carried
    and looked for (the module docstring): the two ``mark_amount`` inputs, then the
    ``mark_number`` ones last.

    An invoice whose totals do not support its stated amount due (EN 16931 BR-CO-16: the
    lesser is what can be financed, :attr:`DocumentFacts.amount_due_minor`) has its marks by
    that amount and again by the amount it states, each once: tryout 71 re-issued the demo
    invoice with its lines merged into one and its VAT left unchanged, stating the original's
    4,675.00 DKK while its totals gave 4,375.00, and the copy's marks (by 4,375.00) met none of
    the financed original's. So has an invoice that states a paid amount (BT-113) or a rounding
    amount (BT-114), by its total with VAT (BT-112, :attr:`DocumentFacts.total_before_settled`):
    tryout 77 re-issued it under a new number and date with 0.01 stated paid, its totals adding
    up to 4,674.99 due, and the copy met none of the marks of the original's financing. (An
    invoice of the same lines due another figure that states nothing paid is another invoice:
    the field cases' ``number-collision`` pair, which must both be financed.)"""
    if facts is None or facts.credit_note or not facts.currency:
        return []
    due = facts.amount_due_minor
    if due is None or due <= 0:
        return []
    found = _mark_inputs_at(facts, due)
    stated = facts.amount_minor
    known = {m.oprf_input() for m in found}
    for other in (
        stated if stated is not None and stated > due else None,
        facts.total_before_settled,
    ):
        if other is not None and other > 0 and other != due:
            more = [m for m in _mark_inputs_at(facts, other) if m.oprf_input() not in known]
            known |= {m.oprf_input() for m in more}
            found += more
    return found


def _mark_inputs_at(facts: DocumentFacts, due: int) -> list[MarkInput]:
    """:func:`mark_inputs` of ``facts`` with ``due`` as its amount due (minor units)."""
    assert facts.currency is not None
    # every type alike: a mark is a suspicion, and a document's type is what its file declares
    # (a tryout financed an invoice again as a JSON form declaring itself a Contract, a
    # PurchaseOrder, a WarehouseReceipt; fingerprints keep their types, marks meet across them)
    label = MARK_LABEL
    keys = _number_keys(facts.seller) if facts.seller is not None else []
    references = _references(facts)
    lines = (
        json.dumps(sorted([item_key(ln.item), ln.quantity, ln.amount_minor] for ln in facts.lines))
        if facts.lines
        else None
    )
    numbered = _number_marks(facts, keys, label, facts.currency, due)
    numbered += _digits_marks(facts, keys, label, facts.currency, due)
    numbered += _seller_amount_marks(facts, keys, label, facts.currency, due, references)
    numbered += _buyer_marks(facts, label, facts.currency, due)
    seller, buyer = party_fields(facts.seller), party_fields(facts.buyer)
    found: list[MarkInput] = []
    if lines is not None:  # mark_reissue names no buyer
        # by the seller's strongest key identifier as written, its lines by item, quantity and
        # net amount (what financings have carried since marks began); then by each key
        # identifier as the marks compare them (a VAT id and a legal id by their digits:
        # :func:`_loose`) and by its name, its lines by quantity and net amount alone: a copy
        # with its seller's VAT id deleted or mistyped keeps its legal id (tryout 59), and one
        # with an item renamed (``SUIKERKLONT`` → ``SUIKERKLONTJE``, ``ART`` put before every
        # item: tryout 61) keeps every quantity and amount — each was financed again unseen
        if seller[0] is not None and not _unkeyed(facts):
            found += _references_either_way(
                MarkInput(
                    MarkKind.REISSUE,
                    (label, *seller, facts.currency, str(due), lines, references),
                ),
                apart=True,
                swapped=True,
            )
        # (their net amounts alone, none of 0.00: a quantity re-written at another price for
        # the same net amount, 1 x 19.90 for 2 x 9.95, and a line of nothing added hid a
        # re-issue, tryout 62; an invoice of one line by its item too: a seller's monthly
        # invoice of one line at a fixed fee, its month in the item's text, is another invoice
        # every month)
        stated_lines = facts.lines or ()
        amounts = json.dumps(
            sorted([ln.amount_minor] for ln in stated_lines if ln.amount_minor != 0)
            if len(stated_lines) >= MIN_LINES_BY_AMOUNT
            else sorted([item_key(ln.item), ln.quantity, ln.amount_minor] for ln in stated_lines)
        )
        # (by the amount due too: the same lines under another amount due and date are two
        # invoices in the field cases, ``number-collision``, which must both be financed)
        # (references apart by the first re-issue mark alone: every mark looked for costs the
        # checking bank one input of its evaluation allowance)
        apart = not found
        for pid in keys:
            by_key = (label, pid.scheme.value, pid.value, facts.currency, str(due), amounts)
            found += _references_either_way(
                MarkInput(MarkKind.REISSUE, (*by_key, references)), apart=apart, swapped=apart
            )
            apart = False
    if _unkeyed(facts) or seller[0] is None:
        return found + numbered  # by its name only: the identity it claims failed its check
    if buyer[0] is None:  # the others name the buyer
        return found + numbered
    if facts.lines:  # the split of an invoice that states its lines
        items = json.dumps(sorted({item_key(ln.item) for ln in facts.lines}))
        # in any currency: the same seller and buyer, items and quantities under the same
        # delivery references, and the same figure due whatever its currency (a re-issue with
        # every EUR made USD met nothing at a bank that held no file of it: tryout 62; the
        # field cases' two invoices of the same lines and another amount due are two invoices)
        quantities = json.dumps(sorted([item_key(ln.item), ln.quantity] for ln in facts.lines))
        found += _references_either_way(
            MarkInput(MarkKind.ITEMS, (label, *seller, *buyer, quantities, str(due), references))
        )
        if facts.issue_date is not None:
            issued = facts.issue_date.isoformat()
            found += _references_either_way(
                MarkInput(
                    MarkKind.SPLIT,
                    (label, *seller, *buyer, facts.currency, issued, items, references),
                ),
            )
    if facts.issue_date is not None and references != "[]":
        # a split by lines: each part some of the lines (so no line set is shared), issued the
        # same day against the same order or delivery (a tryout financed the two parts of an
        # invoice financed at another bank, unseen); only an invoice that states a delivery
        # reference has it: every invoice of a seller to a buyer on one day would meet
        issued = facts.issue_date.isoformat()
        found.append(
            MarkInput(MarkKind.ORDER, (label, *seller, *buyer, facts.currency, issued, references))
        )
    # no delivery references: a pair meets on this mark only when one states no lines (a JSON
    # form, which states no references either), and a reference only one of a pair states
    # never clears it (``suspicion._reference_contradiction``)
    amount = (label, *seller, *buyer, facts.currency, str(due))
    stated = bool(facts.lines)
    found += [
        MarkInput(MarkKind.AMOUNT, (*amount, LINES_STATED), carried=stated, looked_for=not stated),
        MarkInput(MarkKind.AMOUNT, (*amount, NO_LINES), carried=not stated, looked_for=True),
    ]
    if stated:
        # two invoices that both state lines, of one seller and buyer and amount due, under the
        # same delivery references (or none): their lines re-cut (a line of 2 x 9.95 written as
        # two of 1 x 9.95, 1 x 19.90, a line of 0.00 added) are the same receivable — tryout 62
        # financed the EN 16931 example four times so; a monthly invoice that states its period
        # is another receivable every month
        # (looked for by an invoice of two lines or more: a seller's monthly invoice of one
        # line at a fixed fee, its month in the item, is another invoice every month: tryout 63)
        # (and references apart: tryout 91 re-cut the lines of a re-issue and added an order)
        found += _references_either_way(
            MarkInput(
                MarkKind.AMOUNT,
                (*amount, LINES_STATED, references),
                carried=True,
                looked_for=len(facts.lines or ()) >= MIN_LINES_BY_AMOUNT,
            ),
            apart=True,
        )
        # an invoice of one line looks for the invoices of several lines of one seller, buyer
        # and amount due under the same references: a re-issue with its 20 lines merged into
        # one (same seller, buyer, amount due; new number and date) was financed at a bank that
        # held the original, unseen (tryout 68) — and two one-line invoices still never meet so
        # (a seller's monthly fee, tryout 63)
        several = len(facts.lines or ()) >= MIN_LINES_BY_AMOUNT
        found += _references_either_way(
            MarkInput(
                MarkKind.AMOUNT,
                (*amount, SEVERAL_LINES, references),
                carried=several,
                looked_for=not several,
            ),
            apart=True,
        )
    return found + numbered


def _number_marks(
    facts: DocumentFacts, keys: Sequence[PartyId], label: str, currency: str, due: int
) -> list[MarkInput]:
    """``mark_number`` of ``facts``: one per key identifier of the seller, strongest first, and
    one by the seller's name when it states one (``keys``: :func:`_number_keys`). A number
    with too few digits to compare by them alone (:func:`number_digits`) is compared whole, as
    the number rule normalises it (``TOSL110``, ``TOSL-110``): a tryout financed the demo
    invoice TOSL110 again at a second bank, its seller named by its name and GLN alone, and
    nothing met."""
    digits = _compared_number(facts)
    return [
        MarkInput(MarkKind.NUMBER, (label, pid.scheme.value, pid.value, digits, currency, str(due)))
        for pid in keys
    ]


def _compared_number(facts: DocumentFacts) -> str:
    """The number as ``mark_number`` and ``mark_buyer`` compare it: its digits
    (:func:`number_digits`), or the whole normalised number when it has too few of them."""
    return number_digits(facts.number) or facts.number


def _buyer_marks(facts: DocumentFacts, label: str, currency: str, due: int) -> list[MarkInput]:
    """``mark_buyer`` of ``facts``: by the buyer's strongest key identifier, the digits of the
    number as ``mark_number`` compares it (:func:`_compared_number`), the issue date,
    currency and amount due — no seller; none without a keyed buyer or an issue date. A copy
    with its seller's VAT id swapped and its name re-written shares no fingerprint and no other
    mark (each names the seller), and was financed again unseen (tryouts 64 and 66); two
    sellers' invoices to one buyer under one number, date and amount meet on it, for a person
    to judge."""
    buyer = party_fields(facts.buyer)
    if buyer[0] is None or facts.issue_date is None or not facts.number:
        return []
    digits = _compared_number(facts)
    issued = facts.issue_date.isoformat()
    return [MarkInput(MarkKind.BUYER, (label, *buyer, digits, issued, currency, str(due)))]


def _unkeyed(facts: DocumentFacts) -> bool:
    """Whether every identity identifier of the seller failed its check (its marks are by its
    name and by what identifiers remain, never by the identity it claims)."""
    return facts.seller is not None and facts.seller.unkeyed


def _seller_amount_marks(
    facts: DocumentFacts,
    keys: Sequence[PartyId],
    label: str,
    currency: str,
    due: int,
    references: str = "[]",
) -> list[MarkInput]:
    """``mark_seller_amount`` of ``facts``: by the seller's strongest key identifier and by its
    name (the first and last of ``keys``, :func:`_number_keys`, as ``mark_digits``); carried
    and looked for as ``mark_amount`` is, so a pair meets on it only when one of the two states
    no lines — a file that states no lines (a JSON form) states little else: a form naming no
    buyer, or its buyer re-typed, under a new number and date met nothing (tryouts 59, 61).
    Two invoices that state theirs are compared by them, through ``mark_reissue`` — and, when
    both state the same delivery references (``references``, JSON; an order, a delivery date),
    on one more, carried and looked for by both: tryout 79 re-issued an invoice under a new
    number and date with a line cut in two and its buyer's id re-typed, and every other mark
    needed the buyer or the lines' amounts. Its price: one seller's two invoices of one amount
    against one delivery reference to two buyers are suspected of each other."""
    stated = bool(facts.lines)
    out: list[MarkInput] = []
    for pid in dict.fromkeys([*keys[:1], *keys[-1:]]):  # its strongest key and its name
        fields = (label, pid.scheme.value, pid.value, currency, str(due))
        if stated and references != "[]":
            out.append(MarkInput(MarkKind.SELLER_AMOUNT, (*fields, LINES_STATED, references)))
        out += [
            MarkInput(
                MarkKind.SELLER_AMOUNT,
                (*fields, LINES_STATED),
                carried=stated,
                looked_for=not stated,
            ),
            MarkInput(
                MarkKind.SELLER_AMOUNT, (*fields, NO_LINES), carried=not stated, looked_for=True
            ),
        ]
    return out


def _number_keys(seller: Party) -> list[PartyId]:
    """Who ``mark_number`` names as the seller: each of its key identifiers, then its name
    (``NAME``, as its base name sounds: legal form, case, accents, punctuation, word order and
    spelling by sound aside, :func:`~ledger.documents.partynames.sounds_like`) — a copy naming
    the seller by its name alone, or by an identifier that fails its check, met nothing of an
    original that names it by its VAT id, and one naming it ``de koksmaat b.v.`` or ``De
    Kooksmaat`` nothing of ``De Koksmaat`` (tryouts financed them so at a second bank). A VAT,
    legal registration or tax id is named by its digits alone (:func:`_loose`)."""
    named = sounds_like(seller.name) if seller.name else ""
    keyed = [] if seller.unkeyed else [k for k in seller.key_ids if k.scheme is not IdScheme.NAME]
    # a number that names one party only within a register its file does not state (a German
    # court's HRB number): by it, two sellers holding it met (tryout 88); the name names it
    keyed = [k for k in keyed if not (named and register_local(k))]
    keys = list(dict.fromkeys(_loose(k) for k in keyed))
    if named:
        keys.append(PartyId(IdScheme.NAME, named))
    return keys


#: the schemes :func:`_loose` names by their digits
_NATIONAL_OR_VAT = frozenset({IdScheme.VAT, IdScheme.LEGAL, IdScheme.TAX})


def _loose(pid: PartyId) -> PartyId:
    """A seller identifier as the marks compare it: a VAT, legal registration or tax id without
    its country and its country prefix, leading zeros aside, as one scheme (``DK13585628``,
    ``LEGAL:DK:DK13585628`` and a bare ``13585628`` are all ``13585628``) — a tryout's JSON form
    named the Danish seller by its bare CVR number, no country, and met nothing; the locks keep
    the country (two countries' companies may share the digits), a mark only asks a person.
    Another identifier as it is."""
    if pid.scheme not in _NATIONAL_OR_VAT:
        return pid
    number = pid.value if pid.scheme is IdScheme.VAT else national_parts(pid.value)[1]
    if len(number) > 2 and number[:2].isalpha() and number[2].isdigit():
        number = number[2:]
    return PartyId(IdScheme.LEGAL, number.lstrip("0") or number)


def all_digits(number_as_written: str) -> str | None:
    """Every digit of a document number as written run together, without leading zeros, as
    ``mark_digits`` compares them: ``12115118``, ``12 115 118``, ``1211-5118`` and
    ``1211 05118`` are ``12115118``, ``12115118``, ``12115118`` and ``121105118`` — a zero
    that leads a group is a digit of the number here (:func:`normalise.digits_in_order`; the
    normalised number drops it). None with fewer than :data:`MIN_NUMBER_DIGITS` digits written
    (as :func:`number_digits` counts them: ``0012`` is ``12``)."""
    written = digits_in_order(number_as_written)
    if len(written) < MIN_NUMBER_DIGITS:
        return None
    return written.lstrip("0") or "0"


def _digits_marks(
    facts: DocumentFacts, keys: Sequence[PartyId], label: str, currency: str, due: int
) -> list[MarkInput]:
    """``mark_digits`` of ``facts``: by the seller's strongest key identifier and by its name
    (the first and last of ``keys``, :func:`_number_keys`), for an invoice with an issue date
    and enough digits. ``FV 1/12/2023`` and ``FV 11/2/2023`` run together alike but are dated
    apart."""
    digits = all_digits(facts.number_as_written or facts.number)
    if digits is None or facts.issue_date is None:
        return []
    chosen = list(dict.fromkeys([*keys[:1], *keys[-1:]]))
    issued = facts.issue_date.isoformat()
    facts_of = (digits, currency, str(due), issued)
    return [
        MarkInput(MarkKind.DIGITS, (label, pid.scheme.value, pid.value, *facts_of))
        for pid in chosen
    ]


def within_limit(per_document: Sequence[Sequence[T]], kind_of: Callable[[T], MarkKind]) -> list[T]:
    """The marks a financing of several documents carries, at most :data:`MAX_FINANCING_MARKS`:
    all of them when they fit; else each document's marks ranked by :data:`CARRY_PRECEDENCE`
    (a document's first ``mark_number`` next after ``mark_amount``, its other ``mark_number``
    marks after every kind), and the first-ranked mark of every document kept before the
    second-ranked of any, in that order, until the limit. In order of ``per_document``, each
    document's kept marks in their own order."""
    total = sum(len(marks) for marks in per_document)
    if total <= MAX_FINANCING_MARKS:
        return [m for marks in per_document for m in marks]

    def rank(marks: Sequence[T]) -> list[tuple[int, int]]:
        ranked: list[tuple[int, int]] = []
        seen: set[MarkKind] = set()
        later = len(CARRY_PRECEDENCE)
        for i, mark in enumerate(marks):
            kind = kind_of(mark)
            order = CARRY_PRECEDENCE.index(kind)
            if kind in _PER_SELLER_KEY:
                if kind in seen:
                    order, later = later, later + 1
                seen.add(kind)
            ranked.append((order, i))
        return sorted(ranked)

    ranked = [rank(marks) for marks in per_document]
    kept: list[set[int]] = [set() for _ in per_document]
    room = MAX_FINANCING_MARKS
    depth = 0
    while room > 0 and any(depth < len(r) for r in ranked):
        for d, r in enumerate(ranked):
            if depth < len(r) and room > 0:
                kept[d].add(r[depth][1])
                room -= 1
        depth += 1
    return [m for d, marks in enumerate(per_document) for i, m in enumerate(marks) if i in kept[d]]


def oprf_inputs(inputs: Sequence[MarkInput]) -> list[bytes]:
    """The evaluator's inputs of ``inputs``, in order."""
    return [i.oprf_input() for i in inputs]
