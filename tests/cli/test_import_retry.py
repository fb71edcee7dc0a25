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

from ledger.network import open_ledger
from ledger.services import documents as docs
from ledger.services.fingerprint_checks import Via
from ledger.services.writekeys import sub_key, write_key
from tests.cli.cli_helpers import Cli, served_api
from tests.conftest import make_settings

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
    (skipped,) = plain["skipped"]
    assert skipped["why"].startswith("registered already, by ")
    assert f"({member['address']}) at " in skipped["why"]
    # a text file names no seller: not compared
    assert (skipped["registered_by"], skipped["registrant_is_seller"]) == (member["address"], None)


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


def _send_the_old_way(cli: Cli, member: dict[str, Any], folder: Path, key: str, size: int) -> Any:
    """What a gateway before the KEY / KEY#batch-N names journaled and sent for ``doc import
    --idempotency-key KEY --batch-size SIZE`` interrupted after its first batches: each batch
    of ``size`` files (all but the last file) under ``KEY#batch-<its first document's hash>``.
    The receipts, in order."""
    paths = sorted(folder.iterdir())[:-1]
    ledger = open_ledger(make_settings(cli.data_dir))
    try:
        actor = member["address"]
        via = Via("register", "tradeledger doc import", limited=True)
        read = [
            (
                *docs.examine(
                    ledger, p.read_bytes(), actor, "enterprise", None, registering=True, via=via
                ),
                p.name,
            )
            for p in paths
        ]
        receipts = []
        for start in range(0, len(read), size):
            batch = read[start : start + size]
            old_key = sub_key(write_key(key), "batch-" + batch[0][1].doc_hash)
            _, receipt = docs.register_examined(ledger, actor, batch, idempotency_key=old_key)
            receipts.append(receipt)
        return receipts
    finally:
        ledger.close()


def test_a_retry_after_an_upgrade_replays_the_batches_sent_under_their_old_names(
    world: tuple[Cli, dict[str, Any], Path],
) -> None:
    """An import keyed before the batch names changed (``KEY#batch-0x…``), interrupted after
    two of its three batches, retried with the same command after the upgrade: the two
    batches are replayed (their files listed with the first run's block and tx, nothing
    skipped as registered already, nothing sent twice) and only the rest is sent. A retry of
    that retry answers the same."""
    cli, member, tmp = world
    folder = _folder(tmp, 5)
    old = _send_the_old_way(cli, member, folder, "imp-old", 2)
    retried = _import(cli, member, folder, "imp-old", "--batch-size", "2")
    assert retried["skipped"] == []
    got = [(Path(r["file"]).name, r["tx_hash"]) for r in retried["registered"]]
    names = [f"f{i}.txt" for i in range(5)]
    assert got[:4] == [(n, old[i // 2].tx_hash) for i, n in enumerate(names[:4])]
    assert got[4][0] == "f4.txt"
    assert got[4][1] not in {r.tx_hash for r in old}
    assert _import(cli, member, folder, "imp-old", "--batch-size", "2") == retried
    # the chain holds each document once, registered by the batch that first sent it
    for r in retried["registered"]:
        shown = cli.json("doc", "show", r["doc_hash"])
        assert [e["tx_hash"] for e in shown["history"] if e["event"] == "DocumentRegistered"] == [
            r["tx_hash"]
        ]


def test_a_retry_says_in_words_that_nothing_was_sent_again(
    world: tuple[Cli, dict[str, Any], Path],
) -> None:
    """A tryout: a retry printed ``registered 4 document(s)``, as the first run did, as if it
    had registered them again. Its words say they are the earlier run's (``--json`` stays the
    first run's answer)."""
    cli, member, tmp = world
    folder = _folder(tmp, 3)
    args = ("doc", "import", str(folder), "--as", member["address"], "--idempotency-key", "w-1")
    first = cli.run(*args).stdout
    assert first == f"registered 3 document(s) from {folder}\n"
    again = cli.run(*args).stdout
    assert again == (
        f"registered 3 document(s) from {folder} (all of them by an earlier run with this "
        "--idempotency-key: its outcome, not sent again)\n"
    )
