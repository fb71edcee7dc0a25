"""Cursors of the lists paged by a row id (financings, the evaluator's log).

A list answers ``next_cursor``: the id of its last item as decimal text. The next page is read
after that id. Anything a list never returned is refused rather than read as "from the start".
"""

from __future__ import annotations

from ledger.errors import InvalidInput

_MAX_DIGITS = 18  # below 2**63: a SQL INTEGER on SQLite and PostgreSQL


def id_cursor(text: str | None) -> int:
    """The row id a ``next_cursor`` names; 0 (from the start) when none is given.

    Raises InvalidInput naming ``cursor`` for anything else than 1 to 18 ASCII digits: a sign,
    spaces, or other numerals (``int`` would accept ``" +5"`` and ``"٥"``)."""
    if text is None or text == "":
        return 0
    if not (text.isascii() and text.isdigit()) or len(text) > _MAX_DIGITS:
        raise InvalidInput("cursor", "must be a next_cursor returned by this list", value=text)
    return int(text)
