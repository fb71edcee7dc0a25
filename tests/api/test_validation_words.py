"""Bounds and dates are refused in the gateway's words, naming the field and the rule — not
pydantic's ("Input should be less than or equal to 255", "invalid date separator, expected
`-`", found by a fresh user's tryout)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from api_helpers import client_fixture, finance, register, unique_file
from fastapi.testclient import TestClient

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]


def _refusal(answer: object) -> tuple[str, str, str]:
    assert answer.status_code == 422, answer.text  # type: ignore[attr-defined]
    body = answer.json()  # type: ignore[attr-defined]
    assert body["error"] == "invalid_input", body
    assert "Input should" not in body["message"], body
    assert body["message"] == f"{body['details']['field']}: {body['details']['rule']}", body
    return body["details"]["field"], body["details"]["rule"], body["message"]


@pytest.mark.parametrize(
    ("maturity", "why"),
    [
        ("99999-01-01", ""),
        ("2027-13-01", "month"),
        ("2027-02-30", "day"),
        ("next year", ""),
        ("2027/01/01", ""),
    ],
)
def test_a_maturity_that_is_not_a_date_is_refused_as_one(
    client: TestClient, network: Network, maturity: str, why: str
) -> None:
    doc_hash = register(client, network.enterprise, unique_file())
    field, rule, _ = _refusal(finance(client, network.bank, doc_hash, maturity=maturity))
    assert field == "maturity"
    if why:  # written as a date, but no such day: which part (test_calendar_day_words)
        assert rule.startswith("must be a real calendar day ("), rule
    else:
        assert "written YYYY-MM-DD (ISO 8601)" in rule, rule
    assert "separator" not in rule
    assert why in rule


def test_a_number_out_of_its_bounds_is_refused_with_the_bound(
    client: TestClient, network: Network
) -> None:
    doc_hash = register(client, network.enterprise, unique_file())
    too_high = client.post(
        f"/v1/documents/{doc_hash}/revoke",
        json={"reason_code": 300},
        headers=network.enterprise.headers,
    )
    assert _refusal(too_high)[:2] == ("reason_code", "must be at most 255")
    negative = client.post(
        f"/v1/documents/{doc_hash}/revoke",
        json={"reason_code": -1},
        headers=network.enterprise.headers,
    )
    field, rule, _ = _refusal(negative)
    assert field == "reason_code"
    assert "no sign" in rule, rule
    # nothing was revoked by the refusals
    assert (
        client.get(f"/v1/documents/{doc_hash}", headers=network.enterprise.headers).json()["status"]
        == "active"
    )


def test_a_query_bound_is_said_in_words(client: TestClient, network: Network) -> None:
    field, rule, _ = _refusal(
        client.get("/v1/documents", params={"limit": 0}, headers=network.regulator.headers)
    )
    assert field == "limit"
    assert rule.startswith("must be at least"), rule
    field, rule, _ = _refusal(
        client.get("/v1/documents", params={"limit": "ten"}, headers=network.regulator.headers)
    )
    assert (field, rule) == ("limit", "must be a whole number written in digits")
