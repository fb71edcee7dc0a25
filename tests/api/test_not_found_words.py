"""Every 404 and 405 answers in the one error body, naming what was not found and the rule.

A newcomer's tryout read ``{"error": "not_found", "message": "document 0x… is not
registered", "details": {"doc_hash": "0x…"}}`` from ``POST /v1/documents/{doc_hash}/supersede``
— no ``field``, no ``rule``, where ``POST /v1/financings/999/drawdown`` (the contract's
``FinancingNotFound``) named ``financing_id`` and its rule — and ``{"error": "not_found",
"message": "Not Found", "details": {}}`` for ``GET /v1/nope``. Each route that can answer 404
is tried here with a record nobody has, and an unknown path and a method a path does not serve
with the same shape: a code, a message that is ``field: rule`` or the rule, ``details.field``
naming the path parameter (``doc_hash``, ``financing_id``, ``address``, ``proposal_id``;
``path`` or ``method`` for a route that is not there) and ``details.rule``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import client_fixture, unique_file
from fastapi.testclient import TestClient

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

NOBODY_HASH = "0x" + "cd" * 32
NOBODY = "0x" + "22" * 20
JSON = {"Content-Type": "application/json"}

#: (who, method, path, what is sent, the field named): each route that can answer 404
ROUTES: list[tuple[str, str, str, dict[str, Any], str]] = [
    ("enterprise", "GET", f"/v1/documents/{NOBODY_HASH}", {}, "doc_hash"),
    ("enterprise", "GET", f"/v1/documents/{NOBODY_HASH}/proof", {}, "doc_hash"),
    (
        "enterprise",
        "POST",
        f"/v1/documents/{NOBODY_HASH}/supersede",
        {"files": unique_file("s")},
        "doc_hash",
    ),
    (
        "enterprise",
        "POST",
        f"/v1/documents/{NOBODY_HASH}/revoke",
        {"json": {"reason_code": 3}},
        "doc_hash",
    ),
    (
        "attestor",
        "POST",
        f"/v1/documents/{NOBODY_HASH}/attest",
        {"json": {"evidence": "MRN 1"}},
        "doc_hash",
    ),
    ("bank", "GET", "/v1/financings/999", {}, "financing_id"),
    ("bank", "POST", "/v1/financings/999/drawdown", {"json": {"amount": 1}}, "financing_id"),
    ("bank", "POST", "/v1/financings/999/repay", {"json": {"amount": 1}}, "financing_id"),
    ("bank", "POST", "/v1/financings/999/close", {}, "financing_id"),
    ("bank", "POST", "/v1/financings/999/cancel", {"json": {"reason_code": 2}}, "financing_id"),
    ("admin", "GET", f"/v1/members/{NOBODY}", {}, "address"),
    ("admin", "POST", f"/v1/members/{NOBODY}/suspend", {}, "address"),
    ("admin", "POST", f"/v1/members/{NOBODY}/reinstate", {}, "address"),
    ("admin", "POST", f"/v1/keys/{NOBODY}/rotate", {}, "address"),
    ("admin", "POST", f"/v1/keys/{NOBODY}/revoke", {}, "address"),
    ("admin", "GET", "/v1/governance/proposals/999", {}, "proposal_id"),
    ("admin", "POST", "/v1/governance/proposals/999/approve", {}, "proposal_id"),
]


def _shape(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, (answer.request.url, answer.text)
    body: dict[str, Any] = answer.json()
    assert set(body) == {"error", "message", "details"}, body
    details = body["details"]
    assert isinstance(details.get("field"), str), body
    assert details["field"], body
    assert isinstance(details.get("rule"), str), body
    assert details["rule"], body
    assert body["message"] in (f"{details['field']}: {details['rule']}", details["rule"]), body
    return body


@pytest.mark.parametrize(("who", "method", "path", "sent", "field"), ROUTES)
def test_every_404_names_the_field_and_the_rule(
    client: TestClient,
    network: Network,
    who: str,
    method: str,
    path: str,
    sent: dict[str, Any],
    field: str,
) -> None:
    headers = getattr(network, who).headers
    answer = client.request(method, path, headers=headers, **sent)
    body = _shape(answer, 404)
    assert body["details"]["field"] == field, body


@pytest.mark.parametrize("path", ["/v1/nope", "/nope", "/v1/documents/x/y/z"])
def test_an_unknown_path_is_a_404_in_the_one_error_body(
    client: TestClient, network: Network, path: str
) -> None:
    answer = client.get(path, headers=network.enterprise.headers)
    body = _shape(answer, 404)
    assert body["error"] == "not_found", body
    assert body["details"]["field"] == "path", body
    assert body["details"]["path"] == path, body
    assert body["message"] != "Not Found", body


def test_a_method_not_served_is_a_405_in_the_one_error_body(
    client: TestClient, network: Network
) -> None:
    answer = client.delete("/v1/documents", headers=network.enterprise.headers)
    body = _shape(answer, 405)
    assert body["error"] == "method_not_allowed", body
    assert body["details"]["field"] == "method", body
    assert body["details"]["allowed"] == ["GET", "POST"], body
    assert answer.headers["Allow"] == "GET, POST"
