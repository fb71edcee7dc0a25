"""An input is evaluated once per member and evaluator key: a check made again, and the
financing of an invoice the bank checked or lodged, spend no more of the bank's allowance at
the fingerprint evaluator than what they add.

Found by a tryout: a bank that checked 30 invoices was refused its next financing for about
five minutes (the evaluator's 429), because the financing had the same invoice's fingerprints
evaluated again. Real gateway app, real embedded chain, the session's real evaluator (its own
log says what was evaluated)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import (
    check_limited,
    client_fixture,
    finance,
    lodge,
    own_invoice,
    register,
    xml,
)
from fastapi.testclient import TestClient
from sqlalchemy import select

from ledger.documents import read_document
from ledger.documents.fingerprints import (
    fingerprint_inputs,
    onchain_value,
    oprf_input,
    version_inputs,
)
from ledger.documents.marks import mark_inputs, oprf_inputs
from ledger.gatewaydb import EvaluatedInputRow

if TYPE_CHECKING:
    from tests.conftest import Network
    from tests.evaluator_harness import SessionEvaluator

__all__ = ["client_fixture"]


def _evaluated(evaluator: SessionEvaluator, member: str) -> list[int]:
    """The input counts of ``member``'s evaluations, as the evaluator logged them."""
    return [e.count for e in evaluator.service.log.read(member) if e.outcome == "evaluated"]


