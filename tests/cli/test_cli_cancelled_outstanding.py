"""``tradeledger finance cancel`` of a financing with money still out is refused, nothing sent
(a cancel releases the invoice for financing elsewhere while the bank is still owed, and the
repayments of a cancelled financing can never be recorded: a fresh-user tryout); a cancel sent
to the contract by other means is kept by the audit: ``audit exposure`` shows the money apart
from the active OUTSTANDING; ``audit verify`` lists the cancelled financing while the rules
hold. Bank B, which does not read the financing's amounts, sees none of it.

The story of ``tests/cli/cli_helpers.py`` (Demo Bank A finances the exporter's UBL invoice and
draws 520.00 DKK), then Demo Bank A tries to cancel it with the CLI, and cancels it through the
contract. Real CLI (Typer's runner), real embedded chain.
"""

from __future__ import annotations

from typing import Any

import pytest

from ledger.network import open_ledger
from ledger.services import financing
from tests.cli.cli_helpers import Story, build_story
from tests.conftest import make_settings


@pytest.fixture(scope="module")
def cancelled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Story, Any]:
    story = build_story(tmp_path_factory.mktemp("cancelled-outstanding"))
    bank = story.address("Demo Bank A")
    refused = story.cli.json(
        "finance",
        "cancel",
        str(story.financing_id),
        "--as",
        bank,
        "--reason-code",
        "2",
        code=1,
    )
    said = story.cli.run(
        "finance", "cancel", str(story.financing_id), "--as", bank, "--reason-code", "2", code=1
    )
    refused["said"] = said.output
    ledger = open_ledger(make_settings(story.cli.data_dir))
    try:  # the bank's own tooling, straight to the contract (it reads no sealed amounts)
        fid = story.financing_id
        fingerprints = [bytes.fromhex(f[2:]) for f in financing.get(ledger, fid).fingerprints]
        receipt = ledger.transactor(bank).transact(
            ledger.contract.functions.cancelFinancing(fid, 2, fingerprints)
        )
        assert receipt["status"] == 1
    finally:
        ledger.close()
    return story, refused


def test_the_cli_refuses_the_cancel_and_sends_nothing(cancelled: tuple[Story, Any]) -> None:
    story, refused = cancelled
    fid = story.financing_id
    assert refused["error"] == "money_still_out"
    assert refused["details"]["outstanding"] == 52_000
    assert refused["details"]["financing_id"] == fid
    assert "520.00 DKK drawn on it is not repaid" in refused["message"]
    assert refused["said"].startswith(f"error: financing {fid} is not cancelled, nothing was")
    again = story.cli.json(
        "finance",
        "cancel",
        str(fid),
        "--as",
        story.address("Demo Bank A"),
        "--reason-code",
        "2",
        code=1,
    )
    assert again["error"] == "FinancingNotActive"  # cancelled by the other means, it stays so


def test_the_exposure_keeps_the_money_apart(cancelled: tuple[Story, Any]) -> None:
    story, _ = cancelled
    cli, fid = story.cli, story.financing_id
    for who in ("Demo Regulator", "Demo Bank A"):
        (row,) = cli.json("audit", "exposure", "--as", story.address(who))["items"]
        assert (row["financings"], row["outstanding"]) == (0, 0), who
        assert row["outstanding_after_cancel"] == 52_000, who
        assert row["released_with_outstanding"] == [fid]
    text = cli.run("audit", "exposure", "--as", story.address("Demo Regulator")).stdout
    assert "still outstanding on cancelled or closed financings (not in OUTSTANDING):" in text
    bank = story.address("Demo Bank A")
    assert f"Demo Bank A ({bank}): 520.00 DKK after cancel (financings {fid})" in text
    other = cli.json("audit", "exposure", "--as", story.address("Bank B"))
    assert other["items"] == []
    assert "520.00" not in cli.run("audit", "exposure", "--as", story.address("Bank B")).stdout


def test_verify_lists_the_cancel_while_the_rules_hold(cancelled: tuple[Story, Any]) -> None:
    story, _ = cancelled
    cli, fid = story.cli, story.financing_id
    report = cli.json("audit", "verify")
    assert report["rules"]["clean"] is True
    (found,) = report["rules"]["cancelled_outstanding"]
    assert (found["financing_id"], found["outstanding"], found["currency"]) == (fid, 52_000, "DKK")
    out = cli.run("audit", "verify").stdout
    assert "RULES HOLD" in out
    assert "; 1 to follow up below (not rule breaches)" in out
    assert f"cancelled financings with money outstanding: 1 (financing {fid})" in out
    assert f"financing {fid} of {story.address('Demo Bank A')} was cancelled (reason 2)" in out
    assert "520.00 DKK outstanding" in out
