"""`tradeledger member proposals` says what each proposal changes in its row: a threshold
change's new M as a number (tryout 78 read `0x000…0002` in the ACCOUNT column), the evaluator's
new key as a key, a key rotation's old and new account."""

from __future__ import annotations

import pytest

from ledger.cli import _proposal_target
from ledger.services.members import Proposal
from ledger.services.roles import ProposalAction

OLD, NEW = "0x" + "aa" * 20, "0x" + "bb" * 20
KEY = "0x" + "cd" * 32


def _proposal(action: ProposalAction, account: str | None, new: str | None, data: str) -> Proposal:
    return Proposal(1, action, "pending", OLD, 1, 2, "2026-12-07T00:00:00Z", account, new, None,
                    "", data, "")  # fmt: skip


@pytest.mark.parametrize(
    ("action", "account", "new", "data", "row"),
    [
        (ProposalAction.SET_THRESHOLD, None, None, "0x" + "00" * 31 + "02", "new M = 2"),
        (ProposalAction.SET_FINGERPRINT_EVALUATOR, None, None, KEY, f"evaluator key {KEY}"),
        (ProposalAction.ROTATE_KEY, OLD, NEW, "0x" + "00" * 32, f"{OLD} -> {NEW}"),
        (ProposalAction.SUSPEND_MEMBER, OLD, None, "0x" + "00" * 32, OLD),
    ],
)
def test_a_proposal_row_says_what_it_changes(
    action: ProposalAction, account: str | None, new: str | None, data: str, row: str
) -> None:
    assert _proposal_target(_proposal(action, account, new, data)) == row
