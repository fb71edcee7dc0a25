"""A member's own writes that the chain has not mined yet, and waiting for them.

A write checked against the chain (what a financing still allows, which fingerprints are held)
reads mined state only. A write of the same member that this data directory signed and sent —
a request whose answer was lost, a gateway killed before its receipt — is not in it yet, so a
second write checked beside it would be let past it (tryout 78: 80,000 drawn twice on a
100,000 financing) or sent only to be refused on chain against the member itself (tryout 79: a
financing retried under a new key after a restart, recorded as a refusal of the bank's own
financing). The transaction journal knows them (:meth:`ledger.tx.Transactor.unmined`); this
module reads what each calls (:mod:`ledger.rawtx`, the contract's ABI) and waits, bounded, for
those a write depends on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from hexbytes import HexBytes

from ledger.errors import ChainUnavailable
from ledger.network import Ledger
from ledger.rawtx import signed_call
from ledger.services.writekeys import given_key
from ledger.tx import JournalEntry

__all__ = ["UNMINED_WAIT_SECONDS", "UnminedCall", "unmined_calls", "wait_until_mined"]

#: how long (seconds) a write waits for an earlier one it depends on, unmined, before it is
#: answered 503
UNMINED_WAIT_SECONDS = 10.0


@dataclass(frozen=True)
class UnminedCall:
    """A journaled transaction of the member, unmined: the contract ``function`` it calls and
    its decoded ``args`` (in the ABI's order)."""

    entry: JournalEntry
    function: str
    args: tuple[Any, ...]


def unmined_calls(ledger: Ledger, actor: str, functions: Sequence[str]) -> list[UnminedCall]:
    """``actor``'s transactions to the ledger's contract calling one of ``functions`` that this
    data directory signed and the chain has not mined yet, in nonce order. A journaled entry
    that does not read as such a call is passed over."""
    signatures = {
        ledger.calls.signatures[name].selector: ledger.calls.signatures[name] for name in functions
    }
    found = []
    for entry in ledger.transactor(actor).unmined():
        decoded = _decoded(ledger, entry, signatures)
        if decoded is not None:
            found.append(UnminedCall(entry, *decoded))
    return found


def _decoded(
    ledger: Ledger, entry: JournalEntry, signatures: Mapping[bytes, Any]
) -> tuple[str, tuple[Any, ...]] | None:
    """The function and arguments ``entry`` calls on the ledger's contract among
    ``signatures`` (by selector), or None: another call, or bytes that do not read as one."""
    try:
        call = signed_call(entry.raw)
    except ValueError:
        return None
    signature = signatures.get(call.data[:4])
    if call.to != ledger.calls.address or signature is None:
        return None
    try:
        return signature.name, tuple(abi_decode(list(signature.inputs), call.data[4:]))
    except DecodingError:
        return None


def wait_until_mined(
    find: Callable[[], list[UnminedCall]], what: str, rule: str, **details: Any
) -> None:
    """Return once ``find()`` (the unmined writes a write depends on) is empty, waiting at most
    :data:`UNMINED_WAIT_SECONDS`; else ChainUnavailable (503: transient, so an idempotent
    result is never stored for it — tryout 79 found a 409 replayed for good after the chain
    moved on) saying ``what`` is unmined, naming its transaction and the Idempotency-Key to
    repeat, and ``rule``; ``details`` go with it."""
    deadline = time.monotonic() + UNMINED_WAIT_SECONDS
    while pending := find():
        if time.monotonic() >= deadline:
            first = pending[0].entry
            given = given_key(first.idempotency_key)
            then = (
                f"repeat that request with its Idempotency-Key {given!r} to learn its outcome"
                if given is not None
                else "read its outcome then"
            )
            tx_hash = HexBytes(first.tx_hash).to_0x_hex()
            raise ChainUnavailable(
                f"{what} sent by this gateway is not mined yet (tx {tx_hash}, after "
                f"{UNMINED_WAIT_SECONDS:.0f} s): nothing was sent for this request, retry it "
                f"(with the same key) once that one is mined, or {then}; {rule}",
                rule=rule,
                tx_hash=tx_hash,
                idempotency_key=given,
                **details,
            )
        time.sleep(0.2)
