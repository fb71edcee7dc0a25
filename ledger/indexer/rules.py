"""The regulator's re-check of every financing rule that moved off chain.

Since financings are confidential (issue #14) the contract enforces only the duplicate rule (a
fingerprint is locked by at most one active financing). The rules that need clear amounts are
checked by the bank's gateway before it signs — and a bank that signs around its gateway is
not stopped by the chain. :func:`check_rules` is the regulator's proof that none did: it replays
the contract's events **from the index's ``events`` table** (which :func:`ledger.indexer.verify`
proves equal to the chain), opens every envelope with the regulator's own key(s) — not with
whatever else the gateway holds — and names each breach.

The rules, each a :class:`Breach` ``rule`` code:

``SEALED_WITHOUT_REGULATOR``
    a financing's terms do not open with the key of a regulator that had published it before
    the financing was registered (and no ``TermsShared`` gave it the data key since);
``NOT_SHARED_WITH_REGULATOR``
    the same for a regulator that published its key after the financing: its terms were never
    shared with it (``shareTerms``);
``REFUSAL_SEALED_WITHOUT_REGULATOR``
    a refused attempt recorded after the regulator published its key does not open with it;
``TERMS_COMMITMENT_MISMATCH``, ``ENTRY_COMMITMENT_MISMATCH``
    an envelope's plaintext does not hash (SHA-256) to the commitment recorded beside it;
``TERMS_MALFORMED``, ``ENTRY_MALFORMED``, ``ENTRY_UNREADABLE``
    an envelope the regulator opens holds no terms / entry of the expected shape, or an entry
    does not open with its financing's data key;
``TERMS_INCONSISTENT``
    the terms' amount is not the sum of their documents' amounts, name no document or one
    document twice, or name another bank than the one that sent them;
``FINGERPRINTS_MISMATCH``
    the fingerprints locked on chain are not those the terms give for their documents (a
    duplicate could go unseen);
``DOCUMENT_REVOKED``, ``DOCUMENT_SUPERSEDED``
    a financed document was revoked or superseded when the financing was registered (one
    nobody registered may be financed: registering it would name it to everyone);
``AMOUNT_NOT_POSITIVE``
    a document's amount or an entry's amount is zero or negative;
``EXCEEDS_FACE_VALUE``
    a document is financed beyond its face value — by one financing, or by the financings
    active on it together;
``CURRENCY_MISMATCH``, ``FACE_VALUE_MISMATCH``
    successive financings of a document in another currency, or stating another face value,
    than its first financing;
``DRAWDOWN_EXCEEDS_FINANCING``, ``REPAYMENT_EXCEEDS_DRAWN``
    the running drawn amount exceeds the financed amount, or the running repaid amount the
    drawn amount;
``ENTRY_TOTALS_INCONSISTENT``
    an entry's stated ``total_drawn`` / ``total_repaid`` are not the running totals;
``CLOSED_NOT_REPAID``
    a financing was closed while part of what was drawn was not repaid.

Beside the rules, a finding that breaks none (:class:`NotInForce`): an *active* financing that
pledges a document revoked or superseded since. The chain does not stop such a financing — its
bank decides what to do with it (``docs/rules.md``) — so the rules still hold; the regulator is
shown each one (``RulesReport.not_in_force``) to follow up: a superseded document with the end
of its chain of amendments (the chain ``amendments_financed_twice`` reads too) and its status,
and — for one revoked, or superseded by a version revoked since — ``no_version_in_force`` with
who revoked it, when and why. And another
(:class:`CancelledOutstanding`): a financing *cancelled* while its drawn amount exceeded its
repaid amount. A cancel is allowed at any time (``docs/rules.md``) and releases the documents,
so the rules hold; but the money is still out and no active financing counts it any more —
the regulator is shown each one (``RulesReport.cancelled_outstanding``). A financing *closed*
so is a breach (``CLOSED_NOT_REPAID``). And a third (:class:`HeldAboveNetDue`): an invoice its
active financings hold more on than its amount due net of the credit notes lodged at this
gateway — the bank is warned on its next write (``document_credited``), the regulator here
(``RulesReport.held_above_net_due``). And a fourth (:class:`AmendmentFinancedTwice`): an
invoice amended (``supersedeDocument``, ``DocumentSuperseded`` old → new, read as linear chains
of versions) whose versions carry two or more active financings, on different versions — bank A
on the original, bank B on the amendment: one invoice financed twice, which neither the
fingerprint locks (an amendment with a new number and amount has other fingerprints) nor the
per-document rules see (each version is within its own face value). A financing of an earlier
version made before it was superseded breaks no rule, nor does the amendment's
(``RulesReport.amendments_financed_twice``); financings of one version are the per-document
rules' business, not this list's. And a fifth (:class:`FinancedDespiteSuspicions`): an active
financing whose sealed terms record suspicions its bank acknowledged
(``acknowledge_suspicions``: ``ledger.services.financing.create``) that name another financing
still active (another bank's, or the bank's own) — a re-issue or a split of an invoice that
financing pledges (``ledger.services.marked``). The bank was told and went ahead, which no rule
forbids (a suspicion is not a block); but one invoice may be financed at two banks
(``RulesReport.financed_despite_suspicions``). A suspicion found among the bank's own lodged
files (``financings: []``) records how many files, not which: it names no financing, and is
no entry. And a sixth (:class:`CopyNotInForce`): an active financing whose pledged document
shares a locked fingerprint with a document another financing pledged, no version of which is
in force — the same receivable in another file, withdrawn by its seller; its bank cannot see
the other financing's documents (``RulesReport.copies_not_in_force``) — when its revoker is the
seller or an admin (``ledger.services.roles.withdraws_receivable``); revoked by another
registrant, only its registration is shown to be withdrawn
(``RulesReport.copies_revoked_not_by_seller``). And a seventh
(:class:`ReissueOrSplitFinanced`): an invoice and its re-issues, or an invoice and the
invoices found to be its parts, as the files lodged at the regulator's gateway say
(``ledger.documents.suspicion.related_invoices``), two or more of which active financings pledge
— with what they hold together against its amount due. No bank can see it when each holds one
file: a part issued another day meets no cross-bank mark
(``RulesReport.reissues_and_splits_financed``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select

from ledger import confidential as conf
from ledger.documents.suspicion import RelatedFile, RelatedInvoices
from ledger.indexer.follower import EventIndex
from ledger.indexer.models import EventRow, MemberRow
from ledger.indexer.terms import DocumentTerms, Terms, parse_entry, parse_terms
from ledger.services.roles import (
    REGISTRATION_ONLY_REASONS,
    REGISTRATION_WITHDRAWN_ONLY,
    DocStatus,
    RevocationReason,
    Role,
    reason_name,
    registration_only_words,
    revocation_withdraws,
    revoker_words,
    withdraws_receivable,
)
from ledger.words import money, named, utc_text

#: every rule code :func:`check_rules` may name, in the order of the module docstring
RULES = (
    "SEALED_WITHOUT_REGULATOR",
    "NOT_SHARED_WITH_REGULATOR",
    "REFUSAL_SEALED_WITHOUT_REGULATOR",
    "TERMS_COMMITMENT_MISMATCH",
    "ENTRY_COMMITMENT_MISMATCH",
    "TERMS_MALFORMED",
    "ENTRY_MALFORMED",
    "ENTRY_UNREADABLE",
    "TERMS_INCONSISTENT",
    "FINGERPRINTS_MISMATCH",
    "DOCUMENT_REVOKED",
    "DOCUMENT_SUPERSEDED",
    "AMOUNT_NOT_POSITIVE",
    "EXCEEDS_FACE_VALUE",
    "CURRENCY_MISMATCH",
    "FACE_VALUE_MISMATCH",
    "DRAWDOWN_EXCEEDS_FINANCING",
    "REPAYMENT_EXCEEDS_DRAWN",
    "ENTRY_TOTALS_INCONSISTENT",
    "CLOSED_NOT_REPAID",
)


@dataclass(frozen=True)
class Breach:
    """One broken rule: its ``rule`` code, a sentence, and where on chain (the event that
    broke it: block, log index, transaction); the financing, document and regulator concerned
    when there is one."""

    rule: str
    message: str
    block_number: int
    log_index: int
    tx_hash: str
    financing_id: int | None = None
    doc_hash: str | None = None
    regulator: str | None = None


@dataclass(frozen=True)
class IndexedRevocation:
    """Who revoked a document (``by``, its name ``by_name``), when (``at``, RFC 3339 UTC) and
    why (``reason_code`` and its name, docs/rules.md "Reason codes"), by the ``DocumentRevoked``
    event at ``block_number``, ``tx_hash``: the fields of a document's ``revocation``."""

    by: str
    by_name: str | None
    reason_code: int
    reason_name: str
    at: str
    block_number: int
    tx_hash: str


@dataclass(frozen=True)
class NotInForce:
    """An active financing (``financing_id`` of ``bank``) that pledges ``doc_hash``, a document
    ``status`` ``revoked`` or ``superseded`` now — by the event at ``block_number``, ``log_index``,
    ``tx_hash``. Not a breach: the chain does not stop it, its bank decides.

    A superseded document names the amendment that replaced it (``superseded_by``), its
    ``current_version`` (the end of its chain of amendments) and that version's
    ``current_status``. ``no_version_in_force`` is true when the document is
    revoked, or superseded and its current version revoked: then ``revocation`` says who revoked
    it (the document, or its current version), when and why — the same gravity either way.
    ``message`` says it in words."""

    financing_id: int
    bank: str
    doc_hash: str
    status: str
    block_number: int
    log_index: int
    tx_hash: str
    superseded_by: str | None = None
    current_version: str | None = None
    current_status: str | None = None
    no_version_in_force: bool = False
    revocation: IndexedRevocation | None = None
    message: str = ""
    #: the revoker (of ``revocation``) is an ADMIN of the consortium; None: no revocation
    revoker_admin: bool | None = None
    #: the revoker is shown to be the document's seller (True), not shown (False), or it cannot
    #: be told here (None: no file of the document lodged here names a seller, or no revocation)
    revoker_is_seller: bool | None = None
    #: who revoked, as weighed, in words (``ledger.services.roles.revoker_words``); None: no
    #: revocation
    revoker_standing: str | None = None
    #: the revocation withdrew the receivable (by an admin or the seller, for a reason but 1 or
    #: 2: ``ledger.services.roles.withdraws_receivable``), or only its registrant's registration
    #: (tryout 81: an enterprise registered another seller's invoice and revoked it "cancelled
    #: by issuer"; the audit said only that); None: no revocation
    withdraws_receivable: bool | None = None
    #: a superseded document: whether the member that superseded it (its registrant) is shown
    #: to be its seller (True), not shown (False: its amendment is not shown to be the
    #: seller's), or it cannot be told here (None); and that in words
    superseder_is_seller: bool | None = None
    superseder_standing: str | None = None


