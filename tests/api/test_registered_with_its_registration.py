"""An answer that says a file is ``registered`` lists the registration it relies on and the
hash tried that found it; one that lists none says ``registered: false``.

The tryout: the copy an enterprise registered (or a bank lodged) read back in ``GET
/v1/documents/{hash}`` as ``held`` said ``registered: true`` beside ``tried: []`` and
``registrations: []``. The chain has the registration (the document view above it is that
registration): now the held copy lists it. The same holds for every answer that carries the
three fields — check, receive, verify, a batch's registrations — including a JSON document found
through another byte form of it lodged here (its hash was looked up, so it is in ``tried``).

Real HTTP app, real chain, on both backends."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import BILL, client_fixture, lodge, own_invoice, register, xml
from fastapi.testclient import TestClient

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends


def assert_agrees(answer: dict[str, Any], doc_hash: str, where: str) -> None:
    """``registered`` true, with the registration of ``doc_hash`` listed first and the hash
    that found it among ``tried``, marked registered."""
    assert answer["registered"] is True, where
    assert answer["registrations"], (where, answer["registrations"])
    first = answer["registrations"][0]
    assert (first["doc_hash"], first["earliest"]) == (doc_hash, True), where
    found = {t["doc_hash"] for t in answer["tried"] if t["registered"]}
    assert {r["doc_hash"] for r in answer["registrations"]} <= found, (where, answer["tried"])
    assert answer["hashed"] == first["form"], where
    if answer.get("registration") is not None:
        assert answer["registration"]["doc_hash"] == doc_hash, where


def _held(client: TestClient, who: Participant, doc_hash: str) -> dict[str, Any]:
    view = client.get(f"/v1/documents/{doc_hash}", headers=who.headers)
    assert view.status_code == 200, view.text
    held: dict[str, Any] = view.json()["held"]
    assert held is not None
    return held


def test_the_held_copy_lists_the_registration_it_says_it_has(
    client: TestClient, network: Network
) -> None:
    invoice = own_invoice("HELD")
    doc_hash = register(client, network.enterprise, xml(invoice))
    assert_agrees(_held(client, network.enterprise, doc_hash), doc_hash, "registrant's copy")
    lodged = lodge(client, network.bank, invoice)
    assert_agrees(lodged, doc_hash, "receive")
    assert_agrees(_held(client, network.bank, doc_hash), doc_hash, "bank's lodged copy")
    assert_agrees(_held(client, network.regulator, doc_hash), doc_hash, "regulator's view")
    checked = client.post("/v1/documents/check", files=xml(invoice), headers=network.bank.headers)
    assert_agrees(checked.json(), doc_hash, "check")
    verified = client.post("/v1/documents/verify", files=xml(invoice), headers=network.bank.headers)
    assert_agrees(verified.json(), doc_hash, "verify")
    batch = client.post(
        "/v1/documents/batch",
        files=[("files", ("a.xml", own_invoice("BATCH"), "application/xml"))],
        headers=network.enterprise.headers,
    )
    assert batch.status_code == 201, batch.text
    [one] = batch.json()["documents"]
    assert_agrees(one, one["doc_hash"], "batch")


def test_a_json_document_names_the_hash_it_was_found_under(
    client: TestClient, network: Network
) -> None:
    form = json.loads(BILL)
    form["documentNumber"] = "BL-AGREES-1"
    # registered through /json: its canonical form; a bank lodges it written otherwise
    registered = client.post("/v1/documents/json", json=form, headers=network.enterprise.headers)
    assert registered.status_code == 201, registered.text
    canonical = registered.json()["doc_hash"]
    spaced = json.dumps(form, indent=2).encode()
    lodged = client.post(
        "/v1/documents/receive",
        files={"file": ("bl.json", spaced, "application/json")},
        headers=network.bank.headers,
    )
    assert lodged.status_code == 200, lodged.text
    assert_agrees(lodged.json(), canonical, "receive of another byte form")
    held = _held(client, network.bank, canonical)
    assert_agrees(held, canonical, "the bank's copy, kept under the canonical form")
    assert held["hashed"] == "canonical_json"

    # a JSON file registered by its bytes and lodged here: another byte form of it is that
    # document, found through the copy lodged here — and its hash is among those tried
    form["documentNumber"] = "BL-AGREES-2"
    mine = json.dumps(form, indent=1).encode()
    first = client.post(
        "/v1/documents",
        files={"file": ("bl.json", mine, "application/json")},
        headers=network.enterprise.headers,
    )
    assert first.status_code == 201, first.text
    other = json.dumps(form, indent=3).encode()
    checked = client.post(
        "/v1/documents/check",
        files={"file": ("bl.json", other, "application/json")},
        headers=network.bank.headers,
    )
    assert checked.status_code == 200, checked.text
    assert_agrees(checked.json(), first.json()["doc_hash"], "check of a third byte form")
