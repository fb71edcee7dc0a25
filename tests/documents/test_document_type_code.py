"""The document type code (BT-3) must be one EN 16931 admits (BR-CL-01), or the file is refused
naming the element (``ledger.documents.ubl.document_type_code``).

A file typed ``999``, ``invoice`` or ``380 381`` was read as an invoice and could be financed as
one. Every invoice of the corpus and the field cases is tried with such codes, in UBL, CII and
ZUGFeRD 1.0; every code of the standard's list is read, its credit notes as credit notes."""

from __future__ import annotations

import re

import pytest

from ledger.documents.detect import read_document
from ledger.documents.facts import DocumentFacts
from ledger.documents.ubl import CREDIT_NOTE_TYPE_CODES, DOCUMENT_TYPE_CODES
from ledger.errors import DocumentFormatError
from tests.documents.test_totals_add_up import INVOICES

_CODE = re.compile(rb"(<(?:\w+:)?(?:InvoiceTypeCode|CreditNoteTypeCode|TypeCode)\b[^>]*>)[^<]*(<)")


def _typed(data: bytes, code: bytes) -> bytes:
    """``data`` with its document type code (the first TypeCode element: BT-3) made ``code``."""
    typed, n = _CODE.subn(rb"\g<1>" + code + rb"\g<2>", data, count=1)
    assert n == 1
    return typed


def _read(data: bytes) -> DocumentFacts:
    facts = read_document(data).facts
    assert facts is not None
    return facts


def _element(data: bytes) -> str:
    found = _CODE.search(data)
    assert found is not None
    tag = re.match(rb"<(?:\w+:)?(\w+)", found.group(1))
    assert tag is not None
    prefix = "cbc:" if tag.group(1) != b"TypeCode" else "ram:"
    return prefix + tag.group(1).decode()


@pytest.mark.parametrize(("name", "data"), INVOICES, ids=[n for n, _ in INVOICES])
@pytest.mark.parametrize("code", [b"999", b"invoice", b"380 381", b"0380", b"38O"])
def test_a_type_code_the_standard_does_not_admit_is_refused(
    name: str, data: bytes, code: bytes
) -> None:
    with pytest.raises(DocumentFormatError) as refused:
        read_document(_typed(data, code))
    assert refused.value.field == _element(data), refused.value.to_dict()
    assert "BR-CL-01" in refused.value.rule
    assert "BT-3" in refused.value.rule
    assert refused.value.details["value"] == code.decode()


@pytest.mark.parametrize(("name", "data"), INVOICES[:: max(1, len(INVOICES) // 6)])
@pytest.mark.parametrize("code", sorted(DOCUMENT_TYPE_CODES, key=int))
def test_every_code_of_the_standard_is_read(name: str, data: bytes, code: str) -> None:
    facts = _read(_typed(data, code.encode()))
    is_ubl_credit_note = b"<CreditNote" in data[:400] or b":CreditNote " in data[:400]
    assert facts.credit_note == (code in CREDIT_NOTE_TYPE_CODES or is_ubl_credit_note)


@pytest.mark.parametrize(("name", "data"), INVOICES[:4])
def test_a_type_code_with_spaces_around_it_is_read(name: str, data: bytes) -> None:
    assert _read(_typed(data, b"\n  380 \n")).credit_note is False
