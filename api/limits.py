"""ASGI middleware: refuse JSON request bodies nested deeper than ``MAX_JSON_DEPTH`` (422)
before FastAPI parses them (see ``ledger.jsondepth`` for why a parser must never see them)."""

from __future__ import annotations

import json
import math

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
            if scope.get("path") != "/rpc":
                check_json_numbers(body)
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


def check_json_numbers(body: bytes) -> None:
    """Refuse (:class:`InvalidInput` naming the field) a JSON body with a number no field can
    take: one that overflows a float (``1e400`` would reach the route as infinity), ``NaN`` or
    ``Infinity`` (which Python's parser accepts), or an integer too long to convert. A body that
    is not JSON is left to the route's own parsing (its 422 names the position)."""
    if not body.strip():
        return
    try:
        value = json.loads(body)
    except json.JSONDecodeError:
        return
    except ValueError as exc:  # an integer beyond Python's digit limit for int()
        raise InvalidInput("body", f"holds a number too large for any field ({exc})") from None
    where = _non_finite(value, "")
    if where is not None:
        field = where or "body"
        raise InvalidInput(
            field,
            f"is a number too large for {field} (or NaN/Infinity, which JSON does not allow): "
            "send a whole number within the field's range",
        )


def _non_finite(value: object, path: str) -> str | None:
    """The path (``documents[0].amount``) of the first non-finite number in ``value``."""
    if isinstance(value, float) and not math.isfinite(value):
        return path
    if isinstance(value, dict):
        for key, item in value.items():
            found = _non_finite(item, f"{path}.{key}" if path else str(key))
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = _non_finite(item, f"{path}[{i}]")
            if found is not None:
                return found
    return None


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
