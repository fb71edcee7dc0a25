"""A document's registrant never reads "not financed" for a document financed before it was
registered (a bank may pledge an unregistered invoice; its terms are then sealed to no
registrant): the registrant reads ``is_financed: null`` (it cannot tell), and ``false`` only
when no active financing it cannot open predates its registration. Found by a tryout: the
exporter read ``is_financed: false`` for an invoice a bank had financed an hour before."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from api_helpers import CII, client_fixture, finance, lodge, register, xml
from fastapi.testclient import TestClient

from ledger.services import documents as docs

if TYPE_CHECKING:
    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]


def _invoice(day: int) -> bytes:
    """The CII sample with a number, an order (BT-13) and an issue day of its own: another
    invoice, not a suspected re-issue of the others (a new number and date alone would be)."""
    tag = uuid.uuid4().hex[:10]
    data = CII.replace(b"TOSL110", f"FB-{tag}".encode())
    assert data != CII
    order = b"<ram:IssuerAssignedID>123</ram:IssuerAssignedID>"
    assert order in data
    data = data.replace(order, f"<ram:IssuerAssignedID>ORDER-{tag}</ram:IssuerAssignedID>".encode())
    return data.replace(b"20130410", f"201303{day:02d}".encode())


def test_financed_before_it_was_registered_reads_unknown_to_the_registrant(
    client: TestClient, network: Network
) -> None:
    early = _invoice(1)
    doc_hash = lodge(client, network.bank, early)["doc_hash"]
    made = finance(client, network.bank, doc_hash, amount=100_000)
    assert made.status_code == 201, made.text
    answer = client.post(
        "/v1/documents", files=xml(early, "early.xml"), headers=network.enterprise.headers
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["doc_hash"] == doc_hash
    # the registration's own answer too (a tryout found it said false)
    assert answer.json()["is_financed"] is None, answer.json()
    record = client.get(f"/v1/documents/{doc_hash}", headers=network.enterprise.headers).json()
    assert record["is_financed"] is None, record  # never "not financed"
    regulator = client.get(f"/v1/documents/{doc_hash}", headers=network.regulator.headers)
    assert regulator.json()["is_financed"] is True

    # a document registered later: financing 1 (active, unseen) predates it as well
    late = _invoice(2)
    late_hash = register(client, network.enterprise, xml(late, "late.xml"))
    later = client.get(f"/v1/documents/{late_hash}", headers=network.enterprise.headers).json()
    assert later["is_financed"] is None
    # once that financing is cancelled, nothing unseen and active predates it: not financed
    cancel = client.post(
        f"/v1/financings/{made.json()['financing_id']}/cancel",
        json={"reason_code": 1},
        headers=network.bank.headers,
    )
    assert cancel.status_code == 200, cancel.text
    later = client.get(f"/v1/documents/{late_hash}", headers=network.enterprise.headers).json()
    assert later["is_financed"] is False
    # financed after its registration: sealed to the registrant, who reads it
    assert lodge(client, network.bank, late)["doc_hash"] == late_hash
    assert finance(client, network.bank, late_hash, amount=50_000).status_code == 201
    later = client.get(f"/v1/documents/{late_hash}", headers=network.enterprise.headers).json()
    assert later["is_financed"] is True


def test_the_same_rule_without_the_gateways_index(
    client: TestClient, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI reads without the served gateway's index: the chain says the same."""
    early = _invoice(3)
    doc_hash = lodge(client, network.bank, early)["doc_hash"]
    assert finance(client, network.bank, doc_hash, amount=100_000).status_code == 201
    assert register(client, network.enterprise, xml(early, "early.xml")) == doc_hash
    monkeypatch.setattr(network.ledger, "event_index", None)
    me = network.enterprise.address
    parsed = docs.parse_doc_hash(doc_hash)
    assert docs.is_financed(network.ledger, parsed, me, "enterprise", me) is None


def test_terms_shared_with_the_registrant_later_never_read_not_financed(
    client: TestClient, network: Network
) -> None:
    """The bank shares a financing made before the registration with the registrant: until
    the gateway's index folds the sharing in, the registrant reads "cannot tell" (the
    financing is active and unopened in the index), never "not financed"; then "financed"."""
    from ledger.services import financing as fin_svc

    early = _invoice(4)
    doc_hash = lodge(client, network.bank, early)["doc_hash"]
    made = finance(client, network.bank, doc_hash, amount=100_000)
    assert made.status_code == 201, made.text
    assert register(client, network.enterprise, xml(early, "early.xml")) == doc_hash
    me = network.enterprise.address
    parsed = docs.parse_doc_hash(doc_hash)
    ledger = network.ledger
    assert ledger.event_index is not None
    ledger.event_index.catch_up()
    assert docs.is_financed(ledger, parsed, me, "enterprise", me) is None
    # with an enterprise, the financing named (a whole book goes to a regulator only)
    shared = fin_svc.share_with(
        ledger, network.bank.address, me, financing_ids=[made.json()["financing_id"]]
    )
    assert shared.financing_ids
    assert docs.is_financed(ledger, parsed, me, "enterprise", me) in (None, True)
    ledger.event_index.catch_up()
    assert docs.is_financed(ledger, parsed, me, "enterprise", me) is True
    record = client.get(f"/v1/documents/{doc_hash}", headers=network.enterprise.headers).json()
    assert record["is_financed"] is True, record


def _batch(client: TestClient, who: Participant, *files: bytes) -> dict[str, bool | None]:
    """Register ``files`` in one batch as ``who``: each document's ``is_financed``."""
    answer = client.post(
        "/v1/documents/batch",
        files=[("files", (f"{i}.xml", data, "application/xml")) for i, data in enumerate(files)],
        headers=who.headers,
    )
    assert answer.status_code == 201, answer.text
    return {d["doc_hash"]: d["registration"]["is_financed"] for d in answer.json()["documents"]}


def test_a_batch_answers_each_file_as_its_own_record_does(
    client: TestClient, network: Network
) -> None:
    """A batch's answer reads whether each file is financed in one go (issue #16): the same
    rule, file by file, as each document's record."""
    early = _invoice(5)
    doc_hash = lodge(client, network.bank, early)["doc_hash"]
    assert finance(client, network.bank, doc_hash, amount=100_000).status_code == 201
    answers = _batch(client, network.enterprise, early, _invoice(6))
    assert answers[doc_hash] is None  # financed before its registration: cannot tell
    # the bank's own financing of a file it registers is in its book: financed
    own = _invoice(7)
    own_hash = lodge(client, network.bank, own)["doc_hash"]
    assert finance(client, network.bank, own_hash, amount=100_000).status_code == 201
    banked = _batch(client, network.bank, _invoice(8), own)
    assert banked[own_hash] is True
    for who, found in ((network.enterprise, answers), (network.bank, banked)):
        assert len(found) == 2
        for h, financed in found.items():
            record = client.get(f"/v1/documents/{h}", headers=who.headers).json()
            assert record["is_financed"] == financed, (h, record)
