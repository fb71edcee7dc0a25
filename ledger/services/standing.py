"""A participant's standing on chain: is its membership active right now?

A member the admins suspended (``MemberSuspended``, 403 ``member_suspended``), or one whose
onboarding has not yet reached M approvals (member id 0: pending, ``MemberPending``, 403
``member_pending``, told who approves it and how), keeps no off-chain powers at a gateway
either: it may only read its own history (docs/privacy.md). The gateway reads the standing from
the contract (``memberOf``) and trusts what it read for ``Settings.member_status_cache_seconds``
(default 2 s), so an authenticated request costs at most one contract call per participant per
period.

How promptly a suspension applies:

- made through this gateway (``POST /v1/members/{a}/suspend``, a proposal approved here, the
  CLI's ``member suspend`` on this data directory's chain when the server made it): the cache is
  dropped when the change is sent, so the next request is refused;
- made anywhere else (another gateway of the consortium, another process): within
  ``member_status_cache_seconds`` of this gateway's node seeing the block.

A reinstatement applies as promptly.
"""

from __future__ import annotations

import contextlib
import threading
import time
import weakref
from dataclasses import dataclass

from web3 import Web3

from ledger.errors import Forbidden, LedgerError, MemberPending, MemberSuspended
from ledger.network import Ledger
from ledger.words import named

#: why a member is not active, in words (the error's ``rule``)
RULE = (
    "a member that is not active on chain (suspended, or not yet approved) may only read its "
    "own history: its own documents and its own activity"
)


@dataclass(frozen=True)
class Standing:
    """A member's standing as the contract holds it: ``member_id`` 0 means not (yet) a
    member."""

    address: str
    member_id: int
    active: bool

    @property
    def reason(self) -> str:
        """Why it is not active, in words that follow its name (``Bank B (0x…) is …``)."""
        return SUSPENDED if self.member_id else NOT_APPROVED


#: why a member is not active: the admins suspended it
SUSPENDED = "suspended on chain"
#: why a participant of a gateway is not active: its membership was never approved on chain
#: (a join awaiting the admins' approval) — pending, not a suspended member
NOT_APPROVED = "pending: its membership is not yet approved on chain"
#: the rule a pending member is refused by (``member_pending``)
PENDING_RULE = (
    "a member whose membership is pending (not yet approved on chain by the consortium's "
    "admins) may only read its own history until it is approved"
)


class StandingCache:
    """Standings read from the chain, trusted for ``ttl`` seconds."""

    def __init__(self, ledger: Ledger, ttl: float) -> None:
        self._ledger = ledger
        self._ttl = ttl
        self._lock = threading.Lock()
        self._known: dict[str, tuple[Standing, float]] = {}
        #: the member this data directory is joining as (lower case), read once: a gateway
        #: started before its approval finishes joining when it reads the membership
        self._joining = _joining_as(ledger)

    def cached(self, address: str) -> Standing | None:
        """The standing of ``address`` read less than ``ttl`` ago, without a chain call."""
        found = self._known.get(address.lower())
        if found is None or time.monotonic() > found[1]:
            return None
        return found[0]

    def read(self, address: str) -> Standing:
        """The standing of ``address`` (cached, else read from the contract)."""
        found = self.cached(address)
        if found is not None:
            return found
        record = self._ledger.calls.functions.memberOf(Web3.to_checksum_address(address)).call()
        standing = Standing(address, int(record[0]), int(record[0]) != 0 and bool(record[3]))
        if standing.member_id and self._joining == address.lower():
            _finish_joining(self._ledger)
            self._joining = None
        with self._lock:
            if len(self._known) > 10_000:
                self._known.clear()
            self._known[address.lower()] = (standing, time.monotonic() + self._ttl)
        return standing

    def forget(self) -> None:
        """Drop every cached standing (a membership changed through this gateway)."""
        with self._lock:
            self._known.clear()


def _joining_as(ledger: Ledger) -> str | None:
    """The member (lower case) this data directory is joining as, or None."""
    from ledger.join import joining_address

    try:
        joining = joining_address(ledger.settings)
    except LedgerError:
        return None  # an unreadable mark: the next start says so
    return joining.lower() if joining is not None else None


def _finish_joining(ledger: Ledger) -> None:
    """A gateway started while joining finishes joining once it reads its membership on chain
    (its ``join.json`` dropped, as at its next start: docs/consortium.md; tryout 78's bank B
    was approved while serving, worked as a member, and kept the file)."""
    from ledger.join import finish_join

    # an unreadable or vanished mark: the next start says so, or finishes it
    with contextlib.suppress(LedgerError, OSError):
        finish_join(ledger.settings, ledger.contract)


