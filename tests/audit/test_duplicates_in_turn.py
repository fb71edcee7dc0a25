"""``tradeledger audit duplicates`` says that financings sharing fingerprints held them in turn,
once per set of financings: tryout 65 refinanced an invoice at a second bank after the first
financing was repaid and closed, and read ``fingerprints pledged by more than one financing: 4``
— the one invoice counted once per fingerprint, as if financed twice at once (the chain refuses
a fingerprint an active financing holds)."""

from __future__ import annotations

from pathlib import Path

from tests.cli.cli_helpers import build_story


def test_a_refinancing_after_the_first_closed_is_one_set_held_in_turn(tmp_path: Path) -> None:
    story = build_story(tmp_path)
    cli = story.cli
    bank_a, bank_b = story.address("Demo Bank A"), story.address("Bank B")
    first = str(story.financing_id)
    cli.json("finance", "repay", first, "52000", "--as", bank_a)
    cli.json("finance", "close", first, "--as", bank_a)
    again = cli.finance(bank_b, story.ubl_hash, 100_000, "--reference", "B-79")
    listed = cli.json("audit", "duplicates")["repeated_fingerprints"]["items"]
    assert len(listed) > 1  # every fingerprint of the invoice, pledged again
    text = cli.run("audit", "duplicates").stdout
    assert (
        f"fingerprints pledged by more than one financing: {len(listed)}, by 1 set of "
        "financings, each holding them in turn"
    ) in text
    assert f"{len(listed)} fingerprints (" in text
    assert f"financing {first} of Demo Bank A" in text
    assert "(released)" in text
    assert text.count(f"financing {again} of Bank B") == 1
    # what the view does not hold, and where it is (tryout 67)
    assert "financings made despite suspicions (no fingerprint shared): `tradeledger audit " in text
