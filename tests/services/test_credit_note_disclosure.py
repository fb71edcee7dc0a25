"""The oracle's siblings in the answers about credit notes (docs/privacy.md): a credit note lists
invoice numbers (BT-25), so a forged one would test many guesses in one check. A bank learns
which financing holds the invoice a credit note corrects. An enterprise learns only that an
invoice *it registered* is financed, and counts only its own credit notes; a bank counts its
own and the invoice's parties', and is told of the others. On the real embedded
chain, through the services the API and the CLI share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from ledger.services import documents as docs
from ledger.services import financing as fin
from ledger.services.roles import FinancingKind
from tests.documents.documents_support import field_bytes

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

MATURITY = datetime.now(UTC) + timedelta(days=90)
INVOICE = "credit-note/base-example.xml"
CREDIT_NOTE = "credit-note/base-creditnote-correction.xml"
NEWS = "credit_note_financed_invoice"


def _financed(network: Network, registrant: str) -> int:
    """The invoice registered by ``registrant`` and financed by Bank A for 1,000.00 EUR."""
    ledger = network.ledger
    invoice = field_bytes(INVOICE)
    _, _, reg = docs.register_file(ledger, registrant, "enterprise", invoice)
    docs.receive(ledger, network.bank.address, "bank", invoice)
    pledge = [fin.PledgeRequest(docs.parse_doc_hash(reg.doc_hash), 100_000)]
    made = fin.create(
        ledger, network.bank.address, pledge, "EUR", FinancingKind.INVOICE_FINANCING, MATURITY
    )
    return made.financing_id


def test_a_credit_note_names_the_financing_to_a_bank_only(network: Network) -> None:
    ledger = network.ledger
    financing = _financed(network, network.enterprise.address)
    note = field_bytes(CREDIT_NOTE)
    bank = docs.examine(ledger, note, network.bank_b.address, "bank")[1]
    [news] = [n for n in bank.notices if n.kind == NEWS]
    assert news.financings == (financing,)
    # "falls by" says where it holds: a note counts only where lodged, or vouched for (tryout 90)
    assert "where the note counts" in news.message
    # an attestor, or an admin, with the same credit note: no word of the financing
    for who, role in ((network.attestor.address, "attestor"), (network.admin.address, "admin")):
        seen = docs.examine(ledger, note, who, role)[1]
        assert [n.kind for n in seen.notices if n.kind == NEWS] == [], role
        assert seen.fingerprints == ()
        assert not seen.fingerprints_shown


def test_the_registrant_learns_its_invoice_is_financed_without_the_financing(
    network: Network,
) -> None:
    """As ``is_financed`` says it: by a financing whose terms its key opens. The network's
    enterprise is not shown to be this invoice's seller, so the terms are not sealed to it: its
    credit note says nothing of the financing (tryout 89's registrant learnt by one what its
    document read withholds, ``is_financed: null``) — until the bank shares the terms with it."""
    ledger = network.ledger
    ent = network.enterprise.address
    financing = _financed(network, ent)
    invoice_hash = docs.lookup_file(ledger, field_bytes(INVOICE)).registration
    assert invoice_hash is not None
    withheld = docs.is_financed(
        ledger, bytes.fromhex(invoice_hash.doc_hash[2:]), ent, "enterprise", ent
    )
    assert withheld is None  # its document read says so too
    # the enterprise's own copy of the invoice is among its files (it registered it)
    unseen = docs.examine(ledger, field_bytes(CREDIT_NOTE), ent, "enterprise")[1]
    assert [n for n in unseen.notices if n.kind == NEWS] == []

    fin.share_with(ledger, network.bank.address, ent, financing_ids=[financing])
    seen = docs.receive(ledger, ent, "enterprise", field_bytes(CREDIT_NOTE))
    [news] = [n for n in seen.notices if n.kind == NEWS]
    assert news.financings == ()
    assert "which you registered and which is financed" in news.message
    assert "where the note counts" in news.message
    assert news.documents == (invoice_hash.doc_hash,)


def test_an_enterprise_counts_only_its_own_credit_notes(network: Network) -> None:
    ledger = network.ledger
    smaller = field_bytes(CREDIT_NOTE).replace(
        b">1656.25</cbc:PayableAmount>", b">500.00</cbc:PayableAmount>"
    )
    docs.receive(ledger, network.bank_b.address, "bank", smaller)  # another's credit note
    invoice = field_bytes(INVOICE)
    # Bank B is no party to the invoice: its note is its word alone, told but not counted to
    # Bank A (a tryout: any member's note made an invoice unfinanceable at every bank)
    bank = docs.examine(ledger, invoice, network.bank.address, "bank")[1]
    assert bank.financeable_amount == 165_625
    kinds = {n.kind for n in bank.notices}
    assert docs.NOTE_NOT_COUNTED in kinds
    assert "credited" not in kinds
    # Bank B's own books hold it: counted for Bank B
    own = docs.examine(ledger, invoice, network.bank_b.address, "bank")[1]
    assert own.financeable_amount == 165_625 - 50_000
    assert "credited" in {n.kind for n in own.notices}
    ent = docs.examine(ledger, invoice, network.enterprise.address, "enterprise")[1]
    assert ent.financeable_amount == 165_625
    assert "credited" not in {n.kind for n in ent.notices}
    assert docs.NOTE_NOT_COUNTED not in {n.kind for n in ent.notices}  # not another's to learn
    # its own credit note counts
    docs.receive(ledger, network.enterprise.address, "enterprise", smaller)
    ent = docs.examine(ledger, invoice, network.enterprise.address, "enterprise")[1]
    assert ent.financeable_amount == 165_625 - 50_000
