"""Normalisation of the key facts, so that the same invoice gives the same facts in every format.

Every rule here is written down, with an example, in ``docs/documents.md`` and has a test in
``tests/documents/test_normalise.py``. Changing a rule changes fingerprints: it is a breaking change
for every financing already on chain (bump ``FINGERPRINT_VERSION`` in ``fingerprints.py``).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from functools import cache

from ledger.calendardays import day_rule
from ledger.errors import InvalidInput

from .currencies import check_currency, minor_unit_exponent

#: characters people put inside identifiers and numbers that carry no meaning: the ASCII ones,
#: and the dashes a word processor types for ``-`` (U+2010 to U+2015, the minus sign U+2212;
#: NFKC keeps them: a tryout's ``FV 1–12–2023`` with en dashes did not meet ``FV 1-12-2023``)
_SEPARATORS = re.compile(r"[\s.\-/_:,;|\\()\u2010-\u2015\u2212]+")
_DIGIT_RUN = re.compile(r"\d+")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_VAT_PREFIX = re.compile(r"^[A-Z]{2}")

#: VAT ids use EL for Greece (ISO 3166 says GR); accept both, store EL
_VAT_COUNTRY_ALIASES = {"GR": "EL"}

#: the largest identifier we accept, in characters, after trimming
MAX_IDENTIFIER_LENGTH = 200
#: the EN 16931 terms a normalised text too long is refused under (``textlimits.py``)
NUMBER_TERM = "BT-1 Invoice number"
INVOICE_REFERENCE_TERM = "BT-25 Preceding invoice reference"
PARTY_ID_TERM = "BT-29..BT-32, BT-46..BT-48 Party identifiers"

#: the identifiers at the start of a term: ``BT-29-1, BT-30-1``, ``BT-46..BT-48``, ``BT-1``
_TERM_ID = re.compile(r"BT-[\w-]+(?:(?:, |\.\.)BT-[\w-]+)*")


#: the standard a term of a trade document other than an invoice is named after (the JSON form's
#: element names, docs/documents.md): EN 16931 names an invoice's terms only
TRADE_STANDARD = "UN/CEFACT CCL, ICC DSI key trade document data"
#: the number of a trade document other than an invoice (a bill of lading's, a warehouse
#: receipt's), as :data:`TRADE_STANDARD` names it
TRADE_NUMBER_TERM = "Document identifier"


def cite(term: str) -> str:
    """``term`` with the standard that names it, as an error shows it: ``EN 16931 BT-1 Invoice
    number`` for an EN 16931 term (one starting with its ``BT-`` identifier), ``UN/CEFACT CCL,
    ICC DSI key trade document data: Document identifier`` for another document's."""
    return f"EN 16931 {term}" if _TERM_ID.match(term) else f"{TRADE_STANDARD}: {term}"


def term_id(term: str) -> str:
    """The EN 16931 identifiers a ``term`` starts with (the whole term when it names none)."""
    found = _TERM_ID.match(term)
    return found.group(0) if found else term


def too_long(
    field: str, term: str, limit: int, length: int, error: type[InvalidInput] = InvalidInput
) -> InvalidInput:
    """The refusal of a text of ``length`` characters in ``field``, longer than its ``limit``:
    ``error`` naming the field, the limit, the length and the ``term`` (:func:`cite`) — never
    the text."""
    return error(
        field,
        f"longer than {limit} characters ({cite(term)})",
        term=term_id(term),
        limit=limit,
        length=length,
    )


def _refuse_long_normalised(text: str, field: str, term: str) -> None:
    """A normalised text longer than :data:`MAX_IDENTIFIER_LENGTH` refused as every over-long
    text is (:func:`too_long`). NFKC can make a text longer (one character may become
    eighteen), so a text within the limit as written may not be once normalised."""
    if len(text) > MAX_IDENTIFIER_LENGTH:
        raise too_long(field, term, MAX_IDENTIFIER_LENGTH, len(text))


def without_invisibles(value: str) -> str:
    """``value`` without the characters that show nothing: format characters (Unicode
    category Cf — zero-width space, joiners, bidi marks, soft hyphen, byte-order mark, word
    joiner) and the control characters that are not whitespace. In an identifier or a document
    number they change nothing a reader sees, so they must change nothing a fingerprint sees:
    ``INV\u200b1`` is ``INV1`` (a copy of a financed invoice with one inserted is the same
    invoice). Whitespace controls stay: they separate."""
    return "".join(
        ch for ch in value if ch.isspace() or unicodedata.category(ch) not in _INVISIBLE_CATEGORIES
    )


