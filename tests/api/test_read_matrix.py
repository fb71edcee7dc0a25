"""Every read (GET) route × every resource in every lifecycle state × every role, over HTTP on
the real embedded chain: no 5xx, the body parses as what its content type says, the role gets
exactly the access the API documents, and the key fields (status, amounts, face value) are true.

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

from ledger.services import documents as docs
from tests import figures

#: the path parameters this test has samples for (a new one needs a line in ``path_samples``)
SAMPLED_PATH_PARAMS = frozenset({"doc_hash", "financing_id", "address", "proposal_id"})
#: query parameters filled with samples (one call per sample, the others left at their default)
SAMPLED_QUERY_PARAMS = frozenset(
    {"doc", "doc_hash", "member", "bank", "by", "format", "status", "event", "fingerprint"}
)
OVERSIGHT = ("admin", "regulator")
#: read routes only oversight (regulator, admin) may call; others answer 403
OVERSIGHT_ONLY = frozenset(
    {"/v1/audit/refusals", "/v1/audit/duplicates", "/v1/audit/export", "/v1/audit/verify"}
)
NEVER_FINANCED = ("registered", "attested", "refused", "revoked", "superseded")
FIN_EVENTS = {
    "drawn": "DrawdownRecorded",
    "repaid": "RepaymentRecorded",
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
            calls += [("event", {name: "DocumentPledged"})]
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
    if path == "/v1/audit/financeable":
        if not oversight and role not in ("bank", "bank_b"):
            return 403
        return 200 if ("doc_hash" in params or "fingerprint" in params) else 422
    if path == "/v1/audit/members/{address}/activity":
        return 200 if oversight or params["address"] == me else 403
    if path == "/v1/audit/exposure":
        return 200 if oversight or params.get("member", me) == me else 403
    if path.startswith("/v1/") or path in ("/health", "/metrics", "/openapi.json"):
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
                    continue
                failures += [
                    f"{where}: {problem}"
                    for problem in key_field_problems(w, route.path, label, role, body)
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


def key_field_problems(w: World, path: str, label: str, role: str, body: Any) -> list[str]:
    """What is wrong with the key fields of a 200 answer (status, amounts, face value)."""
    problems: list[str] = []

    def same(what: str, got: Any, want: Any) -> None:
        if got != want:
            problems.append(f"{what} is {got!r}, expected {want!r}")

    if path == "/v1/documents/{doc_hash}":
        exp = w.expect_doc[label]
        same("status", body["status"], exp.status)
        same("financed_amount", body["financed_amount"], exp.financed_amount)
        events = [e["event"] for e in body["history"]]
        if not set(exp.events) <= set(events):
            problems.append(f"history {events} lacks {exp.events}")
        for event in body["history"]:
            if event["event"] == "DocumentPledged":
                fps = event["args"]["fingerprints"]
                if not fps or not all(isinstance(f, str) and len(f) == 66 for f in fps):
                    problems.append(f"pledged fingerprints not 0x hex: {fps!r}")
        if label in NEVER_FINANCED:
            same("financed", body["financed"], None)
            sees_facts = exp.face_value is not None and (
                role in exp.lodged_by or role == "regulator"
            )
            same("face_value", body["face_value"], exp.face_value if sees_facts else None)
            same("currency", body["currency"], "DKK" if sees_facts else None)
            same("face_value_source", body["face_value_source"], "facts" if sees_facts else None)
        else:
            same("face_value", body["face_value"], exp.face_value)
            same("currency", body["currency"], "DKK")
            same("face_value_source", body["face_value_source"], "chain")
            same(
                "financed",
                body["financed"],
                {
                    "currency": "DKK",
                    "face_value": exp.face_value,
                    "financed_amount": exp.financed_amount,
                },
            )
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
        same("amount", body["amount"], exp.amount)
        same("drawn", body["drawn"], exp.drawn)
        same("repaid", body["repaid"], exp.repaid)
        same("outstanding", body["outstanding"], exp.drawn - exp.repaid)
        same("currency", body["currency"], "DKK")
        same("documents", [d["doc_hash"] for d in body["documents"]], [w.docs[label]])
    elif path == "/v1/audit/documents/{doc_hash}/timeline":
        events = {e["event"] for e in body["items"]}
        wanted = set(w.expect_doc[label].events)
        if label in FIN_EVENTS:
            wanted.add(FIN_EVENTS[label])
        if not wanted <= events:
            problems.append(f"timeline {sorted(events)} lacks {sorted(wanted - events)}")
    elif path == "/v1/financings" and label in DOC_STATES:
        ids = [f["financing_id"] for f in body["items"]]
        same(
            "financings of the document", ids, [w.financings[label]] if label in FIN_STATES else []
        )
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
        for role in ("regulator", "admin", "enterprise" if by == "enterprise" else "bank"):
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
    assert mine["financed"] is None
    assert mine["held"]["facts"]["amountMinor"] == SAMPLE_FACE
    # another member holds no copy of the file: nothing is made up for it
    theirs = w.ok("GET", f"/v1/documents/{doc}", w.net.bank_b)
    assert (theirs["face_value"], theirs["currency"], theirs["financed"]) == (None, None, None)


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
