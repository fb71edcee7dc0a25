"""The public API of ledger.documents, pinned (httpx tests/test_exported_members.py)."""

from __future__ import annotations

import ledger.documents as documents


def test_exported_members() -> None:
    assert sorted(documents.__all__) == sorted(
        [
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
    )
    for name in documents.__all__:
        assert getattr(documents, name) is not None


def test_document_types_match_the_on_chain_enum_names() -> None:
    assert [t.value for t in documents.DocumentType] == [
        "INVOICE",
        "BILL_OF_LADING",
        "WAREHOUSE_RECEIPT",
        "CUSTOMS_DECLARATION",
        "PURCHASE_ORDER",
        "CERTIFICATE_OF_ORIGIN",
        "CONTRACT",
        "OTHER",
    ]
