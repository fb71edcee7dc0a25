"""An option given twice is refused, not read as its last value.

Click keeps the last value of a single-valued option given twice: ``finance drawdown 7 100
--amount 1 --amount 2`` or ``--as BANK_A … --as BANK_B`` acted on whichever came last, and the
first was silently lost — the CLI's twin of the API's refusal of a form field or header given
twice (``api/bodycheck.py``). Every command group of ``tradeledger`` is an :class:`OnceGroup`:
before a command (or the group itself) parses its options, one that takes a single value and
is given more than once ends the command with ``error: --amount: is given more than once: give
it once`` and exit 2 (with ``--json``, the API's error body on stdout). Options that take many
(``--doc`` of ``finance create``) and counters keep their meaning.

A number is taken as written, as the API takes it: every integer argument and option (amounts,
ids, reason codes, limits, ports) is plain ASCII decimal digits. Click reads one with ``int()``,
which takes ``+5``, `` 3``, ``1_000`` and other numerals (``١``): ``finance drawdown 2 "+5"``
drew 5. Such a value ends the command before it runs with ``error: AMOUNT: must be written in
decimal digits (such as 7), not '+5'`` and exit 2 (with ``--json``, the API's error body). No
integer of the CLI takes a negative value (amounts are minor units). A negative number given
as an argument (``finance drawdown 1 -5``) is that argument's value, not an option: Click read
``-5`` as an unknown option and said ``No such option: -5``; it is refused by the argument's
own rule now (an amount: ``must be a positive amount in minor units``, exit 2, as the API's 422
``amount``; an id: decimal digits), see :func:`numbers_as_arguments`.

A value outside an option's bounds (``--reason-code 300``, ``--limit 0``, ``--standing-ttl
-1``) or not a number (``--standing-ttl soon``) is refused the same way, before the command runs,
in the API's words for the same bound (``error: --reason-code: must be at most 255``, exit 2, the
API's error body with ``--json``) — not in Click's usage box. So is any other value an option's
type refuses (:func:`bad_value`): every input error of the CLI is one ``error: FIELD: RULE``
line, exit 2. A missing argument or option keeps Click's usage message, which shows how to call
the command.

An amount (``AMOUNT`` of ``finance drawdown``/``repay``, the amount of ``finance create --doc
HASH=AMOUNT``) is refused in the words the API gives the same amount
(:func:`ledger.services.financing.amount_rule`), naming the CLI's own parameter: ``0`` is
``must be a positive amount in minor units``, one beyond 2^63 - 1 (``9223372036854775808``)
``is too large: an amount must be at most …``, and one in exponent notation, whatever its
magnitude (``1e2``, ``1e999999999``), ``must be a whole number written in digits alone, not in
exponent notation (1e2)`` — as every other integer of the CLI and the API.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal, InvalidOperation
from typing import Any

from typer.core import TyperGroup

from ledger.cli_common import fail, param_name
from ledger.cli_filters import ReadCommand
from ledger.cli_help import tidy_help
from ledger.errors import InvalidInput
from ledger.jsonliterals import exponent_rule, in_exponent_notation
from ledger.services.financing import MAX_UINT64, amount_rule
from ledger.validationwords import RULES

#: the rule an option given twice breaks (the API's words for a form field given twice)
REPEATED_RULE = "is given more than once: give it once (it takes one value)"


def digits_rule(given: str) -> str:
    """The rule a number not in plain decimal digits breaks (the API's words for a path id);
    one in exponent notation breaks the API's one rule for that (``1e2`` as ``1e400``:
    :func:`ledger.jsonliterals.exponent_rule`)."""
    if in_exponent_notation(given):
        return exponent_rule(given.strip())
    return f"must be written in decimal digits (such as 7), not {given!r}"


def is_digits(text: str) -> bool:
    """Plain ASCII decimal digits, at least one: no sign, space, ``_`` or other numeral."""
    return text.isascii() and text.isdigit()


#: the integer parameters that are amounts in minor units (``AMOUNT``)
AMOUNT_PARAMS = frozenset({"amount"})


def amount_refusal(name: str, text: str) -> InvalidInput | None:
    """The refusal of an amount in minor units given as ``text`` to the parameter ``name``
    (``AMOUNT``, ``--doc[0]``) in the API's words for the same amount
    (:func:`ledger.services.financing.amount_rule`): beyond 2^63 - 1 however it is written
    (``1e999999999``, which is not digits, is too large before it is anything else), or 0;
    None for any other (plain digits are then the rule: :func:`digits_rule`). A number in
    exponent notation is refused by that one rule whatever its magnitude (``1e2``,
    ``1e999999999``: :func:`ledger.jsonliterals.exponent_rule`), as the API refuses it."""
    if in_exponent_notation(text):
        return InvalidInput(name, exponent_rule(text.strip()), value=text)
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    negative = text.startswith("-") and is_digits(text[1:])  # -5: not positive, as the API says
    if number.is_nan() or not (number > MAX_UINT64 or is_digits(text) or negative):
        return None
    rule = amount_rule(MAX_UINT64 + 1 if number > MAX_UINT64 else int(number))
    return InvalidInput(name, rule, value=text) if rule is not None else None


def takes_int(param: Any) -> bool:
    """Does ``param`` read an integer (``int``, ``int | None``, a list of them)? Read from the
    annotation Typer keeps (``type_descriptor``), else from Click's parameter type."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is not None:
        annotation = descriptor.annotation
        return annotation is int or getattr(annotation, "__args__", None) == (int,)
    return type(getattr(param, "type", None)).__name__ in ("IntParamType", "IntRange")


