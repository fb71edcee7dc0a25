"""An invoice's amount due in another currency than the document's (a tryout): a UBL file whose
``DocumentCurrencyCode`` (BT-5) is DKK, with every line in DKK, and whose ``PayableAmount`` says
``currencyID="USD"`` was read as a USD invoice, with no word. EN 16931 (PEPPOL-EN16931-R051):
every amount is in the document currency but the VAT total in accounting currency. The reader
refuses it, naming the attribute and both currencies — through the API's check and register,
and the reader itself; a file whose amount states the document currency, or none, reads as
before. Real embedded chain, the gateway app."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from api_helpers import UBL, client_fixture, xml
from fastapi.testclient import TestClient

from ledger.documents import read_document
from ledger.errors import DocumentFormatError

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

USD_DUE = UBL.replace(
    b'<cbc:PayableAmount currencyID="DKK">4675.00<', b'<cbc:PayableAmount currencyID="USD">4675.00<'
)
NO_ATTRIBUTE = UBL.replace(
    b'<cbc:PayableAmount currencyID="DKK">4675.00<', b"<cbc:PayableAmount>4675.00<"
)


def test_the_reader_refuses_an_amount_due_in_another_currency() -> None:
    assert USD_DUE != UBL
    with pytest.raises(DocumentFormatError) as refused:
        read_document(USD_DUE)
    assert refused.value.field == "cbc:PayableAmount/@currencyID"
    assert "must be the document currency DKK (BT-5" in refused.value.rule
    assert "not USD" in refused.value.rule
    # the amount without a currencyID is in the document's currency; the sample reads as before
    for data in (NO_ATTRIBUTE, UBL):
        facts = read_document(data).facts
        assert facts is not None
        assert (facts.currency, facts.amount_minor) == ("DKK", 467_500)


@pytest.mark.parametrize("route", ["/v1/documents/check", "/v1/documents"])
def test_the_api_refuses_it_naming_the_attribute(
    client: TestClient, network: Network, route: str
) -> None:
    answer = client.post(route, files=xml(USD_DUE), headers=network.enterprise.headers)
    assert answer.status_code == 422, answer.text
    details = answer.json()["details"]
    assert details["field"] == "cbc:PayableAmount/@currencyID", details
    assert (details["document_currency"], details["currency"]) == ("DKK", "USD")
