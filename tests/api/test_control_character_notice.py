"""A file whose seller name holds a bidirectional control is refused at registration, naming
the field; a check and a receive still read it (a bank must learn what it holds), and say so
in a ``control_characters`` notice naming the field and the character. Tryout 68's seller name
with a right-to-left override (U+202E) passed a check and a lodging without a word."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import UBL, client_fixture, xml

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]

SELLER = b"<cbc:RegistrationName>SellerCompany</cbc:RegistrationName>"


@pytest.mark.parametrize(
    ("character", "named"),
    [("\u202e", "U+202E"), ("\u2067", "U+2067"), ("\u202b", "U+202B")],
)
def test_a_control_in_the_sellers_name_is_told_by_check_and_receive(
    client: TestClient, network: Network, character: str, named: str
) -> None:
    assert UBL.count(SELLER) == 1
    data = UBL.replace(
        SELLER,
        f"<cbc:RegistrationName>Seller{character}Company<".encode() + b"/cbc:RegistrationName>",
    )
    data = data.replace(b"TOSL110", f"CTRL-{ord(character):04X}".encode())
    registered = client.post("/v1/documents", files=xml(data), headers=network.enterprise.headers)
    assert registered.status_code == 422, registered.text
    assert registered.json()["details"]["field"] == "seller.name"
    for route in ("/v1/documents/check", "/v1/documents/receive"):
        answer = client.post(route, files=xml(data), headers=network.bank.headers)
        assert answer.status_code == 200, (route, answer.text)
        notices: list[dict[str, Any]] = answer.json()["notices"]
        told = [n for n in notices if n["kind"] == "control_characters"]
        assert told, (route, notices)
        assert "seller.name" in told[0]["message"]
        assert named in told[0]["message"]


def test_a_json_form_with_a_control_in_its_issuers_name_is_told_too(
    client: TestClient, network: Network
) -> None:
    form = (
        b'{"documentType": "Invoice", "documentNumber": "CTRL-JSON-1", "issueDate": "2026-11-01",'
        b' "issuer": {"id": "DK13585628", "scheme": "VAT", "name": "Seller\\u0007Company"},'
        b' "totalAmount": {"value": "100.00", "currency": "DKK"}}'
    )
    registered = client.post(
        "/v1/documents", files=xml(form, "form.json"), headers=network.enterprise.headers
    )
    assert registered.status_code == 422, registered.text
    answer = client.post(
        "/v1/documents/check", files=xml(form, "form.json"), headers=network.bank.headers
    )
    assert answer.status_code == 200, answer.text
    told = [n for n in answer.json()["notices"] if n["kind"] == "control_characters"]
    assert told, answer.text
    assert "U+0007" in told[0]["message"]


def test_a_file_without_one_is_told_nothing(client: TestClient, network: Network) -> None:
    answer = client.post("/v1/documents/check", files=xml(UBL), headers=network.bank.headers)
    assert answer.status_code == 200, answer.text
    assert all(n["kind"] != "control_characters" for n in answer.json()["notices"])
