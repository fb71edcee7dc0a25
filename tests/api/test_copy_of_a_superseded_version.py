"""A copy of a registered document in another file is the same receivable: a financing of the
copy locks the registered document's version fingerprints, as a financing of the document
itself does.

A tryout: an exporter superseded its invoice by an amendment under a new number and amount and
financed the amendment at Bank A. Bank B, holding the original, financed the original's CII
copy: no fingerprint met (the copy's number and amount are the original's), nothing was said,
and the regulator's audit read ``clean``: one trade financed twice. Bank B's gateway knows the
copy is the same document as the original it holds (the same seller, number, buyer, amount and
dates); a financing of it now locks the original's ``document_version`` fingerprint, which
Bank A's financing of the amendment holds, so the chain refuses it and a check says so —
whichever of the two banks comes first.

Left: a bank that holds no file of the original cannot tell the copy is one (registrations put
no fact fingerprint on chain).

Real HTTP app, real chain, on both backends."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from api_helpers import (
    audit_rules,
    check,
    client_fixture,
    finance,
    lodge,
    own_invoice,
    register,
    xml,
)
from test_amendment_pledge import _amendment, _supersede

from ledger.documents import read_document
from ledger.documents.writers import write_cii

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends


def _story(client: TestClient, network: Network, tag: str) -> tuple[str, bytes, bytes]:
    """The exporter's invoice registered (v1) and superseded by an amendment under a new number
    and amount: (v1's hash, the amendment, the original's CII copy)."""
    invoice = own_invoice(tag)
    v1 = register(client, network.enterprise, xml(invoice))
    amended = _amendment(invoice, f"{tag}-AMENDED".encode(), b"4675.01")
    _supersede(client, network, v1, amended)
    facts = read_document(invoice).facts
    assert facts is not None
    copy = write_cii(facts)
    lodge(client, network.bank_b, invoice)  # Bank B holds the original
    return v1, amended, copy


def test_the_copy_of_an_amended_invoice_financed_elsewhere_is_refused(
    client: TestClient, network: Network
) -> None:
    v1, amended, copy = _story(client, network, "TWIN-A")
    v2 = lodge(client, network.bank, amended)["doc_hash"]
    made = finance(client, network.bank, v2, amount=100_000)
    assert made.status_code == 201, made.text
    financing_a = made.json()["financing_id"]

    checked = check(client, network.bank_b, copy)
    assert checked["registered"] is False  # another file: its hash is registered by nobody
    assert checked["invoice_pledged"] is True, checked
    assert [h["financing_id"] for h in checked["held_by"]] == [financing_a], checked
    assert checked["financing_headroom"] == 0
    held = [f for f in checked["fingerprints"] if f["name"] == f"document_version:{v1}"]
    assert [f["held_by_financing"] for f in held] == [financing_a], checked["fingerprints"]
    [notice] = [n for n in checked["notices"] if n["kind"] == "earlier_version_pledged"]
    assert notice["documents"] == [v1]
    assert "another file of a registered document" in notice["message"]

    twin = lodge(client, network.bank_b, copy)["doc_hash"]
    refused = finance(client, network.bank_b, twin, amount=100_000)
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["error"] == "financing_refused", body
    assert body["details"]["reason"] == "FINGERPRINT_PLEDGED", body
    assert body["details"]["conflicting_financing_id"] == financing_a, body
    assert body["details"]["fingerprint_kind"] == f"document_version:{v1}", body
    assert body["details"]["held_through"] == "copy", body
    assert (
        f"document {twin} is another file of (the same invoice as) document {v1}"
        in (body["message"])
    )
    rules = audit_rules(client, network.regulator)
    assert rules["financings"] == 1, rules  # one trade, one financing
    assert rules["refusals"] == 1, rules  # Bank B's attempt, recorded on chain


def test_the_amendment_is_refused_once_the_copy_of_its_original_is_financed(
    client: TestClient, network: Network
) -> None:
    """The other order: Bank B finances the original's copy first; Bank A's financing of the
    amendment locks the original's version fingerprint, which Bank B's copy now holds."""
    v1, amended, copy = _story(client, network, "TWIN-B")
    twin = lodge(client, network.bank_b, copy)["doc_hash"]
    made = finance(client, network.bank_b, twin, amount=100_000)
    assert made.status_code == 201, made.text
    financing_b = made.json()["financing_id"]

    v2 = lodge(client, network.bank, amended)["doc_hash"]
    refused = finance(client, network.bank, v2, amount=100_000)
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["details"]["reason"] == "FINGERPRINT_PLEDGED", body
    assert body["details"]["conflicting_financing_id"] == financing_b, body
    assert body["details"]["fingerprint_kind"] == f"document_version:{v1}", body


def test_a_copy_of_an_invoice_nobody_amended_is_financed_as_before(
    client: TestClient, network: Network
) -> None:
    """A registered invoice's copy at a bank that holds the original, nothing financed: the
    copy is financed (it locks the original's version fingerprint too), and the original
    itself cannot then be financed elsewhere."""
    invoice = own_invoice("TWIN-C")
    v1 = register(client, network.enterprise, xml(invoice))
    facts = read_document(invoice).facts
    assert facts is not None
    lodge(client, network.bank_b, invoice)
    twin = lodge(client, network.bank_b, write_cii(facts))["doc_hash"]
    made = finance(client, network.bank_b, twin, amount=100_000)
    assert made.status_code == 201, made.text
    lodge(client, network.bank, invoice)
    refused = finance(client, network.bank, v1, amount=100_000)
    assert refused.status_code == 409, refused.text
    assert refused.json()["details"]["conflicting_financing_id"] == made.json()["financing_id"]


def test_the_regulator_is_told_of_an_amendments_copy_financed_beside_the_original(
    client: TestClient, network: Network
) -> None:
    """Tryout 41: Bank B financed the original; the exporter superseded it by an amendment
    (new number and amount); Bank A, holding no file of the registered amendment, financed
    its CII rendering — its gateway cannot tell the copy is the amendment (left: no fact
    fingerprint of a registration is on chain), but the regulator's gateway, reading every
    lodged file, can: ``audit verify`` lists the invoice among those financed on more than
    one version, the copy named as another file of the amendment."""
    invoice = own_invoice("TWIN-D")
    v1 = register(client, network.enterprise, xml(invoice))
    lodge(client, network.bank_b, invoice)
    made_b = finance(client, network.bank_b, v1, amount=100_000)
    assert made_b.status_code == 201, made_b.text
    amended = _amendment(invoice, b"TWIN-D-AMENDED", b"4500.00")
    _supersede(client, network, v1, amended)
    v2 = client.get(f"/v1/documents/{v1}", headers=network.regulator.headers).json()
    v2_hash = v2["successor"]
    facts = read_document(amended).facts
    assert facts is not None
    copy = lodge(client, network.bank, write_cii(facts))["doc_hash"]
    made_a = finance(client, network.bank, copy, amount=100_000)
    assert made_a.status_code == 201, made_a.text  # what Bank A's gateway cannot tell

    rules = audit_rules(client, network.regulator)
    [twice] = rules["amendments_financed_twice"]
    assert twice["versions"] == [v1, v2_hash]
    assert twice["financing_ids"] == sorted(
        [made_a.json()["financing_id"], made_b.json()["financing_id"]]
    )
    by_id = {p["financing_id"]: p for p in twice["pledges"]}
    assert by_id[made_a.json()["financing_id"]]["doc_hash"] == copy
    assert by_id[made_a.json()["financing_id"]]["copy_of"] == v2_hash
    assert f"({copy}), another file of {v2_hash}" in twice["message"]
