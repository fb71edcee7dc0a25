"""Financings: a bank pledges documents it holds, draws, repays, closes or cancels — confidentially.

On chain a financing is its bank, its status, the fingerprints it locks (the duplicate rule)
and its terms as an envelope only the financing bank, the regulators and the pledged
documents' enterprise registrants shown to be their seller (:func:`not_shown_seller`) can open
(:mod:`ledger.confidential`, ``docs/privacy.md``). So the rules
that need the clear terms are checked here, by the bank's gateway, before it signs — and
re-checked by the regulator's ``tradeledger audit verify``:

- a pledged document, if registered, is ACTIVE (one nobody registered is financed without
  registering it: a registration next to the financing would name the document to everyone),
  its currency is the financing's, the amount is within its face value
  (net of credit notes lodged here) — one active financing at a time holds a document, since its
  fingerprints are locked exclusively;
- a drawdown stays within the undrawn amount, a repayment within what is outstanding, and a
  financing is closed only when fully repaid.

The authoritative duplicate check happens on chain, on fingerprints the *bank's* gateway
computed from the file the bank lodged here — never on what a borrower declared. Before
sending, :func:`create` asks the chain who holds each fingerprint (a read: nothing of the
attempt reaches the chain); a held fingerprint, or a document that is revoked or superseded,
makes a *refusal*, recorded on chain as an encrypted ``recordRefusal`` (the regulator audits
every refused attempt; others see only that the bank was refused) and raised as
:class:`ledger.errors.FinancingRefused`. Two banks racing for the same fingerprint in one block
are settled by the contract, which refuses the second. A fingerprint held only by the bank's
*own* active financings is not such an attempt: the contract would refuse it all the same (one
active financing per invoice, the bank's own included), but recording it would put a suspicion
of double financing against the bank for its own financing — it is answered before anything is
sent (:class:`ledger.errors.AlreadyFinancedByYou`, 409, naming the financing), and nothing is
written.

Every write is exactly once per idempotency key: a retry replays the transaction the key is
bound to (envelopes are salted, so the same request seals to different bytes: the first
attempt's transaction is the one that counts). Entries of one financing are serialised through
a lock file in the data directory, so two concurrent drawdowns cannot both pass the check.

Reads decrypt with the *reader's* encryption key (:mod:`ledger.encryptionkeys`): a financing
whose envelope that key does not open comes back with ``terms`` None — its public part only.
"""

from __future__ import annotations

import fcntl
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from web3 import Web3
from web3.logs import DISCARD
from web3.types import TxReceipt

from ledger import confidential as conf
from ledger.chain.lean import ContractCall
from ledger.controls import refuse_control
from ledger.datadir import private_file
from ledger.documents import DocumentFacts
from ledger.documents.currencies import check_currency
from ledger.documents.fingerprints import FingerprintKind, fingerprint_inputs, version_of
from ledger.documents.marks import within_limit
from ledger.documents.normalise import MAX_MINOR_UNITS, too_large_rule
from ledger.documents.suspicion import SuspicionKind
from ledger.documents.totals import RULE as TOTALS_RULE
from ledger.errors import (
    AlreadyFinancedByYou,
    CancelWithMoneyOut,
    Conflict,
    DocumentPledged,
    InvalidInput,
    NotFound,
    SuspicionsUnacknowledged,
)
from ledger.gatewaydb import StoredPledge
from ledger.indexer.pledges import PledgedTo
from ledger.messages import HELD_THROUGH_WORDS, doc_type_word
from ledger.network import Ledger
from ledger.revert import ERRORS
from ledger.services import documents as docs
from ledger.services import rotation
from ledger.services.audit import EMPTY_FILTER_RULE
from ledger.services.marked import (
    SUSPICION_KIND,
    Mark,
    evaluated_with_marks,
    join_marked,
    mark_reasons,
    marked_financings,
    shared_within,
    suspicion_family,
)
from ledger.services.own_related import RECEIVABLE_FAMILIES, RelatedCredit, related_credit
from ledger.services.paging import id_cursor
from ledger.services.refusal import held_through, refused_error
from ledger.services.requestkeys import bound_to_request
from ledger.services.roles import (
    DocStatus,
    FinancingKind,
    FinancingStatus,
    RefusalReason,
    Role,
    registration_only_words,
    revocation_withdraws,
    revoker_words,
)
from ledger.services.sellers import (
    SELLER_PROOF_SCHEMES as SELLER_PROOF_SCHEMES,
)
from ledger.services.sellers import enterprise_sellers, member_is_admin
from ledger.services.sellers import not_shown_seller as not_shown_seller
from ledger.services.sellers import seller_legal_id_hashes as seller_legal_id_hashes
from ledger.services.unmined import unmined_calls, wait_until_mined
from ledger.services.verify import MAX_SUCCESSORS, current_version
from ledger.services.writekeys import sub_key, write_key
from ledger.words import NO_NAMES, Names, major, money, named, utc_text, who

MAX_UINT64 = MAX_MINOR_UNITS
#: the rule an amount of 0 or less breaks
POSITIVE_RULE = "must be a positive amount in minor units"
#: financing ids are numbered from 1; the contract keeps an id in 64 bits and the gateway's and
#: the index's SQL columns are signed 64-bit integers, so no financing id is above this
MAX_FINANCING_ID = 2**63 - 1
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
TERMS_VERSION = 1
LOCK_FILE = "financing.lock"
#: a pledged document's status when nobody registered it (``POST /v1/documents/verify``'s word)
NOT_REGISTERED = "not_registered"
#: the statuses of a registered document that is no longer in force
NOT_IN_FORCE = frozenset({DocStatus.REVOKED.name.lower(), DocStatus.SUPERSEDED.name.lower()})

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PledgeRequest:
    doc_hash: bytes
    amount: int


@dataclass(frozen=True)
class Pledge:
    doc_hash: str
    amount: int
    face_value: int
    fingerprints: tuple[str, ...]
    registrant: str | None = None
    #: the document's registration status as the chain says it now (``active``, ``revoked``,
    #: ``superseded`` or ``not_registered``: the documents API's words); None until
    #: :func:`with_document_status` looked it up
    document_status: str | None = None
    #: the amended document that replaced it, when ``superseded``
    superseded_by: str | None = None
    #: who revoked it, when and why, when ``revoked``
    revocation: docs.Revocation | None = None
    #: when ``superseded``: the end of its chain of amendments (``doc verify``'s "current
    #: version": :func:`ledger.services.verify.current_version`), that version's status
    #: (``active``, ``revoked``; ``superseded`` when the chain was not followed to its end) and,
    #: when it is revoked, who revoked it, when and why
    current_version: str | None = None
    current_status: str | None = None
    current_revocation: docs.Revocation | None = None
    #: of the revocation that leaves no version in force (``revocation``, else
    #: ``current_revocation``), who revoked as it counts (docs/rules.md: only the seller, or an
    #: admin, withdraws an invoice), as the regulator's audit weighs it: whether the revoker is
    #: an ADMIN, whether it is shown to be the seller by a file of the document the financing's
    #: bank lodged (None: none names the seller), the two in words, and whether the revocation
    #: withdrew the receivable (False: a revoker neither, or reason 1 or 2 — the registration
    #: only). All None without such a revocation (tryout 82: a bank's drawdown on an invoice a
    #: registrant not its seller revoked was told only "revoked")
    revoker_admin: bool | None = None
    revoker_is_seller: bool | None = None
    revoker_standing: str | None = None
    withdraws_receivable: bool | None = None

    @property
    def in_force(self) -> bool:
        """Not revoked and not superseded (a document nobody registered is financed as such)."""
        return self.document_status not in NOT_IN_FORCE

    @property
    def no_version_in_force(self) -> bool:
        """Revoked, or superseded by amendments whose current version is revoked: no version
        of the document is in force (a superseded one whose current version is active has one)."""
        revoked = DocStatus.REVOKED.name.lower()
        return self.document_status == revoked or (
            self.document_status == DocStatus.SUPERSEDED.name.lower()
            and self.current_status == revoked
        )


@dataclass(frozen=True)
class Entry:
    """A drawdown or a repayment, as its sealed entry says (amount in minor units); ``at``: its
    block's time (Unix seconds), once read (:func:`with_document_status`)."""

    type: str  # "drawdown" | "repayment"
    amount: int
    block: int
    tx_hash: str
    commitment: str
    at: int | None = None


@dataclass(frozen=True)
class RecordedSuspicion:
    """A suspicion the financing's bank acknowledged to send it, as its sealed terms record it
    (:func:`create`, at most :data:`MAX_RECORDED_SUSPICIONS`): ``document_index`` in its
    request, the pledged ``doc_hash`` (None when the terms do not say which: recorded before
    2026-12-05 for a financing of several documents), its ``kind`` (``reissue``, ``split``,
    ``split_part``, ``split_whole``), how many invoices the bank had lodged that it resembles
    (``lodged_invoices``: their hashes are not recorded) and the other banks' active financings
    whose marks the document shared (``financings``)."""

    document_index: int
    doc_hash: str | None
    kind: str
    lodged_invoices: int
    financings: tuple[int, ...]


@dataclass(frozen=True)
class Terms:
    """What only the financing's readers see (amounts in minor units of ``currency``)."""

    kind: FinancingKind
    currency: str
    amount: int
    drawn: int
    repaid: int
    maturity: datetime
    reference: str
    pledges: tuple[Pledge, ...]
    entries: tuple[Entry, ...]
    #: the terms opened to the commitment recorded on chain (a regulator's proof)
    commitment_holds: bool = True
    #: the suspicions the bank acknowledged to send it, as the terms record them
    suspicions: tuple[RecordedSuspicion, ...] = ()

    @property
    def outstanding(self) -> int:
        return self.drawn - self.repaid


@dataclass(frozen=True)
class PledgeSuspicion:
    """A suspicion about a pledged document (``documents[document_index]`` of the request):
    it looks like a re-issue or a split of ``documents`` (other invoices the bank lodged here),
    sharing ``matching_facts``; ``reasons`` say it in words. What ``doc check`` reports for
    the file (:func:`ledger.services.documents.suspicions_of`)."""

    document_index: int
    doc_hash: str
    kind: str
    documents: tuple[str, ...]
    matching_facts: tuple[str, ...]
    reasons: tuple[str, ...]
    #: another bank's active financings whose marks the document shares
    #: (:mod:`ledger.services.marked`; ``documents`` is then empty), or — a suspicion found
    #: among the bank's own files — those holding a fingerprint of one of ``documents``
    financings: tuple[int, ...] = ()
    #: each of ``documents`` with its status on chain now (a revoked or superseded one is said
    #: in ``reasons`` too: :class:`ledger.services.documents.NamedStatus`)
    statuses: tuple[docs.NamedStatus, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "document_index": self.document_index,
            "doc_hash": self.doc_hash,
            "kind": self.kind,
            "documents": list(self.documents),
            "document_statuses": [n.to_dict() for n in self.statuses],
            "matching_facts": list(self.matching_facts),
            "reasons": list(self.reasons),
            "financings": list(self.financings),
        }


@dataclass(frozen=True)
class Financing:
    """A financing: its public part as the chain records it, and its ``terms`` when the
    reader's key opens them (None otherwise)."""

    financing_id: int
    bank: str
    status: FinancingStatus
    fingerprint_count: int
    registered_at: datetime
    registered_block: int
    registered_tx: str
    terms_commitment: str
    fingerprints: tuple[str, ...]
    terms: Terms | None
    #: in :func:`create`'s answer only: the suspicions the bank acknowledged to send it
    suspicions: tuple[PledgeSuspicion, ...] = ()
    #: in :func:`create`'s answer only: the enterprise registrants its terms were not sealed
    #: to (``registrant_not_reader``: :func:`registrant_notices`)
    notices: tuple[docs.Notice, ...] = ()
    #: the bank's member id: what the contract checks a lifecycle write by (its address moves
    #: with a key rotation; the id never does)
    bank_id: int = 0

    @property
    def readable(self) -> bool:
        return self.terms is not None


@dataclass(frozen=True)
class Page:
    items: list[Financing]
    next_cursor: str | None


# -- input --------------------------------------------------------------------------------


def reference_bytes(reference: str) -> bytes:
    """The bank's own reference as the contract's bytes32 (UTF-8, right-padded); no control
    character (a NUL would be cut off as padding when read back: ``ledger.controls``)."""
    refuse_control(reference, "reference")
    data = reference.encode()
    if len(data) > 32:
        raise InvalidInput("reference", "must be at most 32 bytes of UTF-8")
    return data.ljust(32, b"\0")


def reference_text(value: bytes) -> str:
    return bytes(value).rstrip(b"\0").decode("utf-8", errors="replace")


#: the last maturity a financing may have (Unix seconds): 9999-12-31T23:59:59Z, the last time
#: RFC 3339 (and Python's datetime) can write
LAST_MATURITY = 253_402_300_799


class UnreadableTerms(ValueError):
    """Opened terms that do not say what terms say (a maturity no time can write): the
    financing reads as if its terms did not open, never as a failed read."""


def maturity_seconds(maturity: date | datetime | int) -> int:
    if isinstance(maturity, datetime):
        moment = maturity if maturity.tzinfo else maturity.replace(tzinfo=UTC)
        return int(moment.timestamp())
    if isinstance(maturity, date):
        return int(datetime(maturity.year, maturity.month, maturity.day, tzinfo=UTC).timestamp())
    return int(maturity)


def past_maturity_rule(maturity: date | datetime | int, now: float) -> str:
    """The rule a maturity not after ``now`` (Unix seconds) broke, quoting it and today's date
    in UTC (a date is the start of its day, UTC: today itself is past); a date-time also gets
    now's time."""
    today = datetime.fromtimestamp(now, UTC)
    if isinstance(maturity, datetime):
        given = maturity.isoformat().replace("+00:00", "Z")
        return (
            f"must be in the future, not {given}: it is now "
            f"{today.strftime('%Y-%m-%dT%H:%M:%SZ')} (UTC)"
        )
    given = maturity.isoformat() if isinstance(maturity, date) else str(maturity)
    return (
        f"must be in the future, not {given}: today is {today.date().isoformat()} (UTC), and a "
        "date matures at the start of its day (UTC), so the earliest is tomorrow"
    )


def check_financing_id(financing_id: int, field: str = "financing_id") -> int:
    """``financing_id`` if it can name a financing (1..``MAX_FINANCING_ID``), else
    :class:`InvalidInput` naming ``field``."""
    if not 1 <= financing_id <= MAX_FINANCING_ID:
        raise InvalidInput(
            field, f"must be a financing id, 1..{MAX_FINANCING_ID}", value=str(financing_id)
        )
    return financing_id


def amount_rule(value: int | float) -> str | None:
    """The rule a financing's, a drawdown's or a repayment's amount ``value`` (minor units)
    breaks — :data:`POSITIVE_RULE`, or the one wording of an amount too large
    (:func:`ledger.documents.normalise.too_large_rule`: beyond 2^63 - 1, what the chain and
    the audit index both record exactly; a float only to say that ``1e999999999`` is too
    large) — else None. The API's bodies, the CLI's ``AMOUNT`` and ``--doc`` and this service
    say it alike."""
    if value > MAX_UINT64:
        return too_large_rule()
    if value <= 0:
        return POSITIVE_RULE
    return None


def _amount(value: int, field: str) -> int:
    rule = amount_rule(value)
    if rule is not None:
        raise InvalidInput(field, rule)
    return value


