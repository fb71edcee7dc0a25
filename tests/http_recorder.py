"""A recording HTTP server standing in for a JSON-RPC node, a fingerprint evaluator or a proxy
in front of either (tests of :mod:`ledger.httppool`'s clients): it records each request's path
(a proxy is asked for the absolute URL), ``Authorization`` and ``Proxy-Authorization``, and
answers ``/v1/evaluations`` (the evaluator's log: one entry naming the member asking) and any
other path as a JSON-RPC node (``0x2a``)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

#: (path, Authorization, Proxy-Authorization) of each request, in order
Seen = list[tuple[str, str | None, str | None]]


class _Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[Seen] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Recorder.seen.append(
            (self.path, self.headers.get("Authorization"), self.headers.get("Proxy-Authorization"))
        )
        if self.path.split("?", 1)[0].endswith("/v1/evaluations"):
            answer: object = {"evaluations": [{"id": 1, "member": body.get("member")}]}
        else:
            answer = {"jsonrpc": "2.0", "id": body.get("id"), "result": "0x2a"}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def recording_server() -> Iterator[tuple[str, Seen]]:
    """A recorder on 127.0.0.1: (its ``http://`` URL, the requests it has seen so far)."""
    _Recorder.seen.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", _Recorder.seen
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
