"""Proof bundles: a document's provenance as one JSON file that anyone can check against the
chain, without trusting the gateway that made it.

What a proof says. A proof (:class:`Proof`, format ``tradeledger.proof`` version 1) names the
document (its SHA-256 and what was hashed), the network (chain id, contract address, the
contract's deployment block), the registration (transaction hash, block number and hash, the
block's time, the account that signed it, the registrant's member record: id, role, legal-id
hash, on-chain name), the document's status as of a block (active, revoked — by whom, when,
why —, or superseded by which amendment), and its attestations (attestor, evidence hash,
transaction, block). Everything in it is a fact the chain holds: nothing is signed by the
gateway, and nothing in it needs to be believed.

How it is checked. :func:`verify_proof` re-reads each fact from any Ethereum JSON-RPC node with
standard calls only — ``eth_chainId``, ``eth_getTransactionReceipt``, ``eth_getBlockByNumber``,
``eth_call`` (``getDocument``, ``memberById``, ``memberOf``, ``successorOf``,
``deploymentBlock``) and ``eth_getLogs`` (``MemberAdded``, ``MemberKeyRotated``,
``DocumentRevoked``, ``DocumentSuperseded``, ``DocumentAttested``) — and hashes the file itself.
Each check says what holds and what does not (:class:`Check`); the answer (:class:`Outcome`) is
the first failure in :data:`PRECEDENCE`, else ``active``: registered, unaltered, still in force.

What it cannot say. That the contract is the consortium's (compare the address with the one the
consortium publishes, or pass it as ``expected_contract``), that the node tells the truth (ask a
node you run or trust), or who a legal-id hash stands for (hash the legal id you expect:
``expected_legal_id``). See docs/proofs.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, cast, get_args

from hexbytes import HexBytes
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import (
    BadFunctionCallOutput,
    BlockNotFound,
    ContractLogicError,
    TransactionNotFound,
)

from ledger.artifacts import load_artifact
from ledger.config import Settings
from ledger.documents import DocumentFacts
from ledger.documents.identifiers import member_legal_id
from ledger.errors import InvalidInput, LedgerError, LedgerStateError, NotFound
from ledger.fieldnames import path_text, sent_path
from ledger.network import Ledger, legal_id_hash, open_ledger
from ledger.services import documents as docs
from ledger.services import sellers
from ledger.services.documents import HashedForm
from ledger.services.roles import DocStatus, DocType, RevocationReason, Role, reason_name
from ledger.validationwords import rule_for
from ledger.words import UtcSeconds, named, utc_text

FORMAT: Literal["tradeledger.proof"] = "tradeledger.proof"
VERSION: Literal[1] = 1

Hex32 = Annotated[str, Field(pattern=r"^0x[0-9a-f]{64}$", description="32 bytes, 0x hex")]
Address = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{40}$", description="20 bytes, 0x hex")]
UnixSeconds = Annotated[int, Field(ge=0, description="Unix seconds (the block's time)")]
Block = Annotated[int, Field(ge=0)]
#: what a document hash was computed of (:class:`ledger.services.documents.HashedForm`)
HashedOf = Literal["file_bytes", "canonical_json"]
#: a registration's status by name (:class:`ledger.services.roles.DocStatus`)
StatusName = Literal["active", "revoked", "superseded"]

HASH_RULE = (
    "SHA-256 of the file's bytes; for a JSON document registered as a JSON form "
    "(POST /v1/documents/json), of its canonical JSON form (sorted keys, no whitespace, UTF-8)"
)
HOW_TO_CHECK = (
    "tradeledger doc verify-proof PROOF FILE --rpc URL (any JSON-RPC node of this chain). By "
    "hand: hash the file (document.hash); eth_chainId = network.chain_id; "
    "eth_getTransactionReceipt(registration.tx_hash) has a DocumentRegistered log of "
    "network.contract for document.doc_hash, in registration.block_hash; "
    "eth_getBlockByNumber(registration.block_number) has that hash and registration.timestamp; "
    "eth_call getDocument(doc_hash) on network.contract gives the status now. See docs/proofs.md."
)


class _Part(BaseModel):
    """Every part of a bundle: no field it does not name, and each value in its own JSON type —
    strict, as the API's bodies are read: a tryout's ``"timestamp": true`` was read as 1 and
    ``1796614384.0`` as the block's time (``VALID``); both are now refused naming the field. A
    time (``registered_at``) is RFC 3339 text, as the bundle writes it."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ProofHash(_Part):
    """How the document hash was computed from the file."""

    algorithm: Literal["sha-256"] = "sha-256"
    of: HashedOf | None = Field(
        description="file_bytes: of the file's bytes; canonical_json: of its canonical JSON "
        "form; null: the proof was made from the hash alone (a verifier tries both)"
    )
    rule: str = Field(description="the rule in words")


class ProofDocument(_Part):
    doc_hash: Hex32
    hash: ProofHash
    doc_type: str = Field(description="invoice, bill_of_lading, … as registered")
    file_name: str | None = Field(default=None, description="the file the proof was made from")
    size: int | None = Field(default=None, ge=1, description="its size in bytes")


class ProofNetwork(_Part):
    chain_id: int = Field(ge=1)
    contract: Address = Field(description="the TradeLedger contract (the document registry)")
    deployment_block: Block = Field(description="the block the contract was deployed in")


class ProofMember(_Part):
    """A member record as the chain holds it: none of these fields ever changes."""

    member_id: int = Field(ge=1)
    role: str
    legal_id_hash: Hex32 = Field(
        description="SHA-256 of the member's legal id (e.g. its LEI) in upper case without "
        "spaces; zero when none was given"
    )
    name: str | None = Field(description="the name the member was onboarded with (MemberAdded)")


class ProofRegistration(_Part):
    tx_hash: Hex32
    block_number: Block
    block_hash: Hex32
    log_index: int = Field(ge=0, description="the DocumentRegistered log's index in the block")
    timestamp: UnixSeconds
    registered_at: UtcSeconds = Field(description="the block's time, ISO 8601 UTC")
    signed_by: Address = Field(description="the account that signed the registration")
    registrant: ProofMember


class ProofEvent(_Part):
    tx_hash: Hex32
    block_number: Block
    block_hash: Hex32
    timestamp: UnixSeconds
    at: UtcSeconds


class ProofRevocation(ProofEvent):
    by: Address
    by_name: str | None
    reason_code: int = Field(ge=0, le=255)
    reason_name: str | None = Field(
        default=None,
        description="what reason_code means (RevocationReason; an undocumented code is its "
        "number); not checked against the chain — the code is",
    )


