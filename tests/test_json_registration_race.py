"""One JSON document, one registration — also when two of its byte forms arrive at once.

Tryout 70 sent a warehouse receipt's form to ``POST /v1/documents/json`` (its canonical bytes)
and, at the same moment, its file as written to ``POST /v1/documents``: both were registered
(3 times out of 3), and the later one — another member's — was then named the earliest by
``verify``. The check that no other byte form is registered ran before either was mined. A
gateway now lets one registration of a JSON document at a time through that check
(``ledger.services.documents.one_registration_at_a_time``); the second is refused as the first
is registered (``DocumentAlreadyRegistered``), saying whether its registrant is the seller.
Real chain, real threads."""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

import pytest

from ledger.errors import LedgerError
from ledger.services import documents as docs
from tests.conftest import Network


def _form(number: str) -> dict[str, Any]:
    return {
        "documentType": "WarehouseReceipt",
        "documentNumber": number,
        "issueDate": "2026-11-01",
        "issuer": {"id": "DK13585628", "scheme": "VAT", "name": "SellerCompany"},
        "totalAmount": {"value": "100.00", "currency": "DKK"},
    }


def _race(network: Network, first: bytes, second: bytes) -> list[Any]:
    """Register ``first`` (as the exporter) and ``second`` (as a bank) at one moment: each
    outcome, a registration or the error it raised."""
    ledger = network.ledger
    barrier = threading.Barrier(2)
    outcomes: list[Any] = [None, None]

    def run(i: int, who: str, role: str, data: bytes) -> None:
        barrier.wait(timeout=30)
        try:
            outcomes[i] = docs.register_file(ledger, who, role, data, "form.json")[2]
        except LedgerError as exc:
            outcomes[i] = exc

    threads = [
        threading.Thread(target=run, args=(0, network.enterprise.address, "enterprise", first)),
        threading.Thread(target=run, args=(1, network.bank.address, "bank", second)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


@pytest.mark.parametrize("attempt", range(3))
def test_two_byte_forms_of_one_form_at_one_moment_register_once(
    network: Network, attempt: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the window the tryout's two requests met in, made wide: between the check that no other
    # byte form is registered and the registration's transaction, each request waits
    gas = docs._registration_gas

    def slow_gas(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)
        return gas(*args, **kwargs)

    monkeypatch.setattr(docs, "_registration_gas", slow_gas)
    form = _form(f"WR-RACE-{uuid.uuid4().hex[:8]}-{attempt}")
    canonical = docs.canonical_json(form)
    pretty = json.dumps(form, indent=2).encode()
    assert canonical != pretty
    outcomes = _race(network, canonical, pretty)
    refused = [o for o in outcomes if isinstance(o, LedgerError)]
    registered = [o for o in outcomes if not isinstance(o, LedgerError)]
    assert len(registered) == 1, outcomes
    assert len(refused) == 1, outcomes
    assert type(refused[0]).__name__ == "DocumentAlreadyRegistered", refused[0]
    # told whether the registrant is the seller (tryout 70: a race's 409 said only who and when)
    assert refused[0].details["registrant_is_seller"] is (outcomes[0] is registered[0])
    assert "caller_is_seller" in refused[0].details
    # the hash registered answers for both byte forms, and only one is on chain
    found = docs.same_document_registrations(
        network.ledger,
        "0x" + docs.hashlib.sha256(pretty).hexdigest(),
        docs.canonical_hash_of(pretty),
    )
    assert len(found) == 1, found


@pytest.mark.parametrize("attempt", range(2))
def test_an_amendment_and_another_byte_form_of_it_at_one_moment_register_once(
    network: Network, attempt: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same race through ``supersede``: the exporter amends its receipt with the new
    version's form while a bank registers the new version's file as written. Left open last
    session (a supersede was not under the turns): one of the two is registered, the other
    refused as the first is mined."""
    ledger = network.ledger
    first = _form(f"WR-AMEND-{uuid.uuid4().hex[:8]}-{attempt}")
    old = docs.register_file(
        ledger, network.enterprise.address, "enterprise", docs.canonical_json(first), "v1.json"
    )[2]
    amended = {**first, "totalAmount": {"value": "90.00", "currency": "DKK"}}
    canonical = docs.canonical_json(amended)
    pretty = json.dumps(amended, indent=2).encode()
    # the window made wide, in both: between the check of other byte forms and the transaction
    gas, early = docs._registration_gas, docs.refuse_early

    def slow_gas(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)
        return gas(*args, **kwargs)

    def slow_early(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)
        return early(*args, **kwargs)

    monkeypatch.setattr(docs, "_registration_gas", slow_gas)
    monkeypatch.setattr(docs, "refuse_early", slow_early)
    barrier = threading.Barrier(2)
    outcomes: list[Any] = [None, None]

    def amend() -> None:
        barrier.wait(timeout=30)
        try:
            outcomes[0] = docs.supersede_with_file(
                ledger,
                network.enterprise.address,
                "enterprise",
                docs.parse_doc_hash(old.doc_hash),
                canonical,
                "v2.json",
            )
        except LedgerError as exc:
            outcomes[0] = exc

    def register() -> None:
        barrier.wait(timeout=30)
        try:
            outcomes[1] = docs.register_file(
                ledger, network.bank.address, "bank", pretty, "v2-pretty.json"
            )[2]
        except LedgerError as exc:
            outcomes[1] = exc

    threads = [threading.Thread(target=amend), threading.Thread(target=register)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    refused = [o for o in outcomes if isinstance(o, LedgerError)]
    assert len(refused) == 1, outcomes
    assert type(refused[0]).__name__ == "DocumentAlreadyRegistered", refused[0]
    # one of the two byte forms is on chain, whichever won
    on_chain = [
        h
        for h in (docs.hashlib.sha256(canonical).digest(), docs.hashlib.sha256(pretty).digest())
        if docs.find_registration(ledger, h) is not None
    ]
    assert len(on_chain) == 1, outcomes
