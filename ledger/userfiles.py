"""Reading a file a user names on the command line: a regular file, read up to a limit.

``Path.read_bytes()`` reads whatever the path opens: ``/dev/zero`` until memory runs out, a
FIFO never (the open itself waits for a writer), a terminal until end of input. A tryout ran
``tradeledger doc verify /dev/zero`` to 7 GB of memory in 8 s. Every file the CLI reads for a
user goes through :func:`read_regular_file`: anything but a regular file (after symbolic links)
is refused before it is opened, and a regular file is read up to ``limit`` bytes, one more to
tell a file over the limit, so a file growing while it is read cannot exceed it either.
"""

from __future__ import annotations

import stat
from pathlib import Path

from ledger.errors import InvalidInput

#: what a non-regular file is, by its ``st_mode`` (said in the refusal)
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
)


def read_regular_file(path: Path, field: str, limit: int) -> bytes:
    """The bytes of the regular file at ``path`` (symbolic links followed), at most ``limit``
    bytes.

    Raises :class:`~ledger.errors.InvalidInput` naming ``field``: ``cannot read PATH: <reason>``
    when it cannot be opened or read; ``must be a regular file (PATH is a directory | a
    character device | a block device | a named pipe (FIFO) | a socket)``; ``must be at most
    LIMIT bytes``.
    """
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise InvalidInput(field, f"cannot read {path}: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        kind = next((said for test, said in _KINDS if test(mode)), "not a regular file")
        raise InvalidInput(field, f"must be a regular file ({path} is {kind})")
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InvalidInput(field, f"cannot read {path}: {exc.strerror}") from None
    if len(data) > limit:
        raise InvalidInput(field, f"must be at most {limit} bytes")
    return data
