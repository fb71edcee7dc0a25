"""Properties over generated inputs: normalisation is stable, formats agree on fingerprints."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from documents_support import KEY
from hypothesis import given, settings
from hypothesis import strategies as st

from stdnum.iso7064 import mod_11_10

from ledger.documents import (
    DocumentFacts,
    DocumentType,
    IdScheme,
    Party,
    grade,
    make_party_id,
    onchain_fingerprints,
    read_document,
)
from ledger.documents.matching import MatchGrade
from ledger.documents.normalise import normalise_identifier, parse_amount_text
from ledger.documents.writers import write_cii, write_facturx, write_json_form, write_ubl

QUICK = settings(max_examples=60, deadline=None, database=None)

numbers = st.text(alphabet="ABCXYZabcxyz0123456789-/ .", min_size=1, max_size=20).filter(
    lambda s: any(c.isalnum() for c in s)
)
amounts = st.decimals(min_value=0, max_value=Decimal("999999999.99"), places=2)


@QUICK
@given(numbers)
def test_identifier_normalisation_is_idempotent(number: str) -> None:
    once = normalise_identifier(number)
    assert normalise_identifier(once) == once
    assert normalise_identifier(number.lower()) == once
    assert normalise_identifier(f"  {number} ") == once


@QUICK
@given(amounts)
def test_european_and_us_amount_styles_read_back(amount: Decimal) -> None:
    us = f"{amount:,.2f}"
    european = us.replace(",", " ").replace(".", ",").replace(" ", ".")
    assert parse_amount_text(us, "v") == amount
    assert parse_amount_text(european, "v") == amount


@QUICK
@given(
    number=numbers,
    amount=st.integers(min_value=0, max_value=10**12),
    currency=st.sampled_from(["EUR", "JPY", "BHD", "USD"]),
    issue=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    vat=st.integers(min_value=10_000_000, max_value=99_999_999).map(
        lambda n: f"DE{n}{mod_11_10.calc_check_digit(str(n))}"
    ),
    credit_note=st.booleans(),
)
def test_every_format_gives_the_same_fingerprints(
    number: str, amount: int, currency: str, issue: date, vat: str, credit_note: bool
) -> None:
    facts = DocumentFacts.create(
        DocumentType.INVOICE,
        number,
        issue_date=issue,
        seller=Party.of([make_party_id(IdScheme.VAT, vat, country="DE")], country="DE"),
        buyer=Party.of([make_party_id(IdScheme.LEI, "529900T8BM49AURSDO55")]),
        amount_minor=amount,
        currency=currency,
        credit_note=credit_note,
    )
    docs = [
        read_document(blob)
        for blob in (
            write_ubl(facts),
            write_cii(facts),
            write_json_form(facts),
            write_facturx(write_cii(facts)),
        )
    ]
    expected = onchain_fingerprints(facts, KEY)
    for doc in docs:
        assert doc.facts == facts
        assert onchain_fingerprints(doc, KEY) == expected
        match = grade(doc, docs[0])
        assert match is not None
        assert match.grade in (MatchGrade.IDENTICAL, MatchGrade.SAME_DOCUMENT)
