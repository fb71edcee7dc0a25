"""Liveness of the gateway and reachability of the chain."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import LedgerDep
from ledger.errors import LedgerError

router = APIRouter(tags=["health"])


@router.get("/health")
def health(ledger: LedgerDep, request: Request) -> JSONResponse:
    """200 with the head block when the chain answers, 503 when it does not. ``index_lag``:
    blocks the event index is behind the head (null when no follower runs)."""
    try:
        head = ledger.head_block()
    except LedgerError as exc:
        return JSONResponse({"status": "unavailable", "chain": exc.message}, status_code=503)
    return JSONResponse(
        {
            "status": "ok",
            "chain_id": ledger.chain_id,
            "head_block": head,
            "contract": ledger.manifest.contract_address,
            "backend": ledger.manifest.backend,
            "index_lag": _index_lag(request),
        }
    )


def _index_lag(request: Request) -> int | None:
    follower = getattr(request.app.state, "audit_follower", None)
    return None if follower is None else follower.lag()
