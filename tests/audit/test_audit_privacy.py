"""A bank's book is its own, on every /v1/audit endpoint (issue #14, docs/privacy.md).

Bank A finances an exporter's invoice with a reference, amounts and a maturity no one else
should read. Every audit endpoint, called as bank B, as another enterprise and as an attestor,
answers without any of them — as text, as minor units, as major units — and without linking the
invoice to the financing; enterprises and attestors get no fingerprint at all. The regulator
finds them all. A suspended member reads only its own activity.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from indexer.activity import Story, entry, finance, h, hx, refuse

from api.app import create_app
from ledger.services import documents as docs
from ledger.services import members as member_svc
from ledger.services.roles import DocType, Role
from tests.conftest import Network, Participant
from tests.leaks import mentions

REFERENCE = "SECRET-LOAN-REF-A42"
AMOUNT, FACE, DRAWN = 4_242_424, 5_000_000, 1_717_171
MATURITY = int(datetime(2031, 7, 19, tzinfo=UTC).timestamp())
SECRETS = (
    REFERENCE,
    str(AMOUNT),
    "42424.24",
    "42,424.24",
    str(DRAWN),
    "17171.71",
    "17,171.71",
    "2031-07-19",
)


@dataclass
class Book:
    net: Network
    other_enterprise: Participant
    doc: str
    fingerprint: str
    financing_id: int


@pytest.fixture
def book(network: Network) -> Book:
    ledger = network.ledger
    other = member_svc.add_member(ledger, network.admin.address, "Other Co", Role.ENTERPRISE)
    other_enterprise = Participant("Other Co", Role.ENTERPRISE, other.member.address, other.api_key)
    bank = network.bank.address
    invoice, fingerprint = h("secret-invoice"), h("fp-secret-invoice")
    docs.register(ledger, network.enterprise.address, invoice, DocType.INVOICE)
    story = Story()

    def secret(payload: dict[str, object]) -> None:
        payload["maturity"] = MATURITY

    financing_id = finance(
        ledger,
        bank,
        [(invoice, AMOUNT, FACE, [fingerprint])],
        "EUR",
        REFERENCE,
        story=story,
        edit=secret,
    )
    entry(ledger, bank, financing_id, story.data_keys[financing_id], "drawdown", DRAWN, DRAWN, 0)
    # bank B tries the same invoice: its gateway records the refusal, sealed
    refuse(
        ledger,
        network.bank_b.address,
        [(invoice, 1000, FACE, [fingerprint])],
        {
            "reason": "FINGERPRINT_PLEDGED",
            "doc_hash": hx(invoice),
            "conflicting_financing_id": financing_id,
            "fingerprint": hx(fingerprint),
        },
        reference="B-TRIED",
    )
    return Book(network, other_enterprise, hx(invoice), hx(fingerprint), financing_id)


@pytest.fixture
def client(book: Book) -> Iterator[TestClient]:
    app = create_app(book.net.ledger.settings, book.net.ledger)
    with TestClient(app) as test_client:
        app.state.audit_index.catch_up()
        yield test_client


def _every_answer(client: TestClient, book: Book, who: Participant) -> dict[str, str]:
    """Every audit endpoint's answer to ``who``, as text (403 bodies included)."""
    h_ = who.headers
    bank_a = book.net.bank.address
    calls = {
        "timeline": (f"/v1/audit/documents/{book.doc}/timeline", {}),
        "own activity": (f"/v1/audit/members/{who.address}/activity", {}),
        "bank A activity": (f"/v1/audit/members/{bank_a}/activity", {}),
        "refusals": ("/v1/audit/refusals", {}),
        "duplicates": ("/v1/audit/duplicates", {}),
        "exposure by bank": ("/v1/audit/exposure", {}),
        "exposure by enterprise": ("/v1/audit/exposure", {"by": "enterprise"}),
        "exposure of bank A": ("/v1/audit/exposure", {"member": bank_a}),
        "financeable by fingerprint": ("/v1/audit/financeable", {"fingerprint": book.fingerprint}),
        "financeable by hash": ("/v1/audit/financeable", {"doc_hash": book.doc}),
        "export jsonl": ("/v1/audit/export", {"format": "jsonl"}),
        "export csv": ("/v1/audit/export", {"format": "csv"}),
        "verify": ("/v1/audit/verify", {}),
    }
    found = {}
    for name, (path, params) in calls.items():
        answer = client.get(path, params=params, headers=h_)
        assert answer.status_code in (200, 403), (name, answer.text)
        found[name] = answer.text
    return found


