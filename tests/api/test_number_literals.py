"""A JSON number is quoted as the client wrote it, and no number gives a 500.

A tryout sent ``"amount": 1e3`` and was told the amount "must be a whole number written as a
JSON integer (such as 374000), not 1000.0": a number it never wrote. Every refusal of a number
now quotes it as written (``1e3``, ``1.5e2``, ``-0``) and says the rule — of an API body (amounts,
reason codes, dates), of a JSON form registered through ``POST /v1/documents/json`` (whose
canonical bytes write ``1e3`` as ``1000.0``) or uploaded as a file. A number with a huge exponent
or too many digits for the decimal arithmetic (``1e999999999``, 29 digits) was a 500: it is
refused naming its field.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import BILL, MATURITY, UBL, client_fixture, register, xml
from fastapi.testclient import TestClient

from ledger.jsonliterals import exponent_rule

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]

#: numbers a JSON integer field refuses, each as a client may write it
NOT_INTEGERS = ["1e3", "1E+3", "1.5e2", "374000.0", "-0.0", "1e-7", "1e308", "2.5E-3"]
JSON = {"Content-Type": "application/json"}


def _send(client: TestClient, who: Participant, url: str, body: str) -> dict[str, Any]:
    answer = client.post(url, content=body.encode(), headers={**who.headers, **JSON})
    assert answer.status_code == 422, answer.text
    refused: dict[str, Any] = answer.json()
    return refused


@pytest.mark.parametrize("literal", NOT_INTEGERS)
def test_an_integer_field_quotes_the_number_as_written(
    client: TestClient, network: Network, literal: str
) -> None:
    doc = "0x" + "ab" * 32
    financing = (
        f'{{"documents": [{{"doc_hash": "{doc}", "amount": {literal}}}], "currency": "DKK", '
        f'"kind": "invoice_financing", "maturity": "{MATURITY}", "reference": "R-1"}}'
    )
    sent = {
        "documents[0].amount": ("/v1/financings", financing),
        "amount": ("/v1/financings/1/drawdown", f'{{"amount": {literal}}}'),
        "reason_code": (f"/v1/documents/{doc}/revoke", f'{{"reason_code": {literal}}}'),
    }
    for field, (url, body) in sent.items():
        who = network.enterprise if "revoke" in url else network.bank
        refused = _send(client, who, url, body)
        assert refused["details"]["field"] == field, refused
        rule = refused["details"]["rule"]
        if "e" in literal.lower():
            # exponent notation: one rule whatever the magnitude (test_exponent_words)
            assert rule == exponent_rule(literal), rule
            continue
        assert rule.endswith(f"not {literal}"), rule  # as written: never 1000.0 for 1e3
        assert "whole number written as a JSON integer" in rule, rule


def test_a_date_given_as_a_number_is_quoted_as_written(
    client: TestClient, network: Network
) -> None:
    body = (
        f'{{"documents": [{{"doc_hash": "0x{"ab" * 32}", "amount": 100}}], "currency": "DKK", '
        '"kind": "invoice_financing", "maturity": 1.9e9, "reference": "R-1"}'
    )
    refused = _send(client, network.bank, "/v1/financings", body)
    assert refused["details"]["field"] == "maturity"
    assert refused["details"]["rule"].endswith("not 1.9e9"), refused
    assert "ISO 8601" in refused["details"]["rule"]


def _form(**changes: str) -> str:
    """The demo bill of lading as an invoice JSON form, with ``changes`` as raw JSON text."""
    form = {
        **json.loads(BILL),
        "documentType": "Invoice",
        "totalAmount": {"value": "100.00", "currency": "DKK"},
    }
    text = json.dumps(form)
    for key, literal in changes.items():
        old = {"number": '"MAEU-240410-7731"', "value": '"100.00"'}[key]
        text = text.replace(old, literal)
    return text


@pytest.mark.parametrize("literal", ["1e3", "1.5e2", "-0", "-0.0", "1E+3", "12e-1"])
def test_a_json_form_quotes_a_number_as_written(
    client: TestClient, network: Network, literal: str
) -> None:
    """``documentNumber`` given as a number is refused (text only, when registered) quoting
    it: through ``POST /v1/documents/json`` — which registers the form's canonical bytes, where
    ``1e3`` is ``1000.0`` — and as an uploaded file."""
    ent = network.enterprise
    text = _form(number=literal)
    refused = _send(client, ent, "/v1/documents/json", text)
    assert refused["details"]["field"] == "documentNumber", refused
    assert refused["details"]["rule"].endswith(f"not the number {literal}"), refused
    uploaded = client.post(
        "/v1/documents", files=xml(text.encode(), "form.json"), headers=ent.headers
    )
    assert uploaded.status_code == 422, uploaded.text
    assert uploaded.json()["details"]["rule"].endswith(f"not the number {literal}"), uploaded.text


def test_an_amount_with_too_many_decimals_is_quoted_as_written(
    client: TestClient, network: Network
) -> None:
    ent = network.enterprise
    for literal in ("1.5e-7", "100.005"):
        text = _form(value=literal)
        refused = _send(client, ent, "/v1/documents/json", text)
        assert refused["details"]["field"] == "totalAmount.value", refused
        assert refused["details"]["value"] == literal, refused
        assert "more decimals than DKK has" in refused["details"]["rule"], refused
    refused = _send(client, ent, "/v1/documents/json", _form(value='"1.234,567"'))
    assert refused["details"]["value"] == "1.234,567", refused


@pytest.mark.parametrize(
    "literal",
    [
        "1e999999999",
        "-1e999999999",
        "1e-999999999",
        "12345678901234567890123456789",
        "9999999999999999999999999999.99",
        '"12345678901234567890123456789"',
        "0e999999999",
    ],
)
def test_no_number_in_a_json_form_is_a_500(
    client: TestClient, network: Network, literal: str
) -> None:
    ent, bank = network.enterprise, network.bank
    data = _form(value=literal).encode()
    for url, who in (
        ("/v1/documents", ent),
        ("/v1/documents/check", bank),
        ("/v1/documents/receive", bank),
    ):
        answer = client.post(url, files=xml(data, "form.json"), headers=who.headers)
        assert answer.status_code in (200, 201, 422), (url, answer.text)
        if answer.status_code == 422:
            assert answer.json()["details"]["field"] == "totalAmount.value", answer.text
    data = data.replace(b"MAEU-240410-7731", b"MAEU-AS-JSON")  # another document than the file
    answer = client.post("/v1/documents/json", content=data, headers={**ent.headers, **JSON})
    assert answer.status_code in (201, 422), answer.text


@pytest.mark.parametrize("amount", ["12345678901234567890123456789.00", "9" * 29])
def test_an_xml_amount_with_29_digits_is_refused_not_a_500(
    client: TestClient, network: Network, amount: str
) -> None:
    data = UBL.replace(
        b'<cbc:PayableAmount currencyID="DKK">4675.00<',
        f'<cbc:PayableAmount currencyID="DKK">{amount}<'.encode(),
    )
    answer = client.post("/v1/documents/check", files=xml(data), headers=network.bank.headers)
    assert answer.status_code == 422, answer.text
    assert "PayableAmount" in answer.json()["details"]["field"], answer.text
    register(client, network.enterprise)  # the gateway still answers


def test_every_route_reads_numbers_as_written(client: TestClient) -> None:
    """A router made without :class:`WrittenNumbersRoute` would read ``1e3`` as ``1000.0``
    again: every API route of the app is one."""
    from fastapi.routing import APIRoute

    from api.bodycheck import WrittenNumbersRoute

    routes = [r for r in client.app.routes if isinstance(r, APIRoute)]  # type: ignore[attr-defined]
    assert routes
    plain = [r.path for r in routes if not isinstance(r, WrittenNumbersRoute)]
    assert plain == [], plain


@pytest.mark.parametrize(
    ("literal", "kept"),
    [
        ("10000000000000000.01", "1e+16"),
        ("12345678901234567.5", "1.2345678901234568e+16"),
        ("1234567890123456.78", "1234567890123456.8"),
    ],
)
def test_a_json_form_number_is_never_registered_rounded(
    client: TestClient, network: Network, literal: str, kept: str
) -> None:
    """``POST /v1/documents/json`` registers the form's canonical bytes, made from its numbers
    as Python's parser read them: one a float cannot hold was registered rounded
    (``10000000000000000.01`` DKK as ``1e+16``: a face value nobody stated, beside "registered
    as written, never rounded"). It is refused naming the field, quoting the number as written
    and what it would have become; the same amount as a string is registered as written. (An
    amount the form refuses anyway — ``0.30000000000000001`` DKK has more decimals than DKK
    has — is refused in the words an upload of it gets: test_amount_words.)"""
    ent = network.enterprise
    refused = _send(client, ent, "/v1/documents/json", _form(value=literal))
    assert refused["details"]["field"] == "totalAmount.value", refused
    rule = refused["details"]["rule"]
    assert literal in rule, rule
    assert f"would be {kept}" in rule, rule
    assert "as a JSON string" in rule, rule
    if literal == "10000000000000000.01":
        text = _form(value=f'"{literal}"')
        answer = client.post(
            "/v1/documents/json", content=text.encode(), headers={**ent.headers, **JSON}
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["facts"]["amountMinor"] == 1_000_000_000_000_000_001


def test_an_xml_amount_due_is_quoted_as_written(client: TestClient, network: Network) -> None:
    """An e-invoice's amount due with more decimals than its currency has is refused with its
    ``details.value`` as the file writes it (``+04675.001``), not as a decimal prints it."""
    data = UBL.replace(
        b'<cbc:PayableAmount currencyID="DKK">4675.00<',
        b'<cbc:PayableAmount currencyID="DKK">+04675.001<',
    )
    answer = client.post("/v1/documents", files=xml(data), headers=network.enterprise.headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["details"]["value"] == "+04675.001", answer.text
