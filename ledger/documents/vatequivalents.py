"""The VAT id a national business register number stands for, where the country makes the one
from the other by rule — so that one company written by either keys its documents alike.

A tryout re-typed a financed invoice with its Danish seller written by its CVR number
(``LEGAL 13585628``, or ``0184:13585628``) instead of its VAT id ``DK13585628``, and financed it
again at a second bank: the seller's identifiers had nothing in common, so no fingerprint did.
In these countries the VAT id *is* the register number with the country's prefix (and a fixed
suffix):

- Denmark: the CVR number, ``DK`` + 8 digits (ICD 0184);
- Norway: the organisation number, ``NO`` + 9 digits + ``MVA`` (ICD 0192);
- Belgium: the enterprise number, ``BE`` + 10 digits (ICD 0208);
- Finland: the business ID (Y-tunnus) without its hyphen, ``FI`` + 8 digits (ICD 0212);
- Sweden: the organisation number, ``SE`` + 10 digits + ``01`` (ICD 0007).

And two ICD schemes are VAT numbers themselves: Italy's *partita IVA* (ICD 0211, ``IT`` + 11
digits) and Finland's VAT identifier (ICD 0213, ``FI`` + 8 digits).

Sources: the European Commission's VIES "VAT number structure" per member state, and the
Norwegian Tax Administration's MVA number. Each number is checked by python-stdnum's module of
its register (loaded by :func:`ledger.documents.identifiers.stdnum_module`, as every
python-stdnum module is), and the VAT id made from it by python-stdnum's VAT module of the country
(:func:`ledger.documents.identifiers.vat_id`): nothing here computes a check digit. Where the
VAT id is not the register number (Germany, the Netherlands, France, …) there is none. In the
countries of :data:`_SAME_NUMBER` the national tax or registration number is the VAT id's
digits: prefixed, it is checked by the country's VAT module alone.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from stdnum.exceptions import ValidationError

from .identifiers import (
    LEGAL_REGISTER_COUNTRIES,
    VAT_PREFIX_ALIASES,
    compact,
    national_parts,
    stdnum_module,
    vat_id,
)

#: country → (python-stdnum module of its business register, the VAT id made of its number)
_REGISTERS: dict[str, tuple[str, Callable[[str], str]]] = {
    "DK": ("dk.cvr", lambda number: f"DK{number}"),
    "NO": ("no.orgnr", lambda number: f"NO{number}MVA"),
    "BE": ("be.vat", lambda number: f"BE{number}"),
    "FI": ("fi.ytunnus", lambda number: f"FI{number}"),
    "SE": ("se.orgnr", lambda number: f"SE{number}01"),
}
#: countries whose VAT id is their national tax or registration number itself with the VAT
#: prefix (VIES "VAT number structure"): Croatia's OIB, Poland's NIP, Italy's codice fiscale of
#: a company, Czechia's IČO, Slovakia's DIČ, Slovenia's davčna številka, Bulgaria's EIK, Latvia's
#: registration number, Romania's CUI, Portugal's NIF, Spain's NIF, Greece's AFM (prefix EL:
#: ``VAT_PREFIX_ALIASES``) — checked by python-stdnum's VAT module of the country once prefixed
#: (a tryout financed a Croatian invoice again as a JSON form naming its seller by the OIB as
#: ``TAX``); each country → its VAT prefix, and the prefix itself as written
_SAME_NUMBER: dict[str, str] = {
    country: VAT_PREFIX_ALIASES.get(country, country)
    for country in (
        *("HR", "PL", "IT", "CZ", "SK", "SI", "BG", "LV", "RO", "PT", "ES", "GR"),
        *VAT_PREFIX_ALIASES.values(),
    )
}
#: ISO 6523 ICD code of each of those registers → its country (the legal registers' list)
_REGISTER_ICDS = {
    code: country for code, country in LEGAL_REGISTER_COUNTRIES.items() if country in _REGISTERS
}
#: ICD codes whose identifiers *are* VAT numbers, written without or with the country prefix
#: (ISO 6523 "PARTITA IVA" 0211, "Finnish Organization Value Add Tax Identifier" 0213): a
#: party named by one keys as the VAT id itself
_VAT_ICDS = {"0211": "IT", "0213": "FI"}


@cache
def vat_equivalent(scheme: str, value: str, country: str | None) -> str | None:
    """The canonical VAT id (as :func:`~ledger.documents.identifiers.vat_id` writes one) that
    the register number ``value`` stands for, or None.

    ``scheme``: ``LEGAL`` or ``TAX`` (a legal registration id, BT-30, or a national tax number,
    BT-32, of a party in ``country``: a tryout's JSON form named the seller by its CVR number
    as ``TAX`` and was financed beside the original naming it by its VAT id; written with the
    country's prefix or without, or keyed with its country as ``DK:13585628``) or
    ``ICD`` (``value`` is ``<icd>:<id>``, the ICD naming the register), or ``PARTY`` (an
    identifier without a scheme, BT-29, written as a valid VAT id with its prefix: a tryout's
    copy named the seller ``DK13585628`` so). None for another scheme, a country without such
    a rule, or a number its register's check refuses."""
    text = compact(value)
    if scheme == "ICD" and value.partition(":")[0] in _VAT_ICDS:
        code, _, number = value.partition(":")
        prefix, number = _VAT_ICDS[code], compact(number)
        canonical, problem = vat_id(number if number.startswith(prefix) else prefix + number, None)
        return canonical if problem is None else None
    if scheme == "ICD":
        code, _, text = value.partition(":")
        country, text = _REGISTER_ICDS.get(code), compact(text)
    elif scheme == "PARTY":  # a party id without a scheme that is a VAT id, prefix and all
        canonical, problem = vat_id(text, None) if text[:2].isalpha() else (None, "")
        return canonical if problem is None else None
    elif scheme not in ("LEGAL", "TAX"):
        return None
    else:  # keyed with its country (facts.national_id): DK:13585628
        register, number = national_parts(value)
        if register is not None:
            country, text = register, compact(number)
    if country is None and (text[:2] in _REGISTERS or text[:2] in _SAME_NUMBER):
        country = text[:2]  # a register number written with its country's prefix
    if country is not None and country.upper() in _SAME_NUMBER:
        prefix = _SAME_NUMBER[country.upper()]
        for written in (country.upper(), prefix):
            text = text[len(written) :] if text.startswith(written) else text
        canonical, problem = vat_id(prefix + text, None)
        return canonical if problem is None else None
    if country is None or country.upper() not in _REGISTERS:
        return None
    country = country.upper()
    if text.startswith(country):
        text = text[len(country) :]
    module, made = _REGISTERS[country]
    try:
        number = compact(str(stdnum_module(module).validate(text)))
    except (ValidationError, ValueError, TypeError, IndexError, KeyError):
        return None
    canonical, _ = vat_id(made(number), None)
    return canonical
