"""Members' on-chain names are read once and then only from the blocks mined since
(``members.chain_names``): every read of a member's name read every ``MemberAdded`` and
``MemberKeyRotated`` from the deployment block — once per file of a batch registration's answer,
which made a 100-file batch take minutes on a chain of 10,000 blocks."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.services import members as member_svc
from ledger.services.roles import Role
from tests.conftest import Network


def test_names_are_read_incrementally_and_a_new_member_is_named_at_once(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = network.ledger
    first = member_svc.chain_names(ledger)
    assert first[network.bank.address.lower()] == network.bank.name
    ranges: list[tuple[int, tuple[str, ...]]] = []
    real = member_svc.docs.logs_of

    def counted(ledger: Any, events: tuple[str, ...], from_block: int | None = None) -> Any:
        assert from_block is not None  # never from the deployment again
        ranges.append((from_block, tuple(events)))
        return real(ledger, events, from_block)

    monkeypatch.setattr(member_svc.docs, "logs_of", counted)
    head = ledger.w3.eth.block_number
    assert member_svc.chain_names(ledger) == first
    assert ranges == []  # nothing mined since: nothing read
    added = member_svc.add_member(
        ledger, network.admin.address, "Late Bank of Names", Role.BANK
    ).member.address
    names = member_svc.chain_names(ledger)
    assert names[added.lower()] == "Late Bank of Names"
    assert ranges, "the new member was not read from the chain"
    assert all(start > head for start, _ in ranges), ranges  # only the new blocks
    assert member_svc.get_member(ledger, added).name == "Late Bank of Names"
