"""Documents, keys, idempotency, errors and metrics through HTTP on the real embedded chain."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from api_helpers import BILL, CII, UBL, client_fixture, finance, lodge, unique_file, xml
from fastapi.testclient import TestClient

from ledger.errors import ChainUnavailable
from ledger.services import documents as docs

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]


def test_check_register_and_read_with_matches(client: TestClient, network: Network) -> None:
    checked = client.post("/v1/documents/check", files=xml(UBL), headers=network.bank.headers)
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["format"] == "ubl"
    assert body["doc_type"] == "invoice"
    assert body["facts"]["number"] == "TOSL110"
    assert body["registered"] is False
    assert body["matches"] == []
    assert {f["name"] for f in body["fingerprints"]} >= {"full", "seller_number:VAT"}

    created = client.post("/v1/documents", files=xml(UBL), headers=network.enterprise.headers)
    assert created.status_code == 201, created.text
    assert created.json()["doc_type"] == "invoice"  # detected from the file
    # fingerprints are given to banks and regulators only: the exporter's answer withholds them
    assert created.json()["fingerprints"] is None

    # the exporter's CII twin: same document in another format; an altered copy grades altered
    twin = client.post("/v1/documents/check", files=xml(CII), headers=network.enterprise.headers)
    match = twin.json()["matches"][0]
    assert (match["grade"], match["doc_hash"]) == ("same_document", body["doc_hash"])
    assert match["differ"] == []
    altered = UBL.replace(b"4675.00", b"4975.00")
    graded = client.post(
        "/v1/documents/check", files=xml(altered), headers=network.enterprise.headers
    ).json()["matches"]
    assert graded[0]["grade"] == "altered"
    assert "amount" in graded[0]["differ"]
    # a participant never sees matches against another participant's files; a regulator does
    other = client.post("/v1/documents/check", files=xml(CII), headers=network.bank_b.headers)
    assert other.json()["matches"] == []
    assert other.json()["registered"] is False
    supervised = client.post(
        "/v1/documents/check", files=xml(CII), headers=network.regulator.headers
    )
    assert supervised.json()["matches"][0]["received_by"] == network.enterprise.address

    attested = client.post(
        f"/v1/documents/{body['doc_hash']}/attest",
        json={"evidence": "customs MRN 24DK000123"},
        headers=network.attestor.headers,
    )
    assert attested.status_code == 201
    again = client.post(
        f"/v1/documents/{body['doc_hash']}/attest",
        json={"evidence": "customs MRN 24DK000124"},
        headers=network.attestor.headers,
    )
    assert again.status_code == 409
    assert again.json()["error"] == "AlreadyAttested"
    assert again.json()["details"]["attestor"] == network.attestor.address  # checksummed
    detail = client.get(f"/v1/documents/{body['doc_hash']}", headers=network.enterprise.headers)
    d = detail.json()
    assert d["registered_by"] == network.enterprise.address
    assert d["attestations"][0]["attestor"] == network.attestor.address
    # when the attestor vouched for it: its block's time, as every time the record gives
    attested_block = d["attestations"][0]["block"]
    block_time = datetime.fromtimestamp(network.ledger.block_time(attested_block), UTC)
    assert datetime.fromisoformat(d["attestations"][0]["attested_at"]) == block_time
    assert [e["event"] for e in d["history"]] == ["DocumentRegistered", "DocumentAttested"]
    assert d["held"]["facts"]["number"] == "TOSL110"
    # another participant reads the public record, not the exporter's held copy
    assert (
        client.get(f"/v1/documents/{body['doc_hash']}", headers=network.bank_b.headers).json()[
            "held"
        ]
        is None
    )


def test_json_form_batch_supersede_and_revoke(client: TestClient, network: Network) -> None:
    h = network.enterprise.headers
    import json

    form = json.loads(BILL)
    created = client.post("/v1/documents/json", json=form, headers=h)
    assert created.status_code == 201, created.text
    assert created.json()["doc_type"] == "bill_of_lading"
    assert created.json()["doc_hash"] == docs.hex32(docs.file_hash(docs.canonical_json(form)))
    bad = client.post("/v1/documents/json", json={"documentType": "Nope"}, headers=h)
    assert bad.status_code == 422
    assert bad.json()["details"]["field"] == "documentType"

    files = [("files", unique_file()["file"]), ("files", unique_file()["file"])]
    batch = client.post(
        "/v1/documents/batch", files=files, data={"doc_type": "contract"}, headers=h
    )
    assert batch.status_code == 201, batch.text
    hashes = [d["doc_hash"] for d in batch.json()["documents"]]
    assert len({batch.json()["block"]}) == 1
    assert len(hashes) == 2
    for doc_hash in hashes:
        assert client.get(f"/v1/documents/{doc_hash}", headers=h).json()["doc_type"] == "contract"

    new = client.post(f"/v1/documents/{hashes[0]}/supersede", files=unique_file(), headers=h)
    assert new.status_code == 201, new.text
    old = client.get(f"/v1/documents/{hashes[0]}", headers=h).json()
    assert (old["status"], old["successor"]) == ("superseded", new.json()["new_doc_hash"])
    not_mine = client.post(
        f"/v1/documents/{hashes[1]}/revoke", json={"reason_code": 4}, headers=network.bank.headers
    )
    assert not_mine.status_code == 403
    assert not_mine.json()["error"] == "NotDocumentRegistrant"
    revoked = client.post(f"/v1/documents/{hashes[1]}/revoke", json={"reason_code": 4}, headers=h)
    assert revoked.status_code == 200
    verify = client.post(
        "/v1/documents/verify",
        files={"file": ("x", b"x", "text/plain")},
        headers=network.regulator.headers,
    )
    assert verify.json()["registered"] is False


def test_idempotency_key_applies_a_write_once(client: TestClient, network: Network) -> None:
    ubl = lodge(client, network.bank, UBL)
    body = {
        "documents": [{"doc_hash": ubl["doc_hash"], "amount": 100_000}],
        "currency": "DKK",
        "maturity": "2099-01-01",
    }
    headers = {**network.bank.headers, "Idempotency-Key": "fin-7"}
    head = network.ledger.head_block()
    first = client.post("/v1/financings", json=body, headers=headers)
    after_first = network.ledger.head_block()
    second = client.post("/v1/financings", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert network.ledger.head_block() == after_first > head  # one chain write, not two
    count = network.ledger.contract.functions.financingCount().call()
    assert count == 1
    changed = client.post("/v1/financings", json={**body, "currency": "EUR"}, headers=headers)
    assert changed.status_code == 409
    assert "Idempotency-Key" in changed.json()["message"]
    # a multipart retry (new random boundary) is the same request; keys are per participant
    files = unique_file()
    one = client.post(
        "/v1/documents", files=files, headers={**network.enterprise.headers, "Idempotency-Key": "d"}
    )
    two = client.post(
        "/v1/documents", files=files, headers={**network.enterprise.headers, "Idempotency-Key": "d"}
    )
    assert one.status_code == two.status_code == 201
    assert one.json()["tx_hash"] == two.json()["tx_hash"]


def test_keys_rotate_and_revoke(client: TestClient, network: Network) -> None:
    old = network.bank.headers
    rotated = client.post("/v1/keys/rotate", headers=old)
    assert rotated.status_code == 200
    new = {"Authorization": f"Bearer {rotated.json()['api_key']}"}
    assert client.get("/v1/members", headers=old).status_code == 401
    assert client.get("/v1/members", headers=new).status_code == 200
    revoked = client.post(f"/v1/keys/{network.bank.address}/revoke", headers=network.admin.headers)
    assert revoked.json()["revoked"] == 1
    assert client.get("/v1/members", headers=new).status_code == 401
    # a participant never acts on another's keys
    other = client.post(
        f"/v1/keys/{network.admin.address}/revoke", headers=network.regulator.headers
    )
    assert other.status_code == 403


def test_members_suspend_and_reinstate(client: TestClient, network: Network) -> None:
    admin = network.admin.headers
    members = client.get("/v1/members", headers=network.bank.headers).json()["items"]
    assert {m["role"] for m in members} == {"admin", "bank", "enterprise", "regulator", "attestor"}
    # the same list, two members a page
    paged: list[dict[str, object]] = []
    cursor: str | None = None
    for _ in range(10):
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/members", params=query, headers=network.bank.headers).json()
        paged += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == members
    bad = client.get("/v1/members", params={"cursor": "x"}, headers=network.bank.headers)
    assert bad.status_code == 422
    suspended = client.post(f"/v1/members/{network.enterprise.address}/suspend", headers=admin)
    assert suspended.json()["active"] is False
    # refused by the gateway at once (the suspension was made here), before the chain's
    # MemberNotActive: a suspended member keeps no off-chain powers either
    refused = client.post("/v1/documents", files=unique_file(), headers=network.enterprise.headers)
    assert refused.status_code == 403
    assert refused.json()["error"] == "member_suspended"
    assert "only read its own history" in refused.json()["details"]["rule"]
    twice = client.post(f"/v1/members/{network.enterprise.address}/suspend", headers=admin)
    assert twice.status_code == 409
    # the member as every other answer gives it: checksummed (EIP-55), and named
    assert twice.json()["details"]["account"] == network.enterprise.address, twice.json()
    assert network.enterprise.address in twice.json()["message"]
    back = client.post(f"/v1/members/{network.enterprise.address}/reinstate", headers=admin)
    assert back.json()["active"] is True
    again = client.post(f"/v1/members/{network.enterprise.address}/reinstate", headers=admin)
    assert again.status_code == 409
    assert again.json()["details"]["account"] == network.enterprise.address, again.json()
    unknown = client.get("/v1/members/0x" + "12" * 20, headers=admin)
    assert unknown.status_code == 404


def test_errors_never_leak_a_stack_trace(
    client: TestClient, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals /srv/keys")

    monkeypatch.setattr(docs, "find_registration", boom)
    crashed = client.post("/v1/documents/verify", files=unique_file(), headers=network.bank.headers)
    assert crashed.status_code == 500
    assert crashed.json() == {"error": "internal_error", "message": "internal error", "details": {}}
    assert "Traceback" not in crashed.text
    assert "secret" not in crashed.text

    def down(*args: object, **kwargs: object) -> None:
        raise ChainUnavailable("chain node unreachable: ConnectionError")

    monkeypatch.setattr(docs, "find_registration", down)
    unavailable = client.post(
        "/v1/documents/verify", files=unique_file(), headers=network.bank.headers
    )
    assert unavailable.status_code == 503
    assert unavailable.json()["error"] == "chain_unavailable"
    garbage = client.post(
        "/v1/financings",
        content=b"{not json",
        headers={**network.bank.headers, "Content-Type": "application/json"},
    )
    assert garbage.status_code == 422
    assert "Traceback" not in garbage.text


def test_metrics_count_requests_and_chain_writes(client: TestClient, network: Network) -> None:
    ubl = lodge(client, network.bank, UBL)
    finance(client, network.bank, ubl["doc_hash"])
    cii = lodge(client, network.bank_b, CII)
    finance(client, network.bank_b, cii["doc_hash"], amount=10)
    text = client.get("/metrics", headers=network.regulator.headers).text
    assert 'tradeledger_chain_writes_total{outcome="success"} 1.0' in text
    assert 'tradeledger_chain_writes_total{outcome="refused"} 1.0' in text
    assert 'route="/v1/financings",status="201"' in text
    assert "tradeledger_http_request_seconds_bucket" in text
    # a write the gateway refuses itself (role) never reaches the chain and is not counted
    client.post("/v1/financings", json={}, headers=network.regulator.headers)
    assert "reverted" not in client.get("/metrics", headers=network.admin.headers).text
    schema = client.get("/openapi.json").json()
    assert {"/v1/financings", "/v1/documents/check", "/v1/keys/{address}/rotate"} <= set(
        schema["paths"]
    )
    assert client.get("/docs").status_code == 200


def test_a_replayed_registration_is_the_answer_as_given(
    client: TestClient, network: Network
) -> None:
    """docs/api.md: a stored response is replayed as it was given (the document's status at
    registration); the document as it stands is read with GET."""
    h = network.enterprise.headers
    upload = {"file": ("replayed.txt", b"registered, then revoked", "text/plain")}
    keyed = {**h, "Idempotency-Key": "reg-then-revoke"}
    first = client.post("/v1/documents", files=upload, headers=keyed)
    assert first.status_code == 201, first.text
    doc_hash = first.json()["doc_hash"]
    revoked = client.post(f"/v1/documents/{doc_hash}/revoke", json={"reason_code": 4}, headers=h)
    assert revoked.status_code == 200, revoked.text
    again = client.post("/v1/documents", files=upload, headers=keyed)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert again.json()["status"] == "active"
    now = client.get(f"/v1/documents/{doc_hash}", headers=h).json()
    assert (now["status"], now["registered_at"]) == ("revoked", first.json()["registered_at"])
