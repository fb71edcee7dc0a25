"""Whose credit notes reduce an invoice's financeable value (docs/documents.md, "Credit notes").

A tryout: any member lodged a made-up credit note naming another company's invoice, and every
bank was refused its financing. A credit note lodged here counts against an invoice when the
caller lodged it itself (its own books), or when a member that may be a party to the invoice
lodged or registered it — one shown to be the seller or the buyer (its legal id on chain is one
of their VAT id, LEI, ``<ICD>:<id>``), or an enterprise with a legal id the files cannot show to
be neither — and it is not revoked or superseded on chain. Any other note is named to banks and
regulators (``credit_note_not_counted``) and counts for nobody else. Real embedded chain, the
gateway app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient

from ledger.services import members as member_svc
from ledger.services.roles import Role
from tests.api.api_helpers import (
    audit_rules,
    check,
    client_fixture,
    finance,
    lodge,
    register,
    xml,
)
from tests.api.credited_invoice import BUYER_VAT, FACE, INVOICE, credit_note
from tests.conftest import SAMPLE_SELLER_VAT, Participant
from tests.documents.documents_support import field_bytes, with_party_vats

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

NOT_COUNTED = "credit_note_not_counted"


def _member(network: Network, name: str, role: Role, legal_id: str) -> Participant:
    added = member_svc.add_member(network.ledger, network.admin.address, name, role, legal_id)
    return Participant(name, role, added.member.address, added.api_key)


def _kinds(answer: dict[str, Any]) -> set[str]:
    return {n["kind"] for n in answer["notices"]}


def test_a_note_from_no_party_is_told_and_not_counted(client: TestClient, network: Network) -> None:
    """An attestor, and an enterprise that is neither seller nor buyer, lodge notes that cancel
    the invoice: Bank A and the regulator read the full value and are told of both notes; Bank
    A finances it in full; the regulator's verify has nothing to follow up."""
    stranger = _member(network, "Other Exporter", Role.ENTERPRISE, "DE136695976")
    lodge(client, network.attestor, credit_note("CN-A", "2000.00"))
    lodge(client, stranger, credit_note("CN-S", "900.00"))
    register(client, network.enterprise, xml(INVOICE))
    invoice = lodge(client, network.bank, INVOICE)
    for who in (network.bank, network.regulator):
        answer = check(client, who, INVOICE)
        assert answer["financeable_amount"] == FACE, who.name
        assert "credited" not in _kinds(answer)
        assert "nothing_due" not in _kinds(answer)
        [told] = [n for n in answer["notices"] if n["kind"] == NOT_COUNTED]
        assert "2 credit note(s)" in told["message"]
        assert "CN-A (2,000.00 EUR, " in told["message"]
        assert "CN-S (900.00 EUR, " in told["message"]
        assert "Customs" not in told["message"]
        assert "Other Exporter" not in told["message"]
    made = finance(client, network.bank, invoice["doc_hash"], FACE, currency="EUR")
    assert made.status_code == 201, made.text
    assert NOT_COUNTED in _kinds(made.json())  # the financing's answer names them too
    assert audit_rules(client, network.regulator)["held_above_net_due"] == []
    # the held copy of the registered invoice says the same as the check
    read = client.get(f"/v1/documents/{invoice['doc_hash']}", headers=network.bank.headers)
    assert read.status_code == 200, read.text
    held = read.json()["held"]
    assert held["financeable_amount"] == FACE
    assert NOT_COUNTED in _kinds(held)


def test_the_sellers_note_counts_at_every_bank(client: TestClient, network: Network) -> None:
    lodge(client, network.enterprise, credit_note("CN-1", "500.00"))  # the seller's copy
    for bank in (network.bank, network.bank_b):
        answer = check(client, bank, INVOICE)
        assert answer["financeable_amount"] == FACE - 50_000, bank.name
        assert "credited" in _kinds(answer)
        assert NOT_COUNTED not in _kinds(answer)
    invoice = lodge(client, network.bank, INVOICE)
    refused = finance(client, network.bank, invoice["doc_hash"], FACE, currency="EUR")
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["details"]["field"] == "documents[0].amount", body
    assert body["details"]["financeable_amount"] == FACE - 50_000
    made = finance(client, network.bank, invoice["doc_hash"], FACE - 50_000, currency="EUR")
    assert made.status_code == 201, made.text


def test_a_note_the_seller_registered_counts_whoever_lodged_it(
    client: TestClient, network: Network
) -> None:
    note = credit_note("CN-REG", "600.00")
    lodge(client, network.bank_b, note)  # lodged by a bank alone: its word
    assert check(client, network.bank, INVOICE)["financeable_amount"] == FACE
    register(client, network.enterprise, xml(note))  # the seller registers it on chain
    answer = check(client, network.bank, INVOICE)
    assert answer["financeable_amount"] == FACE - 60_000
    assert NOT_COUNTED not in _kinds(answer)


