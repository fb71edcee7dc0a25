"""A file that cannot be read is named as the client sent it: ``file``, or ``files`` in a batch.

A newcomer uploaded a broken UBL invoice (``curl -F file=@bad.xml …/v1/documents``) and read
``{"field": "xml", "rule": "not well-formed XML at line 1, column 101: …"}`` — ``xml`` is the
reader's name, not a field the client sent; a broken JSON form said ``json``, an XML that claims
an invoice namespace but is none ``root element``, a Factur-X PDF whose embedded invoice is no
XML ``attachment factur-x.xml``, and a batch ``files[1].xml``. Every reader's refusal of the
file as a whole now names the multipart field the client sent — ``file``; in a batch ``files[i]``
with ``file_index`` and ``filename`` — and keeps the reader's rule and position in the rule,
on every route that takes a file. The CLI names its ``FILE`` argument
(tests/cli/test_cli_upload_field_names.py). A fault at a place inside a file keeps naming that
place (``issueDate``, ``cbc:PayableAmount``).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import UBL, client_fixture, register
from fastapi.testclient import TestClient
from pypdf import PdfWriter

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]


def pdf_with(name: str, data: bytes) -> bytes:
    """A one-page PDF with one embedded file, as a Factur-X tool writes one."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment(name, data)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


UBL_NS = b"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
#: files each reader refuses as a whole, and words its rule keeps (the position, the reason)
BROKEN: dict[str, tuple[str, bytes, tuple[str, ...]]] = {
    "xml not well-formed": (
        "bad.xml",
        b'<?xml version="1.0"?><Invoice xmlns="' + UBL_NS + b'"><cbc:ID>1</Invoice>',
        ("not well-formed XML at line 1, column", "cbc"),
    ),
    "xml tags crossed": (
        "bad.xml",
        b'<Invoice xmlns="' + UBL_NS + b'">\n<a>\n</Invoice>',
        ("not well-formed XML at line 3", "<a>"),
    ),
    "xml no invoice": (
        "order.xml",
        b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2" xmlns:i="'
        + UBL_NS
        + b'"><ID>1</ID></Order>',
        ("root element", "is not an invoice"),
    ),
    "xml with a doctype": (
        "evil.xml",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "x">]><Invoice xmlns="'
        + UBL_NS
        + b'">&e;</Invoice>',
        ("DOCTYPE",),
    ),
    "json form not well-formed": (
        "form.json",
        b'{"documentType": "Invoice",',
        ("not a well-formed JSON document: at line 1, column 28",),
    ),
    "factur-x attachment no invoice": (
        "invoice.pdf",
        pdf_with("factur-x.xml", b"<?xml version='1.0'?><order><id>1</id></order>"),
        ("factur-x.xml", "not an invoice"),
    ),
    "factur-x attachment not well-formed": (
        "invoice.pdf",
        pdf_with("factur-x.xml", b"<?xml version='1.0'?><rsm:CrossIndustryInvoice>"),
        ("factur-x.xml", "not well-formed XML"),
    ),
}

#: the routes that take one file (``file``) and who may send it
SINGLE = [
    ("/v1/documents", "enterprise"),
    ("/v1/documents/check", "bank"),
    ("/v1/documents/receive", "bank"),
    ("/v1/documents/verify", "enterprise"),
]


def _rule_of(answer: Any, field: str, words: tuple[str, ...]) -> dict[str, Any]:
    assert answer.status_code == 422, answer.text
    body: dict[str, Any] = answer.json()
    details = body["details"]
    assert details["field"] == field, body
    for said in words:
        assert said in details["rule"], (said, body)
    assert body["message"] == f"{field}: {details['rule']}", body
    return dict(details)


@pytest.mark.parametrize("case", BROKEN)
def test_a_file_that_cannot_be_read_is_named_file_on_every_route(
    client: TestClient, network: Network, case: str
) -> None:
    name, data, words = BROKEN[case]
    for url, who in SINGLE:
        headers = getattr(network, who).headers
        answer = client.post(url, files={"file": (name, data)}, headers=headers)
        if url.endswith("/verify") and answer.status_code == 200:
            continue  # verify hashes the bytes: it reads no format it need not
        _rule_of(answer, "file", words)
    old = register(client, network.enterprise)
    answer = client.post(
        f"/v1/documents/{old}/supersede",
        files={"file": (name, data)},
        headers=network.enterprise.headers,
    )
    _rule_of(answer, "file", words)


@pytest.mark.parametrize("case", BROKEN)
def test_a_batch_names_the_file_by_its_place(
    client: TestClient, network: Network, case: str
) -> None:
    name, data, words = BROKEN[case]
    files = [("files", ("fine.xml", UBL)), ("files", (name, data))]
    answer = client.post("/v1/documents/batch", files=files, headers=network.enterprise.headers)
    details = _rule_of(answer, "files[1]", words)
    assert details["file_index"] == 1, details
    assert details["filename"] == name, details
