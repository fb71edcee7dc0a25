"""API keys: a key this process checked is served from memory for AUTH_CACHE_SECONDS; a
revocation here applies at once, one made by another process after the cache time."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ledger import gatewaydb
from ledger.errors import Unauthorized
from ledger.gatewaydb import GatewayDB


def test_revocations_reach_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gatewaydb, "AUTH_CACHE_SECONDS", 0.3)
    url = f"sqlite:///{tmp_path / 'gateway.sqlite'}"
    gateway, cli = GatewayDB(url), GatewayDB(url)
    address = "0x" + "ab" * 20
    gateway.add_participant(address, "Bank A", "bank")
    key = gateway.create_api_key(address)

    assert gateway.authenticate_cached(key) is None  # never checked yet
    assert gateway.authenticate(key).address == address
    assert gateway.authenticate_cached(key) is not None
    wrong_secret = key[:-4] + "AAAA"
    assert gateway.authenticate_cached(wrong_secret) is None
    with pytest.raises(Unauthorized):
        gateway.authenticate(wrong_secret)

    # revoked by another process (the CLI): honoured once the cache entry expires
    cli.revoke_api_keys(address)
    time.sleep(0.35)
    assert gateway.authenticate_cached(key) is None
    with pytest.raises(Unauthorized):
        gateway.authenticate(key)

    # revoked by this process: at once
    fresh = gateway.create_api_key(address)
    gateway.authenticate(fresh)
    gateway.revoke_api_keys(address)
    assert gateway.authenticate_cached(fresh) is None
    with pytest.raises(Unauthorized):
        gateway.authenticate(fresh)
