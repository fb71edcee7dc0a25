"""Party identifiers checked by their scheme before anything is keyed on them.

A party identifier is evidence of identity only if it is one: the Norwegian rule NO-R-002 makes
every seller write the literal text ``Foretaksregisteret`` as a tax registration, example files
carry VAT numbers whose check digits fail, and a SEPA creditor id is written with a scheme code
that is not an ISO 6523 ICD. Keying two parties on such a value makes different sellers one, and a
bank is refused a financing nobody made. So every identifier a reader finds goes through
:func:`check_party_id` first, and only the ones that pass become ``PartyId`` values (the others are
kept, with the reason, as ``RejectedId`` for people to see; they never reach a fingerprint or a
grade).

The checks (python-stdnum does the arithmetic; nothing here computes a check digit by hand):

- ``VAT`` — the country prefix (or the party's country) picks the country's VAT module; its
  format and check digits must pass. Greece is ``EL``; Norway's ``MVA`` suffix is added when an
  organisation number stands alone. A country python-stdnum has no module for is checked for
  shape only (letters and digits, at least four digits).
- ``LEI`` — ISO 17442 (ISO 7064 mod 97-10 check digits).
- ``GLN`` (ICD 0088) — 13 digits with the GS1 check digit.
- ``ICD`` — the code must be in the ISO 6523 ICD list (``data/iso6523_icd.csv``, from the Peppol
  BIS Billing 3.0 code lists); for the codes whose numbers python-stdnum knows (SIRENE, SIRET,
  Swedish and Norwegian organisation numbers, CVR, …) the number must also pass.
- ``LEGAL`` (BT-30) — with an ICD scheme, as ``ICD``; without one, by the business register of
  the party's country where python-stdnum knows it (``NO`` organisation number, ``DK`` CVR,
  ``SE``, ``FI``, ``FR``, ``BE``, ``EE``, ``IS``), else shape only.
- ``TAX`` (BT-32) — the country's tax-number module where python-stdnum has one (``DE``: Steuer-
  nummer), else shape only.
- ``PARTY`` — shape only (it is weak anyway).

"Shape only" means: after removing separators, 1–50 characters of letters and digits with at
least one digit, and not a placeholder (every digit the same, as ``000000`` or ``999999999``).
"""

from __future__ import annotations

import csv
import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from stdnum import get_cc_module
from stdnum.exceptions import ValidationError

from ledger.controls import refuse_control
from ledger.documents.normalise import without_invisibles
from ledger.errors import InvalidInput

#: where the ISO 6523 ICD code list ships (code, name)
ICD_LIST_PATH = Path(__file__).with_name("data") / "iso6523_icd.csv"

