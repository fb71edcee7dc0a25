"""Cursors of the lists paged by an id (members, proposals, financings, the evaluator's log).

A list answers ``next_cursor``: the id of its last item as decimal text. The next page is read
after that id. Anything a list never returned is refused rather than read as "from the start".
"""

from __future__ import annotations

from ledger.errors import InvalidInput

_MAX_DIGITS = 18  # below 2**63: a SQL INTEGER on SQLite and PostgreSQL
RULE = "must be a next_cursor returned by this list"


def id_cursor(text: str | None) -> int:
    """The row id a ``next_cursor`` names; 0 (from the start) when none is given.

    Raises InvalidInput naming ``cursor`` for anything else than 1 to 18 ASCII digits with no
    leading zero (ids start at 1, and a list writes them without one): a sign, spaces, other
    numerals (``int`` would accept ``" +5"`` and ``"٥"``), ``01`` or ``0``, more digits than
    an id has. The members, proposals, financings and evaluator-log lists all read theirs here:
    one rule, one wording."""
    if text is None or text == "":
        return 0
    if not (text.isascii() and text.isdigit()) or len(text) > _MAX_DIGITS or text[0] == "0":
        raise InvalidInput("cursor", RULE, value=text)
    return int(text)
