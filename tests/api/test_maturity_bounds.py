"""A maturity is a time RFC 3339 can write — never past 9999-12-31T23:59:59Z — and a financing
whose sealed maturity is no such time never breaks a read. Found by a fresh user's tryout:
``9999-12-31T23:59:59-23:59`` (in UTC, the year 10000) was sealed and sent, and from then on
every read of the bank's and the regulator's financings — the list, the financing, the
document, a check — answered 500, and the financing could not be cancelled. Its bank cancels
it (cancelling reads no terms), repays and closes it (the amounts read without the maturity),
but does not draw on it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from api_helpers import client_fixture, finance, lodge, own_invoice, register, xml
from fastapi.testclient import TestClient

from ledger.services import financing as fin

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]


def _lodged_invoice(client: TestClient, network: Network) -> str:
    invoice = own_invoice("MATURITY")
    doc_hash = register(client, network.enterprise, xml(invoice))
    assert lodge(client, network.bank, invoice)["doc_hash"] == doc_hash
    return doc_hash


def _count(client: TestClient, network: Network) -> int:
    listed = client.get("/v1/financings", headers=network.regulator.headers)
    assert listed.status_code == 200, listed.text
    return len(listed.json()["items"])


@pytest.mark.parametrize(
    "maturity", ["9999-12-31T23:59:59-23:59", "9999-12-31T23:00:00-01:00", "10000-01-01"]
)
def test_a_maturity_past_the_year_9999_is_refused_before_anything_is_sent(
    client: TestClient, network: Network, maturity: str
) -> None:
    doc_hash = _lodged_invoice(client, network)
    before = _count(client, network)
    refused = finance(client, network.bank, doc_hash, amount=1_000, maturity=maturity)
    assert refused.status_code == 422, refused.text
    assert refused.json()["details"]["field"] == "maturity", refused.json()
    assert _count(client, network) == before  # nothing was sealed nor sent


def test_the_last_writable_maturity_is_taken_and_read_back(
    client: TestClient, network: Network
) -> None:
    doc_hash = _lodged_invoice(client, network)
    made = finance(client, network.bank, doc_hash, amount=1_000, maturity="9999-12-31T23:59:59Z")
    assert made.status_code == 201, made.text
    financing_id = made.json()["financing_id"]
    read = client.get(f"/v1/financings/{financing_id}", headers=network.bank.headers)
    assert read.status_code == 200, read.text
    assert read.json()["maturity"] == "9999-12-31T23:59:59Z"


def test_a_sealed_maturity_that_is_no_time_reads_as_terms_unread_never_a_500(
    client: TestClient, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another gateway may seal what this one refuses: its financing is read, its terms as if
    they did not open (a warning in the log), by every reader, on every read."""
    doc_hash = _lodged_invoice(client, network)
    with monkeypatch.context() as sealed_elsewhere:  # a gateway without the bound
        sealed_elsewhere.setattr(fin, "LAST_MATURITY", 2**40)
        made = finance(
            client, network.bank, doc_hash, amount=1_000, maturity="9999-12-31T23:59:59-23:59"
        )
    assert made.status_code == 201, made.text
    financing_id = made.json()["financing_id"]
    for who in (network.bank, network.regulator, network.enterprise):
        one = client.get(f"/v1/financings/{financing_id}", headers=who.headers)
        assert one.status_code == 200, (who.role, one.text)
        assert one.json()["maturity"] is None
        listed = client.get("/v1/financings", headers=who.headers)
        assert listed.status_code == 200, (who.role, listed.text)
        document = client.get(f"/v1/documents/{doc_hash}", headers=who.headers)
        assert document.status_code == 200, (who.role, document.text)
    for path in (
        f"/v1/audit/documents/{doc_hash}/timeline",
        f"/v1/audit/financeable?doc_hash={doc_hash}",
    ):
        audited = client.get(path, headers=network.regulator.headers)
        assert audited.status_code == 200, (path, audited.text)


