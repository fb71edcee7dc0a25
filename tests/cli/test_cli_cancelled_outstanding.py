"""``tradeledger finance cancel`` with money still out says so, and the audit keeps it: the
cancel prints a ``warning (cancelled_outstanding)`` line (exit 0: a cancel is allowed at any
time) and its ``--json`` carries the notice; ``audit exposure`` shows the money apart from the
active OUTSTANDING; ``audit verify`` lists the cancelled financing while the rules hold. Bank B,
which does not read the financing's amounts, sees none of it.

The story of ``tests/cli/cli_helpers.py`` (Demo Bank A finances the exporter's UBL invoice and
draws 520.00 DKK), then Demo Bank A cancels it. Real CLI (Typer's runner), real embedded chain.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli.cli_helpers import Story, build_story


@pytest.fixture(scope="module")
def cancelled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Story, Any]:
    story = build_story(tmp_path_factory.mktemp("cancelled-outstanding"))
    bank = story.address("Demo Bank A")
    done = story.cli.run(
        "finance", "cancel", str(story.financing_id), "--as", bank, "--reason-code", "2"
    )
    return story, done


def test_the_cancel_warns_of_the_money_out(cancelled: tuple[Story, Any]) -> None:
    story, done = cancelled
    fid = story.financing_id
    assert (
        f"warning (cancelled_outstanding): financing {fid} is cancelled with 520.00 DKK "
        "outstanding (520.00 DKK drawn, 0.00 DKK repaid)"
    ) in done.stderr
    assert "(outstanding_after_cancel)" in done.stderr
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
    assert again["error"] == "FinancingNotActive"  # it stays cancelled


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
    assert f"cancelled financings with money outstanding: 1 ({fid})" in out
    assert f"financing {fid} of {story.address('Demo Bank A')} was cancelled (reason 2)" in out
    assert "520.00 DKK outstanding" in out
