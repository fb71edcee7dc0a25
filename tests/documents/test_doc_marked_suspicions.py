"""An invoice financed at one bank and re-issued or split to another is suspicious there.

A re-issue (new number and issue date) or a split (parts of one invoice) changes every fact
a fingerprint covers, and a bank's own suspicion checks see only the files lodged at its own
gateway: Bank A financed an invoice, Bank B checked its re-issue and heard "not pledged, no
matching file" (a tryout of 2026-12-03). A financing now carries marks on chain
(``registerMarkedFinancing``); Bank B's check evaluates its file's marks with its fingerprints
and is told which active financing of which bank carries them — never that bank's documents —
and its financing of the file must acknowledge it (docs/fingerprints.md, marks).

The field cases' re-issue and split (ZUGFeRD corpus, Apache-2.0; tests/documents/fieldcases),
through the real API on the real embedded chain. The invoices are given a seller and buyer of
their own order reference per test, so no other test's financing carries their marks."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from documents_support import field_bytes

from tests.api.api_helpers import MATURITY, client_fixture, lodge, xml

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]

ORIGINAL = "reissue/a-original-471102.cii.xml"
REISSUE = "reissue/c-reissued-471102-R1-new-date.cii.xml"
SPLIT_WHOLE = "split/a-original-471102.cii.xml"
SPLIT_PART = "split/b1-part-471102-1.cii.xml"
#: where a CII invoice's agreement ends: its order reference (BT-13) goes before it
AGREEMENT_END = b"</ram:ApplicableHeaderTradeAgreement>"


def _own(data: bytes, tag: str) -> bytes:
    """The field case with an order reference (BT-13) of its own, ``ORDER-<tag>``: the same
    invoice and re-issue as the case, but no other test's invoice is for their delivery."""
    assert data.count(AGREEMENT_END) == 1
    assert b"BuyerOrderReferencedDocument" not in data
    order = f"<ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>ORDER-{tag}"
    order += "</ram:IssuerAssignedID></ram:BuyerOrderReferencedDocument>"
    return data.replace(AGREEMENT_END, order.encode() + AGREEMENT_END)


def _finance(client: TestClient, bank: Any, doc_hash: str, amount: int, **extra: Any) -> Any:
    body = {
        "documents": [{"doc_hash": doc_hash, "amount": amount}],
        "currency": "EUR",
        "kind": "invoice_financing",
        "maturity": MATURITY,
        **extra,
    }
    return client.post("/v1/financings", json=body, headers=bank.headers)


def _financed_at_a(client: TestClient, network: Network, case: str, tag: str) -> int:
    original = lodge(client, network.bank, _own(field_bytes(case), tag))
    made = _finance(client, network.bank, original["doc_hash"], 10_000)
    assert made.status_code == 201, made.text
    assert made.json()["suspicions"] == []
    return int(made.json()["financing_id"])


def test_a_reissue_financed_at_another_bank_is_suspicious_and_must_be_acknowledged(
    client: TestClient, network: Network
) -> None:
    tag = uuid.uuid4().hex[:10]
    financing_a = _financed_at_a(client, network, ORIGINAL, tag)
    reissue = _own(field_bytes(REISSUE), tag)

    checked = client.post("/v1/documents/check", files=xml(reissue), headers=network.bank_b.headers)
    body = checked.json()
    assert checked.status_code == 200, checked.text
    assert body["suspicious"] is True
    (suspicion,) = body["suspicions"]
    assert suspicion["kind"] == "reissue"
    assert suspicion["financings"] == [financing_a]
    assert suspicion["documents"] == []  # Bank A's documents are its own
    assert any("same seller, currency, amount due and lines" in r for r in suspicion["reasons"])
    assert any("whatever their items are called" in r for r in suspicion["reasons"])
    assert any(network.bank.address in r for r in suspicion["reasons"])  # which bank, by address
    assert body["matches"] == []
    assert all(f["held_by_financing"] in (None, 0) for f in body["fingerprints"])  # not pledged

    lodged = lodge(client, network.bank_b, reissue)
    before = int(network.ledger.calls.functions.financingCount().call())
    refused = _finance(client, network.bank_b, lodged["doc_hash"], 10_000)
    assert refused.status_code == 409, refused.text
    error = refused.json()
    assert error["error"] == "suspicions_unacknowledged"
    (said,) = error["details"]["suspicions"]
    assert (said["kind"], said["financings"], said["documents"]) == ("reissue", [financing_a], [])
    assert "amount" in said["matching_facts"]
    assert int(network.ledger.calls.functions.financingCount().call()) == before  # nothing sent

    made = _finance(client, network.bank_b, lodged["doc_hash"], 10_000, acknowledge_suspicions=True)
    assert made.status_code == 201, made.text
    assert [s["financings"] for s in made.json()["suspicions"]] == [[financing_a]]
    # the regulator's audit reads what Bank B acknowledged, from its financing's sealed terms
    financing_b = int(made.json()["financing_id"])
    activity = client.get(
        f"/v1/audit/members/{network.bank_b.address}/activity",
        params={"limit": 1000},
        headers=network.regulator.headers,
    )
    assert activity.status_code == 200, activity.text
    (registered,) = [
        e
        for e in activity.json()["items"]
        if e["event"] == "FinancingRegistered" and e["fields"]["financing_id"] == financing_b
    ]
    said = f"documents[0] {lodged['doc_hash']} reissue (active financing {financing_a})"
    assert registered["fields"]["acknowledged_suspicions"] == said
    # Bank B's financing carries the marks too: Bank A, checking the invoice it financed, is
    # told of Bank B's financing of its re-issue; the re-issue itself is pledged there
    original = _own(field_bytes(ORIGINAL), tag)
    told = client.post("/v1/documents/check", files=xml(original), headers=network.bank.headers)
    assert [s["financings"] for s in told.json()["suspicions"] if s["financings"]] == [
        [financing_b]
    ]
    pledged = client.post("/v1/documents/check", files=xml(reissue), headers=network.bank.headers)
    assert {f["held_by_financing"] for f in pledged.json()["fingerprints"]} == {financing_b}
    # Bank B's financing holds it (not a suspicion); Bank A's own files find the original,
    # and that suspicion names Bank A's own financing of it, which carries the same marks
    assert [s["financings"] for s in pledged.json()["suspicions"] if s["financings"]] == [
        [financing_a]
    ]
    assert all(s["documents"] for s in pledged.json()["suspicions"])


