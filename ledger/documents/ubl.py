"""Reader for OASIS UBL 2.1 Invoice and CreditNote (EN 16931 UBL syntax binding)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from ledger.errors import DocumentFormatError, InvalidInput
from ledger.fieldnames import FILE

from .calculation import (
    NO_CATEGORY,
    Breakdown,
    StatedFigures,
    Taxed,
    VatKey,
    figure,
    figures_due,
    paid_fault,
    priced,
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
    parse_iso_date,
    parse_xml_decimal,
    to_minor_units,
)
from .totals import amount_due_by_totals, refuse_total_as_due, total_before_settled
from .xmlsafe import local_name, namespace, refuse_repeated, text_of

UBL_INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"cac": CAC, "cbc": CBC}
#: the document number (BT-1) as its faults name it (``textlimits.check_text_lengths``)
NUMBER_FIELD = "cbc:ID"

#: UNTDID 1001 codes that EN 16931 lists as credit notes (BT-3): the UBL CreditNote's list of
#: BR-CL-01 in the CEN/TC 434 validation artefacts
CREDIT_NOTE_TYPE_CODES = frozenset(
    {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "502", "503", "532"}
)

#: EN 16931 BR-CL-01: the document type codes (BT-3) of UNTDID 1001 the standard admits, invoices
#: and credit notes (the CII list of the CEN/TC 434 validation artefacts, the union of UBL's two)
_BR_CL_01_CODES = (
    "71 80 81 82 83 84 102 130 202 203 204 211 218 219 261 262 295 296 308 325 326 331 380 381 "
    "382 383 384 385 386 387 388 389 390 393 394 395 396 420 456 457 458 471 472 473 500 501 "
    "502 503 527 532 553 575 623 633 751 780 817 870 875 876 877 935"
)
DOCUMENT_TYPE_CODES = frozenset(_BR_CL_01_CODES.split())


def document_type_code(element: etree._Element | None, field: str, syntax: str) -> str | None:
    """The document type code (BT-3) ``element`` states, or ``None`` when it states none (read
    as an invoice, as before). Raises :class:`DocumentFormatError` naming ``field`` for a code
    EN 16931 does not admit (BR-CL-01): a file typed ``999`` or ``invoice`` was read as an
    invoice and could be financed as one."""
    code = text_of(element)
    if code is None or code in DOCUMENT_TYPE_CODES:
        return code
    raise DocumentFormatError(
        field,
        f"the document type code (BT-3) of a {syntax} must be one of UNTDID 1001 that EN 16931 "
        "admits for invoices and credit notes (BR-CL-01: 380 commercial invoice, 381 credit "
        f"note, 384 corrected invoice, 389 self-billed invoice, …), not {code[:40]!r}",
        value=code[:200],
        business_rule="EN 16931 BR-CL-01",
    )


def is_ubl(root: etree._Element) -> bool:
    """Whether ``root`` is a UBL 2.1 Invoice or CreditNote."""
    return (local_name(root), namespace(root)) in {
        ("Invoice", UBL_INVOICE_NS),
        ("CreditNote", UBL_CREDIT_NOTE_NS),
    }


def read_ubl(root: etree._Element) -> DocumentFacts:
    """The key facts of a UBL 2.1 Invoice or CreditNote."""
    if not is_ubl(root):
        raise DocumentFormatError(FILE, "its root element must be a UBL 2.1 Invoice or CreditNote")
    kind = local_name(root)
    where = f"required by UBL 2.1 {kind}"

    def required(path: str, bt: str) -> str:
        value = text_of(root.find(path, NS))
        if value is None:
            raise DocumentFormatError(path.split("/")[-1], f"{where} ({bt})")
        return value

    refuse_repeated(
        root,
        NS,
        [
            ("cbc:ID", "BT-1"),
            ("cbc:IssueDate", "BT-2"),
            (f"cbc:{kind}TypeCode", "BT-3"),
            ("cbc:DocumentCurrencyCode", "BT-5"),
            ("cbc:DueDate", "BT-9"),
            ("cac:AccountingSupplierParty", "BG-4"),
            ("cac:AccountingSupplierParty/cac:Party", "BG-4"),
            ("cac:AccountingCustomerParty", "BG-7"),
            ("cac:AccountingCustomerParty/cac:Party", "BG-7"),
            ("cac:LegalMonetaryTotal", "BG-22"),
            ("cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", "BT-112"),
            ("cac:LegalMonetaryTotal/cbc:PrepaidAmount", "BT-113"),
            ("cac:LegalMonetaryTotal/cbc:PayableRoundingAmount", "BT-114"),
            ("cac:LegalMonetaryTotal/cbc:PayableAmount", "BT-115"),
        ],
        f"UBL 2.1 {kind}",
    )
    try:
        number = required("cbc:ID", "BT-1")
        issue_date = parse_iso_date(
            required("cbc:IssueDate", "BT-2"), "cbc:IssueDate", "BT-2 Invoice issue date"
        )
        due_text = text_of(root.find("cbc:DueDate", NS)) or text_of(
            root.find("cac:PaymentMeans/cbc:PaymentDueDate", NS)
        )
        due_date = (
            parse_iso_date(due_text, "cbc:DueDate", "BT-9 Payment due date") if due_text else None
        )
        currency_code = normalise_currency(
            required("cbc:DocumentCurrencyCode", "BT-5"),
            "cbc:DocumentCurrencyCode",
            issued=issue_date,
        )
        type_code = document_type_code(
            root.find(f"cbc:{kind}TypeCode", NS), f"cbc:{kind}TypeCode", f"UBL 2.1 {kind}"
        )
        credit_note = kind == "CreditNote" or type_code in CREDIT_NOTE_TYPE_CODES

        seller_el = root.find("cac:AccountingSupplierParty/cac:Party", NS)
        if seller_el is None:
            raise DocumentFormatError("cac:AccountingSupplierParty", f"{where} (BG-4)")
        buyer_el = root.find("cac:AccountingCustomerParty/cac:Party", NS)
        if buyer_el is None:
            raise DocumentFormatError("cac:AccountingCustomerParty", f"{where} (BG-7)")

        total = root.find("cac:LegalMonetaryTotal", NS)
        if total is None:
            raise DocumentFormatError("cac:LegalMonetaryTotal", f"{where} (BG-22)")
        amount_el = total.find("cbc:PayableAmount", NS)
        if text_of(amount_el) is None:
            amount_el = total.find("cbc:TaxInclusiveAmount", NS)
        if amount_el is None or text_of(amount_el) is None:
            raise DocumentFormatError("cbc:PayableAmount", f"{where} (BT-115)")
        field = f"cbc:{local_name(amount_el)}"
        # the face value would be read in one currency and financed in another (a tryout:
        # DocumentCurrencyCode DKK, every line in DKK, a PayableAmount in USD read as USD)
        _in_currency(amount_el, field, currency_code, issue_date)
        amount_currency = currency_code
        amount = parse_xml_decimal(text_of(amount_el) or "", field)
        totals = ("cbc:TaxInclusiveAmount", "cbc:PrepaidAmount", "cbc:PayableRoundingAmount")
        if field != "cbc:PayableAmount":  # the total with VAT read as due: only when it is
            refuse_total_as_due(
                text_of(total.find(totals[1], NS)),
                text_of(total.find(totals[2], NS)),
                "cbc:PayableAmount",
                totals,
            )
        for tag in totals:  # each total in the invoice currency, as the amount due is
            _in_currency(total.find(tag, NS), tag, currency_code, issue_date)
        texts = (
            text_of(total.find(totals[0], NS)),
            text_of(total.find(totals[1], NS)),
            text_of(total.find(totals[2], NS)),
        )
        by_totals = (
            amount_due_by_totals(amount, *texts, amount_currency, totals)
            if field == "cbc:PayableAmount"
            else None
        )
        paid = (
            paid_fault(amount, texts, amount_currency, totals)
            if field == "cbc:PayableAmount" and not credit_note
            else None
        )
        lines = _lines(root, kind, amount_currency)  # read whole first: a line's refusal names it
        by_totals, faults = figures_due(
            by_totals, None if credit_note else _figures(root, kind, amount_currency, amount), paid
        )
        invoice_refs = [
            ref
            for el in root.findall("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", NS)
            if (ref := text_of(el))
        ]
        return DocumentFacts.create(
            DocumentType.INVOICE,
            number,
            issue_date=issue_date,
            due_date=due_date,
            seller=_party(seller_el),
            buyer=_party(buyer_el),
            # as written, never rounded: a face value rounded up is money nobody owes
            amount_minor=to_minor_units(
                amount,
                amount_currency,
                field,
                exact=True,
                written=(text_of(amount_el) or "").strip(),
                recorded=True,
            ),
            currency=amount_currency,
            credit_note=credit_note,
            type_code=type_code,
            lines=lines,
            references=_references(root),
            invoice_refs=invoice_refs,
            amount_due_by_totals=by_totals,
            totals_faults=faults,
            total_before_settled=None
            if credit_note
            else total_before_settled(*texts, amount_currency),
        )
    except DocumentFormatError:
        raise
    except InvalidInput as exc:
        raise DocumentFormatError(
            NUMBER_FIELD if exc.field == "number" else exc.field,
            f"{exc.rule} (in UBL 2.1 {kind})",  # a rule of the value, not a required element
            **{k: v for k, v in exc.details.items() if k not in ("field", "rule")},
        ) from None


def _in_currency(
    element: etree._Element | None, tag: str, currency_code: str, issue_date: date
) -> None:
    """Refuse a document total (BG-22) whose ``currencyID`` is not the document currency
    (BT-5): PEPPOL-EN16931-R051 holds every amount but the VAT total in accounting currency in
    it. A paid amount in another currency was left out of BR-CO-16 without a word."""
    if element is None or element.get("currencyID") is None:
        return
    field = f"{tag}/@currencyID"
    stated = normalise_currency(element.get("currencyID") or "", field, issued=issue_date)
    if stated != currency_code:
        raise other_currency(field, currency_code, stated)


def other_currency(
    field: str,
    currency_code: str,
    stated: str,
    where: str = "",
    currency_element: str = "cbc:DocumentCurrencyCode",
    **details: object,
) -> DocumentFormatError:
    """The refusal of an amount (``field``, its ``currencyID``) stated in ``stated``, not the
    document currency ``currency_code`` (BT-5, written in ``currency_element``;
    PEPPOL-EN16931-R051; ``where``: e.g. ``; line 2 of the UBL 2.1 Invoice``)."""
    return DocumentFormatError(
        field,
        f"must be the document currency {currency_code} (BT-5, {currency_element}), "
        f"not {stated}: every amount of an EN 16931 invoice is in its currency but the VAT "
        f"total in accounting currency (PEPPOL-EN16931-R051{where})",
        **details,
        document_currency=currency_code,
        currency=stated,
    )


def refuse_line_currency(
    amount: etree._Element | None,
    field: str,
    currency: str,
    position: int,
    format_name: str,
    currency_element: str = "cbc:DocumentCurrencyCode",
) -> None:
    """Refuse the ``position``-th line's net amount (``amount``, its ``currencyID`` at
    ``field``) stated in another currency than the document's ``currency`` (written in
    ``currency_element``): every amount of the invoice is in its currency
    (PEPPOL-EN16931-R051); a line in EUR on a DKK invoice was read as DKK (tryout 52)."""
    stated = amount.get("currencyID") if amount is not None else None
    if stated is not None and stated.strip().upper() != currency:
        raise other_currency(
            field,
            currency,
            stated.strip(),
            f"; line {position} of the {format_name}",
            currency_element=currency_element,
            line=position,
        )


def _lines(root: etree._Element, kind: str, currency: str) -> tuple[Line, ...] | None:
    """The invoice lines (BG-25), or ``None`` when the file states none. Raises
    DocumentFormatError for a line that cannot be read whole (``lines.read_line``)."""
    quantity_tag = "InvoicedQuantity" if kind == "Invoice" else "CreditedQuantity"
    fields = LineFields(
        line=f"cac:{kind}Line",
        quantity=f"cbc:{quantity_tag}",
        amount="cbc:LineExtensionAmount",
        item="cac:Item/cbc:Name",
        format_name=f"UBL 2.1 {kind}",
    )
    read: list[Line | None] = []
    for position, line in enumerate(root.findall(f"cac:{kind}Line", NS), start=1):
        amount_el = line.find("cbc:LineExtensionAmount", NS)
        refuse_line_currency(
            amount_el,
            f"cac:{kind}Line[{position}]/cbc:LineExtensionAmount/@currencyID",
            currency,
            position,
            f"UBL 2.1 {kind}",
        )
        item = (
            text_of(line.find("cac:Item/cbc:Name", NS))
            or text_of(line.find("cac:Item/cac:SellersItemIdentification/cbc:ID", NS))
            or text_of(line.find("cac:Item/cac:StandardItemIdentification/cbc:ID", NS))
        )
        quantity = text_of(line.find(f"cbc:{quantity_tag}", NS))
        read.append(read_line(position, item, quantity, text_of(amount_el), currency, fields))
    return read_lines(read)


#: the UBL elements of the document totals (BG-22, in ``cac:LegalMonetaryTotal``) and of the
#: VAT, by EN 16931 term
_TOTALS = {
    "BT-106": "cbc:LineExtensionAmount",
    "BT-107": "cbc:AllowanceTotalAmount",
    "BT-108": "cbc:ChargeTotalAmount",
    "BT-109": "cbc:TaxExclusiveAmount",
    "BT-110": "cac:TaxTotal/cbc:TaxAmount",
    "BT-112": "cbc:TaxInclusiveAmount",
    "BT-113": "cbc:PrepaidAmount",
    "BT-114": "cbc:PayableRoundingAmount",
    "BT-116": "cac:TaxSubtotal/cbc:TaxableAmount",
    "BT-117": "cac:TaxSubtotal/cbc:TaxAmount",
}


def _figures(root: etree._Element, kind: str, currency: str, due: Decimal) -> StatedFigures:
    """The figures EN 16931's calculation rules add up (``calculation.py``): the lines' net
    amounts, the document level allowances and charges, the VAT breakdown of the VAT total in
    the document currency (BT-110; a second ``cac:TaxTotal`` in the tax currency, BT-111, is
    not part of it) and the totals. Raises InvalidInput naming the element of an amount that is
    not an ``xs:decimal``."""

    def stated(term: str) -> Decimal | None:
        path = _TOTALS[term]
        if term == "BT-110":
            return figure(text_of(tax_amount), path, term) if tax_amount is not None else None
        return figure(text_of(root.find(f"cac:LegalMonetaryTotal/{path}", NS)), path, term)

    tax_total = next(
        (
            t
            for t in root.findall("cac:TaxTotal", NS)
            if _currency_of(t.find("cbc:TaxAmount", NS)) in (None, currency)
        ),
        None,
    )
    tax_amount = tax_total.find("cbc:TaxAmount", NS) if tax_total is not None else None
    quantity_tag = "InvoicedQuantity" if kind == "Invoice" else "CreditedQuantity"
    read: list[Taxed] = []
    for position, line in enumerate(root.findall(f"cac:{kind}Line", NS), start=1):
        amount = figure(
            text_of(line.find("cbc:LineExtensionAmount", NS)),
            f"cac:{kind}Line[{position}]/cbc:LineExtensionAmount",
            "BT-131",
        )
        by_price, price_stated = _priced(line, position, kind, quantity_tag)
        key = _key(line.find("cac:Item/cac:ClassifiedTaxCategory", NS))
        read.append(Taxed(amount or Decimal(0), key, by_price, position, price_stated))
    lines = tuple(read)
    allowances: list[Taxed] = []
    charges: list[Taxed] = []
    for position, item in enumerate(root.findall("cac:AllowanceCharge", NS), start=1):
        is_charge = _is_charge(item, f"cac:AllowanceCharge[{position}]")
        amount = figure(
            text_of(item.find("cbc:Amount", NS)),
            f"cac:AllowanceCharge[{position}]/cbc:Amount",
            "BT-99" if is_charge else "BT-92",
        )
        taxed = Taxed(amount or Decimal(0), _key(item.find("cac:TaxCategory", NS)))
        (charges if is_charge else allowances).append(taxed)
    breakdown: list[Breakdown] = []
    if tax_total is not None:
        for position, sub in enumerate(tax_total.findall("cac:TaxSubtotal", NS), start=1):
            key = _key(sub.find("cac:TaxCategory", NS))
            where = f"cac:TaxTotal/cac:TaxSubtotal[{position}]"
            taxable = figure(
                text_of(sub.find("cbc:TaxableAmount", NS)), f"{where}/cbc:TaxableAmount", "BT-116"
            )
            tax = figure(text_of(sub.find("cbc:TaxAmount", NS)), f"{where}/cbc:TaxAmount", "BT-117")
            if tax is not None:  # a breakdown without a category supports no VAT (base 0)
                breakdown.append(Breakdown(taxable or Decimal(0), tax, key or NO_CATEGORY))
    return StatedFigures.of(
        currency,
        due,
        (lines, tuple(allowances), tuple(charges)),
        tuple(breakdown),
        stated,
        _TOTALS,
    )


def _is_charge(item: etree._Element, where: str) -> bool:
    """Whether a ``cac:AllowanceCharge`` (at ``where``) is a charge: its ``cbc:ChargeIndicator``
    an ``xs:boolean``. Raises InvalidInput naming it when it is none (``maybe`` was read as an
    allowance, tryout 56)."""
    field = f"{where}/cbc:ChargeIndicator"
    written = (text_of(item.find("cbc:ChargeIndicator", NS)) or "").strip().lower()
    if written not in ("true", "1", "false", "0"):
        raise InvalidInput(
            field,
            "must be true or false (an xs:boolean, 1 or 0 too): whether it is a charge (BG-21) "
            "or an allowance (BG-20)",
            value=written,
        )
    return written in ("true", "1")


def _priced(
    line: etree._Element, position: int, kind: str, quantity_tag: str
) -> tuple[Decimal | None, bool]:
    """What a line's quantity at its net price gives (``calculation.priced``), and whether it
    states its net price (BT-146, BR-26). Raises InvalidInput naming the element of a price,
    base quantity, line allowance or charge that is not a decimal, a base quantity not above
    zero (PEPPOL-EN16931-R121) or a charge indicator that is no ``xs:boolean``."""
    where = f"cac:{kind}Line[{position}]"
    price_text = text_of(line.find("cac:Price/cbc:PriceAmount", NS))
    quantity_text = text_of(line.find(f"cbc:{quantity_tag}", NS))
    if price_text is None or quantity_text is None:
        return None, price_text is not None
    price = figure(price_text, f"{where}/cac:Price/cbc:PriceAmount", "BT-146 Item net price")
    base_field = f"{where}/cac:Price/cbc:BaseQuantity"
    base = figure(
        text_of(line.find("cac:Price/cbc:BaseQuantity", NS)),
        base_field,
        "BT-149 Item price base quantity",
    )
    if base is not None and base <= 0:
        raise InvalidInput(
            base_field,
            "must be above zero (BT-149 Item price base quantity, PEPPOL-EN16931-R121)",
            value=str(base),
        )
    charges: list[Decimal] = []
    allowances: list[Decimal] = []
    for index, item in enumerate(line.findall("cac:AllowanceCharge", NS), start=1):
        at = f"{where}/cac:AllowanceCharge[{index}]"
        is_charge = _is_charge(item, at)
        term = (
            "BT-141 Invoice line charge amount"
            if is_charge
            else "BT-136 Invoice line allowance amount"
        )
        amount = figure(text_of(item.find("cbc:Amount", NS)), f"{at}/cbc:Amount", term)
        (charges if is_charge else allowances).append(amount or Decimal(0))
    quantity = figure(quantity_text, f"{where}/cbc:{quantity_tag}", "BT-129")
    assert price is not None
    assert quantity is not None
    return priced(quantity, price, base or Decimal(1), charges, allowances), True


def _currency_of(element: etree._Element | None) -> str | None:
    if element is None or element.get("currencyID") is None:
        return None
    return (element.get("currencyID") or "").strip().upper()


def _key(category: etree._Element | None) -> VatKey | None:
    """A VAT category (``cac:ClassifiedTaxCategory`` or ``cac:TaxCategory``): its code and rate."""
    if category is None:
        return None
    return vat_key(text_of(category.find("cbc:ID", NS)), text_of(category.find("cbc:Percent", NS)))


def _references(root: etree._Element) -> dict[str, str]:
    """The references that tie an invoice to one delivery (BT-11..16, BT-72..74)."""
    refs: dict[str, str] = {}
    for kind, path in (
        ("order", "cac:OrderReference/cbc:ID"),
        ("contract", "cac:ContractDocumentReference/cbc:ID"),
        ("despatch", "cac:DespatchDocumentReference/cbc:ID"),
        ("receipt", "cac:ReceiptDocumentReference/cbc:ID"),
        ("project", "cac:ProjectReference/cbc:ID"),
    ):
        value = text_of(root.find(path, NS))
        if value:
            refs[kind] = clean_text(value).upper()
    delivered = _date_text(root.find("cac:Delivery/cbc:ActualDeliveryDate", NS))
    if delivered:
        refs["delivery_date"] = delivered
    start = _date_text(root.find("cac:InvoicePeriod/cbc:StartDate", NS))
    end = _date_text(root.find("cac:InvoicePeriod/cbc:EndDate", NS))
    if start or end:
        refs["period"] = f"{start or ''}/{end or ''}"
    return refs


def _date_text(element: etree._Element | None) -> str | None:
    """A reference's date (BT-72, BT-73/74) as a CII one reads (ISO 8601, ``2013-04-15``), so
    that the same delivery compares equal across syntaxes; a text that is no date is kept as
    written (a reference only clears a pair or ties a part, it refuses nothing)."""
    text = text_of(element)
    if text is None:
        return None
    try:
        return parse_iso_date(text, "date", "date").isoformat()
    except InvalidInput:
        return clean_text(text)


def _party(party: etree._Element) -> Party:
    country = normalise_country(
        text_of(party.find("cac:PostalAddress/cac:Country/cbc:IdentificationCode", NS)),
        "cbc:IdentificationCode",
    )
    ids: list[PartyId | RejectedId] = []
    for ident in party.findall("cac:PartyIdentification/cbc:ID", NS):
        value = text_of(ident)
        if value:
            scheme = (ident.get("schemeID") or "").strip()
            kind = IdScheme.ICD if scheme else IdScheme.PARTY
            ids.append(check_party_id(kind, value, icd=scheme))
    for tax in party.findall("cac:PartyTaxScheme", NS):
        value = text_of(tax.find("cbc:CompanyID", NS))
        if value:
            tax_scheme = (text_of(tax.find("cac:TaxScheme/cbc:ID", NS)) or "").upper()
            kind = IdScheme.VAT if tax_scheme == "VAT" else IdScheme.TAX
            ids.append(check_party_id(kind, value, country=country))
    legal = party.find("cac:PartyLegalEntity", NS)
    name = text_of(party.find("cac:PartyName/cbc:Name", NS))
    if legal is not None:
        company = legal.find("cbc:CompanyID", NS)
        value = text_of(company)
        if company is not None and value:
            ids.append(_legal_id(value, (company.get("schemeID") or "").strip(), country))
        name = text_of(legal.find("cbc:RegistrationName", NS)) or name
    return Party.of(ids, name=name, country=country)


def _legal_id(value: str, scheme: str, country: str | None) -> PartyId | RejectedId:
    """A legal registration id (BT-30): an LEI under 0199, else checked under its ICD scheme
    when it has one (a scheme that is not an ICD code is refused)."""
    if scheme in {"0199", "LEI"}:
        return check_party_id(IdScheme.LEI, value)
    if scheme and scheme not in icd_codes():
        return RejectedId(
            f"LEGAL {scheme}", value, f"scheme {scheme!r} is not an ISO 6523 ICD code"
        )
    return check_party_id(IdScheme.LEGAL, value, country=country, legal_scheme=scheme or None)
