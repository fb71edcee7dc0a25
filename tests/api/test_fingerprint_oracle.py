"""The fingerprint oracle is closed: who is given fingerprints and their holders, the check
endpoint's rate limit and log, and a suspended member's powers — over HTTP on the real embedded
chain (docs/privacy.md, "Fingerprints and the check endpoint").

The story: the exporter registers its invoice ``LC-ORACLE-0042`` and Bank A finances it. Another
enterprise ("Prober") knows the seller and guesses its invoice numbers against every endpoint —
the attack that found a financed number in 111 guesses. It must learn nothing: no fingerprint,
no holder, no answer that differs for the financed number; its dictionary run hits the limit
(429 with Retry-After) and appears in the regulator's log of fingerprint checks.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from api_helpers import finance, lodge, unique_file, xml
from fastapi.testclient import TestClient
from lifecycle import invoice, served_routes

from api.app import create_app
from ledger.network import Ledger, init_network
from ledger.services import members as member_svc
from ledger.services.roles import Role
from tests.conftest import Network, Participant, build_network, make_settings

#: the limit of check + receive evaluations per participant in these tests, and its window
LIMIT = 12
WINDOW = 600
#: the member-status cache of these tests (seconds): a suspension made elsewhere applies after it
STATUS_TTL = 0.5
SECRET = "LC-ORACLE-0042"
#: keys that carry fingerprints or the financing holding them, wherever they appear
HOLDER_KEYS = frozenset(
    {
        "fingerprint",
        "fingerprints",
        "held_by",
        "held_by_financing",
        "conflicting_financings",
        "conflicting_financing_id",
        "conflictingFinancingId",
        "holders",
        "holding_doc_hash",
    }
)
#: routes left out of the oracle test (none: the financings routes give fingerprints to banks and
#: regulators only since the terms are sealed)
FINANCINGS_REWRITE: frozenset[str] = frozenset()


@dataclass
class Oracle:
    net: Network
    ledger: Ledger
    client: TestClient
    prober: Participant
    #: another enterprise, for the both-ways tests (the prober's limit is the oracle test's)
    other: Participant
    doc: str = ""
    financing_id: int = 0
    #: the financed invoice's fingerprints (0x hex), as Bank A's gateway computed them
    fingerprints: list[str] = field(default_factory=list)

    def get(self, who: Participant, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, headers=who.headers, **kwargs)

    def post(self, who: Participant, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.post(path, headers=who.headers, **kwargs)


@pytest.fixture(scope="module")
def oracle() -> Iterator[Oracle]:
    with tempfile.TemporaryDirectory(prefix="tradeledger-oracle-") as scratch:
        settings = make_settings(
            Path(scratch) / "ledger",
            fingerprint_check_limit=LIMIT,
            fingerprint_check_window=WINDOW,
            member_status_cache_seconds=STATUS_TTL,
        )
        ledger, admin_key = init_network(settings, "Test admin")
        try:
            net = build_network(ledger, admin_key)
            made = member_svc.add_member(ledger, net.admin.address, "Prober", Role.ENTERPRISE)
            prober = Participant("Prober", Role.ENTERPRISE, made.member.address, made.api_key)
            made = member_svc.add_member(ledger, net.admin.address, "Other", Role.ENTERPRISE)
            other = Participant("Other", Role.ENTERPRISE, made.member.address, made.api_key)
            app = create_app(settings, ledger)
            with TestClient(app, raise_server_exceptions=False) as client:
                o = Oracle(net, ledger, client, prober, other)
                data = invoice(SECRET, "4675.00")
                registered = o.post(net.enterprise, "/v1/documents", files=xml(data))
                assert registered.status_code == 201, registered.text
                o.doc = registered.json()["doc_hash"]
                lodged = lodge(client, net.bank, data)
                o.fingerprints = [f["value"] for f in lodged["fingerprints"]]
                assert len(o.fingerprints) >= 2
                financed = finance(client, net.bank, o.doc, amount=100_000, reference="ORACLE")
                assert financed.status_code == 201, financed.text
                o.financing_id = int(financed.json()["financing_id"])
                yield o
        finally:
            ledger.close()


def guess(n: int, mark: str = "a guess") -> bytes:
    """The seller's invoice with the number ``LC-ORACLE-<n>`` (n = 42: the financed one), as
    a prober would make it: the same facts, not the same bytes (a comment ``mark`` differs)."""
    return invoice(f"LC-ORACLE-{n:04d}", "4675.00") + f"\n<!-- {mark} -->\n".encode()


def leaks(o: Oracle, response: httpx.Response) -> list[str]:
    """Every fingerprint or holder the answer shows: the financed invoice's fingerprint values
    anywhere in its text, and any non-null field that carries fingerprints or holders."""
    text = response.text.lower()
    found = [f"fingerprint {f[:12]}… in the text" for f in o.fingerprints if f[2:] in text]
    if response.headers.get("content-type", "").startswith("application/json"):
        found += _holder_fields(response.json(), "")
    elif response.headers.get("content-type", "").startswith("application/x-ndjson"):
        for line in response.text.splitlines():
            found += _holder_fields(json.loads(line), "")
    return found


def _holder_fields(value: Any, where: str) -> list[str]:
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in HOLDER_KEYS and item not in (None, [], ""):
                found.append(f"{where}.{key} = {item!r}"[:160])
            found += _holder_fields(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _holder_fields(item, f"{where}[{i}]")
    return found


# -- who is given fingerprints and holders ---------------------------------------------------


def test_banks_and_regulators_are_given_fingerprints_and_holders(oracle: Oracle) -> None:
    o, net = oracle, oracle.net
    data = invoice(SECRET, "4675.00")
    for who in (net.bank_b, net.regulator):
        body = o.post(who, "/v1/documents/check", files=xml(data)).json()
        assert {f["value"] for f in body["fingerprints"]} == set(o.fingerprints), who.role
        assert body["conflicting_financings"] == [o.financing_id]
        assert body["held_by"][0]["financing_id"] == o.financing_id
        assert body["held_by"][0]["bank"] == net.bank.address
        # the bank by its member name too, as every other member field of the API names it
        assert body["held_by"][0]["bank_name"] == net.bank.name
        # this exact document: the regulator reads every financing; bank B only its own book
        want = True if who is net.regulator else None
        assert body["registration"]["is_financed"] is want
    # a regulator has no fingerprints evaluated (the evaluator serves banks): it was given
    # the ones bank A's gateway stored here with its copy; for a file no bank lodged here, the
    # holders are unknown to it, and said so
    unrelated = invoice("LC-ORACLE-UNRELATED", "1234.00")
    other = o.post(net.regulator, "/v1/documents/check", files=xml(unrelated)).json()
    assert (other["fingerprints"], other["held_by"]) == ([], None)
    assert "holders_unknown" in {n["kind"] for n in other["notices"]}
    assert other["invoice_pledged"] is None
    # a re-numbered copy of the financed invoice shares its fingerprint: the regulator reads
    # it pledged through the copy it opens; the notice names that financing (it reads its
    # terms), never "not known"
    renumbered = o.post(net.regulator, "/v1/documents/check", files=xml(guess(7))).json()
    assert renumbered["invoice_pledged"] is True
    assert "holders_unknown" not in {n["kind"] for n in renumbered["notices"]}
    [notice] = [n for n in renumbered["notices"] if n["kind"] == "invoice_pledged"]
    assert notice["financings"] == [o.financing_id], notice
    assert notice["message"].startswith(
        f"this invoice is pledged: active financing {o.financing_id}"
    )
    # the others get null — withheld, not "none" — and never a holder
    for who in (net.admin, net.attestor, o.other, net.enterprise):
        response = o.post(who, "/v1/documents/check", files=xml(data))
        body = response.json()
        assert response.status_code == 200, response.text
        assert (body["fingerprints"], body["held_by"], body["conflicting_financings"]) == (
            None,
            None,
            None,
        ), who.role
        assert leaks(o, response) == [], who.role
    # the exporter registered the invoice: it learns that it is financed (a boolean), and the
    # chain's record of its own document; an attestor or another enterprise learns nothing
    own = o.post(net.enterprise, "/v1/documents/check", files=xml(data)).json()["registration"]
    assert own["is_financed"] is True
    assert "financed_amount" not in own  # the amount is in the sealed terms, not the record
    for who in (net.attestor, o.other):
        theirs = o.post(who, "/v1/documents/check", files=xml(data)).json()["registration"]
        assert theirs["registered_by"] == net.enterprise.address  # the public record
        assert theirs["is_financed"] is None


def test_a_document_read_shows_financing_and_fingerprints_by_role(oracle: Oracle) -> None:
    o, net = oracle, oracle.net
    path = f"/v1/documents/{o.doc}"

    def events(body: dict[str, Any]) -> list[str]:
        return [e["event"] for e in body["history"]]

    # bank B is no reader of bank A's financing: the public record only
    bank = o.get(net.bank_b, path).json()
    assert bank["financings"] == []
    assert "FinancingRegistered" not in events(bank)
    regulator = o.get(net.regulator, path).json()
    assert regulator["financings"] == [o.financing_id]
    assert "FinancingRegistered" in events(regulator)
    owner = o.get(net.enterprise, path)
    assert owner.json()["is_financed"] is True
    assert owner.json()["financings"] == [o.financing_id]
    assert "FinancingRegistered" in events(owner.json())
    assert leaks(o, owner) == []  # its own document: the financing, never the fingerprints
    admin = o.get(net.admin, path)
    assert "FinancingRegistered" not in events(admin.json())  # the operator reads no terms
    assert leaks(o, admin) == []
    for who in (net.attestor, o.prober):
        response = o.get(who, path)
        body = response.json()
        assert events(body) == ["DocumentRegistered"], who.role
        assert (body["financings"], body["is_financed"]) == (None, None)
        assert leaks(o, response) == []
    # the same rule on the timeline
    timeline = f"/v1/audit/documents/{o.doc}/timeline"
    seen = {e["event"] for e in o.get(net.regulator, timeline).json()["items"]}
    assert "FinancingRegistered" in seen
    bank_b = {e["event"] for e in o.get(net.bank_b, timeline).json()["items"]}
    assert "FinancingRegistered" not in bank_b
    probed = o.get(o.prober, timeline)
    assert [e["event"] for e in probed.json()["items"]] == ["DocumentRegistered"]
    assert leaks(o, o.get(net.admin, timeline)) == []


def test_the_views_made_of_fingerprints_are_for_banks_and_regulators(oracle: Oracle) -> None:
    o, net = oracle, oracle.net
    query = {"doc_hash": o.doc}
    assert o.get(net.bank_b, "/v1/audit/financeable", params=query).status_code == 200
    assert o.get(net.regulator, "/v1/audit/duplicates").status_code == 200
    assert o.get(net.regulator, "/v1/audit/refusals").status_code == 200
    for who in (net.admin, net.enterprise, net.attestor):
        assert o.get(who, "/v1/audit/financeable", params=query).status_code == 403
        assert o.get(who, "/v1/audit/duplicates").status_code == 403
    for who in (net.enterprise, net.attestor):
        assert o.get(who, "/v1/audit/refusals").status_code == 403
    # the operator learns that refusals happened, no more (docs/privacy.md)
    refusals = o.get(net.admin, "/v1/audit/refusals")
    assert refusals.status_code == 200
    assert leaks(o, refusals) == []
    # an admin exports the audit trail without fingerprints; a regulator with them
    for fmt in ("jsonl", "csv"):
        mine = o.get(net.admin, "/v1/audit/export", params={"format": fmt})
        assert mine.status_code == 200
        assert "FinancingRegistered" in mine.text
        assert leaks(o, mine) == [], fmt
        full = o.get(net.regulator, "/v1/audit/export", params={"format": fmt})
        assert all(f[2:] in full.text for f in o.fingerprints), fmt


# -- the oracle test ---------------------------------------------------------------------------


#: what an answer says of the guessed file itself, and of the prober's own files (matches,
#: suspicions: its own earlier guesses)
OWN = ("doc_hash", "facts", "size", "tried", "matches", "suspicions", "suspicious")


def _answer(body: dict[str, Any]) -> dict[str, Any]:
    """What an answer says beyond the guessed file and the prober's own files: equal for every
    guess, or the endpoint is an oracle."""
    said = {k: v for k, v in body.items() if k not in OWN}
    own_hash = body.get("doc_hash")
    if isinstance(own_hash, str) and own_hash:  # a notice may name the guessed file's own hash
        said = json.loads(json.dumps(said).replace(own_hash, "<the guessed file>"))
    return said


def _get_calls(o: Oracle, mine: list[str]) -> Iterator[tuple[str, dict[str, str]]]:
    """Every read route the app serves, with the financed document, its financing, its bank
    and the prober's own documents as samples."""
    samples = {
        "doc_hash": [o.doc, *mine],
        "financing_id": [str(o.financing_id)],
        "address": [o.net.bank.address, o.net.enterprise.address, o.prober.address],
        "proposal_id": ["1"],
    }
    for route in served_routes(o.client.app):  # type: ignore[arg-type]
        if route.method != "GET" or route.path in FINANCINGS_REWRITE:
            continue
        if route.path in ("/", "/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
            continue
        queries: list[dict[str, str]] = [{}]
        names = {name for name, _, _ in route.query}
        if "doc_hash" in names:
            queries += [{"doc_hash": o.doc}]
        if "fingerprint" in names:
            queries += [{"fingerprint": f} for f in o.fingerprints]
        if "format" in names:
            queries += [{"format": "csv"}, {"format": "jsonl"}]
        if "bank" in names:
            queries += [{"bank": o.net.bank.address}]
        if "member" in names:
            queries += [{"member": o.net.bank.address}]
        urls = [route.path]
        for name in route.path_params:
            urls = [
                u.replace("{" + name + "}", quote(v, safe="")) for u in urls for v in samples[name]
            ]
        for url in urls:
            for query in queries:
                yield url, query


def test_the_oracle_test(oracle: Oracle) -> None:
    """With an ENTERPRISE key, guess the seller's invoice numbers against every endpoint: no
    fingerprint and no holder in any answer, no answer that differs for the financed number;
    the dictionary run hits the limit and the regulator sees it."""
    o, net = oracle, oracle.net
    shown: list[str] = []
    evaluations = 0  # check + receive, towards the limit

    def probe(response: httpx.Response, where: str) -> httpx.Response:
        assert response.status_code < 500, (where, response.text)
        shown.extend(f"{where}: {leak}" for leak in leaks(o, response))
        return response

    # every write that reads a file, with the financed number and a neighbour
    answers: dict[str, list[dict[str, Any]]] = {}
    for n in (42, 41):
        for path in ("/v1/documents/check", "/v1/documents/receive"):
            body = probe(o.post(o.prober, path, files=xml(guess(n))), path).json()
            answers.setdefault(path, []).append(_answer(body))
            evaluations += 1
        verified = probe(o.post(o.prober, "/v1/documents/verify", files=xml(guess(n))), "verify")
        assert verified.json()["status"] == "not_registered"
    for path, seen in answers.items():
        assert seen[0] == seen[1], f"{path} answers differently for the financed number"
    # registered as the prober's own (forged) invoices: the registration says nothing either
    mine = []
    financed_answers = set()
    for n, path in ((42, "/v1/documents"), (43, "/v1/documents")):
        made = probe(o.post(o.prober, path, files=xml(guess(n, "forged"))), path)
        assert made.status_code == 201, made.text
        assert made.json()["fingerprints"] is None
        # never "financed" for its own new file; null while another bank's financing it cannot
        # open is active (docs/privacy.md) — the same for every guess
        assert made.json()["is_financed"] is not True
        financed_answers.add(made.json()["is_financed"])
        mine.append(made.json()["doc_hash"])
    assert len(financed_answers) == 1, financed_answers
    batch = probe(
        o.post(o.prober, "/v1/documents/batch", files=[("files", ("a.xml", guess(44, "forged")))]),
        "batch",
    )
    assert batch.status_code == 201, batch.text
    form = {
        "documentType": "Invoice",
        "documentNumber": SECRET,
        "issueDate": "2026-02-01",
        "issuer": {"id": "DK16356706", "scheme": "VAT"},
        "totalAmount": {"value": "4675.00", "currency": "DKK"},
    }
    probe(o.post(o.prober, "/v1/documents/json", json=form), "json")
    superseded = probe(
        o.post(o.prober, f"/v1/documents/{mine[1]}/supersede", files=xml(guess(45, "forged"))),
        "supersede",
    )
    assert superseded.status_code == 201, superseded.text
    # every read route, with the financed document, its financing, its bank as samples
    reads = 0
    for url, query in _get_calls(o, mine):
        probe(o.client.get(url, params=query, headers=o.prober.headers), f"GET {url} {query}")
        reads += 1
    assert reads > 20
    assert shown == [], "\n".join(shown[:20])

    # the dictionary run: guesses until the gateway says stop
    statuses: list[int] = []
    refused: httpx.Response | None = None
    for n in range(100):
        response = o.post(o.prober, "/v1/documents/check", files=xml(guess(n)))
        statuses.append(response.status_code)
        if response.status_code == 429:
            refused = response
            break
        assert response.status_code == 200, response.text
        assert _answer(response.json()) == answers["/v1/documents/check"][0], n
    assert refused is not None, "the dictionary run was never limited"
    assert statuses.count(200) == LIMIT - evaluations
    assert 1 <= int(refused.headers["Retry-After"]) <= WINDOW
    error = refused.json()
    assert error["error"] == "rate_limited"
    assert (error["details"]["limit"], error["details"]["window_seconds"]) == (LIMIT, WINDOW)
    assert f"the limit is {LIMIT} per {WINDOW} s" in error["message"]
    # /receive shares the limit; another participant does not
    assert o.post(o.prober, "/v1/documents/receive", files=xml(guess(1))).status_code == 429
    assert o.post(net.bank_b, "/v1/documents/check", files=xml(guess(1))).status_code == 200

    # the regulator sees the run, and the hits, in its log; nobody else reads it
    log = o.get(
        net.regulator, "/v1/audit/fingerprint-checks", params={"participant": o.prober.address}
    )
    assert log.status_code == 200, log.text
    items = log.json()["items"]
    assert {i["participant"] for i in items} == {o.prober.address}
    assert {i["participant_name"] for i in items} == {"Prober"}
    counted = [i for i in items if i["action"] in ("check", "receive") and i["outcome"] == "ok"]
    assert len(counted) == LIMIT
    assert [i["outcome"] for i in items].count("rate_limited") == 2
    # since issue #18 an enterprise's check asks the chain about no fingerprint at all: it has
    # none evaluated (the evaluator serves banks), so the financed number hits no lock either
    assert all(i["evaluated"] == 0 and i["matched"] == 0 for i in counted)
    registered = [i for i in items if i["action"] in ("register", "supersede")]
    assert {i["endpoint"] for i in registered} >= {"POST /v1/documents", "POST /v1/documents/batch"}
    assert not any("facts" in i or "doc_hash" in i for i in items)
    for who in (net.admin, net.bank, net.enterprise, net.attestor, o.prober):
        denied = o.get(who, "/v1/audit/fingerprint-checks")
        assert denied.status_code == 403, who.role
        assert denied.json()["error"] == "forbidden"


def test_the_check_log_is_paginated_and_filtered(oracle: Oracle) -> None:
    o, reg = oracle, oracle.net.regulator
    every = o.get(reg, "/v1/audit/fingerprint-checks", params={"limit": 1000}).json()["items"]
    assert len(every) > 5
    pages: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query: dict[str, Any] = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        page = o.get(reg, "/v1/audit/fingerprint-checks", params=query).json()
        pages += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == every
    late = o.get(reg, "/v1/audit/fingerprint-checks", params={"since": "2999-01-01"}).json()
    assert late["items"] == []
    for bad in ({"participant": "0x12"}, {"cursor": "x"}, {"since": "yesterday"}):
        refused = o.get(reg, "/v1/audit/fingerprint-checks", params=bad)
        assert refused.status_code == 422, bad
        assert refused.json()["details"]["field"] in ("participant", "cursor", "since")


# -- a suspended member ------------------------------------------------------------------------


def test_a_suspended_member_reads_only_its_own_history(oracle: Oracle) -> None:
    o, net = oracle, oracle.net
    member = member_svc.add_member(o.ledger, net.admin.address, "Bank S", Role.BANK)
    bank = Participant("Bank S", Role.BANK, member.member.address, member.api_key)
    own = o.post(bank, "/v1/documents", files=unique_file("bank-s")).json()["doc_hash"]
    assert o.post(bank, "/v1/documents/check", files=xml(guess(7))).status_code == 200
    own_invoice = o.post(
        bank, "/v1/documents/receive", files=xml(invoice("LC-BANK-S-0001", "1000.00"))
    ).json()["doc_hash"]
    own_financing = finance(o.client, bank, own_invoice, amount=50_000)
    assert own_financing.status_code == 201, own_financing.text
    own_financing_id = own_financing.json()["financing_id"]
    suspended = o.post(net.admin, f"/v1/members/{bank.address}/suspend")
    assert suspended.status_code == 200, suspended.text

    # at once (suspended through this gateway): no check, no receive, no write, no key rotation,
    # no list of others' records
    denied = {
        "check": o.post(bank, "/v1/documents/check", files=xml(guess(8))),
        "receive": o.post(bank, "/v1/documents/receive", files=xml(guess(8))),
        "register": o.post(bank, "/v1/documents", files=unique_file("late")),
        "verify": o.post(bank, "/v1/documents/verify", files=unique_file("late")),
        "rotate own key": o.post(bank, "/v1/keys/rotate"),
        "revoke own key": o.post(bank, f"/v1/keys/{bank.address}/revoke"),
        "finance": finance(o.client, bank, own, amount=1),
        "members": o.get(bank, "/v1/members"),
        "governance": o.get(bank, "/v1/governance"),
        "another bank's financings": o.get(
            bank, "/v1/financings", params={"bank": net.bank.address}
        ),
        "another bank's financing": o.get(bank, f"/v1/financings/{o.financing_id}"),
        "another's document": o.get(bank, f"/v1/documents/{o.doc}"),
        "another's timeline": o.get(bank, f"/v1/audit/documents/{o.doc}/timeline"),
        "another's activity": o.get(bank, f"/v1/audit/members/{net.bank.address}/activity"),
        "another's registrations": o.get(
            bank, "/v1/documents", params={"registrant": net.enterprise.address}
        ),
        "another member": o.get(bank, f"/v1/members/{net.bank.address}"),
        "financeable": o.get(bank, "/v1/audit/financeable", params={"doc_hash": o.doc}),
        "exposure": o.get(bank, "/v1/audit/exposure"),
    }
    for what, response in denied.items():
        assert response.status_code == 403, (what, response.text)
        body = response.json()
        assert body["error"] == "member_suspended", what
        assert "may only read its own history" in body["message"], what
        assert body["details"]["address"] == bank.address, what

    # its own history it still reads
    listed = o.get(bank, "/v1/documents")
    assert [d["doc_hash"] for d in listed.json()["items"]] == [own]
    assert o.get(bank, f"/v1/documents/{own}").json()["registered_by"] == bank.address
    assert o.get(bank, f"/v1/audit/documents/{own}/timeline").status_code == 200
    activity = o.get(bank, f"/v1/audit/members/{bank.address}/activity")
    assert activity.status_code == 200
    assert "MemberSuspended" in {e["event"] for e in activity.json()["items"]}
    assert o.get(bank, f"/v1/members/{bank.address}").json()["active"] is False
    assert o.get(bank, "/v1/documents/lodged").status_code == 200
    # and its own financings (a bank's history): read, listed, and no other bank's
    assert o.get(bank, f"/v1/financings/{own_financing_id}").json()["bank"] == bank.address
    mine = o.get(bank, "/v1/financings").json()["items"]
    assert [f["financing_id"] for f in mine] == [own_financing_id]

    # reinstated here: at once again
    assert o.post(net.admin, f"/v1/members/{bank.address}/reinstate").status_code == 200
    assert o.post(bank, "/v1/documents/check", files=xml(guess(9))).status_code == 200

    # suspended elsewhere (another gateway, another process: here the contract is called
    # directly, bypassing this gateway's services): refused once the status cache expires
    o.ledger.transactor(net.admin.address).transact(
        o.ledger.contract.functions.suspendMember(bank.address)
    )
    time.sleep(STATUS_TTL + 0.1)
    late = o.post(bank, "/v1/documents/check", files=xml(guess(10)))
    assert late.status_code == 403, late.text
    assert late.json()["error"] == "member_suspended"


def test_the_429_is_declared_in_the_openapi(oracle: Oracle) -> None:
    spec = oracle.client.get("/openapi.json").json()
    for path in ("/v1/documents/check", "/v1/documents/receive"):
        declared = spec["paths"][path]["post"]["responses"]
        assert "429" in declared, path
        assert "Retry-After" in declared["429"]["headers"]
    assert re.search(r"rate_limited", json.dumps(spec["components"]["schemas"]["ErrorBody"]))
    assert "/v1/audit/fingerprint-checks" in spec["paths"]