def test_a_registered_note_counts_only_when_a_party_may_vouch_for_it(
    client: TestClient, network: Network
) -> None:
    """A tryout: a member without a legal id, and a competitor bank, registered made-up notes
    and they counted everywhere. A registered note counts when its registrant may be a party
    to the invoice (shown to be the seller or the buyer, or an enterprise with a legal id the
    files cannot show to be neither): a bank, a member without a legal id, an enterprise
    shown to be neither do not vouch for it. The words say who registered each counted note."""
    stranger = _member(network, "Other Exporter", Role.ENTERPRISE, "DE136695976")
    nameless = _member(network, "Stranger Trading", Role.ENTERPRISE, "")
    register(client, stranger, xml(credit_note("CN-X", "700.00")))
    register(client, nameless, xml(credit_note("CN-N", "400.00")))
    register(client, network.bank_b, xml(credit_note("CN-Y", "300.00")))
    answer = check(client, network.bank, INVOICE)
    assert answer["financeable_amount"] == FACE
    [told] = [n for n in answer["notices"] if n["kind"] == NOT_COUNTED]
    for words in ("CN-X (700.00 EUR, ", "CN-N (400.00 EUR, ", "CN-Y (300.00 EUR, "):
        assert words in told["message"], told
    register(client, network.enterprise, xml(credit_note("CN-S", "200.00")))  # the seller's
    answer = check(client, network.bank, INVOICE)
    assert answer["financeable_amount"] == FACE - 20_000
    [credited] = [n for n in answer["notices"] if n["kind"] == "credited"]
    assert "CN-S (200.00 EUR, registered on chain by Exporter (" in credited["message"], credited


def test_a_revoked_note_counts_for_nobody(client: TestClient, network: Network) -> None:
    """A tryout: a made-up note revoked on chain went on lowering the invoice at every bank and
    in the regulator's verify. Withdrawn on chain, a note counts for nobody — not even the
    members that lodged a copy — and the notice says it is revoked."""
    note = credit_note("CN-R", "500.00")
    done = client.post("/v1/documents", files=xml(note), headers=network.enterprise.headers)
    assert done.status_code == 201, done.text
    lodge(client, network.bank, note)  # Bank A's own copy too
    assert check(client, network.bank, INVOICE)["financeable_amount"] == FACE - 50_000
    revoked = client.post(
        f"/v1/documents/{done.json()['doc_hash']}/revoke",
        json={"reason_code": 1},
        headers=network.enterprise.headers,
    )
    assert revoked.status_code == 200, revoked.text
    for who in (network.bank, network.bank_b, network.regulator):
        answer = check(client, who, INVOICE)
        assert answer["financeable_amount"] == FACE, who.name
        [told] = [n for n in answer["notices"] if n["kind"] == NOT_COUNTED]
        assert "CN-R (500.00 EUR, revoked on chain)" in told["message"], told


def test_the_buyers_note_counts(client: TestClient, network: Network) -> None:
    buyer = _member(network, "Importer AB", Role.ENTERPRISE, BUYER_VAT)
    lodge(client, buyer, credit_note("CN-B", "2000.00"))  # the debtor says it owes nothing
    answer = check(client, network.bank, INVOICE)
    assert answer["financeable_amount"] == 0
    assert "nothing_due" in _kinds(answer)
    invoice = lodge(client, network.bank, INVOICE)
    refused = finance(client, network.bank, invoice["doc_hash"], 100, currency="EUR")
    assert refused.status_code == 422, refused.text
    assert "cannot be financed: the credit notes counted cancel" in refused.json()["message"]


def test_a_note_lodged_after_a_financing_by_no_party_raises_nothing(
    client: TestClient, network: Network
) -> None:
    """The regulator's follow-up and the bank's next write count the parties' notes only; the
    bank is told of the other's (``credit_note_not_counted``: news, not counted — tryout 89)."""
    invoice = lodge(client, network.bank, INVOICE)
    made = finance(client, network.bank, invoice["doc_hash"], FACE, currency="EUR")
    assert made.status_code == 201, made.text
    fid = made.json()["financing_id"]
    lodge(client, network.bank_b, credit_note("CN-LATE", "1000.00"))
    drawn = client.post(
        f"/v1/financings/{fid}/drawdown", json={"amount": 1_000}, headers=network.bank.headers
    )
    assert drawn.status_code == 200, drawn.text
    assert [n["kind"] for n in drawn.json()["notices"]] == ["credit_note_not_counted"]
    assert audit_rules(client, network.regulator)["held_above_net_due"] == []
    lodge(client, network.enterprise, credit_note("CN-LATE", "1000.00"))  # the seller's copy
    drawn = client.post(
        f"/v1/financings/{fid}/drawdown", json={"amount": 1_000}, headers=network.bank.headers
    )
    assert [n["kind"] for n in drawn.json()["notices"]] == ["document_credited"]
    [held] = audit_rules(client, network.regulator)["held_above_net_due"]
    assert (held["held"], held["net_due"]) == (FACE, FACE - 100_000)


