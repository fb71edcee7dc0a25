"""A bank financing an invoice's re-issue is told when a credit note credits the original
(``ledger.services.own_related.related_credit``, the ``document_credited`` notice of
``GET /v1/financings/{id}`` and ``finance show``).

A credit note names the invoice number it corrects (EN 16931 BT-25): one naming the original
was not counted against its re-issue, so the bank financing the re-issue in full read its
financing with ``notices: []`` after the buyer's credit note had cancelled part of the
receivable (tryout 53). Real HTTP app, real chain, and the CLI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import client_fixture, finance, issued_later, lodge
from fastapi.testclient import TestClient

from tests.api.credited_invoice import FACE, INVOICE, credit_note

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends


def _reissue_financed(
    client: TestClient, network: Network, tag: bytes, *, original: bool = True
) -> tuple[str, int]:
    """The credit-note field case's invoice lodged by the bank (``original``: not when lodged
    already), and its re-issue (a new number, 20 days later) lodged and financed in full: (the
    re-issue's hash, the financing)."""
    if original:
        lodge(client, network.bank, INVOICE)
    again = issued_later(
        INVOICE.replace(b"<cbc:ID>Snippet1</cbc:ID>", b"<cbc:ID>" + tag + b"</cbc:ID>"), 20
    )
    reissue = str(lodge(client, network.bank, again)["doc_hash"])
    made = finance(client, network.bank, reissue, FACE, currency="EUR", acknowledge_suspicions=True)
    assert made.status_code == 201, made.text
    return reissue, int(made.json()["financing_id"])


def _notices(client: TestClient, who: Any, financing_id: int) -> list[dict[str, Any]]:
    answer = client.get(f"/v1/financings/{financing_id}", headers=who.headers)
    assert answer.status_code == 200, answer.text
    notices: list[dict[str, Any]] = answer.json()["notices"]
    return notices


def test_the_bank_financing_the_reissue_is_told_of_a_credit_note_on_the_original(
    client: TestClient, network: Network
) -> None:
    reissue, financing_id = _reissue_financed(client, network, b"S1R-A")
    assert [
        n for n in _notices(client, network.bank, financing_id) if n["kind"] == "document_credited"
    ] == []

    note = str(lodge(client, network.bank, credit_note("CN-ORIG-1", "1000.00"))["doc_hash"])
    [credited] = [
        n for n in _notices(client, network.bank, financing_id) if n["kind"] == "document_credited"
    ]
    message = credited["message"]
    assert f"holds 1,656.25 EUR on invoice {reissue}" in message
    assert f"credit note {note} names invoice Snippet1" in message
    assert "net of the credit notes counted is now 656.25 EUR" in message
    assert reissue in credited["documents"]
    assert note in credited["documents"]
    assert credited["financings"] == [financing_id]


def test_a_credit_note_within_what_is_left_says_nothing(
    client: TestClient, network: Network
) -> None:
    """Financed for less than what the credit leaves: nothing to say."""
    lodge(client, network.bank, INVOICE)
    again = issued_later(
        INVOICE.replace(b"<cbc:ID>Snippet1</cbc:ID>", b"<cbc:ID>S1R-B</cbc:ID>"), 20
    )
    reissue = str(lodge(client, network.bank, again)["doc_hash"])
    made = finance(
        client, network.bank, reissue, 50_000, currency="EUR", acknowledge_suspicions=True
    )
    assert made.status_code == 201, made.text
    lodge(client, network.bank, credit_note("CN-ORIG-2", "1000.00"))
    notices = _notices(client, network.bank, int(made.json()["financing_id"]))
    assert [n for n in notices if n["kind"] == "document_credited"] == []


def test_the_regulator_reading_the_financing_is_not_given_the_banks_files(
    client: TestClient, network: Network
) -> None:
    _, financing_id = _reissue_financed(client, network, b"S1R-C")
    lodge(client, network.bank, credit_note("CN-ORIG-3", "1000.00"))
    answer = client.get(f"/v1/financings/{financing_id}", headers=network.regulator.headers)
    if answer.status_code == 200:
        kinds = [n["kind"] for n in answer.json()["notices"]]
        assert "document_credited" not in kinds
    else:
        assert answer.status_code in (403, 404), answer.text


def test_the_notice_names_the_file_whose_lesser_amount_due_it_counts(
    client: TestClient, network: Network
) -> None:
    """Tryout 86 read "now 1,000.00 DKK (of 2,010.00 DKK)" of a receivable whose figure came
    from another of its files, stating less, which the notice never named (the regulator's
    audit did: "the least stated, …'s"). A re-issue stating 10.00 EUR prepaid (BT-113: 1,646.25
    due) beside the plain re-issue financed in full: the notice counts 1,646.25 and says whose
    it is, and what the pledged invoice states."""
    lodge(client, network.bank, INVOICE)
    prepaid = issued_later(
        INVOICE.replace(b"<cbc:ID>Snippet1</cbc:ID>", b"<cbc:ID>S1R-LOW</cbc:ID>").replace(
            b'<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>',
            b'<cbc:PrepaidAmount currencyID="EUR">10.00</cbc:PrepaidAmount>'
            b'<cbc:PayableAmount currencyID="EUR">1646.25</cbc:PayableAmount>',
        ),
        10,
    )
    facts = lodge(client, network.bank, prepaid)["facts"]
    assert facts["amountMinor"] == 164_625, facts
    reissue, financing_id = _reissue_financed(client, network, b"S1R-E", original=False)
    lodge(client, network.bank, credit_note("CN-ORIG-5", "1000.00"))
    [credited] = [
        n for n in _notices(client, network.bank, financing_id) if n["kind"] == "document_credited"
    ]
    message = credited["message"]
    assert f"holds 1,656.25 EUR on invoice {reissue}" in message, message
    assert (
        "is now 646.25 EUR (of 1,646.25 EUR, the least a file of it states, S1R-LOW's; this "
        "invoice states 1,656.25 EUR)"
    ) in message, message
