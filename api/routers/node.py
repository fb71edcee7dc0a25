"""``/rpc``: the embedded chain as Ethereum JSON-RPC, for local clients holding the node token.

Lets the CLI and any Ethereum client use the embedded chain while this server holds it. Only
loopback clients are served, and only with ``X-Node-Token`` (``DATA_DIR/secrets/node.token``).
Clients can read and send *signed* transactions; signing stays with each participant's key.
"""

from __future__ import annotations

import hmac
from typing import Annotated

import anyio
from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse

from api.deps import LedgerDep
from ledger.chain.bridge import JsonRpcBridge, node_token
from ledger.errors import Forbidden, NotFound

router = APIRouter(tags=["node"])

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@router.post("/rpc", include_in_schema=False)
async def json_rpc(
    request: Request,
    ledger: LedgerDep,
    x_node_token: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    if ledger.node is None:
        raise NotFound("this gateway runs on an external node: use that node's JSON-RPC")
    client = request.client.host if request.client else ""
    if client not in LOOPBACK:
        raise Forbidden("the node's JSON-RPC is served to loopback clients only")
    served: tuple[JsonRpcBridge, str] | None = getattr(request.app.state, "rpc_bridge", None)
    if served is None:
        served = (JsonRpcBridge(ledger.w3), node_token(ledger.settings.secrets_dir))
        request.app.state.rpc_bridge = served
    bridge, expected = served
    if x_node_token is None or not hmac.compare_digest(x_node_token, expected):
        raise Forbidden("missing or wrong X-Node-Token")
    body = await request.body()
    return JSONResponse(await anyio.to_thread.run_sync(bridge.handle_bytes, body))
