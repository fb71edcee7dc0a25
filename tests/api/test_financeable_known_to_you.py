"""``GET /v1/audit/financeable`` says only what the caller can know (tryout).

* ``financed_amount`` was 0 — "nothing financed" — for a bank that reads none of the financings
  holding the document (another bank's confidential financing locks it: the matches carry no
  amount), and for an unknown answer (``financeable`` null). It is null then.

Real HTTP app, real chain, on both backends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import client_fixture, financed_invoice, lodge, own_invoice, register, xml
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


def test_financed_amount_is_null_when_the_answer_is_unknown(
    client: TestClient, network: Network
) -> None:
    """Nothing but the hash could be checked (Bank B lodged no copy, reads no financing)."""
    doc_hash = register(client, network.enterprise, xml(own_invoice("UNKNOWN")))
    answer = _financeable(client, network.bank_b, doc_hash)
    assert answer["financeable"] is None
    assert answer["unknown_reason"]
    assert (answer["financed_amount"], answer["headroom"]) == (None, None)
