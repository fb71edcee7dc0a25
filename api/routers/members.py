"""Members of the consortium."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response, status
from pydantic import BaseModel, Field

from api.bodycheck import RequestBody, WrittenNumbersRoute
from api.deps import (
    HistoryReaderDep,
    LedgerDep,
    ParticipantDep,
    WriteKeyDep,
    own_history_only,
    require_role,
)
from api.routers.documents import NoticePublic
from api.routers.governance import ProposalPublic, public
from ledger.join import JoinRequest
from ledger.services import members as svc
from ledger.services.paging import id_cursor
from ledger.services.roles import Role, enum_schema

router = APIRouter(prefix="/v1/members", tags=["members"], route_class=WrittenNumbersRoute)


class MemberPublic(BaseModel):
    member_id: int
    address: str
    role: str
    active: bool
    legal_id_hash: str
    name: str | None


class MemberCreate(RequestBody):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    role: str = Field(json_schema_extra=enum_schema(Role))
    legal_id: Annotated[str, Field(max_length=100)] = ""


class MemberCreated(MemberPublic):
    api_key: str = Field(description="shown once: store it now")
    tx_hash: str
    block: int
    proposal_id: int | None = Field(
        default=None,
        description="above M = 1: the pending proposal; the member exists once M admins approve",
    )
    proposal: ProposalPublic | None = Field(
        default=None, description="above M = 1 (status 202): the proposal this call made"
    )
    notices: list[NoticePublic] = Field(
        default_factory=list,
        description="legal_id_not_seller_proof: the legal id is a GLN (ICD 0088), a location "
        "number companies share, which never shows the member to be a document's seller "
        "(registrant_is_seller stays false); [] otherwise",
    )


def public_member(member: svc.Member) -> MemberPublic:
    """``member`` for the wire: the answer of ``GET /v1/members/{address}``."""
    return MemberPublic(
        member_id=member.member_id,
        address=member.address,
        role=member.role.name.lower(),
        active=member.active,
        legal_id_hash=member.legal_id_hash,
        name=member.name,
    )


class MemberPage(BaseModel):
    items: list[MemberPublic]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null: done")


@router.get("", response_model=MemberPage)
def list_members(
    ledger: LedgerDep,
    participant: ParticipantDep,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> MemberPage:
    """Members by id, paginated by cursor."""
    after = id_cursor(cursor)
    members, continue_after = svc.members_page(ledger, after, limit)
    return member_page(members, continue_after)


def member_page(members: list[svc.Member], continue_after: int | None) -> MemberPage:
    """The answer of ``GET /v1/members`` (and ``tradeledger member list --json``, every page:
    ``continue_after`` None)."""
    return MemberPage(
        items=[public_member(m) for m in members],
        next_cursor=None if continue_after is None else str(continue_after),
    )


@router.get("/{address}", response_model=MemberPublic)
def get_member(ledger: LedgerDep, participant: HistoryReaderDep, address: str) -> MemberPublic:
    """A member's record (a member not active on chain: its own only)."""
    member = svc.get_member(ledger, address)
    own_history_only(participant, member.address, "another member's record")
    return public_member(member)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=MemberCreated,
    responses={202: {"description": "above M = 1: proposed, pending (see `proposal`)"}},
)
def add_member(
    ledger: LedgerDep,
    participant: ParticipantDep,
    body: MemberCreate,
    write_key: WriteKeyDep,
    response: Response,
) -> MemberCreated:
    """Onboard a custodial member: a new key held by THIS gateway (for an organisation that uses
    this gateway, e.g. an enterprise at its bank), on-chain membership, an API key. A member that
    runs its own gateway joins with its own key instead (``POST /v1/members/approve``). Above
    M = 1 this makes a proposal and answers 202 with it (``proposal``: id, status, approvals of
    M); the member exists once M admins approved it."""
    require_role(participant, "admin", action="add a member")
    created = svc.add_member(
        ledger,
        participant.address,
        body.name,
        Role.parse(body.role),
        body.legal_id,
        idempotency_key=write_key,
    )
    pending = created.proposal is not None and not created.proposal.executed
    if pending:
        response.status_code = status.HTTP_202_ACCEPTED
    return MemberCreated(
        **public_member(created.member).model_dump(),
        api_key=created.api_key,
        tx_hash=created.tx_hash,
        block=created.block,
        proposal_id=created.proposal.proposal_id if created.proposal is not None else None,
        proposal=public(created.proposal) if created.proposal is not None else None,
        notices=[NoticePublic.of(n) for n in created.notices],
    )


