"""A re-issue of an invoice with its lines merged into one — the same seller, buyer and amount
due under a new number and date — is suspected where the invoice is financed, and financing it
must be acknowledged (``ledger.documents.marks``: ``mark_amount`` of several lines, looked for
by an invoice of one line).

Tryout 68 merged the 20 lines of the EN 16931 example ``ubl-tc434-example1.xml`` (De Koksmaat,
250.33 EUR) into one line of 206.88 EUR at 21% VAT, its totals made to add up, under a new
number and date: the check said ``suspicious: false`` and a bank that held the original, and
financed it, financed the copy too, with no word. Two one-line invoices of one seller, buyer
and amount (a monthly fee) are still not suspected of each other.

Real HTTP app, real chain, on both backends."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import pytest
from api_helpers import check, client_fixture, finance, lodge

from tests.conftest import CORPUS
from tests.documents.documents_support import lines_merged

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends

EXAMPLE = (CORPUS / "ubl" / "ubl-tc434-example1.xml").read_bytes()
NUMBER = b"<cbc:ID>12115118</cbc:ID>"
ISSUED = b"<cbc:IssueDate>2015-01-09<"


def _numbered(data: bytes, issued: str | None = None) -> bytes:
    """``data`` under a number of 8 digits new to the test run (and ``issued``, when given)."""
    number = random.randrange(10_000_000, 99_999_999)
    data = data.replace(NUMBER, f"<cbc:ID>{number}</cbc:ID>".encode(), 1)
    if issued is not None:
        data = data.replace(ISSUED, f"<cbc:IssueDate>{issued}<".encode(), 1)
    return data


def _financed(client: TestClient, bank: Participant, data: bytes) -> int:
    lodged = lodge(client, bank, data)
    made = finance(client, bank, lodged["doc_hash"], amount=20_000, currency="EUR")
    assert made.status_code == 201, made.text
    return int(made.json()["financing_id"])


@pytest.mark.parametrize(
    ("where", "totals"),
    [("another bank", True), ("the same bank", True), ("another bank", False)],
)
def test_a_reissue_with_its_lines_merged_is_suspected(
    client: TestClient, network: Network, where: str, totals: bool
) -> None:
    """``totals=False``: its VAT breakdown left as it was, so its totals give less than the
    amount due it states (tryout 71: financed at a second bank without a word)."""
    original = _numbered(EXAMPLE)
    held_by = _financed(client, network.bank, original)
    bank = network.bank_b if where == "another bank" else network.bank
    copy = _numbered(lines_merged(EXAMPLE, totals=totals), issued="2016-05-25")
    checked = check(client, bank, copy)
    assert checked["conflicting_financings"] == [], checked  # no fingerprint shared: a mark
    assert checked["suspicious"] is True, checked
    assert any(held_by in s["financings"] for s in checked["suspicions"]), checked
    lodged = lodge(client, bank, copy)
    refused = finance(client, bank, lodged["doc_hash"], amount=15_000, currency="EUR")
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "suspicions_unacknowledged", refused.text


def test_one_line_invoices_of_the_same_amount_are_not_suspected_of_each_other(
    client: TestClient, network: Network
) -> None:
    """The control: the merged invoice financed, another one-line invoice of the same seller,
    buyer and amount (next month's fee, another item) is financed without a word."""
    first = _numbered(lines_merged(EXAMPLE, b"Retainer fee May 2024"), issued="2024-05-31")
    _financed(client, network.bank, first)
    second = _numbered(lines_merged(EXAMPLE, b"Retainer fee June 2024"), issued="2024-06-30")
    checked = check(client, network.bank_b, second)
    assert checked["suspicious"] is False, checked
    _financed(client, network.bank_b, second)
