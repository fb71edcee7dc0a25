"""Oblivious fingerprints end to end (issue #18): a bank's gateway, the consortium's evaluator over
HTTP (the session's real service, tests/evaluator_harness.py), the real embedded chain.

What a user relies on: the fingerprints a financing locks come only from the evaluator, proof
checked against the key on chain; no gateway holds a key that could compute them; the evaluator
serves active banks only, refuses replays and forgeries, rate-limits each member (a dictionary of
guessed invoice numbers hits the limit) and logs every evaluation for the regulator.
"""

from __future__ import annotations

import re
import socket
import tempfile
import time
import uuid
from collections import deque
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import httpx
import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from api.app import create_app
from api.errors import status_for
from ledger.documents import read_document
from ledger.documents.fingerprints import (
    compute_fingerprints,
    fingerprint_inputs,
    onchain_value,
    oprf_input,
)
from ledger.documents.normalise import normalise_number
from ledger.errors import EvaluatorUnavailable, Forbidden, LedgerError, MemberSuspended, RateLimited
from ledger.evaluator import (
    EVALUATE_LABEL,
    LOG_FILE,
    ROLE_BANK,
    EvaluationLog,
    EvaluatorService,
    Refused,
    key_signer,
    sign_request,
)
from ledger.oprf import Client, Evaluator
from ledger.services import documents as docs
from ledger.services import financing as fin
from ledger.services import members as member_svc
from ledger.services.roles import FinancingKind
from tests.conftest import Network
from tests.evaluator_harness import SessionEvaluator

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
MATURITY = datetime.now(UTC) + timedelta(days=90)
#: the attack the issue names: a financed invoice number found in 111 guesses
GUESSES = 111


def _sign(network: Network, address: str):  # type: ignore[no-untyped-def]
    return network.ledger.transactor(address).signer.sign_digest  # type: ignore[attr-defined]


def _finance(network: Network, bank: str, doc_hash: str) -> fin.Financing:
    return fin.create(
        network.ledger,
        bank,
        [fin.PledgeRequest(docs.parse_doc_hash(doc_hash), 100_000)],
        "DKK",
        FinancingKind.INVOICE_FINANCING,
        MATURITY,
    )


def _dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"  # nothing listens once closed


def test_the_on_chain_fingerprints_are_the_evaluators(
    network: Network, session_evaluator: SessionEvaluator
) -> None:
    """What a bank locks is SHA-256(label, OPRF output) of the canonical facts: the evaluator's
    own evaluation of the same bytes gives the same values; the gateway's local ones differ."""
    parsed = read_document(UBL)
    assert parsed.facts is not None
    got = network.ledger.oblivious_fingerprints(network.bank.address, parsed)
    evaluator = session_evaluator.service._evaluator
    expected = [
        onchain_value(evaluator.evaluate_known_input(oprf_input(i.kind.value, i.fields)))
        for i in fingerprint_inputs(parsed.facts)
    ]
    assert [f.value for f in got] == expected
    local = compute_fingerprints(parsed, network.ledger.lookup_key())
    assert not {f.value for f in local} & set(expected)
    # the chain holds the evaluator's public key, and the gateway checks proofs against it
    assert network.ledger.evaluator_key() == evaluator.public_key.to_bytes()


def test_only_active_banks_have_fingerprints_evaluated(network: Network) -> None:
    ledger = network.ledger
    parsed = read_document(UBL)
    for who in (network.enterprise, network.regulator, network.attestor, network.admin):
        with pytest.raises(Forbidden, match="only a bank"):
            ledger.oblivious_fingerprints(who.address, parsed)
    member_svc.suspend_member(ledger, network.admin.address, network.bank_b.address)
    with pytest.raises(MemberSuspended):
        ledger.oblivious_fingerprints(network.bank_b.address, parsed)
    # a check by a non-bank says holders are unknown, never "not financed"
    seen = docs.examine(ledger, UBL, network.enterprise.address, "enterprise")[1]
    assert seen.locked is None
    assert "holders_unknown" in {n.kind for n in seen.notices}


