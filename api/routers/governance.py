"""Governance: proposals that change the consortium once M of N admins approve them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, Field

from api.bodycheck import DecimalId, JsonInt, QueryBool, RequestBody, WrittenNumbersRoute
from api.deps import LedgerDep, ParticipantDep, WriteKeyDep, require
from ledger.errors import InvalidInput
from ledger.services import members as svc
from ledger.services.paging import id_cursor
from ledger.services.roles import ProposalAction, Role, enum_schema

#: a proposal id as the contract numbers them (from 1; the gateway's SQL keeps signed 64 bits)
ProposalId = Annotated[
    int, Path(ge=1, le=2**63 - 1, description="the proposal's id (numbered from 1)"), DecimalId
]

router = APIRouter(prefix="/v1/governance", tags=["governance"], route_class=WrittenNumbersRoute)


class GovernancePublic(BaseModel):
    threshold: int = Field(description="M: ADMIN approvals a change needs")
    admin_count: int = Field(description="N: active ADMIN members")
    proposal_count: int
    fingerprint_evaluator_key: str = Field(
        description="0x + 64 hex: the fingerprint evaluator's public key (RFC 9497 ristretto255)"
    )


class ApprovalPublic(BaseModel):
    admin: str
    name: str | None = Field(description="the admin's on-chain name")
    approved_at: str = Field(description="ISO 8601, UTC")
    tx_hash: str


class ProposalPublic(BaseModel):
    proposal_id: int
    action: str
    status: str = Field(
        description="pending | executed | moot (pending, but its effect already holds: it can "
        "never take effect)"
    )
    proposer: str
    proposer_name: str | None = None
    approvals: int
    threshold: int = Field(description="M it passed under (executed), else today's M")
    approvers: list[ApprovalPublic] = Field(
        default_factory=list, description="who approved it and when (the proposer first)"
    )
    proposed_at: str = Field(description="ISO 8601, UTC")
    account: str | None
    new_account: str | None
    role: str | None
    legal_id_hash: str
    data: str
    name: str = Field(description="the new member's name, or the named member's on-chain name")
    tx_hash: str | None = Field(
        default=None, description="this call's transaction, else the one that created it"
    )


class ProposalCreate(RequestBody):
    action: str = Field(
        description="add_member, suspend_member, reinstate_member, rotate_key, set_threshold, "
        "set_fingerprint_evaluator",
        json_schema_extra=enum_schema(ProposalAction),
    )
    account: str | None = None
    new_account: str | None = None
    role: str | None = Field(default=None, json_schema_extra=enum_schema(Role))
    legal_id: Annotated[str, Field(max_length=100)] = ""
    name: Annotated[str, Field(max_length=200)] = ""
    threshold: Annotated[int, Field(ge=1, le=255), JsonInt] | None = None
    data: str | None = Field(
        default=None, description="0x + up to 64 hex (encryption key, fingerprint evaluator key)"
    )


class ProposalPage(BaseModel):
    items: list[ProposalPublic]
    next_cursor: str | None


def public(p: svc.Proposal) -> ProposalPublic:
    """``p`` for the wire: an item of ``GET /v1/governance/proposals``."""
    return ProposalPublic(
        proposal_id=p.proposal_id,
        action=p.action.name.lower(),
        status=p.status,
        proposer=p.proposer,
        proposer_name=p.proposer_name,
        approvals=p.approvals,
        threshold=p.threshold,
        approvers=[ApprovalPublic(**a.__dict__) for a in p.approvers],
        proposed_at=p.proposed_at,
        account=p.account,
        new_account=p.new_account,
        role=p.role.name.lower() if p.role is not None else None,
        legal_id_hash=p.legal_id_hash,
        data=p.data,
        name=p.name,
        tx_hash=p.tx_hash,
    )


@router.get("", response_model=GovernancePublic)
def get_governance(ledger: LedgerDep, participant: ParticipantDep) -> GovernancePublic:
    """M, N and the fingerprint evaluator's key as the contract holds them."""
    return governance_public(svc.governance(ledger))


def governance_public(g: svc.Governance) -> GovernancePublic:
    """The answer of ``GET /v1/governance`` (and, with ``proposals``, of ``tradeledger member
    proposals --json``)."""
    return GovernancePublic(**g.__dict__)


