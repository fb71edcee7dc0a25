"""Error details a user reads name what they concern, in the API's own terms (a fresh user's
tryout, both backends):

- ``ProposalAlreadyApproved`` gave ``details.admin`` in lower case; every address of every
  contract error's details is now EIP-55 checksummed, as every other address in answers;
- a financing in another currency than its document's named ``doc_index``: it names the field
  (``currency``), the rule (the document's currency, EN 16931 BT-5) and the document as every
  other answer does (``document_index``, ``doc_hash``);
- an ``Idempotency-Key`` given again with another request was a 409 ``conflict`` naming
  nothing: it names the header as ``field`` and the ``rule``;
- ``NotFinancingBank`` and ``NotDocumentRegistrant`` named no field: ``financing_id`` and
  ``doc_hash``, with who may in the message;
- a multipart upload whose filename is ~4,000 characters was "Invalid multipart data" about
  ``body``: it names the field (``file``; ``files`` of a batch) and the filename limit (255
  characters), and so does any filename past it that the parser reads.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from api_helpers import (
    UBL,
    client_fixture,
    finance,
    financed_invoice,
    governed_fixture,
    lodge,
    own_invoice,
    register,
    xml,
)
from fastapi.testclient import TestClient
from web3 import Web3

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture", "governed_fixture"]

pytestmark = pytest.mark.both_backends

ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


def _addresses_checksummed(details: dict[str, object]) -> None:
    for key, value in details.items():
        if isinstance(value, str) and ADDRESS.match(value):
            assert value == Web3.to_checksum_address(value), (key, value)


def test_a_second_approval_names_the_admin_checksummed(
    client: TestClient, governed: Network
) -> None:
    network = governed
    pending = client.post(
        "/v1/members", json={"name": "Nordbank", "role": "bank"}, headers=network.admin.headers
    )
    assert pending.status_code == 202, pending.text
    pid = pending.json()["proposal_id"]
    again = client.post(f"/v1/governance/proposals/{pid}/approve", headers=network.admin.headers)
    assert again.status_code == 409, again.text
    body = again.json()
    assert body["error"] == "ProposalAlreadyApproved"
    assert body["details"]["admin"] == network.admin.address  # EIP-55, as everywhere else
    assert body["details"]["field"] == "proposal_id"
    _addresses_checksummed(body["details"])


def test_a_financing_in_another_currency_names_the_field_and_the_document(
    client: TestClient, network: Network
) -> None:
    invoice = own_invoice("CUR")
    doc_hash = lodge(client, network.bank, invoice)["doc_hash"]
    refused = finance(client, network.bank, doc_hash, amount=1000, currency="EUR")
    assert refused.status_code == 422, refused.text
    details = refused.json()["details"]
    assert details["field"] == "currency"
    assert details["rule"].startswith("must be the currency of documents[0]: DKK"), details
    assert "BT-5" in details["rule"]
    assert (details["document_index"], details["doc_hash"]) == (0, doc_hash)
    assert details["document_currency"] == "DKK"
    assert "doc_index" not in details


def test_an_idempotency_key_reused_names_the_header_and_the_rule(
    client: TestClient, network: Network
) -> None:
    _, fid = financed_invoice(client, network)
    headers = {**network.bank.headers, "Idempotency-Key": f"reused-key-{fid}"}
    first = client.post(f"/v1/financings/{fid}/drawdown", json={"amount": 1}, headers=headers)
    assert first.status_code == 200, first.text  # the write happened: the key is bound to it
    other = client.post(f"/v1/financings/{fid}/drawdown", json={"amount": 2}, headers=headers)
    assert other.status_code == 409, other.text
    answer = other.json()
    assert answer["error"] == "conflict"
    assert answer["details"]["field"] == "Idempotency-Key"
    assert "another request" in answer["details"]["rule"]
    assert answer["details"]["idempotency_key"] == f"reused-key-{fid}"
    assert answer["message"].startswith("Idempotency-Key: ")


def test_another_banks_financing_and_anothers_document_name_the_record(
    client: TestClient, network: Network
) -> None:
    _, fid = financed_invoice(client, network)
    drawn = client.post(
        f"/v1/financings/{fid}/drawdown", json={"amount": 1}, headers=network.bank_b.headers
    )
    assert drawn.status_code == 403, drawn.text
    body = drawn.json()
    assert body["error"] == "NotFinancingBank"
    assert body["details"]["field"] == "financing_id"
    assert body["details"]["financing_id"] == fid
    assert (
        "only that bank may draw down, repay, close, cancel it or share its terms"
        in (body["message"])
    )
    _addresses_checksummed(body["details"])

    doc_hash = register(client, network.enterprise, xml(own_invoice("REG")))
    revoked = client.post(
        f"/v1/documents/{doc_hash}/revoke", json={"reason_code": 1}, headers=network.bank.headers
    )
    assert revoked.status_code == 403, revoked.text
    body = revoked.json()
    assert body["error"] == "NotDocumentRegistrant"
    assert (body["details"]["field"], body["details"]["doc_hash"]) == ("doc_hash", doc_hash)
    assert "only its registrant or an admin revoke it" in body["message"]


@pytest.mark.parametrize("length", [256, 4_300])
def test_an_over_long_filename_names_the_field_and_the_limit(
    client: TestClient, network: Network, length: int
) -> None:
    """256 characters: a name the parser reads, past the limit of a name that is kept (receive,
    batch); 4,300: a part's header the parser cannot read at all, on every upload route."""
    name = "f" * (length - 4) + ".xml"
    routes = [
        ("/v1/documents/receive", "file", {"file": (name, UBL, "application/xml")}),
        ("/v1/documents/batch", "files", [("files", (name, UBL, "application/xml"))]),
    ]
    if length > 4_224:
        routes.append(("/v1/documents/check", "file", {"file": (name, UBL, "application/xml")}))
    for url, field, files in routes:
        answer = client.post(url, files=files, headers=network.bank.headers)
        assert answer.status_code == 422, (url, answer.text)
        details = answer.json()["details"]
        assert details["field"].startswith(field), (url, details)
        assert "filename must be at most 255 characters" in details["rule"], (url, details)
        assert details["limit"] == 255
        if length < 4_224:
            assert details["length"] == length
        assert "Invalid multipart data" not in answer.text
        assert name not in answer.text  # the name is never echoed
    # at the limit, a name is kept
    kept = client.post(
        "/v1/documents/receive",
        files={"file": ("k" * 251 + ".xml", UBL, "application/xml")},
        headers=network.bank.headers,
    )
    assert kept.status_code == 200, kept.text
