"""An invoice number re-typed with letters of another script that read as the same letters is the
same number.

A tryout re-numbered the demo invoice ``TOSL110`` as ``ТОSL110`` (Cyrillic ``Т`` and ``О``) with
another issue date: its number's fingerprint did not meet the original's, and the copy was only
suspected of being a re-issue — which a bank may acknowledge and finance. The number is now
read as the ASCII letters and digits it reads as (UTS #39 confusables, ``ledger.lookalikes``),
so the copy is held by the original's financing, as a fullwidth copy already was."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from ledger.documents.normalise import normalise_number
from tests.api.api_helpers import UBL, client_fixture, finance, lodge, xml

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("ТОSL110", "TOSL110"),  # Cyrillic capitals
        ("тоsl110", "TOSL110"),  # Cyrillic small letters
        ("ΤΟSL110", "TOSL110"),  # Greek capitals
        ("INV-АВС-7", "INVABC7"),  # Cyrillic А, В, С
        ("ＴＯＳＬ１１０", "TOSL110"),  # fullwidth (NFKC, as before)
    ],
)
def test_lookalike_letters_are_the_letters_they_read_as(written: str, read: str) -> None:
    assert normalise_number(written) == read


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("\u0661\u0662\u0661\u0661\u0665\u0661\u0661\u0668", "12115118"),  # Arabic-Indic
        ("\u06f1\u06f2\u06f1\u06f1\u06f5\u06f1\u06f1\u06f8", "12115118"),  # Persian
        ("\u0968\u0967", "21"),  # Devanagari
        ("INV-\u0660\u0660\u0664\u0662", "INV42"),  # zeros of another script dropped too
    ],
)
def test_a_digit_of_any_script_is_the_digit_of_its_value(written: str, read: str) -> None:
    """A tryout's number in Arabic-Indic digits came out half converted (``1٢11٥11٨``): some
    digits look like ASCII ones, most do not. A decimal digit is read by its value."""
    assert normalise_number(written) == read


@pytest.mark.parametrize(
    "dash",
    ["\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212"],
)
def test_a_unicode_dash_separates_as_a_hyphen_does(dash: str) -> None:
    """A word processor types an en dash for ``-``: a tryout's ``FV 1–12–2023`` did not meet
    ``FV 1-12-2023`` by number (NFKC keeps the dashes); each dash and the minus sign now
    separate as ``-`` does, and numbers that differ stay apart."""
    assert normalise_number(f"FV 1{dash}12{dash}2023") == normalise_number("FV 1-12-2023")
    assert normalise_number(f"FV 11{dash}2{dash}2023") != normalise_number("FV 1-12-2023")
    assert normalise_number(f"INV{dash}0042") == "INV42"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("СФ-Ж12", "СФ-Ж13"),  # letters with no ASCII look-alike stay themselves
        ("TOSL1I0", "TOSL110"),  # a Greek capital iota is a letter, never the digit one
        ("番号12", "番号13"),
    ],
)
def test_other_numbers_stay_apart(one: str, other: str) -> None:
    assert normalise_number(one) != normalise_number(other)
    assert normalise_number("ΤΟSL1Ι0") == normalise_number("TOSL1I0")


def test_a_copy_renumbered_in_cyrillic_is_held_by_the_originals_financing(
    client: TestClient, network: Network
) -> None:
    registered = client.post("/v1/documents", files=xml(UBL), headers=network.enterprise.headers)
    assert registered.status_code == 201, registered.text
    doc_hash = lodge(client, network.bank, UBL)["doc_hash"]
    first = finance(client, network.bank, doc_hash, amount=100_000)
    assert first.status_code == 201, first.text
    copy = UBL.replace(b"TOSL110", "ТОSL110".encode()).replace(b">2013-04-10<", b">2013-04-12<")
    seen = lodge(client, network.bank_b, copy)
    assert seen["conflicting_financings"] == [first.json()["financing_id"]], seen
    refused = finance(client, network.bank_b, seen["doc_hash"], amount=100_000)
    assert refused.status_code == 409, refused.text
    assert refused.json()["details"]["reason"] == "FINGERPRINT_PLEDGED", refused.text
