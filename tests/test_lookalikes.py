"""``ledger.lookalikes``: Unicode TS 39 skeletons over the confusables table the
``confusable-homoglyphs`` package ships, and the moderately restrictive mixed-script rule.

The table is read back into prototypes (the package keeps each ``confusables.txt`` line as a
link both ways); these pin that reading to the standard's own examples and to what a member's
name needs."""

from __future__ import annotations

import unicodedata

import pytest

from ledger import lookalikes


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Nordbank", "N\u043erdbank"),  # Cyrillic о
        ("Nordbank", "NORDBANK"),
        ("Nordbank", "\uff2e\uff4f\uff52\uff44\uff42\uff41\uff4e\uff4b"),  # fullwidth
        ("Nordbank", "N\u041eRDBANK"),  # Cyrillic capital О among capitals
        ("Nordbank", "Nordbank  "),
        ("Bank l", "Bank 1"),  # UTS 39: 1 → l
        ("Bank l", "Bank I"),  # and I → l
        ("modern", "rnodern"),  # a prototype of two characters: m → rn
        ("paypal", "p\u0430yp\u0430l"),
        ("Acme", "\u0391cme"),  # Greek capital alpha
        ("Oslo", "0slo"),  # 0 → O
        ("Bank C", "Bank-C"),  # separators: hyphen, underscore, dot, runs of them
        ("Bank C", "Bank_C"),
        ("Bank C", "Bank.C"),
        ("Bank C", "Bank \u2010 C"),  # a hyphen (U+2010) between spaces
        ("Bank C", "bank__c."),
        ("Nord Bank A S", "Nord-Bank\tA.S."),
        ("Bank B", "Bank\u2014B"),  # an em dash, which the skeleton maps to a letter (U+30FC)
        ("Bank B", "Bank\u2015B"),  # a horizontal bar
        ("Bank B", "Bank\u2e3aB"),  # a two-em dash
        ("Nordbank", "Nord bank"),  # a separator reads as nothing (tryout 69: BankA, Bank A)
        ("Nordbank", "Nord-bank"),
        ("Bank A", "BankA"),
        ("SellerCompany", "Seller Company"),
    ],
)
def test_names_that_read_alike_have_one_key(a: str, b: str) -> None:
    assert lookalikes.name_key(a) == lookalikes.name_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Bank A", "Bank B"),
        ("Bank A", "Bank A2"),
        ("Demo Bank A", "Bank A"),
        ("Bank AB", "Bank A-B C"),
        ("Société Générale", "Societe Generale"),  # accents are letters, not look-alikes
    ],
)
def test_different_names_keep_different_keys(a: str, b: str) -> None:
    assert lookalikes.name_key(a) != lookalikes.name_key(b)


def test_the_skeleton_is_the_standards() -> None:
    """UTS 39's own definition: NFD, prototypes, NFD (its example: ``ℓ`` and ``1`` and ``l``)."""
    assert lookalikes.skeleton("\u2113") == lookalikes.skeleton("1") == lookalikes.skeleton("l")
    assert lookalikes.skeleton("\u0430") == "a"
    assert lookalikes.skeleton("m") == "rn"
    table = lookalikes.prototypes()
    assert len(table) > 6000  # the whole of confusables.txt, not a hand-made handful
    assert all(len(source) == 1 for source in table)


@pytest.mark.parametrize(
    ("name", "scripts"),
    [
        ("Nordb\u0430nk", {"LATIN", "CYRILLIC"}),
        ("Acme \u0391cme", {"LATIN", "GREEK"}),
        ("\u0391\u0431", {"GREEK", "CYRILLIC"}),
        ("Bank a\u05d0\u0627", {"LATIN", "HEBREW", "ARABIC"}),  # three scripts in one word
    ],
)
def test_a_word_mixing_look_alike_scripts_is_found(name: str, scripts: set[str]) -> None:
    found = lookalikes.mixed_script_word(name)
    assert found is not None
    assert found[1] <= frozenset(scripts)
    assert len(found[1]) >= 2


@pytest.mark.parametrize(
    "name",
    [
        "Société Générale Côte d'Ivoire",
        "\u0421\u0431\u0435\u0440\u0431\u0430\u043d\u043a (Sberbank)",
        "\u6771\u4eacBank",  # Latin with Han
        "\u30bd\u30cb\u30fc\u682a\u5f0f\u4f1a\u793e Sony",  # kana and Han
        "\u0391\u0392\u0393 Bank 7",  # Greek word, Latin word, digit
        "Bank \u05d0\u05d1",
        "AB-1 & Co.",
    ],
)
def test_names_in_one_script_per_word_pass(name: str) -> None:
    assert lookalikes.mixed_script_word(name) is None


def test_the_differing_characters_are_named() -> None:
    assert lookalikes.differing("B\u0430nk A", "Bank A") == ["U+0430 CYRILLIC SMALL LETTER A"]
    assert lookalikes.differing("BANK A", "Bank A") == []


def test_a_separator_is_not_a_differing_character() -> None:
    assert lookalikes.differing("Bank-C", "Bank C") == []
    assert lookalikes.differing("B\u0430nk_C", "Bank C") == ["U+0430 CYRILLIC SMALL LETTER A"]


def test_every_dash_separates_like_a_space() -> None:
    dashes = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Pd"]
    assert len(dashes) > 20
    for dash in dashes:
        assert lookalikes.name_key(f"Bank{dash}B") == lookalikes.name_key("Bank B"), hex(ord(dash))
    assert lookalikes.name_key("Bank B") == lookalikes.name_key("BankB") == "bankb"


def test_the_differing_character_is_named_as_written() -> None:
    """ "Bank E" beside a member "Bank Е" (Cyrillic) was refused citing "U+0065 LATIN SMALL
    LETTER E" though the user typed a capital (a tryout): compared case folded, described
    as written."""
    from ledger.lookalikes import differing

    assert differing("Bank E", "Bank \u0415") == ["U+0045 LATIN CAPITAL LETTER E"]
    assert differing("Bank \u0415", "Bank E") == ["U+0415 CYRILLIC CAPITAL LETTER IE"]
    assert differing("BANK A", "Bank A") == []  # case alone differs: nothing to name


def test_ascii_lookalikes_writes_other_scripts_letters_as_the_ascii_they_read_as() -> None:
    """A seller's name with a Cyrillic ``а`` (tryout 76) keys as the Latin one; ASCII and
    letters that read as no ASCII letter are left as written."""
    from ledger.lookalikes import ascii_lookalikes

    assert ascii_lookalikes("Lieferаnt GmbH") == "Lieferant GmbH"
    assert ascii_lookalikes("Sеllеr Cοmpany") == "Seller Company"
    for kept in ("Lieferant GmbH", "Dé Koksmaat", "Straße", "Il 1 I0O"):
        assert ascii_lookalikes(kept) == kept
