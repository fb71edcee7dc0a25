"""``tradeledger init --funding-key-file`` on a node with priced gas (anvil) asks the funder for
what the network needs — not a fixed 100,000 ether a stock dev chain (10,000 ether an account)
cannot give — and, when the funder holds too little, says how much and from which address before
writing anything. Real CLI, real anvil."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from typer.testing import CliRunner

from ledger.cli import app
from tests.conftest import AnvilNode

pytestmark = pytest.mark.anvil

ETHER = 10**18
FAST = {"TRADELEDGER_KEYSTORE_SCRYPT_N": "1024", "TRADELEDGER_CHAIN_SYNC": "normal"}


def _funder(anvil_node: AnvilNode, tmp_path: Path, wei: int) -> tuple[str, Path]:
    """A fresh account holding ``wei`` on the node, and a key file for it."""
    account = Account.create()
    anvil_node.rpc("anvil_setBalance", [account.address, hex(wei)])
    key_file = tmp_path / "funder.key"
    key_file.write_text(account.key.hex())
    return account.address, key_file


def _balance(anvil_node: AnvilNode, address: str) -> int:
    return int(str(anvil_node.rpc("eth_getBalance", [address, "latest"])), 16)


def _run(anvil_node: AnvilNode, data_dir: Path, *args: str) -> Any:
    env = {**FAST, "TRADELEDGER_CHAIN_URL": anvil_node.url}
    return CliRunner().invoke(app, [*args, "--data-dir", str(data_dir)], env=env)


def test_init_on_a_stock_dev_chain_balance_asks_only_what_is_needed(
    anvil_node: AnvilNode, tmp_path: Path
) -> None:
    """A funder with less than a stock dev account (10,000 ether) creates a network with demo
    members, and the admin can still onboard members afterwards."""
    funder, key_file = _funder(anvil_node, tmp_path, 5_000 * ETHER)
    data_dir = tmp_path / "ledger"
    result = _run(
        anvil_node, data_dir, "init", "--demo", "--funding-key-file", str(key_file), "--json"
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert len(created["members"]) == 4
    spent = 5_000 * ETHER - _balance(anvil_node, funder)
    assert 0 < spent < 5_000 * ETHER
    # onboarding after init is paid from what the funder gave
    added = _run(anvil_node, data_dir, "member", "add", "Bank B", "--role", "bank", "--json")
    assert added.exit_code == 0, added.output
    assert _balance(anvil_node, json.loads(added.stdout)["address"]) > 0


def test_a_funder_with_too_little_is_told_how_much_and_from_where(
    anvil_node: AnvilNode, tmp_path: Path
) -> None:
    funder, key_file = _funder(anvil_node, tmp_path, ETHER // 2)
    data_dir = tmp_path / "ledger"
    result = _run(anvil_node, data_dir, "init", "--funding-key-file", str(key_file))
    assert result.exit_code == 1, result.output
    message = result.stderr
    assert "Traceback" not in result.output
    assert funder in message
    assert "holds 0.5 ETH" in message
    found = re.search(r"needs ([0-9.]+) ETH from it", message)
    assert found, message
    needed = Decimal(found.group(1))
    assert 0.5 < needed < 5_000
    # nothing was written: no manifest, no admin key, and the funder paid nothing
    assert not (data_dir / "manifest.json").exists()
    assert not list(data_dir.rglob("*.json"))
    assert _balance(anvil_node, funder) == ETHER // 2

    # given exactly what it was told, the same command succeeds
    anvil_node.rpc("anvil_setBalance", [funder, hex(int(needed * ETHER))])
    retried = _run(anvil_node, data_dir, "init", "--funding-key-file", str(key_file), "--json")
    assert retried.exit_code == 0, retried.output


def test_an_admin_that_ran_out_is_told_how_much_to_onboard_a_member(
    anvil_node: AnvilNode, tmp_path: Path
) -> None:
    _, key_file = _funder(anvil_node, tmp_path, 5_000 * ETHER)
    data_dir = tmp_path / "ledger"
    created = _run(anvil_node, data_dir, "init", "--funding-key-file", str(key_file), "--json")
    assert created.exit_code == 0, created.output
    admin = json.loads(created.stdout)["admin"]["address"]
    anvil_node.rpc("anvil_setBalance", [admin, hex(10**15)])  # spent down to 0.001 ether
    keys_before = sorted(data_dir.rglob("*.json"))

    refused = _run(anvil_node, data_dir, "member", "add", "Bank C", "--role", "bank")
    assert refused.exit_code == 1, refused.output
    message = refused.stderr
    assert f"the admin {admin} holds 0.001 ETH; onboarding a member" in message
    assert re.search(r"needs [0-9.]+ ETH from it .*: send it [0-9.]+ ETH more", message), message
    assert sorted(data_dir.rglob("*.json")) == keys_before  # no key made for a member not added
