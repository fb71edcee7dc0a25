"""A date written as ISO 8601 but not in the calendar is told so, on every date the API reads.

A newcomer's tryout sent ``GET /v1/documents?from=2026-02-30`` and read ``from: must be ISO 8601
(e.g. 2026-01-31 …) or Unix seconds``: untrue — it is ISO 8601 syntax — and no help. A
financing's ``maturity`` said ``day value is outside expected range`` and a JSON form's
``issueDate`` ``is not a valid calendar date``. Every date query parameter (every route's
``since``/``until``/``from``/``to``, read from the OpenAPI), a financing's maturity (a date or a
date-time) and a JSON form's dates now say which part the calendar does not have
(:func:`ledger.calendardays.day_rule`), naming the field with a rule.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import BILL, client_fixture, xml
from fastapi.testclient import TestClient

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

#: dates in ISO 8601's form that the calendar does not have, and why
NO_SUCH_DAYS = {
    "2026-02-30": "2026-02 has 28 days",
    "2025-02-29": "2025-02 has 28 days: 2025 is not a leap year",
    "2027-04-31": "2027-04 has 30 days",
    "2026-13-01": "there is no month 13: months are 01 to 12",
    "2026-00-10": "there is no month 00: months are 01 to 12",
    "2026-01-00": "there is no day 00: days start at 01",
}
JSON = {"Content-Type": "application/json"}
TIME_BOUNDS = ("since", "until", "from", "to")


def _rule(why: str) -> str:
    return f"must be a real calendar day ({why})"


def _details(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 422, answer.text
    body: dict[str, Any] = answer.json()
    assert body["message"] == f"{body['details']['field']}: {body['details']['rule']}", body
    return dict(body["details"])


def _date_queries(client: TestClient) -> list[tuple[str, str]]:
    """Every (path, parameter) of a GET route with no path parameter that takes a time bound."""
    found = []
    for path, item in client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        params = item.get("get", {}).get("parameters", [])
        if "{" in path:
            continue
        found += [(path, p["name"]) for p in params if p["name"] in TIME_BOUNDS]
    return found


@pytest.mark.parametrize(("written", "why"), NO_SUCH_DAYS.items())
def test_every_date_query_says_the_day_is_not_in_the_calendar(
    client: TestClient, network: Network, written: str, why: str
) -> None:
    queries = _date_queries(client)
    assert {p for _, p in queries} == set(TIME_BOUNDS), queries
    assert len(queries) >= 6, queries
    for value in (written, f"{written}T10:00:00Z"):
        for path, param in queries:
            answer = client.get(path, params={param: value}, headers=network.regulator.headers)
            details = _details(answer)
            assert details["field"] == param, (path, details)
            assert details["rule"] == _rule(why), (path, details)
            assert "ISO 8601" not in details["rule"], details


#: date-times whose time of day the clock does not have, and why
NO_SUCH_TIMES = {
    "2026-12-07T25:00:00Z": "there is no hour 25: hours are 00 to 23",
    "2026-12-07T10:60:00Z": "there is no minute 60: minutes are 00 to 59",
    "2026-12-07T10:00:61+01:00": "there is no second 61: seconds are 00 to 59",
}


@pytest.mark.parametrize(("written", "why"), NO_SUCH_TIMES.items())
def test_every_date_query_says_the_time_is_not_on_the_clock(
    client: TestClient, network: Network, written: str, why: str
) -> None:
    """Tryout 75: ``since=2026-12-07T25:00:00Z`` read the generic "must be ISO 8601", where a
    month 13 was named. The time of day is said as the day is."""
    for path, param in _date_queries(client):
        answer = client.get(path, params={param: written}, headers=network.regulator.headers)
        details = _details(answer)
        assert details["field"] == param, (path, details)
        assert details["rule"] == f"must be a real time of day ({why})", (path, details)


@pytest.mark.parametrize(("written", "why"), NO_SUCH_DAYS.items())
def test_a_maturity_says_the_day_is_not_in_the_calendar(
    client: TestClient, network: Network, written: str, why: str
) -> None:
    for value in (written, f"{written}T10:00:00Z"):
        body = {
            "documents": [{"doc_hash": "0x" + "ab" * 32, "amount": 100}],
            "currency": "DKK",
            "kind": "invoice_financing",
            "maturity": value,
            "reference": "R-1",
        }
        answer = client.post("/v1/financings", json=body, headers=network.bank.headers)
        details = _details(answer)
        assert details["field"] == "maturity", details
        assert details["rule"].startswith(_rule(why)), details


@pytest.mark.parametrize(("written", "why"), NO_SUCH_DAYS.items())
def test_a_json_forms_dates_say_the_day_is_not_in_the_calendar(
    client: TestClient, network: Network, written: str, why: str
) -> None:
    for key in ("issueDate", "dueDate"):
        form = {
            **json.loads(BILL),
            "documentType": "Invoice",
            "documentNumber": f"CAL-{key}-{written}",
            "issueDate": "2024-01-02",
            "totalAmount": {"value": "100.00", "currency": "DKK"},
            key: written,
        }
        text = json.dumps(form)
        headers = network.enterprise.headers
        sent = client.post("/v1/documents/json", content=text, headers={**headers, **JSON})
        uploaded = client.post("/v1/documents", files=xml(text.encode(), "f.json"), headers=headers)
        for answer in (sent, uploaded):
            details = _details(answer)
            assert details["field"] == key, details
            assert details["rule"] == _rule(why), details
