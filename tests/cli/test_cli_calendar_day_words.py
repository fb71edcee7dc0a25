"""A date given to the CLI in ISO 8601's form but not in the calendar is told so (the API's
words: tests/api/test_calendar_day_words.py).

``tradeledger doc list --from 2026-02-30`` said ``--from: must be ISO 8601 … or Unix seconds``
— it is ISO 8601 syntax, February 2026 has no 30th — and ``finance create --maturity
2026-02-30`` ``day value is outside expected range``. Every time bound of every command
(``--from``, ``--to``, ``--since``, ``--until``, read from the CLI's own parser) and a
financing's ``--maturity`` now say which part the calendar does not have, naming the option.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from cli_helpers import FAST
from typer.testing import CliRunner

from ledger.calendardays import day_rule
from ledger.cli import app
from ledger.network import init_network
from tests.conftest import make_settings

NO_SUCH_DAYS = {
    "2026-02-30": (2026, 2, 30),
    "2025-02-29": (2025, 2, 29),
    "2026-13-01": (2026, 13, 1),
    "2026-01-00": (2026, 1, 0),
}
BOUNDS = ("--from", "--to", "--since", "--until")


def _commands(group: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    found = [(path, group)]
    for name, sub in getattr(group, "commands", {}).items():
        found += _commands(sub, (*path, name))
    return found


def _bounded() -> list[tuple[tuple[str, ...], str, Any]]:
    """Every (command, time-bound option) pair of the CLI, with the command."""
    return [
        (path, option, command)
        for path, command in _commands(typer.main.get_command(app))
        for param in getattr(command, "params", [])
        for option in param.opts
        if option in BOUNDS
    ]


def _arguments(command: Any) -> list[str]:
    """Harmless values of the command's arguments and required options."""
    words = [
        "1" if p.name.endswith("id") else "x"
        for p in command.params
        if p.param_type_name == "argument"
    ]
    for p in command.params:
        if p.param_type_name == "option" and p.required:
            words += [p.opts[0], "/dev/null"]
    return words


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger for the commands that open theirs before they read their options."""
    found = tmp_path_factory.mktemp("calendar") / "ledger"
    ledger, _ = init_network(make_settings(found), "Test admin")
    ledger.close()
    return found


@pytest.mark.parametrize("written", NO_SUCH_DAYS)
def test_every_time_bound_says_the_day_is_not_in_the_calendar(written: str, data_dir: Path) -> None:
    bounded = _bounded()
    assert {o for _, o, _ in bounded} == set(BOUNDS), bounded
    assert len(bounded) >= 14, bounded
    rule = day_rule(*NO_SUCH_DAYS[written])
    for path, option, command in bounded:
        for value in (written, f"{written}T10:00:00Z"):
            words = [*path, *_arguments(command), option, value, "--data-dir", str(data_dir)]
            done = CliRunner().invoke(app, words, env=FAST)
            assert done.exit_code == 2, (words, done.output)
            assert done.stderr.strip() == f"error: {option}: {rule}", (words, done.output)


@pytest.mark.parametrize("written", NO_SUCH_DAYS)
def test_a_maturity_says_the_day_is_not_in_the_calendar(written: str) -> None:
    args = ["finance", "create", "--as", "0x" + "11" * 20, "--doc", f"0x{'ab' * 32}=100"]
    args += ["--currency", "DKK", "--maturity", written, "--kind", "invoice_financing"]
    done = CliRunner().invoke(app, [*args, "--reference", "R", "--json"], env=FAST)
    body = json.loads(done.stdout)
    assert body["details"]["field"] == "--maturity", body
    assert body["details"]["rule"] == day_rule(*NO_SUCH_DAYS[written]), body
