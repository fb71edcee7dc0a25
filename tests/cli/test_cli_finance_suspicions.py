"""``tradeledger finance create`` of a re-issued invoice (the demo invoice under a new number
and issue date: same seller, buyer, amount and lines) exits 4 naming the suspicion and
``--acknowledge-suspicions``, with nothing sent; with the flag it finances and says what was
acknowledged (tests/api/test_financing_suspicions.py for the API).

Real CLI (Typer's runner) on a real embedded chain."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from tests.cli.cli_helpers import Cli

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
REFUSED = 4


def test_a_reissue_is_refused_until_acknowledged(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    members = {m["name"]: m["address"] for m in cli.json("init", "--demo")["members"]}
    bank = members["Demo Bank A"]
    original, copy = tmp_path / "invoice.xml", tmp_path / "reissued.xml"
    original.write_bytes(UBL)
    copy.write_bytes(UBL.replace(b"TOSL110", b"TOSL999").replace(b">2013-04-10<", b">2013-05-02<"))
    first = cli.json("doc", "receive", str(original), "--as", bank)["doc_hash"]
    terms = ("--currency", "DKK", "--maturity", "2099-12-31")
    cli.json("finance", "create", "--as", bank, "--doc", f"{first}=467500", *terms)
    # exit 3: the bank's own financing holds the whole receivable through the original
    checked = cli.run("doc", "check", str(copy), "--as", bank, code=3).stdout
    assert "SUSPICIOUS (reissue" in checked
    assert "left to finance counting them: 0.00 DKK" in checked
    second = cli.json("doc", "receive", str(copy), "--as", bank)["doc_hash"]
    finance = ("finance", "create", "--as", bank, "--doc", f"{second}=400000", *terms)

    refused = cli.run(*finance, code=REFUSED)
    assert "(a re-issue; either may be the original: the reasons say which)" in refused.stderr
    assert "TOSL110" in refused.stderr
    assert "--acknowledge-suspicions" in refused.stderr
    body = cli.json(*finance, code=REFUSED)
    assert body["error"] == "suspicions_unacknowledged"
    (suspicion,) = body["details"]["suspicions"]
    assert (suspicion["kind"], suspicion["documents"]) == ("reissue", [first])
    listed = cli.json("finance", "list", "--as", bank)["items"]
    assert [f["financing_id"] for f in listed] == [1]  # nothing sent

    made = cli.json(*finance, "--acknowledge-suspicions")
    assert made["status"] == "active"
    assert made["suspicions"] == [suspicion]
