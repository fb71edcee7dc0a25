"""JSON numbers as the client wrote them, and where a JSON text holds a number JSON does not have.

**As written.** Python's parser reads ``1e3`` as the float ``1000.0``, ``1.5e2`` as ``150.0`` and
``-0`` as ``0``: an error that quoted the value it refused said "not 1000.0" of a number the
client wrote ``1e3`` (a tryout). A parser given these hooks keeps the literal beside the value —
:class:`WrittenFloat` (the API's bodies, ``parse_float``), :class:`WrittenDecimal` and
:class:`WrittenInt` (the JSON forms, ``parse_float`` and ``parse_int``) — a number in every other
respect, and :func:`as_written` quotes any parsed JSON value the way the client sent it. One
place for the API's refusals (:mod:`api.bodycheck`) and the JSON form's
(:mod:`ledger.documents.jsonform`).

**A whole number, as written.** ``true`` is an ``int`` to Python (``bool`` subclasses it) and
``-0`` is ``0`` once parsed: a check ``isinstance(x, int)`` took both for a count or a code.
:func:`is_whole_number` is the one test of a JSON integer a field may take — an ``int``, never
a ``bool``, written as its own digits (a :class:`WrittenInt` ``-0`` is not) — for the API's
integer fields (:data:`api.bodycheck.JsonInt`), the fingerprint evaluator's requests and a join
request's fields.

**Not JSON.** ``NaN``, ``Infinity``, ``-Infinity`` (RFC 8259 §6 allows none; Python's parser
accepts them): :func:`constant_at`, one walker for the API's bodies (:mod:`api.limits`) and the
uploaded JSON forms (:mod:`ledger.documents.jsonform`), so both name the field the same way:
``amount``, ``documents[0].amount``, ``lines[2].quantity``. A number that overflows a float
(``1e400``) is JSON: the field it is given to refuses it in its own words (an amount too large,
a value that is not a JSON integer), the same words on every route.

**Exponent notation.** A whole-number field (an amount in minor units, a count, a code, a
limit, a path's id, Unix seconds) takes digits alone: ``1e2`` and ``1e400`` are refused by one
rule, :func:`exponent_rule`, whatever their magnitude — the API's bodies, query strings and
paths, and the CLI's arguments alike. ``1e400`` was told it "is too large" and ``1e2`` to be
"a JSON integer" (a tryout): the fault of both is the notation."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import TypeGuard, TypeVar

__all__ = [
    "NonFiniteLiteral",
    "WrittenDecimal",
    "WrittenFloat",
    "WrittenInt",
    "as_written",
    "constant_at",
    "constant_rule",
    "exponent_rule",
    "in_exponent_notation",
    "is_whole_number",
    "non_finite_at",
    "parse_keeping_literals",
    "rounded_at",
]

T = TypeVar("T")

#: the longest literal an error quotes whole (a longer one is cut, with ``...``)
QUOTED_LENGTH = 40


class WrittenFloat(float):
    """A JSON number with a fraction or an exponent read as a float, keeping its literal
    (``written``: ``1e3``) for an error to quote. Serialised (``json.dumps``) as any float."""

    written: str

    def __new__(cls, literal: str) -> WrittenFloat:
        number = super().__new__(cls, literal)
        number.written = literal
        return number


class WrittenDecimal(Decimal):
    """A JSON number with a fraction or an exponent read as a Decimal (exactly), keeping its
    literal (``written``: ``1.5e-7``, where ``str`` gives ``1.5E-7``)."""

    written: str

    def __new__(cls, literal: str) -> WrittenDecimal:
        number = super().__new__(cls, literal)
        number.written = literal
        return number


class WrittenInt(int):
    """A JSON integer keeping its literal (``written``: ``-0``, where ``str`` gives ``0``)."""

    written: str

    def __new__(cls, literal: str) -> WrittenInt:
        number = super().__new__(cls, literal)
        number.written = literal
        return number


#: a number written with an exponent: ``1e2``, ``1E+3``, ``-2.5e-3``, ``.5e1``
_EXPONENT = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)[eE][-+]?\d+")


def in_exponent_notation(value: object) -> bool:
    """Whether ``value`` — text as given (a query value, a CLI argument) or parsed JSON with its
    literal kept (:class:`WrittenFloat`) — is a number written with an exponent."""
    written = value if isinstance(value, str) else getattr(value, "written", None)
    return isinstance(written, str) and _EXPONENT.fullmatch(written.strip()) is not None


def exponent_rule(written: str) -> str:
    """The one rule a whole-number field's value in exponent notation breaks, in the same words
    whatever its magnitude (``1e2``, ``1e400``), quoting it as written."""
    return f"must be a whole number written in digits alone, not in exponent notation ({written})"


def is_whole_number(value: object) -> TypeGuard[int]:
    """Whether parsed JSON ``value`` is an integer as JSON writes one: an ``int`` but never a
    ``bool`` (``true`` is not 1), and, where its literal was kept (:class:`WrittenInt`), written
    as its own digits — ``-0`` is not (JSON allows no leading zero, so it is the one integer
    literal that is not). Its sign and range are the field's to check."""
    if not isinstance(value, int) or isinstance(value, bool):
        return False
    written = getattr(value, "written", None)
    return written is None or written == str(int(value))


