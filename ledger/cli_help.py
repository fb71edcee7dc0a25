"""How every ``tradeledger`` command's ``--help`` reads: as the CLI's own documentation.

Typer (0.29) shows an option's value by its Python type — ``--as <str>``, ``--limit <int
range>``, ``--data-dir <path>`` — a flag as ``--json <bool>`` although it takes no value, an
option with a fixed set of values (``--type``) without them, and a required argument in braces
(``doc import [OPTIONS] {DIRECTORY}``). Before a command shows its help or its usage
(:class:`ledger.cli_once.OnceGroup` calls :func:`tidy_help` on every group and command it
resolves):

- a flag shows no value: ``--json``, ``--pending``;
- an option with a fixed set of values lists them, as its declaration says with
  :func:`one_of` — the names its refusal lists: as its value when the list is short
  (``--format [csv|jsonl]``), else in its help (``--type TYPE  …: one of invoice,
  bill_of_lading, …``), never folded mid-name in the value column;
- any other option's value is named for what it is — ``--as ADDRESS``, ``--maturity DATE``,
  ``--idempotency-key KEY`` (:data:`VALUE_NAMES`) — else by Click's words for its type
  (``TEXT``, ``INTEGER``, ``NUMBER``, ``PATH``);
- a group lists each command by the first sentence of its help, on one line;
- an argument is its name in capitals (:func:`ledger.cli_once.name_arguments`), in its usage
  line as Click writes one — ``DIRECTORY``, ``[NAME]`` when it may be left out — with no type
  beside it in the Arguments panel (its help says what it is).

``tests/cli/test_cli_help_reads.py`` walks every command's ``--help``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import IntEnum
from pathlib import Path
from typing import Any

from typer.core import TyperArgument

from ledger.services.roles import input_names

__all__ = ["VALUE_NAMES", "one_of", "tidy_help"]


def one_of(values: Iterable[str] | type[IntEnum], sep: str = "_") -> str:
    """The value shown for an option that takes one of ``values`` (an enum of the contract:
    the names it takes as input, :func:`ledger.services.roles.input_names`), as Click shows a
    choice: ``[csv|jsonl]``."""
    if isinstance(values, type):
        values = input_names(values, sep)
    return "[" + "|".join(values) + "]"


#: the value an option takes, named for what it is (by the option's first spelling)
VALUE_NAMES: dict[str, str] = {
    **dict.fromkeys(
        (
            "--as",
            "--bank",
            "--registrant",
            "--member",
            "--participant",
            "--account",
            "--new-account",
            "--co-admin",
            "--contract",
        ),
        "ADDRESS",
    ),
    **dict.fromkeys(("--from", "--to", "--since", "--until"), "TIME"),
    **dict.fromkeys(("--data-dir", "--gateway-data-dir"), "DIR"),
    **dict.fromkeys(("--chain-url", "--rpc"), "URL"),
    **dict.fromkeys(("--name", "--admin-name"), "NAME"),
    **dict.fromkeys(("--window", "--standing-ttl"), "SECONDS"),
    **dict.fromkeys(("--batch-size", "--limit"), "N"),
    "--idempotency-key": "KEY",
    "--evaluator-key": "PUBLIC_KEY",
    "--out": "FILE",
    "--funding-key-file": "FILE",
    "--doc": "HASH",
    "--financing": "FINANCING_ID",
    "--threshold": "M",
    "--port": "PORT",
    "--host": "HOST",
    "--maturity": "DATE",
    "--currency": "CODE",
    "--reason-code": "CODE",
    "--cursor": "CURSOR",
    "--legal-id": "ID",
    "--invoice-number": "NUMBER",
}

#: Click's words for a value of a Python type (the fallback)
_TYPE_NAMES: dict[Any, str] = {str: "TEXT", int: "INTEGER", float: "NUMBER", Path: "PATH"}


def _value_name(param: Any) -> str:
    named = VALUE_NAMES.get(str(param.opts[0]))
    if named is not None:
        return named
    descriptor = getattr(param, "type_descriptor", None)
    annotation = getattr(descriptor, "annotation", None)
    args = getattr(annotation, "__args__", None) or (annotation,)  # int | None, list[str]
    return next((_TYPE_NAMES[a] for a in args if a in _TYPE_NAMES), "VALUE")


class _Argument(TyperArgument):
    """An argument as :func:`tidy_help` shows it: ``NAME`` (``[NAME]`` when optional) in the
    usage line, and no type beside it in the Arguments panel."""

    def _usage_display_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


#: the longest list of values shown as the option's value (``[csv|jsonl]``); a longer one is
#: said in its help (``--type TYPE  the document's type: one of invoice, bill_of_lading, …``)
MAX_CHOICES_SHOWN = 30


def _choices(metavar: str | None) -> list[str] | None:
    """The values a :func:`one_of` value lists, or None for any other."""
    if metavar and metavar.startswith("[") and metavar.endswith("]") and "|" in metavar:
        return metavar[1:-1].split("|")
    return None


def _is_flag(param: Any) -> bool:
    return bool(getattr(param, "is_flag", False) or getattr(param, "count", False))


def short_help(text: str) -> str:
    """A command's line in its group's list: the first sentence of its help, on one line (Typer
    listed the whole help with its source's line breaks kept, mid-sentence)."""
    flat = " ".join(text.split())
    return re.split(r"(?<=[.!?])\s+(?=[A-Z])", flat, maxsplit=1)[0]


def tidy_help(command: Any, ctx: Any) -> None:
    """Make ``command``'s help read as the module docstring says (in place, once: a value an
    option's declaration names is kept)."""
    for sub in getattr(command, "commands", {}).values():
        if sub.short_help is None and sub.help:
            sub.short_help = short_help(sub.help)
    for param in command.get_params(ctx):
        if param.param_type_name == "option":
            choices = _choices(param.metavar)
            if choices is not None and len(param.metavar) > MAX_CHOICES_SHOWN:
                # a long list would be folded mid-name in the value column: in the help instead
                param.metavar = param.opts[0].removeprefix("--").upper().replace("-", "_")
                said = f"one of {', '.join(choices)}"
                param.help = f"{param.help}: {said}" if param.help else said
            if _is_flag(param):
                param.metavar = ""  # a flag takes no value: none is shown
            elif param.metavar is None:
                param.metavar = _value_name(param)
        elif isinstance(param, TyperArgument) and type(param) is TyperArgument:
            param.__class__ = _Argument
