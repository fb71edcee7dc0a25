"""A path the CLI is given that is not a regular file is refused before it is read.

A tryout ran ``tradeledger doc verify /dev/zero``: 7.1 GB of memory after 8 s and no answer
(``Path.read_bytes`` reads a device until memory runs out); ``doc register /dev/zero`` and
``doc verify`` of a FIFO (whose open waits for a writer) never answered. Every command that
reads a file a user names refuses a device, a FIFO or a directory as ``FILE`` (exit 2), and
reads a regular file no further than its limit (``ledger/userfiles.py``).

The commands are run on ``/dev/null`` and a directory (a device that would be read to its end
in no time, were it read: the old code answered something else, never hung); the FIFO and
``/dev/zero`` are read by :func:`ledger.userfiles.read_regular_file` itself, with a writer
that gives up, so no change here can hang the run or fill its memory.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import threading
import time
from pathlib import Path

import pytest
from cli_helpers import FAST, ledger_with_members
from typer.testing import CliRunner

from ledger.cli import app
from ledger.errors import InvalidInput
from ledger.userfiles import read_regular_file

#: the commands whose file argument is not named FILE
ARGUMENT = {"verify-proof": "PROOF", "register-oa": "WRAPPED"}
REGISTERED = "a document registered before the special files are tried\n"


@pytest.fixture(scope="module")
def ledger_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    found = tmp_path_factory.mktemp("special") / "ledger"
    who = ledger_with_members(found)
    kept = found.parent / "kept.txt"
    kept.write_text(REGISTERED)
    words = ["doc", "register", str(kept), "--as", who["enterprise"], "--data-dir", str(found)]
    made = CliRunner().invoke(app, words, env=FAST)
    assert made.exit_code == 0, made.output
    return found, who


def _commands(path: str, kept: Path, old: str, who: dict[str, str]) -> list[list[str]]:
    """Every command that reads a file the user names, with ``path`` as that file."""
    return [
        ["doc", "verify", path],
        ["doc", "check", path],
        ["doc", "receive", path, "--as", who["bank"]],
        ["doc", "register", path, "--as", who["enterprise"]],
        ["doc", "supersede", old, path, "--as", who["enterprise"]],
        ["doc", "prove", path],
        ["doc", "register-oa", path, "--as", who["enterprise"]],
        ["doc", "verify-proof", path, str(kept)],
        ["member", "approve", path],
    ]


@pytest.mark.parametrize(
    ("where", "kind"),
    [("/dev/null", "a character device"), ("a folder", "a directory")],
)
def test_every_command_refuses_what_is_not_a_regular_file(
    ledger_dir: tuple[Path, dict[str, str]], tmp_path: Path, where: str, kind: str
) -> None:
    data_dir, who = ledger_dir
    path = Path(where) if where.startswith("/") else tmp_path / "folder"
    if not where.startswith("/"):
        path.mkdir()
    kept = tmp_path / "kept.txt"
    kept.write_text(REGISTERED)
    old = "0x" + hashlib.sha256(REGISTERED.encode()).hexdigest()  # registered by the fixture
    for words in _commands(str(path), kept, old, who):
        done = CliRunner().invoke(app, [*words, "--data-dir", str(data_dir), "--json"], env=FAST)
        assert done.exit_code == 2, (words, done.output)
        body = json.loads(done.stdout)
        field = ARGUMENT.get(words[1], "FILE")  # the argument's name, as the CLI says it
        assert body["details"]["field"] == field, (words, body)
        assert body["details"]["rule"] == f"must be a regular file ({path} is {kind})", (
            words,
            body,
        )


def test_a_device_is_refused_unread(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_regular_file(Path("/dev/zero"), "file", 1024)
    assert (refused.value.field, refused.value.rule) == (
        "file",
        "must be a regular file (/dev/zero is a character device)",
    )


def test_a_fifo_is_refused_unopened(tmp_path: Path) -> None:
    """Opening a FIFO to read waits for a writer: the refusal must come before any open. A
    writer tries (without waiting) for 10 s; it succeeds only if something opened the FIFO to
    read, which then gets its bytes instead of hanging."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    opened_by_reader = threading.Event()

    def writer() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:  # ENXIO: no reader (yet)
                    raise
                time.sleep(0.02)
                continue
            opened_by_reader.set()
            os.write(fd, b"<Invoice/>")
            os.close(fd)
            return

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        with pytest.raises(InvalidInput) as refused:
            read_regular_file(fifo, "file", 1024)
        assert refused.value.rule == f"must be a regular file ({fifo} is a named pipe (FIFO))"
    finally:
        thread.join(timeout=15)
    assert not opened_by_reader.is_set()


def test_a_regular_file_is_read_to_its_limit_and_no_further(tmp_path: Path) -> None:
    at_limit, over = tmp_path / "at-limit.xml", tmp_path / "over.xml"
    at_limit.write_bytes(b"x" * 64)
    over.write_bytes(b"x" * 65)
    link = tmp_path / "link.xml"
    link.symlink_to(at_limit)
    assert read_regular_file(at_limit, "file", 64) == b"x" * 64
    assert read_regular_file(link, "file", 64) == b"x" * 64  # a link to a regular file: read
    with pytest.raises(InvalidInput) as refused:
        read_regular_file(over, "file", 64)
    assert refused.value.rule == "must be at most 64 bytes"
    with pytest.raises(InvalidInput) as missing:
        read_regular_file(tmp_path / "missing.xml", "file", 64)
    gone = tmp_path / "missing.xml"
    assert missing.value.rule == f"cannot read {gone}: No such file or directory"
