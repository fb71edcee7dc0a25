"""The CLI's write commands refuse as the API does, in the same words (a fresh user's tryout):

- a role that may not write was told in the contract's words, ``Demo Regulator (0x…) has the
  role regulator, which may not do this`` — do *what*, and who may? Every write command now
  refuses before anything is signed, naming the action and the roles that may, the API's 403
  ``forbidden`` word for word (``role regulator may not register a document (allowed: bank,
  enterprise, attestor)``), its ``--json`` the API's body;
- a member that joined but is not yet approved (pending) is told it is pending, who approves it
  and the command that does it (``member_pending``), never ``member_suspended``;
- another bank's financing and another member's document name the record (``details.field``),
  and an ``--idempotency-key`` given again with another request names the option.
"""

from __future__ import annotations

from typing import Any

import pytest
from web3 import Web3

from ledger.network import open_ledger
from tests.cli.cli_helpers import Story, build_story, served_api
from tests.conftest import make_settings

PENDING = Web3.to_checksum_address("0x" + "56" * 20)


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    built = build_story(tmp_path_factory.mktemp("write-refusals"))
    ledger = open_ledger(make_settings(built.cli.data_dir))
    try:  # a participant of this gateway whose join is not approved on chain yet
        ledger.db.add_participant(PENDING, "Joining Bank", "bank")
    finally:
        ledger.close()
    return built


def _writes(story: Story) -> list[tuple[tuple[str, ...], str, str, str, tuple[str, ...]]]:
    """(command, --as member, its role, the action refused, the roles that may)."""
    fid, ubl = str(story.financing_id), story.ubl_hash
    invoice = str(story.tmp / "invoice.xml")
    bank_b = story.address("Bank B")
    regulator, exporter = "Demo Regulator", "Demo Exporter"
    documents = ("bank", "enterprise", "attestor")
    finance = (
        "finance",
        "create",
        "--doc",
        f"{ubl}=1000",
        "--currency",
        "DKK",
        "--maturity",
        "2099-12-31",
    )
    return [
        (("doc", "register", invoice), regulator, "regulator", "register a document", documents),
        (
            ("doc", "import", str(story.tmp)),
            regulator,
            "regulator",
            "register documents",
            documents,
        ),
        (
            ("doc", "revoke", ubl, "--reason-code", "1"),
            regulator,
            "regulator",
            "revoke a document",
            (*documents, "admin"),
        ),
        (
            ("doc", "supersede", ubl, invoice),
            regulator,
            "regulator",
            "supersede a document",
            documents,
        ),
        (
            ("doc", "attest", ubl, "--evidence", "MRN 1"),
            "Bank B",
            "bank",
            "attest a document",
            ("attestor",),
        ),
        (finance, exporter, "enterprise", "finance documents", ("bank",)),
        (
            ("finance", "drawdown", fid, "100"),
            exporter,
            "enterprise",
            "draw down a financing",
            ("bank",),
        ),
        (("finance", "repay", fid, "100"), exporter, "enterprise", "repay a financing", ("bank",)),
        (("finance", "close", fid), exporter, "enterprise", "close a financing", ("bank",)),
        (
            ("finance", "cancel", fid, "--reason-code", "1"),
            exporter,
            "enterprise",
            "cancel a financing",
            ("bank",),
        ),
        (
            ("finance", "share", bank_b),
            exporter,
            "enterprise",
            "share a financing's terms",
            ("bank", "regulator"),
        ),
    ]


def test_every_write_command_names_the_action_and_who_may(story: Story) -> None:
    for command, member, role, action, allowed in _writes(story):
        who = story.address(member)
        out = story.cli.run(*command, "--as", who, code=1)
        expected = f"role {role} may not {action} (allowed: {', '.join(allowed)})"
        assert out.stderr.strip() == f"error: {expected}", (command, out.output)
        assert "may not do this" not in out.output
        body = story.cli.json(*command, "--as", who, code=1)
        assert body == {
            "error": "forbidden",
            "message": expected,
            "details": {"role": role, "action": action, "allowed": list(allowed)},
        }, command