def _facts_held(ledger: Ledger, actor: str, doc_hash: bytes, index: int) -> DocumentFacts:
    field = f"documents[{index}].doc_hash"
    rows = ledger.db.received(docs.hex32(doc_hash), actor)
    if not rows:
        raise InvalidInput(
            field,
            "this gateway holds no file with this hash from you: lodge the file you received "
            "first (POST /v1/documents/receive or tradeledger doc receive)",
            doc_hash=docs.hex32(doc_hash),
        )
    facts_json = rows[0].facts_json
    facts = DocumentFacts.from_dict(json.loads(facts_json)) if facts_json else None
    if facts is None or facts.amount_minor is None or facts.currency is None:
        raise InvalidInput(
            field,
            "the file has no face value the gateway can read (a UBL, CII, Factur-X or JSON-form "
            "document with an amount is needed)",
            doc_hash=docs.hex32(doc_hash),
        )
    docs.check_face_value(facts, field)  # a file lodged before the gateway refused such values
    return facts


def _check_receivable(facts: DocumentFacts, index: int) -> None:
    """A credit note (UBL CreditNote, type code 381 and the other EN 16931 credit-note codes) is
    not a receivable, and neither is a document whose amount due is not positive."""
    field = f"documents[{index}].doc_hash"
    if facts.credit_note:
        raise InvalidInput(
            field,
            "is a credit note: a credit note reduces what the buyer owes and cannot be financed",
        )
    if facts.no_payment_claimed is not None:
        reason = docs.no_payment_reason(facts.no_payment_claimed)
        raise InvalidInput(
            field, reason[0].lower() + reason[1:], type_code=facts.type_code, financeable_amount=0
        )
    if facts.amount_minor is not None and facts.amount_minor <= 0:
        raise InvalidInput(
            field,
            f"has an amount due of {money(facts.amount_minor, facts.currency)} (BT-115): only a "
            "positive amount due "
            "can be financed",
        )


# -- create -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """What the contract accepts in one financing (its public constants)."""

    max_pledges: int
    max_fingerprints: int


def limits(ledger: Ledger) -> Limits:
    """The contract's ``MAX_PLEDGES`` (documents per financing) and ``MAX_FINGERPRINTS`` (per
    document), read from the deployed contract."""
    functions = ledger.calls.functions
    return Limits(int(functions.MAX_PLEDGES().call()), int(functions.MAX_FINGERPRINTS().call()))


def _earlier_versions(ledger: Ledger, doc_hash: bytes, index: int) -> list[bytes]:
    """The documents ``doc_hash`` amends (:func:`ledger.services.documents.earlier_versions`);
    InvalidInput naming ``documents[index].doc_hash`` when its amendment chain is longer than
    a financing locks."""
    earlier = docs.earlier_versions(ledger, docs.find_registration(ledger, doc_hash))
    if len(earlier) > docs.MAX_EARLIER_VERSIONS:
        raise InvalidInput(
            f"documents[{index}].doc_hash",
            f"cannot be financed: it amends more than {docs.MAX_EARLIER_VERSIONS} earlier "
            "versions (DocumentSuperseded), and a financing locks at most that many",
            doc_hash=docs.hex32(doc_hash),
        )
    return earlier


def _through(version: str, doc_hash: str, amends: Mapping[bytes, Sequence[bytes]] | None) -> str:
    """How a pledged document ``doc_hash`` is held through the version fingerprint of another
    document ``version`` (0x hashes), in words (:data:`~ledger.messages.HELD_THROUGH_WORDS`): it
    ``amends`` it (one of the documents it amends, as ``amends`` says; also when ``amends`` is
    not known), or ``is another file of`` it (a registered document it is a copy of)."""
    if amends is None:
        return HELD_THROUGH_WORDS["amendment"]
    return HELD_THROUGH_WORDS[held_through(version, amends.get(bytes.fromhex(doc_hash[2:]), ()))]


def _same_as(name: str, index: int) -> str:
    """Why a document shares the fingerprint ``name`` with ``documents[index]``: the same
    document, or (a ``document_version`` fingerprint) a version of the same document."""
    if version_of(name) is not None:
        return f"is a version of the same document as documents[{index}]"
    return f"is the same document as documents[{index}]"


def _check_fingerprint_count(facts: DocumentFacts, count: int, most: int, index: int) -> None:
    """A document the contract would refuse for its number of fingerprints is refused here,
    saying why in words (InvalidInput naming ``documents[index].doc_hash``)."""
    field = f"documents[{index}].doc_hash"
    if count == 0:
        why = docs.unkeyed_reason(facts) or "the file's facts give no fingerprint"
        raise InvalidInput(
            field,
            f"cannot be financed: {why}",
            fingerprints=0,
            rejected_identifiers=[
                r.to_dict() for r in (facts.seller.rejected if facts.seller else ())
            ],
        )
    if count > most:
        keys = ", ".join(str(p) for p in (facts.seller.key_ids if facts.seller else ()))
        raise InvalidInput(
            field,
            f"cannot be financed: its facts give {count} fingerprints and the contract accepts "
            f"at most {most} per document (MAX_FINGERPRINTS); one is made per identity "
            f"identifier of the seller, and this seller carries {keys}",
            fingerprints=count,
            max_fingerprints=most,
        )


# -- envelopes: context, readers, keys ----------------------------------------------------


def context(ledger: Ledger) -> conf.Context:
    """The chain id and contract an envelope is bound to."""
    return conf.Context(ledger.chain_id, bytes.fromhex(ledger.contract.address[2:]))


def _public_key(ledger: Ledger, address: str) -> bytes | None:
    key = bytes(ledger.calls.functions.encryptionKeyOf(address).call())
    return key if any(key) else None


#: the notice of a financing whose terms were not sealed to an enterprise registrant
NOT_SEALED_TO_REGISTRANT = "registrant_not_reader"


def registrant_notice(
    financing_id: int,
    doc_hash: str,
    registrant: str,
    why: str,
    bank: str,
    names: Names = NO_NAMES,
) -> docs.Notice:
    """The ``registrant_not_reader`` notice of financing ``financing_id``: enterprise
    ``registrant`` (named by ``names``: ``Acme (0x…)``) registered ``doc_hash`` but was not
    shown to be its seller (``why``), so the terms were not sealed to it; sharing them adds it
    deliberately, on either surface: ``POST /v1/financings/{id}/share`` or ``finance share``
    (both keep the bare address)."""
    return docs.Notice(
        NOT_SEALED_TO_REGISTRANT,
        f"document {doc_hash} was registered by enterprise {who(registrant, names)}, but {why}: "
        f"the terms of financing {financing_id} were not sealed to it (a bank's terms go to the "
        "seller it finances, not to whoever registered the document's hash). To make it a "
        f'reader deliberately: POST /v1/financings/{financing_id}/share {{"reader": '
        f'"{registrant}"}}, tradeledger finance share {registrant} --financing '
        f"{financing_id} --as {bank}",
        documents=(doc_hash,),
        financings=(financing_id,),
    )


def sort_registrants(
    ledger: Ledger, bank: str, pledged: Sequence[tuple[str, str | None, DocumentFacts | None]]
) -> tuple[list[str], list[tuple[str, str, str]]]:
    """Of the registrants of ``pledged`` documents (``(doc_hash, registrant, facts of the
    bank's lodged copy)``): the enterprises shown to be the seller (:func:`not_shown_seller`),
    which the terms are sealed to, and ``(doc_hash, registrant, why)`` of every other
    enterprise registrant, which a ``registrant_not_reader`` notice names. A registrant of
    another role (a rival bank) is in neither: it never reads, and is not named."""
    sellers: set[str] = set()
    unshown: list[tuple[str, str, str]] = []
    for doc_hash, registrant, facts in pledged:
        if not registrant or registrant.lower() == bank.lower():
            continue
        # one read of the member gives both its role and its legal id
        record = ledger.calls.functions.memberOf(Web3.to_checksum_address(registrant)).call()
        if Role(int(record[2])) is not Role.ENTERPRISE:
            continue
        why = not_shown_seller(bytes(record[4]), facts)
        if why is None:
            sellers.add(registrant)
        else:
            unshown.append((doc_hash, registrant, why))
    return sorted(sellers), unshown


def registrant_notices(ledger: Ledger, f: Financing) -> tuple[docs.Notice, ...]:
    """A ``registrant_not_reader`` notice per pledged document of ``f`` registered by an
    enterprise not shown to be its seller (:func:`sort_registrants`, on the file ``f``'s bank
    lodged): whose registrant :func:`create` did not seal the terms to — and a
    ``seller_not_reader`` notice per enterprise shown to be a pledged invoice's seller that
    registered none of it (:func:`seller_notices`). For the answer of a retried create (the
    first attempt's answer was built by the same rules)."""
    pledged = []
    for p in f.terms.pledges if f.terms is not None else ():
        rows = ledger.db.received(p.doc_hash, f.bank)
        pledged.append((p.doc_hash, p.registrant, docs.facts_of(rows[0]) if rows else None))
    sellers, unshown = sort_registrants(ledger, f.bank, pledged)
    names = _member_names(ledger)
    return tuple(
        registrant_notice(f.financing_id, d, r, why, f.bank, names) for d, r, why in unshown
    ) + seller_notices(ledger, f.financing_id, f.bank, pledged, sellers, names)


#: the notice of an enterprise shown to be a pledged invoice's seller the terms were not
#: sealed to: it registered no file of it the bank pledged
NOT_SEALED_TO_SELLER = "seller_not_reader"


def seller_notices(
    ledger: Ledger,
    financing_id: int,
    bank: str,
    pledged: Sequence[tuple[str, str | None, DocumentFacts | None]],
    sealed_to: Sequence[str],
    names: Names = NO_NAMES,
) -> tuple[docs.Notice, ...]:
    """A ``seller_not_reader`` notice per pledged document registered by nobody (``(doc_hash,
    registrant, facts of the bank's lodged copy)``) whose seller is an enterprise member (its
    legal id on chain is one of the seller's identifiers in the file: :func:`ledger.services.
    sellers.enterprise_sellers`) that the terms were not sealed to (``sealed_to``: the
    registrants shown to be the seller) — it registered another copy of the invoice (another
    format, re-typed) or none. A registered document's registrant is sealed to or named by a
    ``registrant_not_reader`` notice (:func:`sort_registrants`), as before. Tryout 87's bank
    financed the CII copy of an invoice its seller had registered as UBL: the seller read
    ``confidential`` and nothing told the bank to share.
    The terms stay sealed as :func:`sort_registrants` says (an enterprise reads the financings
    of documents it registered as their seller: docs/privacy.md); the notice says who the
    seller is and how to make it a reader."""
    sealed = {a.lower() for a in sealed_to} | {bank.lower()}
    notices: list[docs.Notice] = []
    for doc_hash, registrant, facts in pledged:
        if registrant:  # registered: its registrant is the reader, or a notice names it
            continue
        for seller, shown in enterprise_sellers(ledger, facts):
            if seller.lower() in sealed:
                continue
            notices.append(
                docs.Notice(
                    NOT_SEALED_TO_SELLER,
                    f"the seller of document {doc_hash} is enterprise {who(seller, names)} (its "
                    f"legal id on chain is the seller's {shown} in the file you lodged), but it "
                    f"did not register this file, so the terms of financing {financing_id} "
                    "were not sealed to it. If it is your customer, make it a reader: POST "
                    f'/v1/financings/{financing_id}/share {{"reader": "{seller}"}}, '
                    f"tradeledger finance share {seller} --financing {financing_id} --as {bank}",
                    documents=(doc_hash,),
                    financings=(financing_id,),
                )
            )
    return tuple(notices)


def _member_names(ledger: Ledger) -> Names:
    """Members' names as this gateway knows them, for the notices' words."""
    from ledger.services.names import LedgerNames  # it reads documents

    return LedgerNames(ledger)


def readers_of(ledger: Ledger, bank: str, sellers: Sequence[str]) -> list[bytes]:
    """The X25519 public keys a financing's terms are sealed to: the bank, every active
    regulator, and those of ``sellers`` that published a key — the enterprise registrants of
    its documents shown to be their seller (:func:`sort_registrants`, which leaves out every
    other role: a bank that registered a document reads no rival's terms on it).
    LedgerStateError when the bank itself published none (it could not read its own book)."""
    own = _public_key(ledger, bank)
    if own is None:
        from ledger.errors import LedgerStateError

        raise LedgerStateError(
            f"bank {who(bank, _member_names(ledger))} has published no encryption key on chain, "
            "so its financings could not be sealed to it: "
            "`tradeledger member publish-key --as BANK` publishes one",
            bank=bank,
        )
    _, regulator_keys = ledger.calls.functions.encryptionRecipients(int(Role.REGULATOR)).call()
    keys = [own, *(bytes(k) for k in regulator_keys)]
    for seller in sellers:
        found = _public_key(ledger, seller)
        if found is not None:
            keys.append(found)
    return list(dict.fromkeys(keys))


def _reader_keys(ledger: Ledger, reader: str | None) -> list[Any]:
    if reader is None:
        return []
    key = ledger.encryption_keys.key_for(reader)
    return [key] if key is not None else []


#: the rule an entry, close or cancel breaks while an earlier one of its financing is unmined
ONE_UNMINED_RULE = (
    "one drawdown, repayment, close or cancel of a financing in flight at a time: what is "
    "undrawn or outstanding is read once the earlier one is mined (a second one checked "
    "before it would be let past it)"
)
#: the rule a financing breaks while an earlier one pledging a fingerprint of it is unmined
ONE_PLEDGE_UNMINED_RULE = (
    "a financing pledging what an earlier financing of the bank, still unmined, pledges is "
    "checked once that one is mined (checked before, it would be sent and refused on chain, "
    "recorded as a refusal against the bank itself)"
)
#: the contract functions whose first argument is the financing a bank writes to
_FINANCING_WRITES = ("recordEntry", "closeFinancing", "cancelFinancing")
#: the contract functions that register a financing, their first argument its fingerprints
_FINANCING_CREATES = ("registerFinancing", "registerMarkedFinancing")


def _after_unmined(ledger: Ledger, actor: str, financing_id: int) -> None:
    """Return once no earlier drawdown, repayment, close or cancel of ``financing_id`` by
    ``actor`` is unmined (:func:`ledger.services.unmined.wait_until_mined`: else 503). Tryout
    78's gateway, its node stalled, drew 80,000 twice on a 100,000 financing: the first
    drawdown waited in the pool, the second (another key) was checked against the mined
    entries only."""
    wait_until_mined(
        lambda: [
            c for c in unmined_calls(ledger, actor, _FINANCING_WRITES) if c.args[0] == financing_id
        ],
        f"financing {financing_id}: an earlier write of it",
        ONE_UNMINED_RULE,
        field="financing_id",
        financing_id=financing_id,
    )


def _after_unmined_pledges(ledger: Ledger, actor: str, fingerprints: Sequence[bytes]) -> None:
    """Return once no earlier financing by ``actor`` pledging one of ``fingerprints`` is
    unmined (else 503). Tryout 79: a financing sent, the gateway killed and restarted, the same
    financing asked again under a new key was checked against the mined holders, sent, and
    refused on chain — a refusal recorded against the bank's own financing."""
    wanted = {bytes(f) for f in fingerprints}
    wait_until_mined(
        lambda: [
            c
            for c in unmined_calls(ledger, actor, _FINANCING_CREATES)
            if wanted.intersection(bytes(f) for f in c.args[0])
        ],
        "an earlier financing pledging a fingerprint of these documents",
        ONE_PLEDGE_UNMINED_RULE,
        field="documents",
    )


