"""Which financings pledge a document, for one reader, from the event index (issue #16).

Which document a financing pledges is sealed in its terms: a gateway learns it only by opening
the terms with a key it holds. The index opens every financing once as it follows the chain
(``pledges``, ``readers``); without it, the financings of one document were found by opening
*every* financing on chain — a chain read, a log query and a decryption each — on every read of
a registered document (its record, its check, whether it is financed).

The index narrows the search; it does not answer it: the caller reads each candidate from the
chain (its status now, its terms opened again) and reads every financing the index has not seen
yet (ids above :attr:`PledgedTo.indexed_up_to`), so an answer is never older than the chain.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import String, cast, func, select

from ledger.errors import ChainUnavailable
from ledger.indexer.models import FinancingRow, PledgeRow, ReaderRow

if TYPE_CHECKING:
    from ledger.indexer.follower import EventIndex

#: ``FinancingStatus.ACTIVE`` as the index stores it
FINANCING_ACTIVE = 1

#: block ranges a read catches the index up by before it asks (a far-behind index is left to the
#: follower; the financings it has not seen are read from the chain instead)
CATCH_UP_RANGES = 1


@dataclass(frozen=True)
class PledgedTo:
    """``financing_ids``: the financings the index holds that pledge the document and whose
    terms the reader's key opened (ascending); ``indexed_up_to``: the highest financing id the
    index holds — every financing above it is unknown to the index."""

    financing_ids: tuple[int, ...]
    indexed_up_to: int


def pledged_to(
    index: EventIndex, doc_hash: str, reader: str, count: int | None = None
) -> PledgedTo:
    """What ``index`` knows of the financings pledging ``doc_hash`` (0x hex) that ``reader``
    (an address) may open. When the chain holds financings the index has not seen (``count``,
    the chain's ``financingCount``, above its highest; always when ``count`` is None) it is
    first caught up to the head (at most ``CATCH_UP_RANGES`` ranges) — unless the chain does not
    answer, or another thread is catching it up: the caller reads every financing above
    ``indexed_up_to`` from the chain, so waiting would only queue concurrent requests behind
    one another (issue #16). When it has seen them all, the catch-up would add nothing this
    answer needs (a financing's pledges are indexed with it; its status is read from the
    chain) and is left to the follower. (Terms shared with ``reader`` later, by a
    ``TermsShared`` the follower has not folded in yet, are then missing for a moment; such a
    financing is still an active one ``reader`` has not opened, so the registrant reads
    "cannot tell", never "not financed": :func:`active_unopened`.)

    ``indexed_up_to`` is read before the candidates: a financing indexed between the two reads
    is then either a candidate or above it, never neither."""
    if count is None or _highest_financing(index) < count:
        with contextlib.suppress(ChainUnavailable):
            index.catch_up(max_ranges=CATCH_UP_RANGES, wait=False)
    top = _highest_financing(index)  # before the candidates (see below)
    with index.sessions() as session:
        ids = session.scalars(
            select(PledgeRow.financing_id)
            .join(
                ReaderRow,
                (ReaderRow.kind == "fin")
                & (ReaderRow.ref == cast(PledgeRow.financing_id, String(80)))
                & (ReaderRow.reader == reader.lower()),
            )
            .where(PledgeRow.doc_hash == doc_hash.lower())
            .order_by(PledgeRow.financing_id)
        ).all()
    return PledgedTo(tuple(int(i) for i in ids), top)


def _highest_financing(index: EventIndex) -> int:
    with index.sessions() as session:
        return int(session.scalar(select(func.max(FinancingRow.financing_id))) or 0)


def active_unopened(index: EventIndex, reader: str) -> tuple[bool, int]:
    """(whether the index holds an active financing whose terms ``reader``'s key did not open,
    the highest financing id it holds): the caller reads the others from the chain. The
    highest id is read first (see :func:`pledged_to`)."""
    opened = (
        select(ReaderRow.ref)
        .where(ReaderRow.kind == "fin", ReaderRow.reader == reader.lower())
        .scalar_subquery()
    )
    top = _highest_financing(index)  # before the candidates (see pledged_to)
    with index.sessions() as session:
        found = session.scalar(
            select(FinancingRow.financing_id)
            .where(
                FinancingRow.status == FINANCING_ACTIVE,
                cast(FinancingRow.financing_id, String(80)).not_in(opened),
            )
            .limit(1)
        )
    return found is not None, top
