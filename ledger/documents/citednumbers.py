"""How a credit note's preceding invoice reference (EN 16931 BT-25) names an invoice number.

A credit note names the invoice it corrects by its number, but people re-write it: with the
seller's prefix for invoices (``RE-471102`` for ``471102``), with the invoice's year
(``471102/2018``), or with its digits grouped (``471 102``). Each was lodged beside a financed
invoice ``471102`` in tryout 90 and linked to nothing: the bank was told of no credit note.
:func:`cites` says whether a reference names an invoice so, read in clear at a gateway once a
lookup has found the two; :func:`lookup_forms` gives the forms both are looked up by (a
gateway's own keys, never on chain).

A reference and a number that both carry letters, and other letters, name two invoices
(``A100234`` and ``B100234``: two series of one seller); so do two whose digits differ beyond a
year. Both are normalised (:func:`ledger.documents.normalise.normalise_number`). A reference
that names several invoices of its seller so (``100234`` beside ``A100234`` and ``B100234``)
names the one numbered exactly as it, or none: :func:`named_among` (tryout 92 counted one
note against three invoices).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

#: a run of ASCII digits (a normalised number writes every digit so)
_DIGITS = re.compile(r"[0-9]+")
_LETTERS = re.compile(r"[^0-9-]+")
#: the fewest digits a number needs to be looked up by its digits alone (``CN-7`` is not ``7``)
MIN_DIGITS = 4
#: a run of this many digits or more is a serial number a year may be written beside
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


def _digit_forms(number: str) -> list[str]:
    runs = _runs(number)
    every = "".join(runs)
    # a year in four digits also as two: ``FV 1/12/23`` names ``FV 1/12/2023`` (tryout 92)
    short = "".join(r[2:] if _is_year(r) else r for r in runs)
    forms = [f for f in (every, short) if len(f) >= MIN_DIGITS]
    forms += [r for r in runs if len(r) >= SERIAL_DIGITS]
    return list(dict.fromkeys(forms))


def _same_runs(a: list[str], b: list[str]) -> bool:
    """The same runs of digits in the same order, a year in four digits meeting it in two
    (``1-12-2023`` and ``1-12-23``)."""
    return len(a) == len(b) and all(
        x == y or (_is_year(x) and x[2:] == y) or (_is_year(y) and y[2:] == x)
        for x, y in zip(a, b, strict=True)
    )


def lookup_forms(number: str) -> list[str]:
    """The forms a normalised ``number`` is looked up by, beside itself: its digits run
    together (``RE471102``, ``471-102`` → ``~digits~471102``) when it has
    :data:`MIN_DIGITS` or more, and each run of :data:`SERIAL_DIGITS` digits or more
    (``471102-2018`` → ``~digits~471102`` too). Without ``number`` itself; no duplicates."""
    return [DIGITS_FORM + f for f in _digit_forms(number)]


def _grouped(number: str) -> bool:
    """Its digits are one run (``RE471102``), or grouped by thousands (``471-102``,
    ``1-234-567``: 1 to 3 digits, then runs of 3): a way to write one serial number, not
    several numbers (``FV1-12-2023`` is a day, a month and a year)."""
    runs = _runs(number)
    return len(runs) == 1 or (
        1 <= len(runs[0]) <= 3 and all(len(r) == 3 for r in runs[1:]) and len(runs) > 1
    )


def plain_forms(number: str) -> list[str]:
    """The invoice number a reference ``number`` names beside itself whatever the invoice's
    issue date, as a number: its digits run together when they are one serial number written
    with letters or grouped (``RE471102``, ``471-102`` → ``["471102"]``); none for one whose
    year would need the invoice's date to tell (``471102-2018``: the seller's ``471102`` of
    2013 too), or several numbers (``FV1-12-2023``)."""
    digits = "".join(_runs(number))
    if len(digits) < MIN_DIGITS or digits == number or not _grouped(number):
        return []
    return [digits]


def _years(issued: date | None) -> set[str]:
    if issued is None:
        return set()
    return {str(issued.year), f"{issued.year % 100:02d}"}


def _serial_and_year(longer: str, shorter: str, years: set[str]) -> bool:
    """``longer``'s runs are ``shorter``'s digits as one serial run and years beside it."""
    digits = "".join(_runs(shorter))
    runs = _runs(longer)
    if len(digits) < SERIAL_DIGITS or digits not in runs:
        return False
    rest = list(runs)
    rest.remove(digits)
    return bool(rest) and all(r in years for r in rest)


def cites(reference: str, number: str, issued: date | None) -> bool:
    """Whether the preceding invoice reference ``reference`` (BT-25) names the invoice
    ``number`` (BT-1) issued on ``issued`` (BT-2), both normalised: the same number; or, where
    at most one of the two carries letters, or both the same ones, and with
    :data:`MIN_DIGITS` digits or more: the same runs of digits in the same order, a year in
    four digits meeting it in two (``INV2024-1`` and ``FV1-12-23`` name ``2024-1`` and
    ``FV1-12-2023``, tryout 92); the same digits each written as one serial number (one run,
    or grouped by thousands: ``RE471102``, ``471-102`` name ``471102``; ``A100234`` does not
    name ``B100234``, nor ``FV1-12-2023`` ``FV11-2-2023``: tryout 91 cut the first's financing
    to 0.00 by a credit note of the second, the field cases' two invoices of one seller); or,
    so, one the other's
    serial number (:data:`SERIAL_DIGITS` digits or more) with the invoice's issue year written
    beside it (``471102-2018`` names ``471102`` issued in 2018, not the seller's ``471102`` of
    2013)."""
    if reference == number:
        return True
    letters_ref, letters_number = _letters(reference), _letters(number)
    if letters_ref and letters_number and letters_ref != letters_number:
        return False
    runs_ref, runs_number = _runs(reference), _runs(number)
    digits_ref, digits_number = "".join(runs_ref), "".join(runs_number)
    if len(digits_ref) < MIN_DIGITS:
        return False
    if _same_runs(runs_ref, runs_number):
        return True
    if digits_ref == digits_number and _grouped(reference) and _grouped(number):
        return True
    years = _years(issued)
    return _serial_and_year(reference, number, years) or _serial_and_year(number, reference, years)


def named_among(reference: str, invoices: Mapping[str, tuple[str, date | None]]) -> set[str]:
    """Which of ``invoices`` (an id → its normalised number and issue date: the seller's
    invoices a gateway holds) the reference ``reference`` names: those numbered exactly as it
    when there are any; else those it :func:`cites`, when they are all one number; else none —
    a reference that could name several invoices names none of them (a note counted against
    each would lower every one)."""
    exact = {i for i, (number, _) in invoices.items() if number == reference}
    if exact:
        return exact
    cited = {i for i, (number, issued) in invoices.items() if cites(reference, number, issued)}
    return cited if len({invoices[i][0] for i in cited}) == 1 else set()
