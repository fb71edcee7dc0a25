"""A financing of a document the check finds suspicious (a re-issue: the same seller, buyer,
amount and lines under a new number and issue date) is not sent unless the request
acknowledges it: 409 ``suspicions_unacknowledged`` naming each suspicion, nothing on chain, the
same refusal on an idempotent retry; with ``acknowledge_suspicions`` it goes through and the
answer lists what was acknowledged. An unrelated invoice needs no flag (docs/rules.md).

Real API on the real embedded chain."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from api_helpers import UBL, client_fixture, finance, lodge, own_invoice
from fastapi.testclient import TestClient

if TYPE_CHECKING:
    from tests.conftest import Network

__all__ = ["client_fixture"]


def _numbered(number: str, issued: str, data: bytes = UBL) -> bytes:
    renumbered = data.replace(b"TOSL110", number.encode())
    return renumbered.replace(b"<cbc:IssueDate>2013-04-10<", f"<cbc:IssueDate>{issued}<".encode())


def _financing_count(network: Network) -> int:
    return int(network.ledger.calls.functions.financingCount().call())


def _original_and_reissue(client: TestClient, network: Network) -> tuple[str, str, bytes]:
    """The demo invoice under a number of its own, financed by the bank; then its re-issue
    (new number and issue date, same seller, buyer, amount and lines) lodged by the bank."""
    tag = uuid.uuid4().hex[:8]
    original = _numbered(f"ORIG{tag}", "2013-04-10")
    original_hash = lodge(client, network.bank, original)["doc_hash"]
    made = finance(client, network.bank, original_hash, amount=467_500)
    assert made.status_code == 201, made.text
    assert made.json()["suspicions"] == []
    reissue = _numbered(f"COPY{tag}", "2013-05-02")
    received = lodge(client, network.bank, reissue)
    assert received["suspicious"] is True  # what the check says at receive time
    return original_hash, str(received["doc_hash"]), reissue


def test_a_reissued_invoice_is_refused_unless_acknowledged(
    client: TestClient, network: Network
) -> None:
    original_hash, copy_hash, _ = _original_and_reissue(client, network)
    before = _financing_count(network)
    headers = {**network.bank.headers, "Idempotency-Key": f"reissue-{uuid.uuid4().hex}"}
    body: dict[str, Any] = {
        "documents": [{"doc_hash": copy_hash, "amount": 400_000}],
        "currency": "DKK",
        "maturity": "2099-12-31",
    }
    refused = client.post("/v1/financings", json=body, headers=headers)
    assert refused.status_code == 409, refused.text
    error = refused.json()
    assert error["error"] == "suspicions_unacknowledged"
    assert "acknowledge_suspicions" in error["message"]
    assert "re-issue" in error["message"]
    (suspicion,) = error["details"]["suspicions"]
    assert suspicion["kind"] == "reissue"
    assert suspicion["document_index"] == 0
    assert suspicion["doc_hash"] == copy_hash
    assert suspicion["documents"] == [original_hash]
    assert {"seller", "buyer", "amount"} <= set(suspicion["matching_facts"])
    assert any("same seller, buyer, amount" in r for r in suspicion["reasons"])
    # money as every other message shows it, thousands grouped (docs/api.md's example)
    assert any("amount 4,675.00 DKK" in r for r in suspicion["reasons"]), suspicion["reasons"]
    assert _financing_count(network) == before  # nothing on chain
    again = client.post("/v1/financings", json=body, headers=headers)
    assert (again.status_code, again.json()) == (409, error)
    assert _financing_count(network) == before
    # without an Idempotency-Key too: the gateway judges the same request the same way
    assert client.post("/v1/financings", json=body, headers=network.bank.headers).json() == error

    made = client.post(
        "/v1/financings",
        json={**body, "acknowledge_suspicions": True},
        headers=network.bank.headers,
    )
    assert made.status_code == 201, made.text
    answer = made.json()
    assert answer["status"] == "active"
    assert answer["suspicions"] == [suspicion]
    assert _financing_count(network) == before + 1
    # the financing itself, read back, is what GET answers (no suspicions field there)
    shown = client.get(f"/v1/financings/{answer['financing_id']}", headers=network.bank.headers)
    assert "suspicions" not in shown.json()


def test_an_unrelated_invoice_needs_no_acknowledgement(
    client: TestClient, network: Network
) -> None:
    _original_and_reissue(client, network)
    other = own_invoice()  # another order: same seller and buyer, not a re-issue
    doc_hash = lodge(client, network.bank, other)["doc_hash"]
    made = finance(client, network.bank, doc_hash, amount=100_000)
    assert made.status_code == 201, made.text
    assert made.json()["suspicions"] == []


def test_a_suspicion_is_said_in_plain_words(client: TestClient, network: Network) -> None:
    """A tryout read "… is suspected one of an invoice issued twice (a reissue) (same seller,
    …)": the 409 now says what the document may be, then why, as a bank officer reads it."""
    _, copy_hash, _ = _original_and_reissue(client, network)
    refused = finance(client, network.bank, copy_hash, amount=400_000)
    assert refused.status_code == 409, refused.text
    message = refused.json()["message"]
    assert "is suspected" not in message
    assert "issued twice (a reissue)" not in message
    assert (
        f"documents[0] {copy_hash} may be the same invoice as another: a copy of it, or it issued "
        "again under another number or date (a re-issue; either may be the original: the reasons "
        "say which) — same seller, buyer, amount 4,675.00 DKK"
    ) in message, message
    assert "If you have checked it and still want to finance it, send the request again" in message
