"""The README stays true: every command it shows exists with the options it uses, and its
quickstart scripts exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger.cli import DEMO_MEMBERS, app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
COMMANDS = sorted(set(re.findall(r"`(?:\.venv/bin/)?(tradeledger [^`]+)`", README)))


def _command_path_and_options(command: str) -> tuple[list[str], list[str]]:
    words = shlex.split(command.replace("…", ""))[1:]
    path: list[str] = []
    for word in words:
        if not re.fullmatch(r"[a-z]+(-[a-z]+)*", word):  # doc verify-proof
            break
        path.append(word)
    options = [w.split("=")[0] for w in words if w.startswith("--")]
    return path, options


def test_the_readme_shows_commands() -> None:
    assert len(COMMANDS) >= 20


@pytest.mark.parametrize("command", COMMANDS)
def test_each_readme_command_exists_with_its_options(command: str) -> None:
    path, options = _command_path_and_options(command)
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=200)
    assert result.exit_code == 0, f"{command}: {result.output}"
    for option in options:
        assert option in result.output, f"{command}: no option {option}"


def test_the_quickstart_scripts_exist() -> None:
    assert "./scripts/start.sh" in README
    assert "./scripts/test.sh" in README
    for script in ("scripts/start.sh", "scripts/test.sh"):
        assert (ROOT / script).stat().st_mode & 0o111
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_the_readme_names_the_demo_members_and_what_a_second_terminal_and_join_need() -> None:
    """A new user read "one member of each role" and did not know the demo has one bank, that
    a ledger started with another data directory needs it in the CLI's terminal too, nor that
    joining needs a real node."""
    quickstart = README.split("## Quickstart", 1)[1].split("## Common tasks", 1)[0]
    for name, _role, _legal_id in DEMO_MEMBERS:
        assert f"`{name}`" in quickstart, name
    assert sum(role.name == "BANK" for _, role, _ in DEMO_MEMBERS) == 1
    assert "one bank" in quickstart
    session = quickstart.split("A first session", 1)[1].split("```sh", 1)[0]
    assert "TRADELEDGER_DATA_DIR" in session
    assert "--data-dir" in session
    joining = quickstart.rsplit("```", 1)[-1]  # after the first session
    assert "`tradeledger join`" in joining
    assert "--chain-url" in joining
    assert "Besu" in joining


def test_the_readme_documents_every_variable_start_sh_and_the_cli_read() -> None:
    """A new user found TRADELEDGER_EVALUATOR_PORT in start.sh but not in the README."""
    start = (ROOT / "scripts" / "start.sh").read_text()
    names = set(re.findall(r"\$\{(TRADELEDGER_[A-Z_]+)", start))
    for source in (ROOT / "ledger").glob("cli*.py"):
        names |= set(re.findall(r'envvar="(TRADELEDGER_[A-Z_]+)"', source.read_text()))
    assert "TRADELEDGER_EVALUATOR_PORT" in names
    configuration = README.split("## Configuration", 1)[1]
    for name in sorted(names):
        assert f"`{name}`" in configuration, name


def test_the_readme_says_amounts_are_minor_units_like_the_api() -> None:
    """The README's `--doc 0xHASH=374000` is in minor units, as the API's `amount` and
    `face_value` are: the README says so next to the commands that take amounts."""
    tasks = README.split("## Common tasks", 1)[1].split("## How it is built", 1)[0]
    assert "minor units" in tasks
    assert "`face_value`" in tasks
    assert "`amount`" in tasks


def test_every_variable_the_readme_uses_is_set_or_explained() -> None:
    """A tryout's user met `--rpc $NODE` and found no word of what $NODE is: every `$NAME` of
    the README's examples is exported in one (`export NAME=`), said (`` `$NAME` is ``), or a
    setting the Configuration section names."""
    configuration = README.split("## Configuration", 1)[1]
    for name in sorted(set(re.findall(r"\$([A-Z][A-Z_]*)\b", README))):
        said = f"`${name}` is" in README or re.search(rf"\bexport (?:\w+=\S+ )*{name}=", README)
        assert said or f"`{name}`" in configuration, name
