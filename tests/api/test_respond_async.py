"""``Prefer: respond-async`` (RFC 7240) on registrations: 202 once the transaction is sent, the
outcome read by sending the same request with the same ``Idempotency-Key`` again — applied once
on chain, lodged once, the same answer a request without the preference gets."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from hashlib import sha256
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import client_fixture, unique_file
from fastapi.testclient import TestClient
from starlette.requests import Request

from api.respond_async import prefers_async

if TYPE_CHECKING:
    from tests.conftest import Network

__all__ = ["client_fixture"]

ASYNC = {"Prefer": "respond-async"}


class Held:
    """Holds every registration after its transaction is sent, before its file is lodged,
    until released: the rest of a write that answered 202 runs on in the gateway meanwhile."""

    def __init__(self, network: Network, monkeypatch: pytest.MonkeyPatch) -> None:
        self.release = threading.Event()
        self.reached = threading.Event()
        db = network.ledger.db
        real = db.store_received_many

        def held(*args: Any, **kwargs: Any) -> None:
            self.reached.set()
            assert self.release.wait(30), "never released"
            real(*args, **kwargs)

        monkeypatch.setattr(db, "store_received_many", held)


@pytest.fixture
def held(network: Network, monkeypatch: pytest.MonkeyPatch) -> Iterator[Held]:
    holder = Held(network, monkeypatch)
    try:
        yield holder
    finally:
        holder.release.set()


def registrations_of(network: Network, doc_hash: str) -> int:
    """``DocumentRegistered`` events of ``doc_hash`` on chain."""
    event = network.ledger.contract.events.DocumentRegistered
    logs = event.get_logs(from_block=0, argument_filters={"docHash": bytes.fromhex(doc_hash[2:])})
    return len(logs)


def test_a_registration_answers_202_once_sent_and_its_outcome_on_the_same_request_again(
    client: TestClient, network: Network, held: Held
) -> None:
    files = unique_file("async")
    data = files["file"][1]
    ent = {**network.enterprise.headers, **ASYNC, "Idempotency-Key": "async-1"}
    first = client.post("/v1/documents", files=files, headers=ent)
    assert first.status_code == 202, first.text
    assert first.headers["Preference-Applied"] == "respond-async"
    doc_hash = "0x" + sha256(data).hexdigest()
    body = first.json()
    assert body["status"] == "pending"
    assert body["doc_hashes"] == [doc_hash]
    assert body["idempotency_key"] == "async-1"
    assert first.headers["Location"] == f"/v1/documents/{doc_hash}"
    assert held.reached.wait(10)
    # sent, and on the embedded chain mined: the chain has it while the gateway finishes
    assert registrations_of(network, doc_hash) == 1

    answers: list[Any] = []
    repeat = threading.Thread(
        target=lambda: answers.append(client.post("/v1/documents", files=files, headers=ent))
    )
    repeat.start()
    repeat.join(0.5)
    assert repeat.is_alive(), "the repeated request answered before the write it repeats ended"
    held.release.set()
    repeat.join(30)
    (second,) = answers
    assert second.status_code == 201, second.text
    assert second.headers.get("Idempotent-Replayed") == "true"  # the stored outcome
    assert second.json()["tx_hash"] == body["tx_hash"]
    assert second.json()["doc_hash"] == doc_hash
    assert registrations_of(network, doc_hash) == 1
    # lodged once, as a registration without the preference is
    lodged = client.get(f"/v1/documents/{doc_hash}", headers=network.enterprise.headers)
    assert lodged.status_code == 200, lodged.text
    assert lodged.json()["registered_by"] == network.enterprise.address


def test_the_outcome_stored_is_the_answer_without_the_preference(
    client: TestClient, network: Network
) -> None:
    ent = network.enterprise.headers
    files = unique_file("same-answer")
    sync_files = unique_file("same-answer")
    first = client.post(
        "/v1/documents", files=files, headers={**ent, **ASYNC, "Idempotency-Key": "a"}
    )
    assert first.status_code in (201, 202), first.text
    done = client.post(
        "/v1/documents", files=files, headers={**ent, **ASYNC, "Idempotency-Key": "a"}
    )
    plain = client.post("/v1/documents", files=sync_files, headers={**ent, "Idempotency-Key": "b"})
    assert done.status_code == plain.status_code == 201, done.text
    assert set(done.json()) == set(plain.json())
    assert done.json()["registered_by"] == plain.json()["registered_by"]


def test_respond_async_without_an_idempotency_key_is_refused_and_nothing_is_sent(
    client: TestClient, network: Network
) -> None:
    files = unique_file("no-key")
    refused = client.post(
        "/v1/documents", files=files, headers={**network.enterprise.headers, **ASYNC}
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["details"]["field"] == "Idempotency-Key"
    assert "respond-async" in refused.json()["message"]
    doc_hash = "0x" + sha256(files["file"][1]).hexdigest()
    assert registrations_of(network, doc_hash) == 0


def test_a_refusal_known_before_sending_is_answered_at_once(
    client: TestClient, network: Network
) -> None:
    files = unique_file("twice")
    ent = network.enterprise.headers
    assert client.post("/v1/documents", files=files, headers=ent).status_code == 201
    again = client.post(
        "/v1/documents", files=files, headers={**ent, **ASYNC, "Idempotency-Key": "twice"}
    )
    assert again.status_code == 409, again.text
    assert "Preference-Applied" not in again.headers


def test_a_batch_answers_202_with_its_hashes_in_order_then_its_outcome(
    client: TestClient, network: Network, held: Held
) -> None:
    parts = [unique_file(f"batch-async-{i}")["file"] for i in range(3)]
    files = [("files", part) for part in parts]
    ent = {**network.enterprise.headers, **ASYNC, "Idempotency-Key": "batch-async"}
    first = client.post("/v1/documents/batch", files=files, headers=ent)
    assert first.status_code == 202, first.text
    hashes = ["0x" + sha256(part[1]).hexdigest() for part in parts]
    assert first.json()["doc_hashes"] == hashes
    held.release.set()
    second = client.post("/v1/documents/batch", files=files, headers=ent)
    assert second.status_code == 201, second.text
    assert [d["doc_hash"] for d in second.json()["documents"]] == hashes
    assert second.json()["tx_hash"] == first.json()["tx_hash"]
    assert all(registrations_of(network, h) == 1 for h in hashes)


def test_the_json_form_honours_the_preference(
    client: TestClient, network: Network, held: Held
) -> None:
    form = {
        "documentType": "BillOfLading",
        "documentNumber": "ASYNC-BL-1",
        "issueDate": "2024-03-01",
        "issuer": {"id": "DE136695976", "scheme": "VAT"},
    }
    ent = {**network.enterprise.headers, **ASYNC, "Idempotency-Key": "form-async"}
    first = client.post("/v1/documents/json", json=form, headers=ent)
    assert first.status_code == 202, first.text
    held.release.set()
    second = client.post("/v1/documents/json", json=form, headers=ent)
    assert second.status_code == 201, second.text
    assert [second.json()["doc_hash"]] == first.json()["doc_hashes"]


def _request(*values: str) -> Request:
    headers = [(b"prefer", v.encode()) for v in values]
    return Request({"type": "http", "method": "POST", "path": "/", "headers": headers})


@pytest.mark.parametrize(
    ("values", "wanted"),
    [
        (("respond-async",), True),
        (("Respond-Async",), True),
        (("wait=10, respond-async",), True),
        (("return=minimal", "respond-async; foo=bar"), True),
        (("return=minimal",), False),
        (("respond-asynchronously",), False),
        (("",), False),
        ((), False),
    ],
)
def test_the_prefer_header_is_read_as_rfc_7240_lists_it(
    values: tuple[str, ...], wanted: bool
) -> None:
    assert prefers_async(_request(*values)) is wanted


def test_a_refusal_after_the_202_is_the_outcome_the_same_request_reads_again(
    client: TestClient, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two registrations of one new file under different keys both pass the gateway's checks
    and are both sent; the chain takes the first and refuses the second (status 0): the second
    was answered 202, and its outcome is that refusal, stored and read again."""
    from ledger.services import documents as docs

    both_checked = threading.Barrier(2, timeout=30)
    real = docs.refuse_second_hash

    def after_both(*args: Any, **kwargs: Any) -> None:
        real(*args, **kwargs)
        both_checked.wait()

    monkeypatch.setattr(docs, "refuse_second_hash", after_both)
    files = unique_file("raced")
    answers: dict[str, Any] = {}

    def register(key: str) -> None:
        headers = {**network.enterprise.headers, **ASYNC, "Idempotency-Key": key}
        answers[key] = client.post("/v1/documents", files=files, headers=headers)

    racers = [threading.Thread(target=register, args=(k,)) for k in ("race-a", "race-b")]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(60)
    assert {answers[k].status_code for k in answers} <= {201, 202}, answers
    monkeypatch.setattr(docs, "refuse_second_hash", real)
    outcomes = {
        k: client.post(
            "/v1/documents",
            files=files,
            headers={**network.enterprise.headers, **ASYNC, "Idempotency-Key": k},
        )
        for k in ("race-a", "race-b")
    }
    assert sorted(o.status_code for o in outcomes.values()) == [201, 409], {
        k: o.text for k, o in outcomes.items()
    }
    loser = next(k for k, o in outcomes.items() if o.status_code == 409)
    assert answers[loser].status_code == 202, answers[loser].text  # refused after its 202
    assert outcomes[loser].json()["error"] == "DocumentAlreadyRegistered", outcomes[loser].text
    assert outcomes[loser].headers.get("Idempotent-Replayed") == "true"  # stored, not rerun
    doc_hash = "0x" + sha256(files["file"][1]).hexdigest()
    assert registrations_of(network, doc_hash) == 1