def test_the_cli_refusal_is_the_apis_403(story: Story) -> None:
    """The same write refused on both surfaces: one body."""
    fid, ubl = story.financing_id, story.ubl_hash
    cli: dict[str, Any] = {
        "register": story.cli.json(
            "doc",
            "register",
            str(story.tmp / "invoice.xml"),
            "--as",
            story.address("Demo Regulator"),
            code=1,
        ),
        "drawdown": story.cli.json(
            "finance", "drawdown", str(fid), "100", "--as", story.address("Demo Exporter"), code=1
        ),
        "attest": story.cli.json(
            "doc", "attest", ubl, "--evidence", "MRN 1", "--as", story.address("Bank B"), code=1
        ),
    }
    with served_api(story.cli) as client:
        api = {
            "register": client.post(
                "/v1/documents",
                files={"file": ("invoice.xml", (story.tmp / "invoice.xml").read_bytes())},
                headers=story.headers("Demo Regulator"),
            ),
            "drawdown": client.post(
                f"/v1/financings/{fid}/drawdown",
                json={"amount": 100},
                headers=story.headers("Demo Exporter"),
            ),
            "attest": client.post(
                f"/v1/documents/{ubl}/attest",
                json={"evidence": "MRN 1"},
                headers=story.headers("Bank B"),
            ),
        }
    for write, answer in api.items():
        assert answer.status_code == 403, answer.text
        assert answer.json() == cli[write], write


def test_a_pending_member_is_told_it_is_pending_and_who_approves_it(story: Story) -> None:
    invoice = str(story.tmp / "invoice.xml")
    for command, action in (
        (("doc", "register", invoice), "register a document"),
        (
            (
                "finance",
                "create",
                "--doc",
                f"{story.ubl_hash}=1000",
                "--currency",
                "DKK",
                "--maturity",
                "2099-12-31",
            ),
            "finance documents",
        ),
        (("finance", "drawdown", str(story.financing_id), "100"), "draw down a financing"),
    ):
        out = story.cli.run(*command, "--as", PENDING, code=1)
        assert out.stderr.startswith(
            f"error: Joining Bank ({PENDING}) is pending (its membership is not yet approved on "
            f"chain) and may not {action}: the consortium's admins (1 of them) approve it"
        ), out.stderr
        assert "`tradeledger member approve FILE`" in out.stderr
        assert "suspended" not in out.output
        body = story.cli.json(*command, "--as", PENDING, code=1)
        assert body["error"] == "member_pending"
        assert body["details"]["standing"] == "pending"
        assert body["details"]["approved_by"] == ["admin"]


def test_records_and_keys_are_named_in_the_clis_words(story: Story) -> None:
    fid = str(story.financing_id)
    other = story.cli.json(
        "finance", "drawdown", fid, "100", "--as", story.address("Bank B"), code=1
    )
    assert other["error"] == "NotFinancingBank"
    assert other["details"]["field"] == "FINANCING_ID"  # the API's financing_id, as typed here
    assert (
        "only that bank may draw down, repay, close, cancel it or share its terms"
        in (other["message"])
    )
    revoke = story.cli.json(
        "doc",
        "revoke",
        story.ubl_hash,
        "--reason-code",
        "1",
        "--as",
        story.address("Bank B"),
        code=1,
    )
    assert revoke["error"] == "NotDocumentRegistrant"
    assert revoke["details"]["field"] == "DOC_HASH"
    exporter = story.address("Demo Exporter")
    memo = story.tmp / "memo-reused-key.txt"
    memo.write_text("a memo revoked under one key, then asked again with another reason")
    doc_hash = story.cli.json("doc", "register", str(memo), "--as", exporter)["doc_hash"]
    key = ("--idempotency-key", "cli-reused-1")
    story.cli.json("doc", "revoke", doc_hash, "--reason-code", "1", "--as", exporter, *key)
    again = story.cli.json(
        "doc", "revoke", doc_hash, "--reason-code", "2", "--as", exporter, *key, code=1
    )
    assert again["error"] == "conflict"
    assert again["details"]["field"] == "--idempotency-key"
    assert again["details"]["idempotency_key"] == "cli-reused-1"
    assert again["message"].startswith("--idempotency-key: was given before with another request")
