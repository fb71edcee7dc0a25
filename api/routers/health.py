"""Liveness: is the gateway up and does its chain answer — and nothing else.

``/health`` needs no credentials, so it says no more than ``ok`` or ``unavailable``: no head
block, index lag, contract or chain message (block heights and lags tell how busy the ledger is;
a chain error may name an internal host). Those are in ``/metrics``, which needs credentials.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.bodycheck import WrittenNumbersRoute
from api.deps import LedgerDep
from ledger.errors import LedgerError

router = APIRouter(tags=["health"], route_class=WrittenNumbersRoute)


@router.get("/health")
def health(ledger: LedgerDep) -> JSONResponse:
    """200 ``{"status": "ok"}`` when the chain answers, 503 ``{"status": "unavailable"}`` when
    it does not. Details (head block, index lag, whether the fingerprint evaluator can be used)
    are in ``/metrics``."""
    try:
        ledger.head_block()
    except LedgerError:
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})
