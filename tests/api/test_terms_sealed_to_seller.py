"""A bank's terms are sealed to an enterprise that registered the financed document only when it
is shown to be the invoice's seller: its legal id on chain is one of the seller's identifiers
in the file the bank lodged (docs/privacy.md). Before, whoever registered the hash first — the
buyer, or anyone holding a copy — read the bank's amounts, maturity and reference. Now such a
registrant reads nothing, and the bank's answer names it in a ``registrant_not_reader`` notice
(``tradeledger finance share … --financing`` adds it deliberately: tests/cli)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from api_helpers import client_fixture, finance, lodge, own_invoice, register, xml
from fastapi.testclient import TestClient

from ledger.documents import read_document
from ledger.documents.identifiers import check_member_legal_id
from ledger.network import legal_id_hash
from ledger.services import financing as fin
from ledger.services import members as member_svc
from ledger.services.roles import Role
from tests.conftest import SAMPLE_SELLER_VAT, Participant

if TYPE_CHECKING:
    from tests.conftest import Network

__all__ = ["client_fixture"]

#: a valid German VAT id: another company than the sample invoices' seller
OTHER_VAT = "DE136695976"


def _enterprise(network: Network, name: str, legal_id: str = "") -> Participant:
    new = member_svc.add_member(
        network.ledger, network.admin.address, name, Role.ENTERPRISE, legal_id
    )
    return Participant(name, Role.ENTERPRISE, new.member.address, new.api_key)


def _financed_by_bank(
    client: TestClient, network: Network, registrant: Participant
) -> tuple[str, dict[str, Any]]:
    """A new sample invoice (seller VAT DK13585628) registered by ``registrant``, lodged and
    financed by the bank: its hash and the bank's 201 answer."""
    invoice = own_invoice("SEAL")
    doc_hash = register(client, registrant, xml(invoice))
    assert lodge(client, network.bank, invoice)["doc_hash"] == doc_hash
    made = finance(client, network.bank, doc_hash, amount=100_000)
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return doc_hash, body


def _read(client: TestClient, who: Participant, financing_id: int) -> dict[str, Any]:
    answer = client.get(f"/v1/financings/{financing_id}", headers=who.headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _document_financings(client: TestClient, who: Participant, doc_hash: str) -> list[int]:
    """The financings ``GET /v1/documents/{hash}`` shows ``who`` (those whose terms it reads)."""
    answer = client.get(f"/v1/documents/{doc_hash}", headers=who.headers)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["financings"] or [])


def test_the_seller_that_registered_the_invoice_reads_the_terms(
    client: TestClient, network: Network
) -> None:
    # the network's enterprise has the seller's VAT id as its legal id (tests/conftest.py)
    doc_hash, created = _financed_by_bank(client, network, network.enterprise)
    assert created["notices"] == []
    seen = _read(client, network.enterprise, created["financing_id"])
    assert seen["confidential"] is False
    assert (seen["amount"], seen["reference"]) == (100_000, "REF-1")
    assert [d["doc_hash"] for d in seen["documents"]] == [doc_hash]
    assert _document_financings(client, network.enterprise, doc_hash) == [seen["financing_id"]]


def test_a_registrant_that_is_not_the_seller_does_not_read_and_the_bank_is_told(
    client: TestClient, network: Network
) -> None:
    buyer = _enterprise(network, "Buyercompany", OTHER_VAT)
    nobody = _enterprise(network, "Copy Holder")  # no legal id at all
    for registrant, why in (
        (buyer, "matches none of the seller's identifiers"),
        (nobody, "has no legal id on chain"),
    ):
        doc_hash, created = _financed_by_bank(client, network, registrant)
        fid = created["financing_id"]
        # the registrant reads the public part only
        seen = _read(client, registrant, fid)
        assert seen["confidential"] is True
        assert (seen["amount"], seen["reference"], seen["documents"]) == (None, None, [])
        assert fid not in _document_financings(client, registrant, doc_hash)
        # the bank is told, naming the document and the registrant, why and what to do
        assert [n["kind"] for n in created["notices"]] == ["registrant_not_reader"]
        notice = created["notices"][0]
        assert (notice["documents"], notice["financings"]) == ([doc_hash], [fid])
        assert registrant.address in notice["message"]
        assert why in notice["message"]
        assert f"finance share {registrant.address} --financing {fid}" in notice["message"]
        # the bank and the regulator still read
        assert _read(client, network.bank, fid)["amount"] == 100_000
        assert _read(client, network.regulator, fid)["amount"] == 100_000
        # sharing it deliberately (what `tradeledger finance share --financing` does) opens it
        assert fin.share_with(
            network.ledger, network.bank.address, registrant.address, financing_ids=[fid]
        ).financing_ids == [fid]
        assert _read(client, registrant, fid)["amount"] == 100_000
        assert fid in _document_financings(client, registrant, doc_hash)


