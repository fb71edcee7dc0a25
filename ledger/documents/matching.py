"""Grading a candidate document against known ones, with the reasons.

The grade comes from the same rules as the fingerprints: two documents are related exactly when
one of their fingerprint inputs (``fingerprints.fingerprint_inputs``) is equal — i.e. when they
would share a fingerprint on chain — and ``Match.basis`` names those fingerprints. So a bank is
never refused on a fingerprint the grader cannot explain, and never told of a match the chain
would not refuse. Grades, strongest first:

- ``identical`` — the same bytes (same SHA-256).
- ``same_document`` — related, the same number, and no key fact differs (buyer, amount, currency,
  issue date, due date, credit-note flag, the parties' identity identifiers): the same document in
  another format or layout.
- ``altered`` — related but some key fact differs (the dangerous case: an altered copy under the
  same number, or a re-numbered copy with the same seller, buyer, amount, currency and date).

Parties agree when they share a key identifier (``Party.key_ids``: identity identifiers checked
by their scheme) or, failing that, share an identifier without contradicting identity ids
(``Party.same_as``). When they share a key identifier but another identity identifier differs,
the party agrees and ``seller_identifiers`` / ``buyer_identifiers`` is listed among the
differences. A fact that only one side carries (e.g. a due date one format omits) is neither
agreement nor difference. Grading works on stored facts alone (``DocumentFacts.from_dict``).

Documents that are *not* related but look like a re-issue or a split of one invoice are not
graded here: see ``suspicion.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from .facts import IDENTITY_SCHEMES, DocumentFacts, ParsedDocument, Party
from .fingerprints import fingerprint_inputs, fingerprint_type, register_local


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
    "seller_identifiers",
    "buyer_identifiers",
)


@dataclass(frozen=True)
class Match:
    """A graded match: which fields agree, which differ, the fingerprints the two documents share
    (``basis``) and the known document's hash."""

    grade: MatchGrade
    agree: tuple[str, ...]
    differ: tuple[str, ...]
    known_hash: bytes | None = None
    basis: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "grade": self.grade.value,
            "agree": list(self.agree),
            "differ": list(self.differ),
            "basis": list(self.basis),
            "knownHash": "0x" + self.known_hash.hex() if self.known_hash else None,
        }


def party_relation(a: Party | None, b: Party | None) -> tuple[bool | None, bool]:
    """(agree, identifiers conflict) of two parties: agree is True when they share a key
    identifier, or share any identifier with no identity identifier contradicting; False when
    they contradict; None when one is absent or nothing can be compared. A shared number that
    names a party only within a register (:func:`ledger.documents.fingerprints.register_local`:
    ``DE:HRB12345``, each local court numbers its own) beside an identity identifier that
    contradicts (two VAT ids) is two parties: tryout 90's regulator read two "Müller GmbH" at
    two courts, each with its own VAT id, as one seller, and summed their invoices ``1001`` as
    one receivable financed beyond its amount due."""
    if a is None or b is None:
        return None, False
    agree_schemes, conflict_schemes = a.compare(b)
    identity_conflict = bool(conflict_schemes & IDENTITY_SCHEMES)
    shared = set(a.key_ids) & set(b.key_ids)
    if shared and identity_conflict and all(register_local(p) for p in shared):
        return False, True
    if shared:
        return True, identity_conflict
    if agree_schemes and not identity_conflict:
        return True, False
    if conflict_schemes:
        return False, False
    return None, False


def _compare(candidate: DocumentFacts, known: DocumentFacts) -> dict[str, bool | None]:
    """Per field: True (agree), False (differ) or None (one side does not carry it)."""

    def eq(a: object, b: object) -> bool | None:
        return None if a is None or b is None else a == b

    seller, seller_conflict = party_relation(candidate.seller, known.seller)
    buyer, buyer_conflict = party_relation(candidate.buyer, known.buyer)
    return {
        # as fingerprints compare it: OTHER as INVOICE (fingerprints.fingerprint_type)
        "doc_type": fingerprint_type(candidate.doc_type) == fingerprint_type(known.doc_type),
        "seller": seller,
        "number": candidate.number == known.number,
        "buyer": buyer,
        "amount": eq(candidate.amount_minor, known.amount_minor),
        "currency": eq(candidate.currency, known.currency),
        "issue_date": eq(candidate.issue_date, known.issue_date),
        "due_date": eq(candidate.due_date, known.due_date),
        "credit_note": candidate.credit_note == known.credit_note,
        "seller_identifiers": False if seller_conflict else None,
        "buyer_identifiers": False if buyer_conflict else None,
    }


def shared_fingerprints(candidate: DocumentFacts, known: DocumentFacts) -> tuple[str, ...]:
    """The names of the fingerprints the two documents share (equal inputs, so equal values
    under any key)."""
    theirs = {(i.kind, i.basis, i.fields) for i in fingerprint_inputs(known)}
    return tuple(
        i.name for i in fingerprint_inputs(candidate) if (i.kind, i.basis, i.fields) in theirs
    )


def grade_facts(
    candidate: DocumentFacts, known: DocumentFacts, known_hash: bytes | None = None
) -> Match | None:
    """The grade of ``candidate`` against ``known`` from their facts, or ``None`` when they
    share no fingerprint."""
    basis = shared_fingerprints(candidate, known)
    if not basis:
        return None
    result = _compare(candidate, known)
    agree = tuple(f for f in FIELDS if result[f] is True)
    differ = tuple(f for f in FIELDS if result[f] is False)
    same = result["number"] and not differ
    grade = MatchGrade.SAME_DOCUMENT if same else MatchGrade.ALTERED
    return Match(grade, agree, differ, known_hash, basis)


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
