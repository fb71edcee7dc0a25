"""The index against a real chain, on every SQL backend (one abstract suite, one subclass per
backend): complete, exact, resumable without gaps or doubles, rebuildable, verifiable."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from indexer.activity import hx
from indexer.fixtures import Storied, new_index
from pg import PgServer
from sqlalchemy import delete, func, select, update

from ledger.errors import LedgerStateError
from ledger.indexer import EventIndex, pledges, verify
from ledger.indexer.db import make_engine
from ledger.indexer.models import (
    SCHEMA_VERSION,
    AttestationRow,
    CursorRow,
    DocumentRow,
    EntryRow,
    EventRow,
    FinancingRow,
    IndexMetaRow,
    MemberRow,
    PledgeFingerprintRow,
    PledgeRow,
    ReaderRow,
    RefusalRow,
)
from ledger.services.roles import DocStatus, FinancingStatus, RefusalReason


class Boom(Exception):
    pass


def chain_counts(index: EventIndex) -> Counter[str]:
    head = index.head()
    return Counter(e.event for e in index.chain_events(index.deployment_block, head))


def event_keys(index: EventIndex) -> list[tuple[int, int]]:
    with index.sessions() as s:
        return [
            tuple(r)
            for r in s.execute(  # type: ignore[misc]
                select(EventRow.block_number, EventRow.log_index).order_by(
                    EventRow.block_number, EventRow.log_index
                )
            )
        ]


class IndexSuite:
    """Every backend must pass these."""

    @pytest.fixture
    def url(self) -> str:
        raise NotImplementedError

    @pytest.fixture
    def another_url(self) -> str:
        """A second, empty database of the same backend."""
        raise NotImplementedError

    @pytest.fixture
    def index(self, storied: Storied, url: str) -> EventIndex:
        idx = new_index(storied.ledger, url, block_range=8)
        yield idx  # type: ignore[misc]
        idx.close()

    def test_indexes_every_event_exactly_as_the_chain_has_it(
        self, storied: Storied, index: EventIndex
    ) -> None:
        written = index.catch_up()
        expected = chain_counts(index)
        assert written == sum(expected.values())
        with index.sessions() as s:
            got = Counter(
                dict(s.execute(select(EventRow.event, func.count()).group_by(EventRow.event)).all())
            )
            assert got == expected
            # every row can be found on chain by block, tx hash and log index
            w3 = storied.ledger.w3
            for row in s.scalars(select(EventRow).where(EventRow.event == "FinancingRefused")):
                receipt = w3.eth.get_transaction_receipt(row.tx_hash)
                log = next(x for x in receipt["logs"] if int(x["logIndex"]) == row.log_index)
                assert int(receipt["blockNumber"]) == row.block_number
                assert "0x" + bytes(log["blockHash"]).hex() == row.block_hash
                assert "0x" + bytes(log["data"]).hex() == row.data
                block = w3.eth.get_block(row.block_number)
                assert int(block["timestamp"]) == row.block_time
        status = index.status()
        assert status.lag == 0
        assert status.last_block == storied.ledger.head_block()
        assert verify(index).equal

    def test_projections_follow_the_story(self, storied: Storied, index: EventIndex) -> None:
        index.catch_up()
        net = storied.net
        d, f = storied.story.docs, storied.story.financings
        with index.sessions() as s:
            assert s.get(DocumentRow, hx(d["inv3"])).status == DocStatus.REVOKED
            bl1 = s.get(DocumentRow, hx(d["bl1"]))
            assert bl1.status == DocStatus.SUPERSEDED
            assert bl1.successor == hx(d["bl1v2"])
            assert s.get(DocumentRow, hx(d["inv1"])).registrant == net.enterprise.address
            # the gateway holds every member's key: the terms are opened, drawn and repaid
            # summed from the sealed entries
            f1 = s.get(FinancingRow, f["f1"])
            assert (f1.status, f1.drawn, f1.repaid) == (FinancingStatus.CLOSED, 50000, 50000)
            assert (f1.opened, f1.commitment_ok, f1.reference) == (True, True, "ref")
            assert s.get(FinancingRow, f["f2"]).status == FinancingStatus.CANCELLED
            f3 = s.get(FinancingRow, f["f3"])
            assert (f3.status, f3.currency, f3.amount) == (FinancingStatus.ACTIVE, "EUR", 30000)
            assert f3.fingerprint_count == 1
            assert s.get(PledgeRow, (f["f3"], hx(d["inv2"]))).active
            assert not s.get(PledgeRow, (f["f2"], hx(d["inv2"]))).active
            fp = hx(storied.story.fingerprints["inv2"][0])
            holders = s.scalars(
                select(PledgeFingerprintRow).where(PledgeFingerprintRow.fingerprint == fp)
            ).all()
            assert {(h.financing_id, h.doc_hash, h.active) for h in holders} == {
                (f["f2"], hx(d["inv2"]), False),
                (f["f3"], hx(d["inv2"]), True),
            }
            entries = s.scalars(
                select(EntryRow)
                .where(EntryRow.financing_id == f["f1"])
                .order_by(EntryRow.block_number)
            ).all()
            assert [(e.entry_type, e.amount, e.commitment_ok) for e in entries] == [
                ("drawdown", 50000, True),
                ("repayment", 20000, True),
                ("repayment", 30000, True),
            ]
            # whose keys opened what: the bank, the regulator and the registrant, never bank B
            readers = set(
                s.scalars(
                    select(ReaderRow.reader).where(
                        ReaderRow.kind == "fin", ReaderRow.ref == str(f["f1"])
                    )
                )
            )
            assert readers == {
                net.bank.address.lower(),
                net.regulator.address.lower(),
                net.enterprise.address.lower(),
            }
            refusals = s.scalars(select(RefusalRow).order_by(RefusalRow.block_number)).all()
            assert [r.reason for r in refusals] == [
                RefusalReason.FINGERPRINT_PLEDGED,
                RefusalReason.DOCUMENT_REVOKED,
            ]
            dup = refusals[0]  # refused by the contract: the lock in the way, from the index
            assert dup.bank == net.bank_b.address
            assert dup.doc_hash == hx(d["inv2"])
            assert dup.conflicting_financing_id == f["f1"]
            assert dup.fingerprint == hx(storied.story.fingerprints["inv1"][0])
            assert (dup.requested_amount, dup.stated_face_value, dup.reference) == (
                10000,
                50000,
                "dup",
            )
            assert refusals[1].doc_hash == hx(d["inv3"])
            assert s.scalar(select(func.count()).select_from(MemberRow)) == 6
            attestor = s.scalars(
                select(MemberRow).where(MemberRow.address == net.attestor.address)
            ).one()
            assert attestor.active  # suspended, then reinstated
            assert attestor.encryption_key is not None
            assert s.get(AttestationRow, (hx(d["bl1"]), net.attestor.address)) is not None

    def test_one_range_of_the_whole_story_folds_as_ranges_of_eight(
        self, storied: Storied, index: EventIndex, another_url: str
    ) -> None:
        """A range's registrations are written together, after the events before them and
        before any event that reads them: the story in one range (a document registered and
        revoked, superseded or attested in it) gives the documents the ranges of eight do."""
        index.catch_up()
        whole = new_index(storied.ledger, another_url, block_range=1_000_000)
        try:
            whole.catch_up()
            columns = (DocumentRow.doc_hash, DocumentRow.status, DocumentRow.successor)
            query = select(*columns, DocumentRow.revoke_reason, DocumentRow.registrant_id)
            with index.sessions() as a, whole.sessions() as b:
                by_eight = a.execute(query.order_by(DocumentRow.doc_hash)).all()
                in_one = b.execute(query.order_by(DocumentRow.doc_hash)).all()
            assert in_one == by_eight
            statuses = {row.status for row in in_one}
            assert {DocStatus.REVOKED, DocStatus.SUPERSEDED} <= statuses
            assert verify(whole).equal
        finally:
            whole.close()

    def test_the_financed_view_reads_pledges_readers_and_unopened_in_one_statement(
        self, storied: Storied, index: EventIndex
    ) -> None:
        # the registration answer's one statement (issue #16), on every engine: the candidates
        # are the pledges whose financing the reader opened; unopened is an active financing
        # the reader's key did not open
        index.catch_up()
        net = storied.net
        d, f = storied.story.docs, storied.story.financings
        inv1, inv2, bl1 = hx(d["inv1"]), hx(d["inv2"]), hx(d["bl1"])
        with index.sessions() as s:
            highest = s.scalar(select(func.max(FinancingRow.financing_id)))
        regulator = pledges.financed_view(
            index, [inv2, inv1.upper(), bl1], net.regulator.address, unopened=True
        )
        assert regulator.indexed_up_to == highest
        assert regulator.of(inv2).financing_ids == (f["f2"], f["f3"])
        assert regulator.of(inv1).financing_ids == (f["f1"],)
        assert regulator.of(bl1).financing_ids == ()
        assert regulator.active_unopened is False  # sealed to the regulator: every financing
        bank_b = pledges.financed_view(index, [inv2], net.bank_b.address.upper(), unopened=True)
        assert bank_b.of(inv2).financing_ids == (f["f2"],)  # its own; bank A's f3 is sealed
        assert bank_b.active_unopened is True  # f3, active, never opened by bank B
        assert pledges.financed_view(index, [inv2], net.bank.address).active_unopened is None
        # as pledged_to answers it, one document at a time
        for reader in (net.regulator.address, net.bank_b.address, net.bank.address):
            one = pledges.pledged_to(index, inv2, reader)
            view = pledges.financed_view(index, [inv2, inv1], reader)
            assert view.of(inv2) == one

    def test_without_keys_only_the_public_part_is_indexed(self, storied: Storied, url: str) -> None:
        ledger = storied.ledger
        index = EventIndex(
            ledger.w3, ledger.contract, ledger.chain_id, ledger.manifest.deployment_block, url
        )
        try:
            index.catch_up()
            d, f = storied.story.docs, storied.story.financings
            with index.sessions() as s:
                f3 = s.get(FinancingRow, f["f3"])
                assert (f3.bank, f3.status, f3.fingerprint_count) == (
                    storied.net.bank.address,
                    FinancingStatus.ACTIVE,
                    1,
                )
                assert not f3.opened
                assert (f3.currency, f3.amount, f3.reference, f3.drawn) == (None, None, None, None)
                assert s.scalar(select(func.count()).select_from(PledgeRow)) == 0
                assert s.scalar(select(func.count()).select_from(ReaderRow)) == 0
                # the fingerprint locks are public: indexed from the event, without the document
                fp = hx(storied.story.fingerprints["inv2"][0])
                locks = s.scalars(
                    select(PledgeFingerprintRow).where(PledgeFingerprintRow.fingerprint == fp)
                ).all()
                assert {(x.financing_id, x.doc_hash, x.active) for x in locks} == {
                    (f["f2"], None, False),
                    (f["f3"], None, True),
                }
                refused = s.scalars(select(RefusalRow)).all()
                assert [(r.bank, r.opened, r.doc_hash) for r in refused] == [
                    (storied.net.bank_b.address, False, None),
                    (storied.net.bank_b.address, False, None),
                ]
                assert not s.scalars(select(EntryRow).where(EntryRow.opened.is_(True))).all()
                assert hx(d["inv1"]) in set(s.scalars(select(DocumentRow.doc_hash)))
            # the gateway's keys arrive (a key restored): the projections are replayed, opened
            index.opener.keyring = ledger.encryption_keys
            index.catch_up()
            with index.sessions() as s:
                assert s.get(FinancingRow, f["f3"]).amount == 30000
                assert s.get(FinancingRow, f["f1"]).repaid == 50000
            assert verify(index).equal
        finally:
            index.close()

    def test_an_index_of_an_older_layout_is_dropped_and_rebuilt(
        self, storied: Storied, url: str
    ) -> None:
        engine = make_engine(url)
        with engine.begin() as connection:  # the layout before financings were confidential
            connection.exec_driver_sql(
                "CREATE TABLE financings (financing_id BIGINT PRIMARY KEY, bank VARCHAR(42), "
                "kind INTEGER NOT NULL, currency VARCHAR(3) NOT NULL, amount BIGINT NOT NULL, "
                "bank_reference VARCHAR(66) NOT NULL)"
            )
            connection.exec_driver_sql(
                "INSERT INTO financings VALUES (1, '0x00', 1, 'EUR', 100, '0x00')"
            )
        engine.dispose()
        index = new_index(storied.ledger, url, block_range=50)
        try:
            index.catch_up()
            with index.sessions() as s:
                meta = s.get(IndexMetaRow, 1)
                assert meta.schema_version == SCHEMA_VERSION
                f1 = s.get(FinancingRow, storied.story.financings["f1"])
                assert f1.bank == storied.net.bank.address
                assert f1.opened
            assert verify(index).equal
        finally:
            index.close()

    def test_a_failure_between_ranges_resumes_without_gaps_or_doubles(
        self, storied: Storied, index: EventIndex, url: str
    ) -> None:
        committed: list[int] = []

        def crash_after_third(first: int, last: int) -> None:
            committed.append(last)
            if len(committed) == 3:
                raise Boom

        index.after_commit = crash_after_third
        with pytest.raises(Boom):
            index.catch_up()
        assert index.cursor()[0] == committed[-1]
        index.close()
        resumed = new_index(storied.ledger, url, block_range=8)
        try:
            resumed.catch_up()
            keys = event_keys(resumed)
            assert len(keys) == len(set(keys)) == sum(chain_counts(resumed).values())
            report = verify(resumed)
            assert report.equal, report.divergence
        finally:
            resumed.close()

    def test_a_failure_inside_a_range_commits_nothing_of_it(
        self, storied: Storied, index: EventIndex
    ) -> None:
        index.catch_up(max_ranges=2)
        before_block, before_hash = index.cursor()
        before_keys = event_keys(index)

        def fail(first: int, last: int) -> None:
            raise Boom  # events, projections and cursor are written but not committed

        index.before_commit = fail
        with pytest.raises(Boom):
            index.catch_up()
        assert index.cursor() == (before_block, before_hash)
        assert event_keys(index) == before_keys
        index.before_commit = None
        index.catch_up()
        assert verify(index).equal

    def test_two_followers_on_one_database_never_double(
        self, storied: Storied, index: EventIndex, url: str
    ) -> None:
        other = new_index(storied.ledger, url, block_range=3)
        try:
            for _ in range(20):
                index.catch_up(max_ranges=1)
                other.catch_up(max_ranges=1)
            keys = event_keys(index)
            assert len(keys) == len(set(keys)) == sum(chain_counts(index).values())
            assert verify(other).equal
        finally:
            other.close()

    def test_rebuild_from_scratch_equals_the_chain(
        self, storied: Storied, index: EventIndex
    ) -> None:
        index.catch_up()
        with index.sessions.begin() as s:
            s.execute(delete(EventRow).where(EventRow.event == "MemberAdded"))
        assert not verify(index).equal
        written = index.rebuild()
        assert written == sum(chain_counts(index).values())
        assert verify(index).equal

    def test_verify_names_the_first_divergence(self, storied: Storied, index: EventIndex) -> None:
        index.catch_up()
        good = verify(index)
        assert good.equal
        assert good.chain_hash == good.index_hash
        with index.sessions() as s:
            target = s.scalars(
                select(EventRow).where(EventRow.event == "FinancingEntryRecorded")
            ).first()
            block, log, tx = target.block_number, target.log_index, target.tx_hash
            args = json.loads(target.args)
        args["entryCommitment"] = "0x" + "ab" * 32  # a tampered commitment
        with index.sessions.begin() as s:
            s.execute(
                update(EventRow)
                .where(EventRow.block_number == block, EventRow.log_index == log)
                .values(args=json.dumps(args, sort_keys=True, separators=(",", ":")))
            )
        bad = verify(index)
        assert not bad.equal
        assert bad.chain_hash != bad.index_hash
        assert bad.divergence is not None
        assert (bad.divergence.block_number, bad.divergence.log_index) == (block, log)
        assert bad.divergence.tx_hash == tx
        assert bad.divergence.fields == ["args"]
        assert bad.chain_counts == bad.index_counts  # same counts, different content

        with index.sessions.begin() as s:  # a deleted event: missing in the index
            first = s.scalars(select(EventRow).order_by(EventRow.block_number)).first()
            gone = (first.block_number, first.log_index)
            s.delete(first)
        missing = verify(index)
        assert missing.divergence is not None
        assert (missing.divergence.block_number, missing.divergence.log_index) == gone
        assert missing.divergence.fields == ["missing in index"]
        assert missing.index_events == missing.chain_events - 1

    def test_verify_names_a_derived_table_that_is_not_what_its_events_say(
        self, storied: Storied, index: EventIndex
    ) -> None:
        """Tryout 65 edited a registration's time in ``documents`` and deleted a ``refusals``
        row: the events stayed equal to the chain, and ``verify`` said equal while the audit
        read a false time and missed a refusal."""
        index.catch_up()
        good = verify(index)
        assert good.equal
        assert good.projections is not None
        assert good.projections.equal is True
        assert good.projections.events == good.index_events
        assert good.projections.tables["documents"] > 0
        assert good.projections.tables["refusals"] > 0
        with index.sessions.begin() as s:
            doc = s.scalars(select(DocumentRow).order_by(DocumentRow.doc_hash)).first()
            assert doc is not None
            doc_hash, was = doc.doc_hash, doc.registered_time
            doc.registered_time = 1_577_836_800  # 2020-01-01: an earlier registration
        edited = verify(index)
        assert not edited.equal
        assert edited.divergence is None  # the events are the chain's
        assert edited.chain_hash == edited.index_hash
        assert edited.projections is not None
        found = edited.projections.divergence
        assert found is not None
        assert (found.table, found.key, found.fields) == (
            "documents",
            {"doc_hash": doc_hash},
            ["registered_time"],
        )
        assert found.replay is not None
        assert found.replay["registered_time"] == was
        with index.sessions.begin() as s:
            s.execute(
                update(DocumentRow)
                .where(DocumentRow.doc_hash == doc_hash)
                .values(registered_time=was)
            )
            refusal = s.scalars(select(RefusalRow).order_by(RefusalRow.block_number)).first()
            assert refusal is not None
            gone = {"block_number": refusal.block_number, "log_index": refusal.log_index}
            s.delete(refusal)
        deleted = verify(index)
        assert not deleted.equal
        assert deleted.projections is not None
        assert deleted.projections.divergence is not None
        assert deleted.projections.divergence.table == "refusals"
        assert deleted.projections.divergence.key == gone
        assert deleted.projections.divergence.fields == ["missing in index"]
        index.rebuild()
        assert verify(index).equal

    def test_an_index_of_another_network_is_refused(
        self, storied: Storied, index: EventIndex
    ) -> None:
        index.catch_up()
        with index.sessions.begin() as s:
            s.execute(update(CursorRow).values(contract="0x" + "00" * 20))
        with pytest.raises(LedgerStateError, match="another network"):
            index.catch_up()


class TestSQLiteIndex(IndexSuite):
    @pytest.fixture
    def url(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'index.sqlite'}"

    @pytest.fixture
    def another_url(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'another.sqlite'}"


@pytest.mark.postgres
class TestPostgresIndex(IndexSuite):
    @pytest.fixture
    def url(self, pg_server: PgServer) -> str:
        return pg_server.create_database()

    @pytest.fixture
    def another_url(self, pg_server: PgServer) -> str:
        return pg_server.create_database()
