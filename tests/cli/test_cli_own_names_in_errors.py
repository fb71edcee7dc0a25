"""A refused input is named as the command names it — its option (``--type``) or its
argument as its help shows it (``DOC_HASH``) — never by the API's field for the same input.
Found by a tryout: ``tradeledger doc show 0x12`` said ``error: doc_hash: must be 32 bytes …``
and ``doc list --type letter`` ``error: type: …``, words for a request body the user never
wrote. The CLI's one error path (``ledger.cli_common.fail``) maps the field to the running
command's own parameter, in the words and in ``--json``'s ``details.field``.

Real CLI (Typer's runner) on a real embedded chain, a command of every group."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command

from ledger.cli import app
from ledger.cli_common import cli_field, param_name
from tests.cli.cli_helpers import Cli

HERE = str(Path(__file__))
#: a path that is not there (under this test's own folder: /nonexistent may exist)
MISSING = str(Path(__file__).parent / "no-such-folder" / "nothing-here")
HASH = "0x" + "12" * 32
NOBODY = "nobody"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, dict[str, str]]:
    cli = Cli(tmp_path_factory.mktemp("own-names") / "ledger")
    members = {m["role"]: m["address"] for m in cli.json("init", "--demo")["members"]}
    return cli, members


#: (the command's words, with ``{role}`` for a member's address) and the name it must give
CASES: list[tuple[tuple[str, ...], str]] = [
    (("doc", "show", "0x12"), "DOC_HASH"),
    (("doc", "attest", "0x12", "--as", "{attestor}", "--evidence", "MRN 1"), "DOC_HASH"),
    (("doc", "revoke", "0x12", "--as", "{enterprise}", "--reason-code", "3"), "DOC_HASH"),
    (("doc", "supersede", "0x12", HERE, "--as", "{enterprise}"), "DOC_HASH"),
    (("doc", "list", "--type", "letter"), "--type"),
    (("doc", "list", "--status", "gone"), "--status"),
    (("doc", "list", "--from", "yesterday"), "--from"),
    (("doc", "list", "--registrant", NOBODY), "--registrant"),
    (("doc", "import", MISSING, "--as", "{enterprise}"), "DIRECTORY"),
    (("doc", "register", MISSING, "--as", "{enterprise}"), "FILE"),
    (("doc", "register-oa", HERE, "--as", "{enterprise}"), "WRAPPED"),
    (("audit", "timeline", "0x12"), "DOC_HASH"),
    (("audit", "activity", NOBODY), "ADDRESS"),
    (("finance", "share", NOBODY, "--as", "{bank}"), "READER"),
    (
        (
            *("finance", "create", "--as", "{bank}", "--doc", f"{HASH}=5"),
            *("--currency", "dkk", "--maturity", "2030-01-01"),
        ),
        "--currency",
    ),
    (("member", "add", "", "--role", "bank"), "NAME"),
    (("member", "suspend", NOBODY), "ADDRESS"),
    (("member", "propose", "suspend-member", "--account", NOBODY), "--account"),
    (
        ("member", "propose", "set-fingerprint-evaluator", "--evaluator-key", "00"),
        "--evaluator-key",
    ),
    (("member", "rotate-evaluator-key", "00"), "PUBLIC_KEY"),
    (("key", "rotate", NOBODY), "ADDRESS"),
    # a file that cannot be written: said so, naming the option (it was exit 1 and no word)
    (("audit", "export", "--out", f"{MISSING}/audit.csv"), "--out"),
]


def _own_names(path: tuple[str, ...]) -> set[str]:
    command: Any = get_command(app)
    for word in path:
        if not hasattr(command, "commands"):
            break
        command = command.commands[word]
    return {param_name(p) for p in command.params}


@pytest.mark.parametrize(
    ("words", "name"), CASES, ids=[" ".join(w[:3]) + f" {n}" for w, n in CASES]
)
def test_a_refused_input_is_named_as_the_command_names_it(
    world: tuple[Cli, dict[str, str]], words: tuple[str, ...], name: str
) -> None:
    cli, members = world
    args = [w.format(**members) if w.startswith("{") else w for w in words]
    own = _own_names(tuple(args[:2]))
    assert name in own, (args, name)  # the command's own parameter
    refused = cli.run(*args, code=2)
    assert refused.stderr.startswith(f"error: {name}: "), refused.output
    if "--json" not in own:  # audit export writes a file
        return
    body = cli.json(*args, code=2)
    assert body["details"]["field"] == name, body
    assert body["message"].startswith(f"{name}: "), body


def test_a_field_of_the_apis_documents_is_named_by_the_doc_it_was_given_in() -> None:
    """``finance create --doc HASH=AMOUNT`` is the API's ``documents[i]``: a refusal of its
    amount or hash (``documents[0].amount`` beyond an invoice's amount due, BR-CO-16) names
    ``--doc[0]``, the CLI's own name for it; a document's own field (``documentNumber``), an
    environment variable and an option as written are left as they are."""
    command: Any = get_command(app)
    create = command.commands["finance"].commands["create"]
    assert cli_field("documents[0].amount", create.params) == "--doc[0]"
    assert cli_field("documents[1].doc_hash", create.params) == "--doc[1]"
    assert cli_field("maturity", create.params) == "--maturity"
    for field in ("documentNumber", "totalAmount.value", "TRADELEDGER_PORT", "--as"):
        assert cli_field(field, create.params) is None
