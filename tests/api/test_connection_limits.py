"""The served gateway bounds its connections (issue #15: 1,100 connections trickling a header byte
at a time all stayed open). What uvicorn does with the settings — concurrency, keep-alive, header
size — and the request-head timeout it lacks (``api.serve.HeaderTimeoutH11``), on a real server.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator

import pytest

from api.serve import Gateway
from tests.conftest import Network
from tests.served import served_gateway


@pytest.fixture
def gateway(network: Network) -> Iterator[Gateway]:
    with served_gateway(
        network.ledger,
        header_timeout=1.0,
        keep_alive_timeout=1,
        max_connections=4,
        max_header_bytes=4096,
    ) as served:
        yield served


def _connect(gateway: Gateway) -> socket.socket:
    return socket.create_connection(("127.0.0.1", gateway.settings.port), timeout=10)


def _closed_within(sock: socket.socket, seconds: float, trickle: bool = False) -> float | None:
    """Seconds until the server closed ``sock`` (None: still open after ``seconds``); with
    ``trickle``, one header byte is sent every 0.2 s meanwhile."""
    started = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - started < seconds:
        try:
            if trickle:
                sock.sendall(b"x")
            if sock.recv(4096) == b"":
                return time.monotonic() - started
        except TimeoutError:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - started
    return None


def _get(sock: socket.socket, path: str = "/health", extra: str = "") -> bytes:
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n{extra}\r\n".encode())
    sock.settimeout(10)
    answer = b""
    while not _whole(answer):
        data = sock.recv(65536)
        if not data:
            break
        answer += data
    return answer


def _whole(answer: bytes) -> bool:
    head, found, body = answer.partition(b"\r\n\r\n")
    if not found:
        return False
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    return True


def test_a_client_trickling_its_request_head_is_cut_off(gateway: Gateway) -> None:
    sock = _connect(gateway)
    try:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        closed = _closed_within(sock, 6.0, trickle=True)
    finally:
        sock.close()
    assert closed is not None, "a trickling client kept its connection"
    assert closed < 3.0


def test_a_silent_connection_is_closed(gateway: Gateway) -> None:
    sock = _connect(gateway)
    try:
        closed = _closed_within(sock, 6.0)
    finally:
        sock.close()
    assert closed is not None
    assert closed < 3.0


def test_an_idle_keep_alive_connection_is_closed(gateway: Gateway) -> None:
    sock = _connect(gateway)
    try:
        assert _get(sock).startswith(b"HTTP/1.1 200")
        closed = _closed_within(sock, 6.0)
    finally:
        sock.close()
    assert closed is not None
    assert closed < 3.0


def test_a_served_connection_is_not_cut_by_the_head_timeout(gateway: Gateway) -> None:
    """Requests on one keep-alive connection, each within the timeouts, are all served."""
    sock = _connect(gateway)
    try:
        for _ in range(3):
            assert _get(sock).startswith(b"HTTP/1.1 200")
            time.sleep(0.6)
    finally:
        sock.close()


def test_connections_beyond_the_limit_are_answered_503(gateway: Gateway) -> None:
    held = [_connect(gateway) for _ in range(4)]
    try:
        for sock in held:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # heads not finished
        time.sleep(0.2)
        extra = _connect(gateway)
        try:
            assert _get(extra).startswith(b"HTTP/1.1 503")
        finally:
            extra.close()
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.3)
    again = _connect(gateway)
    try:
        assert _get(again).startswith(b"HTTP/1.1 200")
    finally:
        again.close()


def test_a_request_head_growing_past_the_limit_is_refused(gateway: Gateway) -> None:
    """h11 refuses a head that grows past ``max_header_bytes`` before it is complete (what an
    endless header would cost); the head timeout bounds the rest."""
    sock = _connect(gateway)
    try:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ")
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for _ in range(4):  # the server answers and closes once past the limit
                sock.sendall(b"a" * 2048)
                time.sleep(0.05)
        answer = _get_answer(sock)
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.1 400")


def _get_answer(sock: socket.socket) -> bytes:
    sock.settimeout(10)
    answer = b""
    while not _whole(answer):
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            break
        if not data:
            break
        answer += data
    return answer
