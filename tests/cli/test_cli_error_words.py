"""What a person reads when a command fails: words, never a raw revert; and ``--json`` prints the
API's error body. On the real embedded chain, through the real ``tradeledger`` command.

One test per kind of error: a role refused, a repayment beyond the outstanding amount, a
document registered twice, a refused financing, an unknown record, bad input. Each asserts the
sentence (member names, amounts in major units with their currency, role names) and that no
``Name(arg=…)`` repr reaches the user. Then the same failures through HTTP give the same body.
"""

from __future__ import annotations

import copy
import json

import pytest

from tests.cli.cli_helpers import ISO_UTC, RAW_REPR, Story, build_story
from tests.leaks import mentions


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    return build_story(tmp_path_factory.mktemp("words"))


def _one_error_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert lines[0].startswith("error: "), text
    assert not RAW_REPR.search(text), text
    return lines[0]


def test_role_refused_names_the_action_and_who_may(story: Story) -> None:
    """Refused before anything is signed, in the API's 403 words (was the contract's: "Demo
    Regulator (0x…) has the role regulator, which may not do this";
    tests/cli/test_cli_write_refusals.py holds every write command to it)."""
    other = story.tmp / "memo.txt"
    other.write_text("a memo the regulator may not register")
    regulator = story.address("Demo Regulator")
    failed = story.cli.run("doc", "register", str(other), "--as", regulator, code=1)
    line = _one_error_line(failed.stderr)
    assert line == (
        "error: role regulator may not register a document (allowed: bank, enterprise, attestor)"
    )
    body = story.cli.json("doc", "register", str(other), "--as", regulator, code=1)
    assert body["error"] == "forbidden"
    assert body["details"] == {
        "role": "regulator",
        "action": "register a document",
        "allowed": ["bank", "enterprise", "attestor"],
    }
    assert body["message"] == line.removeprefix("error: ")


def test_repayment_beyond_the_outstanding_amount_is_in_major_units_with_currency(
    story: Story,
) -> None:
    fid = str(story.financing_id)
    bank = story.address("Demo Bank A")
    failed = story.cli.run("finance", "repay", fid, "999999", "--as", bank, code=1)
    assert _one_error_line(failed.stderr) == (
        f"error: repayment of 9,999.99 DKK exceeds the outstanding 520.00 DKK on financing {fid}"
    )
    drawn = story.cli.run("finance", "drawdown", fid, "9999999", "--as", bank, code=1)
    assert _one_error_line(drawn.stderr) == (
        f"error: a drawdown of 99,999.99 DKK exceeds the 3,220.00 DKK still undrawn on "
        f"financing {fid}"
    )
    early = story.cli.run("finance", "close", fid, "--as", bank, code=1)
    assert _one_error_line(early.stderr) == (
        f"error: financing {fid} cannot be closed: 520.00 DKK drawn is not yet repaid"
    )


def test_a_document_registered_twice_names_who_and_when(story: Story) -> None:
    exporter = story.address("Demo Exporter")
    failed = story.cli.run(
        "doc", "register", str(story.tmp / "invoice.xml"), "--as", exporter, code=1
    )
    line = _one_error_line(failed.stderr)
    assert line.startswith(
        f"error: document {story.ubl_hash} is already registered, by Demo Exporter ({exporter}) at "
    )
    assert ISO_UTC.search(line)


def test_a_refused_financing_gives_both_banks_and_the_numbers(story: Story) -> None:
    """The refused bank reads who holds the invoice (financing, bank) and its own numbers —
    never the holder's terms (docs/privacy.md)."""
    bank_b, bank_a = story.address("Bank B"), story.address("Demo Bank A")
    failed = story.cli.run(
        "finance",
        "create",
        "--as",
        bank_b,
        "--doc",
        f"{story.ubl_hash}=100000",
        "--currency",
        "DKK",
        "--maturity",
        "2099-12-31",
        code=4,
    )
    line = _one_error_line(failed.stderr)
    assert line.startswith(
        # bank B cannot read which file bank A pledged: the sentence speaks of the invoice
        f"error: financing refused for Bank B ({bank_b}): the invoice of document "
        f"{story.ubl_hash} (this file or another copy of it) is already pledged to active "
        f"financing {story.financing_id} of Demo Bank A ({bank_a})"
    ), line
    assert "asked for 1,000.00 DKK" in line
    assert "3,740.00" not in line  # bank A's amount is bank A's
    body = story.refused_cii  # the same invoice as CII, --json: the API's 409 body
    assert body["error"] == "financing_refused"
    details = body["details"]
    assert details["reason"] == "FINGERPRINT_PLEDGED"
    assert (details["bank"], details["bank_name"]) == (bank_b, "Bank B")
    assert (details["conflicting_bank"], details["conflicting_bank_name"]) == (
        bank_a,
        "Demo Bank A",
    )
    assert details["conflicting_financing_id"] == story.financing_id
    assert details["headroom"] == 0  # nothing can be financed while financing 1 holds it
    assert (details["requested_amount"], details["currency"]) == (100_000, "DKK")
    assert details["stated_face_value"] == 467_500  # what bank B's own file says
    assert not mentions(json.dumps(details), "374000")
    assert "3,740.00" not in body["message"]