def test_a_retried_create_answers_the_same_notice(client: TestClient, network: Network) -> None:
    buyer = _enterprise(network, "Buyercompany", OTHER_VAT)
    invoice = own_invoice("RETRY")
    doc_hash = register(client, buyer, xml(invoice))
    lodge(client, network.bank, invoice)
    headers = {**network.bank.headers, "Idempotency-Key": "seal-retry-1"}
    body = {
        "documents": [{"doc_hash": doc_hash, "amount": 100_000}],
        "currency": "DKK",
        "maturity": "2099-01-01",
    }
    first = client.post("/v1/financings", json=body, headers=headers)
    again = client.post("/v1/financings", json=body, headers=headers)
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.json()["financing_id"] == first.json()["financing_id"]
    assert [n["kind"] for n in again.json()["notices"]] == ["registrant_not_reader"]
    assert again.json()["notices"] == first.json()["notices"]


def test_the_seller_is_compared_by_its_canonical_identifiers() -> None:
    """The seller's VAT id as the file writes it without its country prefix is read with it
    (DK13585628), as a member's legal id is (``dk 1358 5628``): the two hash alike. A GLN
    (a location number companies share) and a bare number never show the seller."""
    invoice = own_invoice("CANON").replace(b">DK13585628<", b">13585628<")
    facts = read_document(invoice).facts
    assert facts is not None
    assert facts.seller is not None
    hashes = fin.seller_legal_id_hashes(facts)
    assert legal_id_hash(check_member_legal_id("dk 1358 5628")) in hashes
    assert legal_id_hash(SAMPLE_SELLER_VAT) in hashes
    assert legal_id_hash("5790000436101") not in hashes  # the seller's GLN
    assert legal_id_hash("13585628") not in hashes
    assert fin.seller_legal_id_hashes(None) == {}


def test_a_seller_named_only_by_a_gln_is_said_so() -> None:
    """A tryout onboarded an enterprise with its GLN as legal id, registered an invoice whose
    seller carries that GLN (ICD 0088), and the bank was told the file "names no seller
    identifier": it names one, which is never compared. The notice names the file's seller
    identifiers, what is compared, and that the registrant's legal id is among them."""
    form = (
        b'{"documentType":"Invoice","documentNumber":"GLN-ONLY-1","issueDate":"2026-01-05",'
        b'"issuer":{"id":"5790000436101","scheme":"GLN","name":"Dutch Seller"},'
        b'"totalAmount":{"value":"100.00","currency":"EUR"}}'
    )
    facts = read_document(form).facts
    assert facts is not None
    gln = legal_id_hash(check_member_legal_id("5790000436101"))
    why = fin.not_shown_seller(gln, facts)
    assert why is not None
    assert "GLN:5790000436101" in why
    assert "names no seller identifier" not in why
    assert "only a VAT id" in why
    assert "the member's legal id is one of them, a form never compared" in why
    assert "it would be shown to be the seller" in why
    other = fin.not_shown_seller(legal_id_hash(OTHER_VAT), facts)
    assert other is not None
    assert "GLN:5790000436101" in other
    assert "legal id is one of them" not in other
    bare = read_document(
        form.replace(b'"issuer":{"id":"5790000436101","scheme":"GLN",', b'"issuer":{')
    ).facts
    assert "names no seller identifier" in (fin.not_shown_seller(gln, bare) or "")
