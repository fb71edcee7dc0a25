"""pydantic's validation errors said in the gateway's words.

pydantic words a refusal its own way ("Extra inputs are not permitted", "Field required",
"Input should be a valid string"): none of that reaches a user. Every place that validates input
with pydantic — the REST API's request bodies (``api.errors``), the CLI's option values
(``ledger.cli_once``), a proof bundle read from a file (``ledger.services.proof``) — says the
rule from this one table instead: :func:`rule_for` gives the rule a value broke, by pydantic's
error type (:data:`RULES`), or the JSON type it should have been (:func:`type_rule`). The caller
names the field (as the user wrote it: :mod:`ledger.fieldnames`) and raises the project's one
error for bad input, :class:`ledger.errors.InvalidInput`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, get_args

from pydantic_core.core_schema import ErrorType

from ledger.calendardays import no_such_day
from ledger.jsonliterals import as_written, exponent_rule, in_exponent_notation
from ledger.services.roles import one_of_rule

__all__ = [
    "EXPECTED",
    "EXPECTED_TEXT",
    "PYDANTIC_TYPES",
    "RULES",
    "rule_for",
    "type_rule",
]


def _items(field: str, count: object) -> str:
    """``count`` of what the list ``field`` holds, named after it: ``one document``,
    ``16 documents`` (``documents[0].fingerprints``: fingerprints); ``items`` when its name is
    not a plural."""
    names = re.findall(r"[A-Za-z_]+", field)
    plural = names[-1] if names and names[-1].endswith("s") else "items"
    if count != 1:
        return f"{count} {plural}"
    for ending, singular in (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch")):
        if plural.endswith(ending):
            return f"one {plural.removesuffix(ending)}{singular}"
    return f"one {plural.removesuffix('s')}"


def _actual(ctx: Mapping[str, Any]) -> str:
    """How many the list held, when it held any."""
    given = ctx.get("actual_length")
    return f", not {given}" if given else ""


def _chars(count: object) -> str:
    return f"{count} character{'' if count == 1 else 's'}"


#: pydantic's own error types (``pydantic_core``'s ``ErrorType``). Any other type is one of the
#: gateway's validators (``PydanticCustomError`` in :mod:`api.bodycheck` and the routers), whose
#: message is already in the gateway's words; none of pydantic's messages reaches a client
PYDANTIC_TYPES: frozenset[str] = frozenset(get_args(ErrorType))

#: what a value of the wrong JSON type should have been, by pydantic's error type: named by its
#: JSON type (RFC 8259), as :data:`api.bodycheck.JSON_INT_RULE` and the JSON form name theirs
EXPECTED: dict[str, str] = {
    **dict.fromkeys(("string_type", "bytes_type", "string_unicode"), "a JSON string"),
    **dict.fromkeys(
        (
            "list_type",
            "tuple_type",
            "set_type",
            "frozen_set_type",
            "iterable_type",
            "deque_type",
            "arguments_type",
        ),
        "a JSON array",
    ),
    **dict.fromkeys(
        (
            "dict_type",
            "model_type",
            "model_attributes_type",
            "dataclass_type",
            "dataclass_exact_type",
            "mapping_type",
            "frozen_dict_type",
            "ordered_dict_type",
            "counter_type",
            "named_tuple_type",
        ),
        "a JSON object",
    ),
    **dict.fromkeys(
        ("int_type", "int_from_float", "int_parsing_size"),
        "a whole number written as a JSON integer",
    ),
    **dict.fromkeys(
        ("float_type", "float_parsing", "decimal_type", "decimal_parsing", "fraction_type"),
        "a number (a JSON number)",
    ),
    **dict.fromkeys(("bool_type", "bool_parsing"), "true or false (a JSON boolean)"),
    "none_required": "null",
    **dict.fromkeys(
        (
            "datetime_type",
            "datetime_parsing",
            "datetime_from_date_parsing",
            "datetime_object_invalid",
        ),
        "an ISO 8601 date-time written as a JSON string (such as 2026-03-31T12:00:00Z)",
    ),
    **dict.fromkeys(
        ("time_type", "time_parsing"),
        "an ISO 8601 time written as a JSON string (such as 12:00:00)",
    ),
    **dict.fromkeys(
        ("uuid_type", "uuid_parsing", "uuid_version"), "a UUID written as a JSON string"
    ),
    **dict.fromkeys(
        ("url_type", "url_parsing", "url_syntax_violation", "url_scheme"),
        "a URL written as a JSON string",
    ),
}

#: the same, for a value of the query string, the path or a header: text, so no JSON type
EXPECTED_TEXT: dict[str, str] = {
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "float_type": "a number",
    "float_parsing": "a number",
    "decimal_parsing": "a number",
}


def _choices(ctx: Mapping[str, Any]) -> list[str]:
    """The values a literal or enum takes, from pydantic's ``expected`` (``'bank' or
    'enterprise'``): ``["bank", "enterprise"]``, for :func:`one_of_rule` to list."""
    expected = str(ctx.get("expected") or "")
    return re.findall(r"'((?:[^'\\]|\\.)*)'", expected) or [expected]


#: pydantic's error types said in the gateway's words, as ``rule(field, ctx)``: the rule the
#: value broke, as the services say theirs (``must name at least one document``); a type not
#: here is said by :func:`type_rule` (what JSON type it should be) or, for none of those, in
#: general words (:func:`validation_problem`) — never in pydantic's
RULES: dict[str, Callable[[str, Mapping[str, Any]], str]] = {
    "too_short": lambda field, ctx: (
        f"must name at least {_items(field, ctx.get('min_length'))}{_actual(ctx)}"
    ),
    "too_long": lambda field, ctx: (
        f"must name at most {_items(field, ctx.get('max_length'))}{_actual(ctx)}"
    ),
    "string_too_short": lambda field, ctx: (
        "must not be empty"
        if ctx.get("min_length") == 1
        else f"must be at least {_chars(ctx.get('min_length'))}"
    ),
    "string_too_long": lambda field, ctx: f"must be at most {_chars(ctx.get('max_length'))}",
    # bounds and dates in the gateway's words, not pydantic's ("Input should be less than or
    # equal to 255", "invalid date separator, expected `-`": a tryout)
    "less_than_equal": lambda field, ctx: f"must be at most {ctx.get('le')}",
    "greater_than_equal": lambda field, ctx: f"must be at least {ctx.get('ge')}",
    "less_than": lambda field, ctx: f"must be less than {ctx.get('lt')}",
    "greater_than": lambda field, ctx: f"must be greater than {ctx.get('gt')}",
    "multiple_of": lambda field, ctx: f"must be a multiple of {ctx.get('multiple_of')}",
    "date_parsing": lambda field, ctx: _date_rule(ctx),
    "date_from_datetime_parsing": lambda field, ctx: _date_rule(ctx),
    "date_from_datetime_inexact": lambda field, ctx: _date_rule(ctx),
    "date_type": lambda field, ctx: _date_rule(ctx),
    "int_parsing": lambda field, ctx: (
        exponent_rule(str(ctx.get("given")))
        if in_exponent_notation(ctx.get("given"))
        else "must be a whole number written in digits"
    ),
    "literal_error": lambda field, ctx: one_of_rule(_choices(ctx), ctx.get("given")),
    "enum": lambda field, ctx: one_of_rule(_choices(ctx), ctx.get("given")),
    "string_pattern_mismatch": lambda field, ctx: f"must match the pattern {ctx.get('pattern')}",
    "string_not_ascii": lambda field, ctx: "must be ASCII text",
    "extra_forbidden": lambda field, ctx: "is not a field of this object",
    "date_past": lambda field, ctx: "must be a date in the past",
    "date_future": lambda field, ctx: "must be a date in the future",
    "datetime_past": lambda field, ctx: "must be a time in the past",
    "datetime_future": lambda field, ctx: "must be a time in the future",
    "timezone_naive": lambda field, ctx: "must name no time zone offset",
    "timezone_aware": lambda field, ctx: "must name its time zone offset (Z or +01:00)",
    "url_too_long": lambda field, ctx: f"must be a URL of at most {_chars(ctx.get('max_length'))}",
    "decimal_max_digits": lambda field, ctx: f"must have at most {ctx.get('max_digits')} digits",
    "decimal_max_places": lambda field, ctx: (
        f"must have at most {ctx.get('decimal_places')} decimals"
    ),
    "decimal_whole_digits": lambda field, ctx: (
        f"must have at most {ctx.get('whole_digits')} digits before the decimal point"
    ),
    "value_error": lambda field, ctx: str(ctx.get("error") or "is not valid"),
    "assertion_error": lambda field, ctx: str(ctx.get("error") or "is not valid"),
}


def type_rule(kind: str, where: str, given: object) -> str | None:
    """The rule a value of the wrong type broke, naming the type it must be (a JSON type for a
    body: ``must be a JSON string, not 7``; words for a query, path or header value), quoting
    what was sent as the client wrote it; None for a ``kind`` that is no type error."""
    expected = (EXPECTED if where == "body" else EXPECTED_TEXT).get(kind)
    if expected is None:
        return None
    return f"must be {expected}, not {as_written(given)}"


def _date_rule(ctx: Mapping[str, Any]) -> str:
    """A date field's rule (ISO 8601 calendar date, RFC 3339 ``full-date``), with why the text
    sent is not one when pydantic says (``month value is outside expected range of 1-12``)."""
    given = ctx.get("given")
    not_a_day = no_such_day(given) if isinstance(given, str) else None
    if not_a_day is not None:  # 2027-02-30: which part the calendar does not have
        return not_a_day
    sent = f", not {as_written(given)}" if "given" in ctx else ""  # the value refused, quoted
    reason = str(ctx.get("error") or "")
    if reason and "separator" not in reason and "input is too short" not in reason:
        # written as a date, but no such day (2027-02-30, 2027-13-01)
        return f"must be a day of the calendar, written YYYY-MM-DD (ISO 8601){sent}: {reason}"
    return f"must be a calendar date written YYYY-MM-DD (ISO 8601){sent}"


def rule_for(error: Mapping[str, Any], field: str, where: str = "body") -> str | None:
    """The rule of one pydantic error (``exc.errors()[i]``) in the gateway's words: the JSON
    type the value should have been (:func:`type_rule`; ``where`` is ``body`` for a JSON value,
    else the value is text), else the rule of :data:`RULES`; ``is required`` for a field left
    out. None for a type neither knows (the caller says it in general words, never pydantic's)."""
    kind = str(error.get("type", ""))
    if kind == "missing":
        return "is required"
    sent = error.get("input")
    typed = type_rule(kind, where, sent)
    if typed is not None:
        return typed
    worded = RULES.get(kind)
    if worded is None:
        return None
    return worded(field, {**(error.get("ctx") or {}), "given": sent})
