"""Liveness of the gateway and reachability of the chain."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import LedgerDep
from ledger.errors import LedgerError

router = APIRouter(tags=["health"])


@router.get("/health")
def health(ledger: LedgerDep) -> JSONResponse:
    """200 with the head block when the chain answers, 503 when it does not."""
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
        }
    )
