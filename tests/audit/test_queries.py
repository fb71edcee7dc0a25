"""What a regulator relies on, read from the index of a real chain: timelines, activity,
refusals, duplicates, exposure, financeability, exports — on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from indexer.activity import hx
from indexer.fixtures import Storied, new_index
from pg import PgServer

from ledger.errors import InvalidInput
from ledger.indexer import EventIndex
from ledger.services import audit
from ledger.services.audit import Period


class AuditSuite:
    @pytest.fixture
    def url(self) -> str:
        raise NotImplementedError

    @pytest.fixture
    def index(self, storied: Storied, url: str) -> Iterator[EventIndex]:
        idx = new_index(storied.ledger, url, block_range=50)
        idx.catch_up()
        yield idx
        idx.close()

    def test_document_timeline_includes_its_financings_and_refusals(
        self, storied: Storied, index: EventIndex
    ) -> None:
        d = storied.story.docs
        page = audit.timeline(index, hx(d["inv1"]))
        names = [e.event for e in page.items]
        assert names == [
            "DocumentRegistered",
            "FinancingRegistered",
            "DocumentPledged",
            "DrawdownRecorded",
            "RepaymentRecorded",
            "FinancingRefused",  # bank B tried inv1's fingerprint while f1 held it
            "RepaymentRecorded",
            "FinancingClosed",
        ]
        assert page.indexed_block == storied.ledger.head_block()
        for e in page.items:  # every row locatable on chain
            receipt = storied.ledger.w3.eth.get_transaction_receipt(e.tx_hash)
            assert int(receipt["blockNumber"]) == e.block_number
        superseded = [e.event for e in audit.timeline(index, hx(d["bl1"])).items]
        assert superseded == ["DocumentRegistered", "DocumentAttested", "DocumentSuperseded"]
        revoked = [e.event for e in audit.timeline(index, hx(d["inv3"])).items]
        assert revoked == ["DocumentRegistered", "DocumentRevoked", "FinancingRefused"]

    def test_pages_by_cursor_cover_everything_once(
        self, storied: Storied, index: EventIndex
    ) -> None:
        doc = hx(storied.story.docs["inv1"])
        whole = audit.timeline(index, doc).items
        seen: list[tuple[int, int]] = []
        cursor = None
        while True:
            page = audit.timeline(index, doc, after=cursor, limit=3)
            seen += [(e.block_number, e.log_index) for e in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == [(e.block_number, e.log_index) for e in whole]

    def test_time_range_filters_by_block_time(self, storied: Storied, index: EventIndex) -> None:
        doc = hx(storied.story.docs["inv1"])
        items = audit.timeline(index, doc).items
        assert not audit.timeline(index, doc, Period.parse("2000-01-01", "2000-12-31")).items
        first_time = items[0].block_time
        exact = audit.timeline(index, doc, Period.parse(first_time, first_time)).items
        assert exact
        assert all(e.block_time == first_time for e in exact)
        with pytest.raises(InvalidInput):
            Period.parse("2026-02-01", "2026-01-01")
        with pytest.raises(InvalidInput):
            Period.parse("yesterday")

    def test_member_activity(self, storied: Storied, index: EventIndex) -> None:
        bank_b = storied.net.bank_b.address
        names = [e.event for e in audit.member_activity(index, bank_b).items]
        assert names == [
            "MemberAdded",
            "FinancingRefused",
            "FinancingRegistered",
            "DocumentPledged",
            "FinancingCancelled",
            "FinancingRefused",
        ]
        attestor = audit.member_activity(index, storied.net.attestor.address.lower()).items
        assert [e.event for e in attestor] == [
            "MemberAdded",
            "DocumentAttested",
            "MemberSuspended",
            "MemberReinstated",
        ]

    def test_refusals_name_bank_document_reason_and_conflict(
        self, storied: Storied, index: EventIndex
    ) -> None:
        s = storied.story
        refused = audit.refusals(index).items
        assert [r.reason for r in refused] == ["FINGERPRINT_PLEDGED", "DOCUMENT_REVOKED"]
        dup = refused[0]
        assert dup.bank == storied.net.bank_b.address
        assert dup.doc_hash == hx(s.docs["inv2"])
        assert dup.conflicting_financing_id == s.financings["f1"]
        assert dup.conflicting_bank == storied.net.bank.address
        assert dup.fingerprint == hx(s.fingerprints["inv1"][0])
        assert refused[1].conflicting_financing_id == 0
        assert refused[1].fingerprint is None
        only = audit.refusals(index, reason="document_revoked").items
        assert [r.doc_hash for r in only] == [hx(s.docs["inv3"])]
        assert not audit.refusals(index, bank=storied.net.bank.address).items

    def test_duplicates(self, storied: Storied, index: EventIndex) -> None:
        s = storied.story
        found = audit.duplicates(index)
        assert [r.reason for r in found.refusals.items] == ["FINGERPRINT_PLEDGED"]
        repeated = found.repeated_fingerprints.items
        assert [r.fingerprint for r in repeated] == [hx(s.fingerprints["inv2"][0])]
        pledges = repeated[0].pledges
        assert [(p.financing_id, p.active) for p in pledges] == [
            (s.financings["f2"], False),
            (s.financings["f3"], True),
        ]
        assert pledges[0].bank == storied.net.bank_b.address
        assert pledges[1].bank == storied.net.bank.address

    def test_exposure_per_bank_and_per_enterprise(
        self, storied: Storied, index: EventIndex
    ) -> None:
        banks = audit.exposure(index, "bank")
        assert [(e.member, e.currency, e.financings, e.financed) for e in banks] == [
            (storied.net.bank.address, "EUR", 1, 30000)  # f3 only: f1 closed, f2 cancelled
        ]
        enterprises = audit.exposure(index, "enterprise")
        assert [(e.member, e.currency, e.financed) for e in enterprises] == [
            (storied.net.enterprise.address, "EUR", 30000)
        ]
        assert audit.exposure(index, "bank", storied.net.bank_b.address) == []

    def test_financeable_and_what_it_matches(self, storied: Storied, index: EventIndex) -> None:
        s = storied.story
        held = audit.financeable(index, fingerprints=[hx(s.fingerprints["inv2"][0])])
        assert not held.financeable
        assert held.reasons == ["FINGERPRINT_PLEDGED"]
        assert [(m.financing_id, m.bank, m.doc_hash) for m in held.matches] == [
            (s.financings["f3"], storied.net.bank.address, hx(s.docs["inv2"]))
        ]
        released = audit.financeable(
            index, hx(s.docs["inv1"]), [hx(f) for f in s.fingerprints["inv1"]]
        )
        assert released.financeable  # f1 was closed: its fingerprints are free again
        assert released.status == "ACTIVE"
        assert released.matches == []
        revoked = audit.financeable(index, hx(s.docs["inv3"]))
        assert revoked.reasons == ["DOCUMENT_REVOKED"]
        unknown = audit.financeable(index, "0x" + "ab" * 32)
        assert unknown.registered is False
        assert unknown.reasons == ["DOCUMENT_NOT_REGISTERED"]
        with pytest.raises(InvalidInput):
            audit.financeable(index)

    def test_exports_stream_every_event_with_its_chain_coordinates(
        self, storied: Storied, index: EventIndex
    ) -> None:
        total = index.status().events
        lines = list(audit.export_events(index, "jsonl"))
        assert len(lines) == total
        rows = [json.loads(line) for line in lines]
        assert [(r["block_number"], r["log_index"]) for r in rows] == sorted(
            (r["block_number"], r["log_index"]) for r in rows
        )
        w3 = storied.ledger.w3
        pledged = next(r for r in rows if r["event"] == "DocumentPledged")
        receipt = w3.eth.get_transaction_receipt(pledged["tx_hash"])
        log = next(x for x in receipt["logs"] if int(x["logIndex"]) == pledged["log_index"])
        assert "0x" + bytes(log["topics"][2]).hex() == pledged["args"]["docHash"]

        text = "".join(audit.export_events(index, "csv", events=["FinancingRefused"]))
        table = list(csv.DictReader(io.StringIO(text)))
        assert [r["event"] for r in table] == ["FinancingRefused", "FinancingRefused"]
        assert list(table[0]) == list(audit.CSV_COLUMNS)
        assert table[0]["reason"] == "fingerprint_pledged"  # decoded: one column per field
        with pytest.raises(InvalidInput):
            audit.export_events(index, "xml")


class TestSQLiteAudit(AuditSuite):
    @pytest.fixture
    def url(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'index.sqlite'}"


@pytest.mark.postgres
class TestPostgresAudit(AuditSuite):
    @pytest.fixture
    def url(self, pg_server: PgServer) -> str:
        return pg_server.create_database()
