"""Onboarding and managing consortium members, and the governance that changes them.

Governance (issue #13): adding, suspending or reinstating a member, rotating another member's
key, adding or removing (suspending) an ADMIN, and changing M or the fingerprint evaluator's key are
*proposals* — data with an id, stored by the contract — that take effect when M active ADMINs
have approved them. M is set at deployment and changed only by M of N. With M = 1 (the
single-machine default) a proposal takes effect in the transaction that makes it, and the direct
calls (``add_member``, ``suspend_member``, ``reinstate_member``) work as before; above 1 they
make a proposal instead and return it pending.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import unicodedata
import weakref
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from web3 import Web3
from web3.logs import DISCARD

from ledger import lookalikes
from ledger.documents.identifiers import check_member_legal_id
from ledger.errors import Conflict, InvalidInput, NotFound
from ledger.indexer.models import EventRow
from ledger.join import JoinRequest
from ledger.jsonliterals import is_whole_number
from ledger.membernames import check_name as _check_name
from ledger.network import (
    Ledger,
    evaluator_key_from,
    legal_id_hash,
    read_evaluator_key,
    require_member_funding,
)
from ledger.oprf import OprfError, PublicKey
from ledger.revert import ERRORS
from ledger.services import documents as docs
from ledger.services.roles import ProposalAction, Role
from ledger.services.standing import membership_changed
from ledger.services.writekeys import sub_key, write_key
from ledger.words import iso_time, named


@dataclass(frozen=True)
class Member:
    """A member as the chain records it."""

    member_id: int
    address: str
    role: Role
    active: bool
    legal_id_hash: str
    name: str | None = None


@dataclass(frozen=True)
class NewMember:
    """A member onboarded by this gateway (custodial: it holds the member's key).

    Above M = 1 ``proposal`` is the pending proposal and ``member`` has id 0 and is inactive
    until M admins approved it; until then its API key reads only its own history (nothing
    yet: ``ledger.services.standing``)."""

    member: Member
    api_key: str
    tx_hash: str
    block: int
    proposal: Proposal | None = None
    #: what the admin should know of the onboarding: :func:`legal_id_notices`
    notices: tuple[docs.Notice, ...] = ()


#: the notice of a member's legal id that can never show it to be a document's seller
LEGAL_ID_NOT_SELLER_PROOF = "legal_id_not_seller_proof"


def legal_id_notices(legal_id: str) -> tuple[docs.Notice, ...]:
    """The notices of a member's canonical ``legal_id`` (:func:`check_member_legal_id`): one
    ``legal_id_not_seller_proof`` notice when it is a GLN (ICD 0088, kept as its 13 digits) —
    accepted, as the seller identifiers of files take one, but a GLN names a location that
    companies share, so it never shows the member to be a document's seller
    (:data:`ledger.services.sellers.SELLER_PROOF_SCHEMES`): the member's registrations read
    ``registrant_is_seller`` false, terms are not sealed to it as the seller, and the audit
    names no borrower by it. Tryouts 83 and 84 onboarded an enterprise by its GLN without a
    word and learnt it only from its first registration. ``()`` for any other legal id."""
    if not (len(legal_id) == 13 and legal_id.isdigit()):
        return ()
    message = (
        f"legal id {legal_id} is a GLN (ICD 0088): a location number companies share, it never "
        "shows this member to be a document's seller — its registrations will read "
        "registrant_is_seller false, financing terms are not sealed to it as the seller, and the "
        "regulator's audit names no borrower by it. An LEI, a VAT id with its country prefix or "
        "an identifier written <ICD>:<id> (e.g. 0192:987654325) does"
    )
    return (docs.Notice(LEGAL_ID_NOT_SELLER_PROOF, message),)


@dataclass(frozen=True)
class Approval:
    """One ADMIN's approval of a proposal (a ``ProposalApproved`` event); the proposer's own
    approval is the first."""

    admin: str
    name: str | None  # the admin's on-chain name
    approved_at: str  # ISO 8601, UTC (the block's time)
    tx_hash: str


@dataclass(frozen=True)
class Proposal:
    """A governance proposal as the contract stores it, with who approved it.

    ``data`` is 32 bytes hex: the new member's X25519 encryption key (ADD_MEMBER; zero for a
    custodial member), the new M (SET_THRESHOLD) or the evaluator's new public key.
    ``status`` is ``moot`` for a pending proposal whose effect already holds (the member is
    already suspended, M already has that value, ...): it can never take effect.
    ``threshold`` is the M it passed under (executed), else today's M. ``name`` is the new
    member's name (ADD_MEMBER) or the on-chain name of the member concerned. ``tx_hash`` is the
    transaction of the call that returned it, else the one that created the proposal."""

    proposal_id: int
    action: ProposalAction
    status: str  # "pending" | "executed" | "moot"
    proposer: str
    approvals: int
    threshold: int
    proposed_at: str  # ISO 8601, UTC
    account: str | None
    new_account: str | None
    role: Role | None
    legal_id_hash: str
    data: str
    name: str
    tx_hash: str | None = None
    proposer_name: str | None = None
    approvers: tuple[Approval, ...] = field(default=())

    @property
    def executed(self) -> bool:
        return self.status == "executed"


@dataclass(frozen=True)
class Change:
    """A member write (suspend, reinstate): its transaction, and above M = 1 the proposal it
    made (pending until M admins approved it)."""

    tx_hash: str
    proposal: Proposal | None = None


@dataclass(frozen=True)
class Governance:
    """M, N and the fingerprint evaluator's public key, as the contract holds them."""

    threshold: int
    admin_count: int
    proposal_count: int
    fingerprint_evaluator_key: str  # 0x + 64 hex: the fingerprint evaluator's public key


#: what the refusals say two names are compared by
_COMPARED = (
    "compared as people read them: ignoring case, width, spaces and separators (hyphens, "
    "underscores, dots) and look-alike characters (Unicode TS 39 confusables)"
)


