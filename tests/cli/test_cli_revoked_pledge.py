"""``tradeledger finance`` tells a bank that a document its financing pledges was revoked: the
read shows the document's status and revocation (``finance show``/``list``, ``--json`` as the
API), a drawdown still goes through (exit 0: the bank decides) but prints a warning line and
carries a notice; a bank that cannot open the terms is shown no pledged document at all.

The story of ``tests/cli/cli_helpers.py`` (Demo Bank A finances the exporter's UBL invoice),
then the exporter revokes the invoice. Real CLI (Typer's runner) over a real embedded chain.
"""

from __future__ import annotations

import pytest

from tests.cli.cli_helpers import Story, build_story


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    built = build_story(tmp_path_factory.mktemp("revoked-pledge"))
    built.cli.json(
        "doc",
        "revoke",
        built.ubl_hash,
        "--as",
        built.address("Demo Exporter"),
        "--reason-code",
        "3",
    )
    return built


def test_the_bank_reads_the_revocation_and_a_drawdown_warns(story: Story) -> None:
    cli, bank, fid = story.cli, story.address("Demo Bank A"), str(story.financing_id)
    document = cli.json("doc", "show", story.ubl_hash, "--as", bank)
    assert document["status"] == "revoked"

    shown = cli.json("finance", "show", fid, "--as", bank)
    (pledged,) = shown["documents"]
    assert pledged["doc_hash"] == story.ubl_hash
    assert pledged["status"] == "revoked"
    assert pledged["revocation"] == document["revocation"]
    listed = cli.json("finance", "list", "--as", bank)["items"]
    (mine,) = [f for f in listed if f["financing_id"] == story.financing_id]
    assert mine["documents"][0]["status"] == "revoked"

    text = cli.run("finance", "show", fid, "--as", bank).stdout
    assert f"pledges {story.ubl_hash}" in text
    assert "document REVOKED by Demo Exporter" in text
    listed_text = cli.run("finance", "list", "--as", bank).stdout
    assert f"warning (document_revoked): financing {fid} pledges" in listed_text

    drawn = cli.run("finance", "drawdown", fid, "100000", "--as", bank)  # exit 0: bank decides
    assert "drawn 1,520.00 DKK" in drawn.stdout
    assert f"warning (document_revoked): financing {fid} pledges document {story.ubl_hash}" in (
        drawn.stderr
    )
    as_json = cli.json("finance", "drawdown", fid, "1000", "--as", bank)
    assert as_json["documents"][0]["status"] == "revoked"
    (notice,) = as_json["notices"]
    assert notice["kind"] == "document_revoked"
    assert notice["documents"] == [story.ubl_hash]


def test_the_regulator_reads_it_and_another_bank_sees_no_document(story: Story) -> None:
    cli, fid = story.cli, str(story.financing_id)
    regulator = cli.json("finance", "show", fid, "--as", story.address("Demo Regulator"))
    assert regulator["documents"][0]["status"] == "revoked"
    other = cli.json("finance", "show", fid, "--as", story.address("Bank B"))
    assert other["confidential"] is True
    assert other["documents"] == []
    text = cli.run("finance", "show", fid, "--as", story.address("Bank B")).stdout
    assert story.ubl_hash not in text
    listed = cli.run("finance", "list", "--as", story.address("Bank B")).stdout
    assert story.ubl_hash not in listed
    assert "warning" not in listed


def test_the_regulator_sees_the_active_financing_on_a_revoked_invoice(story: Story) -> None:
    cli, fid = story.cli, story.financing_id
    report = cli.json("audit", "verify")
    assert report["rules"]["clean"] is True  # the on-chain rules: the bank decides
    (found,) = report["rules"]["not_in_force"]
    assert (found["financing_id"], found["doc_hash"], found["status"]) == (
        fid,
        story.ubl_hash,
        "revoked",
    )
    out = cli.run("audit", "verify").stdout
    assert "RULES HOLD" in out
    assert "; 1 to follow up below (not rule breaches)" in out
    assert f"active financings on revoked or superseded documents: 1 (financing {fid})" in out
    # the bank by name beside its address, as every other line names members (a tryout)
    bank = f"Demo Bank A ({story.address('Demo Bank A')})"
    assert f"financing {fid} of {bank} pledges {story.ubl_hash}" in out


def test_a_refused_supersession_is_refused_before_evaluating(
    story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``doc supersede`` refused for what needs no fingerprints — the amendment registered
    already, the old document revoked — is refused (the contract's error, as before) without
    evaluating the amendment's fingerprints: no request to the evaluator."""
    from tests.api.api_helpers import evaluator_requests, own_invoice

    cli, bank = story.cli, story.address("Demo Bank A")
    files = []
    for name in ("first.xml", "second.xml", "amended.xml"):
        path = story.tmp / name
        path.write_bytes(own_invoice("SUP"))
        files.append(path)
    first = cli.json("doc", "register", str(files[0]), "--as", bank)["doc_hash"]
    cli.json("doc", "register", str(files[1]), "--as", bank)
    sent = evaluator_requests(monkeypatch)
    again = cli.json("doc", "supersede", first, str(files[1]), "--as", bank, code=1)
    assert again["error"] == "DocumentAlreadyRegistered"
    cli.json("doc", "revoke", first, "--as", bank, "--reason-code", "1")
    revoked = cli.json("doc", "supersede", first, str(files[2]), "--as", bank, code=1)
    assert revoked["error"] == "DocumentNotActive"
    assert sent == []


def test_a_financing_no_longer_active_is_not_warned_of(story: Story) -> None:
    """A tryout: ``finance list`` warned of a cancelled financing on a revoked document "the
    chain does not stop the financing — the bank decides whether to go on with it". Once the
    financing is closed or cancelled there is nothing to decide: no warning."""
    cli, bank, fid = story.cli, story.address("Demo Bank A"), str(story.financing_id)
    shown = cli.json("finance", "show", fid, "--as", bank)
    outstanding = int(shown["drawn"]) - int(shown["repaid"])
    if outstanding:
        cli.json("finance", "repay", fid, str(outstanding), "--as", bank)
    cli.json("finance", "cancel", fid, "--reason-code", "5", "--as", bank)
    assert cli.json("finance", "show", fid, "--as", bank)["status"] == "cancelled"
    listed = cli.run("finance", "list", "--as", bank)
    assert "warning" not in listed.stdout
    assert "warning" not in listed.stderr
