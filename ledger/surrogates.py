"""Text with a lone surrogate is not Unicode text.

JSON lets a string escape a UTF-16 code unit (``"\\ud800"``), so a parsed JSON value can hold
a surrogate that is not half of a pair: no character, which UTF-8 cannot encode (RFC 3629 §3)
and whose meaning RFC 8259 §8.2 calls unpredictable. The gateway's rule, everywhere:

* a JSON request body holding one is refused, a 422 naming where it sits
  (:func:`first_lone_surrogate`: ``documents[0].note``, or the key itself);
* a *file* whose JSON holds one is not a JSON document (it has no canonical form): it is
  registered, verified, checked and received as its raw bytes
  (:func:`ledger.services.documents.canonical_form`);
* error messages never fail on such text: it is written escaped (:func:`escape_surrogates`,
  ``\\ud800`` as the six characters ``\\``, ``u``, ``d``, ``8``, ``0``, ``0``).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["RULE", "escape_surrogates", "first_lone_surrogate", "has_lone_surrogate"]

#: any surrogate left in a Python str is a lone one (json.loads joins a valid pair)
_SURROGATE = re.compile("[\ud800-\udfff]")

RULE = (
    "holds a lone surrogate ({escaped}), which is not a Unicode character (RFC 8259 §8.2): "
    "send text as UTF-8, with each \\u escape a whole character or a high-low surrogate pair"
)


def has_lone_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def escape_surrogates(value: Any) -> Any:
    """``value`` with every lone surrogate in its strings (keys too) written as ``\\udXXX``
    text, so it encodes as UTF-8; anything else is returned as it is."""
    if isinstance(value, str):
        if not has_lone_surrogate(value):
            return value
        return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", value)
    if isinstance(value, dict):
        return {escape_surrogates(k): escape_surrogates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [escape_surrogates(v) for v in value]
    return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def first_lone_surrogate(value: Any, path: str = "") -> tuple[str, str] | None:
    """The place (``documents[0].note``; a key holding one is named by itself, escaped) and the
    escaped text of the first lone surrogate in a parsed JSON ``value``; None when it has none."""
    if isinstance(value, str):
        match = _SURROGATE.search(value)
        return None if match is None else (path or "body", escape_surrogates(match.group()))
    if isinstance(value, dict):
        for key, item in value.items():
            match = _SURROGATE.search(key)
            if match is not None:
                return _join(path, escape_surrogates(key)), escape_surrogates(match.group())
            found = first_lone_surrogate(item, _join(path, key))
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = first_lone_surrogate(item, f"{path}[{i}]")
            if found is not None:
                return found
    return None
