"""A financing of as many invoices as the contract accepts (``MAX_PLEDGES``, 16) is made, and
every reader opens it.

Before 2026-12-05 one of 16 ordinary invoices was refused with the contract's
``InvalidTermsLength`` (its sealed terms, naming each document with its fingerprints, were
8,286 bytes of the 8,192 ``MAX_TERMS`` allows), a fault of the gateway's own making the bank
could do nothing about. The terms' JSON is now compressed before it is sealed
(``ledger.confidential``: envelope version 4); the commitment is still over the JSON, so the
regulator's re-check holds. Real HTTP app, real chain, on both backends."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from api_helpers import MATURITY, audit_rules, client_fixture, lodge, own_invoice, register, xml
from fastapi.testclient import TestClient

from ledger import confidential as conf
from ledger.services import financing as financing_svc

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends


def test_a_financing_of_max_pledges_invoices_is_made_and_read(
    client: TestClient, network: Network
) -> None:
    most = financing_svc.limits(network.ledger).max_pledges
    hashes = []
    for i in range(most):
        invoice = own_invoice(f"MAXPLEDGE{i}")
        hashes.append(register(client, network.enterprise, xml(invoice)))
        lodge(client, network.bank, invoice)
    body = {
        "documents": [{"doc_hash": h, "amount": 1_000 + i} for i, h in enumerate(hashes)],
        "currency": "DKK",
        "kind": "invoice_financing",
        "maturity": MATURITY,
        "reference": "MAX-PLEDGES",
    }
    made = client.post("/v1/financings", json=body, headers=network.bank.headers)
    assert made.status_code == 201, made.text
    fid = made.json()["financing_id"]
    # the envelope on chain is a compressed one, within MAX_TERMS
    record = network.ledger.calls.functions.getFinancing(fid).call()
    assert record is not None
    for reader in (network.bank, network.enterprise, network.regulator):
        shown = client.get(f"/v1/financings/{fid}", headers=reader.headers)
        assert shown.status_code == 200, shown.text
        assert [d["doc_hash"] for d in shown.json()["documents"]] == sorted(hashes), reader.name
        assert shown.json()["amount"] == sum(1_000 + i for i in range(most))
        assert shown.json()["commitment_holds"] is True
    rules = audit_rules(client, network.regulator)
    assert rules["clean"], rules["breaches"]
    assert rules["opened"] >= 1


def test_an_envelope_of_an_earlier_release_still_opens() -> None:
    """Terms sealed uncompressed (envelope version 1) by an earlier release open as before,
    with the same commitment."""
    key = conf.new_private_key()
    context = conf.Context(1337, b"\x11" * 20)
    payload = {"type": "financing", "amount": 5, "documents": []}
    plaintext = conf._plaintext(payload)
    data_key = conf.ChaCha20Poly1305.generate_key()
    nonce = b"\x00" * conf.NONCE_SIZE
    body = conf.ChaCha20Poly1305(data_key).encrypt(nonce, plaintext, context.aad())
    slots = conf._slots(data_key, [conf.public_bytes(key)], context)
    old = bytes([conf.TERMS_VERSION]) + slots + nonce + body
    opened = conf.open_terms(old, [key], context)
    assert opened is not None
    assert opened[0].payload["amount"] == 5
    assert conf.commitment(opened[0].plaintext) == conf.commitment(plaintext)
    sealed = conf.seal_terms(payload, [conf.public_bytes(key)], context)
    assert sealed.envelope[0] == conf.COMPRESSED_TERMS_VERSION
    again = conf.open_terms(sealed.envelope, [key], context)
    assert again is not None
    assert conf.commitment(again[0].plaintext) == sealed.commitment
    assert conf.open_terms_with_key(old, data_key, context) is not None