@dataclass(frozen=True)
class CopyNotInForce:
    """Active financing ``financing_id`` of ``bank`` pledges ``doc_hash``, which shares the
    locked ``fingerprint`` with ``withdrawn_doc_hash`` — a document financing
    ``other_financing_id`` of ``other_bank`` pledged (active or not) — and no version of that
    document is in force: it is revoked, or superseded and its current version
    (``current_version``) revoked, for a reason that withdraws the document and not only a
    registration (not 1 issued in error or 2 duplicate: ``revocation`` says who, when and
    why). The same receivable in another file (another format, another hash), withdrawn by
    its seller, still financed: a tryout's seller revoked its invoice and another bank drew
    down on its CII copy, told nothing. Not a breach (the chain does not stop it); the bank
    holding the copy cannot see the other financing's documents, the regulator can.
    ``message`` says it in words.

    Such a revocation withdraws the receivable only when its revoker is an admin or shown to be
    the seller (``revoker_admin``, ``revoker_is_seller``:
    :func:`ledger.services.roles.withdraws_receivable`): then the entry is one of
    ``RulesReport.copies_not_in_force``. By another registrant, only its registration is shown
    to be withdrawn — a tryout's bank registered a near-copy of another bank's financed invoice
    and revoked it —: ``RulesReport.copies_revoked_not_by_seller``."""

    financing_id: int
    bank: str
    doc_hash: str
    #: None: found through the files lodged at the gateway (``Twins``), not a fingerprint
    fingerprint: str | None
    #: None: the withdrawn document is another registered file of the same invoice that no
    #: financing pledged, found through the files lodged at the gateway (``Twins``)
    other_financing_id: int | None
    other_bank: str | None
    withdrawn_doc_hash: str
    current_version: str | None
    revocation: IndexedRevocation
    #: the revoker is an ADMIN of the consortium
    revoker_admin: bool
    #: the revoker is shown to be the document's seller (True), not shown (False), or it cannot
    #: be told here (None: no file of the document lodged here names a seller)
    revoker_is_seller: bool | None
    #: who revoked, as weighed, in words (``ledger.services.roles.revoker_words``)
    revoker_standing: str
    message: str


@dataclass(frozen=True)
class CancelledOutstanding:
    """A financing (``financing_id`` of ``bank``) cancelled with ``reason_code`` by the event at
    ``block_number``, ``log_index``, ``tx_hash`` while ``outstanding`` = ``drawn`` - ``repaid``
    (minor units of ``currency``) was still out; ``message`` says it in words. Not a breach: a
    cancel is allowed at any time."""

    financing_id: int
    bank: str
    currency: str | None
    drawn: int
    repaid: int
    outstanding: int
    reason_code: int
    message: str
    block_number: int
    log_index: int
    tx_hash: str


@dataclass(frozen=True)
class HeldAboveNetDue:
    """Active financings the regulators read (``financing_ids``) that together hold ``held``
    (minor units of ``currency``) on invoice ``doc_hash``, more than its amount due net of the
    credit notes lodged at this gateway (``net_due``: the amount due the file states, or what
    its totals give when that is less — EN 16931 BR-CO-16 —, less every credit note lodged here
    that corrects it); ``message`` says it in words. Not a breach: the chain knows no credit
    notes, and a note lodged after a financing does not undo it — but money is lent on what
    the buyer no longer owes."""

    doc_hash: str
    currency: str | None
    held: int
    net_due: int
    financing_ids: list[int]
    message: str


@dataclass(frozen=True)
class AmendmentPledge:
    """What active financing ``financing_id`` of ``bank`` holds on one version of an amended
    invoice: ``amount`` of ``face_value`` (minor units of ``currency``, as its terms state them)
    on ``doc_hash``, the chain's ``version`` (1 the original, 2 its first amendment, …)."""

    financing_id: int
    bank: str
    doc_hash: str
    version: int
    amount: int
    face_value: int
    currency: str
    #: the registered version ``doc_hash`` is another file of (the same document in another
    #: format, not itself registered), when it is not the version itself
    copy_of: str | None = None


@dataclass(frozen=True)
class AmendmentFinancedTwice:
    """An invoice and its amendments (``versions``: 0x hashes, the original first, each
    superseded by the next) on which active financings the regulators read pledge different
    versions (``pledges``, by version then financing; ``financing_ids``): together they hold
    ``held`` (minor units of ``currency``) on one invoice, whose latest version pledged states
    ``face_value``; ``currency``, ``held`` and ``face_value`` are None when the pledges are in
    several currencies (each pledge says its own). ``message`` says it in words. Not a breach
    in itself: each financing may have been within the rules when it was made (the earlier one
    before its version was superseded) — but one invoice is financed twice."""

    versions: list[str]
    pledges: list[AmendmentPledge]
    financing_ids: list[int]
    currency: str | None
    held: int | None
    face_value: int | None
    message: str


@dataclass(frozen=True)
class SuspectedFinancing:
    """Another bank's financing ``financing_id`` of ``bank``, active at the end of the replay,
    that an acknowledged suspicion names: ``amount`` (minor units of ``currency``) as its terms
    state it — both None when the regulators do not read its terms."""

    financing_id: int
    bank: str
    amount: int | None
    currency: str | None


@dataclass(frozen=True)
class SuspicionNamingFinancings:
    """One suspicion a financing's bank acknowledged, as its terms record it: the pledged
    document it is about (``doc_hash``; None when the terms do not say which: the index of a
    request of several documents, ``document_index``, whose order the terms do not keep), its
    ``kind`` (``reissue``, ``split``, …) and the other banks' financings it names that are still
    active (``financings``)."""

    document_index: int
    doc_hash: str | None
    kind: str
    financings: list[int]


@dataclass(frozen=True)
class FinancedDespiteSuspicions:
    """Active financing ``financing_id`` of ``bank`` (``amount``, minor units of ``currency``,
    as its terms state it), whose bank acknowledged ``suspicions`` that name other banks'
    financings still active (``other_financings``, by id): the pledged document may re-issue, or
    be a split of, an invoice they pledge. ``kinds``: the suspicions' kinds, in their order.
    ``message`` says it in words. Not a breach: a suspicion is not a block, and the bank judged
    it — but one invoice may be financed at two banks."""

    financing_id: int
    bank: str
    currency: str
    amount: int
    kinds: list[str]
    suspicions: list[SuspicionNamingFinancings]
    other_financings: list[SuspectedFinancing]
    message: str
    #: of a re-issue suspicion whose financings each pledge one document in ``currency`` and
    #: whose terms the regulators read: what they hold together on it (minor units), the least
    #: face value of the documents (the invoice's), and how much the first is beyond the
    #: second (0 within it); all None otherwise. Tryout 64's regulator read no figure of four
    #: financings holding 6,740.00 DKK on copies of one 4,675.00 DKK invoice at three gateways
    #: (the files the comparison reads were the banks', not its gateway's)
    held_together: int | None = None
    face_value: int | None = None
    held_beyond_face_value: int | None = None
    #: what each financing summed in ``held_together`` holds on its document, as pairs
    #: (financing id, minor units): :meth:`RulesReport.beyond_due` adds up each receivable's
    #: financings once, however many entries name them
    held_by: list[tuple[int, int]] | None = None


@dataclass(frozen=True)
class RelatedPledge:
    """What active financing ``financing_id`` of ``bank`` holds on one file of a re-issued or
    split invoice: ``amount`` (minor units of ``currency``, as its terms state it) on
    ``doc_hash``, invoice ``number`` (EN 16931 BT-1) issued ``issue_date`` (BT-2, ISO 8601;
    None when it states none), whose ``role`` is ``original`` or ``reissue``, ``whole`` or
    ``part``."""

    financing_id: int
    bank: str
    doc_hash: str
    number: str
    issue_date: str | None
    role: str
    amount: int
    currency: str


@dataclass(frozen=True)
class ReissueOrSplitFinanced:
    """One receivable as the files lodged at this gateway say: an invoice (``doc_hash``,
    ``number``: the earliest issued of those no part of another) with its re-issues (the same
    seller, buyer and lines under another number and date, the same amount due or one changed
    by a prepayment) and the invoices found to be its parts (lines of it, each for less, tied to
    it by the issue date, a reference or amounts that add up) — ``kind`` ``reissue``, ``split``
    or ``reissue_and_split`` —, two or more of which active financings the regulators read
    pledge (``pledges``, ``financing_ids``). ``amount_due`` (minor units of ``currency``): the
    least stated by the invoice or its re-issues; ``net_due``: the least net of the credit notes
    lodged here. Together they hold ``held``, ``held_beyond_due`` more than the lesser of the
    two (0 within it; both None when the pledges are in several currencies). ``reasons``: why
    the invoices look like one receivable, each led by the invoice it is said of; ``message``
    says it all in words. Not a breach: honest invoices can look alike (a monthly order), and
    each financing keeps the rules on its own document — but a tryout's 9,610.00 DKK invoice
    was financed for 16,000.00 DKK across its whole and a part issued another day, which no
    bank could see."""

    kind: str
    doc_hash: str
    number: str
    currency: str
    amount_due: int
    #: the least amount due net of the credit notes lodged here of the invoice or its
    #: re-issues, when known (None: no file of it lodged here, or no net due given)
    net_due: int | None
    pledges: list[RelatedPledge]
    financing_ids: list[int]
    held: int | None
    held_beyond_due: int | None
    reasons: list[str]
    message: str


#: an invoice's amount due net of the credit notes lodged here, by its 0x-hex hash (minor
#: units), or None when no copy of it is lodged here or it states no amount
NetDue = Callable[[str], int | None]
#: the registered documents a pledged file is another copy of (the same document in another
#: format), by its 0x-hex hash, as the gateway's lodged files say (``documents.twins_here``)
Twins = Callable[[str], Sequence[str]]
#: whether a member (its address) is shown to be the seller of a document, by the files of it
#: lodged at the gateway (0x-hex hashes, the most direct first): (True, False or None — cannot
#: be told —, the reason in words that follow the member's name), as
#: ``ledger.services.sellers.SellerShown`` says (``documents.seller_here``)
SellerOf = Callable[[str, Sequence[str]], tuple[bool | None, str]]

#: the re-issues and splits among documents (0x-hex hashes) as the gateway's lodged files say
#: (``documents.related_here``: :func:`ledger.documents.suspicion.related_invoices`)
Related = Callable[[Sequence[str]], Sequence[RelatedInvoices]]

#: the reason when the re-check is given no lodged files to compare a revoker with
_NO_FILES_GIVEN = "cannot be told: this re-check was given no lodged files to compare with"


