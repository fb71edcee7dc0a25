"""A JSON document registered from one file, verified and proved from another byte form of it
(the same content, other whitespace or key order).

A tryout verified a minified copy of a registered, indented bill of lading: ``doc verify`` found
the registration through the indented file lodged at the gateway, and said ``hashed: SHA-256 of
the file's bytes`` beside the indented file's hash — which is not this file's. The answer now
says the hash is of *another* byte form, and ``doc prove`` of the minified copy is refused
(exit 3) naming the registered hash: a proof binds the registered bytes, and one naming this
file would fail ``doc verify-proof`` with it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ledger.cli_proof import NOT_REGISTERED_EXIT
from tests.cli.cli_helpers import Cli

BILL = {
    "documentType": "BillOfLading",
    "documentNumber": "MAEU-BYTEFORM-1",
    "issueDate": "2013-04-12",
    "issuer": {"id": "DK13585628", "scheme": "VAT", "country": "DK", "name": "SellerCompany"},
    "consignee": {"id": "5790000436057", "scheme": "GLN", "name": "Buyercompany ltd"},
}


def _sha(data: bytes) -> str:
    return "0x" + hashlib.sha256(data).hexdigest()


def test_verify_and_proof_of_another_byte_form_name_the_registered_file(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    members = {m["name"]: m["address"] for m in cli.json("init", "--demo")["members"]}
    exporter = members["Demo Exporter"]
    pretty, minified = tmp_path / "bill.json", tmp_path / "bill.min.json"
    pretty.write_bytes(json.dumps(BILL, indent=2).encode())
    minified.write_bytes(json.dumps(BILL, separators=(",", ":")).encode() + b"\n")
    registered = cli.json("doc", "register", str(pretty), "--as", exporter)["doc_hash"]
    assert registered == _sha(pretty.read_bytes())

    answer = cli.json("doc", "verify", str(minified))
    assert (answer["status"], answer["doc_hash"]) == ("active", registered)
    assert answer["hashed"] == "other_byte_form"
    own = {t["doc_hash"]: t for t in answer["tried"]}[_sha(minified.read_bytes())]
    assert (own["form"], own["registered"]) == ("file_bytes", False)

    text = cli.run("doc", "verify", str(minified)).stdout
    assert f"REGISTERED and active: {registered}" in text
    assert "hashed: SHA-256 of another byte form of the same JSON document" in text
    assert "hashed: SHA-256 of the file's bytes" not in text
    assert f"{_sha(minified.read_bytes())} is not registered" in text

    refused = cli.run("doc", "prove", str(minified), code=NOT_REGISTERED_EXIT)
    assert "own bytes are not registered" in refused.stderr
    assert registered in refused.stderr
    assert "make it from that file" in refused.stderr

    # the registered file itself proves, and its proof verifies with it (never the minified)
    bundle = tmp_path / "bill.proof.json"
    cli.run("doc", "prove", str(pretty), "--out", str(bundle))
    checked = cli.json("doc", "verify-proof", str(bundle), str(pretty))
    assert (checked["outcome"], checked["valid"]) == ("active", True)
