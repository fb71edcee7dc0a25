"""Every read (GET) route × every resource in every lifecycle state × every role, over HTTP on
the real embedded chain: no 5xx, the body parses as what its content type says, the role gets
exactly the access the API documents, and the key fields (status, amounts, face value) are true.
Fingerprints and their holders reach banks and regulators only, and a document's financing only
those who may learn of it (docs/privacy.md): no other role's answer carries one.

The GET routes are read from the app itself (its OpenAPI, and the routes left out of it), so a
new read endpoint is called here without anyone adding it — and this test fails if the endpoint
has a path parameter or a required query parameter it has no sample values for.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from api_helpers import unique_file
from lifecycle import DOC_STATES, FIN_STATES, ROLES, SAMPLE_FACE, Route, World, open_world, populate
from lifecycle import served_routes as routes_of

from ledger.services import audit
from ledger.services import documents as docs
from ledger.services.roles import Role
from tests import figures
from tests.conftest import Participant

#: the path parameters this test has samples for (a new one needs a line in ``path_samples``)
SAMPLED_PATH_PARAMS = frozenset({"doc_hash", "financing_id", "address", "proposal_id"})
#: query parameters filled with samples (one call per sample, the others left at their default)
SAMPLED_QUERY_PARAMS = frozenset(
    {"doc", "doc_hash", "member", "bank", "by", "format", "status", "event", "fingerprint"}
)
OVERSIGHT = ("admin", "regulator")
#: read routes only oversight (regulator, admin) may call; others answer 403
OVERSIGHT_ONLY = frozenset({"/v1/audit/export", "/v1/audit/verify"})
#: read routes only a regulator may call: fingerprints, their holders, the check log
REGULATOR_ONLY = frozenset({"/v1/audit/fingerprint-checks", "/v1/audit/fingerprint-evaluations"})
#: read routes for banks and regulators only (fingerprints and their holders)
BANKS_AND_REGULATOR = frozenset({"/v1/audit/duplicates"})
#: roles given fingerprints and their holders
FINGERPRINT_ROLES = ("bank", "bank_b", "regulator")
#: roles that read the financing of any document (the others: of those they registered)
FINANCING_ROLES = ("admin", "bank", "bank_b", "regulator")
FINANCING_EVENTS = frozenset(
    {
        "FinancingRegistered",
        "FinancingRefused",
        "FinancingEntryRecorded",
        "TermsShared",
        "FinancingClosed",
        "FinancingCancelled",
    }
)
#: routes whose answers are not checked for fingerprints here (none: every route gives them to
#: banks and regulators only)
FINANCINGS_REWRITE: tuple[str, ...] = ()
NEVER_FINANCED = ("registered", "attested", "refused", "revoked", "superseded")
FIN_EVENTS = {
    "drawn": "FinancingEntryRecorded",
    "repaid": "FinancingEntryRecorded",
    "closed": "FinancingClosed",
    "cancelled": "FinancingCancelled",
}


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with open_world() as w:
        yield populate(w)


def _get_routes(w: World) -> list[Route]:
    return [r for r in routes_of(w.app) if r.method == "GET"]


def path_samples(w: World) -> dict[str, list[tuple[str, str]]]:
    """(state or role, value) for each path parameter."""
    return {
        "doc_hash": [(s, w.docs[s]) for s in DOC_STATES],
        "financing_id": [(s, str(w.financings[s])) for s in FIN_STATES],
        "address": [(role, w.who(role).address) for role in ROLES],
        "proposal_id": [(s, str(p)) for s, p in w.proposals.items()],
    }


def sample_url(route: Route, samples: dict[str, list[tuple[str, str]]]) -> str:
    """``route``'s path with each path parameter filled with its first sample (quoted)."""
    url = route.path
    for name in route.path_params:
        url = url.replace("{" + name + "}", quote(samples[name][0][1], safe=""))
    return url


