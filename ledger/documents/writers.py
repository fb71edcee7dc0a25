"""Minimal writers: key facts → a UBL, CII, Factur-X or JSON-form file that reads back to them.

For tests and for ``scripts/eval_duplicates.py`` (the same invoice "in the other syntax"); they
write only the elements the readers need, not complete EN 16931 documents.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

from lxml import etree
from pypdf import PdfWriter

from ledger.errors import InvalidInput

from .cii import RAM, RSM, UDT
from .currencies import minor_unit_exponent
from .facts import DocumentFacts, IdScheme, Party, PartyId
from .identifiers import LEGAL_REGISTER_COUNTRIES, national_parts
from .ubl import CAC, CBC, UBL_CREDIT_NOTE_NS, UBL_INVOICE_NS

_JSON_TYPE_NAMES = {
    "INVOICE": "Invoice",
    "BILL_OF_LADING": "BillOfLading",
    "WAREHOUSE_RECEIPT": "WarehouseReceipt",
    "CUSTOMS_DECLARATION": "CustomsDeclaration",
    "PURCHASE_ORDER": "PurchaseOrder",
    "CERTIFICATE_OF_ORIGIN": "CertificateOfOrigin",
    "CONTRACT": "Contract",
    "OTHER": "Other",
}


def amount_text(facts: DocumentFacts) -> str:
    """The amount as an ``xs:decimal`` with the currency's number of decimals."""
    if facts.amount_minor is None or facts.currency is None:
        raise InvalidInput("amount", "the facts carry no amount")
    exponent = minor_unit_exponent(facts.currency)
    value = Decimal(facts.amount_minor).scaleb(-exponent)
    return f"{value:.{exponent}f}"


def _number(facts: DocumentFacts) -> str:
    return facts.number_as_written or facts.number


def _icd_value(pid: PartyId) -> tuple[str, str]:
    if pid.scheme is IdScheme.GLN:
        return "0088", pid.value
    code, _, value = pid.value.partition(":")
    return code, value


def _legal_written(pid: PartyId, party: Party) -> tuple[str, str | None]:
    """A legal registration id (BT-30) as a file writes it: ``(number, ICD scheme or None)``.
    Its register is written as its ICD scheme when the party's country does not name it."""
    register, number = national_parts(pid.value)
    if register is None or register == party.country:
        return number, None
    by_country = {country: code for code, country in LEGAL_REGISTER_COUNTRIES.items()}
    return number, by_country.get(register)


def _tax_written(pid: PartyId) -> str:
    """A VAT id as it is, a national tax id (BT-32) without the country it is keyed with (the
    party's country says it)."""
    return national_parts(pid.value)[1] if pid.scheme is IdScheme.TAX else pid.value


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def write_ubl(facts: DocumentFacts) -> bytes:
    """A UBL 2.1 Invoice (or CreditNote when ``facts.credit_note``)."""
    kind = "CreditNote" if facts.credit_note else "Invoice"
    ns = UBL_CREDIT_NOTE_NS if facts.credit_note else UBL_INVOICE_NS
    cbc, cac = f"{{{CBC}}}", f"{{{CAC}}}"
    nsmap: Any = {None: ns, "cac": CAC, "cbc": CBC}  # the stubs do not allow the None prefix
    root = etree.Element(f"{{{ns}}}{kind}", nsmap=nsmap)
    _sub(root, cbc + "CustomizationID", "urn:cen.eu:en16931:2017")
    _sub(root, cbc + "ID", _number(facts))
    if facts.issue_date:
        _sub(root, cbc + "IssueDate", facts.issue_date.isoformat())
    if facts.due_date and not facts.credit_note:
        _sub(root, cbc + "DueDate", facts.due_date.isoformat())
    _sub(root, cbc + f"{kind}TypeCode", "381" if facts.credit_note else "380")
    if facts.currency:
        _sub(root, cbc + "DocumentCurrencyCode", facts.currency)
    for wrapper, party in (
        ("AccountingSupplierParty", facts.seller),
        ("AccountingCustomerParty", facts.buyer),
    ):
        if party is not None:
            _ubl_party(_sub(_sub(root, cac + wrapper), cac + "Party"), party)
    if facts.due_date and facts.credit_note:
        means = _sub(root, cac + "PaymentMeans")
        _sub(means, cbc + "PaymentMeansCode", "30")
        _sub(means, cbc + "PaymentDueDate", facts.due_date.isoformat())
    if facts.amount_minor is not None and facts.currency:
        total = _sub(root, cac + "LegalMonetaryTotal")
        for tag in ("TaxInclusiveAmount", "PayableAmount"):
            _sub(total, cbc + tag, amount_text(facts), currencyID=facts.currency)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _with_rejected(party: Party) -> list[PartyId]:
    """The party's ids and, written back as they came, the ones its file carried that failed
    their check (so that a copy reads back to the same party, rejections included)."""
    ids = [p for p in party.ids if p.scheme is not IdScheme.NAME]
    for rejected in party.rejected:
        scheme, _, under = rejected.scheme.partition(" ")
        if under:  # rejected under a scheme code the writers do not write back
            continue
        if scheme in IdScheme.__members__ and scheme != "ICD" and rejected.value.strip():
            ids.append(PartyId(IdScheme(scheme), rejected.value))
    return ids


