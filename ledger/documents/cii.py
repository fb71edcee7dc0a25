"""Reader for UN/CEFACT Cross Industry Invoice D16B (EN 16931 CII syntax binding, Factur-X)."""

from __future__ import annotations

from lxml import etree

from ledger.errors import DocumentFormatError, InvalidInput

from .facts import DocumentFacts, DocumentType, IdScheme, Party, PartyId, make_party_id
from .normalise import normalise_country, parse_cii_date, parse_xml_decimal, to_minor_units
from .ubl import CREDIT_NOTE_TYPE_CODES
from .xmlsafe import local_name, namespace, text_of

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
NS = {"rsm": RSM, "ram": RAM, "udt": UDT}
_WHERE = "required by UN/CEFACT CII D16B"

_TRANSACTION = "rsm:SupplyChainTradeTransaction"
_AGREEMENT = f"{_TRANSACTION}/ram:ApplicableHeaderTradeAgreement"
_SETTLEMENT = f"{_TRANSACTION}/ram:ApplicableHeaderTradeSettlement"
_SUMMATION = f"{_SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"


def is_cii(root: etree._Element) -> bool:
    """Whether ``root`` is a CII CrossIndustryInvoice."""
    return local_name(root) == "CrossIndustryInvoice" and namespace(root) == RSM


def read_cii(root: etree._Element) -> DocumentFacts:
    """The key facts of a CII CrossIndustryInvoice."""
    if not is_cii(root):
        raise DocumentFormatError("root element", "must be a CII rsm:CrossIndustryInvoice")

    def required(path: str, bt: str) -> etree._Element:
        element = root.find(path, NS)
        if element is None or text_of(element) is None:
            raise DocumentFormatError(path.split("/")[-1], f"{_WHERE} ({bt})")
        return element

    try:
        number = text_of(required("rsm:ExchangedDocument/ram:ID", "BT-1")) or ""
        type_code = text_of(root.find("rsm:ExchangedDocument/ram:TypeCode", NS))
        issue = required("rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString", "BT-2")
        issue_date = parse_cii_date(text_of(issue) or "", issue.get("format"), "ram:IssueDateTime")
        due_el = root.find(
            f"{_SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString",
            NS,
        )
        due_text = text_of(due_el)
        due_date = (
            parse_cii_date(due_text, due_el.get("format"), "ram:DueDateDateTime")
            if due_el is not None and due_text
            else None
        )
        currency = text_of(required(f"{_SETTLEMENT}/ram:InvoiceCurrencyCode", "BT-5")) or ""
        currency = currency.upper()
        seller_el = root.find(f"{_AGREEMENT}/ram:SellerTradeParty", NS)
        if seller_el is None:
            raise DocumentFormatError("ram:SellerTradeParty", f"{_WHERE} (BG-4)")
        buyer_el = root.find(f"{_AGREEMENT}/ram:BuyerTradeParty", NS)
        if buyer_el is None:
            raise DocumentFormatError("ram:BuyerTradeParty", f"{_WHERE} (BG-7)")
        amount_el = _amount(root, "ram:DuePayableAmount", currency)
        if amount_el is None:
            amount_el = _amount(root, "ram:GrandTotalAmount", currency)
        if amount_el is None:
            raise DocumentFormatError("ram:DuePayableAmount", f"{_WHERE} (BT-115)")
        field = f"ram:{local_name(amount_el)}"
        amount = parse_xml_decimal(text_of(amount_el) or "", field)
        return DocumentFacts.create(
            DocumentType.INVOICE,
            number,
            issue_date=issue_date,
            due_date=due_date,
            seller=_party(seller_el),
            buyer=_party(buyer_el),
            amount_minor=to_minor_units(amount, currency, field),
            currency=currency,
            credit_note=type_code in CREDIT_NOTE_TYPE_CODES,
        )
    except DocumentFormatError:
        raise
    except InvalidInput as exc:
        raise DocumentFormatError(exc.field, f"{exc.rule} ({_WHERE})") from None


def _amount(root: etree._Element, tag: str, currency: str) -> etree._Element | None:
    """The amount in the invoice currency (GrandTotalAmount may repeat in the VAT currency)."""
    for element in root.findall(f"{_SUMMATION}/{tag}", NS):
        stated = (element.get("currencyID") or currency).strip().upper()
        if stated == currency and text_of(element) is not None:
            return element
    return None


def _party(party: etree._Element) -> Party:
    country = normalise_country(
        text_of(party.find("ram:PostalTradeAddress/ram:CountryID", NS)), "ram:CountryID"
    )
    ids: list[PartyId] = []
    for ident in party.findall("ram:ID", NS):
        value = text_of(ident)
        if value:
            scheme = (ident.get("schemeID") or "").strip()
            kind = IdScheme.ICD if scheme else IdScheme.PARTY
            ids.append(make_party_id(kind, value, icd=scheme))
    for ident in party.findall("ram:GlobalID", NS):
        value = text_of(ident)
        if value:
            ids.append(make_party_id(IdScheme.ICD, value, icd=ident.get("schemeID")))
    for tax in party.findall("ram:SpecifiedTaxRegistration/ram:ID", NS):
        value = text_of(tax)
        if value:
            scheme = (tax.get("schemeID") or "").strip().upper()
            kind = IdScheme.VAT if scheme == "VA" else IdScheme.TAX
            ids.append(make_party_id(kind, value, country=country))
    legal = party.find("ram:SpecifiedLegalOrganization/ram:ID", NS)
    value = text_of(legal)
    if legal is not None and value:
        scheme = (legal.get("schemeID") or "").strip()
        kind = IdScheme.LEI if scheme in {"0199", "LEI"} else IdScheme.LEGAL
        ids.append(make_party_id(kind, value))
    return Party.of(ids, name=text_of(party.find("ram:Name", NS)), country=country)
