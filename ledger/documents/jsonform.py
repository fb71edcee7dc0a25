"""Reader for the tradeledger JSON form: key data of trade documents that have no e-invoice syntax.

The element names follow the UN/CEFACT Core Component Library and the ICC Digital Standards
Initiative key trade document data elements (document identifier, issue date, issuer, consignee,
total amount). The schema is written down, with an example, in ``docs/documents.md``::

    {
      "documentType": "BillOfLading",            // required, see DOCUMENT_TYPES
      "documentNumber": "MAEU-123456789",        // required
      "issueDate": "2024-03-01",                 // required: YYYY-MM-DD, YYYYMMDD, DD.MM.YYYY,
                                                 //   DD/MM/YYYY when unambiguous
      "dueDate": "2024-04-30",                   // optional (invoices, warehouse receipts)
      "issuer": {"id": "DE136695976", "scheme": "VAT", "country": "DE", "name": "..."},
                                                 // required; "seller" is a synonym
      "consignee": {"ids": [{"id": "...", "scheme": "LEI"}, ...], "name": "..."},
                                                 // optional; "buyer" is a synonym
      "totalAmount": {"value": "1.234,56", "currency": "EUR"}
                                                 // optional (required for invoices)
    }

A party has one identifier (``id`` + ``scheme``) or several (``ids``). ``scheme`` is one of
``VAT``, ``LEI``, ``LEGAL`` (company registration), ``TAX``, ``GLN``, a four-digit ISO 6523 ICD
code such as ``0088``, or ``PARTY`` (no scheme).

Two readings (``strict``). A form being **registered now** (``POST /v1/documents/json``, a
``.json`` file sent to register, supersede, batch or ``doc import``) is the gateway's own
schema and is taken as written or refused, naming the field: a key the form does not have
(:data:`FORM_KEYS`, at any depth: ``issuer.registration``), a text field given as a JSON number
(``"documentNumber": 12345``: ``must be a JSON string``), a currency not written as ISO 4217
writes it (``"eur"``), a date with a time or an offset (``2024-01-02T23:00:00-05:00``: BT-2 is a
calendar date). A form **read** to check, lodge or verify a file is read leniently, as the
gateway read forms before these rules (unknown keys ignored, a number taken as its text, a
currency upper-cased, a date's time and offset read past: the day written): a registered
document's hash is of its bytes, and a document registered then must stay readable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from ledger.controls import refuse_control
from ledger.errors import DocumentFormatError, InvalidInput
from ledger.fieldnames import FILE
from ledger.jsonkeys import loads_unique
from ledger.jsonliterals import (
    WrittenDecimal,
    WrittenInt,
    as_written,
    constant_at,
    constant_rule,
    parse_keeping_literals,
)
from ledger.surrogates import RULE as SURROGATE_RULE
from ledger.surrogates import first_lone_surrogate

from .currencies import minor_unit_exponent
from .facts import (
    DocumentFacts,
    DocumentType,
    IdScheme,
    Party,
    PartyId,
    make_party_id,
)
from .normalise import (
    normalise_country,
    normalise_currency,
    normalise_number,
    parse_amount_text,
    parse_form_date,
    to_minor_units,
)
from .textlimits import (
    MAX_NAME_LENGTH,
    MAX_TEXT_LENGTH,
    NUMBER_TERM,
    PARTY_TERMS,
    TRADE_NUMBER_TERM,
    TRADE_PARTY_TERMS,
    refuse_long,
)

#: the largest JSON form accepted, in bytes
MAX_JSON_BYTES = 1024 * 1024
#: the deepest nesting of objects and arrays accepted (the form needs 4)
MAX_JSON_DEPTH = 32

#: the tokens that matter for nesting: an escape pair, a quote, a bracket (linear to scan)
_JSON_TOKEN = re.compile(rb'\\.|["\[\]{}]', re.DOTALL)

#: accepted ``documentType`` values → (type, credit note?)
DOCUMENT_TYPES: dict[str, tuple[DocumentType, bool]] = {
    "Invoice": (DocumentType.INVOICE, False),
    "CommercialInvoice": (DocumentType.INVOICE, False),
    "CreditNote": (DocumentType.INVOICE, True),
    "BillOfLading": (DocumentType.BILL_OF_LADING, False),
    "WarehouseReceipt": (DocumentType.WAREHOUSE_RECEIPT, False),
    "CustomsDeclaration": (DocumentType.CUSTOMS_DECLARATION, False),
    "PurchaseOrder": (DocumentType.PURCHASE_ORDER, False),
    "CertificateOfOrigin": (DocumentType.CERTIFICATE_OF_ORIGIN, False),
    "Contract": (DocumentType.CONTRACT, False),
    "Other": (DocumentType.OTHER, False),
}
_BY_ENUM_NAME = {t.value: (t, False) for t in DocumentType} | {
    "CREDIT_NOTE": (DocumentType.INVOICE, True)
}
_SCHEMES = {s.value: s for s in IdScheme if s is not IdScheme.NAME}
#: the form's ``documentType`` names by their letters alone, lower case: ``billoflading``
_FORM_NAMES = {name.lower(): name for name in DOCUMENT_TYPES}


def _form_name_hint(given: str) -> str:
    """When ``given`` is a form name written as the API writes a type (``bill_of_lading``,
    ``Bill of Lading``: a tryout sent the API's ``doc_type`` value), which form name it is:
    ``" (the form's name for bill_of_lading is BillOfLading)"``; else ``""``. The form's
    names are its own (the hashed form keeps them as written), so the other spelling is named,
    not taken."""
    found = _FORM_NAMES.get("".join(c for c in given if c.isalnum()).lower())
    if found is None:
        return ""
    return f" (the form's name for {given.strip()} is {found})"


_WHERE = "required by the tradeledger JSON form"

#: the keys of each object of the form (docs/documents.md, "JSON form"): a new registration
#: refuses any other
FORM_KEYS = frozenset(
    {
        "documentType",
        "documentNumber",
        "issueDate",
        "dueDate",
        "issuer",
        "seller",
        "consignee",
        "buyer",
        "totalAmount",
    }
)
PARTY_KEYS = frozenset({"id", "scheme", "ids", "name", "country"})
PARTY_ID_KEYS = frozenset({"id", "scheme"})
TOTAL_KEYS = frozenset({"value", "currency"})
#: the rule a text field given as another JSON type breaks
STRING_RULE = "must be a JSON string"


def looks_like_json_form(data: bytes) -> bool:
    """Whether ``data`` is a JSON object that names a ``documentType`` (so claims to be a form)."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{") and b'"documentType"' in data


