"""How long a text the readers keep may be: every text a file gives its facts is stored and shown
back (in the check, the receipt, the document view, the CLI), so none is unbounded.

=========================================================  ==========================  =========
what (EN 16931 term)                                       facts field                 at most
=========================================================  ==========================  =========
a party's name (BT-27 seller, BT-44 buyer)                 ``seller.name``             500
a party identifier and its scheme (BT-29..BT-32,           ``seller.id``,              200
BT-46..BT-48), also one not used (rejected)                ``seller.id.scheme``
the document number as written (BT-1)                      ``cbc:ID``, ``ram:ID``,     200
                                                           ``documentNumber``
a preceding invoice reference (BT-25)                      ``invoiceReference``        200
a reference (BT-11..BT-17, BT-72..BT-74)                   ``references.order`` …      200
any other text of the JSON form (dates, codes, amounts)    its JSON path               200
=========================================================  ==========================  =========

Currency (BT-5, ISO 4217: 3 letters) and country codes (BT-40, BT-55, ISO 3166-1: 2 letters)
are held to their standards' shapes where they are read. An invoice line's item name (BT-153)
never refuses a file: one longer than 500 characters is kept cut to 500 (two copies of one line
are cut alike, so padding a name does not hide a re-issue or a split from the suspicion checks).
A quantity (BT-129) longer than 200 characters once normalised is refused by the readers
(``lines.py``), as is a line they cannot read whole.

A longer text is refused with :class:`ledger.errors.DocumentFormatError` (an ``InvalidInput``:
HTTP 422) naming the field, the limit and the EN 16931 term, before anything is stored:
``seller.name: longer than 500 characters (EN 16931 BT-27 Seller name)``. A trade document other
than an invoice (a JSON form's bill of lading, warehouse receipt …) is not an EN 16931 invoice:
its fields are named as the form names them, after UN/CEFACT CCL and the ICC DSI key trade
document data (``issuer.name: longer than 500 characters (UN/CEFACT CCL, ICC DSI key trade
document data: Issuer name)``; :data:`TRADE_PARTY_TERMS`). A document number,
invoice reference or party identifier is held to 200 characters also once normalised
(``normalise.py``: NFKC can lengthen a text), refused the same way with the term, the limit and
the normalised length (``details.term``, ``limit``, ``length``). Facts stored before
these limits are read back as they were (``DocumentFacts.from_dict`` does not check them).
"""

from __future__ import annotations

import dataclasses

from ledger.errors import DocumentFormatError

from .facts import DocumentFacts, DocumentType, IdScheme, Party
from .normalise import INVOICE_REFERENCE_TERM as INVOICE_REFERENCE_TERM
from .normalise import MAX_IDENTIFIER_LENGTH, too_long
from .normalise import NUMBER_TERM as NUMBER_TERM
from .normalise import TRADE_NUMBER_TERM as TRADE_NUMBER_TERM

#: the longest party name (BT-27, BT-44) and invoice line item name (BT-153) kept, in characters
MAX_NAME_LENGTH = 500
#: the longest identifier, scheme, reference, document number or code kept, in characters
MAX_TEXT_LENGTH = MAX_IDENTIFIER_LENGTH

#: the EN 16931 terms of each party's texts
PARTY_TERMS: dict[str, dict[str, str]] = {
    "seller": {
        "name": "BT-27 Seller name",
        "id": "BT-29..BT-32 Seller identifiers",
        "scheme": "BT-29-1, BT-30-1 Seller identifier scheme",
        "country": "BT-40 Seller country code",
    },
    "buyer": {
        "name": "BT-44 Buyer name",
        "id": "BT-46..BT-48 Buyer identifiers",
        "scheme": "BT-46-1, BT-47-1 Buyer identifier scheme",
        "country": "BT-55 Buyer country code",
    },
}
#: a trade document's party terms other than an invoice's (``normalise.TRADE_STANDARD``: the JSON
#: form's issuer and consignee), by the facts' role
TRADE_PARTY_TERMS: dict[str, dict[str, str]] = {
    role: {
        "name": f"{party} name",
        "id": f"{party} identifier",
        "scheme": f"{party} identifier scheme",
        "country": f"{party} country code",
    }
    for role, party in (("seller", "Issuer"), ("buyer", "Consignee"))
}
#: the EN 16931 terms of the references (``DocumentFacts.references`` keys)
REFERENCE_TERMS = {
    "order": "BT-13 Purchase order reference",
    "contract": "BT-12 Contract reference",
    "despatch": "BT-16 Despatch advice reference",
    "receipt": "BT-15 Receiving advice reference",
    "project": "BT-11 Project reference",
    "delivery_date": "BT-72 Actual delivery date",
    "period": "BT-73, BT-74 Invoicing period",
}


def refuse_long(text: str | None, field: str, term: str, limit: int = MAX_TEXT_LENGTH) -> None:
    """Refuse ``text`` (:class:`DocumentFormatError` naming ``field``, the ``limit`` in
    characters and the EN 16931 ``term``) when it is longer than ``limit`` characters; ``None``
    passes."""
    if text is not None and len(text) > limit:
        raise too_long(field, term, limit, len(text), DocumentFormatError)


def check_text_lengths(facts: DocumentFacts, number_field: str) -> DocumentFacts:
    """``facts`` as a reader read them, every text held to its limit (the module docstring):
    :class:`DocumentFormatError` for the first one too long (``number_field`` names the
    document number as the file's format does: ``cbc:ID``, ``ram:ID``, ``documentNumber``).
    Returns the facts, their lines' item names cut to :data:`MAX_NAME_LENGTH`."""
    invoice = facts.doc_type is DocumentType.INVOICE  # else not EN 16931's terms
    refuse_long(
        facts.number_as_written, number_field, NUMBER_TERM if invoice else TRADE_NUMBER_TERM
    )
    for ref in facts.invoice_refs:
        refuse_long(ref, "invoiceReference", INVOICE_REFERENCE_TERM)
    for role, party in (("seller", facts.seller), ("buyer", facts.buyer)):
        if party is not None:
            _check_party(party, role, (PARTY_TERMS if invoice else TRADE_PARTY_TERMS)[role])
    for kind, value in facts.references:
        refuse_long(value, f"references.{kind}", REFERENCE_TERMS.get(kind, "BT-11..BT-17"))
    if facts.lines is None:
        return facts
    if any(len(line.item) > MAX_NAME_LENGTH for line in facts.lines):
        # kept, cut to the limit: two copies of one line are cut alike and still compare
        # equal, so padding an item name does not hide a re-issue or a split from the checks
        lines = tuple(
            dataclasses.replace(line, item=line.item[:MAX_NAME_LENGTH]) for line in facts.lines
        )
        return dataclasses.replace(facts, lines=lines)
    return facts


def _check_party(party: Party, role: str, terms: dict[str, str]) -> None:
    # the name first: a party without an identifier is keyed on its name (a NAME id)
    refuse_long(party.name, f"{role}.name", terms["name"], MAX_NAME_LENGTH)
    refuse_long(party.country, f"{role}.country", terms["country"])
    for pid in party.ids:
        if pid.scheme is not IdScheme.NAME:  # a NAME id is the name, held to its limit above
            refuse_long(pid.value, f"{role}.id", terms["id"])
    for rejected in party.rejected:  # shown back in the notices, as written
        refuse_long(rejected.scheme, f"{role}.id.scheme", terms["scheme"])
        refuse_long(rejected.value, f"{role}.id", terms["id"])
