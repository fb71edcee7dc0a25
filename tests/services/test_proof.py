"""Proof bundles (issue #17): a proof made by the gateway is checked against the chain with
standard calls only, and every part of it that is evidence is caught when tampered with, each
with the answer it means (wrong chain, wrong contract, unknown transaction, block mismatch, a
record that differs, wrong file); a document revoked or superseded since is said to be so. Real
signed transactions on the chosen backend (embedded py-evm, or anvil in the anvil run)."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from ledger.errors import InvalidInput, NotFound
from ledger.services import documents as docs
from ledger.services import members as member_svc
from ledger.services import proof as proof_svc
from ledger.services.documents import HashedForm
from ledger.services.proof import Outcome, Proof
from ledger.services.roles import DocStatus, Role
from ledger.words import utc_text

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from ledger.network import Ledger
    from tests.conftest import Network

LEI = "5493001KJTIIGC8Y1R12"


def _register(ledger: Ledger, actor: str, data: bytes) -> bytes:
    _, _, reg = docs.register_file(ledger, actor, "enterprise", data, "doc.txt")
    return docs.parse_doc_hash(reg.doc_hash)


def _verify(ledger: Ledger, proof: Proof, data: bytes, **kw: Any) -> proof_svc.ProofCheck:
    return proof_svc.verify_proof(ledger.w3, proof, data, node="the test chain", **kw)


def _set(proof: Proof, path: str, value: Any) -> Proof:
    """``proof`` with the field at dotted ``path`` (list indices as numbers) set to ``value``,
    loaded back the way a proof file is."""
    data = json.loads(proof.model_dump_json())
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return proof_svc.parse_proof(json.dumps(data))


def _failed(result: proof_svc.ProofCheck) -> set[str]:
    return {c.name for c in result.checks if c.holds is False}


@pytest.fixture
def story(network: Network) -> dict[str, Any]:
    """An enterprise with a legal id registers document A (attested by customs) and B."""
    ledger = network.ledger
    acme = member_svc.add_member(
        ledger, network.admin.address, "Acme Exporters", Role.ENTERPRISE, LEI
    ).member.address
    data = b"commercial invoice INV-17 for 4,675.00 DKK"
    doc_a = _register(ledger, acme, data)
    docs.attest(ledger, network.attestor.address, doc_a, "MRN 24DK000123")
    doc_b = _register(ledger, acme, b"packing list PL-17")
    proof = proof_svc.make_proof(ledger, doc_a, HashedForm.FILE_BYTES, "inv.txt", len(data))
    return {"acme": acme, "data": data, "a": doc_a, "b": doc_b, "proof": proof}


def test_a_fresh_proof_holds_in_every_part(network: Network, story: dict[str, Any]) -> None:
    ledger, proof = network.ledger, story["proof"]
    assert proof.document.doc_hash == docs.hex32(story["a"])
    assert proof.network.chain_id == int(ledger.w3.eth.chain_id)
    assert proof.network.contract == ledger.manifest.contract_address
    member = proof.registration.registrant
    assert (member.role, member.name) == ("enterprise", "Acme Exporters")
    assert member.legal_id_hash == "0x" + hashlib.sha256(LEI.encode()).hexdigest()
    assert proof.registration.signed_by == story["acme"]
    assert proof.status.status == "active"
    (attestation,) = proof.attestations
    assert attestation.attestor == network.attestor.address
    assert attestation.attestor_name == "Customs"
    assert attestation.evidence_hash == "0x" + hashlib.sha256(b"MRN 24DK000123").hexdigest()
    # the file is all a verifier needs besides the proof: nothing of the gateway's
    result = _verify(ledger, proof, story["data"], expected_legal_id=LEI.lower())
    assert result.outcome is Outcome.ACTIVE
    assert result.valid
    assert [c.holds for c in result.checks] == [True] * len(result.checks)
    assert {c.name for c in result.checks} == {"file", "chain", *proof_svc.CHAIN_CHECKS}
    assert result.hashed is HashedForm.FILE_BYTES
    assert result.notes == ()
    _the_file_altered_or_another_is_the_wrong_file(ledger, proof, story["data"])
    _a_proof_of_another_registry_or_registrant_is_refused(ledger, proof, story["data"])


def test_every_tampered_part_is_caught(network: Network, story: dict[str, Any]) -> None:
    """Each part of the proof that is evidence, changed, gives the answer it means and names
    the check that failed."""
    ledger, proof, data = network.ledger, story["proof"], story["data"]
    other = proof_svc.make_proof(ledger, story["b"])
    reg = proof.registration
    att = proof.attestations[0]
    other_member = member_svc.get_member(ledger, network.bank.address)
    later = (reg.registered_at + timedelta(hours=1)).isoformat()
    forged_revocation = {
        "tx_hash": att.tx_hash,
        "block_number": att.block_number,
        "block_hash": att.block_hash,
        "timestamp": att.timestamp,
        "at": att.at.isoformat(),
        "by": story["acme"],
        "by_name": "Acme Exporters",
        "reason_code": 3,
    }
    cases: list[tuple[str, Any, Outcome, str]] = [
        ("document.doc_hash", docs.hex32(story["b"]), Outcome.RECORD_MISMATCH, "registration"),
        ("document.doc_type", "bill_of_lading", Outcome.RECORD_MISMATCH, "registration"),
        ("network.chain_id", proof.network.chain_id + 1, Outcome.WRONG_CHAIN, "chain"),
        ("network.contract", "0x" + "11" * 20, Outcome.WRONG_CONTRACT, "contract"),
        ("network.deployment_block", 7, Outcome.WRONG_CONTRACT, "contract"),
        ("registration.tx_hash", "0x" + "ab" * 32, Outcome.UNKNOWN_TRANSACTION, "transaction"),
        ("registration.tx_hash", other.registration.tx_hash, Outcome.BLOCK_MISMATCH, "transaction"),
        (
            "registration.block_number",
            other.registration.block_number,
            Outcome.BLOCK_MISMATCH,
            "block",
        ),
        ("registration.block_hash", other.registration.block_hash, Outcome.BLOCK_MISMATCH, "block"),
        ("registration.log_index", reg.log_index + 1, Outcome.RECORD_MISMATCH, "registration"),
        ("registration.timestamp", reg.timestamp + 1, Outcome.BLOCK_MISMATCH, "block"),
        ("registration.registered_at", later, Outcome.BLOCK_MISMATCH, "block"),
        ("registration.signed_by", network.bank.address, Outcome.RECORD_MISMATCH, "registration"),
        (
            "registration.registrant.member_id",
            other_member.member_id,
            Outcome.RECORD_MISMATCH,
            "record",
        ),
        ("registration.registrant.role", "bank", Outcome.RECORD_MISMATCH, "registrant"),
        (
            "registration.registrant.legal_id_hash",
            "0x" + "12" * 32,
            Outcome.RECORD_MISMATCH,
            "registrant",
        ),
        ("registration.registrant.name", "Someone Else A/S", Outcome.RECORD_MISMATCH, "registrant"),
        ("status.as_of_block_hash", "0x" + "cd" * 32, Outcome.BLOCK_MISMATCH, "status"),
        ("status.as_of", later, Outcome.RECORD_MISMATCH, "status"),
        ("attestations.0.evidence_hash", "0x" + "ef" * 32, Outcome.RECORD_MISMATCH, "attestations"),
        ("attestations.0.attestor", network.bank.address, Outcome.RECORD_MISMATCH, "attestations"),
        ("attestations.0.attestor_name", "Carrier", Outcome.RECORD_MISMATCH, "attestations"),
        ("attestations.0.tx_hash", reg.tx_hash, Outcome.RECORD_MISMATCH, "attestations"),
        ("attestations.0.block_hash", reg.block_hash, Outcome.RECORD_MISMATCH, "attestations"),
        ("attestations.0.log_index", att.log_index + 1, Outcome.RECORD_MISMATCH, "attestations"),
        ("attestations.0.timestamp", att.timestamp + 5, Outcome.RECORD_MISMATCH, "attestations"),
    ]
    wrong: list[str] = []
    for path, value, outcome, check in cases:
        result = _verify(ledger, _set(proof, path, value), data)
        if result.outcome is not outcome or check not in _failed(result):
            wrong.append(f"{path}={value!r}: {result.outcome} failing {sorted(_failed(result))}")
    # a forged status: revoked, with a revocation that never happened
    forged = json.loads(proof.model_dump_json())
    forged["status"] |= {"status": "revoked", "revocation": forged_revocation}
    result = _verify(ledger, proof_svc.parse_proof(json.dumps(forged)), data)
    if result.outcome is not Outcome.RECORD_MISMATCH or "status" not in _failed(result):
        wrong.append(f"forged revocation: {result.outcome} failing {sorted(_failed(result))}")
    assert not wrong, "\n".join(wrong)


def test_a_proof_dated_before_its_registration_is_said(
    network: Network, story: dict[str, Any]
) -> None:
    """A tryout set ``created_at`` to 1999 in a proof of a 2026 registration and read VALID
    without a word. ``created_at`` is the maker's own word (no chain checks it): the verifier
    says it is wrong in its notes; the checks of what the chain holds are unchanged."""
    ledger, proof, data = network.ledger, story["proof"], story["data"]
    result = _verify(ledger, _set(proof, "created_at", "1999-01-01T00:00:00Z"), data)
    assert result.outcome is Outcome.ACTIVE
    [said] = [n for n in result.notes if "created_at" in n]
    assert "1999-01-01T00:00:00Z, before the registration it proves" in said, said
    assert _verify(ledger, proof, data).notes == ()


def _the_file_altered_or_another_is_the_wrong_file(
    ledger: Ledger, proof: Proof, original: bytes
) -> None:
    for data in (original + b" ", original.replace(b"4,675", b"5,675")):
        result = _verify(ledger, proof, data)
        assert result.outcome is Outcome.WRONG_FILE
        (file_check,) = [c for c in result.checks if c.name == "file"]
        assert file_check.holds is False
        assert "0x" + hashlib.sha256(data).hexdigest() in file_check.says
        # everything about the registration itself still holds: only the file is wrong
        assert _failed(result) == {"file"}


def _a_proof_of_another_registry_or_registrant_is_refused(
    ledger: Ledger, proof: Proof, data: bytes
) -> None:
    pinned = _verify(ledger, proof, data, expected_contract=ledger.manifest.contract_address)
    assert pinned.outcome is Outcome.ACTIVE
    elsewhere = _verify(ledger, proof, data, expected_contract="0x" + "22" * 20)
    assert elsewhere.outcome is Outcome.WRONG_CONTRACT
    assert all(
        c.holds is None for c in elsewhere.checks if c.name not in ("file", "chain", "contract")
    )
    other_company = _verify(ledger, proof, data, expected_legal_id="529900T8BM49AURSDO55")
    assert other_company.outcome is Outcome.WRONG_REGISTRANT
    with pytest.raises(InvalidInput, match="contract"):
        _verify(ledger, proof, data, expected_contract="not an address")


def test_revoked_since_the_proof_was_made(network: Network, story: dict[str, Any]) -> None:
    ledger, proof, data = network.ledger, story["proof"], story["data"]
    docs.revoke(ledger, story["acme"], story["a"], 3)
    result = _verify(ledger, proof, data)
    assert result.outcome is Outcome.REVOKED
    assert not result.valid
    (status,) = [c for c in result.checks if c.name == "status"]
    assert "revoked since the proof was made" in status.says
    assert "Acme Exporters" in status.says
    assert "reason code 3 (cancelled_by_issuer)" in status.says  # the code with its meaning
    assert _failed(result) == {"status"}  # the rest of the proof still holds
    # a proof made now says revoked, by whom and why; it checks as revoked
    now = proof_svc.make_proof(ledger, story["a"])
    assert now.status.status == "revoked"
    assert now.status.revocation is not None
    assert now.status.revocation.reason_code == 3
    assert now.status.revocation.reason_name == "cancelled_by_issuer"
    assert now.document.hash.of is None  # made from the hash alone
    assert _verify(ledger, now, data).outcome is Outcome.REVOKED
    # … and edited back to "active" it is a false proof: the revocation came first
    edited = json.loads(now.model_dump_json())
    edited["status"] |= {"status": "active", "revocation": None}
    false = _verify(ledger, proof_svc.parse_proof(json.dumps(edited)), data)
    assert false.outcome is Outcome.RECORD_MISMATCH
    edited = json.loads(now.model_dump_json())
    edited["status"]["as_of_block"] = proof.status.as_of_block  # before the revocation
    edited["status"]["as_of_block_hash"] = proof.status.as_of_block_hash
    edited["status"]["as_of"] = proof.status.as_of.isoformat()
    early = _verify(ledger, proof_svc.parse_proof(json.dumps(edited)), data)
    assert early.outcome is Outcome.RECORD_MISMATCH
    assert "by an event of the later block" in str(early.summary())
    edited = json.loads(now.model_dump_json())
    edited["status"]["revocation"]["reason_code"] = 1
    assert _verify(ledger, proof_svc.parse_proof(json.dumps(edited)), data).outcome is (
        Outcome.RECORD_MISMATCH
    )


def test_superseded_since_names_the_current_version(
    network: Network, story: dict[str, Any]
) -> None:
    ledger, proof, data = network.ledger, story["proof"], story["data"]
    amended = b"commercial invoice INV-17 for 4,675.00 DKK (amended)"
    ex, _ = docs.supersede_with_file(ledger, story["acme"], "enterprise", story["a"], amended)
    result = _verify(ledger, proof, data)
    assert result.outcome is Outcome.SUPERSEDED
    assert result.current_version == ex.doc_hash
    assert result.current_status is DocStatus.ACTIVE
    (status,) = [c for c in result.checks if c.name == "status"]
    assert f"superseded since the proof was made by {ex.doc_hash}" in status.says
    now = proof_svc.make_proof(ledger, story["a"])
    assert now.status.supersession is not None
    assert now.status.supersession.successor == ex.doc_hash
    edited = json.loads(now.model_dump_json())
    edited["status"]["supersession"]["successor"] = docs.hex32(story["b"])
    forged = _verify(ledger, proof_svc.parse_proof(json.dumps(edited)), data)
    assert forged.outcome is Outcome.RECORD_MISMATCH
    # the amendment has its own proof, valid
    amended_proof = proof_svc.make_proof(ledger, docs.parse_doc_hash(ex.doc_hash))
    assert _verify(ledger, amended_proof, amended).outcome is Outcome.ACTIVE


def test_what_changed_since_but_is_no_forgery_is_said_not_failed(
    network: Network, story: dict[str, Any]
) -> None:
    """An attestation made after the proof, one left out, a key rotated, a member suspended:
    notes beside a valid answer."""
    ledger, proof, data = network.ledger, story["proof"], story["data"]
    fewer = json.loads(proof.model_dump_json())
    fewer["attestations"] = []
    result = _verify(ledger, proof_svc.parse_proof(json.dumps(fewer)), data)
    assert result.outcome is Outcome.ACTIVE
    assert any("attested on chain but not in the proof: by Customs" in n for n in result.notes)
    new_key = ledger.keystore.create().address
    ledger.transactor(story["acme"]).transact(
        ledger.contract.functions.rotateMemberKey(story["acme"], new_key)
    )
    member_svc.suspend_member(ledger, network.admin.address, new_key)
    result = _verify(ledger, proof, data)
    assert result.outcome is Outcome.ACTIVE, result.summary()
    assert any("rotated its key" in n and new_key in n for n in result.notes)
    assert any("suspended now" in n for n in result.notes)


def test_a_json_form_is_proved_from_the_file_its_registrant_holds(network: Network) -> None:
    """… and unreadable proofs, unknown documents and empty files are refused, naming why."""
    ledger = network.ledger
    form = {
        "documentType": "BillOfLading",
        "documentNumber": "MAEU-17",
        "issueDate": "2026-01-02",
        "issuer": {"id": "DE136695976", "scheme": "VAT"},
    }
    canonical = docs.canonical_json(form)
    _register(ledger, network.enterprise.address, canonical)
    pretty = json.dumps(form, indent=4).encode()
    found = docs.lookup_file(ledger, pretty)
    assert found.hashed is HashedForm.CANONICAL_JSON
    proof = proof_svc.make_proof(ledger, found.doc_hash, found.hashed, "bl.json", len(pretty))
    assert proof.document.hash.of == "canonical_json"
    result = _verify(ledger, proof, pretty)
    assert result.outcome is Outcome.ACTIVE
    assert result.hashed is HashedForm.CANONICAL_JSON
    # the canonical bytes themselves are the same document (said in a note, not a failure)
    result = _verify(ledger, proof, canonical)
    assert result.outcome is Outcome.ACTIVE
    assert result.hashed is HashedForm.FILE_BYTES
    assert result.notes

    text = proof.model_dump_json()
    for broken, field in (
        ("{}", "proof."),
        (text.replace('"tradeledger.proof"', '"other"'), "proof.format"),
        (text.replace('"version":1', '"version":2'), "proof.version"),
        (text.replace(proof.registration.block_hash, "0x12"), "proof.registration"),
        ("not json", "proof"),
    ):
        with pytest.raises(InvalidInput) as caught:
            proof_svc.parse_proof(broken)
        assert caught.value.field.startswith(field), (broken[:40], caught.value.field)
    with pytest.raises(NotFound):
        proof_svc.make_proof(ledger, b"\x01" * 32)
    with pytest.raises(InvalidInput, match="file"):
        _verify(ledger, proof, b"")


def test_a_holding_check_says_the_chains_time_not_the_bundles(
    network: Network, story: dict[str, Any]
) -> None:
    """A tryout forged only a bundle's ``registered_at`` text: the verdict was right (the block
    check fails it) but the record check, which holds, printed the forged time as what "the
    contract holds". It says the contract's own time."""
    ledger, proof, data = network.ledger, story["proof"], story["data"]
    reg = proof.registration
    forged = (reg.registered_at + timedelta(days=400)).isoformat()
    result = _verify(ledger, _set(proof, "registration.registered_at", forged), data)
    assert result.outcome is Outcome.BLOCK_MISMATCH
    [record] = [c for c in result.checks if c.name == "record"]
    assert record.holds is True
    assert utc_text(reg.timestamp) in record.says, record.says
    assert utc_text(reg.registered_at + timedelta(days=400)) not in record.says