def test_the_openapi_declares_the_key_the_202_its_headers_and_the_limits(
    client: TestClient,
) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/v1/documents", "/v1/documents/json", "/v1/documents/batch"):
        operation = spec["paths"][path]["post"]
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert {"Idempotency-Key", "prefer"} <= headers, (path, headers)
        accepted = operation["responses"]["202"]
        assert {"Preference-Applied", "Location"} <= set(accepted["headers"]), path
        assert {"413", "429"} <= set(operation["responses"]), path
    financing = spec["paths"]["/v1/financings"]["post"]
    assert "429" in financing["responses"]
    assert "Idempotency-Key" in {p["name"] for p in financing["parameters"]}


def test_a_key_the_cli_used_first_is_named_as_sent_when_the_api_reuses_it(
    client: TestClient, network: Network
) -> None:
    from ledger.services import documents as docs

    docs.register_file(
        network.ledger,
        network.enterprise.address,
        network.enterprise.role,
        b"first under shared-key",
        "a.txt",
        idempotency_key="shared-key",
    )
    reused = client.post(
        "/v1/documents",
        files=unique_file("other"),
        headers={**network.enterprise.headers, "Idempotency-Key": "shared-key"},
    )
    assert reused.status_code == 409, reused.text
    assert reused.json()["details"]["idempotency_key"] == "shared-key"