@contextmanager
def _entry_lock(ledger: Ledger) -> Iterator[None]:
    """Serialise check-then-write of financing entries across this data directory's
    processes (the gateway and a CLI)."""
    path = private_file(ledger.settings.data_dir / LOCK_FILE)
    fd = open(path, "a+")  # noqa: SIM115 — held for the lock's lifetime
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        fd.close()


def _send_once(
    ledger: Ledger, actor: str, key: str, build: Callable[[], tuple[ContractCall, int | None]]
) -> TxReceipt:
    """The receipt of the transaction ``key`` is bound to (a retry), else of the call ``build``
    checks and seals now (returning it with its gas, or None to estimate)."""
    transactor = ledger.transactor(actor)
    sent = transactor.replay(key)
    if sent is not None:
        return transactor.wait(sent)
    call, gas = build()
    return transactor.transact(call, gas, idempotency_key=key)


# -- create -------------------------------------------------------------------------------


def _terms_payload(
    bank: str,
    kind: FinancingKind,
    currency: str,
    maturity_at: int,
    reference: str,
    pledges: Sequence[tuple[bytes, int, int, list[bytes], DocumentFacts, str | None]],
) -> dict[str, Any]:
    return {
        "v": TERMS_VERSION,
        "type": "financing",
        "bank": bank,
        "kind": kind.name,
        "currency": currency,
        "amount": sum(p[1] for p in pledges),
        "maturity": maturity_at,
        "reference": reference,
        "documents": [
            {
                "doc_hash": docs.hex32(h),
                "amount": a,
                "face_value": f,
                "registrant": registrant,
                "fingerprints": [docs.hex32(x) for x in v],
            }
            for h, a, f, v, _, registrant in pledges
        ],
    }


def _require_bank(ledger: Ledger, actor: str) -> int:
    """``actor``'s member id; RoleNotAllowed (403), as the contract would revert, unless
    ``actor`` is a BANK member: checked before anything is evaluated, so a non-bank's attempt
    is the role error (not the evaluator's refusal) and does not count against, or show in, the
    evaluator's log."""
    record = ledger.calls.functions.memberOf(Web3.to_checksum_address(actor)).call()
    member_id, role = int(record[0]), int(record[2])
    if member_id == 0:
        raise ERRORS["NotAMember"](actor)
    if role != int(Role.BANK):
        raise ERRORS["RoleNotAllowed"](actor, role)
    return member_id


#: the rule an attempt on a document the bank's own active financing holds breaks
#: (:class:`ledger.errors.AlreadyFinancedByYou`)
ONE_ACTIVE_FINANCING_RULE = (
    "one active financing per invoice, the bank's own included: a document an active financing "
    "holds is financed again only once that financing is closed or cancelled"
)


def refuse_own_holding(
    others: set[int],
    requests: Sequence[PledgeRequest],
    pledged: Sequence[tuple[bytes, Sequence[bytes]]],
    holder_of: dict[bytes, int],
    kinds: dict[bytes, str],
    amends: Mapping[bytes, Sequence[bytes]] | None = None,
) -> None:
    """Raise :class:`AlreadyFinancedByYou` when every active financing holding a fingerprint
    of the ``pledged`` documents (``(doc_hash, fingerprints)``; ``holder_of``: fingerprint →
    financing, 0 for none) is the bank's own (``others``: the holders that are another bank's,
    none). The contract would refuse such an attempt and record it as a refusal against the
    bank (a suspicion of double financing): it is answered here and nothing is sent. When any
    holder is another bank's, the attempt goes on: sent, refused and recorded for the
    regulator, as the anti-fraud rule intends. ``amends``: the documents each pledged document
    amends (a held version fingerprint of another document is of one it amends, else of a
    registered document it is another file of: ``docs.registered_twins``)."""
    holders = sorted({h for h in holder_of.values() if h})
    if not holders or others:
        return
    index_of = {r.doc_hash: i for i, r in enumerate(requests)}
    held: list[dict[str, Any]] = []
    for doc_hash, values in sorted(pledged, key=lambda p: index_of[p[0]]):
        taken = sorted((holder_of[v], v) for v in values if holder_of[v])
        if taken:
            financing_id, value = taken[0]
            held.append(
                {
                    "document_index": index_of[doc_hash],
                    "doc_hash": docs.hex32(doc_hash),
                    "financing_id": financing_id,
                    "fingerprint": docs.hex32(value),
                    "fingerprint_kind": kinds.get(value),
                }
            )
    first = held[0]
    i, financing_id = int(first["document_index"]), int(first["financing_id"])
    kind = f" ({first['fingerprint_kind']})" if first["fingerprint_kind"] else ""

    def pledged_as(h: dict[str, Any]) -> str:
        version = version_of(h["fingerprint_kind"])
        if version and version != h["doc_hash"]:  # through the version it amends, or copies
            return f"{_through(version, h['doc_hash'], amends)} document {version}, which is"
        return "is"

    said = "; ".join(
        f"documents[{h['document_index']}] {h['doc_hash']} {pledged_as(h)} already pledged to "
        f"your active financing {h['financing_id']}"
        + (f" (fingerprint{kind} held there)" if h is first else "")
        for h in held
    )
    raise AlreadyFinancedByYou(
        f"not financed, nothing was sent and nothing recorded: {said}. The ledger holds "
        f"{ONE_ACTIVE_FINANCING_RULE}: close financing {financing_id} once repaid, or cancel "
        "it, before financing the document again",
        field=f"documents[{i}].doc_hash",
        rule=ONE_ACTIVE_FINANCING_RULE,
        doc_hash=first["doc_hash"],
        financing_id=financing_id,
        financing_ids=holders,
        fingerprint=first["fingerprint"],
        fingerprint_kind=first["fingerprint_kind"],
        documents=held,
    )


def create(
    ledger: Ledger,
    actor: str,
    requests: Sequence[PledgeRequest],
    currency: str,
    kind: FinancingKind,
    maturity: date | datetime | int,
    reference: str = "",
    *,
    idempotency_key: str | None = None,
    acknowledge_suspicions: bool = False,
) -> Financing:
    """:func:`_create`, with ``idempotency_key`` bound to the request's arguments whichever
    surface sent it (:mod:`ledger.services.requestkeys`): the same key with other arguments
    is a Conflict (409) naming the key, nothing sent."""
    try:
        due: object = maturity_seconds(maturity)
    except (InvalidInput, ValueError, OverflowError, TypeError):
        due = str(maturity)  # refused by _create, naming the field
    arguments = {
        "documents": [[bytes(r.doc_hash).hex(), r.amount] for r in requests],
        "currency": currency,
        "kind": kind.name,
        "maturity": due,
        "reference": reference,
        "acknowledge_suspicions": acknowledge_suspicions,
    }
    return bound_to_request(
        ledger,
        actor,
        idempotency_key,
        "create a financing",
        arguments,
        lambda: _create(
            ledger,
            actor,
            requests,
            currency,
            kind,
            maturity,
            reference,
            idempotency_key=idempotency_key,
            acknowledge_suspicions=acknowledge_suspicions,
        ),
    )


def _create(
    ledger: Ledger,
    actor: str,
    requests: Sequence[PledgeRequest],
    currency: str,
    kind: FinancingKind,
    maturity: date | datetime | int,
    reference: str = "",
    *,
    idempotency_key: str | None = None,
    acknowledge_suspicions: bool = False,
) -> Financing:
    """Register a financing against documents ``actor`` lodged here. See the module docstring.

    A pledged document that ``doc check`` reports as suspicious for ``actor`` (a re-issue or
    a split of another invoice it lodged: :func:`pledge_suspicions`) stops the financing with
    :class:`ledger.errors.SuspicionsUnacknowledged` (409) before anything is sent, unless
    ``acknowledge_suspicions``; the answer then lists them (``Financing.suspicions``).

    Exactly once per ``idempotency_key``: a retry (after a crash, a lost answer) returns the
    financing that key created — or the refusal it received — and never a second attempt.
    Raises InvalidInput (422) naming the field for anything wrong with the request, the
    contract's typed error when the chain would revert, :class:`ledger.errors.FinancingRefused`
    (409) when the attempt was refused (and recorded, encrypted); only the last writes anything.
    """
    key = write_key(idempotency_key)
    transactor = ledger.transactor(actor)
    replayed = transactor.replay(key)
    if replayed is not None:
        financing = _outcome(ledger, actor, transactor.wait(replayed), None)
        found = pledge_suspicions(ledger, actor, [r.doc_hash for r in requests])
        said = registrant_notices(ledger, financing)
        return replace(financing, suspicions=found, notices=said)
    member_id = _require_bank(ledger, actor)
    if not requests:
        raise InvalidInput("documents", "must name at least one document")
    most = limits(ledger)
    if len(requests) > most.max_pledges:
        raise InvalidInput(
            "documents",
            f"must name at most {most.max_pledges} documents (the contract's MAX_PLEDGES)",
        )
    if kind is FinancingKind.NONE:
        raise InvalidInput("kind", "must not be none")
    # an active ISO 4217 code, as written (``dkk`` is refused, not guessed)
    currency = check_currency(currency, "currency", exact=True)
    maturity_at = maturity_seconds(maturity)
    if maturity_at > LAST_MATURITY:
        # a date-time whose offset carries it past 9999-12-31 in UTC (9999-12-31T23:59:59-23:59)
        # was sealed, and every read of the financing failed on it (a tryout)
        raise InvalidInput(
            "maturity",
            "must be on or before 9999-12-31T23:59:59Z (RFC 3339 times end in the year 9999)",
            value=str(maturity),
        )
    now = time.time()
    if not now < maturity_at:
        raise InvalidInput("maturity", past_maturity_rule(maturity, now), value=str(maturity))
    reference_bytes(reference)  # at most 32 bytes of UTF-8, as before the terms were sealed
    seen: set[bytes] = set()
    checked: list[tuple[bytes, int, int, list[bytes], DocumentFacts]] = []
    names: dict[bytes, str] = {}
    owner: dict[bytes, int] = {}  # fingerprint → the request that pledges it
    held: list[tuple[int, PledgeRequest, int, DocumentFacts]] = []
    told: list[docs.Notice] = []  # credit notes named, not counted (docs.credit_notes_read)
    nets: dict[int, int | None] = {}  # each document's amount net of the credit notes counted
    for i, req in enumerate(requests):
        if req.doc_hash in seen:
            raise InvalidInput(f"documents[{i}].doc_hash", "appears twice")
        seen.add(req.doc_hash)
        amount = _amount(req.amount, f"documents[{i}].amount")
        facts = _facts_held(ledger, actor, req.doc_hash, i)
        if facts.currency != currency:
            # the field and the rule, with the document by its place as every other answer
            # names one (``documents[i]``, ``document_index``), never a key of its own
            raise InvalidInput(
                "currency",
                f"must be the currency of documents[{i}]: {facts.currency} (its EN 16931 BT-5 "
                "invoice currency code); a financing is in its documents' currency",
                document_index=i,
                doc_hash="0x" + req.doc_hash.hex(),
                document_currency=facts.currency,
            )
        assert facts.amount_minor is not None  # checked in _facts_held
        _check_receivable(facts, i)
        if amount > facts.amount_minor:
            raise InvalidInput(
                f"documents[{i}].amount",
                "must not exceed the document's face value "
                f"{money(facts.amount_minor, facts.currency)}",
                face_value=facts.amount_minor,
                currency=facts.currency,
            )
        # read once for both figures below: the seller's and the buyer's, and the bank's own;
        # another member's alone are named in the answer, not counted (a tryout)
        notes, uncounted = docs.credit_notes_read(ledger, facts, reader=actor)
        if (not_counted := docs.not_counted_notice(uncounted)) is not None:
            told.append(not_counted)
        net = docs.financeable_amount(ledger, facts, None, notes)
        if net == 0:  # as the check answers it: financeable_amount 0 and why (docs.nothing_due)
            why = docs.nothing_due(
                facts.amount_minor,
                docs.net_amount_due(ledger, facts, None, notes),
                facts.currency,
                facts.amount_due_by_totals,
                facts.totals_faults,
            )
            counted = f" (counted: {docs.counted_notes(ledger, notes)})" if notes else ""
            raise InvalidInput(
                f"documents[{i}].doc_hash",
                f"cannot be financed: {why or 'nothing is left to finance'}{counted}",
                financeable_amount=0,
                credit_notes=[h for h, _ in notes],
            )
        by_totals = facts.amount_due_by_totals
        if by_totals is not None and amount > by_totals:
            raise InvalidInput(
                f"documents[{i}].amount",
                f"must not exceed {money(by_totals, facts.currency)}: "
                + docs.totals_words(
                    facts.amount_minor, by_totals, facts.currency, facts.totals_faults
                ),
                business_rule=(facts.totals_faults[0].rule if facts.totals_faults else TOTALS_RULE),
                face_value=facts.amount_minor,
                amount_due_by_totals=by_totals,
                totals_faults=[fault.to_dict() for fault in facts.totals_faults],
                currency=facts.currency,
            )
        if net is not None and amount > net:
            raise InvalidInput(
                f"documents[{i}].amount",
                f"must not exceed the invoice's value net of the credit notes lodged against it "
                f"({money(net, facts.currency)} of face value "
                f"{money(facts.amount_minor, facts.currency)}; counted: "
                f"{docs.counted_notes(ledger, notes)})",
                financeable_amount=net,
                credit_notes=[h for h, _ in notes],
            )
        _check_fingerprint_count(facts, len(fingerprint_inputs(facts)), most.max_fingerprints, i)
        held.append((i, req, amount, facts))
        nets[i] = net
    # each document's versions: itself and every document it amends (the public supersession
    # chain), whose version fingerprints it locks too: an amendment under a new number or
    # amount shares no fact fingerprint with the financed version it replaces (a tryout)
    amends = {req.doc_hash: _earlier_versions(ledger, req.doc_hash, i) for i, req, _, _ in held}
    # and every registered document a pledged file is a copy of, with the versions it amends:
    # the same receivable in another file (docs.registered_twins); never a document it amends
    # to its suspicions (a copy of a revoked twin is still one: docs.copies_withdrawn)
    versions = [
        list(
            dict.fromkeys(
                [
                    req.doc_hash,
                    *amends[req.doc_hash],
                    *docs.registered_twins(ledger, facts, req.doc_hash, actor, "bank"),
                ]
            )
        )
        for _, req, _, facts in held
    ]
    # every document's fingerprints and marks in one evaluation (one request, one proof): the
    # evaluator's, checked against its key on chain; this gateway holds no key that computes them
    evaluated, marked = evaluated_with_marks(
        ledger, actor, [facts for _, _, _, facts in held], versions=versions
    )
    marks_by_doc = {req.doc_hash: m for (_, req, _, _), m in zip(held, marked, strict=True)}
    for (i, req, amount, facts), fps in zip(held, evaluated, strict=True):
        assert facts.amount_minor is not None
        names.update({f.value: f.name for f in fps})
        values = sorted({f.value for f in fps})
        of_facts = {f.value for f in fps if f.kind is not FingerprintKind.DOCUMENT_VERSION}
        _check_fingerprint_count(facts, len(of_facts), most.max_fingerprints, i)
        for value in values:
            if value in owner:
                raise InvalidInput(
                    f"documents[{i}].doc_hash",
                    f"{_same_as(names[value], owner[value])} (they share the fingerprint "
                    f"{names[value]}): pledge it once",
                    doc_hash=docs.hex32(req.doc_hash),
                )
            owner[value] = i
        checked.append((req.doc_hash, amount, facts.amount_minor, values, facts))
    locked = sum(len(p[3]) for p in checked)
    if locked > most.max_pledges * most.max_fingerprints:
        raise InvalidInput(
            "documents",
            f"give {locked} fingerprints to lock, their facts' and one per version of each "
            f"document (itself and every document it amends), and the contract locks at most "
            f"{most.max_pledges * most.max_fingerprints} in one financing "
            "(MAX_FINANCING_FINGERPRINTS): pledge fewer documents in one financing",
            fingerprints=locked,
            max_fingerprints=most.max_pledges * most.max_fingerprints,
        )
    if sum(p[1] for p in checked) > MAX_UINT64:
        raise InvalidInput(
            "documents", f"the amounts must add up to at most {MAX_UINT64} minor units (2^63 - 1)"
        )
    checked.sort(key=lambda p: p[0])
    # the bank's own role and standing, as the contract would judge them (nothing is sent)
    docs.refuse_early(
        ledger, actor, ledger.calls.functions.recordRefusal(b"\x01" * 32, b"\x01"), key
    )
    # one financing at a time from here to its receipt (this data directory's processes): two
    # requests of the same bank for one invoice at once would both read it free, and the second
    # would be sent and recorded as a refusal against the bank itself (a fresh-user tryout)
    with _entry_lock(ledger):
        every = sorted(v for p in checked for v in p[3])
        _after_unmined_pledges(ledger, actor, every)
        # the active financing holding each fingerprint pledged (0: none), read once
        holder_of = {
            value: int(holder)
            for value, holder in zip(
                every, ledger.calls.functions.fingerprintHolders(every).call(), strict=True
            )
        }
        # A document nobody registered is *not* registered now: a registration by the bank in the
        # same breath as its financing would tell everyone which document it finances. Its hash
        # is in the sealed terms; its fingerprints lock it against a second financing all the same.
        pledges = []
        refusal: dict[str, Any] | None = None
        for doc_hash, amount, face, values, facts in checked:
            record = docs.find_registration(ledger, doc_hash)
            registrant = record.registered_by if record is not None else None
            pledges.append((doc_hash, amount, face, values, facts, registrant))
            if refusal is None and record is not None and record.status is not DocStatus.ACTIVE:
                reason = (
                    RefusalReason.DOCUMENT_REVOKED
                    if record.status is DocStatus.REVOKED
                    else RefusalReason.DOCUMENT_SUPERSEDED
                )
                refusal = {"reason": reason.name, "doc_hash": docs.hex32(doc_hash)}
        #: the holding financings that are another bank's (read once: its bank, on chain)
        others: set[int] = set()
        if refusal is None:
            others = {
                holder
                for holder in set(holder_of.values())
                if holder
                and int(ledger.calls.functions.getFinancing(holder).call()[1]) != member_id
            }
            # held by the bank's own active financing only: doomed on chain, answered here, not sent
            refuse_own_holding(
                others, requests, [(p[0], p[3]) for p in checked], holder_of, names, amends
            )
        # the check's suspicions (re-issue, split): a person judges them before the money goes
        suspicions = pledge_suspicions(ledger, actor, [r.doc_hash for r in requests], amends)
        on_chain, own = _marked_suspicions(
            ledger, actor, requests, checked, marks_by_doc, holder_of
        )
        suspicions = _joined(suspicions, on_chain, own)
        suspicions += _suspicions_within(requests, marks_by_doc, suspicions)
        # what the bank's own financings already hold of each pledged invoice's receivable,
        # as its check counts them: said before it acknowledges, and after (tryout 83)
        beyond = own_beyond_due(ledger, actor, held, suspicions, nets)
        if suspicions and not acknowledge_suspicions:
            # an invoice another bank's financing holds is said first: acknowledging the
            # suspicions would only have the attempt refused on chain and recorded (a tryout
            # read a split suspicion of an amendment, and not that it was pledged)
            taken = next(
                (
                    (p[0], holder_of[v], names.get(v))
                    for p in checked
                    for v in p[3]
                    if holder_of[v] in others
                ),
                None,
            )
            pledged = None
            if taken is not None:
                pledged_hash, holding, holding_name = taken
                at = next(j for j, r in enumerate(requests) if r.doc_hash == pledged_hash)
                pledged = (at, docs.hex32(pledged_hash), holding, holding_name)
            raise unacknowledged(suspicions, pledged, amends, beyond)
        if refusal is None:
            # another bank's financing holds it: the refusal names that one (the bank's own, if it
            # holds a fingerprint too, is not what makes the attempt a double financing)
            # a fact fingerprint before a version one: a copy that shares the invoice's facts
            # is named by them, not by the registered version it is another file of
            for value in sorted(
                every,
                key=lambda v: (
                    holder_of[v] not in others,
                    version_of(names.get(v) or "") is not None,
                ),
            ):
                if holder_of[value]:
                    refusal = {
                        "reason": RefusalReason.FINGERPRINT_PLEDGED.name,
                        "doc_hash": docs.hex32(next(p[0] for p in pledges if value in p[3])),
                        "conflicting_financing_id": holder_of[value],
                        "fingerprint": docs.hex32(value),
                    }
                    break
        payload = _terms_payload(actor, kind, currency, maturity_at, reference, pledges)
        if suspicions:  # what the bank judged and acknowledged, for its regulators to audit
            recorded = [
                {
                    "document_index": s.document_index,
                    # which pledged document: the index is the request's, and the terms keep
                    # the documents in the order of their hashes
                    "doc_hash": s.doc_hash,
                    "kind": s.kind,
                    "documents": len(s.documents),
                    "financings": list(s.financings),
                }
                for s in recorded_suspicions(suspicions)
            ]
            # each once: two suspicions of one kind, by one count of lodged files, naming the
            # same financings read the same once recorded (tryout 87 read one entry twice)
            unique = {json.dumps(r, sort_keys=True): r for r in recorded}
            payload["suspicions"] = list(unique.values())
        ctx = context(ledger)
        if refusal is not None:
            # who tried, against what: the refused bank and the regulators only (docs/privacy.md)
            readers = readers_of(ledger, actor, [])
            payload["type"] = "refusal"
            payload["refusal"] = refusal
            sealed = conf.seal_terms(payload, readers, ctx)
            receipt = transactor.transact(
                ledger.calls.functions.recordRefusal(sealed.commitment, sealed.envelope),
                idempotency_key=key,
            )
            return _outcome(ledger, actor, receipt, names)
        # an enterprise registrant reads the terms only when shown to be the document's seller:
        # whoever registered a hash first is not thereby the bank's customer (docs/privacy.md)
        sellers, unshown = sort_registrants(
            ledger, actor, [(docs.hex32(p[0]), p[5], p[4]) for p in pledges]
        )
        readers = readers_of(ledger, actor, sellers)
        sealed = conf.seal_terms(payload, readers, ctx)
        carried = [[m for m in found if m.carried] for found in marks_by_doc.values()]
        marks = sorted({m.value for m in within_limit(carried, lambda m: m.kind)})
        receipt = transactor.transact(
            ledger.calls.functions.registerMarkedFinancing(
                every, marks, sealed.commitment, sealed.envelope
            ),
            idempotency_key=key,
        )
        financing = replace(_outcome(ledger, actor, receipt, names), suspicions=suspicions)
        member_names = _member_names(ledger)  # one reader of names for every notice
        financing = replace(
            financing,
            notices=tuple(
                registrant_notice(financing.financing_id, d, r, why, actor, member_names)
                for d, r, why in unshown
            )
            + seller_notices(
                ledger,
                financing.financing_id,
                actor,
                [(docs.hex32(p[0]), p[5], p[4]) for p in pledges],
                sellers,
                member_names,
            )
            + tuple(told)
            + tuple(b.notice(financing.financing_id) for b in beyond if b.beyond),
        )
        ledger.db.store_pledges(
            financing.financing_id,
            [
                StoredPledge(
                    financing.financing_id, docs.hex32(h), a, f, tuple(docs.hex32(x) for x in v)
                )
                for h, a, f, v, _, _ in pledges
            ],
        )
        return financing


