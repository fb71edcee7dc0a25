"""Rotating a member's signing key at the gateway that holds it.

The contract keys everything a member did by its **member id**: ``rotateMemberKey`` (or a
``rotate_key`` governance proposal) moves the id to a new address, and from then on
``getFinancing(id).bank``, ``getDocument(h).registrant``, ``memberOf`` and the encryption key
all answer under the new address; the old one is no member at all (``NotAMember``). A gateway
therefore needs three things to let a member go on working after its key is rotated:

1. **A new key it holds.** ``tradeledger keystore new-key MEMBER`` (:func:`new_key`) makes a
   key in this gateway's keystore (scrypt-encrypted like every other, never shown), records it
   in ``gateway.sqlite`` (``new_keys``) as *pending* — the member id it is meant for and the
   address it replaces — and, on a network where gas costs something, moves half the old
   account's balance to it so it can pay for its writes (the other half keeps the old key
   writing while the rotation is pending). Nothing changes on chain yet: the member goes on
   signing with its old key.

2. **The rotation on chain**, by the consortium's admins: ``tradeledger member propose
   rotate-key --account OLD --new-account NEW`` (M approvals), or the member itself
   (``rotateMemberKey``). ``MemberKeyRotated(memberId, old, new)`` is emitted.

3. **Adoption.** Whenever the gateway meets a participant whose address is no member on chain
   any more (an API request authenticated by one of its keys, a CLI ``--as``), it asks
   :func:`current` where that member is now: a pending new key whose member id the chain now
   places at the new address (``memberById``) is *adopted* — in one database transaction the
   member's participant row, API keys, idempotency records, received files, evaluations and
   fingerprint-check log move to the new address (``GatewayDB.adopt_key``), its X25519 file is
   copied under the new address (the contract keeps the same public key for the id), and the
   cached transactor of the old address is dropped. No restart: the next request signs with
   the new key. ``--as OLD`` keeps working and acts as the new address.

A gateway's own member (the manifest's ``admin_address``: the member a gateway joined as, whose
key the member commands sign with) is rotated the same way; on adoption the manifest names its
new address. The contract's owner is not: ownership would stay with the old key.

After adoption the gateway refuses to sign with the old key (:class:`KeyRotatedAway` from
``Ledger.transactor``): the contract would refuse it anyway, and a key that may have leaked
is not one to use for anything.

API keys are bound to the *member* (they move with it), not to the chain key: what a rotation
answers is a chain key that may be compromised, not the API keys of the member's users, which
are revoked or rotated on their own (``tradeledger key rotate``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from web3 import Web3

from ledger.errors import InvalidInput, LedgerStateError
from ledger.gatewaydb import NewKey
from ledger.network import Ledger, fee_cap
from ledger.services import standing
from ledger.services.writekeys import write_key

__all__ = ["NewKeyMade", "adopt_due", "current", "moved", "new_key", "pending_keys"]

#: gas of a plain transfer (the old account's balance moved to the new key)
_TRANSFER_GAS = 21_000


@dataclass(frozen=True)
class NewKeyMade:
    """A member's new signing key: ``member`` (the address it signs with now), ``member_id``,
    ``new_address``; ``made`` False when a pending one existed already (it is the answer
    again); ``funded`` the wei moved to it from the old account."""

    member: str
    member_id: int
    new_address: str
    made: bool
    funded: int


def _checksummed(address: str, field: str) -> str:
    try:
        return Web3.to_checksum_address(address)
    except ValueError:
        raise InvalidInput(field, "must be a 20-byte hex address", value=address) from None


def new_key(ledger: Ledger, member: str, field: str = "member") -> NewKeyMade:
    """Make a new signing key for ``member`` (a participant of this gateway whose key it holds,
    an active member on chain), pending until its key is rotated to it on chain (see the
    module docstring). A member with a pending new key gets that one again."""
    address = current(ledger, _checksummed(member, field))
    participant = ledger.db.participant(address)  # NotFound: not served here
    if address.lower() == str(ledger.calls.functions.owner().call()).lower():
        # ownership stays with the old address (Ownable2Step's transferOwnership moves it, and
        # is signed by the old key, which this gateway refuses once the rotation is adopted)
        raise InvalidInput(
            field,
            "is the contract's owner: its key is not rotated this way (ownership would stay "
            "with the old key, which this gateway stops signing with once the rotation is in "
            "effect)",
            value=member,
        )
    if not ledger.keystore.holds(address):
        raise InvalidInput(
            field,
            f"this gateway does not hold the signing key of {participant.address}: its new key "
            "is made where its key is (tradeledger keystore new-key at that gateway)",
            value=member,
        )
    record = ledger.calls.functions.memberOf(address).call()
    member_id = int(record[0])
    if member_id == 0:
        from ledger.revert import ERRORS

        raise ERRORS["NotAMember"](address)
    pending = [k for k in ledger.db.new_keys(address) if k.adopted_at is None]
    if pending:
        return NewKeyMade(address, member_id, pending[-1].new_address, False, 0)
    signer = ledger.keystore.create()
    recorded, made = ledger.db.add_new_key(address, signer.address, member_id)
    if not made:  # another new-key for the member (another process) recorded its key first
        ledger.keystore.discard(signer.address)
        return NewKeyMade(address, member_id, recorded.new_address, False, 0)
    funded = _fund(ledger, address, signer.address)
    return NewKeyMade(address, member_id, signer.address, True, funded)


def _fund(ledger: Ledger, old: str, new: str) -> int:
    """Move half the old account's balance to the new key, so it pays for the member's writes
    as the old one did; the other half keeps the old key writing until the rotation is in
    effect on chain (the admins may take a while). 0 on a free-gas network or an account too
    poor to share."""
    if ledger.settings.gas_pricing == "zero":
        return 0
    transactor = ledger.transactor(old)
    balance = int(ledger.w3.eth.get_balance(Web3.to_checksum_address(old)))
    value = (balance - 2 * _TRANSFER_GAS * fee_cap(ledger.fees)) // 2
    if value <= 0:
        return 0
    transactor.wait(
        transactor.send(
            {"to": new, "value": value, "gas": _TRANSFER_GAS},
            idempotency_key=write_key(None),
        )
    )
    return value


def pending_keys(ledger: Ledger, member: str | None = None) -> list[NewKey]:
    """The new keys made here (of ``member`` when given), with whether each is adopted."""
    return ledger.db.new_keys(_checksummed(member, "member") if member else None)


def current(ledger: Ledger, address: str) -> str:
    """The address the member this gateway knew at ``address`` signs with now: ``address``
    itself, or the new key it moved to — adopting a pending new key whose rotation is in effect
    on chain (module docstring, step 3). Cheap when nothing was rotated: two indexed queries of
    ``gateway.sqlite``."""
    seen: set[str] = set()
    while True:
        address = moved(ledger, address)  # the rotations adopted already
        if address in seen:
            return address
        seen.add(address)
        pending = (k for k in ledger.db.new_keys(address) if k.adopted_at is None)
        due = next((k for k in pending if _in_effect(ledger, k)), None)
        if due is None:
            return address
        _adopt(ledger, due)
        address = due.new_address


def adopt_due(ledger: Ledger) -> list[str]:
    """Adopt every new key made here whose rotation is in effect on chain (step 3 of the module
    docstring, for every member at once); returns the addresses adopted. A command that reads
    for every member of the gateway rather than one named (``audit verify`` with every
    regulator's key) calls it first: tryout 79's regulator, its key rotated on chain, read
    "RULES NOT CHECKED: this gateway holds no regulator's encryption key" at its own gateway
    until a request of its own had adopted the new key. One query of ``gateway.sqlite``, and a
    chain read per pending key."""
    adopted = []
    for key in ledger.db.new_keys():
        if key.adopted_at is None and moved(ledger, key.member_address) == key.member_address:
            now = current(ledger, key.member_address)
            if now != key.member_address:
                adopted.append(now)
    return adopted


def moved(ledger: Ledger, address: str) -> str:
    """Where the member this gateway knew at ``address`` is now, by the rotations it adopted
    only (no chain read, nothing adopted): ``address`` itself when none moved it."""
    seen: set[str] = set()
    while address not in seen:
        seen.add(address)
        found = ledger.db.moved_to(address)
        if found is None:
            return address
        address = found
    return address


def _in_effect(ledger: Ledger, key: NewKey) -> bool:
    """Whether the chain holds member ``key.member_id`` at ``key.new_address`` now."""
    record = ledger.calls.functions.memberOf(key.new_address).call()
    return int(record[0]) == key.member_id


def _adopt(ledger: Ledger, key: NewKey) -> None:
    old, new = key.member_address, key.new_address
    if not ledger.keystore.holds(new):
        raise LedgerStateError(
            f"the new key {new} of member {key.member_id} is in effect on chain but its "
            f"keystore is missing from {ledger.keystore.keystore_dir} (restore it from a backup)",
            address=new,
        )
    ledger.encryption_keys.adopt(old, new)
    ledger.db.adopt_key(old, new)
    if old.lower() == ledger.manifest.admin_address.lower():
        # the gateway's own member (a bank's gateway joined as it; the member commands sign
        # as it): the manifest names it by the new address from now on (tryout 78: every
        # organisation that joined with its own gateway was refused a new key)
        ledger.manifest = replace(ledger.manifest, admin_address=new)
        ledger.manifest.write(ledger.settings.manifest_path)
    ledger.forget_transactor(old)
    standing.membership_changed(ledger)
