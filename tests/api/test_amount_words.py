"""An amount too large is refused in one wording, whichever route it is sent to.

A tryout sent ``1e999999999`` as an amount and was told three things: ``POST /v1/documents/json``
said the number "is a number too large for totalAmount.value (it overflows to infinity): send a
whole number" (of an amount in major units, which may have decimals), an upload of the same form
"is too large: an amount must be less than 10^30", a financing's ``documents[0].amount`` the
overflow words again and ``18446744073709551616`` there "Input should be less than …" (pydantic's
words), while the CLI said "must fit in 64 bits". Each says now, naming the field, the rule of
one function (:func:`ledger.documents.normalise.too_large_rule`): an amount the chain records (a
face value, a financing's amount, a drawdown) must be at most 2^63 - 1 minor units (tryout 69:
2^64 - 1 was accepted, written on chain, answered 500 and read as 2^63 - 1 by the audit index).
An amount in minor units written in exponent notation (``1e20``, ``1e999999999``) is refused by
the one rule of exponent notation instead, whatever its magnitude
(tests/api/test_exponent_words.py). The CLI's side is tests/cli/test_cli_amount_words.py.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import BILL, MATURITY, UBL, client_fixture, register, xml
from fastapi.testclient import TestClient

from ledger.documents.normalise import too_large_rule

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]

JSON = {"Content-Type": "application/json"}
#: amounts beyond 64 bits of minor units, written in digits (as a whole number of minor units is)
TOO_LARGE = [
    "9223372036854775808",  # 2^63: one above what the chain and the audit index both hold
    "18446744073709551615",  # 2^64 - 1: the chain's uint64, accepted before (tryout 69)
    "18446744073709551616",
    "99999999999999999999999",
    "1" + "0" * 308,
]
#: JSON-form amounts (major units of DKK) beyond 64 bits of minor units
FORM_TOO_LARGE = [
    "92233720368547758.08",  # 2^63 minor units
    "184467440737095516.15",  # 2^64 - 1 minor units (tryout 69's warehouse receipt)
    "1e999999999",
    "1e30",
    "1e25",
    "99999999999999999999999.99",
    "1e400",
]


def _refused(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 422, answer.text
    details: dict[str, Any] = answer.json()["details"]
    return details


def _post(client: TestClient, who: Participant, url: str, body: str) -> dict[str, Any]:
    return _refused(client.post(url, content=body.encode(), headers={**who.headers, **JSON}))


def _form(value: str, number: str) -> str:
    """The demo bill of lading as an invoice JSON form whose total is ``value`` (JSON text)."""
    form = {
        **json.loads(BILL),
        "documentType": "Invoice",
        "documentNumber": number,
        "totalAmount": {"value": "@", "currency": "DKK"},
    }
    return json.dumps(form).replace('"@"', value)


@pytest.mark.parametrize("literal", TOO_LARGE)
def test_a_financing_amount_too_large_is_worded_once(
    client: TestClient, network: Network, literal: str
) -> None:
    bank = network.bank
    financing = (
        f'{{"documents": [{{"doc_hash": "0x{"ab" * 32}", "amount": {literal}}}], '
        f'"currency": "DKK", "kind": "invoice_financing", "maturity": "{MATURITY}"}}'
    )
    refusals = {
        "documents[0].amount": _post(client, bank, "/v1/financings", financing),
        "amount": _post(client, bank, "/v1/financings/1/drawdown", f'{{"amount": {literal}}}'),
    }
    repaid = _post(client, bank, "/v1/financings/1/repay", f'{{"amount": {literal}}}')
    assert repaid == refusals["amount"]
    for field, details in refusals.items():
        assert details["field"] == field, details
        assert details["rule"] == too_large_rule(), details


@pytest.mark.parametrize("amount", ["0", "-5"])
def test_a_financing_amount_of_zero_is_worded_as_the_service_words_it(
    client: TestClient, network: Network, amount: str
) -> None:
    """``0`` was pydantic's "Input should be greater than 0" here and the service's "must be
    a positive amount in minor units" at the CLI: the one rule now. A negative amount too, as
    the CLI's ``finance drawdown 1 -5`` says it (tests/cli/test_cli_amount_words.py)."""
    details = _post(client, network.bank, "/v1/financings/1/drawdown", f'{{"amount": {amount}}}')
    assert (details["field"], details["rule"]) == (
        "amount",
        "must be a positive amount in minor units",
    )


@pytest.mark.parametrize("literal", FORM_TOO_LARGE)
def test_a_json_form_total_too_large_is_worded_as_every_route_words_it(
    client: TestClient, network: Network, literal: str
) -> None:
    """The same form, as a JSON body and as a file registered, checked and lodged: one field,
    one rule, the value as written."""
    ent, bank = network.enterprise, network.bank
    text = _form(literal, f"BIG-{literal[:12]}")
    answers = {
        "json": client.post(
            "/v1/documents/json", content=text.encode(), headers={**ent.headers, **JSON}
        ),
        "upload": client.post(
            "/v1/documents", files=xml(text.encode(), "form.json"), headers=ent.headers
        ),
        "check": client.post(
            "/v1/documents/check", files=xml(text.encode(), "form.json"), headers=bank.headers
        ),
        "receive": client.post(
            "/v1/documents/receive", files=xml(text.encode(), "form.json"), headers=bank.headers
        ),
    }
    for route, answer in answers.items():
        details = _refused(answer)
        assert details["field"] == "totalAmount.value", (route, details)
        assert details["rule"] == too_large_rule(), (route, details)
        assert details["value"] == literal, (route, details)


def test_an_e_invoice_amount_due_too_large_is_worded_the_same(
    client: TestClient, network: Network
) -> None:
    """A UBL amount due of 10^23 DKK (below 10^30, beyond 64 bits of minor units) was "the face
    value (EN 16931 BT-115, …) must be at most …", one of 10^30 "is too large: … less than
    10^30": the same field, the one rule, the amount as written."""
    for amount in ("99999999999999999999999.99", "1000000000000000000000000000000.00"):
        data = UBL.replace(
            b'<cbc:PayableAmount currencyID="DKK">4675.00<',
            f'<cbc:PayableAmount currencyID="DKK">{amount}<'.encode(),
        )
        details = _refused(
            client.post("/v1/documents/check", files=xml(data), headers=network.bank.headers)
        )
        assert details["field"] == "cbc:PayableAmount", details
        # (the UBL reader names the syntax after each rule it gives: "(in UBL 2.1 Invoice)")
        assert details["rule"].startswith(too_large_rule()), details
        assert details["value"] == amount, details


@pytest.mark.parametrize(
    "literal", ["0.30000000000000001", "100.00000000000000001", "1e-999999999"]
)
def test_a_json_form_fault_is_worded_as_an_upload_of_it(
    client: TestClient, network: Network, literal: str
) -> None:
    """``POST /v1/documents/json`` read its body through floats first and said of
    ``0.30000000000000001`` DKK that it "would be 0.3": the upload of the same form says it has
    more decimals than DKK has, and so does the JSON body now (the amount is refused whatever
    a float makes of it)."""
    ent = network.enterprise
    text = _form(literal, f"DEC-{literal[:12]}")
    as_json = _post(client, ent, "/v1/documents/json", text)
    uploaded = _refused(
        client.post("/v1/documents", files=xml(text.encode(), "form.json"), headers=ent.headers)
    )
    assert as_json == uploaded
    assert "more decimals than DKK has" in as_json["rule"], as_json
    register(client, ent)  # the gateway still answers