_CACHES: weakref.WeakKeyDictionary[Ledger, StandingCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def cache_of(ledger: Ledger) -> StandingCache:
    """The standing cache of ``ledger`` (one per open ledger)."""
    with _CACHES_LOCK:
        found = _CACHES.get(ledger)
        if found is None:
            found = StandingCache(ledger, ledger.settings.member_status_cache_seconds)
            _CACHES[ledger] = found
        return found


def standing(ledger: Ledger, address: str) -> Standing:
    """The on-chain standing of ``address`` (see the module docstring for how fresh)."""
    return cache_of(ledger).read(address)


def membership_changed(ledger: Ledger) -> None:
    """A suspension, reinstatement or onboarding was sent through this gateway: read every
    standing again on the next request."""
    cache_of(ledger).forget()


def refuse_inactive(
    address: str,
    what: str,
    reason: str = "not an active member on chain (suspended, or not yet approved)",
    *,
    name: str | None = None,
    ledger: Ledger | None = None,
) -> Forbidden:
    """The error for ``address``, not active on chain (``reason``: :attr:`Standing.reason`),
    asking to do ``what``; named as people read a member (``Bank B (0x…)``) when its ``name``
    is known. A pending member (:data:`NOT_APPROVED`) is :class:`MemberPending`, told who
    approves it and how (:func:`refuse_pending`); a suspended one :class:`MemberSuspended`."""
    if reason == NOT_APPROVED:
        return refuse_pending(address, what, name=name, ledger=ledger)
    return MemberSuspended(
        f"{named(address, name)} is {reason} and may not {what}: {RULE}",
        address=address,
        name=name,
        standing=reason,
        rule=RULE,
    )


def refuse_pending(
    address: str, what: str, *, name: str | None = None, ledger: Ledger | None = None
) -> MemberPending:
    """The 403 ``member_pending`` for ``address``, joined but not yet approved on chain, asking
    to do ``what``: it is pending, the consortium's admins approve it (M of them, read from
    ``ledger``; its pending ``add_member`` proposal and its approvals when there is one), and
    the command that does it."""
    threshold: int | None = None
    proposal = None
    if ledger is not None:
        from ledger.services import members  # members reads standings: imported when used

        try:
            threshold = members.threshold(ledger)
            pending, _ = members.list_proposals(ledger, pending_only=True)
        except (LedgerError, ValueError):  # the refusal stands without the proposal's figures
            pending = []
        for p in pending:
            if p.action.name == "ADD_MEMBER" and (p.account or "").lower() == address.lower():
                proposal = p
    admins = "the consortium's admins" + (f" ({threshold} of them)" if threshold else "")
    if proposal is not None:
        pid = proposal.proposal_id
        step = (
            f"an admin approves add_member proposal {pid} ({proposal.approvals} of "
            f"{proposal.threshold} approvals so far): `tradeledger member approve-proposal {pid}` "
            f"or POST /v1/governance/proposals/{pid}/approve"
        )
    elif ledger is not None:
        step = (
            "an admin approves its join request (the file `tradeledger join --out FILE` wrote): "
            "`tradeledger member approve FILE` or POST /v1/members/approve"
        )
    else:
        step = (
            "an admin approves its join request (`tradeledger member approve FILE`, POST "
            "/v1/members/approve) or its add_member proposal (`tradeledger member "
            "approve-proposal ID`, POST /v1/governance/proposals/{id}/approve)"
        )
    extra: dict[str, object] = {"threshold": threshold} if threshold else {}
    if proposal is not None:
        extra |= {"proposal_id": proposal.proposal_id, "approvals": proposal.approvals}
    return MemberPending(
        f"{named(address, name)} is pending (its membership is not yet approved on chain) and "
        f"may not {what}: {admins} approve it — {step}; until then it may only read its own "
        "history",
        address=address,
        name=name,
        standing="pending",
        approved_by=["admin"],
        **extra,
        next_step=step,
        rule=PENDING_RULE,
    )


def member_name(ledger: Ledger, address: str) -> str | None:
    """The registered name of the member at ``address`` as this gateway knows it (its own
    participants, then the chain's ``MemberAdded``), None when unknown."""
    from ledger.services.names import LedgerNames  # it reads documents, which read this

    return LedgerNames(ledger).member(address)


def not_a_member(ledger: Ledger, address: str) -> bool:
    """Whether ``address`` is neither a member on chain nor a participant of this gateway (a
    join awaiting approval is one): an address that names nobody, as a ``--as`` may."""
    return standing(ledger, address).member_id == 0 and not ledger.db.has_participant(
        Web3.to_checksum_address(address)
    )


def refuse_stranger(ledger: Ledger, address: str) -> None:
    """Raise the contract's ``NotAMember`` (403, "… is not a member of the consortium") when
    ``address`` names nobody (:func:`not_a_member`): never told it is suspended."""
    if not_a_member(ledger, address):
        from ledger.errors import KeyRotatedAway
        from ledger.revert import ERRORS
        from ledger.services.retired import on_chain

        moved = on_chain(ledger, address, "account")
        if moved is not None:  # a retired key this gateway adopted no new key for
            raise KeyRotatedAway(
                f"{moved.rule()}; this gateway holds no new key of that member adopted here "
                "(tradeledger keystore new-keys)",
                address=moved.address,
                new_account=moved.rotated_to,
            )
        raise ERRORS["NotAMember"](address)


def require_active(ledger: Ledger, address: str, what: str) -> None:
    """Raise :class:`MemberSuspended` (or :class:`MemberPending`) unless ``address`` is an
    active member on chain (``NotAMember`` when it names nobody: :func:`refuse_stranger`)."""
    found = standing(ledger, address)
    if not found.active:
        refuse_stranger(ledger, address)
        raise refuse_inactive(
            address, what, found.reason, name=member_name(ledger, address), ledger=ledger
        )
