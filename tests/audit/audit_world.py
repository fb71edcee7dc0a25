"""The world the CLI-built audit tests share: a ledger driven through ``tradeledger`` commands,
its members by name, the documents and financings it made, and the refusals it met.

A module with a unique name (not ``conftest``) so that test files can import it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.cli.cli_helpers import Cli, Result


@dataclass
class World:
    cli: Cli
    tmp: Path
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    docs: dict[str, str] = field(default_factory=dict)
    financings: dict[str, int] = field(default_factory=dict)
    refused: dict[str, Result] = field(default_factory=dict)

    def address(self, who: str) -> str:
        return str(self.members[who]["address"])

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.members[who]['api_key']}"}

    def file(self, name: str, data: bytes) -> str:
        """``data`` written to ``name`` in the world's directory: its path."""
        path = self.tmp / name
        path.write_bytes(data)
        return str(path)