@pytest.mark.parametrize("who", ["bank_b", "other_enterprise", "attestor"])
def test_others_read_nothing_of_bank_a_s_book(client: TestClient, book: Book, who: str) -> None:
    participant = book.other_enterprise if who == "other_enterprise" else getattr(book.net, who)
    answers = _every_answer(client, book, participant)
    for name, text in answers.items():
        for secret in SECRETS:
            assert not mentions(text, secret), (name, secret)
        asked = {"timeline", "financeable by hash"}
        if who == "bank_b":  # its own refused attempt on the invoice is its own to read
            asked |= {"own activity", "refusals", "duplicates"}
        if name not in asked:
            # the document is named only where it was asked about
            assert book.doc not in text, name
        if who != "bank_b":
            assert book.fingerprint not in text, name  # no fingerprint to enterprises
            # bank B read the invoice's face value from its own file; the others never did
            assert not mentions(text, str(FACE)), name
            assert not mentions(text, "50000.00"), name
    timeline = client.get(
        f"/v1/audit/documents/{book.doc}/timeline", headers=participant.headers
    ).json()
    own = ["FinancingRefused"] if who == "bank_b" else []  # its own attempt, not bank A's book
    assert [e["event"] for e in timeline["items"]] == ["DocumentRegistered", *own]


def test_the_financed_enterprise_reads_its_own_document_s_financing(
    client: TestClient, book: Book
) -> None:
    ent = book.net.enterprise
    timeline = client.get(f"/v1/audit/documents/{book.doc}/timeline", headers=ent.headers).json()
    registered = next(e for e in timeline["items"] if e["event"] == "FinancingRegistered")
    assert registered["fields"]["reference"] == REFERENCE
    assert registered["fields"]["amount"] == "42424.24"
    assert "fingerprints" not in registered["args"]  # never a fingerprint to an enterprise
    assert registered["fields"]["fingerprints"] is None
    assert book.fingerprint not in str(timeline)
    assert "FinancingRefused" not in [e["event"] for e in timeline["items"]]
    exposure = client.get(
        "/v1/audit/exposure", params={"by": "enterprise"}, headers=ent.headers
    ).json()
    assert [(r["member"], r["financed"]) for r in exposure["items"]] == [(ent.address, AMOUNT)]


def test_the_regulator_finds_everything(client: TestClient, book: Book) -> None:
    answers = _every_answer(client, book, book.net.regulator)
    everything = "".join(answers.values())
    for secret in (REFERENCE, "42424.24", str(AMOUNT), "17171.71", "2031-07-19", book.doc):
        assert secret in everything, secret
    refusals = client.get("/v1/audit/refusals", headers=book.net.regulator.headers).json()
    [refusal] = refusals["items"]
    assert (refusal["bank"], refusal["reference"], refusal["doc_hash"]) == (
        book.net.bank_b.address,
        "B-TRIED",
        book.doc,
    )
    assert (refusal["face_value"], refusal["already_financed"], refusal["headroom"]) == (
        FACE,
        AMOUNT,
        0,
    )
    assert book.fingerprint in answers["duplicates"] or book.fingerprint in answers["export jsonl"]


def test_a_suspended_member_reads_only_its_own_activity(client: TestClient, book: Book) -> None:
    net = book.net
    member_svc.suspend_member(net.ledger, net.admin.address, net.bank_b.address)
    client.app.state.audit_index.catch_up()  # type: ignore[attr-defined]
    h_ = net.bank_b.headers
    own = client.get(f"/v1/audit/members/{net.bank_b.address}/activity", headers=h_)
    assert own.status_code == 200
    assert own.json()["items"][-1]["event"] == "MemberSuspended"
    for path in (
        f"/v1/audit/documents/{book.doc}/timeline",
        "/v1/audit/refusals",
        "/v1/audit/financeable?doc_hash=" + book.doc,
        f"/v1/audit/members/{net.bank.address}/activity",
    ):
        answer = client.get(path, headers=h_)
        assert answer.status_code == 403, path
        assert answer.json()["error"] == "member_suspended"
