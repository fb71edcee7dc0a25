"""A bank reads a document it lodged and financed though nobody registered it: the 404 says
where what it holds of it is read (its financings by ``GET /v1/financings?doc=``, a check of
the file), not a bare "is not registered". A tryout's bank financed an invoice it received
(the common case: a bank financing a file registers nothing, docs/privacy.md) and could read
nothing of it by its hash. Another member, who lodged nothing, reads the bare 404: nothing says
that anyone lodged it. Real HTTP app, real chain, on both backends."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from api_helpers import client_fixture, finance, lodge, own_invoice
from fastapi.testclient import TestClient

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends


def test_the_lodging_bank_is_told_where_to_read_it(client: TestClient, network: Network) -> None:
    doc_hash = lodge(client, network.bank, own_invoice("UNREGISTERED"))["doc_hash"]
    made = finance(client, network.bank, doc_hash, amount=100_000)
    assert made.status_code == 201, made.text
    fid = made.json()["financing_id"]

    shown = client.get(f"/v1/documents/{doc_hash}", headers=network.bank.headers)
    assert shown.status_code == 404, shown.text
    body = shown.json()
    assert body["details"]["field"] == "doc_hash"
    assert body["details"]["lodged"] is True
    assert f"GET /v1/financings?doc={doc_hash}" in body["message"]
    assert "You lodged a file with this hash here" in body["message"]
    listed = client.get("/v1/financings", params={"doc": doc_hash}, headers=network.bank.headers)
    assert listed.status_code == 200, listed.text
    assert [f["financing_id"] for f in listed.json()["items"]] == [fid]

    for other in (network.bank_b, network.enterprise):
        bare = client.get(f"/v1/documents/{doc_hash}", headers=other.headers)
        assert bare.status_code == 404, bare.text
        assert "lodged" not in bare.json()["message"]
        assert "lodged" not in bare.json()["details"]