def _ubl_party(element: etree._Element, party: Party) -> None:
    cbc, cac = f"{{{CBC}}}", f"{{{CAC}}}"
    all_ids = _with_rejected(party)
    for pid in all_ids:
        if pid.scheme is IdScheme.PARTY:
            _sub(_sub(element, cac + "PartyIdentification"), cbc + "ID", pid.value)
        elif pid.scheme in (IdScheme.GLN, IdScheme.ICD):
            code, value = _icd_value(pid)
            _sub(_sub(element, cac + "PartyIdentification"), cbc + "ID", value, schemeID=code)
    if party.country:
        address = _sub(element, cac + "PostalAddress")
        _sub(_sub(address, cac + "Country"), cbc + "IdentificationCode", party.country)
    for pid in all_ids:
        if pid.scheme in (IdScheme.VAT, IdScheme.TAX):
            tax = _sub(element, cac + "PartyTaxScheme")
            _sub(tax, cbc + "CompanyID", _tax_written(pid))
            _sub(
                _sub(tax, cac + "TaxScheme"),
                cbc + "ID",
                "VAT" if pid.scheme is IdScheme.VAT else "FC",
            )
    legal = _sub(element, cac + "PartyLegalEntity")
    _sub(legal, cbc + "RegistrationName", party.name or "")
    for pid in all_ids:
        if pid.scheme is IdScheme.LEGAL:
            number, scheme = _legal_written(pid, party)
            _sub(legal, cbc + "CompanyID", number, **({"schemeID": scheme} if scheme else {}))
        elif pid.scheme is IdScheme.LEI:
            _sub(legal, cbc + "CompanyID", pid.value, schemeID="0199")


