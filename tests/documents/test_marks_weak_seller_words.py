"""A suspicion found by a mark that met by the seller's *name* (or a party id without a scheme,
or a GLN) says so — "a seller of the same name (… not shown to be the same seller)" — never "the
same seller": tryout 88's bank read "pledges an invoice of the same seller" of an invoice whose
seller's VAT id differed from the financed one's. A mark that met by the seller's VAT id still
says "the same seller"."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from tests.api.api_helpers import check, client_fixture, finance, lodge

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]


def _form(vat: str, number: str, issued: str) -> bytes:
    """A JSON form of Nordic Supplies AB (VAT ``vat``) to one buyer, 4,200.00 EUR due."""
    return json.dumps(
        {
            "documentType": "Invoice",
            "documentNumber": number,
            "issueDate": issued,
            "issuer": {"id": vat, "scheme": "VAT", "name": "Nordic Supplies AB"},
            "consignee": {"id": "NO987654325MVA", "scheme": "VAT", "name": "Buyercompany ASA"},
            "totalAmount": {"value": "4200.00", "currency": "EUR"},
        }
    ).encode()


def _marked(checked: dict[str, object]) -> list[str]:
    """The first reason of each suspicion found by another bank's marks."""
    return [
        s["reasons"][0]  # type: ignore[index]
        for s in checked["suspicions"]  # type: ignore[attr-defined]
        if any("found by the marks" in r for r in s["reasons"])  # type: ignore[index]
    ]


def test_a_mark_met_by_name_alone_does_not_say_the_same_seller(
    client: TestClient, network: Network
) -> None:
    financed = lodge(client, network.bank, _form("SE556703748501", "INV-2024-1001", "2024-03-01"))
    made = finance(client, network.bank, financed["doc_hash"], amount=420_000, currency="EUR")
    assert made.status_code == 201, made.text

    # another VAT id (Norway), the same name, another number and date
    other = check(client, network.bank_b, _form("NO811111112MVA", "77-5005", "2024-04-02"))
    [said] = _marked(other)
    assert "a seller of the same name" in said, said
    assert "not shown to be the same seller" in said
    assert "the same seller," not in said
    assert "of the same seller " not in said

    # the same VAT id under another number and date: the same seller, said so
    same = check(client, network.bank_b, _form("SE556703748501", "77-5006", "2024-04-03"))
    [said] = _marked(same)
    assert "the same seller" in said, said
    assert "not shown to be" not in said
