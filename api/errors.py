"""The one table from the gateway's exception classes to HTTP statuses.

Every error response has the same body: ``{"error": <name>, "message": ..., "details": {...}}``
where ``error`` is the exception's code — for contract reverts, the Solidity error's name —,
``details`` its arguments (machine fields, as the chain gives them), and ``message`` the same
in words for people (:func:`ledger.messages.describe`: role and status names, amounts in major
units with their currency, members by name). The CLI prints this body on ``--json``. No stack
trace ever reaches a client.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, get_args

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic_core.core_schema import ErrorType
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from api.literalpaths import claimants, served
from ledger import messages
from ledger.calendardays import no_such_day
from ledger.controls import filename_too_long
from ledger.errors import (
    ChainUnavailable,
    Conflict,
    ContractError,
    EvaluatorUnavailable,
    Forbidden,
    InvalidInput,
    JoinPending,
    LedgerError,
    LedgerStateError,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Unauthorized,
)
from ledger.fieldnames import path_text, sent_path
from ledger.jsonliterals import as_written, constant_rule, exponent_rule, in_exponent_notation
from ledger.network import Ledger
from ledger.services.names import LedgerNames
from ledger.services.roles import one_of_rule
from ledger.surrogates import escape_surrogates
from ledger.words import NO_NAMES, Names

log = logging.getLogger("tradeledger.api")


def json_bytes(content: Any) -> bytes:
    """The one serialisation of every JSON body the gateway writes itself — error bodies from a
    route, from the middlewares (body too large, a lone surrogate, a reused Idempotency-Key)
    and replayed answers: compact (no spaces, no newline) and UTF-8 as FastAPI writes a route's
    answer (:class:`JSONResponse`), so one error reads the same whichever layer refused it.
    Text with a lone surrogate is written escaped (:mod:`ledger.surrogates`), never a
    UnicodeEncodeError."""
    return json.dumps(
        escape_surrogates(content), ensure_ascii=False, allow_nan=False, separators=(",", ":")
    ).encode("utf-8")


class ErrorResponse(JSONResponse):
    """An error body that always renders (:func:`json_bytes`): text the client sent with a lone
    surrogate (a key ``"\\udfff"`` named as unknown) is written escaped."""

    def render(self, content: Any) -> bytes:
        return json_bytes(content)


#: most specific first; the first class an error is an instance of decides its status
STATUS_TABLE: tuple[tuple[type[LedgerError], int], ...] = (
    (InvalidInput, 422),
    (NotFound, 404),
    (Unauthorized, 401),
    (Forbidden, 403),
    (Conflict, 409),
    (RateLimited, 429),
    (PayloadTooLarge, 413),
    (ChainUnavailable, 503),
    (EvaluatorUnavailable, 503),
    (JoinPending, 503),
    (LedgerStateError, 500),
    (LedgerError, 500),
)


def status_for(error: LedgerError) -> int:
    for cls, status in STATUS_TABLE:
        if isinstance(error, cls):
            return status
    return 500


def error_body(error: LedgerError, names: Names = NO_NAMES) -> dict[str, Any]:
    """The one error body (:func:`ledger.messages.error_body`): ``error``, ``message`` in words
    (members named and financings' currencies known through ``names``), ``details``."""
    return messages.error_body(error, names)


def _described(ledger: Ledger | None, error: LedgerError) -> dict[str, Any]:
    """The body, with names read from ``ledger`` (blocking: run it in a worker thread)."""
    return error_body(error, LedgerNames(ledger) if ledger is not None else NO_NAMES)


#: where a request value came from (the first part of a validation error's location)
_LOCATIONS = frozenset({"body", "query", "path", "header", "cookie"})


#: no body was given to walk a location against (:func:`sent_parts`)
_NO_BODY = object()


def sent_parts(loc: Sequence[str | int], body: Any = _NO_BODY) -> list[str | int]:
    """The parts of a validation error's location that name what the client sent: pydantic
    adds the member of a union it tried (``("body", "maturity", "date")`` for a maturity that
    is ``date | datetime``) and the validator's tag, which no client wrote. A part that goes
    below a value the client sent as a scalar (text, a number) is such a tag, and is dropped;
    so is everything below a query, path or header parameter, which is one value."""
    parts = list(loc)
    if not parts:
        return parts
    if parts[0] in _LOCATIONS:
        where, parts = parts[0], parts[1:]
        if where != "body":
            return parts[:1]
    return parts if body is _NO_BODY else sent_path(parts, body)


def field_name(loc: Sequence[str | int], body: Any = _NO_BODY) -> str:
    """A request value's name as the client wrote it: ``documents[0].amount`` for the body
    location ``("body", "documents", 0, "amount")``, ``format`` for ``("query", "format")``;
    ``body`` for the body as a whole. With the ``body`` the client sent, pydantic's own parts
    (a union member, ``maturity.date``) are left out (:func:`sent_parts`): ``maturity``."""
    return path_text(sent_parts(loc, body)) or "body"


def sent_body(body: Any) -> Any:
    """The body a validation error is walked against (:func:`field_name`): a JSON value as it
    is; a multipart form as an object of its fields (a list for one given more than once), so
    ``file`` is named, not ``body``."""
    if isinstance(body, FormData):
        return {
            key: (vals if len(vals) > 1 else vals[0])
            for key in body
            for vals in [body.getlist(key)]
        }
    return body


def _is_upload(error: Mapping[str, Any]) -> bool:
    """A value error from FastAPI's file check: a form text field where a file was expected."""
    return "Expected UploadFile" in str(error.get("msg", ""))


def non_finite_rule(field: str, literal: str | None) -> str:
    """The rule a body broke with ``literal`` (``NaN``, ``Infinity``, ``-Infinity``) or, for
    None, a number that overflows to infinity (``1e400``) in ``field``."""
    if literal is None:
        return (
            f"is a number too large for {field} (it overflows to infinity): send a whole number "
            "within the field's range"
        )
    return constant_rule(literal)


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


def validation_problem(error: Mapping[str, Any], body: Any = _NO_BODY) -> dict[str, str]:
    """One FastAPI/pydantic validation error as ``{"field", "rule"}`` in words: a body that is
    not JSON is the field ``body`` (``invalid JSON at position 9: Expecting value``), a number
    that overflows (``1e400``) is said to be too large for its field; the field is named as
    the client sent it (:func:`field_name`, with the ``body`` sent); a rule of :data:`RULES` in
    the gateway's words (``documents: must name at least one document``)."""
    kind = error.get("type", "")
    loc = tuple(error.get("loc", ()))
    ctx = error.get("ctx") or {}
    if kind == "json_invalid":
        position = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
        reason = str(ctx.get("error") or "not JSON")
        where = f" at position {position}" if position is not None else ""
        return {"field": "body", "rule": f"invalid JSON{where}: {reason}"}
    field = field_name(loc, body)
    if kind == "finite_number":
        literal = error.get("input")
        nan = isinstance(literal, float) and math.isnan(literal)
        return {"field": field, "rule": non_finite_rule(field, "NaN" if nan else None)}
    sent = error.get("input")
    if kind == "missing" and loc[:1] == ("body",) and not isinstance(sent, dict | None):
        # the fields of an object looked for in a scalar or an array (``"documents": [5]``):
        # it is the value that is wrong, not a field left out
        parent = field_name(loc[:-1], body)
        return {"field": parent, "rule": _object_rule(parent, sent)}
    if kind == "missing":
        return {"field": field, "rule": "is required"}
    if _is_upload(error):
        return {
            "field": field,
            "rule": "must be a file (multipart with a filename: curl -F "
            f"{field}=@path), not a text field",
        }
    if kind not in PYDANTIC_TYPES:  # the gateway's own validator: its words already
        return {"field": field, "rule": str(error.get("msg", ""))}
    if isinstance(sent, UploadFile):  # a file sent where a form takes text (-F doc_type=@x)
        return {
            "field": field,
            "rule": f"must be a text field, not a file (curl -F {field}=value, without @)",
        }
    if EXPECTED.get(kind) == "a JSON object":
        return {"field": field, "rule": _object_rule(field, sent)}
    where = str(loc[0]) if loc and loc[0] in _LOCATIONS else "body"
    typed = type_rule(kind, where, sent)
    if typed is not None:
        return {"field": field, "rule": typed}
    worded = RULES.get(kind)
    if worded is not None:
        return {"field": field, "rule": worded(field, {**ctx, "given": sent})}
    # none of pydantic's words: what the field takes is in the OpenAPI description
    return {"field": field, "rule": f"is not a value {field} takes (see /openapi.json)"}


def _object_rule(field: str, sent: object) -> str:
    """The rule a value that should have been a JSON object broke: the body as a whole says
    what it always said (``must be a JSON object``), a field also what was sent."""
    if field == "body":
        return "must be a JSON object"
    return f"must be a JSON object, not {as_written(sent)}"


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app serves at the request's path, sorted. Starlette's
    own 405 named only the first route whose path matched (``DELETE /v1/financings`` said
    ``Allow: POST``, though ``GET /v1/financings`` is served too): each method has a route of
    its own here, so all of them are read — those of the routes whose path it is
    (:func:`api.literalpaths.claimants`): ``/v1/documents/batch`` serves POST, not the GET of
    ``/v1/documents/{doc_hash}``."""
    path = request.url.path
    contexts = served(request.app)
    methods: set[str] = set()
    for context in claimants(contexts, path):
        methods |= set(context.methods or ())
    if any(_serves_files(c.route, path) for c in contexts):  # the reference pages' files
        methods |= {"GET", "HEAD"}
    return sorted(methods)


def _serves_files(route: object, path: str) -> bool:
    """Whether ``route`` is a mount of static files (GET and HEAD) under which ``path`` is."""
    return (
        isinstance(route, Mount)
        and isinstance(route.app, StaticFiles)
        and path.startswith(f"{route.path}/")
    )


def method_not_allowed(method: str, path: str, allowed: Sequence[str]) -> ErrorResponse:
    """405 ``method_not_allowed`` in the one error body, with the ``Allow`` header RFC 9110
    §15.5.6 requires (every method the path serves) and the same list in ``details.allowed``."""
    listed = ", ".join(allowed)
    rule = f"{method} is not served at {path}: it serves {listed}"
    body = {
        "error": "method_not_allowed",
        "message": rule,
        "details": {
            "field": "method",
            "rule": rule,
            "method": method,
            "path": path,
            "allowed": list(allowed),
        },
    }
    return ErrorResponse(body, status_code=405, headers={"Allow": listed})


def unknown_path(path: str) -> NotFound:
    """The 404 of a path no route serves, in the one error body as every other 404 (``field``
    ``path``, and the rule), not Starlette's ``{"detail": "Not Found"}``."""
    return NotFound(
        f"{path} is not a path of this API (its routes are listed at /docs and /openapi.json)",
        field="path",
        path=path,
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LedgerError)
    async def _ledger_error(request: Request, exc: LedgerError) -> JSONResponse:
        status = status_for(exc)
        if status >= 500:
            log.error("%s %s failed: %s", request.method, request.url.path, exc.message)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if isinstance(exc, RateLimited):
            headers = {"Retry-After": str(exc.retry_after)}
        if isinstance(exc, ContractError):  # its words name members: read them off the loop
            body = await run_in_threadpool(
                _described, getattr(request.app.state, "ledger", None), exc
            )
        else:
            body = error_body(exc)
        return ErrorResponse(body, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        body = sent_body(getattr(exc, "body", None))
        problems: list[dict[str, str]] = []
        for error in exc.errors():
            problem = validation_problem(error, body)
            if problem["field"] not in {p["field"] for p in problems}:
                problems.append(problem)  # one per field: a union's members say it once
        first = problems[0] if problems else {"field": "request", "rule": "invalid"}
        body = {
            "error": "invalid_input",
            "message": f"{first['field']}: {first['rule']}",
            "details": {"field": first["field"], "rule": first["rule"], "problems": problems},
        }
        return ErrorResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Starlette's own refusals, in the one error body: a multipart body its parser cannot
        # read (400: bad input like any other, so 422), an unknown path (404), a method the path
        # does not serve (405, with its Allow header)
        if exc.status_code == 400:
            problem = _unreadable_form(request, exc)
            return ErrorResponse(error_body(problem), status_code=422)
        if exc.status_code == 405:
            return method_not_allowed(request.method, request.url.path, allowed_methods(request))
        if exc.status_code == 404:
            return ErrorResponse(error_body(unknown_path(request.url.path)), status_code=404)
        body = {"error": "http_error", "message": str(exc.detail), "details": {}}
        return ErrorResponse(body, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        body = {"error": "internal_error", "message": "internal error", "details": {}}
        return ErrorResponse(body, status_code=500)


def _unreadable_form(request: Request, exc: StarletteHTTPException) -> InvalidInput:
    """The 422 of a body Starlette's form parser could not read. A part's header longer than
    the parser reads (python-multipart's 4,224 bytes: a filename of thousands of characters)
    is the upload's over-long filename, named as every other over-long input is: the field
    (``file``; ``files`` for a batch) and the rule (:data:`ledger.controls.FILENAME_LIMIT`).
    Anything else: ``body`` cannot be read, as the parser says."""
    cause: BaseException | None = exc
    while cause is not None:
        if "Maximum header size exceeded" in str(cause):
            field = "files" if request.url.path.rstrip("/").endswith("/batch") else "file"
            return filename_too_long(field)
        cause = cause.__cause__ or cause.__context__
    return InvalidInput("body", f"cannot be read: {exc.detail}")