def query_samples(w: World, route: Route) -> list[tuple[str, dict[str, str]]]:
    """(label, query) calls for a route: its defaults, then one call per sample of each query
    parameter this test knows (every document state for a document parameter)."""
    fingerprint = w.fingerprints["financed"][0]
    calls: list[tuple[str, dict[str, str]]] = [("defaults", {})]
    for name, _required, schema in route.query:
        if name in ("doc", "doc_hash"):
            calls += [(s, {name: w.docs[s]}) for s in DOC_STATES]
        elif name == "member":
            calls += [(f"member={r}", {name: w.who(r).address}) for r in ROLES]
        elif name == "bank":
            calls += [("bank", {name: w.net.bank.address})]
        elif name == "status" and route.path.startswith("/v1/documents"):
            calls += [(f"status={s}", {name: s}) for s in ("active", "revoked", "superseded")]
        elif name == "status":
            calls += [(f"status={s}", {name: s}) for s in ("active", "closed", "cancelled")]
        elif name == "event":
            calls += [("event", {name: "FinancingRegistered"})]
        elif name == "fingerprint":
            calls += [("fingerprint", {name: fingerprint})]
        elif "enum" in schema:
            calls += [(f"{name}={v}", {name: str(v)}) for v in schema["enum"]]
    return calls


def expected_status(route: Route, role: str, w: World, params: dict[str, str]) -> int | None:
    """The status the API documents for ``role`` (None: any status below 500)."""
    me = w.who(role).address
    oversight = role in OVERSIGHT
    path = route.path
    if path in OVERSIGHT_ONLY:
        return 200 if oversight else 403
    if path in REGULATOR_ONLY:
        return 200 if role == "regulator" else 403
    if path in BANKS_AND_REGULATOR:
        return 200 if role in FINGERPRINT_ROLES else 403
    if path == "/v1/audit/refusals":  # a bank its own, the admin that they happened
        return 200 if role in (*FINGERPRINT_ROLES, "admin") else 403
    if path == "/v1/audit/financeable":
        if role not in FINGERPRINT_ROLES:
            return 403
        return 200 if ("doc_hash" in params or "fingerprint" in params) else 422
    if path == "/v1/audit/members/{address}/activity":
        return 200 if oversight or params["address"] == me else 403
    if path == "/v1/audit/exposure":  # the operator reads no terms
        if role in ("admin", "attestor"):
            return 403
        # its own book: grouped by its own kind, only itself; by the other kind (a bank's
        # borrowers, an enterprise's lenders) ``member`` picks within that book
        kind = "bank" if role.startswith("bank") else role
        grouped_by_own_kind = params.get("by", "bank") == kind
        return 200 if not grouped_by_own_kind or params.get("member", me) == me else 403
    if path == "/metrics":  # it shows every route's volume: oversight only (issue #15)
        return 200 if oversight else 403
    if path.startswith("/v1/") or path in ("/health", "/openapi.json"):
        return 200
    return None


def check_body(response: httpx.Response) -> Any:
    """The body parsed by its content type (JSON, JSON lines, CSV, Prometheus text, HTML)."""
    media = response.headers.get("content-type", "").split(";")[0].strip()
    text = response.text
    if media == "application/json":
        return response.json()
    if media == "application/x-ndjson":
        return [json.loads(line) for line in text.splitlines() if line]
    if media == "text/csv":
        return list(csv.reader(io.StringIO(text)))
    if media in ("text/plain", "text/html"):
        assert text.strip(), "empty body"
        return text
    raise AssertionError(f"unexpected content type {media!r}")


def test_every_get_route_has_samples(world: World) -> None:
    """A new read endpoint is called by the matrix below; this says what it needs first."""
    routes = _get_routes(world)
    assert {r.path for r in routes} >= {
        "/v1/documents/{doc_hash}",
        "/v1/financings/{financing_id}",
        "/v1/financings",
        "/v1/audit/exposure",
        "/metrics",
    }
    for route in routes:
        missing = set(route.path_params) - SAMPLED_PATH_PARAMS
        assert not missing, f"GET {route.path}: no sample values for path parameter {missing}"
        required = {n for n, req, _ in route.query if req} - SAMPLED_QUERY_PARAMS
        assert not required, f"GET {route.path}: no sample values for required query {required}"


