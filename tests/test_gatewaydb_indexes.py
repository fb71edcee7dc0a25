"""The gateway database answers the check's per-file reads by index, never by a scan of every
lodged file (issue #16: ``/v1/documents/check`` stays flat as files are lodged), and a database
made before an index existed gets it when it is next opened."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ledger.gatewaydb import GatewayDB

FILE_FINGERPRINTS = (
    "EXPLAIN QUERY PLAN SELECT * FROM received_fingerprints WHERE doc_hash = ? AND received_by = ?"
)


def plan(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return " ".join(str(row[-1]) for row in db.execute(FILE_FINGERPRINTS, ("0x1", "0x2")))


def test_a_files_fingerprints_are_read_by_index(tmp_path: Path) -> None:
    path = tmp_path / "gateway.sqlite"
    GatewayDB(f"sqlite:///{path}").engine.dispose()
    assert "USING INDEX ix_received_fingerprints_file" in plan(path)
    assert "SCAN" not in plan(path)


def test_an_older_database_gets_the_index_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "gateway.sqlite"
    GatewayDB(f"sqlite:///{path}").engine.dispose()
    with sqlite3.connect(path) as db:
        db.execute("DROP INDEX ix_received_fingerprints_file")
    assert "SCAN" in plan(path)  # as a gateway made before issue #16 has it
    GatewayDB(f"sqlite:///{path}").engine.dispose()
    assert "USING INDEX ix_received_fingerprints_file" in plan(path)