#: pydantic's own words, which none of the proof reader's refusals may carry
PYDANTIC_WORDS = re.compile(
    r"Extra inputs|Field required|Input should|Value error|String should|valid (string|integer)"
)


def _refused(data: object) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        proof_svc.parse_proof(json.dumps(data))
    assert not PYDANTIC_WORDS.search(caught.value.message), caught.value.message
    for problem in caught.value.details["problems"]:
        assert not PYDANTIC_WORDS.search(problem["rule"]), problem
    return caught.value


def test_a_bundle_with_an_unknown_field_is_refused_in_the_projects_words(
    story: dict[str, Any],
) -> None:
    """A newcomer's bundle with an extra key was told pydantic's "Extra inputs are not
    permitted". The refusal names the field by its path in the bundle and the fields its part
    allows, at the top and in a nested part; a field left out, a wrong type, a wrong pattern
    and a status without its revocation are said in the project's words too."""
    bundle = json.loads(story["proof"].model_dump_json())
    error = _refused({**bundle, "signature": "0x00"})
    assert error.field == "proof.signature"
    assert error.rule.startswith(
        "is not a field of a proof bundle (format tradeledger.proof version 1): allowed fields "
        "are format, version, created_at, document, network, registration, status,"
    ), error.rule
    assert error.details["format"] == "tradeledger.proof"

    nested = json.loads(json.dumps(bundle))
    nested["registration"]["registrant"]["lei"] = LEI
    error = _refused(nested)
    assert error.field == "proof.registration.registrant.lei"
    assert "is not a field of a proof bundle's registration.registrant" in error.rule
    assert "allowed fields are member_id, role, legal_id_hash, name" in error.rule

    listed = json.loads(json.dumps(bundle))
    listed["attestations"][0]["note"] = "x"
    error = _refused(listed)
    assert error.field == "proof.attestations[0].note"
    assert "proof bundle's attestations[0] " in error.rule

    missing = json.loads(json.dumps(bundle))
    del missing["network"]["chain_id"]
    error = _refused(missing)
    assert error.field == "proof.network.chain_id"
    assert error.rule.startswith("is required in a proof bundle's network"), error.rule

    typed = json.loads(json.dumps(bundle))
    typed["network"]["chain_id"] = "one"
    assert _refused(typed).rule.startswith("must be a whole number")

    pattern = json.loads(json.dumps(bundle))
    pattern["registration"]["block_hash"] = "0x12"
    assert _refused(pattern).rule.startswith("must match the pattern")

    why = json.loads(json.dumps(bundle))
    why["status"]["status"] = "revoked"
    error = _refused(why)
    assert (error.field, error.rule) == (
        "proof.status",
        "revocation is given exactly when status is revoked",
    )
    assert _refused([]).rule == "must be a JSON object, not an array"
    with pytest.raises(InvalidInput) as caught:
        proof_svc.parse_proof("{")
    assert caught.value.field == "proof"
    assert not PYDANTIC_WORDS.search(caught.value.message)