_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc"})


def clean_text(value: str) -> str:
    """NFKC-normalise, trim and collapse inner whitespace (for names, not identifiers)."""
    text = unicodedata.normalize("NFKC", value)
    return " ".join(text.split())


def normalise_identifier(
    value: str,
    field: str = "identifier",
    term: str = PARTY_ID_TERM,
    *,
    keep_leading_zeros: bool = False,
) -> str:
    """A party identifier without a check-digit scheme (legal registration, tax id, party id) in
    canonical form (document numbers use ``normalise_number``).

    NFKC, invisible characters removed (:func:`without_invisibles`), upper case, separators
    (whitespace ``. - / _ : , ; | \\ ( )``) removed, and leading zeros
    dropped from every run of digits (``INV-0042`` → ``INV42``) unless ``keep_leading_zeros``
    (a national registration number whose zeros its register's check counts:
    :func:`ledger.documents.facts.national_id`). Raises ``InvalidInput`` if nothing is left,
    or if it is too long (naming the EN 16931 ``term``).
    """
    text = without_invisibles(unicodedata.normalize("NFKC", value)).upper()
    text = _SEPARATORS.sub("", text)
    if not keep_leading_zeros:
        text = _DIGIT_RUN.sub(lambda m: m.group(0).lstrip("0") or "0", text)
    if not text:
        raise InvalidInput(field, "must contain at least one letter or digit")
    _refuse_long_normalised(text, field, term)
    return text


@cache
def _ascii_prototypes() -> dict[str, tuple[str, str]]:
    """Each UTS #39 prototype (``ledger.lookalikes``) of an ASCII capital letter or digit → that
    (letter, digit): ``O`` → ("O", "0"), ``l`` → ("I", "1"), ``B`` → ("B", "8")…"""
    from ledger.lookalikes import prototypes  # the confusables table: loaded when first needed

    table = prototypes()
    found: dict[str, tuple[str, str]] = {}
    for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789":
        letter, digit = found.get(table.get(c, c), ("", ""))
        found[table.get(c, c)] = (c, digit) if c.isalpha() else (letter, c)
    return found


def _latin_lookalike(c: str) -> str:
    """``c`` (not ASCII) as the ASCII capital letter or digit it reads as — a Cyrillic ``Т`` or
    Greek ``Τ`` is ``T``, a Cyrillic ``О`` is ``O`` (a letter for a letter, a digit for a
    digit) — else ``c`` itself (``Ф``, ``Ж``, a CJK character). A decimal digit of any script
    (Unicode category Nd: Arabic-Indic ``١٢``, Devanagari ``१२``) is the ASCII digit of its value:
    a tryout's ``١٢١١٥١١٨`` came out half converted (``1٢11٥11٨``) by look alone."""
    if c.isascii():
        return c
    value = unicodedata.decimal(c, None)
    if value is not None:
        return str(value)
    from ledger.lookalikes import prototypes

    letter, digit = _ascii_prototypes().get(prototypes().get(c, c), ("", ""))
    return (digit or letter if c.isdigit() else letter or digit) or c


def normalise_number(value: str, field: str = "number", term: str = NUMBER_TERM) -> str:
    """A document number in canonical form, so that re-typed copies meet and different numbers
    stay different.

    NFKC, invisible characters removed (:func:`without_invisibles`) and upper case; every
    letter or digit of another script that reads as an ASCII one (UTS #39 confusables: Cyrillic
    ``ТОSL110`` is ``TOSL110``; a tryout's copy re-numbered so evaded the number's fingerprint)
    written as that one; the text
    is cut at every run of separators (whitespace ``. - / _ : ,
    ; | \\ ( )``, the Unicode dashes U+2010 to U+2015 and the minus sign U+2212); leading
    zeros are dropped from every run of digits (``0`` stays); the pieces
    are joined again with nothing between them, except where a piece ending in a digit meets a
    piece starting with a digit: that boundary is written ``-``. So ``FV 1/12/2023`` →
    ``FV1-12-2023`` and ``FV 11/2/2023`` → ``FV11-2-2023`` stay apart, while ``fv 01.12.2023``,
    ``FV-1-12-2023`` and ``FV1/12/2023`` all meet ``FV1-12-2023``; ``INV-0042`` → ``INV42``;
    ``2024/001`` → ``2024-1``. Raises ``InvalidInput`` if nothing is left or it is too long
    (naming the EN 16931 ``term``).
    """
    text = _folded_number(value)
    pieces = [
        _DIGIT_RUN.sub(lambda m: m.group(0).lstrip("0") or "0", piece)
        for piece in _SEPARATORS.split(text)
        if piece
    ]
    out = ""
    for piece in pieces:
        if out and out[-1].isdigit() and piece[0].isdigit():
            out += "-"
        out += piece
    if not out:
        raise InvalidInput(field, "must contain at least one letter or digit")
    _refuse_long_normalised(out, field, term)
    return out


