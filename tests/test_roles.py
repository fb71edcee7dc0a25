"""The contract's enums parse from text the same way everywhere (API, CLI): as written, in lower
case (as the API and the CLI document them), and NONE is never accepted."""

from __future__ import annotations

import pytest

from ledger.errors import InvalidInput
from ledger.services.roles import DocType, FinancingKind, FinancingStatus, ProposalAction, Role


def test_names_parse_as_written() -> None:
    assert Role.parse("bank") is Role.BANK
    assert DocType.parse("bill_of_lading") is DocType.BILL_OF_LADING
    assert FinancingKind.parse("factoring", "kind") is FinancingKind.FACTORING
    assert ProposalAction.parse("add_member") is ProposalAction.ADD_MEMBER
    assert ProposalAction.parse("add-member", "ACTION", sep="-") is ProposalAction.ADD_MEMBER


@pytest.mark.parametrize("text", [" Bank ", "Bank", "BANK", "bank ", " bank"])
def test_other_case_or_spaces_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="role: must be one of admin, bank"):
        Role.parse(text)


@pytest.mark.parametrize("text", ["ADD_MEMBER", "add-member", " add_member"])
def test_an_action_is_taken_as_written(text: str) -> None:
    with pytest.raises(InvalidInput, match="action: must be one of add_member, suspend_member"):
        ProposalAction.parse(text)


@pytest.mark.parametrize("text", ["none", "NONE", "", "banker"])
def test_none_and_unknown_names_name_the_field_and_the_choices(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        FinancingStatus.parse(text, "status")
    assert raised.value.field == "status"
    assert raised.value.rule == "must be one of active, closed, cancelled"
    with pytest.raises(InvalidInput, match="role: must be one of admin, bank"):
        Role.parse(text)


def test_a_refusal_reason_is_taken_in_lower_case_and_told_the_spelling() -> None:
    """A 409's ``details.reason`` and the refusal lists write ``FINGERPRINT_PLEDGED``; the
    filter takes the documented ``fingerprint_pledged`` only (it used to take both) and tells a
    value copied from an answer which to write."""
    from ledger.errors import InvalidInput
    from ledger.services.roles import RefusalReason

    assert RefusalReason.parse("fingerprint_pledged", "reason") is RefusalReason.FINGERPRINT_PLEDGED
    for text in ("FINGERPRINT_PLEDGED", "Fingerprint_Pledged", " fingerprint_pledged"):
        with pytest.raises(InvalidInput) as raised:
            RefusalReason.parse(text, "reason")
        assert raised.value.rule.startswith("must be one of document_not_registered"), raised
        assert "write fingerprint_pledged, as listed" in raised.value.rule, raised
    for text in ("NONE", "none", "pledged"):
        with pytest.raises(InvalidInput) as raised:
            RefusalReason.parse(text, "reason")
        assert "write" not in raised.value.rule
