"""A value of the wrong JSON type is refused in the gateway's words, naming the field, the rule
and the JSON type it must be — never in pydantic's.

A fresh user sent ``POST /v1/financings`` with ``"documents": "x"`` and ``"currency": 5`` and
was told ``Input should be a valid list`` and ``Input should be a valid string``: pydantic's
words, which name no JSON type (a "list"? a "dictionary or object to extract fields from"?)
and no value. ``"documents": [5]`` was even ``documents[0]: is required``. Every body field of
every endpoint is driven here with every JSON type it does not take — read from the OpenAPI,
so a field added later is driven too — and so is every query parameter with a value of the
wrong kind: each answer is a 422 naming the field, saying the rule in the gateway's words
(``currency: must be a JSON string, not 5``), and none holds pydantic's phrasing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from api_helpers import client_fixture, finance, register, unique_file
from fastapi.testclient import TestClient

from api.errors import PYDANTIC_TYPES, validation_problem
from tests.conftest import Network

__all__ = ["client_fixture"]

#: one value of each JSON type (RFC 8259 §3)
WRONG: dict[str, Any] = {
    "string": "x",
    "integer": 7,
    "number": 1.5,
    "boolean": True,
    "null": None,
    "array": [],
    "object": {},
}
#: the JSON types a schema type takes (an integer is a number too)
_TAKES = {"number": {"number", "integer"}, "integer": {"integer"}}
#: pydantic's own phrasing, which must never reach a client
PYDANTIC = re.compile(
    r"Input should|valid (string|list|integer|dictionary|boolean|number)|Field required|"
    r"Value error|Extra inputs|unable to interpret|to extract fields from|Assertion failed"
)
#: harmless path values: nothing they name exists, so no valid body could change anything
PATH = {
    "doc_hash": "0x" + "11" * 32,
    "financing_id": "999999",
    "proposal_id": "999999",
    "address": "0x" + "22" * 20,
    "merkle_root": "0x" + "33" * 32,
}


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _types(schema: dict[str, Any], spec: dict[str, Any]) -> set[str]:
    """The JSON types a field's schema takes."""
    schema = _resolve(schema, spec)
    if "anyOf" in schema:
        return set().union(*(_types(arm, spec) for arm in schema["anyOf"]))
    kind = schema.get("type")
    if kind is None:
        return {"object"} if "properties" in schema else set(WRONG)
    return _TAKES.get(kind, {kind})


def _fields(
    schema: dict[str, Any], spec: dict[str, Any], path: str = ""
) -> Iterator[tuple[str, Any, set[str]]]:
    """(the field's path as the API names it, a body that holds ``WRONG`` at it — a function of
    the wrong value —, the JSON types it takes), at every depth of an object's properties and
    of an array's items."""
    schema = _resolve(schema, spec)
    for name, prop in schema.get("properties", {}).items():
        where = f"{path}.{name}" if path else name
        yield where, lambda v, n=name: {n: v}, _types(prop, spec)
        prop = _resolve(prop, spec)
        inner = _resolve(prop.get("items", {}), spec) if prop.get("type") == "array" else prop
        nested = "[0]" if prop.get("type") == "array" else ""
        for sub, make, takes in _fields(inner, spec, f"{where}{nested}"):
            wrap = (lambda v, n=name, m=make: {n: [m(v)]}) if nested else None
            yield sub, wrap or (lambda v, n=name, m=make: {n: m(v)}), takes


def _url(path: str) -> str:
    for name, value in PATH.items():
        path = path.replace("{" + name + "}", value)
    return path


