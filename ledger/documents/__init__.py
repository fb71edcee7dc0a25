"""Documents: any file → SHA-256, canonical key facts (UBL, CII, Factur-X, JSON form) and keyed
fingerprints; and graded matches between documents. Pure Python, no chain.

Typical use by a gateway::

    doc = read_document(data)                         # ParsedDocument (raises DocumentFormatError)
    fps = onchain_fingerprints(doc, consortium_key)   # sorted unique bytes32 for the contract
    matches = find_matches(doc, known_documents)      # graded, explained
    suspicions = find_suspicions(doc.facts, [(id, facts), ...])  # re-issue / split, never a block

See ``docs/documents.md`` for the normalisation rules, the JSON form and measured accuracy.
"""

from __future__ import annotations

from .detect import detect_format, document_hash, read_document
from .facts import (
    DocumentFacts,
    DocumentFormat,
    DocumentType,
    IdScheme,
    Line,
    ParsedDocument,
    Party,
    PartyId,
    check_party_id,
    make_party_id,
)
from .fingerprints import (
    FINGERPRINT_VERSION,
    MIN_KEY_BYTES,
    Fingerprint,
    FingerprintKind,
    compute_fingerprints,
    onchain_fingerprints,
)
from .identifiers import RejectedId
from .matching import Match, MatchGrade, find_matches, grade, grade_facts
from .suspicion import Suspicion, SuspicionKind, find_suspicions

__all__ = [
    "FINGERPRINT_VERSION",
    "MIN_KEY_BYTES",
    "DocumentFacts",
    "DocumentFormat",
    "DocumentType",
    "Fingerprint",
    "FingerprintKind",
    "IdScheme",
    "Line",
    "Match",
    "MatchGrade",
    "ParsedDocument",
    "Party",
    "PartyId",
    "RejectedId",
    "Suspicion",
    "SuspicionKind",
    "check_party_id",
    "compute_fingerprints",
    "detect_format",
    "document_hash",
    "find_matches",
    "find_suspicions",
    "grade",
    "grade_facts",
    "make_party_id",
    "onchain_fingerprints",
    "read_document",
]
