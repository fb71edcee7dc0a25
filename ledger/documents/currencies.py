"""ISO 4217 currencies: which codes are currencies, and how many decimals an amount carries.

:func:`check_currency` is the one check every currency that enters the gateway goes through (a
document's BT-5 in the UBL, CII and JSON-form readers, a financing's terms from the API and the
CLI): three letters, and an *active* ISO 4217 code as pycountry lists them (Debian's iso-codes
data: ``ZZZ`` is refused, and so is ``HRK``, withdrawn when Croatia adopted the euro in 2023).
``XXX`` (no currency involved) and ``XTS`` (reserved for testing) are ISO 4217 codes in which no
amount is owed, so they are refused too.

Minor-unit exponents: only currencies whose exponent is not 2 are listed; every other code
uses 2.
"""

from __future__ import annotations

import re

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


def check_currency(value: str, field: str = "currency") -> str:
    """``value`` as an active ISO 4217 code, upper case (`` eur `` → ``EUR``), else
    :class:`InvalidInput` naming ``field`` and the rule."""
    text = value.strip().upper()
    if not is_currency_shape(text):
        raise InvalidInput(field, "must be an ISO 4217 code of three letters such as EUR")
    if text in NOT_A_CURRENCY:
        raise InvalidInput(
            field,
            f"{text} is {NOT_A_CURRENCY[text]} in ISO 4217, not a currency an amount is owed in",
            standard="ISO 4217",
            value=text,
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
}

DEFAULT_EXPONENT = 2


def minor_unit_exponent(currency: str) -> int:
    """The number of decimals of ``currency`` (an upper-case ISO 4217 code)."""
    return MINOR_UNIT_EXPONENTS.get(currency, DEFAULT_EXPONENT)
