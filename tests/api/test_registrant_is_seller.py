"""A registration records who registered a document's hash and when, not who issued it: every
answer that presents a registrant says whether it is shown to be the document's seller (its
legal id on chain is one of the seller's identifiers in the file: ledger/services/sellers.py).

A tryout's enterprise registered another company's invoice: the answer, ``GET
/v1/documents/{hash}`` and verify presented it as if registering proved authorship, and the real
seller, refused "already registered, by" that member, could not tell it was not the seller. Now
the registration answers a ``registrant_not_seller`` notice (on every path: file, JSON form,
batch, supersede), the reads say ``registrant_is_seller``, and the seller's refusal says whether
the registrant is the seller and what it can do."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import BILL, client_fixture, own_invoice, unique_file, xml
from fastapi.testclient import TestClient

from ledger.services import members as member_svc
from ledger.services.roles import Role
from tests.conftest import Participant

if TYPE_CHECKING:
    from tests.conftest import Network

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends

#: a valid German VAT id: not the sample invoices' seller (DK13585628)
BUYER_VAT = "DE136695976"
SELLER_ID = "VAT:DK13585628"


def _enterprise(network: Network, name: str, legal_id: str = "") -> Participant:
    new = member_svc.add_member(
        network.ledger, network.admin.address, name, Role.ENTERPRISE, legal_id
    )
    return Participant(name, Role.ENTERPRISE, new.member.address, new.api_key)


def _registered(client: TestClient, who: Participant, data: bytes) -> dict[str, Any]:
    answer = client.post("/v1/documents", files=xml(data), headers=who.headers)
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _kinds(body: dict[str, Any]) -> list[str]:
    """The kinds of the answer's notices but ``holders_unknown`` (a role without fingerprints
    is told it of every file)."""
    return [n["kind"] for n in body["notices"] if n["kind"] != "holders_unknown"]


def _notice(body: dict[str, Any]) -> dict[str, Any]:
    """The answer's one ``registrant_not_seller`` notice."""
    (found,) = [n for n in body["notices"] if n["kind"] == "registrant_not_seller"]
    return found


