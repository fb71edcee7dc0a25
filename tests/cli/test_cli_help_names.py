"""Every command's ``--help`` names its arguments by one rule: in capitals, in its usage line
and its Arguments panel (``PROOF FILE``, ``FINANCING_ID AMOUNT``), as the CLI's errors
(``error: AMOUNT: must be …``, ``error: PROOF: is required``) and the help texts
(``READER's published key``) name them. Found by a tryout: ``doc verify-proof --help`` showed
``{PROOF} {file}``, its one argument named by hand beside the others' Python names.

The real CLI (Typer's runner), every command."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from ledger.cli import app


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield path, command


COMMANDS = [
    pytest.param(path, command, id=" ".join(path)) for path, command in _commands(get_command(app))
]


def _help(*args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize(("path", "command"), COMMANDS)
def test_every_argument_is_named_in_capitals(path: tuple[str, ...], command: Any) -> None:
    arguments = [p.name for p in command.params if p.param_type_name == "argument"]
    shown = _help(*path)
    [usage] = [line for line in shown.splitlines() if "Usage:" in line]
    pieces = re.findall(r"[\w.\[\]]+", usage.split("[OPTIONS]", 1)[-1])
    assert [p.strip("[]").removesuffix("...") for p in pieces] == [a.upper() for a in arguments]
    for argument in arguments:
        # the Arguments panel: the same name, never the Python one
        assert re.search(rf"│ \*?\s+{argument.upper()}\s", shown), (argument, shown)
        assert not re.search(rf"│ \*?\s+{argument}\s", shown), (argument, shown)


def test_verify_proof_names_its_proof_as_its_file() -> None:
    usage = next(line for line in _help("doc", "verify-proof").splitlines() if "Usage:" in line)
    assert usage.rstrip().endswith("doc verify-proof [OPTIONS] PROOF FILE"), usage


def test_a_missing_argument_is_named_as_help_names_it() -> None:
    """A missing argument or option is said in the CLI's one-line form, named as ``--help``
    names it (it was Click's usage box: a tryout)."""
    result = CliRunner().invoke(app, ["doc", "verify-proof"])
    assert result.exit_code == 2
    assert "error: PROOF: is required (see " in result.output, result.output
    assert "verify-proof --help)" in result.output, result.output
    missing = CliRunner().invoke(app, ["finance", "repay", "1", "100"])
    assert missing.exit_code == 2
    assert "error: --as: is required (see " in missing.output, missing.output