def _reads_like(name: str, other: str) -> str:
    """Why ``name`` is ``other`` to a reader, for a refusal: that it is the same name, else
    the look-alike characters that tell them apart, else that only case, width, spacing or
    separators do."""

    def folded(text: str, separators: bool = False) -> str:
        text = unicodedata.normalize("NFKC", text).casefold()
        if separators:  # left out, as the names are compared (``BankA`` is ``Bank A``)
            return "".join(c for c in text if not lookalikes.is_separator(c))
        return " ".join(text.split())

    if name == other:
        return f"{name!r} is the same name"
    if folded(name) == folded(other):
        return f"{name!r} differs from it only in case, width or spacing"
    if folded(name, separators=True) == folded(other, separators=True):
        return (
            f"{name!r} differs from it only in separators (spaces, hyphens, underscores, dots)"
            ", case or width"
        )
    differ = lookalikes.differing(name, other)
    shown = f" ({', '.join(differ)})" if differ else ""  # none: "rn" for "m"
    return f"{name!r} reads the same: it differs only in look-alike characters{shown}"


def _refuse_clashes(
    ledger: Ledger,
    name: str,
    legal_id: str,
    account: str | None,
    *,
    legal_hash: str | None = None,
    members_only: bool = False,
) -> None:
    """Refuse a new member (named ``name``, with canonical ``legal_id``, "" for none, at
    ``account`` when known) that another member — or a pending ADD_MEMBER proposal — already
    is to a reader or in law: Conflict naming ``name`` and the member (its id, address and
    name) whose name reads the same (:func:`ledger.lookalikes.name_key`: case, width, spaces,
    look-alike characters), else ``legal_id`` and the member whose legal id is the same
    (compared by the hash the chain keeps, ``legal_id_hash`` of the canonical form). Then
    InvalidInput naming ``name`` for a word mixing scripts as spoofed names do
    (:func:`ledger.lookalikes.mixed_script_word`). ``account`` (the address a proposal adds) is
    not a clash with itself; ``legal_hash`` (0x hex) stands for ``legal_id`` when only the
    chain's hash is known; ``members_only`` leaves pending proposals out. The contract refuses
    neither: this gateway check is the only one."""
    key = lookalikes.name_key(name)
    legal = legal_hash or ("0x" + legal_id_hash(legal_id).hex() if legal_id else None)
    members = [
        m for m in list_members(ledger) if account is None or m.address.lower() != account.lower()
    ]
    pending: list[Proposal] = []
    if not members_only and threshold(ledger) > 1:  # with M = 1 every proposal took effect
        pending = [
            p
            for p in list_proposals(ledger, pending_only=True)[0]
            if p.status == "pending"
            and p.action == ProposalAction.ADD_MEMBER
            and (account is None or p.account != account)
        ]
    for m in members:
        if m.name is not None and lookalikes.name_key(m.name) == key:
            raise Conflict(
                f"member {m.member_id} at {m.address} is already named {m.name!r}, and "
                f"{_reads_like(name, m.name)}: members are named in messages, CSV exports and "
                f"the audit, so a name ({_COMPARED}) names one member; choose another name",
                field="name",
                rule="must not be the name of another member",
                member_id=m.member_id,
                address=m.address,
                name=m.name,
            )
    for p in pending:
        if lookalikes.name_key(p.name) == key:
            raise Conflict(
                f"proposal {p.proposal_id} (pending) already adds a member named {p.name!r} at "
                f"{p.account}, and {_reads_like(name, p.name)}: a name ({_COMPARED}) names one "
                "member; choose another name",
                field="name",
                rule="must not be the name of another member",
                proposal_id=p.proposal_id,
                address=p.account,
                name=p.name,
            )
    if legal is not None:
        _refuse_same_legal_id(legal, legal_id or f"of hash {legal}", members, pending)
    mixed = lookalikes.mixed_script_word(name)
    if mixed is not None:
        word, scripts = mixed
        raise InvalidInput(
            "name",
            f"mixes {' and '.join(sorted(s.title() for s in scripts))} letters in the word "
            f"{word!r}: a spoofed name does that (Unicode TS 39, moderately restrictive: one "
            "script per word, or Latin with Han, Japanese kana, Bopomofo or Hangul, or with one "
            "other script but Cyrillic and Greek); write each word in one script",
            word=word,
            scripts=sorted(scripts),
        )


def _refuse_same_legal_id(
    legal: str, legal_id: str, members: list[Member], pending: list[Proposal]
) -> None:
    """Conflict naming ``legal_id`` and the member (or pending proposal) whose legal id hash
    is ``legal``: a legal id (an LEI, a VAT id, a GLN) identifies one legal entity."""
    why = (
        "a legal id identifies one legal entity, which is one member (the audit attributes "
        "borrowers by it); compared in canonical form, as the chain keeps its hash"
    )
    for m in members:
        if m.legal_id_hash == legal:
            raise Conflict(
                f"member {m.member_id} at {m.address} ({m.name or 'unnamed'}) already has the "
                f"legal id {legal_id}: {why}",
                field="legal_id",
                rule="must not be the legal id of another member",
                member_id=m.member_id,
                address=m.address,
                name=m.name,
                legal_id_hash=legal,
            )
    for p in pending:
        if p.legal_id_hash == legal:
            raise Conflict(
                f"proposal {p.proposal_id} (pending) already adds a member with the legal id "
                f"{legal_id} ({p.name!r} at {p.account}): {why}",
                field="legal_id",
                rule="must not be the legal id of another member",
                proposal_id=p.proposal_id,
                address=p.account,
                name=p.name,
                legal_id_hash=legal,
            )


