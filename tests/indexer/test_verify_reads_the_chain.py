"""A verifier's answer is the chain's: ``doc verify`` / ``POST /v1/documents/verify`` and ``doc
prove`` read the registration from the chain, never from the served gateway's event index
(which answers other state reads on the embedded chain for speed). Tryout 67 set a
registration's time in the index file four years early; ``doc verify`` answered "registered
and active" with it, and only ``audit verify`` said the index was edited."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import update

from ledger.indexer import EventIndex
from ledger.indexer.models import DocumentRow
from ledger.services import documents as docs
from ledger.services import verify as verify_svc
from tests.conftest import Network

EARLY = 1_600_000_000  # 2020-09-13


def test_verify_reads_the_registration_from_the_chain_not_an_edited_index(
    network: Network, tmp_path: Path
) -> None:
    ledger = network.ledger
    served = ledger.event_index
    data = b"bill of lading BL-7, verified against the chain"
    doc_hash = hashlib.sha256(data).digest()
    docs.register(ledger, network.enterprise.address, doc_hash, docs.DocType.BILL_OF_LADING)
    truth = docs.get_registration(ledger, doc_hash, from_chain=True).registered_at
    index = EventIndex.for_ledger(ledger, url=f"sqlite:///{tmp_path / 'edited.sqlite'}")
    try:
        index.catch_up()
        with index.sessions.begin() as s:
            s.execute(
                update(DocumentRow)
                .where(DocumentRow.doc_hash == docs.hex32(doc_hash))
                .values(registered_time=EARLY)
            )
        ledger.event_index = index
        if ledger.node is not None:  # the embedded chain: state reads come from the index
            assert docs.get_registration(ledger, doc_hash).registered_at.timestamp() == EARLY
        checked = verify_svc.verify_file(ledger, data)
        assert checked.registration is not None
        assert checked.registration.registered_at == truth
        assert docs.lookup_file(ledger, data, from_chain=True).registration.registered_at == truth
    finally:
        ledger.event_index = served
        index.close()
