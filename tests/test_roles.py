"""The contract's enums parse from text the same way everywhere (API, CLI): any case, and NONE
is never accepted."""

from __future__ import annotations

import pytest

from ledger.errors import InvalidInput
from ledger.services.roles import DocType, FinancingKind, FinancingStatus, Role


def test_names_parse_in_any_case() -> None:
    assert Role.parse(" Bank ") is Role.BANK
    assert DocType.parse("bill_of_lading") is DocType.BILL_OF_LADING
    assert FinancingKind.parse("FACTORING", "kind") is FinancingKind.FACTORING


@pytest.mark.parametrize("text", ["none", "NONE", "", "banker"])
def test_none_and_unknown_names_name_the_field_and_the_choices(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        FinancingStatus.parse(text, "status")
    assert raised.value.field == "status"
    assert raised.value.rule == "must be one of active, closed, cancelled"
    with pytest.raises(InvalidInput, match="role: must be one of admin, bank"):
        Role.parse(text)
