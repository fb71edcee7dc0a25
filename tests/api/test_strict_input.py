"""Writes refuse what they do not understand, instead of guessing (api/bodycheck.py,
ledger/jsonkeys.py, the Idempotency-Key middleware): on the real embedded chain, every refusal
is a 422 naming the field, and the chain head does not move.

The write routes are read from the app's OpenAPI, so a new route is covered without anyone
adding it — or fails :func:`test_every_write_route_has_a_valid_request_here` until one is
written here. Each refusal is checked against a request that is accepted as it is without the
fault (sent last), so it is the fault that is refused, not something else in the request.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from api_helpers import MATURITY, finance, lodge, unique_file
from eth_account import Account
from eth_account.messages import encode_defunct
from fastapi.testclient import TestClient
from lifecycle import Route, World, invoice, served_routes

from api.app import create_app
from ledger.evaluator import contract_member_of, scratch_evaluator
from ledger.join import JoinRequest
from ledger.jsonliterals import exponent_rule
from ledger.network import init_network
from ledger.services import documents as docs
from ledger.services.financing import POSITIVE_RULE
from tests.conftest import build_network, make_settings

#: bodies that are a document, whose every key is the document's own (registered as its
#: canonical bytes, or a wrapped document's Merkle tree): no key is unknown there
FREE_FORM_BODIES = {
    ("POST", "/v1/documents/json"): "a JSON form: its keys are the registered document's",
    ("POST", "/v1/documents/openattestation"): "a wrapped document: its keys are the document's",
}
#: writes that change the caller's own key: sent last, they would lock the test out
OWN_KEY = ("POST", "/v1/keys/rotate")
#: the valid request's answer where it is not a success: with M = 1 a proposal is executed
#: when made, so approving it is the contract's 409 (ProposalNotPending), past every input check
NOT_2XX = {"/v1/governance/proposals/{proposal_id}/approve": 409}
_numbers = itertools.count(1)


def fresh_invoice() -> bytes:
    """An invoice no other has the fingerprints of (its number and amount are its own)."""
    n = next(_numbers)
    return invoice(f"STRICT-{n}", f"{5000 + n}.00")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A network of one member of each role and its app; this suite lodges and registers more
    files a minute than the fingerprint check limit allows, so here it is off."""
    work = tmp_path_factory.mktemp("strict")
    # its own evaluator without a rate limit: the suite's walks finance more invoices in ten
    # minutes than the session evaluator's limit lets one bank have evaluated
    with scratch_evaluator(work / "evaluator") as evaluator:
        settings = make_settings(
            work / "ledger", fingerprint_check_limit=0, evaluator_url=evaluator.url
        )
        ledger, admin_key = init_network(settings, "Test admin", evaluator_key=evaluator.public_key)
        evaluator.member_of.target = contract_member_of(ledger.contract)
        try:
            app = create_app(ledger.settings, ledger)
            with TestClient(app, raise_server_exceptions=False) as client:
                yield World(build_network(ledger, admin_key), app, client)
        finally:
            ledger.close()


def writes(w: World) -> list[Route]:
    return [r for r in served_routes(w.app) if r.method == "POST"]


def json_writes(w: World, valid: Valid) -> Iterator[tuple[Route, str, str, dict[str, Any]]]:
    """Every write route that takes a JSON body, with a valid request for it: (route, role,
    url, request keywords with ``json``)."""
    for route in writes(w):
        if "application/json" not in content_of(route):
            continue
        if route.path == "/v1/documents/openattestation":
            yield route, "enterprise", route.path, {"json": {"version": "x"}}
        else:
            yield (route, *valid.request(route))


def content_of(route: Route) -> dict[str, Any]:
    content: dict[str, Any] = route.operation.get("requestBody", {}).get("content", {})
    return content


def head(w: World) -> int:
    return int(w.net.ledger.head_block())


def refused(response: Any, field: str) -> dict[str, Any]:
    """The 422 body of ``response``, which must name ``field``."""
    assert response.status_code == 422, response.text
    details: dict[str, Any] = response.json()["details"]
    assert details["field"] == field, response.text
    return details


# -- a valid request for every write ------------------------------------------------------------


