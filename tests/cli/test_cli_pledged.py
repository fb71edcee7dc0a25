"""The CLI says what the API says about an invoice financed through another copy of it
(tests/api/test_pledged_through_another_copy.py): the exporter registered the demo invoice as
UBL and as CII, Demo Bank A financed the CII copy; for the UBL copy ``doc show`` and ``doc
check`` say ``invoice_pledged: true`` and ``financing_headroom: 0`` to the exporter and the
regulator (``is_financed`` stays "this exact document"), and null to another enterprise and an
attestor. Without ``--as`` the CLI reads no terms: ``is_financed`` is null there, never
"not financed".

Real CLI (Typer's runner) on a real embedded chain."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from tests.cli.cli_helpers import Cli

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
CII = resources.files("ledger.demo_data").joinpath("invoice-cii.xml").read_bytes()
FACE = 467_500
HELD = 3


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, dict[str, str], Path, str]:
    tmp = tmp_path_factory.mktemp("pledged")
    cli = Cli(tmp / "ledger")
    members = {m["name"]: m["address"] for m in cli.json("init", "--demo")["members"]}
    members["Other"] = cli.json("member", "add", "Other", "--role", "enterprise")["address"]
    ubl, cii = tmp / "invoice-ubl.xml", tmp / "invoice-cii.xml"
    ubl.write_bytes(UBL)
    cii.write_bytes(CII)
    exporter, bank = members["Demo Exporter"], members["Demo Bank A"]
    ubl_hash = cli.json("doc", "register", str(ubl), "--as", exporter)["doc_hash"]
    cii_hash = cli.json("doc", "register", str(cii), "--as", exporter)["doc_hash"]
    cli.json("doc", "receive", str(cii), "--as", bank)
    cli.json(
        "finance", "create", "--as", bank, "--doc", f"{cii_hash}=374000",
        "--currency", "DKK", "--maturity", "2099-12-31",
    )  # fmt: skip
    return cli, members, ubl, ubl_hash


def test_those_who_may_know_read_the_ubl_copy_as_pledged(
    world: tuple[Cli, dict[str, str], Path, str],
) -> None:
    cli, members, ubl, ubl_hash = world
    for name in ("Demo Exporter", "Demo Regulator"):
        shown: dict[str, Any] = cli.json("doc", "show", ubl_hash, "--as", members[name])
        assert shown["is_financed"] is False, name
        # as the API's record: the held copy's amounts under held (docs/api.md)
        held = shown["held"]
        assert (shown["invoice_pledged"], held["financing_headroom"]) == (True, 0), name
        assert held["financeable_amount"] == FACE
        text = cli.run("doc", "show", ubl_hash, "--as", members[name]).stdout
        assert "financed (this exact document): no" in text
        assert "invoice PLEDGED" in text
        assert "left to finance: 0.00 DKK" in text
    checked = cli.json("doc", "check", str(ubl), "--as", members["Demo Exporter"])
    # the API's check answer: whether this exact file is financed is part of its registration
    assert (checked["registration"]["is_financed"], checked["invoice_pledged"]) == (False, True)
    assert (checked["financeable_amount"], checked["financing_headroom"]) == (FACE, 0)
    regulator = cli.json("doc", "check", str(ubl), "--as", members["Demo Regulator"], code=HELD)
    assert (regulator["invoice_pledged"], regulator["financing_headroom"]) == (True, 0)
    # the operator reads no terms: not "not financed", and the public lock all the same
    operator = cli.json("doc", "check", str(ubl), code=HELD)
    assert (operator["registration"]["is_financed"], operator["invoice_pledged"]) == (None, True)
    assert cli.json("doc", "show", ubl_hash)["is_financed"] is None


def test_those_who_may_not_know_read_null(world: tuple[Cli, dict[str, str], Path, str]) -> None:
    cli, members, ubl, ubl_hash = world
    for name in ("Other", "Demo Customs"):
        checked = cli.json("doc", "check", str(ubl), "--as", members[name])
        assert (checked["invoice_pledged"], checked["financing_headroom"]) == (None, None), name
        text = cli.run("doc", "check", str(ubl), "--as", members[name]).stdout
        assert "PLEDGED" not in text
        assert "pledged: no" not in text
        assert (
            "left to finance: unknown: fingerprints and the financings that lock them are shown "
            "to banks and regulators only (note holders_unknown below)"
        ) in " ".join(text.split())
        shown = cli.json("doc", "show", ubl_hash, "--as", members[name])
        assert (shown["is_financed"], shown["invoice_pledged"]) == (None, None), name
