"""A field named as the client wrote it, from a validator's error location.

pydantic locates an error by the path it walked, which is not always the path the client wrote:
it adds the member of a union it tried (``maturity`` → ``("maturity", "date")`` and
``("maturity", "datetime")`` for a ``date | datetime``) and a validator's tag. Walking that path
against the JSON value the client sent tells the two apart: a part that goes below a value sent
as a scalar (text, a number) names nothing the client wrote, and is dropped. The API's
validation errors (``api.errors``) and the proof reader (``ledger.services.proof``) name their
fields this way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["FILE", "path_text", "sent_path"]

#: the name of an uploaded file as a whole: the multipart field a client sends it as (``-F
#: file=@invoice.xml``; a batch's ``files[i]``), the CLI's ``FILE``. A reader's refusal of a
#: file as a whole (not well-formed XML or JSON, no invoice at its root, an unreadable embedded
#: file) names it so, never by the reader's own name for it (``xml``, ``json``, ``root element``,
#: ``attachment factur-x.xml``, a tryout), its position and the reason in the rule
FILE = "file"


def sent_path(parts: Sequence[str | int], sent: Any) -> list[str | int]:
    """The leading ``parts`` that name what was ``sent`` (a parsed JSON value): keys of the
    objects and places in the arrays the client wrote, and a key it left out (a missing
    field); the parts below a scalar it sent are a validator's and are dropped."""
    kept: list[str | int] = []
    current = sent
    for part in parts:
        if isinstance(current, dict):
            kept.append(part)
            current = current.get(part) if isinstance(part, str) else None
        elif isinstance(current, list) and isinstance(part, int):
            kept.append(part)
            current = current[part] if 0 <= part < len(current) else None
        elif current is None and not kept:
            kept.append(part)  # nothing was sent: its fields are named
        else:
            break  # below a scalar the client sent: a union member's or validator's tag
    return kept


def path_text(parts: Sequence[str | int]) -> str:
    """A path as JSON paths are written here: ``documents[0].amount``; empty for none."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