@router.post(
    "/approve",
    response_model=ProposalPublic,
    responses={202: {"description": "above M = 1: proposed, pending M approvals"}},
)
def approve_join(
    ledger: LedgerDep,
    participant: ParticipantDep,
    request: Annotated[dict[str, Any], Body(description="the join request file's JSON")],
    write_key: WriteKeyDep,
    response: Response,
) -> ProposalPublic:
    """Approve a join request (ADMIN): verify its signature, onboard the member by its address
    (a proposal: in effect at once with M = 1), fund it, and deliver the fingerprint key sealed
    to the member's encryption key. The member's signing key never reaches this gateway. Above
    M = 1 the proposal is pending: 202 (409 when the same member is already proposed)."""
    require_role(participant, "admin", action="approve a join request")
    made = svc.approve_join(
        ledger, participant.address, JoinRequest.parse(request), idempotency_key=write_key
    )
    if not made.executed:
        response.status_code = status.HTTP_202_ACCEPTED
    return public(made)


class MemberChanged(MemberPublic):
    tx_hash: str
    proposal: ProposalPublic | None = Field(
        default=None,
        description="above M = 1 (status 202): the proposal this call made; the change takes "
        "effect once M admins approved it",
    )


_PROPOSED: dict[int | str, dict[str, Any]] = {
    202: {"description": "above M = 1: proposed, pending (see `proposal`)"}
}


def _changed(
    ledger: LedgerDep, change: svc.Change, address: str, response: Response
) -> MemberChanged:
    if change.proposal is not None and not change.proposal.executed:
        response.status_code = status.HTTP_202_ACCEPTED
    return MemberChanged(
        **public_member(svc.get_member(ledger, address)).model_dump(),
        tx_hash=change.tx_hash,
        proposal=public(change.proposal) if change.proposal is not None else None,
    )


@router.post("/{address}/suspend", response_model=MemberChanged, responses=_PROPOSED)
def suspend_member(
    ledger: LedgerDep,
    participant: ParticipantDep,
    address: str,
    write_key: WriteKeyDep,
    response: Response,
) -> MemberChanged:
    """Suspend a member: its writes revert until reinstated (its API keys stay; revoke them too
    with ``POST /v1/keys/{address}/revoke`` if needed). Above M = 1 this is a proposal: 202
    with ``proposal`` (409 when an identical proposal is already pending)."""
    require_role(participant, "admin", action="suspend a member")
    member = svc.get_member(ledger, address)
    change = svc.suspend_member(
        ledger, participant.address, member.address, idempotency_key=write_key
    )
    return _changed(ledger, change, member.address, response)


@router.post("/{address}/reinstate", response_model=MemberChanged, responses=_PROPOSED)
def reinstate_member(
    ledger: LedgerDep,
    participant: ParticipantDep,
    address: str,
    write_key: WriteKeyDep,
    response: Response,
) -> MemberChanged:
    """Reinstate a suspended member. Above M = 1 this is a proposal: 202 with ``proposal``
    (409 when an identical proposal is already pending)."""
    require_role(participant, "admin", action="reinstate a member")
    member = svc.get_member(ledger, address)
    change = svc.reinstate_member(
        ledger, participant.address, member.address, idempotency_key=write_key
    )
    return _changed(ledger, change, member.address, response)