def _json_bodies(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                yield method.upper(), path, _resolve(body["schema"], spec)


def _problem(answer: Any, field: str) -> dict[str, Any]:
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["error"] == "invalid_input", body
    assert not PYDANTIC.search(answer.text), answer.text
    problems = body["details"].get("problems") or [body["details"]]
    found = [p for p in problems if p["field"] == field]
    assert found, (field, body)
    return dict(found[0])


def test_every_body_field_refuses_every_json_type_it_does_not_take_in_our_words(
    client: TestClient, network: Network
) -> None:
    spec = client.get("/openapi.json").json()
    driven: set[tuple[str, str]] = set()
    for method, path, schema in _json_bodies(spec):
        for field, make, takes in _fields(schema, spec):
            for kind, value in WRONG.items():
                if kind in takes:
                    continue
                answer = client.request(
                    method, _url(path), json=make(value), headers=network.admin.headers
                )
                problem = _problem(answer, field)
                rule = problem["rule"]
                assert "JSON" in rule or "must be one of" in rule, (path, field, kind, rule)
                assert answer.json()["message"].startswith(answer.json()["details"]["field"])
                driven.add((path, field))
    for expected in [
        ("/v1/financings", "documents"),
        ("/v1/financings", "documents[0].doc_hash"),
        ("/v1/financings", "documents[0].amount"),
        ("/v1/financings", "currency"),
        ("/v1/financings", "kind"),
        ("/v1/financings", "reference"),
        ("/v1/financings", "acknowledge_suspicions"),
        ("/v1/members", "name"),
        ("/v1/governance/proposals", "action"),
        ("/v1/documents/{doc_hash}/attest", "evidence"),
        ("/v1/financings/{financing_id}/drawdown", "amount"),
    ]:
        assert expected in driven, sorted(driven)


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({"amount": []}, "amount", "not an array"),
        ({"currency": 5}, "currency", "must be a JSON string, not 5"),
        ({"documents": "x"}, "documents", 'must be a JSON array, not "x"'),
        ({"documents": {}}, "documents", "must be a JSON array, not an object"),
        ({"documents": [5]}, "documents[0]", "must be a JSON object, not 5"),
        ({"documents": ["x"]}, "documents[0]", 'must be a JSON object, not "x"'),
        ({"documents": [{"doc_hash": 7, "amount": 1}]}, "documents[0].doc_hash", "not 7"),
        ({"reference": None}, "reference", "must be a JSON string, not null"),
        ({"kind": True}, "kind", "must be a JSON string, not true"),
    ],
)
def test_a_financing_says_which_json_type_each_field_takes(
    client: TestClient, network: Network, body: dict[str, Any], field: str, rule: str
) -> None:
    """The tryout's cases, word for word: the value quoted as it was written (``1.5e2``)."""
    doc_hash = register(client, network.enterprise, unique_file())
    request = {"documents": [{"doc_hash": doc_hash, "amount": 100}], **body}
    if "amount" in body:
        request["documents"] = [{"doc_hash": doc_hash, "amount": body["amount"]}]
        field = "documents[0].amount"
        del request["amount"]
    answer = finance(client, network.bank, doc_hash, **request)
    problem = _problem(answer, field)
    assert rule in problem["rule"], problem
    assert answer.json()["message"] == f"{field}: {problem['rule']}", answer.json()


def test_a_number_is_quoted_as_it_was_written(client: TestClient, network: Network) -> None:
    """``"currency": 1.5e2`` is quoted ``1.5e2``, never the ``150.0`` a JSON parser reads."""
    doc_hash = register(client, network.enterprise, unique_file())
    text = (
        f'{{"documents": [{{"doc_hash": "{doc_hash}", "amount": 100}}], "currency": 1.5e2, '
        f'"maturity": "2030-01-01"}}'
    )
    answer = client.post(
        "/v1/financings",
        content=text.encode(),
        headers={**network.bank.headers, "Content-Type": "application/json"},
    )
    assert _problem(answer, "currency")["rule"] == "must be a JSON string, not 1.5e2"


@pytest.mark.parametrize("body", [b"[1, 2]", b'"x"', b"1", b"true"])
def test_a_body_that_is_not_an_object_is_said_so_on_every_json_route(
    client: TestClient, network: Network, body: bytes
) -> None:
    spec = client.get("/openapi.json").json()
    for method, path, _ in _json_bodies(spec):
        answer = client.request(
            method,
            _url(path),
            content=body,
            headers={**network.admin.headers, "Content-Type": "application/json"},
        )
        assert _problem(answer, "body")["rule"] == "must be a JSON object", (path, answer.text)