def add_member(
    ledger: Ledger,
    actor: str,
    name: str,
    role: Role,
    legal_id: str = "",
    *,
    idempotency_key: str | None = None,
) -> NewMember:
    """Create a key for a new member, fund it, onboard it on chain, and issue its API key.

    Exactly once per ``idempotency_key``: a retry onboards the same address (the key created
    by the first attempt), replays its transactions, and issues a fresh API key in place of
    the one whose answer was lost (the earlier one is revoked).
    """
    name = _check_name(name)
    legal_id = check_member_legal_id(legal_id)
    key = write_key(idempotency_key)
    admin = ledger.transactor(actor)
    governed = threshold(ledger) > 1
    pending = ledger.db.pending_member(admin.address, key)
    if pending is None:
        preview = Web3.to_checksum_address("0x" + "11" * 20)
        if governed:
            call_preview = ledger.calls.functions.propose(
                _input(ProposalAction.ADD_MEMBER, preview, None, role, legal_id, b"", name)
            )
        else:
            call_preview = ledger.calls.functions.addMember(
                preview, int(role), legal_id_hash(legal_id), name
            )
        admin.estimate(call_preview)  # refuse early (role, admin rules) before making a key
        _refuse_clashes(ledger, name, legal_id, None)  # a retry (below) finishes what passed it
        funding = require_member_funding(ledger, admin.address)  # refuse early, naming it
        address = ledger.keystore.create().address
        ledger.db.bind_pending_member(admin.address, key, address, funding)
    else:
        address, funding = pending  # a retry: the same address, the same transfer
    # the member's X25519 key, for the financing envelopes sealed to it (issue #14)
    encryption_key = ledger.encryption_keys.create(address)
    if funding:
        admin.wait(
            admin.send(
                {"to": address, "value": funding, "gas": 21000},
                idempotency_key=sub_key(key, "fund"),
            )
        )
    if governed:
        call = ledger.calls.functions.propose(
            _input(ProposalAction.ADD_MEMBER, address, None, role, legal_id, encryption_key, name)
        )
    else:
        call = ledger.calls.functions.addMember(address, int(role), legal_id_hash(legal_id), name)
    receipt = admin.transact(call, idempotency_key=sub_key(key, "add"))
    if not governed:
        publish_encryption_key(ledger, address, idempotency_key=sub_key(key, "encryption-key"))
    if ledger.db.has_participant(address):
        api_key = ledger.db.rotate_api_key(address)  # the first answer was lost
    else:
        ledger.db.add_participant(address, name, role.name.lower())
        api_key = ledger.db.create_api_key(address)
    proposal = _proposal_of_receipt(ledger, receipt) if governed else None
    if proposal is not None and not proposal.executed:
        member = Member(0, address, role, False, "0x" + legal_id_hash(legal_id).hex(), name)
    else:
        member = get_member(ledger, address)
    return NewMember(
        member=member,
        api_key=api_key,
        tx_hash=receipt["transactionHash"].to_0x_hex(),
        block=int(receipt["blockNumber"]),
        proposal=proposal,
        notices=legal_id_notices(legal_id),
    )


def publish_encryption_key(
    ledger: Ledger, address: str, *, idempotency_key: str | None = None
) -> str:
    """Publish member ``address``'s X25519 public key on chain (``setEncryptionKey``, signed by
    the member), making one in this gateway's keyring if it has none; the transaction hash.
    Financing terms are sealed only to members that published a key."""
    public = ledger.encryption_keys.create(address)
    receipt = ledger.transactor(address).transact(
        ledger.calls.functions.setEncryptionKey(public),
        idempotency_key=write_key(idempotency_key),
    )
    return str(receipt["transactionHash"].to_0x_hex())


def _from_record(record: tuple, name: str | None) -> Member:  # type: ignore[type-arg]
    member_id, account, role, active, legal = record
    return Member(
        member_id=int(member_id),
        address=str(account),
        role=Role(role),
        active=bool(active),
        legal_id_hash="0x" + bytes(legal).hex(),
        name=name,
    )


@dataclass
class _ChainNames:
    """The member names read so far from one ledger's chain, up to block ``read_to``."""

    read_to: int = -1
    names: dict[str, str] = field(default_factory=dict)
    by_id: dict[int, str] = field(default_factory=dict)
    #: the member id of every address a member rotated its key away from (lower case)
    rotated_away: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_CHAIN_NAMES: weakref.WeakKeyDictionary[Ledger, _ChainNames] = weakref.WeakKeyDictionary()
_CHAIN_NAMES_LOCK = threading.Lock()


def chain_names(ledger: Ledger) -> dict[str, str]:
    """Every member's on-chain name (``MemberAdded``), by lower-case address, following key
    rotations (``MemberKeyRotated``): the same names at every gateway.

    The events are read once: each call reads only the blocks mined since the last (names are
    only ever added; a rotation adds the new address). Every read of a member's name read both
    events from the deployment block — once per file of a batch's answer. On the embedded chain
    they are read from its store (:func:`ledger.services.documents.logs_of`: both events in
    one read, in chain order), passing over the blocks whose bloom holds neither event: a
    gateway's first name read after a start walked every block through eth-tester (2 s at
    2,500 blocks, issue #16)."""
    with _CHAIN_NAMES_LOCK:
        known = _CHAIN_NAMES.setdefault(ledger, _ChainNames())
    with known.lock:
        head = ledger.head_number()
        if known.read_to < head:
            start = (
                int(ledger.calls.functions.deploymentBlock().call())
                if known.read_to < 0
                else known.read_to + 1
            )
            # the blocks the gateway's event index has folded in: its rows of the two events
            # (one indexed query), not the chain's logs — a block full of registrations has a
            # saturated logs bloom, so the chain's read of a back-filled ledger read every
            # block's receipts: a restarted gateway's first answer naming a member took 7 s
            # at 200,000 registered and ~35 s at a million (issue #16)
            indexed = _indexed_member_events(ledger, start - 1)
            if indexed is not None:
                folded, events = indexed
                for event, args in events:
                    _learn_name(known, event, args)
                start = max(start, folded + 1)
            # each read up to the head at its moment (at least ``head``): a block mined
            # between the two is read again next time, which changes nothing
            if start <= head:
                for log in docs.logs_of(ledger, _NAME_EVENTS, start):
                    _learn_name(known, log["event"], log["args"])
            known.read_to = head
        return dict(known.names)


