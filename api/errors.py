"""The one table from the gateway's exception classes to HTTP statuses.

Every error response has the same body: ``{"error": <name>, "message": ..., "details": {...}}``
where ``error`` is the exception's code — for contract reverts, the Solidity error's name — and
``details`` its arguments. No stack trace ever reaches a client.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ledger.errors import (
    ChainUnavailable,
    Conflict,
    Forbidden,
    InvalidInput,
    LedgerError,
    LedgerStateError,
    NotFound,
    Unauthorized,
)

log = logging.getLogger("tradeledger.api")

#: most specific first; the first class an error is an instance of decides its status
STATUS_TABLE: tuple[tuple[type[LedgerError], int], ...] = (
    (InvalidInput, 422),
    (NotFound, 404),
    (Unauthorized, 401),
    (Forbidden, 403),
    (Conflict, 409),
    (ChainUnavailable, 503),
    (LedgerStateError, 500),
    (LedgerError, 500),
)


def status_for(error: LedgerError) -> int:
    for cls, status in STATUS_TABLE:
        if isinstance(error, cls):
            return status
    return 500


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def error_body(error: LedgerError) -> dict[str, Any]:
    """The one error body: its name, message and arguments (for bad input, also the field and
    the rule it broke — contract input errors name their first argument)."""
    details = dict(error.details)
    if isinstance(error, InvalidInput):
        details.setdefault("field", error.field)
        details.setdefault("rule", error.rule)
    return {"error": error.code, "message": error.message, "details": _jsonable(details)}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LedgerError)
    async def _ledger_error(request: Request, exc: LedgerError) -> JSONResponse:
        status = status_for(exc)
        if status >= 500:
            log.error("%s %s failed: %s", request.method, request.url.path, exc.message)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(error_body(exc), status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                # a whole body that is not what the route takes is named "body"
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body",
                "rule": e.get("msg", ""),
            }
            for e in exc.errors()
        ]
        first = problems[0] if problems else {"field": "request", "rule": "invalid"}
        body = {
            "error": "invalid_input",
            "message": f"{first['field']}: {first['rule']}",
            "details": {"field": first["field"], "rule": first["rule"], "problems": problems},
        }
        return JSONResponse(body, status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        body = {"error": "internal_error", "message": "internal error", "details": {}}
        return JSONResponse(body, status_code=500)
