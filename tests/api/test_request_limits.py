"""A request is authenticated before its body is read, and every body is capped while it streams,
whatever its content type (issue #15: 300 MB uploads were read in full before the 401, and with an
``Idempotency-Key`` held in memory whole).

Raw sockets against a really served gateway: the point is what the server reads off the wire
before it answers, which no in-process client shows. Memory is measured by
``scripts/probe_request_memory.py`` (RSS of a served gateway), not here.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from api.app import create_app
from tests.conftest import Network
from tests.served import served_gateway

LIMIT = 256 * 1024
#: what a client may push before the server's answer reaches it (loopback socket buffers)
SLACK = 8 * 1024 * 1024


@pytest.fixture
def gateway(network: Network) -> Iterator[int]:
    """The port of a gateway serving ``network`` with a 256 KiB body limit."""
    with served_gateway(network.ledger, max_body_bytes=LIMIT) as served:
        yield served.settings.port


def _head(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _push(port: int, head: bytes, chunks: Iterator[bytes]) -> tuple[int, dict[str, object], int]:
    """Send ``head`` then ``chunks`` until the server answers or closes; the status, JSON body
    and body bytes sent when the answer came."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.setblocking(True)
    sent = 0
    answer = b""
    try:
        sock.sendall(head)
        sock.settimeout(0.001)
        for chunk in chunks:
            with contextlib.suppress(TimeoutError, BlockingIOError):
                answer += sock.recv(65536)
            if answer:
                break
            try:
                sock.settimeout(10)
                sock.sendall(chunk)
                sent += len(chunk)
                sock.settimeout(0.001)
            except (BrokenPipeError, ConnectionResetError):
                break
        sock.settimeout(10)
        deadline = time.monotonic() + 10
        while b"\r\n\r\n" not in answer or not _complete(answer):
            try:
                data = sock.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not data or time.monotonic() > deadline:
                break
            answer += data
    finally:
        sock.close()
    head_part, _, body = answer.partition(b"\r\n\r\n")
    status = int(head_part.split(b" ", 2)[1])
    return status, json.loads(body) if body else {}, sent


def _complete(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    return False


def _fixed(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    for _ in range(total // size):
        yield b"x" * size


def _chunked(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    for _ in range(total // size):
        yield f"{size:x}\r\n".encode() + b"x" * size + b"\r\n"
    yield b"0\r\n\r\n"


HUGE = 300 * 1024 * 1024


@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data; boundary=b", "application/json", "application/octet-stream"],
)
def test_an_unauthenticated_upload_is_refused_before_its_body_is_read(
    gateway: int, content_type: str
) -> None:
    for authorization in ({}, {"Authorization": "Bearer tl_unknown_key"}):
        head = _head(
            "/v1/documents",
            {
                "Content-Type": content_type,
                "Content-Length": str(HUGE),
                "Idempotency-Key": "upload-1",
                **authorization,
            },
        )
        status, body, sent = _push(gateway, head, _fixed(HUGE))
        assert status == 401, body
        assert body["error"] == "unauthorized"
        assert sent < SLACK, f"the server read {sent} bytes before answering 401"


@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data; boundary=b", "application/json", "text/plain", ""],
)
def test_an_authenticated_oversized_body_is_413_naming_the_limit(
    gateway: int, network: Network, content_type: str
) -> None:
    auth = {"Authorization": f"Bearer {network.enterprise.api_key}"}
    if content_type:
        auth["Content-Type"] = content_type
    # declared too large: refused before a byte of it is read
    declared = _head("/v1/documents", {**auth, "Content-Length": str(HUGE)})
    status, body, sent = _push(gateway, declared, _fixed(HUGE))
    assert status == 413, body
    assert body["error"] == "payload_too_large"
    assert body["details"]["limit"] == LIMIT
    # the field and the rule, as every refusal names them (a tryout read neither)
    assert body["details"]["field"] == "body"
    assert body["details"]["rule"].startswith(f"must be at most {LIMIT} bytes")
    assert f"{LIMIT} bytes" in str(body["message"])
    assert sent < SLACK

    # not declared (chunked), with an Idempotency-Key: cut off while it streams
    streamed = _head(
        "/v1/documents",
        {**auth, "Transfer-Encoding": "chunked", "Idempotency-Key": f"big-{content_type}"},
    )
    status, body, sent = _push(gateway, streamed, _chunked(HUGE))
    assert status == 413, body
    assert body["details"]["limit"] == LIMIT
    assert sent < LIMIT + SLACK, f"the server read {sent} bytes of a body over {LIMIT}"
    # and the refused write left no idempotency record behind
    with network.ledger.db.session() as session:
        keys = session.execute(text("SELECT key FROM idempotency")).scalars().all()
    assert f"big-{content_type}" not in keys


def test_a_body_within_the_limit_is_served(gateway: int, network: Network) -> None:
    boundary = "b0undary"
    payload = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\n{'y' * (LIMIT // 2)}\r\n--{boundary}--\r\n"
    ).encode()
    head = _head(
        "/v1/documents",
        {
            "Authorization": f"Bearer {network.enterprise.api_key}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(len(payload)),
        },
    )
    status, body, _ = _push(gateway, head, iter([payload]))
    assert status == 201, body


def test_every_route_under_v1_authenticates(network: Network) -> None:
    """The guard refuses an unauthenticated /v1/ request before its body: that is only right if
    every route there asks for an API key anyway (its OpenAPI operation names the bearer)."""
    app = create_app(network.ledger.settings, network.ledger)
    operations = [
        (method, path, operation)
        for path, item in app.openapi()["paths"].items()
        if path.startswith("/v1/")
        for method, operation in item.items()
    ]
    assert len(operations) > 30
    assert [
        (m, p) for m, p, o in operations if {"HTTPBearer": []} not in o.get("security", [])
    ] == []
