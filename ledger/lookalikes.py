"""Names that read alike: Unicode Technical Standard #39, "Unicode Security Mechanisms".

A member's name is how people tell members apart in every message, list, CSV export and audit
line. "Nordbank" written with a Cyrillic ``о`` (U+043E) is another string than "Nordbank" but
not another name to a reader. This module says when two names read alike and when one name
mixes scripts the way spoofed names do; ``ledger.services.members`` refuses such names.

**Skeletons (UTS #39 §4, "Confusable Detection").** Two strings are *confusable* when their
skeletons are equal. ``skeleton(X)``: X in NFD; each code point replaced by its *prototype*
from the standard's ``confusables.txt`` (``а`` → ``a``, ``1`` → ``l``, ``m`` → ``rn``); NFD
again. The table is the Unicode Consortium's, as the ``confusable-homoglyphs`` package ships it
(MIT; pure Python, so it installs on every platform the gateway runs on — PyICU has no wheels
and needs the ICU system libraries). That package keeps each line of ``confusables.txt`` as a
link both ways (source ↔ prototype), so the prototype of a character is recovered here: the
lines link each prototype to all of its sources and nothing else, so every connected group is a
star around its prototype (checked when the table is loaded), and the prototype is the group's
centre, or its multi-character string. A group of two single characters has no centre; either
stands for both (the skeletons compare equal or not just the same).

**What is compared.** :func:`name_key` is the skeleton of the name folded the way people read
it: NFKC (fullwidth ``Ｎ`` is ``N``, ``ﬁ`` is ``fi``), case folded (``NORDBANK`` is
``Nordbank``) — skeleton, fold, skeleton again, so a capital look-alike (Cyrillic ``О``) folds to
the same letter as the Latin one — and every separator (whitespace, hyphens and other dashes,
underscores and other connectors, dots) left out: ``Bank-C``, ``Bank_C``, ``Bank.C``, ``Bank  C``
and ``BankC`` are ``Bank C``. A reader does not tell ``BankA`` from ``Bank A`` in a message or
an export, and an enterprise named ``BankA`` beside the bank ``Bank A`` was admitted (tryout 69:
``Nordbank`` and ``Nord bank`` were two names, a separator "not nothing").

**Mixed scripts (UTS #39 §5.2, restriction levels).** :func:`mixed_script_word` finds a word
(whitespace-separated) whose letters come from scripts the *moderately restrictive* level does
not allow together: one script per word, or Latin with Han and Hiragana/Katakana (Japanese),
Bopomofo (Chinese) or Hangul (Korean), or Latin with one other script except Cyrillic and
Greek — whose letters are Latin's look-alikes. Common and Inherited characters (digits,
punctuation, combining marks) go with any script. Scripts are the Unicode ``Scripts.txt``'s,
as the same package ships them. "Сбербанк (Sberbank)" passes (two words, one script each);
"Nordbаnk" does not.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache

#: marks a right-to-left character in ``confusables.txt``'s comments, which the package parsed
_LRM = "\u200e"

#: scripts whose letters are Latin's look-alikes: never mixed with Latin, nor with each other
_LOOKALIKE_SCRIPTS = frozenset({"CYRILLIC", "GREEK"})
#: script sets UTS #39 allows in one identifier at the highly restrictive level
_CJK_SETS = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
#: pseudo-scripts that go with any script
_ANY_SCRIPT = frozenset({"COMMON", "INHERITED"})


@cache
def prototypes() -> dict[str, str]:
    """Each confusable code point → the prototype that stands for its group (see the module
    docstring). Raises RuntimeError when the package's table is not a set of stars (a table
    this module would misread)."""
    from confusable_homoglyphs import confusables  # reads its table: imported when first used

    links: dict[str, set[str]] = {}
    for source, entries in confusables.confusables_data.items():
        a = str(source).replace(_LRM, "")
        for entry in entries:
            b = str(entry["c"]).replace(_LRM, "")
            if a and b and a != b:
                links.setdefault(a, set()).add(b)
                links.setdefault(b, set()).add(a)
    mapping: dict[str, str] = {}
    seen: set[str] = set()
    for start in links:
        if start in seen:
            continue
        group = _group(links, start)
        seen |= group
        prototype = _prototype(links, group)
        for member in group:
            if len(member) == 1:
                mapping[member] = prototype
    return mapping


def _group(links: dict[str, set[str]], start: str) -> set[str]:
    group: set[str] = set()
    todo = [start]
    while todo:
        node = todo.pop()
        if node not in group:
            group.add(node)
            todo.extend(links[node] - group)
    return group


def _prototype(links: dict[str, set[str]], group: set[str]) -> str:
    longer = [m for m in group if len(m) > 1]
    centres = [m for m in group if links[m] >= group - {m}]
    if len(longer) > 1 or not centres:
        raise RuntimeError(f"confusables table: a group without one prototype: {sorted(group)}")
    if longer:
        return longer[0]
    if len(group) > 2:
        return centres[0]
    # two single characters: either stands for both; the one NFD leaves alone, for stability
    return min(group, key=lambda m: (not unicodedata.is_normalized("NFD", m), m))


def skeleton(text: str) -> str:
    """UTS #39 ``skeleton(text)``: NFD, each code point by its prototype, NFD."""
    table = prototypes()
    mapped = "".join(table.get(c, c) for c in unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFD", mapped)


@cache
def _ascii_like(c: str) -> str:
    if c.isascii():
        return c
    mapped = skeleton(c)
    return mapped if mapped.isascii() and mapped.isalnum() else c


def ascii_lookalikes(text: str) -> str:
    """``text`` with each character that is not ASCII but that UTS #39 takes for an ASCII
    letter or digit (its skeleton is one: a Cyrillic ``а``, a Greek ``ο``) written as that
    letter or digit; ASCII and every other character as written. A seller's name with one
    Cyrillic letter in it escaped the lock its name is part of (tryout 76); ASCII is left
    alone, so every name already written in it keys as it did."""
    return "".join(_ascii_like(c) for c in text)


def name_key(name: str) -> str:
    """What two members' names are compared by: two names with the same key read alike
    (``Nordbank``, ``NORDBANK``, ``Nоrdbank`` with a Cyrillic ``о``, fullwidth ``Ｎordbank``,
    ``Nord  bank`` with two spaces inside, ``Nord bank``, ``Nord-bank``, ``Nord_bank``): its
    separators left out."""
    folded = _spaced(unicodedata.normalize("NFKC", name))  # before the skeleton too: it maps
    once = skeleton(folded).casefold()  # some dashes (em dash) to letters (U+30FC)
    twice = skeleton(unicodedata.normalize("NFKC", once))
    return "".join(_spaced(twice).split())


def _spaced(text: str) -> str:
    return "".join(" " if is_separator(c) else c for c in text)


def is_separator(c: str) -> bool:
    """Whether ``c`` separates the words of a name without being one (see :func:`name_key`):
    whitespace, a dash (``Pd``: hyphen-minus, hyphen, en dash, …), a connector (``Pc``:
    underscore, …) or a full stop."""
    return c.isspace() or c == "." or unicodedata.category(c) in ("Pd", "Pc")


def scripts(text: str) -> frozenset[str]:
    """The Unicode scripts (``Scripts.txt`` names, upper case) of ``text``'s characters,
    without Common and Inherited."""
    from confusable_homoglyphs import categories  # reads its table: imported when first used

    return frozenset(categories.alias(c) for c in text) - _ANY_SCRIPT


def allowed_together(found: frozenset[str]) -> bool:
    """Whether one word may hold letters of all of ``found`` (UTS #39 moderately restrictive:
    see the module docstring)."""
    if len(found) <= 1:
        return True
    if any(found <= allowed for allowed in _CJK_SETS):
        return True
    return len(found) == 2 and "LATIN" in found and not found & _LOOKALIKE_SCRIPTS


def mixed_script_word(name: str) -> tuple[str, frozenset[str]] | None:
    """The first word of ``name`` (NFKC) whose scripts may not go together, with them; None
    when every word is fine."""
    for word in unicodedata.normalize("NFKC", name).split():
        found = scripts(word)
        if not allowed_together(found):
            return word, found
    return None


def differing(name: str, other: str) -> list[str]:
    """The characters of ``name`` (NFKC, as written) that ``other`` does not have in any case,
    each as ``U+043E CYRILLIC SMALL LETTER O``: what makes a look-alike differ from the name it
    imitates (empty when it differs only in case, width, spacing or separators)."""
    mine = unicodedata.normalize("NFKC", name)
    theirs = set(unicodedata.normalize("NFKC", other).casefold())
    # compared case folded, described as written: a capital E is named as the capital the
    # user typed, not as the small letter it folds to (a tryout read "LATIN SMALL LETTER E")
    return [
        _described(c)
        for c in _unique(mine)
        if not is_separator(c) and not set(c.casefold()) <= theirs
    ]


def _unique(text: str) -> Iterable[str]:
    return dict.fromkeys(text)


def _described(c: str) -> str:
    return f"U+{ord(c):04X} {unicodedata.name(c, 'UNNAMED')}"
