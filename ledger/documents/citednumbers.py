"""How a credit note's preceding invoice reference (EN 16931 BT-25) names an invoice number.

A credit note names the invoice it corrects by its number, but people re-write it: with a word
for invoice before it (``RE-471102``, ``Rechnung Nr. A100234`` for ``471102`` and
``A100234``), with the invoice's year (``471102/2018``, ``S 5001/24``), with its digits grouped
(``471 102``) or its year in two digits (``FV 1/12/23``). Tryouts 90 to 93 lodged such notes
beside financed invoices and none was linked: the bank was told of no credit note.
:func:`cites` says whether a reference names an invoice so, read in clear at a gateway once a
lookup has found the two; :func:`lookup_forms` gives the forms both are looked up by (a
gateway's own keys, never on chain).

A reference and a number whose letters end differently name two invoices (``A100234`` and
``B100234``: two series of one seller); so do two whose digits differ beyond a year. Both are
normalised (:func:`ledger.documents.normalise.normalise_number`). A reference that could name
several invoices of its seller (``100234`` beside ``A100234`` and ``B100234``; ``471102``
beside the seller's two ``471102`` of two years) names none of them: :func:`named_among`
(tryouts 92 and 93 counted one note against each).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date

#: a run of ASCII digits (a normalised number writes every digit so)
_DIGITS = re.compile(r"[0-9]+")
_LETTERS = re.compile(r"[^0-9-]+")
#: the fewest digits a number needs to be named by its digits alone, its year aside (``CN-7``
#: is not ``7``; ``RE-0815`` is ``0815``, tryout 93)
MIN_DIGITS = 3
#: a run of this many digits or more is a serial number (a lookup form of its own)
SERIAL_DIGITS = 6
#: the prefix of a lookup form by digits: no normalised number starts so (they are upper case
#: letters, digits and ``-``)
DIGITS_FORM = "~digits~"


def _runs(number: str) -> list[str]:
    return _DIGITS.findall(number)


def _letters(number: str) -> str:
    return "".join(_LETTERS.findall(number))


def _is_year(run: str) -> bool:
    return len(run) == 4 and run[:2] in ("19", "20")


def _year_shaped(run: str) -> bool:
    return _is_year(run) or len(run) == 2


def _without_a_year(runs: list[str], is_year: Callable[[str], bool]) -> Iterator[list[str]]:
    """``runs``, and ``runs`` without its first or its last run where that is a year."""
    yield runs
    if len(runs) > 1 and is_year(runs[-1]):
        yield runs[:-1]
    if len(runs) > 1 and is_year(runs[0]):
        yield runs[1:]


def _digit_forms(number: str) -> list[str]:
    forms: list[str] = []
    for runs in _without_a_year(_runs(number), _year_shaped):
        every = "".join(runs)
        # a year in four digits also as two: ``FV 1/12/23`` names ``FV 1/12/2023`` (tryout 92)
        short = "".join(r[2:] if _is_year(r) else r for r in runs)
        forms += [f for f in (every, short) if len(f) >= MIN_DIGITS]
    forms += [r for r in _runs(number) if len(r) >= SERIAL_DIGITS]
    return list(dict.fromkeys(forms))


def lookup_forms(number: str) -> list[str]:
    """The forms a normalised ``number`` is looked up by, beside itself: its digits run
    together (``RE471102``, ``471-102`` → ``~digits~471102``) when it has
    :data:`MIN_DIGITS` or more, so again with a year in four digits written in two, and so
    again without a first or last run shaped as a year (``S5001-24`` → ``~digits~5001``);
    and each run of :data:`SERIAL_DIGITS` digits or more. Without ``number`` itself; no
    duplicates."""
    return [DIGITS_FORM + f for f in _digit_forms(number)]


def _grouped(runs: list[str]) -> bool:
    """The digits are one run (``RE471102``), or grouped by thousands (``471-102``,
    ``1-234-567``: 1 to 3 digits, then runs of 3): a way to write one serial number, not
    several numbers (``FV1-12-2023`` is a day, a month and a year)."""
    return len(runs) == 1 or (1 <= len(runs[0]) <= 3 and all(len(r) == 3 for r in runs[1:]))


def plain_forms(number: str) -> list[str]:
    """The invoice number a reference ``number`` names beside itself whatever the invoice's
    issue date, as a number: its digits run together when they are one serial number written
    with letters or grouped (``RE471102``, ``471-102`` → ``["471102"]``); none for one whose
    year would need the invoice's date to tell (``471102-2018``: the seller's ``471102`` of
    2013 too), or several numbers (``FV1-12-2023``)."""
    runs = _runs(number)
    digits = "".join(runs)
    if len(digits) < MIN_DIGITS or digits == number or not runs or not _grouped(runs):
        return []
    return [digits]


def _same_runs(a: list[str], b: list[str]) -> bool:
    """The same runs of digits in the same order, a year in four digits meeting it in two
    (``1-12-2023`` and ``1-12-23``)."""
    return len(a) == len(b) and all(
        x == y or (_is_year(x) and x[2:] == y) or (_is_year(y) and y[2:] == x)
        for x, y in zip(a, b, strict=True)
    )


def _same_digits(a: list[str], b: list[str]) -> bool:
    if sum(len(r) for r in a) < MIN_DIGITS:
        return False
    if _same_runs(a, b):
        return True
    return "".join(a) == "".join(b) and _grouped(a) and _grouped(b)


def _letters_agree(a: str, b: str) -> bool:
    """No letters on one side, or one side's ending the other's: a word for invoice before
    the seller's series (``RECHNUNGNRA`` and ``A``, ``REB`` and ``B``); never two series
    (``A`` and ``B``)."""
    return not a or not b or a.endswith(b) or b.endswith(a)


def cites(reference: str, number: str, issued: date | None) -> bool:
    """Whether the preceding invoice reference ``reference`` (BT-25) names the invoice
    ``number`` (BT-1) issued on ``issued`` (BT-2), both normalised: the same number; or,
    their letters agreeing (none on one side, or one side's ending the other's: ``RECHNUNGNRA``
    and ``A``; tryout 93), and with :data:`MIN_DIGITS` digits or more beside a year: the same
    runs of digits in the same order, a year in four digits meeting it in two (``INV2024-1``
    and ``FV1-12-23`` name ``2024-1`` and ``FV1-12-2023``, tryout 92), or the same digits each
    written as one serial number (one run, or grouped by thousands: ``RE471102``, ``471-102``
    name ``471102``) — either side also with the invoice's issue year written first or last
    (``471102-2018`` and ``2024-1-2024`` name ``471102`` and ``2024-1`` issued in 2018 and
    2024; ``S5001-24`` names ``S-5001`` of 2024). ``A100234`` does not name ``B100234``, nor
    ``FV1-12-2023`` ``FV11-2-2023`` (tryout 91 cut the first's financing to 0.00 by a credit
    note of the second, the field cases' two invoices of one seller), nor ``471102-2018`` the
    seller's ``471102`` of 2013."""
    if reference == number:
        return True
    if not _letters_agree(_letters(reference), _letters(number)):
        return False
    years = {str(issued.year), f"{issued.year % 100:02d}"} if issued is not None else set()
    return any(
        _same_digits(a, b)
        for a in _without_a_year(_runs(reference), years.__contains__)
        for b in _without_a_year(_runs(number), years.__contains__)
    )


def named_among(reference: str, invoices: Mapping[str, tuple[str, date | None]]) -> set[str]:
    """Which of ``invoices`` (an id → its normalised number and issue date: the seller's
    invoices a gateway holds) the reference ``reference`` names: those numbered exactly as it
    when there are any, else those it :func:`cites` — when they are all one invoice (one
    number, one issue date: copies of it in two formats, or lodged by two members); else none.
    A reference that could name several invoices names none of them: a note counted against
    each would lower every one (tryout 92: ``100234`` beside ``A100234`` and ``B100234``;
    tryout 93: ``471102`` beside the seller's ``471102`` of 2023 and of 2024)."""
    named = {i for i, (number, _) in invoices.items() if number == reference} or {
        i for i, (number, issued) in invoices.items() if cites(reference, number, issued)
    }
    return named if len({invoices[i] for i in named}) == 1 else set()
