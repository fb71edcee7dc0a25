"""What ``doc check`` says a held fingerprint shares names the identifier it shares: a tryout
read "the same seller (by this identifier)" under a line naming the seller's VAT id, when the
held ``seller_number`` fingerprint was the one of its legal registration number."""

from __future__ import annotations

import pytest

from ledger.documents.fingerprints import covers


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("seller_number:VAT", "the same seller (by its VAT identifier) and the same number"),
        ("seller_number:LEGAL", "the same seller (by its LEGAL identifier) and the same number"),
        ("seller_number:NAME", "the same seller (by its name) and the same number"),
    ],
)
def test_the_seller_number_words_name_the_identifier(name: str, said: str) -> None:
    words = covers(name)
    assert words is not None
    assert words.startswith(said)
    assert "this identifier" not in words


def test_other_kinds_and_unknown_names() -> None:
    assert covers("full") == "the same seller, buyer, number, dates and amount"
    assert covers("nonsense:VAT") is None
    assert covers(None) is None
