"""What the CLI reads without ``--as``, and what docs/privacy.md says it reads.

The docs said the data directory "holds the fingerprint key, so the CLI shows every fingerprint
and holder (``doc check``, ``finance show/list`` and the ``tradeledger audit …`` commands read
with every key the directory holds)". No gateway holds a fingerprint key (the consortium's
evaluator computes on-chain fingerprints, for a bank's key only), ``doc check`` without ``--as``
reads as a regulator does — fingerprints and holders only for a document a bank lodged at this
gateway, nothing sent to the evaluator — and ``finance show``/``list`` without ``--as`` give the
public part only, though its ``held`` copy is read as ``doc check`` reads it (the docs said its
fingerprints were null). The audit commands do read with every key the directory holds. Each
claim of the paragraph is checked here against what the commands print.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_helpers import Story, build_story

from tests.api.api_helpers import own_invoice

PRIVACY = Path(__file__).resolve().parents[2] / "docs" / "privacy.md"


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    return build_story(tmp_path_factory.mktemp("cli-without-as"))


def _paragraph() -> str:
    """The bullet of docs/privacy.md on the CLI run without ``--as``, on one line."""
    text = PRIVACY.read_text()
    found = re.search(r"^- \*\*The CLI run without `--as`\*\*.*?(?=^- |^\n)", text, re.M | re.S)
    assert found is not None, "docs/privacy.md lost its paragraph on the CLI without --as"
    return " ".join(found.group(0).split())


def test_doc_check_without_as_reads_as_a_regulator_without_the_evaluator(story: Story) -> None:
    cli = story.cli
    fresh = story.tmp / "fresh-without-as.xml"
    fresh.write_bytes(own_invoice("NOAS"))
    unknown = cli.json("doc", "check", str(fresh), code=4)
    assert unknown["fingerprints"] == [], unknown  # none evaluated: no bank lodged it here
    assert unknown["held_by"] is None
    assert "holders_unknown" in {n["kind"] for n in unknown["notices"]}
    checks = cli.json("audit", "fingerprint-checks")
    last = checks["items"][-1] if isinstance(checks, dict) else checks[-1]
    assert (last["participant"], last["role"], last["evaluated"]) == ("", "regulator", 0), last
    # a document a bank lodged here: its fingerprints and holders from that stored copy
    held = cli.json("doc", "check", str(story.tmp / "invoice.xml"), code=3)
    assert {f["held_by_financing"] for f in held["fingerprints"]} == {story.financing_id}

    paragraph = _paragraph()
    assert "holds the fingerprint key" not in paragraph, paragraph
    assert "no gateway holds a fingerprint key" in paragraph.lower(), paragraph
    assert "`doc check` without `--as` reads as a regulator does" in paragraph, paragraph
    assert "a bank lodged a copy of the document at this gateway" in paragraph, paragraph


def test_finance_show_and_list_without_as_give_the_public_part(story: Story) -> None:
    cli, fid = story.cli, str(story.financing_id)
    shown = cli.json("finance", "show", fid)
    assert (shown["confidential"], shown["amount"], shown["documents"]) == (True, None, [])
    assert len(shown["fingerprints"]) == shown["fingerprint_count"] > 0  # on chain, public
    listed = cli.json("finance", "list")["items"]
    assert [(f["financing_id"], f["amount"]) for f in listed] == [(story.financing_id, None)]
    opened = cli.json("finance", "show", fid, "--as", story.address("Demo Bank A"))
    assert opened["amount"] == 374_000

    paragraph = _paragraph()
    assert "`finance show` and `finance list` without `--as` give the public part" in paragraph
    assert not re.search(r"`finance\s+show/list`[^.]*every key", paragraph), paragraph


def test_audit_without_as_reads_with_every_key_of_the_data_directory(story: Story) -> None:
    events = story.cli.json("audit", "timeline", story.ubl_hash)
    items = events["items"] if isinstance(events, dict) else events
    registered = next(e for e in items if e["event"] == "FinancingRegistered")
    assert registered["fields"]["amount"] == "3740.00", registered  # its sealed terms, opened

    paragraph = _paragraph()
    assert "audit …` commands read with every key the data directory holds" in paragraph


def test_doc_show_and_prove_without_as(story: Story) -> None:
    cli = story.cli
    shown = cli.json("doc", "show", story.ubl_hash)
    assert shown["financings"] is None, shown
    assert shown["is_financed"] is None, shown
    assert shown["invoice_pledged"] is True
    assert {e["event"] for e in shown["history"]} == {"DocumentRegistered"}
    # the copy held here, as `doc check` without --as reads it (the docs said: fingerprints null)
    checked = cli.json("doc", "check", str(story.tmp / "invoice.xml"), code=3)
    assert shown["held"]["fingerprints"] == checked["fingerprints"], shown["held"]
    assert shown["held"]["held_by"] == checked["held_by"]
    proof = story.tmp / "without-as.proof.json"
    cli.run("doc", "prove", str(story.tmp / "invoice.xml"), "--out", str(proof))
    assert proof.exists()

    paragraph = _paragraph()
    assert "`doc show` without `--as` gives the public part only" in paragraph
    assert "is read as `doc check` without `--as` reads it" in paragraph, paragraph
    assert "fingerprints null" not in paragraph, paragraph
    assert "`doc prove` without `--as` asks as the operator" in paragraph