def test_where_the_parties_cannot_be_compared_only_the_invoices_first_registrant_vouches(
    client: TestClient, network: Network
) -> None:
    """A tryout: the field case's seller and buyer VAT ids fail their checks, so no member can
    be shown to be either or neither — and an unrelated enterprise's registered note cancelled
    the invoice at every bank. Where the files cannot compare the parties, an enterprise's note
    counts only when it registered the invoice first; the stranger's is told, not counted."""
    invoice_file = field_bytes("credit-note/base-example.xml")  # VAT ids that fail their checks
    note_file = field_bytes("credit-note/base-creditnote-correction.xml")  # 1,656.25 EUR
    issuer = _member(network, "Issuer Ltd", Role.ENTERPRISE, "DE136695976")
    stranger = _member(network, "Unrelated GmbH", Role.ENTERPRISE, "DE811569869")
    register(client, issuer, xml(invoice_file))  # the invoice's first registrant
    register(client, stranger, xml(note_file))
    for bank in (network.bank, network.bank_b):
        answer = check(client, bank, invoice_file)
        assert answer["financeable_amount"] == FACE, bank.name
        assert "nothing_due" not in _kinds(answer)
        [told] = [n for n in answer["notices"] if n["kind"] == NOT_COUNTED]
        assert (
            "not by an enterprise with a legal id that registered the invoice first"
            in (told["message"])
        ), told
    invoice = lodge(client, network.bank, invoice_file)
    made = finance(client, network.bank, invoice["doc_hash"], 100_000, currency="EUR")
    assert made.status_code == 201, made.text
    # the invoice's first registrant lodges the same note: now it counts, at every bank
    lodge(client, issuer, note_file)
    for bank in (network.bank, network.bank_b):
        answer = check(client, bank, invoice_file)
        assert answer["financeable_amount"] == 0, bank.name
        assert "nothing_due" in _kinds(answer)


def test_a_first_registrant_without_a_legal_id_is_not_told_it_did_not_register_first(
    client: TestClient, network: Network
) -> None:
    """Tryout 83: an enterprise with no legal id registered the field case's invoice first, then
    its credit note; the notice said the note was "not [registered] by the member that
    registered the invoice first" — it was. A member without a legal id never vouches for a
    credit note (nothing to compare): the notice says that rule, and nothing untrue."""
    invoice_file = field_bytes("credit-note/base-example.xml")
    note_file = field_bytes("credit-note/base-creditnote-correction.xml")
    acme = _member(network, "Acme Exporters", Role.ENTERPRISE, "")
    register(client, acme, xml(invoice_file))
    register(client, acme, xml(note_file))
    answer = check(client, network.bank, invoice_file)
    assert answer["financeable_amount"] == FACE
    [told] = [n for n in answer["notices"] if n["kind"] == NOT_COUNTED]
    assert "a member without one" in told["message"], told
    assert "never vouches for a credit note" in told["message"], told
    assert "not by the member that registered the invoice first" not in told["message"], told


def test_a_member_named_the_buyer_by_its_own_note_does_not_vouch(
    client: TestClient, network: Network
) -> None:
    """A tryout: an enterprise made up a credit note naming itself the buyer, registered it,
    and was "shown" to be the buyer by its own file: every bank read the invoice as worth
    nothing. The parties a member is compared with are the invoice's, never the note's."""
    stranger = _member(network, "Mallory Trading", Role.ENTERPRISE, "DE136695976")
    forged = with_party_vats(
        field_bytes("credit-note/base-creditnote-correction.xml"), SAMPLE_SELLER_VAT, "DE136695976"
    ).replace(b"<cbc:ID>Snippet1</cbc:ID>", b"<cbc:ID>CN-M1</cbc:ID>", 1)
    register(client, stranger, xml(forged))
    for bank in (network.bank, network.bank_b):
        answer = check(client, bank, INVOICE)
        assert answer["financeable_amount"] == FACE, bank.name
        [told] = [n for n in answer["notices"] if n["kind"] == NOT_COUNTED]
        assert "CN-M1 (1,656.25 EUR, " in told["message"], told
