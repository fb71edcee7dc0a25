"""The fingerprint evaluator's client on urllib3's pool (f52ff1e, ledger/httppool.py) does
what it did on a ``requests`` session: a percent-encoded user or password in its URL is sent
decoded (RFC 3986 userinfo; ``requests.utils.get_auth_from_url``), a proxy URL's credentials
are sent as Proxy-Authorization, and a URL it cannot read is an EvaluatorUnavailable — whose
message, like every error's, shows no password."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from ledger.errors import EvaluatorUnavailable, RateLimited
from ledger.evaluator import key_signer
from ledger.oblivious import EvaluatorClient
from tests.http_recorder import Seen, recording_server

MEMBER = "0x" + "22" * 20


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Seen]]:
    """An evaluator (or a proxy in front of one) that records each request
    (:mod:`tests.http_recorder`), with no proxy in the environment: its URL, what it saw."""
    for name in ("HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    with recording_server() as found:
        yield found


@pytest.fixture
def server(recorded: tuple[str, Seen]) -> str:
    return recorded[0]


@pytest.fixture
def seen(recorded: tuple[str, Seen]) -> Seen:
    return recorded[1]


def _client(url: str) -> EvaluatorClient:
    return EvaluatorClient(url, "0x" + "11" * 20, lambda: b"\x00" * 32, timeout=5)


def _basic(user_password: bytes) -> str:
    return "Basic " + base64.b64encode(user_password).decode()


def test_a_percent_encoded_password_in_the_url_is_sent_decoded(server: str, seen: Seen) -> None:
    client = _client(server.replace("http://", "http://bank:p%40ss%3Aw0rd@"))
    assert client.read_log(MEMBER, key_signer(b"\x01" * 32)) == [{"id": 1, "member": MEMBER}]
    assert seen == [("/v1/evaluations", _basic(b"bank:p@ss:w0rd"), None)]


def test_the_credentials_of_the_environments_proxy_are_sent_to_it(
    server: str, seen: Seen, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = server.replace("http://", "http://puser:pp%40ss@")
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.setenv("http_proxy", proxy)
    client = _client("http://evaluator.example.invalid:8600")
    assert client.read_log(MEMBER, key_signer(b"\x01" * 32)) == [{"id": 1, "member": MEMBER}]
    assert seen == [
        ("http://evaluator.example.invalid:8600/v1/evaluations", None, _basic(b"puser:pp@ss"))
    ]


@pytest.mark.parametrize(
    "url", ["http://bank:s3cret@127.0.0.1:99999", "http://bank:s3cret@[::1:8600"]
)
def test_a_url_that_cannot_be_read_is_unavailable_without_its_password(url: str) -> None:
    with pytest.raises(EvaluatorUnavailable) as caught:
        _client(url).read_log(MEMBER, key_signer(b"\x01" * 32))
    said = json.dumps([caught.value.message, caught.value.details], default=str)
    assert "s3cret" not in said


@pytest.mark.parametrize("url", ["http://bank:s3cret@127.0.0.1:1", "http://bank:s3cret@127.0.0.1"])
def test_init_reading_the_evaluators_key_shows_no_password(url: str) -> None:
    """``init`` reads the key the evaluator announces (``fetch_evaluator_key``): an evaluator
    it cannot reach is an EvaluatorUnavailable that names its URL without the password."""
    from ledger.network import fetch_evaluator_key

    with pytest.raises(EvaluatorUnavailable) as caught:
        fetch_evaluator_key(url, timeout=2)
    said = json.dumps([caught.value.message, caught.value.details], default=str)
    assert "s3cret" not in said


class _Limiting(BaseHTTPRequestHandler):
    """A proxy or load balancer in front of the evaluator that limits with a 429 whose
    Retry-After is an HTTP-date (RFC 9110 10.2.3 allows either form)."""

    retry_after: ClassVar[str] = "Wed, 21 Oct 2015 07:28:00 GMT"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        answer = b"<html>too many requests</html>"
        self.send_response(429)
        self.send_header("Retry-After", _Limiting.retry_after)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("retry_after", ["Wed, 21 Oct 2015 07:28:00 GMT", "1.5", "soon"])
def test_a_429_whose_retry_after_is_no_integer_is_still_rate_limited(
    retry_after: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before f52ff1e the refusal was read inside the request's ``try`` (a ValueError became
    ``bad_answer``); now a Retry-After that is not an integer must not escape as a bare
    ValueError (an internal error): it is the limit it says, RateLimited."""
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(_Limiting, "retry_after", retry_after)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Limiting)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        client = _client(f"http://127.0.0.1:{httpd.server_address[1]}")
        with pytest.raises(RateLimited) as caught:
            client.read_log(MEMBER, key_signer(b"\x01" * 32))
        assert caught.value.details["retry_after"] >= 1
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_path_under_an_evaluator_url_with_a_query_goes_before_the_query(
    server: str, seen: Seen
) -> None:
    """``/v1/evaluations`` under ``…/oprf?tenant=a`` is ``/oprf/v1/evaluations?tenant=a``
    (it was appended after the query, where the evaluator never saw it as a path)."""
    client = _client(server + "/oprf?tenant=a")
    assert client.read_log(MEMBER, key_signer(b"\x01" * 32)) == [{"id": 1, "member": MEMBER}]
    assert [path for path, _, _ in seen] == ["/oprf/v1/evaluations?tenant=a"]


@pytest.mark.parametrize(
    ("host", "said"),
    [
        ("127.0.0.1:{port}", "no connection could be made"),
        ("no-such-host.invalid:8600", "its host name does not resolve"),
    ],
)
def test_an_evaluator_out_of_reach_is_said_in_words_without_the_urls_secrets(
    host: str, said: str
) -> None:
    """Why the evaluator cannot be reached, in a few words: not the HTTP library's text (its
    classes, host, port and request path), nor the URL's password or query."""
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://bank:s3cret@{host.format(port=port)}/oprf?token=t0ken"
    with pytest.raises(EvaluatorUnavailable) as caught:
        _client(url).read_log(MEMBER, key_signer(b"\x01" * 32))
    message = caught.value.message
    assert said in message
    for secret in ("s3cret", "t0ken", "HTTPConnectionPool", "MaxRetryError", "/v1/"):
        assert secret not in message, (secret, message)
