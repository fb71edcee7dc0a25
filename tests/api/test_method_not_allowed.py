"""A method a path does not serve is 405 with the ``Allow`` header RFC 9110 §15.5.6 requires,
listing every method the path serves, and the same list in the one error body.

A fresh user sent ``DELETE /v1/financings`` and was answered ``Allow: POST`` — though ``GET
/v1/financings`` lists them — with the body ``{"error": "method_not_allowed", "message":
"Method Not Allowed", "details": {}}``: Starlette named the methods of the first route whose
path matched only. Every path the gateway serves is tried here with every method, and the
``Allow`` of each 405 is checked against what the other methods were actually answered with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from api_helpers import client_fixture
from fastapi.testclient import TestClient
from lifecycle import served_routes

from api.bridge import BridgeApp

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
#: harmless path values: nothing they name exists
PATH = {
    "doc_hash": "0x" + "11" * 32,
    "financing_id": "999999",
    "proposal_id": "999999",
    "address": "0x" + "22" * 20,
}


def _url(path: str) -> str:
    for name, value in PATH.items():
        path = path.replace("{" + name + "}", value)
    return path


def test_every_405_lists_every_method_the_path_serves(client: TestClient, network: Network) -> None:
    served: dict[str, set[str]] = {}
    for route in served_routes(client.app):  # type: ignore[arg-type]
        served.setdefault(_url(route.path), set()).add(route.method)
    checked = 0
    for url, methods in served.items():
        answers = {
            m: client.request(m, url, headers=network.attestor.headers)
            for m in METHODS
            if m not in methods  # never sends a served write (a key rotation, a registration)
        }
        allowed = sorted(methods | {m for m, a in answers.items() if a.status_code != 405})
        for method, answer in answers.items():
            if answer.status_code != 405:
                continue
            assert answer.headers["Allow"] == ", ".join(allowed), (method, url, answer.headers)
            if method == "HEAD":
                continue  # no body
            body = answer.json()
            assert body["error"] == "method_not_allowed", body
            rule = f"{method} is not served at {url}: it serves {', '.join(allowed)}"
            assert body["details"] == {
                "field": "method",
                "rule": rule,
                "method": method,
                "path": url,
                "allowed": allowed,
            }, body
            assert body["message"] == rule
            checked += 1
    assert checked > 100, checked


def test_the_financings_list_is_named_beside_its_write(
    client: TestClient, network: Network
) -> None:
    """The tryout's case: ``DELETE /v1/financings`` names GET and POST."""
    answer = client.delete("/v1/financings", headers=network.bank.headers)
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET, POST"
    assert answer.json()["details"]["allowed"] == ["GET", "POST"]


@pytest.mark.embedded_only("the /rpc bridge serves the embedded chain")
def test_the_bridge_names_post(network: Network) -> None:
    """The node's JSON-RPC listener (``/rpc``) serves POST only: ``GET /rpc`` says so too."""
    local = TestClient(BridgeApp(network.ledger), client=("127.0.0.1", 50000))
    answer = local.get("/rpc")
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "POST"
    assert answer.json()["details"] == {
        "field": "method",
        "rule": "GET is not served at /rpc: it serves POST",
        "method": "GET",
        "path": "/rpc",
        "allowed": ["POST"],
    }
