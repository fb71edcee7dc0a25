"""``tradeledger doc prove``, ``doc verify-proof`` and ``doc register-oa``: provenance that
travels (proof bundles, :mod:`ledger.services.proof`) and TradeTrust / OpenAttestation documents
(:mod:`ledger.services.openattestation`). Thin: the services do the work; see docs/proofs.md.

``doc verify-proof`` exits 0 only when the file is the proof's document, registered as the proof
says and still active; otherwise with the code of the first failure in
:data:`ledger.services.proof.PRECEDENCE` (:data:`PROOF_EXIT`; 3, 4 and 5 as ``doc verify``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from web3 import Web3

from ledger.cli_common import (
    DataDir,
    JsonFlag,
    emit,
    fail,
    guard,
    lines_text,
    opened_ledger,
    refuse_inactive_reader,
    settings_for,
)
from ledger.cli_filters import reads
from ledger.cli_help import one_of
from ledger.errors import InvalidInput, LedgerError, NotFound
from ledger.httppool import url_problem
from ledger.jsondepth import check_json_depth
from ledger.services import documents as docs
from ledger.services import openattestation as oa
from ledger.services import proof as proof_svc
from ledger.services.proof import Outcome
from ledger.services.roles import DocType
from ledger.userfiles import read_regular_file
from ledger.words import named, utc_text, visible

#: ``doc verify-proof`` exit codes: 0 only for a file that is the proof's document, registered
#: as the proof says and active; 3, 4, 5 mean what they mean for ``doc verify``
PROOF_EXIT = {
    Outcome.ACTIVE: 0,
    Outcome.NOT_REGISTERED: 3,
    Outcome.REVOKED: 4,
    Outcome.SUPERSEDED: 5,
    Outcome.WRONG_FILE: 6,
    Outcome.WRONG_CHAIN: 7,
    Outcome.WRONG_CONTRACT: 8,
    Outcome.UNKNOWN_TRANSACTION: 9,
    Outcome.BLOCK_MISMATCH: 10,
    Outcome.RECORD_MISMATCH: 11,
    Outcome.WRONG_REGISTRANT: 12,
}
#: ``doc prove`` of a file that is not registered exits as ``doc verify`` does
NOT_REGISTERED_EXIT = PROOF_EXIT[Outcome.NOT_REGISTERED]

VERIFY_PROOF_EPILOG = (
    "Exit status: 0 the file is the proof's document, registered as the proof says and active; "
    "3 not registered; 4 revoked; 5 superseded; 6 wrong file (another file, or this one "
    "altered); 7 wrong chain; 8 wrong contract; 9 unknown transaction; 10 block mismatch; 11 "
    "the chain's record differs from the proof (a false or altered proof); 12 the registrant "
    "is not --legal-id; 1 or 2 when the check itself failed (node unreachable, unreadable "
    "proof). When several fail, the first in this order: 7, 8, 9, 10, 11, 6, 12, 3, 4, 5."
)


def _address(text: str) -> str:
    """``text`` checksummed, or exit 2 naming ``--as``."""
    try:
        return Web3.to_checksum_address(text)
    except ValueError:
        fail(InvalidInput("--as", "must be a 20-byte hex address"))
        raise  # unreachable


def _read(path: Path, field: str) -> bytes:
    """A file the user named, as ``field``: regular, at most ``MAX_FILE_BYTES``
    (``ledger.userfiles``)."""
    return read_regular_file(path, field, docs.MAX_FILE_BYTES)


def doc_prove(
    file: Annotated[Path, typer.Argument(help="the registered document file")],
    out: Annotated[
        Path | None, typer.Option("--out", help="write the proof here (default: print it)")
    ] = None,
    as_member: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="ask as this member, as its API key would: one the admins suspended gets the "
            "proofs of the documents it registered, and no other (without it: the operator)",
        ),
    ] = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Make a proof bundle of a registered file: one JSON file with everything a third party
    needs to check, against any node of the chain, that the file was registered by whom and
    when, unaltered, and whether it is still in force (doc verify-proof). Exit 3 when the file
    is not registered; exit 1 (member_suspended) for --as a suspended member and a document it
    did not register."""
    data = guard(lambda: _read(file, "file"))
    reader = _address(as_member) if as_member is not None else None
    with opened_ledger(data_dir) as ledger:
        found = guard(lambda: docs.lookup_file(ledger, data, from_chain=True))
        if found.registration is None:
            hint = (
                ": it is an OpenAttestation document, registered by its Merkle root (doc "
                "register-oa) and checked with a TradeTrust verifier (docs/proofs.md)"
                if _is_openattestation(data)
                else ": there is nothing to prove"
            )
            fail(
                NotFound(
                    f"{file} is not registered (SHA-256 {found.tried[0].doc_hash}){hint}",
                    doc_hash=found.tried[0].doc_hash,
                ),
                NOT_REGISTERED_EXIT,
            )
        if found.hashed is docs.HashedForm.OTHER_BYTE_FORM and found.registration is not None:
            # the registered hash is another file's bytes: a proof naming this file would fail
            # verify-proof with it (the file check compares this file's own hashes)
            other = found.registration
            fail(
                NotFound(
                    f"{file}'s own bytes are not registered (SHA-256 {found.tried[0].doc_hash}): "
                    f"the same JSON document is registered as another byte form, "
                    f"{other.doc_hash} (a file with the same content, other whitespace or key "
                    f"order), at {utc_text(other.registered_at)}. A proof binds the registered "
                    f"bytes: make it from that file, or read GET /v1/documents/"
                    f"{other.doc_hash}/proof",
                    doc_hash=found.tried[0].doc_hash,
                    registered_hash=other.doc_hash,
                ),
                NOT_REGISTERED_EXIT,
            )
        owner = found.registration.registered_by if found.registration else None
        refuse_inactive_reader(ledger, reader, "the proof of another member's document", owner)
        proof = guard(
            lambda: proof_svc.make_proof(ledger, found.doc_hash, found.hashed, file.name, len(data))
        )
    text = proof.model_dump_json(indent=2)
    if out is None:
        typer.echo(text)
        return
    guard(lambda: _write(out, text + "\n"))
    reg = proof.registration
    who = named(reg.signed_by, reg.registrant.name)
    emit(
        as_json,
        {"out": str(out), "doc_hash": proof.document.doc_hash, "status": proof.status.status},
        visible(
            f"proof of {proof.document.doc_hash} written to {out}: registered by {who} at "
            f"{utc_text(reg.registered_at)} (block {reg.block_number}, chain "
            f"{proof.network.chain_id}), {proof.status.status} as of block "
            f"{proof.status.as_of_block}"
        ),
    )


