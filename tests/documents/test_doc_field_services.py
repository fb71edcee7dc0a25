"""The field cases through the gateway on the real embedded chain: financing, check, receive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from documents_support import field_bytes, with_party_vats

from ledger.errors import InvalidInput, LedgerError, SuspicionsUnacknowledged
from ledger.services import documents as docs
from ledger.services import financing as fin
from ledger.services.roles import FinancingKind, FinancingStatus
from tests.conftest import SAMPLE_SELLER_VAT

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

MATURITY = datetime.now(UTC) + timedelta(days=90)
INVOICE = "credit-note/base-example.xml"
CREDIT_NOTE = "credit-note/base-creditnote-correction.xml"


def _finance(
    network: Network, bank: str, data: bytes, amount: int, currency: str, acknowledge: bool = False
) -> int:
    lodged = docs.receive(network.ledger, bank, "bank", data)
    financing = fin.create(
        network.ledger,
        bank,
        [fin.PledgeRequest(docs.parse_doc_hash(lodged.doc_hash), amount)],
        currency,
        FinancingKind.INVOICE_FINANCING,
        MATURITY,
        acknowledge_suspicions=acknowledge,
    )
    assert financing.status is FinancingStatus.ACTIVE
    return financing.financing_id


@pytest.mark.parametrize(
    ("first", "second", "currency", "amount"),
    [
        (
            "identifiers-placeholder/a-seller1-TOSL108.xml",
            "identifiers-placeholder/b-seller2-TOSL108.xml",
            "NOK",
            50_000,
        ),
        (
            "number-collision/a-FV-1-12-2023.xml",
            "number-collision/b-FV-11-2-2023.xml",
            "EUR",
            90_000,
        ),
    ],
)
def test_two_different_invoices_are_both_financed(
    network: Network, first: str, second: str, currency: str, amount: int
) -> None:
    _finance(network, network.bank.address, field_bytes(first), amount, currency)
    check = docs.examine(network.ledger, field_bytes(second), network.bank_b.address, "bank")[1]
    assert check.conflicting_financings == []
    _finance(network, network.bank_b.address, field_bytes(second), amount, currency)


def test_a_credit_note_cannot_be_financed_and_says_it_is_one(network: Network) -> None:
    bank = network.bank.address
    lodged = docs.receive(network.ledger, bank, "bank", field_bytes(CREDIT_NOTE))
    assert lodged.facts is not None
    assert lodged.facts["creditNote"] is True
    assert [n.kind for n in lodged.notices if n.kind == "credit_note"] == ["credit_note"]
    with pytest.raises(InvalidInput) as refused:
        fin.create(
            network.ledger,
            bank,
            [fin.PledgeRequest(docs.parse_doc_hash(lodged.doc_hash), 1_000)],
            "EUR",
            FinancingKind.INVOICE_FINANCING,
            MATURITY,
        )
    assert refused.value.field == "documents[0].doc_hash"
    assert "credit note" in refused.value.rule
    assert fin.list_financings(network.ledger).items == []


@pytest.mark.parametrize("due", ["0.00", "-10.00"])
def test_an_invoice_with_no_positive_amount_due_cannot_be_financed(
    network: Network, due: str
) -> None:
    data = field_bytes(INVOICE).replace(
        b'<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>',
        f'<cbc:PayableAmount currencyID="EUR">{due}</cbc:PayableAmount>'.encode(),
    )
    lodged = docs.receive(network.ledger, network.bank.address, "bank", data)
    with pytest.raises(InvalidInput) as refused:
        fin.create(
            network.ledger,
            network.bank.address,
            [fin.PledgeRequest(docs.parse_doc_hash(lodged.doc_hash), 1)],
            "EUR",
            FinancingKind.INVOICE_FINANCING,
            MATURITY,
        )
    assert "amount due" in refused.value.rule


def test_a_credit_note_of_a_financed_invoice_is_news_for_the_bank(network: Network) -> None:
    financing = _finance(network, network.bank.address, field_bytes(INVOICE), 100_000, "EUR")
    for who, role in ((network.bank.address, "bank"), (network.bank_b.address, "bank")):
        seen = docs.receive(network.ledger, who, role, field_bytes(CREDIT_NOTE))
        news = [n for n in seen.notices if n.kind == "credit_note_financed_invoice"]
        assert len(news) == 1
        assert news[0].financings == (financing,)
        assert "SNIPPET1" in news[0].message


def test_the_financeable_value_is_net_of_the_credit_notes_lodged(network: Network) -> None:
    bank = network.bank.address
    # the seller's credit note (the enterprise's legal id is the seller's VAT id): it counts
    smaller = with_party_vats(field_bytes(CREDIT_NOTE), SAMPLE_SELLER_VAT).replace(
        b">1656.25</cbc:PayableAmount>", b">500.00</cbc:PayableAmount>"
    )
    docs.receive(network.ledger, network.enterprise.address, "enterprise", smaller)
    invoice = docs.receive(
        network.ledger, bank, "bank", with_party_vats(field_bytes(INVOICE), SAMPLE_SELLER_VAT)
    )
    assert invoice.financeable_amount == 165_625 - 50_000
    assert any(n.kind == "credited" for n in invoice.notices)
    request = [fin.PledgeRequest(docs.parse_doc_hash(invoice.doc_hash), 120_000)]
    with pytest.raises(InvalidInput) as refused:
        fin.create(network.ledger, bank, request, "EUR", FinancingKind.FACTORING, MATURITY)
    assert refused.value.details["financeable_amount"] == 115_625
    request = [fin.PledgeRequest(docs.parse_doc_hash(invoice.doc_hash), 115_625)]
    assert fin.create(network.ledger, bank, request, "EUR", FinancingKind.FACTORING, MATURITY)


def test_a_re_issue_is_suspicious_at_check_and_financed_only_when_acknowledged(
    network: Network,
) -> None:
    """A re-issue is not refused by the chain (its fingerprints differ): the bank's gateway
    asks a person to acknowledge the suspicion before the money goes (docs/rules.md)."""
    bank = network.bank.address
    original = field_bytes("reissue/a-original-471102.cii.xml")
    reissued = field_bytes("reissue/c-reissued-471102-R1-new-date.cii.xml")
    first = docs.receive(network.ledger, bank, "bank", original)
    _finance(network, bank, original, 50_000, "EUR")
    _, check = docs.examine(network.ledger, reissued, bank, "bank")
    assert check.suspicious
    [suspicion] = check.suspicions
    assert suspicion.kind == "reissue"
    assert suspicion.documents == (first.doc_hash,)
    assert any("new number" in r for r in suspicion.reasons)
    assert check.matches == ()
    assert check.conflicting_financings == []
    with pytest.raises(SuspicionsUnacknowledged) as refused:
        _finance(network, bank, reissued, 50_000, "EUR")
    assert [s["kind"] for s in refused.value.details["suspicions"]] == ["reissue"]
    _finance(network, bank, reissued, 50_000, "EUR", acknowledge=True)  # never a chain block


def test_split_parts_are_suspicious_and_name_the_documents(network: Network) -> None:
    bank = network.bank.address
    original = docs.receive(
        network.ledger, bank, "bank", field_bytes("split/a-original-471102.cii.xml")
    )
    part1 = docs.receive(
        network.ledger, bank, "bank", field_bytes("split/b1-part-471102-1.cii.xml")
    )
    _, check = docs.examine(
        network.ledger, field_bytes("split/b2-part-471102-2.cii.xml"), bank, "bank"
    )
    kinds = {s.kind for s in check.suspicions}
    assert kinds == {"split_part"}
    [split] = check.suspicions
    assert set(split.documents) == {original.doc_hash, part1.doc_hash}
    assert any("add up to 529.87 EUR" in r for r in split.reasons)
    assert all(m.grade != "same_document" for m in check.matches)


@pytest.mark.parametrize("due", ["0.00", "-100.00"])
def test_an_invoice_with_nothing_due_is_no_split(network: Network, due: str) -> None:
    """Nothing due is nothing to finance twice: a part for 0.00 or -100.00 raises no split, is
    no part of a later check, and carries its ``nothing_due`` notice."""
    bank = network.bank.address
    docs.receive(network.ledger, bank, "bank", field_bytes("split/a-original-471102.cii.xml"))
    nothing = field_bytes("split/b1-part-471102-1.cii.xml").replace(
        b"<ram:DuePayableAmount>300.00<", f"<ram:DuePayableAmount>{due}<".encode()
    )
    lodged = docs.receive(network.ledger, bank, "bank", nothing)
    assert lodged.suspicions == ()
    assert [n.kind for n in lodged.notices if n.kind == "nothing_due"] == ["nothing_due"]
    _, check = docs.examine(
        network.ledger, field_bytes("split/b2-part-471102-2.cii.xml"), bank, "bank"
    )
    assert all(lodged.doc_hash not in s.documents for s in check.suspicions)


def test_suspicion_is_scoped_like_matches(network: Network) -> None:
    """Bank B does not learn of files only bank A lodged: suspicion is scoped like matches."""
    docs.receive(
        network.ledger, network.bank.address, "bank", field_bytes("split/a-original-471102.cii.xml")
    )
    _, check = docs.examine(
        network.ledger,
        field_bytes("split/b1-part-471102-1.cii.xml"),
        network.bank_b.address,
        "bank",
    )
    assert check.suspicions == ()


def test_a_number_reused_by_its_seller_is_not_called_a_copy(network: Network) -> None:
    """Tryout 78: invoice 471102 of 2018 (529.87 EUR, a Factur-X attachment) financed at one
    bank, the seller's invoice 471102 of 2013 (235.62 EUR, ZUGFeRD 1.0) refused at another by
    the seller-and-number fingerprint alone — and called "this file or another copy of it"."""
    _finance(
        network,
        network.bank.address,
        field_bytes("facturx-attachment/b-attachment-named-invoice.xml.pdf"),
        50_000,
        "EUR",
    )
    with pytest.raises(LedgerError) as refused:
        _finance(
            network,
            network.bank_b.address,
            field_bytes("zugferd1/ZUGFeRD_1p0_BASIC_Einfach.pdf"),
            20_000,
            "EUR",
            acknowledge=True,
        )
    assert "(this file or another copy of it)" not in refused.value.message
    assert "another document its seller numbered alike" in refused.value.message
