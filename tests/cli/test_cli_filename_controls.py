"""The CLI refuses a file whose name holds a control character, as the API does, naming the
rule — and prints no raw control character from it (it escapes what it shows)."""

from __future__ import annotations

from pathlib import Path

from tests.cli.cli_helpers import Cli


def test_doc_receive_and_register_refuse_a_control_character_in_the_filename(
    tmp_path: Path,
) -> None:
    cli = Cli(tmp_path / "ledger")
    created = cli.json("init", "--demo")
    by_role = {m["role"]: m["address"] for m in created["members"]}
    path = tmp_path / "\x1b[31mred.txt"
    path.write_bytes(b"a file with a coloured name")
    for command, who in (("receive", "bank"), ("register", "enterprise")):
        result = cli.run("doc", command, str(path), "--as", by_role[who], code=2)
        assert "filename must not contain a control character (U+001B)" in result.output
        assert "\x1b" not in result.output
    # a folder imported: the same refusal, naming the file, before anything is registered
    folder = tmp_path / "to-import"
    folder.mkdir()
    (folder / "a-plain-name.txt").write_bytes(b"a file with a plain name")
    (folder / "\x1b[31mred.txt").write_bytes(b"another file with a coloured name")
    result = cli.run("doc", "import", str(folder), "--as", by_role["enterprise"], code=2)
    assert "filename must not contain a control character (U+001B)" in result.output
    assert "\x1b" not in result.output
    for who in ("bank", "enterprise"):
        lodged = cli.json("doc", "search", "--as", by_role[who])
        assert lodged["items"] == [], who