def loose_numbers(command: Any, ctx: Any, given: dict[str, Any]) -> list[tuple[str, str]]:
    """The integer parameters of ``command`` that ``given`` (the parser's raw values) writes
    otherwise than in decimal digits, each with the first such value."""
    loose: list[tuple[str, str]] = []
    for param in command.get_params(ctx):
        if not takes_int(param) or param.name not in given:
            continue
        value = given[param.name]
        values = value if isinstance(value, (list, tuple)) else [value]
        bad = [
            v
            for v in values
            if isinstance(v, str)
            and not is_digits(v)
            # a reading command refuses an empty option in its own words (cli_filters)
            and not (isinstance(command, ReadCommand) and not v.strip())
        ]
        if bad:
            loose.append((param_name(param), bad[0]))
    return loose


def bounds(param: Any) -> tuple[float | None, float | None]:
    """The least and the most value of a numeric ``param`` (``min=``/``max=`` of its option),
    read from the annotation Typer keeps (``type_descriptor``), else from Click's range type;
    ``(None, None)`` when it has none."""
    descriptor = getattr(param, "type_descriptor", None)
    info = getattr(descriptor, "parameter_info", None)
    if info is not None:
        return getattr(info, "min", None), getattr(info, "max", None)
    kind = getattr(param, "type", None)
    return getattr(kind, "min", None), getattr(kind, "max", None)


def takes_float(param: Any) -> bool:
    """Does ``param`` read a float (``float``, ``float | None``)?"""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is not None:
        annotation = descriptor.annotation
        return annotation is float or getattr(annotation, "__args__", None) == (float, type(None))
    return type(getattr(param, "type", None)).__name__ in ("FloatParamType", "FloatRange")


#: the rule a value that is not a number breaks, for an option that takes a fraction
NUMBER_RULE = "must be a number written in digits (such as 2.5), not {given!r}"


def _bound(value: float, low: float | None, high: float | None) -> str | None:
    """The API's words for a value below ``low`` or above ``high``
    (:data:`ledger.validationwords.RULES`)."""
    if low is not None and value < low:
        return f"must be at least {low:g}"
    if high is not None and value > high:
        return f"must be at most {high:g}"
    return None


