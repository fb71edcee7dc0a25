"""Whether a date written in ISO 8601's form names a day the calendar has, and why not.

``2026-02-30`` is ISO 8601 *syntax* (``YYYY-MM-DD``), but no day: February 2026 has 28 days.
A newcomer's tryout read ``since: must be ISO 8601`` for it — untrue, and no help finding the
fault. Every date the gateway reads (a query's time bounds, a financing's maturity, a JSON
form's issue and due dates, the CLI's ``--from``/``--to``/``--maturity``, dates alone or
followed by a time) says instead, in the words of :func:`day_rule`, which part is not in the
calendar: ``must be a real calendar day (2026-02 has 28 days: 2026 is not a leap year)``,
``(there is no month 13: months are 01 to 12)``, ``(there is no day 00: days start at 01)``.
"""

from __future__ import annotations

import calendar
import re

__all__ = ["day_rule", "no_such_day", "no_such_time", "time_rule"]

#: a date in ISO 8601's extended form at the start of a text (a date-time's time may follow)
_ISO_DATE = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})(?=$|[Tt ]|[Zz+-]|\s*$)")
#: the time of day after such a date: hours and minutes, seconds if written
_ISO_TIME = re.compile(r"[Tt ](\d{2}):(\d{2})(?::(\d{2}))?(?=$|[.,Zz+-]|\s*$)")


def day_rule(year: int, month: int, day: int) -> str | None:
    """The rule a date of ``year``, ``month`` and ``day`` breaks when the calendar has no such
    day, saying which part is not in it; None for a real day (years 1 to 9999)."""
    if not 1 <= month <= 12:
        why = f"there is no month {month:02d}: months are 01 to 12"
    elif day < 1:
        why = f"there is no day {day:02d}: days start at 01"
    elif year < 1:
        why = f"there is no year {year:04d}: years start at 0001"
    else:
        days = calendar.monthrange(year, month)[1]
        if day <= days:
            return None
        why = f"{year:04d}-{month:02d} has {days} days"
        if month == 2 and day == 29:
            why += f": {year:04d} is not a leap year"
    return f"must be a real calendar day ({why})"


def no_such_day(text: str) -> str | None:
    """:func:`day_rule` of the date ``text`` begins with when it is written ``YYYY-MM-DD``
    (alone or followed by a time: ``2026-02-30T10:00:00Z``); None when it is a real day or is
    not written so (its syntax is then another rule's to say)."""
    match = _ISO_DATE.match(text)
    if match is None:
        return None
    return day_rule(int(match[1]), int(match[2]), int(match[3]))


def no_such_time(text: str) -> str | None:
    """:func:`time_rule` of the time of day that follows a real date written ``YYYY-MM-DD`` at
    the start of ``text`` (``2026-12-07T25:00:00Z``); None when there is none, or it is real."""
    match = _ISO_DATE.match(text)
    if match is None or day_rule(int(match[1]), int(match[2]), int(match[3])) is not None:
        return None
    clock = _ISO_TIME.match(text, match.end())
    return time_rule(int(clock[1]), int(clock[2]), int(clock[3] or 0)) if clock else None


def time_rule(hour: int, minute: int, second: int) -> str | None:
    """The rule a time of day of ``hour``, ``minute`` and ``second`` breaks when the clock has
    no such time (a tryout's ``2026-12-07T25:00:00Z`` read "must be ISO 8601", where
    ``2026-13-01`` named its month); None for a real time."""
    if hour > 23:
        why = f"there is no hour {hour:02d}: hours are 00 to 23"
    elif minute > 59:
        why = f"there is no minute {minute:02d}: minutes are 00 to 59"
    elif second > 59:
        why = f"there is no second {second:02d}: seconds are 00 to 59"
    else:
        return None
    return f"must be a real time of day ({why})"
