"""An option given twice is refused, not read as its last value.

Click keeps the last value of a single-valued option given twice: ``finance drawdown 7 100
--amount 1 --amount 2`` or ``--as BANK_A … --as BANK_B`` acted on whichever came last, and the
first was silently lost — the CLI's twin of the API's refusal of a form field or header given
twice (``api/bodycheck.py``). Every command group of ``tradeledger`` is an :class:`OnceGroup`:
before a command (or the group itself) parses its options, one that takes a single value and
is given more than once ends the command with ``error: --amount: is given more than once: give
it once`` and exit 2 (with ``--json``, the API's error body on stdout). Options that take many
(``--doc`` of ``finance create``) and counters keep their meaning.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from typer.core import TyperGroup

from ledger.cli_common import fail
from ledger.errors import InvalidInput

#: the rule an option given twice breaks (the API's words for a form field given twice)
REPEATED_RULE = "is given more than once: give it once (it takes one value)"


def repeated_options(command: Any, ctx: Any, args: list[str]) -> tuple[list[str], bool]:
    """The single-valued options (their first spelling, ``--amount``) that ``args`` give
    ``command`` more than once, and whether ``--json`` is among ``args``. Arguments the parser
    cannot read give nothing here: the command's own parsing says what is wrong with them."""
    parser = command.make_parser(ctx)
    parser.allow_interspersed_args = command.allow_interspersed_args
    try:
        given, _, order = parser.parse_args(args=list(args))
    except Exception:
        return [], False
    counts = Counter(id(p) for p in order)
    repeated = [
        p.opts[0]
        for p in command.get_params(ctx)
        if p.param_type_name == "option"
        and not p.multiple
        and not getattr(p, "count", False)
        and not p.is_eager  # --help, --version: they answer at once, whatever follows
        and counts[id(p)] > 1
    ]
    return repeated, bool(given.get("as_json"))


def _refuse_repeats(command: Any, ctx: Any, args: list[str]) -> None:
    if ctx.resilient_parsing:
        return  # shell completion
    repeated, as_json = repeated_options(command, ctx, args)
    if repeated:
        ctx.params["as_json"] = as_json  # fail() answers --json in JSON
        fail(InvalidInput(repeated[0], REPEATED_RULE, repeated=repeated))


class OnceGroup(TyperGroup):
    """A command group whose commands, and itself, refuse a single-valued option given twice
    (see the module docstring)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        _refuse_repeats(self, ctx, args)
        return list(super().parse_args(ctx, args))

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None and not isinstance(command, TyperGroup):
            _refuse_repeats(command, ctx, rest)
        return name, command, rest
