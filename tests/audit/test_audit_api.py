"""/v1/audit through HTTP on the real embedded chain: what each role may read (both ways),
and that answers name their chain coordinates."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from indexer.activity import hx
from indexer.fixtures import Storied

from api.app import create_app


@pytest.fixture(scope="module")
def client(storied: Storied) -> Iterator[TestClient]:
    app = create_app(storied.ledger.settings, storied.ledger)
    with TestClient(app) as test_client:
        app.state.audit_index.catch_up()  # the follower thread would get there within 0.5 s
        yield test_client


def test_the_gateway_follows_the_chain_and_reports_its_lag(
    client: TestClient, storied: Storied
) -> None:
    assert client.get("/health").json() == {"status": "ok"}  # no volumes without credentials
    text = client.get("/metrics", headers=storied.net.regulator.headers).text
    assert "tradeledger_index_lag_blocks 0.0" in text
    assert f"tradeledger_chain_head_block {float(storied.ledger.head_block())}" in text


def test_regulator_reads_everything(client: TestClient, storied: Storied) -> None:
    reg = storied.net.regulator.headers
    doc = hx(storied.story.docs["inv1"])
    timeline = client.get(f"/v1/audit/documents/{doc}/timeline", headers=reg)
    assert timeline.status_code == 200
    body = timeline.json()
    assert body["items"][0]["event"] == "DocumentRegistered"
    assert body["indexed_block"] == storied.ledger.head_block()
    first = body["items"][0]
    assert {"block_number", "tx_hash", "log_index", "block_hash", "block_time"} <= set(first)

    bank = storied.net.bank.address
    activity = client.get(f"/v1/audit/members/{bank}/activity", headers=reg)
    assert activity.status_code == 200
    assert "FinancingRegistered" in [e["event"] for e in activity.json()["items"]]

    financed = next(e for e in body["items"] if e["event"] == "FinancingRegistered")
    assert financed["fields"]["amount"] == "600.00"  # the regulator reads the terms
    assert financed["args"]["fingerprints"]  # and the fingerprints

    refusals = client.get(
        "/v1/audit/refusals", params={"reason": "fingerprint_pledged"}, headers=reg
    )
    assert refusals.status_code == 200
    [refusal] = refusals.json()["items"]
    assert refusal["bank"] == storied.net.bank_b.address
    assert refusal["conflicting_financing_id"] == storied.story.financings["f1"]
    assert refusal["requested_amount"] == 10000

    duplicates = client.get("/v1/audit/duplicates", headers=reg).json()
    assert len(duplicates["repeated_fingerprints"]["items"]) == 1

    exposure = client.get("/v1/audit/exposure", params={"by": "enterprise"}, headers=reg).json()
    assert exposure["items"][0]["member"] == storied.net.enterprise.address

    verify = client.get("/v1/audit/verify", headers=reg).json()
    assert verify["equal"] is True
    assert verify["chain_hash"] == verify["index_hash"]
    assert verify["rules"]["clean"] is True  # every financing opened, every rule holds
    assert verify["rules"]["opened"] == verify["rules"]["financings"] == 3

    # an admin: that refusals happened and who sent them, nothing of what was asked
    admin = client.get("/v1/audit/refusals", headers=storied.net.admin.headers)
    assert admin.status_code == 200
    assert [(r["confidential"], r["reason"], r["doc_hash"]) for r in admin.json()["items"]] == [
        (True, None, None),
        (True, None, None),
    ]


def test_exports_stream_csv_and_json_lines(client: TestClient, storied: Storied) -> None:
    reg = storied.net.regulator.headers
    with client.stream("GET", "/v1/audit/export", params={"format": "jsonl"}, headers=reg) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/x-ndjson")
        rows = [json.loads(line) for line in r.iter_lines() if line]
    assert len(rows) == client.app.state.audit_index.status().events  # type: ignore[attr-defined]
    assert all(row["tx_hash"].startswith("0x") for row in rows)
    text = client.get(
        "/v1/audit/export",
        params={"format": "csv", "event": "DocumentRegistered"},
        headers=reg,
    ).text
    table = list(csv.DictReader(io.StringIO(text)))
    assert len(table) == len(storied.story.docs)
    assert {"block_number", "log_index", "tx_hash"} <= set(table[0])


def test_members_read_timelines_and_their_own_records_only(
    client: TestClient, storied: Storied
) -> None:
    net = storied.net
    doc = hx(storied.story.docs["inv1"])
    for who in (net.bank, net.enterprise, net.attestor):
        assert (
            client.get(f"/v1/audit/documents/{doc}/timeline", headers=who.headers).status_code
            == 200
        )
        own = client.get(f"/v1/audit/members/{who.address}/activity", headers=who.headers)
        assert own.status_code == 200
        assert own.json()["items"][0]["event"] == "MemberAdded"
        other = client.get(f"/v1/audit/members/{net.bank_b.address}/activity", headers=who.headers)
        assert other.status_code == 403
        assert other.json()["error"] == "forbidden"
        for path in ("/v1/audit/export", "/v1/audit/verify"):
            assert client.get(path, headers=who.headers).status_code == 403, path
    # refusals: a bank its own (bank A was refused nothing); enterprises and attestors none
    assert client.get("/v1/audit/refusals", headers=net.bank.headers).json()["items"] == []
    own = client.get("/v1/audit/refusals", headers=net.bank_b.headers).json()["items"]
    assert [r["reason"] for r in own] == ["FINGERPRINT_PLEDGED", "DOCUMENT_REVOKED"]
    for who in (net.enterprise, net.attestor):
        for path in ("/v1/audit/refusals", "/v1/audit/duplicates", "/v1/audit/financeable"):
            assert client.get(path, headers=who.headers).status_code == 403, path
    # the timeline of bank A's financed document: bank B learns nothing of the financing
    timeline = client.get(f"/v1/audit/documents/{doc}/timeline", headers=net.bank_b.headers)
    assert [e["event"] for e in timeline.json()["items"]] == ["DocumentRegistered"]

    mine = client.get("/v1/audit/exposure", headers=net.bank.headers)
    assert mine.status_code == 200
    assert [i["member"] for i in mine.json()["items"]] == [net.bank.address]
    theirs = client.get(
        "/v1/audit/exposure", params={"member": net.bank_b.address}, headers=net.bank.headers
    )
    assert theirs.status_code == 403
    ent = client.get(
        "/v1/audit/exposure", params={"by": "enterprise"}, headers=net.enterprise.headers
    )
    assert ent.status_code == 200
    assert ent.json()["items"][0]["financed"] == 30000
    # each reads its book grouped by the other kind: the bank its borrowers, the enterprise
    # its banks (both came back empty: the caller's address filtered the other kind)
    lent = client.get("/v1/audit/exposure", params={"by": "enterprise"}, headers=net.bank.headers)
    assert [(i["member"], i["financed"]) for i in lent.json()["items"]] == [
        (net.enterprise.address, 30000)
    ]
    one = client.get(
        "/v1/audit/exposure",
        params={"by": "enterprise", "member": net.enterprise.address},
        headers=net.bank.headers,
    )
    assert [i["member"] for i in one.json()["items"]] == [net.enterprise.address]
    lenders = client.get(
        "/v1/audit/exposure", params={"by": "bank"}, headers=net.enterprise.headers
    )
    assert [(i["member"], i["financed"]) for i in lenders.json()["items"]] == [
        (net.bank.address, 30000)
    ]
    nothing = client.get(
        "/v1/audit/exposure", params={"by": "enterprise"}, headers=net.bank_b.headers
    )
    assert nothing.json()["items"] == []
    for who in (net.attestor, net.admin):  # they read no terms
        assert client.get("/v1/audit/exposure", headers=who.headers).status_code == 403


def test_financeable_is_for_banks_and_regulators(client: TestClient, storied: Storied) -> None:
    fp = hx(storied.story.fingerprints["inv2"][0])
    answer = client.get(
        "/v1/audit/financeable", params={"fingerprint": fp}, headers=storied.net.bank_b.headers
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["financeable"] is False
    [match] = body["matches"]
    assert match["financing_id"] == storied.story.financings["f3"]
    assert match["bank"] == storied.net.bank.address
    assert (match["doc_hash"], match["amount"]) == (None, None)  # bank A's, not bank B's
    for who in (storied.net.enterprise, storied.net.attestor, storied.net.admin):
        assert (
            client.get(
                "/v1/audit/financeable", params={"fingerprint": fp}, headers=who.headers
            ).status_code
            == 403
        )


def test_bad_input_and_missing_key(client: TestClient, storied: Storied) -> None:
    reg = storied.net.regulator.headers
    assert client.get("/v1/audit/documents/0x12/timeline", headers=reg).status_code == 422
    bad_time = client.get("/v1/audit/refusals", params={"since": "last tuesday"}, headers=reg)
    assert bad_time.status_code == 422
    assert bad_time.json()["details"]["field"] == "since"
    assert client.get("/v1/audit/refusals", params={"cursor": "x"}, headers=reg).status_code == 422
    assert client.get("/v1/audit/refusals").status_code == 401