class _Revokers(NamedTuple):
    """What weighs a revoker (:meth:`_Check.copies_not_in_force`): whether it is shown to be
    the document's seller (``seller_of``; None: no lodged files given) and the ADMIN members
    (lower-case addresses)."""

    seller_of: SellerOf | None
    admins: frozenset[str]

    def weigh(self, member: str, name: str, files: list[str]) -> tuple[bool, bool | None, str]:
        """(admin, is seller, standing in words) of ``member`` (named ``name``) for the
        document whose ``files`` (0x hex, the one to look at first first) say who its seller
        is: an ADMIN, shown to be the seller, not shown, or not to be told here
        (``ledger.services.roles.revoker_words``)."""
        admin = member.lower() in self.admins
        is_seller, why = (
            self.seller_of(member, files) if self.seller_of is not None else (None, _NO_FILES_GIVEN)
        )
        return admin, is_seller, revoker_words(name, admin, is_seller, why)


@dataclass
class RulesReport:
    """The re-check's outcome: the ``regulators`` whose keys opened the envelopes, how many
    financings, entries and refusals were seen (``opened``: financings the regulators read),
    and every :class:`Breach`, in chain order. ``clean`` when there is none."""

    regulators: list[str]
    financings: int = 0
    opened: int = 0
    entries: int = 0
    refusals: int = 0
    breaches: list[Breach] = field(default_factory=list)
    #: active financings the regulators read that pledge a document no longer in force, by id
    #: (not breaches: ``clean`` is about the rules)
    not_in_force: list[NotInForce] = field(default_factory=list)
    #: active financings the regulators read pledging a copy (a shared locked fingerprint) of a
    #: document another financing pledged and no version of which is in force, by id (not
    #: breaches)
    copies_not_in_force: list[CopyNotInForce] = field(default_factory=list)
    #: active financings the regulators read pledging a copy of a document revoked, for a
    #: reason that would withdraw it, by a member neither an admin nor shown to be its seller:
    #: its registration withdrawn, the receivable not shown to be, by id (not breaches)
    copies_revoked_not_by_seller: list[CopyNotInForce] = field(default_factory=list)
    #: financings the regulators read cancelled with money still out, in chain order (not
    #: breaches either)
    cancelled_outstanding: list[CancelledOutstanding] = field(default_factory=list)
    #: invoices whose active financings hold more than their amount due net of the credit notes
    #: lodged here, by hash (not breaches; only when the caller could read the gateway's files)
    held_above_net_due: list[HeldAboveNetDue] = field(default_factory=list)
    #: amended invoices whose active financings the regulators read pledge two or more of its
    #: versions, in the order of their first supersession (not breaches)
    amendments_financed_twice: list[AmendmentFinancedTwice] = field(default_factory=list)
    #: active financings the regulators read made after acknowledging suspicions that name
    #: another bank's financing still active, by id (not breaches)
    financed_despite_suspicions: list[FinancedDespiteSuspicions] = field(default_factory=list)
    #: invoices whose re-issues or split parts, as the files lodged here say, active financings
    #: the regulators read pledge two or more of, in the order of their first financing (not
    #: breaches; only when the caller could read the gateway's files)
    reissues_and_splits_financed: list[ReissueOrSplitFinanced] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """No rule of the chain broken (money lent beyond what is due breaks none: see
        :attr:`verdict`)."""
        return not self.breaches

    @property
    def verdict(self) -> str:
        """The report in one word, as ``audit verify`` exits on it: ``rules_broken`` (exit 1)
        when a rule is broken; else ``financed_beyond_due`` (exit 3) when the active financings
        hold more than their invoices are due (:meth:`beyond_due`); else ``rules_hold``. A
        script reads this, not ``clean`` alone (a tryout's read ``clean: true`` beside money
        lent beyond an invoice)."""
        return self._verdict(self.beyond_due())

    def _verdict(self, beyond: dict[str, int]) -> str:
        if self.breaches:
            return "rules_broken"
        return "financed_beyond_due" if beyond else "rules_hold"

    def beyond_due(self) -> dict[str, int]:
        """What the active financings hold beyond what their invoices are due, in minor units
        per currency (ISO 4217 code → amount; empty for none), as the follow-ups count it: an
        invoice and its re-issues or parts financed together beyond its amount due
        (``reissues_and_splits_financed``), an invoice held above its amount due net of its
        credit notes (``held_above_net_due``), an amended invoice financed on several versions
        beyond its latest version's face value (``amendments_financed_twice``), and financings
        made despite a re-issue suspicion holding together more than the least face value of
        their documents (``financed_despite_suspicions``, by their terms). Not a breach — no
        rule of the chain stops it, a bank acknowledged it — but money lent beyond what is
        owed: a tryout's regulator read ``RULES HOLD`` above it and took the heading for the
        answer.

        One receivable is counted once, with every financing tied to it: a financing made
        despite a suspicion naming a financing of a group the files tie adds what it holds to
        that group (tryout 76: a fourth financing of one 529.87 EUR invoice, a copy with a
        lookalike seller name, was listed beside the group of three and its 529.87 EUR left out
        of the sum)."""
        by_currency: dict[str, int] = {}
        grouped: set[str] = set()  # an invoice of a group is counted with its group, once
        # each group the files tie: its financings, currency, what they hold, and what is due
        groups: list[_Group] = []
        for r in self.reissues_and_splits_financed:
            grouped.update(p.doc_hash for p in r.pledges)
            if r.held is None:  # in several currencies: its own words say it, no sum
                continue
            due = r.held - r.held_beyond_due if r.held_beyond_due else r.amount_due
            if r.net_due is not None and not r.held_beyond_due:
                due = min(due, r.net_due)
            groups.append((set(r.financing_ids), r.currency, r.held, due))
        # an invoice financed on several versions is counted once, by its versions' entry
        amended = {i for a in self.amendments_financed_twice for i in a.financing_ids}
        for h in self.held_above_net_due:
            if set(h.financing_ids) & amended:
                continue
            if h.doc_hash not in grouped and h.currency is not None and h.held > h.net_due:
                by_currency[h.currency] = by_currency.get(h.currency, 0) + h.held - h.net_due
        # financings made despite a re-issue or split suspicion naming others, by the terms
        # alone (the files may be the banks', at other gateways: tryout 64): each joins a group
        # above it is tied to; the others, each set tied by such suspicions once: what its
        # financings hold, each once, beyond the least face value its entries counted (tryout
        # 78: a re-issue and the two parts of a split, each financed despite a suspicion
        # naming the original's financing, were summed as the re-issue alone), or — entries
        # that name no amounts — the most any of its entries holds beyond the face value
        sets: list[_Tied] = []
        # an invoice financed on more than one version of its amendments: what they hold
        # beyond its latest version's face value (an amended invoice financed at two banks read
        # RULES HOLD and exit 0); tied to a group of the files, what it adds to the group
        for a in self.amendments_financed_twice:
            if a.currency is None or a.held is None or a.face_value is None:
                continue  # in several currencies: its own words say it, no sum
            by_financing: dict[int, int] = {}
            for pledge in a.pledges:
                by_financing[pledge.financing_id] = (
                    by_financing.get(pledge.financing_id, 0) + pledge.amount
                )
            if _join_group(groups, set(by_financing), a.currency, by_financing):
                continue
            _join_set(
                sets, _Tied(set(by_financing), a.currency, by_financing, a.face_value, 0, True)
            )
        for d in self.financed_despite_suspicions:
            ids = {d.financing_id, *(o.financing_id for o in d.other_financings)}
            if _join_group(groups, ids, d.currency, {d.financing_id: d.amount}):
                continue
            if d.held_together is None:
                continue
            _join_set(
                sets,
                _Tied(  # an entry that names what each holds needs no fallback
                    ids,
                    d.currency,
                    dict(d.held_by or ()),
                    d.face_value,
                    0 if d.held_by else d.held_beyond_face_value or 0,
                ),
            )
        for _, currency, held, due in groups:
            if held > due:
                by_currency[currency] = by_currency.get(currency, 0) + held - due
        for x in sets:
            if x.beyond:
                by_currency[x.currency] = by_currency.get(x.currency, 0) + x.beyond
        return dict(sorted(by_currency.items()))

    def beyond_due_not_summed(self) -> list[int]:
        """The financings made despite a suspicion naming another bank's financing whose money
        :meth:`beyond_due` cannot count, and no group of the files counts: a split suspicion
        from a mark (it does not say which document is the part, and two parts of one invoice
        hold no more than it is due), terms the regulators do not read, several documents
        pledged. While any is listed, :meth:`beyond_due` is what is financed beyond due *at
        least* (tryout 78: a re-issue and the two parts of a split financed despite
        suspicions, and the sum said without a word that it left the parts out)."""
        grouped = {i for r in self.reissues_and_splits_financed for i in r.financing_ids}
        return sorted(
            d.financing_id
            for d in self.financed_despite_suspicions
            if d.held_together is None and d.other_financings and d.financing_id not in grouped
        )

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON: every list, ``clean``, ``financed_beyond_due`` — what
        :meth:`beyond_due` counts, ``[{"currency", "amount"}]`` (minor units), by currency —,
        ``financed_beyond_due_not_summed`` (:meth:`beyond_due_not_summed`: while any, that is
        a least figure) and ``verdict`` (:attr:`verdict`)."""
        out = asdict(self)
        out["clean"] = self.clean
        beyond = self.beyond_due()
        out["financed_beyond_due"] = [
            {"currency": currency, "amount": amount} for currency, amount in beyond.items()
        ]
        out["verdict"] = self._verdict(beyond)
        out["financed_beyond_due_not_summed"] = self.beyond_due_not_summed()
        return out


#: financings the files tie into one receivable (``RulesReport.beyond_due``): their ids, the
#: currency, what they hold together and what the receivable is due (minor units)
_Group = tuple[set[int], str, int, int]


def _join_group(groups: list[_Group], ids: set[int], currency: str, adds: dict[int, int]) -> bool:
    """Join the ``groups`` in ``currency`` that share a financing with ``ids`` into one, adding
    what each financing of ``adds`` (id → minor units) not in them holds; False (``groups``
    untouched) when none shares one."""
    tied = [g for g in groups if g[0] & ids and g[1] == currency]
    if not tied:
        return False
    known = set().union(*(g[0] for g in tied))
    for g in tied:
        groups.remove(g)
    extra = {k: v for k, v in adds.items() if k not in known}
    held = sum(g[2] for g in tied) + sum(extra.values())
    groups.append((known | set(extra), currency, held, min(g[3] for g in tied)))
    return True


def _join_set(sets: list[_Tied], new: _Tied) -> None:
    """Add ``new`` to ``sets``, merged with every set in its currency it shares a financing
    with."""
    for x in [x for x in sets if x.ids & new.ids and x.currency == new.currency]:
        sets.remove(x)
        new = new.merged(x)
    sets.append(new)


@dataclass(frozen=True)
class _Tied:
    """Financings tied by acknowledged suspicions into one receivable (``RulesReport.
    beyond_due``): ``held`` what each holds on its document (financing id → minor units),
    ``face`` the least face value of the receivable its entries counted, ``fallback`` the most
    an entry that named no amounts held beyond its face value."""

    ids: set[int]
    currency: str
    held: dict[int, int]
    face: int | None
    fallback: int
    #: the face value is the receivable's own (an amended invoice's latest version pledged),
    #: not the least of files that may be superseded: it wins a merge
    fixed: bool = False

    def merged(self, other: _Tied) -> _Tied:
        fixed = [x.face for x in (self, other) if x.fixed and x.face is not None]
        faces = fixed or [f for f in (self.face, other.face) if f is not None]
        return _Tied(
            self.ids | other.ids,
            self.currency,
            {**other.held, **self.held},
            min(faces) if faces else None,
            max(self.fallback, other.fallback),
            bool(fixed),
        )

    @property
    def beyond(self) -> int:
        summed = sum(self.held.values()) - self.face if self.held and self.face else 0
        return max(summed, self.fallback)


@dataclass
class _Financing:
    financing_id: int
    bank: str
    block: int
    log: int
    tx_hash: str
    envelope: bytes
    commitment: bytes
    fingerprints: tuple[str, ...]
    readers: set[str] = field(default_factory=set)
    data_key: bytes | None = None
    terms: Terms | None = None
    drawn: int = 0
    repaid: int = 0
    active: bool = True


@dataclass
class _Document:
    status: DocStatus
    #: the event that revoked or superseded it
    changed: _Row | None = None
    #: who revoked it and the reason code, when revoked
    revoked_by: str | None = None
    reason_code: int | None = None
    #: who superseded it (its registrant), when superseded
    superseded_by_member: str | None = None
    currency: str | None = None
    face_value: int | None = None
    #: financing id → amount, while that financing is active
    held: dict[int, int] = field(default_factory=dict)


class _Row(NamedTuple):
    """An indexed event: where it is and its decoded arguments."""

    block_number: int
    log_index: int
    tx_hash: str
    event: str
    args: dict[str, Any]
    #: its block's time (Unix seconds)
    block_time: int = 0


#: the events each pass reads
_KEY_EVENTS = ("FinancingRegistered", "TermsShared")
_RULE_EVENTS = (
    "DocumentRegistered",
    "DocumentRevoked",
    "DocumentSuperseded",
    "EncryptionKeySet",
    "FinancingRegistered",
    "FinancingEntryRecorded",
    "FinancingClosed",
    "FinancingCancelled",
    "FinancingRefused",
    "MemberKeyRotated",
)


def _rows(index: EventIndex, events: Sequence[str]) -> Iterator[_Row]:
    """The indexed ``events`` in chain order, streamed."""
    with index.sessions() as session:
        found = session.execute(
            select(
                EventRow.block_number,
                EventRow.log_index,
                EventRow.tx_hash,
                EventRow.event,
                EventRow.args,
                EventRow.block_time,
            )
            .where(EventRow.event.in_(events))
            .order_by(EventRow.block_number, EventRow.log_index)
            .execution_options(yield_per=1000)
        )
        for block, log, tx, event, args, at in found:
            yield _Row(int(block), int(log), str(tx), str(event), json.loads(args), int(at))


def _bytes(value: Any) -> bytes:
    return bytes.fromhex(str(value).removeprefix("0x"))


class _Check:
    def __init__(self, index: EventIndex, keys: Sequence[tuple[str, X25519PrivateKey]]) -> None:
        self.context = index.opener.context
        self.keys = [(a.lower(), k) for a, k in keys]
        self.report = RulesReport(regulators=[a for a, _ in self.keys])
        self.financings: dict[int, _Financing] = {}
        self.documents: dict[str, _Document] = {}
        #: regulator address (lower) → the block it published its key at
        self.published: dict[str, int] = {}
        #: superseded document → its amendment (0x hex, lower), in chain order
        self.successors: dict[str, str] = {}

    def breach(self, rule: str, message: str, row: _Row, **where: Any) -> None:
        self.report.breaches.append(
            Breach(rule, message, row.block_number, row.log_index, row.tx_hash, **where)
        )

    # -- pass 1: who can read what, and the data keys

    def open_keys(self, rows: Iterable[_Row]) -> None:
        for row in rows:
            args = row.args
            if row.event == "FinancingRegistered":
                f = _Financing(
                    financing_id=int(args["financingId"]),
                    bank=str(args["bank"]),
                    block=row.block_number,
                    log=row.log_index,
                    tx_hash=row.tx_hash,
                    envelope=_bytes(args["terms"]),
                    commitment=_bytes(args["termsCommitment"]),
                    fingerprints=tuple(str(x).lower() for x in args["fingerprints"]),
                )
                self.financings[f.financing_id] = f
                for address, key in self.keys:
                    opened = conf.open_terms(f.envelope, [key], self.context)
                    if opened is not None:
                        f.readers.add(address)
                        f.data_key = f.data_key or opened[0].data_key
            elif row.event == "TermsShared":
                shared_to = self.financings.get(int(args["financingId"]))
                if shared_to is None:
                    continue
                for address, key in self.keys:
                    shared = conf.open_shared_key(_bytes(args["keys"]), [key], self.context)
                    if shared is not None:
                        shared_to.readers.add(address)
                        shared_to.data_key = shared_to.data_key or shared[0]

    # -- pass 2: the rules, in chain order

    def replay(self, rows: Iterable[_Row]) -> None:
        for row in rows:
            name, args = row.event, row.args
            if name == "DocumentRegistered":
                # a document financed before anyone registered it keeps what its financings
                # held (a registration replaced it, and a later financing above its face value
                # went unreported)
                known = self.documents.setdefault(
                    str(args["docHash"]).lower(), _Document(DocStatus.ACTIVE)
                )
                known.status = DocStatus.ACTIVE
            elif name == "DocumentRevoked":
                self._status(args["docHash"], DocStatus.REVOKED, row)
                revoked = self.documents.get(str(args["docHash"]).lower())
                if revoked is not None:
                    revoked.revoked_by = str(args["by"])
                    revoked.reason_code = int(args["reasonCode"])
            elif name == "DocumentSuperseded":
                self._status(args["oldDocHash"], DocStatus.SUPERSEDED, row)
                old, new = str(args["oldDocHash"]).lower(), str(args["newDocHash"]).lower()
                self.successors.setdefault(old, new)
                if (superseded := self.documents.get(old)) is not None:
                    superseded.superseded_by_member = str(args["by"])
            elif name == "EncryptionKeySet":
                account = str(args["account"]).lower()
                if any(a == account for a, _ in self.keys):
                    self.published.setdefault(account, row.block_number)
            elif name == "FinancingRegistered":
                self._registered(row, self.financings[int(args["financingId"])])
            elif name == "FinancingEntryRecorded":
                self._entry(row, args)
            elif name in ("FinancingClosed", "FinancingCancelled"):
                self._released(row, int(args["financingId"]), name == "FinancingClosed")
                if name == "FinancingCancelled":
                    self._cancelled(row, int(args["financingId"]), int(args["reasonCode"]))
            elif name == "FinancingRefused":
                self._refused(row, args)
            elif name == "MemberKeyRotated":
                # a bank's financings are its member's: named at the address it signs with
                # from here on (a tryout's regulator was sent to an address no longer a member)
                old, new = str(args["oldAccount"]).lower(), str(args["newAccount"])
                for f in self.financings.values():
                    if f.bank.lower() == old:
                        f.bank = new

    def _status(self, doc_hash: Any, status: DocStatus, row: _Row) -> None:
        found = self.documents.get(str(doc_hash).lower())
        if found is not None:
            found.status = status
            found.changed = row

    # -- after the replay: active financings on documents no longer in force

    def versions(self, first: str) -> list[str]:
        """``first`` and the documents that superseded it in turn, to the end of its chain of
        amendments (the current version: the last); a chain that loops is cut where it would."""
        versions = [first]
        while versions[-1] in self.successors and self.successors[versions[-1]] not in versions:
            versions.append(self.successors[versions[-1]])
        return versions

    def _revocation(self, found: _Document, names: dict[str, str]) -> IndexedRevocation | None:
        row = found.changed
        if found.status is not DocStatus.REVOKED or row is None or found.revoked_by is None:
            return None
        code = found.reason_code or 0
        return IndexedRevocation(
            by=found.revoked_by,
            by_name=names.get(found.revoked_by.lower()),
            reason_code=code,
            reason_name=reason_name(RevocationReason, code),
            at=utc_text(row.block_time),
            block_number=row.block_number,
            tx_hash=row.tx_hash,
        )

    def not_in_force(
        self,
        names: dict[str, str],
        seller_of: SellerOf | None = None,
        admins: frozenset[str] = frozenset(),
    ) -> None:
        """:class:`NotInForce` of every active financing the regulators read that pledges a
        document revoked or superseded, each revocation's revoker weighed by ``seller_of`` and
        ``admins`` (lower-case addresses) as :meth:`copies_not_in_force` weighs it."""
        revokers = _Revokers(seller_of, admins)
        for fid in sorted(self.financings):
            f = self.financings[fid]
            if not f.active or f.terms is None:
                continue
            for document in f.terms.documents:
                found = self.documents.get(document.doc_hash)
                if found is None or found.changed is None:
                    continue
                if found.status not in (DocStatus.REVOKED, DocStatus.SUPERSEDED):
                    continue
                self.report.not_in_force.append(
                    self._not_in_force(f, document, found, names, revokers)
                )

    def _not_in_force(
        self,
        f: _Financing,
        document: DocumentTerms,
        found: _Document,
        names: dict[str, str],
        revokers: _Revokers,
    ) -> NotInForce:
        assert found.changed is not None
        status = found.status.name.lower()
        said = f"financing {f.financing_id} pledges {document.doc_hash}, {status}"
        current: str | None = None
        current_status: str | None = None
        successor = self.successors.get(document.doc_hash)
        revocation = self._revocation(found, names)
        if found.status is DocStatus.SUPERSEDED:
            said += f" by {successor}"
            current = self.versions(document.doc_hash)[-1]
            at_end = self.documents.get(current)
            current_status = at_end.status.name.lower() if at_end is not None else None
            revocation = self._revocation(at_end, names) if at_end is not None else None
            said += f"; its current version {current} is {(current_status or 'unknown').upper()}"
        none_in_force = found.status is DocStatus.REVOKED or current_status == "revoked"
        if revocation is not None:
            said += (
                f" by {named(revocation.by, revocation.by_name)} at {revocation.at} (reason "
                f"{revocation.reason_code}: {revocation.reason_name})"
            )
        if current is not None and none_in_force:
            said += ": NO VERSION of the document is in force"
        admin: bool | None = None
        is_seller: bool | None = None
        standing: str | None = None
        withdraws: bool | None = None
        if revocation is not None:
            files = list(dict.fromkeys([current or document.doc_hash, document.doc_hash]))
            admin, is_seller, standing = revokers.weigh(
                revocation.by, named(revocation.by, revocation.by_name), files
            )
            withdraws = revocation_withdraws(admin, is_seller, revocation.reason_code)
            said += f"; {standing}"
            if not withdraws:
                said += f": {registration_only_words(revocation.reason_code)}"
        superseder_is_seller: bool | None = None
        superseder_standing: str | None = None
        by = found.superseded_by_member
        if found.status is DocStatus.SUPERSEDED and by is not None:
            # tryout 81: a registrant not the seller "amended" an invoice a bank financed
            files = list(dict.fromkeys([document.doc_hash, *([successor] if successor else [])]))
            # its registrant: never an admin (admins do not register)
            _, superseder_is_seller, superseder_standing = revokers.weigh(
                by, named(by, names.get(by.lower())), files
            )
            if superseder_is_seller is False:
                said += (
                    f"; superseded by {superseder_standing}: its amendment is not shown to be "
                    "the seller's (only its seller amends an invoice: ask the seller)"
                )
        return NotInForce(
            financing_id=f.financing_id,
            bank=f.bank,
            doc_hash=document.doc_hash,
            status=status,
            block_number=found.changed.block_number,
            log_index=found.changed.log_index,
            tx_hash=found.changed.tx_hash,
            superseded_by=successor if found.status is DocStatus.SUPERSEDED else None,
            current_version=current,
            current_status=current_status,
            no_version_in_force=none_in_force,
            revocation=revocation,
            message=said,
            revoker_admin=admin,
            revoker_is_seller=is_seller,
            revoker_standing=standing,
            withdraws_receivable=withdraws,
            superseder_is_seller=superseder_is_seller,
            superseder_standing=superseder_standing,
        )

    # -- after the replay: active financings on copies of documents withdrawn since

    def copies_not_in_force(
        self,
        names: dict[str, str],
        twins: Twins | None = None,
        seller_of: SellerOf | None = None,
        admins: frozenset[str] = frozenset(),
    ) -> None:
        """:class:`CopyNotInForce` of every active financing the regulators read: a pledged
        document sharing a locked fingerprint with a document another financing pledged, or
        (given ``twins``) the same document as another registered file of it the gateway holds,
        at the end of whose amendments stands a revocation that withdraws the document (not a
        version of the pledged document itself: :meth:`not_in_force` lists that) — listed
        in ``copies_not_in_force`` when its revoker is one of ``admins`` (lower-case addresses)
        or ``seller_of`` shows it to be the seller, else in ``copies_revoked_not_by_seller``."""
        revokers = _Revokers(seller_of, admins)
        pledging: dict[str, list[tuple[_Financing, DocumentTerms]]] = {}
        for f in self.financings.values():
            for document in f.terms.documents if f.terms is not None else ():
                for fingerprint in document.fingerprints:
                    pledging.setdefault(fingerprint.lower(), []).append((f, document))
        for fid in sorted(self.financings):
            f = self.financings[fid]
            if not f.active or f.terms is None:
                continue
            own = {d.doc_hash for d in f.terms.documents}
            told: set[tuple[str, str]] = set()
            #: (pledged document, the revoked end of the withdrawn chain) said already: one
            #: withdrawal is one entry, whether a fingerprint or a lodged file found it
            ends: set[tuple[str, str]] = set()
            for document in f.terms.documents:
                for fingerprint in document.fingerprints:
                    for other, theirs in pledging.get(fingerprint.lower(), []):
                        pair = (document.doc_hash, theirs.doc_hash)
                        if other is f or theirs.doc_hash in own or pair in told:
                            continue
                        found = self._copy_withdrawn(
                            f, document, theirs.doc_hash, names, revokers, fingerprint, other
                        )
                        if found is not None:
                            told.add(pair)
                            ends.add((document.doc_hash, _end(found)))
                            self._copy_listed(found)
            # another registered file of the same invoice (its UBL beside the CII copy pledged),
            # withdrawn though no financing pledged it: a tryout's enterprise revoked the UBL
            # (reason 3) while Bank B's financing of the CII copy stood, and the verify said 0
            if twins is None:
                continue
            for document in f.terms.documents:
                for twin in twins(document.doc_hash):
                    pair = (document.doc_hash, twin.lower())
                    if twin.lower() in own or pair in told:
                        continue
                    found = self._copy_withdrawn(f, document, twin.lower(), names, revokers)
                    if found is not None and (document.doc_hash, _end(found)) not in ends:
                        told.add(pair)
                        ends.add((document.doc_hash, _end(found)))
                        self._copy_listed(found)

    def _copy_listed(self, found: CopyNotInForce) -> None:
        withdrawn = withdraws_receivable(found.revoker_admin, found.revoker_is_seller)
        report = self.report
        (report.copies_not_in_force if withdrawn else report.copies_revoked_not_by_seller).append(
            found
        )

    def _withdrawn(
        self, doc_hash: str, names: dict[str, str]
    ) -> tuple[str, IndexedRevocation] | None:
        """(the current version, its revocation) when the end of ``doc_hash``'s amendments is
        revoked for a reason that withdraws the document (not a registration only); else None."""
        current = self.versions(doc_hash)[-1]
        at_end = self.documents.get(current)
        if at_end is None or at_end.status is not DocStatus.REVOKED:
            return None
        revocation = self._revocation(at_end, names)
        if revocation is None or revocation.reason_code in REGISTRATION_ONLY_REASONS:
            return None
        return current, revocation

    def _copy_withdrawn(
        self,
        f: _Financing,
        document: DocumentTerms,
        withdrawn_hash: str,
        names: dict[str, str],
        revokers: _Revokers,
        fingerprint: str | None = None,
        other: _Financing | None = None,
    ) -> CopyNotInForce | None:
        """The entry of ``f``'s pledged ``document`` when ``withdrawn_hash`` — pledged by
        ``other`` and sharing ``fingerprint``, or (neither given) another registered file of
        the same invoice the lodged files show — is withdrawn (:meth:`_withdrawn`), its revoker
        weighed by ``revokers``."""
        withdrawn = self._withdrawn(withdrawn_hash, names)
        if withdrawn is None:
            return None
        current, revocation = withdrawn
        if current == self.versions(document.doc_hash)[-1]:
            # a version of the pledged document itself (its amendment, or the one it amends),
            # not a copy: ``not_in_force`` lists that withdrawal (tryout 82 read it twice)
            return None
        if other is None:
            link = (
                f"the same document as {withdrawn_hash} (another file of the same invoice, as "
                "the files lodged at this gateway say)"
            )
        else:
            link = (
                f"which shares fingerprint {fingerprint} with {withdrawn_hash} (pledged by "
                f"financing {other.financing_id} of "
                f"{named(other.bank, names.get(other.bank.lower()))})"
            )
        amended = f", amended to {current}, which is" if current != withdrawn_hash else ", which is"
        revoker = named(revocation.by, revocation.by_name)
        # the revoked file first; then the copy it was found as, and the pledged file: every
        # link (a locked fingerprint, the same document) names the same seller
        files = list(dict.fromkeys([current, withdrawn_hash, document.doc_hash]))
        admin, is_seller, standing = revokers.weigh(revocation.by, revoker, files)
        withdraws = withdraws_receivable(admin, is_seller)
        pledged_now = self.versions(document.doc_hash)[-1]
        at_end = self.documents.get(pledged_now)
        # registered and active, registered and out of force, or never registered itself (a
        # file lodged and financed: the pledge names its hash, not a registration)
        pledged_active = at_end is not None and at_end.status is DocStatus.ACTIVE
        pledged_out = at_end is not None and at_end.status is DocStatus.REVOKED
        if not withdraws and pledged_out:
            # the pledged document is itself out of force (``not_in_force`` says so): a copy's
            # registration withdrawn by another registrant adds nothing, and "the receivable
            # not shown to be withdrawn" beside it read as a contradiction (tryout 45)
            return None
        if not withdraws:
            outcome = REGISTRATION_WITHDRAWN_ONLY
        elif pledged_active:
            # the seller withdrew the receivable; the pledged file's own registration stands
            # (its registrant did not revoke it): "no version in force" would be untrue of it,
            # and the financing's own answer says active (tryout 45)
            amended_to = f" (amended to {pledged_now})" if pledged_now != document.doc_hash else ""
            outcome = (
                "that revocation WITHDREW THE RECEIVABLE — every file of it is the same "
                f"receivable — though the file financing {f.financing_id} pledges, "
                f"{document.doc_hash}{amended_to}, is still registered as active (its "
                "registrant has not revoked it)"
            )
        else:
            outcome = "NO VERSION of the same receivable is in force"
        reason = (
            f"reason {revocation.reason_code}: {revocation.reason_name}"
            if withdraws
            else f"the reason it gave: {revocation.reason_code}, {revocation.reason_name}"
        )
        said = (
            f"financing {f.financing_id} pledges {document.doc_hash}, {link}{amended} revoked by "
            f"{revoker} at {revocation.at} ({reason}); {standing}: {outcome}"
        )
        return CopyNotInForce(
            financing_id=f.financing_id,
            bank=f.bank,
            doc_hash=document.doc_hash,
            fingerprint=fingerprint,
            other_financing_id=other.financing_id if other is not None else None,
            other_bank=other.bank if other is not None else None,
            withdrawn_doc_hash=withdrawn_hash,
            current_version=current if current != withdrawn_hash else None,
            revocation=revocation,
            revoker_admin=admin,
            revoker_is_seller=is_seller,
            revoker_standing=standing,
            message=said,
        )

    # -- after the replay: invoices held above what their credit notes leave due

    def held_above_net_due(self, net_due: NetDue) -> None:
        for doc_hash in sorted(self.documents):
            record = self.documents[doc_hash]
            held = sum(record.held.values())
            if not held:
                continue
            net = net_due(doc_hash)
            # superseded: what its current version is due, when a file of it is lodged here
            # (tryout 79: an amendment cut the amount due to 100.00 under a financing of
            # 200.00 on the original, and nothing was counted)
            current = self.versions(doc_hash)[-1]
            now = net_due(current) if current != doc_hash else None
            if now is not None and (net is None or now < net):
                net = now
            else:
                current = doc_hash
            if net is None or held <= net:
                continue
            ids = sorted(record.held)
            whose = (
                f"whose current version {current} is due, net of the credit notes counted, "
                if current != doc_hash
                else "whose amount due net of the credit notes counted is "
            )
            self.report.held_above_net_due.append(
                HeldAboveNetDue(
                    doc_hash=doc_hash,
                    currency=record.currency,
                    held=held,
                    net_due=net,
                    financing_ids=ids,
                    message=(
                        f"active financing{'s' * (len(ids) > 1)} "
                        f"{', '.join(str(i) for i in ids)} hold{'s' * (len(ids) == 1)} "
                        f"{money(held, record.currency)} on invoice {doc_hash}, {whose}"
                        f"{money(net, record.currency)}"
                    ),
                )
            )

    # -- after the replay: amended invoices financed on more than one version

    def _active_pledges(self) -> Iterator[tuple[_Financing, Terms, DocumentTerms]]:
        """Each document pledged by an active financing the regulators read, with its
        financing and terms, by financing id then in the terms' order."""
        for fid in sorted(self.financings):
            f = self.financings[fid]
            if f.active and f.terms is not None:
                for document in f.terms.documents:
                    yield f, f.terms, document

    def amendments_financed_twice(self, names: dict[str, str], twins: Twins | None) -> None:
        pledged: dict[str, list[tuple[_Financing, Terms, DocumentTerms]]] = {}
        for f, terms, document in self._active_pledges():
            pledged.setdefault(document.doc_hash, []).append((f, terms, document))
            # a copy of a registered version in another file pledges that version (a tryout's
            # bank financed the CII rendering of an amendment, unregistered, while another
            # bank's financing of the original stood; nobody was told)
            for twin in twins(document.doc_hash) if twins is not None else ():
                if twin.lower() != document.doc_hash.lower():
                    pledged.setdefault(twin.lower(), []).append((f, terms, document))
        amendments = set(self.successors.values())
        for original in self.successors:  # in the order of their supersession
            if original in amendments:
                continue  # not the chain's first version
            versions = self.versions(original)
            pledges = [
                AmendmentPledge(
                    financing_id=f.financing_id,
                    bank=f.bank,
                    doc_hash=document.doc_hash,
                    version=number,
                    amount=document.amount,
                    face_value=document.face_value,
                    currency=terms.currency,
                    copy_of=doc_hash if document.doc_hash.lower() != doc_hash.lower() else None,
                )
                for number, doc_hash in enumerate(versions, start=1)
                for f, terms, document in pledged.get(doc_hash, ())
            ]
            ids = sorted({p.financing_id for p in pledges})
            if len(ids) < 2 or len({p.version for p in pledges}) < 2:
                continue  # one financing, or one version: the per-document rules' business
            self.report.amendments_financed_twice.append(
                _financed_twice(versions, pledges, ids, names)
            )

    # -- after the replay: financings made despite acknowledged suspicions of another's

    def financed_despite_suspicions(self, names: dict[str, str]) -> None:
        for fid in sorted(self.financings):
            f = self.financings[fid]
            if not f.active or f.terms is None or not f.terms.suspicions:
                continue
            terms = f.terms
            found: list[SuspicionNamingFinancings] = []
            for s in terms.suspicions:
                # another bank's, or the bank's own: one invoice financed twice either way (a
                # tryout's bank held six financings of one receivable, its own among them)
                ids = [
                    i
                    for i in dict.fromkeys(s["financings"])
                    if (other := self.financings.get(i)) is not None and other.active and i != fid
                ]
                if not ids and s["kind"] != COPY_REVOKED:
                    continue  # its own financings, none still active, or its lodged files only
                doc_hash = s.get("doc_hash")
                if doc_hash is None and len(terms.documents) == 1:
                    doc_hash = terms.documents[0].doc_hash
                found.append(
                    SuspicionNamingFinancings(s["document_index"], doc_hash, s["kind"], ids)
                )
            if found:
                self.report.financed_despite_suspicions.append(
                    _despite(f, terms, found, self.financings, names)
                )

    # -- after the replay: an invoice financed across its re-issues or split parts

    def reissues_and_splits_financed(
        self, names: dict[str, str], related: Related, net_due: NetDue | None
    ) -> None:
        pledged: dict[str, list[tuple[_Financing, Terms, DocumentTerms]]] = {}
        for f, terms, document in self._active_pledges():
            pledged.setdefault(document.doc_hash.lower(), []).append((f, terms, document))
        if len(pledged) < 2:
            return
        chains = self._chains()
        for group in related(list(pledged)):
            first = group.files[0]
            # a version of the same amended invoice is the amendments' list's business
            chain = chains.get(first.ident, first.ident)
            files = [first, *(x for x in group.files[1:] if chains.get(x.ident, x.ident) != chain)]
            if sum(x.ident in pledged for x in files) < 2:
                continue
            pledges = [
                RelatedPledge(
                    financing_id=f.financing_id,
                    bank=f.bank,
                    doc_hash=x.ident,
                    number=x.number,
                    issue_date=x.issue_date.isoformat() if x.issue_date is not None else None,
                    role=x.role,
                    amount=document.amount,
                    currency=terms.currency,
                )
                for x in files
                for f, terms, document in pledged.get(x.ident, ())
            ]
            self.report.reissues_and_splits_financed.append(
                _reissued_or_split(group, pledges, names, net_due)
            )

    def _chains(self) -> dict[str, str]:
        """Every amended document (0x hex, lower) → the first version of its chain."""
        amendments = set(self.successors.values())
        return {
            version: original
            for original in self.successors
            if original not in amendments
            for version in self.versions(original)
        }

    def _unread(self, row: _Row, f: _Financing) -> None:
        for address, _ in self.keys:
            if address in f.readers:
                continue
            at = self.published.get(address)
            if at is not None and at <= f.block:
                self.breach(
                    "SEALED_WITHOUT_REGULATOR",
                    f"financing {f.financing_id} of {f.bank} is sealed without regulator "
                    f"{address}, whose key was published at block {at}, before it: the "
                    "regulator cannot read its terms",
                    row,
                    financing_id=f.financing_id,
                    regulator=address,
                )
            else:
                self.breach(
                    "NOT_SHARED_WITH_REGULATOR",
                    f"financing {f.financing_id} of {f.bank} was registered before regulator "
                    f"{address} published its key and its terms were never shared with it "
                    "(shareTerms): the regulator cannot read them",
                    row,
                    financing_id=f.financing_id,
                    regulator=address,
                )

    def _registered(self, row: _Row, f: _Financing) -> None:
        self.report.financings += 1
        self._unread(row, f)
        if f.data_key is None:
            return
        self.report.opened += 1
        opened = conf.open_terms_with_key(f.envelope, f.data_key, self.context)
        fid = f.financing_id
        if opened is None:
            self.breach(
                "TERMS_MALFORMED",
                f"financing {fid}'s terms do not open with their own data key",
                row,
                financing_id=fid,
            )
            return
        if hashlib.sha256(opened.plaintext).digest() != f.commitment:
            self.breach(
                "TERMS_COMMITMENT_MISMATCH",
                f"financing {fid}'s terms do not hash to the commitment recorded on chain "
                f"(0x{f.commitment.hex()}): what the regulator reads is not what the bank "
                "committed to",
                row,
                financing_id=fid,
            )
        terms = parse_terms(opened.payload)
        if terms is None:
            self.breach(
                "TERMS_MALFORMED",
                f"financing {fid}'s terms are not a financing's terms (amounts, currency, "
                "maturity, documents)",
                row,
                financing_id=fid,
            )
            return
        f.terms = terms
        self._consistent(row, f, terms)
        for document in terms.documents:
            self._document(row, f, terms, document.doc_hash, document.amount, document.face_value)

    def _consistent(self, row: _Row, f: _Financing, terms: Terms) -> None:
        fid = f.financing_id
        hashes = [d.doc_hash for d in terms.documents]
        problems = []
        if not hashes:
            problems.append("they name no document")
        if len(set(hashes)) != len(hashes):
            problems.append("they pledge one document twice")
        total = sum(d.amount for d in terms.documents)
        if hashes and total != terms.amount:
            problems.append(
                f"their amount {money(terms.amount, terms.currency)} is not the sum of their "
                f"documents' amounts {money(total, terms.currency)}"
            )
        if terms.bank is not None and terms.bank.lower() != f.bank.lower():
            problems.append(f"they name bank {terms.bank}, not {f.bank} that sent them")
        if problems:
            self.breach(
                "TERMS_INCONSISTENT",
                f"financing {fid}'s terms are inconsistent: " + "; ".join(problems),
                row,
                financing_id=fid,
            )
        stated = {fp for d in terms.documents for fp in d.fingerprints}
        if stated != set(f.fingerprints):
            self.breach(
                "FINGERPRINTS_MISMATCH",
                f"financing {fid} locks {len(f.fingerprints)} fingerprints on chain that are "
                f"not the {len(stated)} its terms give for its documents: a duplicate of those "
                "documents would not be refused",
                row,
                financing_id=fid,
            )

    def _document(
        self,
        row: _Row,
        f: _Financing,
        terms: Terms,
        doc: str,
        amount: int,
        face_value: int,
    ) -> None:
        fid, currency = f.financing_id, terms.currency
        where = {"financing_id": fid, "doc_hash": doc}
        found = self.documents.get(doc)
        # a document nobody registered may be financed without registering it (registering it
        # beside the financing would name it to everyone: docs/privacy.md)
        if found is not None and found.status not in (DocStatus.NONE, DocStatus.ACTIVE):
            rule = (
                "DOCUMENT_REVOKED" if found.status is DocStatus.REVOKED else "DOCUMENT_SUPERSEDED"
            )
            self.breach(
                rule,
                f"financing {fid} finances document {doc}, which was "
                f"{found.status.name.lower()} when the financing was registered",
                row,
                **where,
            )
        if amount <= 0:
            self.breach(
                "AMOUNT_NOT_POSITIVE",
                f"financing {fid} finances document {doc} for {money(amount, currency)}",
                row,
                **where,
            )
        if amount > face_value:
            self.breach(
                "EXCEEDS_FACE_VALUE",
                f"financing {fid} finances document {doc} for {money(amount, currency)}, "
                f"beyond its face value {money(face_value, currency)}",
                row,
                **where,
            )
        record = (
            found
            if found is not None
            else self.documents.setdefault(doc, _Document(DocStatus.NONE))
        )
        if record.currency is not None and record.currency != currency:
            self.breach(
                "CURRENCY_MISMATCH",
                f"financing {fid} finances document {doc} in {currency}; its first financing "
                f"was in {record.currency}",
                row,
                **where,
            )
        if record.face_value is not None and record.face_value != face_value:
            self.breach(
                "FACE_VALUE_MISMATCH",
                f"financing {fid} states document {doc}'s face value as "
                f"{money(face_value, currency)}; its first financing stated "
                f"{money(record.face_value, record.currency or currency)}",
                row,
                **where,
            )
        held = sum(record.held.values())
        limit = record.face_value if record.face_value is not None else face_value
        if held and held + amount > limit and amount <= face_value:
            self.breach(
                "EXCEEDS_FACE_VALUE",
                f"financing {fid} finances document {doc} for {money(amount, currency)} while "
                f"active financings {', '.join(str(i) for i in sorted(record.held))} hold "
                f"{money(held, currency)} of its {money(limit, currency)} face value",
                row,
                **where,
            )
        if record.currency is None:
            record.currency = currency
        if record.face_value is None:
            record.face_value = face_value
        record.held[fid] = amount

    def _entry(self, row: _Row, args: dict[str, Any]) -> None:
        self.report.entries += 1
        fid = int(args["financingId"])
        f = self.financings.get(fid)
        if f is None or f.data_key is None:
            return  # an unread financing is named once, at its registration
        opened = conf.open_entry(_bytes(args["entry"]), f.data_key, self.context, fid)
        if opened is None:
            self.breach(
                "ENTRY_UNREADABLE",
                f"an entry of financing {fid} does not open with the financing's data key",
                row,
                financing_id=fid,
            )
            return
        if hashlib.sha256(opened.plaintext).digest() != _bytes(args["entryCommitment"]):
            self.breach(
                "ENTRY_COMMITMENT_MISMATCH",
                f"an entry of financing {fid} does not hash to the commitment recorded on chain",
                row,
                financing_id=fid,
            )
        entry = parse_entry(opened.payload)
        if entry is None:
            self.breach(
                "ENTRY_MALFORMED",
                f"an entry of financing {fid} is neither a drawdown nor a repayment with an amount",
                row,
                financing_id=fid,
            )
            return
        currency = f.terms.currency if f.terms is not None else None
        if entry.amount <= 0:
            self.breach(
                "AMOUNT_NOT_POSITIVE",
                f"a {entry.type} of {money(entry.amount, currency)} on financing {fid}",
                row,
                financing_id=fid,
            )
        if entry.type == "drawdown":
            f.drawn += entry.amount
            if f.terms is not None and f.drawn > f.terms.amount:
                self.breach(
                    "DRAWDOWN_EXCEEDS_FINANCING",
                    f"a drawdown of {money(entry.amount, currency)} brings financing {fid} to "
                    f"{money(f.drawn, currency)} drawn, beyond its "
                    f"{money(f.terms.amount, currency)}",
                    row,
                    financing_id=fid,
                )
        else:
            f.repaid += entry.amount
            if f.repaid > f.drawn:
                self.breach(
                    "REPAYMENT_EXCEEDS_DRAWN",
                    f"a repayment of {money(entry.amount, currency)} brings financing {fid} to "
                    f"{money(f.repaid, currency)} repaid, beyond the "
                    f"{money(f.drawn, currency)} drawn",
                    row,
                    financing_id=fid,
                )
        stated = (entry.total_drawn, entry.total_repaid)
        if stated != (f.drawn, f.repaid):
            self.breach(
                "ENTRY_TOTALS_INCONSISTENT",
                f"an entry of financing {fid} states {_totals(stated, currency)}; the entries "
                f"add up to {_totals((f.drawn, f.repaid), currency)}",
                row,
                financing_id=fid,
            )

    def _released(self, row: _Row, fid: int, closed: bool) -> None:
        f = self.financings.get(fid)
        if f is None:
            return
        f.active = False
        for record in self.documents.values():
            record.held.pop(fid, None)
        if closed and f.data_key is not None and f.drawn != f.repaid:
            currency = f.terms.currency if f.terms is not None else None
            self.breach(
                "CLOSED_NOT_REPAID",
                f"financing {fid} was closed with {money(f.drawn - f.repaid, currency)} drawn "
                "and not repaid",
                row,
                financing_id=fid,
            )

    def _cancelled(self, row: _Row, fid: int, reason_code: int) -> None:
        f = self.financings.get(fid)
        if f is None or f.data_key is None or f.drawn <= f.repaid:
            return  # an unread financing's amounts are not the regulators' to know
        currency = f.terms.currency if f.terms is not None else None
        out = f.drawn - f.repaid
        self.report.cancelled_outstanding.append(
            CancelledOutstanding(
                financing_id=fid,
                bank=f.bank,
                currency=currency,
                drawn=f.drawn,
                repaid=f.repaid,
                outstanding=out,
                reason_code=reason_code,
                message=(
                    f"financing {fid} of {f.bank} was cancelled (reason {reason_code}) with "
                    f"{money(out, currency)} outstanding ({money(f.drawn, currency)} drawn, "
                    f"{money(f.repaid, currency)} repaid): its documents are released, the "
                    "money is still out"
                ),
                block_number=row.block_number,
                log_index=row.log_index,
                tx_hash=row.tx_hash,
            )
        )

    def _refused(self, row: _Row, args: dict[str, Any]) -> None:
        self.report.refusals += 1
        envelope = _bytes(args["terms"])
        for address, key in self.keys:
            opened = conf.open_terms(envelope, [key], self.context)
            if opened is None:
                at = self.published.get(address)
                if at is not None and at <= row.block_number:
                    self.breach(
                        "REFUSAL_SEALED_WITHOUT_REGULATOR",
                        f"a refused attempt by {args['bank']} is sealed without regulator "
                        f"{address}: the regulator cannot read who tried what",
                        row,
                        regulator=address,
                    )
                continue
            if hashlib.sha256(opened[0].plaintext).digest() != _bytes(args["termsCommitment"]):
                self.breach(
                    "TERMS_COMMITMENT_MISMATCH",
                    f"a refused attempt by {args['bank']} does not hash to the commitment "
                    "recorded on chain",
                    row,
                    regulator=address,
                )


