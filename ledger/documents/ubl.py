"""Reader for OASIS UBL 2.1 Invoice and CreditNote (EN 16931 UBL syntax binding)."""

from __future__ import annotations

from lxml import etree

from ledger.errors import DocumentFormatError, InvalidInput

from .facts import DocumentFacts, DocumentType, IdScheme, Party, PartyId, make_party_id
from .normalise import normalise_country, parse_iso_date, parse_xml_decimal, to_minor_units
from .xmlsafe import local_name, namespace, text_of

UBL_INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"cac": CAC, "cbc": CBC}

#: UNTDID 1001 codes that EN 16931 lists as credit notes (BT-3)
CREDIT_NOTE_TYPE_CODES = frozenset(
    {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"}
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
        raise DocumentFormatError("root element", "must be a UBL 2.1 Invoice or CreditNote")
    kind = local_name(root)
    where = f"required by UBL 2.1 {kind}"

    def required(path: str, bt: str) -> str:
        value = text_of(root.find(path, NS))
        if value is None:
            raise DocumentFormatError(path.split("/")[-1], f"{where} ({bt})")
        return value

    try:
        number = required("cbc:ID", "BT-1")
        issue_date = parse_iso_date(required("cbc:IssueDate", "BT-2"), "cbc:IssueDate")
        due_text = text_of(root.find("cbc:DueDate", NS)) or text_of(
            root.find("cac:PaymentMeans/cbc:PaymentDueDate", NS)
        )
        due_date = parse_iso_date(due_text, "cbc:DueDate") if due_text else None
        currency_code = required("cbc:DocumentCurrencyCode", "BT-5").upper()
        type_code = text_of(root.find(f"cbc:{kind}TypeCode", NS))
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
        amount_currency = (amount_el.get("currencyID") or currency_code).strip().upper()
        field = f"cbc:{local_name(amount_el)}"
        amount = parse_xml_decimal(text_of(amount_el) or "", field)
        return DocumentFacts.create(
            DocumentType.INVOICE,
            number,
            issue_date=issue_date,
            due_date=due_date,
            seller=_party(seller_el),
            buyer=_party(buyer_el),
            amount_minor=to_minor_units(amount, amount_currency, field),
            currency=amount_currency,
            credit_note=credit_note,
        )
    except DocumentFormatError:
        raise
    except InvalidInput as exc:
        raise DocumentFormatError(exc.field, f"{exc.rule} ({where})") from None


def _party(party: etree._Element) -> Party:
    country = normalise_country(
        text_of(party.find("cac:PostalAddress/cac:Country/cbc:IdentificationCode", NS)),
        "cbc:IdentificationCode",
    )
    ids: list[PartyId] = []
    for ident in party.findall("cac:PartyIdentification/cbc:ID", NS):
        value = text_of(ident)
        if value:
            scheme = (ident.get("schemeID") or "").strip()
            kind = IdScheme.ICD if scheme else IdScheme.PARTY
            ids.append(make_party_id(kind, value, icd=scheme))
    for tax in party.findall("cac:PartyTaxScheme", NS):
        value = text_of(tax.find("cbc:CompanyID", NS))
        if value:
            tax_scheme = (text_of(tax.find("cac:TaxScheme/cbc:ID", NS)) or "").upper()
            kind = IdScheme.VAT if tax_scheme == "VAT" else IdScheme.TAX
            ids.append(make_party_id(kind, value, country=country))
    legal = party.find("cac:PartyLegalEntity", NS)
    name = text_of(party.find("cac:PartyName/cbc:Name", NS))
    if legal is not None:
        company = legal.find("cbc:CompanyID", NS)
        value = text_of(company)
        if company is not None and value:
            scheme = (company.get("schemeID") or "").strip()
            kind = IdScheme.LEI if scheme in {"0199", "LEI"} else IdScheme.LEGAL
            ids.append(make_party_id(kind, value))
        name = text_of(legal.find("cbc:RegistrationName", NS)) or name
    return Party.of(ids, name=name, country=country)