class Valid:
    """A fresh request each write route accepts as it is: (role, url, keyword arguments)."""

    def __init__(self, w: World) -> None:
        self.w = w

    def doc(self, role: str = "enterprise") -> str:
        answer = self.w.ok("POST", "/v1/documents", self.w.who(role), files=unique_file("strict"))
        return str(answer["doc_hash"])

    def financing(self, drawn: int = 0) -> int:
        data = fresh_invoice()
        doc = lodge(self.w.client, self.w.net.bank, data)["doc_hash"]
        made = finance(self.w.client, self.w.net.bank, doc, amount=100_000)
        assert made.status_code == 201, made.text
        fid = int(made.json()["financing_id"])
        if drawn:
            self.w.ok(
                "POST", f"/v1/financings/{fid}/drawdown", self.w.net.bank, json={"amount": drawn}
            )
        return fid

    def join_request(self) -> dict[str, Any]:
        account = Account.create()
        request = JoinRequest(
            chain_id=int(self.w.net.ledger.chain_id),
            contract=self.w.net.ledger.manifest.contract_address,
            address=account.address,
            encryption_key="0x" + secrets.token_hex(32),
            name=f"Joining Bank {next(_numbers)}",
            role="bank",
            legal_id="",
            created_at=datetime.now(UTC).isoformat(),
        )
        signed = account.sign_message(encode_defunct(text=request.signed_text()))
        return {**json.loads(request.to_json()), "signature": "0x" + signed.signature.hex()}

    def json_form(self) -> dict[str, Any]:
        return {
            "documentType": "BillOfLading",
            "documentNumber": f"STRICT-BL-{next(_numbers)}",
            "issueDate": "2026-03-01",
            "issuer": {"id": "DE136695976", "scheme": "VAT"},
        }

    def request(self, route: Route) -> tuple[str, str, dict[str, Any]]:
        """A request ``route`` accepts; path parameters made in it."""
        w, path = self.w, route.path
        bank_b = w.net.bank_b.address
        makers: dict[str, Callable[[], tuple[str, str, dict[str, Any]]]] = {
            "/v1/members": lambda: (
                "admin",
                path,
                {"json": {"name": f"Strict Bank {next(_numbers)}", "role": "bank"}},
            ),
            "/v1/members/approve": lambda: ("admin", path, {"json": self.join_request()}),
            "/v1/members/{address}/suspend": lambda: ("admin", f"/v1/members/{bank_b}/suspend", {}),
            "/v1/members/{address}/reinstate": lambda: self._suspended(bank_b),
            "/v1/governance/proposals": lambda: (
                "admin",
                path,
                {"json": {"action": "set_threshold", "threshold": 1}},
            ),
            "/v1/governance/proposals/{proposal_id}/approve": lambda: self._proposal(),
            "/v1/keys/rotate": lambda: ("regulator", path, {}),
            "/v1/keys/{address}/rotate": lambda: ("admin", f"/v1/keys/{bank_b}/rotate", {}),
            "/v1/keys/{address}/revoke": lambda: ("admin", f"/v1/keys/{bank_b}/revoke", {}),
            "/v1/documents": lambda: ("enterprise", path, {"files": unique_file("strict")}),
            "/v1/documents/json": lambda: ("enterprise", path, {"json": self.json_form()}),
            "/v1/documents/batch": lambda: (
                "enterprise",
                path,
                {
                    "files": [
                        ("files", unique_file("a")["file"]),
                        ("files", unique_file("b")["file"]),
                    ]
                },
            ),
            "/v1/documents/receive": lambda: ("bank", path, {"files": unique_file("strict")}),
            "/v1/documents/check": lambda: ("bank", path, {"files": unique_file("strict")}),
            "/v1/documents/verify": lambda: ("bank", path, {"files": unique_file("strict")}),
            "/v1/documents/openattestation": lambda: ("enterprise", path, {"json": {}}),
            "/v1/documents/{doc_hash}/revoke": lambda: (
                "enterprise",
                f"/v1/documents/{self.doc()}/revoke",
                {"json": {"reason_code": 1}},
            ),
            "/v1/documents/{doc_hash}/supersede": lambda: (
                "enterprise",
                f"/v1/documents/{self.doc()}/supersede",
                {"files": unique_file("amended")},
            ),
            "/v1/documents/{doc_hash}/attest": lambda: (
                "attestor",
                f"/v1/documents/{self.doc()}/attest",
                {"json": {"evidence": "MRN 24DK000123"}},
            ),
            "/v1/financings": lambda: self._financing_create(),
            "/v1/financings/{financing_id}/drawdown": lambda: (
                "bank",
                f"/v1/financings/{self.financing()}/drawdown",
                {"json": {"amount": 1_000}},
            ),
            "/v1/financings/{financing_id}/repay": lambda: (
                "bank",
                f"/v1/financings/{self.financing(drawn=5_000)}/repay",
                {"json": {"amount": 1_000}},
            ),
            "/v1/financings/{financing_id}/close": lambda: self._closable(),
            "/v1/financings/{financing_id}/cancel": lambda: (
                "bank",
                f"/v1/financings/{self.financing()}/cancel",
                {"json": {"reason_code": 2}},
            ),
            "/v1/financings/{financing_id}/share": lambda: (
                "bank",
                f"/v1/financings/{self.financing()}/share",
                {"json": {"reader": self.w.net.enterprise.address}},
            ),
        }
        return makers[path]()

    def _financing_create(self) -> tuple[str, str, dict[str, Any]]:
        data = fresh_invoice()
        doc = lodge(self.w.client, self.w.net.bank, data)["doc_hash"]
        body = {
            "documents": [{"doc_hash": doc, "amount": 100_000}],
            "currency": "DKK",
            "kind": "invoice_financing",
            "maturity": MATURITY,
            "reference": "strict",
        }
        return "bank", "/v1/financings", {"json": body}

    def _suspended(self, address: str) -> tuple[str, str, dict[str, Any]]:
        self.w.ok("POST", f"/v1/members/{address}/suspend", self.w.net.admin)
        return "admin", f"/v1/members/{address}/reinstate", {}

    def _proposal(self) -> tuple[str, str, dict[str, Any]]:
        made = self.w.ok(
            "POST",
            "/v1/governance/proposals",
            self.w.net.admin,
            json={"action": "set_threshold", "threshold": 1},
        )
        return "admin", f"/v1/governance/proposals/{made['proposal_id']}/approve", {}

    def _closable(self) -> tuple[str, str, dict[str, Any]]:
        fid = self.financing(drawn=1_000)
        self.w.ok("POST", f"/v1/financings/{fid}/repay", self.w.net.bank, json={"amount": 1_000})
        return "bank", f"/v1/financings/{fid}/close", {}


def send(w: World, role: str, url: str, **kwargs: Any) -> Any:
    headers = {**kwargs.pop("headers", {}), **w.who(role).headers}
    return w.client.post(url, headers=headers, **kwargs)


