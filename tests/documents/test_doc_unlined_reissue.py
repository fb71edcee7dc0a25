"""A re-issue is suspicious when one of the pair states no lines (the JSON form has none).

A second tryout (2026-12-04) re-typed an invoice as a JSON form under a new number and issue
date and financed it beside the original: the re-issue check compared lines, the JSON form has
none, so neither the bank's own suspicion check nor the marks another bank's financing carries
said a word, and the same receivable was financed twice. Now the same seller, buyer, currency
and amount due are a re-issue's suspicion when either invoice states no lines — at one bank
(its own lodged files) and across banks (``mark_amount``, docs/fingerprints.md, marks) — and
two invoices that both state their lines are still told apart by them.

Each test has a buyer of its own (a new GLN, BT-46) so no other test's financing carries the
marks of its invoices; the real API on the chain of the run (embedded or anvil)."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from stdnum import ean

from ledger.documents import read_document
from ledger.documents.marks import MarkKind, mark_inputs
from ledger.documents.suspicion import UNLINED_REISSUE_FACTS, find_suspicions
from tests.api.api_helpers import client_fixture, finance, lodge, own_invoice, xml

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]

#: the demo invoice's buyer GLN (BT-46), replaced by one of each test's own
DEMO_BUYER = b"5790000436057"
#: the demo invoice's amount due (BT-115), DKK minor units
DEMO_DUE = 467_500
UNLINED = sorted(UNLINED_REISSUE_FACTS)


def _buyer() -> str:
    """A new valid GLN (GS1 check digit): a buyer no other test's invoice names."""
    body = "57" + str(uuid.uuid4().int)[:10]
    return body + ean.calc_check_digit(body)


def _lined(buyer: str, *, item: bytes = b"PARKER PEN") -> bytes:
    """The demo UBL invoice (three lines, 4,675.00 DKK) with its own number, date, order and
    buyer; ``item`` renames one line's item (other lines, the same amount)."""
    # a number with digits enough for the number marks whatever its random tag
    invoice = own_invoice("INV2024").replace(DEMO_BUYER, buyer.encode())
    return invoice.replace(b"PARKER PEN", item)


def _form(buyer: str, number: str, issued: date, due: int = DEMO_DUE) -> bytes:
    """The same invoice as a JSON form (no lines) under ``number``, issued ``issued``."""
    form = {
        "documentType": "Invoice",
        "documentNumber": number,
        "issueDate": issued.isoformat(),
        "issuer": {"id": "DK13585628", "scheme": "VAT", "country": "DK", "name": "SellerCompany"},
        "consignee": {"id": buyer, "scheme": "GLN", "name": "Buyercompany ltd"},
        "totalAmount": {"value": f"{due // 100}.{due % 100:02d}", "currency": "DKK"},
    }
    return json.dumps(form).encode()


