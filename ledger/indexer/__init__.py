"""The event index: chain logs → SQL, resumable, reorg-safe, rebuildable, verifiable.

* :mod:`ledger.indexer.models` — tables (``events``, cursor, projections)
* :mod:`ledger.indexer.follower` — :class:`EventIndex`: ``catch_up``, ``rebuild``, ``status``
* :mod:`ledger.indexer.verify` — :func:`verify`: the index equals the chain, or where it differs
* :mod:`ledger.indexer.background` — the gateway's follower thread
"""

from __future__ import annotations

from ledger.indexer.follower import EventIndex, IndexStatus
from ledger.indexer.verify import Divergence, VerifyReport, verify

__all__ = ["Divergence", "EventIndex", "IndexStatus", "VerifyReport", "verify"]
