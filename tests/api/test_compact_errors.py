"""Every error body is the same compact JSON, whichever layer refused the request: a lone
surrogate in a JSON body (refused by a middleware before any route) was written with
``json.dumps``' spaced separators and ``\\u00a7`` escapes, unlike a route's 422; an idempotent
replay was re-serialised the same way, so it was not the bytes first given."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from api_helpers import client_fixture, unique_file
from fastapi.testclient import TestClient

if TYPE_CHECKING:
    from tests.conftest import Network

__all__ = ["client_fixture"]


def _compact(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def test_a_lone_surrogate_is_refused_in_the_compact_envelope(
    client: TestClient, network: Network
) -> None:
    raw = (
        b'{"documents": [{"doc_hash": "0x' + b"ab" * 32 + b'", "amount": 1}], "currency": "DKK",'
        b' "kind": "invoice_financing", "maturity": "2030-01-01", "reference": "A\\ud800"}'
    )
    answer = client.post(
        "/v1/financings",
        content=raw,
        headers={**network.bank.headers, "content-type": "application/json"},
    )
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["error"] == "invalid_input"
    assert body["details"]["field"] == "reference"
    assert answer.content == _compact(body)
    assert b"\n" not in answer.content
    # the same envelope as a 422 a route gives
    route = client.get("/v1/documents/nope", headers=network.bank.headers)
    assert route.status_code == 422
    assert route.content == _compact(route.json())


def test_a_replayed_answer_is_the_bytes_first_given(client: TestClient, network: Network) -> None:
    headers = {**network.enterprise.headers, "Idempotency-Key": "compact-replay-1"}
    files = unique_file("compact")
    first = client.post("/v1/documents", files=files, headers=headers)
    again = client.post("/v1/documents", files=files, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    reused = client.post("/v1/documents", files=unique_file("other"), headers=headers)
    assert reused.status_code == 409
    assert reused.content == _compact(reused.json())
