"""An approval the admin cannot complete writes nothing: the admin must be able to fund the
new member (gas is priced on anvil), and that is checked before the ADD_MEMBER proposal is made
— until now the member was added on chain and the funding then failed. Real anvil."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.errors import LedgerStateError
from ledger.join import read_request
from ledger.network import Ledger, member_funding
from ledger.services import members as svc
from tests.conftest import AnvilNode
from tests.consortium.test_join import join
from tests.consortium.test_join import operator as operator  # the fixture

pytestmark = pytest.mark.anvil


def test_an_approval_the_admin_cannot_fund_proposes_nothing(
    tmp_path: Path, anvil_node: AnvilNode, operator: tuple[Ledger, str]
) -> None:
    ledger, _ = operator
    admin = ledger.manifest.admin_address
    joined, _ = join(tmp_path, anvil_node, ledger.manifest.contract_address, "Bank J", "bank")
    request = read_request(Path(joined["request"]))
    # enough for the proposal's gas, not for the member's funding
    anvil_node.rpc("anvil_setBalance", [admin, hex(member_funding(ledger) // 2)])
    nonce = ledger.w3.eth.get_transaction_count(admin)
    proposals = svc.governance(ledger).proposal_count

    with pytest.raises(LedgerStateError, match="the admin"):
        svc.approve_join(ledger, admin, request)

    assert ledger.w3.eth.get_transaction_count(admin) == nonce
    assert svc.governance(ledger).proposal_count == proposals
    assert joined["address"] not in {m.address for m in svc.list_members(ledger)}
