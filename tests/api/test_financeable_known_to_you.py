"""``GET /v1/audit/financeable`` says only what the caller can know (tryout).

* ``financed_amount`` was 0 — "nothing financed" — for a bank that reads none of the financings
  holding the document (another bank's confidential financing locks it: the matches carry no
  amount), and for an unknown answer (``financeable`` null). It is null then.
* A regulator oversees every file lodged here: it read ``financeable: null`` ("lodge the file")
  for a document a bank lodged a copy of, although its ``POST /v1/documents/check`` of the file
  used that copy. Its answer uses any copy's on-chain fingerprints now; a bank still only its
  own copy (another bank's lodged file is confidential). The regulator's ``unknown_reason`` no
  longer tells it to lodge the file (a regulator's copy has no fingerprints evaluated).
* ``financed_amount`` was 0 for a bank asking about a superseded (or revoked) document that
  another bank's financing holds: not financeable (``DOCUMENT_SUPERSEDED``), so ``financeable``
  was not null, but nothing tied the hash to its fingerprints, so the lock was no match and
  the confidential financing unseen. It is null whenever the document's own fingerprints are
  not known to the caller (and by fingerprints alone, with no document to hold anything).

Real HTTP app, real chain, on both backends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import (
    CII,
    UBL,
    client_fixture,
    financed_invoice,
    lodge,
    own_invoice,
    register,
    unique_file,
    xml,
)
from fastapi.testclient import TestClient

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends


def _financeable(client: TestClient, who: Participant, doc_hash: str) -> dict[str, Any]:
    response = client.get(
        "/v1/audit/financeable", params={"doc_hash": doc_hash}, headers=who.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_financed_amount_is_null_when_another_banks_financing_holds_it(
    client: TestClient, network: Network
) -> None:
    """Bank B lodged the very file Bank A financed: Bank A's lock is a match without an
    amount, so how much is financed is not known to Bank B — never 0."""
    invoice = own_invoice("HELD")
    doc_hash, financing_id = financed_invoice(client, network, invoice)
    assert lodge(client, network.bank_b, invoice)["doc_hash"] == doc_hash
    theirs = _financeable(client, network.bank_b, doc_hash)
    assert (theirs["financeable"], theirs["reasons"]) == (False, ["FINGERPRINT_PLEDGED"])
    assert theirs["matches"]
    assert {(m["financing_id"], m["amount"]) for m in theirs["matches"]} == {(financing_id, None)}
    assert theirs["financed_amount"] is None
    assert theirs["headroom"] == 0  # not financeable: nothing can be financed, that is known
    # the financing bank and the regulator read the amount: it is known to them
    for who in (network.bank, network.regulator):
        known = _financeable(client, who, doc_hash)
        assert known["financed_amount"] == 100_000, (who.role, known)


def test_financed_amount_is_null_for_a_superseded_document_another_bank_holds(
    client: TestClient, network: Network
) -> None:
    """Bank A financed the invoice, then its exporter superseded it. Bank B lodged no copy and
    reads no financing of it: the document is not financeable (its status is public), but how
    much is financed on it is not known to Bank B — never 0. Bank A and the regulator read
    Bank A's financing: the amount is known to them."""
    doc_hash, financing_id = financed_invoice(client, network, own_invoice("GONE"))
    superseded = client.post(
        f"/v1/documents/{doc_hash}/supersede",
        files=unique_file("amended"),
        headers=network.enterprise.headers,
    )
    assert superseded.status_code == 201, superseded.text
    theirs = _financeable(client, network.bank_b, doc_hash)
    assert (theirs["status"], theirs["financeable"]) == ("superseded", False), theirs
    assert theirs["reasons"] == ["DOCUMENT_SUPERSEDED"]
    assert theirs["matches"] == []  # Bank A's financing is confidential to Bank B
    assert theirs["financed_amount"] is None, theirs
    assert (theirs["face_value"], theirs["headroom"]) == (None, None)  # nor is its face value
    for who in (network.bank, network.regulator):
        known = _financeable(client, who, doc_hash)
        assert known["reasons"] == ["DOCUMENT_SUPERSEDED", "FINGERPRINT_PLEDGED"], known
        assert {m["financing_id"] for m in known["matches"]} == {financing_id}
        assert known["financed_amount"] == 100_000, (who.role, known)
    # asked by a fingerprint alone there is no document to hold anything: not known, not 0
    fingerprint = _financeable(client, network.bank, doc_hash)["fingerprints"][0]
    for who in (network.bank, network.bank_b, network.regulator):
        by_print = client.get(
            "/v1/audit/financeable", params={"fingerprint": fingerprint}, headers=who.headers
        ).json()
        assert by_print["reasons"] == ["FINGERPRINT_PLEDGED"], by_print
        assert by_print["financed_amount"] is None, (who.role, by_print)


