"""The embedded chain's JSON-RPC bridge, served on a listener of its own: ``127.0.0.1`` only.

The CLI and any Ethereum client reach the chain a running gateway holds through it (see
``ledger/chain/bridge.py``). It is **not** part of the REST app: behind a reverse proxy on the
same host every remote client of the API arrives from 127.0.0.1, and which one is local cannot be
decided from ``X-Forwarded-For`` (a client writes what it likes there, and uvicorn trusts that
header from 127.0.0.1). So the bridge has its own socket, bound to the loopback address, that no
proxy forwards to; it reads no proxy header (the peer address is the TCP peer's), and each
request must also carry the node token (``X-Node-Token``, ``DATA_DIR/secrets/node.token``), so
another user of the machine cannot use it either.

Each request is bounded: its body (:data:`MAX_RPC_BODY`), its batch, the blocks its
``eth_getLogs`` calls scan and the size of its answer (:class:`ledger.chain.bridge.BridgeLimits`).
"""

from __future__ import annotations

import hmac
import json
from typing import Any

import anyio
from starlette.types import Message, Receive, Scope, Send

from ledger.chain.bridge import BridgeLimits, JsonRpcBridge, node_token
from ledger.config import Settings
from ledger.network import Ledger

#: the only peers the bridge answers (its socket is bound to 127.0.0.1 in the first place)
LOOPBACK = frozenset({"127.0.0.1", "::1"})
#: the largest JSON-RPC request body (bytes): a signed transaction is at most 128 KiB on most
#: nodes; a batch of 200 calls stays far below this
MAX_RPC_BODY = 5 * 1024 * 1024
PATH = "/rpc"


def bridge_limits(settings: Settings) -> BridgeLimits:
    return BridgeLimits(
        max_batch=settings.bridge_max_batch,
        max_log_blocks=settings.bridge_max_log_blocks,
        max_response=settings.bridge_max_response,
    )


class BridgeApp:
    """The ASGI app of the bridge listener: ``POST /rpc`` and nothing else."""

    def __init__(self, ledger: Ledger) -> None:
        if ledger.node is None:
            raise ValueError("the bridge serves the embedded chain only")
        self.bridge = JsonRpcBridge(ledger.w3, bridge_limits(ledger.settings))
        self._token = node_token(ledger.settings.secrets_dir)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if scope.get("path") != PATH:
            rule = f"is not served by this listener: it serves only POST {PATH}"
            path = str(scope.get("path"))
            await _refuse(
                send,
                404,
                "not_found",
                f"path: {rule}",
                {"field": "path", "rule": rule, "path": path},
            )
            return
        if scope.get("method") != "POST":
            method = str(scope.get("method"))
            rule = f"{method} is not served at {PATH}: it serves POST"
            await _refuse(
                send,
                405,
                "method_not_allowed",
                rule,
                {
                    "field": "method",
                    "rule": rule,
                    "method": method,
                    "path": PATH,
                    "allowed": ["POST"],
                },
                [(b"allow", b"POST")],
            )
            return
        client = scope.get("client")
        if client is None or client[0] not in LOOPBACK:
            await _refuse(
                send,
                403,
                "forbidden",
                "a client off this host may not call the node's JSON-RPC: it serves loopback only",
                {"action": "call the node's JSON-RPC", "condition": "from loopback only"},
            )
            return
        headers = dict(scope.get("headers") or [])
        token = headers.get(b"x-node-token", b"").decode("latin-1")
        if not hmac.compare_digest(token.encode(), self._token.encode()):
            await _refuse(
                send,
                403,
                "forbidden",
                "missing or wrong X-Node-Token: the node's JSON-RPC answers only a request with "
                "the node token of this data directory (secrets/node.token)",
                {
                    "action": "call the node's JSON-RPC",
                    "condition": "with the node token (X-Node-Token) of this data directory",
                },
            )
            return
        body = await _read_limited(receive, MAX_RPC_BODY)
        if body is None:
            limit = f"a JSON-RPC request is at most {MAX_RPC_BODY} bytes"
            await _refuse(send, 413, "payload_too_large", limit)
            return
        answer = await anyio.to_thread.run_sync(self.bridge.handle_bytes, body)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(answer)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": answer})


async def _read_limited(receive: Receive, limit: int) -> bytes | None:
    """The request body, or None as soon as it passes ``limit`` bytes (the rest is not read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message: Message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _refuse(
    send: Send,
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    payload: dict[str, Any] = {"error": code, "message": message, "details": details or {}}
    data = json.dumps(payload, separators=(",", ":")).encode()  # compact, as api.errors
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                (b"connection", b"close"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})
