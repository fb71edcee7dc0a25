"""One HTTP endpoint posted to through urllib3's connection pool: the chain node's JSON-RPC
(:class:`ledger.chain.rpc.RpcClient`) and the fingerprint evaluator
(:class:`ledger.oblivious.EvaluatorClient`), both on a request's hot path.

urllib3 without the ``requests`` session on top of it: ``requests`` cost 1.3 ms of CPU per
call against anvil and urllib3 0.6 ms (issue #16, docs/benchmarks.md). What ``requests`` did
for us is kept, read once when the endpoint is made:

- the environment's proxy (``HTTP_PROXY``, ``HTTPS_PROXY``, ``NO_PROXY``, read by requests'
  own rules, :func:`requests.utils.get_environ_proxies`);
- the CA bundle (``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``, else certifi's);
- a user and password in the URL, percent-decoded (RFC 3986 userinfo, as requests reads
  them), sent as HTTP basic authentication (RFC 7617), never in the request line; those of
  the proxy's URL as Proxy-Authorization.

No request is retried: a POST that may have reached the server is not sent twice.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import certifi
import requests
import urllib3


@dataclass(frozen=True)
class PooledEndpoint:
    """``url`` (credentials removed; ``base`` parsed) with its pool and the headers every
    request carries."""

    url: str
    pool: urllib3.PoolManager
    headers: dict[str, str]
    base: urllib3.util.Url

    def post(self, path: str, body: bytes, timeout: float) -> urllib3.BaseHTTPResponse:
        """POST ``body`` to ``url`` (``path`` empty) or to ``path`` under its path (``/v1/…``,
        before its query if it has one); the response whatever its status. Raises urllib3's
        :class:`~urllib3.exceptions.HTTPError` or :class:`OSError` when no answer came
        (refused, reset, timed out: :func:`unreachable_reason` says which)."""
        return self._request("POST", path, body, timeout)

    def get(self, path: str, timeout: float) -> urllib3.BaseHTTPResponse:
        """GET ``path`` under ``url`` (as :meth:`post` joins it); raises as :meth:`post`."""
        return self._request("GET", path, None, timeout)

    def _request(
        self, method: str, path: str, body: bytes | None, timeout: float
    ) -> urllib3.BaseHTTPResponse:
        target = self.url
        if path:
            target = self.base._replace(path=(self.base.path or "").rstrip("/") + path).url
        return self.pool.request(
            method,
            target,
            body=body,
            headers=self.headers,
            timeout=timeout,
            retries=_NO_RETRY,
        )


#: no retry of a request that may have reached the server (requests' default too)
_NO_RETRY = urllib3.Retry(total=0, read=False, redirect=False)


def without_credentials(url: str) -> str:
    """``url`` without the user and password, the query and the fragment it may carry (an API
    token often rides in the query): what an error message or a log may show of it."""
    try:
        parsed = urllib3.util.parse_url(url)
    except ValueError:
        return "<a URL that cannot be read>"
    if parsed.auth or parsed.query or parsed.fragment:
        return parsed._replace(auth=None, query=None, fragment=None).url
    return url


#: what a node's or a service's URL must be, for the refusals that name it
URL_RULE = "must be an http:// or https:// URL with a host and a port from 1 to 65535"


def url_problem(url: str) -> str | None:
    """The rule ``url`` breaks as the URL of a JSON-RPC node or an HTTP service —
    :data:`URL_RULE`, with what is wrong with it: not ``http(s)://`` (``notaurl``), unreadable
    (``http://[::1``, a port beyond 65535), no host, port 0 — or None. A tryout's ``--rpc
    http://127.0.0.1:99999/`` ended the CLI in a traceback (urllib3 reads a URL only when a
    request is made), and ``notaurl`` was reported as a node that cannot be reached."""
    if not url.startswith(("http://", "https://")):
        return f"{URL_RULE} (this one is not)"
    try:
        parsed = urllib3.util.parse_url(url)
    except ValueError:  # urllib3's LocationParseError: a port out of range, a bracket left open
        return f"{URL_RULE} (this one cannot be read)"
    if not parsed.host:
        return f"{URL_RULE} (this one names no host)"
    if parsed.port is not None and not 1 <= parsed.port <= 65535:
        return f"{URL_RULE} (this one names port {parsed.port})"
    return None


def unreachable_reason(exc: BaseException) -> str:
    """Why a request got no answer, in a few words for an error message — not the HTTP
    library's own text, which names its classes, the host and port and the request's path."""
    reason: BaseException | None = exc
    if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        reason = exc.reason
    if isinstance(reason, urllib3.exceptions.NameResolutionError):
        return "its host name does not resolve"
    if isinstance(reason, urllib3.exceptions.SSLError):
        return "the TLS handshake failed"
    # (before the timeouts: urllib3's NewConnectionError is a ConnectTimeoutError too)
    if isinstance(reason, (urllib3.exceptions.NewConnectionError, ConnectionRefusedError)):
        return "no connection could be made"
    if isinstance(reason, (urllib3.exceptions.TimeoutError, TimeoutError)):
        return "it did not answer in time"
    if isinstance(reason, (urllib3.exceptions.ProtocolError, ConnectionError)):
        return "the connection was closed"
    return f"no answer ({type(reason).__name__})"


def pooled_endpoint(
    url: str, headers: dict[str, str] | None = None, maxsize: int = 32
) -> PooledEndpoint:
    """A :class:`PooledEndpoint` for ``url`` (``http://`` or ``https://``) with JSON content
    and ``headers``; ``maxsize`` kept-alive connections (one per thread posting at once).
    An empty path is ``/`` (RFC 9112 3.2.1: a proxy is asked for the absolute URL).
    ValueError (naming the URL without its credentials) for a URL that cannot be read."""
    try:
        parsed = urllib3.util.parse_url(url)
    except ValueError:
        raise ValueError(f"cannot read the URL {without_credentials(url)}") from None
    target = parsed._replace(auth=None, path=parsed.path or "/").url
    sent = {"Content-Type": "application/json", **(headers or {})}
    if parsed.auth:
        sent.update(urllib3.make_headers(basic_auth=_decoded(parsed.auth)))
    proxies = requests.utils.get_environ_proxies(url)
    proxy = proxies.get(parsed.scheme or "http") or proxies.get("all")
    options: dict[str, Any] = {
        "maxsize": maxsize,
        "ca_certs": os.environ.get("REQUESTS_CA_BUNDLE")
        or os.environ.get("CURL_CA_BUNDLE")
        or certifi.where(),
    }
    pool: urllib3.PoolManager
    if proxy:
        try:
            proxy_auth = urllib3.util.parse_url(proxy).auth
        except ValueError:
            raise ValueError(f"cannot read the proxy URL {without_credentials(proxy)}") from None
        proxy_headers = (
            urllib3.make_headers(proxy_basic_auth=_decoded(proxy_auth)) if proxy_auth else None
        )
        pool = urllib3.ProxyManager(proxy, proxy_headers=proxy_headers, **options)
    else:
        pool = urllib3.PoolManager(**options)
    return PooledEndpoint(target, pool, sent, parsed._replace(auth=None))


def _decoded(auth: str) -> str:
    """``user:password`` of a URL's userinfo, each percent-decoded (``p%40ss`` is ``p@ss``)."""
    return ":".join(unquote(part) for part in auth.split(":", 1))
