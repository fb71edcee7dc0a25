"""A member's gateway started before its approval finishes joining while it runs (tryout 78:
bank B was approved while serving, worked as a member, and its `join.json` stayed; the docs
say it "finishes joining by itself")."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.join import JOIN_STATE_FILE, read_request
from ledger.network import Ledger, open_ledger
from ledger.services import members as svc
from ledger.services import standing
from tests.conftest import AnvilNode
from tests.consortium.test_join import join, member_settings, operator

pytestmark = pytest.mark.anvil
__all__ = ["operator"]  # the fixture, used here


def test_a_gateway_approved_while_it_runs_drops_its_join_mark(
    tmp_path: Path, anvil_node: AnvilNode, operator: tuple[Ledger, str]
) -> None:
    ledger, _ = operator
    joined, bank_dir = join(
        tmp_path, anvil_node, ledger.manifest.contract_address, "Bank J", "bank"
    )
    bank = open_ledger(member_settings(bank_dir, anvil_node))  # started before its approval
    try:
        assert (bank_dir / JOIN_STATE_FILE).exists()
        assert standing.standing(bank, joined["address"]).member_id == 0
        assert (bank_dir / JOIN_STATE_FILE).exists()  # pending: still joining
        svc.approve_join(
            ledger, ledger.manifest.admin_address, read_request(Path(joined["request"]))
        )
        standing.membership_changed(bank)  # past the standing cache's few seconds
        assert standing.standing(bank, joined["address"]).active
        assert not (bank_dir / JOIN_STATE_FILE).exists()
    finally:
        bank.close()
