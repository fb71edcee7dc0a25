"""A write field sent empty is refused, naming it, and nothing is written.

FastAPI hands an optional form field sent empty (``-F doc_type=``: a script whose variable was
unset) to the route as if it had been left out, so the tryout's empty ``doc_type`` registered a
text file as ``other``. Every write route that takes a ``doc_type`` — found in the app's own
OpenAPI, form or query — is sent one empty and must answer 422 naming ``doc_type``, with the
chain's head unchanged. Left out, the type is detected as before.
"""

from __future__ import annotations

from typing import Any

import pytest
from api_helpers import client_fixture, unique_file
from fastapi.testclient import TestClient

from tests.conftest import Network

client = client_fixture


def _doc_type_routes(client: TestClient) -> list[tuple[str, str]]:
    """(path, where) for every POST route with a ``doc_type``: ``form`` or ``query``."""
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    found = []
    for path, methods in spec["paths"].items():
        post = methods.get("post")
        if post is None:
            continue
        if any(p["name"] == "doc_type" for p in post.get("parameters", [])):
            found.append((path, "query"))
        content = post.get("requestBody", {}).get("content", {})
        form = content.get("multipart/form-data", {}).get("schema", {})
        ref = form.get("$ref", "").rsplit("/", 1)[-1]
        if "doc_type" in schemas.get(ref, form).get("properties", {}):
            found.append((path, "form"))
    return found


def test_the_routes_with_a_doc_type_are_found(client: TestClient) -> None:
    routes = dict(_doc_type_routes(client))
    assert {"/v1/documents", "/v1/documents/batch", "/v1/documents/receive"} <= routes.keys()
    assert routes["/v1/documents/openattestation"] == "query"


def _empty_doc_type(client: TestClient, path: str, where: str, headers: dict[str, str]) -> Any:
    if where == "query":
        return client.post(path, params={"doc_type": ""}, json={}, headers=headers)
    upload = unique_file("empty-type")
    if path.endswith("/batch"):
        upload = {"files": upload["file"]}
    return client.post(path, files=upload, data={"doc_type": ""}, headers=headers)


@pytest.fixture
def routes(client: TestClient) -> list[tuple[str, str]]:
    return _doc_type_routes(client)


def test_an_empty_doc_type_is_refused_naming_it(
    client: TestClient, network: Network, routes: list[tuple[str, str]]
) -> None:
    for path, where in routes:
        who = network.bank if path.endswith("/receive") else network.enterprise
        head = network.ledger.head_block()
        answer = _empty_doc_type(client, path, where, who.headers)
        assert answer.status_code == 422, (path, answer.status_code, answer.text)
        body = answer.json()
        assert body["details"]["field"] == "doc_type", (path, body)
        assert body["message"].startswith("doc_type: must be one of invoice"), (path, body)
        assert network.ledger.head_block() == head, path  # nothing written


def test_a_doc_type_left_out_is_detected_and_one_given_is_kept(
    client: TestClient, network: Network
) -> None:
    h = network.enterprise.headers
    left_out = client.post("/v1/documents", files=unique_file(), headers=h)
    assert left_out.status_code == 201, left_out.text
    assert left_out.json()["doc_type"] == "other"
    given = client.post(
        "/v1/documents", files=unique_file(), data={"doc_type": "contract"}, headers=h
    )
    assert given.status_code == 201, given.text
    assert given.json()["doc_type"] == "contract"
