"""``tradeledger finance show`` tells a bank the warnings standing on its financing, as
``GET /v1/financings/{id}`` does (tests/api/test_financing_read_warnings.py), ``--json`` the
API's answer for every reader.

The story of ``tests/cli/cli_helpers.py`` (Demo Bank A finances the exporter's UBL invoice);
then the exporter registers the invoice's CII and revokes it (reason 3), and Bank A lodges the
revoked CII: the invoice was withdrawn in another file. Bank A's read warns
``document_copy_withdrawn``, before it writes; Bank B, the exporter and the regulator are not
told. Real CLI (Typer's runner) over a real embedded chain.
"""

from __future__ import annotations

import pytest

from tests.cli.cli_helpers import Story, build_story

READERS = ("Demo Bank A", "Bank B", "Demo Exporter", "Demo Regulator")


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    built = build_story(tmp_path_factory.mktemp("read-warnings"))
    cli, exporter = built.cli, built.address("Demo Exporter")
    cii = str(built.tmp / "invoice-cii.xml")
    cii_hash = cli.json("doc", "register", cii, "--as", exporter)["doc_hash"]
    assert cii_hash == built.cii_hash
    cli.json("doc", "revoke", cii_hash, "--as", exporter, "--reason-code", "3")
    cli.json("doc", "receive", cii, "--as", built.address("Demo Bank A"))
    return built


def test_the_bank_reads_the_withdrawal_and_others_do_not(story: Story) -> None:
    cli, fid = story.cli, str(story.financing_id)
    mine = cli.json("finance", "show", fid, "--as", story.address("Demo Bank A"))
    [notice] = mine["notices"]
    assert notice["kind"] == "document_copy_withdrawn", notice
    assert story.cii_hash in notice["documents"], notice
    text = cli.run("finance", "show", fid, "--as", story.address("Demo Bank A")).stdout
    assert f"warning (document_copy_withdrawn): financing {fid} pledges document" in text

    for who in READERS[1:]:
        theirs = cli.json("finance", "show", fid, "--as", story.address(who))
        assert theirs["confidential"] is (who == "Bank B"), who  # the others read the terms
        assert theirs["notices"] == [], (who, theirs["notices"])
        assert "warning" not in cli.run("finance", "show", fid, "--as", story.address(who)).stdout
    assert cli.json("finance", "show", fid)["notices"] == []  # no --as: no caller, no terms


def test_finance_show_json_is_the_api_answer_with_its_notices(story: Story) -> None:
    cli, fid = story.cli, str(story.financing_id)
    shown = {who: cli.json("finance", "show", fid, "--as", story.address(who)) for who in READERS}
    with story.api() as client:
        for who in READERS:
            answer = client.get(f"/v1/financings/{fid}", headers=story.headers(who))
            assert answer.status_code == 200, answer.text
            assert shown[who] == answer.json(), who
