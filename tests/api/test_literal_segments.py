"""A path a route names literally is that route's: a method it does not serve is 405 with its
``Allow``, never an answer of a ``{param}`` route that happens to match it too.

A fresh user sent ``GET /v1/documents/batch`` and was answered 422 ``doc_hash: must be 32
bytes as 64 hex digits``: ``/v1/documents/batch`` serves POST only, so ``GET
/v1/documents/{doc_hash}`` took ``batch`` for a document hash. Likewise ``check``, ``receive``,
``verify``, ``json``, ``openattestation``. Every literal path the gateway serves is tried here
with every method it does not serve, wherever a ``{param}`` route also matches it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from api_helpers import client_fixture
from fastapi.testclient import TestClient
from lifecycle import served_routes

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_PARAM = re.compile(r"\{[^}/]+\}")


def _template(path: str) -> re.Pattern[str]:
    return re.compile(
        "^" + _PARAM.sub("[^/]+", re.escape(path).replace(r"\{", "{").replace(r"\}", "}")) + "$"
    )


def test_a_literal_path_is_never_read_as_a_parameter(client: TestClient, network: Network) -> None:
    served: dict[str, set[str]] = {}
    for route in served_routes(client.app):  # type: ignore[arg-type]
        served.setdefault(route.path, set()).add(route.method)
    templates = {p: _template(p) for p in served if _PARAM.search(p)}
    checked = 0
    for path, methods in served.items():
        if _PARAM.search(path):
            continue
        shadows = [t for t, regex in templates.items() if regex.match(path)]
        if not shadows:
            continue
        for method in METHODS:
            if method in methods:
                continue
            answer = client.request(method, path, headers=network.bank.headers)
            assert answer.status_code == 405, (method, path, shadows, answer.text)
            allowed = answer.headers["Allow"].split(", ")
            assert set(allowed) - {"HEAD"} == methods, (method, path, allowed)
            assert answer.json()["details"]["allowed"] == allowed
            checked += 1
    assert checked >= 24, checked  # batch, check, receive, verify, json, openattestation, …


@pytest.mark.parametrize(
    "segment", ["batch", "check", "receive", "verify", "json", "openattestation"]
)
def test_get_of_a_post_only_document_route_is_405(
    client: TestClient, network: Network, segment: str
) -> None:
    answer = client.get(f"/v1/documents/{segment}", headers=network.bank.headers)
    assert answer.status_code == 405, answer.text
    assert answer.headers["Allow"] == "POST"
    body = answer.json()
    assert body["error"] == "method_not_allowed"
    assert body["message"] == f"GET is not served at /v1/documents/{segment}: it serves POST"


def test_a_document_hash_is_still_read(client: TestClient, network: Network) -> None:
    """The ``{doc_hash}`` route still answers a hash, and a wrong one in its own words."""
    unknown = client.get("/v1/documents/0x" + "11" * 32, headers=network.bank.headers)
    assert unknown.status_code == 404, unknown.text
    wrong = client.get("/v1/documents/0x12", headers=network.bank.headers)
    assert wrong.status_code == 422
    assert wrong.json()["details"]["field"] == "doc_hash"
    lodged = client.get("/v1/documents/lodged", headers=network.bank.headers)
    assert lodged.status_code == 200, lodged.text
