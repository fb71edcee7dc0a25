"""Every text the readers keep is held to a limit (``ledger/documents/textlimits.py``): a
500,000-character seller name (BT-27) was read, stored and echoed back (a tryout, 2026-12-03),
and so were its siblings — the buyer's name, party identifiers and their schemes (also those
rejected, shown back in the notices), references, the number as written. A longer text is
refused naming the field, the limit and the EN 16931 term, in UBL, CII and the JSON form."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from ledger.documents import read_document
from ledger.documents.textlimits import MAX_NAME_LENGTH, MAX_TEXT_LENGTH
from ledger.errors import DocumentFormatError, InvalidInput

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
CII = resources.files("ledger.demo_data").joinpath("invoice-cii.xml").read_bytes()
BILL = resources.files("ledger.demo_data").joinpath("bill-of-lading.json").read_bytes()

HUGE = 500_000
#: one character NFKC makes eighteen (U+FDFA ARABIC LIGATURE SALLALLAHOU ALAYHE WASALLAM;
#: fifteen once its spaces, separators, are dropped)
EXPANDS = "\ufdfa"


def _xml(base: bytes, old: str, new: str) -> bytes:
    assert old.encode() in base, old
    return base.replace(old.encode(), new.encode(), 1)


def _changed(form: dict[str, Any], changes: dict[str, object]) -> bytes:
    """``form`` with ``changes`` (a path ``issuer__name`` → its value), as JSON."""
    for path, value in changes.items():
        *parents, last = path.split("__")
        here = form
        for part in parents:
            here = here[part]
        here[last] = value
    return json.dumps(form).encode()


def _form(**changes: object) -> bytes:
    """The demo bill of lading made an invoice, with ``changes``."""
    form = {**json.loads(BILL), "documentType": "Invoice"}
    form["totalAmount"] = {"value": "4675.00", "currency": "DKK"}
    return _changed(form, changes)


#: (label, file, field named, limit, EN 16931 term named)
TOO_LONG: list[tuple[str, bytes, str, int, str]] = [
    (
        "ubl seller name",
        _xml(UBL, ">SellerCompany<", ">" + "S" * HUGE + "<"),
        "seller.name",
        MAX_NAME_LENGTH,
        "BT-27",
    ),
    (
        "ubl buyer name",
        _xml(UBL, ">Buyercompany ltd<", ">" + "B" * (MAX_NAME_LENGTH + 1) + "<"),
        "buyer.name",
        MAX_NAME_LENGTH,
        "BT-44",
    ),
    (
        "ubl seller vat id",
        _xml(UBL, "<cbc:CompanyID>DK13585628<", "<cbc:CompanyID>DK" + "1" * 300 + "<"),
        "seller.id",
        MAX_TEXT_LENGTH,
        "BT-29..BT-32",
    ),
    (
        "ubl buyer id scheme",
        _xml(UBL, 'schemeID="0088">5790000436057', f'schemeID="{"9" * 300}">5790000436057'),
        "buyer.id.scheme",
        MAX_TEXT_LENGTH,
        "BT-46-1",
    ),
    (
        "ubl number as written",
        _xml(UBL, ">TOSL110<", ">TOSL" + " " * 300 + "110<"),
        "cbc:ID",
        MAX_TEXT_LENGTH,
        "BT-1",
    ),
    (
        # within the limit as written, not once normalised (each becomes 15 letters)
        "ubl number longer once normalised",
        _xml(UBL, ">TOSL110<", ">" + EXPANDS * 20 + "<"),
        "cbc:ID",
        MAX_TEXT_LENGTH,
        "BT-1",
    ),
    (
        "ubl number without separators",
        _xml(UBL, ">TOSL110<", ">" + "N" * (MAX_TEXT_LENGTH + 1) + "<"),
        "cbc:ID",
        MAX_TEXT_LENGTH,
        "BT-1",
    ),
    (
        "ubl invoice reference",
        _xml(
            UBL,
            "<cac:AccountingSupplierParty>",
            "<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>"
            + "R" * (MAX_TEXT_LENGTH + 1)
            + "</cbc:ID></cac:InvoiceDocumentReference></cac:BillingReference>"
            + "<cac:AccountingSupplierParty>",
        ),
        "invoiceReference",
        MAX_TEXT_LENGTH,
        "BT-25",
    ),
    (
        "ubl order reference",
        _xml(UBL, "<cbc:ID>123</cbc:ID>", "<cbc:ID>" + "R" * 201 + "</cbc:ID>"),
        "references.order",
        MAX_TEXT_LENGTH,
        "BT-13",
    ),
    (
        "cii seller name",
        _xml(CII, ">SellerCompany<", ">" + "S" * HUGE + "<"),
        "seller.name",
        MAX_NAME_LENGTH,
        "BT-27",
    ),
    (
        "cii buyer global id",
        _xml(CII, ">5790000436057<", ">" + "5" * 300 + "<"),
        "buyer.id",
        MAX_TEXT_LENGTH,
        "BT-46..BT-48",
    ),
    (
        "cii number without separators",
        _xml(CII, "<ram:ID>TOSL110<", "<ram:ID>" + "N" * (MAX_TEXT_LENGTH + 1) + "<"),
        "ram:ID",
        MAX_TEXT_LENGTH,
        "BT-1",
    ),
    (
        "cii number longer once normalised",
        _xml(CII, "<ram:ID>TOSL110<", "<ram:ID>" + EXPANDS * 20 + "<"),
        "ram:ID",
        MAX_TEXT_LENGTH,
        "BT-1",
    ),
    (
        "cii order reference",
        _xml(CII, "<ram:IssuerAssignedID>123<", "<ram:IssuerAssignedID>" + "R" * 201 + "<"),
        "references.order",
        MAX_TEXT_LENGTH,
        "BT-13",
    ),
    (
        "json issuer name",
        _form(issuer__name="S" * HUGE),
        "issuer.name",
        MAX_NAME_LENGTH,
        "BT-27",
    ),
    (
        "json consignee id",
        _form(consignee__id="5" * 300),
        "consignee.id",
        MAX_TEXT_LENGTH,
        "BT-46..BT-48",
    ),
    (
        "json issuer scheme",
        _form(issuer__scheme="V" * 300),
        "issuer.scheme",
        MAX_TEXT_LENGTH,
        "BT-29-1",
    ),
    (
        "json document number",
        _form(documentNumber="N" * 201),
        "documentNumber",
        MAX_TEXT_LENGTH,
        "BT-1",
    ),
    (
        "json document number longer once normalised",
        _form(documentNumber=EXPANDS * 20),
        "documentNumber",
        MAX_TEXT_LENGTH,
        "BT-1",
    ),
    (
        "json currency",
        _form(totalAmount__currency="DKK" + " " * 300),
        "totalAmount.currency",
        MAX_TEXT_LENGTH,
        "BT-5",
    ),
]
CASE_IDS = [case[0] for case in TOO_LONG]


@pytest.mark.parametrize(("label", "data", "field", "limit", "term"), TOO_LONG, ids=CASE_IDS)
@pytest.mark.parametrize("registering", [False, True], ids=["read", "registered"])
def test_a_text_longer_than_its_limit_is_refused_naming_the_field(
    label: str, data: bytes, field: str, limit: int, term: str, registering: bool
) -> None:
    with pytest.raises(DocumentFormatError) as refused:
        read_document(data, registering=registering)
    error = refused.value
    assert error.field == field, (label, error.to_dict())
    assert error.rule.startswith(f"longer than {limit} characters (EN 16931 {term}"), error.rule
    assert error.details["limit"] == limit
    # the term's identifiers, whole: "BT-46-1, BT-47-1", never a fragment such as "BT-46-1,"
    assert error.details["term"] == term_ids(error.rule), error.details
    assert not error.details["term"].endswith(",")
    assert error.details["length"] > limit
    assert len(error.message) < 400  # the text itself is never echoed back


def term_ids(rule: str) -> str:
    """The identifiers of the EN 16931 term a rule quotes: "(EN 16931 BT-46-1, BT-47-1 Buyer
    identifier scheme)" → "BT-46-1, BT-47-1"."""
    quoted = rule.split("(EN 16931 ", 1)[1].rstrip(")")
    return ", ".join(
        part for part in quoted.replace(",", " ,").split() if part.startswith("BT-")
    ).replace(" ,", ",")


