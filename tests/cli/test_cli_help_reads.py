"""Every command's ``--help`` reads as the CLI's documentation: a flag shows no value (a
tryout read ``--json <bool>``), an option with a fixed set of values lists them (``--type``
listed none), no value is shown by its Python type (``<str>``, ``<int range>``, ``<path>``),
no usage line holds Typer's braces (``{DIRECTORY}``), and a group lists each command by the
first sentence of its help. ``ledger/cli_help.py`` says how.

The real CLI (Typer's runner), every group and command."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from ledger.cli import app
from ledger.services.audit import EVENT_NAMES, EXPORT_FORMATS
from ledger.services.roles import (
    DocStatus,
    DocType,
    FinancingKind,
    FinancingStatus,
    ProposalAction,
    RefusalReason,
    Role,
    input_names,
)


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


COMMANDS = [
    pytest.param(path, command, id=" ".join(path) or "tradeledger")
    for path, command in _commands(get_command(app))
]

DOC_TYPES = input_names(DocType)
#: every option with a fixed set of values, by command, and the values its refusal names
ENUMERATED: dict[tuple[str, ...], dict[str, list[str]]] = {
    ("member", "add"): {"--role": input_names(Role)},
    ("member", "propose"): {
        "--role": input_names(Role),
        "ACTION": input_names(ProposalAction, "-"),
    },
    ("join",): {"--role": input_names(Role)},
    ("doc", "receive"): {"--type": DOC_TYPES},
    ("doc", "register"): {"--type": DOC_TYPES},
    ("doc", "import"): {"--type": DOC_TYPES},
    ("doc", "register-oa"): {"--type": DOC_TYPES},
    ("doc", "list"): {"--type": DOC_TYPES, "--status": input_names(DocStatus)},
    ("finance", "create"): {"--kind": input_names(FinancingKind)},
    ("finance", "list"): {"--status": input_names(FinancingStatus)},
    ("audit", "export"): {"--format": list(EXPORT_FORMATS), "--event": list(EVENT_NAMES)},
    ("audit", "refusals"): {"--reason": input_names(RefusalReason)},
    ("audit", "exposure"): {"--by": ["bank", "enterprise"]},
}
#: the options that take one of a fixed set wherever they are (so a new one is listed above)
ENUM_SPELLINGS = {
    "--role",
    "--type",
    "--status",
    "--kind",
    "--format",
    "--event",
    "--reason",
    "--by",
}
#: a value shown by its Python type: <bool>, <str>, <int>, <int range>, <path>, <float>, …
TYPE_PLACEHOLDER = re.compile(r"<(?:bool|str|int|float|path|file|dir|text|list|uuid)[^>]*>")


def _help(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize(("path", "command"), COMMANDS)
def test_every_help_reads_as_documentation(path: tuple[str, ...], command: Any) -> None:
    shown = _help(path)
    assert "<bool>" not in shown, shown
    assert not TYPE_PLACEHOLDER.search(shown), TYPE_PLACEHOLDER.findall(shown)
    [usage] = [line for line in shown.splitlines() if "Usage:" in line]
    assert "{" not in usage, usage
    assert "}" not in usage, usage
    for param in command.params:
        if param.param_type_name == "argument":
            name = param.name.upper()
            shown_as = name if param.required else f"[{name}]"
            assert re.search(rf"(?<![\w\[]){re.escape(shown_as)}(?![\w\]])", usage), usage
        elif getattr(param, "is_flag", False) and param.help and not param.hidden:
            # a flag's row: its spelling (and its --no- twin), then its help, no value between
            first = re.escape(param.help.split()[0])
            spelled = r"\s+".join(map(re.escape, [*param.opts, *param.secondary_opts]))
            assert re.search(rf"{spelled}\s+{first}", shown), (param.opts, shown)


@pytest.mark.parametrize(("path", "command"), COMMANDS)
def test_every_option_with_a_fixed_set_of_values_lists_them(
    path: tuple[str, ...], command: Any
) -> None:
    enumerated = ENUMERATED.get(path, {})
    spellings = {p.opts[0] for p in command.params if p.param_type_name == "option"}
    assert spellings & ENUM_SPELLINGS <= set(enumerated), (path, spellings & ENUM_SPELLINGS)
    if not enumerated:
        return
    shown = _help(path)
    for option, values in enumerated.items():
        for value in values:
            assert re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", shown), (option, value)


def test_a_group_lists_each_command_by_its_first_sentence() -> None:
    """Typer listed a command by its whole help with its source's line breaks kept (a line
    broke after "No write." and again mid-sentence): by its first sentence, reflowed."""
    shown = _help(("doc",))
    panel = shown[shown.index("Commands") :]
    words = " ".join(re.sub(r"[│╭╮╰╯─]", " ", panel).split())
    assert (
        "check Read a file and show its facts, fingerprints and what the ledger already "
        "holds. receive Lodge a file" in words
    ), words
    assert "Exit 3 when" not in words  # its second sentence is in doc check --help
