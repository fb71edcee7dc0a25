"""What ``doc check`` says of a re-issued invoice (the demo invoice TOSL110 of 2013-04-10, and
the same invoice as TOSL999 of 2013-05-02), whichever of the two the bank lodged first:

* the later one is the re-issue: its number and date are the new ones — a bank that lodged
  the re-issue and checked the original read "new number TOSL110 (was TOSL999)", the original
  called the new number;
* the summary line agrees with the list below it: "no copy of this file …; 1 suspicion" — it
  said "no matching file" and then listed a suspicion.

The reasons are the ones the API's check and the financing refusal give (one service)."""

from __future__ import annotations

from importlib import resources

import pytest

from tests.cli.cli_helpers import Cli

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
REISSUE = UBL.replace(b"TOSL110", b"TOSL999").replace(b">2013-04-10<", b">2013-05-02<")


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, dict]]:  # type: ignore[type-arg]
    """``doc check`` of each file (text and --json) by a bank that lodged only the other."""
    out = {}
    for lodged, checked_file in (("original", "reissue"), ("reissue", "original")):
        tmp = tmp_path_factory.mktemp(f"lodged-{lodged}")
        cli = Cli(tmp / "ledger")
        members = {m["name"]: m["address"] for m in cli.json("init", "--demo")["members"]}
        bank = members["Demo Bank A"]
        files = {"original": tmp / "original.xml", "reissue": tmp / "reissue.xml"}
        files["original"].write_bytes(UBL)
        files["reissue"].write_bytes(REISSUE)
        cli.json("doc", "receive", str(files[lodged]), "--as", bank)
        text = cli.run("doc", "check", str(files[checked_file]), "--as", bank).stdout
        body = cli.json("doc", "check", str(files[checked_file]), "--as", bank)
        out[checked_file] = (text, body)
    return out


def _reasons(body: dict) -> list[str]:  # type: ignore[type-arg]
    (suspicion,) = body["suspicions"]
    assert suspicion["kind"] == "reissue"
    return list(suspicion["reasons"])


def test_the_reissue_checked_names_its_number_and_date_new(checked: dict) -> None:  # type: ignore[type-arg]
    reasons = _reasons(checked["reissue"][1])
    assert "new number TOSL999 (was TOSL110)" in reasons
    assert "new issue date 2013-05-02 (was 2013-04-10)" in reasons


def test_the_original_checked_is_never_called_the_new_number(checked: dict) -> None:  # type: ignore[type-arg]
    text, body = checked["original"]
    reasons = _reasons(body)
    assert not any("new number TOSL110" in r for r in reasons), reasons
    assert not any("new issue date 2013-04-10" in r for r in reasons), reasons
    assert any("new number TOSL999" in r and "TOSL110 is the original" in r for r in reasons)
    assert "new number TOSL110" not in text


@pytest.mark.parametrize("which", ["original", "reissue"])
def test_the_summary_line_agrees_with_the_suspicions_below_it(checked: dict, which: str) -> None:  # type: ignore[type-arg]
    text = checked[which][0]
    assert "no matching file" not in text
    summary = next(line for line in text.splitlines() if "no copy of this file" in line)
    assert summary.rstrip().endswith("1 suspicion (other invoices it looks like, not copies):")
    after = text.split(summary, 1)[1]
    assert "SUSPICIOUS (reissue" in after
