"""A member's name: one line of visible text, at most :data:`MAX_NAME_LENGTH` characters.

Checked wherever a name enters the gateway: adding a member, proposing one, and a join request
(``ledger.join``: refused when it is made, not only when an admin approves it). Whether it
reads like another member's name is ``ledger.lookalikes`` and ``ledger.services.members``.
"""

from __future__ import annotations

import unicodedata

from ledger.errors import InvalidInput

__all__ = ["MAX_NAME_LENGTH", "check_name"]

MAX_NAME_LENGTH = 200

#: Unicode categories a member's name may not hold: controls, invisible format characters
#: (zero-width spaces and joiners, bidi controls), line and paragraph separators, unassigned
#: and private-use code points (no font shows them as what they are) — a name with one reads
#: like another member's in every message, CSV export and audit line
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cn", "Co", "Cs"})
#: the default-ignorable code points (Unicode DerivedCoreProperties.txt) outside those
#: categories: variation selectors (``Variation_Selector``) and the rest of
#: ``Other_Default_Ignorable_Code_Point`` (PropList.txt) — shown as nothing, so "Nordbank"
#: with U+FE0F after it reads as "Nordbank"; UTS #39 drops them from a skeleton
_IGNORABLE_RANGES = (
    (0x034F, 0x034F),  # COMBINING GRAPHEME JOINER
    (0x115F, 0x1160),  # HANGUL CHOSEONG / JUNGSEONG FILLER
    (0x17B4, 0x17B5),  # KHMER VOWEL INHERENT AQ, AA
    (0x180B, 0x180F),  # MONGOLIAN FREE VARIATION SELECTORS (and the vowel separator, Cf)
    (0x3164, 0x3164),  # HANGUL FILLER
    (0xFE00, 0xFE0F),  # VARIATION SELECTOR-1..16
    (0xFFA0, 0xFFA0),  # HALFWIDTH HANGUL FILLER
    (0xE0100, 0xE01EF),  # VARIATION SELECTOR-17..256
)


#: the whitespace a name may be written with, collapsed to one space: a tab, a line feed or a
#: carriage return is layout; every other control character (the C0 separators U+001C..U+001F,
#: vertical tab, form feed, NEL — which Python also calls whitespace) is refused
_LAYOUT = frozenset("\t\n\r")


def _hidden(c: str) -> bool:
    if c.isspace() and (c in _LAYOUT or unicodedata.category(c) != "Cc"):
        return False
    point = ord(c)
    return unicodedata.category(c) in _HIDDEN_CATEGORIES or any(
        low <= point <= high for low, high in _IGNORABLE_RANGES
    )


def check_name(name: str) -> str:
    """``name`` with its runs of whitespace collapsed; InvalidInput naming ``name`` when it is
    empty, too long, or holds a control, invisible, default-ignorable or unassigned
    character."""
    hidden = next((c for c in name if _hidden(c)), None)
    if hidden is not None:
        raise InvalidInput(
            "name",
            f"must not contain control or invisible characters (U+{ord(hidden):04X}): a name "
            "that looks like another member's misleads every reader",
        )
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput("name", "must not be empty")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidInput("name", f"must be at most {MAX_NAME_LENGTH} characters")
    return cleaned