#: the most acknowledged suspicions a financing's sealed terms record (each about 150 bytes
#: before compression, its doc_hash one the documents already name: the terms must stay within
#: the contract's MAX_TERMS)
MAX_RECORDED_SUSPICIONS = 32


def recorded_suspicions(suspicions: Sequence[PledgeSuspicion]) -> list[PledgeSuspicion]:
    """The acknowledged ``suspicions`` a financing's terms record, at most
    :data:`MAX_RECORDED_SUSPICIONS`: those naming another bank's active financing first (what
    the regulator's ``financed_despite_suspicions`` follows up), then the bank's own lodged
    invoices', each group in the order found. Cut in the order found, a financing of many
    invoices each resembling many of the bank's own files dropped the ones naming another
    bank's financing."""
    ranked = sorted(suspicions, key=lambda s: not s.financings)  # stable: found order kept
    return ranked[:MAX_RECORDED_SUSPICIONS]


def _marked_suspicions(
    ledger: Ledger,
    actor: str,
    requests: Sequence[PledgeRequest],
    checked: Sequence[tuple[bytes, int, int, list[bytes], DocumentFacts]],
    marks_by_doc: dict[bytes, list[Mark]],
    holder_of: dict[bytes, int],
) -> tuple[tuple[PledgeSuspicion, ...], frozenset[int]]:
    """The pledged documents' suspicions found on chain: an active financing — another bank's
    or the bank's own — that carries one of a document's marks (:mod:`ledger.services.marked`),
    but a financing holding one of its fingerprints (``holder_of``: the attempt is then
    refused, and recorded as such); and which of the financings named are the bank's own."""
    values = {doc_hash: fps for doc_hash, _, _, fps, _ in checked}
    nouns = {doc_hash: doc_type_word(facts.doc_type.value) for doc_hash, *_, facts in checked}
    found: list[PledgeSuspicion] = []
    own: set[int] = set()
    for i, req in enumerate(requests):
        marks = marks_by_doc.get(req.doc_hash)
        if not marks:
            continue
        pledged = {holder_of[v] for v in values.get(req.doc_hash, []) if holder_of[v]}
        noun = nouns.get(req.doc_hash, "invoice")
        for m in marked_financings(ledger, actor, marks, pledged, own=True, noun=noun):
            if m.own:
                own.add(m.financing_id)
            found.append(
                PledgeSuspicion(
                    i,
                    docs.hex32(req.doc_hash),
                    m.suspicion_kind,
                    (),
                    m.kind.matching_facts,
                    m.reasons,
                    (m.financing_id,),
                )
            )
    return tuple(found), frozenset(own)


def _suspicions_within(
    requests: Sequence[PledgeRequest],
    marks_by_doc: Mapping[bytes, Sequence[Mark]],
    said: Sequence[PledgeSuspicion],
) -> tuple[PledgeSuspicion, ...]:
    """The suspicions between the documents of one request: two pledged documents that share
    a mark (:func:`ledger.services.marked.shared_within`) may be one receivable pledged twice
    in one financing — unless the bank's own files said so already (``said`` names the other
    document of the pair)."""
    hashes = [docs.hex32(r.doc_hash) for r in requests]
    named = {(s.document_index, d) for s in said for d in s.documents}
    found: list[PledgeSuspicion] = []
    for later, earlier, kind in shared_within([marks_by_doc.get(r.doc_hash, []) for r in requests]):
        if (later, hashes[earlier]) in named or (earlier, hashes[later]) in named:
            continue
        held = f"documents[{earlier}] of this financing ({hashes[earlier]}) is an invoice"
        found.append(
            PledgeSuspicion(
                later,
                hashes[later],
                SUSPICION_KIND[kind],
                (hashes[earlier],),
                kind.matching_facts,
                (
                    *mark_reasons(kind, held, "that one"),
                    "found by the marks the two files share: pledged together, one receivable "
                    "would be financed twice in one financing",
                ),
            )
        )
    return tuple(found)


def _at_document(index: int) -> Callable[[PledgeSuspicion], bool]:
    """Whether a suspicion is about ``documents[index]`` of the request."""
    return lambda s: s.document_index == index


def _joined(
    local: tuple[PledgeSuspicion, ...],
    marked: tuple[PledgeSuspicion, ...],
    own: frozenset[int],
) -> tuple[PledgeSuspicion, ...]:
    """The suspicions among the bank's own files (``local``) and those found by marks
    (``marked``): a document's marked suspicion naming the bank's own financing (``own``) joins
    the document's first local suspicion of its kind (a re-issue, or a split: a mark tells no
    part from whole), which then names that financing too (the files it found may be pledged
    there); so does another bank's financing that suspicion names already (it holds a file
    found), with its marks' reasons, which name that bank. Any other stays a suspicion of its
    own. Joined to whatever came first, a re-issue's financing was recorded under a
    ``copy_revoked`` suspicion, which names none (tryout 45)."""
    joined = list(local)
    rest: list[PledgeSuspicion] = []
    for s in marked:
        if not s.financings or not join_marked(
            joined,
            s.financings[0],
            s.kind,
            s.reasons,
            s.financings[0] in own,
            _at_document(s.document_index),
        ):
            rest.append(s)
    return (*joined, *rest)


def pledge_suspicions(
    ledger: Ledger,
    actor: str,
    doc_hashes: Sequence[bytes],
    earlier: Mapping[bytes, Sequence[bytes]] | None = None,
) -> tuple[PledgeSuspicion, ...]:
    """The suspicions ``doc check`` reports to bank ``actor`` for each document it pledges
    (the file it lodged here: :func:`ledger.services.documents.suspicions_of`), in the
    request's order. A document without a lodged file or facts has none. ``earlier``: the
    documents each amends, when the caller read them already (:func:`_create`)."""
    known = earlier or {}
    found: list[PledgeSuspicion] = []
    for i, doc_hash in enumerate(doc_hashes):
        hashed = docs.hex32(doc_hash)
        rows = ledger.db.received(hashed, actor)
        if not rows or not rows[0].facts_json:
            continue
        facts = DocumentFacts.from_dict(json.loads(rows[0].facts_json))
        # the documents it amends as the caller read them, else read by suspicions_of
        amends = known.__getitem__ if doc_hash in known else None
        for s in docs.suspicions_of(ledger, facts, hashed, actor, "bank", earlier=amends):
            found.append(
                PledgeSuspicion(
                    i,
                    hashed,
                    s.kind,
                    s.documents,
                    s.matching_facts or SuspicionKind(s.kind).matching_facts,
                    s.reasons,
                    financings=s.financings,
                    statuses=s.statuses,
                )
            )
    return tuple(found)


#: what a suspicion's kind says the pledged document may be, as a bank officer reads it (a
#: re-issued pair: either may be the one pledged, the original or its re-issue; the reasons say
#: which)
SUSPECTED = {
    "reissue": (
        "the same invoice as another: a copy of it, or it issued again under another number or "
        "date (a re-issue; either may be "
        "the original: the reasons say which)"
    ),
    "split_part": "one part of a larger invoice split into several (a split)",
    "split_whole": "a whole invoice whose parts were lodged here as separate invoices (a split)",
    "split": "a part of a larger invoice, or the whole of one, split into several invoices",
    "copy_revoked": (
        "a copy of an invoice revoked on chain (withdrawn, when its seller or an admin revoked "
        "it; else its registration only: the check says who revoked it)"
    ),
}


def suspected(kind: str) -> str:
    """What a suspicion of ``kind`` says the document may be (:data:`SUSPECTED`)."""
    return SUSPECTED.get(kind, f"a {kind.replace('_', ' ')}")


