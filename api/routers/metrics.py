"""Prometheus metrics at ``/metrics``: requests by route and status, latency by route, writes
that reached the chain by outcome, the chain's head block and the index's lag.

They show how busy each route is, so ``/metrics`` needs credentials (issue #15): ``Authorization:
Bearer <token>`` with the scraper's token (``TRADELEDGER_METRICS_TOKEN``), or the API key of an
admin or a regulator (who may read the whole audit trail anyway). No credentials: 401; a key of
another role: 403.

``tradeledger_evaluator_up`` is the fingerprint evaluator as the gateway finds it when scraped
(:meth:`ledger.oblivious.EvaluatorClient.state`): 1 when it answers with the key on chain, 0
when it does not answer or answers another key, -1 when none is configured.

Each app has its own registry (several apps can live in one process, as in the tests).
``tradeledger_chain_writes_total{outcome}`` counts write requests that signed for the chain:
``success``, ``refused`` (a financing the contract refused and recorded), ``reverted`` (a
contract error), ``unavailable`` (chain unreachable), ``error``, and ``replayed`` (an
``Idempotency-Key`` retry answered from the first response, no chain write). A write the gateway
refuses itself (a role, bad input, an unknown record) never reaches the chain and is not counted.
Every request is counted under its route's template, replays included (:func:`route_label`).
"""

from __future__ import annotations

import hmac
import re
import time
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Header, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.routing import compile_path

from api.bodycheck import WrittenNumbersRoute
from api.deps import (
    REPLAYED_HEADER,
    ASGIApp,
    LedgerDep,
    Message,
    Receive,
    Scope,
    Send,
    authenticate,
    require_role,
    single_header,
)
from ledger.config import Settings
from ledger.errors import LedgerError, Unauthorized
from ledger.oblivious import EVALUATOR_UP

router = APIRouter(tags=["health"], route_class=WrittenNumbersRoute)

#: write paths that never touch the chain
_READ_ONLY_POSTS = ("/v1/documents/check", "/v1/documents/verify", "/v1/documents/receive")
_NON_CHAIN_PREFIXES = ("/v1/keys",)


class Metrics:
    """The metric families of one app."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "tradeledger_http_requests",
            "HTTP requests by method, route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "tradeledger_http_request_seconds",
            "HTTP request latency by method and route",
            ["method", "route"],
            registry=self.registry,
        )
        self.chain_writes = Counter(
            "tradeledger_chain_writes",
            "write requests that signed for the chain, by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self.head_block = Gauge(
            "tradeledger_chain_head_block",
            "the chain's head block when scraped (-1: the chain did not answer)",
            registry=self.registry,
        )
        self.evaluator_up = Gauge(
            "tradeledger_evaluator_up",
            "the fingerprint evaluator when scraped: 1 answers with the key on chain, 0 does "
            "not answer or answers another key, -1 none configured",
            registry=self.registry,
        )
        self.index_lag = Gauge(
            "tradeledger_index_lag_blocks",
            "blocks the event index is behind the head (-1: no follower runs, or the index or "
            "the chain could not be read when scraped)",
            registry=self.registry,
        )


def _is_chain_write(method: str, path: str) -> bool:
    if method not in ("POST", "PUT", "PATCH", "DELETE") or not path.startswith("/v1/"):
        return False
    return path not in _READ_ONLY_POSTS and not path.startswith(_NON_CHAIN_PREFIXES)


_ERROR_CODE = re.compile(rb'"error"\s*:\s*"([^"]+)"')


def _outcome(status: int, body_start: bytes, replayed: bool) -> str | None:
    """The chain-write outcome of a write request, or None when it never reached the chain
    (refused by the gateway itself: a role, bad input, an unknown record)."""
    if replayed:
        return "replayed"
    if status < 400:
        return "success"
    if status == 503:
        return "unavailable"
    if status >= 500:
        return "error"
    found = _ERROR_CODE.search(body_start)
    code = found.group(1).decode() if found else ""
    if code == "financing_refused":
        return "refused"
    # contract errors carry the Solidity error's name (CamelCase); gateway errors snake_case
    return "reverted" if code[:1].isupper() else None


def route_label(scope: Scope, templates: RouteTemplates) -> str:
    """The route template a request is counted under (``/v1/financings/{financing_id}``). A
    request the router answered carries its route in the scope; one answered before routing —
    an ``Idempotency-Key`` replay — is matched against the app's documented paths here, so
    replays count under their route. ``unmatched`` only for a path no route takes."""
    path = getattr(scope.get("route"), "path", None)
    if path:
        return str(path)
    return templates.match(scope) or "unmatched"


class RouteTemplates:
    """The app's path templates (its OpenAPI ``paths``), compiled once on first use."""

    def __init__(self) -> None:
        self._compiled: list[tuple[re.Pattern[str], str]] | None = None

    def match(self, scope: Scope) -> str | None:
        if self._compiled is None:
            app = scope.get("app")
            openapi = getattr(app, "openapi", None)
            paths = openapi().get("paths", {}) if callable(openapi) else {}
            # literal paths first: /v1/documents/check before /v1/documents/{doc_hash}
            ordered = sorted(paths, key=lambda p: "{" in p)
            self._compiled = [(compile_path(p)[0], p) for p in ordered]
        path = scope.get("path", "")
        return next((t for pattern, t in self._compiled if pattern.match(path)), None)


