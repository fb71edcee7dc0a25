"""A JSON document has two hashes — of the file's bytes, and of its canonical JSON form (what
``POST /v1/documents/json`` registers) — and provenance must not depend on which one a member
used. A tryout registered a JSON form as enterprise A; member B then uploaded the same JSON
file's bytes, and verify of that file answered with B's later registration, hiding A's.

Now: a file whose JSON document is registered under another hash is refused with the contract's
409 (DocumentAlreadyRegistered, naming the registered hash) on every write that registers a
file — single upload, batch, supersede — and a JSON form whose byte form was registered here is
refused likewise; when both hashes are registered all the same (another gateway, or before this
fix), verify, check and receive answer with the earliest registration and list both.

Real HTTP app, real chain, on both backends."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import client_fixture, unique_file
from fastapi.testclient import TestClient

from ledger.services import documents as docs
from ledger.services.roles import DocType

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends

FORM: dict[str, Any] = {
    "documentType": "BillOfLading",
    "documentNumber": "MAEU-PROV-1",
    "issueDate": "2013-04-12",
    "issuer": {"id": "DK13585628", "scheme": "VAT", "country": "DK", "name": "SellerCompany"},
    "consignee": {"id": "5790000436057", "scheme": "GLN", "name": "Buyercompany ltd"},
}


def _pretty(form: dict[str, Any]) -> bytes:
    """The file a carrier hands over: the same JSON document, other bytes than its canonical
    form."""
    return json.dumps(form, indent=2).encode()


def _sha(data: bytes) -> str:
    return "0x" + hashlib.sha256(data).hexdigest()


def _canonical(form: dict[str, Any]) -> str:
    return _sha(docs.canonical_json(form))


def _file(data: bytes, name: str = "bill.json") -> dict[str, Any]:
    return {"file": (name, data, "application/json")}


def _nonce(network: Network, who: Participant) -> int:
    return int(network.ledger.w3.eth.get_transaction_count(who.address))


def _refused_naming(answer: Any, registered: str, registrant: str, file_hash: str) -> None:
    assert answer.status_code == 409, answer.text
    body = answer.json()
    assert body["error"] == "DocumentAlreadyRegistered"
    assert body["details"]["doc_hash"] == registered
    assert body["details"]["registrant"] == registrant
    assert body["details"]["file_hash"] == file_hash
    assert registered in body["message"]
    assert "same JSON document" in body["message"]


def test_the_bytes_of_a_registered_json_form_are_refused_on_every_write(
    client: TestClient, network: Network
) -> None:
    a, b = network.enterprise, network.attestor
    form = {**FORM, "documentNumber": "MAEU-PROV-2"}
    pretty = _pretty(form)
    created = client.post("/v1/documents/json", json=form, headers=a.headers)
    assert created.status_code == 201, created.text
    canonical = created.json()["doc_hash"]
    assert canonical == _canonical(form) != _sha(pretty)
    before = _nonce(network, b)

    single = client.post("/v1/documents", files=_file(pretty), headers=b.headers)
    _refused_naming(single, canonical, a.address, _sha(pretty))
    assert single.json()["details"]["hashed"] == "canonical_json"

    batch = client.post(
        "/v1/documents/batch",
        files=[("files", unique_file()["file"]), ("files", _file(pretty)["file"])],
        headers=b.headers,
    )
    _refused_naming(batch, canonical, a.address, _sha(pretty))
    assert batch.json()["details"]["file_index"] == 1

    # two byte forms of one new JSON document in one batch: the second is named, nothing written
    twin = {**form, "documentNumber": "MAEU-PROV-TWIN"}
    twins = client.post(
        "/v1/documents/batch",
        files=[
            ("files", _file(_pretty(twin))["file"]),
            ("files", _file(json.dumps(twin).encode())["file"]),
        ],
        headers=b.headers,
    )
    assert twins.status_code == 422, twins.text
    assert twins.json()["details"]["field"] == "files[1]"
    assert "files[0]" in twins.json()["details"]["rule"]

    old = client.post("/v1/documents", files=unique_file(), headers=b.headers)
    assert old.status_code == 201, old.text
    before = _nonce(network, b)
    amended = client.post(
        f"/v1/documents/{old.json()['doc_hash']}/supersede", files=_file(pretty), headers=b.headers
    )
    _refused_naming(amended, canonical, a.address, _sha(pretty))

    # a refused write changes nothing: no transaction, the bytes unregistered, the old active
    assert _nonce(network, b) == before
    assert docs.find_registration(network.ledger, bytes.fromhex(_sha(pretty)[2:])) is None
    status = client.get(f"/v1/documents/{old.json()['doc_hash']}", headers=b.headers).json()
    assert status["status"] == "active"
    # and verify still answers with A's registration
    verified = client.post("/v1/documents/verify", files=_file(pretty), headers=b.headers).json()
    assert (verified["doc_hash"], verified["registration"]["registered_by"]) == (
        canonical,
        a.address,
    )


def test_a_json_form_whose_byte_form_was_registered_here_is_refused(
    client: TestClient, network: Network
) -> None:
    a, b = network.enterprise, network.attestor
    form = {**FORM, "documentNumber": "MAEU-PROV-3"}
    pretty = _pretty(form)
    first = client.post("/v1/documents", files=_file(pretty), headers=b.headers)
    assert first.status_code == 201, first.text
    before = _nonce(network, a)

    again = client.post("/v1/documents/json", json=form, headers=a.headers)
    _refused_naming(again, _sha(pretty), b.address, _canonical(form))
    assert again.json()["details"]["hashed"] == "other_byte_form"
    assert _nonce(network, a) == before
    assert docs.find_registration(network.ledger, bytes.fromhex(_canonical(form)[2:])) is None

    # another byte form of the same document (minified) is refused too, naming the first
    other = json.dumps(form, separators=(", ", ": ")).encode()
    assert other != pretty
    assert _sha(other) != _canonical(form)
    refused = client.post("/v1/documents", files=_file(other), headers=a.headers)
    _refused_naming(refused, _sha(pretty), b.address, _sha(other))


def test_both_hashes_registered_verify_answers_with_the_earliest_and_lists_both(
    client: TestClient, network: Network
) -> None:
    """As another gateway could: A registered the JSON form, then B's key registered the
    file's bytes directly on chain. Verify, check and receive answer with A's (the earliest),
    list both, and never B's alone."""
    a, b = network.enterprise, network.attestor
    form = {**FORM, "documentNumber": "MAEU-PROV-4"}
    pretty = _pretty(form)
    created = client.post("/v1/documents/json", json=form, headers=a.headers)
    assert created.status_code == 201, created.text
    canonical = created.json()["doc_hash"]
    raw = bytes.fromhex(_sha(pretty)[2:])
    docs.register(network.ledger, b.address, raw, DocType.BILL_OF_LADING)

    for who in (a, b, network.bank, network.regulator):
        verified = client.post("/v1/documents/verify", files=_file(pretty), headers=who.headers)
        assert verified.status_code == 200, verified.text
        body = verified.json()
        assert (body["doc_hash"], body["hashed"], body["status"]) == (
            canonical,
            "canonical_json",
            "active",
        )
        assert body["registration"]["registered_by"] == a.address
        assert [
            (r["doc_hash"], r["form"], r["registered_by"], r["earliest"])
            for r in body["registrations"]
        ] == [
            (canonical, "canonical_json", a.address, True),
            (_sha(pretty), "file_bytes", b.address, False),
        ]
        assert (
            body["registrations"][0]["registered_at"] <= body["registrations"][1]["registered_at"]
        )
    for route in ("/v1/documents/check", "/v1/documents/receive"):
        examined = client.post(route, files=_file(pretty), headers=network.bank.headers)
        assert examined.status_code == 200, examined.text
        body = examined.json()
        assert (body["doc_hash"], body["registration"]["registered_by"]) == (canonical, a.address)
        assert [r["earliest"] for r in body["registrations"]] == [True, False]
        assert body["registrations"][1]["registered_by"] == b.address


