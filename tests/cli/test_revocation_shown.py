"""A revoked document's record says who revoked it, when and why — ``GET /v1/documents/{hash}``
and ``tradeledger doc show`` alike, to every role that may read the document (a tryout found
only ``status: revoked``: the history had the event, the record did not). The revocation has the
names the API uses elsewhere: ``by``/``by_name`` for a member, ``at`` for a time (RFC 3339,
UTC), ``reason_code``/``reason_name`` for a reason code. A suspended registrant reads it on its
own document too.

Real CLI (Typer's runner) and the real app over one embedded chain.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.network import open_ledger
from tests.cli.cli_helpers import ISO_UTC, Cli
from tests.conftest import make_settings

READERS = ("admin", "Demo Bank A", "Demo Exporter", "Demo Regulator", "Demo Customs")


class World:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.cli = Cli(tmp / "ledger")
        created = self.cli.json("init", "--demo")
        self.members: dict[str, dict[str, Any]] = {m["name"]: m for m in created["members"]}
        self.members["admin"] = created["admin"]

    def address(self, who: str) -> str:
        return str(self.members[who]["address"])

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.members[who]['api_key']}"}

    def register(self, label: str) -> str:
        path = self.tmp / f"{label}.txt"
        path.write_bytes(f"warehouse receipt {label}".encode())
        done = self.cli.json("doc", "register", str(path), "--as", self.address("Demo Exporter"))
        return str(done["doc_hash"])

    @contextmanager
    def api(self) -> Iterator[tuple[TestClient, Any]]:
        ledger = open_ledger(make_settings(self.cli.data_dir))
        try:
            with TestClient(create_app(ledger.settings, ledger)) as client:
                yield client, ledger
        finally:
            ledger.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return World(tmp_path_factory.mktemp("revocation"))


def _block_time(ledger: Any, block: int) -> str:
    stamp = int(ledger.w3.eth.get_block(block)["timestamp"])
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_every_reader_sees_who_revoked_a_document_when_and_why(world: World) -> None:
    cli, exporter = world.cli, world.address("Demo Exporter")
    doc = world.register("WR-1")
    revoked = cli.json("doc", "revoke", doc, "--as", exporter, "--reason-code", "4")
    want = {
        "by": exporter,
        "by_name": "Demo Exporter",
        "reason_code": 4,
        "reason_name": "fraud_suspected",
        "block": revoked["block"],
        "tx_hash": revoked["tx_hash"],
    }
    with world.api() as (client, ledger):
        at = _block_time(ledger, revoked["block"])
        for reader in READERS:
            answer = client.get(f"/v1/documents/{doc}", headers=world.headers(reader))
            assert answer.status_code == 200, (reader, answer.text)
            body = answer.json()
            assert body["status"] == "revoked"
            assert body["revocation"] == {**want, "at": at}, reader
            # the record agrees with the history's event and with verify
            (event,) = [e for e in body["history"] if e["event"] == "DocumentRevoked"]
            assert event["tx_hash"] == body["revocation"]["tx_hash"]
            assert event["fields"]["reason_name"] == body["revocation"]["reason_name"]
        verified = client.post(
            "/v1/documents/verify",
            files={"file": ("wr.txt", b"warehouse receipt WR-1", "text/plain")},
            headers=world.headers("Demo Customs"),
        ).json()
        assert verified["revocation"] == {**want, "at": at}
    shown = cli.json("doc", "show", doc)
    assert shown["revocation"] == {**want, "at": at}
    for reader in READERS:
        assert cli.json("doc", "show", doc, "--as", world.address(reader))["revocation"] == {
            **want,
            "at": at,
        }
    text = cli.run("doc", "show", doc).stdout
    lines = text.splitlines()
    assert lines[0].startswith(f"REVOKED: document {doc}")
    assert lines[1] == (
        f"  revoked by Demo Exporter ({exporter}) at {at}, reason code 4 (fraud_suspected)"
    )
    assert ISO_UTC.search(lines[1])


def test_an_active_document_has_no_revocation(world: World) -> None:
    doc = world.register("WR-2")
    assert world.cli.json("doc", "show", doc)["revocation"] is None
    assert "revoked by" not in world.cli.run("doc", "show", doc).stdout
    with world.api() as (client, _):
        body = client.get(f"/v1/documents/{doc}", headers=world.headers("Demo Bank A")).json()
    assert (body["status"], body["revocation"]) == ("active", None)


def test_an_admin_revocation_with_an_undocumented_code_names_the_admin(world: World) -> None:
    doc = world.register("WR-3")
    admin = world.address("admin")
    with world.api() as (client, _):
        done = client.post(
            f"/v1/documents/{doc}/revoke", json={"reason_code": 77}, headers=world.headers("admin")
        )
        assert done.status_code == 200, done.text
        body = client.get(f"/v1/documents/{doc}", headers=world.headers("Demo Exporter")).json()
    revocation = body["revocation"]
    assert (revocation["by"], revocation["reason_code"]) == (admin, 77)
    assert revocation["reason_name"] == "77"  # not a documented code: its number
    assert revocation["by_name"] == "Consortium admin"  # init's default admin name
    assert revocation["tx_hash"] == done.json()["tx_hash"]


def test_a_suspended_registrant_reads_the_revocation_of_its_own_document(world: World) -> None:
    cli, exporter = world.cli, world.address("Demo Exporter")
    doc = world.register("WR-4")
    cli.json("doc", "revoke", doc, "--as", exporter, "--reason-code", "1")
    cli.json("member", "suspend", exporter)
    try:
        shown = cli.json("doc", "show", doc, "--as", exporter)
        assert shown["revocation"]["reason_name"] == "issued_in_error"
        with world.api() as (client, _):
            body = client.get(f"/v1/documents/{doc}", headers=world.headers("Demo Exporter"))
            assert body.status_code == 200, body.text
            assert body.json()["revocation"]["by"] == exporter
    finally:
        cli.json("member", "reinstate", exporter)
