"""An invoice with nothing due is not financeable, and the check says so (a tryout, 2026-12-03).

An EN 16931 invoice whose amount due (BT-115) is negative — or whose credit notes lodged here
cancel it — was answered with a negative ``financeable_amount`` and ``financing_headroom`` at
``POST /v1/documents/check`` and ``/receive``, while ``POST /v1/financings`` refused it. The check
now answers 0 with a ``nothing_due`` notice saying why, and the financing refuses it saying the
same."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from tests.api.api_helpers import CII, UBL, check, client_fixture, finance, lodge, register, xml
from tests.conftest import SAMPLE_SELLER_VAT
from tests.documents.documents_support import field_bytes, with_party_vats

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

INVOICE = field_bytes("credit-note/base-example.xml")  # amount due EUR 1656.25
CREDIT_NOTE = field_bytes("credit-note/base-creditnote-correction.xml")  # on Snippet1 (BT-25)
#: the UBL demo invoice with an amount due of DKK -4675.00 (the seller owes the buyer)
NEGATIVE_UBL = UBL.replace(
    b'<cbc:PayableAmount currencyID="DKK">4675.00<',
    b'<cbc:PayableAmount currencyID="DKK">-4675.00<',
)
#: the CII demo invoice with an amount due of DKK -4675
NEGATIVE_CII = CII.replace(b"<ram:DuePayableAmount>4675<", b"<ram:DuePayableAmount>-4675<")
#: the UBL demo invoice with an amount due of zero
ZERO_UBL = UBL.replace(
    b'<cbc:PayableAmount currencyID="DKK">4675.00<', b'<cbc:PayableAmount currencyID="DKK">0.00<'
)


def sellers(data: bytes) -> bytes:
    """The field case ``data`` with its seller's VAT id the test network's enterprise's legal
    id: that enterprise is shown to be its seller, and its credit notes count."""
    return with_party_vats(data, SAMPLE_SELLER_VAT)


def credit_note(number: str, amount: str) -> bytes:
    """The field case's credit note on invoice Snippet1 (BT-25) with number (BT-1) ``number``
    and amount due (BT-115) ``amount`` EUR."""
    note = CREDIT_NOTE.replace(
        b"<cbc:ID>Snippet1</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>".encode(), 1
    )
    return note.replace(b">1656.25</cbc:PayableAmount>", f">{amount}</cbc:PayableAmount>".encode())


@pytest.mark.parametrize(
    ("data", "words"),
    [(NEGATIVE_UBL, "is negative"), (NEGATIVE_CII, "is negative"), (ZERO_UBL, "is zero")],
    ids=["ubl-negative", "cii-negative", "ubl-zero"],
)
def test_an_invoice_with_nothing_due_is_not_financeable(
    client: TestClient, network: Network, data: bytes, words: str
) -> None:
    bank = network.bank
    checked = check(client, bank, data)
    assert checked["facts"]["amountMinor"] <= 0
    assert checked["financeable_amount"] == 0
    assert checked["financing_headroom"] in (0, None)
    [notice] = [n for n in checked["notices"] if n["kind"] == "nothing_due"]
    assert words in notice["message"], notice
    assert "BT-115" in notice["message"], notice
    received = lodge(client, bank, data)
    assert received["financeable_amount"] == 0
    assert received["financing_headroom"] in (0, None)
    # the financing path refuses what the check calls not financeable
    refused = finance(client, bank, received["doc_hash"], 100)
    assert refused.status_code == 422, refused.text
    assert "positive amount due" in refused.json()["message"]
    # the document view of the copy it lodged says the same, once registered (its notices
    # were empty)
    assert register(client, bank, xml(data)) == received["doc_hash"]
    held = client.get(f"/v1/documents/{received['doc_hash']}", headers=bank.headers)
    assert held.status_code == 200, held.text
    copy = held.json()["held"]
    assert copy["financeable_amount"] == 0
    [seen] = [n for n in copy["notices"] if n["kind"] == "nothing_due"]
    assert words in seen["message"], seen
    # and so does the audit view a bank asks before it finances (it said EXCEEDS_FACE_VALUE)
    audit = _financeable(client, bank, received["doc_hash"])
    assert (audit["financeable"], audit["reasons"], audit["headroom"]) == (
        False,
        ["NOTHING_DUE"],
        0,
    )
    assert words in audit["nothing_due"]


def _financeable(client: TestClient, who: Any, doc_hash: str) -> dict[str, Any]:
    response = client.get(
        "/v1/audit/financeable", params={"doc_hash": doc_hash}, headers=who.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_credit_notes_that_cancel_the_amount_due_leave_nothing_to_finance(
    client: TestClient, network: Network
) -> None:
    bank = network.bank
    invoice = lodge(client, bank, INVOICE)
    lodge(client, bank, credit_note("CN-1", "500.00"))
    assert check(client, bank, INVOICE)["financeable_amount"] == 165_625 - 50_000
    # the audit view counts the same credit notes: its headroom is what financing may take
    partly = _financeable(client, bank, invoice["doc_hash"])
    assert partly["face_value"] == 165_625
    assert partly["net_amount_due"] == 165_625 - 50_000
    assert partly["headroom"] == 165_625 - 50_000
    assert (
        finance(client, bank, invoice["doc_hash"], 165_625 - 50_000 + 1, currency="EUR").status_code
        == 422
    )
    lodge(client, bank, credit_note("CN-2", "1500.00"))  # EUR 2000.00 credited on EUR 1656.25
    checked = check(client, bank, INVOICE)
    assert checked["financeable_amount"] == 0
    assert checked["financing_headroom"] in (0, None)
    [notice] = [n for n in checked["notices"] if n["kind"] == "nothing_due"]
    assert "credit notes counted cancel" in notice["message"], notice
    refused = finance(client, bank, invoice["doc_hash"], 100, currency="EUR")
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert "cannot be financed" in body["message"]
    assert "credit notes counted cancel" in body["message"]
    assert body["details"]["financeable_amount"] == 0
    assert register(client, bank, xml(INVOICE)) == invoice["doc_hash"]
    view = client.get(f"/v1/documents/{invoice['doc_hash']}", headers=bank.headers)
    assert view.status_code == 200, view.text
    [seen] = [n for n in view.json()["held"]["notices"] if n["kind"] == "nothing_due"]
    assert "credit notes counted cancel" in seen["message"], seen
    cancelled = _financeable(client, bank, invoice["doc_hash"])
    assert (cancelled["financeable"], cancelled["reasons"], cancelled["headroom"]) == (
        False,
        ["NOTHING_DUE"],
        0,
    )
    assert cancelled["net_amount_due"] == 165_625 - 200_000
    assert "credit notes counted cancel" in cancelled["nothing_due"]


def test_a_write_on_a_financing_whose_invoice_was_credited_since_says_so(
    client: TestClient, network: Network
) -> None:
    """A credit note lodged after the financing brings the invoice's amount due below what the
    financing holds: the bank's next write on it goes through (the chain knows no credit notes)
    and its answer says so, as it says of a revoked document (a tryout drew down silently)."""
    bank = network.bank
    invoice = lodge(client, bank, sellers(INVOICE))  # EUR 1656.25 due
    created = finance(client, bank, invoice["doc_hash"], 100_000, currency="EUR")
    assert created.status_code == 201, created.text
    financing_id = created.json()["financing_id"]

    def drawdown(amount: int) -> dict[str, Any]:
        response = client.post(
            f"/v1/financings/{financing_id}/drawdown",
            json={"amount": amount},
            headers=bank.headers,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    assert [n["kind"] for n in drawdown(10_000)["notices"]] == []
    # by its seller (a member whose legal id is the seller's VAT id: its note counts)
    lodge(client, network.enterprise, sellers(credit_note("CN-LATE", "1000.00")))
    [notice] = drawdown(10_000)["notices"]
    assert notice["kind"] == "document_credited"
    assert notice["documents"] == [invoice["doc_hash"]]
    assert notice["financings"] == [financing_id]
    assert "1,000.00 EUR" in notice["message"]  # held
    assert "656.25 EUR" in notice["message"]  # the amount due net of the credit note
    assert "the bank decides" in notice["message"]


def test_a_regulator_is_not_told_a_credited_out_invoice_is_financeable(
    client: TestClient, network: Network
) -> None:
    """The regulator lodged no copy, but reads a released financing of the invoice: its answer
    counts the credit notes against the bank's copy, as the bank's own answer does (a tryout
    read true with the whole face value as headroom)."""
    bank = network.bank
    invoice = lodge(client, bank, sellers(INVOICE))
    created = finance(client, bank, invoice["doc_hash"], 100_000, currency="EUR")
    assert created.status_code == 201, created.text
    cancelled = client.post(
        f"/v1/financings/{created.json()['financing_id']}/cancel",
        json={"reason_code": 2},
        headers=bank.headers,
    )
    assert cancelled.status_code == 200, cancelled.text
    # the seller's credit note (a bank's own counts for that bank only) cancels EUR 1656.25
    lodge(client, network.enterprise, sellers(credit_note("CN-R1", "2000.00")))
    answer = _financeable(client, network.regulator, invoice["doc_hash"])
    assert answer["financeable"] is False, answer
    assert answer["reasons"] == ["NOTHING_DUE"]
    assert answer["headroom"] == 0
    assert answer["net_amount_due"] == 165_625 - 200_000


def test_a_credit_note_only_another_member_lodged_does_not_block_a_bank(
    client: TestClient, network: Network
) -> None:
    """A tryout: Bank B lodged a made-up credit note against an invoice, and Bank A was refused
    its financing — any member could make any invoice unfinanceable at every bank. A bank is
    no party to a receivable it did not issue or owe: Bank A is told of the note, which does not
    count, and may finance; Bank B, whose own books hold the note, counts it; registering it on
    chain changes nothing."""
    bank_a, bank_b = network.bank, network.bank_b
    invoice = lodge(client, bank_a, INVOICE)
    note = lodge(client, bank_b, credit_note("CN-MADE-UP", "2000.00"))
    checked = check(client, bank_a, INVOICE)
    assert checked["financeable_amount"] == 165_625
    assert "credited" not in {n["kind"] for n in checked["notices"]}
    [told] = [n for n in checked["notices"] if n["kind"] == "credit_note_not_counted"]
    assert "CN-MADE-UP (2,000.00 EUR, " in told["message"], told
    assert "not counted" in told["message"]
    assert "Bank B" not in told["message"]  # who holds what is not Bank A's to learn
    assert told["documents"] == [note["doc_hash"]]
    # Bank B's own books hold the note: it counts for Bank B
    assert check(client, bank_b, INVOICE)["financeable_amount"] == 0
    # registered on chain by Bank B — a bank is no party to a receivable it did not issue or
    # owe — it is still one member's word (a tryout)
    register(client, bank_b, xml(credit_note("CN-MADE-UP", "2000.00")))
    assert check(client, bank_a, INVOICE)["financeable_amount"] == 165_625
    made = finance(client, bank_a, invoice["doc_hash"], 100_000, currency="EUR")
    assert made.status_code == 201, made.text


@pytest.mark.parametrize("role", ["bank", "regulator"])
def test_a_credit_note_is_never_read_financeable(
    client: TestClient, network: Network, role: str
) -> None:
    """A credit note reduces what the buyer owes: the check says NOT FINANCEABLE and
    ``POST /v1/financings`` refuses it, and ``GET /v1/audit/financeable`` read it financeable
    with its whole amount as headroom (a tryout, 2026-12-04). It says CREDIT_NOTE, headroom 0,
    to the bank that lodged it and to the regulator."""
    note = lodge(client, network.bank, credit_note("CN-F1", "100.00"))
    assert note["credit_note"] is True
    answer = _financeable(client, getattr(network, role), note["doc_hash"])
    assert answer["financeable"] is False, answer
    assert answer["reasons"] == ["CREDIT_NOTE"]
    assert answer["headroom"] == 0
    assert "credit note" in answer["nothing_due"]