def _financed_twice(
    versions: list[str], pledges: list[AmendmentPledge], ids: list[int], names: dict[str, str]
) -> AmendmentFinancedTwice:
    """The entry of an amended invoice whose ``versions`` carry ``pledges`` of the financings
    ``ids``, with its sentence (banks named by ``names``: lower address → name)."""

    def version(number: int) -> str:
        if number == 1:
            return "the original"
        return "the amendment" if len(versions) == 2 else f"amendment {number - 1}"

    currencies = {p.currency for p in pledges}
    currency = currencies.pop() if len(currencies) == 1 else None
    latest = max(p.version for p in pledges)
    held = sum(p.amount for p in pledges) if currency is not None else None
    face_value = (
        next(p.face_value for p in pledges if p.version == latest) if currency is not None else None
    )
    said = [
        f"financing {p.financing_id} of {named(p.bank, names.get(p.bank.lower()))} holds "
        f"{money(p.amount, p.currency)} on {version(p.version)} ({p.doc_hash})"
        + (f", another file of {p.copy_of}" if p.copy_of else "")
        for p in pledges
    ]
    superseded = f"invoice {versions[0]} was superseded by {versions[1]}" + "".join(
        f", then by {v}" for v in versions[2:]
    )
    if held is not None:
        total = f"{money(held, currency)} on one invoice"
        if face_value is not None:
            total += (
                f", whose latest version pledged has a face value of {money(face_value, currency)}"
            )
    else:
        total = "one invoice financed in several currencies"
    return AmendmentFinancedTwice(
        versions=versions,
        pledges=pledges,
        financing_ids=ids,
        currency=currency,
        held=held,
        face_value=face_value,
        message=f"{superseded}; {', '.join(said[:-1])} and {said[-1]}: {total}",
    )


