"""Suspicions across banks: the active financings whose marks a file shares.

A bank's own suspicion checks compare its file with the invoices lodged at its own gateway
(``ledger.services.documents.suspicions_of``). An invoice financed at another bank and then
re-issued or split to this one is found through the **marks** that financing carries on chain
(``ledger.documents.marks``): the file's marks are evaluated with its fingerprints (one
evaluator request), and ``markCarriers`` names every active financing carrying each. Such a
financing is reported as a suspicion of kind ``reissue`` (the same seller, currency, amount
due and lines, whatever the buyer; or, when either invoice states no lines, the same seller,
buyer, currency and amount due; or the same seller, digits of the number, currency and amount
due — and issue date, for the digits run together — whatever the buyer) or ``split`` (the same
seller, buyer, currency, issue date and items, the amount due not compared) — never a block; a
financing of the file must acknowledge it (``ledger.services.financing.create``). What the
other bank pledged stays its own: the suspicion names the financing and its bank (public on
chain), never a document.

Left out: a financing that holds one of the file's own fingerprints (the file is pledged
there: the check says so, and a financing of it is refused and recorded as such). The caller's
own financing carrying a mark is named too (``own``): in the suspicion its own files found, or
on its own when they found none (its files are found by seller and buyer: a copy with no buyer,
or another, meets none of them; a tryout's bank financed one invoice three times so).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

from ledger.documents.facts import DocumentFacts
from ledger.documents.fingerprints import (
    Fingerprint,
    oblivious_fingerprints_many,
    onchain_value,
    oprf_input,
    version_inputs,
)
from ledger.documents.marks import MarkInput, MarkKind, mark_inputs, oprf_inputs, within_limit
from ledger.indexer import headreads
from ledger.network import Ledger
from ledger.words import checksummed, named


@dataclass(frozen=True)
class Mark:
    """One of a file's marks: its kind, its on-chain value (32 bytes), and whether a financing
    of the file carries it and a check of the file looks for it
    (:class:`ledger.documents.marks.MarkInput`)."""

    kind: MarkKind
    value: bytes
    carried: bool = True
    looked_for: bool = True
    #: the scheme of the seller identifier the mark names the seller by (``VAT``, ``NAME``,
    #: ``PARTY``, …; :func:`seller_scheme`), None for a mark that names no seller
    seller_by: str | None = None


def seller_scheme(kind: MarkKind, fields: Sequence[str | None]) -> str | None:
    """The scheme of the identifier a mark of ``kind`` with ``fields`` names the seller by
    (its second field: ``ledger.documents.marks``), None for ``mark_buyer`` (no seller)."""
    if kind is MarkKind.BUYER or len(fields) < 2:
        return None
    return fields[1]


def _wanted(documents: Sequence[DocumentFacts], *, carried: bool) -> list[list[MarkInput]]:
    """The mark inputs of each of ``documents`` to evaluate: those a check looks for, and with
    ``carried`` (a financing) those the financing will carry — at most
    :data:`ledger.documents.marks.MAX_FINANCING_MARKS` in all, as
    :func:`ledger.documents.marks.within_limit` keeps them, marked ``carried`` so that the
    financing's own :func:`within_limit` keeps the same. A financing of 16 invoices evaluated
    every mark a financing could carry, beyond the 64 it keeps, and passed the evaluator's
    default allowance (``tests/api/test_max_pledges.py``; each looked-for mark the gateway
    holds already since the check)."""
    every = [mark_inputs(d) for d in documents]
    if not carried:
        return [[i for i in inputs if i.looked_for] for inputs in every]
    kept = {
        id(i) for i in within_limit([[i for i in inputs if i.carried] for inputs in every], _kind)
    }
    return [
        [replace(i, carried=id(i) in kept) for i in inputs if i.looked_for or id(i) in kept]
        for inputs in every
    ]


def _kind(mark: MarkInput) -> MarkKind:
    return mark.kind


def evaluated_with_marks(
    ledger: Ledger,
    actor: str,
    documents: Sequence[DocumentFacts],
    *,
    with_marks: bool = True,
    carried: bool = True,
    versions: Sequence[Sequence[bytes]] | None = None,
) -> tuple[list[list[Fingerprint]], list[list[Mark]]]:
    """The on-chain fingerprints of ``documents`` and, ``with_marks``, their marks
    (:func:`ledger.documents.marks.mark_inputs`), evaluated for member ``actor`` in one
    evaluator request (one round trip, one proof), each in the order of ``documents``; no
    marks for a document without fingerprints to evaluate. ``carried=False`` (a check): only
    the marks a check looks for, not those only a financing carries (fewer inputs against the
    member's evaluation limit). ``versions``: for each document, the 32-byte hashes whose
    ``document_version`` fingerprints (:func:`ledger.documents.fingerprints.version_inputs`)
    follow its fact fingerprints in its list, evaluated in the same request. Raises as
    :meth:`Ledger.evaluate`."""
    wanted = _wanted(documents, carried=carried) if with_marks else [[] for _ in documents]
    flat = oprf_inputs([i for inputs in wanted for i in inputs])
    per_doc_versions = [version_inputs(v) for v in versions] if versions else []
    flat_versions = [
        oprf_input(i.kind.value, i.fields) for inputs in per_doc_versions for i in inputs
    ]
    marked: list[bytes] = []

    def evaluate(inputs: list[bytes]) -> list[bytes]:  # the marks in the same request
        outputs = ledger.evaluate(actor, [*inputs, *flat, *flat_versions])
        marked[:] = outputs[len(inputs) :]
        return outputs[: len(inputs)]

    fingerprints = oblivious_fingerprints_many(documents, evaluate)
    if len(marked) != len(flat) + len(flat_versions):  # nothing evaluated: no fact input
        return fingerprints, [[] for _ in documents]
    at = len(flat)
    for fps, of_versions in zip(
        fingerprints, per_doc_versions or [[]] * len(documents), strict=True
    ):
        fps += [
            Fingerprint(v.kind, v.basis, onchain_value(o))
            for v, o in zip(of_versions, marked[at : at + len(of_versions)], strict=True)
        ]
        at += len(of_versions)
    marks: list[list[Mark]] = []
    at = 0
    for inputs in wanted:
        outputs = marked[at : at + len(inputs)]
        marks.append(
            [
                Mark(
                    i.kind,
                    onchain_value(o),
                    i.carried,
                    i.looked_for,
                    seller_scheme(i.kind, i.fields),
                )
                for i, o in zip(inputs, outputs, strict=True)
            ]
        )
        at += len(inputs)
    return fingerprints, marks


#: the suspicion kind each mark kind reports
SUSPICION_KIND = {
    MarkKind.REISSUE: "reissue",
    MarkKind.AMOUNT: "reissue",
    MarkKind.SPLIT: "split",
    MarkKind.ORDER: "split",
    MarkKind.NUMBER: "reissue",
    MarkKind.DIGITS: "reissue",
    MarkKind.SELLER_AMOUNT: "reissue",
    MarkKind.ITEMS: "reissue",
    MarkKind.BUYER: "reissue",
}


def suspicion_family(kind: str) -> str:
    """A suspicion's kind as a mark names it (:data:`SUSPICION_KIND`): ``split_part`` and
    ``split_whole`` (found among a bank's files) are a ``split``; any other kind is itself.
    What a financing found by marks joins: the suspicion of its own kind, never another (a
    tryout's re-issue financing was named under a ``copy_revoked`` suspicion)."""
    return "split" if kind.startswith("split") else kind


class Joinable(Protocol):
    """A suspicion a financing found by marks may join: its kind, the financings it names, its
    reasons (``ledger.services.documents.SuspicionInfo``,
    ``ledger.services.financing.PledgeSuspicion``)."""

    @property
    def kind(self) -> str: ...
    @property
    def financings(self) -> tuple[int, ...]: ...
    @property
    def reasons(self) -> tuple[str, ...]: ...


J = TypeVar("J", bound=Joinable)


def join_marked(
    found: list[J],
    financing_id: int,
    kind: str,
    reasons: Sequence[str],
    own: bool,
    where: Callable[[J], bool] = lambda _: True,
) -> bool:
    """Name ``financing_id`` — an active financing found by marks of ``kind`` (``reissue`` or
    ``split``) — in the first suspicion of ``found`` of its kind (:func:`suspicion_family`)
    that ``where`` admits, when it is the caller's ``own`` or that suspicion names it already
    (it holds a file found there); another bank's adds its marks' ``reasons``, which name that
    bank, as the files' do not. Replaces the suspicion in ``found``; True when joined (the
    financing is then no suspicion of its own). One rule for a check's suspicions and a
    financing's: joined to whatever came first, a re-issue's financing was named under a
    ``copy_revoked`` suspicion (tryout 45)."""
    at = next(
        (k for k, s in enumerate(found) if where(s) and suspicion_family(s.kind) == kind), None
    )
    if at is None:
        return False
    first = found[at]
    if not own and financing_id not in first.financings:
        return False
    named = tuple(dict.fromkeys((*first.financings, financing_id)))
    said = first.reasons if own else (*first.reasons, *reasons)
    found[at] = replace(first, financings=named, reasons=said)  # type: ignore[type-var]
    return True


#: which kind a financing found by several of a file's marks is reported as (first wins)
_PRECEDENCE = (
    MarkKind.REISSUE,
    MarkKind.AMOUNT,
    MarkKind.NUMBER,
    MarkKind.DIGITS,
    MarkKind.SELLER_AMOUNT,
    MarkKind.ITEMS,
    MarkKind.BUYER,
    MarkKind.SPLIT,
    MarkKind.ORDER,
)


@dataclass(frozen=True)
class MarkedFinancing:
    """An active financing of another bank that carries one of a file's marks."""

    kind: MarkKind
    financing_id: int
    bank: str
    bank_name: str | None
    #: the caller's own financing (its documents are the caller's to read)
    own: bool = False
    #: what the file checked is, in words (``invoice``, ``warehouse receipt``: a mark compares
    #: documents of every type, and a warehouse receipt was said to be "the same invoice")
    noun: str = "invoice"
    #: the scheme of the seller identifier the mark met by (:attr:`Mark.seller_by`)
    seller_by: str | None = None

    @property
    def suspicion_kind(self) -> str:
        return SUSPICION_KIND[self.kind]

    @property
    def _found(self) -> str:
        if self.own:
            return "found by the marks your own financing carries on chain: its documents are yours"
        return (
            "found by the marks that financing carries on chain; the document itself is that "
            "bank's to see"
        )

    @property
    def reasons(self) -> tuple[str, ...]:
        """The suspicion in words (what is shared, and who holds it)."""
        bank = named(self.bank, self.bank_name)
        # the other document's type is not known here: an invoice, when this file is one
        what = "invoice" if self.noun == "invoice" else "document"
        held = f"active financing {self.financing_id} of {bank} pledges {_a(what)}"
        reasons = mark_reasons(self.kind, held, f"that {what}", self.noun)
        return (*_seller_said(reasons, self.seller_by), self._found)


#: what a mark that names the seller by an identifier of this scheme shows of the seller: not
#: that it is the same — a name, a party id without a scheme or a location code is shared
#: between companies (tryout 88 read "the same seller" of two sellers whose VAT ids differed,
#: met by their name)
_WEAK_SELLER = {
    "NAME": "a seller of the same name (as it sounds; not shown to be the same seller)",
    "PARTY": (
        "a seller with the same party identifier (one without a scheme; not shown to be the "
        "same seller)"
    ),
    "GLN": "a seller at the same GLN (a location code; not shown to be the same seller)",
}


def _seller_said(reasons: tuple[str, ...], seller_by: str | None) -> tuple[str, ...]:
    """``reasons`` (:func:`mark_reasons`) with "the same seller" said as what the mark showed
    of it when it named the seller by a name, a party id without a scheme or a GLN
    (:data:`_WEAK_SELLER`); as they are otherwise."""
    words = _WEAK_SELLER.get(seller_by or "")
    if words is None or not reasons:
        return reasons
    first = reasons[0]
    for said, becomes in (
        ("with the same seller, ", f"of {words}, with the same "),
        ("of the same seller and buyer", f"of {words}, to the same buyer"),
        ("of the same seller", f"of {words}"),
    ):
        if said in first:
            return (first.replace(said, becomes, 1), *reasons[1:])
    return reasons


def mark_reasons(
    kind: MarkKind, held: str, other: str = "that invoice", noun: str = "invoice"
) -> tuple[str, ...]:
    """What a shared mark of ``kind`` says, in words: ``held`` names who holds the other
    invoice (``active financing 3 of Bank A pledges an invoice``; ``documents[0] of this
    financing is an invoice``) and ``other`` how it is called after (``that invoice``);
    ``noun`` what the file checked is (``invoice``, ``warehouse receipt``: ``it may be the
    same warehouse receipt issued twice``)."""
    if kind is MarkKind.REISSUE:
        return (
            f"{held} with the same seller, currency, amount due and lines (their quantities "
            "and net amounts, whatever their items are called) as this file, under this or "
            f"another number and issue date, whatever its buyer: it may be the same {noun} "
            "issued twice",
        )
    if kind is MarkKind.AMOUNT:
        return (
            f"{held} with the same seller, buyer, currency and amount due as this file, "
            f"under this or another number and issue date: it may be the same {noun} issued "
            "twice",
            "lines not compared: this mark names the seller, the buyer and the amount due "
            "(and the delivery references, when both state lines: lines re-cut for the same "
            "amounts hid a re-issue)",
        )
    if kind is MarkKind.NUMBER:
        return (
            f"{held} of the same seller with the same digits in its number and the same "
            "currency and amount due as this file, whatever its buyer and the letters and "
            f"separators of its number: it may be the same {noun} re-typed",
            "buyer and issue date not compared: this mark names neither",
        )
    if kind is MarkKind.DIGITS:
        return (
            f"{held} of the same seller, issued the same day, with the same digits in its "
            "number in the same order and the same currency and amount due as this file, "
            f"whatever its buyer and how the digits are grouped: it may be the same {noun} "
            "re-typed",
            "buyer not compared: this mark does not name it",
        )
    if kind is MarkKind.SELLER_AMOUNT:
        return (
            f"{held} of the same seller with the same currency and amount due as this file, "
            "under this or another number and date, whatever its buyer: it may be the same "
            f"{noun} issued twice",
            f"lines, buyer and date not compared: this file or {other} states no lines "
            "(a JSON form has none), and this mark names neither the buyer nor the date",
        )
    if kind is MarkKind.ITEMS:
        return (
            f"{held} of the same seller and buyer with the same lines (items and quantities) "
            "and the same figure due as this file, in this or another currency: it may be "
            f"the same {noun} re-issued in another currency",
        )
    if kind is MarkKind.BUYER:
        return (
            f"{held} to the same buyer, issued the same day under a number of the same digits, "
            "with the same currency and amount due as this file, whatever its seller: it may "
            f"be the same {noun} with its seller re-keyed or renamed",
            "seller not compared: this mark does not name it",
        )
    if kind is MarkKind.ORDER:
        return (
            f"{held} of the same seller and buyer, issued the same day in the same currency "
            "against the same order or delivery references, with other lines: one of the "
            f"two may be a part of the other ({_a(noun)} split into several by its lines)",
        )
    return (
        f"{held} of the same seller and buyer, issued the same day in the same currency for "
        "the same items, with another amount due or number: one of the two may be a part "
        f"of the other ({_a(noun)} split into several)",
    )


def _a(noun: str) -> str:
    """``noun`` with its indefinite article: ``an invoice``, ``a bill of lading``."""
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def mark_carriers(ledger: Ledger, marks: Sequence[bytes]) -> list[list[int]]:
    """``markCarriers(marks)``: for each mark (32 bytes), every active financing carrying it,
    oldest first — from a served gateway's event index on the embedded chain when it vouches
    for the chain's head (no EVM call, as ``fingerprintHolders``: ``ledger.indexer.headreads``),
    else from the chain."""
    if not marks:
        return []
    index = ledger.event_index if ledger.node is not None else None
    if index is not None:
        found = headreads.mark_carriers(index, ["0x" + bytes(m).hex() for m in marks])
        if found is not None:
            return found
    answer = ledger.calls.functions.markCarriers(list(marks)).call()
    return [[int(i) for i in ids] for ids in answer]


def marked_financings(
    ledger: Ledger,
    actor: str,
    marks: Sequence[Mark],
    exclude: Collection[int] = (),
    *,
    own: bool = False,
    noun: str = "invoice",
) -> list[MarkedFinancing]:
    """The active financings of banks other than ``actor`` — and of ``actor`` too when ``own``
    — that carry one of the ``marks`` a check looks for (``Mark.looked_for``), but those in
    ``exclude`` (financings holding the file's own fingerprints), by financing id; a financing
    found by several marks is reported as the first of re-issue, re-issue by amount, split,
    split by lines. ``own``: the caller's own files found nothing (a bank compares its own
    files in full, but finds them by seller and buyer: a copy with no buyer, or another, meets
    none of them, and a tryout's bank financed one invoice three times so). ``noun``: what
    the file is, in the reasons' words (:attr:`MarkedFinancing.noun`). One
    :func:`mark_carriers` read, then one ``getFinancing`` per financing found."""
    from ledger.services.members import name_of  # members reads documents, which reads this

    marks = [m for m in marks if m.looked_for]
    if not marks:
        return []
    carriers = mark_carriers(ledger, [m.value for m in marks])
    kinds: dict[int, tuple[MarkKind, str | None]] = {}
    for mark, found in zip(marks, carriers, strict=True):
        for financing_id in found:
            if financing_id in exclude:
                continue
            held = kinds.get(financing_id)
            if held is None or _met_first(mark, held):
                kinds[financing_id] = (mark.kind, mark.seller_by)
    out: list[MarkedFinancing] = []
    for financing_id, (kind, seller_by) in sorted(kinds.items()):
        record = ledger.calls.functions.getFinancing(financing_id).call()
        bank = str(record[0])
        if bank.lower() == actor.lower() and not own:
            continue
        mine = bank.lower() == actor.lower()
        out.append(
            MarkedFinancing(
                kind, financing_id, checksummed(bank), name_of(ledger, bank), mine, noun, seller_by
            )
        )
    return out


def _met_first(mark: Mark, held: tuple[MarkKind, str | None]) -> bool:
    """Whether ``mark`` reports a financing found by it and by a mark of ``held`` (its kind
    and seller scheme): a kind earlier in :data:`_PRECEDENCE`, or the same kind naming the
    seller by an identifier that shows it (not a name, a party id without a scheme or a GLN)
    where the other did not."""
    kind, seller_by = held
    if mark.kind is not kind:
        return _PRECEDENCE.index(mark.kind) < _PRECEDENCE.index(kind)
    return (seller_by or "") in _WEAK_SELLER and (mark.seller_by or "") not in _WEAK_SELLER


def shared_within(marks: Sequence[Sequence[Mark]]) -> list[tuple[int, int, MarkKind]]:
    """The documents of one financing that share a mark with each other: ``(later, earlier,
    kind)`` for each pair of ``marks`` (each document's, in the request's order) where one
    looks for a mark (``Mark.looked_for``) the other carries (``Mark.carried``), ``kind`` the
    first of :data:`_PRECEDENCE` among them; once per pair, said of the later document. A
    financing's marks are compared on chain with *other* financings only: a tryout pledged an
    invoice and its copy keyed by another seller identifier in one financing, each for most of
    the invoice's value, and drew both with no word."""
    found: list[tuple[int, int, MarkKind]] = []
    for later in range(1, len(marks)):
        for earlier in range(later):
            kinds = {
                m.kind
                for a, b in ((marks[later], marks[earlier]), (marks[earlier], marks[later]))
                for m in a
                if m.looked_for and any(o.carried and o.value == m.value for o in b)
            }
            if kinds:
                found.append((later, earlier, min(kinds, key=_PRECEDENCE.index)))
    return found