def test_forged_replayed_stale_and_foreign_requests_are_refused(
    network: Network, session_evaluator: SessionEvaluator
) -> None:
    bank = network.bank.address
    consortium = network.ledger.manifest.contract_address
    items = [Client.blind(b"guess").blinded.hex()]

    def post(body: dict[str, object]) -> httpx.Response:
        return httpx.post(f"{session_evaluator.url}/v1/evaluate", json=body, timeout=10)

    body = {**sign_request(consortium, bank, _sign(network, bank), EVALUATE_LABEL, items)}
    body["blinded"] = items
    assert post(body).status_code == 200
    again = post(body)
    assert (again.status_code, again.json()["error"]) == (401, "replayed_request")
    stale = sign_request(
        consortium, bank, _sign(network, bank), EVALUATE_LABEL, items, now=time.time() - 3600
    )
    refused = post({**stale, "blinded": items})
    assert (refused.status_code, refused.json()["error"]) == (401, "stale_request")
    # bank B signs a request in bank A's name
    forged = sign_request(
        consortium, bank, _sign(network, network.bank_b.address), EVALUATE_LABEL, items
    )
    refused = post({**forged, "blinded": items})
    assert (refused.status_code, refused.json()["error"]) == (401, "bad_signature")
    # a request for another consortium, properly signed
    other = sign_request("0x" + "11" * 20, bank, _sign(network, bank), EVALUATE_LABEL, items)
    refused = post({**other, "blinded": items})
    assert (refused.status_code, refused.json()["error"]) == (403, "wrong_consortium")
    # a changed element after signing
    tampered = sign_request(consortium, bank, _sign(network, bank), EVALUATE_LABEL, items)
    refused = post({**tampered, "blinded": [Client.blind(b"other").blinded.hex()]})
    assert (refused.status_code, refused.json()["error"]) == (401, "bad_signature")


def test_a_dictionary_attack_hits_the_limit_and_shows_in_the_regulators_log(
    network: Network, session_evaluator: SessionEvaluator
) -> None:
    """Bank B guesses the invoice numbers of bank A's client in the seller's numbering style,
    straight against the evaluator with its own key (what a bank that skips its gateway's
    checks would do). Before 111 guesses the evaluator answers 429 with Retry-After; the
    regulator reads each evaluation and the refusals in the evaluator's log, never an input."""
    ledger, attacker = network.ledger, network.bank_b.address
    ubl = docs.receive(ledger, network.bank.address, "bank", UBL)
    _finance(network, network.bank.address, ubl.doc_hash)  # honest financing: not limited
    facts = read_document(UBL).facts
    assert facts is not None
    client = ledger.evaluator_client()
    sign = _sign(network, attacker)
    answered = 0
    limited: RateLimited | None = None
    for n in range(GUESSES):
        guess = replace(facts, number=normalise_number(f"TOSL{n:03d}"))
        inputs = [oprf_input(i.kind.value, i.fields) for i in fingerprint_inputs(guess)]
        try:
            client.outputs(attacker, sign, inputs)
        except RateLimited as exc:
            limited = exc
            break
        answered += 1
    assert limited is not None, "111 guesses were all evaluated"
    per_guess = len(fingerprint_inputs(facts))
    assert answered * per_guess <= session_evaluator.service.limit < GUESSES * per_guess
    assert limited.retry_after >= 1
    assert status_for(limited) == 429
    # the 429 says which limit (it said 0 per 0 s), how many were used and how many this
    # request needed (a tryout could not tell whether to wait or to send fewer files)
    assert limited.details["limit"] == session_evaluator.service.limit
    assert limited.details["window_seconds"] == session_evaluator.service.window
    assert limited.details["needed"] == per_guess
    assert limited.details["used"] + per_guess > session_evaluator.service.limit
    assert f"this request needs {per_guess}" in limited.message

    regulator = network.regulator.address
    entries = client.read_log(regulator, _sign(network, regulator), filter_member=attacker)
    outcomes = [e["outcome"] for e in entries]
    assert outcomes.count("evaluated") == answered
    assert outcomes[-1] == "rate_limited"
    assert sum(int(str(e["count"])) for e in entries if e["outcome"] == "evaluated") == (
        answered * per_guess
    )
    assert all(set(e) == {"id", "member", "at", "count", "outcome"} for e in entries)
    # persisted: the evaluator's SQLite file holds the same entries
    on_disk = EvaluationLog(session_evaluator.dir / LOG_FILE).read(attacker)
    assert [e.outcome for e in on_disk] == outcomes
    # only a regulator reads the log
    with pytest.raises(Forbidden):
        client.read_log(attacker, sign)
    # the regulator reads the same log through its gateway's API; a bank is refused there
    with TestClient(create_app(ledger.settings, ledger)) as api:
        path = "/v1/audit/fingerprint-evaluations"
        answer = api.get(path, params={"member": attacker}, headers=network.regulator.headers)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert [e["outcome"] for e in page["items"]] == outcomes
        assert page["next_cursor"] is None  # one page
        # a list page like every list, its times in the one RFC 3339 form
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", e["at"]) for e in page["items"])
        first = api.get(
            path, params={"member": attacker, "limit": 1}, headers=network.regulator.headers
        )
        assert first.json()["next_cursor"] == str(page["items"][0]["id"])
        rest = api.get(
            path,
            params={"member": attacker, "cursor": first.json()["next_cursor"]},
            headers=network.regulator.headers,
        )
        assert [e["id"] for e in rest.json()["items"]] == [e["id"] for e in page["items"][1:]]
        for who in (network.bank, network.bank_b, network.enterprise, network.admin):
            assert api.get(path, headers=who.headers).status_code == 403