def _is_openattestation(data: bytes) -> bool:
    canonical = docs.canonical_form(data)
    return canonical is not None and json.loads(canonical).get("version") == oa.OA_V2


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text)
    except OSError as exc:
        raise InvalidInput("out", f"cannot write {path}: {exc.strerror}") from None


def doc_verify_proof(
    proof: Annotated[Path, typer.Argument(help="the proof bundle")],
    file: Annotated[Path, typer.Argument(help="the document file it is about")],
    rpc: Annotated[
        str | None,
        typer.Option(
            "--rpc",
            help="any Ethereum JSON-RPC node of the proof's chain (default: the chain of the "
            "ledger in --data-dir)",
        ),
    ] = None,
    contract: Annotated[
        str | None,
        typer.Option(
            help="the registry's address as the consortium publishes it (default with no "
            "--rpc: the ledger's in --data-dir)"
        ),
    ] = None,
    legal_id: Annotated[
        str | None,
        typer.Option(help="the legal id (e.g. LEI) the registrant must have"),
    ] = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Check a proof bundle and the file against the chain, with standard JSON-RPC calls only,
    and say what holds and what does not: the file (unaltered?), the chain, the contract, the
    registration transaction and its block, the contract's record, the registrant's member
    record, the attestations, and the status now (revoked or superseded since?)."""
    if rpc is not None and (problem := url_problem(rpc)) is not None:
        fail(InvalidInput("--rpc", problem))  # before a request reads it (a traceback did)
    bundle = guard(lambda: proof_svc.parse_proof(_read(proof, "proof")))
    data = guard(lambda: _read(file, "file"))
    settings = settings_for(data_dir)
    try:
        with proof_svc.open_chain(settings, rpc) as (w3, node, local):
            result = proof_svc.verify_proof(
                w3,
                bundle,
                data,
                node=node,
                expected_contract=contract if contract is not None else local,
                expected_legal_id=legal_id,
            )
    except LedgerError as exc:
        fail(exc)
        raise  # unreachable
    emit(as_json, result.summary(), _verify_text(result))
    code = PROOF_EXIT[result.outcome]
    if code:
        raise typer.Exit(code)


def _verify_text(result: proof_svc.ProofCheck) -> str:
    words = {True: "holds", False: "FAILS", None: "-"}
    lines = [
        f"{proof_svc.OUTCOME_WORDS[result.outcome]}",
        f"  document {result.proof.document.doc_hash}",
    ]
    lines += [f"  {words[c.holds]:<5}  {c.name:<12} {c.says}" for c in result.checks]
    lines += [f"  note: {n}" for n in result.notes]
    return lines_text(lines)


def doc_register_oa(
    wrapped: Annotated[Path, typer.Argument(help="the wrapped OpenAttestation v2 document (JSON)")],
    as_member: Annotated[
        str, typer.Option("--as", help="address of the member acting (its key is at this gateway)")
    ],
    doc_type: Annotated[
        str | None,
        typer.Option(
            "--type", metavar=one_of(DocType), help="default: from $template.name, else other"
        ),
    ] = None,
    idempotency_key: Annotated[
        str | None,
        typer.Option("--idempotency-key", help="name this write (a repeat applies it once)"),
    ] = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Register a wrapped OpenAttestation v2 (TradeTrust) document by its Merkle root: its
    issuers' documentStore must be this ledger's contract. TradeTrust verifiers then report it
    issued (and revoked after doc revoke ROOT). Issuer identity by DNS is not checked here."""
    kind = guard(lambda: DocType.parse(doc_type, "--type")) if doc_type is not None else None
    document = guard(lambda: _json(_read(wrapped, "file")))
    try:
        actor = Web3.to_checksum_address(as_member)
    except ValueError:
        fail(InvalidInput("--as", "must be a 20-byte hex address"))
        raise  # unreachable
    with opened_ledger(data_dir) as ledger:
        done = guard(
            lambda: oa.register_wrapped(
                ledger, actor, document, kind, idempotency_key=idempotency_key
            )
        )
    root = done.registration.doc_hash
    emit(
        as_json,
        {
            "doc_hash": root,
            "merkle_root": root,
            "target_hash": done.document.target_hash,
            "document_store": done.document.document_stores[0],
            "doc_type": done.doc_type.name.lower(),
            "block": done.receipt.block,
            "tx_hash": done.receipt.tx_hash,
        },
        f"registered the Merkle root {root} as {done.doc_type.name.lower()} in block "
        f"{done.receipt.block} (tx {done.receipt.tx_hash}); revoke it with "
        f"`tradeledger doc revoke {root} --as {actor}`",
    )


def _json(data: bytes) -> object:
    check_json_depth(data)
    try:
        return json.loads(data)
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput(
            "file", "must be a JSON document (a wrapped OpenAttestation v2 file)"
        ) from None


def add_commands(doc_app: typer.Typer) -> None:
    """Add the commands of this module to ``tradeledger doc``."""
    doc_app.command("prove", cls=reads("GET /v1/documents/{doc_hash}/proof"))(doc_prove)
    doc_app.command(
        "verify-proof",
        epilog=VERIFY_PROOF_EPILOG,
        cls=reads(
            no_twin="checks a proof bundle against any node of the chain, trusting no gateway "
            "(the counterparty's check, docs/proofs.md)"
        ),
    )(doc_verify_proof)
    doc_app.command("register-oa")(doc_register_oa)