def forbidden_problems(body: dict[str, Any]) -> list[str]:
    """What a 403 ``forbidden`` body lacks of naming the action refused and who may do it
    (``details.action``, in the message; ``details.allowed``, the roles that may)."""
    details = body.get("details", {})
    action, allowed = details.get("action"), details.get("allowed")
    if not action or action not in body["message"]:
        return [f"403 names no action: {body}"]
    if not allowed or not all(role in body["message"] for role in allowed):
        return [f"403 names no roles that may: {body}"]
    return []


def test_every_read_of_every_state_as_every_role(world: World) -> None:
    w = world
    samples = path_samples(w)
    failures: list[str] = []
    calls = 0
    for route in _get_routes(w):
        if route.path_params:
            (name,) = route.path_params
            variants = [(label, {name: value}, {}) for label, value in samples[name]]
        else:
            variants = [(label, {}, query) for label, query in query_samples(w, route)]
        for label, path_params, query in variants:
            url = route.path
            for name, value in path_params.items():
                url = url.replace("{" + name + "}", quote(value, safe=""))
            for role in ROLES:
                who = w.who(role)
                calls += 1
                response = w.client.get(url, params=query, headers=who.headers)
                where = f"GET {url} {query or ''} as {role} [{label}]"
                if response.status_code >= 500:
                    failures.append(f"{where}: {response.status_code} {response.text[:200]}")
                    continue
                try:
                    body = check_body(response)
                except (ValueError, AssertionError) as exc:
                    failures.append(f"{where}: unreadable body ({exc})")
                    continue
                want = expected_status(route, role, w, {**path_params, **query})
                if want is not None and response.status_code != want:
                    failures.append(f"{where}: {response.status_code}, expected {want}")
                    continue
                if response.status_code >= 400:
                    if not (isinstance(body, dict) and "error" in body):
                        failures.append(f"{where}: {response.status_code} without an error body")
                    elif body["error"] == "forbidden":
                        failures += [f"{where}: {p}" for p in forbidden_problems(body)]
                    continue
                failures += [
                    f"{where}: {problem}"
                    for problem in key_field_problems(w, route.path, label, role, body)
                ]
                if role not in FINGERPRINT_ROLES and not route.path.startswith(FINANCINGS_REWRITE):
                    failures += [
                        f"{where}: fingerprint {f[:14]}… shown"
                        for f in sorted({f for fps in w.fingerprints.values() for f in fps})
                        if f[2:] in response.text.lower()
                    ]
    figures.add("access matrix: reads (route x state x role), calls", calls)
    figures.add("access matrix: leaks", sum(_is_leak(failure) for failure in failures))
    assert calls > 500
    assert not failures, f"{len(failures)} of {calls} reads wrong:\n" + "\n".join(failures[:40])


def _is_leak(failure: str) -> bool:
    """A 2xx where a refusal is due, or a value shown where none is (``docs/security.md``)."""
    return bool(re.search(r": 2\d\d, expected [45]\d\d$", failure)) or "expected None" in failure


def _iso(registered: docs.Registration) -> str:
    """A registration time as the API writes it (ISO 8601, UTC as Z)."""
    return registered.registered_at.isoformat().replace("+00:00", "Z")


_REGISTRANTS: dict[str, str] = {}


def registrant(w: World, label: str) -> str:
    """Who registered the document of state ``label`` (the public record)."""
    doc = w.docs[label]
    if doc not in _REGISTRANTS:
        _REGISTRANTS[doc] = w.ok("GET", f"/v1/documents/{doc}", w.net.regulator)["registered_by"]
    return _REGISTRANTS[doc]


def shows_financing(w: World, label: str, role: str) -> bool:
    """Whether ``role`` may learn of the financing of the document of state ``label``."""
    return role in FINANCING_ROLES or registrant(w, label) == w.who(role).address


def reads(label: str, role: str) -> bool:
    """Whether ``role``'s key opens the sealed terms about the document of state ``label``:
    Bank A's financings are sealed to Bank A, the regulator and the exporter that registered
    every financed document; Bank B's refused attempt to Bank B and the regulator."""
    if label == "refused":
        return role in ("bank_b", "regulator")
    return label in FIN_STATES and role in ("bank", "enterprise", "regulator")


