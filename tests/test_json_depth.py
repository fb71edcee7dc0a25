"""Deeply nested JSON is refused with 422 before any parser sees it; the process survives.

(py-evm raises the recursion limit to 100,000; a parser given 200k nested brackets would
overflow the C stack and kill the gateway.)"""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.app import create_app
from ledger.jsondepth import MAX_JSON_DEPTH, json_depth
from tests.conftest import Network


def test_json_depth_ignores_brackets_inside_strings() -> None:
    assert json_depth(b'{"a": [1, {"b": "[[[{{{"}]}') == 3
    assert json_depth(b'"\\"[[["') == 0
    assert json_depth(b"[" * 10 + b"]" * 10) == 10


def test_deep_json_is_422_and_the_gateway_lives_on(network: Network) -> None:
    app = create_app(network.ledger.settings, network.ledger)
    deep = b"[" * 200_000 + b"]" * 200_000
    with TestClient(app) as client:
        for path in ("/v1/financings", "/v1/members"):
            response = client.post(
                path,
                content=deep,
                headers={**network.bank.headers, "Content-Type": "application/json"},
            )
            assert response.status_code == 422
            body = response.json()
            assert body["details"]["field"] == "body"
            assert str(MAX_JSON_DEPTH) in body["details"]["rule"]
        assert client.get("/health").status_code == 200
        shallow = client.post(
            "/v1/members",
            json={"name": "x", "role": "bank"},
            headers=network.bank.headers,
        )
        assert shallow.status_code == 403  # parsed normally, then refused for the role
