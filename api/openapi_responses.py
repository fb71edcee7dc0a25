"""The error responses the OpenAPI declares: one table, applied per router.

Every error the API answers has the body of :func:`api.errors.error_body` (``ErrorBody`` here);
bad input (422) also names the field and the rule. Each router declares the statuses its routes
answer with ``APIRouter(responses=errors(401, 403, ...))``; :data:`ERROR_RESPONSES` says when
each one happens. ``tests/api/test_openapi_responses.py`` checks the declarations against real
answers, so a status a route really returns is never missing from its operation.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorBody(BaseModel):
    """The one error body (``api.errors.error_body``)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "error": "DocumentAlreadyRegistered",
                    "message": "document 0x… is already registered, by Exporter (0x…) at "
                    "2026-01-01T00:00:00Z",
                    "details": {
                        "doc_hash": "0x…",
                        "registrant": "0x…",
                        "registered_at": "2026-01-01T00:00:00Z",
                        "registered_at_iso": "2026-01-01T00:00:00Z",
                        "registrant_name": "Exporter",
                    },
                }
            ]
        }
    )

    error: str = Field(
        description="the error's name: a contract revert's Solidity error name (e.g. "
        "DocumentAlreadyRegistered, RoleNotAllowed), else unauthorized, forbidden, not_found, "
        "conflict, financing_refused, invalid_input, document_format_error, member_suspended, "
        "member_pending, rate_limited, chain_unavailable"
    )
    message: str = Field(description="what went wrong, for people")
    details: dict[str, Any] = Field(
        description="the error's arguments (hashes and bytes as 0x hex, amounts in minor units)"
    )


class Problem(BaseModel):
    field: str
    rule: str


class InvalidInputDetails(BaseModel):
    """What was wrong with the input; other arguments of the error may follow."""

    model_config = ConfigDict(extra="allow")

    field: str = Field(description="the input that broke a rule, e.g. doc_hash, query.limit")
    rule: str = Field(description="the rule it broke")
    problems: list[Problem] | None = Field(
        default=None, description="every problem found when the request did not fit the schema"
    )


class InvalidInputBody(ErrorBody):
    """The error body of a 422: ``details`` names the field and the rule."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "error": "invalid_input",
                    "message": "doc_hash: must be 32 bytes as 64 hex digits",
                    "details": {"field": "doc_hash", "rule": "must be 32 bytes as 64 hex digits"},
                }
            ]
        }
    )

    details: InvalidInputDetails  # type: ignore[assignment]


#: every error status the API answers, when, and with which body
ERROR_RESPONSES: dict[int, dict[str, Any]] = {
    401: {
        "model": ErrorBody,
        "description": "No API key, or an unknown or revoked one: send "
        "`Authorization: Bearer <api key>` (`error`: unauthorized).",
    },
    403: {
        "model": ErrorBody,
        "description": "The caller's role may not do this, or the record is another member's "
        "(`error`: forbidden, or the contract's error such as RoleNotAllowed, NotRegistrant); "
        "or the caller is not an active member on chain — suspended (`error`: member_suspended) "
        "or pending, not yet approved by the admins (`error`: member_pending, naming who "
        "approves it and how): it may only read its own history.",
    },
    404: {
        "model": ErrorBody,
        "description": "An unknown document, financing, member or API key (`error`: not_found "
        "or the contract's error).",
    },
    409: {
        "model": ErrorBody,
        "description": "A duplicate or conflicting record (e.g. DocumentAlreadyRegistered), a "
        "refused financing (`financing_refused`, recorded on chain), or an `Idempotency-Key` "
        "reused with a different request (`conflict`).",
    },
    422: {
        "model": InvalidInputBody,
        "description": "Bad input: `details.field` names the input, `details.rule` the rule it "
        "broke (also a malformed `Idempotency-Key`).",
    },
    429: {
        "model": ErrorBody,
        "description": "Too many file checks (check, receive) by this participant within the "
        "window, or, for a bank's invoices (registered, checked, financed), the fingerprint "
        "evaluator's limit of inputs per member (`error`: rate_limited; `details.limit` per "
        "`details.window_seconds`, `details.retry_after`). Retry after the `Retry-After` "
        "header's seconds.",
        "headers": {
            "Retry-After": {
                "description": "seconds until the next check is allowed",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    },
    413: {
        "model": ErrorBody,
        "description": "The request body is larger than the gateway reads "
        "(`TRADELEDGER_MAX_BODY_BYTES`, 24 MiB by default; `error`: payload_too_large).",
    },
    503: {
        "model": ErrorBody,
        "description": "The chain node cannot be reached; retry (`error`: chain_unavailable).",
    },
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a router whose routes answer ``statuses`` (from ERROR_RESPONSES)."""
    return {status: dict(ERROR_RESPONSES[status]) for status in statuses}


#: a router of authenticated reads and writes on the chain (documents, financings, members)
CHAIN_RESOURCE = errors(401, 403, 404, 409, 413, 422, 503)


class HealthUnavailable(BaseModel):
    """``/health`` when the chain does not answer."""

    status: str = Field(examples=["unavailable"])


#: ``/health`` needs no key and takes no input: it only answers 503 when the chain is down
HEALTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    503: {"model": HealthUnavailable, "description": "The chain node cannot be reached."}
}