def test_unknown_records_are_said_plainly(story: Story) -> None:
    bank = story.address("Demo Bank A")
    revert = story.cli.run("finance", "drawdown", "99", "100", "--as", bank, code=1)
    assert _one_error_line(revert.stderr) == "error: there is no financing 99"
    missing = story.cli.run("member", "suspend", "0x" + "12" * 20, code=1)
    assert "is not a member" in _one_error_line(missing.stderr)
    body = story.cli.json("finance", "drawdown", "99", "100", "--as", bank, code=1)
    assert body == {
        "error": "FinancingNotFound",
        "message": "there is no financing 99",
        # the request field it concerns, and the rule (ledger.revert.FIELDS), as the API's 404
        "details": {
            "financing_id": 99,
            "field": "FINANCING_ID",  # the CLI's own argument
            "rule": "there is no financing 99",
        },
    }


def test_bad_input_names_the_field_and_the_rule(story: Story) -> None:
    bank = story.address("Demo Bank A")
    zero = story.cli.run("finance", "repay", str(story.financing_id), "0", "--as", bank, code=2)
    # named as the CLI names the argument, as its other faults are (`AMOUNT: must be written
    # in decimal digits`), not by the service's field
    assert _one_error_line(zero.stderr) == (
        "error: AMOUNT: must be a positive amount in minor units"
    )
    body = story.cli.json("doc", "show", "nope", code=2)
    assert body["error"] == "invalid_input"
    # the command's own argument, as its help names it, not the API's field doc_hash
    assert (body["details"]["field"], body["message"]) == (
        "DOC_HASH",
        "DOC_HASH: must be 32 bytes as 64 hex digits",
    )


def test_the_cli_json_error_is_the_http_error_body(story: Story) -> None:
    fid = story.financing_id
    bank = story.address("Demo Bank A")
    cli_bodies = {
        "repay": story.cli.json("finance", "repay", str(fid), "999999", "--as", bank, code=1),
        "drawdown": story.cli.json(
            "finance", "drawdown", str(fid), "9999999", "--as", bank, code=1
        ),
        "close": story.cli.json("finance", "close", str(fid), "--as", bank, code=1),
    }
    with story.api() as client:
        h = story.headers("Demo Bank A")
        http = {
            "repay": client.post(f"/v1/financings/{fid}/repay", json={"amount": 999999}, headers=h),
            "drawdown": client.post(
                f"/v1/financings/{fid}/drawdown", json={"amount": 9999999}, headers=h
            ),
            "close": client.post(f"/v1/financings/{fid}/close", headers=h),
        }
        refused = client.post(
            "/v1/financings",
            json={
                "documents": [{"doc_hash": story.cii_hash, "amount": 100_000}],
                "currency": "DKK",
                "maturity": "2099-12-31",
                "reference": "B-77",
            },
            headers=story.headers("Bank B"),
        )
    for name, response in http.items():
        assert response.status_code == 409, response.text
        body, by_cli = response.json(), cli_bodies[name]
        # the CLI names the field by its own argument (docs/api.md: the CLI's details.field)
        if "field" in body["details"]:
            assert by_cli["details"].pop("field") == body["details"].pop("field").upper(), name
        assert body == by_cli, name
    assert refused.status_code == 409
    over_http = refused.json()
    by_cli = copy.deepcopy(story.refused_cii)
    for body in (over_http, by_cli):  # another attempt: another transaction
        body["details"].pop("tx_hash")
        body["details"].pop("block")
    assert over_http == by_cli
    assert not RAW_REPR.search(over_http["message"])
