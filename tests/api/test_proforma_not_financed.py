"""A pro-forma invoice (UNTDID 1001 code 325) or invoice information for accounting purposes
(751) claims no payment: it is read, registered and lodged, but it is no receivable — every
check says so (``no_payment_claimed``, nothing financeable) and ``financing.create`` refuses it.

Before, its type code was not kept: a pro-forma of the demo invoice was financed in full as an
invoice, money lent against nothing owed. Real embedded chain, the gateway app and the CLI."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from tests.api.api_helpers import (
    CII,
    DEMO_DUE,
    check,
    client_fixture,
    finance,
    lodge,
    own_invoice,
    register,
    xml,
)
from tests.cli.cli_helpers import Cli

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

UBL_CODE = b"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>"
CII_CODE = b"<ram:TypeCode>380</ram:TypeCode>"


def typed(prefix: str, code: str) -> bytes:
    invoice = own_invoice(prefix)
    assert UBL_CODE in invoice
    return invoice.replace(UBL_CODE, f"<cbc:InvoiceTypeCode>{code}</cbc:InvoiceTypeCode>".encode())


@pytest.mark.parametrize("code", ["325", "751"])
def test_a_document_claiming_no_payment_is_not_financed(
    client: TestClient, network: Network, code: str
) -> None:
    data = typed("PROFORMA", code)
    doc_hash = register(client, network.enterprise, xml(data))  # registering it is its seller's
    answer = check(client, network.bank, data)
    assert answer["facts"]["typeCode"] == code
    assert answer["financeable_amount"] == 0
    assert answer["financing_headroom"] == 0
    [notice] = [n for n in answer["notices"] if n["kind"] == "no_payment_claimed"]
    assert f"UNTDID 1001 code {code}" in notice["message"]
    assert "cannot be financed" in notice["message"]

    assert lodge(client, network.bank, data)["doc_hash"] == doc_hash
    refused = finance(client, network.bank, doc_hash, 100_000)
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["details"]["field"] == "documents[0].doc_hash", body
    assert body["details"]["type_code"] == code, body
    assert "not a receivable" in body["message"], body
    financings = client.get("/v1/financings", headers=network.bank.headers).json()
    assert doc_hash not in str(financings)

    # every role reads the same notice about the file
    for who in (network.regulator, network.enterprise, network.bank_b):
        kinds = [n["kind"] for n in check(client, who, data)["notices"]]
        assert "no_payment_claimed" in kinds, who


def test_the_same_invoice_typed_380_is_financed(client: TestClient, network: Network) -> None:
    """The control: the invoice itself is a receivable."""
    data = typed("PROFORMACONTROL", "380")
    answer = check(client, network.bank, data)
    assert answer["financeable_amount"] == DEMO_DUE
    assert "no_payment_claimed" not in [n["kind"] for n in answer["notices"]]
    doc_hash = lodge(client, network.bank, data)["doc_hash"]
    assert finance(client, network.bank, doc_hash, 100_000).status_code == 201


def test_a_cii_pro_forma_is_not_financeable(client: TestClient, network: Network) -> None:
    assert CII_CODE in CII
    data = CII.replace(CII_CODE, b"<ram:TypeCode>325</ram:TypeCode>")
    answer = check(client, network.bank, data)
    assert answer["facts"]["typeCode"] == "325"
    assert answer["financeable_amount"] == 0
    assert "no_payment_claimed" in [n["kind"] for n in answer["notices"]]
    assert hashlib.sha256(data).hexdigest() != hashlib.sha256(CII).hexdigest()


def test_the_cli_check_says_it(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    created = cli.json("init", "--demo")
    bank = next(m["address"] for m in created["members"] if m["role"] == "bank")
    path = tmp_path / "proforma.xml"
    path.write_bytes(typed("PROFORMACLI", "325"))
    out = cli.run("doc", "check", str(path), "--as", bank, code=5).stdout
    assert "NOT FINANCEABLE: this is a pro-forma invoice (UNTDID 1001 code 325)" in out, out