def unacknowledged(
    suspicions: Sequence[PledgeSuspicion],
    pledged: tuple[int, str, int, str | None] | None = None,
    amends: Mapping[bytes, Sequence[bytes]] | None = None,
    own: Sequence[OwnBeyond] = (),
) -> SuspicionsUnacknowledged:
    """The refusal of a financing whose ``suspicions`` the request did not acknowledge.
    ``pledged``: a pledged document another bank's active financing already holds
    (``(document_index, doc_hash, financing_id, fingerprint name)``), said first — acknowledging
    the suspicions would only have the attempt refused on chain and recorded: then a
    :class:`~ledger.errors.DocumentPledged` (``document_pledged``), which asks for none.
    ``amends``: the documents each pledged document amends (:func:`_through`). ``own``: what
    the bank's own active financings already hold of a pledged invoice's receivable
    (:func:`own_beyond_due`), said after the suspicions and listed as ``own_receivable``."""
    said = "; ".join(
        f"documents[{s.document_index}] {s.doc_hash} may be {suspected(s.kind)} — "
        + "; ".join(s.reasons)
        # the financings the check named (a tryout: only the 409's details named them)
        + (
            f" (it involves active financing{'s' * (len(s.financings) > 1)} "
            f"{', '.join(str(i) for i in s.financings)})"
            if s.financings
            else ""
        )
        for s in suspicions
    )
    extra: dict[str, Any] = {}
    lead = ""
    if pledged is not None:
        index, doc_hash, fid, kind = pledged
        version = version_of(kind)
        through = (
            f"it {_through(version, doc_hash, amends)} document {version}, which"
            if version and version != doc_hash
            else f"a fingerprint{f' ({kind})' if kind else ''} of it"
        )
        lead = (
            f"documents[{index}] {doc_hash} is already pledged: {through} is held by another "
            f"bank's active financing {fid}, so a financing of it would be refused on chain and "
            "recorded for the regulator (FINGERPRINT_PLEDGED); besides, "
        )
        extra = {"pledged_document_index": index, "conflicting_financing_id": fid}
    # a pledged document is refused on chain whatever is acknowledged: no invitation to try
    # (a tryout acknowledged as invited, and the attempt was refused and recorded against it)
    then = (
        "Acknowledging the suspicions would not make it financeable: the chain refuses a "
        "pledged document, and records the attempt for the regulator"
        if pledged is not None
        else "If you have checked it and still want to finance it, send the request again with "
        "acknowledge_suspicions: true (tradeledger finance create --acknowledge-suspicions)"
    )
    held = "".join(f". {b.words()}" for b in own)
    message = f"not financed, nothing was sent: {lead}{said}{held}. {then}"
    listed = [s.to_dict() for s in suspicions]
    if own:
        extra["own_receivable"] = [b.to_dict() for b in own]
    if pledged is not None:
        return DocumentPledged(message, suspicions=listed, **extra)
    return SuspicionsUnacknowledged(
        message, suspicions=listed, acknowledge_with="acknowledge_suspicions", **extra
    )


@dataclass(frozen=True)
class OwnBeyond:
    """What the bank's own active financings already hold of the receivable of a pledged
    invoice (``documents[document_index]``, ``doc_hash``) through its re-issues and parts, as
    its check counts them (``ledger.services.own_related.OwnReceivable``): ``financing_ids``,
    ``held`` of ``net_due`` (minor units of ``currency``), ``left`` to finance counting them,
    the request's ``amount`` and what it would hold ``beyond`` the amount due with them (0:
    none)."""

    document_index: int
    doc_hash: str
    financing_ids: tuple[int, ...]
    currency: str
    net_due: int
    held: int
    left: int
    amount: int

    @property
    def beyond(self) -> int:
        return max(0, self.held + self.amount - self.net_due)

    def words(self) -> str:
        ids = ", ".join(str(i) for i in self.financing_ids)
        said = (
            f"documents[{self.document_index}] {self.doc_hash}: YOUR OWN active "
            f"financing{'s' * (len(self.financing_ids) > 1)} {ids} already "
            f"hold{'' if len(self.financing_ids) > 1 else 's'} "
            f"{money(self.held, self.currency)} of its receivable (amount due "
            f"{money(self.net_due, self.currency)}, through its re-issues or parts): "
            f"{money(self.left, self.currency)} is left to finance counting them"
        )
        if self.beyond:
            said += (
                f", and this pledge of {money(self.amount, self.currency)} would hold "
                f"{money(self.beyond, self.currency)} BEYOND its amount due"
            )
        return said

    def to_dict(self) -> dict[str, Any]:
        return {
            "document_index": self.document_index,
            "doc_hash": self.doc_hash,
            "financing_ids": list(self.financing_ids),
            "currency": self.currency,
            "net_due": self.net_due,
            "held": self.held,
            "left": self.left,
            "amount": self.amount,
            "beyond_due": self.beyond,
        }

    def notice(self, financing_id: int) -> docs.Notice:
        """The ``own_receivable_beyond_due`` notice of financing ``financing_id`` made with
        the suspicions acknowledged: what it and the bank's own financings hold together
        beyond the receivable's amount due."""
        return docs.Notice(
            OWN_RECEIVABLE_BEYOND_DUE,
            f"financing {financing_id} was made with the suspicions acknowledged; "
            f"{self.words().replace('would hold', 'holds')}: the bank's own books hold this "
            "receivable more than once (the regulator's audit counts it)",
            (self.doc_hash,),
            (*self.financing_ids, financing_id),
        )


#: the notice of a financing that, with the bank's own, holds a receivable beyond its amount due
OWN_RECEIVABLE_BEYOND_DUE = "own_receivable_beyond_due"


def own_beyond_due(
    ledger: Ledger,
    actor: str,
    held: Sequence[tuple[int, PledgeRequest, int, DocumentFacts]],
    suspicions: Sequence[PledgeSuspicion],
    nets: Mapping[int, int | None],
) -> list[OwnBeyond]:
    """:class:`OwnBeyond` of each pledged document (``held``: index, request, amount, facts)
    with a re-issue or split suspicion whose receivable the bank's own active financings hold,
    as its check counts it (``docs.own_holdings_of``); ``nets``: each document's amount net of
    the credit notes counted. The bank reads its own financings' terms only."""
    found: list[OwnBeyond] = []
    for i, req, amount, facts in held:
        mine = [
            (s.kind, tuple(s.documents), tuple(s.financings))
            for s in suspicions
            if s.document_index == i and suspicion_family(s.kind) in RECEIVABLE_FAMILIES
        ]
        if not mine:
            continue
        own = docs.own_holdings_of(
            ledger, actor, facts, docs.hex32(req.doc_hash), mine, nets.get(i)
        )
        if own is None or not own.holdings:
            continue
        headroom = nets.get(i)
        left = own.left(headroom if headroom is not None else (facts.amount_minor or 0))
        found.append(
            OwnBeyond(
                i,
                docs.hex32(req.doc_hash),
                own.financing_ids,
                own.currency,
                own.net_due,
                own.held,
                left,
                amount,
            )
        )
    return found


def _outcome(
    ledger: Ledger, actor: str, receipt: TxReceipt, names: dict[bytes, str] | None
) -> Financing:
    """The financing a receipt registered, or the FinancingRefused error for the refusal it
    recorded (from the sealed terms, which the refused bank opens with its own key)."""
    refused = ledger.contract.events.FinancingRefused().process_receipt(receipt, errors=DISCARD)
    if refused:
        opened = conf.open_terms(
            bytes(refused[0]["args"]["terms"]), _reader_keys(ledger, actor), context(ledger)
        )
        payload = opened[0].payload if opened else {}
        if "refusal" not in payload:
            # refused by the contract itself (another bank locked a fingerprint in between):
            # the holder as the chain says it at that block
            payload = dict(payload)
            payload["refusal"] = _race_refusal(ledger, payload, int(receipt["blockNumber"]))
        raise refused_error(ledger, actor, payload, receipt, names or {})
    registered = ledger.contract.events.FinancingRegistered().process_receipt(
        receipt, errors=DISCARD
    )
    return get(ledger, int(registered[0]["args"]["financingId"]), reader=actor)


def _race_refusal(ledger: Ledger, payload: dict[str, Any], block: int) -> dict[str, Any]:
    for document in payload.get("documents", []):
        values = [bytes.fromhex(f[2:]) for f in document["fingerprints"]]
        holders = ledger.calls.functions.fingerprintHolders(values).call(block_identifier=block)
        for value, holder in zip(values, holders, strict=True):
            if int(holder):
                return {
                    "reason": RefusalReason.FINGERPRINT_PLEDGED.name,
                    "doc_hash": document["doc_hash"],
                    "conflicting_financing_id": int(holder),
                    "fingerprint": docs.hex32(value),
                }
    return {"reason": RefusalReason.FINGERPRINT_PLEDGED.name}


# -- lifecycle ----------------------------------------------------------------------------


def _tx(raw: Any) -> docs.Receipt:
    return docs.Receipt(raw["transactionHash"].to_0x_hex(), int(raw["blockNumber"]))


def _own(ledger: Ledger, actor: str, financing_id: int) -> tuple[Financing, Book | None]:
    """The financing ``actor`` registered and its :class:`Book` (None when ``actor``'s key does
    not open it), checked as the contract would (its bank, active) — the contract's own typed
    errors. Nothing here needs the terms to read: a financing whose sealed maturity is no time
    is still its bank's to cancel (:func:`cancel` needs only its public part)."""
    check_financing_id(financing_id)
    found = _read(ledger, financing_id, actor)
    if found is None:
        raise ERRORS["FinancingNotFound"](financing_id)
    financing, _, book = found
    if not is_bank_of(ledger, financing, actor):
        raise ERRORS["NotFinancingBank"](financing_id, actor)
    if financing.status is not FinancingStatus.ACTIVE:
        raise ERRORS["FinancingNotActive"](financing_id, int(financing.status))
    return financing, book


def _own_book(ledger: Ledger, actor: str, financing_id: int) -> tuple[Financing, Book]:
    """:func:`_own`, with the book the amount rules are checked on: LedgerStateError when
    ``actor``'s key on this gateway does not open the terms."""
    financing, book = _own(ledger, actor, financing_id)
    if book is None:
        from ledger.errors import LedgerStateError

        raise LedgerStateError(
            f"financing {financing_id}'s terms do not open with the encryption key of "
            f"{who(actor, _member_names(ledger))} on this gateway (restore the key from a "
            "backup of the data directory)",
            financing_id=financing_id,
        )
    return financing, book


#: the rule a cancel of a financing with money out breaks (:class:`CancelWithMoneyOut`)
MONEY_OUT_RULE = (
    "a financing with money drawn and not repaid is not cancelled: a cancel releases its "
    "documents for financing elsewhere while the bank is still owed; record the repayments "
    "first, then close or cancel it"
)


def _money_out(financing_id: int, outstanding: int, currency: str | None) -> CancelWithMoneyOut:
    """The refusal of a cancel of ``financing_id`` with ``outstanding`` (minor units of
    ``currency``, None when its terms do not read) drawn and not repaid."""
    said = money(outstanding, currency) if currency else f"{outstanding} (minor units)"
    return CancelWithMoneyOut(
        f"financing {financing_id} is not cancelled, nothing was sent: "
        f"{said} drawn on it is not repaid. The ledger holds that "
        f"{MONEY_OUT_RULE} (POST /v1/financings/{financing_id}/repay, tradeledger finance "
        f"repay {financing_id} AMOUNT)",
        field="financing_id",
        rule=MONEY_OUT_RULE,
        financing_id=financing_id,
        outstanding=outstanding,
        currency=currency,
    )


#: what a bank may still do with a financing whose terms opened but do not read
UNREADABLE_TERMS_RULE = (
    "a financing whose terms cannot be read may be repaid, closed once repaid, or cancelled, "
    "but not drawn on: the gateway cannot read what it would be drawn under"
)


def _entry(
    ledger: Ledger,
    actor: str,
    financing_id: int,
    amount: int,
    entry_type: str,
    idempotency_key: str | None,
) -> docs.Receipt:
    check_financing_id(financing_id)
    _amount(amount, "amount")
    key = write_key(idempotency_key)

    def build() -> tuple[ContractCall, int | None]:
        _after_unmined(ledger, actor, financing_id)
        _, terms = _own_book(ledger, actor, financing_id)
        data_key = terms.data_key
        if entry_type == "drawdown" and terms.unreadable is not None:
            raise Conflict(
                f"financing {financing_id} is not drawn on: its terms opened but cannot be read "
                f"({terms.unreadable}); {UNREADABLE_TERMS_RULE}",
                financing_id=financing_id,
                rule=UNREADABLE_TERMS_RULE,
                unreadable=terms.unreadable,
            )
        if entry_type == "drawdown":
            available = terms.amount - terms.drawn
            if amount > available:
                raise ERRORS["DrawdownExceedsFinancing"](financing_id, amount, available)
        elif amount > terms.outstanding:
            raise ERRORS["RepaymentExceedsOutstanding"](financing_id, amount, terms.outstanding)
        drawn = terms.drawn + (amount if entry_type == "drawdown" else 0)
        repaid = terms.repaid + (amount if entry_type == "repayment" else 0)
        sealed = conf.seal_entry(
            {
                "v": TERMS_VERSION,
                "type": entry_type,
                "amount": amount,
                "total_drawn": drawn,
                "total_repaid": repaid,
            },
            data_key,
            context(ledger),
            financing_id,
        )
        call = ledger.calls.functions.recordEntry(financing_id, sealed.commitment, sealed.envelope)
        return call, None

    with _entry_lock(ledger):
        return _tx(_send_once(ledger, actor, key, build))


def drawdown(
    ledger: Ledger,
    actor: str,
    financing_id: int,
    amount: int,
    *,
    idempotency_key: str | None = None,
) -> docs.Receipt:
    """Record a drawdown of ``amount`` (minor units), exactly once per ``idempotency_key``
    (bound to these arguments: :mod:`ledger.services.requestkeys`). DrawdownExceedsFinancing
    (409) when it exceeds the undrawn amount."""
    return bound_to_request(
        ledger,
        actor,
        idempotency_key,
        "draw down a financing",
        {"financing_id": financing_id, "amount": amount},
        lambda: _entry(ledger, actor, financing_id, amount, "drawdown", idempotency_key),
    )


def repay(
    ledger: Ledger,
    actor: str,
    financing_id: int,
    amount: int,
    *,
    idempotency_key: str | None = None,
) -> docs.Receipt:
    """Record a repayment of ``amount`` (minor units), exactly once per ``idempotency_key``
    (bound to these arguments: :mod:`ledger.services.requestkeys`). RepaymentExceedsOutstanding
    (409) when it exceeds what is outstanding."""
    return bound_to_request(
        ledger,
        actor,
        idempotency_key,
        "repay a financing",
        {"financing_id": financing_id, "amount": amount},
        lambda: _entry(ledger, actor, financing_id, amount, "repayment", idempotency_key),
    )


def _release(
    ledger: Ledger,
    actor: str,
    financing_id: int,
    idempotency_key: str | None,
    call_for: Callable[[list[bytes]], ContractCall],
    repaid_first: bool,
) -> docs.Receipt:
    check_financing_id(financing_id)
    key = write_key(idempotency_key)

    def build() -> tuple[ContractCall, int | None]:
        _after_unmined(ledger, actor, financing_id)
        if repaid_first:  # closing needs the book: nothing outstanding
            financing, book = _own_book(ledger, actor, financing_id)
            if book.outstanding != 0:
                raise ERRORS["FinancingNotRepaid"](financing_id, book.outstanding)
        else:  # cancelling needs only the public part: the fingerprints it releases
            financing, opened = _own(ledger, actor, financing_id)
            if opened is not None and opened.outstanding > 0:
                currency = financing.terms.currency if financing.terms else None
                raise _money_out(financing_id, opened.outstanding, currency)
        return call_for([bytes.fromhex(f[2:]) for f in financing.fingerprints]), None

    with _entry_lock(ledger):
        return _tx(_send_once(ledger, actor, key, build))


