"""A credit note lodged here is said to be one in the list of lodged files: its ``doc_type`` is
``invoice`` (a credit note is an invoice with its flag), and tryout 65 read the field cases'
credit note listed as an invoice. ``credit_note`` says it (and the CLI's FORMAT column)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from api_helpers import client_fixture, lodge

from tests.documents.documents_support import field_bytes

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]


def test_the_lodged_list_says_which_file_is_a_credit_note(
    client: TestClient, network: Network
) -> None:
    note = lodge(client, network.bank, field_bytes("credit-note/base-creditnote-correction.xml"))
    invoice = lodge(client, network.bank, field_bytes("credit-note/base-example.xml"))
    listed = client.get("/v1/documents/lodged", headers=network.bank.headers).json()["items"]
    by_hash = {item["doc_hash"]: item for item in listed}
    assert by_hash[note["doc_hash"]]["credit_note"] is True
    assert by_hash[note["doc_hash"]]["doc_type"] == "invoice"
    assert by_hash[invoice["doc_hash"]]["credit_note"] is False
