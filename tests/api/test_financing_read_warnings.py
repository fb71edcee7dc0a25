"""A financing's read carries the warnings standing on it, to who may have them.

A bank's write on an active financing (drawdown, repay, close, cancel) answered with notices —
a pledged invoice credited below what the financing holds (``document_credited``), withdrawn by
its seller in another file the bank lodged (``document_copy_withdrawn``) — but its read
(``GET /v1/financings/{id}``, ``finance show``) carried none: a bank reading its financing was
not told until it wrote. Now the read tells the financing's bank what its next write would
(the same rule, ``api.routers.financings.notices``). Those two are read from the bank's lodged
files and its own credit notes: another bank, the exporter (a reader of the terms, shown to be
the seller) and the regulator are told neither (the regulator finds them in its
``audit verify``). A reader of the terms is told only what the terms and the chain give — a
pledged document revoked —, which its answer shows already; one that reads no terms, nothing.
Real embedded chain, the gateway app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient

from tests.api.api_helpers import (
    CII,
    UBL,
    audit_rules,
    client_fixture,
    finance,
    lodge,
    register,
    xml,
)
from tests.api.credited_invoice import INVOICE, credit_note

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]

WARNINGS = {"document_credited", "document_copy_withdrawn"}


def read(client: TestClient, who: Participant, fid: int) -> dict[str, Any]:
    """``GET /v1/financings/{fid}`` as ``who`` (asserted 200)."""
    answer = client.get(f"/v1/financings/{fid}", headers=who.headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def kinds(answer: dict[str, Any]) -> list[str]:
    return [n["kind"] for n in answer["notices"]]


def others_told_nothing(client: TestClient, network: Network, fid: int) -> None:
    """Bank B reads no terms and is told nothing; the exporter (shown to be the seller) and the
    regulator read the terms and are told neither warning the bank's files give."""
    theirs = read(client, network.bank_b, fid)
    assert theirs["confidential"] is True
    assert theirs["notices"] == [], theirs["notices"]
    for who in (network.enterprise, network.regulator):
        answer = read(client, who, fid)
        assert answer["confidential"] is False, who.name  # a reader of the terms, all the same
        assert not WARNINGS & set(kinds(answer)), (who.name, answer["notices"])


def _ubl_financed(client: TestClient, network: Network) -> tuple[str, int]:
    """The exporter registers the demo UBL invoice; the bank lodges it and finances 1,000.00
    DKK of it: (its hash, the financing's id)."""
    ubl_hash = register(client, network.enterprise, xml(UBL))
    assert lodge(client, network.bank, UBL)["doc_hash"] == ubl_hash
    made = finance(client, network.bank, ubl_hash, amount=100_000)
    assert made.status_code == 201, made.text
    return ubl_hash, int(made.json()["financing_id"])


def _revoked_by_exporter(client: TestClient, network: Network, doc_hash: str) -> None:
    """The exporter revokes ``doc_hash``, reason 3 (cancelled by issuer)."""
    revoked = client.post(
        f"/v1/documents/{doc_hash}/revoke",
        json={"reason_code": 3},
        headers=network.enterprise.headers,
    )
    assert revoked.status_code == 200, revoked.text


def _credited(client: TestClient, network: Network) -> tuple[str, int]:
    """The exporter registers :data:`INVOICE`, the bank lodges and finances EUR 1,000.00 of it,
    then the exporter lodges its credit note of EUR 1,000.00 (656.25 left due). (The invoice's
    hash, the financing's id.)"""
    doc_hash = register(client, network.enterprise, xml(INVOICE))
    assert lodge(client, network.bank, INVOICE)["doc_hash"] == doc_hash
    made = finance(client, network.bank, doc_hash, 100_000, currency="EUR")
    assert made.status_code == 201, made.text
    fid = int(made.json()["financing_id"])
    assert read(client, network.bank, fid)["notices"] == []  # nothing credited yet
    lodge(client, network.enterprise, credit_note("CN-READ", "1000.00"))
    return doc_hash, fid