#: the events that name members: a new member's name, a member's new address
_NAME_EVENTS = ("MemberAdded", "MemberKeyRotated")


def _learn_name(known: _ChainNames, event: str, args: Any) -> None:
    """Fold one ``MemberAdded`` or ``MemberKeyRotated`` (its decoded arguments) into ``known``."""
    if event == "MemberAdded":
        known.by_id[int(args["memberId"])] = str(args["name"])
        known.names[str(args["account"]).lower()] = str(args["name"])
        return
    known.rotated_away[str(args["oldAccount"]).lower()] = int(args["memberId"])
    if (name := known.by_id.get(int(args["memberId"]))) is not None:
        known.names[str(args["newAccount"]).lower()] = name


def _indexed_member_events(
    ledger: Ledger, after: int
) -> tuple[int, list[tuple[str, dict[str, Any]]]] | None:
    """(the last block the gateway's event index has folded in, the ``MemberAdded`` and
    ``MemberKeyRotated`` events of blocks ``after + 1`` to it, decoded, in chain order), or None
    without an index (the CLI), or one that has not started or is behind ``after``."""
    index = ledger.event_index
    if index is None:
        return None
    with index.engine.connect() as connection:
        indexed = index.indexed(connection)
        if indexed is None or indexed[0] <= after:
            return None
        folded = indexed[0]
        rows = connection.execute(
            select(EventRow.event, EventRow.args)
            .where(
                EventRow.event.in_(_NAME_EVENTS),
                EventRow.block_number > after,
                EventRow.block_number <= folded,
            )
            .order_by(EventRow.block_number, EventRow.log_index)
        ).all()
    return folded, [(str(event), json.loads(args)) for event, args in rows]


def rotated_away_id(ledger: Ledger, address: str) -> int | None:
    """The id of the member that rotated its key away from ``address`` (any case) on chain
    (``MemberKeyRotated``, read as :func:`chain_names` reads it), or None when none did (the
    last such rotation in chain order: the contract frees a retired address, so it could be a
    member's again and be rotated away from again). Whether ``address`` is a member now is the
    caller's to ask first (``memberOf``); ``memberById`` says where the member signs now,
    after any further rotation."""
    chain_names(ledger)  # the events mined since the last read
    with _CHAIN_NAMES_LOCK:
        known = _CHAIN_NAMES[ledger]
    with known.lock:
        return known.rotated_away.get(address.lower())


def name_of(ledger: Ledger, address: str) -> str | None:
    """The name of the member that ``address`` is (or was, before a key rotation) — on chain,
    else the name this gateway gave it — or None; no ``memberOf`` read (a name never changes).
    An address already named is answered without reading the chain (a batch's answer names
    each file's registrant: each read asked the chain for its head, and for the blocks mined
    since the last, issue #16)."""
    with _CHAIN_NAMES_LOCK:
        known = _CHAIN_NAMES.get(ledger)
    if known is not None:
        with known.lock:
            found = known.names.get(address.lower())
        if found:
            return found
    return _name(ledger, chain_names(ledger), address)


def _name(ledger: Ledger, names: dict[str, str], address: str) -> str | None:
    """The on-chain name of ``address``, else the name this gateway gave it, else None."""
    found = names.get(address.lower())
    if found:
        return found
    try:
        return ledger.db.participant(address).name
    except NotFound:
        return None


def get_member(ledger: Ledger, address: str) -> Member:
    """The member record of ``address``, or NotFound."""
    try:
        address = Web3.to_checksum_address(address)
    except ValueError:
        raise InvalidInput("address", "must be a 20-byte hex address") from None
    record = ledger.calls.functions.memberOf(address).call()
    if int(record[0]) == 0:
        from ledger.services.retired import on_chain

        moved = on_chain(ledger, address, "address")
        if moved is not None:
            raise NotFound(
                f"{address} is not a member: it {moved.rule().removeprefix(address + ' ')}",
                address=address,
                rotated_to=moved.rotated_to,
            )
        raise NotFound(f"{address} is not a member", address=address)
    return _from_record(record, _name(ledger, chain_names(ledger), address))


def list_members(ledger: Ledger) -> list[Member]:
    """Every member ever onboarded, by id."""
    return members_page(ledger, 0, None)[0]


def members_page(
    ledger: Ledger, after_id: int, limit: int | None
) -> tuple[list[Member], int | None]:
    """Members by id after ``after_id``, at most ``limit`` of them, and the id to continue
    after (None when these are the last)."""
    count = int(ledger.calls.functions.memberCount().call())
    last = count if limit is None else min(count, after_id + limit)
    members = []
    names = chain_names(ledger) if last > after_id else {}
    for member_id in range(after_id + 1, last + 1):
        record = ledger.calls.functions.memberById(member_id).call()
        members.append(_from_record(record, _name(ledger, names, str(record[1]))))
    return members, (last if last < count else None)


def suspend_member(
    ledger: Ledger, actor: str, address: str, *, idempotency_key: str | None = None
) -> Change:
    """Suspend ``address`` at once (M = 1), or propose it (M > 1: ``proposal`` is pending;
    Conflict when an identical proposal is already pending). AdminsBelowThreshold (409) for an
    active ADMIN whose suspension would leave fewer active admins than M, at least one
    (:func:`_refuse_admins_below_threshold`): with M = 1 the contract lets its owner suspend the
    last (the owner's key, on the operator's host, can reinstate), but through a gateway it
    would lock every admin out."""
    return _member_change(ledger, actor, address, True, idempotency_key)