def _read(client: TestClient, who: Participant, doc_hash: str) -> dict[str, Any]:
    answer = client.get(f"/v1/documents/{doc_hash}", headers=who.headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _verify(client: TestClient, who: Participant, data: bytes) -> dict[str, Any]:
    answer = client.post("/v1/documents/verify", files=xml(data), headers=who.headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_the_seller_registering_its_own_invoice_is_shown_to_be_its_seller(
    client: TestClient, network: Network
) -> None:
    # the network's enterprise has the sample seller's VAT id as its legal id
    invoice = own_invoice("SELLER")
    body = _registered(client, network.enterprise, invoice)
    assert "registrant_not_seller" not in _kinds(body)
    assert body["registrant_is_seller"] is True
    assert SELLER_ID in body["registrant_seller_reason"]
    doc_hash = body["doc_hash"]
    assert _read(client, network.enterprise, doc_hash)["registrant_is_seller"] is True
    verified = _verify(client, network.bank, invoice)["registration"]
    assert verified["registrant_is_seller"] is True
    checked = client.post("/v1/documents/check", files=xml(invoice), headers=network.bank.headers)
    assert checked.json()["registration"]["registrant_is_seller"] is True


def test_another_company_registering_the_invoice_is_told_and_every_read_says_so(
    client: TestClient, network: Network
) -> None:
    buyer = _enterprise(network, "Buyercompany", BUYER_VAT)
    invoice = own_invoice("BUYER")
    body = _registered(client, buyer, invoice)  # registration still proceeds: not blocked
    doc_hash = body["doc_hash"]
    assert body["registrant_is_seller"] is False
    assert _kinds(body) == ["registrant_not_seller"]
    notice = _notice(body)
    assert notice["documents"] == [doc_hash]
    message = notice["message"]
    assert doc_hash in message
    assert buyer.address in message
    assert f"matches none of the seller's identifiers in this file ({SELLER_ID})" in message
    assert "not who issued it" in message

    # the registrant's own read, from the copy it lodged
    assert _read(client, buyer, doc_hash)["registrant_is_seller"] is False
    # a verifier holding the file reads it
    verified = _verify(client, network.bank, invoice)
    assert verified["status"] == "active"
    assert verified["registration"]["registered_by"] == buyer.address
    assert verified["registration"]["registrant_is_seller"] is False
    assert SELLER_ID in verified["registration"]["registrant_seller_reason"]
    # a member with no copy of the file here cannot be told (never another member's copy)
    unknown = _read(client, network.enterprise, doc_hash)
    assert unknown["registrant_is_seller"] is None
    assert "no copy of the file is known to you" in unknown["registrant_seller_reason"]

    # the real seller's registration is refused, and told who registered it is not the seller
    refused = client.post("/v1/documents", files=xml(invoice), headers=network.enterprise.headers)
    assert refused.status_code == 409, refused.text
    error = refused.json()
    assert error["error"] == "DocumentAlreadyRegistered"
    details = error["details"]
    assert details["registrant"] == buyer.address
    assert (details["registrant_is_seller"], details["caller_is_seller"]) == (False, True)
    assert details["seller_ids"] == [SELLER_ID]
    words = error["message"]
    assert f"Buyercompany ({buyer.address}) is not shown to be its seller" in words
    assert "You are shown to be its seller" in words
    assert f"tradeledger doc revoke {doc_hash} --reason-code 4 --as ADMIN" in words

    # the registrant revokes it as fraud: the verify still says it was not the seller
    revoked = client.post(
        f"/v1/documents/{doc_hash}/revoke", json={"reason_code": 4}, headers=buyer.headers
    )
    assert revoked.status_code == 200, revoked.text
    after = _verify(client, network.enterprise, invoice)
    assert after["status"] == "revoked"
    assert after["registration"]["registrant_is_seller"] is False


def test_a_registrant_without_a_legal_id_is_not_shown_to_be_the_seller(
    client: TestClient, network: Network
) -> None:
    nobody = _enterprise(network, "Copy Holder")
    body = _registered(client, nobody, own_invoice("NOLEGAL"))
    assert body["registrant_is_seller"] is False
    assert _kinds(body) == ["registrant_not_seller"]
    assert "has no legal id on chain" in _notice(body)["message"]
    # a bank registering an invoice it holds is told the same (and registers all the same)
    banked = _registered(client, network.bank, own_invoice("BANKED"))
    assert banked["registrant_is_seller"] is False
    assert _kinds(banked) == ["registrant_not_seller"]


def test_a_file_that_names_no_seller_cannot_tell(client: TestClient, network: Network) -> None:
    answer = client.post("/v1/documents", files=unique_file("raw"), headers=network.bank.headers)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["registrant_is_seller"] is None
    assert "names no seller or issuer" in body["registrant_seller_reason"]
    assert "registrant_not_seller" not in _kinds(body)


def test_the_json_form_compares_its_issuer(client: TestClient, network: Network) -> None:
    form = json.loads(BILL)
    form["documentNumber"] = "MAEU-SELLER-1"
    own = client.post("/v1/documents/json", json=form, headers=network.enterprise.headers)
    assert own.status_code == 201, own.text
    assert own.json()["registrant_is_seller"] is True
    assert "registrant_not_seller" not in _kinds(own.json())

    buyer = _enterprise(network, "Consignee", BUYER_VAT)
    form["documentNumber"] = "MAEU-BUYER-1"
    theirs = client.post("/v1/documents/json", json=form, headers=buyer.headers)
    assert theirs.status_code == 201, theirs.text
    body = theirs.json()
    assert body["registrant_is_seller"] is False
    assert _kinds(body) == ["registrant_not_seller"]
    assert "not shown to be the document's issuer" in _notice(body)["message"]


def test_a_batch_tells_each_document(client: TestClient, network: Network) -> None:
    buyer = _enterprise(network, "Buyercompany", BUYER_VAT)
    files = [
        ("files", ("a.xml", own_invoice("BATCH-A"), "application/xml")),
        ("files", ("b.xml", own_invoice("BATCH-B"), "application/xml")),
    ]
    answer = client.post("/v1/documents/batch", files=files, headers=buyer.headers)
    assert answer.status_code == 201, answer.text
    for document in answer.json()["documents"]:
        assert document["registration"]["registrant_is_seller"] is False
        assert _kinds(document) == ["registrant_not_seller"]
        assert document["doc_hash"] in _notice(document)["message"]
    own = [("files", ("c.xml", own_invoice("BATCH-C"), "application/xml"))]
    mine = client.post("/v1/documents/batch", files=own, headers=network.enterprise.headers)
    assert mine.status_code == 201, mine.text
    (document,) = mine.json()["documents"]
    assert document["registration"]["registrant_is_seller"] is True
    assert "registrant_not_seller" not in _kinds(document)


def test_a_supersession_tells_the_amendment(client: TestClient, network: Network) -> None:
    buyer = _enterprise(network, "Buyercompany", BUYER_VAT)
    old = _registered(client, buyer, own_invoice("OLD"))["doc_hash"]
    answer = client.post(
        f"/v1/documents/{old}/supersede",
        files=xml(own_invoice("AMENDED")),
        headers=buyer.headers,
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert _kinds(body) == ["registrant_not_seller"]
    assert body["new_doc_hash"] in _notice(body)["message"]

    own = _registered(client, network.enterprise, own_invoice("OWN-OLD"))["doc_hash"]
    mine = client.post(
        f"/v1/documents/{own}/supersede",
        files=xml(own_invoice("OWN-AMENDED")),
        headers=network.enterprise.headers,
    )
    assert mine.status_code == 201, mine.text
    assert "registrant_not_seller" not in _kinds(mine.json())


def test_a_proof_checked_with_the_file_says_whether_the_registrant_is_the_seller(
    client: TestClient, network: Network
) -> None:
    """``doc verify-proof PROOF FILE`` (ledger/services/proof.py): the proof shows who
    registered the hash and when; checked with the file, it says whether that member is shown
    to be the seller the file names."""
    from ledger.services import documents as docs
    from ledger.services import proof as proof_svc

    buyer = _enterprise(network, "Buyercompany", BUYER_VAT)
    for who, expected in ((buyer, False), (network.enterprise, True)):
        invoice = own_invoice("PROOF")
        doc_hash = _registered(client, who, invoice)["doc_hash"]
        proof = proof_svc.make_proof(network.ledger, docs.parse_doc_hash(doc_hash))
        checked = proof_svc.verify_proof(network.ledger.w3, proof, invoice)
        assert checked.valid  # registered, unaltered, active: authorship is another question
        assert checked.registrant_is_seller is expected
        assert checked.summary()["registrant_is_seller"] is expected
        said = " ".join(checked.notes)
        if expected:
            assert "is shown to be the document's seller" in said
        else:
            assert "is NOT SHOWN TO BE THE DOCUMENT'S SELLER" in said
            assert f"({SELLER_ID})" in said
