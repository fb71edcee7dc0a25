"""A bank financing a copy of an invoice its seller registered in another file (the CII of a UBL
the seller registered) is told who the seller is and how to make it a reader.

Tryout 87: the seller — an enterprise member whose legal id on chain is the invoice's seller's
VAT id — registered the UBL; a bank lodged and financed the CII copy (registered by nobody).
The terms are sealed to the enterprise that registered the pledged file as its seller
(docs/privacy.md), so the seller read ``confidential: true``, and the bank's answer said
nothing. It now carries a ``seller_not_reader`` notice naming the seller and the share that
makes it a reader; sharing makes it one. Real HTTP app, real chain."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from api_helpers import CII, UBL, client_fixture, finance, lodge, register, xml
from fastapi.testclient import TestClient

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]


def _kinds(notices: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [n for n in notices if n["kind"] == kind]


def test_the_bank_is_told_the_seller_of_a_copy_it_financed_reads_nothing(
    client: TestClient, network: Network
) -> None:
    register(client, network.enterprise, xml(UBL))  # the seller registers its UBL
    cii = lodge(client, network.bank, CII)["doc_hash"]  # the bank lodges the CII copy
    made = finance(client, network.bank, cii)
    assert made.status_code == 201, made.text
    body = made.json()
    fid = body["financing_id"]
    [told] = _kinds(body["notices"], "seller_not_reader")
    assert told["documents"] == [cii]
    assert told["financings"] == [fid]
    message = told["message"]
    assert network.enterprise.address in message, message
    assert "its legal id on chain is the seller's VAT:" in message, message
    assert f"tradeledger finance share {network.enterprise.address} --financing {fid}" in message
    # what it says holds: the seller does not read the terms until the bank shares them
    before = client.get(f"/v1/financings/{fid}", headers=network.enterprise.headers)
    assert before.status_code == 200, before.text
    assert before.json()["confidential"] is True
    shared = client.post(
        f"/v1/financings/{fid}/share",
        json={"reader": network.enterprise.address},
        headers=network.bank.headers,
    )
    assert shared.status_code == 200, shared.text
    after = client.get(f"/v1/financings/{fid}", headers=network.enterprise.headers)
    assert after.json()["confidential"] is False, after.json()


def test_no_notice_when_the_seller_registered_the_pledged_file(
    client: TestClient, network: Network
) -> None:
    doc_hash = register(client, network.enterprise, xml(UBL))
    assert lodge(client, network.bank, UBL)["doc_hash"] == doc_hash
    made = finance(client, network.bank, doc_hash)
    assert made.status_code == 201, made.text
    assert _kinds(made.json()["notices"], "seller_not_reader") == []
    read = client.get(
        f"/v1/financings/{made.json()['financing_id']}", headers=network.enterprise.headers
    )
    assert read.json()["confidential"] is False  # sealed to it: it registered this file


def test_a_replayed_create_answers_the_same_notice(client: TestClient, network: Network) -> None:
    cii = lodge(client, network.bank, CII)["doc_hash"]
    headers = {**network.bank.headers, "Idempotency-Key": "seller-not-reader-1"}
    body = {
        "documents": [{"doc_hash": cii, "amount": 374_000}],
        "currency": "DKK",
        "kind": "invoice_financing",
        "maturity": "2030-06-30",
        "reference": "REF-1",
    }
    first = client.post("/v1/financings", json=body, headers=headers)
    assert first.status_code == 201, first.text
    replayed = client.post("/v1/financings", json=body, headers=headers)
    assert replayed.status_code == 201, replayed.text
    kinds = [n["kind"] for n in replayed.json()["notices"]]
    assert kinds.count("seller_not_reader") == 1, replayed.json()["notices"]
    assert replayed.json()["notices"] == first.json()["notices"]