def as_written(value: object) -> str:
    """``value`` (parsed JSON) as the client wrote it, for an error message: a number by its
    literal where the parser kept it (``1e3``, ``-0``), anything else as JSON writes it
    (``true``, ``"100"``); an array or an object in words. Cut at :data:`QUOTED_LENGTH`
    characters."""
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    written = getattr(value, "written", None)
    if isinstance(written, str):
        text = written
    elif isinstance(value, Decimal):
        text = str(value)
    else:
        text = json.dumps(value, default=str)
    return text if len(text) <= QUOTED_LENGTH else text[: QUOTED_LENGTH - 3] + "..."


class NonFiniteLiteral(str):
    """``NaN``, ``Infinity`` or ``-Infinity`` as written in a JSON text."""


def parse_keeping_literals(text: str) -> object:
    """``text`` parsed with each ``NaN``/``Infinity``/``-Infinity`` kept as the
    :class:`NonFiniteLiteral` written there (ValueError when it is not JSON otherwise)."""
    return json.loads(text, parse_constant=NonFiniteLiteral)


def rounded_at(value: object, path: str = "") -> tuple[str, str, str] | None:
    """The path (``totalAmount.value``; ``""``: ``value`` itself) of the first number in parsed
    JSON ``value`` (read with :class:`WrittenFloat`) that its float does not hold — more
    significant digits than a float keeps (``0.30000000000000001`` is ``0.3``), too small for
    one (``1e-999999999`` is ``0.0``) or too large (``1e400`` is ``Infinity``) — with its
    literal and what the float keeps (JSON as ``json.dumps`` writes it); None when every number
    is kept. ``1e3`` is kept (``1000.0``: the same number written otherwise). A JSON text with
    such a number has no canonical form: two texts whose numbers differ would have the same
    (:func:`ledger.services.documents.canonical_form`)."""

    def here(item: object, at: str) -> tuple[str, str, str] | None:
        if isinstance(item, WrittenFloat):
            kept = json.dumps(float(item))
            if not math.isfinite(item) or Decimal(item.written) != Decimal(kept):
                return at, item.written, kept
        return None

    return _first(value, path, here)


def constant_rule(literal: str) -> str:
    """The rule a JSON text breaks with ``literal`` (``NaN``, ``Infinity``, ``-Infinity``): one
    wording for a request body and an uploaded JSON form alike."""
    return (
        f"is not JSON: {literal} is not a JSON number (RFC 8259 §6 allows no NaN or Infinity): "
        "send a value of the field's type"
    )


def constant_at(value: object, path: str = "") -> tuple[str, str] | None:
    """The path (``documents[0].amount``; ``""``: ``value`` itself) of the first ``NaN``,
    ``Infinity`` or ``-Infinity`` in JSON ``value`` parsed by :func:`parse_keeping_literals`,
    with that literal; None when there is none. A number that overflows a float (``1e400``) is
    JSON, not one of these: each field words it by its own rule (an amount too large, a value
    that is not a JSON integer)."""

    def here(item: object, at: str) -> tuple[str, str] | None:
        return (at, str(item)) if isinstance(item, NonFiniteLiteral) else None

    return _first(value, path, here)


def non_finite_at(value: object, path: str = "") -> tuple[str, str | None] | None:
    """The path (``documents[0].amount``; ``""``: ``value`` itself) of the first non-finite
    number in parsed JSON ``value``, with the literal written there (a
    :class:`NonFiniteLiteral`), or None for a number that overflowed; None when there is none."""

    def here(item: object, at: str) -> tuple[str, str | None] | None:
        if isinstance(item, NonFiniteLiteral):
            return at, str(item)
        if isinstance(item, float) and not math.isfinite(item):
            return at, None
        return None

    return _first(value, path, here)


def _first(value: object, path: str, here: Callable[[object, str], T | None]) -> T | None:
    """What ``here`` finds first in parsed JSON ``value`` (``value`` itself, then its members
    and items in order, depth first), each at its path (``documents[0].amount``)."""
    found = here(value, path)
    if found is not None:
        return found
    if isinstance(value, dict):
        for key, item in value.items():
            found = _first(item, f"{path}.{key}" if path else str(key), here)
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = _first(item, f"{path}[{i}]", here)
            if found is not None:
                return found
    return None
