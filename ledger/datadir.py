"""The data directory is private to the user who runs the gateway, from the moment it is made.

``gateway.sqlite`` holds every participant's lodged invoice facts and hashed API keys,
``secrets/`` the keystore passphrases, the lookup key and the members' encryption keys,
``keystore/`` the encrypted keys, ``chain/`` the embedded chain, ``index.sqlite`` the audit
index: none of it is for other users of the machine. So every directory the gateway creates in
the data directory is 0700 and every file 0600, set **at creation** — never created readable
and narrowed afterwards, which would leave a window in which another user could open the file
and keep the descriptor:

* the ``tradeledger`` process sets its umask to 0077 first thing (:func:`restrict_umask`), so
  whatever it creates (SQLite's ``-wal``/``-shm`` files, files of libraries) is private;
* each file the gateway writes itself is opened with mode 0600 (:func:`write_private`), each
  SQLite database is created empty with mode 0600 before SQLite opens it
  (:func:`private_sqlite`) — SQLite gives its journal, ``-wal`` and ``-shm`` files the mode of the
  database — and each directory is made 0700 (:func:`private_dir`). That holds also for a
  program that embeds the gateway without the CLI's umask (the tests do).

At start, :func:`check_private` refuses a data directory in which any file or directory is open
to the group or to others (copied with ``cp -r`` without ``-p``, restored from a backup, made by
an older version), naming each such path and the command that fixes them. It refuses rather than
repairs: the files may already have been read, and an operator should learn that, as OpenSSH
refuses a private key that others can read.
"""

from __future__ import annotations

import os
import shlex
import stat
from pathlib import Path

from ledger.errors import LedgerStateError

#: the umask of a gateway process: nothing it creates is open to the group or to others
PRIVATE_UMASK = 0o077
#: mode bits a data directory's files and directories must not have
EXPOSED_BITS = stat.S_IRWXG | stat.S_IRWXO
#: most paths named in the refusal (the count of the others follows)
NAMED_PATHS = 10


def restrict_umask() -> int:
    """Make everything this process creates private (umask 0077, keeping any stricter bits the
    caller set). Returns the previous umask."""
    previous = os.umask(PRIVATE_UMASK)
    os.umask(previous | PRIVATE_UMASK)
    return previous


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents inside it) with mode 0700; an existing directory is
    left as it is (:func:`check_private` judges it). Returns ``path``."""
    if not path.is_dir():
        if not path.parent.is_dir():
            path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir(mode=0o700, exist_ok=True)
        path.chmod(0o700)  # mkdir's mode is narrowed by the umask only, never widened: make sure
    return path


def make_private(data_dir: Path) -> Path:
    """The data directory of a ledger being created (``init``, ``join``): created 0700, or an
    existing (empty) directory narrowed to 0700 before anything is written into it."""
    private_dir(data_dir)
    data_dir.chmod(0o700)
    return data_dir


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, readable by its owner only (mode 0600 from creation; an
    existing file is narrowed to 0600 before it is written). Its directory is made 0700."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        os.fchmod(fd, 0o600)
        handle.write(text)


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 unless it exists (then it is left as it is)."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path
    os.close(fd)
    return path


def private_sqlite(url_or_path: str | Path) -> None:
    """Before SQLite opens a database file, create it empty with mode 0600 (SQLite reads an empty
    file as an empty database, and creates its journal, ``-wal`` and ``-shm`` files with the
    database's mode). ``url_or_path``: a path, or an SQLAlchemy URL (only ``sqlite:///PATH`` ones
    name a file; in-memory and server URLs are left alone)."""
    if isinstance(url_or_path, Path):
        private_file(url_or_path)
        return
    scheme, sep, rest = url_or_path.partition(":///")
    if not sep or not scheme.startswith("sqlite"):
        return
    path = rest.split("?", 1)[0]
    if path and path != ":memory:":
        private_file(Path(path))


def exposed(data_dir: Path) -> list[tuple[Path, int]]:
    """Every file and directory under ``data_dir`` (itself included) that the group or others
    may read, write or enter, with its mode bits. Symbolic links are judged by their target."""
    found: list[tuple[Path, int]] = []

    def judge(path: Path) -> None:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            return  # gone meanwhile, or a dangling link: nothing to read
        if mode & EXPOSED_BITS:
            found.append((path, mode))

    if not data_dir.exists():
        return found
    judge(data_dir)
    for root, dirs, files in os.walk(data_dir):
        for name in sorted(dirs) + sorted(files):
            judge(Path(root) / name)
    return found


def fix_command(data_dir: Path) -> str:
    """The shell command that makes ``data_dir`` private."""
    return f"chmod -R go-rwx {shlex.quote(str(data_dir))}"


def check_private(data_dir: Path) -> None:
    """Refuse (:class:`LedgerStateError`) a data directory with any path open to the group or to
    others, naming the paths (with their modes) and the command that fixes them."""
    found = exposed(data_dir)
    if not found:
        return
    named = ", ".join(f"{path} ({mode:04o})" for path, mode in found[:NAMED_PATHS])
    more = f" and {len(found) - NAMED_PATHS} more" if len(found) > NAMED_PATHS else ""
    raise LedgerStateError(
        f"the data directory {data_dir} is open to other users of this machine: {named}{more}. "
        f"It holds keys, passphrases and every participant's records. Make it private with "
        f"`{fix_command(data_dir)}` (and check who may have read it), then start again",
        data_dir=str(data_dir),
        exposed=[str(path) for path, _ in found],
        fix=fix_command(data_dir),
    )