def test_the_bank_reads_that_its_invoice_was_credited_below_what_it_holds(
    client: TestClient, network: Network
) -> None:
    doc_hash, fid = _credited(client, network)
    mine = read(client, network.bank, fid)
    [notice] = mine["notices"]
    assert notice["kind"] == "document_credited", notice
    assert (notice["documents"], notice["financings"]) == ([doc_hash], [fid])
    assert "1,000.00 EUR" in notice["message"]  # held
    # which notes are counted, by number (tryout 91's bank read 0.00 net and could not tell)
    assert "; counted: CN-READ (1,000.00 EUR, " in notice["message"]
    assert "656.25 EUR" in notice["message"]  # due, net of the credit note
    # the same rule as the next write's answer: what the read said, the drawdown says
    drawn = client.post(
        f"/v1/financings/{fid}/drawdown", json={"amount": 1_000}, headers=network.bank.headers
    )
    assert drawn.status_code == 200, drawn.text
    assert drawn.json()["notices"] == read(client, network.bank, fid)["notices"]

    others_told_nothing(client, network, fid)
    # the regulator's follow-up, counted its own way, is its verify
    [held] = audit_rules(client, network.regulator)["held_above_net_due"]
    assert held["financing_ids"] == [fid]


def test_the_bank_reads_that_the_seller_withdrew_its_invoice_in_another_file(
    client: TestClient, network: Network
) -> None:
    """The exporter registers its invoice's UBL and CII; the bank finances the UBL; the exporter
    revokes the CII (reason 3) and the bank lodges it: the UBL's registration stands, but the
    invoice was withdrawn."""
    cii_hash = register(client, network.enterprise, xml(CII))
    ubl_hash, fid = _ubl_financed(client, network)
    _revoked_by_exporter(client, network, cii_hash)
    lodge(client, network.bank, CII)

    mine = read(client, network.bank, fid)
    assert mine["documents"][0]["status"] == "active"  # the pledged file itself stands
    [notice] = mine["notices"]
    assert notice["kind"] == "document_copy_withdrawn", notice
    assert notice["documents"][0] == ubl_hash, notice  # the pledged file, then the revoked one
    assert cii_hash in notice["documents"], notice
    assert notice["financings"] == [fid]
    assert "the bank decides whether to go on with it" in notice["message"]
    others_told_nothing(client, network, fid)


def test_a_pledged_document_revoked_is_told_to_every_reader_of_the_terms(
    client: TestClient, network: Network
) -> None:
    """What the terms and the chain give — the pledged document revoked, which the answer's
    ``documents[0].status`` shows already — is told to each reader of the terms; to Bank B,
    which reads none, nothing (not even that the financing pledges a revoked document)."""
    ubl_hash, fid = _ubl_financed(client, network)
    _revoked_by_exporter(client, network, ubl_hash)
    for who in (network.bank, network.regulator, network.enterprise):
        answer = read(client, who, fid)
        assert answer["documents"][0]["status"] == "revoked", who.name
        assert kinds(answer) == ["document_revoked"], (who.name, answer["notices"])
        assert answer["notices"][0]["documents"] == [ubl_hash]
    theirs = read(client, network.bank_b, fid)
    assert (theirs["confidential"], theirs["notices"], theirs["documents"]) == (True, [], [])
    attestor = read(client, network.attestor, fid)
    assert attestor["notices"] == []


def test_a_cancelled_financing_is_no_longer_warned_of_its_credited_invoice(
    client: TestClient, network: Network
) -> None:
    """Cancelled (nothing drawn), the financing holds nothing: neither the cancel's answer nor
    a read says it holds more than the invoice's amount due (as neither says of a revoked
    document: there is nothing left to decide)."""
    _, fid = _credited(client, network)
    assert kinds(read(client, network.bank, fid)) == ["document_credited"]
    cancelled = client.post(
        f"/v1/financings/{fid}/cancel", json={"reason_code": 2}, headers=network.bank.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["notices"] == []
    after = read(client, network.bank, fid)
    assert (after["status"], after["notices"]) == ("cancelled", [])
