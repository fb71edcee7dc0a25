"""ISO 4217 currencies: which codes are currencies, and how many decimals an amount carries.

:func:`check_currency` is the one check every currency that enters the gateway goes through (a
document's BT-5 in the UBL, CII and JSON-form readers, a financing's terms from the API and the
CLI): three letters, and an ISO 4217 code in force *when it is used*:

* a **new financing** is made now: its currency must be an *active* code as pycountry lists
  them (Debian's iso-codes data: ``ZZZ`` is refused, and so is ``HRK``, withdrawn when Croatia
  adopted the euro on 2023-01-01);
* a **document** states the currency it was issued in: a code active today passes, and so does
  one withdrawn *after* the document's issue date (an invoice of 2022-11-30 in HRK is a true
  invoice). pycountry lists active codes only, so the withdrawals are the table
  :data:`WITHDRAWN`, from ISO 4217 list three (historic denominations).

``XXX`` (no currency involved) and ``XTS`` (reserved for testing) are ISO 4217 codes in which no
amount is owed, so they are refused too. ``exact``: the code must be written as ISO 4217 writes
it, three upper-case letters and nothing else (``eur`` and `` EUR `` are refused, never
guessed): the JSON form's ``totalAmount.currency`` of a new registration and a financing's
``currency``; otherwise (an e-invoice as its sender wrote it, a document registered before)
it is trimmed and upper-cased.

Minor-unit exponents: only currencies whose exponent is not 2 are listed; every other code
uses 2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pycountry

from ledger.errors import InvalidInput

_SHAPE = re.compile(r"^[A-Z]{3}$")

#: ISO 4217 codes that are on the list but name no currency an amount can be owed in
NOT_A_CURRENCY: dict[str, str] = {
    "XXX": "the code for transactions where no currency is involved",
    "XTS": "the code reserved for testing",
}


def is_currency_shape(code: str) -> bool:
    """Whether ``code`` is three upper-case ASCII letters (the form of an ISO 4217 code)."""
    return bool(_SHAPE.match(code))


@dataclass(frozen=True)
class Withdrawal:
    """An ISO 4217 code withdrawn: ``replaced_by`` took its place on ``on`` (the first day a
    document could no longer be issued in it)."""

    replaced_by: str
    on: date


#: Codes withdrawn from ISO 4217 that recent documents may still state, with the day their
#: successor took over. Source: ISO 4217 list three ("historic denominations"), published by
#: SIX Financial Information for the ISO 4217 maintenance agency; the euro changeover days are
#: the Council decisions' (the 1999 members' own currencies could be invoiced until 2001-12-31).
WITHDRAWN: dict[str, Withdrawal] = {
    "BGN": Withdrawal("EUR", date(2026, 1, 1)),
    "HRK": Withdrawal("EUR", date(2023, 1, 1)),
    "LTL": Withdrawal("EUR", date(2015, 1, 1)),
    "LVL": Withdrawal("EUR", date(2014, 1, 1)),
    "EEK": Withdrawal("EUR", date(2011, 1, 1)),
    "SKK": Withdrawal("EUR", date(2009, 1, 1)),
    "CYP": Withdrawal("EUR", date(2008, 1, 1)),
    "MTL": Withdrawal("EUR", date(2008, 1, 1)),
    "SIT": Withdrawal("EUR", date(2007, 1, 1)),
    "GRD": Withdrawal("EUR", date(2002, 1, 1)),
    **{
        code: Withdrawal("EUR", date(2002, 1, 1))
        for code in ("ATS", "BEF", "DEM", "ESP", "FIM", "FRF", "IEP", "ITL", "LUF", "NLG", "PTE")
    },
    "VEF": Withdrawal("VES", date(2018, 8, 20)),
    "MRO": Withdrawal("MRU", date(2018, 1, 1)),
    "STD": Withdrawal("STN", date(2018, 1, 1)),
    "BYR": Withdrawal("BYN", date(2016, 7, 1)),
    "ZMK": Withdrawal("ZMW", date(2013, 1, 1)),
}

#: the rule an ``exact`` code breaks when it is not written as ISO 4217 writes it
EXACT_RULE = "must be an ISO 4217 code as the standard writes it: three upper-case letters"


def check_currency(
    value: str, field: str = "currency", *, issued: date | None = None, exact: bool = False
) -> str:
    """``value`` as an ISO 4217 code in force, upper case, else :class:`InvalidInput` naming
    ``field`` and the rule (see the module docstring).

    ``issued``: the issue date of the document that states it — a code withdrawn after that
    day passes (``HRK`` on an invoice of 2022); None: it must be active today (a financing).
    ``exact``: ``value`` must be the code as written (``eur``, `` EUR `` are refused);
    otherwise it is trimmed and upper-cased (`` eur `` → ``EUR``).
    """
    text = value.strip().upper()
    if exact and value != text and is_currency_shape(text):
        raise InvalidInput(
            field,
            f"{EXACT_RULE} ({text}, not {value!r}): the code is taken as written, never guessed",
            standard="ISO 4217",
            value=value,
        )
    if not is_currency_shape(text):
        raise InvalidInput(field, "must be an ISO 4217 code of three letters such as EUR")
    if text in NOT_A_CURRENCY:
        raise InvalidInput(
            field,
            f"{text} is {NOT_A_CURRENCY[text]} in ISO 4217, not a currency an amount is owed in",
            standard="ISO 4217",
            value=text,
        )
    withdrawn = WITHDRAWN.get(text)
    if withdrawn is not None and pycountry.currencies.get(alpha_3=text) is None:
        if issued is not None and issued < withdrawn.on:
            return text  # in force on the day the document was issued
        when = f"on {withdrawn.on.isoformat()} (replaced by {withdrawn.replaced_by})"
        because = (
            f"a document issued {issued.isoformat()} cannot be in it"
            if issued is not None
            else "a new financing is made in an active currency"
        )
        raise InvalidInput(
            field,
            f"{text} is not an active ISO 4217 currency code: it was withdrawn {when}, and "
            f"{because}",
            standard="ISO 4217",
            value=text,
            withdrawn=withdrawn.on.isoformat(),
            replaced_by=withdrawn.replaced_by,
        )
    if pycountry.currencies.get(alpha_3=text) is None:
        raise InvalidInput(
            field,
            f"{text} is not an active ISO 4217 currency code (such as EUR, USD, NOK)",
            standard="ISO 4217",
            value=text,
        )
    return text


#: ISO 4217 currencies whose minor-unit exponent differs from the default of 2
MINOR_UNIT_EXPONENTS: dict[str, int] = {
    # exponent 0
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "UYI": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    # exponent 3
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
    # exponent 4
    "CLF": 4,
    "UYW": 4,
    # withdrawn codes (WITHDRAWN) without decimals, as ISO 4217 list three gives them
    "BEF": 0,
    "BYR": 0,
    "ESP": 0,
    "GRD": 0,
    "ITL": 0,
    "LUF": 0,
    "PTE": 0,
}

DEFAULT_EXPONENT = 2


def minor_unit_exponent(currency: str) -> int:
    """The number of decimals of ``currency`` (an upper-case ISO 4217 code)."""
    return MINOR_UNIT_EXPONENTS.get(currency, DEFAULT_EXPONENT)
