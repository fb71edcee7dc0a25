"""The CLI names a member as people know it — its registered name with its full address,
``Buyercompany (0x…)`` — in the warnings and errors about it: ``finance create``'s
``registrant_not_reader`` warning (and its ``--json`` notice), and the ``member_suspended``
refusal of a command ``--as`` a suspended member (``doc show``, the ``audit`` views). Found by a
tryout: each said the address only. The commands it suggests keep the bare address (``finance
share 0x…``), which is what they take.

Real CLI (Typer's runner) on a real embedded chain."""

from __future__ import annotations

import json
from pathlib import Path

from ledger.words import checksummed
from tests.cli.cli_helpers import UBL, Cli

#: the sample invoice's buyer registers it under a legal id that is not the seller's
BUYER_VAT = "DE136695976"


def test_members_are_named_in_the_clis_warnings_and_refusals(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    cli.json("init")
    buyer = cli.json(
        "member", "add", "Buyercompany", "--role", "enterprise", "--legal-id", BUYER_VAT
    )["address"]
    bank = cli.json("member", "add", "Bank A", "--role", "bank")["address"]
    cli.json("member", "add", "Regulator", "--role", "regulator")
    invoice = tmp_path / "invoice.xml"
    invoice.write_bytes(UBL)
    doc_hash = cli.json("doc", "register", str(invoice), "--as", buyer)["doc_hash"]
    cli.json("doc", "receive", str(invoice), "--as", bank)
    create = (
        "finance", "create", "--as", bank, "--doc", f"{doc_hash}=374000",
        "--currency", "DKK", "--maturity", "2099-12-31", "--reference", "A-42",
    )  # fmt: skip
    buyer_named = f"Buyercompany ({checksummed(buyer)})"
    created = json.loads(cli.run(*create, "--json", "--idempotency-key", "fin-1").stdout)
    assert f"registered by enterprise {buyer_named}" in created["notices"][0]["message"]
    said = cli.run(*create, "--idempotency-key", "fin-1").stderr
    assert f"warning (registrant_not_reader): document {doc_hash} was registered by " in said
    assert f"registered by enterprise {buyer_named}, but" in said, said
    assert f"finance share {buyer} --financing" in said  # the command takes the address

    cli.json("member", "suspend", bank)
    bank_named = f"Bank A ({checksummed(bank)})"
    for args in (("doc", "show", doc_hash), ("audit", "refusals")):
        refused = cli.run(*args, "--as", bank, code=1).stderr
        assert f"error: {bank_named} is " in refused, (args, refused)
        body = json.loads(cli.run(*args, "--as", bank, "--json", code=1).stdout)
        assert (body["error"], body["details"]["name"]) == ("member_suspended", "Bank A"), args
