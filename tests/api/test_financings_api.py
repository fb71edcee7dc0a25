"""Financing through HTTP: the same invoice in another format is refused with the evidence."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from api_helpers import CII, UBL, client_fixture, finance, lodge
from fastapi.testclient import TestClient

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]


def test_refusal_names_reason_document_financing_and_fingerprint(
    client: TestClient, network: Network
) -> None:
    ubl = lodge(client, network.bank, UBL)
    assert ubl["facts"]["amountMinor"] == 467_500
    created = finance(client, network.bank, ubl["doc_hash"])
    assert created.status_code == 201, created.text
    first = created.json()
    assert first["status"] == "active"
    assert first["amount"] == 374_000
    assert first["documents"][0]["face_value"] == 467_500
    assert first["reference"] == "REF-1"

    cii = lodge(client, network.bank_b, CII)
    assert cii["conflicting_financings"] == [first["financing_id"]]
    refused = finance(client, network.bank_b, cii["doc_hash"], amount=100_000)
    assert refused.status_code == 409
    error = refused.json()
    assert error["error"] == "financing_refused"
    details = error["details"]
    assert details["reason"] == "FINGERPRINT_PLEDGED"
    assert details["doc_hash"] == cii["doc_hash"]
    assert details["conflicting_financing_id"] == first["financing_id"]
    assert details["fingerprint"] in first["documents"][0]["fingerprints"]
    assert details["fingerprint_kind"]

    # the refused attempt is on chain, sealed: the regulator reads it, bank A does not
    deadline = time.monotonic() + 30  # the index follows the chain in the background
    while True:
        seen = client.get("/v1/audit/refusals", headers=network.regulator.headers)
        assert seen.status_code == 200, seen.text
        if seen.json()["indexed_block"] >= details["block"] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert cii["doc_hash"] in seen.text
    theirs = client.get("/v1/audit/refusals", headers=network.bank.headers)
    assert cii["doc_hash"] not in theirs.text


def test_lifecycle_drawdown_repay_close_and_list(client: TestClient, network: Network) -> None:
    ubl = lodge(client, network.bank, UBL)
    fid = finance(client, network.bank, ubl["doc_hash"]).json()["financing_id"]
    base = f"/v1/financings/{fid}"
    h = network.bank.headers
    too_much = client.post(f"{base}/drawdown", json={"amount": 374_001}, headers=h)
    assert too_much.status_code == 409
    assert too_much.json()["error"] == "DrawdownExceedsFinancing"
    drawn = client.post(f"{base}/drawdown", json={"amount": 300_000}, headers=h)
    assert drawn.json()["financing"]["drawn"] == 300_000
    early = client.post(f"{base}/close", headers=h)
    assert early.status_code == 409
    assert early.json()["error"] == "FinancingNotRepaid"
    repaid = client.post(f"{base}/repay", json={"amount": 300_000}, headers=h)
    assert repaid.json()["financing"]["outstanding"] == 0
    closed = client.post(f"{base}/close", headers=h)
    assert closed.status_code == 200, closed.text
    assert closed.json()["financing"]["status"] == "closed"
    # the fingerprints are released: bank B can now finance the same invoice
    cii = lodge(client, network.bank_b, CII)
    assert cii["conflicting_financings"] == []
    second = finance(client, network.bank_b, cii["doc_hash"], amount=100_000)
    assert second.status_code == 201
    cancel = client.post(
        f"/v1/financings/{second.json()['financing_id']}/cancel",
        json={"reason_code": 3},
        headers=network.bank_b.headers,
    )
    assert cancel.json()["financing"]["status"] == "cancelled"

    listed = client.get("/v1/financings", params={"limit": 1}, headers=network.regulator.headers)
    page = listed.json()
    assert [f["financing_id"] for f in page["items"]] == [fid]
    rest = client.get(
        "/v1/financings",
        params={"limit": 1, "cursor": page["next_cursor"]},
        headers=network.regulator.headers,
    ).json()
    assert [f["financing_id"] for f in rest["items"]] == [fid + 1]
    assert rest["next_cursor"] is None
    # a cursor is exactly what a list returned: int()'s signs, spaces and other digits are not
    for bad in (" 1", "+1", "-1", "1.0", "\u0661", "1" * 19):
        refused = client.get(
            "/v1/financings", params={"cursor": bad}, headers=network.regulator.headers
        )
        assert refused.status_code == 422, bad
        assert refused.json()["details"]["field"] == "cursor"
    by_bank = client.get(
        "/v1/financings", params={"bank": network.bank_b.address}, headers=h
    ).json()
    assert [f["financing_id"] for f in by_bank["items"]] == [fid + 1]
    by_status = client.get("/v1/financings", params={"status": "closed"}, headers=h).json()
    assert [f["financing_id"] for f in by_status["items"]] == [fid]
    by_doc = client.get("/v1/financings", params={"doc": ubl["doc_hash"]}, headers=h).json()
    assert [f["financing_id"] for f in by_doc["items"]] == [fid]


def test_another_bank_cannot_draw_and_unknown_financing_is_404(
    client: TestClient, network: Network
) -> None:

    ubl = lodge(client, network.bank, UBL)
    fid = finance(client, network.bank, ubl["doc_hash"]).json()["financing_id"]
    other = client.post(
        f"/v1/financings/{fid}/drawdown", json={"amount": 1}, headers=network.bank_b.headers
    )
    assert other.status_code == 403
    assert other.json()["error"] == "NotFinancingBank"
    missing = client.get("/v1/financings/999", headers=network.bank.headers)
    assert missing.status_code == 404


def test_financing_input_is_checked_naming_the_field(client: TestClient, network: Network) -> None:
    ubl = lodge(client, network.bank, UBL)
    not_lodged = lodge(client, network.enterprise, CII)
    cases = [
        (finance(client, network.bank, not_lodged["doc_hash"]), "documents[0].doc_hash"),
        (finance(client, network.bank, ubl["doc_hash"], currency="EUR"), "currency"),
        (finance(client, network.bank, ubl["doc_hash"], amount=467_501), "documents[0].amount"),
        (finance(client, network.bank, ubl["doc_hash"], kind="gift"), "kind"),
        (finance(client, network.bank, ubl["doc_hash"], maturity="2001-01-01"), "maturity"),
        (finance(client, network.bank, ubl["doc_hash"], amount=0), "documents[0].amount"),
    ]
    for response, field in cases:
        assert response.status_code == 422, response.text
        assert response.json()["details"].get("field") == field, response.text
