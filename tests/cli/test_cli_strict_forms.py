"""The CLI's side of the strict forms: a JSON form registered as written and read as
registered, a currency in force on the day it is used, a batch's repeats named, settings named
by their variable, and a single-valued option given twice refused on every command.

Commands run in this process on a real embedded chain (``Cli``); the option walk reads the
commands from the CLI's own parser, so a new command is covered without anyone adding it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from cli_helpers import FAST, Cli
from typer.testing import CliRunner

from ledger.cli import app
from ledger.config import get_settings
from ledger.errors import InvalidInput
from ledger.network import open_ledger
from ledger.services import documents as docs
from ledger.services.roles import DocType
from tests.conftest import make_settings


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    runner = Cli(tmp_path_factory.mktemp("strict-forms") / "ledger")
    runner.json("init", "--demo")
    return runner


def members(cli: Cli) -> dict[str, str]:
    return {m["role"]: m["address"] for m in cli.json("member", "list")["items"]}


def form(number: Any = "CLI-SF-1", **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "documentType": "Invoice",
        "documentNumber": number,
        "issueDate": "2026-03-01",
        "issuer": {"id": "DE136695976", "scheme": "VAT", "country": "DE"},
        "totalAmount": {"value": "120.00", "currency": "EUR"},
    }
    base.update(changes)
    return base


def write(tmp: Path, name: str, body: dict[str, Any]) -> Path:
    path = tmp / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, indent=2))
    return path


LOOSE = [
    ("number", form(12345), "documentNumber", "must be a JSON string"),
    (
        "lower-case currency",
        form("CLI-SF-2", totalAmount={"value": "1.00", "currency": "eur"}),
        "totalAmount.currency",
        "three upper-case letters",
    ),
    ("unknown key", form("CLI-SF-3", documentNo="x"), "documentNo", "is not a field of"),
    ("nul in number", form("CLI-SF-5\x00X"), "documentNumber", "control character (U+0000)"),
    (
        "escape in a party id",
        form("CLI-SF-6", issuer={"id": "DE136\x1b695976", "scheme": "VAT"}),
        "issuer.id",
        "control character (U+001B)",
    ),
    (
        "unknown nested key",
        form("CLI-SF-4", issuer={"id": "DE136695976", "scheme": "VAT", "vat": "x"}),
        "issuer.vat",
        "is not a field of",
    ),
]


@pytest.mark.parametrize(("case", "body", "field", "rule"), LOOSE, ids=[c[0] for c in LOOSE])
def test_every_registering_command_takes_a_json_form_as_written(
    cli: Cli, tmp_path: Path, case: str, body: dict[str, Any], field: str, rule: str
) -> None:
    ent = members(cli)["enterprise"]
    path = write(tmp_path, "form.json", body)
    old = write(tmp_path, "old.json", form(f"CLI-SF-OLD-{case}"))
    old_hash = cli.json("doc", "register", str(old), "--as", ent)["doc_hash"]
    runs = {
        "doc register": ("doc", "register", str(path), "--as", ent),
        "doc import": ("doc", "import", str(path.parent), "--as", ent),
        "doc supersede": ("doc", "supersede", old_hash, str(path), "--as", ent),
    }
    for name, args in runs.items():
        if name == "doc import":
            old.unlink()  # registered already: only the loose form is imported
        answer = json.loads(cli.run(*args, "--json", code=2).stdout)
        assert answer["details"]["field"] == field, (name, answer)
        assert rule in answer["details"]["rule"], (name, answer)
    assert cli.json("doc", "show", old_hash)["status"] == "active"  # nothing was superseded


def test_a_form_registered_before_the_rules_still_verifies_and_checks(
    cli: Cli, tmp_path: Path
) -> None:
    """Registered by an earlier gateway as its canonical bytes, with a number for its text,
    ``eur`` and a key the form does not have: found and read by verify, check and receive."""
    who = members(cli)
    old = {
        **form(770022, note="an earlier gateway's"),
        "totalAmount": {"value": "5.00", "currency": "eur"},
    }
    canonical = docs.canonical_json(old)
    ledger = open_ledger(make_settings(cli.data_dir))
    try:
        docs.register(
            ledger, who["enterprise"], hashlib.sha256(canonical).digest(), DocType.INVOICE
        )
    finally:
        ledger.close()
    path = write(tmp_path, "old.json", old)
    verified = cli.json("doc", "verify", str(path))
    assert verified["status"] == "active", verified
    assert verified["hashed"] == "canonical_json"
    checked = cli.json("doc", "check", str(path), "--as", who["bank"])
    assert checked["facts"]["number"] == "770022", checked
    assert checked["facts"]["currency"] == "EUR"
    received = cli.json("doc", "receive", str(path), "--as", who["bank"])
    assert received["doc_hash"] == "0x" + hashlib.sha256(canonical).hexdigest()
    # and as a new registration it is refused
    cli.run("doc", "register", str(path), "--as", who["enterprise"], code=2)


def test_a_currency_is_checked_on_the_day_it_is_used(cli: Cli, tmp_path: Path) -> None:
    who = members(cli)
    issued_2022 = form("CLI-HRK-1", issueDate="2022-11-30")
    issued_2022["totalAmount"]["currency"] = "HRK"
    made = cli.json(
        "doc", "register", str(write(tmp_path, "a.json", issued_2022)), "--as", who["enterprise"]
    )
    assert made["facts"]["currency"] == "HRK"
    issued_2023 = form("CLI-HRK-2", issueDate="2023-01-02")
    issued_2023["totalAmount"]["currency"] = "HRK"
    answer = json.loads(
        cli.run(
            "doc",
            "register",
            str(write(tmp_path, "b.json", issued_2023)),
            "--as",
            who["enterprise"],
            "--json",
            code=2,
        ).stdout
    )
    assert "withdrawn on 2023-01-01 (replaced by EUR)" in answer["details"]["rule"]
    for currency, says in (
        ("HRK", "a new financing is made in an active currency"),
        ("dkk", "upper-case"),
    ):
        answer = json.loads(
            cli.run(
                "finance",
                "create",
                "--as",
                who["bank"],
                "--doc",
                f"{made['doc_hash']}=100",
                "--currency",
                currency,
                "--maturity",
                "2099-12-31",
                "--json",
                code=2,
            ).stdout
        )
        assert answer["details"]["field"] == "--currency", answer
        assert says in answer["details"]["rule"], answer


def test_doc_import_names_each_repeat_and_the_file_it_repeats(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    folder.mkdir()
    for name, text in (("a.txt", "repeat me"), ("b.txt", "another"), ("c.txt", "repeat me")):
        (folder / name).write_text(text + " " + str(tmp_path))
    done = cli.json("doc", "import", str(folder), "--as", members(cli)["enterprise"])
    assert [Path(r["file"]).name for r in done["registered"]] == ["a.txt", "b.txt"]
    (skip,) = done["skipped"]
    assert Path(skip["file"]).name == "c.txt"
    assert skip["index"] == 2
    assert Path(skip["duplicates"]).name == "a.txt"
    assert skip["duplicates_index"] == 0
    text = cli.run("doc", "import", str(folder), "--as", members(cli)["enterprise"]).output
    assert "files[2]" in text
    assert "registered already" in text


# -- settings ---------------------------------------------------------------------------------


def test_a_refused_setting_is_named_by_its_variable_or_option(cli: Cli, tmp_path: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(
        app, ["doc", "list", "--data-dir", str(cli.data_dir)], env={**FAST, "TRADELEDGER_PORT": "0"}
    )
    assert done.exit_code == 2, done.output
    assert done.stderr.startswith("error: TRADELEDGER_PORT: "), done.stderr
    done = runner.invoke(
        app, ["init", "--chain-url", "ftp://node", "--data-dir", str(tmp_path / "x")], env=FAST
    )
    assert done.exit_code == 2, done.output
    assert done.stderr.startswith("error: --chain-url: "), done.stderr


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("TRADELEDGER_PORT", "70000", "must be at most 65535, not 70000"),
        ("TRADELEDGER_PORT", "abc", "must be a whole number written in digits, not 'abc'"),
        ("TRADELEDGER_PORT", "", "not an empty value; unset it to take the default 8000"),
        ("TRADELEDGER_RPC_POA", "maybe", "must be true or false (or 1/0, yes/no, on/off)"),
        ("TRADELEDGER_RPC_TIMEOUT", "0", "must be greater than 0, not 0"),
        ("TRADELEDGER_RPC_TIMEOUT", "soon", "must be a number written in digits (such as 2.5)"),
        ("TRADELEDGER_CHAIN_SYNC", "fast", "must be one of full, normal, not 'fast'"),
        ("TRADELEDGER_CHAIN_ID", "0", "must be at least 1, not 0"),
    ],
)
def test_a_refused_setting_is_said_in_our_words(
    cli: Cli, variable: str, value: str, said: str
) -> None:
    """A tryout read ``TRADELEDGER_PORT: Input should be less than or equal to 65535``
    (pydantic-settings' words, quoted by the README): every kind of refused value says its rule
    as the API's fields do."""
    done = CliRunner().invoke(
        app, ["doc", "list", "--data-dir", str(cli.data_dir)], env={**FAST, variable: value}
    )
    assert done.exit_code == 2, done.output
    assert done.stderr.startswith(f"error: {variable}: "), done.stderr
    assert said in done.stderr, done.stderr
    assert "Input should" not in done.stderr


def test_settings_read_past_the_settings_object_are_named_by_their_variable(
    cli: Cli, tmp_path: Path
) -> None:
    """Settings checked where they are used (the index URL, the evaluator's key) name the
    variable too, and the evaluator's own commands name their options."""
    runner = CliRunner()
    env = {**FAST, "TRADELEDGER_INDEX_URL": "mysql://db"}
    done = runner.invoke(app, ["audit", "refusals", "--data-dir", str(cli.data_dir)], env=env)
    assert done.exit_code == 2, done.output
    assert done.stderr.startswith("error: TRADELEDGER_INDEX_URL: "), done.stderr
    env = {**FAST, "TRADELEDGER_EVALUATOR_URL": "", "TRADELEDGER_EVALUATOR_PUBLIC_KEY": "zz"}
    done = runner.invoke(app, ["init", "--data-dir", str(tmp_path / "new")], env=env)
    assert done.exit_code == 2, done.output
    assert done.stderr.startswith("error: TRADELEDGER_EVALUATOR_PUBLIC_KEY: "), done.stderr
    done = runner.invoke(app, ["evaluator", "init", "--data-dir", str(cli.data_dir)], env=FAST)
    assert done.exit_code == 2, done.output
    assert done.stderr.startswith("error: --data-dir: "), done.stderr


def test_the_apps_settings_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """``uvicorn --factory api.app:create_app`` builds its settings with get_settings()."""
    monkeypatch.setenv("TRADELEDGER_CHAIN_URL", "ftp://node")
    get_settings.cache_clear()
    try:
        with pytest.raises(InvalidInput) as refused:
            get_settings()
    finally:
        get_settings.cache_clear()
    assert refused.value.field == "TRADELEDGER_CHAIN_URL"
    assert "http(s)://" in refused.value.rule


# -- options given twice ----------------------------------------------------------------------


def commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command and group of the CLI with the words that call it (the root included)."""
    yield path, group
    for name, sub in getattr(group, "commands", {}).items():
        yield from commands(sub, (*path, name))


def once_options(command: Any) -> list[Any]:
    return [
        p
        for p in command.params
        if p.param_type_name == "option"
        and not p.multiple
        and not getattr(p, "count", False)
        and not p.is_eager
    ]


def test_a_single_valued_option_given_twice_is_refused_by_every_command() -> None:
    runner, checked = CliRunner(), []
    root = typer.main.get_command(app)
    for path, command in commands(root):
        for option in once_options(command):
            value = [] if option.is_flag else ["x"]
            twice = [option.opts[0], *value, option.opts[0], *value]
            done = runner.invoke(app, [*path, *twice], env=FAST)
            assert done.exit_code == 2, (path, option.opts, done.output)
            # in words on stderr; with --json (given twice here) the error body on stdout
            said = f"{option.opts[0]}: is given more than once"
            assert said in (done.stdout if "--json" in twice else done.stderr), (path, done.output)
            checked.append((" ".join(path), option.opts[0]))
    assert ("finance drawdown", "--as") in checked
    assert ("finance create", "--currency") in checked
    assert ("doc list", "--limit") in checked
    assert ("audit refusals", "--bank") in checked
    assert len({c for c, _ in checked}) >= 40, checked


def test_an_option_given_twice_answers_json_with_json() -> None:
    done = CliRunner().invoke(
        app, ["doc", "list", "--limit", "1", "--limit", "2", "--json"], env=FAST
    )
    assert done.exit_code == 2
    body = json.loads(done.stdout)
    assert body["details"]["field"] == "--limit"
    assert body["details"]["repeated"] == ["--limit"]


def test_an_option_that_takes_many_still_does(cli: Cli) -> None:
    """``--doc`` of ``finance create`` takes one per document: given twice it is two
    documents, refused here only for what they are (not lodged by this bank)."""
    who = members(cli)
    answer = json.loads(
        cli.run(
            "finance",
            "create",
            "--as",
            who["bank"],
            "--doc",
            "0x" + "11" * 32 + "=100",
            "--doc",
            "0x" + "22" * 32 + "=100",
            "--currency",
            "EUR",
            "--maturity",
            "2099-12-31",
            "--json",
            code=2,
        ).stdout
    )
    assert "is given more than once" not in answer["message"], answer


def test_a_control_character_in_an_identifier_option_is_refused_as_the_api_does(
    cli: Cli, tmp_path: Path
) -> None:
    """The CLI twins of tests/api/test_control_characters.py: a financing's reference, a
    member's legal id, a search criterion and an attestation's evidence holding a control
    character are exit 2 naming the field, and nothing is written."""
    who = members(cli)
    path = write(tmp_path, "cc.json", form("CLI-CC-1"))
    doc = cli.json("doc", "receive", str(path), "--as", who["bank"])["doc_hash"]
    runs = {
        "--reference": (
            *("finance", "create", "--as", who["bank"], "--doc", f"{doc}=1000"),
            *("--currency", "EUR", "--maturity", "2099-12-31", "--reference", "R\x1b1"),
        ),
        "--legal-id": ("member", "add", "CC Bank", "--role", "bank", "--legal-id", "LEI\x07"),
        "--invoice-number": ("doc", "search", "--as", who["bank"], "--invoice-number", "CLI\x7fCC"),
        "--evidence": ("doc", "attest", doc, "--as", who["attestor"], "--evidence", "MRN\x1b1"),
    }
    before = cli.json("finance", "list", "--as", who["bank"])["items"]
    for field, args in runs.items():
        answer = json.loads(cli.run(*args, "--json", code=2).stdout)
        assert answer["details"]["field"] == field, answer
        assert "control character" in answer["details"]["rule"], answer
    assert cli.json("finance", "list", "--as", who["bank"])["items"] == before
