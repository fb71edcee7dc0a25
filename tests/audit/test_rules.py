"""The regulator's ``audit verify`` re-checks every financing rule that moved off chain.

A bank that signs around its gateway is not stopped by the contract any more (the terms are
ciphertext). Each breach below is made for real: a bank's key signs a raw contract call with
terms sealed as a gateway would seal them — but an over-limit drawdown, a revoked document, a
document financed beyond its face value … — and the regulator's re-check, reading only what
its own key opens, must name it. A clean history verifies clean.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from indexer.activity import (
    Story,
    cancel,
    close,
    context,
    entry,
    finance,
    h,
    hx,
    public_key,
    refuse,
)
from indexer.fixtures import Storied, new_index
from sqlalchemy import select

from api.app import create_app
from ledger import confidential as conf
from ledger.indexer import EventIndex, check_rules, verify
from ledger.indexer.models import ReaderRow
from ledger.network import Ledger, init_network
from ledger.services import audit
from ledger.services import documents as docs
from ledger.services import members as member_svc
from ledger.services.roles import DocType, Role
from tests.conftest import Network, build_network, make_settings


def regulator_keys(ledger: Ledger, *addresses: str) -> list[tuple[str, Any]]:
    return [(a, ledger.encryption_keys.key_for(a)) for a in addresses]


def test_a_clean_history_verifies_clean(storied: Storied, tmp_path: Path) -> None:
    index = new_index(storied.ledger, f"sqlite:///{tmp_path / 'i.sqlite'}", block_range=50)
    try:
        index.catch_up()
        assert verify(index).equal
        report = check_rules(index, regulator_keys(storied.ledger, storied.net.regulator.address))
        assert report.breaches == []
        assert report.clean
        assert (report.financings, report.opened, report.entries, report.refusals) == (3, 3, 3, 2)
    finally:
        index.close()


@dataclass
class Breached:
    """A network where a bank broke one rule per financing, around its gateway."""

    net: Network
    ids: dict[str, int] = field(default_factory=dict)
    data_keys: dict[int, bytes] = field(default_factory=dict)

    @property
    def ledger(self) -> Ledger:
        return self.net.ledger


def _break_every_rule(net: Network) -> Breached:
    ledger = net.ledger
    bank, ent = net.bank.address, net.enterprise.address
    story = Story()
    world = Breached(net, data_keys=story.data_keys)
    c = ledger.contract.functions

    def doc(name: str, register: bool = True) -> tuple[bytes, list[bytes]]:
        if register:
            docs.register(ledger, ent, h(name), DocType.INVOICE)
        return h(name), [h(f"fp-{name}")]

    def fin(key: str, name: str, amount: int, face: int, **options: Any) -> int:
        d, fps = doc(name, options.pop("register", True))
        currency = options.pop("currency", "EUR")
        found = finance(ledger, bank, [(d, amount, face, fps)], currency, story=story, **options)
        assert found, key
        world.ids[key] = found
        return found

    # entries beyond what the terms allow
    fa = fin("drawdown", "d-drawdown", 1000, 2000)
    entry(ledger, bank, fa, world.data_keys[fa], "drawdown", 1500, 1500, 0)
    fb = fin("repayment", "d-repayment", 1000, 2000)
    entry(ledger, bank, fb, world.data_keys[fb], "drawdown", 500, 500, 0)
    entry(ledger, bank, fb, world.data_keys[fb], "repayment", 800, 500, 800)
    fc = fin("totals", "d-totals", 1000, 2000)
    entry(ledger, bank, fc, world.data_keys[fc], "drawdown", 500, 400, 0)
    fd = fin("closed", "d-closed", 1000, 2000)
    entry(ledger, bank, fd, world.data_keys[fd], "drawdown", 500, 500, 0)
    close(ledger, bank, fd)
    # a document beyond its face value, alone and across two financings of one document
    fin("face", "d-face", 3000, 2000)
    shared_doc = h("d-twice")
    docs.register(ledger, ent, shared_doc, DocType.INVOICE)
    world.ids["first_of_two"] = finance(
        ledger, bank, [(shared_doc, 1500, 2000, [h("fp-twice-a")])], story=story
    )
    world.ids["second_of_two"] = finance(
        ledger, bank, [(shared_doc, 1000, 2000, [h("fp-twice-b")])], story=story
    )
    # successive financings in another currency, stating another face value
    ff = fin("first_currency", "d-currency", 1000, 2000)
    cancel(ledger, bank, ff)
    d, fps = h("d-currency"), [h("fp-d-currency")]
    world.ids["currency"] = finance(ledger, bank, [(d, 1000, 2500, fps)], "USD", story=story)
    # documents that were not registered and ACTIVE
    d7, _ = doc("d-revoked")
    ledger.transactor(ent).transact(c.revokeDocument(d7, 4))
    fin("revoked", "d-revoked", 1000, 2000, register=False)
    d8, _ = doc("d-superseded")
    ledger.transactor(ent).transact(c.supersedeDocument(d8, h("d-superseded-v2")))
    fin("superseded", "d-superseded", 1000, 2000, register=False)
    fin("unregistered", "d-unregistered", 1000, 2000, register=False)
    # envelopes: sealed without the regulator, commitments that do not hold
    fin("sealed", "d-sealed", 1000, 2000, sealed_to=[public_key(ledger, bank)])
    fl = fin("entry_commitment", "d-entry-commitment", 1000, 2000)
    entry(ledger, bank, fl, world.data_keys[fl], "drawdown", 100, 100, 0, commitment=b"\1" * 32)
    fin("terms_commitment", "d-terms-commitment", 1000, 2000, commitment=b"\2" * 32)
    # terms that lock other fingerprints than their documents', or do not add up
    fin("fingerprints", "d-fingerprints", 1000, 2000, fingerprints=[h("fp-elsewhere")])
    fin("inconsistent", "d-inconsistent", 1000, 2000, edit=lambda p: p.update(amount=999))
    # a refused attempt the regulator cannot read
    refuse(
        ledger,
        bank,
        [(h("d-refused"), 100, 200, [h("fp-d-refused")])],
        {"reason": "DOCUMENT_NOT_REGISTERED", "doc_hash": hx(h("d-refused"))},
        sealed_to=[public_key(ledger, bank)],
    )
    return world


@pytest.fixture(scope="module")
def breached(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Breached]:
    settings = make_settings(tmp_path_factory.mktemp("breached") / "ledger")
    ledger, admin_key = init_network(settings, "Test admin")
    try:
        yield _break_every_rule(build_network(ledger, admin_key))
    finally:
        ledger.close()


@pytest.fixture
def index(breached: Breached, tmp_path: Path) -> Iterator[EventIndex]:
    idx = new_index(breached.ledger, f"sqlite:///{tmp_path / 'i.sqlite'}", block_range=100)
    idx.catch_up()
    yield idx
    idx.close()


EXPECTED = {
    ("DRAWDOWN_EXCEEDS_FINANCING", "drawdown"),
    ("REPAYMENT_EXCEEDS_DRAWN", "repayment"),
    ("ENTRY_TOTALS_INCONSISTENT", "totals"),
    ("CLOSED_NOT_REPAID", "closed"),
    ("EXCEEDS_FACE_VALUE", "face"),
    ("EXCEEDS_FACE_VALUE", "second_of_two"),
    ("CURRENCY_MISMATCH", "currency"),
    ("FACE_VALUE_MISMATCH", "currency"),
    ("DOCUMENT_REVOKED", "revoked"),
    ("DOCUMENT_SUPERSEDED", "superseded"),
    ("SEALED_WITHOUT_REGULATOR", "sealed"),
    ("ENTRY_COMMITMENT_MISMATCH", "entry_commitment"),
    ("TERMS_COMMITMENT_MISMATCH", "terms_commitment"),
    ("FINGERPRINTS_MISMATCH", "fingerprints"),
    ("TERMS_INCONSISTENT", "inconsistent"),
}


def test_the_regulator_names_every_breach_and_nothing_else(
    breached: Breached, index: EventIndex
) -> None:
    regulator = breached.net.regulator.address
    report = check_rules(index, regulator_keys(breached.ledger, regulator))
    by_id = {v: k for k, v in breached.ids.items()}
    named = {
        (b.rule, by_id.get(b.financing_id or 0, "refusal"))
        for b in report.breaches
        if b.rule != "REFUSAL_SEALED_WITHOUT_REGULATOR"
    }
    assert named == EXPECTED
    [refusal] = [b for b in report.breaches if b.rule == "REFUSAL_SEALED_WITHOUT_REGULATOR"]
    assert refusal.regulator == regulator.lower()
    # each names where on chain, and says it in words with the amounts
    chain = breached.ledger.w3
    for b in report.breaches:
        assert int(chain.eth.get_transaction_receipt(b.tx_hash)["blockNumber"]) == b.block_number
    said = {b.rule: b.message for b in report.breaches}
    assert "10.00 EUR drawn, beyond its 10.00 EUR" not in said["DRAWDOWN_EXCEEDS_FINANCING"]
    assert "15.00 EUR drawn, beyond its 10.00 EUR" in said["DRAWDOWN_EXCEEDS_FINANCING"]
    assert "8.00 EUR repaid, beyond the 5.00 EUR drawn" in said["REPAYMENT_EXCEEDS_DRAWN"]
    assert "5.00 EUR drawn and not repaid" in said["CLOSED_NOT_REPAID"]
    assert "in USD; its first financing was in EUR" in said["CURRENCY_MISMATCH"]
    assert "was revoked when the financing was registered" in said["DOCUMENT_REVOKED"]
    assert not report.clean


def test_a_regulator_that_joined_later_is_named_until_the_terms_are_shared(
    breached: Breached, index: EventIndex
) -> None:
    ledger, net = breached.ledger, breached.net
    late = member_svc.add_member(ledger, net.admin.address, "Late Regulator", Role.REGULATOR)
    late_address = late.member.address
    # a financing after it joined, sealed without it
    d = h("d-after-join")
    docs.register(ledger, net.enterprise.address, d, DocType.INVOICE)
    after = finance(
        ledger,
        net.bank.address,
        [(d, 100, 200, [h("fp-after-join")])],
        story=Story(data_keys=breached.data_keys),
        sealed_to=[public_key(ledger, net.bank.address), public_key(ledger, net.regulator.address)],
    )
    index.catch_up()
    keys = regulator_keys(ledger, late_address)
    before = check_rules(index, keys)
    rules = {(b.rule, b.financing_id) for b in before.breaches}
    fa = breached.ids["drawdown"]
    assert ("NOT_SHARED_WITH_REGULATOR", fa) in rules
    assert ("SEALED_WITHOUT_REGULATOR", after) in rules
    # the bank shares financing fa's data key with the late regulator (shareTerms)
    envelope = conf.seal_shared_key(
        breached.data_keys[fa], [public_key(ledger, late_address)], context(ledger)
    )
    ledger.transactor(net.bank.address).transact(ledger.contract.functions.shareTerms(fa, envelope))
    index.catch_up()
    shared = check_rules(index, keys)
    assert ("NOT_SHARED_WITH_REGULATOR", fa) not in {
        (b.rule, b.financing_id) for b in shared.breaches
    }
    # now it reads fa's terms and re-checks them: the over-limit drawdown is named to it too
    assert ("DRAWDOWN_EXCEEDS_FINANCING", fa) in {(b.rule, b.financing_id) for b in shared.breaches}
    # the index records the new reader, and answers it fa's terms
    with index.sessions() as s:
        readers = set(
            s.scalars(
                select(ReaderRow.reader).where(ReaderRow.kind == "fin", ReaderRow.ref == str(fa))
            )
        )
    assert late_address.lower() in readers
    viewer = audit.Viewer.of(late_address, "regulator")
    timeline = audit.timeline(index, hx(h("d-drawdown")), viewer=viewer).items
    registered = next(e for e in timeline if e.event == "FinancingRegistered")
    assert registered.fields["amount"] == "10.00"


def test_the_api_verify_gives_the_regulator_the_breaches(
    breached: Breached, tmp_path: Path
) -> None:
    app = create_app(breached.ledger.settings, breached.ledger)
    with TestClient(app) as client:
        app.state.audit_index.catch_up()
        body = client.get("/v1/audit/verify", headers=breached.net.regulator.headers).json()
        assert body["equal"] is True  # the index is the chain's copy …
        rules = body["rules"]
        assert rules["clean"] is False  # … and the chain holds broken rules
        assert rules["verdict"] == "rules_broken"
        assert rules["regulators"] == [breached.net.regulator.address.lower()]
        assert {"DRAWDOWN_EXCEEDS_FINANCING", "DOCUMENT_REVOKED"} <= {
            b["rule"] for b in rules["breaches"]
        }
        admin = client.get("/v1/audit/verify", headers=breached.net.admin.headers).json()
        assert admin["equal"] is True
        assert admin["rules"] is None  # an admin reads no terms
        bank = client.get("/v1/audit/verify", headers=breached.net.bank.headers)
        assert bank.status_code == 403


def test_a_close_with_money_out_stays_in_the_exposure_apart(
    breached: Breached, index: EventIndex
) -> None:
    """The contract does not stop a bank that signs around its gateway from closing a
    financing not repaid (``CLOSED_NOT_REPAID`` above): its money is shown apart from the
    active outstanding, to a reader of its amounts only — not to another bank."""
    net, fd = breached.net, breached.ids["closed"]
    regulator = audit.Viewer.of(net.regulator.address, "regulator")
    rows = [r for r in audit.exposure(index, "bank", viewer=regulator) if r.currency == "EUR"]
    (row,) = rows
    assert row.outstanding_after_close == 500
    assert row.outstanding_after_cancel == 0
    assert row.released_with_outstanding == [fd]
    other = audit.Viewer.of(net.bank_b.address, "bank")
    assert audit.exposure(index, "bank", viewer=other) == []
    # the close is a breach, not also a cancel with money out
    report = check_rules(index, regulator_keys(breached.ledger, net.regulator.address))
    assert report.cancelled_outstanding == []


def test_a_registration_after_a_financing_keeps_what_it_holds(
    network: Network, tmp_path: Path
) -> None:
    """A bank financed a document nobody had registered (600 of 1,000); its registrant then
    registered it, and another financing took 600 more: 1,200 on a face value of 1,000. The
    regulator's re-check replaced the document's record at its registration, forgot the first
    600, and reported nothing (found by a helper, 2026-12-05). Both signed around a gateway."""
    ledger = network.ledger
    bank, ent = network.bank.address, network.enterprise.address
    doc = h("registered-late")
    first = finance(ledger, bank, [(doc, 600, 1000, [h("fp-late-a")])])
    docs.register(ledger, ent, doc, DocType.INVOICE)
    second = finance(ledger, network.bank_b.address, [(doc, 600, 1000, [h("fp-late-b")])])
    assert first
    assert second
    index = new_index(ledger, f"sqlite:///{tmp_path / 'i.sqlite'}", block_range=100)
    try:
        index.catch_up()
        report = check_rules(index, regulator_keys(ledger, network.regulator.address))
    finally:
        index.close()
    breaches = [(b.rule, b.financing_id) for b in report.breaches]
    assert breaches == [("EXCEEDS_FACE_VALUE", second)], report.breaches
