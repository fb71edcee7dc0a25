"""The event index: chain logs → SQL, resumable, reorg-safe, rebuildable, verifiable.

* :mod:`ledger.indexer.models` — tables (``events``, cursor, projections)
* :mod:`ledger.indexer.follower` — :class:`EventIndex`: ``catch_up``, ``rebuild``, ``status``
* :mod:`ledger.indexer.opener` — financing envelopes opened with the gateway's keys
* :mod:`ledger.indexer.verify` — :func:`verify`: the index equals the chain, or where it differs
* :mod:`ledger.indexer.rules` — :func:`check_rules`: the regulator's re-check of the financing
  rules the chain cannot see
* :mod:`ledger.indexer.background` — the gateway's follower thread
* :mod:`ledger.indexer.headreads` — contract reads answered by the index as of the chain's head
* :mod:`ledger.indexer.pledges` — which financings pledge a document, for one reader
"""

from __future__ import annotations

from ledger.indexer.follower import EventIndex, IndexStatus
from ledger.indexer.rules import (
    Breach,
    CancelledOutstanding,
    NotInForce,
    RulesReport,
    check_rules,
)
from ledger.indexer.verify import Divergence, VerifyReport, verify

__all__ = [
    "Breach",
    "CancelledOutstanding",
    "Divergence",
    "EventIndex",
    "IndexStatus",
    "NotInForce",
    "RulesReport",
    "VerifyReport",
    "check_rules",
    "verify",
]
