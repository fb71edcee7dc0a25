"""Every member an answer names by address is named by its member name beside it.

A tryout read addresses alone in a document's answers — who registered it, who attested it,
who lodged the matching file — while ``held_by`` and the audit carried names. Now the
registration (``registered_by_name``: register, check, verify, a document's record), its
attestations (``attestor_name``) and a check's matches (``received_by_name``) name them too.
The real API on the chain of the run."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest

from tests.api.api_helpers import client_fixture, lodge, own_invoice, xml

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]


def test_a_documents_answers_name_its_members(client: TestClient, network: Network) -> None:
    seller, bank, customs = network.enterprise, network.bank, network.attestor
    invoice = own_invoice("NAMES")
    made = client.post("/v1/documents", files=xml(invoice), headers=seller.headers)
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["registered_by"], body["registered_by_name"]) == (seller.address, seller.name)
    doc_hash = body["doc_hash"]

    attested = client.post(
        f"/v1/documents/{doc_hash}/attest",
        json={"evidence": "customs entry 4711"},
        headers=customs.headers,
    )
    assert attested.status_code == 201, attested.text
    record = client.get(f"/v1/documents/{doc_hash}", headers=network.regulator.headers).json()
    assert record["registered_by_name"] == seller.name
    assert [(a["attestor"], a["attestor_name"]) for a in record["attestations"]] == [
        (customs.address, customs.name)
    ]

    lodge(client, bank, invoice)
    # the bank's copy, as the regulator's check finds it (a bank's own copy is no match of the
    # file it checks: tests/api/test_own_copy_is_no_match.py)
    checked = client.post(
        "/v1/documents/check", files=xml(invoice), headers=network.regulator.headers
    ).json()
    assert checked["registration"]["registered_by_name"] == seller.name
    members = {who.address: who.name for who in (seller, bank, customs)}
    assert checked["matches"], checked
    for match in checked["matches"]:
        assert match["received_by_name"] == members[match["received_by"]], match
    verified = client.post("/v1/documents/verify", files=xml(invoice), headers=bank.headers)
    assert verified.json()["registration"]["registered_by_name"] == seller.name


def test_a_batch_names_its_registrant_without_a_read_per_file(
    client: TestClient, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each file of a batch's answer names its registrant; the gateway reads that name once,
    not once per file (three quarters of a 100-file batch's interpreter time on anvil went to
    reading the same participant a hundred times: issue #16)."""
    from ledger.gatewaydb import GatewayDB

    reads: list[str] = []
    real = GatewayDB.participant

    def counted(self: GatewayDB, address: str) -> Any:
        reads.append(address)
        return real(self, address)

    monkeypatch.setattr(GatewayDB, "participant", counted)
    seller = network.enterprise
    files = [("files", (f"n{i}.txt", f"names once {uuid.uuid4()} {i}".encode())) for i in range(20)]
    made = client.post("/v1/documents/batch", files=files, headers=seller.headers)
    assert made.status_code == 201, made.text
    named = {
        (d["registration"]["registered_by"], d["registration"]["registered_by_name"])
        for d in made.json()["documents"]
    }
    assert named == {(seller.address, seller.name)}
    assert reads.count(seller.address) <= 2, reads  # the caller's key, and its name