def key_field_problems(w: World, path: str, label: str, role: str, body: Any) -> list[str]:
    """What is wrong with the key fields of a 200 answer (status, amounts, face value), and
    with what it shows of fingerprints and financing to ``role``."""
    problems: list[str] = []

    def same(what: str, got: Any, want: Any) -> None:
        if got != want:
            problems.append(f"{what} is {got!r}, expected {want!r}")

    if path == "/v1/documents/{doc_hash}":
        exp = w.expect_doc[label]
        same("status", body["status"], exp.status)
        events = [e["event"] for e in body["history"]]
        for gone in ("financed", "financed_amount"):  # no longer on chain: sealed terms
            if gone in body:
                problems.append(f"{gone} is shown")
        public = [e for e in exp.events if e not in FINANCING_EVENTS]
        if not set(public) <= set(events):
            problems.append(f"history {events} lacks {public}")
        if not shows_financing(w, label, role):
            # a document it did not register: nothing about its financing
            same("is_financed", body["is_financed"], None)
            same("financings", body["financings"], None)
        else:
            is_financed = body["is_financed"]
            if is_financed is not None or role == "regulator":
                # never "financed" for what is not, nor the other way round
                same("is_financed", is_financed, exp.financed_amount > 0)
        shown = FINANCING_EVENTS & set(events)
        if reads(label, role) and shows_financing(w, label, role):
            wanted = set(exp.events) & FINANCING_EVENTS
            if not wanted <= shown:
                problems.append(f"history {events} lacks {sorted(wanted - shown)}")
        elif shown:
            problems.append(f"history shows {sorted(shown)} to a role that reads no terms")
        for event in body["history"]:
            for sealed in ("terms", "entry", "fingerprints"):
                if event["args"].get(sealed) is not None:
                    problems.append(f"{event['event']} shows its {sealed}")
        sees_facts = exp.face_value is not None and (role in exp.lodged_by or role == "regulator")
        same("face_value", body["face_value"], exp.face_value if sees_facts else None)
        same("currency", body["currency"], "DKK" if sees_facts else None)
        same("face_value_source", body["face_value_source"], "facts" if sees_facts else None)
        if label == "superseded" and not body["successor"]:
            problems.append("no successor named")
    elif path == "/v1/documents/{doc_hash}/proof":
        # the proof bundle says what the chain says: the document, its status, who registered it
        same("document", body["document"]["doc_hash"], w.docs[label])
        same("status", body["status"]["status"], w.expect_doc[label].status)
        registered = docs.get_registration(w.net.ledger, docs.parse_doc_hash(w.docs[label]))
        same("registrant", body["registration"]["signed_by"], registered.registered_by)
        same("registered_at", body["registration"]["registered_at"], _iso(registered))
        same("chain", body["network"]["chain_id"], w.net.ledger.chain_id)
    elif path == "/v1/financings/{financing_id}":
        exp = w.expect_fin[label]
        same("status", body["status"], exp.status)
        if role in ("bank", "enterprise", "regulator"):
            same("confidential", body["confidential"], False)
            same("amount", body["amount"], exp.amount)
            same("drawn", body["drawn"], exp.drawn)
            same("repaid", body["repaid"], exp.repaid)
            same("outstanding", body["outstanding"], exp.drawn - exp.repaid)
            same("currency", body["currency"], "DKK")
            same("documents", [d["doc_hash"] for d in body["documents"]], [w.docs[label]])
        else:
            same("confidential", body["confidential"], True)
            same("amount", body["amount"], None)
            same("documents", body["documents"], [])
    elif path == "/v1/audit/documents/{doc_hash}/timeline":
        events = {e["event"] for e in body["items"]}
        wanted = set(w.expect_doc[label].events)
        if label in FIN_EVENTS:
            wanted.add(FIN_EVENTS[label])
        if not (shows_financing(w, label, role) and reads(label, role)):
            wanted -= FINANCING_EVENTS
            if events & FINANCING_EVENTS:
                problems.append(f"timeline shows financing events {events & FINANCING_EVENTS}")
        if not wanted <= events:
            problems.append(f"timeline {sorted(events)} lacks {sorted(wanted - events)}")
    elif path == "/v1/financings" and label in DOC_STATES:
        # which document a financing is against: only for those who read its terms
        ids = [f["financing_id"] for f in body["items"]]
        mine = label in FIN_STATES and reads(label, role)
        same("financings of the document", ids, [w.financings[label]] if mine else [])
    elif path == "/v1/audit/financeable" and label in DOC_STATES:
        same("registered", body["registered"], True)
    return problems


