"""A request that fails changes nothing: no transaction signed, no document registered, no file
lodged. Every check that needs no chain state is made first, and the chain writes are
simulated before the first one is sent — for a financing (which may first register its
documents), a registration, a batch, a supersession and an attestation. Real embedded chain.

Each test counts the nonces of every member (a signed transaction moves one) and looks at the
chain and the gateway database after the refused request.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from importlib import resources

import pytest

from ledger.errors import Forbidden, InvalidInput, LedgerError
from ledger.services import documents as docs
from ledger.services import financing as fin
from ledger.services.roles import FinancingKind
from tests.conftest import Network

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
CII = resources.files("ledger.demo_data").joinpath("invoice-cii.xml").read_bytes()
MATURITY = datetime.now(UTC) + timedelta(days=90)
#: a valid Danish VAT number (CVR 13585628) and a valid German one
BUYER = {"id": "DE136695976", "scheme": "VAT", "name": "Buyer GmbH"}


def invoice_form(number: str, seller_ids: list[dict[str, str]], amount: str = "1000.00") -> bytes:
    """A JSON-form invoice of ``amount`` DKK from a seller with ``seller_ids``."""
    form = {
        "documentType": "Invoice",
        "documentNumber": number,
        "issueDate": "2026-01-15",
        "issuer": {"ids": seller_ids, "name": "Seller A/S"},
        "consignee": BUYER,
        "totalAmount": {"value": amount, "currency": "DKK"},
    }
    return json.dumps(form, indent=2).encode()


def nonces(net: Network) -> dict[str, int]:
    """Every member's transaction count: a signed transaction moves one."""
    w3 = net.ledger.w3
    return {p.name: int(w3.eth.get_transaction_count(p.address)) for p in net.by_role().values()}


def snapshot(net: Network) -> tuple[dict[str, int], int]:
    registered = len(docs.logs(net.ledger, "DocumentRegistered"))
    return nonces(net), registered


def finance(net: Network, who: str, doc_hash: str, amount: int) -> fin.Financing:
    request = [fin.PledgeRequest(docs.parse_doc_hash(doc_hash), amount)]
    return fin.create(
        net.ledger, who, request, "DKK", FinancingKind.INVOICE_FINANCING, MATURITY, "R-1"
    )


def test_a_document_without_fingerprints_is_refused_in_words_before_any_write(
    network: Network,
) -> None:
    """The seller's VAT number fails its check digits: the invoice has no fingerprint. The bank
    is told why (which value, which rule) and the chain does not see the document."""
    ledger, bank = network.ledger, network.bank.address
    lodged = docs.receive(
        ledger, bank, "bank", invoice_form("BV-11", [{"id": "DK11111111", "scheme": "VAT"}])
    )
    assert lodged.fingerprints == ()
    kinds = [n.kind for n in lodged.notices]
    assert "identifier_rejected" in kinds
    assert "seller_unkeyed" in kinds
    before = snapshot(network)
    with pytest.raises(InvalidInput) as refused:
        finance(network, bank, lodged.doc_hash, 50_000)
    error = refused.value
    assert error.field == "documents[0].doc_hash"
    assert "DK11111111" in error.rule
    assert "check digit" in error.rule
    assert "failed their checks" in error.rule
    assert "fingerprints:" not in error.rule
    assert error.details["rejected_identifiers"][0]["value"] == "DK11111111"
    assert snapshot(network) == before
    assert docs.find_registration(ledger, docs.parse_doc_hash(lodged.doc_hash)) is None


def test_more_fingerprints_than_the_contract_takes_are_refused_before_any_write(
    network: Network,
) -> None:
    """One fingerprint per identity identifier of the seller, plus two: a seller with seven
    legal registrations gives nine, one more than the contract's MAX_FINGERPRINTS."""
    ledger, bank = network.ledger, network.bank.address
    ids = [{"id": f"HRB 10{n}7", "scheme": "LEGAL"} for n in range(7)]
    lodged = docs.receive(ledger, bank, "bank", invoice_form("MANY-1", ids))
    most = fin.limits(ledger).max_fingerprints
    assert len(lodged.fingerprints) > most
    before = snapshot(network)
    with pytest.raises(InvalidInput) as refused:
        finance(network, bank, lodged.doc_hash, 50_000)
    assert refused.value.field == "documents[0].doc_hash"
    assert f"at most {most}" in refused.value.rule
    assert "MAX_FINGERPRINTS" in refused.value.rule
    assert snapshot(network) == before


@pytest.mark.parametrize(
    ("reference", "maturity", "field"),
    [
        ("R" * 40, MATURITY, "reference"),  # checked after the registration until now
        ("R-2", datetime.now(UTC) - timedelta(days=1), "maturity"),
    ],
    ids=["reference-too-long", "maturity-past"],
)
def test_bad_financing_input_registers_no_document(
    network: Network, reference: str, maturity: datetime, field: str
) -> None:
    ledger, bank = network.ledger, network.bank.address
    lodged = docs.receive(ledger, bank, "bank", UBL)
    request = [fin.PledgeRequest(docs.parse_doc_hash(lodged.doc_hash), 100_000)]
    before = snapshot(network)
    with pytest.raises(InvalidInput) as refused:
        fin.create(ledger, bank, request, "DKK", FinancingKind.FACTORING, maturity, reference)
    assert refused.value.field == field
    assert snapshot(network) == before
    assert docs.find_registration(ledger, docs.parse_doc_hash(lodged.doc_hash)) is None


