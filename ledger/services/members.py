"""Onboarding and managing consortium members."""

from __future__ import annotations

from dataclasses import dataclass

from web3 import Web3

from ledger.errors import InvalidInput, NotFound
from ledger.network import Ledger, legal_id_hash, require_member_funding
from ledger.services.roles import Role
from ledger.services.writekeys import sub_key, write_key

MAX_NAME_LENGTH = 200


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
    member: Member
    api_key: str
    tx_hash: str
    block: int


def _check_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput("name", "must not be empty")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidInput("name", f"must be at most {MAX_NAME_LENGTH} characters")
    return cleaned


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
    key = write_key(idempotency_key)
    admin = ledger.transactor(actor)
    pending = ledger.db.pending_member(admin.address, key)
    if pending is None:
        call_preview = ledger.contract.functions.addMember(
            Web3.to_checksum_address("0x" + "11" * 20), int(role), legal_id_hash(legal_id), name
        )
        admin.estimate(call_preview)  # refuse early (role, admin rules) before making a key
        funding = require_member_funding(ledger, admin.address)  # refuse early, naming it
        address = ledger.keystore.create().address
        ledger.db.bind_pending_member(admin.address, key, address, funding)
    else:
        address, funding = pending  # a retry: the same address, the same transfer
    if funding:
        admin.wait(
            admin.send(
                {"to": address, "value": funding, "gas": 21000},
                idempotency_key=sub_key(key, "fund"),
            )
        )
    call = ledger.contract.functions.addMember(address, int(role), legal_id_hash(legal_id), name)
    receipt = admin.transact(call, idempotency_key=sub_key(key, "add"))
    if ledger.db.has_participant(address):
        api_key = ledger.db.rotate_api_key(address)  # the first answer was lost
    else:
        ledger.db.add_participant(address, name, role.name.lower())
        api_key = ledger.db.create_api_key(address)
    return NewMember(
        member=get_member(ledger, address),
        api_key=api_key,
        tx_hash=receipt["transactionHash"].to_0x_hex(),
        block=int(receipt["blockNumber"]),
    )


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


def _local_name(ledger: Ledger, address: str) -> str | None:
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
    record = ledger.contract.functions.memberOf(address).call()
    if int(record[0]) == 0:
        raise NotFound(f"{address} is not a member", address=address)
    return _from_record(record, _local_name(ledger, address))


def list_members(ledger: Ledger) -> list[Member]:
    """Every member ever onboarded, by id."""
    return members_page(ledger, 0, None)[0]


def members_page(
    ledger: Ledger, after_id: int, limit: int | None
) -> tuple[list[Member], int | None]:
    """Members by id after ``after_id``, at most ``limit`` of them, and the id to continue
    after (None when these are the last)."""
    count = int(ledger.contract.functions.memberCount().call())
    last = count if limit is None else min(count, after_id + limit)
    members = []
    for member_id in range(after_id + 1, last + 1):
        record = ledger.contract.functions.memberById(member_id).call()
        members.append(_from_record(record, _local_name(ledger, str(record[1]))))
    return members, (last if last < count else None)


def suspend_member(
    ledger: Ledger, actor: str, address: str, *, idempotency_key: str | None = None
) -> str:
    receipt = ledger.transactor(actor).transact(
        ledger.contract.functions.suspendMember(get_member_address(address)),
        idempotency_key=write_key(idempotency_key),
    )
    return str(receipt["transactionHash"].to_0x_hex())


def reinstate_member(
    ledger: Ledger, actor: str, address: str, *, idempotency_key: str | None = None
) -> str:
    receipt = ledger.transactor(actor).transact(
        ledger.contract.functions.reinstateMember(get_member_address(address)),
        idempotency_key=write_key(idempotency_key),
    )
    return str(receipt["transactionHash"].to_0x_hex())


def rotate_api_key(ledger: Ledger, address: str) -> str:
    """Revoke every API key of ``address`` and issue a new one (shown once)."""
    member = get_member(ledger, address)
    return ledger.db.rotate_api_key(member.address)


def revoke_api_keys(ledger: Ledger, address: str) -> int:
    """Revoke every API key of ``address``; returns how many were active."""
    member = get_member(ledger, address)
    ledger.db.participant(member.address)  # NotFound when this gateway does not serve it
    return ledger.db.revoke_api_keys(member.address)


def get_member_address(address: str) -> str:
    """``address`` checksummed, or InvalidInput."""
    try:
        return Web3.to_checksum_address(address)
    except ValueError:
        raise InvalidInput("address", "must be a 20-byte hex address") from None