class MetricsMiddleware:
    """Counts and times every HTTP request (outermost, so it sees idempotent replays)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self.templates = RouteTemplates()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        seen: dict[str, Any] = {"status": 500, "replayed": False, "body": b""}

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = int(message["status"])
                names = {k.lower() for k, _ in message.get("headers", [])}
                seen["replayed"] = REPLAYED_HEADER.lower().encode() in names
            elif message["type"] == "http.response.body" and len(seen["body"]) < 400:
                seen["body"] += message.get("body", b"")[:400]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            label = route_label(scope, self.templates)
            method = scope["method"]
            self.metrics.requests.labels(method, label, str(seen["status"])).inc()
            self.metrics.latency.labels(method, label).observe(time.perf_counter() - started)
            if _is_chain_write(method, scope["path"]):
                outcome = _outcome(seen["status"], seen["body"], seen["replayed"])
                if outcome is not None:
                    self.metrics.chain_writes.labels(outcome).inc()


#: who may read /metrics with an API key
METRICS_ROLES = ("admin", "regulator")


@router.get("/metrics", include_in_schema=False)
async def metrics(
    request: Request,
    ledger: LedgerDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    """Prometheus text exposition, for the metrics token or an admin's or regulator's key."""
    settings: Settings = request.app.state.settings
    single_header(request.scope.get("headers") or [], "Authorization")  # two: whose was meant?
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(
            "send `Authorization: Bearer <token>` with the metrics token "
            "(TRADELEDGER_METRICS_TOKEN) or an admin's or a regulator's API key"
        )
    expected = settings.metrics_token
    if not (expected and hmac.compare_digest(token.encode(), expected.encode())):
        require_role(
            await authenticate(ledger, f"Bearer {token}"),
            *METRICS_ROLES,
            action="read /metrics (or send the metrics token)",
        )
    state: Metrics = request.app.state.metrics
    follower = getattr(request.app.state, "audit_follower", None)

    def read_gauges() -> bytes:  # blocking reads: in a worker thread
        try:
            state.head_block.set(ledger.head_block())
        except LedgerError:
            state.head_block.set(-1)
        lag = None if follower is None else follower.lag()  # None: not readable just now
        state.index_lag.set(-1 if lag is None else lag)
        try:
            state.evaluator_up.set(EVALUATOR_UP[ledger.evaluator_client().state()])
        except LedgerError:  # the chain's key could not be read: the evaluator is of no use
            state.evaluator_up.set(0)
        return bytes(generate_latest(state.registry))

    text = await anyio.to_thread.run_sync(read_gauges)
    return Response(text, media_type=CONTENT_TYPE_LATEST)
