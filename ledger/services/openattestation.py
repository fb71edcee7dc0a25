"""TradeTrust / OpenAttestation v2: a wrapped document whose ``documentStore`` is this ledger's
contract, registered by its Merkle root, so that the TradeTrust verifiers check it on our chain.

How OpenAttestation works. Wrapping a document (``wrapDocument`` of ``@tradetrust-tt/tradetrust``
or ``@govtechsg/open-attestation``) salts every field (``"<uuid>:<type>:<value>"``), hashes each
(keccak-256), and hashes the sorted field hashes into the document's ``targetHash``; documents
wrapped together are the leaves of a Merkle tree whose root is ``signature.merkleRoot`` (for one
document, the root is its target hash). The issuer publishes the root in a *document store*
contract named in the document (``data.issuers[].documentStore``). A verifier (npm
``@tradetrust-tt/tt-verify``, ``@govtechsg/oa-verify``) then checks

- integrity (fragment ``OpenAttestationHash``): the data hashes to ``targetHash``, and
  ``signature.proof`` leads from it to ``merkleRoot``;
- status (fragment ``OpenAttestationEthereumDocumentStoreStatus``): every issuer's store answers
  ``isIssued(merkleRoot)`` true and ``isRevoked(h)`` false for every node ``h`` of the path from
  the target hash to the root.

The TradeLedger contract answers both reads (``contracts/ITradeLedger.sol``): a root is issued
once registered, and revoked once revoked *or superseded*. It does not implement ERC-165, so
tt-verify takes the one-argument path: a store that advertised the batchable store's interface
id ``0xdcfd0745`` would be asked the three-argument reads, which tt-verify 9.7.2 breaks for v2
documents (``contracts/test/Provenance.t.sol`` pins that it is not advertised).

What the gateway does. It reads ``signature.merkleRoot``, checks the document's shape (an OA v2
wrapped document with a ``SHA3MerkleProof`` signature) and that every issuer names this ledger's
contract as its ``documentStore`` (a document naming another store would be looked up there, and
reported not issued), and registers the root like any document hash, signed by the caller's key.
Revoking it (``POST /v1/documents/{root}/revoke``) revokes every document wrapped under that
root. It does not recompute the Merkle tree: that is the wrapping library's and the verifier's
job, and this project writes no cryptography by hand. It keeps no copy of the document.

Not covered: issuer identity (the ``DNS-TXT`` fragment needs a DNS lookup of the issuer's domain,
on the internet), transferable records (``tokenRegistry``), OpenAttestation v3, and revoking one
document of a batch without the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from web3 import Web3

from ledger.errors import InvalidInput
from ledger.network import Ledger
from ledger.services import documents as docs
from ledger.services.roles import DocType
from ledger.services.writekeys import write_key

#: the ``version`` of an OpenAttestation v2 wrapped document
OA_V2 = "https://schema.openattestation.com/2.0/schema.json"
SIGNATURE_TYPE = "SHA3MerkleProof"
_HEX32 = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")


@dataclass(frozen=True)
class WrappedDocument:
    """What the gateway reads from a wrapped OpenAttestation v2 document."""

    merkle_root: bytes
    target_hash: str
    proof: tuple[str, ...]
    document_stores: tuple[str, ...]
    #: ``$template.name`` (e.g. BILL_OF_LADING), when the document has one
    template: str | None


@dataclass(frozen=True)
class Registered:
    document: WrappedDocument
    doc_type: DocType
    receipt: docs.Receipt
    registration: docs.Registration


def unsalt(value: Any, field: str) -> str:
    """The value of a salted OpenAttestation field (``"<salt>:<type>:<value>"``)."""
    if not isinstance(value, str) or value.count(":") < 2:
        raise InvalidInput(field, "must be a salted OpenAttestation value (salt:type:value)")
    return value.split(":", 2)[2]


def _hex32(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _HEX32.match(value):
        raise InvalidInput(field, "must be 32 bytes as 64 hex digits")
    return value.lower().removeprefix("0x")


def read_wrapped(document: Any, contract: str) -> WrappedDocument:
    """Read a wrapped OpenAttestation v2 ``document`` (parsed JSON) to be registered on the
    ledger whose contract is ``contract``. InvalidInput naming the field for anything else: not
    a v2 wrapped document, another signature type, a malformed root, an issuer without a
    ``documentStore`` or naming another store."""
    if not isinstance(document, dict):
        raise InvalidInput("document", "must be a wrapped OpenAttestation v2 document (an object)")
    if document.get("version") != OA_V2:
        raise InvalidInput("version", f"must be {OA_V2} (OpenAttestation v2; v3 is not supported)")
    signature = document.get("signature")
    if not isinstance(signature, dict) or signature.get("type") != SIGNATURE_TYPE:
        raise InvalidInput(
            "signature.type", f"must be {SIGNATURE_TYPE}: wrap the document with wrapDocument"
        )
    root = _hex32(signature.get("merkleRoot"), "signature.merkleRoot")
    target = _hex32(signature.get("targetHash"), "signature.targetHash")
    path = signature.get("proof", [])
    if not isinstance(path, list):
        raise InvalidInput("signature.proof", "must be a list of 32-byte hex hashes")
    proof = tuple(_hex32(h, f"signature.proof[{i}]") for i, h in enumerate(path))
    if not proof and root != target:
        raise InvalidInput(
            "signature.merkleRoot", "must equal targetHash for a document wrapped alone"
        )
    data = document.get("data")
    issuers = data.get("issuers") if isinstance(data, dict) else None
    if not isinstance(issuers, list) or not issuers:
        raise InvalidInput("data.issuers", "must list the document's issuers")
    stores = []
    want = Web3.to_checksum_address(contract)
    for i, issuer in enumerate(issuers):
        field = f"data.issuers[{i}].documentStore"
        if not isinstance(issuer, dict):
            raise InvalidInput(f"data.issuers[{i}]", "must be an object")
        if "tokenRegistry" in issuer:
            raise InvalidInput(
                f"data.issuers[{i}].tokenRegistry",
                "transferable records are not supported: name this ledger's contract as the "
                "documentStore",
            )
        salted = issuer.get("documentStore", issuer.get("certificateStore"))
        if salted is None:
            raise InvalidInput(field, f"must name this ledger's contract {want}")
        store = unsalt(salted, field)
        if not Web3.is_address(store) or Web3.to_checksum_address(store) != want:
            raise InvalidInput(
                field,
                f"must be this ledger's contract {want} (the verifier looks the document up in "
                "the store the document names)",
                value=store,
            )
        stores.append(want)
    template = data.get("$template") if isinstance(data, dict) else None
    name = template.get("name") if isinstance(template, dict) else None
    return WrappedDocument(
        merkle_root=bytes.fromhex(root),
        target_hash="0x" + target,
        proof=tuple("0x" + h for h in proof),
        document_stores=tuple(stores),
        template=unsalt(name, "data.$template.name") if name is not None else None,
    )


def doc_type_of(wrapped: WrappedDocument, requested: DocType | None) -> DocType:
    """``requested``, else the type the template names (BILL_OF_LADING, INVOICE, …), else
    OTHER."""
    if requested is not None:
        return requested
    named = DocType.__members__.get((wrapped.template or "").strip().upper())
    return named if named is not None and named is not DocType.NONE else DocType.OTHER


def register_wrapped(
    ledger: Ledger,
    actor: str,
    document: Any,
    doc_type: DocType | None = None,
    *,
    idempotency_key: str | None = None,
) -> Registered:
    """Register the Merkle root of a wrapped OpenAttestation v2 ``document`` (see the module
    docstring), signed by ``actor``, exactly once per ``idempotency_key``. The registration is
    simulated first: a root registered already is refused (DocumentAlreadyRegistered, naming
    who and when), as is a role that may not register.

    Raises InvalidInput (naming the field) for a document that is not one the ledger can hold.
    """
    wrapped = read_wrapped(document, ledger.manifest.contract_address)
    kind = doc_type_of(wrapped, doc_type)
    key = write_key(idempotency_key)
    call = ledger.calls.functions.registerDocument(wrapped.merkle_root, int(kind))
    gas = docs.refuse_early(ledger, actor, call, key)
    receipt = docs.register(ledger, actor, wrapped.merkle_root, kind, idempotency_key=key, gas=gas)
    return Registered(wrapped, kind, receipt, docs.get_registration(ledger, wrapped.merkle_root))
