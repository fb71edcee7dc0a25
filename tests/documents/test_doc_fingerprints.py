"""Keyed fingerprints: equal across formats, different between invoices, useless without the key."""

from __future__ import annotations

import hashlib
import hmac as std_hmac
import itertools
from dataclasses import replace
from datetime import date

import pytest
from documents_support import CORPUS_FILES, KEY, corpus_doc

from ledger.documents import (
    DocumentFacts,
    DocumentType,
    IdScheme,
    Party,
    compute_fingerprints,
    make_party_id,
    onchain_fingerprints,
    read_document,
)
from ledger.documents.fingerprints import FINGERPRINT_VERSION, onchain_value, oprf_input
from ledger.documents.matching import MatchGrade, grade_facts
from ledger.documents.writers import write_cii, write_facturx, write_json_form, write_ubl
from ledger.errors import InvalidInput
from ledger.oprf import Evaluator

SELLER = Party.of([make_party_id(IdScheme.VAT, "DE136695976")], name="Seller GmbH")
BUYER = Party.of([make_party_id(IdScheme.LEI, "529900T8BM49AURSDO55")])


def invoice(
    number: str = "INV-2024-0042", amount: int = 1_250_000, **changes: object
) -> DocumentFacts:
    facts = DocumentFacts.create(
        DocumentType.INVOICE,
        number,
        issue_date=date(2024, 3, 1),
        due_date=date(2024, 4, 30),
        seller=SELLER,
        buyer=BUYER,
        amount_minor=amount,
        currency="EUR",
    )
    return replace(facts, **changes)  # type: ignore[arg-type]


def by_name(facts: DocumentFacts, key: bytes = KEY) -> dict[str, bytes]:
    return {fp.name: fp.value for fp in compute_fingerprints(facts, key)}


def test_kinds_and_sizes() -> None:
    fps = compute_fingerprints(invoice(), KEY)
    assert [fp.name for fp in fps] == [
        "seller_number:VAT",
        "seller_buyer_amount_date",
        "seller_name_buyer_number",
        "full",
    ]
    assert all(len(fp.value) == 32 for fp in fps)
    assert len({fp.value for fp in fps}) == 4  # domain-separated: no two kinds collide


def test_a_pinned_value_so_a_rule_change_cannot_go_unnoticed() -> None:
    """Fingerprints are on chain: a change in normalisation or layout must bump the version.
    The local (MAC) and the on-chain (OPRF, here under the RFC 9497 A.1.2 test key) values of
    one input are pinned."""
    assert FINGERPRINT_VERSION == "tradeledger/fingerprint/v3"

    def field(text: str) -> bytes:
        return b"\x01" + len(text.encode()).to_bytes(4, "big") + text.encode()

    message = b"".join(
        field(t)
        for t in (
            FINGERPRINT_VERSION,
            "seller_number",
            "INVOICE",
            "VAT",
            "DE136695976",
            "INV2024-42",
        )
    )
    expected = std_hmac.new(KEY, message, hashlib.sha256).digest()
    assert by_name(invoice())["seller_number:VAT"] == expected
    assert expected.hex() == "0786ebb608f75cc098545b45c6fb450da25827cf9635f043a2cc8b88ebd83c2f"
    # the on-chain fingerprint: the OPRF of the same bytes, hashed with its label
    assert message == oprf_input("seller_number", ("INVOICE", "VAT", "DE136695976", "INV2024-42"))
    evaluator = Evaluator.from_seed(bytes([0xA3]) * 32, b"test key")
    onchain = onchain_value(evaluator.evaluate_known_input(message))
    assert onchain.hex() == "6749f488ab44d2df6653a895bfec5b998f5c2e8b8fb87859bd7f3ef29d79e17c"


def test_the_same_invoice_in_every_format_has_the_same_fingerprints() -> None:
    for path in CORPUS_FILES:
        doc = read_document(path.read_bytes())
        assert doc.facts is not None
        want = onchain_fingerprints(doc, KEY)
        others = [write_ubl(doc.facts), write_cii(doc.facts), write_facturx(write_cii(doc.facts))]
        due, issue = doc.facts.due_date, doc.facts.issue_date
        if not (due and issue and due < issue):  # the JSON form refuses BT-9 before BT-2
            others.append(write_json_form(doc.facts))
        for other in others:
            assert onchain_fingerprints(read_document(other), KEY) == want, path.name


