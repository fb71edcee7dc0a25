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

from sqlalchemy import String, bindparam, cast, func, select, text

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
    "cannot tell", never "not financed": :func:`financed_view`.)

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


@dataclass(frozen=True)
class FinancedView:
    """What the index knows, in one snapshot, for whether documents are financed for one
    reader: ``pledged`` (each asked document's candidates, as :attr:`PledgedTo.financing_ids`),
    ``indexed_up_to`` (the highest financing id it holds) and ``active_unopened`` (whether it
    holds an active financing whose terms the reader's key did not open; None when not asked)."""

    pledged: dict[str, tuple[int, ...]]
    indexed_up_to: int
    active_unopened: bool | None

    def of(self, doc_hash: str) -> PledgedTo:
        """The candidates of ``doc_hash`` (0x hex) as :func:`pledged_to` gives them."""
        return PledgedTo(self.pledged.get(doc_hash.lower(), ()), self.indexed_up_to)


# One statement for the three questions (issue #16: a registration's answer asked them in three
# sessions of freshly built ORM statements, 45% of its interpreter time). One statement reads one
# snapshot on both engines, so the highest id and the candidates agree (see pledged_to). Part 0:
# the highest financing id; 1: the candidates (a pledge whose financing the reader opened);
# 2: one active financing the reader did not open (asked only when the caller needs it).
_HIGHEST = (
    "SELECT 0 AS part, CAST(NULL AS VARCHAR(66)) AS doc_hash,"
    " COALESCE(MAX(financing_id), 0) AS financing_id FROM financings"
)
_CANDIDATES = (
    "SELECT 1, p.doc_hash, p.financing_id FROM pledges p JOIN readers r"
    " ON r.kind = 'fin' AND r.ref = CAST(p.financing_id AS VARCHAR(80)) AND r.reader = :reader"
    " WHERE p.doc_hash IN :docs"
)
_UNOPENED = (
    "SELECT 2, NULL, u.financing_id FROM (SELECT f.financing_id FROM financings f"
    " WHERE f.status = :active AND NOT EXISTS (SELECT 1 FROM readers o"
    " WHERE o.kind = 'fin' AND o.reader = :reader"
    " AND o.ref = CAST(f.financing_id AS VARCHAR(80))) LIMIT 1) u"
)
_VIEW = {
    asked: text(" UNION ALL ".join([_HIGHEST, _CANDIDATES, *([_UNOPENED] if asked else [])]))
    .bindparams(bindparam("docs", expanding=True))
    .columns()
    for asked in (False, True)
}


def financed_view(
    index: EventIndex,
    doc_hashes: list[str],
    reader: str,
    count: int | None = None,
    unopened: bool = False,
) -> FinancedView:
    """What ``index`` knows of the financings pledging each of ``doc_hashes`` (0x hex) that
    ``reader`` (an address) may open, and (``unopened``) whether it holds an active financing
    ``reader``'s key did not open — in one statement. Caught up first as :func:`pledged_to`
    says, when ``count`` (the chain's ``financingCount``) is above what it holds."""
    view = _read_view(index, doc_hashes, reader, unopened)
    if count is None or view.indexed_up_to < count:
        with contextlib.suppress(ChainUnavailable):
            if index.catch_up(max_ranges=CATCH_UP_RANGES, wait=False):
                view = _read_view(index, doc_hashes, reader, unopened)
    return view


def _read_view(
    index: EventIndex, doc_hashes: list[str], reader: str, unopened: bool
) -> FinancedView:
    docs = sorted({d.lower() for d in doc_hashes}) or [""]
    pledged: dict[str, list[int]] = {}
    top = 0
    found_unopened = False
    with index.engine.connect() as connection:
        params = {"reader": reader.lower(), "docs": docs, "active": FINANCING_ACTIVE}
        if not unopened:
            del params["active"]
        rows = connection.execute(_VIEW[unopened], params)
        for part, doc_hash, financing_id in rows:
            if part == 0:
                top = int(financing_id)
            elif part == 1:
                pledged.setdefault(str(doc_hash), []).append(int(financing_id))
            else:
                found_unopened = True
    return FinancedView(
        {d: tuple(sorted(ids)) for d, ids in pledged.items()},
        top,
        found_unopened if unopened else None,
    )


def _highest_financing(index: EventIndex) -> int:
    with index.sessions() as session:
        return int(session.scalar(select(func.max(FinancingRow.financing_id))) or 0)


# The other documents pledged with one of a document's fingerprints, both pledges in financings
# whose terms the reader opened (see copies_pledged_with).
_COPIES = text(
    "SELECT DISTINCT b.doc_hash FROM pledge_fingerprints a"
    " JOIN readers ra ON ra.kind = 'fin' AND ra.reader = :reader"
    " AND ra.ref = CAST(a.financing_id AS VARCHAR(80))"
    " JOIN pledge_fingerprints b ON b.fingerprint = a.fingerprint"
    " JOIN readers rb ON rb.kind = 'fin' AND rb.reader = :reader"
    " AND rb.ref = CAST(b.financing_id AS VARCHAR(80))"
    " WHERE a.doc_hash = :doc AND b.doc_hash IS NOT NULL AND b.doc_hash <> :doc"
    " ORDER BY b.doc_hash"
)


def copies_pledged_with(index: EventIndex, doc_hash: str, reader: str) -> tuple[str, ...]:
    """The other documents (0x hex, ascending) that financings whose terms ``reader`` opened
    pledge with one of the fingerprints a financing ``reader`` opened pledged ``doc_hash``
    with: the same invoice in another file (another format, another hash), known to ``reader``
    from terms sealed or shared to it — an enterprise whose invoice one bank financed as UBL
    (sealed to it as the seller) and another, later, as a CII copy it shared with it. A tryout's
    enterprise read ``invoice_pledged: null`` of its UBL while the regulator's exposure, from
    the same index, named it the borrower of that very financing. Both fingerprints are public
    on chain (the lock); the reader learns nothing its keys do not open. What the index has
    not folded in yet is not found (the caller then knows no more than before)."""
    with index.engine.connect() as connection:
        rows = connection.execute(_COPIES, {"reader": reader.lower(), "doc": doc_hash.lower()})
        return tuple(str(d) for (d,) in rows)
