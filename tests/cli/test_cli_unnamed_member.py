"""A member with no name (a co-admin the deployment added: the contract gives it none) is named
by its address once, wherever the CLI names a member beside its address. Found by a tryout:
``doc verify-proof`` said a document was "revoked since the proof was made: by 0xA… (0xA…)",
the revoker's address twice (``ledger.words.named`` is the one rule: a name, then the address
in brackets; the address alone without a name).

Real CLI (Typer's runner) on a real embedded chain; the co-admin's key is put in the gateway's
keystore, as an operator who holds it would."""

from __future__ import annotations

import re
from pathlib import Path

from eth_account import Account

from ledger.network import member_funding, open_ledger
from ledger.words import named
from tests.cli.cli_helpers import Cli
from tests.conftest import make_settings

#: an address said twice in a row, the second in brackets
TWICE = re.compile(r"(0x[0-9a-fA-F]{40}) \(\1\)")


def test_an_unnamed_revoker_is_named_by_its_address_once(tmp_path: Path) -> None:
    co_admin = Account.create()
    cli = Cli(tmp_path / "ledger")
    created = cli.json("init", "--demo", "--co-admin", co_admin.address)
    exporter = next(m for m in created["members"] if m["role"] == "enterprise")["address"]
    ledger = open_ledger(make_settings(cli.data_dir))
    try:  # its key at this gateway, and gas for its writes, as member add gives a member
        ledger.keystore.store(co_admin)
        admin = ledger.transactor(created["admin"]["address"])
        funding = member_funding(ledger)
        if funding:
            admin.wait(admin.send({"to": co_admin.address, "value": funding, "gas": 21000}))
    finally:
        ledger.close()
    note = tmp_path / "note.txt"
    note.write_text("a delivery note the co-admin revokes")
    doc_hash = cli.json("doc", "register", str(note), "--as", exporter)["doc_hash"]
    proof = tmp_path / "note.proof.json"
    cli.run("doc", "prove", str(note), "--out", str(proof))
    cli.run("doc", "revoke", doc_hash, "--as", co_admin.address, "--reason-code", "4")

    checked = cli.run("doc", "verify-proof", str(proof), str(note), code=4).stdout
    assert f"revoked since the proof was made: by {co_admin.address} in block" in checked
    shown = [
        checked,
        cli.run("doc", "show", doc_hash).stdout,
        cli.run("doc", "verify", str(note), code=4).stdout,
        cli.run("audit", "timeline", doc_hash).stdout,
    ]
    for text in shown:
        assert co_admin.address in text, text
        assert not TWICE.search(text), text


def test_named_says_an_address_once_without_a_name() -> None:
    address = "0x" + "ab" * 20
    said = named(address, None)
    assert said == named(address, "") == named(address, "  ") == named(address, address.lower())
    assert not TWICE.search(said)
    assert named(address, "Bank A") == f"Bank A ({said})"
