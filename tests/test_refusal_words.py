"""A refusal for a pledged fingerprint says what is known, and no more.

A tryout: bank B was told "document 0x1f5c… is already pledged to active financing 1" about a
copy (CII) of an invoice that bank A had pledged as another file (UBL): 0x1f5c itself was never
pledged. The holder's pledges are its own, so a refused bank usually does not know which copy
the holder pledged; the sentence then speaks of the invoice, not the file.
"""

from __future__ import annotations

from ledger.messages import refusal_sentence

BASE = {
    "reason": "FINGERPRINT_PLEDGED",
    "doc_hash": "0x1f5c",
    "bank": "0xB",
    "bank_name": "Bank B",
    "conflicting_financing_id": 1,
    "conflicting_bank": "0xA",
    "conflicting_bank_name": "Bank A",
}


def test_an_unknown_holding_copy_is_not_named_as_the_document() -> None:
    text = refusal_sentence(BASE)
    assert "document 0x1f5c is already pledged" not in text
    assert (
        "the invoice of document 0x1f5c (this file or another copy of it) is already pledged"
        in (text)
    )
    assert "active financing 1 of Bank A" in text


def test_a_known_holding_copy_is_named() -> None:
    # the gateway read every held fingerprint: more than the seller and number, a copy
    read = {"held_by_number_only": False, "holding_doc_hash": "0x1ae6"}
    other = refusal_sentence({**BASE, **read})
    assert "document 0x1f5c is the same invoice as document 0x1ae6, which is already" in other
    # the audit's record of the refusal event alone: a shared fingerprint, no more
    recorded = refusal_sentence({**BASE, "holding_doc_hash": "0x1ae6"})
    assert "is the same invoice as" not in recorded
    assert "document 0x1f5c shares a fingerprint with document 0x1ae6 (one invoice, or" in recorded
    same = refusal_sentence({**BASE, "holding_doc_hash": "0x1f5c"})
    assert "document 0x1f5c is already pledged to active financing 1" in same


def test_a_seller_number_pledge_does_not_claim_the_same_document() -> None:
    """The same seller and number, whatever the date and amount: maybe the seller's number used
    again (tryout 78: invoice 471102 of 2013, 235.62 EUR, refused as "this file or another copy
    of" invoice 471102 of 2018, 529.87 EUR)."""
    only = {"fingerprint_kind": "seller_number:TAX", "held_by_number_only": True}
    text = refusal_sentence({**BASE, **only})
    assert "(this file or another copy of it)" not in text
    assert "another document its seller numbered alike" in text
    # the chain named seller_number, but the holder holds the others too: a copy
    every = {**only, "held_by_number_only": False}
    assert "(this file or another copy of it)" in refusal_sentence({**BASE, **every})


def test_a_known_holding_document_by_number_alone_is_not_called_the_same() -> None:
    """The holder's document named, the held fingerprints of the seller and number alone: two
    invoices a seller numbered alike, maybe (tryout 89's regulator read "is the same invoice
    as" in the API where the CLI hedged)."""
    only = {"fingerprint_kind": "seller_number:LEGAL", "held_by_number_only": True}
    text = refusal_sentence({**BASE, **only, "holding_doc_hash": "0x1ae6"})
    assert "is the same invoice as" not in text
    assert "document 0x1f5c shares a fingerprint with document 0x1ae6" in text
    assert "another invoice its seller numbered alike" in text
