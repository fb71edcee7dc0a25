"""API keys: rotate or revoke. A participant manages its own keys; an admin anyone's."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.bodycheck import WrittenNumbersRoute
from api.deps import LedgerDep, ParticipantDep, require
from ledger.gatewaydb import Participant
from ledger.network import Ledger
from ledger.services import members as svc
from ledger.services import retired

router = APIRouter(prefix="/v1/keys", tags=["keys"], route_class=WrittenNumbersRoute)


_NOTICES: Any = Field(
    default_factory=list,
    description="an `address_rotated` notice when the path named an address its member rotated "
    "its key away from on chain: the keys are the member's at its address now; else []",
)


class KeyRotated(BaseModel):
    address: str
    api_key: str = Field(description="shown once: store it now; every older key is revoked")
    notices: list[dict[str, Any]] = _NOTICES


class KeysRevoked(BaseModel):
    address: str
    revoked: int
    notices: list[dict[str, Any]] = _NOTICES


def _target(
    ledger: Ledger, participant: Participant, address: str
) -> tuple[str, list[dict[str, Any]]]:
    """The participant whose keys ``address`` names — an address its member rotated its key
    away from names the member at its address now (``ledger.services.retired``) — and the
    notices saying so; 403 unless it is the caller or the caller may manage others' keys."""
    now, rotated = retired.resolve_participant(ledger, address, "address")
    address = now or address
    if address.lower() == participant.address.lower():
        return participant.address, retired.notices(rotated)
    require(participant, "key.manage_others", "rotate or revoke another participant's API key")
    return svc.get_member_address(address), retired.notices(rotated)


@router.post("/rotate", response_model=KeyRotated)
def rotate_own_key(ledger: LedgerDep, participant: ParticipantDep) -> KeyRotated:
    """Replace the caller's API key: the new key is returned once; the old one stops working."""
    return KeyRotated(
        address=participant.address, api_key=ledger.db.rotate_api_key(participant.address)
    )


@router.post("/{address}/rotate", response_model=KeyRotated)
def rotate_key(ledger: LedgerDep, participant: ParticipantDep, address: str) -> KeyRotated:
    """Replace a participant's API key (yours, or anyone's as admin)."""
    target, notices = _target(ledger, participant, address)
    return KeyRotated(address=target, api_key=svc.rotate_api_key(ledger, target), notices=notices)


@router.post("/{address}/revoke", response_model=KeysRevoked)
def revoke_keys(ledger: LedgerDep, participant: ParticipantDep, address: str) -> KeysRevoked:
    """Revoke every API key of a participant (yours, or anyone's as admin). The last admin
    may not revoke its own keys (409: it would lock the administration out of the API); it
    replaces its key with ``POST /v1/keys/rotate`` instead."""
    target, notices = _target(ledger, participant, address)
    return KeysRevoked(
        address=target,
        revoked=svc.revoke_api_keys(ledger, target, actor=participant.address),
        notices=notices,
    )
