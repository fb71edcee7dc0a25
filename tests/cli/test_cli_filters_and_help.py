"""The CLI side of a fresh user's report (issue #11): every enum-like option refuses an unknown
value naming the option and the allowed values (exit 2), help texts are plain text (no reST
markup), and a revoked document's reason is named, not only numbered."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command

from ledger.cli import app
from ledger.cli_filters import ReadCommand
from ledger.services.audit import EMPTY_FILTER_RULE
from tests.cli.cli_helpers import Cli

#: what a help text must not show: reST roles and literals, Markdown code spans
MARKUP = re.compile(r"``|:(?:func|class|mod|meth|data|attr):|`[^`]+`")


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    runner = Cli(tmp_path_factory.mktemp("filters") / "ledger")
    runner.json("init", "--demo")
    return runner


EXPORT = ("audit", "export", "--out", "-")
HERE, DIR = str(Path(__file__)), str(Path(__file__).parent)


@pytest.mark.parametrize(
    ("args", "option", "allowed"),
    [
        ((*EXPORT, "--event", "Bogus"), "--event", ("FinancingRefused", "DocumentRegistered")),
        ((*EXPORT, "--format", "xml"), "--format", ("csv", "jsonl")),
        (("audit", "refusals", "--reason", "bogus"), "--reason", ("fingerprint_pledged",)),
        (("audit", "exposure", "--by", "country"), "--by", ("bank", "enterprise")),
        (("doc", "list", "--type", "letter"), "--type", ("invoice", "bill_of_lading")),
        (("doc", "list", "--status", "gone"), "--status", ("active", "revoked")),
        (("finance", "list", "--status", "open"), "--status", ("active", "closed", "cancelled")),
        (("member", "add", "X", "--role", "king"), "--role", ("bank", "enterprise")),
        # a write's type sent empty (a script's unset variable) is refused, not detected
        (("doc", "register", HERE, "--as", "1", "--type", ""), "--type", ("invoice", "other")),
        (("doc", "register", HERE, "--as", "1", "--type", "letter"), "--type", ("invoice",)),
        (("doc", "receive", HERE, "--as", "1", "--type", ""), "--type", ("invoice", "other")),
        (("doc", "import", DIR, "--as", "1", "--type", ""), "--type", ("invoice", "other")),
    ],
)
def test_an_unknown_option_value_names_the_option_and_the_allowed_values(
    cli: Cli, args: tuple[str, ...], option: str, allowed: tuple[str, ...]
) -> None:
    failed = cli.run(*args, code=2)
    assert failed.stderr.startswith(f"error: {option}: "), failed.output
    for name in allowed:
        assert name in failed.stderr
    if args[:2] != EXPORT[:2]:  # the export writes a file, it has no --json
        body = cli.json(*args, code=2)  # --json: the API's error body
        assert body["error"] == "invalid_input"
        assert body["details"]["field"] == option


def test_the_export_takes_an_event_filter_like_the_api(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "members.csv"
    cli.run("audit", "export", "--format", "csv", "--out", str(out), "--event", "MemberAdded")
    rows = out.read_text().splitlines()[1:]
    assert len(rows) == 5  # the demo's members
    assert all(",MemberAdded," in row for row in rows)
    # taken as written, as the ABI spells it: another case is refused, naming the option
    refused = cli.run(*EXPORT, "--event", "memberadded", code=2)
    assert refused.stderr.startswith("error: --event: must be one of"), refused.output


def _commands(command: object, path: tuple[str, ...] = ()) -> list[tuple[str, object]]:
    found = [(" ".join(path) or "tradeledger", command)]
    for name, sub in getattr(command, "commands", {}).items():
        found += _commands(sub, (*path, name))
    return found


def test_help_texts_are_plain_text() -> None:
    marked = []
    for name, command in _commands(get_command(app)):
        texts = [getattr(command, "help", None) or ""]
        texts += [getattr(p, "help", None) or "" for p in getattr(command, "params", ())]
        marked += [f"{name}: {t[:80]}" for t in texts if MARKUP.search(t)]
    assert marked == []


def test_a_revoked_document_names_its_reason(cli: Cli, tmp_path: Path) -> None:
    exporter = next(
        m["address"] for m in cli.json("member", "list")["items"] if m["role"] == "enterprise"
    )
    note = tmp_path / "note.txt"
    note.write_text("an order that was cancelled")
    doc_hash = cli.json("doc", "register", str(note), "--as", exporter)["doc_hash"]
    cli.run("doc", "revoke", doc_hash, "--as", exporter, "--reason-code", "3")
    verified = cli.run("doc", "verify", str(note), code=4)
    assert "reason code 3 (cancelled_by_issuer)" in verified.stdout


#: sample values for the arguments and required options of the reading commands
READ_SAMPLES = {"--as": "0x" + "11" * 20, "--out": "-"}


def _reading_commands() -> list[tuple[tuple[str, ...], Any]]:
    return [
        (tuple(name.split()), command)
        for name, command in _commands(get_command(app))
        if isinstance(command, ReadCommand)
    ]


def test_the_reading_commands_refuse_an_empty_option() -> None:
    names = {" ".join(words) for words, _ in _reading_commands()}
    assert {"doc list", "doc search", "finance list", "evaluator log"} <= names
    audit = get_command(app).commands["audit"].commands  # type: ignore[attr-defined]
    assert {f"audit {name}" for name in audit} <= names  # every audit command reads


def test_an_option_given_empty_is_refused_naming_it_on_every_reading_command(cli: Cli) -> None:
    """``--bank "$BANK"`` with BANK unset answered every bank's records (``audit refusals``,
    ``doc list --status ''``, …). Every option of every reading command sent empty (or blank)
    now ends the command with exit 2 and ``error: --option: must not be empty: leave it out
    for no filter`` — with ``--json`` the API's error body naming it."""
    failures: list[str] = []
    checked = 0
    for words, command in _reading_commands():
        arguments = ["1" for p in command.params if p.param_type_name == "argument"]
        required = [
            (p.opts[0], READ_SAMPLES[p.opts[0]])
            for p in command.params
            # --data-dir is given by the runner (required of the evaluator's commands)
            if p.param_type_name == "option" and p.required and p.opts[0] != "--data-dir"
        ]
        for param in command.params:
            if param.param_type_name != "option" or param.is_flag or param.opts[0] == "--data-dir":
                continue
            option = param.opts[0]
            others = [x for o, v in required if o != option for x in (o, v)]
            for blank in ("", " "):
                args = (*words, *arguments, *others, option, blank)
                failed = cli.runner.invoke(app, [*args, "--data-dir", str(cli.data_dir)])
                checked += 1
                expected = f"error: {option}: {EMPTY_FILTER_RULE}"
                if failed.exit_code != 2 or not failed.stderr.startswith(expected):
                    failures.append(f"{' '.join(args)!r}: {failed.exit_code} {failed.output!r}")
            if "--json" in {o for p in command.params for o in p.opts}:
                body = cli.json(*words, *arguments, *others, option, "", code=2)
                if body["details"].get("field") != option or body["error"] != "invalid_input":
                    failures.append(f"{' '.join(words)} {option} '' --json: {body}")
    assert checked > 60
    assert not failures, "\n".join(failures)


def test_the_filters_named_in_the_report_are_refused_empty(cli: Cli) -> None:
    for args in (
        ("doc", "list", "--status", ""),
        ("doc", "list", "--to", ""),
        ("audit", "refusals", "--bank", ""),
        ("audit", "refusals", "--since", ""),
        ("finance", "list", "--bank", ""),
    ):
        failed = cli.run(*args, code=2)
        assert failed.stderr.startswith(f"error: {args[2]}: must not be empty"), failed.output
        assert failed.stdout == ""
    assert "no refusals" in cli.run("audit", "refusals").stdout  # left out: no filter