def digits_in_order(value: str) -> str:
    """Every digit of a document number as written, in order, each as its ASCII digit (read as
    :func:`normalise_number` reads them: NFKC, invisibles removed, digits of any script and
    look-alikes folded), zeros kept: ``12 115 118`` → ``12115118``, ``1234 012 118`` →
    ``1234012118``. The separators, and so the digit groups, are gone."""
    return "".join(c for c in _folded_number(value) if "0" <= c <= "9")


def _folded_number(value: str) -> str:
    """A document number as :func:`normalise_number` and :func:`digits_in_order` read it: NFKC,
    invisible characters removed, upper case, and every letter or digit of another script that
    reads as an ASCII one written as that one."""
    text = without_invisibles(unicodedata.normalize("NFKC", value)).upper()
    if not text.isascii():
        text = "".join(_latin_lookalike(c) for c in text)
    return text


def normalise_country(value: str | None, field: str = "country") -> str | None:
    """An ISO 3166-1 alpha-2 country code, upper case, or ``None``."""
    if value is None:
        return None
    text = value.strip().upper()
    if not text:
        return None
    if not _COUNTRY.match(text):
        raise InvalidInput(field, "must be an ISO 3166-1 alpha-2 code such as DE")
    return text


def normalise_vat_id(value: str, country: str | None, field: str = "vatId") -> str:
    """A VAT id with its country prefix: ``123 456 789`` in DE → ``DE123456789``.

    The id is normalised like any identifier. If it does not start with two letters and the
    party's country is known, the country (``GR`` written as ``EL``) is prefixed. ``GR`` as a
    prefix is rewritten to ``EL``.
    """
    text = normalise_identifier(value, field)
    if _VAT_PREFIX.match(text):
        prefix = text[:2]
        return _VAT_COUNTRY_ALIASES.get(prefix, prefix) + text[2:]
    if country:
        prefix = _VAT_COUNTRY_ALIASES.get(country, country)
        return prefix + text
    return text


def normalise_currency(
    value: str, field: str = "currency", *, issued: date | None = None, exact: bool = False
) -> str:
    """An ISO 4217 alphabetic code in force, upper case: `` eur `` → ``EUR``; ``ZZZ`` is
    refused; ``issued``: a code withdrawn after that day passes; ``exact``: `` eur `` is
    refused (:func:`ledger.documents.currencies.check_currency`)."""
    return check_currency(value, field, issued=issued, exact=exact)


def parse_xml_decimal(value: str, field: str) -> Decimal:
    """An ``xs:decimal`` (UBL and CII amounts): optional sign, digits, ``.`` as decimal point."""
    text = value.strip()
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        raise InvalidInput(field, "must be a decimal number such as 1234.56")
    return Decimal(text)