def _refuse_admins_below_threshold(ledger: Ledger, target: str) -> None:
    """AdminsBelowThreshold (409) when ``target`` is an active ADMIN whose suspension would
    leave fewer active admins than the M approvals a change needs (at least one): refused when
    it is asked, not only when the last approval executes it — a proposal no approval could
    ever execute stayed pending for good (tryout 69, M = 2 of 2)."""
    record = ledger.calls.functions.memberOf(target).call()
    if int(record[2]) == int(Role.ADMIN) and bool(record[3]):
        admins = int(ledger.calls.functions.adminCount().call())
        needed = max(1, threshold(ledger))
        if admins - 1 < needed:
            raise ERRORS["AdminsBelowThreshold"](admins - 1, needed)


def reinstate_member(
    ledger: Ledger, actor: str, address: str, *, idempotency_key: str | None = None
) -> Change:
    """Reinstate ``address`` at once (M = 1), or propose it (M > 1: ``proposal`` is pending;
    Conflict when an identical proposal is already pending)."""
    return _member_change(ledger, actor, address, False, idempotency_key)


def _member_change(
    ledger: Ledger, actor: str, address: str, suspend: bool, idempotency_key: str | None
) -> Change:
    if threshold(ledger) > 1:
        action = ProposalAction.SUSPEND_MEMBER if suspend else ProposalAction.REINSTATE_MEMBER
        made = propose(ledger, actor, action, account=address, idempotency_key=idempotency_key)
        return Change(str(made.tx_hash), made)
    functions = ledger.calls.functions
    target = get_member_address(address)
    if suspend:  # M > 1: propose refuses it
        _refuse_admins_below_threshold(ledger, target)
    call = functions.suspendMember(target) if suspend else functions.reinstateMember(target)
    receipt = ledger.transactor(actor).transact(call, idempotency_key=write_key(idempotency_key))
    membership_changed(ledger)  # a suspension applies to this gateway's next request
    return Change(str(receipt["transactionHash"].to_0x_hex()))


# -- governance ------------------------------------------------------------------------------

_ZERO_ADDRESS = "0x" + "00" * 20


def threshold(ledger: Ledger) -> int:
    """M: how many ADMIN approvals a change needs."""
    return int(ledger.calls.functions.threshold().call())


def governance(ledger: Ledger) -> Governance:
    """M, N, the number of proposals and the fingerprint evaluator's key."""
    functions = ledger.calls.functions
    return Governance(
        threshold=int(functions.threshold().call()),
        admin_count=int(functions.adminCount().call()),
        proposal_count=int(functions.proposalCount().call()),
        fingerprint_evaluator_key="0x" + bytes(functions.fingerprintEvaluatorKey().call()).hex(),
    )


def _bytes32(value: bytes | int) -> bytes:
    if isinstance(value, int):
        return value.to_bytes(32, "big")
    if len(value) > 32:
        raise InvalidInput("data", "must be at most 32 bytes")
    return value.rjust(32, b"\0")


def _input(
    action: ProposalAction,
    account: str | None,
    new_account: str | None,
    role: Role | None,
    legal_id: str,
    data: bytes | int,
    name: str,
) -> tuple[int, str, str, int, bytes, bytes, str]:
    return (
        int(action),
        account or _ZERO_ADDRESS,
        new_account or _ZERO_ADDRESS,
        int(role) if role is not None else 0,
        legal_id_hash(legal_id) if legal_id else b"\0" * 32,
        _bytes32(data),
        name,
    )


#: the proposals that act on an existing member, named by ``account``
_OF_A_MEMBER = (
    ProposalAction.SUSPEND_MEMBER,
    ProposalAction.REINSTATE_MEMBER,
    ProposalAction.ROTATE_KEY,
)


def propose(
    ledger: Ledger,
    actor: str,
    action: ProposalAction,
    *,
    account: str | None = None,
    new_account: str | None = None,
    role: Role | None = None,
    legal_id: str = "",
    name: str = "",
    data: bytes | int = b"",
    idempotency_key: str | None = None,
) -> Proposal:
    """Make a proposal as ADMIN ``actor`` (its own approval counted). With M = 1 it takes
    effect at once (the returned proposal is ``executed``).

    Raises InvalidInput for a bad address/role/name, Forbidden for a non-admin (or, with
    M = 1, a non-owner touching ADMINs), Conflict/NotFound as the contract decides."""
    if account is not None:
        account = get_member_address(account)
    if new_account is not None:
        try:
            new_account = Web3.to_checksum_address(new_account)
        except ValueError:
            raise InvalidInput("new_account", "must be a 20-byte hex address") from None
    legal_id = check_member_legal_id(legal_id)
    if action == ProposalAction.ADD_MEMBER:
        name = _check_name(name)
        if role is None:
            raise InvalidInput("role", "is required to add a member")
    needs_account = {
        ProposalAction.ADD_MEMBER: "to add a member",
        ProposalAction.SUSPEND_MEMBER: "to suspend a member",
        ProposalAction.REINSTATE_MEMBER: "to reinstate a member",
        ProposalAction.ROTATE_KEY: "to rotate a key",
    }
    if action in needs_account and account is None:
        raise InvalidInput("account", f"is required {needs_account[action]}")
    if action == ProposalAction.ROTATE_KEY and new_account is None:
        raise InvalidInput("new_account", "is required to rotate a key")
    # the contract's NotAMember reads as the caller's refusal (403); here it is the account
    # named that is unknown, as POST /v1/members/{address}/suspend says (404)
    if (
        action in _OF_A_MEMBER
        and account is not None
        and int(ledger.calls.functions.memberOf(account).call()[0]) == 0
    ):
        from ledger.services.retired import on_chain

        moved = on_chain(ledger, account, "account")
        if moved is not None:  # acting on the member is the admins' to decide: its address now
            raise NotFound(
                f"account: {moved.rule()} (a proposal {needs_account[action]} names a member's "
                "current address)",
                field="account",
                rule="must be the address of a member",
                address=account,
                rotated_to=moved.rotated_to,
            )
        raise NotFound(
            f"account: {account} is not a member of the consortium (a proposal "
            f"{needs_account[action]} names a member's address)",
            field="account",
            rule="must be the address of a member",
            address=account,
        )
    if action == ProposalAction.SUSPEND_MEMBER and account is not None:  # a member, read above
        _refuse_admins_below_threshold(ledger, account)
    if action == ProposalAction.SET_THRESHOLD and not (is_whole_number(data) and data >= 1):
        raise InvalidInput("threshold", "must be a whole number >= 1")
    if action == ProposalAction.SET_FINGERPRINT_EVALUATOR:
        # the contract refuses only zero; a key that is no ristretto255 point would stop every
        # bank's financing (no evaluator proof could ever verify against it)
        try:
            PublicKey.from_bytes(bytes(data) if isinstance(data, bytes | bytearray) else b"")
        except OprfError:
            raise InvalidInput(
                "data",
                "must be the evaluator's public key: 32 bytes (64 hex digits) encoding a "
                "ristretto255 point (`tradeledger evaluator public-key`)",
            ) from None
    call = ledger.calls.functions.propose(
        _input(action, account, new_account, role, legal_id, data, name)
    )
    key = write_key(idempotency_key)
    transactor = ledger.transactor(actor)
    if ledger.journal.by_key(transactor.address, key) is None:  # not a retry of this call
        _refuse_duplicate(ledger, action, account, new_account, _bytes32(data))
        if action == ProposalAction.ADD_MEMBER:
            transactor.estimate(call)  # a non-admin is refused as such (403), not for the name
            _refuse_clashes(ledger, name, legal_id, account)
    receipt = transactor.transact(call, idempotency_key=key)
    proposal = _proposal_of_receipt(ledger, receipt)
    if proposal is None:  # pragma: no cover - a successful propose always emits it
        raise NotFound("the proposal event is missing from the receipt")
    return _after_execution(ledger, actor, proposal, key)