def _sealed_elsewhere(
    client: TestClient, network: Network, monkeypatch: pytest.MonkeyPatch, drawn: int = 0
) -> int:
    """A financing another gateway sealed with a maturity past the year 9999 (and drew
    ``drawn`` on): its id."""
    doc_hash = _lodged_invoice(client, network)
    with monkeypatch.context() as elsewhere:  # a gateway without the bound, that reads it
        elsewhere.setattr(fin, "LAST_MATURITY", 2**40)
        made = finance(
            client, network.bank, doc_hash, amount=1_000, maturity="9999-12-31T23:59:59-23:59"
        )
        assert made.status_code == 201, made.text
        financing_id = int(made.json()["financing_id"])
        if drawn:
            elsewhere.setattr(fin, "_maturity_of", lambda payload: datetime.now(UTC))
            path = f"/v1/financings/{financing_id}/drawdown"
            taken = client.post(path, json={"amount": drawn}, headers=network.bank.headers)
            assert taken.status_code == 200, taken.text
    assert (
        client.get(f"/v1/financings/{financing_id}", headers=network.bank.headers).json()[
            "maturity"
        ]
        is None
    )  # its terms do not read here
    return financing_id


def test_a_financing_whose_maturity_cannot_be_read_is_cancelled_by_its_bank(
    client: TestClient, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cancelling reads no terms: the fingerprints it releases are public (a tryout: the bank
    could not cancel such a financing, and its invoice stayed locked)."""
    financing_id = _sealed_elsewhere(client, network, monkeypatch)
    cancelled = client.post(
        f"/v1/financings/{financing_id}/cancel",
        json={"reason_code": 1},
        headers=network.bank.headers,
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["financing"]["status"] == "cancelled"
    # only its bank: another bank is refused as before
    other = _sealed_elsewhere(client, network, monkeypatch)
    refused = client.post(
        f"/v1/financings/{other}/cancel", json={"reason_code": 1}, headers=network.bank_b.headers
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"] == "NotFinancingBank"


def test_a_financing_whose_maturity_cannot_be_read_is_repaid_and_closed_not_drawn_on(
    client: TestClient, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The amount rules need the amounts, not the maturity: the bank repays (never beyond what
    is outstanding) and closes; it does not draw more under terms its gateway cannot read."""
    financing_id = _sealed_elsewhere(client, network, monkeypatch, drawn=400)
    path = f"/v1/financings/{financing_id}"
    drawn = client.post(f"{path}/drawdown", json={"amount": 100}, headers=network.bank.headers)
    assert drawn.status_code == 409, drawn.text
    assert drawn.json()["details"]["rule"] == fin.UNREADABLE_TERMS_RULE
    assert "is not drawn on" in drawn.json()["message"]
    too_much = client.post(f"{path}/repay", json={"amount": 401}, headers=network.bank.headers)
    assert too_much.status_code == 409, too_much.text
    assert too_much.json()["error"] == "RepaymentExceedsOutstanding"
    early = client.post(f"{path}/close", headers=network.bank.headers)
    assert early.status_code == 409, early.text
    assert early.json()["error"] == "FinancingNotRepaid"
    repaid = client.post(f"{path}/repay", json={"amount": 400}, headers=network.bank.headers)
    assert repaid.status_code == 200, repaid.text
    closed = client.post(f"{path}/close", headers=network.bank.headers)
    assert closed.status_code == 200, closed.text
    assert closed.json()["financing"]["status"] == "closed"


@pytest.mark.parametrize(
    ("maturity", "why"),
    [
        ("2030-06-30T25:00:00Z", "hour must be in 0..23"),
        ("2030-06-30T12:61:00+02:00", "minute must be in 0..59"),
    ],
)
def test_a_bad_date_time_is_said_as_a_date_times_rule(
    client: TestClient, network: Network, maturity: str, why: str
) -> None:
    """``2030-06-30T25:00:00Z`` was told "must be a day of the calendar, written YYYY-MM-DD",
    though a date-time is taken (a tryout): a date-time is refused by the date-time's rule,
    with what is wrong in it."""
    doc_hash = _lodged_invoice(client, network)
    refused = finance(client, network.bank, doc_hash, amount=1_000, maturity=maturity)
    assert refused.status_code == 422, refused.text
    details = refused.json()["details"]
    assert details["field"] == "maturity"
    assert details["rule"].startswith("must be an ISO 8601 date-time such as "), details
    assert why in details["rule"], details


def test_a_date_time_on_no_day_of_the_calendar_says_which_part(
    client: TestClient, network: Network
) -> None:
    """The day of a date-time is said as a date's is (test_calendar_day_words): ``2030-13-01``
    has no month 13, whatever time follows it."""
    doc_hash = _lodged_invoice(client, network)
    refused = finance(client, network.bank, doc_hash, amount=1_000, maturity="2030-13-01T00:00:00Z")
    assert refused.status_code == 422, refused.text
    rule = refused.json()["details"]["rule"]
    assert rule.startswith("must be a real calendar day (there is no month 13"), rule