def _check(client: TestClient, network: Network, invoice: bytes) -> dict[str, Any]:
    answer = client.post("/v1/documents/check", files=xml(invoice), headers=network.bank.headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _facts(invoice: bytes) -> Any:
    facts = read_document(invoice).facts
    assert facts is not None
    return facts


def test_a_check_made_again_is_not_evaluated_again(
    client: TestClient,
    network: Network,
    session_evaluator: SessionEvaluator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bank = network.bank.address
    invoice = own_invoice("AGAIN")
    first = _check(client, network, invoice)
    spent = _evaluated(session_evaluator, bank)
    assert len(spent) == 1, spent
    assert spent[0] > 0, spent
    # the evaluator lets this bank have no more than it has already had: a check of the same
    # invoice is answered all the same (it was a 429), with the same answer
    monkeypatch.setattr(session_evaluator.service, "limit", spent[0])
    again = _check(client, network, invoice)
    assert _evaluated(session_evaluator, bank) == spent
    for field in ("doc_hash", "registered", "locked", "suspicions", "matches"):
        assert again.get(field) == first.get(field), field
    # another invoice is new to the evaluator: it is evaluated, and the limit holds
    refused = client.post(
        "/v1/documents/check", files=xml(own_invoice("OTHER")), headers=network.bank.headers
    )
    assert refused.status_code == 429, refused.text
    assert "the fingerprint evaluator's limit" in refused.json()["message"]


def test_a_financing_evaluates_only_what_the_lodging_did_not(
    client: TestClient, network: Network, session_evaluator: SessionEvaluator
) -> None:
    """The bank lodges the invoice (its fingerprints and the marks a check looks for are
    evaluated), then finances it: only the marks a financing carries and a check does not look
    for, and the document's version fingerprint (a financing locks it: docs/fingerprints.md),
    are sent to the evaluator. What the financing locks is still the evaluator's."""
    bank = network.bank.address
    invoice = own_invoice("LODGED")
    doc_hash = register(client, network.enterprise, xml(invoice))
    lodge(client, network.bank, invoice)
    facts = _facts(invoice)
    looked_for = [i for i in mark_inputs(facts) if i.looked_for]
    carried_only = [i for i in mark_inputs(facts) if i.carried and not i.looked_for]
    assert carried_only, "the demo invoice states lines: its own amount mark is carried only"
    assert _evaluated(session_evaluator, bank) == [len(fingerprint_inputs(facts)) + len(looked_for)]
    made = finance(client, network.bank, doc_hash, amount=100_000)
    assert made.status_code == 201, made.text
    assert _evaluated(session_evaluator, bank)[1:] == [len(carried_only) + 1]
    # the financing holds the fingerprints the evaluator's key gives, not others
    key = session_evaluator.service._evaluator
    locked = [*fingerprint_inputs(facts), *version_inputs([bytes.fromhex(doc_hash[2:])])]
    expected = [
        onchain_value(key.evaluate_known_input(oprf_input(i.kind.value, i.fields))) for i in locked
    ]
    holders = network.ledger.calls.functions.fingerprintHolders(expected).call()
    assert {int(h) for h in holders} == {int(made.json()["financing_id"])}
    carried = [i for i in mark_inputs(facts) if i.carried]
    marks = [onchain_value(key.evaluate_known_input(i)) for i in oprf_inputs(carried)]
    marked = network.ledger.calls.functions.markedFinancings(marks).call()
    assert {int(m) for m in marked} == {int(made.json()["financing_id"])}


def test_each_bank_spends_its_own_and_the_gateway_keeps_no_input(
    client: TestClient, network: Network, session_evaluator: SessionEvaluator
) -> None:
    """Two banks of one gateway: an invoice one checked is evaluated again for the other (each
    member's allowance is its own). The gateway keeps an HMAC of each input under its lookup
    key, never the facts the input is made of."""
    invoice = own_invoice("TWO")
    _check(client, network, invoice)
    answer = client.post("/v1/documents/check", files=xml(invoice), headers=network.bank_b.headers)
    assert answer.status_code == 200, answer.text
    one = _evaluated(session_evaluator, network.bank.address)
    two = _evaluated(session_evaluator, network.bank_b.address)
    assert len(one) == 1, one
    assert two == one, (one, two)

    facts = _facts(invoice)
    inputs = [oprf_input(i.kind.value, i.fields) for i in fingerprint_inputs(facts)]
    lookup = network.ledger.lookup_key()
    with network.ledger.db.session() as s:
        rows = s.scalars(
            select(EvaluatedInputRow).where(EvaluatedInputRow.member == network.bank.address)
        ).all()
    tags = {r.input_tag for r in rows}
    assert {hmac.new(lookup, i, hashlib.sha256).digest() for i in inputs} <= tags
    assert not {hashlib.sha256(i).digest() for i in inputs} & tags
    assert all(facts.number.encode() not in r.input_tag + r.output for r in rows)


def test_another_evaluator_key_never_reads_what_the_old_one_gave(
    client: TestClient,
    network: Network,
    session_evaluator: SessionEvaluator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Outputs are kept per evaluator key: after a rotation on chain the same invoice is sent
    to the evaluator again and checked against the new key — here the evaluator still answers
    under the old one, so its proof fails and the check says the holders are unknown; it is
    never answered with the old key's outputs."""
    invoice = own_invoice("ROTATED")
    _check(client, network, invoice)
    rotated = hashlib.sha256(b"not the evaluator's key").digest()
    monkeypatch.setattr(network.ledger, "evaluator_key", lambda: rotated)
    answer = client.post("/v1/documents/check", files=xml(invoice), headers=network.bank.headers)
    notices = {n["kind"] for n in answer.json().get("notices", [])}
    assert answer.status_code == 503 or "holders_unknown" in notices, answer.text
    assert answer.json().get("locked") is not True


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[tuple[Network, TestClient]]:
    with check_limited(tmp_path, 2, 600) as limited_gateway:
        yield limited_gateway


def test_a_check_of_a_file_known_here_does_not_count_towards_the_check_limit(
    limited: tuple[Network, TestClient],
) -> None:
    """A bank checks its invoices again before it lodges and finances them (a tryout's bank
    was refused after about ten invoices a minute): a check or receive whose every fingerprint
    was known here already counts nothing against the gateway's check limit, and the
    regulator's log says how many inputs each sent to the evaluator."""
    network, client = limited
    first, second, third = own_invoice("LIMIT-A"), own_invoice("LIMIT-B"), own_invoice("LIMIT-C")
    for _ in range(4):  # the first counts; the three after it evaluate nothing new
        _check(client, network, first)
    lodged = client.post("/v1/documents/receive", files=xml(first), headers=network.bank.headers)
    assert lodged.status_code == 200, lodged.text
    _check(client, network, second)  # the second that counts: within the limit of 2
    refused = client.post("/v1/documents/check", files=xml(third), headers=network.bank.headers)
    assert refused.status_code == 429, refused.text
    assert "does not count" in refused.json()["message"]
    log = client.get("/v1/audit/fingerprint-checks", headers=network.regulator.headers)
    assert log.status_code == 200, log.text
    entries = [e for e in log.json()["items"] if e["participant"] == network.bank.address]
    sent = [
        (e["action"], e["outcome"], e["sent"] > 0 if e["sent"] is not None else None)
        for e in entries
    ]
    assert sent == [
        ("check", "ok", True),
        ("check", "ok", False),
        ("check", "ok", False),
        ("check", "ok", False),
        ("receive", "ok", False),
        ("check", "ok", True),
        ("check", "rate_limited", False),
    ], sent
    assert all(e["evaluated"] > 0 for e in entries[:6])
