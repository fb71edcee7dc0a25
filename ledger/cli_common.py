"""What every ``tradeledger`` command shares: options, settings, error exit, output.

Errors print one line naming the problem and exit non-zero (2 for bad input, 1 otherwise),
never a stack trace. ``--json`` prints one JSON object for scripts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from ledger.config import Settings
from ledger.errors import InvalidInput, LedgerError
from ledger.network import Ledger, open_ledger

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="ledger data directory [env: TRADELEDGER_DATA_DIR]"),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="print JSON")]

T = TypeVar("T")


def fail(error: LedgerError) -> None:
    """Print the error in one line and exit: 2 for bad input, 1 otherwise."""
    typer.echo(f"error: {error.message}", err=True)
    raise typer.Exit(2 if isinstance(error, InvalidInput) else 1)


def guard(action: Callable[[], T]) -> T:
    """Run ``action``; a gateway error ends the command through :func:`fail`."""
    try:
        return action()
    except LedgerError as exc:
        fail(exc)
        raise  # unreachable


def settings_for(data_dir: Path | None, **options: Any) -> Settings:
    """The settings, with ``--data-dir`` and the other given options over the environment."""
    overrides: dict[str, Any] = {k: v for k, v in options.items() if v is not None}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    try:
        return Settings(**overrides)
    except ValueError as exc:
        fail(InvalidInput("settings", str(exc)))
        raise  # unreachable


@contextmanager
def opened_ledger(data_dir: Path | None) -> Iterator[Ledger]:
    """The ledger of ``data_dir``, closed when the command ends."""
    ledger = guard(lambda: open_ledger(settings_for(data_dir)))
    try:
        yield ledger
    finally:
        ledger.close()


def emit(as_json: bool, payload: Any, text: str) -> None:
    """Print ``payload`` as JSON, or ``text`` for people."""
    typer.echo(json.dumps(payload, indent=2, default=str) if as_json else text)