def plain_decimal(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: ``20.0000`` → ``20``, ``2.50`` → ``2.5``."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def parse_amount_text(value: str, field: str, exponent: int = 2) -> Decimal:
    """An amount as people write it: ``1234.5``, ``1,234.56``, ``1.234,56``, ``1 234,56``.

    - Spaces (also no-break and thin spaces) and apostrophes are grouping.
    - With both ``.`` and ``,`` present, the one that comes last is the decimal separator.
    - With one kind only: several occurrences are grouping (``1.234.567``). A single one followed
      by exactly three digits (``1,234``: 1234 in London, 1.234 in Berlin) is read by the
      currency's ``exponent``: grouping for a currency without decimals (JPY ``1.250`` → 1250),
      the decimal separator for one with three (BHD ``1.250``), and refused otherwise. Any other
      single separator is the decimal separator (``1234,5``).
    """
    text = unicodedata.normalize("NFKC", value).strip()
    text = re.sub(r"[\s'’]", "", text)
    if not re.fullmatch(r"[+-]?[\d.,]+", text) or not re.search(r"\d", text):
        raise InvalidInput(field, "must be an amount such as 1234.56 or 1.234,56")
    sign = ""
    if text[0] in "+-":
        sign, text = ("-" if text[0] == "-" else ""), text[1:]
    has_dot, has_comma = "." in text, "," in text
    if has_dot and has_comma:
        decimal_sep = "." if text.rfind(".") > text.rfind(",") else ","
        group_sep = "," if decimal_sep == "." else "."
        if text.count(decimal_sep) != 1:
            raise InvalidInput(field, "has more than one decimal separator")
        integer, fraction = text.split(decimal_sep)
        if not _grouping_ok(integer, group_sep):
            raise InvalidInput(field, "has digit groups that are not of three digits")
        text = integer.replace(group_sep, "") + "." + fraction
    elif has_dot or has_comma:
        sep = "." if has_dot else ","
        parts = text.split(sep)
        if len(parts) > 2:
            if not _grouping_ok(text, sep):
                raise InvalidInput(field, "has digit groups that are not of three digits")
            text = text.replace(sep, "")
        elif len(parts[1]) == 3 and parts[0] not in ("", "0") and exponent == 0:
            text = parts[0] + parts[1]
        elif len(parts[1]) == 3 and parts[0] not in ("", "0") and exponent < 3:
            grouped, decimal = parts[0] + parts[1], f"{parts[0]}.{parts[1]}"
            raise InvalidInput(
                field,
                f"is ambiguous: '{value.strip()}' could be {grouped} (the '{sep}' grouping "
                f"thousands) or {decimal} (a decimal point, with more decimals than the "
                f"currency has: {exponent}); write {grouped}, or the amount with at most "
                f"{exponent} decimals after a '.'",
            )
        else:
            text = parts[0] + "." + parts[1]
    try:
        return Decimal(sign + text)
    except InvalidOperation:
        raise InvalidInput(field, "must be an amount such as 1234.56") from None


def _grouping_ok(integer: str, sep: str) -> bool:
    groups = integer.split(sep)
    return (
        1 <= len(groups[0]) <= 3
        and all(len(g) == 3 for g in groups[1:])
        and all(g.isdigit() for g in groups)
    )


#: an amount is below 10^30 (of any currency: far beyond the face value the ledger holds)
MAX_AMOUNT_DIGITS = 30
#: the most minor units an amount the ledger records may be: a document's face value, a
#: financing's amount, a drawdown, a repayment. 2^63 - 1, not the chain's uint64 bound: the index
#: a regulator reads holds amounts in signed 64-bit columns (SQLite's INTEGER, PostgreSQL's
#: BIGINT), and an amount of 2^64 - 1 accepted here was written on chain, answered 500 to its
#: bank, read as 2^63 - 1 in the index, and broke the exposure sum for everyone (tryout 69)
MAX_MINOR_UNITS = 2**63 - 1
#: the bound of an amount the ledger records, in words (:func:`too_large_rule`)
RECORDED_BOUND = (
    f"at most {MAX_MINOR_UNITS} minor units (2^63 - 1: what the chain and the audit index both "
    "record exactly)"
)
#: the bound of any other amount a document states (a line's), in words
STATED_BOUND = (
    f"less than 10^{MAX_AMOUNT_DIGITS} (at most {MAX_AMOUNT_DIGITS} digits before the decimal "
    "point)"
)


def too_large_rule(bound: str = RECORDED_BOUND) -> str:
    """The rule an amount beyond ``bound`` (:data:`RECORDED_BOUND`, :data:`STATED_BOUND`)
    breaks: the one wording of an amount too large, on every route — a JSON form's
    ``totalAmount.value`` (``POST /v1/documents/json``, an upload, the CLI), an e-invoice's
    amount due, a financing's ``documents[i].amount``, a drawdown's or repayment's ``amount``
    (the API's body and the CLI's ``--doc``/``AMOUNT``) — whatever way it is written
    (``1e999999999``, ``18446744073709551616``, 29 digits)."""
    return f"is too large: an amount must be {bound}"


def amount_too_large(field: str, value: str, bound: str = RECORDED_BOUND) -> InvalidInput:
    """The refusal of an amount too large (:func:`too_large_rule`), naming ``field`` (as the
    caller's surface names it: ``totalAmount.value``, ``documents[0].amount``, ``--doc[0]``),
    its ``value`` as written."""
    return InvalidInput(field, too_large_rule(bound), value=value)


def to_minor_units(
    amount: Decimal,
    currency: str,
    field: str = "amount",
    *,
    exact: bool = False,
    written: str | None = None,
    recorded: bool = False,
) -> int:
    """An amount in the currency's minor units: ``12.5 EUR`` → ``1250``, ``1250 JPY`` → ``1250``.

    Digits beyond the currency's exponent (ISO 4217 minor unit) are rounded half-up
    (``0.125 EUR`` → ``13``) — or, ``exact`` (an amount registered now, taken as written),
    refused: InvalidInput naming ``field``, its ``value`` as the file wrote it (``written``:
    ``1.5e-7`` or ``1.234,567``, not ``1.5E-7`` or ``1234.567``; default: ``str(amount)``).
    Any amount is answered: one of 10^:data:`MAX_AMOUNT_DIGITS` or more (``1e999999999`` too)
    is refused (:func:`amount_too_large`), and the arithmetic is exact whatever its digits or
    exponent (the default decimal context rounded at 28 digits, and raised on 29 or on an
    exponent past its range: a 500). ``recorded``: the amount is one the chain records (a face
    value), refused beyond :data:`MAX_MINOR_UNITS` in the same words whatever its size
    (:data:`RECORDED_BOUND`; a line's amount: :data:`STATED_BOUND`).
    """
    shown = written if written is not None else str(amount)
    if not amount.is_finite():
        raise InvalidInput(field, "must be a finite number", value=shown)
    bound = RECORDED_BOUND if recorded else STATED_BOUND
    if not amount.is_zero() and amount.adjusted() >= MAX_AMOUNT_DIGITS:  # no arithmetic
        raise amount_too_large(field, shown, bound)
    exponent = minor_unit_exponent(currency)
    with localcontext() as context:  # exact: as many digits as the amount has, any exponent
        context.prec = max(len(amount.as_tuple().digits), MAX_AMOUNT_DIGITS + exponent + 1)
        context.Emax, context.Emin = MAX_EMAX, MIN_EMIN
        unrounded = amount.scaleb(exponent)
        scaled = unrounded.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if exact and scaled != unrounded:
        raise InvalidInput(
            field,
            f"has more decimals than {currency} has ({exponent}, ISO 4217): an amount is "
            "registered as written, never rounded",
            value=shown,
        )
    if recorded and scaled > MAX_MINOR_UNITS:
        raise amount_too_large(field, shown, bound)
    return int(scaled)


#: ``YYYY-MM-DD``, then whatever follows it: a time part (``T23:00:00``, also ``t`` or a space
#: before the hour, as RFC 3339 §5.6 lets a date-time be written) and a zone (``Z``, ``+01:00``)
_DATE_AND_REST = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?P<time>[Tt ]\d[\d:.,]*)?(?P<zone>[Zz]|[+-]\d{2}:?\d{2})?"
)
#: the rule a date field breaks with a time part; ``{term}`` is the field's term
TIME_RULE = (
    "must be a calendar date written YYYY-MM-DD (ISO 8601): a time is not part of {term} "
    "(was given {given})"
)
#: the rule a JSON form's date breaks with a zone alone (``2024-01-02+01:00``, ``…Z``)
ZONE_RULE = (
    "must be a calendar date written YYYY-MM-DD (ISO 8601): {term} is the day as the document "
    "states it, which no offset moves, so write no offset (was given {given})"
)


