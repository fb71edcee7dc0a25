"""A 401 names the ``Authorization`` header and the rule in its details, as every other
refusal names its field (tryout 72 read ``"details": {}`` for a missing and a revoked key)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from api_helpers import client_fixture

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

__all__ = ["client_fixture"]


@pytest.mark.parametrize(
    ("headers", "rule"),
    [
        ({}, "send `Authorization: Bearer <api key>`"),
        ({"Authorization": "Bearer tl_0000_" + "0" * 40}, "unknown or revoked API key"),
        ({"Authorization": "Bearer x"}, "malformed API key"),
    ],
)
def test_a_401_names_the_header_and_the_rule(
    client: TestClient, headers: dict[str, str], rule: str
) -> None:
    answer = client.get("/v1/financings", headers=headers)
    assert answer.status_code == 401, answer.text
    body = answer.json()
    assert body["error"] == "unauthorized"
    assert body["details"]["field"] == "Authorization"
    assert rule in body["details"]["rule"]
