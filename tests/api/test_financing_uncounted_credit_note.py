"""A credit note of a financed invoice is news for the financing bank even when it is not
counted against the invoice (lodged by a member that is neither the bank nor shown to be a
party to the invoice): the bank's read of its financing and its next write on it carry a
``credit_note_not_counted`` notice naming the note's number and amount, never its lodger.
Tryout 89's bank read nothing of a full credit note of its financed invoice in `finance show`
or its drawdown's answer; only a new `doc check` named it. Another bank reads no such notice on
a financing whose terms it does not read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.api.api_helpers import client_fixture, finance, lodge, xml
from tests.documents.documents_support import field_bytes

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]

INVOICE = field_bytes("credit-note/base-example.xml")
CREDIT_NOTE = field_bytes("credit-note/base-creditnote-correction.xml")
KIND = "credit_note_not_counted"


def test_the_bank_is_told_of_a_credit_note_it_does_not_count(
    client: TestClient, network: Network
) -> None:
    bank = network.bank
    registered = client.post(
        "/v1/documents", files=xml(INVOICE), headers=network.enterprise.headers
    )
    assert registered.status_code == 201, registered.text
    doc_hash = lodge(client, bank, INVOICE)["doc_hash"]
    made = finance(client, bank, doc_hash, amount=100_000, currency="EUR")
    assert made.status_code == 201, made.text
    fid = made.json()["financing_id"]
    before = client.get(f"/v1/financings/{fid}", headers=bank.headers).json()
    assert [n for n in before["notices"] if n["kind"] == KIND] == []

    # another bank lodges a credit note of the invoice: its word, not the invoice's parties'
    lodge(client, network.bank_b, CREDIT_NOTE)

    read = client.get(f"/v1/financings/{fid}", headers=bank.headers)
    assert read.status_code == 200, read.text
    [notice] = [n for n in read.json()["notices"] if n["kind"] == KIND]
    assert notice["financings"] == [fid]
    assert f"financing {fid} holds" in notice["message"]
    assert "not counted" in notice["message"]
    assert network.bank_b.address not in notice["message"]
    assert "Bank B" not in notice["message"]

    drawn = client.post(
        f"/v1/financings/{fid}/drawdown", json={"amount": 10_000}, headers=bank.headers
    )
    assert drawn.status_code == 200, drawn.text
    assert [n["kind"] for n in drawn.json()["notices"]].count(KIND) == 1

    other = client.get(f"/v1/financings/{fid}", headers=network.bank_b.headers)
    assert [n for n in other.json().get("notices", []) if n["kind"] == KIND] == []
