"""A number given to the CLI is taken as written, as the API takes it: plain decimal digits.

Click reads an integer with ``int()``, which takes ``+5``, `` 3``, ``1_000`` and ``١``: a
fresh user's ``finance drawdown 2 "+5"`` drew 5, and ``doc revoke … --reason-code " 3"``
revoked the document. The walk reads every command and its integer parameters from the CLI's
own parser, so a new command or option is covered without anyone adding it here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from cli_helpers import FAST, Story, build_story
from typer.testing import CliRunner

from ledger.cli import app
from ledger.cli_filters import ReadCommand
from ledger.cli_once import param_name, takes_int
from ledger.jsonliterals import exponent_rule
from ledger.services.audit import EMPTY_FILTER_RULE

#: what ``int()`` reads as a number and the API refuses
LOOSE = ["+5", " 3", "3 ", "1_000", "\u0661", "0x10", ""]
#: an option's value may also start with a minus (the parser takes the next word whole)
LOOSE_OPTION = [*LOOSE, "-1"]


def commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, group
    for name, sub in getattr(group, "commands", {}).items():
        yield from commands(sub, (*path, name))


def integer_params() -> list[tuple[tuple[str, ...], Any, Any]]:
    root = typer.main.get_command(app)
    return [
        (path, command, param)
        for path, command in commands(root)
        for param in command.params
        if takes_int(param)
    ]


def _call(command: Any, target: Any, value: str) -> list[str]:
    """The words after the command's path that give ``target`` ``value``: the other arguments
    as harmless words (``1`` for a number), options left out."""
    words: list[str] = []
    for param in command.params:
        if param.param_type_name != "argument":
            continue
        words.append(value if param is target else "1" if takes_int(param) else "x")
    if target.param_type_name == "option":
        words += [target.opts[0], value]
    return words


def test_the_walk_finds_the_money_and_the_ids() -> None:
    found = {(" ".join(p), param_name(param)) for p, _, param in integer_params()}
    for expected in [
        ("finance drawdown", "AMOUNT"),
        ("finance drawdown", "FINANCING_ID"),
        ("finance repay", "AMOUNT"),
        ("finance cancel", "--reason-code"),
        ("doc revoke", "--reason-code"),
        ("doc list", "--limit"),
        ("member approve-proposal", "PROPOSAL_ID"),
        ("serve", "--port"),
    ]:
        assert expected in found, found
    assert len(found) >= 20, found


def test_every_integer_of_every_command_is_plain_digits() -> None:
    runner, checked = CliRunner(), 0
    for path, command, param in integer_params():
        name = param_name(param)
        forms = LOOSE_OPTION if param.param_type_name == "option" else LOOSE
        for value in forms:
            words = _call(command, param, value)
            if param.param_type_name == "argument" and value == "":
                continue  # an empty argument is read as given: covered by the options
            done = runner.invoke(app, [*path, *words], env=FAST)
            assert done.exit_code == 2, (path, name, value, done.output)
            said = f"error: {name}: must be written in decimal digits"
            if not value.strip() and isinstance(command, ReadCommand):
                said = f"error: {name}: {EMPTY_FILTER_RULE}"  # a reading command's own words
            assert said in done.stderr, (path, name, value, done.output)
            assert "Traceback" not in done.output
            if any(p.name == "as_json" for p in command.params):
                done = runner.invoke(app, [*path, *words, "--json"], env=FAST)
                assert done.exit_code == 2, (path, name, value, done.output)
                body = json.loads(done.stdout)
                assert body["error"] == "invalid_input", body
                assert body["details"]["field"] == name, body
                assert body["details"].get("value", value) == value, body
            checked += 1
    assert checked >= 100


def test_plain_digits_still_read(tmp_path: Path) -> None:
    """``--limit 1`` still pages: the check refuses only forms the API refuses."""
    done = CliRunner().invoke(
        app, ["doc", "list", "--limit", "1", "--json", "--data-dir", str(tmp_path / "d")]
    )
    assert "must be written in decimal digits" not in done.output


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    return build_story(tmp_path_factory.mktemp("cli-numbers"))


def test_a_signed_amount_draws_nothing(story: Story) -> None:
    cli, bank = story.cli, story.address("Demo Bank A")
    fid = str(story.financing_id)
    before = cli.json("finance", "show", fid, "--as", bank)["drawn"]
    for amount in ["+5", " 5", "5_0", "\u0665"]:
        said = cli.run("finance", "drawdown", fid, amount, "--as", bank, code=2).stderr
        assert said.startswith("error: AMOUNT: must be written in decimal digits"), said
        cli.run("finance", "repay", fid, amount, "--as", bank, code=2)
    cli.run("finance", "drawdown", "+" + fid, "5", "--as", bank, code=2)
    assert cli.json("finance", "show", fid, "--as", bank)["drawn"] == before


def test_a_reason_code_with_a_space_revokes_nothing(story: Story) -> None:
    cli = story.cli
    exporter = story.address("Demo Exporter")
    path = story.tmp / "to-revoke.txt"
    path.write_text("a document to keep\n")
    doc_hash = cli.json("doc", "register", str(path), "--as", exporter)["doc_hash"]
    answer = cli.json("doc", "revoke", doc_hash, "--as", exporter, "--reason-code", " 3", code=2)
    assert answer["details"]["field"] == "--reason-code"
    assert cli.json("doc", "show", doc_hash)["status"] == "active"


def test_a_reason_code_refuses_what_the_api_refuses(story: Story) -> None:
    """``"reason_code": -0`` (which a JSON parser reads as 0), ``0.0``, ``1e0`` and ``true``
    are refused by the API (tests/api/test_strict_input.py); the CLI's ``--reason-code``
    refuses each as not decimal digits (``1e0`` in the one rule of exponent notation), and the
    document stays active. (Pinned here: the CLI
    never took them.)"""
    cli = story.cli
    exporter, bank = story.address("Demo Exporter"), story.address("Demo Bank A")
    path = story.tmp / "to-keep.txt"
    path.write_text("a document no odd reason code revokes\n")
    doc_hash = cli.json("doc", "register", str(path), "--as", exporter)["doc_hash"]
    for code in ["-0", "0.0", "1e0", "true"]:
        revoked = cli.json(
            "doc", "revoke", doc_hash, "--as", exporter, "--reason-code", code, code=2
        )
        assert revoked["details"]["field"] == "--reason-code", revoked
        if code == "1e0":  # the API's one rule for exponent notation (test_cli_exponent_words)
            assert revoked["details"]["rule"] == exponent_rule(code), revoked
        else:
            assert revoked["details"]["rule"].startswith("must be written in decimal digits")
        fid = str(story.financing_id)
        cancelled = cli.json("finance", "cancel", fid, "--as", bank, "--reason-code", code, code=2)
        assert cancelled["details"]["field"] == "--reason-code", cancelled
    assert cli.json("doc", "show", doc_hash)["status"] == "active"
    assert cli.json("finance", "show", str(story.financing_id))["status"] == "active"


def test_a_pledged_amount_is_plain_digits(story: Story) -> None:
    cli, bank = story.cli, story.address("Demo Bank A")
    for amount in ["+100", " 100", "1_00", "\u0661\u0660\u0660"]:
        answer = cli.json(
            "finance",
            "create",
            "--as",
            bank,
            "--doc",
            f"{story.ubl_hash}={amount}",
            "--currency",
            "DKK",
            "--maturity",
            "2099-12-31",
            code=2,
        )
        assert answer["details"]["field"] == "--doc[0]", answer
        assert "decimal digits" in answer["details"]["rule"], answer


# -- enumerated values, taken as written (lower case, as the help and the API list them) -------


def _enumerated(story: Story) -> list[tuple[list[str], str]]:
    bank, ent = story.address("Demo Bank A"), story.address("Demo Exporter")
    path = str(story.tmp / "invoice.xml")
    return [
        (["doc", "register", path, "--as", ent, "--type", "{}"], "--type"),
        (["doc", "list", "--type", "{}"], "--type"),
        (["doc", "list", "--status", "{}"], "--status"),
        (["finance", "list", "--as", bank, "--status", "{}"], "--status"),
        (
            [
                *("finance", "create", "--as", bank, "--doc", f"{story.ubl_hash}=100"),
                *("--currency", "DKK", "--maturity", "2099-12-31", "--kind", "{}"),
            ],
            "--kind",
        ),
        (["member", "add", "Case Bank", "--role", "{}"], "--role"),
        (["member", "propose", "{}", "--account", bank], "ACTION"),
        (["audit", "refusals", "--reason", "{}"], "--reason"),
        (["audit", "export", "--out", str(story.tmp / "e.jsonl"), "--event", "{}"], "--event"),
    ]


GOOD = {
    "--type": "invoice",
    "type": "invoice",
    "status": "active",
    "--status": "active",
    "--kind": "factoring",
    "--role": "bank",
    "ACTION": "suspend-member",
    "--reason": "fingerprint_pledged",
    "--event": "FinancingRefused",
}


def test_an_enumerated_option_is_taken_as_written(story: Story) -> None:
    """``--type INVOICE`` was read as ``invoice`` (and ``-F doc_type=INVOICE`` by the API),
    while a currency was strict about case: every enumerated option takes its documented
    spelling only, and refuses another case naming the option and listing the values."""
    for words, field in _enumerated(story):
        value = GOOD[field]
        # the first letter's case changed: neither the documented spelling nor the upper-case
        # name a refusal's reason is also answered (and taken) as
        for bad in (value[0].swapcase() + value[1:], f" {value}"):
            args = [w.replace("{}", bad) if w == "{}" else w for w in words]
            if words[:2] == ["audit", "export"]:  # a stream: no --json
                said = story.cli.run(*args, code=2).stderr
                assert said.startswith(f"error: {field}: must be one of"), said
                continue
            answer = story.cli.json(*args, code=2)
            assert answer["details"]["field"] == field, (words, answer)
            assert "must be one of" in answer["details"]["rule"], (words, answer)
            assert value in answer["details"]["rule"], (words, answer)