def parse_iso_date(value: str, field: str, term: str = "a date") -> date:
    """An ``xs:date`` (UBL's ``cbc:IssueDate``, BT-2, and every date it types so): an ISO
    8601 calendar date ``YYYY-MM-DD``, with the zone ``xs:date`` allows (``Z``, ``+01:00``)
    kept out of the day: the day is the one written, as the issuer dated it. A time part
    (``2024-01-02T23:00:00``) is not an ``xs:date``: InvalidInput naming ``field`` and saying
    that a time is not part of ``term`` — it was dropped silently before, so 23:00 at -05:00
    was recorded as that day with no word."""
    text = value.strip()
    match = _DATE_AND_REST.fullmatch(text)
    if match is None or not re.fullmatch(r"(Z|[+-]\d{2}:\d{2})?", match["zone"] or ""):
        raise InvalidInput(field, "must be an ISO 8601 date YYYY-MM-DD")
    if match["time"] is not None:
        raise InvalidInput(field, TIME_RULE.format(term=term, given=_shown(text)))
    return _make_date(int(match[1]), int(match[2]), int(match[3]), field)


def _shown(text: str) -> str:
    """A date as sent, quoted, for an error: at most 40 characters of it."""
    return f"'{text}'" if len(text) <= 40 else f"'{text[:40]}…'"