def close(
    ledger: Ledger, actor: str, financing_id: int, *, idempotency_key: str | None = None
) -> docs.Receipt:
    """Close a fully repaid financing, releasing its fingerprints. FinancingNotRepaid (409)
    while anything drawn is outstanding."""
    return bound_to_request(
        ledger,
        actor,
        idempotency_key,
        "close a financing",
        {"financing_id": financing_id},
        lambda: _release(
            ledger,
            actor,
            financing_id,
            idempotency_key,
            lambda fps: ledger.calls.functions.closeFinancing(financing_id, fps),
            True,
        ),
    )


def cancel(
    ledger: Ledger,
    actor: str,
    financing_id: int,
    reason_code: int = 0,
    *,
    idempotency_key: str | None = None,
) -> docs.Receipt:
    """Cancel an active financing with ``reason_code`` (0..255), releasing its fingerprints."""
    if not 0 <= reason_code <= 255:
        raise InvalidInput("reason_code", "must be 0..255")
    return bound_to_request(
        ledger,
        actor,
        idempotency_key,
        "cancel a financing",
        {"financing_id": financing_id, "reason_code": reason_code},
        lambda: _release(
            ledger,
            actor,
            financing_id,
            idempotency_key,
            lambda fps: ledger.calls.functions.cancelFinancing(financing_id, reason_code, fps),
            False,
        ),
    )


def share_with(
    ledger: Ledger,
    actor: str,
    reader: str,
    *,
    idempotency_key: str | None = None,
    financing_ids: Sequence[int] | None = None,
    ids_field: str = "financing_ids",
) -> Shared:
    """:func:`_share_with`, with ``idempotency_key`` bound to its arguments
    (:mod:`ledger.services.requestkeys`)."""
    ids = None if financing_ids is None else sorted({int(i) for i in financing_ids})
    return bound_to_request(
        ledger,
        actor,
        idempotency_key,
        "share a financing's terms",
        {"reader": reader.lower(), "financing_ids": ids},
        lambda: _share_with(
            ledger,
            actor,
            reader,
            idempotency_key=idempotency_key,
            financing_ids=financing_ids,
            ids_field=ids_field,
        ),
    )


@dataclass(frozen=True)
class Shared:
    """What a share did: ``financing_ids``, every financing whose terms the reader now reads,
    in order; ``already_shared``, those of them it read already — their terms were sealed to
    its published key when the financing was registered or by an earlier ``TermsShared`` —,
    for which nothing was sent (a repeat share changes nothing on chain)."""

    financing_ids: list[int]
    already_shared: list[int]

    @property
    def sent(self) -> list[int]:
        """The financings sealed to the reader now: one ``shareTerms`` transaction each."""
        return [i for i in self.financing_ids if i not in self.already_shared]


def reads_already(ledger: Ledger, financing_id: int, reader: str, public: bytes) -> bool:
    """Whether ``reader``, whose published encryption key is ``public``, reads the terms of
    ``financing_id`` already: its key opens the financing's envelope on chain, or the data key
    of a ``TermsShared`` sealed to it. The envelopes name no reader (docs/privacy.md), so only
    the reader's own key tells: this holds when the gateway keeps the reader's key (a member
    served here) and that key is the one published on chain; for a reader served elsewhere it
    is False, and a share seals the terms to it again."""
    held = ledger.encryption_keys.key_for(reader)
    if held is None or conf.public_bytes(held) != public:
        return False
    found = _read(ledger, financing_id, reader)
    return found is not None and found[2] is not None


def same_address(a: str, b: str) -> bool:
    """Whether two addresses (any letter case) name one account."""
    return a.lower() == b.lower()


def is_bank_of(
    ledger: Ledger, financing: Financing, actor: str, member_id: int | None = None
) -> bool:
    """Whether ``actor`` (member ``member_id`` when the caller read it) is ``financing``'s
    bank, as the contract decides it: by member id (``getFinancing(id).bankId`` against
    ``memberOf(actor).id``), not by address — a key rotation moves the bank's address and keeps
    its id (``ledger.services.rotation``). The address the chain answers now is compared first
    (no call)."""
    if same_address(financing.bank, actor):
        return True
    if not financing.bank_id:
        return False
    if member_id is None:
        member_id = int(ledger.calls.functions.memberOf(Web3.to_checksum_address(actor)).call()[0])
    return member_id == financing.bank_id


def _share_with(
    ledger: Ledger,
    actor: str,
    reader: str,
    *,
    idempotency_key: str | None = None,
    financing_ids: Sequence[int] | None = None,
    ids_field: str = "financing_ids",
) -> Shared:
    """Seal the data key of every financing ``actor`` can read — or only of
    ``financing_ids`` — to ``reader``'s published key (a regulator that joined later; an
    enterprise registrant the bank chose to add: ``registrant_not_reader``) and record it on
    chain (``shareTerms``), one transaction per financing. ``actor``: the financing bank (its
    own financings) or a regulator (all it reads). Returns the financing ids shared; a
    financing whose terms the reader reads already (:func:`reads_already`) is among them and
    in ``already_shared``, and nothing is sent for it: a repeat share writes no second
    ``TermsShared``.
    Each of ``financing_ids`` is checked as the contract checks it, before the reader:
    ``FinancingNotFound`` for an unknown one, ``NotFinancingBank`` for another bank's (as a
    drawdown of it is refused; the bank it shared them with reads the terms, but may not share
    them on); then InvalidInput naming ``ids_field`` for one ``actor`` does not read the terms
    of (a regulator that joined later). ``NotAMember`` when ``actor`` is no member (not
    "shared 0 financings")."""
    record = ledger.calls.functions.memberOf(Web3.to_checksum_address(actor)).call()
    if int(record[0]) == 0:
        raise ERRORS["NotAMember"](actor)
    regulator = Role(int(record[2])) is Role.REGULATOR
    count = docs.financing_count(ledger)
    wanted = None
    if financing_ids is not None:
        wanted = sorted({check_financing_id(i, ids_field) for i in financing_ids})
        if not wanted:
            raise InvalidInput(ids_field, "must name at least one financing")
        for financing_id in wanted:
            found = _read(ledger, financing_id, actor) if financing_id <= count else None
            if found is None:
                raise ERRORS["FinancingNotFound"](financing_id)
            if not regulator and not is_bank_of(ledger, found[0], actor, int(record[0])):
                raise ERRORS["NotFinancingBank"](financing_id, actor)
            if found[1] is None:
                raise InvalidInput(
                    ids_field,
                    f"must name financings whose terms you read: {financing_id} is not one",
                    financing_id=financing_id,
                )
    reader_record = ledger.calls.functions.memberOf(Web3.to_checksum_address(reader)).call()
    if int(reader_record[0]) == 0:
        from ledger.services.retired import on_chain

        moved = on_chain(ledger, reader, "reader")
        if moved is not None:  # the surfaces resolve it first; said so to any other caller
            raise InvalidInput("reader", moved.rule(), reader=reader, rotated_to=moved.rotated_to)
        raise InvalidInput("reader", "is not a member of the consortium", reader=reader)
    reader_role = Role(int(reader_record[2]))
    if regulator and reader_role is not Role.REGULATOR:
        # the contract lets a regulator share any terms it reads; whom a bank's book is shown
        # to beyond the regulators is the bank's to decide (docs/privacy.md)
        raise InvalidInput(
            "reader",
            "must be a regulator: a regulator shares a bank's terms only with another "
            "regulator (one that joined later); the financing's bank decides who else reads "
            "them",
            reader=reader,
            reader_role=reader_role.name.lower(),
        )
    if not regulator and same_address(reader, actor):
        raise InvalidInput(  # a tryout read "not shared with a member of role bank" for itself
            "reader",
            "is you, the financing's bank: you read its terms already; name a regulator or an "
            "enterprise (such as the document's seller or registrant)",
            reader=reader,
        )
    if not regulator and reader_role not in (Role.REGULATOR, Role.ENTERPRISE):
        # a competitor bank, an attestor, the operator: a typo away from showing the bank's
        # book to whoever it names (a tryout shared it with another bank and an attestor)
        raise InvalidInput(
            "reader",
            "must be a regulator or an enterprise (such as the document's seller or registrant): "
            f"a bank's terms are not shared with a member of role {reader_role.name.lower()}",
            reader=reader,
            reader_role=reader_role.name.lower(),
        )
    if wanted is None and reader_role is Role.ENTERPRISE:
        # every financing at once to an enterprise: a forgotten --financing showed a bank's whole
        # book to a company that is party to none of it, on chain for good (a tryout)
        raise InvalidInput(
            ids_field,
            "must name the financings to share with an enterprise (each of its invoices' own): "
            "a bank's whole book is shared with a regulator only",
            reader=reader,
            reader_role=reader_role.name.lower(),
        )
    public = _public_key(ledger, reader)
    if public is None:
        raise InvalidInput("reader", "has published no encryption key on chain", reader=reader)
    key = write_key(idempotency_key)
    shared: list[int] = []
    already: list[int] = []
    for financing_id in wanted if wanted is not None else range(1, count + 1):
        found = _read(ledger, financing_id, actor)
        if found is None or found[1] is None:
            continue
        if not regulator and not is_bank_of(ledger, found[0], actor, int(record[0])):
            continue  # another bank's, shared with this bank: not its to share on (the contract)
        shared.append(financing_id)
        step = sub_key(key, f"share-{financing_id}")
        # a retry of a share sent finds its transaction (below); a reader that reads the terms
        # already gets nothing new: a second TermsShared would only say so again on chain
        if not ledger.journal.names_any(step, actor) and reads_already(
            ledger, financing_id, reader, public
        ):
            already.append(financing_id)
            continue
        # a retry finds the transaction its key is bound to: sealed afresh, the envelope would
        # differ from the one sent, and the journal would refuse the key as another write's
        _send_once(ledger, actor, step, _share_call(ledger, financing_id, found[1], public))
    return Shared(shared, already)


def _share_call(
    ledger: Ledger, financing_id: int, data_key: bytes, public: bytes
) -> Callable[[], tuple[ContractCall, int | None]]:
    """What seals ``data_key`` of financing ``financing_id`` to the ``public`` key, when called:
    the ``shareTerms`` call (its gas estimated)."""

    def build() -> tuple[ContractCall, int | None]:
        envelope = conf.seal_shared_key(data_key, [public], context(ledger))
        return ledger.calls.functions.shareTerms(financing_id, envelope), None

    return build


# -- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Book:
    """What a financing's bank needs to record on it (:func:`drawdown`, :func:`repay`,
    :func:`close`): the financed amount, what was drawn and repaid, and the data key entries
    are sealed under — read from terms that opened, even when the rest of them cannot be read
    (``unreadable`` says why: a sealed maturity that is no time)."""

    amount: int
    drawn: int
    repaid: int
    data_key: bytes
    unreadable: str | None = None

    @property
    def outstanding(self) -> int:
        return self.drawn - self.repaid


def _read(
    ledger: Ledger, financing_id: int, reader: str | None
) -> tuple[Financing, bytes | None, Book | None] | None:
    """The financing, (when ``reader``'s key opens it and its terms read) its data key, and
    (when the key opens it) its :class:`Book`; None when unknown."""
    record = ledger.calls.functions.getFinancing(financing_id).call()
    if FinancingStatus(record[2]) is FinancingStatus.NONE:
        return None
    found = docs.logs_naming(
        ledger,
        ("FinancingRegistered", "FinancingEntryRecorded", "TermsShared"),
        1,
        [financing_id.to_bytes(32, "big")],
        ledger.logs_since(int(record[4])),  # none of its events is older than its registration
    )
    return _assemble(ledger, financing_id, record, found, reader)


def _assemble(
    ledger: Ledger, financing_id: int, record: Any, found: Sequence[Any], reader: str | None
) -> tuple[Financing, bytes | None, Book | None]:
    bank, _bank_id, status, fingerprint_count, registered_at = record
    registered = [log for log in found if log["event"] == "FinancingRegistered"]
    ev = registered[0] if registered else None
    keys = _reader_keys(ledger, reader)
    ctx = context(ledger)
    terms: Terms | None = None
    data_key: bytes | None = None
    book: Book | None = None
    if ev is not None and keys:
        envelope = bytes(ev["args"]["terms"])
        opened_terms = conf.open_terms(envelope, keys, ctx)
        opened = opened_terms[0] if opened_terms else None
        if opened is None:
            for log in found:
                if log["event"] == "TermsShared":
                    shared = conf.open_shared_key(bytes(log["args"]["keys"]), keys, ctx)
                    if shared is not None:
                        opened = conf.open_terms_with_key(envelope, shared[0], ctx)
                        if opened is not None:
                            break
        if opened is not None:
            data_key = opened.data_key
            holds = conf.commitment(opened.plaintext) == bytes(ev["args"]["termsCommitment"])
            try:
                terms = _terms(opened.payload, found, data_key, ctx, financing_id, holds)
                book = Book(terms.amount, terms.drawn, terms.repaid, data_key)
            except UnreadableTerms as exc:
                _log.warning(
                    "financing %s: its terms opened but cannot be read: %s", financing_id, exc
                )
                book = _book(opened.payload, found, data_key, ctx, financing_id, str(exc))
                terms, data_key = None, None
    financing = Financing(
        financing_id=financing_id,
        bank=Web3.to_checksum_address(bank),
        bank_id=int(_bank_id),
        status=FinancingStatus(status),
        fingerprint_count=int(fingerprint_count),
        registered_at=datetime.fromtimestamp(int(registered_at), UTC),
        registered_block=int(ev["blockNumber"]) if ev else 0,
        registered_tx=ev["transactionHash"].to_0x_hex() if ev else "",
        terms_commitment=docs.hex32(ev["args"]["termsCommitment"]) if ev else "",
        fingerprints=tuple(docs.hex32(f) for f in ev["args"]["fingerprints"]) if ev else (),
        terms=terms,
    )
    return financing, data_key, book


def _book(
    payload: dict[str, Any],
    found: Sequence[Any],
    data_key: bytes,
    ctx: conf.Context,
    financing_id: int,
    unreadable: str,
) -> Book | None:
    """The :class:`Book` of terms that opened but do not read (``unreadable``): their amount
    and entries, which need no maturity; None when the amount is no amount either."""
    amount = payload.get("amount")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount_rule(amount) is not None:
        return None
    _, drawn, repaid, _ = _entries(found, data_key, ctx, financing_id, True)
    return Book(amount, drawn, repaid, data_key, unreadable)


def _maturity_of(payload: dict[str, Any]) -> datetime:
    """The maturity sealed in ``payload``; UnreadableTerms when it is no time (before 1970, past
    the year 9999, not a whole number): another gateway may have sealed it."""
    sealed = payload.get("maturity")
    if not isinstance(sealed, int) or isinstance(sealed, bool) or sealed < 0:
        raise UnreadableTerms(f"the sealed maturity {sealed!r} is not a time")
    try:
        return datetime.fromtimestamp(sealed, UTC)
    except (ValueError, OverflowError, OSError):
        raise UnreadableTerms(f"the sealed maturity {sealed} is past the year 9999") from None


