"""The OpenAPI says what the API really answers: every operation declares its error statuses
with the one error body, and every status a route really returns — exercised here for every
operation, every role, no key, known, unknown and malformed records — is declared for it."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from api_helpers import UBL, client_fixture, finance, lodge, register, unique_file
from fastapi.testclient import TestClient

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

ERROR_REF = "#/components/schemas/ErrorBody"
INVALID_REF = "#/components/schemas/InvalidInputBody"
WRITES = ("post", "put", "patch", "delete")


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if method in ("get", *WRITES)
    ]


def _schema_ref(response: dict[str, Any]) -> str | None:
    ref = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
    return str(ref) if ref is not None else None


def test_every_operation_declares_its_errors_with_the_error_body(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert set(schemas["ErrorBody"]["required"]) == {"error", "message", "details"}
    assert {"field", "rule"} <= set(schemas["InvalidInputDetails"]["required"])
    assert "HTTPValidationError" not in schemas  # FastAPI's default 422 body is never sent
    operations = _operations(spec)
    assert len(operations) > 30
    for method, path, op in operations:
        responses = op["responses"]
        where = f"{method.upper()} {path}"
        if path == "/health":
            assert set(responses) == {"200", "503"}, where
            continue
        assert op.get("security"), f"{where} takes an API key"
        for status in ("401", "422", "503"):
            assert status in responses, f"{where} does not declare {status}"
        assert _schema_ref(responses["422"]) == INVALID_REF, where
        for status in ("401", "403", "503"):
            assert _schema_ref(responses[status]) == ERROR_REF, (where, status)
        if method in WRITES:
            # a role, an unknown record, a duplicate or a reused Idempotency-Key
            for status in ("403", "404", "409"):
                assert status in responses, f"{where} does not declare {status}"
        if "{" in path and not path.startswith("/v1/audit/"):
            assert "404" in responses, f"{where} does not declare 404"
        if path.startswith("/v1/audit/") or path == "/v1/documents":
            assert "403" in responses, f"{where} refuses others' records: declare 403"


def _fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def test_every_status_a_route_returns_is_declared(client: TestClient, network: Network) -> None:
    """A small schemathesis: each operation × (no key, a bad key, each role) × (a known, an
    unknown and a malformed record), with an empty body; then a few requests that must conflict.
    Every answer's status is declared for its operation, and every error has the error body."""
    spec = client.get("/openapi.json").json()
    doc = register(client, network.enterprise)
    lodged = lodge(client, network.bank, UBL)["doc_hash"]
    created = finance(client, network.bank, lodged, amount=1000)
    assert created.status_code == 201, created.text
    financing = str(created.json()["financing_id"])
    known = {
        "doc_hash": doc,
        "financing_id": financing,
        "address": network.enterprise.address,
        "proposal_id": "1",
    }
    unknown = {
        "doc_hash": "0x" + "77" * 32,
        "financing_id": "999999",
        "address": "0x" + "12" * 20,
        "proposal_id": "999999",
    }
    malformed = {"doc_hash": "0x12", "financing_id": "x", "address": "nobody", "proposal_id": "x"}
    callers: list[dict[str, str]] = [{}, {"Authorization": "Bearer tl_nope_nope"}]
    callers += [p.headers for p in network.by_role().values()]

    seen: dict[tuple[str, str], set[int]] = defaultdict(set)

    def check(method: str, path: str, response: Any) -> None:
        seen[(method, path)].add(response.status_code)
        if response.status_code >= 400:
            body = response.json()
            assert set(body) >= {"error", "message", "details"}, (method, path, body)
            assert isinstance(body["details"], dict), (method, path, body)

    # conflicts: a duplicate registration, a reused Idempotency-Key, a financing refused
    ent = network.enterprise
    same = unique_file("twice")
    for _ in range(2):
        check(
            "post", "/v1/documents", client.post("/v1/documents", files=same, headers=ent.headers)
        )
    key = {**ent.headers, "Idempotency-Key": "k-1"}
    for n in range(2):
        response = client.post("/v1/documents", files=unique_file(f"idem{n}"), headers=key)
        check("post", "/v1/documents", response)
    bank_b_copy = lodge(client, network.bank_b, UBL)["doc_hash"]
    check("post", "/v1/financings", finance(client, network.bank_b, bank_b_copy, amount=1000))
    assert 409 in seen[("post", "/v1/documents")]
    assert 409 in seen[("post", "/v1/financings")]

    # last the keys: rotating and revoking them locks the callers out (401 from then on)
    operations = sorted(
        _operations(spec), key=lambda o: (o[1].startswith("/v1/keys"), o[1] == "/v1/keys/rotate")
    )
    for method, path, _ in operations:
        variants = (known, unknown, malformed) if "{" in path else (known,)
        for values in variants:
            for headers in callers:
                url = _fill(path, values)
                response = client.request(method.upper(), url, headers=headers)
                check(method, path, response)

    undeclared = {
        f"{method.upper()} {path}": sorted(
            s for s in statuses if str(s) not in spec["paths"][path][method]["responses"]
        )
        for (method, path), statuses in seen.items()
    }
    assert {k: v for k, v in undeclared.items() if v} == {}
    # what the exercise reached, so a route that stopped raising is noticed
    reached = set().union(*seen.values())
    assert {200, 201, 401, 403, 404, 409, 422} <= reached
