"""Suspicious, not certain: different invoices that look like one receivable financed twice.

Factoring-fraud reports describe two tricks no fingerprint catches, because every key fact that
a fingerprint covers is changed:

- **Re-issue** — the same invoice issued again under a new number and a new date: the same
  seller, buyer, currency, amount and lines. When either invoice states no lines (the JSON form
  has none, ``DocumentFacts.lines`` is ``None``), the lines cannot be compared and the same
  seller, buyer, currency and amount are a re-issue's suspicion on their own — a bank that
  re-typed an invoice as a JSON form under a new number and date was never warned (a tryout of
  2026-12-04), so such a pair is reported, its reasons saying the lines were not compared. The
  same lines (item, quantity and amount each) under another amount due are a re-issue too,
  its amount due changed — a prepayment stated on it (BT-113), or an allowance or charge: a
  tryout of 2026-12-06 financed the demo invoice again at another bank with a 50.00 DKK
  prepayment under a new number and date, and was read as a part of it only when the two shared
  a date or a reference, and as a "part" holding every line when it kept its order reference
  (tryout 49). Issued the same day, or adding up with others to the invoice (instalments that
  repeat every line), such a pair is reported as a split instead.
- **Split** — one invoice cut into several whose amounts add up to it: the same seller, buyer
  and lines (all of them, or a share of them), each part for less.

Both are *suspicions*: they are reported at check time with the reasons and the documents
involved, and never block anything or become a grade (``matching.py`` grades documents that
share a fingerprint; a pair graded there is not looked at here). Honest invoices can look the
same — a monthly subscription bills the same lines every month — so a pair is not suspicious
when a reference both invoices carry says they are about different deliveries (a different
order, despatch advice, receiving advice, delivery date or invoicing period, EN 16931 BT-13,
BT-15, BT-16, BT-72, BT-73/74). A split part must also be tied to its invoice: the same issue
date, a shared reference, or amounts that add up exactly; a split is only looked for between
invoices that both state their lines (without them, any two invoices of a seller and buyer
could be called parts). ``scripts/eval_duplicates.py``
measures recall on planted re-issues and splits and the false-suspicion rate among distinct
invoices of the same seller and buyer (``docs/documents.md``).

Every amount compared is the invoice's amount due as it can be relied on: the one it states
(EN 16931 BT-115), or what its totals give when that is less (BR-CO-16,
``DocumentFacts.amount_due_minor``) — an amount due inflated above its totals does not make a
re-issue look like a split. Only invoices with a positive amount due (EN 16931 BT-115) are
compared, as the candidate and as the known invoice, for every kind: an invoice whose amount due
is zero or negative has nothing to finance (the gateway says so in a ``nothing_due`` notice and
``financing.create`` refuses it), so it cannot be the receivable financed twice, nor a part or
the whole of a split (parts that "add up" through a negative invoice are no split of a
receivable). A re-issue of such an invoice is not reported either: issued again under a new
number it still has nothing due, and each copy gets its own ``nothing_due`` notice. Credit notes
are never compared (they correct an invoice, ``credit_notes_for``; they are no receivable). Only
facts are compared (``DocumentFacts.lines`` and ``references``), so a gateway checks a file
against the facts it stored, without their files.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from itertools import combinations

from .facts import DocumentFacts, Line
from .matching import grade_facts, party_relation

#: references that say which delivery an invoice is for: a difference clears a pair
DELIVERY_REFERENCES = ("order", "despatch", "receipt", "delivery_date", "period")
#: the most other parts tried when looking for amounts that add up
MAX_PARTS = 12


class SuspicionKind(StrEnum):
    """What a suspicious pair (or group) looks like."""

    REISSUE = "reissue"  # the candidate re-issues a known invoice
    SPLIT_PART = "split_part"  # the candidate is a part of a known invoice
    SPLIT_WHOLE = "split_whole"  # known invoices are parts of the candidate

    @property
    def matching_facts(self) -> tuple[str, ...]:
        """The facts the invoices of such a suspicion share (a split's lines: all or a share;
        a re-issue of an invoice that states no lines shares :data:`UNLINED_REISSUE_FACTS`)."""
        if self is SuspicionKind.REISSUE:
            return ("seller", "buyer", "currency", "amount", "lines")
        return ("seller", "buyer", "currency", "lines")


#: what a re-issue shares when one of the pair states no lines: the lines were not compared
UNLINED_REISSUE_FACTS = ("seller", "buyer", "currency", "amount")
#: what a re-issue with its amount due changed shares (a prepayment, BT-113, stated on it)
CHANGED_AMOUNT_REISSUE_FACTS = ("seller", "buyer", "currency", "lines")
#: what a re-issue in another currency shares: its lines' items and quantities
OTHER_CURRENCY_REISSUE_FACTS = ("seller", "buyer", "lines")


@dataclass(frozen=True)
class Suspicion:
    """A suspicion: its kind, the reasons in words, the known documents involved (their ids as
    the caller gave them, e.g. document hashes), and the facts the invoices share (``()``: those
    of its kind, :attr:`SuspicionKind.matching_facts`)."""

    kind: SuspicionKind
    reasons: tuple[str, ...]
    documents: tuple[str, ...]
    shared: tuple[str, ...] = ()
    #: of a ``split_part``: the known invoice the candidate is a part of (``documents[0]``;
    #: the others are its other files and the sibling parts that add up with the candidate)
    whole: str | None = None
    #: a split found by amounts that add up exactly to the whole (not by a tie alone)
    adds_up: bool = False

    @property
    def matching_facts(self) -> tuple[str, ...]:
        """The facts the invoices share, e.g. ``("seller", "buyer", "currency", "amount")``."""
        return self.shared or self.kind.matching_facts

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "reasons": list(self.reasons),
            "documents": list(self.documents),
            "matching_facts": list(self.matching_facts),
        }


def _money(facts: DocumentFacts) -> str:
    """The invoice's amount due for people, as every message shows money (``4,675.00 DKK``):
    what it states, or what its totals give when that is less (``DocumentFacts.amount_due_minor``,
    EN 16931 BR-CO-16), as every comparison here reads it — then with what it states beside
    (``250.33 DKK (by its totals; it states 250.34 DKK)``: a tryout read 250.33 of an invoice
    that says 250.34, and took it for a fault)."""
    from ledger.words import money

    due = money(facts.amount_due_minor or 0, facts.currency)
    if facts.amount_minor is not None and facts.amount_minor != facts.amount_due_minor:
        return f"{due} (by its totals; it states {money(facts.amount_minor, facts.currency)})"
    return due


def _name(facts: DocumentFacts) -> str:
    return facts.number_as_written or facts.number


def _comparable(candidate: DocumentFacts, known: DocumentFacts) -> bool:
    """Both invoices (no credit note) of the same seller and buyer in one currency, each with a
    positive amount due, different numbers, and not already graded a match (lines or not)."""
    return (
        _of_one_seller_and_buyer(candidate, known)
        and candidate.currency == known.currency
        and grade_facts(candidate, known) is None
    )


def _of_one_seller_and_buyer(candidate: DocumentFacts, known: DocumentFacts) -> bool:
    """Both invoices (no credit note, one type) of the same seller and buyer, each in a currency
    with a positive amount due, under different numbers: what every suspicion needs."""
    if candidate.credit_note or known.credit_note or candidate.doc_type != known.doc_type:
        return False
    if candidate.currency is None or known.currency is None:
        return False
    if candidate.amount_due_minor is None or known.amount_due_minor is None:
        return False
    if candidate.amount_due_minor <= 0 or known.amount_due_minor <= 0:
        return False  # nothing due on one of them: nothing to finance twice (module docstring)
    if candidate.number == known.number:
        return False
    if party_relation(candidate.seller, known.seller)[0] is not True:
        return False
    return party_relation(candidate.buyer, known.buyer)[0] is True


def _same_lines(a: DocumentFacts, b: DocumentFacts) -> bool:
    """Both invoices state lines, and the same ones (item, quantity and amount, in any order)."""
    return bool(a.lines) and bool(b.lines) and sorted(a.lines or ()) == sorted(b.lines or ())


def _reference_contradiction(a: DocumentFacts, b: DocumentFacts) -> str | None:
    ra, rb = a.reference_map, b.reference_map
    for kind in DELIVERY_REFERENCES:
        if kind in ra and kind in rb and ra[kind] != rb[kind]:
            return kind
    return None


def _shared_references(a: DocumentFacts, b: DocumentFacts) -> list[str]:
    ra, rb = a.reference_map, b.reference_map
    return [f"same {k.replace('_', ' ')} {ra[k]}" for k in sorted(ra) if k in rb and ra[k] == rb[k]]


def _part_of(part: tuple[Line, ...], whole: tuple[Line, ...]) -> bool:
    """Every line of ``part`` is a line of ``whole`` (same item) for at most its amount."""
    left = Counter(whole)
    by_item: dict[str, list[Line]] = {}
    for line in whole:
        by_item.setdefault(line.item, []).append(line)
    for line in part:
        options = [
            w for w in by_item.get(line.item, []) if left[w] and w.amount_minor >= line.amount_minor
        ]
        if not options:
            return False
        left[min(options, key=lambda w: w.amount_minor)] -= 1
    return True


def _lines_of(part: DocumentFacts, whole: DocumentFacts) -> str:
    """Which of ``whole``'s lines a part states (every line of it is one of them, for at most
    its amount), in words: ``its 3 lines`` or ``2 of its 3 lines`` (a tryout read "same lines"
    of a part holding two lines of three)."""
    have, of = len(part.lines or ()), len(whole.lines or ())
    return f"its {of} line{'s' * (of != 1)}" if have == of else f"{have} of its {of} lines"


def _tied(part: DocumentFacts, whole: DocumentFacts) -> list[str]:
    reasons = _shared_references(part, whole)
    if part.issue_date is not None and part.issue_date == whole.issue_date:
        reasons.insert(0, f"same issue date {part.issue_date.isoformat()}")
    return reasons


def _adds_up(total: int, first: int, others: Sequence[tuple[str, int]]) -> list[str] | None:
    """The ids of a subset of ``others`` whose amounts with ``first`` make ``total``."""
    pool = list(others)[:MAX_PARTS]
    for size in range(0, len(pool) + 1):
        for combo in combinations(pool, size):
            if first + sum(a for _, a in combo) == total:
                return [i for i, _ in combo]
    return None


def _reissue_order(candidate: DocumentFacts, known: DocumentFacts) -> list[str]:
    """Which of a re-issued pair is the original, by issue date: the later one is the re-issue,
    its number and date the new ones. The file checked may be either: a bank that lodged the
    re-issue and then checks the original is told the original is the older one (it used to
    read the original's number as the "new number"). Without two different dates, neither is
    called new."""
    mine, theirs = _name(candidate), _name(known)
    first, then = candidate.issue_date, known.issue_date
    if first is None or then is None or first == then:
        return [f"another number: {mine} here, {theirs} there"]
    if first > then:  # the file checked is the later one: the re-issue
        return [
            f"new number {mine} (was {theirs})",
            f"new issue date {first.isoformat()} (was {then.isoformat()})",
        ]
    return [
        f"re-issued later under the new number {theirs} (this file's number {mine} is the "
        "original's)",
        f"new issue date {then.isoformat()} (this file's {first.isoformat()} is the original's)",
    ]


def _lines_not_compared(candidate: DocumentFacts, known: DocumentFacts) -> str:
    """Why a re-issue's lines were not compared: which of the pair states none."""
    if not candidate.lines and not known.lines:
        which = "neither invoice states its lines"
    elif not candidate.lines:
        which = "this file states no lines"
    else:
        which = f"invoice {_name(known)} states no lines"
    return f"lines not compared: {which} (a JSON form has none)"


def find_suspicions(
    candidate: DocumentFacts, known: Sequence[tuple[str, DocumentFacts]]
) -> list[Suspicion]:
    """Why ``candidate`` looks like a re-issue or a split of the ``known`` invoices (pairs of an
    id, e.g. a document hash, and stored facts), or ``[]``. Never raises for odd facts: a pair
    that cannot be compared is skipped."""
    pool = [(i, k) for i, k in known if _comparable(candidate, k)]
    pool = [(i, k) for i, k in pool if _reference_contradiction(candidate, k) is None]
    pool, copies = _one_file_per_invoice(pool)
    other = [
        (i, k)
        for i, k in known
        if k.currency != candidate.currency
        and _of_one_seller_and_buyer(candidate, k)
        and _same_items(candidate, k)
        and _reference_contradiction(candidate, k) is None
    ]
    other, other_copies = _one_file_per_invoice(other)
    copies.update(other_copies)
    found = _found_in(candidate, pool) + _in_other_currency(candidate, other)
    # each suspicion names every file of the invoices it involves (a bank's UBL and CII of one
    # invoice read as two identical suspicions, neither naming its file: a tryout)
    return [
        replace(f, documents=tuple(d for i in f.documents for d in (i, *copies.get(i, ()))))
        for f in found
    ]


def _in_other_currency(
    candidate: DocumentFacts, other: Sequence[tuple[str, DocumentFacts]]
) -> list[Suspicion]:
    """Re-issues in another currency: each of ``other`` (invoices of the same seller and buyer
    in another currency, with the same lines' items and quantities — a line's amount is in the
    other currency —, no reference telling them apart, one file per invoice) under another
    number. Tryout 55 re-issued the demo invoice with every DKK made EUR under a new number, and
    a bank holding the DKK original financed 4,675.00 EUR with no word."""
    return [
        Suspicion(
            SuspicionKind.REISSUE,
            (
                f"same seller, buyer and {len(k.lines or ())} line(s) (items and quantities) as "
                f"invoice {_name(k)}, in another currency: {_money(candidate)} here, "
                f"{_money(k)} there",
                *_reissue_order(candidate, k),
                *_shared_references(candidate, k),
            ),
            (ident,),
            OTHER_CURRENCY_REISSUE_FACTS,
        )
        for ident, k in other
    ]


def _same_items(a: DocumentFacts, b: DocumentFacts) -> bool:
    """Both invoices state lines, and the same items in the same quantities (amounts aside)."""
    return (
        bool(a.lines)
        and bool(b.lines)
        and sorted((x.item, x.quantity) for x in a.lines or ())
        == sorted((x.item, x.quantity) for x in b.lines or ())
    )


def _one_file_per_invoice(
    pool: list[tuple[str, DocumentFacts]],
) -> tuple[list[tuple[str, DocumentFacts]], dict[str, list[str]]]:
    """``pool`` with one file per invoice — the first; another file of it (another format)
    has its number, amount due and issue date —, and the other files of each kept one, by its
    id. Counted twice, one part's two files added up to a whole it is only half of."""
    kept: dict[tuple[object, ...], str] = {}
    copies: dict[str, list[str]] = {}
    out: list[tuple[str, DocumentFacts]] = []
    for ident, k in pool:
        key = _invoice_key(k)
        first = kept.setdefault(key, ident)
        if first == ident:
            out.append((ident, k))
        else:
            copies.setdefault(first, []).append(ident)
    return out, copies


def _invoice_key(facts: DocumentFacts) -> tuple[object, ...]:
    """What every file of one invoice has alike (in any format): its number, amount due and
    issue date."""
    return (facts.number, facts.amount_due_minor, facts.issue_date)


def _found_in(candidate: DocumentFacts, pool: list[tuple[str, DocumentFacts]]) -> list[Suspicion]:
    """The suspicions of ``candidate`` among ``pool`` (comparable, one file per invoice)."""
    found: list[Suspicion] = []
    changed: list[tuple[str, DocumentFacts]] = []
    assert candidate.amount_due_minor is not None or not pool
    for ident, k in pool:
        if k.amount_due_minor != candidate.amount_due_minor:
            # the same lines, another amount due — unless one of the two states less due than
            # its own totals give: the field cases' number-collision pair is just that, two
            # invoices that must both be financed (the marks never tie them either, and the
            # regulator's audit said 1,656.25 EUR was lent beyond one receivable: tryout 80)
            if _same_lines(candidate, k) and not (
                _below_its_totals(candidate) or _below_its_totals(k)
            ):
                changed.append((ident, k))
            continue
        if candidate.lines and k.lines:
            if not _same_lines(candidate, k):
                continue
            reasons = [
                f"same seller, buyer, amount {_money(k)} and {len(k.lines)} line(s) as "
                f"invoice {_name(k)}",
                *_reissue_order(candidate, k),
            ]
            shared: tuple[str, ...] = ()
        else:
            reasons = [
                f"same seller, buyer and amount {_money(k)} as invoice {_name(k)}",
                *_reissue_order(candidate, k),
                _lines_not_compared(candidate, k),
            ]
            shared = UNLINED_REISSUE_FACTS
        reasons += _shared_references(candidate, k)
        found.append(Suspicion(SuspicionKind.REISSUE, tuple(reasons), (ident,), shared))
    # the same lines under another amount due (a prepayment stated, BT-113, or an allowance),
    # issued another day: a re-issue with its amount due changed, whatever reference it shares
    # (tryout 49: a re-issue keeps its order reference, and read as a "part" holding every line)
    # — unless its amounts add up with others to the invoice: instalments that repeat its lines
    other_day = {i for i, k in changed if not _same_day(candidate, k)}
    strict = _splits(candidate, [(i, k) for i, k in pool if i not in other_day])
    full = _splits(candidate, pool) if other_day else strict
    added = [f for f in full if f.adds_up and any(d in other_day for d in f.documents)]
    kinds = {f.kind for f in added}
    found += [f for f in strict if f.kind not in kinds] + added
    covered = {d for f in added for d in f.documents}
    found += [_changed_reissue(candidate, i, k) for i, k in changed if i in other_day - covered]
    return found


def _same_day(a: DocumentFacts, b: DocumentFacts) -> bool:
    return a.issue_date is not None and a.issue_date == b.issue_date


def _splits(candidate: DocumentFacts, pool: list[tuple[str, DocumentFacts]]) -> list[Suspicion]:
    """The split suspicions of ``candidate`` among ``pool``: as a part of a known invoice, and
    as the whole of known ones."""
    found: list[Suspicion] = []
    pool = [(i, k) for i, k in pool if candidate.lines and k.lines]  # splits: lines on both
    amount = candidate.amount_due_minor or 0
    # the candidate as a part of a known invoice
    wholes = [
        (i, k)
        for i, k in pool
        if (k.amount_due_minor or 0) > amount and _part_of(candidate.lines or (), k.lines or ())
    ]
    parts: list[Suspicion] = []
    for ident, whole in wholes:
        siblings = [
            (i, s.amount_due_minor or 0)
            for i, s in pool
            if i != ident
            and (s.amount_due_minor or 0) < (whole.amount_due_minor or 0)
            and _part_of(s.lines or (), whole.lines or ())
        ]
        adds = _adds_up(whole.amount_due_minor or 0, amount, siblings)
        tied = _tied(candidate, whole)
        if adds is None and (not tied or _other_invoice(candidate, whole)):
            continue
        reasons = [
            f"same seller and buyer as invoice {_name(whole)} ({_money(whole)}), and "
            f"{_lines_of(candidate, whole)}, for {_money(candidate)}",
            *tied,
        ]
        if adds:
            names = ", ".join(_name(dict(pool)[i]) for i in adds)
            reasons.append(f"with invoice(s) {names} the parts add up to {_money(whole)}")
        parts.append(
            Suspicion(
                SuspicionKind.SPLIT_PART,
                tuple(reasons),
                (ident, *(adds or ())),
                whole=ident,
                adds_up=bool(adds),
            )
        )
    exact = [s for s in parts if s.adds_up]
    found += exact or parts
    # known invoices as parts of the candidate — never a sibling it adds up with to a whole:
    # a part of the same invoice, not a part of this one (tryout 74 read a split's first part
    # as both a part of the invoice and the whole of its second part)
    siblings_of = {d for s in exact for d in s.documents if d != s.whole}
    known_parts = [
        (i, k)
        for i, k in pool
        if i not in siblings_of
        and (k.amount_due_minor or 0) < amount
        and _part_of(k.lines or (), candidate.lines or ())
    ]
    if known_parts:
        amounts = [(i, k.amount_due_minor or 0) for i, k in known_parts]
        adds = _adds_up(amount, 0, amounts)
        tied = [
            i for i, k in known_parts if _tied(k, candidate) and not _other_invoice(k, candidate)
        ]
        involved = adds if adds else tied
        if involved:
            names = ", ".join(_name(dict(pool)[i]) for i in involved)
            reasons = [
                f"invoice(s) {names} have the same seller and buyer, and lines of this invoice, "
                "for less"
            ]
            if adds:
                reasons.append(f"their amounts add up to this invoice's {_money(candidate)}")
            elif len(involved) == 1:
                reasons += _tied(dict(pool)[involved[0]], candidate)
            else:  # each with its own tie: the first's, said of all, dated one wrongly
                reasons += [
                    f"invoice {_name(dict(pool)[i])}: {'; '.join(_tied(dict(pool)[i], candidate))}"
                    for i in involved
                ]
            found.append(
                Suspicion(
                    SuspicionKind.SPLIT_WHOLE, tuple(reasons), tuple(involved), adds_up=bool(adds)
                )
            )
    return found


def _changed_reissue(candidate: DocumentFacts, ident: str, known: DocumentFacts) -> Suspicion:
    """The suspicion that ``candidate`` re-issues ``known`` (id ``ident``) under another amount
    due: the same lines, a prepayment (BT-113) or an allowance or charge stated on one."""
    reasons = [
        f"same seller, buyer and {len(known.lines or ())} line(s) as invoice {_name(known)}, its "
        f"amount due changed: {_money(candidate)} here, {_money(known)} there (a prepayment, "
        "BT-113, or an allowance or charge)",
        *_reissue_order(candidate, known),
        *_shared_references(candidate, known),
    ]
    return Suspicion(SuspicionKind.REISSUE, tuple(reasons), (ident,), CHANGED_AMOUNT_REISSUE_FACTS)


@dataclass(frozen=True)
class RelatedFile:
    """One file of :class:`RelatedInvoices`: its id (as the caller gave it, e.g. a document
    hash), its invoice number as written (EN 16931 BT-1), issue date (BT-2), amount due as
    compared here (BT-115, minor units: ``DocumentFacts.amount_due_minor``) and its ``role``:
    ``original`` (the first issued of an invoice re-issued), ``whole`` (of a split), ``reissue``
    or ``part``."""

    ident: str
    number: str
    issue_date: date | None
    amount_due: int
    role: str
    #: it states less due than its own totals give (EN 16931 BR-CO-16 broken downward: the
    #: field cases' ``number-collision/b``, 980.00 stated of 1,656.25): no evidence the
    #: receivable is smaller (:attr:`RelatedInvoices.amount_due`)
    below_its_totals: bool = False


@dataclass(frozen=True)
class RelatedInvoices:
    """Invoices that look like one receivable (:func:`related_invoices`): an invoice
    (``files[0]``: the earliest issued of those that are no part of another) with its re-issues
    and the invoices found to be its parts — or parts of its re-issues —, all in ``currency``.
    ``kind``: ``reissue``, ``split`` or ``reissue_and_split``, by what was found; ``reasons``:
    why, each sentence led by the invoice it is said of."""

    kind: str
    currency: str
    files: tuple[RelatedFile, ...]
    reasons: tuple[str, ...]

    @property
    def amount_due(self) -> int:
        """The receivable's amount due (minor units of :attr:`currency`): the least of the
        original's and its re-issues' (one re-issued with a prepayment stated owes what is
        left), or the whole's — :meth:`counted` files only."""
        return min(f.amount_due for f in self.counted())

    def counted(self) -> list[RelatedFile]:
        """The invoices whose amount due says what the receivable is due: the original, the
        whole and the re-issues, but not one stating less than its own totals give while
        another does not (tryout 77: an unfinanced file of the same lines, 980.00 stated of its
        1,656.25 totals — another invoice by the field cases — lowered the due of two
        financings of 1,656.25 and inflated what the audit said was lent beyond it)."""
        invoices = [f for f in self.files if f.role in ("original", "whole", "reissue")]
        return [f for f in invoices if not f.below_its_totals] or invoices


def related_invoices(
    files: Sequence[tuple[str, DocumentFacts]],
    peers: Callable[[str], Iterable[str]] | None = None,
    context: Sequence[tuple[str, DocumentFacts]] = (),
) -> list[RelatedInvoices]:
    """The receivables that several of ``files`` (pairs of an id and facts) look like, each
    file compared as :func:`find_suspicions` compares a candidate with the known invoices —
    with ``peers(id)`` (the ids worth comparing with, e.g. those of the same seller and buyer;
    default: every other file). Files a suspicion ties — a re-issue, a part and its whole,
    either way — are one receivable, however they are tied: an invoice, its re-issue and a
    part cut from either are one group, never three pairs (a tryout read three entries, each
    "financed at 2 banks", of one invoice financed at three). For the regulator's comparison
    of the files financings pledge (``ledger.indexer.check_rules``): a part issued another day
    meets no cross-bank mark (a mark carries the issue date), so two banks each holding one
    file were never told. Groups come in the order of their first file in ``files``; never
    raises for odd facts.

    ``context``: other files compared with them and grouped with them — the original a
    financing no longer holds is still the original (tryout 50 read its re-issue as "the
    original" once the original's financing closed) — but never a group of their own, nor a
    second file of an invoice one of ``files`` (or an earlier one of them) is a file of."""
    given = {ident for ident, _ in files}
    seen = {_invoice_key(f) for _, f in files}
    extra = []
    for ident, f in context:
        if _invoice_key(f) not in seen and ident not in given:
            seen.add(_invoice_key(f))
            extra.append((ident, f))
    files = [*files, *extra]
    facts = dict(files)
    order = {ident: i for i, (ident, _) in enumerate(files)}
    parent: dict[str, str] = {}  # union-find over every tie found
    members: dict[str, list[str]] = {}  # a group's root → its files
    said: list[tuple[str, Suspicion]] = []

    def root(ident: str) -> str:
        while parent.get(ident, ident) != ident:
            ident = parent[ident]
        return ident

    def tie(a: str, b: str) -> None:
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        ra, rb = root(a), root(b)
        if ra == rb:
            return
        # never through a third file: two invoices whose references name different
        # deliveries are no one receivable because each looks like a file stating none
        # (tryout 49 read two orders as one receivable through an invoice without references)
        if any(
            _reference_contradiction(facts[x], facts[y])
            for x in members.get(ra, [ra])
            for y in members.get(rb, [rb])
        ):
            return
        first, then = sorted((ra, rb), key=order.__getitem__)
        parent[then] = first
        members[first] = [*members.pop(first, [first]), *members.pop(then, [then])]

    for ident, candidate in files:
        ids = peers(ident) if peers is not None else facts
        known = [(p, facts[p]) for p in ids if p != ident and p in facts]
        for s in find_suspicions(candidate, known):
            said.append((ident, s))
            for other in s.documents:
                tie(ident, other)
    groups: dict[str, list[str]] = {}
    for ident in facts:
        if ident in parent:
            groups.setdefault(root(ident), []).append(ident)
    return [
        _receivable(m, facts, order, said)
        for m in groups.values()
        if len(given.intersection(m)) > 1  # two or more of the files given
    ]


def _other_invoice(part: DocumentFacts, whole: DocumentFacts) -> bool:
    """Whether ``part`` — every line of ``whole`` or some, for less — is another invoice, not a
    part of it: it states less due than its own totals give (its totals say what its lines are
    worth) and was issued another day. The field cases' ``number-collision`` pair is just that
    (980.00 stated of 1,656.25 totals, issued ten months apart), two invoices that must both be
    financed, and was read as a part and its whole (tryout 80's audit said the money beyond
    was lent on one receivable); a split's parts, issued with their whole the same day (the
    field cases' ``split``), or adding up with their siblings to it, stay parts."""
    return _below_its_totals(part) and not _same_day(part, whole)


def _below_its_totals(facts: DocumentFacts) -> bool:
    """Whether ``facts`` states less due (BT-115) than its own totals give (BR-CO-16)."""
    by_totals, stated = facts.amount_due_by_totals, facts.amount_minor
    return by_totals is not None and stated is not None and stated < by_totals


def _receivable(
    members: list[str],
    facts: dict[str, DocumentFacts],
    order: dict[str, int],
    said: list[tuple[str, Suspicion]],
) -> RelatedInvoices:
    """The group of ``members`` (ids of ``facts``, in ``order``): the first issued of those
    no part of another first, its re-issues, then the parts; with every reason said of them
    (``said``: each suspicion found, with the file it was found for)."""

    def issued(i: str) -> tuple[date, int]:
        return (facts[i].issue_date or date.max, order[i])

    inside = set(members)
    # what was said of files of this group with files of it (a tie refused says nothing here)
    said = [(c, s) for c, s in said if c in inside and inside.intersection(s.documents)]
    parts: set[str] = set()
    reissued: set[str] = set()
    for c, s in said:
        if s.kind is SuspicionKind.SPLIT_PART and s.whole in inside:
            whole = _invoice_key(facts[s.whole])
            parts.update(d for d in {c, *s.documents} & inside if _invoice_key(facts[d]) != whole)
        elif s.kind is SuspicionKind.SPLIT_WHOLE:
            parts.update(set(s.documents) & inside)
    for c, s in said:
        tied = {c, *s.documents} & inside
        # two parts alike (an invoice of 2 x an item cut into two of 1 x it) look like a
        # re-issue of each other: they are parts, and the whole no "original" re-issued
        if s.kind is SuspicionKind.REISSUE and not tied <= parts:
            reissued.update(tied)
    by_date = sorted(members, key=issued)
    wholes = [m for m in by_date if m not in parts] or by_date
    first = wholes[0]
    split = bool(parts)
    reissue = bool(reissued)
    role = {first: "original" if reissue else "whole"}
    role |= {m: "reissue" if m in reissued else "whole" for m in wholes[1:]}
    role |= {m: "part" for m in by_date if m not in role}
    ordered = [first, *wholes[1:], *(m for m in by_date if role[m] == "part")]
    # two files of the group under one number (an altered copy beside the invoice it copies)
    # are told apart by their ids: a tryout read "invoice TOSL110: … for 4,674.99 DKK" of the
    # copy and took it for the financed TOSL110 of 4,675.00
    numbers = Counter(_name(facts[m]) for m in members)

    def label(ident: str) -> str:
        name = _name(facts[ident])
        return f"invoice {name} ({ident})" if numbers[name] > 1 else f"invoice {name}"

    def said_of(c: str, s: Suspicion) -> str:
        """Whom a reason is said of, and — when one of them shares its number with another
        file of the group — which files it was compared with, by their ids."""
        shared = [d for d in s.documents if d in inside and d != c and numbers[_name(facts[d])] > 1]
        if not shared:
            return label(c)
        return f"{label(c)}, compared with {', '.join(label(d) for d in shared)}"

    # a re-issue said of the later invoice; each part's own tie, else the whole's of its parts
    reasons = [
        f"{said_of(c, s)}: {'; '.join(s.reasons)}"
        for c, s in said
        # a re-issue said against the original only (one re-issue against another called the
        # earlier of the two "the original's": tryout 50)
        if (s.kind is SuspicionKind.REISSUE and c != first and first in s.documents)
        or s.kind is SuspicionKind.SPLIT_PART
    ]
    if not any(s.kind is SuspicionKind.SPLIT_PART for _, s in said):
        reasons += [
            f"{said_of(c, s)}: {'; '.join(s.reasons)}"
            for c, s in said
            if s.kind is SuspicionKind.SPLIT_WHOLE
        ]
    kind = "reissue_and_split" if split and reissue else "split" if split else "reissue"
    return RelatedInvoices(
        kind=kind,
        currency=facts[first].currency or "",
        files=tuple(
            RelatedFile(
                ident=m,
                number=_name(facts[m]),
                issue_date=facts[m].issue_date,
                amount_due=facts[m].amount_due_minor or 0,
                role=role[m],
                below_its_totals=_below_its_totals(facts[m]),
            )
            for m in ordered
        ),
        reasons=tuple(dict.fromkeys(reasons)),
    )