def _terms(
    payload: dict[str, Any],
    found: Sequence[Any],
    data_key: bytes,
    ctx: conf.Context,
    financing_id: int,
    holds: bool,
) -> Terms:
    entries, drawn, repaid, holds = _entries(found, data_key, ctx, financing_id, holds)
    return Terms(
        kind=FinancingKind[str(payload["kind"])],
        currency=str(payload["currency"]),
        amount=int(payload["amount"]),
        drawn=drawn,
        repaid=repaid,
        maturity=_maturity_of(payload),
        reference=str(payload.get("reference", "")),
        pledges=tuple(
            sorted(
                (
                    Pledge(
                        doc_hash=str(d["doc_hash"]),
                        amount=int(d["amount"]),
                        face_value=int(d["face_value"]),
                        fingerprints=tuple(str(f) for f in d["fingerprints"]),
                        registrant=str(d.get("registrant")) if d.get("registrant") else None,
                    )
                    for d in payload.get("documents", [])
                ),
                key=lambda p: p.doc_hash,
            )
        ),
        entries=tuple(entries),
        commitment_holds=holds,
        suspicions=_recorded_suspicions(payload),
    )


def _recorded_suspicions(payload: dict[str, Any]) -> tuple[RecordedSuspicion, ...]:
    """The acknowledged suspicions ``payload`` (opened terms) records; one that does not read
    as :func:`create` writes them (terms another gateway sealed) is left out, as the regulator's
    audit judges the terms (``TERMS_MALFORMED``)."""
    documents = payload.get("documents") or []
    found: list[RecordedSuspicion] = []
    for s in payload.get("suspicions") or ():
        if not isinstance(s, dict):
            continue
        index, count, ids = s.get("document_index"), s.get("documents") or 0, s.get("financings")
        ids = ids or []
        if not isinstance(index, int) or not isinstance(count, int) or not isinstance(ids, list):
            continue
        if any(isinstance(n, bool) or not isinstance(n, int) for n in [index, count, *ids]):
            continue
        doc_hash = s.get("doc_hash")
        if not isinstance(doc_hash, str):
            # recorded before the hash was: the index is the request's, so only a financing of
            # one document says which
            single = len(documents) == 1 and isinstance(documents[0], dict)
            doc_hash = str(documents[0].get("doc_hash")) if single else None
        found.append(
            RecordedSuspicion(
                document_index=index,
                doc_hash=doc_hash,
                kind=str(s.get("kind")),
                lodged_invoices=count,
                financings=tuple(int(i) for i in ids or ()),
            )
        )
    return tuple(dict.fromkeys(found))  # each once, as create records them since tryout 87


def _entries(
    found: Sequence[Any], data_key: bytes, ctx: conf.Context, financing_id: int, holds: bool
) -> tuple[list[Entry], int, int, bool]:
    """The drawdowns and repayments of ``found`` (a financing's logs) opened with its
    ``data_key``: the entries, the total drawn and repaid, and whether every entry opened to
    its commitment (``holds`` and'ed)."""
    entries = []
    drawn = repaid = 0
    for log in found:
        if log["event"] != "FinancingEntryRecorded":
            continue
        opened = conf.open_entry(bytes(log["args"]["entry"]), data_key, ctx, financing_id)
        if opened is None:
            holds = False
            continue
        if conf.commitment(opened.plaintext) != bytes(log["args"]["entryCommitment"]):
            holds = False
        body = opened.payload
        amount = int(body["amount"])
        if body["type"] == "drawdown":
            drawn += amount
        else:
            repaid += amount
        entries.append(
            Entry(
                type=str(body["type"]),
                amount=amount,
                block=int(log["blockNumber"]),
                tx_hash=log["transactionHash"].to_0x_hex(),
                commitment=docs.hex32(log["args"]["entryCommitment"]),
            )
        )
    return entries, drawn, repaid, holds


def get(ledger: Ledger, financing_id: int, reader: str | None = None) -> Financing:
    """The financing ``financing_id``, with its terms when ``reader``'s encryption key opens
    them; NotFound when there is none, InvalidInput when the id is outside
    1..``MAX_FINANCING_ID``."""
    check_financing_id(financing_id)
    found = _read(ledger, financing_id, reader)
    if found is None:
        raise NotFound(f"no financing {financing_id}", financing_id=financing_id)
    return found[0]


# -- the pledged documents' standing ------------------------------------------------------


def _standing(ledger: Ledger, pledge: Pledge, names: Names | None, bank: str) -> Pledge:
    """``pledge`` with its document's status as the chain says it now, the document that
    superseded it, and its revocation (read from its ``DocumentRevoked`` event, revoked
    documents only: one log query and one block read). A superseded document also gets its
    current version — the end of its chain of amendments, followed by ``doc verify``'s walk
    (:func:`ledger.services.verify.current_version`) — with that version's status and, when
    it is revoked, its revocation: then no version of the document is in force, and who
    revoked it is weighed (:func:`_weigh_revoker`, by the files ``bank`` lodged here)."""
    from ledger.services.names import LedgerNames  # it reads documents

    doc_hash = docs.parse_doc_hash(pledge.doc_hash)
    record = docs.find_registration(ledger, doc_hash)
    if record is None:
        return replace(pledge, document_status=NOT_REGISTERED)
    revocation = None
    if record.status is DocStatus.REVOKED:
        since = ledger.logs_since(int(record.registered_at.timestamp()))
        found: list[Any] = docs.logs(ledger, "DocumentRevoked", since, docHash=doc_hash)
        if found:
            names = names if names is not None else LedgerNames(ledger)
            revocation = docs.revocation_of(ledger, found[-1], names)
    current: docs.Registration | None = None
    current_revocation = None
    if record.status is DocStatus.SUPERSEDED:
        current = current_version(ledger, record)
        if current.status is DocStatus.REVOKED:
            names = names if names is not None else LedgerNames(ledger)
            current_hash = docs.parse_doc_hash(current.doc_hash)
            current_revocation = docs.find_revocation(ledger, current_hash, names)
    ending = revocation or current_revocation
    files = [*([current.doc_hash] if current is not None else []), pledge.doc_hash]
    weighed = _weigh_revoker(ledger, ending, files, bank) if ending is not None else None
    return replace(
        pledge,
        document_status=record.status.name.lower(),
        superseded_by=record.successor if record.status is DocStatus.SUPERSEDED else None,
        revocation=revocation,
        current_version=current.doc_hash if current is not None else None,
        current_status=current.status.name.lower() if current is not None else None,
        current_revocation=current_revocation,
        revoker_admin=weighed[0] if weighed is not None else None,
        revoker_is_seller=weighed[1] if weighed is not None else None,
        revoker_standing=weighed[2] if weighed is not None else None,
        withdraws_receivable=weighed[3] if weighed is not None else None,
    )


def _weigh_revoker(
    ledger: Ledger, r: docs.Revocation, files: Sequence[str], bank: str
) -> tuple[bool, bool | None, str, bool]:
    """(admin, is seller, the two in words, withdraws the receivable) of the revoker of ``r``,
    as the regulator's audit weighs it (``ledger.indexer.rules.NotInForce``): an ADMIN now
    (:func:`member_is_admin`), or shown to be the seller by the first of ``files`` (0x hex:
    the document's current version, then the pledged one) that ``bank`` lodged here naming a
    seller (:func:`ledger.services.documents.seller_here`); reason 1 or 2 withdraws a
    registration whoever revoked. Only the bank's own files are read: another member's lodged
    copy is not the bank's to read."""
    admin = member_is_admin(ledger, r.by)
    is_seller, why = docs.seller_here(ledger, Web3.to_checksum_address(bank))(
        r.by, list(dict.fromkeys(h.lower() for h in files))
    )
    standing = revoker_words(named(r.by, r.by_name), admin, is_seller, why)
    return admin, is_seller, standing, revocation_withdraws(admin, is_seller, r.reason_code)


def with_document_status(
    ledger: Ledger,
    f: Financing,
    names: Names | None = None,
    block_times: Mapping[int, int] | None = None,
) -> Financing:
    """``f`` with each pledged document's current standing on chain (:class:`Pledge`'s
    ``document_status``, ``superseded_by``, ``revocation``; of a superseded one its current
    version, that version's status and revocation: ``no_version_in_force`` when it is revoked).
    Only where the terms are open to
    the reader: which documents a financing pledges is confidential (docs/privacy.md), so a
    financing read without its terms is returned as it is. The chain does not stop a financing
    whose document was revoked or superseded — its bank decides — so every read and write
    answer of a financing tells it (:func:`document_notices`). Each entry's ``at`` is set too
    (its block's time: from ``block_times`` when given, else :meth:`Ledger.block_times`)."""
    if f.terms is None:
        return f
    pledges = tuple(_standing(ledger, p, names, f.bank) for p in f.terms.pledges)
    # and when each entry was recorded: its block's time (a bank read its money's moves
    # without a time, and went to the audit timeline for them: a tryout)
    times = block_times if block_times is not None else ledger.block_times(_entry_blocks([f]))
    entries = tuple(replace(e, at=times[e.block]) for e in f.terms.entries)
    return replace(f, terms=replace(f.terms, pledges=pledges, entries=entries))


def _entry_blocks(financings: Sequence[Financing]) -> set[int]:
    """The blocks of the entries of ``financings`` whose terms are open to the reader."""
    return {e.block for f in financings if f.terms is not None for e in f.terms.entries}


def page_with_document_status(ledger: Ledger, page: Page) -> Page:
    """``page`` with each financing's pledged documents' status (:func:`with_document_status`);
    the entries' times of the whole page read together (:meth:`Ledger.block_times`)."""
    from ledger.services.names import LedgerNames  # it reads documents

    names = LedgerNames(ledger)
    times = ledger.block_times(_entry_blocks(page.items))
    items = [with_document_status(ledger, f, names, times) for f in page.items]
    return Page(items=items, next_cursor=page.next_cursor)


#: the notice kind of a pledged document superseded by amendments whose current version is
#: revoked: no version of it is in force (as grave as ``document_revoked``)
NO_VERSION_IN_FORCE = "document_no_version_in_force"


def revoked_words(r: docs.Revocation) -> str:
    """`` by NAME (0x…) at TIME (reason 4: fraud suspected)``: who revoked a document, when and
    why (docs/rules.md "Reason codes"), as the notices and ``finance show`` say it."""
    return (
        f" by {named(r.by, r.by_name)} at {utc_text(r.at)} "
        f"(reason {r.reason_code}: {r.reason_name})"
    )


def standing_words(p: Pledge) -> str:
    """A pledged document no longer in force, in words: ``revoked by … (reason …)``,
    ``superseded by V2; its current version V3 is active``, or — the current version of a
    superseded one revoked — ``superseded by V2; its current version V3 was REVOKED by …
    (reason …): NO VERSION of this document is in force``. Empty for one in force."""
    if p.in_force:
        return ""
    if p.revocation is not None:
        return f"revoked{revoked_words(p.revocation)}"
    said = f"{p.document_status}"
    if p.superseded_by is not None:
        said += f" by {p.superseded_by}"
    current = p.current_version
    if p.document_status != DocStatus.SUPERSEDED.name.lower() or current is None:
        return said
    which = " (the successor)" if current == p.superseded_by else ""
    if p.no_version_in_force:
        r = p.current_revocation
        return (
            f"{said}; its current version {current}{which} was REVOKED"
            f"{revoked_words(r) if r is not None else ''}: NO VERSION of this document is "
            "in force"
        )
    if p.current_status == DocStatus.ACTIVE.name.lower():
        return f"{said}; its current version {current}{which} is active"
    return (
        f"{said}; amended more than {MAX_SUCCESSORS} times: its current version is not known "
        f"(followed as far as {current}, {p.current_status})"
    )


def revoker_weighed_words(p: Pledge) -> str:
    """``; REVOKER …: its registration is withdrawn; the receivable is not shown to be …``
    when the revocation that leaves ``p`` no version in force withdrew its registration only
    (a revoker neither an admin nor shown to be the seller, or reason 1 or 2); ``; REVOKER is
    shown to be its seller …`` when it withdrew the receivable. Empty when not weighed."""
    if p.revoker_standing is None or p.withdraws_receivable is None:
        return ""
    if p.withdraws_receivable:
        return f"; {p.revoker_standing}"
    r = p.revocation or p.current_revocation
    code = r.reason_code if r is not None else 0
    return f"; {p.revoker_standing}: {registration_only_words(code)}"


def document_notices(f: Financing) -> tuple[docs.Notice, ...]:
    """A notice per pledged document no longer in force (``document_revoked``,
    ``document_superseded``, or :data:`NO_VERSION_IN_FORCE` for a superseded one whose
    current version is revoked), of a financing :func:`with_document_status` read: what the
    answer of a write on it carries. The write went through: the bank decides (as for a
    document revoked directly: docs/rules.md). None for a
    financing no longer active (closed, cancelled): there is nothing left to decide (a tryout's
    ``finance list`` warned of a cancelled one "the bank decides whether to go on with it")."""
    if f.status is not FinancingStatus.ACTIVE:
        return ()
    notices = []
    for p in f.terms.pledges if f.terms is not None else ():
        if p.in_force:
            continue
        none_in_force = p.no_version_in_force and p.revocation is None
        notices.append(
            docs.Notice(
                NO_VERSION_IN_FORCE if none_in_force else f"document_{p.document_status}",
                f"financing {f.financing_id} pledges document {p.doc_hash}, which was "
                f"{standing_words(p)}{revoker_weighed_words(p)}: the chain does not stop the "
                "financing — the bank decides whether to go on with it",
                documents=(p.doc_hash,)
                + ((p.current_version,) if none_in_force and p.current_version else ()),
                financings=(f.financing_id,),
            )
        )
    return tuple(notices)


def outstanding_notices(f: Financing) -> tuple[docs.Notice, ...]:
    """A ``cancelled_outstanding`` notice when ``f`` is cancelled (``closed_outstanding`` when
    closed: only a bank that signs around its gateway can close one not repaid, a breach of
    ``CLOSED_NOT_REPAID``) while its drawn amount exceeds its
    repaid amount: money still out (``drawn - repaid``, minor units of its currency), which
    the chain does not stop and the active exposure no longer counts. Only where the reader
    reads the terms (its bank, for the answer of its cancel): the amounts are confidential."""
    t = f.terms
    released = (FinancingStatus.CANCELLED, FinancingStatus.CLOSED)
    if t is None or f.status not in released or t.outstanding <= 0:
        return ()
    word = f.status.name.lower()
    return (
        docs.Notice(
            f"{word}_outstanding",
            f"financing {f.financing_id} is {word} with {money(t.outstanding, t.currency)} "
            f"outstanding ({money(t.drawn, t.currency)} drawn, {money(t.repaid, t.currency)} "
            "repaid): its documents are released and may be financed again, but the money is "
            "still out: the exposure shows it apart (outstanding_after_"
            f"{'cancel' if f.status is FinancingStatus.CANCELLED else 'close'})",
            financings=(f.financing_id,),
        ),
    )


def lodged_facts(ledger: Ledger, f: Financing) -> dict[str, DocumentFacts]:
    """The facts of each document ``f`` pledges as read from the file ``f``'s bank lodged here,
    by its 0x hash (a pledge without a lodged file, or whose file is raw, is not in it): what
    :func:`credit_notices` and :func:`copy_withdrawn_notices` read, in one query for both.
    Empty for a financing whose terms the reader does not read (its pledges are not known)."""
    hashes = [p.doc_hash for p in f.terms.pledges] if f.terms is not None else []
    if not hashes:
        return {}
    found: dict[str, DocumentFacts] = {}
    for row in ledger.db.received_for_files(hashes, [], f.bank):
        facts = docs.facts_of(row)
        if facts is not None:
            found.setdefault(row.doc_hash, facts)
    return found


