"""A document's financings are read without queueing behind another thread's catch-up of the
event index (issue #16: a registration's answer reads ``is_financed``, and under eight
concurrent clients every request waited there for the one before it to fold its block in —
half of a registration's time), and the answer is still the chain's: what the index has not
folded in is read from the chain."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from api_helpers import client_fixture, financed_invoice
from fastapi.testclient import TestClient

from ledger.indexer import EventIndex
from ledger.services import documents as docs

if TYPE_CHECKING:
    from tests.conftest import Network

__all__ = ["client_fixture"]

WAIT = 30.0


def test_is_financed_answers_while_another_thread_catches_the_index_up(
    client: TestClient, network: Network, tmp_path: Path
) -> None:
    ledger = network.ledger
    served = ledger.event_index
    index = EventIndex.for_ledger(ledger, url=f"sqlite:///{tmp_path / 'behind.sqlite'}")
    try:
        index.catch_up()
        # financed after the private index stopped: it knows nothing of this financing
        doc_hash, _ = financed_invoice(client, network)
        ledger.event_index = index
        answers: list[bool | None] = []
        with index._lock:  # another thread is catching the index up, and takes its time
            reader = threading.Thread(
                target=lambda: answers.append(
                    docs.is_financed(
                        ledger,
                        docs.parse_doc_hash(doc_hash),
                        network.bank.address,
                        "bank",
                        network.enterprise.address,
                    )
                )
            )
            reader.start()
            reader.join(WAIT)
            answered_while_held = not reader.is_alive()
        reader.join(WAIT)
        assert answered_while_held, "the read queued behind the other thread's catch-up"
        assert answers == [True]  # the financing, read from the chain above the index's top
        regulator = docs.is_financed(
            ledger,
            docs.parse_doc_hash(doc_hash),
            network.regulator.address,
            "regulator",
            network.enterprise.address,
        )
        assert regulator is True
    finally:
        ledger.event_index = served
        index.close()