def test_another_byte_form_verifies_as_the_registered_document(
    client: TestClient, network: Network
) -> None:
    """A tryout registered an indented JSON file; the same document minified was refused
    registration ("the same JSON document, registered as another byte form") and yet verified
    as not registered. It is that document: verify and check answer with its registration."""
    a = network.enterprise
    form = {**FORM, "documentNumber": "MAEU-PROV-9"}
    pretty = _pretty(form)
    assert client.post("/v1/documents", files=_file(pretty), headers=a.headers).status_code == 201
    other = json.dumps(form, separators=(",", ":"), sort_keys=False).encode() + b"\n"
    assert _sha(other) not in (_sha(pretty), _canonical(form))
    for who in (network.bank_b, network.regulator, network.attestor):
        verified = client.post("/v1/documents/verify", files=_file(other), headers=who.headers)
        assert verified.status_code == 200, verified.text
        answer = verified.json()
        assert answer["status"] == "active", answer
        assert answer["doc_hash"] == _sha(pretty)
        assert answer["registration"]["registered_by"] == a.address
        tried = {t["doc_hash"]: t["registered"] for t in answer["tried"]}
        assert tried[_sha(other)] is False  # this file's own bytes are not registered
        # and the answer says the hash is another file's, never "the file's bytes" (a tryout
        # read file_bytes beside the pretty file's hash and took it for this file's)
        assert answer["hashed"] == "other_byte_form", answer
        assert [r["form"] for r in answer["registrations"]] == ["other_byte_form"]
        assert {"form": "other_byte_form", "doc_hash": _sha(pretty), "registered": True} in (
            answer["tried"]
        )