def _check(client: TestClient, who: Participant, data: bytes) -> dict[str, Any]:
    answer = client.post("/v1/documents/check", files=xml(data), headers=who.headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _financed(client: TestClient, bank: Participant, data: bytes) -> tuple[str, int]:
    doc_hash = str(lodge(client, bank, data)["doc_hash"])
    made = finance(client, bank, doc_hash, amount=100_000)
    assert made.status_code == 201, made.text
    return doc_hash, int(made.json()["financing_id"])


def _refused_then_acknowledged(
    client: TestClient, network: Network, bank: Participant, data: bytes
) -> list[dict[str, Any]]:
    """Financing ``data`` at ``bank``: 409 ``suspicions_unacknowledged`` with nothing sent,
    then 201 when acknowledged. The suspicions the refusal listed."""
    doc_hash = str(lodge(client, bank, data)["doc_hash"])
    before = int(network.ledger.calls.functions.financingCount().call())
    refused = finance(client, bank, doc_hash, amount=100_000)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "suspicions_unacknowledged"
    assert int(network.ledger.calls.functions.financingCount().call()) == before
    made = finance(client, bank, doc_hash, amount=100_000, acknowledge_suspicions=True)
    assert made.status_code == 201, made.text
    said: list[dict[str, Any]] = refused.json()["details"]["suspicions"]
    return said


def test_a_json_form_reissue_of_an_invoice_financed_here_must_be_acknowledged(
    client: TestClient, network: Network
) -> None:
    buyer = _buyer()
    first, _ = _financed(client, network.bank, _form(buyer, "JF-1", date(2024, 3, 1)))
    again = _form(buyer, "JF-1-R", date(2024, 3, 20))

    body = _check(client, network.bank, again)
    assert body["suspicious"] is True
    (suspicion,) = body["suspicions"]
    assert (suspicion["kind"], suspicion["documents"]) == ("reissue", [first])
    assert sorted(suspicion["matching_facts"]) == UNLINED
    reasons = " | ".join(suspicion["reasons"])
    assert "same seller, buyer and amount 4,675.00 DKK as invoice JF-1" in reasons
    assert "new number JF-1-R (was JF-1)" in reasons
    assert "lines not compared: neither invoice states its lines" in reasons

    (said,) = _refused_then_acknowledged(client, network, network.bank, again)
    assert said["kind"] == "reissue"
    assert sorted(said["matching_facts"]) == UNLINED


def test_an_invoice_financed_at_another_bank_retyped_as_a_json_form_is_suspicious(
    client: TestClient, network: Network
) -> None:
    buyer = _buyer()
    _, financing_a = _financed(client, network.bank, _lined(buyer))
    retyped = _form(buyer, "RETYPED-1", date(2024, 5, 2))

    body = _check(client, network.bank_b, retyped)
    (suspicion,) = body["suspicions"]
    assert (suspicion["kind"], suspicion["financings"]) == ("reissue", [financing_a])
    assert suspicion["documents"] == []  # Bank A's invoice is Bank A's to see
    assert sorted(suspicion["matching_facts"]) == UNLINED
    assert any("lines not compared" in r for r in suspicion["reasons"])
    assert all(f["held_by_financing"] in (None, 0) for f in body["fingerprints"])

    (said,) = _refused_then_acknowledged(client, network, network.bank_b, retyped)
    assert (said["kind"], said["financings"]) == ("reissue", [financing_a])


def test_a_json_form_financed_at_another_bank_then_its_invoice_is_suspicious(
    client: TestClient, network: Network
) -> None:
    """The other way round: the JSON form financed first, the invoice with lines later."""
    buyer = _buyer()
    _, financing_a = _financed(client, network.bank, _form(buyer, "FORM-1", date(2011, 1, 3)))
    (suspicion,) = _check(client, network.bank_b, _lined(buyer))["suspicions"]
    assert (suspicion["kind"], suspicion["financings"]) == ("reissue", [financing_a])
    assert sorted(suspicion["matching_facts"]) == UNLINED


def test_invoices_that_both_state_lines_are_told_apart_by_them(
    client: TestClient, network: Network
) -> None:
    """Same seller, buyer and amount but another line item: at another bank and at the same
    one, no suspicion (the lines decide; a lineless mark never matches two lined invoices)."""
    buyer = _buyer()
    _financed(client, network.bank, _lined(buyer))
    other = _lined(buyer, item=b"PARKER PENCIL")
    assert _check(client, network.bank_b, other)["suspicions"] == []
    assert _check(client, network.bank, other)["suspicions"] == []
    # the same amount as a JSON form is suspicious at both (its lines cannot be compared)
    form = _form(buyer, "FORM-2", date(2012, 2, 2))
    assert [s["kind"] for s in _check(client, network.bank_b, form)["suspicions"]] == ["reissue"]
    assert [s["kind"] for s in _check(client, network.bank, form)["suspicions"]] == ["reissue"]


def test_another_amount_is_no_reissue_and_another_buyer_is_asked(
    client: TestClient, network: Network
) -> None:
    """Another amount is another invoice. Another buyer, on a form that states no lines, is
    asked of a person since tryout 61 (``mark_seller_amount``): a form with the buyer's id
    re-typed under a new number and date was financed again unseen, and the two cannot be told
    apart by their facts."""
    buyer = _buyer()
    _financed(client, network.bank, _form(buyer, "AMT-1", date(2010, 6, 1)))
    for bank in (network.bank, network.bank_b):
        other_amount = _form(buyer, "AMT-2", date(2010, 7, 1), due=DEMO_DUE - 1)
        assert _check(client, bank, other_amount)["suspicions"] == []
        other_buyer = _form(_buyer(), "AMT-3", date(2010, 7, 1))
        [suspicion] = _check(client, bank, other_buyer)["suspicions"]
        assert suspicion["kind"] == "reissue"
        assert suspicion["matching_facts"] == ["seller", "currency", "amount"]
        assert any("whatever its buyer" in r for r in suspicion["reasons"])


# -- the facts alone ------------------------------------------------------------------------------


def _facts(data: bytes) -> Any:
    facts = read_document(data).facts
    assert facts is not None
    return facts


def test_no_split_is_suspected_without_lines() -> None:
    """Two forms of one seller and buyer issued the same day whose amounts add up to a third:
    without lines any two invoices could be called parts, so none is."""
    buyer = _buyer()
    day = date(2024, 1, 1)
    whole = _facts(_form(buyer, "W", day, due=30_000))
    parts = [("p1", _facts(_form(buyer, "P1", day, due=10_000)))]
    part = _facts(_form(buyer, "P2", day, due=20_000))
    assert find_suspicions(part, [("w", whole), *parts]) == []
    assert find_suspicions(whole, [*parts, ("p2", part)]) == []


def test_which_amount_marks_are_carried_and_looked_for() -> None:
    """A lined and a lineless invoice meet on ``mark_amount``; two lined ones only under the
    same delivery references (none, or the same order: their lines re-cut hid a re-issue,
    tryout 62)."""
    buyer = _buyer()
    lined = mark_inputs(_facts(_lined(buyer)))
    other_lines = mark_inputs(_facts(_lined(buyer, item=b"PARKER PENCIL")))
    form = mark_inputs(_facts(_form(buyer, "F", date(2024, 1, 1) + timedelta(days=3))))

    def meet(carrier: list[Any], checker: list[Any]) -> set[MarkKind]:
        carried = {m.oprf_input(): m.kind for m in carrier if m.carried}
        return {carried[i] for m in checker if m.looked_for and (i := m.oprf_input()) in carried}

    # and by the seller and amount alone, whatever the buyer and the day (mark_seller_amount)
    assert meet(lined, form) == {MarkKind.AMOUNT, MarkKind.SELLER_AMOUNT}
    assert meet(form, lined) == {MarkKind.AMOUNT, MarkKind.SELLER_AMOUNT}
    # and the same number: a number without digits enough is compared whole (mark_number)
    # (and by the buyer, number, date and amount whatever the seller: mark_buyer)
    assert meet(form, form) == {
        MarkKind.AMOUNT,
        MarkKind.NUMBER,
        MarkKind.SELLER_AMOUNT,
        MarkKind.BUYER,
    }
    assert meet(lined, other_lines) == set()  # the lines (and the order) differ
    # the same lines; and the same day and order, as the parts of a split by lines meet
    # (and the same number and day: mark_number and mark_digits,
    # tests/documents/test_number_marks.py)
    assert meet(lined, lined) == {
        MarkKind.REISSUE,
        MarkKind.AMOUNT,  # one seller, buyer and amount under the same references (tryout 62)
        # one seller and amount under the same references, whatever the buyer (tryout 79)
        MarkKind.SELLER_AMOUNT,
        MarkKind.ITEMS,  # the same items and quantities, in any currency (tryout 62)
        MarkKind.SPLIT,
        MarkKind.ORDER,
        MarkKind.NUMBER,
        MarkKind.DIGITS,
        MarkKind.BUYER,
    }
    assert [m.kind for m in form if m.kind is not MarkKind.NUMBER] == [
        MarkKind.AMOUNT,
        MarkKind.AMOUNT,
        *[MarkKind.SELLER_AMOUNT] * 4,  # by its strongest key and by its name, each of two
        MarkKind.BUYER,
    ]
