"""``doc import --idempotency-key`` is applied once and its retry answers the first run's
outcome, on the CLI and the API alike (docs/api.md, "Idempotency"). Found by a tryout: a
retried import printed ``registered: []`` and skipped its own file as "registered already";
``POST /v1/documents/batch`` with the same key refused the member's own write 409
``DocumentAlreadyRegistered`` (the CLI journaled the key as ``client:KEY#batch-0x…``).

Real CLI (Typer's runner) and the real gateway app, one after the other, on one embedded
chain."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.cli.cli_helpers import Cli, served_api

_n = itertools.count()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, dict[str, Any], Path]:
    tmp = tmp_path_factory.mktemp("import-retry")
    cli = Cli(tmp / "ledger")
    members = {m["role"]: m for m in cli.json("init", "--demo")["members"]}
    return cli, members["enterprise"], tmp


def _folder(tmp: Path, count: int) -> Path:
    folder = tmp / f"outbox-{next(_n)}"
    folder.mkdir()
    for i in range(count):
        (folder / f"f{i}.txt").write_text(f"document {i} of {folder.name}")
    return folder


def _batch(client: TestClient, member: dict[str, Any], folder: Path, key: str) -> Any:
    files = [("files", (p.name, p.read_bytes())) for p in sorted(folder.iterdir())]
    return client.post(
        "/v1/documents/batch",
        files=files,
        headers={"Authorization": f"Bearer {member['api_key']}", "Idempotency-Key": key},
    )


def _import(cli: Cli, member: dict[str, Any], folder: Path, key: str, *more: str) -> Any:
    return cli.json(
        "doc", "import", str(folder), "--as", member["address"], "--idempotency-key", key, *more
    )


def test_a_retried_import_prints_the_first_runs_outcome(
    world: tuple[Cli, dict[str, Any], Path],
) -> None:
    cli, member, tmp = world
    folder = _folder(tmp, 1)
    first = _import(cli, member, folder, "imp-1")
    assert [Path(r["file"]).name for r in first["registered"]] == ["f0.txt"]
    assert first["registered"][0]["tx_hash"].startswith("0x")
    again = _import(cli, member, folder, "imp-1")
    assert again == first
    # without the key the file is another member's write to skip: registered already
    plain = cli.json("doc", "import", str(folder), "--as", member["address"])
    assert plain["registered"] == []
    assert [s["why"] for s in plain["skipped"]] == ["registered already"]


def test_a_retry_replays_every_batch_of_a_several_batch_import(
    world: tuple[Cli, dict[str, Any], Path],
) -> None:
    cli, member, tmp = world
    folder = _folder(tmp, 5)
    first = _import(cli, member, folder, "imp-2", "--batch-size", "2")
    assert len(first["registered"]) == 5
    assert len({r["tx_hash"] for r in first["registered"]}) == 3  # 2 + 2 + 1
    again = _import(cli, member, folder, "imp-2", "--batch-size", "2")
    assert again == first


def test_the_api_after_the_cli_answers_the_same_registration(
    world: tuple[Cli, dict[str, Any], Path],
) -> None:
    cli, member, tmp = world
    folder = _folder(tmp, 2)
    by_cli = _import(cli, member, folder, "imp-3")
    with served_api(cli) as client:
        by_api = _batch(client, member, folder, "imp-3")
    assert by_api.status_code == 201, by_api.text
    body = by_api.json()
    assert body["tx_hash"] == by_cli["registered"][0]["tx_hash"]
    assert body["block"] == by_cli["registered"][0]["block"]
    assert [d["doc_hash"] for d in body["documents"]] == [
        r["doc_hash"] for r in by_cli["registered"]
    ]


def test_the_cli_after_the_api_answers_the_same_registration(
    world: tuple[Cli, dict[str, Any], Path],
) -> None:
    cli, member, tmp = world
    folder = _folder(tmp, 2)
    with served_api(cli) as client:
        by_api = _batch(client, member, folder, "imp-4")
    assert by_api.status_code == 201, by_api.text
    body = by_api.json()
    by_cli = _import(cli, member, folder, "imp-4")
    assert by_cli["skipped"] == []
    assert [(r["doc_hash"], r["block"], r["tx_hash"]) for r in by_cli["registered"]] == [
        (d["doc_hash"], body["block"], body["tx_hash"]) for d in body["documents"]
    ]