def raw_json(kwargs: dict[str, Any], text: bytes) -> dict[str, Any]:
    """``kwargs`` with its JSON body replaced by the bytes ``text``."""
    rest = {k: v for k, v in kwargs.items() if k != "json"}
    return {**rest, "content": text, "headers": {"Content-Type": "application/json"}}


def test_every_write_route_has_a_valid_request_here(world: World) -> None:
    """The table above knows every write the app serves, and each of its requests is
    accepted: the refusals below are the faults', not the requests'."""
    valid = Valid(world)
    for route in writes(world):
        if (route.method, route.path) in FREE_FORM_BODIES or (route.method, route.path) == OWN_KEY:
            continue
        role, url, kwargs = valid.request(route)
        answer = send(world, role, url, **kwargs)
        if route.path in NOT_2XX:
            assert answer.status_code == NOT_2XX[route.path], answer.text
        else:
            assert answer.status_code < 300, f"{route.path}: {answer.text}"
    # the suspend above was the last word on Bank B (routes are sorted): reinstate it
    reinstated = send(world, "admin", f"/v1/members/{world.net.bank_b.address}/reinstate")
    assert reinstated.status_code == 200, reinstated.text


# -- JSON bodies --------------------------------------------------------------------------------


def _object_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The key path of every JSON object in ``value`` (``()`` for the body itself)."""
    if isinstance(value, dict):
        yield path
        for key, item in value.items():
            yield from _object_paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _object_paths(item, (*path, i))


def _place(path: tuple[Any, ...], key: str) -> str:
    text = ""
    for part in (*path, key):
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _at(body: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        body = body[part]
    return body


def model_writes(w: World) -> Iterator[tuple[Route, str, str, dict[str, Any], Any]]:
    """:func:`json_writes` whose body is a model (not a free-form one), with the body:
    (route, role, url, request keywords, the JSON body)."""
    for route, role, url, kwargs in json_writes(w, Valid(w)):
        if (route.method, route.path) not in FREE_FORM_BODIES:
            yield route, role, url, kwargs, kwargs["json"]


def test_an_unknown_json_field_is_refused_naming_it_at_any_depth(world: World) -> None:
    w = world
    checked = []
    for route, role, url, kwargs, body in model_writes(w):
        for path in _object_paths(body):
            bad = copy.deepcopy(body)
            _at(bad, path)["legalid"] = "5493001KJTIIGC8Y1R12"
            before = head(w)
            details = refused(
                send(w, role, url, **{**kwargs, "json": bad}), _place(path, "legalid")
            )
            assert head(w) == before, (route.path, path)
            checked.append((route.path, _place(path, "legalid")))
            if route.path != "/v1/members/approve":  # the join request's own parser says it
                assert "it takes:" in details["rule"], details
        assert send(w, role, url, **kwargs).status_code < 300, route.path
    assert ("/v1/financings", "documents[0].legalid") in checked
    assert ("/v1/members", "legalid") in checked
    assert {p for p, _ in checked} >= {
        "/v1/members",
        "/v1/members/approve",
        "/v1/governance/proposals",
        "/v1/documents/{doc_hash}/revoke",
        "/v1/documents/{doc_hash}/attest",
        "/v1/financings",
        "/v1/financings/{financing_id}/drawdown",
        "/v1/financings/{financing_id}/repay",
        "/v1/financings/{financing_id}/cancel",
    }


def test_the_typo_bank_is_not_onboarded(world: World) -> None:
    w = world
    before = head(w)
    typo = {"name": "Typo Bank", "role": "bank", "legalid": "5493001KJTIIGC8Y1R12"}
    details = refused(send(w, "admin", "/v1/members", json=typo), "legalid")
    assert details["rule"] == "is not a field of POST /v1/members (it takes: legal_id, name, role)"
    assert head(w) == before
    names = [
        m["name"] for m in w.client.get("/v1/members", headers=w.net.admin.headers).json()["items"]
    ]
    assert "Typo Bank" not in names


def _integer_fields(
    schema: dict[str, Any],
    components: dict[str, Any],
    path: tuple[Any, ...] = (),
    kind: str = "integer",
) -> Iterator[tuple[Any, ...]]:
    """The key path of every property of ``schema`` of JSON type ``kind`` (first item of
    arrays)."""
    while "$ref" in schema or "anyOf" in schema:
        if "$ref" in schema:
            schema = components[schema["$ref"].rsplit("/", 1)[1]]
        else:
            schema = next(s for s in schema["anyOf"] if s.get("type") != "null")
    if schema.get("type") == kind:
        yield path
    for name, sub in schema.get("properties", {}).items():
        yield from _integer_fields(sub, components, (*path, name), kind)
    if schema.get("type") == "array":
        yield from _integer_fields(schema.get("items", {}), components, (*path, 0), kind)


def _typed_fields(
    w: World, valid: Valid, kind: str
) -> Iterator[tuple[Route, str, str, dict[str, Any], tuple[Any, ...]]]:
    """Every property of JSON type ``kind`` of every write's model body, with a valid request
    for its route: (route, role, url, request keywords, key path)."""
    components = w.app.openapi()["components"]["schemas"]
    for route in writes(w):
        schema = content_of(route).get("application/json", {}).get("schema")
        if schema is None or (route.method, route.path) in FREE_FORM_BODIES:
            continue
        for path in list(_integer_fields(schema, components, kind=kind)):
            yield (route, *valid.request(route), path)


def _with_literal(body: Any, path: tuple[Any, ...], literal: str) -> bytes:
    """``body`` as JSON text with the value at ``path`` written ``literal`` exactly (``-0``,
    which no Python value serialises to)."""
    marker = "\u0000literal\u0000"
    return json.dumps(_with(body, path, marker)).replace(json.dumps(marker), literal).encode()


#: integers as JSON may write them that a field taking 0 or more refuses: ``-0`` parses to 0
#: (a revocation with reason 0), and neither a sign nor a fraction or an exponent is digits alone
NOT_DIGITS_ALONE = ("-0", "-1", "0.0", "1e0", "1E+0", "-0.0")


def test_an_integer_field_takes_digits_alone_and_quotes_the_literal(world: World) -> None:
    """``"reason_code": -0`` revoked a document with reason 0 (Python's parser reads ``-0`` as
    0): every integer of every write body refuses ``-0`` as it refuses ``0.0``, ``1e0`` and
    ``true`` — the same rule, naming the field and quoting the literal as sent — and the chain
    head does not move."""
    w, valid = world, Valid(world)
    found = set()
    for route, role, url, kwargs, path in _typed_fields(w, valid, "integer"):
        field = _place(path[:-1], path[-1])
        for literal in NOT_DIGITS_ALONE:
            before = head(w)
            answer = send(
                w, role, url, **raw_json(kwargs, _with_literal(kwargs["json"], path, literal))
            )
            rule = refused(answer, field)["rule"]
            if "e" in literal.lower():  # the one rule of exponent notation (test_exponent_words)
                assert rule == exponent_rule(literal), (route.path, literal, rule)
            elif literal == "-1" and field.endswith("amount"):
                # a negative amount's fault is its sign, not its notation: the amount's own
                # rule, as 0 and the CLI's ``finance drawdown 1 -5`` (test_amount_words)
                assert rule == POSITIVE_RULE, (route.path, literal, rule)
            else:
                assert rule.endswith(f"not {literal}"), (route.path, literal, rule)
                assert "digits alone, no sign" in rule, (route.path, literal, rule)
            assert head(w) == before, (route.path, field, literal)
            found.add((route.path, field))
    assert {f for _, f in found} == {"documents[0].amount", "amount", "reason_code", "threshold"}
    assert len({p for p, _ in found}) == 6, found


#: what a lax parser reads as a boolean (pydantic: ``1`` and ``"yes"`` are true): none is one
NOT_BOOLEANS: tuple[Any, ...] = (1, 0, "true", "false", "yes", "on", 1.0, None)


def test_a_boolean_field_takes_true_or_false_only(world: World) -> None:
    """``"acknowledge_suspicions": "yes"`` (or ``1``) financed an invoice the check found
    suspicious, as ``true`` does: a body's booleans are JSON booleans, each other value refused
    naming the field — ``"false"`` too, which pydantic read as false — and nothing is sent."""
    w, valid = world, Valid(world)
    found = set()
    for route, role, url, kwargs, path in _typed_fields(w, valid, "boolean"):
        field = _place(path[:-1], path[-1])
        for value in NOT_BOOLEANS:
            before = head(w)
            answer = send(w, role, url, **{**kwargs, "json": _with(kwargs["json"], path, value)})
            assert "must be true or false" in refused(answer, field)["rule"], (field, value)
            assert head(w) == before, (route.path, field, value)
            found.add((route.path, field))
        assert send(w, role, url, **kwargs).status_code < 300, route.path
    assert found == {("/v1/financings", "acknowledge_suspicions")}


def _with(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    bad = copy.deepcopy(body)
    _at(bad, path[:-1])[path[-1]] = value
    return bad


#: each is read as a number by a lax parser (1, 100, 1, 1): none is a JSON integer
NOT_INTEGERS = (True, False, "1", "100", 1.0, 100.0, "0x10", None)


def test_an_integer_field_takes_a_json_integer_only(world: World) -> None:
    """``"amount": true`` was a financing of 0.01 DKK, ``"100"`` a drawdown of 1.00 DKK and
    ``"reason_code": true`` a revocation with reason 1: every integer of every write body
    (amounts, reason codes, the threshold) now refuses a bool, a string and a fraction."""
    w, valid = world, Valid(world)
    components = w.app.openapi()["components"]["schemas"]
    found = []
    for route in writes(w):
        schema = content_of(route).get("application/json", {}).get("schema")
        if schema is None or (route.method, route.path) in FREE_FORM_BODIES:
            continue
        paths = list(_integer_fields(schema, components))
        if not paths:
            continue
        role, url, kwargs = valid.request(route)
        for path in paths:
            for value in NOT_INTEGERS:
                before = head(w)
                answer = send(
                    w, role, url, **{**kwargs, "json": _with(kwargs["json"], path, value)}
                )
                refused(answer, _place(path[:-1], path[-1]))
                assert head(w) == before, (route.path, path, value)
                found.append((route.path, _place(path[:-1], path[-1])))
        assert send(w, role, url, **kwargs).status_code < 300, route.path
    assert {f for _, f in found} == {"documents[0].amount", "amount", "reason_code", "threshold"}
    assert len({p for p, _ in found}) == 6, (
        found
    )  # create, drawdown, repay, revoke, cancel, propose


@pytest.mark.parametrize(
    "maturity", [1_900_000_000, "1900000000", 20_270_331, "20270331", 1.9e9, True, ""]
)
def test_a_maturity_is_iso_8601_text_not_a_number(world: World, maturity: Any) -> None:
    w = world
    role, url, kwargs = Valid(w).request(Route("POST", "/v1/financings", ()))
    before = head(w)
    answer = send(w, role, url, json={**kwargs["json"], "maturity": maturity})
    assert "ISO 8601" in refused(answer, "maturity")["rule"]
    assert head(w) == before


@pytest.mark.parametrize("case", ["no body", "empty object", "null"])
def test_revoke_and_cancel_require_their_reason(world: World, case: str) -> None:
    """An irreversible action is never taken for a reason the caller did not give."""
    w, valid = world, Valid(world)
    doc, fid = valid.doc(), valid.financing()
    kwargs = {
        "no body": {},
        "empty object": {"json": {}},
        "null": {"content": b"null", "headers": {"Content-Type": "application/json"}},
    }[case]
    # a JSON null is no empty body: the body is named, and the field it must carry
    field = "body" if case == "null" else "reason_code"
    before = head(w)
    for who, url in (
        ("enterprise", f"/v1/documents/{doc}/revoke"),
        ("bank", f"/v1/financings/{fid}/cancel"),
    ):
        details = refused(send(w, who, url, **copy.deepcopy(kwargs)), field)
        assert field == "reason_code" or "reason_code" in details["rule"], details
    assert head(w) == before
    assert docs.get_registration(w.net.ledger, docs.parse_doc_hash(doc)).status.name == "ACTIVE"
    assert w.ok("GET", f"/v1/financings/{fid}", w.net.bank)["status"] == "active"


def test_a_write_that_takes_no_body_refuses_one(world: World) -> None:
    """``{"reason_code": 3}`` to ``…/close`` was ignored: the route takes no reason."""
    w = world
    no_body = [r for r in writes(w) if not content_of(r)]
    assert {r.path for r in no_body} >= {
        "/v1/financings/{financing_id}/close",
        "/v1/members/{address}/suspend",
        "/v1/keys/{address}/revoke",
        "/v1/keys/rotate",
    }
    fid = Valid(w).financing()
    for route in no_body:
        url = route.path.format(address=w.net.bank_b.address, financing_id=fid, proposal_id=1)
        before = head(w)
        details = refused(send(w, "admin", url, json={"reason_code": 3}), "reason_code")
        assert details["rule"] == f"is not taken: POST {route.path} takes no body", details
        refused(send(w, "admin", url, data={"reason_code": "3"}), "reason_code")
        refused(send(w, "admin", url, files=unique_file("stray")), "file")
        refused(send(w, "admin", url, content=b"3", headers={"Content-Type": "text/plain"}), "body")
        assert head(w) == before, route.path
    # nothing, or an empty object, is no body
    suspend = f"/v1/members/{w.net.bank_b.address}/suspend"
    assert send(w, "admin", suspend, json={}).status_code == 200
    reinstate = f"/v1/members/{w.net.bank_b.address}/reinstate"
    assert send(w, "admin", reinstate, content=b"").status_code == 200


def _dumps_repeating(value: Any, path: tuple[Any, ...], key: str) -> str:
    """``value`` as JSON text, with the object at ``path`` naming ``key`` once more (the same
    value again: still two answers to one question) as its last member."""
    if not path:
        members = [*value.items(), (key, value[key])]
        return "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in members) + "}"
    step, rest = path[0], path[1:]
    if isinstance(value, list):
        items = (
            _dumps_repeating(v, rest, key) if i == step else json.dumps(v)
            for i, v in enumerate(value)
        )
        return "[" + ", ".join(items) + "]"
    members_text = (
        f"{json.dumps(k)}: {_dumps_repeating(v, rest, key) if k == step else json.dumps(v)}"
        for k, v in value.items()
    )
    return "{" + ", ".join(members_text) + "}"


def test_a_json_key_given_twice_is_refused_naming_it(world: World) -> None:
    """``{"documentNumber": "A", "documentNumber": "B"}`` kept B; every JSON write (a
    document's too) now refuses a key given twice, at any depth, before anything is written."""
    w, valid = world, Valid(world)
    dup_form = (
        b'{"documentType":"BillOfLading","documentNumber":"A","documentNumber":"B",'
        b'"issueDate":"2026-03-01","issuer":{"id":"DE136695976","scheme":"VAT"}}'
    )
    before = head(w)
    answer = send(w, "enterprise", "/v1/documents/json", **raw_json({}, dup_form))
    assert refused(answer, "documentNumber")["key"] == "documentNumber"
    assert head(w) == before
    checked = set()
    for route, role, url, kwargs in json_writes(w, valid):
        body = kwargs["json"]
        for path in _object_paths(body):
            obj = _at(body, path)
            if not obj:
                continue
            key = next(iter(obj))
            text = _dumps_repeating(body, path, key).encode()
            before = head(w)
            refused(send(w, role, url, **raw_json(kwargs, text)), _place(path, key))
            assert head(w) == before, (route.path, path)
            checked.add(route.path)
    assert {"/v1/financings", "/v1/documents/json", "/v1/members/approve"} <= checked


# -- multipart forms ---------------------------------------------------------------------------


def _form_fields(w: World, route: Route) -> dict[str, bool]:
    """The route's form fields, each with whether it takes a list."""
    components = w.app.openapi()["components"]["schemas"]
    schema = content_of(route)["multipart/form-data"]["schema"]
    schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return {name: sub.get("type") == "array" for name, sub in schema["properties"].items()}


def test_an_unknown_form_field_is_refused_naming_it(world: World) -> None:
    """``-F doctype=invoice`` registered the file as ``other``; every multipart write refuses
    a field it does not take, listing those it takes."""
    w, valid = world, Valid(world)
    forms = [r for r in writes(w) if "multipart/form-data" in content_of(r)]
    assert len(forms) == 6, [r.path for r in forms]
    for route in forms:
        role, url, kwargs = valid.request(route)
        before = head(w)
        details = refused(send(w, role, url, **kwargs, data={"doctype": "invoice"}), "doctype")
        takes = ", ".join(sorted(_form_fields(w, route)))
        assert details["rule"].endswith(f"(it takes: {takes})"), details
        assert head(w) == before, route.path
        assert send(w, role, url, **kwargs).status_code < 300, route.path


def test_a_form_field_given_twice_is_refused_unless_it_is_a_list(world: World) -> None:
    """``-F file=@a -F file=@b`` registered only b; ``-F doc_type=invoice -F doc_type=contract``
    registered a contract. A single-valued field given twice is now refused naming it (and
    neither file is registered); the batch's ``files`` still takes many."""
    w, valid = world, Valid(world)
    lists = []
    for route in (r for r in writes(w) if "multipart/form-data" in content_of(r)):
        role, url, _ = valid.request(route)
        fields = _form_fields(w, route)
        file_field = "files" if "files" in fields else "file"
        for name, many in fields.items():
            if many:
                lists.append(name)
                continue
            first, second = unique_file("first")["file"], unique_file("second")["file"]
            if name == file_field:
                twice = [(name, first), (name, second)]
            else:
                twice = [(file_field, first), (name, (None, "invoice")), (name, (None, "contract"))]
            before = head(w)
            refused(send(w, role, url, files=twice), name)
            assert head(w) == before, (route.path, name)
            for data in (first[1], second[1]):  # neither file was registered (nor lodged)
                assert docs.find_registration(w.net.ledger, hashlib.sha256(data).digest()) is None
    assert lists == ["files"]
    role, url, kwargs = valid.request(Route("POST", "/v1/documents/batch", ()))
    assert len(kwargs["files"]) == 2
    batch = send(w, role, url, **kwargs, data={"doc_type": "contract"})
    assert batch.status_code == 201, batch.text
    assert [d["doc_type"] for d in batch.json()["documents"]] == ["contract", "contract"]


# -- headers -----------------------------------------------------------------------------------


def test_two_idempotency_keys_are_refused_and_bind_neither(world: World) -> None:
    """The last of two keys was kept, and a retry with the first answered 409 to the caller's
    own write. Now neither is bound: the retry with one key is the write."""
    w = world
    auth = ("Authorization", w.net.enterprise.headers["Authorization"])
    upload = unique_file("idem")
    before = head(w)
    answer = w.client.post(
        "/v1/documents",
        files=upload,
        headers=[auth, ("Idempotency-Key", "strict-first"), ("Idempotency-Key", "strict-second")],
    )
    refused(answer, "Idempotency-Key")
    assert head(w) == before
    first = w.client.post(
        "/v1/documents", files=upload, headers=[auth, ("Idempotency-Key", "strict-first")]
    )
    assert first.status_code == 201, first.text
    again = w.client.post(
        "/v1/documents", files=upload, headers=[auth, ("Idempotency-Key", "strict-first")]
    )
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (201, "true")
    # had the refused request bound the second key, another file under it would be a 409
    other = w.client.post(
        "/v1/documents",
        files=unique_file("idem other"),
        headers=[auth, ("Idempotency-Key", "strict-second")],
    )
    assert other.status_code == 201, other.text


@pytest.mark.parametrize("request_", ["GET /v1/documents", "POST /v1/documents", "GET /metrics"])
def test_two_authorization_headers_are_refused(world: World, request_: str) -> None:
    """Starlette's ``headers.get`` took the first, the middlewares' dicts the last: two
    callers in one request are refused, whichever key is valid."""
    w = world
    headers = [
        ("Authorization", w.net.admin.headers["Authorization"]),
        ("Authorization", w.net.enterprise.headers["Authorization"]),
    ]
    method, path = request_.split(" ")
    files = unique_file("two callers") if method == "POST" else None
    before = head(w)
    refused(w.client.request(method, path, files=files, headers=headers), "Authorization")
    assert head(w) == before


# -- path ids and governance -------------------------------------------------------------------


WRITTEN_IDS: tuple[Callable[[int], str], ...] = (
    lambda n: f"{n}.0",
    lambda n: f"+{n}",
    lambda n: f"0_{n}",
    lambda n: f"%20{n}",
)


@pytest.mark.parametrize("written", WRITTEN_IDS)
def test_a_path_id_is_written_in_decimal_digits(
    world: World, written: Callable[[int], str]
) -> None:
    """``/v1/financings/1.0/drawdown`` drew on financing 1 and ``0_1`` was 1 too."""
    w = world
    fid = Valid(w).financing()
    before = head(w)
    drawdown = f"/v1/financings/{written(fid)}/drawdown"
    refused(send(w, "bank", drawdown, json={"amount": 1}), "financing_id")
    approve = f"/v1/governance/proposals/{written(1)}/approve"
    refused(send(w, "admin", approve), "proposal_id")
    assert head(w) == before
    assert w.ok("GET", f"/v1/financings/{fid}", w.net.bank)["drawn"] == 0


def test_a_proposal_field_its_action_does_not_take_is_refused(world: World) -> None:
    w = world
    bank_b = w.net.bank_b.address
    before = head(w)
    for body, field in (
        ({"action": "suspend_member", "account": bank_b, "threshold": 2}, "threshold"),
        ({"action": "set_threshold", "threshold": 1, "account": bank_b}, "account"),
        ({"action": "set_threshold", "threshold": 1, "data": "0x" + "11" * 32}, "data"),
        (
            {"action": "rotate_key", "account": bank_b, "new_account": bank_b, "role": "bank"},
            "role",
        ),
    ):
        refused(send(w, "admin", "/v1/governance/proposals", json=body), field)
    assert head(w) == before


# -- lone surrogates ---------------------------------------------------------------------------


def _string_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The key path of every string value in ``value``."""
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _string_paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _string_paths(item, (*path, i))


def _path_text(path: tuple[Any, ...]) -> str:
    return _place(path[:-1], path[-1]) if path else "body"


def test_a_lone_surrogate_in_a_json_body_is_refused_naming_where_it_sits(world: World) -> None:
    """``{"\\udfff": 1}`` to /v1/members and ``"documentNumber": "\\ud800"`` were 500s (the
    error's details, or the canonical form, could not be encoded as UTF-8). A lone surrogate
    is no character: every JSON write refuses one — in a key or in any string value — naming
    where it sits, and writes nothing."""
    w, valid = world, Valid(world)
    checked = set()
    for route, role, url, kwargs in json_writes(w, valid):
        body = kwargs["json"]
        cases: list[tuple[Any, str]] = []
        for path in _object_paths(body):
            bad = copy.deepcopy(body)
            _at(bad, path)["\ud800x"] = 2
            cases.append((bad, _place(path, "\\ud800x")))
        for path in _string_paths(body):
            bad = copy.deepcopy(body)
            _at(bad, path[:-1])[path[-1]] = "A\udc80"
            cases.append((bad, _path_text(path)))
        for bad, field in cases:
            before = head(w)
            answer = send(w, role, url, **raw_json(kwargs, json.dumps(bad).encode()))
            details = refused(answer, field)
            assert "lone surrogate" in details["rule"], details
            assert "\\udc80" in details["rule"] or "\\ud800" in details["rule"], details
            assert head(w) == before, (route.path, field)
            checked.add(route.path)
    assert {
        "/v1/members",
        "/v1/documents/json",
        "/v1/financings",
        "/v1/financings/{financing_id}/drawdown",
        "/v1/documents/openattestation",
    } <= checked
    # the fault's own reproductions
    member = send(w, "admin", "/v1/members", **raw_json({}, b'{"\\udfff":1}'))
    assert refused(member, "\\udfff")
    form = {**valid.json_form(), "documentNumber": "\ud800"}
    answer = send(w, "enterprise", "/v1/documents/json", **raw_json({}, json.dumps(form).encode()))
    refused(answer, "documentNumber")


def test_a_json_body_is_utf_8(world: World) -> None:
    """A UTF-16 body (with its BOM) was refused as holding "a number too large for any field":
    it is refused as what it is, not UTF-8 JSON (RFC 8259 §8.1)."""
    form = Valid(world).json_form()
    for encoding in ("utf-16", "utf-16-be", "latin-1"):
        text = json.dumps({**form, "documentNumber": "BL-é"}, ensure_ascii=False)
        answer = send(
            world, "enterprise", "/v1/documents/json", **raw_json({}, text.encode(encoding))
        )
        details = refused(answer, "body")
        assert "UTF-8" in details["rule"], details
        assert "number" not in details["rule"], details


def _file_routes(w: World) -> list[Route]:
    return [r for r in writes(w) if "multipart/form-data" in content_of(r)]


def test_a_file_whose_json_holds_a_lone_surrogate_is_its_raw_bytes(world: World) -> None:
    """``{"any":"\\udc80"}`` uploaded as a file was a 500 on every file route (its canonical
    form could not be encoded). Such JSON is not Unicode text, so it has no canonical form:
    the file is its raw bytes — registered, verified, checked and received as them."""
    w, valid = world, Valid(world)
    nonce = next(_numbers)
    for name, data in (
        ("s.txt", b'{"any":"\\udc80","n":%d}' % nonce),
        ("s.json", b'{"\\ud800":"x","documentNumber":"\\ud800","n":%d}' % nonce),
        ("form.json", json.dumps({**valid.json_form(), "documentNumber": "BL-\udc80"}).encode()),
    ):
        file = {"file": (name, data, "application/json")}
        for route in _file_routes(w):
            role, url, kwargs = valid.request(route)
            if route.path == "/v1/documents/batch":
                files: Any = [("files", file["file"]), ("files", unique_file("b")["file"])]
            else:
                files = file
            answer = send(w, role, url, **{**kwargs, "files": files})
            assert answer.status_code < 500, (route.path, answer.text)
        # register, then verify: the file's bytes, the same rule on both sides
        digest = "0x" + hashlib.sha256(data).hexdigest()
        verified = send(w, "bank", "/v1/documents/verify", files=file)
        assert verified.status_code == 200, verified.text
        assert digest in verified.text, verified.text
        assert "canonical_json" not in verified.text, verified.text


# -- errors name the field the client sent -----------------------------------------------------


def test_a_json_form_number_too_long_is_named_as_the_form_names_it(world: World) -> None:
    """A ``documentNumber`` of 100,000 characters was refused naming ``number`` (the facts'
    own name); the client sent ``documentNumber``."""
    for number in ("X" * 100_000, "---"):
        form = {**Valid(world).json_form(), "documentNumber": number}
        before = head(world)
        refused(send(world, "enterprise", "/v1/documents/json", json=form), "documentNumber")
        assert head(world) == before


def test_a_file_field_must_be_a_file(world: World) -> None:
    """``curl -F file=x`` (a text field named file) read ``body: Value error, Expected
    UploadFile``; no body at all read ``body: is required``. Both name ``file`` (``files`` of a
    batch) on every route that takes a file."""
    checked = set()
    for route in _file_routes(world):
        role, url, _kwargs = Valid(world).request(route)
        name = "files" if route.path == "/v1/documents/batch" else "file"
        before = head(world)
        text = send(world, role, url, data={name: "x"})
        rule = refused(text, name)["rule"]
        assert rule.startswith("must be a file (multipart"), rule
        assert refused(send(world, role, url), name)["rule"] == "is required"
        # a multipart body with no part of that name, or one cut short before its part ended
        # (tryout 81's upload without its closing boundary was told only "is required")
        empty = {"Content-Type": "multipart/form-data; boundary=x"}
        cut = (
            f'--x\r\nContent-Disposition: form-data; name="{name}"; filename="a.xml"\r\n\r\nabc'
        ).encode()
        for missing in (
            send(world, role, url, headers=empty),
            send(world, role, url, headers=empty, content=cut),
        ):
            assert refused(missing, name)["rule"] == (
                f"is required: the multipart body has no complete part named {name} (a part "
                "ends at the next boundary line, the body at --x--: a body cut short ends none)"
            )
        assert head(world) == before
        checked.add(route.path)
    assert {"/v1/documents", "/v1/documents/verify", "/v1/documents/batch"} <= checked


# -- enumerated values: taken as written, in lower case ----------------------------------------


def _enum_of(schema: dict[str, Any]) -> list[str]:
    """The values an OpenAPI schema enumerates (itself, a list's items, or an ``anyOf`` arm)."""
    for part in [schema, schema.get("items", {}), *schema.get("anyOf", [])]:
        if part.get("enum"):
            return list(part["enum"])
    return []


def _other_case(value: str) -> str:
    """``value`` with its first letter's case changed (``Active``): neither the documented
    spelling nor the upper-case name a refusal's reason is also answered, and taken, as."""
    return value[0].swapcase() + value[1:]


def test_an_enumerated_query_value_is_taken_as_written(world: World) -> None:
    """``GET /v1/financings?status=ACTIVE`` was read as ``active``, while a currency was strict
    about case: every enumerated query parameter of every read takes its documented spelling
    only, and refuses another case (or a space) naming the parameter and listing its values."""
    w, checked = world, []
    for route in served_routes(w.app):
        if route.method != "GET" or route.path_params:
            continue
        for name, _, schema in route.query:
            values = _enum_of(schema)
            if not values:
                continue
            for value in values:
                url = route.path
                for bad in (_other_case(value), f" {value}", f"{value} "):
                    answer = w.client.get(url, params={name: bad}, headers=w.net.regulator.headers)
                    details = refused(answer, name)
                    assert values[0] in details["rule"], answer.text
                answer = w.client.get(url, params={name: value}, headers=w.net.regulator.headers)
                assert answer.status_code == 200, (url, name, value, answer.text)
            checked.append((route.path, name))
    for expected in [
        ("/v1/documents", "type"),
        ("/v1/documents", "status"),
        ("/v1/financings", "status"),
        ("/v1/audit/refusals", "reason"),
        ("/v1/audit/export", "event"),
    ]:
        assert expected in checked, checked


def _body_enums(w: World, route: Route) -> tuple[str, dict[str, list[str]]]:
    """(``json`` or ``data``, {field: its values}) of the route's request body."""
    components = w.app.openapi()["components"]["schemas"]
    for media, schema in content_of(route).items():
        ref = schema.get("schema", {}).get("$ref", "")
        properties = components.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
        found = {k: _enum_of(v) for k, v in properties.items() if _enum_of(v)}
        if found:
            return ("json" if media == "application/json" else "data"), found
    return "", {}


def test_an_enumerated_body_value_is_taken_as_written(world: World) -> None:
    """``-F doc_type=INVOICE`` registered a .txt file as an invoice: every enumerated field of
    every write body (a form field or a JSON key) takes its documented spelling only, and the
    refusal writes nothing."""
    w, valid, checked = world, Valid(world), []
    for route in writes(w):
        if (route.method, route.path) in FREE_FORM_BODIES or (route.method, route.path) == OWN_KEY:
            continue
        where, fields = _body_enums(w, route)
        for field, values in fields.items():
            for bad in (_other_case(values[0]), f" {values[0]}"):
                role, url, kwargs = valid.request(route)
                if route.path == "/v1/governance/proposals":
                    kwargs = {
                        "json": {
                            "action": "add_member",
                            "account": Account.create().address,
                            "role": "bank",
                            "name": "Case Bank",
                        }
                    }
                if where == "json":
                    kwargs["json"] = {**kwargs["json"], field: bad}
                else:
                    kwargs["data"] = {field: bad}
                before = head(w)
                details = refused(send(w, role, url, **kwargs), field)
                assert "must be one of" in details["rule"], details
                assert head(w) == before
            checked.append((route.path, field))
    for expected in [
        ("/v1/documents", "doc_type"),
        ("/v1/documents/batch", "doc_type"),
        ("/v1/financings", "kind"),
        ("/v1/members", "role"),
        ("/v1/governance/proposals", "action"),
        ("/v1/governance/proposals", "role"),
    ]:
        assert expected in checked, checked


def test_an_object_sent_for_a_list_is_told_it_must_be_a_list(world: World) -> None:
    """Tryout 59: ``{"documents": {"a": 1}, …}`` was told ``documents.a: is not a field of
    documents`` — the object read as one of the list's items. Every write's list of objects,
    sent an object instead, is refused naming the list, as the model says it."""
    w = world
    checked = []
    for route, role, url, kwargs, body in model_writes(w):
        for key, value in body.items():
            if not (isinstance(value, list) and value and isinstance(value[0], dict)):
                continue
            before = head(w)
            response = send(w, role, url, **{**kwargs, "json": {**body, key: {"a": 1}}})
            details = refused(response, key)
            assert "is not a field" not in details["rule"], details
            assert head(w) == before, (route.path, key)
            checked.append((route.path, key))
    assert ("/v1/financings", "documents") in checked
