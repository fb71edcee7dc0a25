"""A batch the chain refuses because one of its files is registered already names that file
(its position and name), as a batch's other refusals do: with 50 files, the contract's
``docHash`` alone left the user to work out which. Found by a tryout. And a refusal that can be
known before the files' fingerprints are evaluated is made before: it spends none of a bank's
evaluation allowance (found by the last tryout)."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING

import pytest
from api_helpers import client_fixture, evaluator_requests, own_invoice, unique_file, xml
from fastapi.testclient import TestClient

from ledger.documents import read_document
from ledger.documents.fingerprints import fingerprint_inputs, oprf_input
from ledger.documents.marks import mark_inputs
from ledger.evaluator import EvaluatorService
from ledger.gatewaydb import FingerprintCheck
from ledger.services import documents as docs

if TYPE_CHECKING:
    from tests.conftest import Network
    from tests.evaluator_harness import SessionEvaluator

__all__ = ["client_fixture"]


def test_a_registered_file_in_a_batch_is_named(client: TestClient, network: Network) -> None:
    first = unique_file("registered")["file"]
    done = client.post("/v1/documents", files={"file": first}, headers=network.enterprise.headers)
    assert done.status_code == 201, done.text
    again = ("again.txt", first[1], first[2])
    batch = client.post(
        "/v1/documents/batch",
        files=[("files", unique_file("new")["file"]), ("files", again)],
        headers=network.enterprise.headers,
    )
    assert batch.status_code == 409, batch.text
    details = batch.json()["details"]
    assert details["file_index"] == 1
    assert details["filename"] == "again.txt"
    assert details["doc_hash"] == done.json()["doc_hash"]


# -- a refusal known before evaluating spends none of the bank's evaluation allowance ----------
#
# A tryout's bank sent a batch of 34 invoices, one of them registered already: refused 409 at
# files[10], nothing registered — yet its fingerprints had been evaluated first, charging the
# bank's allowance at the evaluator (127 inputs), so 38 of its next 40 checks were refused 429.


def _inputs(*invoices: bytes) -> int:
    """How many inputs the evaluator is asked for the fingerprints of ``invoices`` together."""
    found = set()
    for invoice in invoices:
        facts = read_document(invoice).facts
        assert facts is not None
        found |= {oprf_input(i.kind.value, i.fields) for i in fingerprint_inputs(facts)}
    return len(found)


def _used(service: EvaluatorService, member: str) -> int:
    """The inputs ``member`` had evaluated within the evaluator's window."""
    since = int(time.time()) - service.window
    spent = service.log.spent_since(since)
    return sum(count for who, _, count in spent if who.lower() == member.lower())


def _last_check(network: Network) -> FingerprintCheck:
    found, _ = network.ledger.db.fingerprint_checks(limit=100_000)
    return found[-1]


