"""Probe a served gateway the way issue #15's attacker did, and print what held, with figures.

    .venv/bin/python scripts/probe_gateway.py            # both probes (about a minute)
    .venv/bin/python scripts/probe_gateway.py uploads    # 300 MB uploads: status, bytes read, RSS
    .venv/bin/python scripts/probe_gateway.py trickle    # 1,100 connections trickling headers

It creates a throwaway ledger, runs ``tradeledger serve`` on 127.0.0.1 as a real process (default
settings, but for ``--header-timeout``), sends the traffic from this process, and reads the
server's resident memory from ``/proc/PID/status`` (``VmRSS`` now, ``VmHWM`` its peak). Only
loopback is ever contacted; every loop is bounded.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from ledger.oprf import Evaluator

UPLOAD = 300 * 1024 * 1024
CHUNK = 256 * 1024


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _memory(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of ``pid`` in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) // 1024
    return fields["VmRSS"], fields["VmHWM"]


@contextlib.contextmanager
def served(header_timeout: float) -> Iterator[tuple[int, int, str]]:
    """(port, pid, admin API key) of a fresh gateway, stopped on exit."""
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "ledger"
        env = {
            **os.environ,
            "TRADELEDGER_DATA_DIR": str(data_dir),
            "TRADELEDGER_KEYSTORE_SCRYPT_N": "1024",
            "TRADELEDGER_HEADER_TIMEOUT": str(header_timeout),
        }
        cli = [sys.executable, "-m", "ledger.cli"]
        # the probes evaluate no fingerprint: any evaluator public key will do (issue #18)
        unused = Evaluator.from_seed(Evaluator.new_seed()).public_key.to_bytes().hex()
        made = subprocess.run(
            [*cli, "init", "--json", "--evaluator-key", unused],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if made.returncode != 0:
            raise SystemExit(made.stderr)
        key = json.loads(made.stdout)["admin"]["api_key"]
        port = _free_port()
        server = subprocess.Popen(
            [*cli, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("the gateway did not start") from None
                    time.sleep(0.2)
            yield port, server.pid, key
        finally:
            server.terminate()
            server.wait(timeout=60)


def _upload(port: int, headers: dict[str, str], chunked: bool) -> tuple[int, int, float]:
    """Send a 300 MB body until the server answers; (status, body bytes sent, seconds)."""
    lines = [
        "POST /v1/documents HTTP/1.1",
        "Host: 127.0.0.1",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    lines.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {UPLOAD}")
    started = time.monotonic()
    sent = 0
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        piece = b"x" * CHUNK
        if chunked:
            piece = f"{CHUNK:x}\r\n".encode() + piece + b"\r\n"
        while sent < UPLOAD and not answer:
            sock.settimeout(0)
            with contextlib.suppress(BlockingIOError):
                answer = sock.recv(65536)
            if answer:
                break
            sock.settimeout(30)
            try:
                sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += CHUNK
        sock.settimeout(30)
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in answer:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return status, sent, time.monotonic() - started


def probe_uploads() -> None:
    with served(header_timeout=10) as (port, pid, key):
        rss, peak = _memory(pid)
        print(f"gateway at rest: RSS {rss} MiB, peak {peak} MiB")
        print("| upload (300 MB) | status | body bytes the client got to send | RSS after | peak |")
        print("|---|---|---|---|---|")
        cases = (
            (
                "no key, multipart, Content-Length",
                {"Content-Type": "multipart/form-data; boundary=b"},
                False,
            ),
            (
                "wrong key, Idempotency-Key, chunked",
                {
                    "Authorization": "Bearer tl_x_y",
                    "Idempotency-Key": "k1",
                    "Content-Type": "application/octet-stream",
                },
                True,
            ),
            (
                "admin key, multipart, Content-Length",
                {
                    "Authorization": f"Bearer {key}",
                    "Content-Type": "multipart/form-data; boundary=b",
                },
                False,
            ),
            (
                "admin key, Idempotency-Key, chunked",
                {
                    "Authorization": f"Bearer {key}",
                    "Idempotency-Key": "k2",
                    "Content-Type": "multipart/form-data; boundary=b",
                },
                True,
            ),
            (
                "admin key, JSON, chunked",
                {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
                True,
            ),
        )
        for label, headers, chunked in cases:
            status, sent, _ = _upload(port, headers, chunked)
            rss, peak = _memory(pid)
            print(f"| {label} | {status} | {sent / 2**20:.1f} MiB | {rss} MiB | {peak} MiB |")


def _health(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def probe_trickle(connections: int, header_timeout: float) -> None:
    with served(header_timeout=header_timeout) as (port, pid, _):
        opened: list[socket.socket] = []
        for _ in range(connections):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            sock.setblocking(False)
            opened.append(sock)
        print(f"{connections} connections opened, each trickling one header byte a second")
        started = time.monotonic()
        alive = opened
        during = _health(port)
        while alive and time.monotonic() - started < header_timeout + 20:
            still: list[socket.socket] = []
            for sock in alive:
                try:
                    sock.send(b"x")
                    data = sock.recv(1)
                except BlockingIOError:
                    still.append(sock)
                    continue
                except OSError:
                    sock.close()
                    continue
                if data:
                    still.append(sock)
                else:
                    sock.close()
            alive = still
            print(f"  after {time.monotonic() - started:4.1f} s: {len(alive)} still open")
            time.sleep(1)
        rss, peak = _memory(pid)
        print(
            f"/health while they were open: {during} (past max_connections); after: "
            f"{_health(port)}; gateway RSS {rss} MiB, peak {peak} MiB"
        )
        for sock in alive:
            sock.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("probe", nargs="?", choices=("uploads", "trickle", "all"), default="all")
    parser.add_argument("--connections", type=int, default=1100)
    parser.add_argument("--header-timeout", type=float, default=10.0)
    args = parser.parse_args()
    if args.probe in ("uploads", "all"):
        probe_uploads()
    if args.probe in ("trickle", "all"):
        probe_trickle(args.connections, args.header_timeout)


if __name__ == "__main__":
    main()