#: ICD codes whose identifiers python-stdnum validates (format and check digits)
ICD_VALIDATORS: dict[str, str] = {
    "0002": "fr.siren",
    "0007": "se.orgnr",
    "0009": "fr.siret",
    "0088": "ean",
    "0151": "au.abn",
    "0183": "ch.uid",
    "0184": "dk.cvr",
    "0188": "jp.cn",
    "0191": "ee.registrikood",
    "0192": "no.orgnr",
    "0195": "sg.uen",
    "0196": "is_.kennitala",
    "0199": "lei",
    "0204": "de.leitweg",
    "0208": "be.vat",
    "0210": "it.codicefiscale",
    "0211": "it.iva",
    "0212": "fi.ytunnus",
    "0213": "fi.alv",
    "0218": "lv.pvn",
}
#: ISO 6523 ICD codes of national registers of legal persons and businesses: an identifier
#: under one of them *is* the party's legal registration identifier (EN 16931 BT-30, whose
#: scheme BT-30-1 is an ICD code), however a file carries it — as BT-30 with the scheme, as a
#: party identifier (BT-29) with the scheme, or as a JSON form's ``"scheme": "0106"``. A
#: tryout financed an invoice twice: the JSON form named the seller by its KvK number under
#: ``0106`` and keyed it ``ICD:0106:…``, where the UBL copy's BT-30 keyed ``LEGAL:…``. Names as
#: the ICD list (``data/iso6523_icd.csv``) gives them; routing and location schemes (GLN 0088,
#: Leitweg-ID 0204, OVT 0037 / 0216, IPA 0201, SIRET 0009 — an establishment, not the legal
#: person), tax numbers (0210, 0211, 0213), a private directory's number (D-U-N-S 0060) and
#: the LEI (0199, its own scheme) are not here. Each code → the country of its register: a
#: registration number is unique only within its register, so it is keyed with that country
#: (``LEGAL:NL:57151520``; :func:`ledger.documents.facts.legal_register_id`).
LEGAL_REGISTER_COUNTRIES: dict[str, str] = {
    "0002": "FR",  # SIRENE (SIREN)
    "0007": "SE",  # Organisationsnummer
    "0106": "NL",  # Kamer van Koophandel (KvK)
    "0151": "AU",  # Australian Business Number
    "0183": "CH",  # Unique Business Identification Number (UID)
    "0184": "DK",  # CVR (DIGSTORG)
    "0188": "JP",  # Corporate Number
    "0191": "EE",  # Company Code
    "0192": "NO",  # Organisasjonsnummer
    "0195": "SG",  # Unique Entity Number
    "0196": "IS",  # kennitala
    "0200": "LT",  # legal entity code
    "0208": "BE",  # enterprise number
    "0212": "FI",  # business ID (Y-tunnus)
    "0218": "LV",  # unified registration number
}
#: the ICD codes of :data:`LEGAL_REGISTER_COUNTRIES`
LEGAL_REGISTER_ICDS: frozenset[str] = frozenset(LEGAL_REGISTER_COUNTRIES)
#: ICD codes whose identifiers have a fixed digit count but no check digit
ICD_DIGITS: dict[str, int] = {"0060": 9, "0106": 8, "0190": 20, "0200": 9, "0217": 12}
#: national tax numbers other than VAT (BT-32) python-stdnum validates, by country
TAX_VALIDATORS: dict[str, tuple[str, ...]] = {
    "AT": ("at.tin",),
    "DE": ("de.stnr", "de.idnr"),
    "ES": ("es.nif",),
    "FR": ("fr.nif", "fr.siren"),
    "IT": ("it.codicefiscale",),
    "NO": ("no.orgnr",),
    "PL": ("pl.nip",),
    "PT": ("pt.nif",),
    "SE": ("se.orgnr",),
}
#: national business registers python-stdnum validates, for a legal registration id (BT-30)
#: written without a scheme: the party's country picks the register
LEGAL_VALIDATORS: dict[str, tuple[str, ...]] = {
    "BE": ("be.vat",),
    "DK": ("dk.cvr",),
    "EE": ("ee.registrikood",),
    "FI": ("fi.ytunnus",),
    "FR": ("fr.siren", "fr.siret"),
    "IS": ("is_.kennitala",),
    "NO": ("no.orgnr",),
    "SE": ("se.orgnr",),
}
#: ISO 3166-1 country → its VAT prefix where the two differ
VAT_PREFIX_ALIASES = {"GR": "EL"}
#: VAT prefix → its ISO 3166-1 country where the two differ (Greece, Northern Ireland)
_VAT_PREFIX_COUNTRIES = {"EL": "GR", "XI": "GB"}
_SEPARATORS = re.compile(r"[\s.\-/_:,;|\\()]+")
_SHAPE = re.compile(r"^[A-Z0-9]{1,50}$")


@dataclass(frozen=True)
class RejectedId:
    """An identifier a file carries that is not used: its kind, the value as written, and why."""

    scheme: str
    value: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"scheme": self.scheme, "value": self.value, "reason": self.reason}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RejectedId:
        return cls(str(data["scheme"]), str(data["value"]), str(data["reason"]))


@cache
def icd_codes() -> dict[str, str]:
    """The ISO 6523 ICD code list: code → name (235 codes, 0002–0240)."""
    with ICD_LIST_PATH.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


def _why(exc: ValidationError) -> str:
    return str(getattr(exc, "message", "") or exc).rstrip(".").lower()


@cache
def stdnum_module(name: str) -> ModuleType:
    """python-stdnum's module ``name`` (``dk.cvr``, ``lei``), imported once: the one place the
    gateway loads one by name (:mod:`ledger.documents.vatequivalents` too). ImportError for a
    module python-stdnum does not have."""
    return importlib.import_module(f"stdnum.{name}")


def compact(value: str) -> str:
    """Upper case, separators and invisible characters removed (no other change)."""
    return _SEPARATORS.sub("", without_invisibles(value).strip().upper())


def shape_problem(value: str) -> str | None:
    """Why ``value`` (compacted) cannot be an identifier, or ``None``."""
    if not value:
        return "is empty"
    if not _SHAPE.match(value):
        return "must be letters and digits only (1 to 50)"
    digits = [c for c in value if c.isdigit()]
    if not digits:
        return "has no digit: it is text, not an identifier"
    if len(digits) >= 3 and len(set(digits)) == 1 and len(digits) == len(value):
        return "is a placeholder (every digit the same)"
    if set(value) == {"0"}:  # ``00000000`` with its leading zeros dropped is ``0`` (tryout 89)
        return "is a placeholder (zeros only)"
    return None


