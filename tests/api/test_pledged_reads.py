"""A document's record and check name the financings that pledge it without opening every
financing on chain (issue #16): the served gateway's event index says which financings to read
(``ledger.indexer.pledges``), and every financing it has not indexed yet is read from the chain,
so the answer is never behind the chain. Before, each read of a registered document read, queried
the logs of and tried to open every financing ever registered."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import client_fixture, finance, financed_invoice
from fastapi.testclient import TestClient

from ledger.indexer import pledges
from ledger.services import financing as fin

if TYPE_CHECKING:
    from tests.conftest import Network

__all__ = ["client_fixture"]


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The financings read (and opened) from the chain from now on."""
    read: list[int] = []
    real = fin._read

    def counted(ledger: Any, financing_id: int, reader: str | None) -> Any:
        read.append(financing_id)
        return real(ledger, financing_id, reader)

    monkeypatch.setattr(fin, "_read", counted)
    return read


def test_a_documents_record_reads_only_its_own_financings(
    client: TestClient, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    others = [financed_invoice(client, network)[1] for _ in range(3)]
    doc_hash, mine = financed_invoice(client, network)
    reads = _reads(monkeypatch)
    for who in (network.regulator, network.bank):
        record = client.get(f"/v1/documents/{doc_hash}", headers=who.headers)
        assert record.status_code == 200, record.text
        assert record.json()["financings"] == [mine]
        assert not set(reads) & set(others), f"read other financings: {reads}"
    # another bank reads no financing of it (it opens none of them)
    record = client.get(f"/v1/documents/{doc_hash}", headers=network.bank_b.headers).json()
    assert record["financings"] in (None, [])


def test_a_financing_the_index_has_not_seen_is_still_found(
    client: TestClient, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc_hash, first = financed_invoice(client, network)
    cancel = client.post(
        f"/v1/financings/{first}/cancel", json={"reason_code": 1}, headers=network.bank.headers
    )
    assert cancel.status_code == 200, cancel.text
    client.app.state.audit_follower.stop()  # type: ignore[attr-defined]
    monkeypatch.setattr(pledges, "CATCH_UP_RANGES", 0)  # and reads do not catch it up
    again = finance(client, network.bank, doc_hash, amount=50_000)
    assert again.status_code == 201, again.text
    second = int(again.json()["financing_id"])
    index = network.ledger.event_index
    assert index is not None
    assert pledges.pledged_to(index, doc_hash, network.regulator.address).indexed_up_to < second
    record = client.get(f"/v1/documents/{doc_hash}", headers=network.regulator.headers).json()
    assert record["financings"] == [first, second]
    assert record["is_financed"] is True  # the new financing is active; the index says nothing
