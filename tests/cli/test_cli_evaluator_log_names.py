"""``tradeledger evaluator log`` names each member as every other table does (tryout 75 read
bare addresses in its MEMBER column, names beside addresses everywhere else)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from tests.cli.cli_helpers import Cli


def test_the_evaluator_log_names_its_members(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    created = cli.json("init", "--demo")
    members = {m["role"]: m for m in created["members"]}
    invoice = tmp_path / "invoice.xml"
    invoice.write_bytes(
        resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
    )
    cli.run("doc", "check", str(invoice), "--as", members["bank"]["address"])
    bank = members["bank"]
    # its own rows (the tests share one evaluator: other consortia's rows are on it too)
    out = cli.run(
        "evaluator", "log", "--as", members["regulator"]["address"], "--member", bank["address"]
    ).stdout
    assert f"{bank['name']} ({bank['address']})" in out, out
