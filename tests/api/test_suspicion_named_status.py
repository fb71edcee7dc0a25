"""A suspicion that names another document says when that document is revoked or superseded
on chain: a bank read a re-issue suspicion naming an invoice its seller had revoked, and nothing
told it the invoice was no longer in force. The suspicion stands — a re-issue of an invoice
financed and then revoked may still be the same receivable financed twice (docs/documents.md)
— and each document it names carries its ``status`` now (``document_statuses``), a revoked or
superseded one said in the reasons too, at ``POST /v1/documents/check`` and in the financing's
409 ``suspicions_unacknowledged``; ``doc check`` prints it beside the document.

Real API on the real embedded chain."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from api_helpers import UBL, client_fixture, lodge, xml
from fastapi.testclient import TestClient

from ledger.cli import _named_state
from ledger.services import documents as docs

if TYPE_CHECKING:
    from tests.conftest import Network

__all__ = ["client_fixture"]


def _numbered(number: str, issued: str) -> bytes:
    renumbered = UBL.replace(b"TOSL110", number.encode())
    return renumbered.replace(b"<cbc:IssueDate>2013-04-10<", f"<cbc:IssueDate>{issued}<".encode())


def _suspicion(client: TestClient, network: Network, data: bytes) -> dict[str, Any]:
    checked = client.post("/v1/documents/check", files=xml(data), headers=network.bank.headers)
    assert checked.status_code == 200, checked.text
    (suspicion,) = checked.json()["suspicions"]
    return dict(suspicion)


def _refused(client: TestClient, network: Network, copy_hash: str) -> dict[str, Any]:
    body = {
        "documents": [{"doc_hash": copy_hash, "amount": 400_000}],
        "currency": "DKK",
        "maturity": "2099-12-31",
    }
    refused = client.post("/v1/financings", json=body, headers=network.bank.headers)
    assert refused.status_code == 409, refused.text
    (suspicion,) = refused.json()["details"]["suspicions"]
    return dict(suspicion)


def test_a_suspicion_says_the_document_it_names_is_revoked(
    client: TestClient, network: Network
) -> None:
    tag = uuid.uuid4().hex[:8]
    original, reissue = _numbered(f"ORIG{tag}", "2013-04-10"), _numbered(f"COPY{tag}", "2013-05-02")
    registered = client.post(
        "/v1/documents", files=xml(original), headers=network.enterprise.headers
    )
    assert registered.status_code == 201, registered.text
    original_hash = registered.json()["doc_hash"]
    lodge(client, network.bank, original)
    copy_hash = lodge(client, network.bank, reissue)["doc_hash"]

    active = _suspicion(client, network, reissue)
    assert active["documents"] == [original_hash]
    assert active["document_statuses"] == [
        {"doc_hash": original_hash, "status": "active", "superseded_by": None}
    ]
    assert not any("revoked" in r for r in active["reasons"])

    revoked = client.post(
        f"/v1/documents/{original_hash}/revoke",
        json={"reason_code": 3},
        headers=network.enterprise.headers,
    )
    assert revoked.status_code == 200, revoked.text
    # still raised (the same receivable may be financed twice), and said to be revoked
    for suspicion in (_suspicion(client, network, reissue), _refused(client, network, copy_hash)):
        assert suspicion["kind"] == "reissue"
        assert suspicion["documents"] == [original_hash]
        assert suspicion["document_statuses"] == [
            {"doc_hash": original_hash, "status": "revoked", "superseded_by": None}
        ]
        assert any(f"{original_hash} is revoked on chain" in r for r in suspicion["reasons"]), (
            suspicion["reasons"]
        )


def test_a_suspicion_says_the_document_it_names_is_superseded(
    client: TestClient, network: Network
) -> None:
    tag = uuid.uuid4().hex[:8]
    original, reissue = _numbered(f"ORIG{tag}", "2013-04-10"), _numbered(f"COPY{tag}", "2013-05-02")
    amended = original.replace(b"</cbc:Note>", b" (amended)</cbc:Note>", 1)
    assert amended != original
    who = network.enterprise.headers
    original_hash = client.post("/v1/documents", files=xml(original), headers=who).json()[
        "doc_hash"
    ]
    superseded = client.post(
        f"/v1/documents/{original_hash}/supersede", files=xml(amended), headers=who
    )
    assert superseded.status_code == 201, superseded.text
    amended_hash = superseded.json()["new_doc_hash"]
    lodge(client, network.bank, original)
    lodge(client, network.bank, reissue)
    suspicion = _suspicion(client, network, reissue)
    named = {n["doc_hash"]: n for n in suspicion["document_statuses"]}
    assert named[original_hash] == {
        "doc_hash": original_hash,
        "status": "superseded",
        "superseded_by": amended_hash,
    }
    assert any(
        f"{original_hash} is superseded on chain by {amended_hash}" in r
        for r in suspicion["reasons"]
    ), suspicion["reasons"]


def test_doc_check_prints_the_state_beside_the_document() -> None:
    h = "0x" + "ab" * 32
    assert _named_state(docs.NamedStatus(h, "revoked")) == " — REVOKED on chain"
    assert _named_state(docs.NamedStatus(h, "superseded", "0x12")) == (
        " — SUPERSEDED on chain by 0x12"
    )
    assert _named_state(docs.NamedStatus(h, "active")) == ""
    assert _named_state(docs.NamedStatus(h, "not_registered")) == ""
