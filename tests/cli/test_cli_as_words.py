"""What ``--as`` is told when it cannot read or act, in true words. Found by a fresh user's
tryout:

- ``finance show ID --as BANK_B`` (a member whose key does not open the terms) was told to
  "pass --as ADDRESS" — what it had just done. It is now told that this member's key does not
  open the terms, and who reads them (the financing's bank and the regulators by name, the
  seller's enterprise registrants, whoever the bank shared them with);
- ``--as`` naming an address that is no member was told it "is not an approved member on chain
  … (suspended, or not yet approved)" by the reads, "no keystore for …" by the writes, and got
  an empty answer from ``finance list``, ``finance share`` and ``doc search``. Every command
  taking ``--as`` now says it is not a member of the consortium, naming the option (the
  contract's ``NotAMember``, ``--as: 0x… is not a member of the consortium``, exit 1; the audit
  queries' ``--as: is not a member of the consortium``, exit 2) — and a suspended member is
  still told it is suspended."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.cli_helpers import Story, build_story

#: an address no member has
STRANGER = "0x" + "12" * 20


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    return build_story(tmp_path_factory.mktemp("as-words"))


def test_a_member_whose_key_does_not_open_the_terms_is_told_so_and_who_reads_them(
    story: Story,
) -> None:
    out = story.cli.run("finance", "show", str(story.financing_id), "--as", story.address("Bank B"))
    text = out.stdout
    assert "pass --as" not in text
    assert f"the key of Bank B ({story.address('Bank B')}) does not open them" in text
    assert f"its bank Demo Bank A ({story.address('Demo Bank A')})" in text
    assert f"the regulators (Demo Regulator ({story.address('Demo Regulator')}))" in text
    assert "shown to be the invoice's seller" in text
    # without --as the hint to pass it stands: it is the way to read them
    assert "pass --as ADDRESS" in story.cli.run("finance", "show", str(story.financing_id)).stdout


def _commands(story: Story) -> list[tuple[str, ...]]:
    fid, ubl = str(story.financing_id), story.ubl_hash
    invoice = str(story.tmp / "invoice.xml")
    return [
        ("finance", "show", fid),
        ("finance", "list"),
        (
            "finance",
            "create",
            "--doc",
            f"{ubl}=1000",
            "--currency",
            "DKK",
            "--maturity",
            "2099-12-31",
        ),
        ("finance", "drawdown", fid, "100"),
        ("finance", "repay", fid, "100"),
        ("finance", "close", fid),
        ("finance", "cancel", fid, "--reason-code", "1"),
        ("finance", "share", story.address("Bank B")),
        ("doc", "check", invoice),
        ("doc", "receive", invoice),
        ("doc", "register", invoice),
        ("doc", "show", ubl),
        ("doc", "search"),
        ("doc", "revoke", ubl, "--reason-code", "1"),
        ("doc", "attest", ubl, "--evidence", "MRN 1"),
        ("doc", "prove", invoice, "--out", str(story.tmp / "proof.json")),
        ("member", "publish-key"),
        ("evaluator", "log"),
    ]


def test_as_an_address_that_is_no_member_is_told_it_is_not_a_member(story: Story) -> None:
    for command in _commands(story):
        out = story.cli.run(*command, "--as", STRANGER, code=1)
        # named by the option, as every bad option is (a tryout)
        assert f"error: --as: {STRANGER} is not a member of the consortium" in out.stderr, (
            command,
            out.output,
        )
        assert "suspended" not in out.output, command
        assert "keystore" not in out.output, command
    body = story.cli.json("finance", "list", "--as", STRANGER, code=1)
    assert body["error"] == "NotAMember"
    assert body["details"]["field"] == "--as"
    # the member to share with, named by no member: said so, not "has published no key"
    shared = story.cli.run(
        "finance", "share", STRANGER, "--as", story.address("Demo Bank A"), code=2
    )
    assert "error: READER: is not a member of the consortium" in shared.stderr, shared.output
    # the audit queries read members from the index: the same truth, naming --as
    out = story.cli.run("audit", "refusals", "--as", STRANGER, code=2)
    assert "--as: is not a member of the consortium" in out.stderr


def test_a_suspended_member_is_still_told_it_is_suspended(tmp_path: Path) -> None:
    built = build_story(tmp_path)
    bank_a = built.address("Demo Bank A")
    built.cli.json("member", "suspend", bank_a)
    out = built.cli.run(
        "finance", "list", "--bank", built.address("Bank B"), "--as", bank_a, code=1
    )
    assert f"{bank_a}) is suspended on chain and may not read" in out.stderr, out.stderr
    assert "not a member" not in out.stderr
    body = json.loads(
        built.cli.run(
            "doc", "check", str(tmp_path / "invoice.xml"), "--as", bank_a, "--json", code=1
        ).stdout
    )
    assert body["error"] == "member_suspended"
    assert body["details"]["standing"] == "suspended on chain"
