"""Reader for the UN/CEFACT Cross Industry Invoice family: CII D16B (EN 16931 CII syntax binding,
Factur-X, ZUGFeRD 2, XRechnung CII) and ZUGFeRD 1.0 (``rsm:CrossIndustryDocument``, all profiles:
BASIC, COMFORT, EXTENDED).

ZUGFeRD 1.0 is the older CII draft (D13B, RAM version 12) under FeRD's own root: the same parties,
amounts and dates under other element names (``HeaderExchangedDocument`` for ``ExchangedDocument``,
``ApplicableSupplyChainTradeSettlement`` for ``ApplicableHeaderTradeSettlement``, …). One reader
walks both through a table of paths (``Dialect``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from ledger.errors import DocumentFormatError, InvalidInput

from .calculation import (
    NO_CATEGORY,
    Breakdown,
    StatedFigures,
    Taxed,
    VatKey,
    figure,
    figures_due,
    paid_fault,
    vat_key,
)
from .facts import (
    DocumentFacts,
    DocumentType,
    IdScheme,
    Line,
    Party,
    PartyId,
    check_party_id,
)
from .identifiers import RejectedId, icd_codes
from .lines import LineFields, read_line, read_lines
from .normalise import (
    clean_text,
    normalise_country,
    normalise_currency,
    parse_cii_date,
    parse_xml_decimal,
    to_minor_units,
)
from .totals import amount_due_by_totals, refuse_total_as_due, total_before_settled
from .ubl import (
    CREDIT_NOTE_TYPE_CODES,
    document_type_code,
    other_currency,
    refuse_line_currency,
)
from .xmlsafe import local_name, namespace, refuse_repeated, repeated, text_of

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
NS = {"rsm": RSM, "ram": RAM, "udt": UDT}
#: the document number (BT-1) as its faults name it (``textlimits.check_text_lengths``)
NUMBER_FIELD = "ram:ID"

#: ZUGFeRD 1.0 (FeRD, 2014): root rsm:CrossIndustryDocument
ZF1_RSM = "urn:ferd:CrossIndustryDocument:invoice:1p0"
ZF1_RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12"
ZF1_UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15"


@dataclass(frozen=True)
class Dialect:
    """Where one CII dialect keeps the facts (paths relative to the root or to a line)."""

    name: str
    root: str
    ns: dict[str, str]
    document: str
    agreement: str
    delivery: str
    settlement: str
    summation: str
    line_item: str
    line_quantity: str
    line_amount: str
    reference_id: str  # the id element of a referenced document
    despatch: str
    #: a line's VAT category (BG-30), relative to the line
    line_tax: str = "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax"
    #: the element of a VAT rate (BT-119, BT-152, BT-96, BT-103)
    rate: str = "ram:RateApplicablePercent"

    @property
    def where(self) -> str:
        return f"required by {self.name}"


D16B = Dialect(
    name="UN/CEFACT CII D16B",
    root="CrossIndustryInvoice",
    ns=NS,
    document="rsm:ExchangedDocument",
    agreement="rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement",
    delivery="rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeDelivery",
    settlement="rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement",
    summation="ram:SpecifiedTradeSettlementHeaderMonetarySummation",
    line_item="rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem",
    line_quantity="ram:SpecifiedLineTradeDelivery/ram:BilledQuantity",
    line_amount=(
        "ram:SpecifiedLineTradeSettlement/"
        "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"
    ),
    reference_id="ram:IssuerAssignedID",
    despatch="ram:DespatchAdviceReferencedDocument",
)
ZUGFERD1 = Dialect(
    name="ZUGFeRD 1.0",
    root="CrossIndustryDocument",
    ns={"rsm": ZF1_RSM, "ram": ZF1_RAM, "udt": ZF1_UDT},
    document="rsm:HeaderExchangedDocument",
    agreement="rsm:SpecifiedSupplyChainTradeTransaction/ram:ApplicableSupplyChainTradeAgreement",
    delivery="rsm:SpecifiedSupplyChainTradeTransaction/ram:ApplicableSupplyChainTradeDelivery",
    settlement="rsm:SpecifiedSupplyChainTradeTransaction/ram:ApplicableSupplyChainTradeSettlement",
    summation="ram:SpecifiedTradeSettlementMonetarySummation",
    line_item="rsm:SpecifiedSupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem",
    line_quantity="ram:SpecifiedSupplyChainTradeDelivery/ram:BilledQuantity",
    line_amount=(
        "ram:SpecifiedSupplyChainTradeSettlement/"
        "ram:SpecifiedTradeSettlementMonetarySummation/ram:LineTotalAmount"
    ),
    reference_id="ram:ID",
    despatch="ram:DeliveryNoteReferencedDocument",
    line_tax="ram:SpecifiedSupplyChainTradeSettlement/ram:ApplicableTradeTax",
    rate="ram:ApplicablePercent",
)
_DIALECTS = {(D16B.root, RSM): D16B, (ZUGFERD1.root, ZF1_RSM): ZUGFERD1}


def dialect_of(root: etree._Element) -> Dialect | None:
    """The CII dialect of ``root``, or ``None`` if it is not a CII invoice root."""
    return _DIALECTS.get((local_name(root), namespace(root)))


def is_cii(root: etree._Element) -> bool:
    """Whether ``root`` is a CII CrossIndustryInvoice (D16B) or a ZUGFeRD 1.0
    CrossIndustryDocument."""
    return dialect_of(root) is not None


def read_cii(root: etree._Element) -> DocumentFacts:
    """The key facts of a CII CrossIndustryInvoice or ZUGFeRD 1.0 CrossIndustryDocument."""
    d = dialect_of(root)
    if d is None:
        raise DocumentFormatError(
            "root element",
            "must be a CII rsm:CrossIndustryInvoice or a ZUGFeRD 1.0 rsm:CrossIndustryDocument",
        )
    ns = d.ns

    def required(path: str, bt: str) -> etree._Element:
        element = root.find(path, ns)
        if element is None or text_of(element) is None:
            raise DocumentFormatError(path.split("/")[-1], f"{d.where} ({bt})")
        return element

    refuse_repeated(
        root,
        ns,
        [
            (f"{d.document}/ram:ID", "BT-1"),
            (f"{d.document}/ram:IssueDateTime", "BT-2"),
            (f"{d.document}/ram:TypeCode", "BT-3"),
            (f"{d.settlement}/ram:InvoiceCurrencyCode", "BT-5"),
            (f"{d.agreement}/ram:SellerTradeParty", "BG-4"),
            (f"{d.agreement}/ram:BuyerTradeParty", "BG-7"),
        ],
        d.name,
    )
    try:
        number = text_of(required(f"{d.document}/ram:ID", "BT-1")) or ""
        type_code = document_type_code(
            root.find(f"{d.document}/ram:TypeCode", ns), "ram:TypeCode", d.name
        )
        issue = required(f"{d.document}/ram:IssueDateTime/udt:DateTimeString", "BT-2")
        issue_date = parse_cii_date(text_of(issue) or "", issue.get("format"), "ram:IssueDateTime")
        due_el = root.find(
            f"{d.settlement}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString",
            ns,
        )
        due_text = text_of(due_el)
        due_date = (
            parse_cii_date(due_text, due_el.get("format"), "ram:DueDateDateTime")
            if due_el is not None and due_text
            else None
        )
        currency = normalise_currency(
            text_of(required(f"{d.settlement}/ram:InvoiceCurrencyCode", "BT-5")) or "",
            "ram:InvoiceCurrencyCode",
            issued=issue_date,
        )
        seller_el = root.find(f"{d.agreement}/ram:SellerTradeParty", ns)
        if seller_el is None:
            raise DocumentFormatError("ram:SellerTradeParty", f"{d.where} (BG-4)")
        buyer_el = root.find(f"{d.agreement}/ram:BuyerTradeParty", ns)
        if buyer_el is None:
            raise DocumentFormatError("ram:BuyerTradeParty", f"{d.where} (BG-7)")
        amount_el = _amount(root, d, "ram:DuePayableAmount", currency)
        if amount_el is None:
            amount_el = _amount(root, d, "ram:GrandTotalAmount", currency)
        if amount_el is None:
            raise DocumentFormatError("ram:DuePayableAmount", f"{d.where} (BT-115)")
        field = f"ram:{local_name(amount_el)}"
        amount = parse_xml_decimal(text_of(amount_el) or "", field)
        total, paid, rounding = (
            text_of(_amount(root, d, tag, currency))
            for tag in ("ram:GrandTotalAmount", "ram:TotalPrepaidAmount", "ram:RoundingAmount")
        )
        totals = ("ram:GrandTotalAmount", "ram:TotalPrepaidAmount", "ram:RoundingAmount")
        if field != "ram:DuePayableAmount":  # the total with VAT read as due: only when it is
            refuse_total_as_due(paid, rounding, "ram:DuePayableAmount", totals)
        by_totals = (
            amount_due_by_totals(amount, total, paid, rounding, currency, totals)
            if field == "ram:DuePayableAmount"
            else None
        )
        credit_note = type_code in CREDIT_NOTE_TYPE_CODES
        paid_below = (
            paid_fault(amount, (total, paid, rounding), currency, totals)
            if field == "ram:DuePayableAmount" and not credit_note
            else None
        )
        lines = _lines(root, d, currency)  # read whole first: a line's refusal names it
        by_totals, faults = figures_due(
            by_totals, None if credit_note else _figures(root, d, currency, amount), paid_below
        )
        invoice_refs = [
            ref
            for el in root.findall(
                f"{d.settlement}/ram:InvoiceReferencedDocument/{d.reference_id}", ns
            )
            if (ref := text_of(el))
        ]
        return DocumentFacts.create(
            DocumentType.INVOICE,
            number,
            issue_date=issue_date,
            due_date=due_date,
            seller=_party(seller_el, ns),
            buyer=_party(buyer_el, ns),
            # as written, never rounded: a face value rounded up is money nobody owes
            amount_minor=to_minor_units(
                amount,
                currency,
                field,
                exact=True,
                written=(text_of(amount_el) or "").strip(),
                recorded=True,
            ),
            currency=currency,
            credit_note=credit_note,
            type_code=type_code,
            lines=lines,
            references=_references(root, d),
            invoice_refs=invoice_refs,
            amount_due_by_totals=by_totals,
            totals_faults=faults,
            total_before_settled=None
            if credit_note
            else total_before_settled(total, paid, rounding, currency),
        )
    except DocumentFormatError:
        raise
    except InvalidInput as exc:
        raise DocumentFormatError(
            NUMBER_FIELD if exc.field == "number" else exc.field,
            f"{exc.rule} (in {d.name})",  # a rule of the value, not a required element
            **{k: v for k, v in exc.details.items() if k not in ("field", "rule")},
        ) from None


def _amount(root: etree._Element, d: Dialect, tag: str, currency: str) -> etree._Element | None:
    """The amount in the invoice currency (GrandTotalAmount may repeat in the VAT currency).
    Two of them in the invoice currency are refused (``xmlsafe.refuse_repeated``'s rule):
    which one the invoice states cannot be told."""
    found = [
        element
        for element in root.findall(f"{d.settlement}/{d.summation}/{tag}", d.ns)
        if (element.get("currencyID") or currency).strip().upper() == currency
        and text_of(element) is not None
    ]
    if len(found) > 1:
        raise repeated(
            tag, len(found), f"{d.name} allows it once", f" in the invoice currency {currency}"
        )
    if not found and tag != "ram:TaxTotalAmount":
        # stated, but only in another currency: it used to be read as not stated, so a paid
        # amount in USD on an EUR invoice was left out of BR-CO-16 (tryout 53; UBL refuses it)
        for element in root.findall(f"{d.settlement}/{d.summation}/{tag}", d.ns):
            if text_of(element) is not None:
                stated = (element.get("currencyID") or "").strip().upper()
                raise other_currency(
                    f"{tag}/@currencyID",
                    currency,
                    stated,
                    currency_element="ram:InvoiceCurrencyCode",
                )
    return found[0] if found else None


def _lines(root: etree._Element, d: Dialect, currency: str) -> tuple[Line, ...] | None:
    """The invoice lines (BG-25), or ``None`` when the file states none. Raises
    DocumentFormatError for a line that cannot be read whole (``lines.read_line``)."""
    fields = LineFields(
        line="ram:IncludedSupplyChainTradeLineItem",
        quantity=d.line_quantity,
        amount=d.line_amount,
        item="ram:SpecifiedTradeProduct/ram:Name",
        format_name=d.name,
    )
    read: list[Line | None] = []
    for position, line in enumerate(root.findall(d.line_item, d.ns), start=1):
        product = line.find("ram:SpecifiedTradeProduct", d.ns)
        item = None
        if product is not None:
            item = (
                text_of(product.find("ram:Name", d.ns))
                or text_of(product.find("ram:SellerAssignedID", d.ns))
                or text_of(product.find("ram:GlobalID", d.ns))
            )
        quantity = text_of(line.find(d.line_quantity, d.ns))
        amount_el = line.find(d.line_amount, d.ns)
        refuse_line_currency(
            amount_el,
            f"ram:IncludedSupplyChainTradeLineItem[{position}]/ram:LineTotalAmount/@currencyID",
            currency,
            position,
            d.name,
            "ram:InvoiceCurrencyCode",
        )
        read.append(read_line(position, item, quantity, text_of(amount_el), currency, fields))
    return read_lines(read)


#: the CII elements of the document totals (BG-22), by EN 16931 term
_TOTALS = {
    "BT-106": "ram:LineTotalAmount",
    "BT-107": "ram:AllowanceTotalAmount",
    "BT-108": "ram:ChargeTotalAmount",
    "BT-109": "ram:TaxBasisTotalAmount",
    "BT-110": "ram:TaxTotalAmount",
    "BT-112": "ram:GrandTotalAmount",
    "BT-113": "ram:TotalPrepaidAmount",
    "BT-114": "ram:RoundingAmount",
    "BT-116": "ram:ApplicableTradeTax/ram:BasisAmount",
    "BT-117": "ram:ApplicableTradeTax/ram:CalculatedAmount",
}


def _figures(root: etree._Element, d: Dialect, currency: str, due: Decimal) -> StatedFigures:
    """The figures EN 16931's calculation rules add up (``calculation.py``): the lines' net
    amounts, the document level allowances and charges, the VAT breakdown (BG-23) and the
    totals in the invoice currency (a ``ram:TaxTotalAmount`` in the VAT accounting currency,
    BT-111, is not BT-110). Raises InvalidInput naming the element of an amount that is not an
    ``xs:decimal``."""
    ns = d.ns

    def stated(term: str) -> Decimal | None:
        return figure(text_of(_amount(root, d, _TOTALS[term], currency)), _TOTALS[term], term)

    def key(tax: etree._Element | None) -> VatKey | None:
        if tax is None:
            return None
        return vat_key(text_of(tax.find("ram:CategoryCode", ns)), text_of(tax.find(d.rate, ns)))

    lines = tuple(
        Taxed(
            figure(
                text_of(line.find(d.line_amount, ns)),
                f"ram:IncludedSupplyChainTradeLineItem[{position}]/ram:LineTotalAmount",
                "BT-131",
            )
            or Decimal(0),
            key(line.find(d.line_tax, ns)),
            position=position,  # no price check: CII's base quantities and prices do not
            # keep Peppol's R120 (the CEN/TC 434 CII examples break it), UBL's do
        )
        for position, line in enumerate(root.findall(d.line_item, ns), start=1)
        if text_of(line.find(d.line_amount, ns)) is not None  # a free-text line: no money
    )
    allowances: list[Taxed] = []
    charges: list[Taxed] = []
    path = f"{d.settlement}/ram:SpecifiedTradeAllowanceCharge"
    for position, item in enumerate(root.findall(path, ns), start=1):
        is_charge = _is_charge(item, ns, f"ram:SpecifiedTradeAllowanceCharge[{position}]")
        amount = figure(
            text_of(item.find("ram:ActualAmount", ns)),
            f"ram:SpecifiedTradeAllowanceCharge[{position}]/ram:ActualAmount",
            "BT-99" if is_charge else "BT-92",
        )
        taxed = Taxed(amount or Decimal(0), key(item.find("ram:CategoryTradeTax", ns)))
        (charges if is_charge else allowances).append(taxed)
    # ZUGFeRD 1.0 states freight apart, in its charge total (BT-108) too
    path = f"{d.settlement}/ram:SpecifiedLogisticsServiceCharge"
    for position, item in enumerate(root.findall(path, ns), start=1):
        amount = figure(
            text_of(item.find("ram:AppliedAmount", ns)),
            f"ram:SpecifiedLogisticsServiceCharge[{position}]/ram:AppliedAmount",
            "BT-99",
        )
        charges.append(Taxed(amount or Decimal(0), key(item.find("ram:AppliedTradeTax", ns))))
    breakdown: list[Breakdown] = []
    for position, tax in enumerate(root.findall(f"{d.settlement}/ram:ApplicableTradeTax", ns), 1):
        where = f"ram:ApplicableTradeTax[{position}]"
        taxable = figure(
            text_of(tax.find("ram:BasisAmount", ns)), f"{where}/ram:BasisAmount", "BT-116"
        )
        amount = figure(
            text_of(tax.find("ram:CalculatedAmount", ns)), f"{where}/ram:CalculatedAmount", "BT-117"
        )
        found = key(tax)
        if amount is not None:  # a breakdown without a category supports no VAT (base 0)
            breakdown.append(Breakdown(taxable or Decimal(0), amount, found or NO_CATEGORY))
    return StatedFigures.of(
        currency,
        due,
        (lines, tuple(allowances), tuple(charges)),
        tuple(breakdown),
        stated,
        _TOTALS,
        pooled=d is ZUGFERD1,
    )


def _is_charge(item: etree._Element, ns: dict[str, str], where: str) -> bool:
    """Whether an allowance or charge (``ram:SpecifiedTradeAllowanceCharge``, at ``where``) is a
    charge: its indicator an ``xs:boolean``. Raises InvalidInput naming it when it is none."""
    written = (text_of(item.find("ram:ChargeIndicator/udt:Indicator", ns)) or "").strip().lower()
    if written not in ("true", "1", "false", "0"):
        raise InvalidInput(
            f"{where}/ram:ChargeIndicator/udt:Indicator",
            "must be true or false (an xs:boolean, 1 or 0 too): whether it is a charge (BG-21) "
            "or an allowance (BG-20)",
            value=written,
        )
    return written in ("true", "1")


def _date_text(element: etree._Element | None) -> str | None:
    text = text_of(element)
    if element is None or text is None:
        return None
    try:
        return parse_cii_date(text, element.get("format"), "date").isoformat()
    except InvalidInput:
        return clean_text(text)


def _references(root: etree._Element, d: Dialect) -> dict[str, str]:
    """The references that tie an invoice to one delivery (BT-11..16, BT-72..74)."""
    ns, ref = d.ns, d.reference_id
    refs: dict[str, str] = {}
    for kind, path in (
        ("order", f"{d.agreement}/ram:BuyerOrderReferencedDocument/{ref}"),
        ("contract", f"{d.agreement}/ram:ContractReferencedDocument/{ref}"),
        ("project", f"{d.agreement}/ram:SpecifiedProcuringProject/ram:ID"),
        ("despatch", f"{d.delivery}/{d.despatch}/{ref}"),
        ("receipt", f"{d.delivery}/ram:ReceivingAdviceReferencedDocument/{ref}"),
    ):
        value = text_of(root.find(path, ns))
        if value:
            refs[kind] = clean_text(value).upper()
    delivered = _date_text(
        root.find(
            f"{d.delivery}/ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/"
            "udt:DateTimeString",
            ns,
        )
    )
    if delivered:
        refs["delivery_date"] = delivered
    period = f"{d.settlement}/ram:BillingSpecifiedPeriod"
    start = _date_text(root.find(f"{period}/ram:StartDateTime/udt:DateTimeString", ns))
    end = _date_text(root.find(f"{period}/ram:EndDateTime/udt:DateTimeString", ns))
    if start or end:
        refs["period"] = f"{start or ''}/{end or ''}"
    return refs


def _party(party: etree._Element, ns: dict[str, str]) -> Party:
    country = normalise_country(
        text_of(party.find("ram:PostalTradeAddress/ram:CountryID", ns)), "ram:CountryID"
    )
    ids: list[PartyId | RejectedId] = []
    for ident in party.findall("ram:ID", ns):
        value = text_of(ident)
        if value:
            scheme = (ident.get("schemeID") or "").strip()
            kind = IdScheme.ICD if scheme else IdScheme.PARTY
            ids.append(check_party_id(kind, value, icd=scheme))
    for ident in party.findall("ram:GlobalID", ns):
        value = text_of(ident)
        if value:
            scheme = (ident.get("schemeID") or "").strip()
            ids.append(check_party_id(IdScheme.ICD, value, icd=scheme or None))
    for tax in party.findall("ram:SpecifiedTaxRegistration/ram:ID", ns):
        value = text_of(tax)
        if value:
            scheme = (tax.get("schemeID") or "").strip().upper()
            kind = IdScheme.VAT if scheme == "VA" else IdScheme.TAX
            ids.append(check_party_id(kind, value, country=country))
    legal = party.find("ram:SpecifiedLegalOrganization/ram:ID", ns)
    value = text_of(legal)
    if legal is not None and value:
        scheme = (legal.get("schemeID") or "").strip()
        if scheme in {"0199", "LEI"}:
            ids.append(check_party_id(IdScheme.LEI, value))
        elif scheme and scheme not in icd_codes():
            ids.append(
                RejectedId(
                    f"LEGAL {scheme}", value, f"scheme {scheme!r} is not an ISO 6523 ICD code"
                )
            )
        else:
            ids.append(
                check_party_id(IdScheme.LEGAL, value, country=country, legal_scheme=scheme or None)
            )
    return Party.of(ids, name=text_of(party.find("ram:Name", ns)), country=country)