def _reason(code: int) -> str:
    """A revocation's reason code with its meaning: ``3 (cancelled_by_issuer)``."""
    return f"{code} ({reason_name(RevocationReason, code)})"


class ProofSupersession(ProofEvent):
    successor: Hex32 = Field(description="the amended document that replaced this one")
    by: Address


class ProofStatus(_Part):
    status: StatusName
    as_of_block: Block
    as_of_block_hash: Hex32
    as_of: UtcSeconds = Field(description="the as_of block's time")
    revocation: ProofRevocation | None = None
    supersession: ProofSupersession | None = None

    @model_validator(mode="after")
    def _says_why(self) -> ProofStatus:
        """A revoked status carries its revocation, a superseded one its supersession, and
        an active one neither."""
        if (self.status == "revoked") != (self.revocation is not None):
            raise ValueError("revocation is given exactly when status is revoked")
        if (self.status == "superseded") != (self.supersession is not None):
            raise ValueError("supersession is given exactly when status is superseded")
        return self


class ProofAttestation(ProofEvent):
    attestor: Address = Field(description="the account that signed the attestation")
    attestor_name: str | None
    evidence_hash: Hex32
    log_index: int = Field(ge=0)


class Proof(_Part):
    """A proof bundle (see the module docstring)."""

    format: Literal["tradeledger.proof"] = FORMAT
    version: Literal[1] = VERSION
    created_at: UtcSeconds
    document: ProofDocument
    network: ProofNetwork
    registration: ProofRegistration
    status: ProofStatus
    attestations: list[ProofAttestation]
    how_to_check: str = HOW_TO_CHECK

    @field_validator("version", mode="before")
    @classmethod
    def _version_is_a_number(cls, value: Any) -> Any:
        """``true`` equals 1 to a ``Literal[1]``, strict or not: refused as any other value."""
        if isinstance(value, bool):
            raise ValueError(f"must be {VERSION} (a JSON integer), not {json.dumps(value)}")
        return value


def parse_proof(text: str | bytes) -> Proof:
    """A proof from its JSON text. InvalidInput naming the first wrong field as the file writes
    it (``proof.registration.block_hash``) and the rule it broke in the gateway's words
    (:func:`proof_rule`), for anything that is not a version 1 proof: never pydantic's."""
    try:
        return Proof.model_validate_json(text)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        if error["type"] == "json_invalid":  # not JSON: one error, for the file as a whole
            reason = str((error.get("ctx") or {}).get("error") or "not JSON")
            raise InvalidInput(
                "proof",
                f"must be a proof bundle (JSON, format {FORMAT} version {VERSION}): invalid "
                f"JSON: {reason}",
                format=FORMAT,
                version=VERSION,
            ) from None
        try:
            sent: Any = json.loads(text)
        except ValueError:
            sent = None
        problems: list[dict[str, str]] = []
        for each in exc.errors(include_url=False):
            # named as the file writes it: ``proof.documents[0].x``, no union member of pydantic's
            parts = sent_path(tuple(each["loc"]), sent)
            where = path_text(parts)
            field = f"proof.{where}" if where else "proof"
            if field not in {p["field"] for p in problems}:
                problems.append({"field": field, "rule": proof_rule(each, parts, field)})
        first = problems[0]
        raise InvalidInput(
            first["field"], first["rule"], format=FORMAT, version=VERSION, problems=problems
        ) from None


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model a field's annotation holds (itself, or inside ``X | None``, ``list[X]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _part_at(parts: Sequence[str | int]) -> tuple[type[BaseModel], str]:
    """The part of a proof bundle (its model) at ``parts``, and its name in words: ``a proof
    bundle``, ``a proof bundle's registration.registrant``."""
    model: type[BaseModel] = Proof
    names: list[str | int] = []
    for part in parts:
        if isinstance(part, int):
            names.append(part)
            continue
        info = model.model_fields.get(part)
        inner = _model_of(info.annotation) if info is not None else None
        if inner is None:
            break
        model = inner
        names.append(part)
    where = path_text(names)
    return model, f"a proof bundle's {where}" if where else "a proof bundle"


def proof_rule(error: Mapping[str, Any], parts: Sequence[str | int], field: str) -> str:
    """The rule a proof bundle's field broke (one pydantic error at ``parts``), in words: an
    unknown field names the fields its part allows, a missing one says it is required of a
    version 1 bundle; the rest as the API says them (:func:`ledger.validationwords.rule_for`)."""
    kind = error.get("type")
    version = f"(format {FORMAT} version {VERSION})"
    if kind in ("extra_forbidden", "missing"):
        model, what = _part_at(parts[:-1])
        allowed = ", ".join(model.model_fields)
        if kind == "extra_forbidden":
            return f"is not a field of {what} {version}: allowed fields are {allowed}"
        return f"is required in {what} {version}, which has the fields {allowed}"
    rule = rule_for(error, field)
    if rule is not None:
        return rule
    return f"is not a value {field} takes in a proof bundle {version} (see docs/proofs.md)"


# -- reading the chain -------------------------------------------------------------------------


def _hex(value: Any) -> str:
    return "0x" + bytes(HexBytes(value)).hex()


