"""How a refusal names a pledged document held through the version fingerprint of another
document: a document it amends (``amends document …``), or a registered document it is another
file of — its CII rendering, say (``is another file of (the same invoice as) document …``),
never "amends" for a copy (``ledger.services.financing._through``)."""

from __future__ import annotations

import pytest

from ledger.errors import AlreadyFinancedByYou
from ledger.services.financing import PledgeRequest, refuse_own_holding

COPY = "0x" + "11" * 32
ORIGINAL = "0x" + "22" * 32
HELD = bytes.fromhex("33" * 32)


@pytest.mark.parametrize(
    ("amends", "words"),
    [
        ({bytes.fromhex(COPY[2:]): [bytes.fromhex(ORIGINAL[2:])]}, f"amends document {ORIGINAL}"),
        ({}, f"is another file of (the same invoice as) document {ORIGINAL}"),
    ],
)
def test_a_held_version_is_named_as_amended_or_copied(
    amends: dict[bytes, list[bytes]], words: str
) -> None:
    copy = bytes.fromhex(COPY[2:])
    with pytest.raises(AlreadyFinancedByYou) as refused:
        refuse_own_holding(
            set(),
            [PledgeRequest(copy, 100)],
            [(copy, [HELD])],
            {HELD: 7},
            {HELD: f"document_version:{ORIGINAL}"},
            amends,
        )
    assert f"documents[0] {COPY} {words}, which is already pledged to your active financing 7" in (
        refused.value.message
    )
