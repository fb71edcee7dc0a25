"""Graded, explained matches — and no match between distinct invoices."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta

from documents_support import corpus_bytes, corpus_doc, valid_corpus_doc

from ledger.documents import (
    DocumentFacts,
    IdScheme,
    Match,
    MatchGrade,
    ParsedDocument,
    Party,
    find_matches,
    grade,
    grade_facts,
    make_party_id,
    read_document,
)
from ledger.documents.writers import write_cii, write_json_form


def test_the_same_bytes_are_identical() -> None:
    a = corpus_doc("cii/CII_example2.xml")
    b = corpus_doc("cii/CII_business_example_01.xml")  # byte-for-byte the same file
    match = grade(a, b)
    assert match is not None
    assert match.grade is MatchGrade.IDENTICAL
    assert match.known_hash == b.doc_hash


def test_raw_files_match_only_when_identical() -> None:
    a = read_document(b"\xff\xd8\xff scan 1")
    assert grade(a, read_document(b"\xff\xd8\xff scan 1")) is not None
    assert grade(a, read_document(b"\xff\xd8\xff scan 2")) is None
    assert grade(a, corpus_doc("cii/CII_example1.xml")) is None


def test_ubl_and_cii_of_one_invoice_are_the_same_document() -> None:
    match = grade(corpus_doc("ubl/ubl-tc434-example1.xml"), corpus_doc("cii/CII_example1.xml"))
    assert match is not None
    assert match.grade is MatchGrade.SAME_DOCUMENT
    assert match.differ == ()
    assert {"seller", "number", "amount", "currency", "issue_date", "due_date"} <= set(match.agree)


def test_a_re_typed_json_form_is_the_same_document() -> None:
    doc = valid_corpus_doc("ubl/guide-example2.xml")
    assert doc.facts is not None
    form = json.loads(write_json_form(doc.facts))
    form["documentNumber"] = " tosl-108 "
    form["totalAmount"]["value"] = "801,78"
    form["issueDate"] = "30.06.2013"
    match = grade(read_document(json.dumps(form).encode()), doc)
    assert match is not None
    assert match.grade is MatchGrade.SAME_DOCUMENT


def test_an_altered_amount_is_altered_and_says_which_field() -> None:
    data = corpus_bytes("ubl/ubl-tc434-example1.xml").replace(
        b">250.33</cbc:PayableAmount>", b">2503.30</cbc:PayableAmount>"
    )
    match = grade(read_document(data), corpus_doc("cii/CII_example1.xml"))
    assert match is not None
    assert match.grade is MatchGrade.ALTERED
    assert match.differ == ("amount",)
    assert {"seller", "number", "issue_date"} <= set(match.agree)


def test_an_altered_date_in_another_syntax_is_altered() -> None:
    doc = valid_corpus_doc("ubl/ubl-tc434-example2.xml")
    assert doc.facts is not None
    assert doc.facts.issue_date is not None
    moved = replace(doc.facts, issue_date=doc.facts.issue_date + timedelta(days=1))
    match = grade(read_document(write_cii(moved)), doc)
    assert match is not None
    assert match.grade is MatchGrade.ALTERED
    assert match.differ == ("issue_date",)


def test_the_corpus_pair_that_differs_in_amount_is_altered() -> None:
    # TOSL108 by DK16356706: DKK 1125.00 in CII_example3, DKK 2005.00 in UBL example3 (the buyer
    # carries a VAT id only in the UBL file; its GLN agrees, so it is the same buyer). As
    # published the seller's VAT and CVR number fail the check digit: not keyed, not graded.
    assert (
        grade(corpus_doc("ubl/ubl-tc434-example3.xml"), corpus_doc("cii/CII_example3.xml")) is None
    )
    match = grade(
        valid_corpus_doc("ubl/ubl-tc434-example3.xml"), valid_corpus_doc("cii/CII_example3.xml")
    )
    assert match is not None
    assert match.grade is MatchGrade.ALTERED
    assert match.differ == ("amount",)
    assert "buyer" in match.agree


def test_the_same_number_from_another_seller_is_not_a_match() -> None:
    # TOSL110: DK16356706 (example4) vs NL16356706 (example5, same GLN) vs DK123456789MVA (example6)
    ex4, ex5, ex6 = (corpus_doc(f"ubl/ubl-tc434-example{n}.xml") for n in (4, 5, 6))
    assert grade(ex4, ex5) is None
    assert grade(ex4, ex6) is None
    assert grade(ex5, ex6) is None
    # TOSL108 by NO123456789MVA vs by DK16356706
    assert grade(corpus_doc("ubl/guide-example2.xml"), corpus_doc("ubl/guide-example3.xml")) is None


def test_a_renumbered_copy_is_altered() -> None:
    doc = valid_corpus_doc("cii/CII_example4.xml")
    assert doc.facts is not None
    renumbered = DocumentFacts.create(
        doc.facts.doc_type,
        "TOSL999",
        issue_date=doc.facts.issue_date,
        seller=doc.facts.seller,
        buyer=doc.facts.buyer,
        amount_minor=doc.facts.amount_minor,
        currency=doc.facts.currency,
    )
    match = grade_facts(renumbered, doc.facts)
    assert match is not None
    assert match.grade is MatchGrade.ALTERED
    assert match.differ == ("number",)


def test_a_different_vat_id_outweighs_a_shared_gln() -> None:
    gln = make_party_id(IdScheme.GLN, "5790000436101")
    a = Party.of([make_party_id(IdScheme.VAT, "DK13585628"), gln])
    b = Party.of([make_party_id(IdScheme.VAT, "NL004495445B01"), gln])
    assert not a.same_as(b)
    assert a.same_as(Party.of([gln]))  # nothing contradicts, the GLN agrees


def test_grading_works_from_stored_facts() -> None:
    stored = json.loads(json.dumps(corpus_doc("cii/CII_example1.xml").to_dict()))
    known = ParsedDocument.from_dict(stored)
    match = grade(corpus_doc("ubl/ubl-tc434-example10.xml"), known)
    assert match is not None
    assert match.grade is MatchGrade.SAME_DOCUMENT
    assert match.known_hash == known.doc_hash


def test_find_matches_orders_the_strongest_grade_first() -> None:
    candidate = valid_corpus_doc("cii/CII_example3.xml")
    known = [
        valid_corpus_doc("ubl/ubl-tc434-example3.xml"),  # altered
        valid_corpus_doc("ubl/ubl-tc434-example4.xml"),  # another invoice of the same seller
        valid_corpus_doc("ubl/guide-example3.xml"),  # same document
        valid_corpus_doc("cii/CII_example3.xml"),  # identical
        valid_corpus_doc("ubl/guide-example2.xml"),  # same number, other seller
    ]
    matches = find_matches(candidate, known)
    assert [m.grade for m in matches] == [
        MatchGrade.IDENTICAL,
        MatchGrade.SAME_DOCUMENT,
        MatchGrade.ALTERED,
    ]
    assert all(isinstance(m, Match) for m in matches)
    assert re.fullmatch(r"0x[0-9a-f]{64}", str(matches[0].to_dict()["knownHash"]))
