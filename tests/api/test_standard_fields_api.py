"""Through the API, what a document or a member says is checked against its standard, and a
refusal writes nothing: an ISO 4217 currency (a JSON form, a financing's terms), a JSON form's
total (not negative) and due date (BT-9 not before BT-2), a member's legal id (an LEI with its
ISO 17442 check digits, or another scheme docs/audit.md names), and a member's name (one name,
one member: 409 naming the member that has it). Real app, real embedded chain."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import UBL, client_fixture, finance, lodge
from fastapi.testclient import TestClient

from ledger.services import documents as docs

if TYPE_CHECKING:
    from tests.conftest import Network

__all__ = ["client_fixture"]

VALID_LEI = "5493001KJTIIGC8Y1R12"


def _form(**overrides: Any) -> dict[str, Any]:
    return {
        "documentType": "Invoice",
        "documentNumber": "STD-1",
        "issueDate": "2026-02-01",
        "dueDate": "2026-03-01",
        "issuer": {"id": "DK13585628", "scheme": "VAT", "name": "SellerCompany"},
        "totalAmount": {"value": "100.00", "currency": "DKK"},
    } | overrides


def _nonce(network: Network, address: str) -> int:
    return int(network.ledger.w3.eth.get_transaction_count(address))


def _member_count(client: TestClient, network: Network) -> int:
    return len(client.get("/v1/members?limit=500", headers=network.admin.headers).json()["items"])


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        (
            {"totalAmount": {"value": "100.00", "currency": "ZZZ"}},
            "totalAmount.currency",
            "ZZZ is not an active ISO 4217 currency code",
        ),
        (
            {"totalAmount": {"value": "-10", "currency": "DKK"}},
            "totalAmount.value",
            "must not be negative",
        ),
        (
            {"issueDate": "2026-02-01", "dueDate": "2026-01-31"},
            "dueDate",
            "the payment due date 2026-01-31 (EN 16931 BT-9) must not be before the issue date "
            "2026-02-01 (BT-2)",
        ),
    ],
)
def test_a_json_form_against_its_standard_is_refused_and_not_registered(
    client: TestClient, network: Network, overrides: dict[str, Any], field: str, words: str
) -> None:
    ent = network.enterprise
    body = _form(**overrides)
    before = _nonce(network, ent.address)
    answer = client.post("/v1/documents/json", json=body, headers=ent.headers)
    assert answer.status_code == 422, answer.text
    details = answer.json()["details"]
    assert details["field"] == field
    assert words in details["rule"]
    assert _nonce(network, ent.address) == before
    canonical = hashlib.sha256(docs.canonical_json(body)).digest()
    assert docs.find_registration(network.ledger, canonical) is None
    # the same form, well stated, is registered
    fine = client.post("/v1/documents/json", json=_form(), headers=ent.headers)
    assert fine.status_code == 201, fine.text


def test_a_financing_in_a_currency_that_is_not_iso_4217_is_refused(
    client: TestClient, network: Network
) -> None:
    bank = network.bank
    doc = lodge(client, bank, UBL)["doc_hash"]
    before = _nonce(network, bank.address)
    for code, words in (("ZZZ", "not an active ISO 4217"), ("XXX", "no currency is involved")):
        refused = finance(client, bank, doc, currency=code)
        assert refused.status_code == 422, refused.text
        details = refused.json()["details"]
        assert (details["field"], details["value"]) == ("currency", code)
        assert words in details["rule"]
    assert _nonce(network, bank.address) == before
    assert client.get("/v1/financings", headers=bank.headers).json()["items"] == []
    # taken as written: ISO 4217 writes codes in upper case, and ``dkk`` is not guessed
    lower = finance(client, bank, doc, currency="dkk")
    assert lower.status_code == 422, lower.text
    assert lower.json()["details"]["field"] == "currency"
    assert "three upper-case letters" in lower.json()["details"]["rule"]
    assert _nonce(network, bank.address) == before
    assert finance(client, bank, doc, currency="DKK").status_code == 201


@pytest.mark.parametrize(
    ("legal_id", "words"),
    [
        ("not-an-lei", "must be an LEI (ISO 17442"),
        ("5493001KJTIIGC8Y1R13", "is not a valid LEI, ISO 17442"),  # a check digit off
        ("DE136695977", "is not a valid DE VAT number"),
        ("4000001000006", "is not a valid GLN"),
        ("9999:12345", "is not an ISO 6523 ICD code"),
    ],
)
def test_a_member_legal_id_that_fails_its_scheme_is_refused(
    client: TestClient, network: Network, legal_id: str, words: str
) -> None:
    admin = network.admin
    before = (_member_count(client, network), _nonce(network, admin.address))
    body = {"name": "Bank C", "role": "bank", "legal_id": legal_id}
    refused = client.post("/v1/members", json=body, headers=admin.headers)
    assert refused.status_code == 422, refused.text
    details = refused.json()["details"]
    assert details["field"] == "legal_id"
    assert words in details["rule"]
    proposal = {"action": "add_member", "account": "0x" + "22" * 20, **body}
    refused = client.post("/v1/governance/proposals", json=proposal, headers=admin.headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["details"]["field"] == "legal_id"
    assert (_member_count(client, network), _nonce(network, admin.address)) == before


@pytest.mark.parametrize(
    ("legal_id", "canonical"),
    [
        (VALID_LEI.lower(), VALID_LEI),
        ("DE 136-695-976", "DE136695976"),  # hashed as the seller id is (was with the dashes)
        ("4000001000005", "4000001000005"),
        ("0192:987654325", "0192:987654325"),
    ],
)
def test_a_member_legal_id_is_stored_in_the_form_seller_identifiers_take(
    client: TestClient, network: Network, legal_id: str, canonical: str
) -> None:
    body = {"name": "Bank C", "role": "bank", "legal_id": legal_id}
    added = client.post("/v1/members", json=body, headers=network.admin.headers)
    assert added.status_code == 201, added.text
    want = "0x" + hashlib.sha256(canonical.encode()).hexdigest()
    assert added.json()["legal_id_hash"] == want


def test_a_second_member_of_the_same_name_is_refused_naming_the_first(
    client: TestClient, network: Network
) -> None:
    admin, bank = network.admin, network.bank
    members = client.get("/v1/members?limit=500", headers=admin.headers).json()["items"]
    first = next(m for m in members if m["address"] == bank.address)
    before = (len(members), _nonce(network, admin.address))
    for name in ("Bank A", "bank a", "  BANK   a "):
        body = {"name": name, "role": "bank", "legal_id": VALID_LEI}
        refused = client.post("/v1/members", json=body, headers=admin.headers)
        assert refused.status_code == 409, refused.text
        answer = refused.json()
        assert answer["details"]["field"] == "name"
        assert answer["details"]["address"] == bank.address
        assert answer["details"]["member_id"] == first["member_id"]
        assert f"member {first['member_id']} at {bank.address}" in answer["message"]
        proposal = {"action": "add_member", "account": "0x" + "33" * 20, **body}
        refused = client.post("/v1/governance/proposals", json=proposal, headers=admin.headers)
        assert refused.status_code == 409, refused.text
        assert refused.json()["details"]["address"] == bank.address
    assert (_member_count(client, network), _nonce(network, admin.address)) == before
    other = client.post(
        "/v1/members", json={"name": "Bank A2", "role": "bank"}, headers=admin.headers
    )
    assert other.status_code == 201, other.text