def _refuse_duplicate(
    ledger: Ledger,
    action: ProposalAction,
    account: str | None,
    new_account: str | None,
    data: bytes,
) -> None:
    """Conflict naming the pending proposal that already asks for the same change (approve
    that one instead): two would leave one pending forever once the other took effect."""
    if int(ledger.calls.functions.threshold().call()) == 1:
        return  # every proposal takes effect in its own transaction
    for p in list_proposals(ledger, pending_only=True)[0]:
        if p.status != "pending" or p.action != action:
            continue
        same_data = action not in _DATA_ACTIONS or p.data == "0x" + data.hex()
        if p.account == account and p.new_account == new_account and same_data:
            raise Conflict(
                f"proposal {p.proposal_id} already proposes this "
                f"({action.name.lower()} {named(account, p.name) if account else p.data}) and "
                "is pending, "
                f"{p.approvals} of {p.threshold} approvals: approve it "
                f"(`tradeledger member approve-proposal {p.proposal_id}`) instead",
                proposal_id=p.proposal_id,
                approvals=p.approvals,
                threshold=p.threshold,
            )


#: actions whose effect is their ``data`` (a new M, a new key id)
_DATA_ACTIONS = (ProposalAction.SET_THRESHOLD, ProposalAction.SET_FINGERPRINT_EVALUATOR)


def _after_execution(ledger: Ledger, actor: str, proposal: Proposal, key: str) -> Proposal:
    """Any executed proposal makes this gateway read members' standing again
    (``ledger.services.standing``). No key is delivered to a new member: the fingerprints it
    needs come from the consortium's evaluator (docs/fingerprints.md)."""
    if proposal.executed:
        membership_changed(ledger)
    return proposal


def encryption_key_of(ledger: Ledger, address: str) -> bytes | None:
    """The X25519 encryption key member ``address`` joined with (the data of its executed
    ADD_MEMBER proposal), or None for a custodial member or an address never added so."""
    address = get_member_address(address)
    found: bytes | None = None
    for p in list_proposals(ledger)[0]:
        if p.action == ProposalAction.ADD_MEMBER and p.executed and p.account == address:
            encryption = bytes.fromhex(p.data.removeprefix("0x"))
            found = encryption if any(encryption) else None
    return found


def approve_join(
    ledger: Ledger, actor: str, request: JoinRequest, *, idempotency_key: str | None = None
) -> Proposal:
    """Onboard the member that wrote ``request`` (a signed join request), by its address.

    Verifies the signature (InvalidInput ``signature``) and that the request is for this
    consortium (InvalidInput ``contract``/``chain_id``), proposes ADD_MEMBER carrying the
    member's encryption key and funds its address where gas costs something (no key is
    delivered: fingerprints come from the consortium's evaluator). No part of the member's
    signing key is involved. Exactly once per ``idempotency_key``."""
    request.verify()
    if request.chain_id != ledger.chain_id:
        raise InvalidInput(
            "chain_id", f"the request is for chain {request.chain_id}, this is {ledger.chain_id}"
        )
    contract = Web3.to_checksum_address(ledger.manifest.contract_address)
    if request.contract != contract:
        raise InvalidInput(
            "contract", f"the request is for the consortium at {request.contract}, not {contract}"
        )
    key = write_key(idempotency_key)
    admin = ledger.transactor(actor)
    fund_key = sub_key(key, "fund")
    if ledger.journal.by_key(admin.address, fund_key) is None:
        require_member_funding(ledger, admin.address)  # refuse before proposing, naming it
    proposal = propose(
        ledger,
        actor,
        ProposalAction.ADD_MEMBER,
        account=request.address,
        role=Role.parse(request.role),
        legal_id=request.legal_id,
        name=request.name,
        data=request.encryption_public_key,
        idempotency_key=sub_key(key, "add"),
    )
    sent = admin.replay(fund_key)  # a retry: the transfer decided at the first attempt
    if sent is None:
        funding = require_member_funding(ledger, admin.address)
        if funding:
            sent = admin.send(
                {"to": request.address, "value": funding, "gas": 21000},
                idempotency_key=fund_key,
            )
    if sent is not None:
        admin.wait(sent)
    return proposal


