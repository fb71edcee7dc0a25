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
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from api.literalpaths import claimants, served
from ledger import messages
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
    problems_message,
)
from ledger.fieldnames import path_text, sent_path
from ledger.jsonliterals import as_written, constant_rule
from ledger.network import Ledger
from ledger.services.names import LedgerNames
from ledger.surrogates import escape_surrogates
from ledger.validationwords import EXPECTED, PYDANTIC_TYPES, RULES, type_rule
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


def _multipart_boundary(request: Request) -> str | None:
    """The boundary of a ``multipart/form-data`` request (RFC 7578), or None for any other."""
    content_type = request.headers.get("content-type", "")
    kind, _, params = content_type.partition(";")
    if kind.strip().lower() != "multipart/form-data":
        return None
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "boundary":
            return value.strip().strip('"')
    return None


def _missing_part(
    problem: dict[str, str], error: Mapping[str, Any], boundary: str
) -> dict[str, str]:
    """A form field missing from a multipart body, in words that also fit a body cut short: a
    tryout's upload whose body ended without its closing boundary was told only ``file: is
    required`` (the part was sent, and never ended)."""
    loc = tuple(error.get("loc", ()))
    if loc[:1] != ("body",) or problem["rule"] != "is required":
        return problem
    return {
        "field": problem["field"],
        "rule": (
            f"is required: the multipart body has no complete part named {problem['field']} (a "
            f"part ends at the next boundary line, the body at --{boundary}--: a body cut short "
            "ends none)"
        ),
    }


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
        multipart = _multipart_boundary(request)
        for error in exc.errors():
            problem = validation_problem(error, body)
            if multipart is not None and error.get("type") == "missing":
                problem = _missing_part(problem, error, multipart)
            if problem["field"] not in {p["field"] for p in problems}:
                problems.append(problem)  # one per field: a union's members say it once
        first = problems[0] if problems else {"field": "request", "rule": "invalid"}
        body = {
            "error": "invalid_input",
            "message": problems_message(problems) or f"{first['field']}: {first['rule']}",
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
