"""The FastAPI application: ``create_app(settings)`` opens the ledger for the app's lifetime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from api.bodycheck import WrittenNumbersRoute, reject_unknown_body
from api.deps import IdempotencyMiddleware
from api.errors import install_error_handlers
from api.limits import JsonDepthLimit, RequestGuard
from api.openapi_responses import CHAIN_RESOURCE, HEALTH_RESPONSES, errors
from api.pages import install_pages
from api.querycheck import reject_unknown_query
from api.respond_async import AsyncWrites
from api.routers import (
    audit,
    documents,
    financings,
    governance,
    health,
    keys,
    members,
    metrics,
)
from ledger.config import Settings, get_settings
from ledger.indexer import EventIndex
from ledger.indexer.background import start_follower
from ledger.network import Ledger, open_ledger


def create_app(settings: Settings | None = None, ledger: Ledger | None = None) -> FastAPI:
    """The gateway app. With ``ledger`` given, the caller owns it (tests, ``serve`` after init)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = ledger is None
        app.state.ledger = open_ledger(settings) if ledger is None else ledger
        follower = start_follower(EventIndex.for_ledger(app.state.ledger))
        app.state.audit_follower, app.state.audit_index = follower, follower.index
        app.state.ledger.event_index = follower.index
        app.state.async_writes = AsyncWrites(settings.async_writes)
        try:
            yield
        finally:
            app.state.async_writes.close()  # writes answered 202 finish: receipt, file, answer
            app.state.ledger.event_index = None
            follower.stop()
            if owned:
                app.state.ledger.close()

    app = FastAPI(
        title="tradeledger",
        version="0.1.0",
        description="A permissioned ledger for trade-finance records. Authenticate with "
        "`Authorization: Bearer <api key>`. Writes accept an `Idempotency-Key` header. "
        'Every error answers `{"error", "message", "details"}`. See docs/api.md.',
        lifespan=lifespan,
        # served from the package by install_pages, not from a CDN
        docs_url=None,
        redoc_url=None,
        # a misspelt filter or body field is a 422, not an answer that ignored it
        # (api/querycheck.py, api/bodycheck.py)
        dependencies=[Depends(reject_unknown_query), Depends(reject_unknown_body)],
    )
    # every route reads a JSON body keeping each number as written (api/bodycheck.py): the
    # app's own (install_pages) and each router's (made with it)
    app.router.route_class = WrittenNumbersRoute
    install_error_handlers(app)
    app.state.settings = settings
    app.state.metrics = metrics.Metrics()
    # added last runs first: metrics (outermost) see every response, including idempotent
    # replays and the guard's 401/413; the guard authenticates and caps the body before anything
    # reads it (api/limits.py); then JSON is checked before anything parses it
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(JsonDepthLimit)
    app.add_middleware(RequestGuard, max_body=settings.max_body_bytes)
    app.add_middleware(metrics.MetricsMiddleware, metrics=app.state.metrics)
    install_pages(app)
    # the error statuses each router's routes answer (api/openapi_responses.py)
    app.include_router(health.router, responses=HEALTH_RESPONSES)
    app.include_router(metrics.router)
    app.include_router(members.router, responses=CHAIN_RESOURCE)
    app.include_router(governance.router, responses=CHAIN_RESOURCE)
    app.include_router(keys.router, responses=CHAIN_RESOURCE)
    # before documents.router: /v1/documents/lodged is not a {doc_hash}
    app.include_router(documents.listing, responses=CHAIN_RESOURCE)
    app.include_router(documents.router, responses=CHAIN_RESOURCE)
    app.include_router(audit.router, responses=errors(401, 403, 422, 503))
    app.include_router(financings.router, responses=CHAIN_RESOURCE)
    return app