def approve_proposal(
    ledger: Ledger, actor: str, proposal_id: int, *, idempotency_key: str | None = None
) -> Proposal:
    """Approve proposal ``proposal_id`` as ADMIN ``actor``; it takes effect when M active
    ADMINs approved it. Raises NotFound (ProposalNotFound), Conflict (ProposalNotPending,
    ProposalAlreadyApproved), Forbidden for a non-admin. An ADD_MEMBER proposal made where
    nothing checked it (another gateway, an older one, the contract called directly) is not
    approved when its member's name reads like an existing member's, or its legal id hash is
    one's (Conflict naming ``name`` or ``legal_id``), or a word of its name mixes look-alike
    scripts (InvalidInput naming ``name``): :func:`_refuse_clashes`."""
    if proposal_id < 1:
        raise InvalidInput("proposal_id", "must be a proposal id (>= 1)")
    key = write_key(idempotency_key)
    transactor = ledger.transactor(actor)
    call = ledger.calls.functions.approveProposal(proposal_id)
    if ledger.journal.by_key(transactor.address, key) is None:  # not a retry of this call
        transactor.estimate(call)  # the contract's refusals first (role, unknown, approved)
        _refuse_clashes_of(ledger, proposal_id)
    receipt = transactor.transact(call, idempotency_key=key)
    approved = get_proposal(ledger, proposal_id, tx_hash=receipt["transactionHash"].to_0x_hex())
    return _after_execution(ledger, actor, approved, key)


def _refuse_clashes_of(ledger: Ledger, proposal_id: int) -> None:
    """:func:`_refuse_clashes` for pending ADD_MEMBER proposal ``proposal_id`` (against the
    members only: two pending proposals are refused when the second is made); nothing for any
    other proposal."""
    record = ledger.calls.functions.getProposal(proposal_id).call()
    (action, account, _new, _role, legal, _data, name), _proposer, status, _at, _n = record
    if int(status) != 1 or int(action) != int(ProposalAction.ADD_MEMBER):
        return
    legal_hash = "0x" + bytes(legal).hex() if any(bytes(legal)) else None
    _refuse_clashes(ledger, str(name), "", str(account), legal_hash=legal_hash, members_only=True)


def _proposal_of_receipt(ledger: Ledger, receipt: object) -> Proposal | None:
    created = ledger.contract.events.ProposalCreated().process_receipt(receipt, errors=DISCARD)
    if not created:
        return None
    tx = receipt["transactionHash"].to_0x_hex()  # type: ignore[index]
    return get_proposal(ledger, int(created[0]["args"]["proposalId"]), tx_hash=tx)


class _History:
    """The ProposalCreated / ProposalApproved events of some proposals, block times and the
    members' on-chain names: what a proposal's who and when are read from."""

    def __init__(self, ledger: Ledger, proposal_id: int | None) -> None:
        self.ledger = ledger
        start = int(ledger.calls.functions.deploymentBlock().call())
        filters: dict[str, Any] = {} if proposal_id is None else {"proposalId": proposal_id}
        events = ledger.contract.events
        self.created: dict[int, Any] = {}
        for log in events.ProposalCreated().get_logs(argument_filters=filters, from_block=start):
            self.created[int(log["args"]["proposalId"])] = log
        self.approved: dict[int, list[Any]] = defaultdict(list)
        for log in events.ProposalApproved().get_logs(argument_filters=filters, from_block=start):
            self.approved[int(log["args"]["proposalId"])].append(log)
        self.names = chain_names(ledger)
        self._times: dict[int, str] = {}
        self.threshold = threshold(ledger)
        self.key_id = bytes(ledger.calls.functions.fingerprintEvaluatorKey().call())

    def time(self, block: int) -> str:
        if block not in self._times:
            stamp = int(self.ledger.w3.eth.get_block(block)["timestamp"])
            self._times[block] = _iso(stamp)
        return self._times[block]

    def name(self, address: str) -> str | None:
        return _name(self.ledger, self.names, address)


def _iso(unix_seconds: int) -> str:
    return iso_time(unix_seconds)


def get_proposal(ledger: Ledger, proposal_id: int, *, tx_hash: str | None = None) -> Proposal:
    """Proposal ``proposal_id`` with its approvers, or NotFound."""
    return _read_proposal(ledger, proposal_id, _History(ledger, proposal_id), tx_hash)


def _read_proposal(
    ledger: Ledger, proposal_id: int, history: _History, tx_hash: str | None = None
) -> Proposal:
    record = ledger.calls.functions.getProposal(proposal_id).call()
    (action, account, new_account, role, legal, data, name), proposer, status, at, approvals = (
        record
    )
    if int(status) == 0:
        raise NotFound(f"no proposal {proposal_id}", proposal_id=proposal_id)
    approved = history.approved.get(proposal_id, [])
    executed = int(status) != 1
    # the M it passed under: the threshold its executing approval carried
    passed_under = int(approved[-1]["args"]["threshold"]) if executed and approved else None
    created = history.created.get(proposal_id)
    account_text = None if int(account, 16) == 0 else str(account)
    made = Proposal(
        proposal_id=proposal_id,
        action=ProposalAction(int(action)),
        status="executed" if executed else "pending",
        proposer=str(proposer),
        approvals=int(approvals),
        threshold=passed_under if passed_under is not None else history.threshold,
        proposed_at=_iso(int(at)),
        account=account_text,
        new_account=None if int(new_account, 16) == 0 else str(new_account),
        role=Role(int(role)) if int(role) else None,
        legal_id_hash="0x" + bytes(legal).hex(),
        data="0x" + bytes(data).hex(),
        name=str(name) or (history.name(account_text) or "" if account_text else ""),
        tx_hash=tx_hash or (created["transactionHash"].to_0x_hex() if created else None),
        proposer_name=history.name(str(proposer)),
        approvers=tuple(
            Approval(
                admin=str(log["args"]["admin"]),
                name=history.name(str(log["args"]["admin"])),
                approved_at=history.time(int(log["blockNumber"])),
                tx_hash=log["transactionHash"].to_0x_hex(),
            )
            for log in approved
        ),
    )
    if not executed and _holds_already(ledger, made, history):
        made = dataclasses.replace(made, status="moot")
    return made


