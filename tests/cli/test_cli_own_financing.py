"""``finance create`` of an invoice the bank's own active financing holds: refused before
anything is sent (exit 4, ``already_financed_by_you`` naming the financing), nothing recorded
against the bank — the CLI's twin of tests/api/test_own_financing_not_sent.py. Found by a fresh
user's tryout: Demo Bank A's second financing of its invoice was recorded as a refusal (a
suspicion of double financing) against Demo Bank A."""

from __future__ import annotations

from pathlib import Path

from tests.cli.cli_helpers import build_story


def test_financing_your_own_financed_invoice_again_sends_nothing(tmp_path: Path) -> None:
    story = build_story(tmp_path)
    cli, bank_a = story.cli, story.address("Demo Bank A")
    before = cli.json("audit", "refusals")["items"]
    args = ["finance", "create", "--as", bank_a, "--doc", f"{story.ubl_hash}=1000"]
    args += ["--currency", "DKK", "--maturity", "2099-12-31", "--reference", "A-43"]
    said = cli.run(*args, code=4).stderr
    assert said.startswith("error: not financed, nothing was sent and nothing recorded: ")
    assert f"your active financing {story.financing_id}" in said
    body = cli.json(*args, code=4)
    assert body["error"] == "already_financed_by_you"
    assert body["details"]["financing_id"] == story.financing_id
    assert body["details"]["field"] == "--doc[0]"  # the CLI's own option
    assert cli.json("audit", "refusals")["items"] == before
    assert len(cli.json("finance", "list", "--as", bank_a)["items"]) == 1
