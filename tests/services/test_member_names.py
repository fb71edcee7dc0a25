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


def test_names_are_read_from_the_event_index_and_only_its_tail_from_the_chain(
    network: Network, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """A gateway's first name read takes the blocks its event index has folded in from the
    index (one query), and only the blocks above it from the chain: the chain's read of a
    back-filled ledger read every block's receipts (a block full of registrations has a
    saturated logs bloom) — 7 s at 200,000 registered, ~35 s at a million (issue #16). The
    names are the chain's, a member added above the index's top included."""
    from ledger.indexer import EventIndex

    ledger = network.ledger
    served = ledger.event_index
    index = EventIndex.for_ledger(ledger, url=f"sqlite:///{tmp_path / 'names.sqlite'}")
    try:
        index.catch_up()
        folded = index.cursor()[0]
        late = member_svc.add_member(
            ledger, network.admin.address, "Bank Above The Index", Role.BANK
        ).member.address
        # the chain's own answer, read without an index from the deployment
        ledger.event_index = None
        member_svc._CHAIN_NAMES.pop(ledger, None)
        truth = member_svc.chain_names(ledger)
        assert truth[late.lower()] == "Bank Above The Index"
        # a restarted gateway: nothing read yet, its index behind the chain
        member_svc._CHAIN_NAMES.pop(ledger, None)
        ranges: list[int] = []
        real = member_svc.docs.logs_of

        def counted(ledger: Any, events: tuple[str, ...], from_block: int | None = None) -> Any:
            assert from_block is not None
            ranges.append(from_block)
            return real(ledger, events, from_block)

        monkeypatch.setattr(member_svc.docs, "logs_of", counted)
        ledger.event_index = index
        assert member_svc.chain_names(ledger) == truth
        assert ranges == [folded + 1]  # the chain: only the blocks the index has not folded
        # caught up, the index alone answers a restarted gateway
        index.catch_up()
        member_svc._CHAIN_NAMES.pop(ledger, None)
        ranges.clear()
        assert member_svc.chain_names(ledger) == truth
        assert all(start > folded for start in ranges), ranges
    finally:
        ledger.event_index = served
        member_svc._CHAIN_NAMES.pop(ledger, None)
        index.close()