def _when(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class ChainReader:
    """The reads a proof is made and checked with, on one contract through one ``Web3`` (any
    node; standard calls only). ``at``: the block the contract calls and log queries stop at
    (``latest`` by default), so that a proof is one consistent snapshot."""

    def __init__(self, w3: Web3, contract: str, at: int | str = "latest") -> None:
        self.w3 = w3
        self.at = at
        self.contract: Contract = w3.eth.contract(
            address=Web3.to_checksum_address(contract), abi=load_artifact("TradeLedger")["abi"]
        )

    def chain_id(self) -> int:
        return int(self.w3.eth.chain_id)

    def block(self, number: int | Literal["latest"]) -> Any | None:
        try:
            return self.w3.eth.get_block(number)
        except BlockNotFound:
            return None

    def receipt(self, tx_hash: str) -> Any | None:
        try:
            return self.w3.eth.get_transaction_receipt(HexBytes(tx_hash))
        except TransactionNotFound:
            return None

    def call(self, name: str, *args: Any) -> Any:
        return getattr(self.contract.functions, name)(*args).call(block_identifier=self.at)

    def logs(self, event: str, from_block: int, **filters: Any) -> list[Any]:
        found = getattr(self.contract.events, event)().get_logs(
            argument_filters=filters or None, from_block=from_block, to_block=self.at
        )
        return sorted(found, key=lambda log: (int(log["blockNumber"]), int(log["logIndex"])))

    def events_in(self, receipt: Any, event: str) -> list[Any]:
        """The ``event`` logs of *any* contract in ``receipt`` (``address`` says whose)."""
        kind = getattr(self.contract.events, event)()
        topic = bytes(HexBytes(kind.topic))
        out = []
        for log in receipt["logs"]:
            if log["topics"] and bytes(HexBytes(log["topics"][0])) == topic:
                with contextlib.suppress(Exception):
                    out.append(kind.process_log(log))
        return out

    def member_by_id(self, member_id: int) -> tuple[int, str, Role, bool, str]:
        """(id, current account, role, active, legal-id hash) of member ``member_id``."""
        mid, account, role, active, legal = self.call("memberById", member_id)
        return int(mid), str(account), Role(role), bool(active), _hex(legal)

    def member_id_of(self, address: str, from_block: int) -> int:
        """The member id of ``address``, also after that key was rotated away (0: none)."""
        current = int(self.call("memberOf", Web3.to_checksum_address(address))[0])
        if current:
            return current
        rotated = self.logs(
            "MemberKeyRotated", from_block, oldAccount=Web3.to_checksum_address(address)
        )
        return int(rotated[-1]["args"]["memberId"]) if rotated else 0

    def member_name(self, member_id: int, from_block: int) -> str | None:
        """The name member ``member_id`` was onboarded with (None: none given)."""
        added = self.logs("MemberAdded", from_block, memberId=member_id)
        return (str(added[0]["args"]["name"]) or None) if added else None

    def name_of(self, address: str, from_block: int) -> str | None:
        member_id = self.member_id_of(address, from_block)
        return self.member_name(member_id, from_block) if member_id else None


# -- making a proof ----------------------------------------------------------------------------


def make_proof(
    ledger: Ledger,
    doc_hash: bytes,
    hashed: HashedForm | None = None,
    file_name: str | None = None,
    size: int | None = None,
) -> Proof:
    """The proof of ``doc_hash`` as the chain holds it now (one snapshot: every read at the
    head block when it starts). ``hashed``: what the hash is of, when the caller hashed a file
    (None: made from the hash alone); ``file_name``, ``size``: that file's.

    Raises NotFound when the document is not registered; chain errors as ``ledger.errors``.
    """
    from ledger.tx import translate

    try:
        return _make_proof(ledger, doc_hash, hashed, file_name, size)
    except LedgerError:
        raise
    except Exception as exc:
        raise translate(exc) from None


def _make_proof(
    ledger: Ledger,
    doc_hash: bytes,
    hashed: HashedForm | None,
    file_name: str | None,
    size: int | None,
) -> Proof:
    head = ledger.w3.eth.get_block("latest")
    at = int(head["number"])
    chain = ChainReader(ledger.w3, ledger.manifest.contract_address, at)
    deployed = int(chain.call("deploymentBlock"))
    record = chain.call("getDocument", doc_hash)
    if DocStatus(record[4]) is DocStatus.NONE:
        raise NotFound(
            f"document {docs.hex32(doc_hash)} is not registered", doc_hash=docs.hex32(doc_hash)
        )
    registered = chain.logs("DocumentRegistered", deployed, docHash=doc_hash)
    if not registered:
        raise LedgerStateError(
            f"document {docs.hex32(doc_hash)} is on chain without its registration event",
            doc_hash=docs.hex32(doc_hash),
        )
    log = registered[0]
    since = int(log["blockNumber"])
    block = _block_or_fail(chain, since)
    member_id, _, role, _, legal = chain.member_by_id(int(record[1]))
    status = DocStatus(record[4])
    return Proof(
        created_at=datetime.now(UTC).replace(microsecond=0),
        document=ProofDocument(
            doc_hash=docs.hex32(doc_hash),
            hash=ProofHash(
                of=cast("HashedOf", hashed.value) if hashed is not None else None,
                rule=hashed.description if hashed is not None else HASH_RULE,
            ),
            doc_type=DocType(record[3]).name.lower(),
            file_name=file_name,
            size=size,
        ),
        network=ProofNetwork(
            chain_id=chain.chain_id(),
            contract=Web3.to_checksum_address(ledger.manifest.contract_address),
            deployment_block=deployed,
        ),
        registration=ProofRegistration(
            tx_hash=_hex(log["transactionHash"]),
            block_number=since,
            block_hash=_hex(block["hash"]),
            log_index=int(log["logIndex"]),
            timestamp=int(block["timestamp"]),
            registered_at=_when(int(block["timestamp"])),
            signed_by=Web3.to_checksum_address(log["args"]["registrant"]),
            registrant=ProofMember(
                member_id=member_id,
                role=role.name.lower(),
                legal_id_hash=legal,
                name=chain.member_name(member_id, deployed),
            ),
        ),
        status=ProofStatus(
            status=cast("StatusName", status.name.lower()),  # ACTIVE, REVOKED or SUPERSEDED
            as_of_block=at,
            as_of_block_hash=_hex(head["hash"]),
            as_of=_when(int(head["timestamp"])),
            revocation=_revocation(chain, doc_hash, since) if status is DocStatus.REVOKED else None,
            supersession=(
                _supersession(chain, doc_hash, since) if status is DocStatus.SUPERSEDED else None
            ),
        ),
        attestations=[
            ProofAttestation(
                **_event_fields(chain, a),
                attestor=Web3.to_checksum_address(a["args"]["attestor"]),
                attestor_name=chain.name_of(a["args"]["attestor"], deployed),
                evidence_hash=_hex(a["args"]["evidenceHash"]),
                log_index=int(a["logIndex"]),
            )
            for a in chain.logs("DocumentAttested", since, docHash=doc_hash)
        ],
    )


def _event_fields(chain: ChainReader, log: Any) -> dict[str, Any]:
    block = _block_or_fail(chain, int(log["blockNumber"]))
    return {
        "tx_hash": _hex(log["transactionHash"]),
        "block_number": int(log["blockNumber"]),
        "block_hash": _hex(block["hash"]),
        "timestamp": int(block["timestamp"]),
        "at": _when(int(block["timestamp"])),
    }


def _revocation(chain: ChainReader, doc_hash: bytes, since: int) -> ProofRevocation | None:
    found = chain.logs("DocumentRevoked", since, docHash=doc_hash)
    if not found:
        return None
    log = found[-1]
    by = Web3.to_checksum_address(log["args"]["by"])
    return ProofRevocation(
        **_event_fields(chain, log),
        by=by,
        by_name=chain.name_of(by, since),
        reason_code=int(log["args"]["reasonCode"]),
        reason_name=reason_name(RevocationReason, int(log["args"]["reasonCode"])),
    )


def _supersession(chain: ChainReader, doc_hash: bytes, since: int) -> ProofSupersession | None:
    found = chain.logs("DocumentSuperseded", since, oldDocHash=doc_hash)
    if not found:
        return None
    log = found[-1]
    return ProofSupersession(
        **_event_fields(chain, log),
        successor=_hex(log["args"]["newDocHash"]),
        by=Web3.to_checksum_address(log["args"]["by"]),
    )


# -- checking a proof --------------------------------------------------------------------------


class Outcome(StrEnum):
    """What a checked proof says about the file, in one word (see :data:`PRECEDENCE`)."""

    ACTIVE = "active"
    NOT_REGISTERED = "not_registered"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    WRONG_FILE = "wrong_file"
    WRONG_CHAIN = "wrong_chain"
    WRONG_CONTRACT = "wrong_contract"
    UNKNOWN_TRANSACTION = "unknown_transaction"
    BLOCK_MISMATCH = "block_mismatch"
    RECORD_MISMATCH = "record_mismatch"
    WRONG_REGISTRANT = "wrong_registrant"


#: the answer is the first of these that a check found (else ACTIVE): a proof of another chain
#: or contract first (nothing else in it can be checked there), then a proof the chain
#: contradicts, then a file that is not the document, then the document's status
PRECEDENCE = (
    Outcome.WRONG_CHAIN,
    Outcome.WRONG_CONTRACT,
    Outcome.UNKNOWN_TRANSACTION,
    Outcome.BLOCK_MISMATCH,
    Outcome.RECORD_MISMATCH,
    Outcome.WRONG_FILE,
    Outcome.WRONG_REGISTRANT,
    Outcome.NOT_REGISTERED,
    Outcome.REVOKED,
    Outcome.SUPERSEDED,
)

OUTCOME_WORDS = {
    Outcome.ACTIVE: "VALID: registered, unaltered and active",
    Outcome.NOT_REGISTERED: "NOT REGISTERED: the contract holds no such document",
    Outcome.REVOKED: "REVOKED: the document was revoked (do not rely on it)",
    Outcome.SUPERSEDED: "SUPERSEDED: an amended document replaced it (do not rely on this one)",
    Outcome.WRONG_FILE: "WRONG FILE: the file is not the document of the proof (another file, "
    "or this one altered)",
    Outcome.WRONG_CHAIN: "WRONG CHAIN: the node is on another chain than the proof",
    Outcome.WRONG_CONTRACT: "WRONG CONTRACT: the proof does not name the registry you expect, or "
    "no such registry answers there",
    Outcome.UNKNOWN_TRANSACTION: "UNKNOWN TRANSACTION: the chain has no such registration "
    "transaction",
    Outcome.BLOCK_MISMATCH: "BLOCK MISMATCH: the chain's block differs from the proof's",
    Outcome.RECORD_MISMATCH: "FALSE PROOF: the chain's record differs from the proof's",
    Outcome.WRONG_REGISTRANT: "WRONG REGISTRANT: the registrant is not the legal id you expect",
}


@dataclass(frozen=True)
class Check:
    """One part of a proof checked: ``holds`` True, False, or None when it could not be
    checked (an earlier check failed); ``says`` in words; ``outcome``: what a failure means."""

    name: str
    holds: bool | None
    says: str
    outcome: Outcome | None = None


@dataclass(frozen=True)
class ProofCheck:
    """Every check of one proof against one file and one node, and the answer."""

    proof: Proof
    node: str
    checks: tuple[Check, ...]
    #: what of the file matched the document hash (None: neither form)
    hashed: HashedForm | None
    #: the document's status on chain now (None: not read)
    status: DocStatus | None
    #: the current version of a superseded document and its status, as the chain holds them now
    current_version: str | None = None
    current_status: DocStatus | None = None
    notes: tuple[str, ...] = ()
    #: whether the registrant is shown to be the seller the file names (its legal-id hash on
    #: chain is one of the seller's identifiers in the file: :mod:`ledger.services.sellers`);
    #: None: not compared — the file names no seller, or is not the proof's document
    registrant_is_seller: bool | None = None

    @property
    def outcome(self) -> Outcome:
        failed = {c.outcome for c in self.checks if c.holds is False and c.outcome is not None}
        return next((o for o in PRECEDENCE if o in failed), Outcome.ACTIVE)

    @property
    def valid(self) -> bool:
        """Registered, unaltered and active: the only answer to rely on."""
        return self.outcome is Outcome.ACTIVE

    def summary(self) -> dict[str, Any]:
        """JSON-ready: outcome, valid, doc_hash, hashed, node, status, current_version,
        current_status, checks (name, holds, says), notes."""
        return {
            "outcome": self.outcome.value,
            "valid": self.valid,
            "says": OUTCOME_WORDS[self.outcome],
            "doc_hash": self.proof.document.doc_hash,
            "hashed": self.hashed.value if self.hashed is not None else None,
            "chain_id": self.proof.network.chain_id,
            "contract": self.proof.network.contract,
            "node": self.node,
            "status": self.status.name.lower() if self.status is not None else None,
            "current_version": self.current_version,
            "current_status": (
                self.current_status.name.lower() if self.current_status is not None else None
            ),
            "checks": [
                {
                    "check": c.name,
                    "holds": c.holds,
                    "says": c.says,
                    "outcome": c.outcome.value if c.outcome is not None else None,
                }
                for c in self.checks
            ],
            "notes": list(self.notes),
            "registrant_is_seller": self.registrant_is_seller,
        }


class _Checks:
    """Collects checks; a check's failure names its outcome."""

    def __init__(self) -> None:
        self.done: list[Check] = []
        self.notes: list[str] = []
        self.registrant_is_seller: bool | None = None

    def ok(self, name: str, says: str) -> None:
        self.done.append(Check(name, True, says))

    def fail(self, name: str, outcome: Outcome, says: str) -> None:
        self.done.append(Check(name, False, says, outcome))

    def skip(self, names: tuple[str, ...], why: str) -> None:
        self.done += [Check(name, None, f"not checked: {why}") for name in names]

    def failed(self) -> bool:
        return any(c.holds is False for c in self.done)


CHAIN_CHECKS = (
    "contract",
    "transaction",
    "registration",
    "block",
    "record",
    "registrant",
    "attestations",
    "status",
)


def verify_proof(
    w3: Web3,
    proof: Proof,
    data: bytes,
    *,
    node: str = "the node",
    expected_contract: str | None = None,
    expected_legal_id: str | None = None,
) -> ProofCheck:
    """Check ``proof`` against the file ``data`` and the chain behind ``w3`` (standard calls
    only), naming what holds and what does not (see the module docstring).

    ``node``: how to name the chain in the answer; ``expected_contract``: the registry's address
    as the consortium publishes it (a proof naming another is WRONG_CONTRACT);
    ``expected_legal_id``: the registrant's legal id (e.g. LEI) you expect.

    Raises InvalidInput for an empty or too large file or a malformed expected address;
    ChainUnavailable when the node cannot be reached.
    """
    from ledger.tx import translate

    try:
        return _verify(w3, proof, data, node, expected_contract, expected_legal_id)
    except LedgerError:
        raise
    except Exception as exc:
        raise translate(exc) from None


def _file_check(c: _Checks, proof: Proof, data: bytes) -> HashedForm | None:
    raw = docs.file_hash(data)
    forms: list[tuple[HashedForm, bytes]] = [(HashedForm.FILE_BYTES, raw)]
    canonical = docs.canonical_form(data)
    if canonical is not None and canonical != data:
        forms.append((HashedForm.CANONICAL_JSON, hashlib.sha256(canonical).digest()))
    document = proof.document
    want = document.doc_hash
    for form, digest in forms:
        if docs.hex32(digest) == want:
            c.ok("file", f"the {form.description} is the proof's document {want}")
            if document.hash.of is not None and document.hash.of != form.value:
                c.notes.append(
                    f"the proof says its hash is of the {document.hash.of}; this file matched "
                    f"by its {form.value} (the same content)"
                )
            if form is HashedForm.FILE_BYTES and document.size not in (None, len(data)):
                c.notes.append(f"the proof says {document.size} bytes; the file has {len(data)}")
            return form
    tried = ", ".join(f"{form.description} is {docs.hex32(d)}" for form, d in forms)
    c.fail(
        "file",
        Outcome.WRONG_FILE,
        f"the file is not the proof's document {want}: its {tried} (another file, or this "
        "one altered)",
    )
    return None


def _verify(
    w3: Web3,
    proof: Proof,
    data: bytes,
    node: str,
    expected_contract: str | None,
    expected_legal_id: str | None,
) -> ProofCheck:
    c = _Checks()
    hashed = _file_check(c, proof, data)
    net = proof.network
    chain = ChainReader(w3, net.contract)
    chain_id = chain.chain_id()
    if chain_id != net.chain_id:
        c.fail(
            "chain",
            Outcome.WRONG_CHAIN,
            f"{node} is chain {chain_id}; the proof is of chain {net.chain_id}: check it "
            f"against a node of chain {net.chain_id}",
        )
        c.skip(CHAIN_CHECKS, "wrong chain")
        return ProofCheck(proof, node, tuple(c.done), hashed, None, notes=tuple(c.notes))
    c.ok("chain", f"{node} is chain {chain_id}, as the proof says")
    if proof.created_at < proof.registration.registered_at:
        # the maker's own word, which no chain can check (a node's block times may also run
        # ahead of the clock): said, never a failed check — a tryout read VALID beside 1999
        c.notes.append(
            f"the proof says it was made at {utc_text(proof.created_at)}, before the "
            f"registration it proves ({utc_text(proof.registration.registered_at)}): its "
            "created_at is wrong — the maker's own word, not checked on chain"
        )
    if not _contract_check(c, chain, proof, node, expected_contract):
        c.skip(CHAIN_CHECKS[1:], "wrong contract")
        return ProofCheck(proof, node, tuple(c.done), hashed, None, notes=tuple(c.notes))
    _registration_checks(c, chain, proof)
    facts = sellers.file_facts(data) if hashed is not None else None
    registered = _record_checks(c, chain, proof, expected_legal_id, facts)
    _attestation_check(c, chain, proof, net.deployment_block)
    status, current, current_status = None, None, None
    if registered is not None:
        status, current, current_status = _status_check(
            c, chain, proof, registered, bytes.fromhex(proof.document.doc_hash[2:])
        )
    else:
        c.skip(("status",), "the document is not registered")
    return ProofCheck(
        proof,
        node,
        tuple(c.done),
        hashed,
        status,
        current_version=current,
        current_status=current_status,
        notes=tuple(c.notes),
        registrant_is_seller=c.registrant_is_seller,
    )


def _contract_check(
    c: _Checks, chain: ChainReader, proof: Proof, node: str, expected: str | None
) -> bool:
    net = proof.network
    if expected is not None:
        try:
            wanted = Web3.to_checksum_address(expected)
        except ValueError:
            raise InvalidInput("contract", "must be a 20-byte hex address") from None
        if wanted != Web3.to_checksum_address(net.contract):
            c.fail(
                "contract",
                Outcome.WRONG_CONTRACT,
                f"the proof names contract {net.contract}; the registry you expect is {wanted}",
            )
            return False
    try:
        deployed = int(chain.call("deploymentBlock"))
    except (BadFunctionCallOutput, ContractLogicError, ValueError):
        c.fail(
            "contract",
            Outcome.WRONG_CONTRACT,
            f"no tradeledger registry answers at {net.contract} on {node}",
        )
        return False
    if deployed != net.deployment_block:
        c.fail(
            "contract",
            Outcome.WRONG_CONTRACT,
            f"the registry at {net.contract} was deployed in block {deployed}; the proof says "
            f"{net.deployment_block}",
        )
        return False
    pinned = " (the registry you expect)" if expected is not None else ""
    c.ok(
        "contract",
        f"a tradeledger registry deployed in block {deployed} answers at {net.contract}{pinned}",
    )
    return True


def _registration_checks(c: _Checks, chain: ChainReader, proof: Proof) -> None:
    """transaction (known, succeeded, in the proof's block), registration (its log names the
    document, the signer, from the proof's contract) and block (hash and time)."""
    reg = proof.registration
    receipt = chain.receipt(reg.tx_hash)
    if receipt is None:
        c.fail(
            "transaction",
            Outcome.UNKNOWN_TRANSACTION,
            f"no transaction {reg.tx_hash} on this chain (a false proof, or a node not yet "
            f"synced to block {reg.block_number})",
        )
        c.skip(("registration",), "unknown transaction")
    else:
        _transaction_check(c, chain, proof, receipt)
    block = chain.block(reg.block_number)
    problems: list[str] = []
    if block is None:
        problems.append(f"the chain has no block {reg.block_number} (yet)")
    else:
        if _hex(block["hash"]) != reg.block_hash:
            problems.append(
                f"block {reg.block_number}'s hash is {_hex(block['hash'])}, the proof says "
                f"{reg.block_hash}"
            )
        if int(block["timestamp"]) != reg.timestamp:
            problems.append(
                f"block {reg.block_number}'s time is {int(block['timestamp'])} "
                f"({utc_text(int(block['timestamp']))}), the proof says {reg.timestamp}"
            )
    if reg.registered_at != _when(reg.timestamp):
        problems.append(
            f"the proof's registered_at {utc_text(reg.registered_at)} is not its timestamp "
            f"{reg.timestamp} ({utc_text(reg.timestamp)})"
        )
    if problems:
        c.fail("block", Outcome.BLOCK_MISMATCH, "; ".join(problems))
    else:
        c.ok(
            "block",
            f"block {reg.block_number} has hash {reg.block_hash} and time "
            f"{utc_text(reg.registered_at)}, as the proof says",
        )


def _transaction_check(c: _Checks, chain: ChainReader, proof: Proof, receipt: Any) -> None:
    reg = proof.registration
    doc = proof.document.doc_hash
    contract = Web3.to_checksum_address(proof.network.contract)
    where = (int(receipt["blockNumber"]), _hex(receipt["blockHash"]))
    if where != (reg.block_number, reg.block_hash):
        c.fail(
            "transaction",
            Outcome.BLOCK_MISMATCH,
            f"transaction {reg.tx_hash} is in block {where[0]} ({where[1]}); the proof says "
            f"block {reg.block_number} ({reg.block_hash})",
        )
    elif int(receipt["status"]) != 1:
        c.fail(
            "transaction",
            Outcome.RECORD_MISMATCH,
            f"transaction {reg.tx_hash} failed (status 0): it registered nothing",
        )
        c.skip(("registration",), "the transaction failed")
        return
    else:
        c.ok("transaction", f"transaction {reg.tx_hash} succeeded in block {reg.block_number}")
    logs = chain.events_in(receipt, "DocumentRegistered")
    mine = [log for log in logs if _hex(log["args"]["docHash"]) == doc]
    if not mine:
        named = ", ".join(_hex(log["args"]["docHash"]) for log in logs) or "no document"
        c.fail(
            "registration",
            Outcome.RECORD_MISMATCH,
            f"transaction {reg.tx_hash} does not register {doc} (it registers {named})",
        )
        return
    log = mine[0]
    if Web3.to_checksum_address(log["address"]) != contract:
        c.fail(
            "registration",
            Outcome.WRONG_CONTRACT,
            f"{doc} was registered by the contract at {log['address']}, not the proof's {contract}",
        )
        return
    problems = []
    signer = Web3.to_checksum_address(log["args"]["registrant"])
    if signer != Web3.to_checksum_address(reg.signed_by):
        problems.append(f"it was signed by {signer}, the proof says {reg.signed_by}")
    if int(log["logIndex"]) != reg.log_index:
        problems.append(f"its log index is {int(log['logIndex'])}, the proof says {reg.log_index}")
    registered_as = DocType(int(log["args"]["docType"])).name.lower()
    if registered_as != proof.document.doc_type:
        problems.append(
            f"it was registered as {registered_as}, the proof says {proof.document.doc_type}"
        )
    if problems:
        c.fail(
            "registration",
            Outcome.RECORD_MISMATCH,
            f"the registration of {doc}: " + "; ".join(problems),
        )
    else:
        c.ok(
            "registration",
            f"the transaction registers {doc} as {registered_as} on contract {contract}, "
            f"signed by {signer}",
        )


def _record_checks(
    c: _Checks,
    chain: ChainReader,
    proof: Proof,
    expected_legal_id: str | None,
    facts: DocumentFacts | None = None,
) -> DocStatus | None:
    """record (the contract's record of the document) and registrant (its member record).
    Returns the document's status now (None: not registered)."""
    reg = proof.registration
    doc_hash = bytes.fromhex(proof.document.doc_hash[2:])
    raw = chain.call("getDocument", doc_hash)
    status = DocStatus(raw[4])
    if status is DocStatus.NONE:
        c.fail(
            "record",
            Outcome.NOT_REGISTERED,
            f"contract {proof.network.contract} holds no document {proof.document.doc_hash}",
        )
        c.skip(("registrant",), "the document is not registered")
        return None
    problems = []
    if int(raw[2]) != reg.timestamp:
        problems.append(f"registered at {int(raw[2])}, the proof says {reg.timestamp}")
    if int(raw[1]) != reg.registrant.member_id:
        problems.append(
            f"registered by member {int(raw[1])}, the proof says {reg.registrant.member_id}"
        )
    if DocType(raw[3]).name.lower() != proof.document.doc_type:
        problems.append(
            f"of type {DocType(raw[3]).name.lower()}, the proof says {proof.document.doc_type}"
        )
    if problems:
        c.fail("record", Outcome.RECORD_MISMATCH, "the contract's record: " + "; ".join(problems))
    else:
        c.ok(
            "record",
            # the contract's own time, never the bundle's text (a tryout forged the bundle's
            # registered_at and read it here, under "holds"; the block check fails it)
            f"the contract holds {proof.document.doc_hash}, registered by member "
            f"{int(raw[1])} at {utc_text(int(raw[2]))}",
        )
    _registrant_check(c, chain, proof, int(raw[1]), expected_legal_id, facts)
    return status


def _legal_id_hash_of(legal_id: str) -> str:
    """The on-chain hash of ``legal_id`` as a member's is made: of its canonical form when it
    reads as a legal id (``identifiers.member_legal_id``: ``NL8200.98.395.B.01`` is
    ``NL820098395B01``, as ``member add`` stored it — tryout 80's counterparty read WRONG
    REGISTRANT with the VAT id as printed on the invoice), else of the text as given."""
    canonical, _ = member_legal_id(legal_id)
    return docs.hex32(legal_id_hash(canonical or legal_id))


def _registrant_check(
    c: _Checks,
    chain: ChainReader,
    proof: Proof,
    member_id: int,
    expected_legal_id: str | None,
    facts: DocumentFacts | None = None,
) -> None:
    claimed = proof.registration.registrant
    mid, account, role, active, legal = chain.member_by_id(member_id)
    deployed = proof.network.deployment_block
    name = chain.member_name(mid, deployed)
    problems = []
    if mid != claimed.member_id:
        problems.append(f"member {mid}, the proof says {claimed.member_id}")
    if role.name.lower() != claimed.role:
        problems.append(f"role {role.name.lower()}, the proof says {claimed.role}")
    if legal != claimed.legal_id_hash:
        problems.append(f"legal-id hash {legal}, the proof says {claimed.legal_id_hash}")
    if name != claimed.name:
        problems.append(f"name {name!r}, the proof says {claimed.name!r}")
    signer = proof.registration.signed_by
    if Web3.to_checksum_address(signer) != Web3.to_checksum_address(account):
        if chain.member_id_of(signer, deployed) != mid:
            problems.append(f"the signer {signer} is not a key of member {mid}")
        else:
            c.notes.append(f"member {mid} has rotated its key since: it signs as {account} now")
    if not active:
        c.notes.append(f"member {mid} ({name}) is suspended now")
    if problems:
        c.fail("registrant", Outcome.RECORD_MISMATCH, "the registrant is " + "; ".join(problems))
        return
    expected_hash = _legal_id_hash_of(expected_legal_id) if expected_legal_id is not None else None
    if expected_legal_id is not None and legal != expected_hash:
        c.fail(
            "registrant",
            Outcome.WRONG_REGISTRANT,
            f"member {mid} ({name}) has legal-id hash {legal}, not that of "
            f"{expected_legal_id!r} ({expected_hash})",
        )
        return
    whose = f", the hash of {expected_legal_id!r}" if expected_legal_id is not None else ""
    c.ok(
        "registrant",
        f"member {mid} is {role.name.lower()} {name!r} with legal-id hash {legal}{whose}",
    )
    _seller_note(c, bytes.fromhex(legal[2:]), f"member {mid} ({name})", facts)


def _seller_note(c: _Checks, legal: bytes, registrant: str, facts: DocumentFacts | None) -> None:
    """Whether the registrant, whose legal-id hash on chain is ``legal``, is shown to be the
    seller the file (read as ``facts``) names, as a note: a proof shows who registered the
    hash and when — never, by itself, that the document is the registrant's."""
    if facts is None or facts.seller is None:
        return
    shown = sellers.seller_check(legal, facts, "this file")
    c.registrant_is_seller = shown.is_seller
    if shown.is_seller:
        c.notes.append(f"{registrant} is shown to be the document's seller: {shown.reason}")
    else:
        c.notes.append(
            f"{registrant} is NOT SHOWN TO BE THE DOCUMENT'S SELLER: {shown.reason}; the proof "
            "shows who registered the hash and when, not that the document is theirs"
        )


def _status_check(
    c: _Checks, chain: ChainReader, proof: Proof, status: DocStatus, doc_hash: bytes
) -> tuple[DocStatus, str | None, DocStatus | None]:
    claimed = proof.status
    since = proof.registration.block_number
    problems = []
    as_of = chain.block(claimed.as_of_block)
    if as_of is None or _hex(as_of["hash"]) != claimed.as_of_block_hash:
        c.fail(
            "status",
            Outcome.BLOCK_MISMATCH,
            f"the proof's status is as of block {claimed.as_of_block} "
            f"({claimed.as_of_block_hash}), which this chain does not have",
        )
        return status, None, None
    if claimed.as_of != _when(int(as_of["timestamp"])):
        problems.append(
            f"block {claimed.as_of_block}'s time is {utc_text(int(as_of['timestamp']))}, "
            f"the proof says {utc_text(claimed.as_of)}"
        )
    revoked = chain.logs("DocumentRevoked", since, docHash=doc_hash)
    superseded = chain.logs("DocumentSuperseded", since, oldDocHash=doc_hash)
    ended = (revoked or superseded or [None])[-1]
    ended_at = int(ended["blockNumber"]) if ended is not None else None
    if claimed.status == "active" and ended_at is not None and ended_at <= claimed.as_of_block:
        problems.append(
            f"the document was {status.name.lower()} in block {ended_at}, before the proof's "
            f"block {claimed.as_of_block}, where the proof says active"
        )
    if claimed.status != "active" and claimed.status != status.name.lower():
        problems.append(f"it is {status.name.lower()}, the proof says {claimed.status}")
    problems += _claimed_event_problems(chain, claimed.revocation, revoked, "revocation")
    problems += _claimed_event_problems(chain, claimed.supersession, superseded, "supersession")
    stated = claimed.revocation or claimed.supersession
    if stated is not None and stated.block_number > claimed.as_of_block:
        problems.append(
            f"the proof says {claimed.status} as of block {claimed.as_of_block}, by an event of "
            f"the later block {stated.block_number}"
        )
    if problems:
        c.fail("status", Outcome.RECORD_MISMATCH, "the status: " + "; ".join(problems))
        return status, None, None
    current: str | None = None
    current_status: DocStatus | None = None
    if status is DocStatus.ACTIVE:
        c.ok("status", "active now: not revoked, not superseded")
    elif status is DocStatus.REVOKED:
        log = revoked[-1]
        by = Web3.to_checksum_address(log["args"]["by"])
        name = chain.name_of(by, proof.network.deployment_block)
        when = _when(int(_block_or_fail(chain, int(log["blockNumber"]))["timestamp"]))
        since_word = " since the proof was made" if claimed.status == "active" else ""
        c.fail(
            "status",
            Outcome.REVOKED,
            f"revoked{since_word}: by {named(by, name)} in block {int(log['blockNumber'])} at "
            f"{utc_text(when)}, reason code {_reason(int(log['args']['reasonCode']))}",
        )
    else:
        successor = _hex(chain.call("successorOf", doc_hash))
        current, current_status = _current_version(chain, successor)
        since_word = " since the proof was made" if claimed.status == "active" else ""
        c.fail(
            "status",
            Outcome.SUPERSEDED,
            f"superseded{since_word} by {successor} in block "
            f"{int(superseded[-1]['blockNumber']) if superseded else '?'}; current version "
            f"{current} is {current_status.name.lower()}",
        )
    return status, current, current_status


def _block_or_fail(chain: ChainReader, number: int) -> Any:
    block = chain.block(number)
    if block is None:
        raise LedgerStateError(f"block {number} of a log is not on the chain")
    return block


def _current_version(chain: ChainReader, successor: str) -> tuple[str, DocStatus]:
    from ledger.services.verify import MAX_SUCCESSORS

    current = successor
    status = DocStatus(chain.call("getDocument", bytes.fromhex(current[2:]))[4])
    for _ in range(MAX_SUCCESSORS):
        if status is not DocStatus.SUPERSEDED:
            break
        current = _hex(chain.call("successorOf", bytes.fromhex(current[2:])))
        status = DocStatus(chain.call("getDocument", bytes.fromhex(current[2:]))[4])
    return current, status


def _claimed_event_problems(
    chain: ChainReader,
    claimed: ProofRevocation | ProofSupersession | None,
    logs: list[Any],
    what: str,
) -> list[str]:
    """What is wrong with a revocation or supersession the proof states (none stated: none)."""
    if claimed is None:
        return []
    match = [log for log in logs if _hex(log["transactionHash"]) == claimed.tx_hash]
    if not match:
        return [f"the proof's {what} {claimed.tx_hash} is not on this chain"]
    log = match[-1]
    problems = []
    block = chain.block(int(log["blockNumber"]))
    if (
        int(log["blockNumber"]) != claimed.block_number
        or block is None
        or _hex(block["hash"]) != claimed.block_hash
        or int(block["timestamp"]) != claimed.timestamp
        or claimed.at != _when(claimed.timestamp)
    ):
        problems.append(f"the {what}'s block or time differs from the proof's")
    if Web3.to_checksum_address(log["args"]["by"]) != Web3.to_checksum_address(claimed.by):
        problems.append(
            f"the {what} was signed by {log['args']['by']}, the proof says {claimed.by}"
        )
    if isinstance(claimed, ProofRevocation):
        if int(log["args"]["reasonCode"]) != claimed.reason_code:
            problems.append(
                f"the reason code is {_reason(int(log['args']['reasonCode']))}, the proof "
                f"says {_reason(claimed.reason_code)}"
            )
    elif _hex(log["args"]["newDocHash"]) != claimed.successor:
        problems.append(
            f"the successor is {_hex(log['args']['newDocHash'])}, the proof says "
            f"{claimed.successor}"
        )
    return problems


def _attestation_check(c: _Checks, chain: ChainReader, proof: Proof, deployed: int) -> None:
    doc = proof.document.doc_hash
    problems = []
    for i, a in enumerate(proof.attestations):
        receipt = chain.receipt(a.tx_hash)
        found = [
            log
            for log in (chain.events_in(receipt, "DocumentAttested") if receipt else [])
            if Web3.to_checksum_address(log["address"])
            == Web3.to_checksum_address(proof.network.contract)
            and _hex(log["args"]["docHash"]) == doc
            and int(log["logIndex"]) == a.log_index
        ]
        if not found:
            problems.append(
                f"attestations[{i}]: transaction {a.tx_hash} does not attest {doc} "
                f"at log {a.log_index}"
            )
            continue
        log = found[0]
        block = chain.block(a.block_number)
        if (
            int(log["blockNumber"]) != a.block_number
            or block is None
            or _hex(block["hash"]) != a.block_hash
            or int(block["timestamp"]) != a.timestamp
            or a.at != _when(a.timestamp)
        ):
            problems.append(f"attestations[{i}]: its block or time differs from the proof's")
        if Web3.to_checksum_address(log["args"]["attestor"]) != Web3.to_checksum_address(
            a.attestor
        ):
            problems.append(
                f"attestations[{i}]: signed by {log['args']['attestor']}, the proof "
                f"says {a.attestor}"
            )
        if _hex(log["args"]["evidenceHash"]) != a.evidence_hash:
            problems.append(
                f"attestations[{i}]: evidence {_hex(log['args']['evidenceHash'])}, "
                f"the proof says {a.evidence_hash}"
            )
        name = chain.name_of(a.attestor, deployed)
        if name != a.attestor_name:
            problems.append(
                f"attestations[{i}]: the attestor is {name!r}, the proof says {a.attestor_name!r}"
            )
    if problems:
        c.fail("attestations", Outcome.RECORD_MISMATCH, "; ".join(problems))
    else:
        n = len(proof.attestations)
        c.ok(
            "attestations",
            f"{n} attestation{'' if n == 1 else 's'} of the proof, each on chain as the proof says"
            if n
            else "the proof lists no attestation",
        )
    listed = {(a.tx_hash, a.log_index) for a in proof.attestations}
    later = [
        log
        for log in chain.logs(
            "DocumentAttested", proof.registration.block_number, docHash=bytes.fromhex(doc[2:])
        )
        if (_hex(log["transactionHash"]), int(log["logIndex"])) not in listed
    ]
    for log in later:
        attestor = Web3.to_checksum_address(log["args"]["attestor"])
        name = chain.name_of(attestor, deployed)
        c.notes.append(
            f"attested on chain but not in the proof: by {named(attestor, name)} in "
            f"block {int(log['blockNumber'])}"
        )


# -- which chain to check against --------------------------------------------------------------


@contextlib.contextmanager
def open_chain(settings: Settings, rpc_url: str | None) -> Iterator[tuple[Web3, str, str | None]]:
    """The chain to check a proof against, how to name it, and the registry this data
    directory's ledger uses (None when it has none, or when ``rpc_url`` is given).

    ``rpc_url``: any Ethereum JSON-RPC node; the local gateway's ``/rpc`` bridge too (its node
    token is sent when the URL is the one this data directory's gateway advertises). Without
    it, the chain of the ledger in ``settings.data_dir`` (the served gateway's bridge, the node
    of ``TRADELEDGER_CHAIN_URL``, or the embedded chain).

    Raises ChainUnavailable when the node cannot be reached, LedgerStateError when there is
    neither a URL nor a ledger here.
    """
    from ledger.chain import bridge, rpc

    if rpc_url:
        headers: dict[str, str] = {}
        served = bridge.advertised_node(settings.data_dir, settings.secrets_dir)
        if served is not None and served[0].rstrip("/") == rpc_url.rstrip("/"):
            headers = served[1]
        unpinned = settings.model_copy(update={"rpc_chain_id": None})
        w3, _ = rpc.connect(unpinned, rpc_url, headers)
        yield w3, rpc_url, None
        return
    if not settings.manifest_path.exists():
        raise LedgerStateError(
            f"no ledger at {settings.data_dir}: give the node to check against with --rpc URL",
            path=str(settings.data_dir),
        )
    ledger = open_ledger(settings)
    try:
        where = settings.chain_url or f"the chain of the ledger in {settings.data_dir}"
        yield ledger.w3, where, ledger.manifest.contract_address
    finally:
        ledger.close()