def _reissued_or_split(
    group: RelatedInvoices,
    pledges: list[RelatedPledge],
    names: dict[str, str],
    net_due: NetDue | None,
) -> ReissueOrSplitFinanced:
    """The entry of the invoices of ``group`` that active financings hold (``pledges``), with
    its sentence (banks named by ``names``: lower address → name); ``net_due``: what the
    gateway's credit notes leave due of an invoice, when it can tell."""
    first = group.files[0]
    currency = group.currency
    invoices = [x for x in group.files if x.role != "part"]  # the receivable's own invoices
    counted_files = group.counted()  # not one stating less than its own totals give
    nets = [
        (n, x) for x in counted_files if (n := net_due(x.ident) if net_due else None) is not None
    ]
    net, net_of = min(nets, key=lambda n: n[0]) if nets else (None, None)
    counted = min(group.amount_due, net) if net is not None else group.amount_due
    held = sum(p.amount for p in pledges) if all(p.currency == currency for p in pledges) else None
    beyond = max(0, held - counted) if held is not None else None
    ids = sorted({p.financing_id for p in pledges})
    banks = {p.bank.lower() for p in pledges}
    due = money(group.amount_due, currency) + " due"
    if len({x.amount_due for x in counted_files}) > 1:  # whose: the figures of two files
        least = min(counted_files, key=lambda x: x.amount_due)
        due += f" (the least stated, {least.number}'s)"
    passed = [x for x in invoices if x not in counted_files]
    if passed:  # a lower figure not taken, and why
        due += "; not " + ", ".join(
            f"{x.number}'s {money(x.amount_due, currency)}, less than its own totals give"
            for x in passed
        )
    if net is not None and net_of is not None and net < group.amount_due:
        due += f"; {money(net, currency)} net of the credit notes counted ({net_of.number}'s)"

    def dated(x: RelatedFile) -> str:
        when = f", issued {x.issue_date.isoformat()}" if x.issue_date is not None else ""
        return f"{x.number} ({x.ident}{when})"

    financed = {p.doc_hash for p in pledges}
    what = f"invoice {dated(first)}, {due},"
    if first.ident not in financed:
        what += " held by no active financing,"
    kinds = []  # "its re-issues …", "its part …": of the invoice, each of them
    for role, noun in (("reissue", "re-issue"), ("whole", "other invoice"), ("part", "part")):
        of = [x for x in group.files[1:] if x.role == role and x.ident in financed]
        if of:
            kinds.append(f"its {noun}{'s' * (len(of) > 1)} {', '.join(dated(x) for x in of)}")
    what += " with " + " and ".join(kinds)
    if len(ids) == 1:
        where = f"all pledged by financing {ids[0]}"
    elif len(banks) == 1:
        where = "financed twice at the same bank"
    else:
        where = f"financed at {len(banks)} banks"
    said = [
        f"financing {p.financing_id} of {named(p.bank, names.get(p.bank.lower()))} holds "
        f"{money(p.amount, p.currency)} on the {p.role.replace('reissue', 're-issue')} "
        f"{p.number}"
        for p in pledges
    ]
    if held is None:
        total = "one receivable financed in several currencies"
    elif beyond:
        total = (
            f"together {money(held, currency)} on one receivable of "
            f"{money(counted, currency)} due: {money(beyond, currency)} BEYOND its amount due"
        )
    else:
        total = (
            f"together {money(held, currency)} on one receivable of {money(counted, currency)} due"
        )
    return ReissueOrSplitFinanced(
        kind=group.kind,
        doc_hash=first.ident,
        number=first.number,
        currency=currency,
        amount_due=group.amount_due,
        net_due=net,
        pledges=pledges,
        financing_ids=ids,
        held=held,
        held_beyond_due=beyond,
        reasons=list(group.reasons),
        message=(
            f"{what} look like one receivable, {where}: {', '.join(said[:-1])} and "
            f"{said[-1]}: {total} (why, as the files lodged here say: "
            f"{'; '.join(group.reasons)})"
        ),
    )


