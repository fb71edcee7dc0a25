"""The CLI words the ``holders_unknown`` note for the role of ``--as``, as the API does
(tests/api/test_holders_unknown_words.py): an attestor that registers or checks an invoice is
told what an attestor learns of its financing, an enterprise what an enterprise learns. Found
by a tryout: the attestor read the enterprise's words.

Real CLI (Typer's runner) on a real embedded chain."""

from __future__ import annotations

from pathlib import Path

from tests.api.api_helpers import own_invoice
from tests.cli.cli_helpers import Cli

LEARNS = {
    "Demo Exporter": "an enterprise learns of a financing of a document it registered only",
    "Demo Customs": "an attestor learns of a financing of a document it registered only when "
    "the financing bank shared the terms with it",
}


def test_the_note_is_worded_for_the_role_of_as(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    members = {m["name"]: m["address"] for m in cli.json("init", "--demo")["members"]}
    for name, words in LEARNS.items():
        other = next(w for n, w in LEARNS.items() if n != name)
        invoice = tmp_path / f"{name}.xml"
        invoice.write_bytes(own_invoice("CLI-WORDS"))
        for command in ("register", "check"):
            said = cli.run("doc", command, str(invoice), "--as", members[name]).output
            assert "holders_unknown" in said, (name, command, said)
            assert words in said, (name, command, said)
            assert other.split(" of a financing")[0] not in said, (name, command, said)