def test_texts_at_their_limits_are_kept() -> None:
    name, vat = "S" * MAX_NAME_LENGTH, "DK" + "1" * 198
    facts = read_document(_xml(UBL, ">SellerCompany<", f">{name}<")).facts
    assert facts is not None
    assert facts.seller is not None
    assert facts.seller.name == name
    ref = "R" * MAX_TEXT_LENGTH
    cii = read_document(_xml(CII, "<ram:IssuerAssignedID>123<", f"<ram:IssuerAssignedID>{ref}<"))
    assert cii.facts is not None
    assert cii.facts.reference_map["order"] == ref
    facts = read_document(_form(issuer__name=name, issuer__id=vat, issuer__scheme="PARTY")).facts
    assert facts is not None
    assert facts.seller is not None
    assert facts.seller.name == name


def test_an_over_long_line_item_is_cut_never_the_file_refused() -> None:
    """Lines only feed the suspicion checks: a file is never refused for an item name's length
    (a line missing one is: tests/documents/test_invoice_lines_read_whole.py), and padding an
    item name does not drop them (that would hide a re-issue or a split from the checks)."""
    plain = read_document(UBL).facts
    assert plain is not None
    assert plain.lines
    padded = "P" * (MAX_NAME_LENGTH + 300)
    long_item = _xml(UBL, ">Printing paper<", ">" + padded + "<")
    facts = read_document(long_item).facts
    assert facts is not None
    assert facts.lines is not None
    assert len(facts.lines) == len(plain.lines)
    assert max(len(line.item) for line in facts.lines) == MAX_NAME_LENGTH
    # another copy padded differently past the limit compares the same
    other = read_document(_xml(UBL, ">Printing paper<", ">" + padded + "QQ<")).facts
    assert other is not None
    assert other.lines == facts.lines
    assert facts.seller is not None
    assert facts.seller.name == "SellerCompany"