def parse_cii_date(value: str, format_code: str | None, field: str) -> date:
    """A CII ``udt:DateTimeString``: format 102 is ``YYYYMMDD`` (the only one EN 16931 allows)."""
    text = value.strip()
    if format_code not in (None, "102"):
        shown = (
            format_code if len(format_code) <= 8 else f"{format_code[:8]}…"
        )  # never echoed whole
        raise InvalidInput(field, f"date format {shown} is not supported; use 102")
    if not re.fullmatch(r"\d{8}", text):
        raise InvalidInput(field, "must be a date in format 102 (YYYYMMDD)")
    return _make_date(int(text[:4]), int(text[4:6]), int(text[6:]), field)


def parse_form_date(value: str, field: str, *, strict: bool = False, term: str = "a date") -> date:
    """A date in the JSON form: ISO 8601 ``YYYY-MM-DD``, ``YYYYMMDD``, ``DD.MM.YYYY``, or
    ``DD/MM/YYYY`` only when it cannot be read as ``MM/DD/YYYY`` (the day is above 12, or day
    and month are equal).

    ``strict`` (a form registered now): a calendar date and nothing more. A time part
    (``2024-01-02T23:00:00-05:00``) is refused (:data:`TIME_RULE`, naming ``term``: BT-2 is a
    date, and which day a time at an offset is depends on where it is read), and so is a zone
    alone (``2024-01-02Z``, ``+01:00``: :data:`ZONE_RULE`), which ISO 8601 does not give a
    calendar date. Read leniently (a form registered before, checked or lodged now), both are
    read as they were then: the day written, never moved by its time or offset (23:00 at -05:00
    on the 2nd stays the 2nd, the issuer's day, not the 3rd it is in UTC), so the document's
    facts and fingerprints stay those it was registered with."""
    text = value.strip()
    if re.fullmatch(r"\d{8}", text):
        return parse_cii_date(text, "102", field)
    match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    if match:
        return _make_date(int(match[3]), int(match[2]), int(match[1]), field)
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if match:
        first, second = int(match[1]), int(match[2])
        if first <= 12 and second <= 12 and first != second:
            raise InvalidInput(
                field, f"'{text}' is ambiguous (DD/MM or MM/DD); write it as YYYY-MM-DD"
            )
        return _make_date(int(match[3]), second, first, field)
    if not strict:
        return _lenient_iso_date(text, field)
    match = _DATE_AND_REST.fullmatch(text)
    if match is None:
        raise InvalidInput(field, "must be an ISO 8601 date YYYY-MM-DD")
    given = _shown(text)
    if match["time"] is not None:
        raise InvalidInput(field, TIME_RULE.format(term=term, given=given))
    if match["zone"] is not None:
        raise InvalidInput(field, ZONE_RULE.format(term=term, given=given))
    return _make_date(int(match[1]), int(match[2]), int(match[3]), field)


def _lenient_iso_date(text: str, field: str) -> date:
    """A form's ISO date as forms were read before a time was refused: ``YYYY-MM-DD``, a time
    part after ``T`` and a zone read past, the day as written (:func:`parse_form_date`)."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:T[\d:.]+)?(?:Z|[+-]\d{2}:\d{2})?", text)
    if not match:
        raise InvalidInput(field, "must be an ISO 8601 date YYYY-MM-DD")
    return _make_date(int(match[1]), int(match[2]), int(match[3]), field)


def _make_date(year: int, month: int, day: int, field: str) -> date:
    not_a_day = day_rule(year, month, day)  # which part the calendar does not have
    if not_a_day is not None:
        raise InvalidInput(field, not_a_day)
    return date(year, month, day)
