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
from ledger.services.audit import Period, Viewer
from tests.leaks import mentions


def as_(member: object) -> Viewer:
    """The viewer of a network participant (its address and role)."""
    return Viewer.of(member.address, member.role.name.lower())  # type: ignore[attr-defined]


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
        d, net = storied.story.docs, storied.net
        page = audit.timeline(index, hx(d["inv1"]), viewer=as_(net.regulator))
        names = [e.event for e in page.items]
        assert names == [
            "DocumentRegistered",
            "FinancingRegistered",
            "FinancingEntryRecorded",  # drawdown
            "FinancingEntryRecorded",  # repayment
            "FinancingRefused",  # bank B tried inv1's fingerprint while f1 held it
            "FinancingEntryRecorded",  # repayment
            "FinancingClosed",
        ]
        registered = page.items[1]
        assert registered.fields["amount"] == "600.00"
        assert registered.fields["doc_hash"] == hx(d["inv1"])
        assert "against document " + hx(d["inv1"]) in registered.summary
        f1 = storied.story.financings["f1"]
        bank_a = f"Bank A ({net.bank.address})"  # the entry names its financing's bank
        assert page.items[2].summary == (
            f"500.00 EUR drawn from financing {f1} of {bank_a} (500.00 EUR in total)"
        )
        assert page.items[-1].fields["bank_name"] == "Bank A"  # the close, too
        assert page.indexed_block == storied.ledger.head_block()
        for e in page.items:  # every row locatable on chain
            receipt = storied.ledger.w3.eth.get_transaction_receipt(e.tx_hash)
            assert int(receipt["blockNumber"]) == e.block_number
        superseded = [e.event for e in audit.timeline(index, hx(d["bl1"])).items]
        assert superseded == ["DocumentRegistered", "DocumentAttested", "DocumentSuperseded"]
        revoked = [e.event for e in audit.timeline(index, hx(d["inv3"])).items]
        assert revoked == ["DocumentRegistered", "DocumentRevoked", "FinancingRefused"]

    def test_each_reader_sees_the_timeline_the_table_allows(
        self, storied: Storied, index: EventIndex
    ) -> None:
        d, net = storied.story.docs, storied.net
        doc = hx(d["inv1"])

        def events(who: object) -> list[str]:
            return [e.event for e in audit.timeline(index, doc, viewer=as_(who)).items]

        # bank A: its own financing in full, not bank B's refusal
        assert events(net.bank) == [
            "DocumentRegistered",
            "FinancingRegistered",
            "FinancingEntryRecorded",
            "FinancingEntryRecorded",
            "FinancingEntryRecorded",
            "FinancingClosed",
        ]
        # the enterprise that registered it: the financing of its document, no refusal
        assert events(net.enterprise) == events(net.bank)
        # bank B and the attestor: which document a financing is against is not theirs
        assert events(net.bank_b) == ["DocumentRegistered"]
        assert events(net.attestor) == ["DocumentRegistered"]
        own = audit.timeline(index, doc, viewer=as_(net.enterprise)).items[1]
        assert "fingerprints" not in own.args  # an enterprise is given no fingerprint
        assert own.fields["fingerprints"] is None
        assert own.fields["amount"] == "600.00"

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
        net = storied.net
        bank_b = net.bank_b.address
        items = audit.member_activity(index, bank_b, viewer=as_(net.regulator)).items
        assert [e.event for e in items] == [
            "MemberAdded",
            "EncryptionKeySet",
            "FinancingRefused",
            "FinancingRegistered",
            "FinancingCancelled",
            "FinancingRefused",
        ]
        assert items[3].fields["amount"] == "400.00"  # the regulator reads bank B's terms
        # an admin sees what bank B did, not its terms
        public = audit.member_activity(index, bank_b, viewer=as_(net.admin)).items
        assert [e.event for e in public] == [e.event for e in items]
        assert public[3].fields["confidential"] is True
        assert public[3].fields["amount"] is None
        assert "terms are confidential" in public[3].summary
        assert "refused (what it asked is confidential)" in public[2].summary
        attestor = audit.member_activity(index, net.attestor.address.lower()).items
        assert [e.event for e in attestor] == [
            "MemberAdded",
            "EncryptionKeySet",
            "DocumentAttested",
            "MemberSuspended",
            "MemberReinstated",
        ]

    def test_refusals_name_bank_document_reason_and_conflict(
        self, storied: Storied, index: EventIndex
    ) -> None:
        s, net = storied.story, storied.net
        refused = audit.refusals(index, viewer=as_(net.regulator)).items
        assert [r.reason for r in refused] == ["FINGERPRINT_PLEDGED", "DOCUMENT_REVOKED"]
        dup = refused[0]
        assert dup.bank == net.bank_b.address
        assert dup.doc_hash == hx(s.docs["inv2"])
        assert dup.conflicting_financing_id == s.financings["f1"]
        assert dup.conflicting_bank == net.bank.address
        assert dup.fingerprint == hx(s.fingerprints["inv1"][0])
        assert (dup.requested_amount, dup.requested_currency, dup.reference) == (
            10000,
            "EUR",
            "dup",
        )
        assert dup.holding_doc_hash == hx(s.docs["inv1"])  # the regulator reads f1
        assert (dup.face_value, dup.already_financed, dup.headroom) == (100000, 60000, 0)
        assert dup.commitment_holds is True
        assert refused[1].conflicting_financing_id == 0
        assert refused[1].fingerprint is None
        only = audit.refusals(index, reason="document_revoked", viewer=as_(net.regulator)).items
        assert [r.doc_hash for r in only] == [hx(s.docs["inv3"])]
        assert not audit.refusals(index, bank=net.bank.address, viewer=as_(net.regulator)).items

    def test_each_reader_sees_the_refusals_the_table_allows(
        self, storied: Storied, index: EventIndex
    ) -> None:
        s, net = storied.story, storied.net
        # the refused bank reads its own, but not the other bank's financing in the way
        own = audit.refusals(index, viewer=as_(net.bank_b)).items
        assert [(r.reason, r.confidential) for r in own] == [
            ("FINGERPRINT_PLEDGED", False),
            ("DOCUMENT_REVOKED", False),
        ]
        assert own[0].conflicting_bank == net.bank.address  # who and which id: public
        assert own[0].holding_doc_hash is None  # which document bank A financed: not
        assert (own[0].face_value, own[0].already_financed, own[0].holders) == (None, None, [])
        assert own[0].headroom == 0
        # another bank: none of them; an admin: only that they happened
        assert audit.refusals(index, viewer=as_(net.bank)).items == []
        public = audit.refusals(index, viewer=as_(net.admin)).items
        assert [(r.bank, r.confidential, r.reason, r.doc_hash) for r in public] == [
            (net.bank_b.address, True, None, None),
            (net.bank_b.address, True, None, None),
        ]
        # a filter on what is confidential finds nothing for those who may not read it
        assert not audit.refusals(index, reason="document_revoked", viewer=as_(net.admin)).items
        assert audit.refusals(index, viewer=as_(net.enterprise)).items == []
        assert audit.refusals(index, viewer=as_(net.attestor)).items == []
        assert hx(s.docs["inv3"]) not in repr(public)

    def test_duplicates(self, storied: Storied, index: EventIndex) -> None:
        s, net = storied.story, storied.net
        found = audit.duplicates(index, viewer=as_(net.regulator))
        assert [r.reason for r in found.refusals.items] == ["FINGERPRINT_PLEDGED"]
        repeated = found.repeated_fingerprints.items
        assert [r.fingerprint for r in repeated] == [hx(s.fingerprints["inv2"][0])]
        pledges = repeated[0].pledges
        assert [(p.financing_id, p.active, p.doc_hash) for p in pledges] == [
            (s.financings["f2"], False, hx(s.docs["inv2"])),
            (s.financings["f3"], True, hx(s.docs["inv2"])),
        ]
        assert pledges[0].bank == net.bank_b.address
        assert pledges[1].bank == net.bank.address
        # bank A: the public locks, the document of its own financing only
        mine = audit.duplicates(index, viewer=as_(net.bank))
        assert mine.refusals.items == []
        assert [
            (p.financing_id, p.doc_hash) for p in mine.repeated_fingerprints.items[0].pledges
        ] == [
            (s.financings["f2"], None),
            (s.financings["f3"], hx(s.docs["inv2"])),
        ]
        # an enterprise is given no fingerprint
        assert audit.duplicates(index, viewer=as_(net.enterprise)).repeated_fingerprints.items == []

    def test_exposure_per_bank_and_per_enterprise(
        self, storied: Storied, index: EventIndex
    ) -> None:
        net = storied.net
        regulator = as_(net.regulator)
        banks = audit.exposure(index, "bank", viewer=regulator)
        assert [(e.member, e.currency, e.financings, e.financed) for e in banks] == [
            (net.bank.address, "EUR", 1, 30000)  # f3 only: f1 closed, f2 cancelled
        ]
        enterprises = audit.exposure(index, "enterprise", viewer=regulator)
        assert [(e.member, e.currency, e.financed) for e in enterprises] == [
            (net.enterprise.address, "EUR", 30000)
        ]
        assert audit.exposure(index, "bank", net.bank_b.address, viewer=regulator) == []
        # each reads its own book; bank B reads nothing of bank A's
        assert [e.financed for e in audit.exposure(index, "bank", viewer=as_(net.bank))] == [30000]
        assert audit.exposure(index, "bank", viewer=as_(net.bank_b)) == []
        own = audit.exposure(index, "enterprise", viewer=as_(net.enterprise))
        assert [(e.member, e.financed) for e in own] == [(net.enterprise.address, 30000)]
        # the bank reads its own book by borrower: the enterprise it lent to
        lent = audit.exposure(index, "enterprise", viewer=as_(net.bank))
        assert [(e.member, e.financed) for e in lent] == [(net.enterprise.address, 30000)]
        assert audit.exposure(index, "enterprise", viewer=as_(net.bank_b)) == []
        assert audit.exposure(index, "bank", viewer=as_(net.attestor)) == []

    def test_financeable_and_what_it_matches(self, storied: Storied, index: EventIndex) -> None:
        s, net = storied.story, storied.net
        fp = hx(s.fingerprints["inv2"][0])
        held = audit.financeable(index, fingerprints=[fp], viewer=as_(net.regulator))
        assert not held.financeable
        assert held.reasons == ["FINGERPRINT_PLEDGED"]
        assert [(m.financing_id, m.bank, m.doc_hash, m.amount) for m in held.matches] == [
            (s.financings["f3"], net.bank.address, hx(s.docs["inv2"]), 30000)
        ]
        # another bank learns that the fingerprint is locked and by whom — not the document
        # nor the amount
        other = audit.financeable(index, fingerprints=[fp], viewer=as_(net.bank_b))
        assert other.reasons == ["FINGERPRINT_PLEDGED"]
        assert [(m.financing_id, m.bank, m.doc_hash, m.amount) for m in other.matches] == [
            (s.financings["f3"], net.bank.address, None, None)
        ]
        # by document hash, bank B finds its own cancelled financing (its face value, its
        # fingerprint) and the lock in the way — still without bank A's document or amount, so
        # how much is financed is not known to it (never 0: "nothing financed")
        by_doc = audit.financeable(index, hx(s.docs["inv2"]), viewer=as_(net.bank_b))
        assert (by_doc.face_value, by_doc.face_value_source, by_doc.financed_amount) == (
            50000,
            "financings",
            None,
        )
        assert [(m.financing_id, m.doc_hash, m.amount) for m in by_doc.matches] == [
            (s.financings["f3"], None, None)
        ]
        assert (by_doc.financeable, by_doc.headroom) == (False, 0)
        released = audit.financeable(
            index, hx(s.docs["inv1"]), [hx(f) for f in s.fingerprints["inv1"]], viewer=as_(net.bank)
        )
        assert released.financeable  # f1 was closed: its fingerprints are free again
        assert released.status == "active"
        assert released.matches == []
        assert (released.face_value, released.face_value_source) == (100000, "financings")
        assert released.headroom == 100000
        revoked = audit.financeable(index, hx(s.docs["inv3"]))
        assert revoked.reasons == ["DOCUMENT_REVOKED"]
        unknown = audit.financeable(index, "0x" + "ab" * 32)
        assert unknown.registered is False
        assert unknown.reasons == []  # financed unregistered, as the gateway does
        with pytest.raises(InvalidInput):
            audit.financeable(index)

    def test_exports_stream_every_event_with_its_chain_coordinates(
        self, storied: Storied, index: EventIndex
    ) -> None:
        net = storied.net
        total = index.status().events
        lines = list(audit.export_events(index, "jsonl", viewer=as_(net.regulator)))
        assert len(lines) == total
        rows = [json.loads(line) for line in lines]
        assert [(r["block_number"], r["log_index"]) for r in rows] == sorted(
            (r["block_number"], r["log_index"]) for r in rows
        )
        w3 = storied.ledger.w3
        registered = next(r for r in rows if r["event"] == "FinancingRegistered")
        receipt = w3.eth.get_transaction_receipt(registered["tx_hash"])
        log = next(x for x in receipt["logs"] if int(x["logIndex"]) == registered["log_index"])
        assert int.from_bytes(log["topics"][1], "big") == registered["args"]["financingId"]
        assert registered["fields"]["amount"] == "600.00"

        text = "".join(
            audit.export_events(
                index, "csv", events=["FinancingRefused"], viewer=as_(net.regulator)
            )
        )
        table = list(csv.DictReader(io.StringIO(text)))
        assert [r["event"] for r in table] == ["FinancingRefused", "FinancingRefused"]
        assert list(table[0]) == list(audit.CSV_COLUMNS)
        assert table[0]["reason"] == "fingerprint_pledged"  # decoded: one column per field
        with pytest.raises(InvalidInput):
            audit.export_events(index, "xml")

    def test_an_admins_export_is_the_public_part(self, storied: Storied, index: EventIndex) -> None:
        net, s = storied.net, storied.story
        rows = [json.loads(x) for x in audit.export_events(index, "jsonl", viewer=as_(net.admin))]
        assert len(rows) == index.status().events
        text = json.dumps(rows)
        for secret in ("600.00", "60000", '"ref"', hx(s.fingerprints["inv1"][0])):
            assert not mentions(text, secret), secret
        registered = [r for r in rows if r["event"] == "FinancingRegistered"]
        assert all(r["fields"]["confidential"] for r in registered)
        assert all("fingerprints" not in r["args"] for r in registered)
        assert [r["fields"]["fingerprint_count"] for r in registered] == [2, 1, 1]


class TestSQLiteAudit(AuditSuite):
    @pytest.fixture
    def url(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'index.sqlite'}"


@pytest.mark.postgres
class TestPostgresAudit(AuditSuite):
    @pytest.fixture
    def url(self, pg_server: PgServer) -> str:
        return pg_server.create_database()
