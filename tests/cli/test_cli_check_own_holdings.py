"""``tradeledger doc check`` of an invoice whose re-issue and part the bank's own active
financings hold says so, and what is left counting them (tryout 51 read "left to finance:
4,500.00" and suspicions naming the financings, not as the bank's own). Real CLI (Typer's
runner) over a real embedded chain; the API's side: tests/api/test_check_counts_own_holdings.py.
"""

from __future__ import annotations

from pathlib import Path

from tests.api.api_helpers import issued_later, number_of, own_invoice, reissued, split_part
from tests.cli.cli_helpers import Cli


def test_check_names_the_banks_own_financings_and_what_is_left(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    members = {m["role"]: m["address"] for m in cli.json("init", "--demo")["members"]}
    bank = members["bank"]
    invoice = own_invoice("CLIOWN")
    files = {
        "original": invoice,
        "reissue": reissued(invoice),
        "part": issued_later(split_part(invoice, number_of(invoice) + "-L3", {2}, "2500.00")),
    }
    paths = {}
    for name, data in files.items():
        paths[name] = tmp_path / f"{name}.xml"
        paths[name].write_bytes(data)
        cli.json("doc", "receive", str(paths[name]), "--as", bank)
    hashes = {
        n: cli.json("doc", "check", str(p), "--as", bank)["doc_hash"] for n, p in paths.items()
    }
    on_reissue = cli.finance(bank, hashes["reissue"], 300_000, "--acknowledge-suspicions")
    on_part = cli.finance(bank, hashes["part"], 100_000, "--acknowledge-suspicions")

    said = cli.run("doc", "check", str(paths["original"]), "--as", bank).stdout
    assert "left to finance: 4,675.00 DKK" in said, said  # by its own fingerprints
    assert (
        "YOUR OWN active financings already hold this receivable (reissue and split; this file "
        f"is its original): financing {on_reissue} holds 3,000.00 DKK on its reissue "
        f"{hashes['reissue']}, financing {on_part} holds 1,000.00 DKK on its part {hashes['part']}"
    ) in said, said
    assert (
        "left to finance counting them: 675.00 DKK (the receivable's 4,675.00 DKK due, less "
        "4,000.00 DKK held)"
    ) in said, said
    assert f"involves active financing {on_reissue} (YOUR OWN)" in said, said
    answer = cli.json("doc", "check", str(paths["original"]), "--as", bank)
    assert answer["financing_headroom_counting_own"] == 67_500
    assert answer["own_receivable"]["held"] == 400_000
    assert said.count("left to finance: 4,675.00 DKK by this file's own fingerprints") == 1

    # held beyond its amount due: said, and the exit code is 3 (nothing left), as when held
    path = tmp_path / "reissue2.xml"
    renumbered = number_of(files["reissue"]).encode()
    path.write_bytes(issued_later(files["reissue"], 7).replace(renumbered, renumbered + b"2", 1))
    cli.json("doc", "receive", str(path), "--as", bank)
    third_check = cli.json("doc", "check", str(path), "--as", bank)
    assert third_check["own_receivable"]["role"] == "reissue"
    assert [h["role"] for h in third_check["own_receivable"]["holdings"]] == ["reissue", "part"]
    third = third_check["doc_hash"]
    cli.finance(bank, third, 100_000, "--acknowledge-suspicions")
    said = cli.run("doc", "check", str(paths["original"]), "--as", bank, code=3).stdout
    assert (
        "left to finance counting them: 0.00 DKK (the receivable's 4,675.00 DKK due, less "
        "5,000.00 DKK held: 325.00 DKK BEYOND its amount due)"
    ) in said, said
