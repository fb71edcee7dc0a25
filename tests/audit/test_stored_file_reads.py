"""The gateway database's read of stored files (``GatewayDB.received_for_files``: the copies
of some hashes and the files holding some fingerprints, in one participant's scope or all)
answers what a plain filter over every stored file answers, on SQLite and on PostgreSQL
(issue #16 made it two prepared statements over a union of the keys found, where it had been
four queries built for each call). Here beside the audit's PostgreSQL fixture."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from pg import PgServer

from ledger.gatewaydb import GatewayDB, ReceivedDocument, ReceivedFile

OWNERS = ["0x" + c * 40 for c in "abc"]


def _hex(rng: random.Random) -> str:
    return "0x" + rng.randbytes(32).hex()


def _stored(db: GatewayDB, rng: random.Random) -> list[ReceivedFile]:
    """Files lodged by three participants: some hashes lodged by several, fingerprints shared
    between files (as copies of one invoice share theirs), one file without any."""
    hashes = [_hex(rng) for _ in range(12)]
    pool = [_hex(rng) for _ in range(20)]
    files = []
    for i, doc_hash in enumerate(hashes):
        for owner in rng.sample(OWNERS, rng.randint(1, 3)):
            fps = [] if i == 0 else [(f"kind{k}", v) for k, v in enumerate(rng.sample(pool, 4))]
            files.append(
                ReceivedFile(
                    doc_hash=doc_hash,
                    received_by=owner,
                    fmt="ubl",
                    size=100 + i,
                    filename=f"f{i}.xml",
                    doc_type="invoice",
                    facts_json=None,
                    fingerprints=fps,
                )
            )
    db.store_received_many(files)
    return files


def _expected(
    files: list[ReceivedFile], hashes: list[str], values: list[str], scope: str | None
) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
    found = {
        (f.doc_hash, f.received_by, tuple(sorted(f.fingerprints)))
        for f in files
        if (scope is None or f.received_by == scope)
        and (f.doc_hash in hashes or any(v in values for _, v in f.fingerprints))
    }
    return sorted(found)


def _seen(rows: list[ReceivedDocument]) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
    return [(r.doc_hash, r.received_by, r.fingerprints) for r in rows]


def _check(db: GatewayDB) -> None:
    rng = random.Random(16)
    files = _stored(db, rng)
    hashes = sorted({f.doc_hash for f in files})
    values = sorted({v for f in files for _, v in f.fingerprints})
    asked = 0
    for _ in range(60):
        by_hash = rng.sample(hashes, rng.randint(0, 3)) + (
            [_hex(rng)] if rng.random() < 0.3 else []
        )
        by_value = rng.sample(values, rng.randint(0, 3)) + (
            [_hex(rng)] if rng.random() < 0.3 else []
        )
        scope = rng.choice([None, *OWNERS])
        expected = _expected(files, by_hash, by_value, scope)
        assert _seen(db.received_for_files(by_hash, by_value, scope)) == expected
        assert _seen(db.received_with_fingerprints(by_value, scope)) == _expected(
            files, [], by_value, scope
        )
        asked += bool(expected)
    assert asked > 20  # most questions had an answer to get wrong
    # the file without fingerprints is found by its hash, with none
    bare = files[0]
    [row] = db.received_for_files([bare.doc_hash], [], bare.received_by)
    assert row.fingerprints == ()


def test_stored_file_reads_on_sqlite(tmp_path: Path) -> None:
    _check(GatewayDB(f"sqlite:///{tmp_path / 'gateway.sqlite'}"))


@pytest.mark.postgres
def test_stored_file_reads_on_postgresql(pg_server: PgServer) -> None:
    _check(GatewayDB(pg_server.create_database()))
