"""Every list paged by an id reads its cursor by the one rule (``ledger.services.paging``):
what no list returns — ``01``, ``0``, 35 digits, a sign — is a 422 naming ``cursor`` in the
same words, on members and proposals as on financings; a cursor a list returned is taken."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from api_helpers import client_fixture
from fastapi.testclient import TestClient

from ledger.services.paging import RULE

if TYPE_CHECKING:
    from tests.conftest import Network

__all__ = ["client_fixture"]

LISTS = {
    "/v1/members": "admin",
    "/v1/governance/proposals": "admin",
    "/v1/financings": "bank",
}
NEVER_RETURNED = ["01", "0", "007", "9" * 35, "+1", " 1", "1.0", "٥"]


@pytest.mark.parametrize("path", list(LISTS))
def test_a_cursor_no_list_returns_is_refused_in_one_wording(
    client: TestClient, network: Network, path: str
) -> None:
    headers = getattr(network, LISTS[path]).headers
    for cursor in NEVER_RETURNED:
        answer = client.get(path, params={"cursor": cursor}, headers=headers)
        assert answer.status_code == 422, (path, cursor, answer.text)
        details = answer.json()["details"]
        assert details["field"] == "cursor", answer.text
        assert details["rule"] == RULE, answer.text


def test_a_returned_cursor_is_taken(client: TestClient, network: Network) -> None:
    first = client.get("/v1/members", params={"limit": 1}, headers=network.admin.headers)
    assert first.status_code == 200, first.text
    cursor = first.json()["next_cursor"]
    assert cursor == "1"
    following = client.get(
        "/v1/members", params={"limit": 1, "cursor": cursor}, headers=network.admin.headers
    )
    assert following.status_code == 200, following.text
    assert following.json()["items"] != first.json()["items"]