def read_json_form(data: bytes, *, strict: bool = False) -> DocumentFacts:
    """The key facts of a JSON form. ``strict``: the form is being registered now, so an
    unknown key, a number for text and a currency not written as ISO 4217 writes it are
    refused (see the module docstring). Raises DocumentFormatError naming the field (its JSON
    path) and the rule; InvalidInput (:data:`FILE`) for a form too large or too deep."""
    if len(data) > MAX_JSON_BYTES:
        raise InvalidInput(FILE, f"a JSON form larger than {MAX_JSON_BYTES} bytes is refused")
    # Checked before parsing: the json module recurses per level, and a process that raised the
    # recursion limit (py-evm sets 100000) would crash on a deeply nested document.
    if _nesting_depth(data) > MAX_JSON_DEPTH:
        raise InvalidInput(FILE, f"a JSON form nested deeper than {MAX_JSON_DEPTH} is refused")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentFormatError(
            FILE, f"not a well-formed UTF-8 JSON document: byte {exc.start} is not UTF-8"
        ) from None
    try:
        # numbers kept exactly and as written (``1e3``, ``-0``): an error quotes them as sent
        form = loads_unique(
            text, parse_float=WrittenDecimal, parse_int=WrittenInt, parse_constant=_no_constant
        )
    except InvalidInput as exc:  # a key named twice: which value did the form mean?
        raise DocumentFormatError(exc.field, exc.rule, key=exc.details.get("key")) from None
    except json.JSONDecodeError as exc:  # where, as an XML error says it (line, column)
        raise DocumentFormatError(
            FILE,
            f"not a well-formed JSON document: at line {exc.lineno}, column {exc.colno}: {exc.msg}",
        ) from None
    except _NotJson as exc:
        raise DocumentFormatError(_literal_field(text), constant_rule(exc.literal)) from None
    except (RecursionError, ValueError):
        raise DocumentFormatError(FILE, "not a well-formed UTF-8 JSON document") from None
    if not isinstance(form, dict):
        raise DocumentFormatError(FILE, "the form must be a JSON object")
    surrogate = first_lone_surrogate(form)
    if surrogate is not None:  # no character: the form is not Unicode text (ledger.surrogates)
        raise DocumentFormatError(surrogate[0], SURROGATE_RULE.format(escaped=surrogate[1]))
    try:
        return _Reader(strict).facts(form)
    except DocumentFormatError:
        raise
    except InvalidInput as exc:  # its details kept: an over-long text's term, limit, length
        details = {k: v for k, v in exc.details.items() if k not in ("field", "rule")}
        raise DocumentFormatError(exc.field, exc.rule, **details) from None