def _stdnum(module: str, value: str) -> str | None:
    """Why python-stdnum's ``module`` refuses ``value``, or ``None`` if it passes."""
    try:
        stdnum_module(module).validate(value)
    except ValidationError as exc:
        return f"fails {module.replace('_', '')} ({_why(exc)})"
    except (ValueError, TypeError, IndexError, KeyError):
        return f"fails {module.replace('_', '')}"
    return None


@cache
def vat_id(value: str, country: str | None) -> tuple[str | None, str | None]:
    """``(canonical VAT id, None)`` or ``(None, reason)``.

    The canonical form is the country prefix (``EL`` for Greece) and python-stdnum's compact
    number: ``no 123 456 785 mva`` → ``NO123456785MVA``; ``123456789`` with country ``DE`` is
    checked as ``DE123456789``.
    """
    text = compact(value)
    if not text:
        return None, "is empty"
    if len(text) >= 2 and text[:2].isalpha():
        prefix, number = text[:2], text[2:]
    elif country:
        prefix, number = country.upper(), text
    else:
        return None, "has no country prefix and the party has no country"
    prefix = VAT_PREFIX_ALIASES.get(prefix, prefix)
    try:
        module = get_cc_module(vat_prefix_country(prefix).lower(), "vat")
    except (ImportError, ValueError):
        module = None
    if module is None:
        problem = shape_problem(number)
        if problem is not None or sum(c.isdigit() for c in number) < 4:
            return None, f"is not a VAT number of {prefix} ({problem or 'too few digits'})"
        return prefix + number, None
    if prefix == "NO" and number.isdigit():
        number += "MVA"  # the organisation number alone; the VAT id adds MVA
    try:
        canonical = str(module.validate(prefix + number))
    except ValidationError as exc:
        return None, f"is not a valid {prefix} VAT number ({_why(exc)})"
    except (ValueError, TypeError, IndexError, KeyError):
        return None, f"is not a valid {prefix} VAT number"
    canonical = compact(canonical)
    if not canonical.startswith(prefix) and not (prefix == "EL" and canonical.startswith("GR")):
        canonical = prefix + canonical
    return canonical, None


@cache
def icd_id(code: str, value: str) -> tuple[str | None, str | None]:
    """``(compact identifier, None)`` or ``(None, reason)`` for an identifier under ICD ``code``."""
    code = code.strip()
    if code not in icd_codes():
        return None, f"scheme {code!r} is not an ISO 6523 ICD code"
    text = compact(value)
    problem = shape_problem(text)
    if problem is not None:
        return None, problem
    module = ICD_VALIDATORS.get(code)
    if module is not None:
        failed = _stdnum(module, text)
        if failed is not None:
            return None, failed
    digits = ICD_DIGITS.get(code)
    if digits is not None and not (text.isdigit() and len(text) == digits):
        return None, f"must be {digits} digits under ICD {code}"
    if code == "0088" and len(text) != 13:
        return None, "must be 13 digits (GLN)"
    return text, None


@cache
def tax_id(value: str, country: str | None) -> tuple[str | None, str | None]:
    """``(compact tax number, None)`` or ``(None, reason)`` for a tax registration (BT-32)."""
    return _checked_by_country(value, country, TAX_VALIDATORS)


@cache
def legal_id(value: str, country: str | None) -> tuple[str | None, str | None]:
    """``(compact id, None)`` or ``(None, reason)`` for a legal registration id written without
    a scheme: checked by the register of the party's country where python-stdnum knows it."""
    return _checked_by_country(value, country, LEGAL_VALIDATORS)


def _checked_by_country(
    value: str, country: str | None, validators: Mapping[str, tuple[str, ...]]
) -> tuple[str | None, str | None]:
    """``value`` compacted and checked by its shape, then by the python-stdnum modules of its
    country in ``validators`` (valid when any one accepts it; no module: the shape only)."""
    text = compact(value)
    problem = shape_problem(text)
    if problem is not None:
        return None, problem
    modules = validators.get((country or "").upper(), ())
    if modules:
        failures = [f for m in modules if (f := _stdnum(m, text)) is not None]
        if len(failures) == len(modules):
            return None, failures[0]
    return text, None