def credit_notices(
    ledger: Ledger, f: Financing, lodged: Mapping[str, DocumentFacts]
) -> tuple[docs.Notice, ...]:
    """A ``document_credited`` notice per pledged invoice whose amount due, net of the credit
    notes counted against it since (the seller's and the buyer's lodged here — a bank must not
    finance what a buyer's credit note cancelled — and the bank's own:
    ``docs.credit_notes_read``), is now below what ``f`` holds on it — read from the file
    ``f``'s bank lodged (``lodged``: :func:`lodged_facts`); and a ``credit_note_not_counted``
    notice per pledged invoice that credit notes lodged here name without being counted
    (``docs.not_counted_notice``: their numbers and amounts, never their lodgers).
    For the answers of that bank only — of its writes on ``f`` and of its reads of it — since
    another reader's answers count its own credit notes only, and the files are the bank's.
    None for a financing no longer active (closed, cancelled): it holds nothing any more. The
    write went through: the chain knows no credit notes, the bank decides."""
    if f.status is not FinancingStatus.ACTIVE:
        return ()
    notices = []
    for p in f.terms.pledges if f.terms is not None else ():
        facts = lodged.get(p.doc_hash)
        if facts is None:
            continue
        counted, uncounted = docs.credit_notes_read(ledger, facts, reader=f.bank)
        net = docs.net_amount_due(ledger, facts, notes=counted, reader=f.bank)
        if net is None:
            continue
        if (not_counted := docs.not_counted_notice(uncounted)) is not None:
            # news for the bank all the same (the field cases' credit note of a financed
            # invoice): tryout 89's bank read nothing of a full credit note of its invoice,
            # registered by a member not shown to be its seller, in `finance show` or its
            # drawdown — only a new `doc check` named it
            notices.append(
                replace(
                    not_counted,
                    message=f"financing {f.financing_id} holds "
                    f"{money(p.amount, facts.currency)} on invoice {p.doc_hash}: "
                    + not_counted.message,
                    financings=(f.financing_id,),
                )
            )
        related = related_credit(ledger, f.bank, facts, p.doc_hash)
        if related is not None and related.left(net) < p.amount:
            notices.append(_credited_through(f, p.doc_hash, p.amount, facts, net, related))
            continue
        if net >= p.amount:
            continue
        notices.append(
            docs.Notice(
                "document_credited",
                f"financing {f.financing_id} holds {money(p.amount, facts.currency)} on invoice "
                f"{p.doc_hash}, whose amount due net of the credit notes counted is now "
                f"{money(net, facts.currency)} (of {money(facts.amount_minor or 0, facts.currency)}"
                # which notes: tryout 91's bank read 0.00 net and could not tell which note
                + (f"; counted: {docs.counted_notes(ledger, counted)}" if counted else "")
                + "): the chain does not stop the financing — the bank decides whether to go on "
                "with it",
                documents=(p.doc_hash,),
                financings=(f.financing_id,),
            )
        )
    return tuple(notices)


def _credited_through(
    f: Financing,
    doc_hash: str,
    held: int,
    facts: DocumentFacts,
    net: int,
    related: RelatedCredit,
) -> docs.Notice:
    """The ``document_credited`` notice of a pledged invoice whose receivable another file of it
    was credited for (:func:`ledger.services.own_related.related_credit`): the original it
    re-issues, or its re-issue."""
    cur = facts.currency
    left = related.left(net)
    named = ", ".join(
        f"credit note {note} names invoice {number} ({invoice})"
        for note, invoice, number in related.notes
    )
    # of what: this invoice's amount due, or — where a file of the receivable states less —
    # that least figure, named (tryout 86 read "now 1,000.00 DKK (of 2,010.00 DKK)" of a
    # receivable whose 2,000.00 came from another file, never named)
    of = money(facts.amount_minor or 0, cur)
    if related.least_of and related.amount_due < min(net, facts.amount_minor or net):
        of = (
            f"{money(related.amount_due, cur)}, the least a file of it states, "
            f"{related.least_of}'s; this invoice states {of}"
        )
    return docs.Notice(
        "document_credited",
        f"financing {f.financing_id} holds {money(held, cur)} on invoice {doc_hash}, a file of "
        f"the same receivable as an invoice credited for {money(related.credited, cur)} "
        f"({named}; the invoices are suspected to be one re-issued): the receivable's amount "
        f"due net of the credit notes counted is now {money(left, cur)} (of {of}): the chain "
        "does not stop the financing — the bank decides whether to go on with it",
        documents=(doc_hash, *dict.fromkeys(d for n in related.notes for d in n[:2])),
        financings=(f.financing_id,),
    )


#: the notice kind of a pledged invoice a copy of which its seller (or an admin) revoked on
#: chain, as the files the financing's bank lodged here say
COPY_WITHDRAWN = "document_copy_withdrawn"


def copy_withdrawn_notices(
    ledger: Ledger, f: Financing, lodged: Mapping[str, DocumentFacts]
) -> tuple[docs.Notice, ...]:
    """A :data:`COPY_WITHDRAWN` notice per pledged invoice, itself in force, that is the same
    document as a file ``f``'s bank lodged here revoked on chain by its seller or an admin —
    directly or at the end of its amendments (``docs.pledged_copy_withdrawn``): the receivable
    withdrawn, though the pledged file's registration stands. A tryout's bank lodged the
    revoked CII file, its check called the invoice withdrawn, and its drawdown went through
    with ``notices: []``. For the answers of that bank only — of its writes on ``f`` and of its
    reads of it — (its own files: ``lodged``, :func:`lodged_facts`);
    none for a financing no longer active. The write went through: the bank decides."""
    if f.status is not FinancingStatus.ACTIVE:
        return ()
    notices = []
    for p in f.terms.pledges if f.terms is not None else ():
        if not p.in_force:
            continue  # document_notices says it
        facts = lodged.get(p.doc_hash)
        if facts is None:
            continue
        for found in docs.pledged_copy_withdrawn(ledger, facts, p.doc_hash, f.bank):
            notices.append(
                docs.Notice(
                    COPY_WITHDRAWN,
                    f"financing {f.financing_id} pledges document {p.doc_hash}: "
                    f"{found.reasons[0]}: the chain does not stop the financing — the bank "
                    "decides whether to go on with it",
                    documents=(p.doc_hash, *found.documents),
                    financings=(f.financing_id,),
                )
            )
    return tuple(notices)


def in_history_of(ledger: Ledger, f: Financing, reader: str) -> bool:
    """Whether ``f`` is part of ``reader``'s own history (docs/privacy.md §3, what a member not
    active on chain may still read): ``reader`` is its bank, or registered a document it
    pledges — named so in the terms ``reader``'s own key opened, and registered by it on
    chain. The document's timeline (``GET /v1/documents/{hash}``) shows its registrant those
    terms already; the financing is the same history."""
    me = reader.lower()
    if f.bank.lower() == me:
        return True
    for pledge in f.terms.pledges if f.terms is not None else ():
        named = pledge.registrant or ""
        if named.lower() != me and (
            not named or rotation.moved(ledger, Web3.to_checksum_address(named)).lower() != me
        ):
            continue  # named in the terms: ``reader``, or the address it rotated away from
        try:
            registration = docs.get_registration(ledger, docs.parse_doc_hash(pledge.doc_hash))
        except (NotFound, InvalidInput):
            continue
        registrant = Web3.to_checksum_address(registration.registered_by)
        # an index read before it folded the rotation in still names the old address
        if registrant.lower() == me or rotation.moved(ledger, registrant).lower() == me:
            return True
    return False


def not_in_history(role: str | None, many: bool = False) -> str:
    """What a member not active on chain may not read of financings, in its role's words:
    one financing (:func:`in_history_of`), or a list of a bank's (``many``)."""
    if role == "bank":
        return "financings of another bank" if many else "a financing of another bank"
    if many:
        return "the financings of a bank"
    return "a financing that pledges none of the documents it registered"


def list_financings(
    ledger: Ledger,
    bank: str | None = None,
    status: FinancingStatus | None = None,
    doc_hash: bytes | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
    reader: str | None = None,
    history_only: bool = False,
) -> Page:
    """Financings by ascending id, filtered; ``next_cursor`` continues after the last one.
    ``doc_hash`` keeps those whose terms ``reader`` opens and that pledge that document
    (which document a financing is against is confidential); ``history_only`` those of
    ``reader``'s own history (:func:`in_history_of`: what a member not active on chain lists).
    InvalidInput names ``bank`` when it is not an address, or given empty (refused, never read
    as "every bank's")."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("limit", f"must be 1..{MAX_LIMIT}")
    after = id_cursor(cursor)
    bank_address = None
    if bank is not None:  # given empty: refused, not "every bank's"
        if not bank.strip():
            raise InvalidInput("bank", EMPTY_FILTER_RULE)
        try:
            bank_address = Web3.to_checksum_address(bank.strip())
        except ValueError:
            raise InvalidInput("bank", "must be a 20-byte hex address") from None
    wanted = docs.hex32(doc_hash) if doc_hash is not None else None
    count = docs.financing_count(ledger)
    chosen: list[Financing] = []
    last = after
    more = False
    for fid in range(after + 1, count + 1):
        if len(chosen) == limit:
            more = True
            break
        last = fid
        record = ledger.calls.functions.getFinancing(fid).call()
        if bank_address and Web3.to_checksum_address(record[0]) != bank_address:
            continue
        if status is not None and FinancingStatus(record[2]) is not status:
            continue
        found = _read(ledger, fid, reader)
        if found is None:
            continue
        terms = found[0].terms
        if wanted is not None and (
            terms is None or not any(p.doc_hash == wanted for p in terms.pledges)
        ):
            continue
        if history_only and not in_history_of(ledger, found[0], reader or ""):
            continue
        chosen.append(found[0])
    return Page(items=chosen, next_cursor=str(last) if more else None)


def unreadable(ledger: Ledger, financing_id: int, reader: str) -> str | None:
    """Why the terms of ``financing_id`` that ``reader``'s key opens cannot be read (a sealed
    maturity that is no time: :class:`UnreadableTerms`), else None — also when the key does not
    open them."""
    found = _read(ledger, financing_id, reader)
    book = found[2] if found is not None else None
    return book.unreadable if book is not None else None


def opens(ledger: Ledger, financing_id: int, reader: str) -> bool:
    """Whether ``reader``'s key opens the terms of financing ``financing_id``."""
    found = _read(ledger, financing_id, reader)
    return found is not None and found[0].terms is not None


def read_pledging(
    ledger: Ledger, doc_hash: bytes, reader: str, known: PledgedTo, count: int | None = None
) -> list[Financing]:
    """The financings pledging ``doc_hash`` whose terms ``reader``'s key opens, by ascending
    id: of ``known.financing_ids`` (the index's candidates) and of every financing above
    ``known.indexed_up_to`` (not indexed yet) up to ``count`` (default: the chain's
    ``financingCount`` now), each read and opened from the chain now."""
    wanted = docs.hex32(doc_hash)
    if count is None:
        count = docs.financing_count(ledger)
    ids = [i for i in known.financing_ids if i <= count]
    ids += range(max(known.indexed_up_to, 0) + 1, count + 1)
    chosen: list[Financing] = []
    for fid in sorted(set(ids)):
        found = _read(ledger, fid, reader)
        if found is None:
            continue
        terms = found[0].terms
        if terms is not None and any(p.doc_hash == wanted for p in terms.pledges):
            chosen.append(found[0])
    return chosen


@dataclass(frozen=True)
class Refusal:
    """A refused attempt: public part (bank, block, transaction) and, for a reader whose key
    opens it, what was asked and why (None otherwise)."""

    bank: str
    block: int
    tx_hash: str
    readable: bool
    doc_hash: str | None
    conflicting_financing_id: int | None
    reason: RefusalReason | None
    fingerprint: str | None
    reference: str | None
    amount: int | None
    currency: str | None


def refusal_logs_naming(
    ledger: Ledger, doc_hash: bytes, reader: str | None, from_block: int | None = None
) -> list[Any]:
    """The ``FinancingRefused`` logs since ``from_block`` (default: the contract's deployment)
    whose sealed terms ``reader``'s key opens and that name ``doc_hash`` (which document a
    refusal concerns is confidential)."""
    keys = _reader_keys(ledger, reader)
    if not keys:
        return []
    ctx = context(ledger)
    wanted = docs.hex32(doc_hash)
    found = []
    for log in docs.logs(ledger, "FinancingRefused", from_block):
        opened = conf.open_terms(bytes(log["args"]["terms"]), keys, ctx)
        if opened is None:
            continue
        payload = opened[0].payload
        named = {d.get("doc_hash") for d in payload.get("documents", [])}
        named.add((payload.get("refusal") or {}).get("doc_hash"))
        if wanted in named:
            found.append(log)
    return found


def open_refusal(
    ledger: Ledger, envelope: bytes, reader: str, names: Names = NO_NAMES
) -> tuple[dict[str, Any], str] | None:
    """A refusal's sealed terms in words for ``reader`` (fields, sentence), or None when its
    key does not open them. ``fields["amount"]`` is in major units beside ``currency``
    (``"1000.00"``), as every decoded amount is; the sentence says it with its currency. The
    refused bank is named (``bank_name``, and in the sentence) as every other entry of a
    history names its member."""
    opened = conf.open_terms(envelope, _reader_keys(ledger, reader), context(ledger))
    if opened is None:
        return None
    payload = opened[0].payload
    refusal = payload.get("refusal") or {}
    currency = str(payload.get("currency", ""))
    bank = payload.get("bank")
    fields = {
        "bank": bank,
        "bank_name": names.member(str(bank)) if bank else None,
        "reason": refusal.get("reason"),
        "doc_hash": refusal.get("doc_hash"),
        "conflicting_financing_id": refusal.get("conflicting_financing_id"),
        "fingerprint": refusal.get("fingerprint"),
        "currency": currency,
        "amount": major(int(payload.get("amount", 0)), currency),
        "reference": payload.get("reference"),
    }
    held = refusal.get("conflicting_financing_id")
    sentence = (
        f"financing refused for {who(str(bank), names) if bank else 'a bank'}: "
        f"{refusal.get('reason')} on document "
        f"{refusal.get('doc_hash')}"
        + (f", held by financing {held}" if held else "")
        + f"; asked for {money(int(payload.get('amount', 0)), currency)}"
    )
    return fields, sentence


def refusals(ledger: Ledger, reader: str | None = None) -> list[Refusal]:
    """Every refused financing attempt recorded on chain; the details of those ``reader``'s
    key opens."""
    keys = _reader_keys(ledger, reader)
    ctx = context(ledger)
    out = []
    for log in docs.logs(ledger, "FinancingRefused"):
        opened = conf.open_terms(bytes(log["args"]["terms"]), keys, ctx) if keys else None
        payload = opened[0].payload if opened else None
        refusal = (payload or {}).get("refusal") or {}
        out.append(
            Refusal(
                bank=str(log["args"]["bank"]),
                block=int(log["blockNumber"]),
                tx_hash=log["transactionHash"].to_0x_hex(),
                readable=payload is not None,
                doc_hash=refusal.get("doc_hash") if payload else None,
                conflicting_financing_id=refusal.get("conflicting_financing_id"),
                reason=RefusalReason[refusal["reason"]] if refusal.get("reason") else None,
                fingerprint=refusal.get("fingerprint"),
                reference=payload.get("reference") if payload else None,
                amount=int(payload["amount"]) if payload else None,
                currency=payload.get("currency") if payload else None,
            )
        )
    return out