def test_the_same_invoice_twice_in_one_financing_is_refused_before_any_write(
    network: Network,
) -> None:
    """UBL and CII of one invoice share fingerprints: the contract would revert
    (DuplicatePledge) after the gateway registered both; now nothing is registered."""
    ledger, bank = network.ledger, network.bank.address
    ubl = docs.receive(ledger, bank, "bank", UBL)
    cii = docs.receive(ledger, bank, "bank", CII)
    before = snapshot(network)
    with pytest.raises(InvalidInput) as refused:
        fin.create(
            ledger,
            bank,
            [
                fin.PledgeRequest(docs.parse_doc_hash(ubl.doc_hash), 100_000),
                fin.PledgeRequest(docs.parse_doc_hash(cii.doc_hash), 100_000),
            ],
            "DKK",
            FinancingKind.FACTORING,
            MATURITY,
        )
    assert refused.value.field == "documents[1].doc_hash"
    assert "same document as documents[0]" in refused.value.rule
    assert snapshot(network) == before


def test_a_member_that_may_not_finance_registers_nothing(network: Network) -> None:
    """An enterprise (through the CLI or the services) is refused with the contract's own role
    error, read from chain before anything is evaluated — so its document is not registered on
    the way, and the evaluator is not asked (its log shows no attempt to blame on a bank)."""
    ledger, me = network.ledger, network.enterprise.address
    lodged = docs.receive(ledger, me, "enterprise", UBL)
    before = snapshot(network)
    with pytest.raises(LedgerError) as refused:
        finance(network, me, lodged.doc_hash, 100_000)
    assert isinstance(refused.value, Forbidden)
    assert type(refused.value).__name__ == "RoleNotAllowed"
    assert snapshot(network) == before
    assert docs.find_registration(ledger, docs.parse_doc_hash(lodged.doc_hash)) is None


def test_a_registration_the_chain_refuses_lodges_no_file(network: Network) -> None:
    ledger = network.ledger
    _, _, reg = docs.register_file(ledger, network.enterprise.address, "enterprise", UBL)
    before = snapshot(network)
    with pytest.raises(LedgerError) as refused:
        docs.register_file(ledger, network.attestor.address, "attestor", UBL)
    assert type(refused.value).__name__ == "DocumentAlreadyRegistered"
    assert ledger.db.received(reg.doc_hash, network.attestor.address) == []
    assert snapshot(network) == before


def test_a_batch_the_chain_refuses_lodges_none_of_its_files(network: Network) -> None:
    ledger, me = network.ledger, network.enterprise.address
    docs.register_file(ledger, me, "enterprise", b"contract 1")
    fresh = b"contract 2, never registered"
    before = snapshot(network)
    with pytest.raises(LedgerError) as refused:
        docs.register_files(ledger, me, "enterprise", [(fresh, "c2.txt"), (b"contract 1", None)])
    assert type(refused.value).__name__ == "DocumentAlreadyRegistered"
    assert ledger.db.received(docs.hex32(docs.file_hash(fresh)), me) == []
    assert snapshot(network) == before


def test_a_batch_with_an_unreadable_file_names_it_and_lodges_nothing(network: Network) -> None:
    ledger, me = network.ledger, network.enterprise.address
    broken = UBL.replace(b"<cbc:ID>", b"<cbc:Nope>", 1).replace(b"</cbc:ID>", b"</cbc:Nope>", 1)
    fresh = b"contract 3, never registered"
    before = snapshot(network)
    with pytest.raises(InvalidInput) as refused:
        docs.register_files(ledger, me, "enterprise", [(fresh, "c3.txt"), (broken, "bad.xml")])
    assert refused.value.field.startswith("files[1]")
    assert refused.value.details["file_index"] == 1
    assert ledger.db.received(docs.hex32(docs.file_hash(fresh)), me) == []
    assert snapshot(network) == before


def test_a_supersession_the_chain_refuses_lodges_no_amendment(network: Network) -> None:
    ledger = network.ledger
    _, _, reg = docs.register_file(ledger, network.enterprise.address, "enterprise", b"po 9 v1")
    amendment = b"po 9 v2"
    before = snapshot(network)
    with pytest.raises(LedgerError) as refused:  # the bank is not the registrant
        docs.supersede_with_file(
            ledger, network.bank.address, "bank", docs.parse_doc_hash(reg.doc_hash), amendment
        )
    assert type(refused.value).__name__ == "NotDocumentRegistrant"
    assert ledger.db.received(docs.hex32(docs.file_hash(amendment)), network.bank.address) == []
    assert snapshot(network) == before


@pytest.mark.parametrize("evidence", [None, "", "   ", "0x" + "0" * 64])
def test_an_attestation_needs_evidence(network: Network, evidence: str | None) -> None:
    ledger = network.ledger
    _, _, reg = docs.register_file(ledger, network.enterprise.address, "enterprise", b"b/l 77")
    before = snapshot(network)
    with pytest.raises(InvalidInput) as refused:
        docs.attest(ledger, network.attestor.address, docs.parse_doc_hash(reg.doc_hash), evidence)
    assert refused.value.field == "evidence"
    assert snapshot(network) == before
    receipt = docs.attest(
        ledger, network.attestor.address, docs.parse_doc_hash(reg.doc_hash), "MRN 24DK000123"
    )
    assert receipt.block > 0
