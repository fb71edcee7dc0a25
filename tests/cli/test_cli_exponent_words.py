"""An integer given to the CLI in exponent notation is refused by the API's one rule for it.

``finance drawdown 7 1e400`` said the amount "is too large" and ``finance drawdown 7 1e2`` that
it "must be written in decimal digits": two rules for one fault, as the API gave them (a
tryout). Every integer argument and option of every command (amounts, ids, reason codes,
limits, ports) and the time bounds given as Unix seconds (``--from``, ``--since``) now refuse
``1e2`` and ``1e400`` in the same words (:func:`ledger.jsonliterals.exponent_rule`), naming the
CLI's own parameter, before the command runs.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import typer
from cli_helpers import FAST
from typer.testing import CliRunner

from ledger.cli import app
from ledger.cli_once import param_name, takes_int
from ledger.jsonliterals import exponent_rule

EXPONENTS = ["1e2", "1e400", "1E+3", "2.5e3"]


def _commands(group: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    found = [(path, group)]
    for name, sub in getattr(group, "commands", {}).items():
        found += _commands(sub, (*path, name))
    return found


def _words(command: Any, target: Any, value: str) -> list[str]:
    words = [
        value if p is target else "1" if takes_int(p) else "x"
        for p in command.params
        if p.param_type_name == "argument"
    ]
    return [*words, target.opts[0], value] if target.param_type_name == "option" else words


@pytest.mark.parametrize("literal", EXPONENTS)
def test_every_integer_of_every_command_refuses_exponent_notation(literal: str) -> None:
    runner, checked = CliRunner(), 0
    for path, command in _commands(typer.main.get_command(app)):
        for param in [p for p in getattr(command, "params", []) if takes_int(p)]:
            words = _words(command, param, literal)
            done = runner.invoke(app, [*path, *words], env=FAST)
            name = param_name(param)
            assert done.exit_code == 2, (path, name, done.output)
            assert done.stderr.strip() == f"error: {name}: {exponent_rule(literal)}", done.output
            checked += 1
    assert checked >= 20, checked


@pytest.mark.parametrize("literal", EXPONENTS)
def test_an_amount_of_a_pledge_refuses_exponent_notation(literal: str) -> None:
    args = ["finance", "create", "--as", "0x" + "11" * 20, "--doc", f"0x{'ab' * 32}={literal}"]
    args += ["--currency", "DKK", "--maturity", "2027-06-30", "--kind", "invoice_financing"]
    done = CliRunner().invoke(app, [*args, "--reference", "R", "--json"], env=FAST)
    body = json.loads(done.stdout)
    assert body["details"]["field"] == "--doc[0]", body
    assert body["details"]["rule"] == exponent_rule(literal), body


@pytest.mark.parametrize("option", ["--from", "--to"])
def test_a_time_bound_in_exponent_notation_is_the_same_rule(option: str) -> None:
    done = CliRunner().invoke(app, ["doc", "list", option, "1e9", "--json"], env=FAST)
    body = json.loads(done.stdout)
    assert body["details"] == {"field": option, "rule": exponent_rule("1e9")}, body
