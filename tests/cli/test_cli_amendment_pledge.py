"""``tradeledger doc check`` and ``finance create`` of an amendment of a financed invoice, as
another bank: pledged (exit 3, the earlier version and its financing named), and refused
whatever is acknowledged (exit 4, the refusal naming the earlier version) — the API's answer
(``tests/api/test_amendment_pledge.py``) in the CLI's words.

The story of ``tests/cli/cli_helpers.py``: Demo Bank A finances the exporter's UBL invoice; the
exporter then supersedes it by an amendment with another number and an amount due one cent
higher. Real CLI (Typer's runner) over a real embedded chain."""

from __future__ import annotations

import pytest

from tests.cli.cli_helpers import UBL, Story, build_story


def _amendment() -> bytes:
    """The demo UBL invoice (BT-1 TOSL110, 4,675.00 DKK due) under another number, 4,675.01
    DKK due (BT-112 and BT-115)."""
    amended = UBL.replace(b"TOSL110", b"TOSL110-A1")
    for total in (b"TaxInclusiveAmount", b"PayableAmount"):
        stated = b"<cbc:" + total + b' currencyID="DKK">4675.00<'
        assert stated in amended
        amended = amended.replace(stated, stated.replace(b"4675.00", b"4675.01"))
    return amended


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    built = build_story(tmp_path_factory.mktemp("amendment-pledge"))
    amended = built.tmp / "amended.xml"
    amended.write_bytes(_amendment())
    exporter = built.address("Demo Exporter")
    built.amended_hash = built.cli.json(  # type: ignore[attr-defined]
        "doc", "supersede", built.ubl_hash, str(amended), "--as", exporter
    )["new_doc_hash"]
    return built


def test_another_banks_check_of_the_amendment_says_it_is_pledged(story: Story) -> None:
    cli, bank_b = story.cli, story.address("Bank B")
    amended = str(story.tmp / "amended.xml")
    said = cli.run("doc", "check", amended, "--as", bank_b, code=3).stdout
    assert f"financing {story.financing_id}" in said, said
    assert (
        f"{story.ubl_hash} is pledged by active financing {story.financing_id} of Demo Bank A"
        in said
    ), said
    answer = cli.json("doc", "check", amended, "--as", bank_b, code=3)
    assert answer["conflicting_financings"] == [story.financing_id]
    [notice] = [n for n in answer["notices"] if n["kind"] == "earlier_version_pledged"]
    assert notice["documents"] == [story.ubl_hash]


def test_another_banks_financing_of_the_amendment_is_refused(story: Story) -> None:
    cli, bank_b = story.cli, story.address("Bank B")
    cli.json("doc", "receive", str(story.tmp / "amended.xml"), "--as", bank_b)
    refused = cli.run(
        "finance",
        "create",
        "--as",
        bank_b,
        "--doc",
        f"{story.amended_hash}=100000",  # type: ignore[attr-defined]
        "--currency",
        "DKK",
        "--maturity",
        "2099-12-31",
        "--acknowledge-suspicions",
        code=4,
    )
    assert (
        f"amends document {story.ubl_hash} (DocumentSuperseded), which is already pledged to "
        f"active financing {story.financing_id} of Demo Bank A" in refused.output
    ), refused.output
