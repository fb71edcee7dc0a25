"""A request with several bad inputs is told of each in its message, the first first — a tryout
fixed the one field a 422 named, sent the request again and was refused again for the next.
``details.field`` and ``details.rule`` stay the first problem's; ``details.problems`` lists
every one (docs/api.md, *Errors*)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from api_helpers import client_fixture, finance, register, unique_file
from fastapi.testclient import TestClient

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]


def _named(answer: object) -> dict[str, object]:
    assert answer.status_code == 422, answer.text  # type: ignore[attr-defined]
    body: dict[str, object] = answer.json()  # type: ignore[attr-defined]
    details = body["details"]
    assert isinstance(details, dict)
    problems = details["problems"]
    assert isinstance(problems, list), body
    assert len(problems) >= 2, body
    assert (details["field"], details["rule"]) == (problems[0]["field"], problems[0]["rule"])
    assert body["message"] == "; ".join(f"{p['field']}: {p['rule']}" for p in problems), body
    return body


def test_a_body_with_two_bad_fields_names_both(client: TestClient, network: Network) -> None:
    doc_hash = register(client, network.enterprise, unique_file())
    body = _named(finance(client, network.bank, doc_hash, currency="XX", maturity="2027-13-01"))
    message = str(body["message"])
    assert "currency: " in message, message
    assert "maturity: " in message, message
    # the one field a single problem names reads as before
    one = finance(client, network.bank, doc_hash, currency="XX").json()
    assert one["message"] == f"currency: {one['details']['rule']}", one


def test_a_query_with_two_misspelt_parameters_names_both(
    client: TestClient, network: Network
) -> None:
    answer = client.get(
        "/v1/financings",
        params={"stauts": "active", "regisrant": "x"},
        headers=network.regulator.headers,
    )
    message = str(_named(answer)["message"])
    assert "stauts: " in message, message
    assert "regisrant: " in message, message
