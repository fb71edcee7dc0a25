"""What the API says back, for people and programs (issue #11, a fresh user's report), over HTTP
on the real embedded chain: every enum-like filter refuses an unknown value naming the field and
the allowed values; amounts in errors are in major units with their currency; contract error
details carry their decoded meaning beside the raw values; a bad body is named ``body`` and said
in words; idempotent replays are counted under their route in /metrics."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import UBL, client_fixture, finance, lodge, register, unique_file
from fastapi.testclient import TestClient

from api.errors import validation_problem
from ledger import messages
from ledger.errors import ContractError
from ledger.messages import snake_case
from ledger.revert import ERRORS
from ledger.words import NO_NAMES

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]


# -- 4. unknown filter values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "field", "allowed"),
    [
        (
            "/v1/audit/export",
            {"format": "csv", "event": "Bogus"},
            "event",
            ("FinancingRefused", "DocumentRegistered"),
        ),
        ("/v1/audit/export", {"format": "xml"}, "format", ("csv", "jsonl")),
        ("/v1/audit/exposure", {"by": "country"}, "by", ("bank", "enterprise")),
        ("/v1/audit/refusals", {"reason": "bogus"}, "reason", ("fingerprint_pledged",)),
        ("/v1/documents", {"type": "letter"}, "type", ("invoice", "bill_of_lading")),
        ("/v1/documents", {"status": "gone"}, "status", ("active", "revoked")),
        ("/v1/financings", {"status": "open"}, "status", ("active", "closed", "cancelled")),
    ],
)
def test_an_unknown_filter_value_is_422_naming_the_field_and_the_allowed_values(
    client: TestClient,
    network: Network,
    path: str,
    params: dict[str, str],
    field: str,
    allowed: tuple[str, ...],
) -> None:
    response = client.get(path, params=params, headers=network.regulator.headers)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_input"
    assert body["details"]["field"] == field
    assert body["message"].startswith(f"{field}: ")
    for name in allowed:
        assert name in body["details"]["rule"]


def test_the_export_filter_takes_event_names_as_the_abi_writes_them(
    client: TestClient, network: Network
) -> None:
    register(client, network.enterprise)
    client.app.state.audit_index.catch_up()  # type: ignore[attr-defined]
    response = client.get(
        "/v1/audit/export",
        params={"format": "jsonl", "event": "DocumentRegistered"},
        headers=network.regulator.headers,
    )
    assert response.status_code == 200
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert rows
    assert {r["event"] for r in rows} == {"DocumentRegistered"}
    # another spelling is refused naming the filter, not read as another event (taken as written)
    refused = client.get(
        "/v1/audit/export",
        params={"format": "jsonl", "event": "documentregistered"},
        headers=network.regulator.headers,
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["details"]["field"] == "event"


# -- 6. numbers in errors ------------------------------------------------------------------------


def test_amounts_in_errors_are_in_major_units_with_their_currency(
    client: TestClient, network: Network
) -> None:
    bank = network.bank
    doc = lodge(client, bank, UBL)["doc_hash"]
    over = finance(client, bank, doc, amount=500_000)
    assert over.status_code == 422, over.text
    body = over.json()
    assert body["details"]["field"] == "documents[0].amount"
    assert "face value 4,675.00 DKK" in body["message"]
    assert "467500" not in body["message"]
    assert (body["details"]["face_value"], body["details"]["currency"]) == (467_500, "DKK")

    # EN 16931 lets a UBL invoice state a negative amount due (BT-115, prepaid beyond the
    # total): it is read, and refused for financing (a JSON form's negative total is refused
    # when it is read: tests/documents/test_doc_standard_fields.py)
    negative = UBL.replace(b"<cbc:ID>TOSL110</cbc:ID>", b"<cbc:ID>NEG-1</cbc:ID>", 1).replace(
        b'<cbc:PayableAmount currencyID="DKK">4675.00',
        b'<cbc:PayableAmount currencyID="DKK">-100.00',
    )
    owed = lodge(client, bank, negative)["doc_hash"]
    refused = finance(client, bank, owed, amount=1_000)
    assert refused.status_code == 422, refused.text
    assert "amount due of -100.00 DKK (BT-115)" in refused.json()["message"]


def test_contract_error_details_carry_their_meaning_beside_the_raw_values(
    client: TestClient, network: Network
) -> None:
    ent = network.enterprise
    files = unique_file("twice")
    doc = register(client, ent, files)
    again = client.post("/v1/documents", files=files, headers=ent.headers)
    assert again.status_code == 409
    details = again.json()["details"]
    assert again.json()["error"] == "DocumentAlreadyRegistered"  # the Solidity name, kept
    # a time as every other time of the API (ISO 8601 UTC), not the chain's Unix seconds
    at = datetime.fromisoformat(details["registered_at"].replace("Z", "+00:00"))
    assert at.utcoffset() == timedelta(0)
    assert details["registered_at"].endswith("Z")
    assert details["registered_at_iso"] == details["registered_at"]
    assert details["registrant_name"] == "Exporter"

    revoked = client.post(
        f"/v1/documents/{doc}/revoke", json={"reason_code": 3}, headers=ent.headers
    )
    assert revoked.status_code == 200, revoked.text
    attested = client.post(
        f"/v1/documents/{doc}/attest", json={"evidence": "x"}, headers=network.attestor.headers
    )
    assert attested.status_code == 409, attested.text
    assert attested.json()["error"] == "DocumentNotActive"
    assert (attested.json()["details"]["status"], attested.json()["details"]["status_name"]) == (
        "revoked",
        "revoked",
    )

    bank = network.bank
    pledged = lodge(client, bank, UBL)["doc_hash"]
    made = finance(client, bank, pledged, amount=100_000)
    assert made.status_code == 201, made.text
    fid = made.json()["financing_id"]
    repaid = client.post(
        f"/v1/financings/{fid}/repay", json={"amount": 5_000}, headers=bank.headers
    )
    assert repaid.status_code == 409
    assert repaid.json()["error"] == "RepaymentExceedsOutstanding"
    assert repaid.json()["details"]["requested"] == 5_000
    assert repaid.json()["details"]["currency"] == "DKK"
    assert "50.00 DKK" in repaid.json()["message"]


def _sample(abi_type: str) -> Any:
    if abi_type == "address":
        return "0x" + "12" * 20
    if abi_type.startswith("bytes"):
        return b"DKK" if abi_type == "bytes3" else b"\x01" * 32
    return 2


def test_every_enum_and_time_argument_of_the_abi_is_decoded() -> None:
    from ledger.artifacts import load_artifact

    checked = 0
    for entry in load_artifact("TradeLedger")["abi"]:
        if entry["type"] != "error":
            continue
        error = ERRORS[entry["name"]](*[_sample(i["type"]) for i in entry["inputs"]])
        assert isinstance(error, ContractError)
        decoded = messages.decoded_details(error, NO_NAMES)
        body = messages.error_body(error)["details"]
        for arg in entry["inputs"]:
            if arg.get("internalType", "").startswith("enum "):
                assert decoded[f"{arg['name']}_name"], entry["name"]
                assert not str(body[f"{snake_case(arg['name'])}_name"]).isdigit()
                checked += 1
            if arg["type"] == "uint40":
                assert body[f"{snake_case(arg['name'])}_iso"].endswith("Z"), entry["name"]
                checked += 1
            assert body[snake_case(arg["name"])] is not None  # the raw value stays
    assert checked >= 6  # status x3, role, registeredAt, maturity


# -- 7. bad bodies --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field", "rule"),
    [
        ("/v1/financings", b"not json", "body", "invalid JSON at position 0: Expecting value"),
        ("/v1/financings", b'{"currency": "DKK",', "body", "invalid JSON at position 19"),
        (
            "/v1/financings/1/drawdown",
            b'{"amount": 1e400}',
            "amount",
            "must be a whole number written in digits alone, not in exponent notation (1e400)",
        ),
        ("/v1/financings/1/drawdown", b'{"amount": NaN}', "amount", "NaN is not a JSON number"),
        (
            "/v1/financings",
            b'{"documents": [{"doc_hash": "0x01", "amount": 1'
            + b"0" * 400
            + b'}], "currency": "DKK"}',
            "documents[0].amount",
            "is too large: an amount must be at most",
        ),
        ("/v1/financings", b"[1, 2]", "body", "must be a JSON object"),
        # a tryout read "is required (the body is empty …)" for a JSON null
        ("/v1/financings/1/drawdown", b"null", "body", "must be a JSON object, not null"),
        ("/v1/financings", b" null ", "body", "must be a JSON object, not null"),
    ],
)
def test_a_bad_body_is_said_in_words_naming_the_field(
    client: TestClient, network: Network, path: str, body: bytes, field: str, rule: str
) -> None:
    response = client.post(
        path, content=body, headers={**network.bank.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    details = response.json()["details"]
    assert details["field"] == field
    assert rule in details["rule"]
    assert "decode error" not in response.json()["message"]
    assert "well-formed" not in response.json()["message"]


_PLEDGE = '{"doc_hash": "0x01", "amount": 1}'
_TERMS = '"currency": "DKK", "maturity": "2099-12-31"'


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        (f'{{"documents": [], {_TERMS}}}', "documents", "must name at least one document"),
        (
            f'{{"documents": [{", ".join([_PLEDGE] * 17)}], {_TERMS}}}',
            "documents",
            "must name at most 16 documents, not 17",
        ),
        (
            f'{{"documents": [{_PLEDGE}], "currency": "EURO", "maturity": "2099-12-31"}}',
            "currency",
            "must be at most 3 characters",
        ),
    ],
)
def test_a_length_rule_is_said_in_the_gateways_words(
    client: TestClient, network: Network, body: str, field: str, rule: str
) -> None:
    """A tryout sent ``"documents": []`` and read pydantic's "List should have at least 1 item
    after validation, not 0": the 422 names the field and says the rule as the services do."""
    response = client.post(
        "/v1/financings",
        content=body.encode(),
        headers={**network.bank.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    answer = response.json()
    assert answer["error"] == "invalid_input"
    assert (answer["details"]["field"], answer["details"]["rule"]) == (field, rule)
    assert answer["message"] == f"{field}: {rule}"
    assert "should have" not in response.text


@pytest.mark.parametrize(
    ("error", "rule"),
    [
        (
            {"type": "too_short", "loc": ("body", "documents"), "ctx": {"min_length": 1}},
            "must name at least one document",
        ),
        (
            {"type": "too_short", "loc": ("body", "addresses"), "ctx": {"min_length": 1}},
            "must name at least one address",
        ),
        (
            {
                "type": "too_short",
                "loc": ("query", "ids"),
                "ctx": {"min_length": 2, "actual_length": 1},
            },
            "must name at least 2 ids, not 1",
        ),
        (
            {
                "type": "too_long",
                "loc": ("body", "tags"),
                "ctx": {"max_length": 1, "actual_length": 3},
            },
            "must name at most one tag, not 3",
        ),
        (
            {"type": "too_short", "loc": ("body", "data"), "ctx": {"min_length": 1}},
            "must name at least one item",
        ),
        (
            {"type": "string_too_short", "loc": ("body", "name"), "ctx": {"min_length": 1}},
            "must not be empty",
        ),
        (
            {"type": "string_too_short", "loc": ("body", "currency"), "ctx": {"min_length": 3}},
            "must be at least 3 characters",
        ),
    ],
)
def test_the_length_rules_name_what_the_list_holds(error: dict[str, Any], rule: str) -> None:
    assert validation_problem(error)["rule"] == rule


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize(
    ("path", "template", "field"),
    [
        (
            "/v1/financings",
            '{{"documents": [{{"doc_hash": "0x01", "amount": {}}}]}}',
            "documents[0].amount",
        ),
        ("/v1/financings/1/drawdown", '{{"amount": {}}}', "amount"),
        ("/v1/financings/1/repay", '{{"amount": {}}}', "amount"),
        ("/v1/financings/1/cancel", '{{"reason_code": {}}}', "reason_code"),
    ],
)
def test_nan_and_infinity_name_the_field_sent_and_say_what_is_wrong(
    client: TestClient, network: Network, path: str, template: str, field: str, literal: str
) -> None:
    """A tryout sent ``amount: NaN`` and read that the number was too large: the field is the
    one sent, the rule says the literal is not JSON — and nothing is written."""
    before = client.get("/v1/financings", headers=network.bank.headers).json()
    response = client.post(
        path,
        content=template.format(literal).encode(),
        headers={**network.bank.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    details = response.json()["details"]
    assert details["field"] == field
    assert f"{literal} is not a JSON number" in details["rule"]
    assert "too large" not in details["rule"]
    assert client.get("/v1/financings", headers=network.bank.headers).json() == before


def test_a_json_form_with_an_overflowing_number_names_its_field(
    client: TestClient, network: Network
) -> None:
    form = (
        b'{"documentType": "Invoice", "documentNumber": "BIG-1", "issueDate": "2026-01-10", '
        b'"issuer": {"id": "DK13585628", "scheme": "VAT"}, '
        b'"totalAmount": {"value": 1e400, "currency": "DKK"}}'
    )
    response = client.post(
        "/v1/documents/json",
        content=form,
        headers={**network.enterprise.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["details"]["field"] == "totalAmount.value"
    assert "is too large: an amount must be at most" in body["message"]  # as an upload says


# -- 9. /metrics ----------------------------------------------------------------------------------


def test_idempotent_replays_are_counted_under_their_route(
    client: TestClient, network: Network
) -> None:
    headers = {**network.enterprise.headers, "Idempotency-Key": "metrics-replay-1"}
    files = unique_file("replayed")
    first = client.post("/v1/documents", files=files, headers=headers)
    again = client.post("/v1/documents", files=files, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    doc = first.json()["doc_hash"]
    for _ in range(2):
        revoke = client.post(
            f"/v1/documents/{doc}/revoke",
            json={"reason_code": 1},
            headers={**network.enterprise.headers, "Idempotency-Key": "metrics-replay-2"},
        )
        assert revoke.status_code == 200
    text = client.get("/metrics", headers=network.admin.headers).text
    assert 'route="unmatched"' not in text
    assert (
        'tradeledger_http_requests_total{method="POST",route="/v1/documents",status="201"} 2.0'
        in text
    )
    assert (
        'tradeledger_http_requests_total{method="POST",route="/v1/documents/{doc_hash}/revoke",'
        'status="200"} 2.0' in text
    )
    assert 'tradeledger_chain_writes_total{outcome="replayed"} 2.0' in text
    assert client.get("/v1/nowhere", headers=network.admin.headers).status_code == 404
    # only for a path no route takes
    assert 'route="unmatched"' in client.get("/metrics", headers=network.admin.headers).text


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/v1/financings",
            b'{"documents": [], "acknowledge_suspicions": NaN}',
            "acknowledge_suspicions",
        ),
        ("/v1/financings", b'{"documents": [], "reference": Infinity}', "reference"),
        ("/v1/financings", b"NaN", "body"),
    ],
)
def test_nan_in_a_field_of_any_type_is_not_said_to_need_a_number(
    client: TestClient, network: Network, path: str, body: bytes, field: str
) -> None:
    """A tryout sent NaN for a boolean and a string and read "must be a number … send a
    whole number": the rule says what is wrong with the body whatever the field's type."""
    response = client.post(
        path, content=body, headers={**network.bank.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    details = response.json()["details"]
    assert details["field"] == field
    assert "is not a JSON number" in details["rule"]
    assert "whole number" not in details["rule"]
    assert "must be a number" not in details["rule"]


def test_a_contract_input_error_names_its_field_and_rule_as_the_api_does(
    client: TestClient, network: Network
) -> None:
    """A document superseded by itself reverts ``SelfSupersession(docHash)``: its 422 named
    ``field: docHash, rule: SelfSupersession``, the contract's names (a tryout). The field is
    written as the API writes keys and the rule in words; ``error`` keeps the contract's name."""
    files = unique_file("self")
    doc_hash = register(client, network.enterprise, files)
    answer = client.post(
        f"/v1/documents/{doc_hash}/supersede", files=files, headers=network.enterprise.headers
    )
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["error"] == "SelfSupersession"
    assert body["details"]["field"] == "doc_hash"
    assert body["details"]["rule"] == body["message"]
    assert "cannot supersede itself" in body["details"]["rule"]
