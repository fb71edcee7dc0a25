"""JSON whose objects name a key twice is refused, not read as its last value.

``{"documentNumber": "A", "documentNumber": "B"}`` is valid JSON to Python's parser, which keeps
the last value without a word (RFC 8259 §4: names "SHOULD be unique"; parsers differ on which
one wins). Which of the two did the sender mean? A request that says both is refused naming the
key, with its place in the document (``documents[0].amount``), before anything acts on it.
"""

from __future__ import annotations

import json
from typing import Any

from ledger.errors import InvalidInput

RULE = "is given more than once in the same JSON object: give each key once"


class _Repeats(dict[str, Any]):
    """A parsed JSON object that names ``repeated`` (its first repeated key) more than once."""

    repeated: str


def _first_repeat(value: Any, path: str) -> tuple[str, str] | None:
    """The place (``documents[0].amount``) and the key of the first repeated key in ``value``."""
    if isinstance(value, _Repeats):
        return (f"{path}.{value.repeated}" if path else value.repeated), value.repeated
    items: Any
    if isinstance(value, dict):
        items = ((f"{path}.{k}" if path else k, v) for k, v in value.items())
    elif isinstance(value, list):
        items = ((f"{path}[{i}]", v) for i, v in enumerate(value))
    else:
        return None
    for where, item in items:
        found = _first_repeat(item, where)
        if found is not None:
            return found
    return None


def loads_unique(data: bytes | str, **options: Any) -> Any:
    """``json.loads(data, **options)``, refusing an object that names a key more than once:
    InvalidInput whose ``field`` is the key's place (``documents[0].amount``) and ``key`` the
    key. Not JSON at all: ``json.JSONDecodeError`` (or ``ValueError``), as from ``json.loads``.
    Check the nesting depth first (:func:`ledger.jsondepth.check_json_depth`): both recurse per
    level. ``options``: ``json.loads``'s own (``parse_float``, ``parse_int``,
    ``parse_constant``), not ``object_pairs_hook``."""
    repeats = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal repeats
        obj = dict(items)
        if len(obj) == len(items):
            return obj
        repeats = True
        marked = _Repeats(obj)
        seen: set[str] = set()
        for key, _ in items:
            if key in seen:
                marked.repeated = key
                break
            seen.add(key)
        return marked

    value = json.loads(data, object_pairs_hook=pairs, **options)
    if repeats:
        found = _first_repeat(value, "")
        if found is not None:
            where, key = found
            raise InvalidInput(where, RULE, key=key)
    return value