def test_a_banks_batch_with_a_registered_file_spends_no_allowance(
    client: TestClient,
    network: Network,
    session_evaluator: SessionEvaluator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bank = network.bank
    invoices = [own_invoice("INV2024") for _ in range(3)]  # digits enough for number marks
    done = client.post("/v1/documents", files=xml(invoices[1]), headers=bank.headers)
    assert done.status_code == 201, done.text
    # the allowance left: the batch's evaluation and one more check would pass over it
    service = session_evaluator.service
    looked_for = len([m for m in mark_inputs(read_document(invoices[0]).facts) if m.looked_for])
    limit = (
        _used(service, bank.address) + _inputs(*invoices) + _inputs(invoices[0]) + looked_for - 1
    )
    monkeypatch.setattr(service, "limit", limit)
    sent = evaluator_requests(monkeypatch)
    logged_before = len(service.log.read(bank.address, limit=100_000))

    batch = client.post(
        "/v1/documents/batch",
        files=[
            ("files", ("new.xml", invoices[0], "application/xml")),
            ("files", ("again.xml", invoices[1], "application/xml")),
            ("files", ("other.xml", invoices[2], "application/xml")),
        ],
        headers=bank.headers,
    )
    # refused as before: the contract's error, naming the file
    assert batch.status_code == 409, batch.text
    body = batch.json()
    assert body["error"] == "DocumentAlreadyRegistered"
    assert body["details"]["file_index"] == 1
    assert body["details"]["field"] == "files[1]"  # as every refusal of a batch's file (a tryout)
    assert body["details"]["filename"] == "again.xml"
    assert body["details"]["doc_hash"] == done.json()["doc_hash"]
    # before any evaluation: the evaluator was not asked, and the two logs agree (none)
    assert sent == []
    assert len(service.log.read(bank.address, limit=100_000)) == logged_before
    entry = _last_check(network)
    assert (entry.participant, entry.action, entry.files) == (bank.address, "register", 3)
    assert (entry.evaluated, entry.outcome) == (0, "DocumentAlreadyRegistered")
    # so the bank's next check has its allowance
    checked = client.post("/v1/documents/check", files=xml(invoices[0]), headers=bank.headers)
    assert checked.status_code == 200, checked.text
    # a check evaluates the marks it looks for with the file's fingerprints, in one request:
    # an invoice with lines and an order looks for its split, lineless-re-issue, lined
    # same-amount, items-and-quantities and split-by-lines marks, a re-issue mark by its
    # seller's strongest identifier as written and again by each key identifier as marks
    # name them (its VAT id DK13585628 and legal id DK:DK13585628 by their digits alone:
    # one) and by its name, a number mark per key identifier and by its name, and a digits
    # and a dated mark by its strongest identifier and by its name, one by its buyer
    # whatever its seller (mark_buyer), and a seller-and-amount mark under its delivery
    # references by its strongest identifier and by its name (tryout 79); and, as it states an
    # order reference, each mark that names its references again by none (three re-issue,
    # the items, the split and the lined same-amount marks: a re-issue that drops its
    # references met nothing, tryout 88); and, as it states two (its order and its delivery
    # date), its first re-issue mark and its lined same-amount mark again by each of them
    # alone and as "these and more" the two (six: a re-issue that adds a reference met
    # nothing, tryouts 90 and 91), and its first re-issue mark by the kind of each beside the
    # other (two: its order number moved into another kind of reference, tryout 92)
    facts = read_document(invoices[0]).facts
    assert facts is not None
    assert facts.seller is not None
    assert len(facts.seller.key_ids) == 2
    marks = len([m for m in mark_inputs(facts) if m.looked_for])
    assert marks == 3 + 5 + 2 + 2 + 2 + 1 + 2 + 6 + 6 + 2
    assert marks == looked_for
    assert sent == [_inputs(invoices[0]) + marks]


def test_a_banks_registered_file_is_refused_before_it_is_evaluated(
    client: TestClient, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    bank = network.bank
    invoice = own_invoice()
    done = client.post("/v1/documents", files=xml(invoice), headers=bank.headers)
    assert done.status_code == 201, done.text
    sent = evaluator_requests(monkeypatch)
    again = client.post("/v1/documents", files=xml(invoice), headers=bank.headers)
    assert again.status_code == 409, again.text
    assert again.json()["error"] == "DocumentAlreadyRegistered"
    assert again.json()["details"]["doc_hash"] == done.json()["doc_hash"]
    assert sent == []
    entry = _last_check(network)
    assert (entry.action, entry.evaluated, entry.outcome) == (
        "register",
        0,
        "DocumentAlreadyRegistered",
    )


def test_a_replayed_batch_answers_its_first_answer(client: TestClient, network: Network) -> None:
    """The refusal read ahead is not made of a retry whose registration was sent: the retry
    answers the registration (its files are registered now, by it)."""
    bank = network.bank
    invoices = [own_invoice() for _ in range(2)]
    files = [("files", (f"{i}.xml", data, "application/xml")) for i, data in enumerate(invoices)]
    headers = {**bank.headers, "Idempotency-Key": f"replay-{uuid.uuid4()}"}
    first = client.post("/v1/documents/batch", files=files, headers=headers)
    assert first.status_code == 201, first.text
    again = client.post("/v1/documents/batch", files=files, headers=headers)
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    # and the service itself, asked again with the key (the answer was not stored: a crash)
    key = headers["Idempotency-Key"]
    replayed, receipt = docs.register_files(
        network.ledger,
        bank.address,
        "bank",
        [(data, f"{i}.xml") for i, data in enumerate(invoices)],
        idempotency_key=key,
    )
    assert receipt.tx_hash == first.json()["tx_hash"]
    assert [e.doc_hash for e in replayed] == [d["doc_hash"] for d in first.json()["documents"]]


def test_a_banks_batch_of_more_inputs_than_one_request_holds_is_evaluated_in_few_requests(
    client: TestClient,
    network: Network,
    session_evaluator: SessionEvaluator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A batch whose invoices have more distinct inputs than the evaluator takes in one request
    (``MAX_BATCH``, 128) was sent as one request, refused by the evaluator, and then every file
    was evaluated on its own (a round trip per file). It is sent in requests of 128."""
    from ledger.evaluator import MAX_BATCH

    bank = network.bank
    invoices = [own_invoice() for _ in range(45)]
    wanted = _inputs(*invoices)
    assert wanted > MAX_BATCH  # more than one request holds
    monkeypatch.setattr(session_evaluator.service, "limit", 10**6)
    sent = evaluator_requests(monkeypatch)
    batch = client.post(
        "/v1/documents/batch",
        files=[("files", (f"{i}.xml", data, "application/xml")) for i, data in enumerate(invoices)],
        headers=bank.headers,
    )
    assert batch.status_code == 201, batch.text
    assert len(batch.json()["documents"]) == len(invoices)
    assert sent == [MAX_BATCH] * (wanted // MAX_BATCH) + [wanted % MAX_BATCH] * bool(
        wanted % MAX_BATCH
    )


# -- a supersession refused for what is known without fingerprints: refused before them -------


def test_a_banks_refused_supersession_spends_no_allowance(
    client: TestClient, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``POST /v1/documents/{hash}/supersede`` evaluated the amendment's fingerprints (a round
    trip, charged to the bank's allowance) before refusals that need none; they are made first
    now, with the same errors, and the fingerprint-check log says ``evaluated`` 0."""
    bank = network.bank
    old, registered, revoked = own_invoice(), own_invoice(), own_invoice()
    hashes = {}
    for name, data in (("old", old), ("registered", registered), ("revoked", revoked)):
        done = client.post("/v1/documents", files=xml(data), headers=bank.headers)
        assert done.status_code == 201, done.text
        hashes[name] = done.json()["doc_hash"]
    gone = client.post(
        f"/v1/documents/{hashes['revoked']}/revoke", json={"reason_code": 1}, headers=bank.headers
    )
    assert gone.status_code == 200, gone.text
    theirs = client.post(
        "/v1/documents", files=unique_file("theirs"), headers=network.enterprise.headers
    )
    assert theirs.status_code == 201, theirs.text
    sent = evaluator_requests(monkeypatch)

    def supersede(doc_hash: str, data: bytes) -> tuple[int, str]:
        response = client.post(
            f"/v1/documents/{doc_hash}/supersede", files=xml(data), headers=bank.headers
        )
        return response.status_code, response.json()["error"]

    # the amendment registered already; the old document revoked; the amendment the old
    # document itself; the old document another member's; the old document not registered
    assert supersede(hashes["old"], registered) == (409, "DocumentAlreadyRegistered")
    assert supersede(hashes["revoked"], own_invoice()) == (409, "DocumentNotActive")
    assert supersede(hashes["old"], old) == (422, "SelfSupersession")
    assert supersede(theirs.json()["doc_hash"], own_invoice())[0] == 403
    assert supersede("0x" + "ab" * 32, own_invoice())[0] == 404
    assert sent == []
    entry = _last_check(network)  # the last logged: the self-supersession (403, 404: none)
    assert (entry.participant, entry.action) == (bank.address, "supersede")
    assert (entry.evaluated, entry.outcome) == (0, "SelfSupersession")

    # a supersession the chain takes is evaluated, as before
    amendment = own_invoice()
    done = client.post(
        f"/v1/documents/{hashes['old']}/supersede", files=xml(amendment), headers=bank.headers
    )
    assert done.status_code == 201, done.text
    assert sent == [_inputs(amendment)]
