"""Where a JSON text holds a number JSON does not have: ``NaN``, ``Infinity``, ``-Infinity``
(RFC 8259 §6 allows none; Python's parser accepts them) or one that overflows a float
(``1e400``). One walker for the API's bodies (:mod:`api.limits`) and the uploaded JSON forms
(:mod:`ledger.documents.jsonform`), so both name the field the same way: ``amount``,
``documents[0].amount``, ``lines[2].quantity``."""

from __future__ import annotations

import json
import math

__all__ = ["NonFiniteLiteral", "non_finite_at", "parse_keeping_literals"]


class NonFiniteLiteral(str):
    """``NaN``, ``Infinity`` or ``-Infinity`` as written in a JSON text."""


def parse_keeping_literals(text: str) -> object:
    """``text`` parsed with each ``NaN``/``Infinity``/``-Infinity`` kept as the
    :class:`NonFiniteLiteral` written there (ValueError when it is not JSON otherwise)."""
    return json.loads(text, parse_constant=NonFiniteLiteral)


def non_finite_at(value: object, path: str = "") -> tuple[str, str | None] | None:
    """The path (``documents[0].amount``; ``""``: ``value`` itself) of the first non-finite
    number in parsed JSON ``value``, with the literal written there (a
    :class:`NonFiniteLiteral`), or None for a number that overflowed; None when there is none."""
    if isinstance(value, NonFiniteLiteral):
        return path, str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return path, None
    if isinstance(value, dict):
        for key, item in value.items():
            found = non_finite_at(item, f"{path}.{key}" if path else str(key))
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = non_finite_at(item, f"{path}[{i}]")
            if found is not None:
                return found
    return None
