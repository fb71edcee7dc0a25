"""A re-issue that states something paid (BT-113) or rounded (BT-114) still meets the marks of
its invoice's financing, by the total with VAT (BT-112) both state (tryout 77: the demo invoice
re-issued under a new number and date with 0.01 stated paid, its totals adding up to 4,674.99
due, met nothing at a second bank and was financed and drawn in full).

The control is the field cases' ``number-collision`` pair: the same lines due another figure,
nothing stated paid — two invoices, which must both be financed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources

import pytest
from documents_support import field_bytes

from ledger.documents.detect import read_document
from ledger.documents.marks import MarkKind, mark_inputs
from ledger.errors import SuspicionsUnacknowledged
from ledger.services import documents as docs
from ledger.services import financing as fin
from ledger.services.roles import FinancingKind
from tests.conftest import Network

DEMO = resources.files("ledger.demo_data")
UBL = DEMO.joinpath("invoice-ubl.xml").read_bytes()
CII = DEMO.joinpath("invoice-cii.xml").read_bytes()
MATURITY = datetime.now(UTC) + timedelta(days=90)

TOTAL = b'<cbc:TaxInclusiveAmount currencyID="DKK">4675.00</cbc:TaxInclusiveAmount>'
DUE = b'<cbc:PayableAmount currencyID="DKK">4675.00</cbc:PayableAmount>'


def _met(original: bytes, copy: bytes) -> set[MarkKind]:
    """The kinds of the marks ``copy`` looks for that a financing of ``original`` carries."""
    carried = {m.oprf_input() for m in mark_inputs(read_document(original).facts) if m.carried}
    looked = [m for m in mark_inputs(read_document(copy).facts) if m.looked_for]
    return {m.kind for m in looked if m.oprf_input() in carried}


def _ubl_reissued(settled: bytes, due: str) -> bytes:
    """The demo UBL under a new number and date, ``settled`` (a paid or rounding amount element)
    stated before its amount due ``due``."""
    out = UBL.replace(b"<cbc:ID>TOSL110</cbc:ID>", b"<cbc:ID>TOSL112</cbc:ID>", 1)
    out = out.replace(b"<cbc:IssueDate>2013-04-10<", b"<cbc:IssueDate>2013-04-12<", 1)
    due_element = f'<cbc:PayableAmount currencyID="DKK">{due}</cbc:PayableAmount>'.encode()
    assert TOTAL in out
    assert DUE in out
    return out.replace(DUE, settled + due_element, 1)


PREPAID = _ubl_reissued(b'<cbc:PrepaidAmount currencyID="DKK">0.01</cbc:PrepaidAmount>', "4674.99")
ROUNDED = _ubl_reissued(
    b'<cbc:PayableRoundingAmount currencyID="DKK">-0.01</cbc:PayableRoundingAmount>', "4674.99"
)
CII_PREPAID = (
    CII.replace(b"<ram:ID>TOSL110</ram:ID>", b"<ram:ID>TOSL112</ram:ID>", 1)
    .replace(b">20130410<", b">20130412<", 1)
    .replace(
        b"<ram:DuePayableAmount>4675</ram:DuePayableAmount>",
        b"<ram:TotalPrepaidAmount>0.01</ram:TotalPrepaidAmount>"
        b"<ram:DuePayableAmount>4674.99</ram:DuePayableAmount>",
        1,
    )
)


@pytest.mark.parametrize("copy", [PREPAID, ROUNDED, CII_PREPAID], ids=["paid", "rounded", "cii"])
def test_a_reissue_settled_by_a_cent_meets_its_invoice(copy: bytes) -> None:
    facts = read_document(copy).facts
    assert facts is not None
    # the file adds up: nothing about it is said wrong
    assert (facts.amount_due_minor, facts.totals_faults) == (467_499, ())
    assert facts.total_before_settled == 467_500
    assert MarkKind.REISSUE in _met(UBL, copy)
    assert MarkKind.REISSUE in _met(copy, UBL)  # the re-issue financed first, the invoice after


def test_an_invoice_settling_nothing_keeps_its_marks() -> None:
    facts = read_document(UBL).facts
    assert facts is not None
    assert facts.total_before_settled is None
    assert "totalBeforeSettled" not in facts.to_dict()


def test_the_number_collision_pair_still_meets_no_mark() -> None:
    """Same lines, another date, another amount due, nothing stated paid: two invoices."""
    first = field_bytes("number-collision/a-FV-1-12-2023.xml")
    second = field_bytes("number-collision/b-FV-11-2-2023.xml")
    assert not _met(first, second)
    assert not _met(second, first)


def test_a_second_bank_is_told_and_must_acknowledge(network: Network) -> None:
    """End to end: bank A finances the demo invoice; bank B, which holds no file of it, is told
    of the financing by its check and cannot finance the re-issue without acknowledging."""
    bank_a, bank_b = network.bank.address, network.bank_b.address
    lodged = docs.receive(network.ledger, bank_a, "bank", UBL, "invoice.xml")
    fin.create(
        network.ledger,
        bank_a,
        [fin.PledgeRequest(docs.parse_doc_hash(lodged.doc_hash), 467_500)],
        "DKK",
        FinancingKind.INVOICE_FINANCING,
        MATURITY,
    )
    check = docs.examine(network.ledger, PREPAID, bank_b, "bank")[1]
    assert check.suspicious
    copy = docs.receive(network.ledger, bank_b, "bank", PREPAID, "reissue.xml")
    with pytest.raises(SuspicionsUnacknowledged):
        fin.create(
            network.ledger,
            bank_b,
            [fin.PledgeRequest(docs.parse_doc_hash(copy.doc_hash), 467_499)],
            "DKK",
            FinancingKind.INVOICE_FINANCING,
            MATURITY,
        )