def _nesting_depth(data: bytes) -> int:
    """The deepest nesting of ``{``/``[`` outside strings (an upper bound for malformed JSON)."""
    if data.count(b"[") + data.count(b"{") <= MAX_JSON_DEPTH:
        return 0
    depth = deepest = 0
    in_string = False
    for match in _JSON_TOKEN.finditer(data):
        token = match.group()
        if token == b'"':
            in_string = not in_string
        elif in_string or len(token) == 2:
            continue
        elif token in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class _NotJson(ValueError):
    """``NaN``, ``Infinity`` or ``-Infinity`` (``literal``) in a form."""

    def __init__(self, literal: str) -> None:
        super().__init__(literal)
        self.literal = literal


def _no_constant(name: str) -> Any:
    raise _NotJson(name)


def _literal_field(text: str) -> str:
    """The field (JSON path) of a form's first NaN/Infinity, or :data:`FILE` (the form itself)."""
    found = constant_at(parse_keeping_literals(text))
    return found[0] if found is not None and found[0] else FILE


class _Reader:
    """Reads one form, strictly (a new registration) or leniently (see the module docstring)."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        #: the form's document is an invoice (or credit note): its fields are EN 16931's terms;
        #: until its type is read, and for any other document, the trade document's
        self.invoice = True

    def known_keys(self, obj: Mapping[str, Any], keys: frozenset[str], where: str) -> None:
        """Strict: refuse the first key of ``obj`` (at ``where``) the form does not have."""
        unknown = sorted(set(obj) - keys)
        if self.strict and unknown:
            place = f"{where} in the JSON form" if where else "the JSON form"
            raise InvalidInput(
                f"{where}.{unknown[0]}" if where else unknown[0],
                f"is not a field of {place} (it takes: {', '.join(sorted(keys))})",
                unknown=unknown,
            )

    def facts(self, form: Mapping[str, Any]) -> DocumentFacts:
        self.known_keys(form, FORM_KEYS, "")
        type_name = self.string(form, "documentType")
        if type_name is None:
            raise DocumentFormatError("documentType", _WHERE)
        kind = DOCUMENT_TYPES.get(type_name) or _BY_ENUM_NAME.get(type_name)
        if kind is None:
            raise DocumentFormatError(
                "documentType",
                f"must be one of {', '.join(sorted(DOCUMENT_TYPES))}" + _form_name_hint(type_name),
            )
        doc_type, credit_note = kind
        self.invoice = doc_type is DocumentType.INVOICE
        number = self.string(form, "documentNumber")
        if number is None:
            raise DocumentFormatError("documentNumber", _WHERE)
        # its faults named as the form names it
        normalise_number(
            number, "documentNumber", NUMBER_TERM if self.invoice else TRADE_NUMBER_TERM
        )
        issue_text = self.string(form, "issueDate")
        if issue_text is None:
            raise DocumentFormatError("issueDate", _WHERE)
        due_text = self.string(form, "dueDate")
        seller = self.party_alias(form, "issuer", "seller")
        if seller is None:
            raise DocumentFormatError("issuer", _WHERE)
        buyer = self.party_alias(form, "consignee", "buyer")
        issue_date = self.calendar_date(issue_text, "issueDate")
        amount_minor, currency = self.total(form.get("totalAmount"), issue_date)
        if doc_type is DocumentType.INVOICE and amount_minor is None:
            raise DocumentFormatError("totalAmount", f"{_WHERE} for invoices")
        due_date = self.calendar_date(due_text, "dueDate") if due_text else None
        if due_date is not None and due_date < issue_date:
            terms = " (EN 16931 BT-9)", " (BT-2)"  # an invoice's; another document's are words
            due_term, issue_term = terms if self.invoice else ("", "")
            # an invoice's is when it is to be paid; another document's when it expires
            what = "payment due date" if self.invoice else "due or expiry date"
            raise InvalidInput(
                "dueDate",
                f"the {what} {due_date.isoformat()}{due_term} must not be "
                f"before the issue date {issue_date.isoformat()}{issue_term}",
            )
        return DocumentFacts.create(
            doc_type,
            number,
            issue_date=issue_date,
            due_date=due_date,
            seller=seller,
            buyer=buyer,
            amount_minor=amount_minor,
            currency=currency,
            credit_note=credit_note,
        )

    def calendar_date(self, text: str, key: str) -> date:
        """The date at ``key``: a calendar date, a time or offset refused when ``strict``
        (:func:`parse_form_date`), naming the field's term (``BT-2 Invoice issue date``)."""
        term = (_FORM_TERMS if self.invoice else _TRADE_FORM_TERMS)[key]
        return parse_form_date(text, key, strict=self.strict, term=term)

    def string(self, obj: Mapping[str, Any], key: str, prefix: str = "") -> str | None:
        """The text at ``key``: a JSON string (a JSON number too, read leniently)."""
        value = obj.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            text = value
        elif not self.strict and isinstance(value, int) and not isinstance(value, bool):
            text = str(value)  # as forms were read before: kept readable
        else:
            raise InvalidInput(
                prefix + key, f"{STRING_RULE}, not {_json_kind(value)}", given=_json_kind(value)
            )
        if self.strict:  # every field of the form is an identifier or a code, one line each
            refuse_control(text, prefix + key)
        limit, term = _text_limit(prefix, key, self.invoice)
        refuse_long(text, prefix + key, term, limit)  # as written: errors may quote it
        return text.strip() or None

    def party_alias(self, form: Mapping[str, Any], name: str, alias: str) -> Party | None:
        if form.get(name) is not None and form.get(alias) is not None:
            raise InvalidInput(alias, f"give either '{name}' or '{alias}', not both")
        key = name if form.get(name) is not None else alias
        value = form.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise InvalidInput(key, "must be an object with id and scheme")
        return self.party(value, key)

    def as_written_code(self, text: str | None, field: str, what: str) -> None:
        """A code registered now is taken as written: upper case, as its standard spells it
        (``dk`` or ``vat`` were upper-cased silently; read leniently, they still are)."""
        if self.strict and text is not None and text != text.upper():
            raise InvalidInput(
                field,
                f"must be written in upper case ({what}): a form is registered as written",
                value=text,
            )

    def party(self, obj: Mapping[str, Any], key: str) -> Party:
        self.known_keys(obj, PARTY_KEYS, key)
        country_text = self.string(obj, "country", f"{key}.")
        self.as_written_code(country_text, f"{key}.country", "an ISO 3166-1 alpha-2 code")
        country = normalise_country(country_text, f"{key}.country")
        entries: list[tuple[str, Mapping[str, Any]]] = []
        if obj.get("ids") is not None:
            ids = obj["ids"]
            if not isinstance(ids, list) or not all(isinstance(i, dict) for i in ids):
                raise InvalidInput(f"{key}.ids", "must be a list of {id, scheme} objects")
            entries += [(f"{key}.ids[{n}]", i) for n, i in enumerate(ids)]
            for where, entry in entries:
                self.known_keys(entry, PARTY_ID_KEYS, where)
        if obj.get("id") is not None:
            entries.append((key, obj))
        party_ids: list[PartyId] = []
        for where, entry in entries:
            value = self.string(entry, "id", f"{where}.")
            if value is None:
                raise InvalidInput(f"{where}.id", _WHERE)
            scheme = self.string(entry, "scheme", f"{where}.")
            self.as_written_code(scheme, f"{where}.scheme", "VAT, LEI, LEGAL, TAX, GLN, PARTY")
            party_ids.append(_party_id(value, scheme, country, where))
        name = self.string(obj, "name", f"{key}.")
        if not party_ids and name is None:
            raise InvalidInput(f"{key}.id", f"{_WHERE}: a party needs an id or a name")
        return Party.of(party_ids, name=name, country=country)

    def total(self, value: Any, issued: date) -> tuple[int | None, str | None]:
        if value is None:
            return None, None
        if not isinstance(value, dict):
            raise InvalidInput("totalAmount", "must be an object with value and currency")
        self.known_keys(value, TOTAL_KEYS, "totalAmount")
        raw_currency = value.get("currency")
        currency_text = self.string(value, "currency", "totalAmount.")
        if currency_text is None:
            raise InvalidInput("totalAmount.currency", _WHERE)
        currency = normalise_currency(
            raw_currency if self.strict and isinstance(raw_currency, str) else currency_text,
            "totalAmount.currency",
            issued=issued,
            exact=self.strict,
        )
        raw = value.get("value")
        if isinstance(raw, str):
            amount = parse_amount_text(raw, "totalAmount.value", minor_unit_exponent(currency))
            written = raw.strip()
        elif isinstance(raw, int | Decimal) and not isinstance(raw, bool):
            amount, written = Decimal(raw), as_written(raw)
        else:
            raise InvalidInput("totalAmount.value", f"{_WHERE}: a number or a string")
        minor = to_minor_units(
            amount, currency, "totalAmount.value", exact=self.strict, written=written, recorded=True
        )
        if minor < 0:
            raise InvalidInput(
                "totalAmount.value",
                f"must not be negative: the total{' (EN 16931 BT-112/BT-115)' * self.invoice} "
                "is stated as a "
                "positive amount, and a credit is a documentType CreditNote with a positive "
                "amount (as an EN 16931 credit note, type 381, states it)",
            )
        return minor, currency