@cache
def lei_id(value: str) -> tuple[str | None, str | None]:
    """``(LEI, None)`` or ``(None, reason)``: ISO 17442, 20 characters, mod 97-10 check digits."""
    text = compact(value)
    failed = _stdnum("lei", text)
    return (None, failed) if failed else (text, None)


#: the forms a member's legal id may take (``member add --legal-id``), as the refusal names them
MEMBER_LEGAL_ID_FORMS = (
    "an LEI (ISO 17442: 20 characters with mod 97-10 check digits), a VAT id with its country "
    "prefix (EN 16931 BT-31), a GLN (13 digits with the GS1 check digit), or an identifier "
    "under an ISO 6523 ICD scheme written <ICD>:<id> (BT-29/BT-30, e.g. 0192:987654325)"
)
_ICD_PREFIXED = re.compile(r"^\s*(\d{4})\s*:\s*(.+)$", re.DOTALL)
#: a scheme's name written before the identifier (``VAT:DK13585628``, ``LEI: 5493…``): no form
#: of a legal id has one, and read as a VAT id it would be another company's (``VA`` + …)
_NAME_PREFIXED = re.compile(r"^\s*([A-Za-z][A-Za-z .-]*?)\s*:\s*(.*)$", re.DOTALL)


def member_legal_id(value: str) -> tuple[str | None, str | None]:
    """``(canonical legal id, None)`` or ``(None, reason)`` for a member's legal id.

    A member's legal id is compared (hashed, ``ledger.network.legal_id_hash``) with the seller
    identifiers of lodged files to attribute a borrower (``docs/audit.md``), so it takes the
    forms and the canonical values those identifiers have (``facts.make_party_id``): an LEI, a
    GLN, a VAT id with its country prefix, or ``<ICD>:<id>`` (ICD 0199 is an LEI, 0088 a GLN,
    written bare). Each is checked by its scheme (python-stdnum; the ICD code against the ISO
    6523 list). A bare national registration number is refused: without its scheme or country
    it cannot be checked, nor matched.
    """
    prefixed = _ICD_PREFIXED.match(value)
    if prefixed is not None:
        code, number = prefixed[1], prefixed[2]
        canonical, problem = icd_id(code, number)
        if canonical is None:
            return None, f"is not an identifier under ISO 6523 ICD {code} ({problem})"
        if code == "0199":
            return lei_id(canonical)
        return (canonical, None) if code == "0088" else (f"{code}:{canonical}", None)
    named = _NAME_PREFIXED.match(value)
    if named is not None:
        return None, (
            f"must be {MEMBER_LEGAL_ID_FORMS}, without a scheme name before it: write "
            f"{named[2].strip()!r}, not {value.strip()!r}"
        )
    text = compact(value)
    if not text:
        return None, "is empty"
    if len(text) == 20 and text.isalnum():
        canonical, problem = lei_id(text)
        if canonical is None:
            return None, f"is not a valid LEI, ISO 17442 ({problem})"
        return canonical, None
    if len(text) == 13 and text.isdigit():
        canonical, problem = icd_id("0088", text)
        return (canonical, None) if canonical else (None, f"is not a valid GLN ({problem})")
    if len(text) >= 2 and text[:2].isalpha():
        canonical, problem = vat_id(text, None)
        if canonical is not None:
            return canonical, None
        return None, f"must be {MEMBER_LEGAL_ID_FORMS}; read as a VAT id it {problem}"
    return None, f"must be {MEMBER_LEGAL_ID_FORMS}"


def check_member_legal_id(value: str, field: str = "legal_id") -> str:
    """A member's legal id in canonical form ("" when none is given), else
    :class:`InvalidInput` naming ``field`` and the rule (:func:`member_legal_id`; no control
    character: ``ledger.controls``)."""
    refuse_control(value, field)
    if not value.strip():
        return ""
    canonical, problem = member_legal_id(value)
    if canonical is None:
        raise InvalidInput(field, problem or "is not a legal id", value=value.strip())
    return canonical


def national_parts(value: str) -> tuple[str | None, str]:
    """``(country, number)`` of the value of a party id of :data:`NATIONAL_SCHEMES`
    (:func:`ledger.documents.facts.national_id`): the country is None for a bare number."""
    register, sep, number = value.rpartition(":")
    return (register or None, number) if sep else (None, value)


def vat_prefix_country(prefix: str) -> str:
    """The ISO 3166-1 country of a VAT id's two-letter ``prefix`` (``EL`` is Greece, ``XI``
    Northern Ireland; any other prefix is its country)."""
    return _VAT_PREFIX_COUNTRIES.get(prefix, prefix)
