"""What the CLI prints for people cannot rewrite the reader's terminal.

A member writes a document's facts, its own name, a financing's reference; a file has a name. A
terminal acts on control characters instead of showing them: a CR in a document number lets the
rest of the number overwrite the real one (``number ESC-809`` + CR ``FAKE`` reads ``number
FAKE``), an LF starts a forged line, an ESC sequence clears or moves, a bidi override reorders.
Through the real ``tradeledger`` commands on the embedded chain, with a JSON-form invoice
carrying each kind of character in the fields the CLI prints (number, seller and buyer names)
and a member named with them: every such character comes out as its visible escape (``\\r``,
``\\x1b``, ``\\u202e``; an invisible format character too: ``\\u200b``), the line stays one
line, and ``--json`` keeps the exact value.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from ledger.cli_common import opened_ledger
from ledger.services.roles import Role
from ledger.words import visible
from tests.cli.cli_helpers import UBL, Cli

#: one of each kind: C0 (CR, LF, TAB, ESC with a CSI sequence, BEL), DEL, C1 (NEL, CSI), the
#: Unicode line separator, bidi overrides and isolates
KINDS = {
    "cr": "\r",
    "lf": "\n",
    "tab": "\t",
    "esc": "\x1b[2K",
    "bel": "\x07",
    "del": "\x7f",
    "nel": "\x85",
    "csi": "\x9b2K",
    "line separator": "\u2028",
    "rlo": "\u202e",
    "lre": "\u202a",
    "rli": "\u2067",
    "pdi": "\u2069",
    # invisible, not acting: format characters (Cf) a reader cannot see at all
    "zero width space": "\u200b",
    "bom": "\ufeff",
    "word joiner": "\u2060",
    "soft hyphen": "\u00ad",
}
#: what must never reach the terminal raw (a line break only between lines)
RAW = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))] + [
    "\u2028",
    "\u2029",
    *map(chr, range(0x202A, 0x202F)),
    *map(chr, range(0x2066, 0x206A)),
    *(chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"),
]


def invoice(number: str, seller: str, buyer: str) -> bytes:
    """An invoice in the JSON form (as POST /v1/documents/json takes it)."""
    return json.dumps(
        {
            "documentType": "Invoice",
            "documentNumber": number,
            "issueDate": "2026-01-05",
            "issuer": {"id": "DE123456789", "scheme": "VAT", "name": seller},
            "consignee": {"id": "FR40303265045", "scheme": "VAT", "name": buyer},
            "totalAmount": {"value": "1200.00", "currency": "EUR"},
        }
    ).encode()


def test_visible_escapes_every_invisible_character_and_keeps_the_rest() -> None:
    assert visible("INV\u200b-1") == "INV\\u200b-1"
    assert visible("\ufeffAcme\u2060 Ltd\u00ad") == "\\ufeffAcme\\u2060 Ltd\\xad"
    assert visible("Caf\u00e9 \u65e5\u672c \u00a0A") == "Caf\u00e9 \u65e5\u672c \u00a0A"
    assert visible("a\tb\nc\u202e") == "a\\tb\\nc\\u202e"
    shown = visible("".join(RAW))
    assert all(c not in shown for c in RAW)


def assert_no_raw_controls(text: str) -> None:
    for line in text.split("\n"):
        found = [c for c in line if c in RAW]
        assert not found, (found, line)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with pytest.MonkeyPatch.context() as env:
        # every check here is an evaluation counted against the bank's limit
        env.setenv("TRADELEDGER_FINGERPRINT_CHECK_LIMIT", "1000")
        yield _world(tmp_path_factory.mktemp("controls"))


def _world(tmp: Path) -> dict[str, Any]:
    cli = Cli(tmp / "ledger")
    created = cli.json("init", "--demo")
    bank = next(m for m in created["members"] if m["role"] == "bank")["address"]
    files: dict[str, Path] = {}
    for n, (kind, chars) in enumerate(KINDS.items()):
        path = tmp / f"form-{n}.json"
        path.write_bytes(invoice(f"ESC-{800 + n}{chars}FAKE", f"Seller{chars}Co", f"Buyer{chars}X"))
        files[kind] = path
    return {"cli": cli, "bank": bank, "files": files, "tmp": tmp}


@pytest.mark.parametrize("kind", list(KINDS))
def test_doc_check_shows_each_kind_escaped_on_one_line(world: dict[str, Any], kind: str) -> None:
    cli: Cli = world["cli"]
    n = list(KINDS).index(kind)
    number = f"ESC-{800 + n}{KINDS[kind]}FAKE"
    # its seller's VAT id fails its check digit: not financeable, exit 5 (the escapes are the
    # point here)
    result = cli.run("doc", "check", str(world["files"][kind]), "--as", world["bank"], code=5)
    assert_no_raw_controls(result.stdout)
    [line] = [x for x in result.stdout.split("\n") if x.startswith("  number ")]
    assert line.startswith(f"  number {visible(number)}, issued 2026-01-05"), line
    assert "\\" in visible(number)  # the escape is visible, not the character
    # --json stays the exact value
    payload = cli.json("doc", "check", str(world["files"][kind]), "--as", world["bank"], code=5)
    assert payload["facts"]["numberAsWritten"] == number


def test_doc_receive_and_search_show_escapes_in_every_cell(world: dict[str, Any]) -> None:
    cli: Cli = world["cli"]
    for kind, path in world["files"].items():
        lodged = cli.run("doc", "receive", str(path), "--as", world["bank"])
        assert_no_raw_controls(lodged.stdout)
        assert f"number {visible(f'ESC-{800 + list(KINDS).index(kind)}')}" in lodged.stdout
    listed = cli.run("doc", "search", "--as", world["bank"]).stdout
    assert_no_raw_controls(listed)
    rows = [line for line in listed.split("\n") if "ESC-8" in line]
    assert len(rows) == len(KINDS)  # one table row per file: no LF split a row
    found = cli.json("doc", "search", "--as", world["bank"])["items"]
    numbers = {i["facts"]["numberAsWritten"] for i in found}
    assert {f"ESC-{800 + n}{c}FAKE" for n, c in enumerate(KINDS.values())} <= numbers
    for item in found:  # each value as --json has it exactly (names were normalised on reading)
        facts = item["facts"]
        [row] = [r for r in rows if visible(facts["numberAsWritten"]) in r]
        assert visible(facts["seller"]["name"]) in row
        assert visible(facts["buyer"]["name"]) in row


def test_a_member_name_and_a_file_name_are_shown_escaped(world: dict[str, Any]) -> None:
    """This gateway refuses such a name (exit 2 naming it); the contract does not, so a name
    another gateway or an older release put on chain is still shown escaped."""
    cli: Cli = world["cli"]
    name = "Bank\x1b[2K\u202eX\x7f"  # whitespace (CR, LF, TAB) is collapsed in a name already
    refused = cli.run("member", "add", name, "--role", "bank", code=2)
    assert_no_raw_controls(refused.stderr)
    assert refused.stderr.startswith("error: NAME: must not contain control or invisible")
    with opened_ledger(cli.data_dir) as ledger:  # as another gateway would: straight on chain
        admin = ledger.manifest.admin_address
        added = ledger.transactor(admin).transact(
            ledger.calls.functions.addMember(
                Account.create().address, int(Role.BANK), b"\0" * 32, name
            )
        )
        assert added["status"] == 1
    listed = cli.run("member", "list").stdout
    assert_no_raw_controls(listed)
    assert visible(name) in listed
    assert any(m["name"] == name for m in cli.json("member", "list")["items"])
    missing = world["tmp"] / "gone\rFAKE\n.json"
    failed = cli.run("doc", "check", str(missing), code=2)
    assert_no_raw_controls(failed.stderr)
    assert failed.stderr.count("\n") == 1  # one error line
    assert "gone\\rFAKE\\n.json" in failed.stderr


def test_refusals_and_timeline_show_a_reference_escaped(world: dict[str, Any]) -> None:
    """A financing's reference is the bank's own text; the audit commands print it."""
    cli: Cli = world["cli"]
    path = world["tmp"] / "invoice.xml"
    path.write_bytes(UBL)
    exporter = next(m for m in cli.json("member", "list")["items"] if m["role"] == "enterprise")
    doc_hash = cli.json("doc", "register", str(path), "--as", exporter["address"])["doc_hash"]
    cli.json("doc", "receive", str(path), "--as", world["bank"])
    # a control character or a bidi override in a reference is refused (ledger.controls); a
    # zero-width space inside one is kept, and the commands print it escaped
    refused = cli.run(
        *("finance", "create", "--as", world["bank"], "--doc", f"{doc_hash}=10000"),
        *("--currency", "DKK", "--maturity", "2099-12-31", "--reference", "R\r1\n2"),
        code=2,
    )
    assert "reference: must not contain a control character (U+000D)" in refused.stderr
    refused = cli.run(
        *("finance", "create", "--as", world["bank"], "--doc", f"{doc_hash}=10000"),
        *("--currency", "DKK", "--maturity", "2099-12-31", "--reference", "R1\u202e2"),
        code=2,
    )
    assert "reference: must not contain a bidirectional control (U+202E)" in refused.stderr
    reference = "R1\u200b2"
    cli.run(
        *("finance", "create", "--as", world["bank"], "--doc", f"{doc_hash}=10000"),
        *("--currency", "DKK", "--maturity", "2099-12-31", "--reference", reference),
    )
    bank = ("--as", world["bank"])
    for command in (("finance", "list", *bank), ("audit", "timeline", doc_hash, *bank)):
        text = cli.run(*command).stdout
        assert_no_raw_controls(text)
        assert visible(reference) in text, command