def test_a_bank_gateway_cannot_fingerprint_without_the_evaluator(
    network: Network, session_evaluator: SessionEvaluator
) -> None:
    ledger, bank = network.ledger, network.bank.address
    ubl = docs.receive(ledger, bank, "bank", UBL)
    _finance(network, bank, ubl.doc_hash)
    # no key in the gateway's data directory: no fingerprint key file, no copy of the seed
    seed = session_evaluator.seed
    for path in ledger.settings.data_dir.rglob("*"):
        assert not path.name.startswith("fingerprint.key"), path
        if path.is_file():
            data = path.read_bytes()
            assert seed not in data, path
            assert seed.hex().encode() not in data, path
    # the evaluator stopped (nothing listens): financing fails, saying why; a check says
    # holders are unknown instead of "not financed"
    ledger.settings.evaluator_url = _dead_url()
    seen = docs.receive(ledger, network.bank_b.address, "bank", UBL)
    assert seen.locked is None
    assert seen.fingerprints == ()
    assert "holders_unknown" in {n.kind for n in seen.notices}
    # what `doc check --as BANK` reads to exit 4 and say UNKNOWN (it exited 0 with "no
    # fingerprint: this document cannot be financed")
    assert seen.fingerprints_shown
    assert not seen.holders_known
    with pytest.raises(EvaluatorUnavailable, match="cannot be reached") as down:
        _finance(network, network.bank_b.address, seen.doc_hash)
    assert status_for(down.value) == 503


def test_an_answer_under_another_key_is_an_error_never_a_fingerprint(network: Network) -> None:
    rogue = SessionEvaluator()  # a real evaluator, but not the one whose key is on chain
    try:
        rogue.register(network.ledger.contract)
        network.ledger.settings.evaluator_url = rogue.url
        ubl = docs.receive(network.ledger, network.bank.address, "bank", UBL)
        with pytest.raises(EvaluatorUnavailable, match="does not verify") as refused:
            _finance(network, network.bank.address, ubl.doc_hash)
        assert isinstance(refused.value, LedgerError)
        assert docs.find_registration(network.ledger, docs.parse_doc_hash(ubl.doc_hash)) is None
    finally:
        rogue.stop()


