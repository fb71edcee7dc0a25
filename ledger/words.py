"""The small vocabulary every readable output shares: money, times, names, codes.

The chain speaks in minor units, Unix seconds, ``bytes3`` currencies, ``bytes32`` references,
enum numbers and addresses. People read major units with their currency (``9,999.99 DKK``),
ISO 8601 UTC times, ``DKK``, ``A-42``, ``regulator`` and ``Bank A (0x…)``. These helpers turn
the first into the second; :mod:`ledger.messages` (errors) and :mod:`ledger.eventwords` (events)
build their sentences from them, for the API and the CLI alike.

Who an address is, and which currency a financing is in, is known only to a layer that can read
the chain or the index. That layer passes a :class:`Names` (``ledger.services.names.LedgerNames``
over the chain and the gateway's members, ``ledger.services.audit.IndexNames`` over the index);
:data:`NO_NAMES` knows nothing, and every helper still answers without it.

Bottom layer: imports only :mod:`ledger.documents.currencies` and the contract's enums
(:mod:`ledger.services.roles`, a leaf module with no imports of its own but ``ledger.errors``).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Literal, Protocol

from eth_utils.address import to_checksum_address
from pydantic import PlainSerializer, WithJsonSchema

from ledger.documents.currencies import minor_unit_exponent
from ledger.services.roles import ContractEnum


class Names(Protocol):
    """What a layer that can read the ledger knows about addresses and financings."""

    def member(self, address: str) -> str | None:
        """The display name of the member at ``address``, or None when unknown."""

    def financing_currency(self, financing_id: int) -> str | None:
        """The ISO 4217 code of financing ``financing_id``, or None when unknown."""


class _NoNames:
    """Knows no names and no currencies."""

    def member(self, address: str) -> str | None:
        return None

    def financing_currency(self, financing_id: int) -> str | None:
        return None


#: a :class:`Names` that knows nothing (every helper still answers)
NO_NAMES: Names = _NoNames()


# -- money ------------------------------------------------------------------------------------


def major(amount: int, currency: str) -> str:
    """``amount`` minor units of ``currency`` as a plain decimal in major units:
    ``major(374000, "DKK") == "3740.00"``, ``major(5, "JPY") == "5"``."""
    exponent = minor_unit_exponent(currency)
    value = Decimal(int(amount)).scaleb(-exponent)
    return f"{value:.{exponent}f}"


def money(amount: int, currency: str | None) -> str:
    """``amount`` minor units for people: ``9,999.99 DKK``; without a known currency, the
    minor units, said so (``999999 minor units``)."""
    if not currency:
        return f"{int(amount):,} minor units"
    exponent = minor_unit_exponent(currency)
    value = Decimal(int(amount)).scaleb(-exponent)
    return f"{value:,.{exponent}f} {currency}"


# -- time -------------------------------------------------------------------------------------

#: how much of a second a time shows: ``seconds`` for every chain time (a block's timestamp is
#: whole seconds), a fraction only where the gateway's own clock measured one
Precision = Literal["seconds", "milliseconds", "microseconds"]


def utc_text(moment: datetime | int | float, precision: Precision = "seconds") -> str:
    """A UTC time as the one RFC 3339 form every output uses: ``2026-03-01T09:30:12Z``, or with
    ``precision`` ``2026-03-01T09:30:12.345Z`` / ``2026-03-01T09:30:12.345678Z``.

    ``moment`` is a ``datetime`` (an aware one in any zone is converted to UTC; a naive one is
    read as UTC) or Unix seconds. Raises ``ValueError``/``OverflowError`` as ``datetime`` does for
    a time outside years 1..9999."""
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, UTC)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec=precision).replace("+00:00", "Z")


def iso_time(seconds: int) -> str:
    """Unix seconds as ISO 8601 UTC: ``2026-03-01T09:30:12Z`` (:func:`utc_text`)."""
    return utc_text(int(seconds))


#: how an output time is described in the OpenAPI schema: RFC 3339 text
_TIME_SCHEMA = WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization")
#: a pydantic ``datetime`` field written in JSON as :func:`utc_text` (whole seconds, ``Z``)
UtcSeconds = Annotated[
    datetime,
    PlainSerializer(lambda t: utc_text(t), return_type=str, when_used="json"),
    _TIME_SCHEMA,
]
#: a pydantic ``datetime`` field of the gateway's own clock, written with its microseconds
UtcMicroseconds = Annotated[
    datetime,
    PlainSerializer(lambda t: utc_text(t, "microseconds"), return_type=str, when_used="json"),
    _TIME_SCHEMA,
]


# -- chain codes ------------------------------------------------------------------------------


def _raw(value: bytes | str) -> bytes:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    text = value.removeprefix("0x")
    try:
        return bytes.fromhex(text)
    except ValueError:
        return value.encode()


def hex_of(value: bytes | str) -> str:
    """Bytes (or hex text) as lower-case ``0x`` hex."""
    return "0x" + _raw(value).hex()


def currency_code(value: bytes | str) -> str:
    """A ``bytes3`` currency (bytes or ``0x444b4b``) as its code: ``DKK``."""
    return _raw(value).rstrip(b"\0").decode("ascii", errors="replace")


def reference_text(value: bytes | str) -> str:
    """A ``bytes32`` reference (UTF-8, right-padded with zeros) as text: ``A-42``."""
    return _raw(value).rstrip(b"\0").decode("utf-8", errors="replace")


def enum_name(enum: type[ContractEnum], value: int | str) -> str:
    """An enum number as its lower-case name (``role 4`` → ``regulator``); an unknown number
    stays a number, said so."""
    try:
        return enum(int(value)).name.lower()
    except ValueError:
        return f"unknown {enum.__name__} {value}"


def enum_words(enum: type[ContractEnum], value: int | str) -> str:
    """An enum number in words: ``INVOICE_FINANCING`` → ``invoice financing``."""
    return enum_name(enum, value).replace("_", " ")


def is_zero(value: bytes | str | None) -> bool:
    """True for None, empty or all-zero bytes (the contract's "none")."""
    return value is None or not any(_raw(value))


# -- who --------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)  # a ledger has few members, and a keccak per line is an export's cost
def checksummed(address: str) -> str:
    """An address in its EIP-55 mixed-case form (as given when it is not an address)."""
    try:
        return str(to_checksum_address(str(address)))
    except ValueError:
        return str(address)


def who(address: str, names: Names = NO_NAMES) -> str:
    """A member as people read it: ``Bank A (0x5aAe…)`` when its name is known, else the
    (checksummed) address."""
    address = checksummed(address)
    return named(address, names.member(address))


def named(address: str, name: str | None) -> str:
    """The member at ``address`` whose ``name`` is known as people read it (:func:`who`):
    ``Bank A (0x5aAe…)``, the full checksummed address; the address alone, once, without a
    name — or with a "name" that is only its address (``0x5aAe… (0x5aAe…)`` said it twice).
    Every surface that names a member beside its address says it through here."""
    address = checksummed(address)
    if not name or not name.strip() or checksummed(name.strip()) == address:
        return address
    return f"{name} ({address})"


def financing_money(amount: int, financing_id: int, names: Names = NO_NAMES) -> str:
    """An amount of financing ``financing_id``, in its currency when ``names`` knows it."""
    return money(amount, names.financing_currency(int(financing_id)))


def jsonable(value: Any) -> Any:
    """Bytes as ``0x`` hex, tuples as lists, a ``datetime`` as :func:`utc_text`, anything else
    unknown as text (JSON-safe)."""
    if isinstance(value, datetime):
        return utc_text(value, "microseconds" if value.microsecond else "seconds")
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


# -- text that cannot be turned against its reader ---------------------------------------------

#: characters a terminal acts on instead of showing: C0 (with TAB, CR and LF), DEL, C1, the
#: Unicode line and paragraph separators, and the bidirectional marks, embeddings, overrides and
#: isolates (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069: "Trojan Source", CVE-2021-42574)
_CONTROLS = [
    *range(0x00, 0x20),
    *range(0x7F, 0xA0),
    0x061C,
    0x200E,
    0x200F,
    0x2028,
    0x2029,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
]
#: each such character as Python writes it in a string literal: ``\r``, ``\x1b``, ``\u202e``
_VISIBLE = {c: chr(c).encode("unicode_escape").decode("ascii") for c in _CONTROLS}
#: a character outside printable ASCII, to look up: a control (Cc), a format character (Cf: a
#: ZERO WIDTH SPACE, a BOM, a word joiner, a soft hyphen, every bidi control) or a line or
#: paragraph separator (Zl, Zp) is invisible, or acts, instead of showing
_NOT_ASCII = re.compile(r"[^\x20-\x7e]")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    if ord(char) in _VISIBLE or unicodedata.category(char) in _INVISIBLE_CATEGORIES:
        return char.encode("unicode_escape").decode("ascii")
    return char


def visible(text: str) -> str:
    r"""``text`` for a terminal: every control character (C0 with CR, LF and TAB, DEL, C1) and
    every invisible one (Unicode format characters, Cf: ``\u200b`` ZERO WIDTH SPACE, ``\ufeff``,
    the bidi controls; the line and paragraph separators) written out as its escape, everything
    else unchanged. A document number ``ESC-809`` + ESC ``[2K`` + CR ``FAKE`` is shown as
    ``ESC-809\x1b[2K\rFAKE`` (backslashes and letters): one line, nothing on it overwritten or
    reordered; ``INV`` + ZERO WIDTH SPACE + ``-1`` is ``INV\u200b-1``, not a twin of ``INV-1``."""
    return _NOT_ASCII.sub(_shown, text)


def visible_lines(text: str) -> str:
    """:func:`visible` on each line of ``text``: the line breaks between lines stay."""
    return "\n".join(visible(line) for line in text.split("\n"))


#: a cell that is a plain number (an amount, a block number: ``-12.50`` stays a number)
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
#: the first characters that make a spreadsheet read a cell as a formula (OWASP, CSV Injection)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """``value`` safe as a CSV cell that a spreadsheet opens: a text starting with ``=``, ``+``,
    ``-``, ``@``, TAB or CR gets a leading ``'`` (OWASP's rule for CSV injection: the program
    then shows the text instead of running it as a formula), unless it is a plain number.
    Numbers and every other value are returned unchanged."""
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_STARTS)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value