def test_a_value_of_another_json_type_is_refused_not_read_as_the_field(
    story: dict[str, Any],
) -> None:
    """A tryout set ``registration.timestamp`` to ``true``: it was read as 1 and reported as a
    block mismatch, and ``1796614384.0`` (a float of the true time) as ``VALID``. Every number
    of a bundle must be a JSON integer, every text a JSON string, every time RFC 3339 text:
    anything else is refused naming the field, as the API refuses it in a body."""
    bundle = json.loads(story["proof"].model_dump_json())
    registration = bundle["registration"]
    cases: list[tuple[str, Any]] = [
        ("registration.timestamp", True),
        ("registration.timestamp", float(registration["timestamp"])),
        ("registration.timestamp", str(registration["timestamp"])),
        ("registration.block_number", float(registration["block_number"])),
        ("registration.log_index", False),
        ("registration.registrant.member_id", float(registration["registrant"]["member_id"])),
        ("network.chain_id", True),
        ("network.deployment_block", str(bundle["network"]["deployment_block"])),
        ("status.as_of_block", float(bundle["status"]["as_of_block"])),
        ("attestations.0.timestamp", float(bundle["attestations"][0]["timestamp"])),
        ("attestations.0.log_index", True),
        ("document.size", float(bundle["document"]["size"])),
        ("document.doc_type", 1),
        ("registration.registered_at", registration["timestamp"]),
        ("version", True),
    ]
    for path, value in cases:
        tampered = json.loads(json.dumps(bundle))
        *parents, last = path.split(".")
        node: Any = tampered
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[last] = value
        field = "proof." + re.sub(r"\.(\d+)", r"[\1]", path)
        error = _refused(tampered)
        assert error.field == field, (path, value, error.field, error.rule)
        assert not PYDANTIC_WORDS.search(error.rule), (path, error.rule)
    # the bundle as written is read as before
    assert proof_svc.parse_proof(json.dumps(bundle)) == story["proof"]


def test_a_vat_id_as_printed_names_the_registrant_it_was_added_as(network: Network) -> None:
    """Tryout 80: a member added with the legal id `NL8200.98.395.B.01` (stored, as every legal
    id, in canonical form: NL820098395B01) was WRONG REGISTRANT to a counterparty giving the VAT
    id as printed; an id that reads as another member's is still refused."""
    ledger = network.ledger
    seller = member_svc.add_member(
        ledger, network.admin.address, "NL Seller BV", Role.ENTERPRISE, "NL8200.98.395.B.01"
    ).member.address
    data = b"invoice NL-17 for 1,000.00 EUR"
    doc = _register(ledger, seller, data)
    proof = proof_svc.make_proof(ledger, doc, HashedForm.FILE_BYTES, "nl.txt", len(data))
    for printed in ("NL8200.98.395.B.01", "NL-820098395B01", "nl 8200 98395 b01", "NL820098395B01"):
        assert _verify(ledger, proof, data, expected_legal_id=printed).outcome is Outcome.ACTIVE
    other = _verify(ledger, proof, data, expected_legal_id="NL859048430B01")
    assert other.outcome is Outcome.WRONG_REGISTRANT
