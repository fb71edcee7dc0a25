"""Exactly-once through the services (both backends): a financing, a drawdown, a registration
and an onboarding retried with the same key — after the answer was lost, by a restarted
gateway — are applied once and answer with the first outcome, never a refusal of their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources

import pytest

from ledger.services import documents as docs
from ledger.services import financing as fin
from ledger.services import members as member_svc
from ledger.services.roles import FinancingKind, Role
from tests.conftest import Network

pytestmark = pytest.mark.both_backends

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
MATURITY = (datetime.now(UTC) + timedelta(days=90)).date()


def restart(net: Network) -> None:
    """What a restarted gateway has in memory: no transactor, no pending key."""
    net.ledger._transactors.clear()


def events(net: Network, name: str) -> int:
    return len(docs.logs(net.ledger, name))


def finance(net: Network, key: str) -> fin.Financing:
    ex = docs.receive(net.ledger, net.bank.address, "bank", UBL, "invoice.xml")
    return fin.create(
        net.ledger,
        net.bank.address,
        [fin.PledgeRequest(docs.parse_doc_hash(ex.doc_hash), 374_000)],
        "DKK",
        FinancingKind.INVOICE_FINANCING,
        MATURITY,
        "REF-EO",
        idempotency_key=key,
    )


def test_a_retried_financing_returns_its_id_and_is_never_refused(network: Network) -> None:
    first = finance(network, "fin-1")
    restart(network)
    again = finance(network, "fin-1")
    assert again.financing_id == first.financing_id
    assert events(network, "FinancingRegistered") == 1
    assert events(network, "FinancingRefused") == 0  # no suspected double financing recorded


def test_a_retried_drawdown_and_repayment_are_applied_once(network: Network) -> None:
    fid = finance(network, "fin-2").financing_id
    for _ in range(3):
        fin.drawdown(network.ledger, network.bank.address, fid, 100_000, idempotency_key="dd-1")
        restart(network)
    fin.drawdown(network.ledger, network.bank.address, fid, 50_000, idempotency_key="dd-2")
    for _ in range(2):
        fin.repay(network.ledger, network.bank.address, fid, 150_000, idempotency_key="rp-1")
        restart(network)
    after = fin.get(network.ledger, fid, reader=network.bank.address).terms
    assert after is not None
    assert (after.drawn, after.repaid) == (150_000, 150_000)
    assert len(after.entries) == 3  # dd-1, dd-2, rp-1: each once
    for _ in range(2):
        fin.close(network.ledger, network.bank.address, fid, idempotency_key="close-1")
        restart(network)
    assert fin.get(network.ledger, fid).status.name == "CLOSED"


def test_a_retried_registration_is_not_refused_as_a_duplicate(network: Network) -> None:
    data = b"a registration retried after its answer was lost"
    _, first, _ = docs.register_file(
        network.ledger, network.enterprise.address, "enterprise", data, idempotency_key="reg-1"
    )
    restart(network)
    _, again, reg = docs.register_file(
        network.ledger, network.enterprise.address, "enterprise", data, idempotency_key="reg-1"
    )
    assert again.tx_hash == first.tx_hash
    assert reg.registered_by == network.enterprise.address


def test_a_retried_onboarding_onboards_one_member(network: Network) -> None:
    admin = network.admin.address
    before = len(member_svc.list_members(network.ledger))
    first = member_svc.add_member(
        network.ledger, admin, "Bank C", Role.BANK, idempotency_key="onboard-c"
    )
    restart(network)
    again = member_svc.add_member(
        network.ledger, admin, "Bank C", Role.BANK, idempotency_key="onboard-c"
    )
    assert again.member.address == first.member.address
    assert len(member_svc.list_members(network.ledger)) == before + 1
    # the key whose answer was lost is revoked; the one shown now works
    assert network.ledger.db.authenticate(again.api_key).address == first.member.address
    with pytest.raises(Exception, match="key"):
        network.ledger.db.authenticate(first.api_key)