def _holds_already(ledger: Ledger, p: Proposal, history: _History) -> bool:
    """Whether the effect of pending proposal ``p`` already holds, so it can never execute."""
    functions = ledger.calls.functions
    if p.action == ProposalAction.SET_THRESHOLD:
        return int(p.data, 16) == history.threshold
    if p.action == ProposalAction.SET_FINGERPRINT_EVALUATOR:
        return p.data == "0x" + history.key_id.hex()
    if p.account is None:
        return False
    member_id, _account, _role, active, _legal = functions.memberOf(p.account).call()
    if p.action == ProposalAction.ADD_MEMBER:
        return int(member_id) != 0
    if p.action == ProposalAction.SUSPEND_MEMBER:
        return int(member_id) != 0 and not bool(active)
    if p.action == ProposalAction.REINSTATE_MEMBER:
        return int(member_id) != 0 and bool(active)
    if p.action == ProposalAction.ROTATE_KEY:
        return int(member_id) == 0  # the old key already moved
    return False


def list_proposals(
    ledger: Ledger, after_id: int = 0, limit: int | None = None, *, pending_only: bool = False
) -> tuple[list[Proposal], int | None]:
    """Proposals by id after ``after_id`` (at most ``limit`` read), and the id to continue
    after (None when these are the last). ``pending_only`` keeps those still pending on chain
    (status ``pending`` or ``moot``)."""
    count = int(ledger.calls.functions.proposalCount().call())
    last = count if limit is None else min(count, after_id + limit)
    history = _History(ledger, None) if last > after_id else None
    found = [_read_proposal(ledger, i, history) for i in range(after_id + 1, last + 1) if history]
    if pending_only:
        found = [p for p in found if not p.executed]
    return found, (last if last < count else None)


def rotate_api_key(ledger: Ledger, address: str) -> str:
    """Revoke every API key of ``address`` and issue a new one (shown once)."""
    member = get_member(ledger, address)
    return ledger.db.rotate_api_key(member.address)


def revoke_api_keys(ledger: Ledger, address: str, *, actor: str | None = None) -> int:
    """Revoke every API key of ``address``; returns how many were active. ``actor``, the
    caller (the API's; the CLI's operator has none): it may not revoke its own keys when they
    are the last active admin keys at this gateway (409, nothing changed) — that would lock
    the consortium's administration out of the API; it replaces its key with
    ``POST /v1/keys/rotate`` (``tradeledger key rotate``) instead.

    The check and the revocation are one step for this process's requests (:data:`_REVOKING`):
    two admins revoking their own keys at once cannot both find the other's still active."""
    member = get_member(ledger, address)
    participant = ledger.db.participant(member.address)  # NotFound when not served here
    with _REVOKING:
        if actor is not None and actor.lower() == member.address.lower():
            _refuse_last_admin_key(ledger, participant.address, participant.role)
        return ledger.db.revoke_api_keys(member.address)


#: held from the last-admin check to the revocation (a served gateway's requests are threads)
_REVOKING = threading.Lock()


_ADMIN = Role.ADMIN.name.lower()


def _has_active_key(ledger: Ledger, address: str) -> bool:
    return any(not revoked for _key_id, _created, revoked in ledger.db.api_keys(address))


def _refuse_last_admin_key(ledger: Ledger, address: str, role: str) -> None:
    """Conflict when ``address`` is an admin whose keys are the last active admin keys here."""
    if role != _ADMIN or not _has_active_key(ledger, address):
        return
    others = [
        p.address
        for p in ledger.db.participants()
        if p.role == _ADMIN and p.address != address and _has_active_key(ledger, p.address)
    ]
    if others:
        return
    rule = (
        "may not revoke your own API keys while they are the last active admin keys at this "
        "gateway: the consortium's administration would be locked out of the API; replace "
        "your key with POST /v1/keys/rotate (tradeledger key rotate ADDRESS) instead"
    )
    raise Conflict(f"address: {rule}", field="address", rule=rule, address=address)


def get_member_address(address: str) -> str:
    """``address`` checksummed, or InvalidInput."""
    try:
        return Web3.to_checksum_address(address)
    except ValueError:
        raise InvalidInput("address", "must be a 20-byte hex address") from None


# -- fingerprint key rotation ----------------------------------------------------------------


def rotate_evaluator_key(
    ledger: Ledger, actor: str, new_key: bytes, *, idempotency_key: str | None = None
) -> Proposal:
    """Propose the fingerprint evaluator's new public key (32 bytes) via
    SET_FINGERPRINT_EVALUATOR; in effect at once with M = 1, else after M approvals. From then on
    every gateway checks the evaluator's proofs against the new key, and fingerprints are the
    new key's: financings locked under the old key keep their fingerprints until released
    (docs/fingerprints.md, "Key rotation"). InvalidInput unless ``new_key`` is a ristretto255
    public key."""
    new_key = evaluator_key_from(ledger.settings, new_key)
    proposal = propose(
        ledger,
        actor,
        ProposalAction.SET_FINGERPRINT_EVALUATOR,
        data=new_key,
        idempotency_key=idempotency_key,
    )
    if proposal.executed:
        ledger.chain_evaluator_key = read_evaluator_key(ledger.contract)
    return proposal