def test_a_part_of_an_invoice_financed_at_another_bank_is_a_suspected_split(
    client: TestClient, network: Network
) -> None:
    tag = uuid.uuid4().hex[:10]
    financing_a = _financed_at_a(client, network, SPLIT_WHOLE, tag)
    part = _own(field_bytes(SPLIT_PART), tag)
    body = client.post("/v1/documents/check", files=xml(part), headers=network.bank_b.headers)
    assert body.status_code == 200, body.text
    (suspicion,) = body.json()["suspicions"]
    assert (suspicion["kind"], suspicion["financings"]) == ("split", [financing_a])
    assert any("same items" in r for r in suspicion["reasons"])
    lodged = lodge(client, network.bank_b, part)
    refused = _finance(client, network.bank_b, lodged["doc_hash"], 10_000)
    assert refused.status_code == 409, refused.text
    message = refused.json()["message"]
    assert (
        "may be a part of a larger invoice, or the whole of one, split into several invoices"
        in message
    ), message


def test_no_suspicion_for_the_pledged_copy_another_delivery_or_a_closed_financing(
    client: TestClient, network: Network
) -> None:
    tag = uuid.uuid4().hex[:10]
    financing_a = _financed_at_a(client, network, ORIGINAL, tag)
    original = _own(field_bytes(ORIGINAL), tag)
    # the same file at Bank B: pledged (its fingerprints are held), not "suspicious"
    same = client.post("/v1/documents/check", files=xml(original), headers=network.bank_b.headers)
    body = same.json()
    assert {f["held_by_financing"] for f in body["fingerprints"]} == {financing_a}
    assert body["suspicions"] == []
    # another delivery (another order, another number): not a re-issue of this one. (The
    # re-issue's own number 471102-R1 would meet 471102 on mark_number: its digits are the
    # original's, a revision added.)
    other = _own(field_bytes(REISSUE), tag + "-other").replace(
        b"<ram:ID>471102-R1</ram:ID>", b"<ram:ID>471187-R1</ram:ID>", 1
    )
    body = client.post("/v1/documents/check", files=xml(other), headers=network.bank_b.headers)
    assert body.json()["suspicions"] == []
    # the same bank's own re-issue is compared with its own files (reasons in full), once
    mine = _own(field_bytes(REISSUE), tag)
    body = client.post("/v1/documents/check", files=xml(mine), headers=network.bank.headers)
    # (and names its own financing of the original, which carries the re-issue's marks)
    assert [s["financings"] for s in body.json()["suspicions"]] == [[financing_a]]
    # once Bank A's financing is cancelled, its marks name nothing
    cancelled = client.post(
        f"/v1/financings/{financing_a}/cancel",
        json={"reason_code": 1},
        headers=network.bank.headers,
    )
    assert cancelled.status_code == 200, cancelled.text
    body = client.post("/v1/documents/check", files=xml(mine), headers=network.bank_b.headers)
    assert body.json()["suspicions"] == []


def test_other_roles_evaluate_no_marks(client: TestClient, network: Network) -> None:
    """Only a bank's gateway has a file evaluated (docs/fingerprints.md): an enterprise's
    check of the re-issue learns nothing of Bank A's financing."""
    tag = uuid.uuid4().hex[:10]
    _financed_at_a(client, network, ORIGINAL, tag)
    reissue = _own(field_bytes(REISSUE), tag)
    body = client.post(
        "/v1/documents/check", files=xml(reissue), headers=network.enterprise.headers
    )
    assert body.status_code == 200, body.text
    assert all(not s["financings"] for s in body.json()["suspicions"])
