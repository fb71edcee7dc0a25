"""A drawdown, repayment, close or cancel is checked after the bank's earlier write to the same
financing is mined, not beside it (tryout 78: a node that stopped sealing, a drawdown of 80,000
left in its pool, the gateway killed and restarted, a second drawdown of 80,000 under another
Idempotency-Key checked against the mined entries only — both mined, 160,000 drawn on a
100,000 financing).

The journal is what a restarted gateway knows of its own transactions: each test forgets the
transactors (as a restart does) while the first write waits in the node's pool.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib import resources

import pytest

from ledger.errors import AlreadyFinancedByYou, ChainUnavailable
from ledger.revert import ERRORS
from ledger.services import documents as docs
from ledger.services import financing as fin
from ledger.services import unmined
from ledger.services.roles import FinancingKind
from tests.conftest import CORPUS, Network, rpc_call

pytestmark = pytest.mark.both_backends

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
MATURITY = (datetime.now(UTC) + timedelta(days=90)).date()
AMOUNT = 374_000


@pytest.fixture
def held(network: Network, backend: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Network]:
    """anvil holding every transaction in its pool (a stalled network) until the test ends;
    the bank's receipts given up after 1 s and a later write's wait for them 0.5 s."""
    if backend != "anvil":
        pytest.skip("the embedded chain mines on send: nothing is ever unmined")
    monkeypatch.setattr(unmined, "UNMINED_WAIT_SECONDS", 0.5)
    monkeypatch.setattr(network.ledger.settings, "receipt_timeout", 1.0)
    network.ledger._transactors.clear()
    yield network
    rpc_call(network.ledger.settings.chain_url, "evm_setAutomine", [True])
    rpc_call(network.ledger.settings.chain_url, "evm_mine")


def hold(net: Network) -> None:
    rpc_call(net.ledger.settings.chain_url, "evm_setAutomine", [False])


def release(net: Network) -> None:
    rpc_call(net.ledger.settings.chain_url, "evm_setAutomine", [True])
    rpc_call(net.ledger.settings.chain_url, "evm_mine")


def restart(net: Network) -> None:
    """What a restarted gateway has in memory: no transactor (its journal stays)."""
    net.ledger._transactors.clear()


def finance(net: Network) -> int:
    ex = docs.receive(net.ledger, net.bank.address, "bank", UBL, "invoice.xml")
    return fin.create(
        net.ledger,
        net.bank.address,
        [fin.PledgeRequest(docs.parse_doc_hash(ex.doc_hash), AMOUNT)],
        "DKK",
        FinancingKind.INVOICE_FINANCING,
        MATURITY,
        "REF-UNMINED",
    ).financing_id


def book(net: Network, fid: int) -> tuple[int, int, int]:
    terms = fin.get(net.ledger, fid, reader=net.bank.address).terms
    assert terms is not None
    return terms.drawn, terms.repaid, len(terms.entries)


def test_a_second_drawdown_waits_for_the_first_one_unmined(held: Network) -> None:
    net, bank = held, held.bank.address
    fid = finance(net)
    hold(net)
    with pytest.raises(ChainUnavailable):  # the answer lost: the drawdown waits in the pool
        fin.drawdown(net.ledger, bank, fid, 300_000, idempotency_key="dd-a")
    restart(net)
    with pytest.raises(ChainUnavailable) as refused:  # checked against mined entries, it passed
        fin.drawdown(net.ledger, bank, fid, 300_000, idempotency_key="dd-b")
    assert "not mined yet" in refused.value.message
    assert refused.value.details["rule"] == fin.ONE_UNMINED_RULE
    assert refused.value.details["field"] == "financing_id"
    assert refused.value.details["idempotency_key"] == "dd-a"  # the request to repeat
    assert str(refused.value.details["tx_hash"]).startswith("0x")
    # a cancel or a close checked now would read nothing drawn: refused alike
    with pytest.raises(ChainUnavailable, match="not mined yet"):
        fin.cancel(net.ledger, bank, fid, idempotency_key="cancel-1")
    release(net)
    # the first drawdown, repeated, answers with its own outcome; the second now reads it
    fin.drawdown(net.ledger, bank, fid, 300_000, idempotency_key="dd-a")
    with pytest.raises(ERRORS["DrawdownExceedsFinancing"]):
        fin.drawdown(net.ledger, bank, fid, 300_000, idempotency_key="dd-b")
    assert book(net, fid) == (300_000, 0, 1)
    fin.drawdown(net.ledger, bank, fid, AMOUNT - 300_000, idempotency_key="dd-c")
    assert book(net, fid) == (AMOUNT, 0, 2)


def test_a_second_repayment_waits_for_the_first_one_unmined(held: Network) -> None:
    net, bank = held, held.bank.address
    fid = finance(net)
    fin.drawdown(net.ledger, bank, fid, 100_000, idempotency_key="dd-1")
    hold(net)
    with pytest.raises(ChainUnavailable):
        fin.repay(net.ledger, bank, fid, 100_000, idempotency_key="rp-a")
    restart(net)
    with pytest.raises(ChainUnavailable, match="not mined yet"):
        fin.repay(net.ledger, bank, fid, 100_000, idempotency_key="rp-b")
    release(net)
    with pytest.raises(ERRORS["RepaymentExceedsOutstanding"]):
        fin.repay(net.ledger, bank, fid, 100_000, idempotency_key="rp-b")
    assert book(net, fid) == (100_000, 100_000, 2)


def test_another_financing_is_not_held_up(held: Network) -> None:
    """Only writes to the same financing wait: a drawdown of another goes ahead (and waits in
    the pool like the first, its answer lost alike)."""
    net, bank = held, held.bank.address
    first = finance(net)
    other = (CORPUS / "ubl" / "ubl-tc434-example1.xml").read_bytes()  # 250.33 EUR due
    ex = docs.receive(net.ledger, bank, "bank", other, "other.xml")
    second = fin.create(
        net.ledger,
        bank,
        [fin.PledgeRequest(docs.parse_doc_hash(ex.doc_hash), 20_000)],
        "EUR",
        FinancingKind.INVOICE_FINANCING,
        MATURITY,
        "REF-OTHER",
    ).financing_id
    hold(net)
    with pytest.raises(ChainUnavailable):
        fin.drawdown(net.ledger, bank, first, 100_000, idempotency_key="first")
    with pytest.raises(ChainUnavailable) as waited:  # its own wait: nothing of it is unmined
        fin.drawdown(net.ledger, bank, second, 10_000, idempotency_key="second")
    assert "not mined yet" not in waited.value.message
    release(net)
    assert (book(net, first)[0], book(net, second)[0]) == (100_000, 10_000)


def test_a_financing_asked_again_under_another_key_waits_for_the_first_unmined(
    held: Network,
) -> None:
    """Tryout 79: a financing sent, its gateway killed and restarted, the same financing asked
    under a new key was checked against the mined holders, sent, and refused on chain — a
    refusal recorded against the bank's own financing."""
    net, bank = held, held.bank.address
    lodged = docs.receive(net.ledger, bank, "bank", UBL, "invoice.xml")
    pledge = [fin.PledgeRequest(docs.parse_doc_hash(lodged.doc_hash), AMOUNT)]

    def create(key: str) -> int:
        return fin.create(
            net.ledger, bank, pledge, "DKK", FinancingKind.INVOICE_FINANCING, MATURITY, "REF-FC",
            idempotency_key=key,
        ).financing_id  # fmt: skip

    hold(net)
    with pytest.raises(ChainUnavailable):  # the answer lost: the financing waits in the pool
        create("fc-1")
    restart(net)
    with pytest.raises(ChainUnavailable, match="an earlier financing pledging"):
        create("fc-2")
    release(net)
    first = create("fc-1")  # its own outcome
    with pytest.raises(AlreadyFinancedByYou):  # answered here: nothing sent, nothing recorded
        create("fc-2")
    assert len(docs.logs(net.ledger, "FinancingRegistered")) == 1
    assert docs.logs(net.ledger, "FinancingRefused") == []
    assert fin.get(net.ledger, first).status.name == "ACTIVE"
