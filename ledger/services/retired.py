"""A member named by an address it rotated its key away from (a *retired* address).

After ``MemberKeyRotated(memberId, old, new)`` the chain answers everything of member
``memberId`` under ``new``: ``getFinancing(id).bank``, ``getDocument(h).registrant``,
``memberOf``; the event index moves the member's financings, refused attempts and documents
to ``new`` as well (``ledger.indexer.projections``). A filter naming the member by ``old`` —
the address a regulator or a counterparty knew — would then match nothing and answer as if the
member did nothing: a regulator asking a bank's exposure by the address it knew would read
zero, a false answer.

Every read that takes a member's address as a filter therefore resolves it here first
(:func:`on_chain` for the reads of the chain, :func:`in_index` for those of the event index):
an address that is no member now but that a member rotated away from — once or several times,
``memberById`` / the index's member row say where it signs now — names that member, and the
read answers for the member at its current address (where the chain and the index keep what it
did under every key), saying so (:meth:`Retired.notice`: an ``address_rotated`` notice in
JSON; :meth:`Retired.note`, a ``note:`` line on the CLI's stderr). Who may read what does not
change: the resolved address is checked as the address itself would be.

Where acting on the member is not safe (a governance proposal naming the address, a write), the
refusal names the field and says the address ``was rotated to 0xNEW on chain``
(:meth:`Retired.rule`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from web3 import Web3

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ledger.indexer.follower import EventIndex
    from ledger.network import Ledger

__all__ = [
    "NOTICE_KIND",
    "Retired",
    "in_index",
    "notices",
    "on_chain",
    "resolve",
    "resolve_in",
    "resolve_participant",
]

#: the ``kind`` of the notice an answer carries when a filter named a retired address
NOTICE_KIND = "address_rotated"


@dataclass(frozen=True)
class Retired:
    """``address`` (given as ``field``) is no member now: member ``member_id`` rotated its key
    away from it, and signs as ``rotated_to`` now."""

    field: str
    address: str
    rotated_to: str
    member_id: int

    def rule(self) -> str:
        """The words of a refusal of the address (after ``field:``)."""
        return (
            f"{self.address} was rotated to {self.rotated_to} on chain (member "
            f"{self.member_id}'s key): name the member by {self.rotated_to}"
        )

    def message(self) -> str:
        return (
            f"{self.field}: the key of {self.address} was rotated to {self.rotated_to} on chain: "
            f"answered for its member (member {self.member_id}) at {self.rotated_to}, under "
            "every key it signed with"
        )

    def notice(self) -> dict[str, Any]:
        """The notice of an answer (JSON): ``kind`` ``address_rotated``, the ``field``, the
        retired ``address``, where the member is now (``rotated_to``), its ``member_id`` and
        the ``message``."""
        return {
            "kind": NOTICE_KIND,
            "field": self.field,
            "address": self.address,
            "rotated_to": self.rotated_to,
            "member_id": self.member_id,
            "message": self.message(),
        }

    def note(self) -> str:
        """The CLI's line for people (stderr), worded as ``--as OLD``'s note."""
        return (
            f"note: {self.field}: the key of {self.address} was rotated on chain: answering for "
            f"its member's new address {self.rotated_to}"
        )


def notices(found: list[Retired]) -> list[dict[str, Any]]:
    return [r.notice() for r in found]


def _address(value: str | None) -> str | None:
    """``value`` as a checksummed address, or None when it is none (the read's own parsing
    refuses it, naming its field)."""
    if value is None or not value.strip():
        return None
    try:
        return str(Web3.to_checksum_address(value.strip()))
    except ValueError:
        return None


def on_chain(ledger: Ledger, address: str, field: str) -> Retired | None:
    """``address`` retired, as the chain says it: no member now (``memberOf``), and a member
    rotated its key away from it (``MemberKeyRotated``), which ``memberById`` places now; None
    otherwise (a member's address, one nobody ever had, or not an address)."""
    from ledger.services.members import rotated_away_id

    wanted = _address(address)
    if wanted is None or int(ledger.calls.functions.memberOf(wanted).call()[0]) != 0:
        return None
    member_id = rotated_away_id(ledger, wanted)
    if member_id is None:
        return None
    now = str(ledger.calls.functions.memberById(member_id).call()[1])
    if int(ledger.calls.functions.memberOf(now).call()[0]) != member_id:
        return None  # not a member any more at all
    return Retired(field, wanted, Web3.to_checksum_address(now), member_id)


def _in_session(session: Session, wanted: str, field: str) -> Retired | None:
    from ledger.indexer.models import MemberRow
    from ledger.services.audit import key_rotations, rotated_away

    if session.scalar(select(MemberRow.member_id).where(MemberRow.address == wanted)) is not None:
        return None
    member_id = rotated_away(key_rotations(session), wanted)
    member = session.get(MemberRow, member_id) if member_id is not None else None
    if member is None:
        return None
    return Retired(field, wanted, str(member.address), int(member.member_id))


def in_index(index: EventIndex, address: str, field: str) -> Retired | None:
    """``address`` retired, as the event index says it (read after it caught up): as
    :func:`on_chain`."""
    wanted = _address(address)
    if wanted is None:
        return None
    with index.sessions() as session:
        return _in_session(session, wanted, field)


def resolve(ledger: Ledger, value: str | None, field: str) -> tuple[str | None, list[Retired]]:
    """The address a read filtered by ``value`` (given as ``field``) asks about: the member's
    current one when ``value`` is retired (:func:`on_chain`), with that said; else ``value``
    untouched (its read parses and refuses it)."""
    found = on_chain(ledger, value, field) if value is not None else None
    return (found.rotated_to, [found]) if found is not None else (value, [])


def resolve_participant(
    ledger: Ledger, value: str | None, field: str
) -> tuple[str | None, list[Retired]]:
    """As :func:`resolve`, for an address that may be a participant of this gateway (its API
    keys): a new key of it made here whose rotation is in effect on chain is adopted first
    (:func:`ledger.services.rotation.current`), so its keys are found at its address now."""
    from ledger.services import rotation

    wanted = _address(value) if value is not None else None
    if wanted is not None:
        rotation.current(ledger, wanted)
    return resolve(ledger, value, field)


def resolve_in(
    index: EventIndex, value: str | None, field: str
) -> tuple[str | None, list[Retired]]:
    """As :func:`resolve`, by the event index (:func:`in_index`)."""
    found = in_index(index, value, field) if value is not None else None
    return (found.rotated_to, [found]) if found is not None else (value, [])