def _bill(**changes: object) -> bytes:
    """The demo bill of lading (a JSON form, not an invoice) with ``changes``."""
    return _changed(json.loads(BILL), changes)


#: (label, a bill of lading, field named, limit, the trade document's term named)
TRADE_TOO_LONG: list[tuple[str, bytes, str, int, str]] = [
    ("number", _bill(documentNumber="N" * 201), "documentNumber", 200, "Document identifier"),
    (
        "number normalised",
        _bill(documentNumber=EXPANDS * 20),
        "documentNumber",
        200,
        "Document identifier",
    ),
    ("issuer name", _bill(issuer__name="I" * 501), "issuer.name", 500, "Issuer name"),
    (
        "issuer id",
        _bill(issuer__id="D" * 201, issuer__scheme="PARTY"),
        "issuer.id",
        200,
        "Issuer identifier",
    ),
    ("consignee name", _bill(consignee__name="C" * 501), "consignee.name", 500, "Consignee name"),
    ("issue date", _bill(issueDate="2" * 201), "issueDate", 200, "Document issue date"),
]


@pytest.mark.parametrize(
    ("label", "data", "field", "limit", "term"),
    TRADE_TOO_LONG,
    ids=[case[0] for case in TRADE_TOO_LONG],
)
@pytest.mark.parametrize("registering", [False, True], ids=["read", "registered"])
def test_a_trade_documents_text_is_named_by_its_own_terms_not_an_invoices(
    label: str, data: bytes, field: str, limit: int, term: str, registering: bool
) -> None:
    """A bill of lading is not an EN 16931 invoice: an over-long text of its JSON form was
    refused as "EN 16931 BT-1 Invoice number", "BT-27 Seller name" (a tryout). It is named as
    the form names it, after UN/CEFACT CCL and the ICC DSI key trade document data."""
    with pytest.raises(DocumentFormatError) as refused:
        read_document(data, registering=registering)
    error = refused.value
    assert error.field == field, (label, error.to_dict())
    assert error.rule == (
        f"longer than {limit} characters (UN/CEFACT CCL, ICC DSI key trade document data: {term})"
    ), error.rule
    assert "EN 16931" not in error.message
    assert "BT-" not in error.message
    assert error.details["term"] == term
    assert error.details["limit"] == limit
    assert error.details["length"] > limit


def test_a_trade_documents_due_date_is_not_named_by_an_invoices_term() -> None:
    early = _bill(documentType="WarehouseReceipt", issueDate="2024-03-01", dueDate="2024-01-01")
    with pytest.raises(InvalidInput) as refused:
        read_document(early, registering=True)
    assert refused.value.field == "dueDate"
    assert "BT-" not in refused.value.rule
    assert "must not be before the issue date 2024-03-01" in refused.value.rule
