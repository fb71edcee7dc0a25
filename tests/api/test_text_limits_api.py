"""Over-long texts in an uploaded file are refused with a 422 naming the field, and nothing is
stored (``ledger/documents/textlimits.py``): a 500,000-character seller name (BT-27) was
accepted by ``POST /v1/documents/check`` and ``/receive``, stored and echoed back (a tryout,
2026-12-03)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from tests.api.api_helpers import client_fixture, xml
from tests.documents.test_doc_text_limits import CASE_IDS, EXPANDS, TOO_LONG

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

#: a UBL, a CII and a JSON-form case of each kind of field: names, identifiers, schemes, refs
CHOSEN = {
    "ubl seller name",
    "ubl buyer id scheme",
    "ubl order reference",
    "cii seller name",
    "cii buyer global id",
    "json issuer name",
    "json consignee id",
    # the document number and invoice reference: refused once normalised, term and all
    "ubl number longer once normalised",
    "ubl number without separators",
    "ubl invoice reference",
    "cii number without separators",
    "cii number longer once normalised",
    "json document number longer once normalised",
}
CASES = [case for case in TOO_LONG if case[0] in CHOSEN]


def _upload(data: bytes, label: str) -> dict[str, Any]:
    if label.startswith("json"):
        return {"file": ("form.json", data, "application/json")}
    return xml(data)


@pytest.mark.parametrize(
    ("label", "data", "field", "limit", "term"),
    CASES,
    ids=[i for i in CASE_IDS if i in CHOSEN],
)
def test_over_long_texts_are_refused_and_nothing_is_stored(
    client: TestClient, network: Network, label: str, data: bytes, field: str, limit: int, term: str
) -> None:
    doc_hash = "0x" + hashlib.sha256(data).hexdigest()
    answers = {
        "check": client.post(
            "/v1/documents/check", files=_upload(data, label), headers=network.bank.headers
        ),
        "receive": client.post(
            "/v1/documents/receive", files=_upload(data, label), headers=network.bank.headers
        ),
        "register": client.post(
            "/v1/documents", files=_upload(data, label), headers=network.enterprise.headers
        ),
    }
    for route, response in answers.items():
        assert response.status_code == 422, (route, response.text[:500])
        assert len(response.text) < 2000, route  # the text is not echoed back
        body = response.json()
        assert body["error"] == "document_format_error", body
        assert body["details"]["field"] == field, body
        assert f"longer than {limit} characters (EN 16931 {term}" in body["message"], body
        details = body["details"]
        assert details["term"].startswith(term), body  # the term's identifiers, whole
        assert details["limit"] == limit, body
        assert details["length"] > limit, body
        assert not re.search(r"(.)\1{49}", response.text), route  # no run of the text echoed
        assert EXPANDS not in response.text, route
        assert unicodedata.normalize("NFKC", EXPANDS)[:5] not in response.text, route
    for who in (network.bank, network.enterprise):
        lodged = client.get("/v1/documents/lodged", headers=who.headers).json()
        assert lodged["items"] == [], lodged
    assert client.get(f"/v1/documents/{doc_hash}", headers=network.bank.headers).status_code == 404
