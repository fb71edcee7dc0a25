"""ASGI middleware: refuse JSON request bodies nested deeper than ``MAX_JSON_DEPTH`` (422)
before FastAPI parses them (see ``ledger.jsondepth`` for why a parser must never see them)."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body
from ledger.errors import InvalidInput
from ledger.jsondepth import check_json_depth

#: the largest JSON body the API accepts (files go as multipart, not JSON)
MAX_JSON_BODY = 5 * 1024 * 1024


class JsonDepthLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        if "json" not in content_type and scope.get("path") != "/rpc":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_JSON_BODY:
                await _refuse(send, InvalidInput("body", f"must be at most {MAX_JSON_BODY} bytes"))
                return
            chunks.append(chunk)
            more = bool(message.get("more_body"))
        body = b"".join(chunks)
        try:
            check_json_depth(body)
        except InvalidInput as exc:
            await _refuse(send, exc)
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _refuse(send: Send, error: InvalidInput) -> None:
    payload = json.dumps(error_body(error)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 422,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": payload})
