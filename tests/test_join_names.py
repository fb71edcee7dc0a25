"""A join request's name is checked as adding a member checks it (``ledger.membernames``): a
control character in it is refused when the request is made (``tradeledger join``, exit 2
naming ``name``) and when one is read (``JoinRequest.parse``), not only when an admin approves
it. Nothing here reaches a chain: the name is refused before the node is asked anything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger.cli import app
from ledger.errors import InvalidInput
from ledger.join import JoinRequest


@pytest.mark.parametrize("control", ["\x07", "\x1f", "\x85"])  # (no command line holds a NUL)
def test_join_refuses_a_control_character_in_the_name(tmp_path: Path, control: str) -> None:
    args = ["join", "--chain-url", "http://127.0.0.1:9", "--contract", "0x" + "11" * 20]
    args += ["--name", f"Bank{control}C", "--role", "bank", "--out", str(tmp_path / "j.json")]
    args += ["--data-dir", str(tmp_path / "member"), "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    body = json.loads(result.stdout)
    assert body["details"]["field"] == "--name", body
    assert f"U+{ord(control):04X}" in body["message"]
    assert not (tmp_path / "member" / "manifest.json").exists()


def _request(name: str) -> dict[str, object]:
    return {
        "kind": "tradeledger-join-request",
        "version": 1,
        "chain_id": 1,
        "contract": "0x" + "11" * 20,
        "address": "0x" + "22" * 20,
        "encryption_key": "0x" + "33" * 32,
        "name": name,
        "role": "bank",
        "legal_id": "",
        "created_at": "2026-01-01T00:00:00+00:00",
        "signature": "0x",
    }


@pytest.mark.parametrize("name", ["Bank\x00C", "Bank\x07C", "Bank\x1fC", "\x85"])
def test_a_join_request_naming_a_control_character_is_refused_when_read(name: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        JoinRequest.parse(_request(name))
    assert refused.value.field == "name"


@pytest.mark.parametrize("extra", [{"x": 1}, {"kind": "tradeledger-join-request", "x": 1}])
def test_a_field_no_join_request_has_is_named_first(extra: dict[str, object]) -> None:
    """Tryout 65 approved ``{"x": 1}`` and was told only what ``kind`` must be."""
    with pytest.raises(InvalidInput) as refused:
        JoinRequest.parse(extra)
    assert refused.value.field == "x"
    assert "is not a join request field" in refused.value.rule
