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
    compute_fingerprints,
    grade,
    grade_facts,
    make_party_id,
    onchain_fingerprints,
    read_document,
)
from ledger.documents.matching import MatchGrade
from ledger.documents.normalise import normalise_identifier, normalise_number, parse_amount_text
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


# -- the grade and the fingerprints come from the same rules ---------------------------------

_VATS = [f"DE{n}{mod_11_10.calc_check_digit(str(n))}" for n in (13669597, 81112813, 81349542)]
_PARTY_IDS = st.lists(
    st.one_of(
        st.sampled_from(_VATS).map(lambda v: make_party_id(IdScheme.VAT, v)),
        st.sampled_from(["HRB 1", "HRB 2"]).map(lambda v: make_party_id(IdScheme.LEGAL, v)),
        st.sampled_from(["4000001000005", "5790000436101"]).map(
            lambda v: make_party_id(IdScheme.GLN, v)
        ),
        st.sampled_from(["DE123456789", "Foretaksregisteret"]).map(
            lambda v: make_party_id(IdScheme.VAT, v) if v[0] == "D" else make_party_id("TAX", v)
        ),
    ),
    max_size=3,
)
_PARTIES = st.builds(
    lambda ids, name: Party.of(ids, name=name), _PARTY_IDS, st.sampled_from([None, "Acme"])
)
_FACTS = st.builds(
    lambda number, issue, due, seller, buyer, amount, currency, credit: DocumentFacts.create(
        DocumentType.INVOICE,
        number,
        issue_date=issue,
        due_date=due,
        seller=seller,
        buyer=buyer,
        amount_minor=amount,
        currency=currency if amount is not None else None,
        credit_note=credit,
    ),
    st.sampled_from(["FV 1/12/2023", "FV 11/2/2023", "fv-01-12-2023", "INV-0042", "INV42"]),
    st.sampled_from([None, date(2023, 12, 1), date(2023, 2, 11)]),
    st.sampled_from([None, date(2024, 1, 1)]),
    _PARTIES,
    st.one_of(st.none(), _PARTIES),
    st.sampled_from([None, 100, 200]),
    st.sampled_from(["EUR", "NOK"]),
    st.booleans(),
)
#: which fields a shared fingerprint of each kind says agree
_IMPLIED = {
    "seller_number": {"doc_type", "seller", "number", "credit_note"},
    "seller_buyer_amount_date": {"doc_type", "seller", "amount", "currency", "issue_date"},
    "seller_name_buyer_number": {"doc_type", "number", "amount", "currency", "issue_date"},
    "full": {"doc_type", "seller", "number", "amount", "currency", "issue_date", "credit_note"},
}


@settings(max_examples=400, deadline=None)
@given(_FACTS, _FACTS)
def test_a_shared_fingerprint_is_always_a_graded_match_that_names_the_fields(
    a: DocumentFacts, b: DocumentFacts
) -> None:
    shared = set(onchain_fingerprints(a, KEY)) & set(onchain_fingerprints(b, KEY))
    match = grade_facts(a, b)
    assert bool(shared) == (match is not None)
    if match is None:
        return
    names = {fp.name for fp in compute_fingerprints(a, KEY) if fp.value in shared}
    assert set(match.basis) == names
    for name in names:
        implied = set(_IMPLIED[name.split(":")[0]])
        if a.seller is None or a.seller.key is None:
            implied.discard("seller")
        kind = name.split(":")[0]
        if kind != "seller_number" and a.buyer is not None and a.buyer.key is not None:
            implied.add("buyer")
        if kind != "seller_number" and (a.issue_date is None or a.amount_minor is None):
            implied -= {"issue_date", "amount", "currency"}
        assert implied <= set(match.agree), (name, match)
    assert match.grade is not MatchGrade.IDENTICAL
    if match.grade is MatchGrade.SAME_DOCUMENT:
        assert not match.differ


@QUICK
@given(numbers)
def test_document_number_normalisation_is_idempotent_and_case_blind(number: str) -> None:
    once = normalise_number(number)
    assert normalise_number(once) == once
    assert normalise_number(number.lower()) == once
    assert normalise_number(f"  {number} ") == once
