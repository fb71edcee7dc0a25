"""No API key is ever written to disk in clear (issue #15: the idempotency table kept the whole
answer of ``POST /v1/members`` and ``POST /v1/keys/rotate``, and a key found there worked).

Every key the API shows is looked for, as text, in every file of the data directory — the
databases with their ``-wal`` and ``-shm`` files included — after writes that carried an
``Idempotency-Key``; only its SHA-256 may be there.
"""

from __future__ import annotations

from pathlib import Path

from api_helpers import client_fixture
from fastapi.testclient import TestClient

from tests.conftest import Network

__all__ = ["client_fixture"]


def _files_holding(data_dir: Path, secret: str) -> list[str]:
    needle = secret.encode()
    return sorted(
        str(path.relative_to(data_dir))
        for path in data_dir.rglob("*")
        if path.is_file() and needle in path.read_bytes()
    )


def test_keys_shown_once_are_stored_nowhere(client: TestClient, network: Network) -> None:
    shown: list[str] = []
    added = client.post(
        "/v1/members",
        json={"name": "Bank C", "role": "bank"},
        headers={**network.admin.headers, "Idempotency-Key": "add-bank-c"},
    )
    assert added.status_code == 201, added.text
    shown.append(added.json()["api_key"])
    rotated = client.post(
        "/v1/keys/rotate", headers={**network.enterprise.headers, "Idempotency-Key": "rotate-1"}
    )
    assert rotated.status_code == 200, rotated.text
    shown.append(rotated.json()["api_key"])
    other = client.post(
        f"/v1/keys/{network.bank.address}/rotate",
        headers={**network.admin.headers, "Idempotency-Key": "rotate-bank"},
    )
    assert other.status_code == 200, other.text
    shown.append(other.json()["api_key"])
    # the keys work (so they are the real secrets, not placeholders)
    for key in shown:
        answer = client.get("/v1/members", headers={"Authorization": f"Bearer {key}"})
        assert answer.status_code == 200

    data_dir = network.ledger.settings.data_dir
    assert (data_dir / "gateway.sqlite").exists()
    for key in shown:
        secret = key.split("_", 2)[2]
        assert _files_holding(data_dir, secret) == [], "an API key's secret is on disk"
