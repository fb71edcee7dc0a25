"""A JSON document that names a key twice is no document anyone can verify as registered.

``{"totalAmount": {"value": "9999999.00", "value": "1234.56"}}`` is valid JSON to Python's
parser, which keeps the last value; a reader that keeps the first sees another amount. A tryout
(2026-12-05) registered a bill of lading through ``POST /v1/documents/json``, then verified a
copy stating the amount twice, 9,999,999.00 first: ``doc verify``, ``POST /v1/documents/verify``
and ``doc verify-proof`` all said it was the registered document, unaltered — its canonical
form (the last value) was the registered one. ``POST /v1/documents/json`` refused the same body
(``totalAmount.value: is given more than once``); ``POST /v1/documents`` registered it as a
file.

Now the file has no canonical form (``docs.canonical_form``: it is its raw bytes, not the
registered document), and a JSON form that names a key twice is refused wherever it is read —
register, batch, check, receive — naming the key's place and the rule, as the ``/json`` route
refuses it; verify answers for the file's own bytes: not registered, not valid. Real HTTP app,
real chain."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import client_fixture

from ledger.documents import read_document
from ledger.errors import DocumentFormatError
from ledger.jsonkeys import RULE
from ledger.services import documents as docs

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]


def _form(number: str) -> dict[str, Any]:
    return {
        "documentType": "BillOfLading",
        "documentNumber": number,
        "issueDate": "2013-04-12",
        "issuer": {"id": "DK13585628", "scheme": "VAT", "country": "DK", "name": "SellerCompany"},
        "totalAmount": {"value": "1234.56", "currency": "EUR"},
    }


def _stated_twice(form: dict[str, Any], key: str, first: str) -> bytes:
    """``form`` as a file whose ``totalAmount`` (or top level, for ``documentNumber``) names
    ``key`` twice: ``first`` before the registered value."""
    text = json.dumps(form)
    if key == "value":
        registered = '"value": "1234.56"'
        return text.replace(registered, f'"value": "{first}", {registered}').encode()
    registered = f'"documentNumber": "{form["documentNumber"]}"'
    return text.replace(registered, f'"documentNumber": "{first}", {registered}').encode()


CASES = [("value", "9999999.00", "totalAmount.value"), ("documentNumber", "X-1", "documentNumber")]


@pytest.mark.parametrize(("key", "first", "field"), CASES)
def test_a_form_naming_a_key_twice_has_no_canonical_form_and_is_refused(
    key: str, first: str, field: str
) -> None:
    data = _stated_twice(_form("DUP-0"), key, first)
    assert docs.canonical_form(data) is None
    assert docs.canonical_form(json.dumps(_form("DUP-0")).encode()) is not None
    with pytest.raises(DocumentFormatError) as info:
        read_document(data)
    assert (info.value.field, info.value.rule) == (field, RULE)


@pytest.mark.parametrize(("key", "first", "field"), CASES)
def test_a_copy_naming_a_key_twice_never_verifies_as_the_registered_form(
    client: TestClient, network: Network, key: str, first: str, field: str
) -> None:
    form = _form(f"DUP-{key}")
    created = client.post("/v1/documents/json", json=form, headers=network.enterprise.headers)
    assert created.status_code == 201, created.text
    registered = created.json()["doc_hash"]
    honest = client.post(
        "/v1/documents/verify",
        files={"file": ("bill.json", json.dumps(form).encode(), "application/json")},
        headers=network.bank.headers,
    )
    assert honest.status_code == 200, honest.text
    assert honest.json()["valid"] is True  # the same document in other bytes: verified

    copy = _stated_twice(form, key, first)
    files = {"file": ("bill.json", copy, "application/json")}
    verified = client.post("/v1/documents/verify", files=files, headers=network.bank.headers)
    assert verified.status_code == 200, verified.text  # a file's bytes are looked up
    said = verified.json()
    assert (said["valid"], said["registered"], said["hashed"]) == (False, False, "file_bytes")
    assert [t["form"] for t in said["tried"]] == ["file_bytes"]  # no canonical form to try

    for path, who in (
        ("/v1/documents", network.enterprise),
        ("/v1/documents/check", network.bank),
        ("/v1/documents/receive", network.bank),
    ):
        answer = client.post(path, files=files, headers=who.headers)
        assert answer.status_code == 422, (path, answer.text)
        assert answer.json()["details"]["field"] == field
    batch = client.post(
        "/v1/documents/batch",
        files=[("files", ("bill.json", copy, "application/json"))],
        headers=network.enterprise.headers,
    )
    assert batch.status_code == 422, batch.text
    assert batch.json()["details"]["field"] == f"files[0].{field}"
    # and the registered document is as it was
    record = client.get(f"/v1/documents/{registered}", headers=network.enterprise.headers)
    assert record.status_code == 200, record.text
    assert record.json()["status"] == "active"
