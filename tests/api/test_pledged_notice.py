"""An enterprise reading its own financed invoice was told ``invoice_pledged: true`` beside a
``holders_unknown`` notice ("whether an active financing holds this file is not known") — a
contradiction. docs/privacy.md: an enterprise learns that a document it registered is pledged
(the financing is sealed to it), never the fingerprints' holders. So it keeps ``true`` and, in
place of the notice, an ``invoice_pledged`` notice names the financing it reads
(tests/api/test_holders_known_to_readers.py); where it cannot know (a file it did not
register), ``invoice_pledged`` is null and the notice says why. A bank reading the same
invoice knows it from the public lock."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from api_helpers import client_fixture, financed_invoice, own_invoice, xml
from fastapi.testclient import TestClient

if TYPE_CHECKING:
    from tests.conftest import Network

__all__ = ["client_fixture"]


def _kinds(answer: dict[str, Any]) -> set[str]:
    return {n["kind"] for n in answer["notices"]}


def test_a_financed_invoice_read_by_its_enterprise_and_a_bank_is_consistent(
    client: TestClient, network: Network
) -> None:
    invoice = own_invoice("NOTICE")
    doc, _ = financed_invoice(client, network, invoice)
    for who in (network.enterprise, network.bank):
        checked = client.post("/v1/documents/check", files=xml(invoice), headers=who.headers)
        assert checked.status_code == 200, checked.text
        body = checked.json()
        assert body["invoice_pledged"] is True, who
        assert not _contradicting(body), (who, body["notices"])
        detail = client.get(f"/v1/documents/{doc}", headers=who.headers).json()
        assert detail["invoice_pledged"] is True
        if detail["held"] is not None:
            assert detail["held"]["invoice_pledged"] is True
            assert not _contradicting(detail["held"])
    # a file the enterprise did not register: not its to learn, so null with the notice
    other = client.post(
        "/v1/documents/check", files=xml(own_invoice("OTHER")), headers=network.enterprise.headers
    )
    assert other.status_code == 200, other.text
    assert other.json()["invoice_pledged"] is None
    assert "holders_unknown" in _kinds(other.json())


def _contradicting(body: dict[str, Any]) -> list[str]:
    """The notices saying whether a financing holds the file is unknown (beside a pledged
    invoice, that contradicts it)."""
    return [n["message"] for n in body["notices"] if n["kind"] == "holders_unknown"]
