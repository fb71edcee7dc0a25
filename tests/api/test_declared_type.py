"""A declared document type never contradicts the type the file itself states.

A fresh user's tryout (2026-12-04) registered a UBL invoice with ``doc_type=contract`` and the
chain recorded a contract — a regulator listing invoices by type missed it, and nothing said
why; an invoice superseded by a bill of lading was recorded as an invoice. Now a declared type
that contradicts the file's own (an e-invoice is an invoice; a JSON form states its
``documentType``) is refused with 422 naming ``doc_type`` and the type the file states, nothing
registered; a file that states no type (raw bytes, a JSON form of type ``Other``) takes the
declared one. An amendment keeps the type of the document it amends and must be of it.

The real API on the chain of the run; the CLI (its own embedded data directory) last."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.api.api_helpers import client_fixture, own_invoice, xml
from tests.cli.cli_helpers import Cli

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]


def _form(kind: str) -> bytes:
    return json.dumps(
        {
            "documentType": kind,
            "documentNumber": f"T-{uuid.uuid4().hex[:12]}",
            "issueDate": "2024-03-01",
            "issuer": {"id": "DK13585628", "scheme": "VAT", "country": "DK"},
        }
    ).encode()


def _raw() -> bytes:
    return f"a scanned contract {uuid.uuid4()}".encode()


def _refused(answer: Any, field: str = "doc_type") -> dict[str, Any]:
    assert answer.status_code == 422, answer.text
    body: dict[str, Any] = answer.json()
    assert body["details"]["field"] == field, body
    return body


def _status(client: TestClient, network: Network, doc_hash: str) -> int:
    read = client.get(f"/v1/documents/{doc_hash}", headers=network.regulator.headers)
    return int(read.status_code)


def test_an_invoice_declared_a_contract_is_refused_naming_both_types(
    client: TestClient, network: Network
) -> None:
    who = network.enterprise.headers
    invoice = own_invoice("TYPE")
    answer = client.post(
        "/v1/documents", files=xml(invoice), data={"doc_type": "contract"}, headers=who
    )
    body = _refused(answer)
    assert "it is a UBL 2.1 document of type invoice, not contract" in body["message"], body
    assert "declare no type to take the file's own" in body["message"]
    checked = client.post("/v1/documents/check", files=xml(invoice), headers=who).json()
    assert _status(client, network, checked["doc_hash"]) == 404  # nothing registered

    made = client.post(
        "/v1/documents", files=xml(invoice), data={"doc_type": "invoice"}, headers=who
    )
    assert made.status_code == 201, made.text
    assert made.json()["doc_type"] == "invoice"


def test_a_json_form_takes_its_own_type(client: TestClient, network: Network) -> None:
    who = network.enterprise.headers
    lading = _form("BillOfLading")
    files = {"file": ("bl.json", lading, "application/json")}
    body = _refused(
        client.post("/v1/documents", files=files, data={"doc_type": "invoice"}, headers=who)
    )
    assert "a tradeledger JSON form of type bill_of_lading, not invoice" in body["message"]
    made = client.post("/v1/documents", files=files, headers=who)
    assert made.status_code == 201, made.text
    assert made.json()["doc_type"] == "bill_of_lading"
    # a form of type Other states no type: the declared one is taken
    other = {"file": ("o.json", _form("Other"), "application/json")}
    made = client.post("/v1/documents", files=other, data={"doc_type": "contract"}, headers=who)
    assert made.status_code == 201, made.text
    assert made.json()["doc_type"] == "contract"


def test_a_raw_file_takes_the_declared_type(client: TestClient, network: Network) -> None:
    made = client.post(
        "/v1/documents",
        files={"file": ("c.txt", _raw(), "text/plain")},
        data={"doc_type": "contract"},
        headers=network.enterprise.headers,
    )
    assert made.status_code == 201, made.text
    assert made.json()["doc_type"] == "contract"


def test_a_batch_names_the_file_whose_type_contradicts(
    client: TestClient, network: Network
) -> None:
    files = [
        ("files", ("c.txt", _raw(), "text/plain")),
        ("files", ("i.xml", own_invoice("TYPEB"), "application/xml")),
    ]
    answer = client.post(
        "/v1/documents/batch",
        files=files,
        data={"doc_type": "contract"},
        headers=network.enterprise.headers,
    )
    body = _refused(answer)
    assert body["details"]["file_index"] == 1, body
    assert "of type invoice, not contract" in body["message"]


def test_an_amendment_keeps_the_type_of_the_document_it_amends(
    client: TestClient, network: Network
) -> None:
    who = network.enterprise.headers
    made = client.post("/v1/documents", files=xml(own_invoice("AMEND")), headers=who)
    assert made.status_code == 201, made.text
    old = made.json()["doc_hash"]
    lading = {"file": ("bl.json", _form("BillOfLading"), "application/json")}
    body = _refused(
        client.post(f"/v1/documents/{old}/supersede", files=lading, headers=who), "file"
    )
    assert f"the same type of document as the one it amends (invoice, {old})" in body["message"]
    assert "of type bill_of_lading, not invoice" in body["message"]
    record = client.get(f"/v1/documents/{old}", headers=who).json()
    assert record["status"] == "active"  # nothing superseded
    amended = client.post(
        f"/v1/documents/{old}/supersede", files=xml(own_invoice("AMEND2")), headers=who
    )
    assert amended.status_code == 201, amended.text


def test_the_cli_says_it_in_its_own_words(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    members = cli.json("init", "--demo")["members"]
    exporter = next(m["address"] for m in members if m["role"] == "enterprise")
    invoice = tmp_path / "invoice.xml"
    invoice.write_bytes(own_invoice("CLITYPE"))
    said = cli.run("doc", "register", str(invoice), "--type", "contract", "--as", exporter, code=2)
    assert "--type" in said.output, said.output
    assert "of type invoice, not contract" in said.output, said.output
    assert "declare no type to take the file's own" in said.output, said.output
