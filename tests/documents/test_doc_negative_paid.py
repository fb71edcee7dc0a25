"""FeRD's motor insurance invoice (type 575, ZUGFeRD corpus: ``tests/data/ferd``) states 220.00
with VAT, -220.00 paid and 440.00 due. EN 16931 allows it — BR-CO-16 adds up — and a sweep of
the corpus found it refused in every syntax ("must not be negative"), so a valid invoice could
not even be registered. A paid amount below zero is now counted as nothing: the file is read,
its face value what it states, and a bank finances no more than its total with VAT (tryout 50
raised an amount due above its total so), the fault named in the notice and the refusal."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ledger.documents import read_document
from tests.api.api_helpers import check, client_fixture, finance, lodge

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]

FERD = Path(__file__).parents[1] / "data" / "ferd"
SAMPLES = {
    "cii": (FERD / "EN16931_Kraftfahrversicherung_Bruttopreise.cii.xml", "ram:TotalPrepaidAmount"),
    "ubl": (FERD / "EN16931_Kraftfahrversicherung_Bruttopreise.ubl.xml", "cbc:PrepaidAmount"),
}
RULE = "tradeledger: BT-113 not below zero"


@pytest.mark.parametrize("syntax", sorted(SAMPLES))
def test_the_sample_is_read_and_held_to_its_total_with_vat(syntax: str) -> None:
    path, field = SAMPLES[syntax]
    facts = read_document(path.read_bytes(), registering=True).facts
    assert facts is not None
    assert (facts.amount_minor, facts.currency) == (44_000, "EUR")  # as the file states it
    assert facts.amount_due_minor == 22_000  # its total with VAT: nothing paid counted
    first = facts.totals_faults[0]
    assert (first.rule, first.field, first.stated, first.expected) == (RULE, field, -22_000, 0)


def test_a_bank_is_told_and_finances_no_more_than_the_total(
    client: TestClient, network: Network
) -> None:
    # the sample's seller VAT id is made up (keyed by nothing, nothing is financeable): a
    # valid one in its place
    data = SAMPLES["cii"][0].read_bytes().replace(b">DE234567891<", b">DE136695976<")
    checked = check(client, network.bank, data)
    assert checked["financeable_amount"] == 22_000
    [notice] = [n for n in checked["notices"] if n["kind"] == "amount_due_inconsistent"]
    words = notice["message"]
    assert words.startswith(
        "Its amount due of 440.00 EUR (BT-115) is more than its total with VAT (BT-112) and "
        "rounding (BT-114) give: 220.00 EUR (BT-113 Paid amount (ram:TotalPrepaidAmount) "
        "states -220.00 EUR where"
    ), words
    assert RULE in words
    assert "do not add up" not in words  # they do (BR-CO-16)
    doc_hash = lodge(client, network.bank, data)["doc_hash"]
    too_much = finance(client, network.bank, doc_hash, amount=22_001, currency="EUR")
    assert too_much.status_code == 422, too_much.text
    assert too_much.json()["details"]["field"] == "documents[0].amount"
    made = finance(client, network.bank, doc_hash, amount=22_000, currency="EUR")
    assert made.status_code == 201, made.text
