"""A member's own gateway after `tradeledger join`, on anvil, in process (tryout 78).

- It rotates its own key there: `tradeledger keystore new-key` refused every such bank and
  regulator (the member its gateway joined as is the manifest's ``admin_address``), so a leaked
  key could not be retired. The new key at the bank's directory through the CLI, the rotation
  by the operator, and the bank's gateway signing with the new key and naming it in its
  manifest.
- Started before its approval, it finishes joining while it runs: bank B was approved while
  serving, worked as a member, and its `join.json` stayed (the docs say it "finishes joining by
  itself")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ledger.cli import app as cli_app
from ledger.errors import InvalidInput, KeyRotatedAway
from ledger.join import JOIN_STATE_FILE, read_request
from ledger.manifest import Manifest
from ledger.network import Ledger, open_ledger
from ledger.services import documents as docs
from ledger.services import members as svc
from ledger.services import rotation, standing
from ledger.services.roles import ProposalAction
from tests.conftest import AnvilNode
from tests.consortium.test_join import FAST, join, member_settings, operator

pytestmark = pytest.mark.anvil
__all__ = ["operator"]  # the fixture, used here


def _join_bank(
    tmp_path: Path, node: AnvilNode, ledger: Ledger, name: str
) -> tuple[dict[str, Any], Path]:
    """A bank joining the operator's consortium with its own data directory (not approved)."""
    return join(tmp_path, node, ledger.manifest.contract_address, name, "bank")


def _approve(ledger: Ledger, joined: dict[str, Any]) -> None:
    """The operator approves the join request ``joined`` wrote (M = 1: in effect at once)."""
    svc.approve_join(ledger, ledger.manifest.admin_address, read_request(Path(joined["request"])))


def test_a_joined_bank_rotates_its_own_key_at_its_gateway(
    tmp_path: Path, anvil_node: AnvilNode, operator: tuple[Ledger, str]
) -> None:
    ledger, _ = operator
    joined, bank_dir = _join_bank(tmp_path, anvil_node, ledger, "Bank R")
    old = joined["address"]
    _approve(ledger, joined)
    made = CliRunner().invoke(
        cli_app,
        ["keystore", "new-key", old, "--data-dir", str(bank_dir), "--json"],
        env={**FAST, "TRADELEDGER_CHAIN_URL": anvil_node.url},
    )
    assert made.exit_code == 0, made.output
    new = json.loads(made.stdout)["new_address"]
    svc.propose(
        ledger,
        ledger.manifest.admin_address,
        ProposalAction.ROTATE_KEY,
        account=old,
        new_account=new,
    )  # M = 1: in effect at once

    bank = open_ledger(member_settings(bank_dir, anvil_node))
    try:
        assert rotation.current(bank, old) == new  # adopted
        # the gateway's own member is named by its new address, in memory and on disk
        assert bank.manifest.admin_address == new
        assert Manifest.read(bank.settings.manifest_path).admin_address == new
        _, _, registration = docs.register_file(
            bank, new, "bank", b"a file registered after the rotation", "after.txt"
        )
        assert registration.registered_by.lower() == new.lower()
        with pytest.raises(KeyRotatedAway):
            bank.transactor(old)
    finally:
        bank.close()


def test_the_contract_owner_is_told_why_its_key_is_not_rotated_so(
    operator: tuple[Ledger, str],
) -> None:
    ledger, _ = operator
    with pytest.raises(InvalidInput, match="contract's owner") as refused:
        rotation.new_key(ledger, ledger.manifest.admin_address)
    assert refused.value.field == "member"


def test_a_gateway_approved_while_it_runs_drops_its_join_mark(
    tmp_path: Path, anvil_node: AnvilNode, operator: tuple[Ledger, str]
) -> None:
    ledger, _ = operator
    joined, bank_dir = _join_bank(tmp_path, anvil_node, ledger, "Bank J")
    bank = open_ledger(member_settings(bank_dir, anvil_node))  # started before its approval
    try:
        assert (bank_dir / JOIN_STATE_FILE).exists()
        assert standing.standing(bank, joined["address"]).member_id == 0
        assert (bank_dir / JOIN_STATE_FILE).exists()  # pending: still joining
        _approve(ledger, joined)
        standing.membership_changed(bank)  # past the standing cache's few seconds
        assert standing.standing(bank, joined["address"]).active
        assert not (bank_dir / JOIN_STATE_FILE).exists()
    finally:
        bank.close()
