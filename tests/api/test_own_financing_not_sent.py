"""A bank financing again a document its own active financing holds is answered before anything
is sent: 409 ``already_financed_by_you`` naming that financing and the rule, no transaction, no
refusal recorded against it. Found by a fresh user's tryout: Demo Bank A financed its invoice a
second time, and the attempt was sent, refused by the chain and recorded as a refusal — a
suspicion of double financing — against Demo Bank A itself, for its own financing.

The anti-fraud rule stands for every other attempt: a bank pledging a document *another* bank's
active financing holds is sent, refused and recorded for the regulator (also when the attempt
pledges one of its own held documents beside it: the refusal then names the other bank's)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import (
    CII,
    UBL,
    client_fixture,
    finance,
    financed_invoice,
    lodge,
    own_invoice,
    register,
    xml,
)
from fastapi.testclient import TestClient
from web3 import Web3

from ledger.services import financing as fin

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends


def _refusals(client: TestClient, network: Network) -> list[dict[str, Any]]:
    listed = client.get("/v1/audit/refusals", headers=network.regulator.headers)
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


def _sent(network: Network, who: Participant) -> int:
    """How many transactions ``who`` has sent (its nonce on chain)."""
    address = Web3.to_checksum_address(who.address)
    return int(network.ledger.w3.eth.get_transaction_count(address))


def _pledge(client: TestClient, bank: Participant, pledges: list[tuple[str, int]]) -> Any:
    body = {"documents": [{"doc_hash": h, "amount": a} for h, a in pledges]}
    return finance(client, bank, pledges[0][0], **body)


def test_financing_again_what_your_own_financing_holds_is_answered_and_nothing_sent(
    client: TestClient, network: Network
) -> None:
    doc_hash, financing_id = financed_invoice(client, network)
    cii_hash = lodge(client, network.bank, CII)["doc_hash"]  # another copy of the sample
    # the sample invoice; its CII twin is the same invoice, another copy
    sample_hash, sample_id = financed_invoice(client, network, UBL)
    before = (_sent(network, network.bank), _refusals(client, network))
    count = len(client.get("/v1/financings", headers=network.bank.headers).json()["items"])
    for pledged, held_by in ((doc_hash, financing_id), (cii_hash, sample_id)):
        again = finance(client, network.bank, pledged, amount=1_000)
        assert again.status_code == 409, again.text
        body = again.json()
        assert body["error"] == "already_financed_by_you"
        details = body["details"]
        assert details["financing_id"] == held_by
        assert details["financing_ids"] == [held_by]
        assert details["doc_hash"] == pledged
        assert details["field"] == "documents[0].doc_hash"
        assert details["rule"] == fin.ONE_ACTIVE_FINANCING_RULE
        assert details["fingerprint"].startswith("0x")
        assert f"your active financing {held_by}" in body["message"]
        assert "nothing was sent" in body["message"]
        assert "one active financing per invoice, the bank's own included" in body["message"]
    # nothing on chain: no transaction of the bank, no refusal, no financing
    assert _sent(network, network.bank) == before[0]
    assert _refusals(client, network) == before[1]
    listed = client.get("/v1/financings", headers=network.bank.headers).json()["items"]
    assert len(listed) == count
    assert sample_hash != cii_hash


def test_another_banks_attempt_is_still_sent_refused_and_recorded(
    client: TestClient, network: Network
) -> None:
    invoice = own_invoice("HELD")
    doc_hash, financing_id = financed_invoice(client, network, invoice)
    lodge(client, network.bank_b, invoice)
    sent = _sent(network, network.bank_b)
    refused = finance(client, network.bank_b, doc_hash, amount=1_000)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "financing_refused"
    assert refused.json()["details"]["conflicting_financing_id"] == financing_id
    assert _sent(network, network.bank_b) == sent + 1  # the refusal is on chain
    recorded = _refusals(client, network)
    assert [(r["bank"], r["reason"]) for r in recorded] == [
        (network.bank_b.address, "FINGERPRINT_PLEDGED")
    ]


def test_an_attempt_on_another_banks_document_beside_your_own_is_recorded_naming_theirs(
    client: TestClient, network: Network
) -> None:
    own_hash, own_id = financed_invoice(client, network)
    theirs = own_invoice("THEIRS")
    their_hash = register(client, network.enterprise, xml(theirs))
    assert lodge(client, network.bank_b, theirs)["doc_hash"] == their_hash
    made = finance(client, network.bank_b, their_hash, amount=1_000)
    assert made.status_code == 201, made.text
    their_id = made.json()["financing_id"]
    lodge(client, network.bank, theirs)
    refused = _pledge(client, network.bank, [(own_hash, 1_000), (their_hash, 1_000)])
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["error"] == "financing_refused"
    assert body["details"]["conflicting_financing_id"] == their_id
    assert body["details"]["conflicting_bank"] == network.bank_b.address
    recorded = _refusals(client, network)
    assert [(r["bank"], r["conflicting_financing_id"]) for r in recorded] == [
        (network.bank.address, their_id)
    ]
    assert own_id != their_id


def test_requests_of_one_bank_at_once_finance_once_and_record_nothing_against_it(
    client: TestClient, network: Network
) -> None:
    """Four requests of the same bank for one invoice at once (a fresh-user tryout: two of them
    were both sent, and the second was recorded as a double-financing refusal against the bank
    itself): one financing, the others 409 ``already_financed_by_you``, no refusal recorded."""
    from concurrent.futures import ThreadPoolExecutor

    invoice = own_invoice()
    doc_hash = register(client, network.enterprise, xml(invoice))
    assert lodge(client, network.bank, invoice)["doc_hash"] == doc_hash
    before = _refusals(client, network)
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(
            pool.map(lambda _: finance(client, network.bank, doc_hash, amount=1_000), range(4))
        )
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 409, 409, 409], [a.text for a in answers]
    made = next(a for a in answers if a.status_code == 201).json()["financing_id"]
    for refused in (a for a in answers if a.status_code == 409):
        body = refused.json()
        assert body["error"] == "already_financed_by_you", body
        assert body["details"]["financing_id"] == made
    assert _refusals(client, network) == before