def test_the_evaluator_trusts_a_standing_it_read_for_its_ttl_only() -> None:
    """memberOf is read once per member per ``standing_ttl`` (as a gateway caches standings),
    so a suspension applies within that time — and at once with a TTL of 0."""
    reads: list[str] = []
    standing = {"active": True}

    def member_of(consortium: str, address: str) -> tuple[int, bool]:
        reads.append(address)
        return ROLE_BANK, standing["active"]

    account = Account.create()
    consortium = "0x" + "11" * 20

    def body() -> dict[str, object]:
        items = [Client.blind(b"input").blinded.hex()]
        signed = sign_request(
            consortium, account.address, key_signer(account.key), EVALUATE_LABEL, items
        )
        return {**signed, "blinded": items}

    cached = EvaluatorService(
        Evaluator.from_seed(Evaluator.new_seed()),
        EvaluationLog(Path(tempfile.mkdtemp()) / "l"),
        member_of,
        standing_ttl=60,
    )
    cached.evaluate(body())
    standing["active"] = False
    cached.evaluate(body())  # within the TTL: the standing read a moment ago
    assert len(reads) == 1
    fresh = EvaluatorService(
        Evaluator.from_seed(Evaluator.new_seed()),
        EvaluationLog(Path(tempfile.mkdtemp()) / "l"),
        member_of,
        standing_ttl=0,
    )
    with pytest.raises(Refused, match="suspended"):
        fresh.evaluate(body())
    assert len(reads) == 2


def test_the_gateway_keeps_its_connection_to_the_evaluator(network: Network) -> None:
    """Evaluations from one thread share one kept-alive connection (issue #16: a client per
    evaluation opened a TCP connection for every check)."""
    ledger = network.ledger
    for n in range(2):  # invoices never seen: their fingerprints are evaluated
        fresh = UBL.replace(b"TOSL110", f"KEEP-{uuid.uuid4().hex[:8]}-{n}".encode())
        docs.examine(ledger, fresh, network.bank.address, "bank")
    client = ledger.evaluator_client()
    assert client is ledger.evaluator_client()
    assert client._endpoint is not None
    pools = client._endpoint.pool.pools
    # one host, the evaluator (urllib3's pool container has keys() but cannot be iterated)
    (pool,) = [pools[key] for key in pools.keys()]  # noqa: SIM118
    assert pool.num_requests >= 2
    assert pool.num_connections == 1


def test_the_limit_says_when_enough_is_free_and_when_a_request_never_fits(
    tmp_path: Path,
) -> None:
    """Retry-After is when enough of the oldest evaluations leave the window for *this*
    request (not merely the oldest one), and a request above the limit itself is told to send
    fewer files (waiting never helps it)."""
    service = EvaluatorService(
        Evaluator.from_seed(Evaluator.new_seed()),
        EvaluationLog(tmp_path / "log.sqlite"),
        lambda consortium, member: (2, True),
        limit=10,
        window=600,
    )
    member = "0x" + "ab" * 20
    now = time.time()
    service._spent[member] = deque([(now - 500, 4), (now - 100, 4)])
    with pytest.raises(Refused) as refused:
        service._admit(member, 7)  # 8 used + 7 > 10: both entries must leave (in ~500 s)
    assert refused.value.status == 429
    assert (refused.value.details["used"], refused.value.details["needed"]) == (8, 7)
    assert 495 <= refused.value.retry_after <= 502, refused.value.retry_after
    assert "8 used, and this request needs 7" in str(refused.value)
    with pytest.raises(Refused) as refused:
        service._admit(member, 3)  # 8 + 3 > 10: the oldest leaving frees enough (in ~100 s)
    assert 95 <= refused.value.retry_after <= 102, refused.value.retry_after
    with pytest.raises(Refused) as refused:
        service._admit(member, 11)
    assert "more than the limit itself: send fewer files at a time" in str(refused.value)
