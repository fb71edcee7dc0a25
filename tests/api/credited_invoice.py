"""An invoice and its credit notes between the test network's enterprise (the seller) and a
valid buyer: the field case ``credit-note/base-example.xml`` (EUR 1,656.25 due, number
``Snippet1``) and its correction credit note, for the tests of what credit notes leave due."""

from __future__ import annotations

from tests.conftest import SAMPLE_SELLER_VAT
from tests.documents.documents_support import field_bytes, with_party_vats

#: a valid Swedish VAT id for the field case's buyer (its own fails its check)
BUYER_VAT = "SE556036079301"
#: the field case's invoice (EUR 1,656.25 due) with the test network's enterprise as its seller
#: (its legal id is the seller's VAT id) and a valid buyer VAT id
INVOICE = with_party_vats(field_bytes("credit-note/base-example.xml"), SAMPLE_SELLER_VAT, BUYER_VAT)
#: :data:`INVOICE`'s amount due, minor units of EUR
FACE = 165_625


def credit_note(number: str, amount: str) -> bytes:
    """A credit note on :data:`INVOICE` (BT-25) with number (BT-1) ``number`` and amount due
    ``amount`` EUR, between the same seller and buyer."""
    note = with_party_vats(
        field_bytes("credit-note/base-creditnote-correction.xml"), SAMPLE_SELLER_VAT, BUYER_VAT
    ).replace(b"<cbc:ID>Snippet1</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>".encode(), 1)
    return note.replace(b">1656.25</cbc:PayableAmount>", f">{amount}</cbc:PayableAmount>".encode())
