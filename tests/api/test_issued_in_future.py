"""A document dated in the future is said to be so (``issued_in_future``), never refused.

A tryout registered a JSON-form bill of lading issued 2999-04-12 and checked it: nothing said
the date could not be true. The notice is given wherever a file's facts are read (check,
receive, register), for any document type; a date up to tomorrow in UTC is today somewhere."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ledger.documents import read_document
from ledger.services.documents import issued_in_future
from tests.api.api_helpers import client_fixture

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]


def _bill(issued: date) -> bytes:
    return json.dumps(
        {
            "documentType": "BillOfLading",
            "documentNumber": f"BL-{uuid.uuid4().hex[:10]}",
            "issueDate": issued.isoformat(),
            "issuer": {"id": "DK13585628", "scheme": "VAT", "country": "DK"},
        }
    ).encode()


def _kinds(body: dict[str, Any]) -> list[str]:
    return [n["kind"] for n in body["notices"]]


def test_a_document_issued_in_the_future_says_so(client: TestClient, network: Network) -> None:
    files = {"file": ("bl.json", _bill(date(2999, 4, 12)), "application/json")}
    checked = client.post("/v1/documents/check", files=files, headers=network.bank.headers)
    assert checked.status_code == 200, checked.text
    assert "issued_in_future" in _kinds(checked.json())
    [notice] = [n for n in checked.json()["notices"] if n["kind"] == "issued_in_future"]
    assert "2999-04-12 is after today" in notice["message"]
    made = client.post("/v1/documents", files=files, headers=network.enterprise.headers)
    assert made.status_code == 201, made.text  # said, not refused
    assert "issued_in_future" in _kinds(made.json())


def test_today_and_tomorrow_are_not_the_future() -> None:
    today = datetime.now(UTC).date()
    for day, said in (
        (today, False),
        (today + timedelta(days=1), False),
        (today + timedelta(days=2), True),
    ):
        facts = read_document(_bill(day)).facts
        assert facts is not None
        assert (issued_in_future(facts, today) is not None) is said, day


def test_a_due_date_before_the_issue_date_is_said(client: TestClient, network: Network) -> None:
    """A UBL invoice due 2012-01-01 and issued 2013-04-10 was checked and lodged without a
    word (a tryout; the JSON form refuses it when registered): a ``due_before_issue`` notice."""
    from tests.api.api_helpers import own_invoice, xml

    invoice = own_invoice("DUE")
    assert b"<cbc:DueDate>" in invoice
    start = invoice.index(b"<cbc:DueDate>") + len(b"<cbc:DueDate>")
    early = invoice[:start] + b"2001-01-01" + invoice[start + 10 :]
    checked = client.post("/v1/documents/check", files=xml(early), headers=network.bank.headers)
    assert checked.status_code == 200, checked.text
    [notice] = [n for n in checked.json()["notices"] if n["kind"] == "due_before_issue"]
    assert "due date (BT-9) 2001-01-01 is before its issue date (BT-2)" in notice["message"]
    plain = client.post("/v1/documents/check", files=xml(invoice), headers=network.bank.headers)
    assert "due_before_issue" not in _kinds(plain.json())
