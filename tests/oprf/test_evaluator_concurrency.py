"""The evaluator answers one gateway while another's request waits on the chain.

Each ``POST /v1/evaluate`` reads the member's standing (``memberOf``) from the chain, which may
take up to the read's timeout (10 s) when a node is slow. That read ran on the server's event
loop: a CI run saw a bank's gateway time out (``evaluator_unavailable``) behind another
request. Here one member's standing read is held until a second member's request has been
answered; before the fix the second waited behind the first, and neither answered.
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
from eth_account import Account

from ledger.evaluator import (
    EVALUATE_LABEL,
    LOG_FILE,
    ROLE_BANK,
    EvaluationLog,
    EvaluatorService,
    key_signer,
    served_in_thread,
    sign_request,
)
from ledger.oprf import Client, Evaluator

CONSORTIUM = "0x" + "ab" * 20
#: bounds every wait of this test (nothing is timed: a wait that runs out is a failure)
BOUND = 30.0


def _body(key: bytes) -> dict[str, object]:
    member = Account.from_key(key).address
    items = [Client.blind(b"an invoice's facts").blinded.hex()]
    envelope = sign_request(CONSORTIUM, member, key_signer(key), EVALUATE_LABEL, items)
    return {**envelope, "blinded": items}


def test_a_slow_standing_read_does_not_hold_another_members_answer(tmp_path: Path) -> None:
    slow_key, quick_key = b"\x01" * 32, b"\x02" * 32
    slow = Account.from_key(slow_key).address.lower()
    release, slow_reading = threading.Event(), threading.Event()

    def member_of(consortium: str, address: str) -> tuple[int, bool]:
        if address.lower() == slow:
            slow_reading.set()
            release.wait(BOUND)  # the slow node: held until the other member is answered
        return ROLE_BANK, True

    service = EvaluatorService(
        Evaluator.from_seed(Evaluator.new_seed()),
        EvaluationLog(tmp_path / LOG_FILE),
        member_of,
        standing_ttl=0,
    )
    answers: dict[str, int] = {}
    with served_in_thread(service) as url:

        def ask(name: str, key: bytes) -> None:
            answers[name] = httpx.post(
                f"{url}/v1/evaluate", json=_body(key), timeout=BOUND
            ).status_code

        first = threading.Thread(target=ask, args=("slow", slow_key))
        first.start()
        try:
            assert slow_reading.wait(BOUND), "the slow member's request never reached the chain"
            ask("quick", quick_key)  # answered while the slow read is still held
            assert answers == {"quick": 200}
        finally:
            release.set()
            first.join(BOUND)
    assert answers == {"quick": 200, "slow": 200}
    service.log.close()
