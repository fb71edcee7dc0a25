"""Services over the real embedded chain: the same invoice in two formats is financed once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import TYPE_CHECKING

import pytest

from ledger.errors import FinancingRefused, InvalidInput
from ledger.revert import ERRORS
from ledger.services import documents as docs
from ledger.services import financing as fin
from ledger.services.roles import FinancingKind, FinancingStatus

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
CII = resources.files("ledger.demo_data").joinpath("invoice-cii.xml").read_bytes()
MATURITY = datetime.now(UTC) + timedelta(days=90)


def test_same_invoice_in_another_format_is_refused_with_evidence(network: Network) -> None:
    ledger = network.ledger
    bank, bank_b = network.bank.address, network.bank_b.address
    ubl = docs.receive(ledger, bank, "bank", UBL)
    first = fin.create(
        ledger,
        bank,
        [fin.PledgeRequest(docs.parse_doc_hash(ubl.doc_hash), 374_000)],
        "DKK",
        FinancingKind.INVOICE_FINANCING,
        MATURITY,
        "A-001",
    )
    assert first.status is FinancingStatus.ACTIVE
    assert first.terms is not None  # the bank reads its own financing
    assert first.terms.pledges[0].face_value == 467_500
    assert first.terms.commitment_holds
    # nobody had registered the hash, and financing it does not publish it (docs/privacy.md)
    assert docs.find_registration(ledger, docs.parse_doc_hash(ubl.doc_hash)) is None

    cii = docs.receive(ledger, bank_b, "bank", CII)
    assert cii.conflicting_financings == [first.financing_id]
    with pytest.raises(FinancingRefused) as refused:
        fin.create(
            ledger,
            bank_b,
            [fin.PledgeRequest(docs.parse_doc_hash(cii.doc_hash), 100_000)],
            "DKK",
            FinancingKind.FACTORING,
            MATURITY,
            "B-77",
        )
    details = refused.value.details
    assert details["reason"] == "FINGERPRINT_PLEDGED"
    assert details["conflicting_financing_id"] == first.financing_id
    assert details["doc_hash"] == cii.doc_hash
    assert details["fingerprint_kind"]
    # the holder's terms are bank A's: bank B learns who holds the invoice and since when
    assert details["conflicting_bank"] == bank
    assert "holders" not in details
    assert "already_financed" not in details
    # the refusal is on chain, sealed: the refused bank and the regulator read it, no one else
    regulator = network.regulator.address
    assert [r.reason.name for r in fin.refusals(ledger, reader=regulator) if r.reason] == [
        "FINGERPRINT_PLEDGED"
    ]
    assert [r.readable for r in fin.refusals(ledger, reader=bank_b)] == [True]
    assert [r.readable for r in fin.refusals(ledger, reader=bank)] == [False]
    assert fin.refusals(ledger, reader=bank)[0].doc_hash is None
    # bank B sees bank A's financing exists, never its terms; the regulator reads them
    assert fin.get(ledger, first.financing_id, reader=bank_b).terms is None
    seen = fin.get(ledger, first.financing_id, reader=regulator).terms
    assert seen is not None
    assert seen.amount == 374_000
    assert seen.reference == "A-001"

    fin.drawdown(ledger, bank, first.financing_id, 300_000)
    with pytest.raises(ERRORS["DrawdownExceedsFinancing"]):
        fin.drawdown(ledger, bank, first.financing_id, 74_001)
    with pytest.raises(ERRORS["FinancingNotRepaid"]):
        fin.close(ledger, bank, first.financing_id)
    with pytest.raises(ERRORS["RepaymentExceedsOutstanding"]):
        fin.repay(ledger, bank, first.financing_id, 300_001)
    with pytest.raises(ERRORS["NotFinancingBank"]):
        fin.drawdown(ledger, bank_b, first.financing_id, 1)
    fin.repay(ledger, bank, first.financing_id, 300_000)
    state = fin.get(ledger, first.financing_id, reader=regulator).terms
    assert state is not None
    assert (state.drawn, state.repaid) == (300_000, 300_000)
    assert [e.type for e in state.entries] == ["drawdown", "repayment"]
    fin.close(ledger, bank, first.financing_id)
    assert fin.get(ledger, first.financing_id).status is FinancingStatus.CLOSED
    # released: bank B may now finance its copy
    again = fin.create(
        ledger,
        bank_b,
        [fin.PledgeRequest(docs.parse_doc_hash(cii.doc_hash), 100_000)],
        "DKK",
        FinancingKind.FACTORING,
        MATURITY,
    )
    assert again.status is FinancingStatus.ACTIVE


def test_a_bank_cannot_finance_a_file_it_did_not_lodge(network: Network) -> None:
    ubl = docs.receive(network.ledger, network.enterprise.address, "enterprise", UBL)
    with pytest.raises(InvalidInput) as error:
        fin.create(
            network.ledger,
            network.bank.address,
            [fin.PledgeRequest(docs.parse_doc_hash(ubl.doc_hash), 1)],
            "DKK",
            FinancingKind.INVOICE_FINANCING,
            MATURITY,
        )
    assert error.value.field == "documents[0].doc_hash"