def test_exposure_by_enterprise_counts_drawdowns_and_repayments(world: World) -> None:
    """The enterprise registered every pledged document: its exposure is the active
    financings' (financed, drawn, repaid) — the same as the only bank's."""
    w = world
    active = [w.expect_fin[s] for s in FIN_STATES if w.expect_fin[s].status == "active"]
    want = {
        "currency": "DKK",
        "financings": len(active),
        "financed": sum(e.amount for e in active),
        "drawn": sum(e.drawn for e in active),
        "repaid": sum(e.repaid for e in active),
        "outstanding": sum(e.drawn - e.repaid for e in active),
    }
    assert want["drawn"] == 450_000
    assert want["outstanding"] == 330_000
    for by, member in (("enterprise", w.net.enterprise), ("bank", w.net.bank)):
        for role in ("regulator", "enterprise", "bank"):  # each reads its book either way
            response = w.client.get(
                "/v1/audit/exposure", params={"by": by}, headers=w.who(role).headers
            )
            assert response.status_code == 200, response.text
            items = response.json()["items"]
            how = ["registrant"] if by == "enterprise" else None
            assert items == [
                {
                    "member": member.address,
                    **want,
                    "member_name": member.name,
                    "attributed_by": how,
                    "seller_name": None,
                    "seller_id": None,
                    # the world's closed and cancelled financings left nothing out
                    "outstanding_after_cancel": 0,
                    "outstanding_after_close": 0,
                    "released_with_outstanding": [],
                    # its legal id is the seller's VAT id in the files each lodged here
                    "seller_shown": True if by == "enterprise" else None,
                }
            ], (by, role, items)


def test_a_registered_invoice_shows_its_face_value_from_the_lodged_file(world: World) -> None:
    """4,675.00 DKK from the file's facts, said to come from them, and not yet financed —
    never ``face_value 0, currency null``."""
    w = world
    doc = w.docs["registered"]
    mine = w.ok("GET", f"/v1/documents/{doc}", w.net.enterprise)
    assert (mine["face_value"], mine["currency"]) == (SAMPLE_FACE, "DKK")
    assert mine["face_value_source"] == "facts"
    assert "financed" not in mine  # whether and how much: sealed terms, not the record
    assert mine["held"]["facts"]["amountMinor"] == SAMPLE_FACE
    # another member holds no copy of the file: nothing is made up for it
    theirs = w.ok("GET", f"/v1/documents/{doc}", w.net.bank_b)
    assert (theirs["face_value"], theirs["currency"], theirs["is_financed"]) == (None, None, None)


def test_a_batch_says_its_documents_are_registered(world: World) -> None:
    w = world
    files = [("files", unique_file("batch")["file"]), ("files", unique_file("batch")["file"])]
    response = w.client.post("/v1/documents/batch", files=files, headers=w.net.enterprise.headers)
    assert response.status_code == 201, response.text
    documents = response.json()["documents"]
    assert [d["registered"] for d in documents] == [True, True]
    for d in documents:
        assert d["registration"]["registered_by"] == w.net.enterprise.address
        assert d["registration"]["status"] == "active"


#: the reads that serve a member's own history: a member not active on chain keeps these
OWN_HISTORY = frozenset(
    {
        "/v1/documents",
        "/v1/documents/lodged",
        "/v1/documents/{doc_hash}",
        "/v1/documents/{doc_hash}/proof",
        "/v1/audit/documents/{doc_hash}/timeline",
        "/v1/audit/members/{address}/activity",
        "/v1/members/{address}",
    }
)