def test_corpus_twins_share_all_fingerprints() -> None:
    ubl = corpus_doc("ubl/ubl-tc434-example1.xml")
    cii = corpus_doc("cii/CII_example1.xml")
    assert ubl.doc_hash != cii.doc_hash
    assert onchain_fingerprints(ubl, KEY) == onchain_fingerprints(cii, KEY)


def test_an_altered_amount_keeps_seller_number_and_changes_the_rest() -> None:
    a, b = by_name(invoice()), by_name(invoice(amount=1_250_001))
    assert a["seller_number:VAT"] == b["seller_number:VAT"]
    assert a["seller_buyer_amount_date"] != b["seller_buyer_amount_date"]
    assert a["full"] != b["full"]


def test_a_renumbered_copy_keeps_seller_buyer_amount_date() -> None:
    a, b = by_name(invoice()), by_name(invoice(number="INV-2024-0043"))
    assert a["seller_number:VAT"] != b["seller_number:VAT"]
    assert a["seller_buyer_amount_date"] == b["seller_buyer_amount_date"]


def test_another_seller_with_the_same_number_shares_nothing() -> None:
    other = Party.of([make_party_id(IdScheme.VAT, "FR40303265045")])
    assert not set(onchain_fingerprints(invoice(), KEY)) & set(
        onchain_fingerprints(invoice(seller=other), KEY)
    )


def test_a_copy_with_the_sellers_identifiers_changed_shares_its_name_buyer_and_number() -> None:
    """Tryout 64: the seller's VAT id deleted (keyed by its GLN), or every identifier (keyed by
    its name): no fingerprint keyed by an identifier is shared, ``seller_name_buyer_number``
    is, and the two grade as the same document."""
    gln = make_party_id(IdScheme.GLN, "4000001000005")
    original = invoice(seller=Party.of([*SELLER.ids, gln], name="Seller GmbH"))
    for seller in (Party.of([gln], name="Seller GmbH"), Party.of([], name="SELLER  GmbH")):
        copy = invoice(seller=seller)
        shared = set(by_name(original).items()) & set(by_name(copy).items())
        assert [name for name, _ in shared] == ["seller_name_buyer_number"]
        match = grade_facts(copy, original)
        assert match is not None
        assert match.grade is MatchGrade.SAME_DOCUMENT


def test_the_sellers_name_is_compared_by_its_letters_and_digits_its_legal_form_kept() -> None:
    """Tryout 66 swapped the seller's VAT id and GLN and wrote ``Seller Company`` for
    ``SellerCompany``: the name still locks; ``Acme Ltd`` and ``Acme GmbH`` stay two."""

    def named(name: str) -> bytes:
        return by_name(invoice(seller=Party.of([], name=name)))["seller_name_buyer_number"]

    assert named("SellerCompany") == named("Seller Company") == named("seller-company")
    assert named("Acme Ltd") != named("Acme GmbH")


def test_another_named_seller_with_the_same_buyer_number_date_and_amount_shares_nothing() -> None:
    other = Party.of([make_party_id(IdScheme.VAT, "FR40303265045")], name="Autre Vendeur SARL")
    assert not set(onchain_fingerprints(invoice(), KEY)) & set(
        onchain_fingerprints(invoice(seller=other), KEY)
    )


def test_corpus_invoices_sharing_a_number_under_other_sellers_share_no_fingerprint() -> None:
    # TOSL110 is issued by DK16356706 (example4), NL16356706 (example5), DK123456789MVA (example6)
    fps = [
        set(onchain_fingerprints(corpus_doc(f"ubl/ubl-tc434-example{n}.xml"), KEY))
        for n in (4, 5, 6)
    ]
    assert not fps[0] & fps[1]
    assert not fps[0] & fps[2]
    assert not fps[1] & fps[2]


def test_a_type_family_separates_an_invoice_from_a_purchase_order() -> None:
    po = invoice(doc_type=DocumentType.PURCHASE_ORDER)
    assert not set(onchain_fingerprints(invoice(), KEY)) & set(onchain_fingerprints(po, KEY))


def test_a_credit_note_never_shares_a_fingerprint_with_the_invoice_it_corrects() -> None:
    # the Peppol example credit note carries the number of the invoice it corrects
    a, b = by_name(invoice()), by_name(invoice(credit_note=True))
    assert not set(a.values()) & set(b.values())


def test_one_seller_number_per_identity_identifier() -> None:
    seller = Party.of(
        [
            make_party_id(IdScheme.VAT, "NO987654325MVA"),
            make_party_id(IdScheme.LEGAL, "987654325", country="NO"),
            make_party_id(IdScheme.GLN, "4000001000005"),
        ]
    )
    names = list(by_name(invoice(seller=seller)))
    assert names == ["seller_number:VAT", "seller_number:LEGAL", "seller_buyer_amount_date", "full"]


