"""Services over the real embedded chain: the same invoice in two formats is financed once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import TYPE_CHECKING

import pytest

from ledger.errors import FinancingRefused, InvalidInput
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
    assert first.pledges[0].face_value == 467_500
    # the bank registered the hash itself because nobody had
    assert docs.get_registration(ledger, docs.parse_doc_hash(ubl.doc_hash)).registered_by == bank

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
    assert [r.reason.name for r in fin.refusals(ledger)] == ["FINGERPRINT_PLEDGED"]

    fin.drawdown(ledger, bank, first.financing_id, 300_000)
    fin.repay(ledger, bank, first.financing_id, 300_000)
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
