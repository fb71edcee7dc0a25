"""ISO 4217 minor-unit exponents: how many decimals an amount in a currency carries.

Only currencies whose exponent is not 2 are listed; every other well-formed code uses 2.
"""

from __future__ import annotations

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
