"""``holders_unknown`` ("whether an active financing holds this file is not known") is said only
to a caller who does not know it: one that reads the financing holding the invoice is told
which financing it is instead.

The tryout: an enterprise superseded its financed invoice by an amended one and read
``holders_unknown`` in the answer, though the financing's terms are sealed to it (it is the
invoice's seller) and ``GET /v1/financings/{id}`` shows it that financing. Now every answer
that carried the notice — supersede, register, check, receive — gives a caller that reads an
active financing of the invoice (through this file or a copy of it it lodged) an
``invoice_pledged`` notice naming the financing and its bank; a registrant the terms are not
sealed to keeps ``holders_unknown``.

Real HTTP app, real chain, on both backends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import client_fixture, finance, financed_invoice, lodge, own_invoice, xml
from fastapi.testclient import TestClient

from ledger.services import members as member_svc
from ledger.services.roles import Role

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends

#: the sample invoices' buyer (ledger/demo_data): an enterprise with this legal id registers an
#: invoice it is not shown to be the seller of, so a bank's terms are not sealed to it
BUYER_VAT = "DE136695976"


def _kinds(notices: list[dict[str, Any]]) -> list[str]:
    return [n["kind"] for n in notices]


def _amended(invoice: bytes) -> bytes:
    amended = invoice.replace(b"<cbc:Note>", b"<cbc:Note>Amended: ", 1)
    assert amended != invoice
    return amended


def _supersede(client: TestClient, who: Any, doc_hash: str, data: bytes) -> dict[str, Any]:
    answer = client.post(
        f"/v1/documents/{doc_hash}/supersede", files=xml(data), headers=who.headers
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_an_enterprise_that_reads_the_financing_is_told_which_it_is(
    client: TestClient, network: Network
) -> None:
    invoice = own_invoice("READER")
    doc_hash, fid = financed_invoice(client, network, invoice)
    readable = client.get(f"/v1/financings/{fid}", headers=network.enterprise.headers)
    assert readable.status_code == 200, readable.text
    assert readable.json()["amount"] == 100_000  # its reader

    def told(notices: list[dict[str, Any]], where: str) -> None:
        assert "holders_unknown" not in _kinds(notices), (where, notices)
        [notice] = [n for n in notices if n["kind"] == "invoice_pledged"]
        assert notice["financings"] == [fid], where
        assert doc_hash in notice["documents"], where
        assert f"active financing {fid} of Bank A ({network.bank.address})" in notice["message"]
        assert "not known" not in notice["message"], where
        # where to read it, as the caller may
        assert f"GET /v1/financings/{fid}" in notice["message"], where
        assert f"finance show {fid} --as {network.enterprise.address}" in notice["message"]

    amended = _amended(invoice)
    # the check of the amendment (a copy of the financed invoice, other bytes) before and after
    checked = client.post(
        "/v1/documents/check", files=xml(amended), headers=network.enterprise.headers
    )
    assert checked.status_code == 200, checked.text
    told(checked.json()["notices"], "check of the amendment")
    superseded = _supersede(client, network.enterprise, doc_hash, amended)
    told(superseded["notices"], "supersede")
    # the financed file itself, checked and received by the enterprise
    for path in ("check", "receive"):
        answer = client.post(
            f"/v1/documents/{path}", files=xml(invoice), headers=network.enterprise.headers
        )
        assert answer.status_code == 200, answer.text
        told(answer.json()["notices"], path)
        assert answer.json()["invoice_pledged"] is True
    # a registration of yet another copy of it
    again = client.post(
        "/v1/documents",
        files=xml(invoice.replace(b"?>", b"?><!-- another -->", 1)),
        headers=network.enterprise.headers,
    )
    assert again.status_code == 201, again.text
    told(again.json()["notices"], "register")
    # the regulator reads every financing: told which, too
    regulator = client.post(
        "/v1/documents/check", files=xml(amended), headers=network.regulator.headers
    )
    assert "holders_unknown" not in _kinds(regulator.json()["notices"])


def test_an_enterprise_that_cannot_read_the_financing_keeps_the_notice(
    client: TestClient, network: Network
) -> None:
    buyer = member_svc.add_member(
        network.ledger, network.admin.address, "Buyer Co", Role.ENTERPRISE, BUYER_VAT
    )
    headers = {"Authorization": f"Bearer {buyer.api_key}"}
    invoice = own_invoice("NOT-READER")
    registered = client.post("/v1/documents", files=xml(invoice), headers=headers)
    assert registered.status_code == 201, registered.text
    doc_hash = registered.json()["doc_hash"]
    lodge(client, network.bank, invoice)
    made = finance(client, network.bank, doc_hash, amount=100_000)
    assert made.status_code == 201, made.text
    assert "registrant_not_reader" in _kinds(made.json()["notices"])  # not sealed to the buyer
    fid = made.json()["financing_id"]

    superseded = _supersede(client, _Key(headers), doc_hash, _amended(invoice))
    kinds = _kinds(superseded["notices"])
    assert "holders_unknown" in kinds, superseded["notices"]
    assert "invoice_pledged" not in kinds
    assert all(fid not in n["financings"] for n in superseded["notices"])


class _Key:
    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = headers
