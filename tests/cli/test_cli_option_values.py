"""Every CLI option with a type of its own — a bounded number (``--reason-code 0..255``,
``--limit``, ``--threshold``, ``--batch-size``, ``--standing-ttl``), a date (``--maturity``) —
refuses a bad value as the CLI refuses every other input: one ``error: FIELD: RULE`` line in
the API's words, exit 2, and the API's error body with ``--json``. Found by a fresh user's
tryout: ``finance cancel 7 --reason-code 300`` and ``finance list --limit 0`` printed Click's
usage box ("Invalid value for '--reason-code': Input should be less than or equal to 255").

The real CLI (Typer's runner); the refusal comes before any ledger is opened."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from ledger.cli import app
from ledger.cli_once import bad_value, bounds, takes_float, takes_int


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield path, command


def _bounded() -> Iterator[Any]:
    """(command path, option, a value below its least, a value above its most) of every
    numeric option with bounds, found in the commands themselves."""
    for path, command in _commands(get_command(app)):
        for param in command.params:
            if param.param_type_name != "option" or not (takes_int(param) or takes_float(param)):
                continue
            low, high = bounds(param)
            if low is None and high is None:
                continue
            yield pytest.param(
                path, param.opts[0], low, high, id=f"{' '.join(path)} {param.opts[0]}"
            )


BOUNDED = list(_bounded())


def test_the_bounded_options_are_found() -> None:
    found = {(" ".join(p.values[0]), p.values[1]) for p in BOUNDED}
    assert {
        ("finance cancel", "--reason-code"),
        ("doc revoke", "--reason-code"),
        ("finance list", "--limit"),
        ("init", "--threshold"),
        ("evaluator serve", "--standing-ttl"),
    } <= found, found


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize(("path", "option", "low", "high"), BOUNDED)
def test_a_value_outside_an_options_bounds_is_an_input_error(
    path: tuple[str, ...], option: str, low: float | None, high: float | None
) -> None:
    for value, rule in (
        (low, f"must be at least {low:g}" if low is not None else None),
        (high, f"must be at most {high:g}" if high is not None else None),
    ):
        if value is None or rule is None:
            continue
        outside = value - 1 if value == low else value + 1
        given = str(int(outside)) if float(outside).is_integer() and outside >= 0 else None
        if given is None:  # a negative number is no digits: the digits rule says it
            continue
        result = _run(*path, option, given)
        assert result.exit_code == 2, (path, option, result.output)
        assert f"error: {option}: {rule}" in result.stderr, result.output
        assert "Usage:" not in result.output, result.output
        assert "╭" not in result.output, result.output
        body = json.loads(_run(*path, option, given, "--json").stdout)
        assert body["error"] == "invalid_input"
        assert (body["details"]["field"], body["details"]["rule"]) == (option, rule)


def test_reason_code_300_and_limit_0_say_the_rule() -> None:
    cancelled = _run("finance", "cancel", "7", "--as", "0x" + "11" * 20, "--reason-code", "300")
    assert (cancelled.exit_code, cancelled.stderr.strip()) == (
        2,
        "error: --reason-code: must be at most 255",
    )
    listed = _run("finance", "list", "--limit", "0")
    assert (listed.exit_code, listed.stderr.strip()) == (2, "error: --limit: must be at least 1")


def test_a_fraction_option_refuses_what_is_no_number() -> None:
    result = _run("evaluator", "serve", "--data-dir", "/nonexistent", "--standing-ttl", "soon")
    assert result.exit_code == 2, result.output
    assert (
        "error: --standing-ttl: must be a number written in digits (such as 2.5), not 'soon'"
        in (result.stderr)
    )


DOC = "0x" + "ab" * 32


@pytest.mark.parametrize(
    ("maturity", "rule"),
    [
        ("2027-02-30", "must be a real calendar day (2027-02 has 28 days)"),
        ("31/12/2099", "must be a calendar date written YYYY-MM-DD (ISO 8601), not '31/12/2099'"),
        ("", "must be a calendar date written YYYY-MM-DD (ISO 8601), not ''"),
    ],
)
def test_a_bad_maturity_is_said_in_the_apis_words(maturity: str, rule: str) -> None:
    args = ["finance", "create", "--as", "0x" + "11" * 20, "--doc", f"{DOC}=100"]
    args += ["--currency", "DKK", "--maturity", maturity]
    result = _run(*args)
    assert (result.exit_code, result.stderr.strip()) == (2, f"error: --maturity: {rule}")
    body = json.loads(_run(*args, "--json").stdout)
    assert (body["details"]["field"], body["details"]["rule"]) == ("--maturity", rule)


def test_any_other_value_a_type_refuses_is_an_input_error_too() -> None:
    """The net under the checks above: a value an option's type refuses (Click's
    BadParameter, raised by Typer from a validation error) becomes the CLI's input error, in
    the API's words for that validation error; a missing parameter is said the same way."""
    from pydantic import TypeAdapter, ValidationError
    from typer._click.exceptions import BadParameter, MissingParameter

    command = get_command(app).commands["finance"].commands["list"]  # type: ignore[attr-defined]
    limit = next(p for p in command.params if p.name == "limit")
    try:
        TypeAdapter(int).validate_python("x")
    except ValidationError as cause:
        error = BadParameter("Input should be a valid integer", param=limit)
        error.__cause__ = cause
    refused = bad_value(error)
    assert refused is not None
    assert (refused.field, refused.rule) == ("--limit", "must be a whole number written in digits")
    missing = bad_value(MissingParameter(param=limit))
    assert missing is not None  # said as every other refusal, not Click's usage box
    assert (missing.field, missing.rule) == ("--limit", "is required")
