"""An option given empty to a reading command is refused, not read as "no filter".

``tradeledger audit refusals --bank "$BANK"`` with ``BANK`` unset used to answer every bank's
refusals: the services read an empty filter as a missing one. Every reading command (the
``doc``/``finance`` lists and shows, ``evaluator log``, every ``audit`` command) is declared with
``cls=ReadCommand``: before its options are converted, an option given an empty or blank value
ends the command with ``error: --option: must not be empty: leave it out for no filter`` and
exit 2 (with ``--json``, the API's error body on stdout) — the words the API answers for an
empty query parameter (``api/querycheck.py``, ``ledger.services.audit.EMPTY_FILTER_RULE``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from typer.core import TyperCommand

from ledger.cli_common import fail
from ledger.errors import InvalidInput
from ledger.services.audit import EMPTY_FILTER_RULE


def _blank(value: object) -> bool:
    """A value as the parser read it (a string, a tuple of them for a repeated option, or a
    flag's value) that is empty or only spaces."""
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple):
        return any(_blank(v) for v in value)
    return False


def empty_options(params: Iterable[Any], given: dict[str, Any]) -> list[str]:
    """The options (their first spelling, ``--bank``) among ``params`` whose raw value in
    ``given`` (the parser's ``{name: value}``) is empty or blank."""
    return [
        p.opts[0]
        for p in params
        if p.param_type_name == "option" and p.name in given and _blank(given[p.name])
    ]


class ReadCommand(TyperCommand):
    """A command that reads: an option given empty is refused (exit 2, naming it) before any
    option is converted — so ``--limit ''`` and ``--out ''`` are refused in the same words.

    Declared with :func:`reads`, it also names its API twin: the route(s) whose JSON answer its
    ``--json`` prints for the same caller (``--as``), or why it has none."""

    #: the API routes (``"GET /v1/documents/{doc_hash}"``) whose answer ``--json`` prints
    api_twin: ClassVar[tuple[str, ...]] = ()
    #: why a reading command has no API twin (empty when it has one)
    no_twin: ClassVar[str] = ""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        given, _, _ = self.make_parser(ctx).parse_args(args=list(args))
        empty = empty_options(self.get_params(ctx), given)
        if empty:
            ctx.params["as_json"] = bool(given.get("as_json"))  # fail() answers --json in JSON
            fail(InvalidInput(empty[0], EMPTY_FILTER_RULE, empty=empty))
        return list(super().parse_args(ctx, args))


def reads(*api_twin: str, no_twin: str = "") -> type[ReadCommand]:
    """The command class of a reading command whose ``--json`` is the answer of ``api_twin``
    (``"GET /v1/financings/{financing_id}"``; two routes when it joins their answers), or —
    with no route — ``no_twin`` saying why there is none. ``tests/cli/test_cli_api_twins.py``
    runs every twin against its routes and compares the two answers field for field.

    Raises ValueError when given neither a route nor a reason."""
    if not api_twin and not no_twin:
        raise ValueError("a reading command names its API twin or says why it has none")

    class Twinned(ReadCommand):
        pass

    Twinned.api_twin = tuple(api_twin)
    Twinned.no_twin = no_twin
    return Twinned
