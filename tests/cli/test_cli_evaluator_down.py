"""``doc check`` by a bank while the fingerprint evaluator cannot be reached: what is left to
finance is unknown because the evaluator could not be reached, and the CLI says so (it said
"left to finance: unknown to you", a tryout 2026-12-03), beside the ``holders_unknown`` notice
the API answer carries, and exits 4 (never 0: nothing was checked).

Real CLI (Typer's runner) on a real embedded chain; the evaluator's URL is a closed port."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from ledger.cli import app
from tests.cli.cli_helpers import FAST, Cli, build_story

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
#: nothing listens there: connecting is refused at once
UNREACHABLE = "http://127.0.0.1:9"


def test_headroom_unknown_says_the_evaluator_could_not_be_reached(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    members = {m["role"]: m["address"] for m in cli.json("init", "--demo")["members"]}
    invoice = tmp_path / "invoice.xml"
    invoice.write_bytes(UBL)
    down = {**FAST, "TRADELEDGER_EVALUATOR_URL": UNREACHABLE}
    args = ["doc", "check", str(invoice), "--as", members["bank"], "--data-dir", str(cli.data_dir)]
    said = cli.runner.invoke(app, args, env=down)
    assert said.exit_code == 4, said.output
    text = " ".join(said.stdout.split())
    [line] = [ln for ln in said.stdout.splitlines() if "left to finance" in ln]
    assert "unknown to you" not in line, line
    assert f"left to finance: unknown: the fingerprint evaluator at {UNREACHABLE}" in text, text
    assert "cannot be reached" in line, line
    assert "(note holders_unknown below)" in line, line
    answer = cli.runner.invoke(app, [*args, "--json"], env=down)
    assert answer.exit_code == 4, answer.output
    body = json.loads(answer.stdout)
    assert body["financing_headroom"] is None
    [notice] = [n for n in body["notices"] if n["kind"] == "holders_unknown"]
    assert "cannot be reached" in notice["message"]


def test_a_pledged_answer_exits_3_though_the_holders_were_not_checked(tmp_path: Path) -> None:
    """Demo Bank A financed the invoice; the evaluator is down, and the gateway keeps none of
    its outputs (a database of an earlier release): the holders of the file's fingerprints are
    not known, but the bank reads its own financing of it, and the answer says PLEDGED. The
    exit status says so too: 3, not 4 (a tryout read PLEDGED beside exit 4)."""
    from sqlalchemy import create_engine, text

    story = build_story(tmp_path)
    bank = story.address("Demo Bank A")
    engine = create_engine(f"sqlite:///{story.cli.data_dir / 'gateway.sqlite'}")
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM evaluated_inputs"))
    engine.dispose()
    down = {**FAST, "TRADELEDGER_EVALUATOR_URL": UNREACHABLE}
    invoice = str(story.tmp / "invoice.xml")
    args = ["doc", "check", invoice, "--as", bank, "--data-dir", str(story.cli.data_dir)]
    said = story.cli.runner.invoke(app, [*args, "--json"], env=down)
    body = json.loads(said.stdout)
    assert body["invoice_pledged"] is True, body
    assert body["conflicting_financings"] in (None, []), body  # not checked
    assert said.exit_code == 3, said.output
