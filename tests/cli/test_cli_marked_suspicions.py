"""``tradeledger doc check`` and ``finance create`` of an invoice another bank financed under
another number and date (the demo invoice TOSL110 financed by Demo Bank A; its re-issue
TOSL999 at Demo Bank B): the check names Bank A's active financing as a suspicion found on
chain (its marks), and Bank B's financing exits 4 until it is acknowledged
(tests/documents/test_doc_marked_suspicions.py for the API).

Real CLI (Typer's runner) on a real embedded chain."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from tests.cli.cli_helpers import Cli

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
REFUSED = 4


def test_bank_b_is_told_of_bank_as_financing_of_the_original(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    members = {m["name"]: m["address"] for m in cli.json("init", "--demo")["members"]}
    bank_a = members["Demo Bank A"]
    bank_b = cli.json("member", "add", "Demo Bank B", "--role", "bank")["address"]
    original, copy = tmp_path / "invoice.xml", tmp_path / "reissued.xml"
    original.write_bytes(UBL)
    copy.write_bytes(UBL.replace(b"TOSL110", b"TOSL999").replace(b">2013-04-10<", b">2013-05-02<"))
    first = cli.json("doc", "receive", str(original), "--as", bank_a)["doc_hash"]
    terms = ("--currency", "DKK", "--maturity", "2099-12-31")
    financed = cli.json("finance", "create", "--as", bank_a, "--doc", f"{first}=467500", *terms)
    financing_a = financed["financing_id"]

    text = cli.run("doc", "check", str(copy), "--as", bank_b).stdout
    assert "SUSPICIOUS (reissue, not a block)" in text
    assert f"active financing {financing_a} of Demo Bank A" in text
    assert f"involves active financing {financing_a}" in text
    assert first not in text  # Bank A's document is its own
    body = cli.json("doc", "check", str(copy), "--as", bank_b)
    ((kind, financings, documents),) = [
        (s["kind"], s["financings"], s["documents"]) for s in body["suspicions"]
    ]
    assert (kind, financings, documents) == ("reissue", [financing_a], [])

    second = cli.json("doc", "receive", str(copy), "--as", bank_b)["doc_hash"]
    finance = ("finance", "create", "--as", bank_b, "--doc", f"{second}=400000", *terms)
    refused = cli.run(*finance, code=REFUSED)
    assert "--acknowledge-suspicions" in refused.stderr
    assert f"active financing {financing_a}" in refused.stderr
    made = cli.json(*finance, "--acknowledge-suspicions")
    assert made["status"] == "active"
    assert [s["financings"] for s in made["suspicions"]] == [[financing_a]]