#: the suspicion of a pledged file that is the same document as one revoked on chain
#: (``ledger.services.documents.copies_withdrawn``): followed up though it names no financing
COPY_REVOKED = "copy_revoked"

#: what an acknowledged suspicion of a kind says the pledged document may be, of an invoice
#: another financing pledges (the kinds a mark finds: ``ledger.services.marked``; the others
#: for terms sealed by other means)
_MAY_BE = {
    "reissue": "may re-issue an invoice",
    "split": "may be a part, or the whole, of a split invoice",
    "split_part": "may be a part of an invoice",
    "split_whole": "may be the whole of invoices",
}


def _despite(
    f: _Financing,
    terms: Terms,
    found: list[SuspicionNamingFinancings],
    financings: dict[int, _Financing],
    names: dict[str, str],
) -> FinancedDespiteSuspicions:
    """The entry of active financing ``f`` (its ``terms``), whose bank acknowledged the
    suspicions ``found`` naming other banks' active financings (``financings``: every one, by
    id), with its sentence (banks named by ``names``: lower address → name)."""

    def bank(address: str) -> str:
        return named(address, names.get(address.lower()))

    others: list[SuspectedFinancing] = []
    for i in sorted({i for s in found for i in s.financings}):
        other = financings[i]
        read = other.terms
        others.append(
            SuspectedFinancing(
                financing_id=i,
                bank=other.bank,
                amount=read.amount if read is not None else None,
                currency=read.currency if read is not None else None,
            )
        )
    said = []
    for s in found:
        document = (
            f"document {s.doc_hash}"
            if s.doc_hash
            else f"documents[{s.document_index}] of its request"
        )
        if s.kind == COPY_REVOKED:  # names no financing; whose revocation it was is not recorded
            said.append(
                f"{document} is the same document as a file revoked on chain (the invoice "
                "withdrawn if its seller or an admin revoked it, else that registration only)"
            )
            continue
        holders = " and ".join(
            f"active financing {i} of {bank(financings[i].bank)}" for i in s.financings
        )
        pledge = "pledges" if len(s.financings) == 1 else "pledge"
        may = _MAY_BE.get(s.kind, f"may be a {s.kind.replace('_', ' ')} of an invoice")
        said.append(f"{document} {may} {holders} {pledge}")
    held = [f"financing {f.financing_id} holds {money(terms.amount, terms.currency)}"] + [
        f"financing {o.financing_id} holds {money(o.amount, o.currency)}"
        if o.amount is not None
        else f"financing {o.financing_id}'s terms are not the regulator's to read"
        for o in others
    ]
    together = _held_together(f.financing_id, terms, found, financings)
    figure = ""
    if together is not None:
        amount, face, held_by = together
        summed = [i for i, _ in held_by[1:]]
        whose = (
            "the whole's"
            if any(s.kind in ("split_part", "split_whole") for s in found)
            else "the least of the documents'"
        )
        figure = (
            f"; together {money(amount, terms.currency)} on one invoice of "
            f"{money(face, terms.currency)} face value ({whose})"
            + (f": {money(amount - face, terms.currency)} BEYOND it" if amount > face else "")
        )
        # the financings listed but not in that sum, and why (tryout 76 read "together" of
        # three financings listed, one of them left out unsaid)
        left = [o.financing_id for o in others if o.financing_id not in summed]
        if left:
            figure += (
                f" (financings {', '.join(str(i) for i in [f.financing_id, *summed])} only: "
                f"{listed_ids('financing', left)} not summed — another suspicion's, or pledging "
                "more than one document)"
            )
    return FinancedDespiteSuspicions(
        financing_id=f.financing_id,
        bank=f.bank,
        currency=terms.currency,
        amount=terms.amount,
        kinds=list(dict.fromkeys(s.kind for s in found)),
        suspicions=found,
        other_financings=others,
        message=(
            f"financing {f.financing_id} of {bank(f.bank)} was made after acknowledging that "
            # one sentence once: a document found by several marks, or by its own files and
            # a mark, was said three times over of one financing (tryout 64)
            + "; and that ".join(dict.fromkeys(said))
            + ": "
            + ", ".join(held)
            + figure
            + (_twice_where(f, others, financings) if others else "")
        ),
        held_together=together[0] if together else None,
        face_value=together[1] if together else None,
        held_beyond_face_value=max(0, together[0] - together[1]) if together else None,
        held_by=together[2] if together else None,
    )