def test_every_read_as_a_suspended_member(world: World) -> None:
    """Every GET route as a member the admins suspended: its own history (its documents, their
    timelines, its activity, its record, its lodged files, its financings) is 200; everything
    else under /v1, and another member's history, is 403 ``member_suspended`` naming the
    rule."""
    w = world
    made = w.ok("POST", "/v1/members", w.net.admin, json={"name": "Halted", "role": "enterprise"})
    halted = Participant("Halted", Role.ENTERPRISE, made["address"], made["api_key"])
    own_doc = w.ok("POST", "/v1/documents", halted, files=unique_file("halted"))["doc_hash"]
    w.ok("POST", f"/v1/members/{halted.address}/suspend", w.net.admin)
    w.catch_up()
    samples = path_samples(w)
    own = {"doc_hash": own_doc, "address": halted.address}
    failures: list[str] = []
    calls = 0
    for route in _get_routes(w):
        if route.path_params:
            (name,) = route.path_params
            variants = [(label, {name: value}, {}) for label, value in samples[name]]
            if name in own:
                variants.append(("own", {name: own[name]}, {}))
        else:
            variants = [(label, {}, query) for label, query in query_samples(w, route)]
        for label, path_params, query in variants:
            url = route.path
            for name, value in path_params.items():
                url = url.replace("{" + name + "}", quote(value, safe=""))
            response = w.client.get(url, params=query, headers=halted.headers)
            calls += 1
            where = f"GET {url} {query or ''} [{label}]"
            if not route.path.startswith("/v1/"):
                continue  # pages, /health, /metrics: no participant
            mine = route.path in OWN_HISTORY and (not route.path_params or label == "own")
            # a list of financings is its own (none, for an enterprise) unless it names a bank
            mine = mine or (
                route.path == "/v1/financings" and query.get("bank") in (None, halted.address)
            )
            if mine:
                if response.status_code != 200:
                    failures.append(f"{where}: {response.status_code}, expected 200")
                continue
            body = response.json()
            if response.status_code != 403 or body.get("error") != "member_suspended":
                failures.append(f"{where}: {response.status_code} {body.get('error')}")
            elif "only read its own history" not in body["message"]:
                failures.append(f"{where}: the message does not name the rule")
    listed = w.ok("GET", "/v1/documents", halted)["items"]
    assert [d["doc_hash"] for d in listed] == [own_doc]
    assert calls > 100
    assert not failures, f"{len(failures)} of {calls} reads wrong:\n" + "\n".join(failures[:40])


def test_an_unknown_query_parameter_is_refused_on_every_read(world: World) -> None:
    """A misspelt filter (``?stauts=``, ``?limt=``) answered as if no filter had been given: a
    full page the caller took for the filtered one. Every GET route now answers 422 naming the
    parameter and the ones the route takes; the same call without it is not refused for it."""
    w = world
    samples = path_samples(w)
    failures: list[str] = []
    for route in _get_routes(w):
        url = sample_url(route, samples)
        given = {name: "1" for name, required, _schema in route.query if required}
        wrong = w.client.get(
            url, params={**given, "stauts": "active"}, headers=w.net.regulator.headers
        )
        if not url.startswith("/v1/"):
            if wrong.status_code >= 500:
                failures.append(f"GET {url}: {wrong.status_code}")
            continue
        body = wrong.json()
        if wrong.status_code != 422 or body["details"].get("field") != "stauts":
            failures.append(f"GET {url}: {wrong.status_code} {body}")
        elif any(name not in body["message"] for name, _r, _s in route.query):
            failures.append(f"GET {url}: the message does not list the route's parameters")
        plain = w.client.get(url, params=given, headers=w.net.regulator.headers)
        if plain.status_code == 422 and "stauts" in plain.text:
            failures.append(f"GET {url}: refused without the unknown parameter")
    assert not failures, "\n".join(failures)