def test_a_register_local_number_beside_a_vat_id_keys_no_seller_number() -> None:
    """``HRB 12345`` names one party only at its court (not stated): beside a VAT id it keys no
    ``seller_number`` (two firms of one name at two courts were one seller: tryout 90)."""
    seller = Party.of(
        [
            make_party_id(IdScheme.VAT, "DE136695976"),
            make_party_id(IdScheme.LEGAL, "HRB 12345"),
            make_party_id(IdScheme.GLN, "4000001000005"),
        ]
    )
    names = list(by_name(invoice(seller=seller)))
    assert names == ["seller_number:VAT", "seller_buyer_amount_date", "full"]


def test_a_seller_known_only_by_gln_still_gets_a_seller_number() -> None:
    seller = Party.of([make_party_id(IdScheme.GLN, "4000001000005")])
    assert "seller_number:GLN" in by_name(invoice(seller=seller))


def test_fields_are_length_prefixed_so_they_cannot_run_together() -> None:
    # number "B1" + seller id "A1" vs number "1" + seller id "A1B" would collide if concatenated
    s1 = Party.of([make_party_id(IdScheme.PARTY, "A1")])
    s2 = Party.of([make_party_id(IdScheme.PARTY, "A1B")])
    a = by_name(invoice(seller=s1, number="B1"))
    b = by_name(invoice(seller=s2, number="1"))
    assert a["seller_number:PARTY"] != b["seller_number:PARTY"]


def test_onchain_fingerprints_are_strictly_ascending_unique_bytes32() -> None:
    for path in CORPUS_FILES:
        doc = read_document(path.read_bytes())
        values = onchain_fingerprints(doc, KEY)
        assert doc.facts is not None
        assert doc.facts.seller is not None
        # none only for a seller whose every identity identifier fails its check
        assert bool(values) is not doc.facts.seller.unkeyed, path.name
        assert all(isinstance(v, bytes) and len(v) == 32 for v in values)
        assert all(a < b for a, b in itertools.pairwise(values))


def test_a_raw_file_has_no_fingerprints() -> None:
    raw = read_document(b"\x89PNG\r\n\x1a\n scanned invoice")
    assert compute_fingerprints(raw, KEY) == []
    assert onchain_fingerprints(raw, KEY) == []


@pytest.mark.parametrize("bad", [b"", b"short", bytes(31), "a" * 64])
def test_short_or_non_bytes_keys_are_refused(bad: object) -> None:
    with pytest.raises(InvalidInput) as info:
        compute_fingerprints(invoice(), bad)  # type: ignore[arg-type]
    assert info.value.field == "fingerprint_key"


# --- not brute-forceable without the key ----------------------------------------------------


def test_a_plain_hash_of_the_same_facts_is_not_the_fingerprint() -> None:
    fps = set(onchain_fingerprints(invoice(), KEY))
    facts = invoice()
    guesses = [
        hashlib.sha256(f"{facts.number}".encode()).digest(),
        hashlib.sha256(f"DE136695976{facts.number}".encode()).digest(),
        hashlib.sha256(f"INVOICE|VAT|DE136695976|{facts.number}".encode()).digest(),
        hashlib.sha256(f"DE136695976|{facts.number}|1250000|EUR|2024-03-01".encode()).digest(),
    ]
    assert not fps & set(guesses)


def test_another_key_gives_other_fingerprints() -> None:
    other_key = bytes(range(1, 33))
    assert not set(onchain_fingerprints(invoice(), KEY)) & set(
        onchain_fingerprints(invoice(), other_key)
    )


def test_enumerating_invoice_numbers_with_a_wrong_key_finds_nothing() -> None:
    target = set(onchain_fingerprints(invoice(number="INV-2024-4242"), KEY))
    wrong_key = hashlib.sha256(b"attacker's guess").digest()
    found = [
        n
        for n in range(10_000)
        if target & {by_name(invoice(number=f"INV-2024-{n:04d}"), wrong_key)["seller_number:VAT"]}
    ]
    assert found == []
    # the same enumeration with the right key finds it: the test can fail
    right = [
        n
        for n in range(4_000, 4_500)
        if target & {by_name(invoice(number=f"INV-2024-{n:04d}"), KEY)["seller_number:VAT"]}
    ]
    assert right == [4242]
