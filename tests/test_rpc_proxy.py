"""The JSON-RPC client and the fingerprint evaluator's client (both urllib3's pool,
:mod:`ledger.httppool`) read the environment's proxy settings once, when they are made (issue
#16: requests read them on every request), still go through the proxy they name, and send a
user and password in the URL as basic authentication."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest

from ledger.chain.rpc import RpcClient
from ledger.errors import ChainUnavailable, EvaluatorUnavailable
from ledger.evaluator import key_signer
from ledger.oblivious import EvaluatorClient
from tests.http_recorder import Seen, recording_server

_T = TypeVar("_T")


@pytest.fixture
def server() -> Iterator[tuple[str, Seen]]:
    """The recorder (:mod:`tests.http_recorder`): its URL and the requests it saw."""
    with recording_server() as found:
        yield found


def _paths(seen: Seen) -> list[str]:
    return [path for path, _, _ in seen]


def _auth(seen: Seen) -> list[str | None]:
    return [auth for _, auth, _ in seen]


def _made_behind(proxy: str, monkeypatch: pytest.MonkeyPatch, make: Callable[[], _T]) -> _T:
    """``make()`` while ``proxy`` is the environment's HTTP proxy, which is gone again after:
    a client reads it once, when it is made."""
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.setenv("http_proxy", proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    made = make()
    monkeypatch.delenv("HTTP_PROXY")
    monkeypatch.delenv("http_proxy")
    return made


def test_a_proxy_named_in_the_environment_carries_the_calls(
    server: tuple[str, Seen], monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy, seen = server
    client = _made_behind(
        proxy, monkeypatch, lambda: RpcClient("http://node.example.invalid:8545", timeout=5)
    )
    assert client.call("eth_chainId") == "0x2a"
    assert client.call("eth_blockNumber") == "0x2a"
    # a proxy is asked for the absolute URL of the node
    assert _paths(seen) == ["http://node.example.invalid:8545/"] * 2


def test_no_proxy_reaches_the_node_directly(
    server: tuple[str, Seen], monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy, seen = server
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    client = RpcClient(proxy, timeout=5)  # the "node" is the recording server itself
    assert client.call("eth_chainId") == "0x2a"
    assert _paths(seen) == ["/"]


def test_a_user_and_password_in_the_nodes_url_are_sent_as_basic_auth(
    server: tuple[str, Seen], monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy, seen = server
    """A node behind basic authentication (a consortium's RPC gateway): the credentials go in
    the Authorization header, never in the request line."""
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    monkeypatch.delenv("http_proxy", raising=False)
    client = RpcClient(proxy.replace("http://", "http://bank:s3cret@") + "/rpc", timeout=5)
    assert client.call("eth_chainId") == "0x2a"
    assert _paths(seen) == ["/rpc"]
    assert _auth(seen) == ["Basic " + base64.b64encode(b"bank:s3cret").decode()]


def _evaluator(url: str) -> EvaluatorClient:
    return EvaluatorClient(url, "0x" + "11" * 20, lambda: b"\x00" * 32, timeout=5)


MEMBER = "0x" + "22" * 20


def test_the_evaluator_is_reached_through_the_proxy_named_in_the_environment(
    server: tuple[str, Seen], monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy, seen = server
    client = _made_behind(
        proxy, monkeypatch, lambda: _evaluator("http://evaluator.example.invalid:8600")
    )
    sign = key_signer(b"\x01" * 32)
    assert client.read_log(MEMBER, sign) == [{"id": 1, "member": MEMBER}]
    assert _paths(seen) == ["http://evaluator.example.invalid:8600/v1/evaluations"]


def test_the_evaluator_gets_the_user_and_password_of_its_url_as_basic_auth(
    server: tuple[str, Seen], monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy, seen = server
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    monkeypatch.delenv("http_proxy", raising=False)
    client = _evaluator(proxy.replace("http://", "http://bank:s3cret@") + "/oprf/")
    assert client.read_log(MEMBER, key_signer(b"\x01" * 32))[0]["member"] == MEMBER
    assert _paths(seen) == ["/oprf/v1/evaluations"]
    assert _auth(seen) == ["Basic " + base64.b64encode(b"bank:s3cret").decode()]


def test_errors_show_no_password_of_a_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """A node or an evaluator that cannot be reached is named in the error a caller reads,
    without the credentials its URL carries (they are for the Authorization header only)."""
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    monkeypatch.delenv("http_proxy", raising=False)
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://bank:s3cret@127.0.0.1:{port}"
    with pytest.raises(ChainUnavailable) as chain:
        RpcClient(url, timeout=2).call("eth_chainId")
    with pytest.raises(EvaluatorUnavailable) as evaluator:
        _evaluator(url).read_log(MEMBER, key_signer(b"\x01" * 32))
    for error in (chain.value, evaluator.value):
        said = json.dumps([error.message, error.details], default=str)
        assert "s3cret" not in said
    assert f"127.0.0.1:{port}" in json.dumps(chain.value.details)
    assert f"127.0.0.1:{port}" in evaluator.value.message
