"""Serving the gateway: the REST API, and on the embedded chain the JSON-RPC bridge beside it.

:class:`Gateway` runs two uvicorn servers in one process:

* the **API** on ``settings.host:settings.port`` — the listener a reverse proxy forwards to;
* the **bridge** (``api/bridge.py``) on ``127.0.0.1:settings.bridge_port`` (a free port by
  default), advertised to local clients in ``DATA_DIR/node.json``; never reachable through the
  proxy, never judged by proxy headers.

Connections are bounded by the settings (issue #15): at most ``max_connections`` at once (more are
answered 503), idle keep-alive connections closed after ``keep_alive_timeout``, request headers
larger than ``max_header_bytes`` refused (h11), and — what uvicorn lacks — a connection that has
not sent a complete request head within ``header_timeout`` seconds of connecting (or of its last
response) is closed (:class:`HeaderTimeoutH11`): 1,100 connections trickling a header byte at a
time no longer stay open. A slow *body* is left to the reverse proxy (``client_body_timeout``,
docs/security.md) and bounded here by ``max_connections`` and ``max_body_bytes``.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import signal
import socket
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from api.bridge import BridgeApp
from ledger import servinglock
from ledger.chain import bridge as node_advert
from ledger.config import Settings
from ledger.errors import InvalidInput, LedgerStateError
from ledger.network import Ledger


class HeaderTimeoutH11(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request head does not arrive in time.

    The timer runs from the connection's start, and again from each response's end until the
    next request's head is complete; it stops while a request is being served. (uvicorn's own
    keep-alive timeout stops at the first byte of the next request, so a client trickling one
    header byte at a time kept its connection for ever.)
    """

    header_timeout: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._head_timer is None and self._between_requests():
            self._arm()  # the next request begins: its head has header_timeout to arrive
        super().data_received(data)
        if not self._between_requests():
            self._disarm()

    def _between_requests(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self._between_requests() and not self.transport.is_closing():
            self.logger.info(
                "closed a connection whose request head took over %ss", self.header_timeout
            )
            self.transport.close()


def protocol_for(settings: Settings) -> type[HeaderTimeoutH11]:
    """The h11 protocol class with ``settings.header_timeout``."""
    return type("GatewayH11", (HeaderTimeoutH11,), {"header_timeout": settings.header_timeout})


def api_config(app: Any, settings: Settings, **overrides: Any) -> uvicorn.Config:
    """The uvicorn configuration of the API listener, with the settings' limits."""
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "http": protocol_for(settings),
        "limit_concurrency": settings.max_connections,
        "timeout_keep_alive": settings.keep_alive_timeout,
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "timeout_graceful_shutdown": settings.shutdown_timeout,
        "server_header": False,
        "log_level": "info",
    }
    options.update(overrides)
    return uvicorn.Config(app, **options)


