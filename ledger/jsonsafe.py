"""The one conversion from chain values to JSON-safe values.

What web3 hands back — decoded event arguments, call results, receipts — holds types JSON does
not know: ``bytes`` and ``HexBytes`` (a ``bytes32``, a ``bytes3`` currency, a ``bytes32[]`` of
fingerprints), tuples (structs, arrays), ``AttributeDict`` mappings, enums. FastAPI's encoders
read ``bytes`` as UTF-8 text, which fails on almost every hash: one such value anywhere in a
response used to turn the whole response into a 500. Every chain value that reaches a response
or the event index without being picked into a typed field goes through :func:`jsonable`:

- bytes of any kind → lower-case ``0x`` hex (``b"\\x01\\xab"`` → ``"0x01ab"``);
- tuples, lists, sets → lists (sets sorted by their JSON text, so the output is stable);
- mappings (``dict``, ``AttributeDict``) → ``dict`` with string keys;
- enums → their lower-case name (an ``IntEnum`` is a name, not a number);
- ``datetime`` → RFC 3339 UTC text ending in ``Z`` (:func:`ledger.words.utc_text`), ``date`` →
  ``YYYY-MM-DD``; ``Decimal`` → its exact text;
- ``str``, ``bool``, ``None``, finite floats and ints of any size stay as they are (JSON
  numbers are exact; a uint256 is written in full);
- anything else → ``str(value)``.

The index's canonical JSON (``ledger.indexer.decode``) is this function's output with sorted
keys, so a stored event reads the same through the API as it was hashed by ``audit verify``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from ledger.words import utc_text

__all__ = ["jsonable"]


def jsonable(value: Any) -> Any:
    """``value`` as JSON-safe Python values (see the module docstring); never raises."""
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, Enum):
        return value.name.lower()
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "0x" + bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, datetime):
        return utc_text(value, "microseconds" if value.microsecond else "seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)