def test_a_query_parameter_given_twice_is_refused_on_every_read(world: World) -> None:
    """``?status=active&status=revoked`` was read as its last value: one of two filters, the
    caller not told which. Every GET route answers 422 naming a parameter given twice — except
    one it takes as a list (``fingerprint``), which keeps every value."""
    w = world
    samples = path_samples(w)
    failures: list[str] = []
    checked = 0
    for route in _get_routes(w):
        if not route.path.startswith("/v1/"):
            continue
        url = sample_url(route, samples)
        for name, _required, schema in route.query:
            takes_list = schema.get("type") == "array" or any(
                option.get("type") == "array" for option in schema.get("anyOf", [])
            )
            others = [(n, "1") for n, required, _s in route.query if required and n != name]
            twice = w.client.get(
                url, params=[*others, (name, "1"), (name, "2")], headers=w.net.regulator.headers
            )
            checked += 1
            is_json = twice.headers.get("content-type", "").startswith("application/json")
            field = twice.json().get("details", {}).get("field") if is_json else None
            if takes_list:
                if twice.status_code == 422 and "more than once" in twice.text:
                    failures.append(f"GET {url} ?{name} twice: a list parameter refused")
            elif twice.status_code != 422 or field != name or "more than once" not in twice.text:
                failures.append(f"GET {url} ?{name} twice: {twice.status_code} {twice.text[:200]}")
    assert checked > 20
    assert not failures, "\n".join(failures)


def test_a_query_parameter_given_empty_is_refused_on_every_read(world: World) -> None:
    """``?bank=`` (a script's unset variable: ``bank=$BANK``) answered every bank's records on
    some routes — read as if left out — and 422 on others. Every GET route now answers 422
    naming the parameter, ``must not be empty: leave it out for no filter``, for each of its
    query parameters sent empty (and blank)."""
    w = world
    samples = path_samples(w)
    failures: list[str] = []
    checked = 0
    for route in _get_routes(w):
        if not route.path.startswith("/v1/"):
            continue
        url = sample_url(route, samples)
        for name, _required, _schema in route.query:
            for blank in ("", " "):
                answer = w.client.get(url, params={name: blank}, headers=w.net.regulator.headers)
                checked += 1
                is_json = answer.headers.get("content-type", "").startswith("application/json")
                details = answer.json().get("details", {}) if is_json else {}
                if (
                    answer.status_code != 422
                    or details.get("field") != name
                    or details.get("rule") != audit.EMPTY_FILTER_RULE
                ):
                    failures.append(f"GET {url} ?{name}={blank!r}: {answer.status_code} {details}")
    assert checked > 60
    assert not failures, "\n".join(failures)


def test_every_bad_query_parameter_is_named_not_only_the_first(world: World) -> None:
    """A tryout sent two misspelt filters and an empty one and was told of the first alone:
    fixed one, sent again, refused again. Every GET route now names each in
    ``details.problems`` (``field`` and ``rule``), the first in ``field``, ``rule`` and the
    message as before."""
    w = world
    samples = path_samples(w)
    failures: list[str] = []
    checked = 0
    for route in _get_routes(w):
        if not route.path.startswith("/v1/"):
            continue
        url = sample_url(route, samples)
        takes = [name for name, _required, _schema in route.query]
        params = [("stauts", "active"), ("regisrant", "0x1")]
        if takes:
            params.append((takes[0], ""))
        answer = w.client.get(url, params=params, headers=w.net.regulator.headers)
        checked += 1
        details = answer.json().get("details", {})
        named = {p["field"]: p["rule"] for p in details.get("problems", [])}
        wanted = {"regisrant", "stauts", *takes[:1]}
        if answer.status_code != 422 or set(named) != wanted:
            failures.append(f"GET {url}: {answer.status_code} {sorted(named)} not {wanted}")
            continue
        if details["field"] != "regisrant" or details["rule"] != named["regisrant"]:
            failures.append(f"GET {url}: the first problem is not the field: {details}")
        if takes and named[takes[0]] != audit.EMPTY_FILTER_RULE:
            failures.append(f"GET {url}: {takes[0]} empty: {named[takes[0]]}")
        if details.get("unknown") != ["regisrant", "stauts"]:
            failures.append(f"GET {url}: details.unknown {details.get('unknown')}")
    assert checked > 20
    assert not failures, "\n".join(failures)
