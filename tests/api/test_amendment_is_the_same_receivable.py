"""An amendment amends the same receivable (docs/rules.md, "Amendments").

A tryout "amended" a financed NOK invoice (``POST /v1/documents/{hash}/supersede``) by another
seller's EUR credit note: accepted (both are of type invoice), and the financing, the drawdown
notice and the regulator's verify went on calling its current version active. A file whose facts
say it is not the same receivable — a credit note for an invoice (or the reverse), another
seller's document, another currency — is refused, naming ``file``, and nothing is written.
Real embedded chain, the gateway app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from tests.api.api_helpers import UBL, client_fixture, xml
from tests.documents.documents_support import corpus_bytes

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

IN_EUR = UBL.replace(b'currencyID="DKK"', b'currencyID="EUR"').replace(
    b"<cbc:DocumentCurrencyCode>DKK<", b"<cbc:DocumentCurrencyCode>EUR<"
)


@pytest.mark.parametrize(
    ("amendment", "rule"),
    [
        (corpus_bytes("ubl/ubl-tc434-creditnote1.xml"), "it is a credit note"),
        (corpus_bytes("ubl/ubl-tc434-example1.xml"), "its seller is not the seller"),
        (IN_EUR, "its currency (EUR) is not that of the document it amends (DKK)"),
    ],
    ids=["credit-note", "another-seller", "another-currency"],
)
def test_a_file_that_is_another_receivable_does_not_amend_an_invoice(
    client: TestClient, network: Network, amendment: bytes, rule: str
) -> None:
    headers = network.enterprise.headers
    original = client.post("/v1/documents", files=xml(UBL), headers=headers)
    assert original.status_code == 201, original.text
    v1 = original.json()["doc_hash"]
    refused = client.post(f"/v1/documents/{v1}/supersede", files=xml(amendment), headers=headers)
    assert refused.status_code == 422, refused.text
    details = refused.json()["details"]
    assert details["field"] == "file"
    assert details["rule"].startswith("must amend the same receivable"), details
    assert rule in details["rule"], details
    read = client.get(f"/v1/documents/{v1}", headers=headers).json()
    assert read["status"] == "active"  # nothing written


def test_an_amended_invoice_amends_it(client: TestClient, network: Network) -> None:
    headers = network.enterprise.headers
    original = client.post("/v1/documents", files=xml(UBL), headers=headers)
    assert original.status_code == 201, original.text
    done = client.post(
        f"/v1/documents/{original.json()['doc_hash']}/supersede",
        files=xml(UBL.replace(b"</cbc:Note>", b" (amended)</cbc:Note>", 1)),
        headers=headers,
    )
    assert done.status_code == 201, done.text
