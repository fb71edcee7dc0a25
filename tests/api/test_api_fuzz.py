"""Schemathesis over the gateway's OpenAPI, as every role, on the real embedded chain.

For each operation of the OpenAPI the app serves and each role (admin, two banks, enterprise,
attestor, regulator), Schemathesis generates requests from the schema — valid ones and ones
that break it (wrong types, missing fields, bodies in the wrong media type, odd headers and
path parameters) — and half of those for operations on a record name a real record in some
lifecycle state (``lifecycle.populate``: documents registered, financed, drawn, refused, revoked,
superseded …; financings active, closed, cancelled; proposals), so the handlers, the services
and the contract see them, not only the validation layer.

Every answer must be below 500, have a status the OpenAPI declares for its operation, and an
error answer must carry the one error body (``{"error", "message", "details"}``). A role
rotating its own key is followed (its new key is used from then on). Everything is counted and
collected, then asserted at the end of each role, with the route, the input and the answer of
each problem.

    pytest tests/api/test_api_fuzz.py                       # CI: 2 cases per operation x role
    pytest tests/api/test_api_fuzz.py -m slow               # on demand: 25 per operation x role
    TRADELEDGER_API_FUZZ_EXAMPLES=100 pytest tests/api/test_api_fuzz.py -m slow

Figures: cases run, answers by class, 5xx, undeclared statuses, error bodies not in the shape.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from lifecycle import ROLES, World, open_world, populate
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from ledger.services import members as member_svc
from ledger.services.roles import Role
from tests import figures

QUICK = 2
LONG = int(os.environ.get("TRADELEDGER_API_FUZZ_EXAMPLES", "25"))
#: how many problems each role's assertion shows
SHOWN = 30


class _NoSecondLifespan:
    """The world's app, already started by the world's TestClient: Schemathesis's ASGI client
    must not start it again (a second index follower would race the first). Rejecting the
    lifespan scope before reading a message is how an ASGI app says it has none."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            raise RuntimeError("started by the world's TestClient")
        await self.app(scope, receive, send)


