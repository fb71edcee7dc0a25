"""A key this data directory does not hold is refused saying why (tryout 69: ``finance create
--as BANK_A --data-dir ./bank-b`` read only "no keystore for 0x… in bank-b/keystore")."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.errors import LedgerStateError
from ledger.keys import Keystore


def test_a_member_whose_key_is_not_here_is_named_with_the_option(tmp_path: Path) -> None:
    keystore = Keystore(tmp_path / "keystore", tmp_path / "secrets", scrypt_n=2**4)
    mine = keystore.create()
    assert keystore.load(mine.address).address == mine.address
    other = "0x" + "ab" * 20
    with pytest.raises(LedgerStateError) as refused:
        keystore.load(other)
    assert other in refused.value.message
    assert "holds no key of that member" in refused.value.message
    assert "--as" in refused.value.message
    assert refused.value.details["address"] == other
