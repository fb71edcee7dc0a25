"""Grading a candidate document against known ones, with the reasons.

Grades, strongest first:

- ``identical`` — the same bytes (same SHA-256).
- ``same_document`` — the same seller, type and number, and no key fact differs (buyer, amount,
  currency, issue date, due date, credit-note flag): the same document in another format or
  layout.
- ``altered`` — the same seller, type and number but some key fact differs (the dangerous case:
  an altered copy); or the same seller, buyer, amount, currency and issue date under another
  number (a re-numbered copy; the ``seller_buyer_amount_date`` fingerprint refuses it on chain).

Parties are compared with ``Party.same_as``: a different VAT id (or LEI, legal id, tax id) makes a
different seller, so two sellers' invoices that merely share a number never match. A fact that
only one side carries (e.g. a due date one format omits) is neither agreement nor difference.
Grading works on stored facts alone (``DocumentFacts.from_dict``), so a gateway can grade the
documents its SQL index returns for a fingerprint without their files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from .facts import DocumentFacts, ParsedDocument, Party


class MatchGrade(StrEnum):
    """How a candidate relates to a known document."""

    IDENTICAL = "identical"
    SAME_DOCUMENT = "same_document"
    ALTERED = "altered"


_GRADE_ORDER = {grade: i for i, grade in enumerate(MatchGrade)}
#: the fields a Match reports on, in this order
FIELDS = (
    "doc_type",
    "seller",
    "number",
    "buyer",
    "amount",
    "currency",
    "issue_date",
    "due_date",
    "credit_note",
)


@dataclass(frozen=True)
class Match:
    """A graded match: which fields agree, which differ, and the known document's hash."""

    grade: MatchGrade
    agree: tuple[str, ...]
    differ: tuple[str, ...]
    known_hash: bytes | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "grade": self.grade.value,
            "agree": list(self.agree),
            "differ": list(self.differ),
            "knownHash": "0x" + self.known_hash.hex() if self.known_hash else None,
        }


def _compare(candidate: DocumentFacts, known: DocumentFacts) -> dict[str, bool | None]:
    """Per field: True (agree), False (differ) or None (one side does not carry it)."""

    def eq(a: object, b: object) -> bool | None:
        return None if a is None or b is None else a == b

    def parties(a: Party | None, b: Party | None) -> bool | None:
        return None if a is None or b is None else a.same_as(b)

    return {
        "doc_type": candidate.doc_type == known.doc_type,
        "seller": parties(candidate.seller, known.seller),
        "number": candidate.number == known.number,
        "buyer": parties(candidate.buyer, known.buyer),
        "amount": eq(candidate.amount_minor, known.amount_minor),
        "currency": eq(candidate.currency, known.currency),
        "issue_date": eq(candidate.issue_date, known.issue_date),
        "due_date": eq(candidate.due_date, known.due_date),
        "credit_note": candidate.credit_note == known.credit_note,
    }


def grade_facts(
    candidate: DocumentFacts, known: DocumentFacts, known_hash: bytes | None = None
) -> Match | None:
    """The grade of ``candidate`` against ``known`` from their facts, or ``None``."""
    result = _compare(candidate, known)
    agree = tuple(f for f in FIELDS if result[f] is True)
    differ = tuple(f for f in FIELDS if result[f] is False)
    if not (result["doc_type"] and result["seller"]):
        return None
    if result["number"]:
        grade = MatchGrade.ALTERED if differ else MatchGrade.SAME_DOCUMENT
        return Match(grade, agree, differ, known_hash)
    renumbered = all(result[f] for f in ("buyer", "amount", "currency", "issue_date"))
    if renumbered:
        return Match(MatchGrade.ALTERED, agree, differ, known_hash)
    return None


def grade(candidate: ParsedDocument, known: ParsedDocument) -> Match | None:
    """The grade of ``candidate`` against ``known``, or ``None`` if they are not related."""
    if candidate.doc_hash == known.doc_hash:
        return Match(MatchGrade.IDENTICAL, ("bytes",), (), known.doc_hash)
    if candidate.facts is None or known.facts is None:
        return None
    return grade_facts(candidate.facts, known.facts, known.doc_hash)


def find_matches(candidate: ParsedDocument, known: Iterable[ParsedDocument]) -> list[Match]:
    """Every known document the candidate matches, strongest grade first (stable otherwise)."""
    found = [m for k in known if (m := grade(candidate, k)) is not None]
    return sorted(found, key=lambda m: _GRADE_ORDER[m.grade])
