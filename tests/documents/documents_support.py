"""Helpers for the document tests: where the e-invoice corpus is and how to read from it.

A module with a unique name (not ``conftest``) so that test files can import it whatever other
test directories exist.
"""

from __future__ import annotations

from pathlib import Path

from ledger.documents import ParsedDocument, read_document

CORPUS = Path(__file__).resolve().parents[1] / "data" / "einvoices"
CORPUS_FILES = sorted(p for p in CORPUS.rglob("*.xml") if p.parent.name in ("ubl", "cii"))
#: a consortium fingerprint key for tests (32 bytes)
KEY = bytes(range(32))


def corpus_bytes(rel: str) -> bytes:
    """A corpus file's bytes by its path relative to the corpus (``ubl/guide-example1.xml``)."""
    return (CORPUS / rel).read_bytes()


def corpus_doc(rel: str) -> ParsedDocument:
    return read_document(corpus_bytes(rel))
