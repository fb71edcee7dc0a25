"""The JSON form is taken as written on registration and read as it was on verification; the
API's errors say what the client sent (content type, field names, a batch's places); a request
refused as invalid binds no Idempotency-Key; a currency is checked against the day it is used.

On the real embedded chain, through the app; every refusal is a 422 naming the field, and the
chain head does not move. Routes are read from the app's OpenAPI where the fault is the kind's.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
from typing import Any

import pytest
from api_helpers import lodge, unique_file
from lifecycle import UBL, World
from test_strict_input import (  # the module's world and its valid request for every write
    Valid,
    content_of,
    head,
    refused,
    send,
    world,
    writes,
)

from ledger.services import documents as docs
from ledger.services.roles import DocType

__all__ = ["world"]  # the fixture, shared with tests/api/test_strict_input.py

_numbers = itertools.count(1)


def form(**changes: Any) -> dict[str, Any]:
    """A valid JSON-form invoice no other document has the number of, with ``changes``."""
    base: dict[str, Any] = {
        "documentType": "Invoice",
        "documentNumber": f"SF-{next(_numbers)}",
        "issueDate": "2026-03-01",
        "dueDate": "2026-04-30",
        "issuer": {"id": "DE136695976", "scheme": "VAT", "country": "DE", "name": "Seller"},
        "consignee": {"ids": [{"id": "529900T8BM49AURSDO55", "scheme": "LEI"}]},
        "totalAmount": {"value": f"{100 + next(_numbers)}.00", "currency": "EUR"},
    }
    base.update(changes)
    return base


def _set(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """``body`` with the value at ``path`` (``consignee.ids[0].id``) replaced by ``value``."""
    bad = copy.deepcopy(body)
    parts = path.replace("[", ".").replace("]", "").split(".")
    target: Any = bad
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    target[parts[-1]] = value
    return bad


def file_of(body: dict[str, Any], name: str = "form.json") -> tuple[str, bytes]:
    return name, json.dumps(body, indent=2).encode()


#: every registering route a JSON form reaches, and how the form is sent to it; the field is
#: prefixed as the route names it (a batch names the file's place)
def registering_sends(w: World, body: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    old = Valid(w).doc()
    return [
        ("", "/v1/documents/json", {"json": body}),
        ("", "/v1/documents", {"files": {"file": file_of(body)}}),
        (
            "files[1].",
            "/v1/documents/batch",
            {"files": [("files", unique_file("ok")["file"]), ("files", file_of(body))]},
        ),
        ("", f"/v1/documents/{old}/supersede", {"files": {"file": file_of(body)}}),
    ]


#: the route templates :func:`registering_sends` sends a form to
REGISTERING = {
    "/v1/documents/json",
    "/v1/documents",
    "/v1/documents/batch",
    "/v1/documents/{doc_hash}/supersede",
}


def test_the_registering_routes_are_all_here(world: World) -> None:
    """Every write that takes a document file or a JSON form, and registers it, is sent the
    strict form below (check, receive and verify read, and are lenient: see further down)."""
    reading = {"/v1/documents/check", "/v1/documents/receive", "/v1/documents/verify"}
    taking_documents = {
        r.path
        for r in writes(world)
        if r.path not in reading
        and ("multipart/form-data" in content_of(r) or r.path == "/v1/documents/json")
    }
    assert taking_documents == REGISTERING


TEXT_FIELDS = (
    "documentType",
    "documentNumber",
    "issueDate",
    "dueDate",
    "issuer.id",
    "issuer.scheme",
    "issuer.name",
    "issuer.country",
    "consignee.ids[0].id",
    "totalAmount.currency",
)


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_a_json_form_text_field_given_as_a_number_is_refused(world: World, field: str) -> None:
    body = _set(form(), field, 12345)
    before = head(world)
    answer = send(world, "enterprise", "/v1/documents/json", json=body)
    details = refused(answer, field)
    assert details["rule"].startswith("must be a JSON string"), details
    assert "12345" in details["rule"]
    assert head(world) == before


def test_a_number_for_text_is_refused_on_every_registering_route(world: World) -> None:
    for prefix, url, kwargs in registering_sends(world, form(documentNumber=4711)):
        before = head(world)
        details = refused(send(world, "enterprise", url, **kwargs), prefix + "documentNumber")
        assert "must be a JSON string" in details["rule"], (url, details)
        assert head(world) == before, url


@pytest.mark.parametrize("written", ["eur", "Eur", " EUR", "EUR "])
def test_a_currency_not_written_as_iso_4217_writes_it_is_refused(
    world: World, written: str
) -> None:
    for prefix, url, kwargs in registering_sends(
        world, _set(form(), "totalAmount.currency", written)
    ):
        before = head(world)
        field = prefix + "totalAmount.currency"
        details = refused(send(world, "enterprise", url, **kwargs), field)
        assert "three upper-case letters" in details["rule"], details
        assert head(world) == before, url


@pytest.mark.parametrize(
    ("amount", "currency"), [(10.123, "EUR"), (1000.999, "EUR"), (0.001, "EUR"), (1.5, "JPY")]
)
def test_an_amount_with_more_decimals_than_its_currency_is_refused_not_rounded(
    world: World, amount: float, currency: str
) -> None:
    """A tryout registered 10.123 EUR and read a face value of 10.12: a number was rounded
    while the same text was refused as ambiguous. Registered as written: refused."""
    body = _set(form(), "totalAmount", {"value": amount, "currency": currency})
    for prefix, url, kwargs in registering_sends(world, body):
        before = head(world)
        details = refused(send(world, "enterprise", url, **kwargs), prefix + "totalAmount.value")
        assert "more decimals than" in details["rule"], (url, details)
        assert head(world) == before, url


@pytest.mark.parametrize(
    ("path", "written"),
    [("issuer.scheme", "vat"), ("issuer.country", "de"), ("issuer.scheme", "Lei")],
)
def test_a_code_not_written_in_upper_case_is_refused(world: World, path: str, written: str) -> None:
    """``vat`` and ``dk`` were upper-cased silently while ``eur`` was refused."""
    for prefix, url, kwargs in registering_sends(world, _set(form(), path, written)):
        before = head(world)
        details = refused(send(world, "enterprise", url, **kwargs), prefix + path)
        assert "upper case" in details["rule"], (url, details)
        assert head(world) == before, url


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("documentNo", "documentNo"),
        ("issuer.registration", "issuer.registration"),
        ("consignee.ids[0].note", "consignee.ids[0].note"),
        ("totalAmount.vat", "totalAmount.vat"),
    ],
)
def test_a_key_the_json_form_does_not_have_is_refused(world: World, path: str, field: str) -> None:
    for prefix, url, kwargs in registering_sends(world, _set(form(), path, "x")):
        before = head(world)
        details = refused(send(world, "enterprise", url, **kwargs), prefix + field)
        assert "is not a field of" in details["rule"], details
        assert "it takes:" in details["rule"], details
        assert head(world) == before, url


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("bill_of_lading", "BillOfLading"),
        ("warehouse_receipt", "WarehouseReceipt"),
        ("Bill of Lading", "BillOfLading"),
        ("certificate_of_origin", "CertificateOfOrigin"),
    ],
)
def test_a_type_written_as_the_api_writes_it_names_the_forms_name(
    world: World, written: str, name: str
) -> None:
    """A tryout sent ``"documentType": "bill_of_lading"`` — the API's ``doc_type`` — and read
    a list of names without the one it meant. The rule names it; nothing is registered (the
    form's own name is hashed as written, so another spelling is not taken for it)."""
    for prefix, url, kwargs in registering_sends(world, _set(form(), "documentType", written)):
        before = head(world)
        details = refused(send(world, "enterprise", url, **kwargs), prefix + "documentType")
        assert details["rule"].startswith("must be one of BillOfLading, "), details
        assert details["rule"].endswith(f"(the form's name for {written} is {name})"), details
        assert head(world) == before, url


def test_the_corrected_form_is_registered(world: World) -> None:
    answer = send(world, "enterprise", "/v1/documents/json", json=form())
    assert answer.status_code == 201, answer.text


def test_a_form_registered_before_the_rules_still_verifies_checks_and_lodges(
    world: World,
) -> None:
    """A form an earlier gateway registered — a number for its text, ``eur``, a key the form
    does not have — is refused for a new registration, and still found and read when a file
    is verified, checked or lodged: its hash is of its bytes, which cannot change."""
    old = {
        **form(documentNumber=880011, note="kept by an earlier gateway"),
        "totalAmount": {"value": "990.00", "currency": "eur"},
    }
    pretty = json.dumps(old, indent=2).encode()
    # registered as the earlier gateway's /v1/documents/json did: its canonical bytes
    canonical = docs.canonical_json(old)
    net = world.net
    docs.register(
        net.ledger, net.enterprise.address, hashlib.sha256(canonical).digest(), DocType.INVOICE
    )
    registered = "0x" + hashlib.sha256(canonical).hexdigest()

    verified = send(world, "bank", "/v1/documents/verify", files={"file": ("old.json", pretty)})
    assert verified.status_code == 200, verified.text
    assert verified.json()["status"] == "active"
    assert verified.json()["doc_hash"] == registered
    assert verified.json()["hashed"] == "canonical_json"

    checked = send(world, "bank", "/v1/documents/check", files={"file": ("old.json", pretty)})
    assert checked.status_code == 200, checked.text
    facts = checked.json()["facts"]
    assert facts["number"] == "880011", facts
    assert facts["currency"] == "EUR", facts
    assert checked.json()["doc_hash"] == registered

    lodged = lodge(world.client, net.bank, pretty)
    assert lodged["doc_hash"] == registered

    # the same form as a new registration is refused, naming what it must be now
    refused(send(world, "enterprise", "/v1/documents/json", json=old), "note")


# -- currencies: in force on the day they are used ------------------------------------------------


def test_a_withdrawn_currency_reads_on_a_document_issued_before_its_withdrawal(
    world: World,
) -> None:
    hrk_2022 = form(issueDate="2022-11-30", dueDate="2022-12-30")
    hrk_2022["totalAmount"]["currency"] = "HRK"
    answer = send(world, "enterprise", "/v1/documents/json", json=hrk_2022)
    assert answer.status_code == 201, answer.text
    assert answer.json()["facts"]["currency"] == "HRK"

    ubl = UBL.replace(b"<cbc:ID>TOSL110</cbc:ID>", b"<cbc:ID>HRK-2022-1</cbc:ID>", 1)
    ubl = ubl.replace(b'currencyID="DKK"', b'currencyID="HRK"').replace(
        b"<cbc:DocumentCurrencyCode>DKK</cbc:DocumentCurrencyCode>",
        b"<cbc:DocumentCurrencyCode>HRK</cbc:DocumentCurrencyCode>",
    )
    assert b"<cbc:IssueDate>2013" in ubl  # the sample invoice was issued in 2013
    answer = send(world, "enterprise", "/v1/documents", files={"file": ("hrk.xml", ubl)})
    assert answer.status_code == 201, answer.text
    assert answer.json()["facts"]["currency"] == "HRK"


def test_a_withdrawn_currency_is_refused_on_a_document_issued_after(world: World) -> None:
    hrk_2023 = form(issueDate="2023-01-02", dueDate="2023-02-01")
    hrk_2023["totalAmount"]["currency"] = "HRK"
    before = head(world)
    details = refused(
        send(world, "enterprise", "/v1/documents/json", json=hrk_2023), "totalAmount.currency"
    )
    assert "withdrawn on 2023-01-01 (replaced by EUR)" in details["rule"], details
    assert head(world) == before


@pytest.mark.parametrize(
    ("currency", "says"),
    [("HRK", "a new financing is made in an active currency"), ("dkk", "upper-case")],
)
def test_a_financing_needs_an_active_currency_as_written(
    world: World, currency: str, says: str
) -> None:
    role, url, kwargs = Valid(world).request(
        next(r for r in writes(world) if r.path == "/v1/financings")
    )
    body = {**kwargs["json"], "currency": currency}
    before = head(world)
    details = refused(send(world, role, url, json=body), "currency")
    assert says in details["rule"], details
    assert head(world) == before


# -- messages -------------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["text/plain", None])
def test_a_body_in_the_wrong_media_type_is_named_on_every_route(
    world: World, content_type: str | None
) -> None:
    """Every write that takes a body says which media type it reads when it is sent another
    (a JSON body as text/plain or with none; a JSON body to a file upload)."""
    checked = []
    for route in writes(world):
        content = content_of(route)
        if not content:
            continue
        expected = "application/json" if "application/json" in content else "multipart/form-data"
        role = "admin" if route.path.startswith(("/v1/members", "/v1/keys", "/v1/gov")) else "bank"
        url = route.path
        for name in route.path_params:
            url = url.replace("{" + name + "}", "1" if name.endswith("_id") else "0x" + "11" * 20)
        if "{doc_hash}" in route.path:
            url = route.path.replace("{doc_hash}", "0x" + "11" * 32)
        raw = json.dumps({"reason_code": 1}).encode()
        headers = {"Content-Type": content_type} if content_type else {}
        before = head(world)
        answer = send(world, role, url, content=raw, headers=headers)
        details = refused(answer, "Content-Type")
        assert details["expected"] == expected, (route.path, details)
        assert f"must be {expected}" in details["rule"], details
        assert head(world) == before
        checked.append(route.path)
    assert {"/v1/documents/json", "/v1/members", "/v1/financings", "/v1/documents"} <= set(checked)


@pytest.mark.parametrize("maturity", ["nope", "2026-13-40", "31.12.2099"])
def test_an_error_names_the_field_the_client_sent(world: World, maturity: str) -> None:
    role, url, kwargs = Valid(world).request(
        next(r for r in writes(world) if r.path == "/v1/financings")
    )
    body = {**kwargs["json"], "maturity": maturity}
    answer = send(world, role, url, json=body)
    details = refused(answer, "maturity")
    assert {p["field"] for p in details["problems"]} == {"maturity"}, details
    assert "maturity.date" not in answer.text
    assert "maturity.datetime" not in answer.text


def test_a_repeated_document_in_a_batch_names_both_places_and_files(world: World) -> None:
    same = unique_file("twice")["file"]
    files = [
        ("files", unique_file("a")["file"]),
        ("files", ("first.txt", same[1])),
        ("files", unique_file("c")["file"]),
        ("files", ("again.txt", same[1])),
    ]
    before = head(world)
    details = refused(send(world, "enterprise", "/v1/documents/batch", files=files), "files[3]")
    assert "files[1] (first.txt)" in details["rule"], details
    assert "again.txt" in details["rule"], details
    assert details["filename"] == "again.txt"
    assert details["duplicates"] == [{"index": 3, "duplicates": 1, "filename": "again.txt"}]
    assert head(world) == before


# -- Idempotency-Key ---------------------------------------------------------------------------


def test_a_request_refused_as_invalid_binds_no_idempotency_key(world: World) -> None:
    """The client corrects its body and retries with the same key: the write happens once,
    and its answer (not the 422) is what the key replays."""
    valid = Valid(world)
    cases = []
    role, url, kwargs = valid.request(next(r for r in writes(world) if r.path == "/v1/financings"))
    cases.append((role, url, {"json": {**kwargs["json"], "maturity": "nope"}}, kwargs))
    good = form()
    cases.append(
        (
            "enterprise",
            "/v1/documents/json",
            {"json": {**good, "documentNumber": 1}},
            {"json": good},
        )
    )
    upload = unique_file("idem")
    cases.append(
        (
            "enterprise",
            "/v1/documents",
            {"files": upload, "data": {"doctype": "x"}},
            {"files": upload},
        )
    )
    for n, (role, url, bad, corrected) in enumerate(cases):
        key = {"Idempotency-Key": f"strict-forms-{n}-{next(_numbers)}"}
        assert send(world, role, url, headers=key, **bad).status_code == 422
        first = send(world, role, url, headers=key, **corrected)
        assert first.status_code == 201, (url, first.text)
        again = send(world, role, url, headers=key, **corrected)
        assert again.status_code == 201
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert again.json() == first.json()
        # the key is the write's now: another body with it is a conflict, as always
        assert send(world, role, url, headers=key, **bad).status_code == 409


def test_a_mistyped_path_binds_no_idempotency_key(world: World) -> None:
    """Tryout 66 sent a drawdown to ``/drawdownz`` (404), then to ``/drawdown`` with the same
    key, and was told the key was given before with another request: nothing had happened."""
    upload = unique_file("typo")
    key = {"Idempotency-Key": f"strict-forms-typo-{next(_numbers)}"}
    for wrong in ("/v1/documentz", "/v1/documents/0x" + "ab" * 32):  # no route; no method there
        missed = send(world, "enterprise", wrong, headers=key, files=upload)
        assert missed.status_code in (404, 405), missed.text
    first = send(world, "enterprise", "/v1/documents", headers=key, files=upload)
    assert first.status_code == 201, first.text
    again = send(world, "enterprise", "/v1/documents", headers=key, files=upload)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()


def test_a_write_that_happened_still_binds_its_key(world: World) -> None:
    upload = unique_file("bound")
    key = {"Idempotency-Key": f"strict-forms-bound-{next(_numbers)}"}
    first = send(world, "enterprise", "/v1/documents", headers=key, files=upload)
    assert first.status_code == 201
    other = send(world, "enterprise", "/v1/documents", headers=key, files=unique_file("x"))
    assert other.status_code == 409, other.text