def listed_ids(noun: str, ids: list[int]) -> str:
    """``financing 6``, ``financings 6 and 8``, ``financings 4, 6 and 8``."""
    if len(ids) == 1:
        return f"{noun} {ids[0]}"
    return f"{noun}s {', '.join(str(i) for i in ids[:-1])} and {ids[-1]}"


def _held_together(
    own: int,
    terms: Terms,
    found: list[SuspicionNamingFinancings],
    financings: dict[int, _Financing],
) -> tuple[int, int, list[tuple[int, int]]] | None:
    """(held, face value, held by) of the first document of ``terms`` (financing
    ``own``'s) that re-issue suspicions in ``found`` are about — or split ones that say which
    is the part (``split_part``, ``split_whole``: a bank's own files tell) — every financing
    they name for it counted once (tryout 67: two suspicions of one document named financings
    9 and 11, and only 9 was counted), each pledging one document in the same currency, their
    terms read: what this financing holds on its document and they on theirs, together; the
    receivable's face value (of a re-issue the least of the documents', of a split the
    whole's, the greatest); and what each financing counted holds, (id, minor units), this one
    first. None when it cannot be told."""
    about = [s for s in found if s.kind in _TOGETHER_KINDS and s.doc_hash and s.financings]
    for doc_hash in dict.fromkeys(s.doc_hash for s in about):
        mine = terms.document(doc_hash)
        named = sorted({i for s in about if s.doc_hash == doc_hash for i in s.financings})
        theirs = [financings[i].terms if i in financings else None for i in named]
        if mine is None or not all(
            t is not None and t.currency == terms.currency and len(t.documents) == 1 for t in theirs
        ):
            continue
        pledged = [mine, *(t.documents[0] for t in theirs if t is not None)]
        split = any(s.kind != "reissue" for s in about if s.doc_hash == doc_hash)
        face = (max if split else min)(d.face_value for d in pledged)
        held_by = [(own, mine.amount)] + [
            (i, t.documents[0].amount) for i, t in zip(named, theirs, strict=True) if t
        ]
        return sum(d.amount for d in pledged), face, held_by
    return None


