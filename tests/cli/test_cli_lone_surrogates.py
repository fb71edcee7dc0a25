"""A file whose JSON holds a lone surrogate (``{"any":"\\udc80"}``) through the real CLI.

``doc register``, ``doc verify`` and ``doc import`` printed a traceback (its canonical form could
not be encoded as UTF-8). Such JSON is not Unicode text (:mod:`ledger.surrogates`), so it is not
a JSON document: a plain file is registered, verified and imported as its raw bytes; a file that
claims to be a JSON form (it names a ``documentType``) and holds one is refused naming the field,
as any malformed form is. Never a traceback.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from tests.cli.cli_helpers import Cli

PLAIN = b'{"any":"\\udc80"}'
FORM = json.dumps(
    {
        "documentType": "Invoice",
        "documentNumber": "INV-\ud800",
        "issueDate": "2026-01-05",
        "issuer": {"id": "DE123456789", "scheme": "VAT"},
    }
).encode()


def test_doc_register_verify_and_import_take_such_a_file_as_its_bytes(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    created = cli.json("init", "--demo")
    exporter = next(m for m in created["members"] if m["role"] == "enterprise")["address"]
    plain = tmp_path / "s.txt"
    plain.write_bytes(PLAIN)
    digest = "0x" + hashlib.sha256(PLAIN).hexdigest()

    registered = cli.json("doc", "register", str(plain), "--as", exporter)
    assert registered["doc_hash"] == digest
    verified = cli.run("doc", "verify", str(plain))
    assert digest in verified.stdout
    assert "canonical" not in verified.stdout

    folder = tmp_path / "import"
    folder.mkdir()
    (folder / "s.json").write_bytes(PLAIN.replace(b"}", b',"n":2}'))
    imported = cli.run("doc", "import", str(folder), "--as", exporter)
    assert "1" in imported.stdout

    form = tmp_path / "form.json"
    form.write_bytes(FORM)
    refused = cli.run("doc", "register", str(form), "--as", exporter, code=2)
    assert refused.stderr.startswith("error: documentNumber: holds a lone surrogate"), refused
    assert "\\ud800" in refused.stderr
    checked = cli.run("doc", "verify", str(form), code=3)
    assert "Traceback" not in checked.output


def test_a_file_name_or_a_criterion_that_is_not_utf_8_never_fails(tmp_path: Path) -> None:
    """A file named with a byte that is not UTF-8 (``s\\xff.txt``) reaches Python as a lone
    surrogate: ``doc register`` wrote the registration on chain and then failed with a
    traceback keeping its name. The name is kept escaped; a search criterion holding one is
    refused naming it (exit 2)."""
    cli = Cli(tmp_path / "ledger")
    created = cli.json("init", "--demo")
    exporter = next(m for m in created["members"] if m["role"] == "enterprise")["address"]
    odd = Path(os.fsdecode(bytes(tmp_path) + b"/s\xff.txt"))
    odd.write_bytes(b"a file with an odd name")
    registered = cli.json("doc", "register", str(odd), "--as", exporter)
    assert registered["doc_hash"] == "0x" + hashlib.sha256(odd.read_bytes()).hexdigest()
    refused = cli.run("doc", "search", "--as", exporter, "--seller", "x\udcff", code=2)
    assert refused.stderr.startswith("error: --seller: holds a lone surrogate"), refused