def out_of_bounds(command: Any, ctx: Any, given: dict[str, Any]) -> InvalidInput | None:
    """The first numeric parameter of ``command`` whose value in ``given`` (the parser's raw
    values) is outside its bounds (:func:`bounds`), or, for a float, no number — refused in
    the API's words, naming the CLI's own parameter."""
    for param in command.get_params(ctx):
        if param.name not in given or not (takes_int(param) or takes_float(param)):
            continue
        value = given[param.name]
        low, high = bounds(param)
        for text in value if isinstance(value, (list, tuple)) else [value]:
            if not isinstance(text, str):
                continue
            try:
                number = float(text) if takes_float(param) else int(text)
            except ValueError:
                if takes_float(param):
                    return InvalidInput(
                        param_name(param), NUMBER_RULE.format(given=text), value=text
                    )
                continue  # an integer not in digits: loose_numbers says it
            if number != number or number in (float("inf"), float("-inf")):
                return InvalidInput(param_name(param), NUMBER_RULE.format(given=text), value=text)
            rule = _bound(number, low, high)
            if rule is not None:
                return InvalidInput(param_name(param), rule, value=text)
    return None


def _bad_parameter_types() -> tuple[type[BaseException], ...]:
    """Click's BadParameter, from Typer's own copy of Click and from Click itself (newer Typer
    carries its own; older Typer uses Click)."""
    import importlib

    found: list[type[BaseException]] = []
    for module in ("typer._click.exceptions", "click.exceptions"):
        try:
            found.append(importlib.import_module(module).BadParameter)
        except (ImportError, AttributeError):
            continue
    return tuple(found)


def bad_value(exc: BaseException) -> InvalidInput | None:
    """A value an option's or argument's type refused (Click's ``BadParameter``), as the CLI
    refuses every other input: naming the parameter, the rule in the API's words where the API
    has words for it (:data:`ledger.validationwords.RULES`, from the validation error Typer
    raised it from), else in Click's. A missing parameter is said the same way (``--as: is
    required``, with the command's ``--help`` to read how to call it): Click's usage box read
    unlike every other refusal of the CLI (a tryout)."""
    param = getattr(exc, "param", None)
    if type(exc).__name__ == "MissingParameter":
        name = param_name(param) if param is not None else "a required option"
        ctx = getattr(exc, "ctx", None)
        path = getattr(ctx, "command_path", "") if ctx is not None else ""
        see = f" (see {path} --help)" if path else ""
        return InvalidInput(name, f"is required{see}")
    name = param_name(param) if param is not None else str(getattr(exc, "param_hint", "") or "")
    cause = exc.__cause__
    errors = cause.errors() if cause is not None and hasattr(cause, "errors") else []
    rule = ""
    if errors:
        first = errors[0]
        worded = RULES.get(str(first.get("type", "")))
        rule = worded(name, first.get("ctx") or {}) if worded else str(first.get("msg", ""))
    if not rule:
        rule = str(getattr(exc, "message", "") or exc).rstrip(".")
    return InvalidInput(name or "value", rule)


def _parse(command: Any, ctx: Any, args: list[str]) -> tuple[dict[str, Any], list[Any]] | None:
    parser = command.make_parser(ctx)
    parser.allow_interspersed_args = command.allow_interspersed_args
    try:
        given, _, order = parser.parse_args(args=list(args))
    except Exception:
        return None
    return dict(given), list(order)


def repeated_options(command: Any, ctx: Any, args: list[str]) -> tuple[list[str], bool]:
    """The single-valued options (their first spelling, ``--amount``) that ``args`` give
    ``command`` more than once, and whether ``--json`` is among ``args``. Arguments the parser
    cannot read give nothing here: the command's own parsing says what is wrong with them."""
    parsed = _parse(command, ctx, args)
    if parsed is None:
        return [], False
    given, order = parsed
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


def refused_amount(command: Any, ctx: Any, given: dict[str, Any]) -> InvalidInput | None:
    """The first amount parameter (:data:`AMOUNT_PARAMS`) of ``command`` whose value in
    ``given`` (the parser's raw values) :func:`amount_refusal` refuses, refused."""
    for param in command.get_params(ctx):
        value = given.get(param.name) if param.name in AMOUNT_PARAMS else None
        if isinstance(value, str) and takes_int(param):
            refused = amount_refusal(param_name(param), value)
            if refused is not None:
                return refused
    return None