#: a wrong value of each kind of query parameter, by its schema type
_WRONG_QUERY = {"integer": ["x", "1.5", "true"], "boolean": ["x", "yes", "1", "TRUE", "on"]}


def _query_types(schema: dict[str, Any]) -> tuple[set[str], list[str]]:
    types = {arm.get("type") for arm in [schema, *schema.get("anyOf", [])]}
    arms = [schema, *schema.get("anyOf", [])]
    enum = [v for arm in [*arms, *(a.get("items", {}) for a in arms)] for v in arm.get("enum", [])]
    return {t for t in types if t}, enum


def test_every_query_parameter_refuses_a_wrong_value_in_our_words(
    client: TestClient, network: Network
) -> None:
    """An integer given ``x``, a boolean ``yes`` or ``TRUE``, an enumerated value in another
    case (``BANK``) or none of its values: a 422 naming the parameter, in our words; a value
    that is one of the listed ones but for its case is told the spelling to write."""
    spec = client.get("/openapi.json").json()
    driven: set[tuple[str, str]] = set()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            for param in operation.get("parameters", []):
                if param["in"] != "query":
                    continue
                name, (types, enum) = param["name"], _query_types(param["schema"])
                bad = [*(w for t in types for w in _WRONG_QUERY.get(t, []))]
                if enum:
                    bad += ["NOPE", enum[0].upper() if enum[0].islower() else enum[0].lower()]
                for value in bad:
                    answer = client.request(
                        method.upper(),
                        _url(path),
                        params={name: value},
                        headers=(
                            network.regulator if method == "get" else network.enterprise
                        ).headers,
                        json=None if method == "get" else {},
                    )
                    rule = _problem(answer, name)["rule"]
                    if enum:
                        assert rule.startswith(f"must be one of {', '.join(enum)}"), rule
                    listed = [*enum, *(("true", "false") if "boolean" in types else ())]
                    if value.casefold() in {e.casefold() for e in listed}:
                        assert f"write {value.casefold()}" in rule.casefold(), rule
                    driven.add((path, name))
    for expected in [
        ("/v1/governance/proposals", "pending"),
        ("/v1/governance/proposals", "limit"),
        ("/v1/audit/exposure", "by"),
        ("/v1/audit/export", "format"),
        ("/v1/audit/export", "event"),
        ("/v1/audit/refusals", "reason"),
        ("/v1/documents", "type"),
        ("/v1/documents", "status"),
        ("/v1/financings", "status"),
        ("/v1/documents/openattestation", "doc_type"),
    ]:
        assert expected in driven, sorted(driven)


def test_a_file_where_a_form_takes_text_is_said_so(client: TestClient, network: Network) -> None:
    """``-F doc_type=@invoice.txt`` (a file where the form takes text) is neither a "JSON
    string" nor pydantic's "valid string": it names the field and says to send text."""
    files = {
        "file": ("a.txt", b"a file", "text/plain"),
        "doc_type": ("invoice.txt", b"invoice", "text/plain"),
    }
    answer = client.post("/v1/documents", files=files, headers=network.enterprise.headers)
    rule = _problem(answer, "doc_type")["rule"]
    assert rule == "must be a text field, not a file (curl -F doc_type=value, without @)", rule


@pytest.mark.parametrize("kind", sorted(PYDANTIC_TYPES))
@pytest.mark.parametrize("where", ["body", "query"])
def test_no_pydantic_error_type_is_said_in_pydantics_words(kind: str, where: str) -> None:
    """Every error type pydantic has (``pydantic_core``'s ``ErrorType``), reachable today or
    by a field added tomorrow: its message never reaches the client, the field is named."""
    error = {"type": kind, "loc": (where, "field"), "msg": "Input should be PYDANTIC", "input": 5}
    problem = validation_problem(error, {"field": 5} if where == "body" else None)
    assert problem["field"] in ("field", "body"), problem
    assert "PYDANTIC" not in problem["rule"], problem
    assert not PYDANTIC.search(problem["rule"]), problem
    assert problem["rule"], problem
