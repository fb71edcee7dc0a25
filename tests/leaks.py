"""Whether an answer mentions a secret value, as a value and not by chance inside another.

A privacy test that asks ``"60000" not in text`` fails when a transaction hash, a
fingerprint or a Unix time happens to contain those digits (about one run in twenty for a
five-digit amount against an export of a few hundred hashes). A secret counts as mentioned
only where it stands alone: not preceded or followed by a letter, a digit, or a decimal
point followed by a digit.
"""

from __future__ import annotations

import re


def mentions(text: str, secret: str) -> bool:
    """True if ``secret`` occurs in ``text`` as a token of its own.

    ``mentions('{"amount": 60000}', "60000")`` is True;
    ``mentions('"0xab60000f"', "60000")`` and ``mentions("1760000123", "60000")`` are False.
    """
    pattern = rf"(?<![0-9A-Za-z])(?<![0-9]\.){re.escape(secret)}(?![0-9A-Za-z])(?!\.[0-9])"
    return re.search(pattern, text) is not None