def refuse_port_in_use(host: str, port: int, field: str) -> None:
    """Raise InvalidInput naming ``field`` (``--port``, ``TRADELEDGER_PORT``) when ``host:port``
    cannot be listened on — another process listens there (another gateway), or the address is
    not this machine's — before anything says the gateway serves: a tryout's second gateway on
    a port in use printed "tradeledger serving … at http://127.0.0.1:18700", then uvicorn's
    ``[Errno 98]`` and exit 3. Bound as uvicorn binds (``SO_REUSEADDR``: a port whose last
    connections are closing is free), then released; port 0 (any) is never refused."""
    if port == 0:
        return
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise InvalidInput(field, f"{port} cannot be served on {host} ({exc})") from None
    family, kind, proto, _, address = found[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            in_use = exc.errno == errno.EADDRINUSE
            why = "another process listens there (another gateway?)" if in_use else exc.strerror
            raise InvalidInput(
                field, f"{port} is in use on {host}: {why} — stop it, or give another port"
            ) from None


class Gateway:
    """The API server and (embedded chain) the bridge server of one ledger, in one process."""

    def __init__(self, settings: Settings, ledger: Ledger, app: FastAPI, **overrides: Any) -> None:
        self.settings = settings
        self.ledger = ledger
        self.api = uvicorn.Server(api_config(app, settings, **overrides))
        self.bridge: uvicorn.Server | None = None
        self._bridge_socket: socket.socket | None = None
        self._bridge_thread: threading.Thread | None = None
        if ledger.node is not None:
            # IPPROTO_TCP named, not left 0: asyncio sets TCP_NODELAY only on the connections
            # of a socket whose protocol says TCP, and without it each answer on a kept-alive
            # connection waited about 40 ms for the client's delayed ACK (Nagle): every
            # JSON-RPC call of the CLI, the evaluator's memberOf and a second gateway
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", settings.bridge_port))
            except OSError as exc:
                sock.close()
                raise LedgerStateError(
                    f"cannot listen on 127.0.0.1:{settings.bridge_port} for the node's JSON-RPC "
                    f"bridge ({exc.strerror}): set TRADELEDGER_BRIDGE_PORT to a free port, or 0"
                ) from None
            self._bridge_socket = sock
            self.bridge = uvicorn.Server(
                uvicorn.Config(
                    BridgeApp(ledger),
                    http=protocol_for(settings),
                    lifespan="off",
                    proxy_headers=False,  # the peer is the TCP peer, whatever headers say
                    limit_concurrency=settings.max_connections,
                    timeout_keep_alive=settings.keep_alive_timeout,
                    h11_max_incomplete_event_size=settings.max_header_bytes,
                    server_header=False,
                    log_level="warning",
                )
            )

    @property
    def bridge_url(self) -> str | None:
        """``http://127.0.0.1:PORT/rpc`` of the bridge (None on a JSON-RPC network)."""
        if self._bridge_socket is None:
            return None
        port = self._bridge_socket.getsockname()[1]
        return f"http://127.0.0.1:{port}/rpc"

    def run(self) -> None:
        """Serve until stopped (SIGINT/SIGTERM in the main thread, or :meth:`stop`), then
        withdraw this process's ``DATA_DIR/node.json`` (only while it still names this
        process) and stop the bridge.

        uvicorn shuts down gracefully on SIGTERM, then raises the signal again with the handler
        that was in place before it: with the default one, the process died right there, before
        any ``finally`` ran, and a stopped gateway left its node.json behind (a newcomer found
        it). :func:`_exit_on_sigterm` puts a handler in place that raises ``SystemExit(143)``
        instead, so the clean-up runs and the exit status still says SIGTERM.

        While it serves it holds the data directory's serving lock (shared;
        :mod:`ledger.servinglock`): ``tradeledger index rebuild`` is refused meanwhile, and
        this raises ``LedgerStateError`` while a rebuild holds it."""
        with servinglock.serving(self.settings.data_dir):  # the CLI's serve holds it too
            self._run()

    def _run(self) -> None:
        url = self.bridge_url
        if self.bridge is not None and self._bridge_socket is not None and url is not None:
            sockets = [self._bridge_socket]
            self._bridge_thread = threading.Thread(
                target=self.bridge.run, kwargs={"sockets": sockets}, name="bridge", daemon=True
            )
            self._bridge_thread.start()
            node_advert.advertise(self.settings.data_dir, url)
        try:
            with _exit_on_sigterm():
                self.api.run()
        finally:
            node_advert.withdraw(self.settings.data_dir)
            self._stop_bridge()

    def stop(self) -> None:
        """Ask both servers to finish (from another thread)."""
        self.api.should_exit = True
        if self.bridge is not None:
            self.bridge.should_exit = True

    def _stop_bridge(self) -> None:
        if self.bridge is not None:
            self.bridge.should_exit = True
        if self._bridge_thread is not None:
            self._bridge_thread.join(timeout=self.settings.shutdown_timeout + 5)
        if self._bridge_socket is not None:
            self._bridge_socket.close()


def _terminated(signum: int, frame: FrameType | None) -> None:
    """SIGTERM as an exception (``SystemExit(128 + 15)``): ``finally`` clauses run."""
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def _exit_on_sigterm() -> Iterator[None]:
    """While inside: SIGTERM raises ``SystemExit`` (:func:`_terminated`) instead of ending the
    process at once — in the main thread only, where signal handlers live; the handler before
    is put back after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGTERM, _terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)
