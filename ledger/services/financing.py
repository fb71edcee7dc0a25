"""Financings: a bank pledges documents it holds, draws, repays, closes or cancels.

The authoritative duplicate check happens on chain, on fingerprints the *bank's* gateway
computed from the file the bank lodged here — never on what a borrower declared. So
:func:`create` refuses a document hash this gateway holds no file for (from that bank), reads the
face value and currency from the file's facts, registers the hash first if the chain does not
know it yet, sorts the pledges by hash as the contract requires, and turns a ``FinancingRefused``
event in the receipt into :class:`ledger.errors.FinancingRefused` naming the reason, the
document, the conflicting financing and the fingerprint.

A request that fails writes nothing. Before the first transaction :func:`create` checks
everything it can without the chain (amounts, currency, maturity, reference, kind, credit
notes, 1..``MAX_FINGERPRINTS`` fingerprints per document and 1..``MAX_PLEDGES`` documents — both
read from the contract —, no fingerprint shared by two pledged documents, the total within 64
bits), then simulates the registrations and the financing (``eth_estimateGas``: the contract
runs on the current state, so a role that may not finance or a suspended member is refused with
the contract's own error). A *refusal* is not a failure: the chain records it on purpose (the
regulator audits every refused attempt), and a document nobody had registered is registered
first so that the refusal names the real reason (``FINGERPRINT_PLEDGED``), not
``DOCUMENT_NOT_REGISTERED``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from web3 import Web3
from web3.logs import DISCARD

from ledger.documents import DocumentFacts, compute_fingerprints
from ledger.errors import InvalidInput, NotFound
from ledger.gatewaydb import StoredPledge
from ledger.network import Ledger
from ledger.services import documents as docs
from ledger.services.refusal import refused_error
from ledger.services.roles import DocType, FinancingKind, FinancingStatus, RefusalReason
from ledger.services.writekeys import sub_key, write_key
from ledger.words import money

MAX_UINT64 = 2**64 - 1
#: financing ids are numbered from 1; the contract keeps an id in 64 bits and the gateway's and
#: the index's SQL columns are signed 64-bit integers, so no financing id is above this
MAX_FINANCING_ID = 2**63 - 1
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass(frozen=True)
class PledgeRequest:
    doc_hash: bytes
    amount: int


@dataclass(frozen=True)
class Pledge:
    doc_hash: str
    amount: int
    face_value: int
    fingerprints: tuple[str, ...]


@dataclass(frozen=True)
class Financing:
    """A financing as the chain records it (plus its registration event)."""

    financing_id: int
    bank: str
    status: FinancingStatus
    kind: FinancingKind
    currency: str
    amount: int
    drawn: int
    repaid: int
    maturity: datetime | None
    reference: str
    registered_block: int
    registered_tx: str
    pledges: tuple[Pledge, ...]

    @property
    def outstanding(self) -> int:
        return self.drawn - self.repaid


@dataclass(frozen=True)
class Page:
    items: list[Financing]
    next_cursor: str | None


# -- input --------------------------------------------------------------------------------


def reference_bytes(reference: str) -> bytes:
    """The bank's own reference as the contract's bytes32 (UTF-8, right-padded)."""
    data = reference.encode()
    if len(data) > 32:
        raise InvalidInput("reference", "must be at most 32 bytes of UTF-8")
    return data.ljust(32, b"\0")


def reference_text(value: bytes) -> str:
    return bytes(value).rstrip(b"\0").decode("utf-8", errors="replace")


def maturity_seconds(maturity: date | datetime | int) -> int:
    if isinstance(maturity, datetime):
        moment = maturity if maturity.tzinfo else maturity.replace(tzinfo=UTC)
        return int(moment.timestamp())
    if isinstance(maturity, date):
        return int(datetime(maturity.year, maturity.month, maturity.day, tzinfo=UTC).timestamp())
    return int(maturity)


def check_financing_id(financing_id: int, field: str = "financing_id") -> int:
    """``financing_id`` if it can name a financing (1..``MAX_FINANCING_ID``), else
    :class:`InvalidInput` naming ``field``."""
    if not 1 <= financing_id <= MAX_FINANCING_ID:
        raise InvalidInput(
            field, f"must be a financing id, 1..{MAX_FINANCING_ID}", value=str(financing_id)
        )
    return financing_id


def _amount(value: int, field: str) -> int:
    if value <= 0:
        raise InvalidInput(field, "must be a positive amount in minor units")
    if value > MAX_UINT64:
        raise InvalidInput(field, "must fit in 64 bits")
    return value


def _facts_held(ledger: Ledger, actor: str, doc_hash: bytes, index: int) -> DocumentFacts:
    field = f"documents[{index}].doc_hash"
    rows = ledger.db.received(docs.hex32(doc_hash), actor)
    if not rows:
        raise InvalidInput(
            field,
            "this gateway holds no file with this hash from you: lodge the file you received "
            "first (POST /v1/documents/receive or tradeledger doc receive)",
            doc_hash=docs.hex32(doc_hash),
        )
    facts_json = rows[0].facts_json
    facts = DocumentFacts.from_dict(json.loads(facts_json)) if facts_json else None
    if facts is None or facts.amount_minor is None or facts.currency is None:
        raise InvalidInput(
            field,
            "the file has no face value the gateway can read (a UBL, CII, Factur-X or JSON-form "
            "document with an amount is needed)",
            doc_hash=docs.hex32(doc_hash),
        )
    docs.check_face_value(facts)  # a file lodged before the gateway refused such values
    return facts


def _check_receivable(facts: DocumentFacts, index: int) -> None:
    """A credit note (UBL CreditNote, type code 381 and the other EN 16931 credit-note codes) is
    not a receivable, and neither is a document whose amount due is not positive."""
    field = f"documents[{index}].doc_hash"
    if facts.credit_note:
        raise InvalidInput(
            field,
            "is a credit note: a credit note reduces what the buyer owes and cannot be financed",
        )
    if facts.amount_minor is not None and facts.amount_minor <= 0:
        raise InvalidInput(
            field,
            f"has an amount due of {money(facts.amount_minor, facts.currency)} (BT-115): only a "
            "positive amount due "
            "can be financed",
        )


# -- create -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """What the contract accepts in one financing (its public constants)."""

    max_pledges: int
    max_fingerprints: int


def limits(ledger: Ledger) -> Limits:
    """The contract's ``MAX_PLEDGES`` (documents per financing) and ``MAX_FINGERPRINTS`` (per
    document), read from the deployed contract."""
    functions = ledger.contract.functions
    return Limits(int(functions.MAX_PLEDGES().call()), int(functions.MAX_FINGERPRINTS().call()))


def _check_fingerprint_count(facts: DocumentFacts, count: int, most: int, index: int) -> None:
    """A document the contract would refuse for its number of fingerprints is refused here,
    saying why in words (InvalidInput naming ``documents[index].doc_hash``)."""
    field = f"documents[{index}].doc_hash"
    if count == 0:
        why = docs.unkeyed_reason(facts) or "the file's facts give no fingerprint"
        raise InvalidInput(
            field,
            f"cannot be financed: {why}",
            fingerprints=0,
            rejected_identifiers=[
                r.to_dict() for r in (facts.seller.rejected if facts.seller else ())
            ],
        )
    if count > most:
        keys = ", ".join(str(p) for p in (facts.seller.key_ids if facts.seller else ()))
        raise InvalidInput(
            field,
            f"cannot be financed: its facts give {count} fingerprints and the contract accepts "
            f"at most {most} per document (MAX_FINGERPRINTS); one is made per identity "
            f"identifier of the seller, and this seller carries {keys}",
            fingerprints=count,
            max_fingerprints=most,
        )


def create(
    ledger: Ledger,
    actor: str,
    requests: Sequence[PledgeRequest],
    currency: str,
    kind: FinancingKind,
    maturity: date | datetime | int,
    reference: str = "",
    *,
    idempotency_key: str | None = None,
) -> Financing:
    """Register a financing against documents ``actor`` lodged here. See the module docstring.

    Exactly once per ``idempotency_key``: a retry (after a crash, a lost answer) returns the
    financing that key created — or the refusal it received — and never a second attempt.
    Raises InvalidInput (422) naming the field for anything wrong with the request, the
    contract's typed error when the chain would revert, :class:`ledger.errors.FinancingRefused`
    (409) when the chain refused and recorded the attempt; only the last writes anything.
    """
    key = write_key(idempotency_key)
    if not requests:
        raise InvalidInput("documents", "must name at least one document")
    most = limits(ledger)
    if len(requests) > most.max_pledges:
        raise InvalidInput(
            "documents",
            f"must name at most {most.max_pledges} documents (the contract's MAX_PLEDGES)",
        )
    if kind is FinancingKind.NONE:
        raise InvalidInput("kind", "must not be none")
    currency = currency.strip().upper()
    if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
        raise InvalidInput("currency", "must be an ISO 4217 code of three letters")
    maturity_at = maturity_seconds(maturity)
    if not time.time() < maturity_at < 2**40:
        raise InvalidInput("maturity", "must be in the future")
    bank_reference = reference_bytes(reference)
    seen: set[bytes] = set()
    fingerprint_key = ledger.fingerprint_key()
    pledges: list[tuple[bytes, int, int, list[bytes], DocumentFacts]] = []
    names: dict[bytes, str] = {}
    owner: dict[bytes, int] = {}  # fingerprint → the request that pledges it
    for i, req in enumerate(requests):
        if req.doc_hash in seen:
            raise InvalidInput(f"documents[{i}].doc_hash", "appears twice")
        seen.add(req.doc_hash)
        amount = _amount(req.amount, f"documents[{i}].amount")
        facts = _facts_held(ledger, actor, req.doc_hash, i)
        if facts.currency != currency:
            raise InvalidInput(
                "currency", f"must be the document's currency {facts.currency}", doc_index=i
            )
        assert facts.amount_minor is not None  # checked in _facts_held
        _check_receivable(facts, i)
        if amount > facts.amount_minor:
            raise InvalidInput(
                f"documents[{i}].amount",
                "must not exceed the document's face value "
                f"{money(facts.amount_minor, facts.currency)}",
                face_value=facts.amount_minor,
                currency=facts.currency,
            )
        net = docs.financeable_amount(ledger, facts)
        if net is not None and amount > net:
            raise InvalidInput(
                f"documents[{i}].amount",
                f"must not exceed the invoice's value net of the credit notes lodged against it "
                f"({money(net, facts.currency)} of face value "
                f"{money(facts.amount_minor, facts.currency)})",
                financeable_amount=net,
            )
        fps = compute_fingerprints(facts, fingerprint_key)
        names.update({f.value: f.name for f in fps})
        values = sorted({f.value for f in fps})
        _check_fingerprint_count(facts, len(values), most.max_fingerprints, i)
        for value in values:
            if value in owner:
                raise InvalidInput(
                    f"documents[{i}].doc_hash",
                    f"is the same document as documents[{owner[value]}] (they share the "
                    f"fingerprint {names[value]}): pledge it once",
                    doc_hash=docs.hex32(req.doc_hash),
                )
            owner[value] = i
        pledges.append((req.doc_hash, amount, facts.amount_minor, values, facts))
    if sum(p[1] for p in pledges) > MAX_UINT64:
        raise InvalidInput("documents", "the amounts must add up to at most 2**64 - 1 minor units")
    pledges.sort(key=lambda p: p[0])
    call = ledger.contract.functions.registerFinancing(
        [(h, a, f, v) for h, a, f, v, _ in pledges],
        currency.encode("ascii"),
        int(kind),
        maturity_at,
        bank_reference,
    )
    unregistered = [
        (doc_hash, DocType[facts.doc_type.value], sub_key(key, "register-" + docs.hex32(doc_hash)))
        for doc_hash, _, _, _, facts in pledges
        if docs.find_registration(ledger, doc_hash) is None
    ]
    # simulated before anything is sent: a refusal by the contract writes nothing
    register_gas = [
        docs.refuse_early(
            ledger,
            actor,
            ledger.contract.functions.registerDocument(doc_hash, int(doc_type)),
            register_key,
        )
        for doc_hash, doc_type, register_key in unregistered
    ]
    gas = docs.refuse_early(ledger, actor, call, key)
    if unregistered:
        # simulated before its documents are registered, the financing ran the cheaper
        # "not registered" refusal path: estimated again once they are
        gas = None
    for (doc_hash, doc_type, register_key), doc_gas in zip(unregistered, register_gas, strict=True):
        docs.register(ledger, actor, doc_hash, doc_type, idempotency_key=register_key, gas=doc_gas)
    receipt = ledger.transactor(actor).transact(call, gas, idempotency_key=key)
    refused = ledger.contract.events.FinancingRefused().process_receipt(receipt, errors=DISCARD)
    if refused:
        asked = {h: (a, f, v) for h, a, f, v, _ in pledges}
        raise refused_error(ledger, actor, refused[0]["args"], receipt, currency, asked, names)
    registered = ledger.contract.events.FinancingRegistered().process_receipt(
        receipt, errors=DISCARD
    )
    financing_id = int(registered[0]["args"]["financingId"])
    ledger.db.store_pledges(
        financing_id,
        [
            StoredPledge(financing_id, docs.hex32(h), a, f, tuple(docs.hex32(x) for x in v))
            for h, a, f, v, _ in pledges
        ],
    )
    return get(ledger, financing_id)


# -- lifecycle ----------------------------------------------------------------------------


def _tx(raw: Any) -> docs.Receipt:
    return docs.Receipt(raw["transactionHash"].to_0x_hex(), int(raw["blockNumber"]))


def drawdown(
    ledger: Ledger,
    actor: str,
    financing_id: int,
    amount: int,
    *,
    idempotency_key: str | None = None,
) -> docs.Receipt:
    """Record a drawdown of ``amount`` (minor units), exactly once per ``idempotency_key``."""
    check_financing_id(financing_id)
    _amount(amount, "amount")
    return _tx(
        ledger.transactor(actor).transact(
            ledger.contract.functions.drawdown(financing_id, amount),
            idempotency_key=write_key(idempotency_key),
        )
    )


def repay(
    ledger: Ledger,
    actor: str,
    financing_id: int,
    amount: int,
    *,
    idempotency_key: str | None = None,
) -> docs.Receipt:
    """Record a repayment of ``amount`` (minor units), exactly once per ``idempotency_key``."""
    check_financing_id(financing_id)
    _amount(amount, "amount")
    return _tx(
        ledger.transactor(actor).transact(
            ledger.contract.functions.repay(financing_id, amount),
            idempotency_key=write_key(idempotency_key),
        )
    )


def releases(ledger: Ledger, financing_id: int) -> list[tuple[bytes, list[bytes]]]:
    """What close/cancel must hand back: from the gateway DB, else the DocumentPledged events."""
    stored = ledger.db.pledges(financing_id)
    if stored:
        return [
            (bytes.fromhex(p.doc_hash[2:]), [bytes.fromhex(f[2:]) for f in p.fingerprints])
            for p in stored
        ]
    return [
        (bytes.fromhex(p.doc_hash[2:]), [bytes.fromhex(f[2:]) for f in p.fingerprints])
        for p in _pledges_on_chain(ledger, financing_id)
    ]


def close(
    ledger: Ledger, actor: str, financing_id: int, *, idempotency_key: str | None = None
) -> docs.Receipt:
    check_financing_id(financing_id)
    rel = releases(ledger, financing_id)
    return _tx(
        ledger.transactor(actor).transact(
            ledger.contract.functions.closeFinancing(financing_id, rel),
            idempotency_key=write_key(idempotency_key),
        )
    )


def cancel(
    ledger: Ledger,
    actor: str,
    financing_id: int,
    reason_code: int = 0,
    *,
    idempotency_key: str | None = None,
) -> docs.Receipt:
    check_financing_id(financing_id)
    if not 0 <= reason_code <= 255:
        raise InvalidInput("reason_code", "must be 0..255")
    rel = releases(ledger, financing_id)
    return _tx(
        ledger.transactor(actor).transact(
            ledger.contract.functions.cancelFinancing(financing_id, reason_code, rel),
            idempotency_key=write_key(idempotency_key),
        )
    )


# -- reading ------------------------------------------------------------------------------


def _pledges_on_chain(ledger: Ledger, financing_id: int) -> list[Pledge]:
    return _pledges_from(docs.logs(ledger, "DocumentPledged", financingId=financing_id))


def _pledges_from(found: Sequence[Any]) -> list[Pledge]:
    """The pledges recorded by the DocumentPledged events among ``found``, by document hash."""
    pledges = [
        Pledge(
            doc_hash=docs.hex32(log["args"]["docHash"]),
            amount=int(log["args"]["amount"]),
            face_value=int(log["args"]["faceValue"]),
            fingerprints=tuple(docs.hex32(f) for f in log["args"]["fingerprints"]),
        )
        for log in found
        if log["event"] == "DocumentPledged"
    ]
    return sorted(pledges, key=lambda p: p.doc_hash)


def get(ledger: Ledger, financing_id: int) -> Financing:
    """The financing ``financing_id``; NotFound when there is none, InvalidInput when the id
    is outside 1..``MAX_FINANCING_ID``."""
    check_financing_id(financing_id)
    record = ledger.contract.functions.getFinancing(financing_id).call()
    if FinancingStatus(record[2]) is FinancingStatus.NONE:
        raise NotFound(f"no financing {financing_id}", financing_id=financing_id)
    return _financings(ledger, [(financing_id, record)])[0]


def _financings(ledger: Ledger, records: Sequence[tuple[int, Any]]) -> list[Financing]:
    """Financings from their ``getFinancing`` records and their registration and pledge
    events, read in one log query for them all (both events name the financing first)."""
    found = docs.logs_naming(
        ledger,
        ("FinancingRegistered", "DocumentPledged"),
        1,
        [fid.to_bytes(32, "big") for fid, _ in records],
    )
    by_id: dict[int, list[Any]] = {}
    for log in found:
        by_id.setdefault(int(log["args"]["financingId"]), []).append(log)
    return [_financing(fid, record, by_id.get(fid, [])) for fid, record in records]


def _financing(financing_id: int, record: Any, found: list[Any]) -> Financing:
    bank, _bank_id, status, kind, _docs, _fps, amount, drawn, repaid = record
    events = [log for log in found if log["event"] == "FinancingRegistered"]
    ev = events[0]["args"] if events else None
    return Financing(
        financing_id=financing_id,
        bank=Web3.to_checksum_address(bank),
        status=FinancingStatus(status),
        kind=FinancingKind(kind),
        currency=bytes(ev["currency"]).decode("ascii") if ev else "",
        amount=int(amount),
        drawn=int(drawn),
        repaid=int(repaid),
        maturity=datetime.fromtimestamp(int(ev["maturity"]), UTC) if ev else None,
        reference=reference_text(ev["bankReference"]) if ev else "",
        registered_block=int(events[0]["blockNumber"]) if events else 0,
        registered_tx=events[0]["transactionHash"].to_0x_hex() if events else "",
        pledges=tuple(_pledges_from(found)),
    )


def _cursor(text: str | None) -> int:
    if text is None or text == "":
        return 0
    try:
        value = int(text)
    except ValueError:
        raise InvalidInput("cursor", "must be a cursor returned as next_cursor") from None
    if value < 0:
        raise InvalidInput("cursor", "must be a cursor returned as next_cursor")
    return value


def list_financings(
    ledger: Ledger,
    bank: str | None = None,
    status: FinancingStatus | None = None,
    doc_hash: bytes | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page:
    """Financings by ascending id, filtered; ``next_cursor`` continues after the last one."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("limit", f"must be 1..{MAX_LIMIT}")
    after = _cursor(cursor)
    bank_address = None
    if bank:
        try:
            bank_address = Web3.to_checksum_address(bank)
        except ValueError:
            raise InvalidInput("bank", "must be a 20-byte hex address") from None
    if doc_hash is not None:
        ids = sorted(
            {
                int(log["args"]["financingId"])
                for log in docs.logs(ledger, "DocumentPledged", docHash=doc_hash)
            }
        )
    else:
        count = int(ledger.contract.functions.financingCount().call())
        ids = list(range(1, count + 1))
    chosen: list[tuple[int, Any]] = []
    last = after
    more = False
    for fid in ids:
        if fid <= after:
            continue
        if len(chosen) == limit:
            more = True
            break
        last = fid
        record = ledger.contract.functions.getFinancing(fid).call()
        if bank_address and Web3.to_checksum_address(record[0]) != bank_address:
            continue
        if status is not None and FinancingStatus(record[2]) is not status:
            continue
        chosen.append((fid, record))
    items = _financings(ledger, chosen) if chosen else []
    return Page(items=items, next_cursor=str(last) if more else None)


@dataclass(frozen=True)
class Refusal:
    bank: str
    doc_hash: str
    conflicting_financing_id: int
    reason: RefusalReason
    fingerprint: str | None
    reference: str
    block: int
    tx_hash: str


def refusals(ledger: Ledger) -> list[Refusal]:
    """Every refused financing attempt recorded on chain."""
    return [
        Refusal(
            bank=str(log["args"]["bank"]),
            doc_hash=docs.hex32(log["args"]["docHash"]),
            conflicting_financing_id=int(log["args"]["conflictingFinancingId"]),
            reason=RefusalReason(int(log["args"]["reason"])),
            fingerprint=docs.hex32(log["args"]["fingerprint"])
            if any(bytes(log["args"]["fingerprint"]))
            else None,
            reference=reference_text(log["args"]["bankReference"]),
            block=int(log["blockNumber"]),
            tx_hash=log["transactionHash"].to_0x_hex(),
        )
        for log in docs.logs(ledger, "FinancingRefused")
    ]
