"""A company's name as marks compare it: its base name, legal form and spelling aside.

A copy of an invoice may name the seller as ``de koksmaat b.v.``, ``De Koksmaat BV`` or ``Dé
Koksmaat`` where the original wrote ``De Koksmaat`` (a tryout of 2026-12-05 financed the same
invoice three times so, the seller named by name alone; another wrote ``Koksmaat, De``).
:func:`base_name` strips the legal form with cleanco's terms (by Paul Solin and contributors,
github.com/psolin/cleanco, MIT: ``basename``, its list of legal forms by type and country, and
``normalized``: case folded, accents removed), then every character that is not a letter or a
digit.

:func:`sounds_like` goes one step further for the marks: each word of the base name by its
Metaphone code (jellyfish, by James Turk and contributors, github.com/jamesturk/jellyfish, MIT),
so that a name misspelt as it sounds — ``De Kooksmaat``, ``De Koksmat`` — still names the same
seller (tryout 39 financed the example invoice so at a second bank, unseen).

Used only for ``mark_number``'s seller name (a suspicion, for a person to judge): never for a
fingerprint that locks, where ``Acme Ltd`` and ``Acme GmbH`` must stay two companies.
"""

from __future__ import annotations

import re

from cleanco import basename
from cleanco.clean import normalized
from jellyfish import metaphone

from ledger.lookalikes import ascii_lookalikes

from .normalise import clean_text

#: single letters each followed by a dot, with or without spaces (``B. V.``, ``S.A.``): written
#: together (``BV``, ``SA``) so that the legal-form terms know them
_DOTTED_LETTERS = re.compile(r"(?<!\w)(?:[^\W\d_]\.\s*){2,}")
#: what is neither a letter nor a digit, once case and accents are folded
_NOT_WORD = re.compile(r"[\W_]+")


def base_name(name: str) -> str:
    """``name`` (a company's name, as a document states it) without its legal form, upper case,
    accents removed, only letters and digits, its words in alphabetical order separated by
    single spaces: ``De Koksmaat B.V.``, ``de koksmaat b.v.``, ``De Koksmaat BV``, ``Dé
    Koksmaat`` and ``Koksmaat, De`` are all ``DE KOKSMAAT``. A name that is a legal form alone
    (``Ltd``) is kept as written, folded the same way. ``""`` for a name with no letter or
    digit."""
    text = clean_text(name)
    joined = _DOTTED_LETTERS.sub(lambda m: m.group(0).replace(".", "").replace(" ", "") + " ", text)
    stripped = str(basename(joined.strip(), prefix=True))
    return _fold(stripped) or _fold(text)


def _fold(text: str) -> str:
    # a letter of another script that reads as an ASCII one is that letter (tryout 76: a
    # Cyrillic "а" in the seller's name), before accents are folded
    looks = ascii_lookalikes(text)
    return " ".join(sorted(_NOT_WORD.sub(" ", str(normalized(looks))).upper().split()))


def sounds_like(name: str) -> str:
    """The :func:`base_name` of ``name`` with each word of ASCII letters written as its
    Metaphone code (a word with a digit or another script is kept as it is), the words in
    alphabetical order: ``De Koksmaat``, ``De Kooksmaat``, ``De Koksmat`` and ``Koksmaat, De``
    are all ``KKSMT T``; ``Tulpen Handel`` is ``HNTL TLPN``. ``""`` for a name with no letter
    or digit."""
    words = base_name(name).split()
    coded = [(metaphone(w) or w) if w.isascii() and w.isalpha() else w for w in words]
    return " ".join(sorted(coded))