#: the kinds of suspicion whose financings are summed as one receivable's: not ``split`` (a
#: mark's), which does not say which document is the part — two parts of one invoice, each
#: financed once, hold no more than it is due
_TOGETHER_KINDS = frozenset({"reissue", "split_part", "split_whole"})


def _twice_where(
    f: _Financing, others: list[SuspectedFinancing], financings: dict[int, _Financing]
) -> str:
    """Where one invoice may be financed twice: at two banks, or — every other financing the
    suspicions name being ``f``'s bank's own — twice at that bank (a tryout read "two banks"
    of one bank's financings)."""
    if all(financings[o.financing_id].bank.lower() == f.bank.lower() for o in others):
        return " (one invoice may be financed twice at the same bank)"
    return " (one invoice may be financed at two banks)"


def _end(found: CopyNotInForce) -> str:
    """The revoked document at the end of ``found``'s withdrawn chain of amendments."""
    return found.current_version or found.withdrawn_doc_hash


def _admins(index: EventIndex) -> frozenset[str]:
    """Every ADMIN member's lower-case address, as the index has it."""
    with index.sessions() as session:
        found = session.execute(select(MemberRow.address).where(MemberRow.role == int(Role.ADMIN)))
        return frozenset(str(a).lower() for (a,) in found)


def _member_names(index: EventIndex) -> dict[str, str]:
    """Every member's name by its lower-case address, as the index has it."""
    with index.sessions() as session:
        found = session.execute(select(MemberRow.address, MemberRow.name))
        return {str(a).lower(): str(n) for a, n in found}


def _totals(totals: tuple[int | None, int | None], currency: str | None) -> str:
    drawn, repaid = totals
    say = [
        f"{money(drawn, currency)} drawn" if drawn is not None else "no drawn total",
        f"{money(repaid, currency)} repaid" if repaid is not None else "no repaid total",
    ]
    return " and ".join(say)


def check_rules(
    index: EventIndex,
    keys: Sequence[tuple[str, X25519PrivateKey]],
    net_due: NetDue | None = None,
    twins: Twins | None = None,
    seller_of: SellerOf | None = None,
    related: Related | None = None,
) -> RulesReport:
    """Re-check every off-chain financing rule over the index's events, opening envelopes with
    ``keys`` — the regulators' (address, X25519 private key) — and name each breach (see the
    module docstring), and list the active financings on documents no longer in force
    (:class:`NotInForce`) and on copies of documents no version of which is in force
    (:class:`CopyNotInForce`: withdrawn by an admin or a member ``seller_of`` shows to be
    its seller, else revoked by another registrant), the financings cancelled with money
    outstanding
    (:class:`CancelledOutstanding`) and, given ``net_due`` (what the gateway's lodged files and
    credit notes say an invoice's amount due is now), the invoices held above it
    (:class:`HeldAboveNetDue`), and the amended invoices financed on more than one version
    (:class:`AmendmentFinancedTwice`; given ``twins``, a financing of another file of a
    registered version counts as one of that version), and the financings made after
    acknowledging suspicions
    that name another active financing (:class:`FinancedDespiteSuspicions`) and, given
    ``related`` (what the gateway's lodged files say of the pledged documents), the invoices
    financed across their re-issues or split parts (:class:`ReissueOrSplitFinanced`): not
    breaches. Read the index up to its last block; run
    :func:`ledger.indexer.verify` to prove those events are the chain's."""
    check = _Check(index, keys)
    check.open_keys(_rows(index, _KEY_EVENTS))
    check.replay(_rows(index, _RULE_EVENTS))
    names = _member_names(index)
    admins = _admins(index)
    check.not_in_force(names, seller_of, admins)
    check.copies_not_in_force(names, twins, seller_of, admins)
    if net_due is not None:
        check.held_above_net_due(net_due)
    check.amendments_financed_twice(names, twins)
    check.financed_despite_suspicions(names)
    if related is not None:
        check.reissues_and_splits_financed(names, related, net_due)
    return check.report