@router.get("/proposals", response_model=ProposalPage)
def list_proposals(
    ledger: LedgerDep,
    participant: ParticipantDep,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    pending: Annotated[
        bool, Query(description="true: only pending proposals (true or false)"), QueryBool
    ] = False,
) -> ProposalPage:
    """Every proposal by id (any participant, e.g. a regulator, may read them)."""
    after = id_cursor(cursor)
    found, continue_after = svc.list_proposals(ledger, after, limit, pending_only=pending)
    return ProposalPage(
        items=[public(p) for p in found],
        next_cursor=None if continue_after is None else str(continue_after),
    )


@router.get("/proposals/{proposal_id}", response_model=ProposalPublic)
def get_proposal(
    ledger: LedgerDep, participant: ParticipantDep, proposal_id: ProposalId
) -> ProposalPublic:
    return public(svc.get_proposal(ledger, proposal_id))


#: the fields each action takes beside ``action``: the contract reads no others
#: (``contracts/modules/Membership.sol``, ``_execute``); add_member's ``data`` is the new
#: member's encryption key
ACTION_FIELDS: dict[ProposalAction, tuple[str, ...]] = {
    ProposalAction.ADD_MEMBER: ("account", "role", "name", "legal_id", "data"),
    ProposalAction.SUSPEND_MEMBER: ("account",),
    ProposalAction.REINSTATE_MEMBER: ("account",),
    ProposalAction.ROTATE_KEY: ("account", "new_account"),
    ProposalAction.SET_THRESHOLD: ("threshold",),
    ProposalAction.SET_FINGERPRINT_EVALUATOR: ("data",),
}


def _refuse_unused(body: ProposalCreate, action: ProposalAction) -> None:
    """Raise InvalidInput naming a field given (not null, not empty) that ``action`` does not
    take: it would be recorded in the proposal and never act (``threshold`` beside ``data``
    for set_fingerprint_evaluator, an ``account`` for set_threshold)."""
    takes = ACTION_FIELDS[action]
    unused = sorted(
        name
        for name in body.model_fields_set - {"action"}
        if getattr(body, name) not in (None, "") and name not in takes
    )
    if unused:
        raise InvalidInput(
            unused[0],
            f"is not taken by {action.name.lower()} (it takes: {', '.join(takes)})",
            unused=unused,
        )


def _data(body: ProposalCreate) -> bytes | int:
    if body.threshold is not None:
        return body.threshold
    if body.data is None:
        return b""
    text = body.data.removeprefix("0x")
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise InvalidInput("data", "must be 0x and hex digits") from None
    if len(raw) > 32:
        raise InvalidInput("data", "must be at most 32 bytes")
    return raw


@router.post("/proposals", status_code=status.HTTP_201_CREATED, response_model=ProposalPublic)
def create_proposal(
    ledger: LedgerDep, participant: ParticipantDep, body: ProposalCreate, write_key: WriteKeyDep
) -> ProposalPublic:
    """Propose a change (ADMIN); the proposer's approval counts. With M = 1 it takes effect
    at once (status ``executed``). A field the action does not take is a 422 naming it:
    add_member takes account, role, name, legal_id and data (its encryption key);
    suspend_member and reinstate_member account; rotate_key account and new_account;
    set_threshold threshold; set_fingerprint_evaluator data."""
    require(participant, "member.manage", "make a governance proposal")
    action = ProposalAction.parse(body.action)
    _refuse_unused(body, action)
    if action == ProposalAction.SET_THRESHOLD and body.threshold is None:
        raise InvalidInput("threshold", "is required for set_threshold")
    made = svc.propose(
        ledger,
        participant.address,
        action,
        account=body.account,
        new_account=body.new_account,
        role=Role.parse(body.role) if body.role is not None else None,
        legal_id=body.legal_id,
        name=body.name,
        data=_data(body),
        idempotency_key=write_key,
    )
    return public(made)


@router.post("/proposals/{proposal_id}/approve", response_model=ProposalPublic)
def approve_proposal(
    ledger: LedgerDep, participant: ParticipantDep, proposal_id: ProposalId, write_key: WriteKeyDep
) -> ProposalPublic:
    """Approve a proposal (ADMIN); it takes effect when M active ADMINs approved it."""
    require(participant, "member.manage", "approve a governance proposal")
    return public(
        svc.approve_proposal(ledger, participant.address, proposal_id, idempotency_key=write_key)
    )
