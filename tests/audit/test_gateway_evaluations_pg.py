"""The gateway database's kept evaluator outputs and its fingerprint-check log's ``sent``
column on PostgreSQL as on SQLite: outputs kept per member and evaluator key (a deferred write
runs at once without group commit), the ``sent`` column added to a log made by an earlier
release, and a check of a file known here not counted. Here beside the audit's PostgreSQL
fixture."""

from __future__ import annotations

from pathlib import Path

import pytest
from pg import PgServer
from sqlalchemy import text

from ledger.gatewaydb import CheckEntry, GatewayDB


def _check(url: str) -> None:
    db = GatewayDB(url)
    db.keep_evaluated("0xbank", "ab" * 32, {b"t" * 32: b"o" * 64})
    db.keep_evaluated("0xbank", "ab" * 32, {b"t" * 32: b"o" * 64, b"u" * 32: b"p" * 64})
    db.store_received(f"0x{1:064x}", "0xbank", "ubl", 1, None, None, None, [])  # its commit
    assert db.evaluated_outputs("0xbank", "ab" * 32, [b"t" * 32, b"u" * 32, b"v" * 32]) == {
        b"t" * 32: b"o" * 64,
        b"u" * 32: b"p" * 64,
    }
    assert db.evaluated_outputs("0xother", "ab" * 32, [b"t" * 32]) == {}
    assert db.evaluated_outputs("0xbank", "cd" * 32, [b"t" * 32]) == {}
    db.add_fingerprint_check(CheckEntry(1_000, "0xbank", "bank", "check", "old", "ok", evaluated=4))
    with db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE fingerprint_checks DROP COLUMN sent"))
    db.close()
    reopened = GatewayDB(url)
    rows, _ = reopened.fingerprint_checks()
    assert [(r.endpoint, r.sent) for r in rows] == [("old", None)]
    reopened.add_fingerprint_check(
        CheckEntry(2_000, "0xbank", "bank", "check", "known", "ok", evaluated=4, sent=0)
    )
    reopened.add_fingerprint_check(
        CheckEntry(3_000, "0xbank", "bank", "check", "new", "ok", evaluated=4, sent=7)
    )
    counted = reopened.counted_fingerprint_checks("0xbank", frozenset({"check"}), 0)
    assert counted == [1_000, 3_000]  # the old entry counts; the known file's does not
    reopened.close()


def test_kept_evaluations_on_sqlite(tmp_path: Path) -> None:
    _check(f"sqlite:///{tmp_path / 'gateway.sqlite'}")


@pytest.mark.postgres
def test_kept_evaluations_on_postgresql(pg_server: PgServer) -> None:
    _check(pg_server.create_database())
