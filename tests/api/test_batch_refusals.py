"""A batch the chain refuses because one of its files is registered already names that file
(its position and name), as a batch's other refusals do: with 50 files, the contract's
``docHash`` alone left the user to work out which. Found by a tryout."""

from __future__ import annotations

from typing import TYPE_CHECKING

from api_helpers import client_fixture, unique_file
from fastapi.testclient import TestClient

if TYPE_CHECKING:
    from tests.conftest import Network

__all__ = ["client_fixture"]


def test_a_registered_file_in_a_batch_is_named(client: TestClient, network: Network) -> None:
    first = unique_file("registered")["file"]
    done = client.post("/v1/documents", files={"file": first}, headers=network.enterprise.headers)
    assert done.status_code == 201, done.text
    again = ("again.txt", first[1], first[2])
    batch = client.post(
        "/v1/documents/batch",
        files=[("files", unique_file("new")["file"]), ("files", again)],
        headers=network.enterprise.headers,
    )
    assert batch.status_code == 409, batch.text
    details = batch.json()["details"]
    assert details["file_index"] == 1
    assert details["filename"] == "again.txt"
    assert details["doc_hash"] == done.json()["doc_hash"]