@dataclass
class Fuzz:
    world: World
    schema: Any
    spec: dict[str, Any]
    #: real values for each path parameter (member writes name spare members only)
    known: dict[str, list[str]]
    keys: dict[str, str]
    problems: dict[str, list[str]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def fuzz() -> Iterator[Fuzz]:
    with open_world() as w:
        populate(w)
        admin = w.net.admin.address
        spare = [
            member_svc.add_member(w.net.ledger, admin, f"Spare {i}", Role.ENTERPRISE)
            for i in range(3)
        ]
        known = {
            "doc_hash": list(w.docs.values()),
            "financing_id": [str(f) for f in w.financings.values()],
            "address": [s.member.address for s in spare],
            "proposal_id": [str(p) for p in w.proposals.values()],
        }
        schema = schemathesis.openapi.from_asgi("/openapi.json", _NoSecondLifespan(w.app))
        keys = {role: w.who(role).api_key for role in ROLES}
        yield Fuzz(w, schema, w.app.openapi(), known, keys)
        from schemathesis.python import asgi

        asgi.shutdown_lifespans()


def _operations(fuzz: Fuzz) -> list[Any]:
    operations = []
    for result in fuzz.schema.get_all_operations():
        assert isinstance(result, Ok), f"the OpenAPI does not load: {result}"
        operations.append(result.ok())
    return operations


def _strategy(fuzz: Fuzz, operation: Any) -> st.SearchStrategy[Any]:
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    names = [p.name for p in operation.path_parameters]
    if names and all(n in fuzz.known for n in names):
        real = st.fixed_dictionaries({n: st.sampled_from(fuzz.known[n]) for n in names})
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategies.append(
                real.flatmap(
                    lambda params, mode=mode: operation.as_strategy(mode, path_parameters=params)
                )
            )
    return st.one_of(strategies)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 160 else text[:160] + "…"


def _error_body_ok(response: Any) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and {"error", "message", "details"} <= set(body)


def _fuzz_operation(fuzz: Fuzz, operation: Any, role: str, examples: int) -> None:
    responses = fuzz.spec["paths"][operation.path][operation.method.lower()]["responses"]
    problems = fuzz.problems.setdefault(role, [])

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(_strategy(fuzz, operation))
    def call(case: Any) -> None:
        figures.add("api fuzz: cases run")
        where = (
            f"{operation.label} as {role} path={_shown(case.path_parameters)} "
            f"query={_shown(case.query)} body={_shown(case.body)}"
        )
        try:
            response = case.call(headers={"Authorization": f"Bearer {fuzz.keys[role]}"})
        except Exception as exc:  # the app raised through the transport: a crash, as a 5xx
            figures.add("api fuzz: 5xx")
            problems.append(f"{where}: raised {type(exc).__name__}: {exc}")
            return
        status = response.status_code
        figures.add(f"api fuzz: {status // 100}xx answers")
        if status >= 500:
            figures.add("api fuzz: 5xx")
            problems.append(f"{where}: {status} {response.text[:200]}")
        if str(status) not in responses and "default" not in responses:
            figures.add("api fuzz: undeclared statuses")
            problems.append(f"{where}: {status} is not declared ({sorted(responses)})")
        if status >= 400 and not _error_body_ok(response):
            figures.add("api fuzz: error answers without the error body")
            problems.append(f"{where}: {status} body {response.text[:200]}")
        if operation.label == "POST /v1/keys/rotate" and status == 200:
            fuzz.keys[role] = json.loads(response.text)["api_key"]

    call()


def _auth(fuzz: Fuzz, role: str) -> dict[str, str]:
    """The role's current API key: the fuzzing may have rotated it (``POST /v1/keys/rotate``)."""
    return {"Authorization": f"Bearer {fuzz.keys[role]}"}


def _fuzz_role(fuzz: Fuzz, role: str, examples: int) -> None:
    operations = _operations(fuzz)
    assert len(operations) > 40
    figures.put("api fuzz: operations", len(operations))
    for operation in operations:
        _fuzz_operation(fuzz, operation, role, examples)
    for name in (
        "api fuzz: 5xx",
        "api fuzz: undeclared statuses",
        "api fuzz: error answers without the error body",
    ):
        figures.add(name, 0)
    problems = fuzz.problems.get(role, [])
    assert not problems, f"{len(problems)} problems as {role}:\n" + "\n".join(problems[:SHOWN])


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_as_every_role(fuzz: Fuzz, role: str) -> None:
    _fuzz_role(fuzz, role, QUICK)


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_every_operation_as_every_role_long(fuzz: Fuzz, role: str) -> None:
    _fuzz_role(fuzz, role, LONG)


# -- what the fuzzing found, kept as plain tests -----------------------------------------------


def _multipart_operations(spec: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (method, path)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if "multipart/form-data" in op.get("requestBody", {}).get("content", {})
    ]


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary=x"])
def test_an_unreadable_multipart_body_is_bad_input_in_the_error_body(
    fuzz: Fuzz, content_type: str
) -> None:
    """Found by this suite: a body that is not multipart under a multipart content type was a
    400 ``{"detail": "Invalid multipart data."}`` — undeclared, and not the error body."""
    w = fuzz.world
    operations = _multipart_operations(fuzz.spec)
    assert len(operations) >= 6
    doc = w.docs["registered"]
    for method, path in operations:
        url = path.replace("{doc_hash}", doc)
        headers = {**_auth(fuzz, "enterprise"), "Content-Type": content_type}
        response = w.client.request(method.upper(), url, content=b"True", headers=headers)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["error"] == "invalid_input", (path, response.text)
        assert response.json()["details"]["field"] == "body", (path, response.text)


def test_unknown_paths_and_methods_answer_in_the_error_body(fuzz: Fuzz) -> None:
    client, headers = fuzz.world.client, _auth(fuzz, "bank")
    missing = client.get("/v1/nothing-here", headers=headers)
    assert missing.status_code == 404
    rule = (
        "/v1/nothing-here is not a path of this API (its routes are listed at /docs and "
        "/openapi.json)"
    )
    assert missing.json() == {
        "error": "not_found",
        "message": rule,
        "details": {"path": "/v1/nothing-here", "field": "path", "rule": rule},
    }
    wrong = client.delete("/v1/documents", headers=headers)
    assert wrong.status_code == 405
    assert wrong.json()["error"] == "method_not_allowed"
    assert "GET" in wrong.headers["allow"]


def test_the_fuzzing_sees_a_server_error(fuzz: Fuzz, monkeypatch: pytest.MonkeyPatch) -> None:
    """The figure can fail: an operation whose service breaks is a 5xx problem, with its input."""
    from ledger.services import members

    def broken(ledger: Any) -> None:
        raise RuntimeError("planted")

    monkeypatch.setattr(members, "governance", broken)
    (operation,) = [o for o in _operations(fuzz) if o.label == "GET /v1/governance"]
    counted = figures.recorded()
    planted = Fuzz(fuzz.world, fuzz.schema, fuzz.spec, fuzz.known, dict(fuzz.keys))
    _fuzz_operation(planted, operation, "regulator", 2)
    assert planted.problems["regulator"]
    assert all("GET /v1/governance as regulator" in p for p in planted.problems["regulator"])
    # the ASGI transport re-raises what the app's catch-all answered with a 500
    assert any(
        ": 500 " in p or "raised RuntimeError: planted" in p for p in planted.problems["regulator"]
    )
    figures.restore(counted)  # the planted fault is not one of the figures


_NOT_ASCII_DIGITS = [
    ("/v1/members", {"cursor": "¹"}),
    ("/v1/governance/proposals", {"cursor": "²"}),
    ("/v1/documents", {"cursor": "¹-0x" + "ab" * 32}),
    ("/v1/audit/refusals", {"since": "¹"}),
    ("/v1/audit/export", {"until": "¹"}),
    ("/v1/audit/documents/0x" + "ab" * 32 + "/timeline", {"until": "¹"}),
    ("/v1/audit/fingerprint-checks", {"cursor": "³"}),
    ("/v1/financings", {"cursor": "¹"}),
]


def test_a_superscript_digit_in_a_cursor_or_time_is_bad_input(fuzz: Fuzz) -> None:
    """Found by the long run: ``GET /v1/audit/documents/{doc_hash}/timeline?until=¹`` as the
    regulator answered 500 (ValueError): ``'¹'.isdigit()`` is true but ``int('¹')`` fails. The
    same check guards every cursor and time filter."""
    w = fuzz.world
    answers = {
        url: w.client.get(url, params=query, headers=_auth(fuzz, "regulator"))
        for url, query in _NOT_ASCII_DIGITS
    }
    assert {url: r.status_code for url, r in answers.items()} == dict.fromkeys(answers, 422)
