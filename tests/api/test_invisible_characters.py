"""A copy of a financed invoice whose number or seller id holds a character that shows nothing
(zero-width space, soft hyphen, bidi mark, byte-order mark, word joiner) is the same invoice to
its fingerprints: a bank checking it sees the financing that holds it. Before, each such
character made another number — other fingerprints — and the copy could be financed again."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from api_helpers import UBL, client_fixture, finance, lodge, xml
from fastapi.testclient import TestClient

from ledger.documents.normalise import normalise_identifier, normalise_number

if TYPE_CHECKING:
    from tests.conftest import Network

__all__ = ["client_fixture"]

INVISIBLE = ["\u200b", "\u00ad", "\u200f", "\ufeff", "\u2060", "\u200d"]


@pytest.mark.parametrize("mark", INVISIBLE)
def test_an_invisible_character_changes_no_number_or_identifier(mark: str) -> None:
    assert normalise_number(f"INV{mark}-0042") == normalise_number("INV-0042")
    assert normalise_number(f"1{mark}2") == normalise_number("12")
    assert normalise_identifier(f"DK{mark}13585628") == "DK13585628"


def test_a_financed_invoice_is_held_whatever_invisible_characters_its_copy_holds(
    client: TestClient, network: Network
) -> None:
    number = f"IV{uuid.uuid4().hex[:8]}"
    invoice = UBL.replace(b"TOSL110", number.encode())
    doc_hash = lodge(client, network.bank, invoice)["doc_hash"]
    made = finance(client, network.bank, doc_hash, amount=100_000)
    assert made.status_code == 201, made.text
    financing_id = made.json()["financing_id"]
    for mark in INVISIBLE:
        forged = (number[:3] + mark + number[3:]).encode()
        copy = UBL.replace(b"TOSL110", forged).replace(
            b">DK13585628<", f">DK{mark}13585628<".encode()
        )
        checked = client.post(
            "/v1/documents/check", files=xml(copy), headers=network.bank_b.headers
        )
        assert checked.status_code == 200, checked.text
        body = checked.json()
        assert body["doc_hash"] != doc_hash  # another file …
        assert financing_id in body["conflicting_financings"], (repr(mark), body)  # … held
