"""``doc check``, ``doc receive`` and ``doc register`` refuse a file with an over-long text as
the API does (``ledger/documents/textlimits.py``): the field, the limit and the EN 16931 term,
without echoing the text, and nothing is stored."""

from __future__ import annotations

from pathlib import Path

from tests.cli.cli_helpers import Cli
from tests.documents.test_doc_text_limits import TOO_LONG

CHOSEN = ("ubl seller name", "cii buyer global id", "json issuer name")


def test_the_cli_refuses_over_long_texts_naming_the_field(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    by_role = {m["role"]: m["address"] for m in cli.json("init", "--demo")["members"]}
    registered = cli.json("doc", "list")["items"]  # the demo's
    for label, data, field, limit, term in (case for case in TOO_LONG if case[0] in CHOSEN):
        path = tmp_path / (f"{label}.json" if label.startswith("json") else f"{label}.xml")
        path.write_bytes(data)
        for command, role in (("check", "bank"), ("receive", "bank"), ("register", "enterprise")):
            refused = cli.run("doc", command, str(path), "--as", by_role[role], code=2)
            assert field in refused.output, (label, command, refused.output[:500])
            assert f"longer than {limit} characters (EN 16931 {term}" in refused.output, label
            assert len(refused.output) < 2000, (label, command)  # not echoed back
    for role in ("bank", "enterprise"):
        assert cli.json("doc", "search", "--as", by_role[role])["items"] == []
    assert cli.json("doc", "list")["items"] == registered