def write_cii(facts: DocumentFacts) -> bytes:
    """A CII D16B CrossIndustryInvoice."""
    rsm, ram, udt = f"{{{RSM}}}", f"{{{RAM}}}", f"{{{UDT}}}"
    root = etree.Element(rsm + "CrossIndustryInvoice", nsmap={"rsm": RSM, "ram": RAM, "udt": UDT})
    context = _sub(root, rsm + "ExchangedDocumentContext")
    _sub(
        _sub(context, ram + "GuidelineSpecifiedDocumentContextParameter"),
        ram + "ID",
        "urn:cen.eu:en16931:2017",
    )
    document = _sub(root, rsm + "ExchangedDocument")
    _sub(document, ram + "ID", _number(facts))
    _sub(document, ram + "TypeCode", "381" if facts.credit_note else "380")
    if facts.issue_date:
        issue = _sub(document, ram + "IssueDateTime")
        _sub(issue, udt + "DateTimeString", facts.issue_date.strftime("%Y%m%d"), format="102")
    transaction = _sub(root, rsm + "SupplyChainTradeTransaction")
    agreement = _sub(transaction, ram + "ApplicableHeaderTradeAgreement")
    for tag, party in (("SellerTradeParty", facts.seller), ("BuyerTradeParty", facts.buyer)):
        if party is not None:
            _cii_party(_sub(agreement, ram + tag), party)
    _sub(transaction, ram + "ApplicableHeaderTradeDelivery")
    settlement = _sub(transaction, ram + "ApplicableHeaderTradeSettlement")
    if facts.currency:
        _sub(settlement, ram + "InvoiceCurrencyCode", facts.currency)
    if facts.due_date:
        terms = _sub(settlement, ram + "SpecifiedTradePaymentTerms")
        due = _sub(terms, ram + "DueDateDateTime")
        _sub(due, udt + "DateTimeString", facts.due_date.strftime("%Y%m%d"), format="102")
    if facts.amount_minor is not None and facts.currency:
        summation = _sub(settlement, ram + "SpecifiedTradeSettlementHeaderMonetarySummation")
        _sub(summation, ram + "GrandTotalAmount", amount_text(facts))
        _sub(summation, ram + "DuePayableAmount", amount_text(facts))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _cii_party(element: etree._Element, party: Party) -> None:
    ram = f"{{{RAM}}}"
    all_ids = _with_rejected(party)
    for pid in all_ids:
        if pid.scheme is IdScheme.PARTY:
            _sub(element, ram + "ID", pid.value)
    for pid in all_ids:
        if pid.scheme in (IdScheme.GLN, IdScheme.ICD):
            code, value = _icd_value(pid)
            _sub(element, ram + "GlobalID", value, schemeID=code)
    _sub(element, ram + "Name", party.name or "")
    for pid in all_ids:
        if pid.scheme in (IdScheme.LEGAL, IdScheme.LEI):
            legal = _sub(element, ram + "SpecifiedLegalOrganization")
            if pid.scheme is IdScheme.LEI:
                _sub(legal, ram + "ID", pid.value, schemeID="0199")
            else:
                number, scheme = _legal_written(pid, party)
                _sub(legal, ram + "ID", number, **({"schemeID": scheme} if scheme else {}))
    if party.country:
        address = _sub(element, ram + "PostalTradeAddress")
        _sub(address, ram + "CountryID", party.country)
    for pid in all_ids:
        if pid.scheme in (IdScheme.VAT, IdScheme.TAX):
            registration = _sub(element, ram + "SpecifiedTaxRegistration")
            scheme = "VA" if pid.scheme is IdScheme.VAT else "FC"
            _sub(registration, ram + "ID", _tax_written(pid), schemeID=scheme)


def write_facturx(cii_xml: bytes, name: str = "factur-x.xml") -> bytes:
    """A one-page PDF carrying ``cii_xml`` as an embedded file (the Factur-X attachment)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment(name, cii_xml)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def form_dict(facts: DocumentFacts) -> dict[str, object]:
    """The facts as a JSON form (see ``jsonform.py``), amounts and dates in canonical form."""
    form: dict[str, object] = {
        "documentType": "CreditNote" if facts.credit_note else _JSON_TYPE_NAMES[facts.doc_type],
        "documentNumber": _number(facts),
    }
    if facts.issue_date:
        form["issueDate"] = facts.issue_date.isoformat()
    if facts.due_date:
        form["dueDate"] = facts.due_date.isoformat()
    if facts.seller:
        form["issuer"] = _form_party(facts.seller)
    if facts.buyer:
        form["consignee"] = _form_party(facts.buyer)
    if facts.amount_minor is not None and facts.currency:
        form["totalAmount"] = {"value": amount_text(facts), "currency": facts.currency}
    return form


def _form_party(party: Party) -> dict[str, object]:
    ids: list[dict[str, str]] = []
    for pid in _with_rejected(party):
        if pid.scheme is IdScheme.NAME:
            continue
        if pid.scheme is IdScheme.ICD:
            code, value = _icd_value(pid)
            ids.append({"id": value, "scheme": code})
        elif pid.scheme is IdScheme.LEGAL:
            number, scheme = _legal_written(pid, party)
            ids.append({"id": number, "scheme": scheme or "LEGAL"})
        elif pid.scheme is IdScheme.TAX:
            ids.append({"id": _tax_written(pid), "scheme": "TAX"})
        else:
            ids.append({"id": pid.value, "scheme": pid.scheme.value})
    out: dict[str, object] = {"ids": ids}
    if party.name:
        out["name"] = party.name
    if party.country:
        out["country"] = party.country
    return out


def write_json_form(facts: DocumentFacts) -> bytes:
    """The facts as a JSON-form file."""
    return json.dumps(form_dict(facts), indent=2, ensure_ascii=False).encode("utf-8")
