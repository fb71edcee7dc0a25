"""A document's date is a calendar date: a time or an offset is refused, never dropped.

A fresh user registered a JSON-form invoice with ``"issueDate": "2024-01-02T23:00:00-05:00"``
and got 201: the gateway recorded 2024-01-02 and said nothing of the time and offset it had
dropped (23:00 at -05:00 is already the 3rd in UTC: which day did the user mean?). EN 16931
BT-2 (the issue date) and BT-9 (the due date) are dates, with no time and no zone, so a form
registered now is refused, naming the field and the rule; every date the form reads, through
every route that registers one. A UBL invoice's ``cbc:IssueDate`` is an ``xs:date``: a zone is
allowed there (the day is the one written), a time is not — refused the same way. A form read
to check or lodge (a document registered before this rule) is read as it was then: the day
written.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import UBL, client_fixture, xml
from fastapi.testclient import TestClient

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

JSON = {"Content-Type": "application/json"}


def _form(number: str, **dates: str) -> dict[str, Any]:
    return {
        "documentType": "Invoice",
        "documentNumber": number,
        "issueDate": "2024-01-02",
        "issuer": {"id": "DK13585628", "scheme": "VAT", "country": "DK", "name": "Seller"},
        "consignee": {"id": "5790000436057", "scheme": "GLN", "name": "Buyer"},
        "totalAmount": {"value": "100.00", "currency": "DKK"},
        **dates,
    }


def _refusal(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 422, answer.text
    body: dict[str, Any] = answer.json()
    assert body["error"] in ("invalid_input", "document_format_error"), body
    assert body["message"] == f"{body['details']['field']}: {body['details']['rule']}", body
    return dict(body["details"])


_TERMS = {"issueDate": "BT-2 Invoice issue date", "dueDate": "BT-9 Payment due date"}


@pytest.mark.parametrize("field", ["issueDate", "dueDate"])
@pytest.mark.parametrize(
    "written",
    ["2024-01-02T23:00:00-05:00", "2024-01-02T23:00:00Z", "2024-01-02T10:00", "2024-01-02 10:00"],
)
def test_a_time_in_a_form_date_is_refused_on_every_registering_route(
    client: TestClient, network: Network, field: str, written: str
) -> None:
    ent = network.enterprise
    form = _form(f"T-{field}-{written}", **{field: written})
    if field == "dueDate":
        form["issueDate"] = "2024-01-01"
    text = json.dumps(form).encode()
    answers = {
        "json": client.post("/v1/documents/json", content=text, headers={**ent.headers, **JSON}),
        "upload": client.post("/v1/documents", files=xml(text, "form.json"), headers=ent.headers),
        "batch": client.post(
            "/v1/documents/batch",
            files=[("files", ("form.json", text, "application/json"))],
            headers=ent.headers,
        ),
    }
    for route, answer in answers.items():
        details = _refusal(answer)
        assert details["field"] in (field, f"files[0].{field}"), (route, details)
        rule = details["rule"]
        assert rule.startswith("must be a calendar date written YYYY-MM-DD (ISO 8601)"), rule
        assert f"a time is not part of {_TERMS[field]}" in rule, (route, rule)
        assert written in rule, rule  # what was sent, quoted
    # nothing was registered: the same form with a calendar date registers
    form[field] = written[:10]
    registered = client.post(
        "/v1/documents/json", content=json.dumps(form).encode(), headers={**ent.headers, **JSON}
    )
    assert registered.status_code == 201, registered.text


@pytest.mark.parametrize("written", ["2024-01-02Z", "2024-01-02+01:00", "2024-01-02-05:00"])
def test_an_offset_on_a_form_date_is_refused(
    client: TestClient, network: Network, written: str
) -> None:
    """ISO 8601 gives a calendar date no zone, and BT-2 is the day the invoice states, which
    no offset moves: an offset is refused rather than read past."""
    ent = network.enterprise
    text = json.dumps(_form(f"Z-{written}", issueDate=written)).encode()
    details = _refusal(
        client.post("/v1/documents/json", content=text, headers={**ent.headers, **JSON})
    )
    assert details["field"] == "issueDate"
    assert "which no offset moves, so write no offset" in details["rule"], details
    assert "BT-2 Invoice issue date" in details["rule"], details


def test_a_trade_document_names_its_own_term(client: TestClient, network: Network) -> None:
    ent = network.enterprise
    form = {**_form("BL-T1", issueDate="2024-01-02T08:00:00Z"), "documentType": "BillOfLading"}
    del form["totalAmount"]
    details = _refusal(
        client.post(
            "/v1/documents/json", content=json.dumps(form).encode(), headers={**ent.headers, **JSON}
        )
    )
    assert details["field"] == "issueDate"
    assert "a time is not part of Document issue date" in details["rule"], details


def test_a_form_checked_or_lodged_is_read_as_registered_before(
    client: TestClient, network: Network
) -> None:
    """A form registered before the rule (a time in its date) stays readable: check and
    receive read the day written — the issuer's day, never moved by the offset."""
    text = json.dumps(_form("OLD-1", issueDate="2024-01-02T23:00:00-05:00")).encode()
    for route in ("/v1/documents/check", "/v1/documents/receive"):
        answer = client.post(route, files=xml(text, "form.json"), headers=network.bank.headers)
        assert answer.status_code == 200, (route, answer.text)
        assert answer.json()["facts"]["issueDate"] == "2024-01-02", answer.json()["facts"]


def test_a_ubl_issue_date_with_a_time_is_refused_and_with_a_zone_is_its_day(
    client: TestClient, network: Network
) -> None:
    """``cbc:IssueDate`` is an ``xs:date``: ``2013-04-10+01:00`` is 10 April (an offset is
    allowed by the XSD and moves no day); ``2013-04-10T09:00:00`` is not an xs:date."""
    issued = UBL.split(b"<cbc:IssueDate>", 1)[1].split(b"<", 1)[0]
    for route in ("/v1/documents/check", "/v1/documents"):
        timed = UBL.replace(issued, issued + b"T09:00:00", 1)
        details = _refusal(client.post(route, files=xml(timed), headers=network.enterprise.headers))
        assert details["field"] == "cbc:IssueDate", details
        assert "a time is not part of BT-2 Invoice issue date" in details["rule"], details
    zoned = UBL.replace(issued, issued + b"+01:00", 1)
    answer = client.post("/v1/documents/check", files=xml(zoned), headers=network.bank.headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["facts"]["issueDate"] == issued.decode()
