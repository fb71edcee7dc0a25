"""The copy a caller lodged (``GET /v1/documents/{hash}``'s ``held``) says what a check of the
file says of its holders: to a role that is not given them (an enterprise, an attestor; a
regulator where no bank lodged a copy here), the same ``holders_unknown`` notice. A helper's
review found the check saying it and the held copy saying nothing. A bank, given them, has no
such notice. Real HTTP app, real chain."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from api_helpers import check, client_fixture, lodge, own_invoice, register, xml
from fastapi.testclient import TestClient

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]


def _unknown(notices: list[dict[str, Any]]) -> list[str]:
    return [n["message"] for n in notices if n["kind"] == "holders_unknown"]


def test_the_held_copy_says_what_the_check_says_of_the_holders(
    client: TestClient, network: Network
) -> None:
    invoice = own_invoice("HELD-UNKNOWN")
    doc_hash = register(client, network.enterprise, xml(invoice))
    for who in (network.enterprise, network.attestor, network.regulator):
        assert lodge(client, who, invoice)["doc_hash"] == doc_hash
        said = _unknown(check(client, who, invoice)["notices"])
        shown = client.get(f"/v1/documents/{doc_hash}", headers=who.headers)
        assert shown.status_code == 200, shown.text
        held = shown.json()["held"]
        assert said, who.name
        assert _unknown(held["notices"]) == said, who.name
        assert held["invoice_pledged"] is None
    lodge(client, network.bank, invoice)
    held = client.get(f"/v1/documents/{doc_hash}", headers=network.bank.headers).json()["held"]
    assert _unknown(held["notices"]) == []
    assert held["invoice_pledged"] is False
