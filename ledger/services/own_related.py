"""What a bank's own active financings already hold on the receivable its check looks at,
through files suspected to be a re-issue or a part of the invoice checked (or it of them).

A bank's ``doc check`` says what is left to finance of an invoice by the fingerprints of that
invoice (``Examined.financing_headroom``): its re-issue under another number and date, or a
part of it issued another day, has fingerprints of its own. Tryout 51 (2026-12-06): a bank whose
own financings held an invoice's re-issue and one of its parts checked the original and read
"left to finance: 4,500.00"; the suspicions beside it named the financings, but not as its
own. The bank may read its own financings' terms, so its check now counts them: the files they
pledge are grouped with the checked invoice as the regulator's comparison groups files
(:func:`ledger.documents.suspicion.related_invoices`), and what they hold is counted against the
receivable's amount due — the least of the original's and its re-issues' (a re-issue with a
prepayment stated owes what is left), or the whole's.

Only the caller's own financings are counted: another bank's terms are sealed from it (its
financings are named in the suspicions, as the chain and the marks show them). A file the bank
lodged can also be tied to the checked one through another bank's financing alone: both were
suspected of the invoice that financing holds, which the bank never saw (tryout 82: the bank
financed the re-issue of an original lodged at another bank, then checked a part of it) — its
own financing's acknowledged suspicion names that financing (:func:`tied_through`).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from web3 import Web3

from ledger.documents import DocumentFacts
from ledger.documents.suspicion import related_invoices
from ledger.network import Ledger
from ledger.services.marked import suspicion_family
from ledger.services.roles import FinancingStatus

#: the suspicion kinds (families) that tie the checked invoice to another file of one receivable
RECEIVABLE_FAMILIES = ("reissue", "split")


@dataclass(frozen=True)
class OwnHolding:
    """One file of the receivable an active financing of the caller's own pledges: its
    financing, the document, its role in the receivable (``original``, ``reissue``, ``whole``,
    ``part``: :class:`ledger.documents.suspicion.RelatedFile`) and the amount the financing
    pledged against it (minor units)."""

    financing_id: int
    doc_hash: str
    role: str
    amount: int

    def to_dict(self) -> dict[str, object]:
        return {
            "financing_id": self.financing_id,
            "doc_hash": self.doc_hash,
            "role": self.role,
            "amount": self.amount,
        }


@dataclass(frozen=True)
class OwnReceivable:
    """The receivable a checked invoice is a file of, as the caller's own financings hold it:
    ``kind`` (``reissue``, ``split``, ``reissue_and_split``), ``role`` of the checked file in it,
    ``amount_due`` (minor units of ``currency``: the least of the original's and its re-issues',
    or the whole's) and the ``holdings`` of the caller's active financings on its other files."""

    kind: str
    currency: str
    role: str
    amount_due: int
    holdings: tuple[OwnHolding, ...]
    #: what the credit notes counted here take off the checked invoice (minor units: its amount
    #: due less its financeable amount; tryout 52 read 1,000.00 more left than there was)
    credited: int = 0

    @property
    def net_due(self) -> int:
        """The receivable's amount due net of :attr:`credited` (minor units)."""
        return self.amount_due - self.credited

    @property
    def beyond_due(self) -> int:
        """What the caller's own financings hold beyond :attr:`net_due` (minor units; 0: none)."""
        return max(0, self.held - self.net_due)

    @property
    def held(self) -> int:
        """What the caller's own financings hold on the receivable's other files (minor units)."""
        return sum(h.amount for h in self.holdings)

    def left(self, headroom: int) -> int:
        """What is left to finance of the checked file counting them (minor units): its own
        ``headroom`` (by its fingerprints), at most the receivable's amount due net of the credit
        notes counted (:attr:`net_due`) less what they hold; never negative."""
        return max(0, min(headroom, self.net_due - self.held))

    @property
    def financing_ids(self) -> tuple[int, ...]:
        return tuple(sorted({h.financing_id for h in self.holdings}))


def own_financings(ledger: Ledger, actor: str, financing_ids: Sequence[int]) -> dict[int, Any]:
    """Those of the active ``financing_ids`` that are ``actor``'s own (its bank, by member id:
    ``ledger.services.financing.is_bank_of``), with their terms (``financing.Financing``), by
    id. Reads each financing from the chain and opens its terms with ``actor``'s key."""
    from ledger.services import financing as fin_svc  # it imports this package's documents

    member_id: int | None = None
    found: dict[int, Any] = {}
    for financing_id in sorted(set(financing_ids)):
        financing = fin_svc.get(ledger, financing_id, reader=actor)
        if financing.status is not FinancingStatus.ACTIVE or financing.terms is None:
            continue
        if member_id is None:
            member_id = int(
                ledger.calls.functions.memberOf(Web3.to_checksum_address(actor)).call()[0]
            )
        if fin_svc.is_bank_of(ledger, financing, actor, member_id):
            found[financing_id] = financing
    return found


def own_receivable(
    ledger: Ledger,
    actor: str,
    facts: DocumentFacts,
    doc_hash: str,
    owned: dict[int, Any],
    financeable: int | None = None,
    named: Sequence[str] = (),
    tied: dict[str, str] | None = None,
    checked_family: str = "",
) -> OwnReceivable | None:
    """The receivable of the invoice with ``facts`` (document ``doc_hash``, 0x hex) as
    ``actor``'s own active financings ``owned`` (:func:`own_financings`) hold it through its
    other files (lodged here by ``actor``); None when no file they pledge is found to be of
    that receivable. ``financeable``: the checked invoice's amount due net of the credit notes
    counted here (what they take off it is taken off the receivable). ``named``: the other
    documents the check's suspicions name (0x hex), compared as context — an original no
    financing holds stays the original (:func:`related_invoices`). ``tied``: documents the
    financings pledge that are tied to the checked file through another bank's financing
    (:func:`tied_through`), by the family of the suspicion acknowledged, with
    ``checked_family`` the check's own: counted when no comparison groups them
    (:func:`_tied_receivable`). Reads the files from the gateway database."""
    pledged: dict[str, list[tuple[int, int]]] = {}  # document → (financing, amount)
    #: what they pledge on the checked file itself: counted with the rest once the file is
    #: found to be of a receivable they hold otherwise too (tryout 82: a check of an original
    #: financed for 500.00, its re-issue for 100.00, said "less 100.00 held" of 529.87 due)
    on_checked: list[tuple[int, int]] = []
    for financing_id, financing in sorted(owned.items()):
        for pledge in financing.terms.pledges:
            if pledge.doc_hash.lower() == doc_hash.lower():
                on_checked.append((financing_id, int(pledge.amount)))
            else:
                pledged.setdefault(pledge.doc_hash.lower(), []).append(
                    (financing_id, int(pledge.amount))
                )
    files = _lodged_facts(ledger, actor, list(pledged))
    if not files:
        return None
    checked = doc_hash.lower()
    found = _grouped(facts, checked, files, pledged, on_checked, ledger, actor, named)
    if found is None and tied:
        found = _tied_receivable(facts, checked, files, pledged, on_checked, tied, checked_family)
    if found is None:
        return None
    due = facts.amount_due_minor or 0
    credited = max(0, due - financeable) if financeable is not None else 0
    return replace(found, credited=credited)


def _grouped(
    facts: DocumentFacts,
    checked: str,
    files: list[tuple[str, DocumentFacts]],
    pledged: dict[str, list[tuple[int, int]]],
    on_checked: list[tuple[int, int]],
    ledger: Ledger,
    actor: str,
    named: Sequence[str],
) -> OwnReceivable | None:
    """The receivable :func:`related_invoices` groups the checked file with, among the files
    the financings pledge (``named``: context, as :func:`own_receivable` says)."""
    others = [h.lower() for h in named if h.lower() not in pledged and h.lower() != checked]
    context = _lodged_facts(ledger, actor, list(dict.fromkeys(others)))
    for group in related_invoices([(checked, facts), *files], context=context):
        roles = {f.ident: f.role for f in group.files}
        if checked not in roles:
            continue
        holdings = tuple(
            OwnHolding(financing_id, ident, roles[ident], amount)
            for ident, _ in files
            if ident in roles
            for financing_id, amount in pledged[ident]
        )
        if not holdings:
            continue
        holdings += tuple(
            OwnHolding(financing_id, checked, roles[checked], amount)
            for financing_id, amount in on_checked
        )
        return OwnReceivable(group.kind, group.currency, roles[checked], group.amount_due, holdings)
    return None


def _tied_receivable(
    facts: DocumentFacts,
    checked: str,
    files: list[tuple[str, DocumentFacts]],
    pledged: dict[str, list[tuple[int, int]]],
    on_checked: list[tuple[int, int]],
    tied: dict[str, str],
    checked_family: str,
) -> OwnReceivable | None:
    """The receivable of the checked file and the files ``tied`` to it through another bank's
    financing (pledged document → the family, ``reissue`` or ``split``, of the suspicion its
    own financing acknowledged naming that financing; ``checked_family``: the family of the
    check's suspicion naming it): both resemble the invoice that financing holds, which the
    bank never saw, so no comparison of its own files groups them (tryout 82: a part checked
    beside the bank's own financing of the re-issue of an original lodged at another bank
    only). A re-issue carries the original's amount due; a file split from it is a part below
    that amount or a whole above it: the receivable's amount due is the least of the
    re-issues' (the checked file's too when it is one), or a whole's above it. Files of one
    currency only; none when no re-issue is among them (two parts of an unseen whole: its
    amount is not known here)."""
    members = [(checked, facts, checked_family)] + [
        (h, f, tied[h]) for h, f in files if h in tied and f.currency == facts.currency
    ]
    if len(members) < 2 or facts.currency is None:
        return None
    reissued = [f.amount_due_minor for _, f, family in members if family == "reissue"]
    if not reissued or any(a is None for a in reissued):
        return None
    original = min(a for a in reissued if a is not None)
    split = [f.amount_due_minor or 0 for _, f, family in members if family == "split"]
    due = max([original, *split])

    def role(f: DocumentFacts, family: str) -> str:
        if family == "reissue":
            return "reissue"
        return "part" if (f.amount_due_minor or 0) < due else "whole"

    roles = {h: role(f, family) for h, f, family in members}
    holdings = tuple(
        OwnHolding(financing_id, h, roles[h], amount)
        for h, _, _ in members[1:]
        for financing_id, amount in pledged[h]
    ) + tuple(OwnHolding(fid, checked, roles[checked], amount) for fid, amount in on_checked)
    kind = "reissue_and_split" if split else "reissue"
    return OwnReceivable(kind, facts.currency, roles[checked], due, holdings)


def tied_through(ledger: Ledger, actor: str, others: Sequence[int]) -> dict[int, dict[str, str]]:
    """``actor``'s active financings whose acknowledged suspicions (its sealed terms, as the
    event index folded them in) name any of ``others`` — other banks' financings a check's
    re-issue or split suspicions name —, by id: each pledged document such a suspicion was
    about → its family (``reissue``, ``split``). Empty without an event index (a CLI beside
    no index: not tied). The index caught up to the head first, then one statement."""
    index = ledger.event_index
    wanted = {int(o) for o in others}
    if index is None or not wanted:
        return {}
    from sqlalchemy import func, select

    from ledger.errors import ChainUnavailable
    from ledger.indexer.models import FinancingRow
    from ledger.indexer.pledges import CATCH_UP_RANGES, FINANCING_ACTIVE

    # the bank's own newest financing may be a block ahead of the follower: folded in first,
    # behind the follower's own catch-up if it runs (only a check with such a suspicion waits;
    # not waiting missed the financing made a moment before, under load)
    with contextlib.suppress(ChainUnavailable):
        index.catch_up(max_ranges=CATCH_UP_RANGES)
    with index.sessions() as session:
        rows = session.execute(
            select(FinancingRow.financing_id, FinancingRow.acknowledged_suspicions).where(
                func.lower(FinancingRow.bank) == actor.lower(),
                FinancingRow.status == FINANCING_ACTIVE,
                FinancingRow.acknowledged_suspicions.is_not(None),
            )
        ).all()
    tied: dict[int, dict[str, str]] = {}
    for financing_id, text in rows:
        try:
            acknowledged = json.loads(text or "null")
        except ValueError:
            continue
        for entry in acknowledged if isinstance(acknowledged, list) else ():
            if not isinstance(entry, dict):
                continue
            family = suspicion_family(str(entry.get("kind", "")))
            named = entry.get("financings")
            # the pledged document, or (terms before 2026-12-05) its index in the request:
            # ``#N``, for :func:`tied_documents` to name from the financing's pledges
            doc = entry.get("doc_hash")
            index_of = entry.get("document_index")
            key = doc.lower() if isinstance(doc, str) else f"#{index_of}"
            if family not in RECEIVABLE_FAMILIES or not isinstance(named, list):
                continue
            if not wanted & {n for n in named if isinstance(n, int)}:
                continue
            tied.setdefault(int(financing_id), {})[key] = family
    return tied


def tied_documents(tied: dict[int, dict[str, str]], owned: dict[int, Any]) -> dict[str, str]:
    """The documents (0x hex, lower case) of :func:`tied_through`'s financings that are among
    ``owned`` (:func:`own_financings`), each with its family: a ``#N`` named by its financing's
    N-th pledge."""
    found: dict[str, str] = {}
    for financing_id, documents in tied.items():
        financing = owned.get(financing_id)
        if financing is None:
            continue
        pledges = financing.terms.pledges
        for key, family in documents.items():
            if key.startswith("#"):
                index = int(key[1:]) if key[1:].isdigit() else -1
                if not 0 <= index < len(pledges):
                    continue
                key = pledges[index].doc_hash.lower()
            found.setdefault(key, family)
    return found


def _lodged_facts(
    ledger: Ledger, actor: str, doc_hashes: Sequence[str]
) -> list[tuple[str, DocumentFacts]]:
    """The facts of the files ``actor`` lodged here with ``doc_hashes``, those it lodged only."""
    from ledger.services.documents import facts_of  # it imports this module

    found = []
    for doc_hash in doc_hashes:
        rows = ledger.db.received(doc_hash, actor)
        if rows and (facts := facts_of(rows[0])) is not None:
            found.append((doc_hash, facts))
    return found


def receivable_financings(kinds_and_ids: Sequence[tuple[str, Sequence[int]]]) -> list[int]:
    """The financings suspicions of a receivable's kinds name (``(kind, financings)`` pairs):
    a ``copy_revoked`` suspicion's are not of another file of the receivable."""
    return sorted(
        {
            f
            for kind, ids in kinds_and_ids
            if suspicion_family(kind) in RECEIVABLE_FAMILIES
            for f in ids
        }
    )


@dataclass(frozen=True)
class RelatedCredit:
    """The credit notes counted against the other files of the receivable an invoice is a file
    of — the original it re-issues, or a re-issue of it — as :func:`related_credit` finds them:
    the receivable's ``amount_due`` (minor units: the least of the original's and its
    re-issues', :class:`ledger.documents.suspicion.RelatedInvoices`), what the notes take off it
    (``credited``), and the ``notes`` as (credit note, the invoice it names, that invoice's
    number as written), 0x hex."""

    amount_due: int
    credited: int
    notes: tuple[tuple[str, str, str], ...]
    #: the number as written of the file whose amount due is the receivable's, when its files
    #: state different ones (the least stated; "" when they agree)
    least_of: str = ""

    def left(self, net: int) -> int:
        """What is left of the receivable (minor units): the pledged invoice's own amount due
        net of the credit notes naming it (``net``), or the receivable's when less, less what
        the notes on its other files take off."""
        return min(net, self.amount_due) - self.credited


def related_credit(
    ledger: Ledger, actor: str, facts: DocumentFacts, doc_hash: str
) -> RelatedCredit | None:
    """Credit notes counted against another file of the receivable the invoice ``facts``
    (document ``doc_hash``, 0x hex) is a file of: an invoice ``actor`` lodged here that it
    re-issues, or that re-issues it (a suspicion ties them: :func:`related_invoices`). A credit
    note names the invoice number it corrects (BT-25), so one naming the original is not counted
    against its re-issue: a tryout's bank financing the re-issue was told nothing when the
    buyer's credit note cancelled part of the original (tryout 53). Counted as
    ``docs.credit_notes_read`` counts them for ``actor``; None when there are none."""
    from ledger.services import documents as docs  # it imports this module

    if facts.credit_note or facts.amount_due_minor is None:
        return None
    rows = docs.same_parties_files(ledger, facts, doc_hash.lower(), actor, "bank")
    others = [(h, f) for h, (f, _) in rows.items() if not f.credit_note]
    if not others:
        return None
    checked = doc_hash.lower()
    for group in related_invoices([(checked, facts), *others]):
        roles = {f.ident: f.role for f in group.files}
        if roles.get(checked) not in ("original", "reissue"):
            continue
        notes: dict[str, tuple[int, str, str]] = {}
        for ident, other in others:
            if roles.get(ident) not in ("original", "reissue") or other.number == facts.number:
                continue
            counted, _ = docs.credit_notes_read(ledger, other, reader=actor)
            for note_hash, note in counted:
                notes.setdefault(
                    note_hash, (note.amount_minor or 0, ident, other.number_as_written)
                )
        if not notes:
            return None
        counted_files = group.counted()
        least = min(counted_files, key=lambda x: x.amount_due)
        return RelatedCredit(
            group.amount_due,
            sum(amount for amount, _, _ in notes.values()),
            tuple((h, ident, number) for h, (_, ident, number) in sorted(notes.items())),
            least.number if len({x.amount_due for x in counted_files}) > 1 else "",
        )
    return None
