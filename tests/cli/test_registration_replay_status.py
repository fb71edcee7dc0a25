"""What a registration's retry says after the document was revoked, on each surface
(docs/api.md, "Idempotency" and "Private data"): a response the API stored is replayed as it
was given (``active``); a retry that finds no stored response — any CLI retry, or the API's
after the CLI registered under the key — reads the record as it stands (``revoked``). All name
the same transaction, block and registration time.

Real CLI (Typer's runner) and the real gateway app, one after the other, on one embedded
chain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.cli.cli_helpers import Cli, served_api

SAME = ("doc_hash", "tx_hash", "block", "registered_at", "registered_by")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, dict[str, Any], Path]:
    tmp = tmp_path_factory.mktemp("replay-status")
    cli = Cli(tmp / "ledger")
    members = {m["role"]: m for m in cli.json("init", "--demo")["members"]}
    return cli, members["enterprise"], tmp


def _post(client: TestClient, member: dict[str, Any], path: Path, key: str) -> Any:
    return client.post(
        "/v1/documents",
        files={"file": (path.name, path.read_bytes())},
        headers={"Authorization": f"Bearer {member['api_key']}", "Idempotency-Key": key},
    )


def _register(cli: Cli, member: dict[str, Any], path: Path, key: str) -> Any:
    return cli.json(
        "doc", "register", str(path), "--as", member["address"], "--idempotency-key", key
    )


def _revoke(cli: Cli, member: dict[str, Any], doc_hash: str) -> None:
    cli.json("doc", "revoke", doc_hash, "--as", member["address"], "--reason-code", "4")


def test_the_apis_stored_answer_and_the_clis_retry_after_a_revocation(
    world: tuple[Cli, dict[str, Any], Path],
) -> None:
    cli, member, tmp = world
    path = tmp / "api-first.txt"
    path.write_text("registered through the API, then revoked")
    with served_api(cli) as client:
        first = _post(client, member, path, "rr-1")
    assert first.status_code == 201, first.text
    _revoke(cli, member, first.json()["doc_hash"])
    with served_api(cli) as client:
        replayed = _post(client, member, path, "rr-1")
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json() == first.json()  # the stored answer, as given
    assert replayed.json()["status"] == "active"
    by_cli = _register(cli, member, path, "rr-1")
    assert by_cli["status"] == "revoked"  # the record as it stands
    assert {k: by_cli[k] for k in SAME} == {k: first.json()[k] for k in SAME}


def test_the_apis_retry_after_the_cli_reads_the_record_as_it_stands(
    world: tuple[Cli, dict[str, Any], Path],
) -> None:
    cli, member, tmp = world
    path = tmp / "cli-first.txt"
    path.write_text("registered through the CLI, then revoked")
    first = _register(cli, member, path, "rr-2")
    assert first["status"] == "active"
    _revoke(cli, member, first["doc_hash"])
    again = _register(cli, member, path, "rr-2")
    assert again["status"] == "revoked"
    with served_api(cli) as client:
        by_api = _post(client, member, path, "rr-2")
    assert by_api.status_code == 201, by_api.text
    assert "Idempotent-Replayed" not in by_api.headers  # nothing stored: the CLI stores nothing
    assert by_api.json() == again
    assert {k: by_api.json()[k] for k in SAME} == {k: first[k] for k in SAME}
