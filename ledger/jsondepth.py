"""A guard against deeply nested JSON, checked before any parser sees the bytes.

Importing py-evm raises Python's recursion limit to 100,000 (the EVM's call depth needs it). In
such a process ``json.loads`` of a document nested tens of thousands of levels deep overflows the
C stack and kills the process instead of raising. Every place that parses untrusted JSON in the
gateway therefore checks the nesting depth first, in one linear scan that allocates nothing.
"""

from __future__ import annotations

from ledger.errors import InvalidInput

#: deeper than any legitimate request or document the gateway accepts
MAX_JSON_DEPTH = 64

_OPEN = frozenset(b"[{")
_CLOSE = frozenset(b"]}")
_QUOTE = ord('"')
_BACKSLASH = ord("\\")


def json_depth(data: bytes) -> int:
    """The maximum nesting depth of brackets in ``data``, ignoring those inside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == _BACKSLASH:
                escaped = True
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif byte in _CLOSE:
            depth -= 1
    return deepest


def check_json_depth(data: bytes, field: str = "body", max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raise InvalidInput when ``data`` nests deeper than ``max_depth``."""
    if json_depth(data) > max_depth:
        raise InvalidInput(field, f"JSON must not nest deeper than {max_depth} levels")
