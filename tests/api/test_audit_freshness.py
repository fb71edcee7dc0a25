"""The audit views answer what the chain holds now, not what the index held a moment ago.

A user's report: right after ``POST /v1/documents/$H/revoke`` (answered in block 160) the
timeline showed only ``DocumentRegistered`` (``indexed_block`` 159), and two of three refusals
answered 409 a moment before were missing from the refusals and the export. The document list
caught the index up to the chain head before answering; the audit routes waited for the follower
thread. Here the follower is never started, so only the route itself can catch up: after a
write, every GET route of ``/v1/audit`` that reads the index (read from the app's OpenAPI) must
answer complete up to the chain's head — and, with the chain unreachable, answer from the index
as it stands (its ``indexed_block`` says so) rather than a 5xx.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_helpers import CII, UBL, finance, lodge, register
from fastapi.testclient import TestClient
from httpx import Response

import api.app
from ledger.errors import ChainUnavailable
from ledger.indexer import EventIndex
from ledger.indexer.background import BackgroundFollower
from tests.conftest import Network

#: audit routes that do not read the event index (the gateway's check log, the evaluator's)
NOT_INDEXED = frozenset({"/v1/audit/fingerprint-checks", "/v1/audit/fingerprint-evaluations"})


@pytest.fixture
def client(network: Network, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The gateway app with its follower thread never started: the index moves only when a
    route catches it up."""
    monkeypatch.setattr(
        api.app, "start_follower", lambda index, interval=0.5: BackgroundFollower(index, interval)
    )
    app = api.app.create_app(network.ledger.settings, network.ledger)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _indexed_block(answer: Response) -> int:
    """Up to which block an answer is complete: ``indexed_block`` (of each list of the
    duplicates), ``last_block`` of the verification, the export's ``X-Indexed-Block``."""
    if "x-indexed-block" in answer.headers:
        return int(answer.headers["x-indexed-block"])
    body: dict[str, Any] = answer.json()
    if "indexed_block" in body:
        return int(body["indexed_block"])
    if "last_block" in body:
        return int(body["last_block"])
    return min(int(v["indexed_block"]) for v in body.values() if isinstance(v, dict))


def _audit_reads(
    client: TestClient, doc_hash: str, address: str
) -> list[tuple[str, dict[str, str]]]:
    """(url, query) for every GET route of /v1/audit that reads the index."""
    found = []
    for path, methods in client.get("/openapi.json").json()["paths"].items():
        if "get" not in methods or not path.startswith("/v1/audit/") or path in NOT_INDEXED:
            continue
        url = path.replace("{doc_hash}", doc_hash).replace("{address}", address)
        found.append((url, {"doc_hash": doc_hash} if path.endswith("/financeable") else {}))
    return found


def _refused_twice(client: TestClient, network: Network) -> str:
    """Bank A finances the UBL invoice; Bank B is refused twice (its CII twin, and more than
    the face value on the UBL file). Returns the UBL invoice's hash."""
    ubl = lodge(client, network.bank, UBL)["doc_hash"]
    assert finance(client, network.bank, ubl).status_code == 201
    cii = lodge(client, network.bank_b, CII)["doc_hash"]
    assert finance(client, network.bank_b, cii, amount=10).status_code == 409
    lodge(client, network.bank_b, UBL)
    assert finance(client, network.bank_b, ubl, amount=200_000).status_code == 409
    return str(ubl)


def test_a_write_then_an_immediate_audit_read_sees_it(client: TestClient, network: Network) -> None:
    reg = network.regulator.headers
    doc = register(client, network.enterprise)
    _refused_twice(client, network)
    revoked = client.post(
        f"/v1/documents/{doc}/revoke", json={"reason_code": 3}, headers=network.enterprise.headers
    )
    assert revoked.status_code == 200, revoked.text
    head = network.ledger.head_block()

    timeline = client.get(f"/v1/audit/documents/{doc}/timeline", headers=reg).json()
    assert [e["event"] for e in timeline["items"]] == ["DocumentRegistered", "DocumentRevoked"]
    assert timeline["indexed_block"] == head
    refusals = client.get("/v1/audit/refusals", headers=reg).json()
    assert len(refusals["items"]) == 2
    export = client.get("/v1/audit/export", headers=network.admin.headers)
    assert export.headers["x-indexed-block"] == str(head)
    assert export.text.count('"event":"FinancingRefused"') == 2, export.text[-2000:]


def test_every_audit_read_catches_the_index_up_first(client: TestClient, network: Network) -> None:
    doc = _refused_twice(client, network)
    reads = _audit_reads(client, doc, network.bank.address)
    assert {"/v1/audit/refusals", "/v1/audit/export", "/v1/audit/verify"} <= {u for u, _ in reads}
    failures = []
    for url, query in reads:
        register(client, network.enterprise)  # a write the index has not seen
        head = network.ledger.head_block()
        answer = client.get(url, params=query, headers=network.regulator.headers)
        assert answer.status_code == 200, (url, answer.text)
        if _indexed_block(answer) != head:
            failures.append(f"GET {url}: complete to block {_indexed_block(answer)}, head {head}")
    assert not failures, "\n".join(failures)


def test_an_unreachable_chain_is_answered_from_the_index_as_it_stands(
    client: TestClient, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = _refused_twice(client, network)
    reg = network.regulator.headers
    assert len(client.get("/v1/audit/refusals", headers=reg).json()["items"]) == 2
    indexed = network.ledger.head_block()

    def unreachable(self: EventIndex, *args: object, **kwargs: object) -> int:
        raise ChainUnavailable("chain node unreachable: ConnectionError")

    monkeypatch.setattr(EventIndex, "catch_up", unreachable)
    register(client, network.enterprise)  # on chain, never indexed
    for url, query in [*_audit_reads(client, doc, network.bank.address), ("/v1/documents", {})]:
        answer = client.get(url, params=query, headers=reg)
        assert answer.status_code == 200, (url, answer.status_code, answer.text)
        assert _indexed_block(answer) == indexed, url
    assert len(client.get("/v1/audit/refusals", headers=reg).json()["items"]) == 2