def test_financed_amount_is_null_when_the_answer_is_unknown(
    client: TestClient, network: Network
) -> None:
    """Nothing but the hash could be checked (Bank B lodged no copy, reads no financing)."""
    doc_hash = register(client, network.enterprise, xml(own_invoice("UNKNOWN")))
    answer = _financeable(client, network.bank_b, doc_hash)
    assert answer["financeable"] is None
    assert answer["unknown_reason"]
    assert (answer["financed_amount"], answer["headroom"]) == (None, None)


def test_a_regulator_answers_from_a_copy_a_bank_lodged(
    client: TestClient, network: Network
) -> None:
    """The bank lodged the invoice, nobody financed it: the regulator's answer uses the bank's
    lodged copy (its on-chain fingerprints and facts), as its check of the file does."""
    invoice = own_invoice("LODGED")
    doc_hash = register(client, network.enterprise, xml(invoice))
    assert lodge(client, network.bank, invoice)["doc_hash"] == doc_hash
    answer = _financeable(client, network.regulator, doc_hash)
    assert answer["financeable"] is True, answer
    assert answer["unknown_reason"] is None
    assert answer["fingerprints"]
    assert answer["face_value_source"] == "facts"
    assert answer["financed_amount"] == 0
    assert answer["headroom"] == answer["face_value"]
    # Bank B does not learn from the bank's lodged copy: its answer stays unknown
    theirs = _financeable(client, network.bank_b, doc_hash)
    assert (theirs["financeable"], theirs["fingerprints"]) == (None, [])
    assert "POST /v1/documents/receive" in theirs["unknown_reason"]


def test_a_regulator_sees_a_lodged_copy_held_under_another_hash(
    client: TestClient, network: Network
) -> None:
    """The bank financed the UBL form and lodged the CII form too (the same facts): by the CII
    hash the regulator reads no financing, but the lodged CII copy's fingerprints are locked.
    Bank B, which lodged no copy, still cannot be told (and is not told false assurance)."""
    financed_invoice(client, network, UBL)
    cii = lodge(client, network.bank, CII)["doc_hash"]
    answer = _financeable(client, network.regulator, cii)
    assert (answer["financeable"], answer["reasons"]) == (False, ["FINGERPRINT_PLEDGED"]), answer
    assert answer["headroom"] == 0
    # what the financing it reads holds through the UBL copy: never 0, "nothing financed"
    # (tryout 87), and counted once however many of the invoice's fingerprints it locks
    assert answer["financed_amount"] == 100_000, answer
    assert len({m["financing_id"] for m in answer["matches"]}) == 1
    theirs = _financeable(client, network.bank_b, cii)
    assert (theirs["financeable"], theirs["matches"]) == (None, [])


def test_a_regulator_is_not_told_to_lodge_the_file(client: TestClient, network: Network) -> None:
    """No copy is lodged here: the regulator's unknown answer fits its role (a regulator's own
    copy has no fingerprints evaluated: lodging it would not answer it); a bank's says to
    lodge the file."""
    doc_hash = register(client, network.enterprise, xml(own_invoice("NOCOPY")))
    answer = _financeable(client, network.regulator, doc_hash)
    assert answer["financeable"] is None
    assert answer["unknown_reason"].startswith("no fingerprint of this document is known here")
    assert "POST /v1/documents/receive" not in answer["unknown_reason"]
    assert "no bank lodged" in answer["unknown_reason"]
    assert "POST /v1/documents/check" in answer["unknown_reason"]
    bank = _financeable(client, network.bank_b, doc_hash)
    assert "POST /v1/documents/receive" in bank["unknown_reason"]