#: the EN 16931 terms of the form's own fields (a party's are ``textlimits.PARTY_TERMS``)
_FORM_TERMS = {
    "documentType": "BT-3 Invoice type code",
    "documentNumber": NUMBER_TERM,
    "issueDate": "BT-2 Invoice issue date",
    "dueDate": "BT-9 Payment due date",
    "currency": "BT-5 Invoice currency code",
    "value": "BT-115 Amount due for payment",
}
#: the form's party keys and the EN 16931 party each stands for
_FORM_PARTIES = {"issuer": "seller", "seller": "seller", "consignee": "buyer", "buyer": "buyer"}


#: the terms of the form's own fields for a document other than an invoice
#: (``normalise.TRADE_STANDARD``: a bill of lading has no invoice number, BT-1)
_TRADE_FORM_TERMS = {
    "documentType": "Document type code",
    "documentNumber": TRADE_NUMBER_TERM,
    "issueDate": "Document issue date",
    "dueDate": "Payment due date",
    "currency": "Currency code",
    "value": "Total amount",
}


def _text_limit(prefix: str, key: str, invoice: bool = True) -> tuple[int, str]:
    """The longest text (characters) the field ``prefix + key`` of a form may hold, and its
    term (``textlimits.py``): EN 16931's for an ``invoice``, else the trade document's; a
    party's name 500, any other field 200."""
    role = _FORM_PARTIES.get(prefix.split(".", 1)[0].split("[", 1)[0])
    if role is None:
        return MAX_TEXT_LENGTH, (_FORM_TERMS if invoice else _TRADE_FORM_TERMS).get(
            key, "the JSON form"
        )
    terms = (PARTY_TERMS if invoice else TRADE_PARTY_TERMS)[role]
    if key == "name":
        return MAX_NAME_LENGTH, terms["name"]
    return MAX_TEXT_LENGTH, terms.get(key, terms["id"])


def _json_kind(value: Any) -> str:
    """What a JSON value is, in words, for an error (``the number 12345``, ``an object``)."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | Decimal):
        return f"the number {as_written(value)}"  # as written: 1e3, not 1E+3 or 1000.0
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "null" if value is None else type(value).__name__


def _party_id(value: str, scheme: str | None, country: str | None, where: str) -> PartyId:
    if scheme is None:
        return make_party_id(IdScheme.PARTY, value)
    upper = scheme.upper()
    if upper.isascii() and upper.isdigit() and len(upper) == 4:
        return make_party_id(IdScheme.ICD, value, icd=upper)
    kind = _SCHEMES.get(upper)
    if kind is None or kind is IdScheme.ICD:
        raise InvalidInput(
            f"{where}.scheme", "must be VAT, LEI, LEGAL, TAX, GLN, PARTY or a 4-digit ICD code"
        )
    return make_party_id(kind, value, country=country)