def _refuse_repeats(command: Any, ctx: Any, args: list[str]) -> None:
    """Refuse an option given twice, then an amount the API refuses, then a number not written
    in decimal digits."""
    if ctx.resilient_parsing:
        return  # shell completion
    repeated, as_json = repeated_options(command, ctx, args)
    if repeated:
        ctx.params["as_json"] = as_json  # fail() answers --json in JSON
        fail(InvalidInput(repeated[0], REPEATED_RULE, repeated=repeated))
    parsed = _parse(command, ctx, args)
    refused = refused_amount(command, ctx, parsed[0]) if parsed is not None else None
    if refused is not None:
        ctx.params["as_json"] = as_json
        fail(refused)
    loose = loose_numbers(command, ctx, parsed[0]) if parsed is not None else []
    if loose:
        name, value = loose[0]
        ctx.params["as_json"] = as_json
        fail(InvalidInput(name, digits_rule(value), value=value))
    outside = out_of_bounds(command, ctx, parsed[0]) if parsed is not None else None
    if outside is not None:
        ctx.params["as_json"] = as_json
        fail(outside)


#: a command-line word that is a negative number (``-5``, ``-0.5``, ``-1e3``), not an option:
#: no option of the CLI is spelled with a digit
NEGATIVE_NUMBER = re.compile(r"-[0-9.]")


def numbers_as_arguments(command: Any) -> None:
    """Make ``command``'s parser read a word that starts like a negative number (``-5``) as an
    argument's value, as :mod:`argparse` does, instead of an unknown option: Click said ``No
    such option: -5`` to ``finance drawdown 1 -5``, in its own words and usage box, where the
    API refuses ``"amount": -5`` in its words (422 ``amount: must be a positive amount in minor
    units``). The argument's own rule then refuses it (:func:`refused_amount`, or
    :func:`loose_numbers` for an id). An option still takes such a word as its value
    (``--limit -5``), as Click always did; any other unknown option is still refused."""
    if getattr(command, "_tradeledger_numbers_as_arguments", False):
        return
    make_parser = command.make_parser

    def numbers_parser(ctx: Any) -> Any:
        parser = make_parser(ctx)
        process_opts = parser._process_opts

        def process(arg: str, state: Any) -> None:
            if NEGATIVE_NUMBER.match(arg) and arg[:2] not in parser._short_opt:
                state.largs.append(arg)
                return
            process_opts(arg, state)

        parser._process_opts = process
        return parser

    command.make_parser = numbers_parser
    command._tradeledger_numbers_as_arguments = True


def name_arguments(command: Any) -> None:
    """Show every argument of ``command`` by one rule, in its usage line, its help and Typer's
    own errors: its name in capitals (``FILE``, ``FINANCING_ID AMOUNT``), as the CLI's
    errors (:func:`param_name`: ``AMOUNT: must be …``), the commands' help texts (``READER's
    published key``, ``member approve FILE``) and the docs name it. Typer shows an argument
    without a metavar by its Python name (``{file}``), so one named by hand (``PROOF``) stood
    out (found by a tryout: ``{PROOF} {file}``)."""
    for param in command.params:
        if param.param_type_name == "argument" and param.metavar is None:
            param.metavar = str(param.name).upper()


class OnceGroup(TyperGroup):
    """A command group whose commands, and itself, refuse a single-valued option given twice
    (see the module docstring), and show their arguments as :func:`name_arguments` says and
    their help as :func:`ledger.cli_help.tidy_help` says."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        tidy_help(self, ctx)  # before --help, or no arguments, shows this group's help
        _refuse_repeats(self, ctx, args)
        return list(super().parse_args(ctx, args))

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            name_arguments(command)
            tidy_help(command, ctx)
        if command is not None and not isinstance(command, TyperGroup):
            numbers_as_arguments(command)  # finance drawdown 1 -5: an AMOUNT, not an option
            ctx.meta["tradeledger.json"] = "--json" in rest
            _refuse_repeats(command, ctx, rest)
        return name, command, rest

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _bad_parameter_types() as exc:
            refused = bad_value(exc)
            if refused is None:
                raise
            with ctx.scope(cleanup=False):
                ctx.params["as_json"] = bool(ctx.meta.get("tradeledger.json"))
                fail(refused)
            raise  # unreachable
