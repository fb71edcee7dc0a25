"""The watch beside the tests' anvil (:mod:`tests.anvil_strands`) mines a stranded pool, sends
again a queue orphaned behind a mined nonce, and leaves alone a pool a test holds on purpose
and a real nonce gap.

A burst beyond one block's gas limit now and then strands its tail under automine on anvil
1.7.1 (about one burst in ten here: the rest waits for a next transaction that never comes);
and, rarer, queues it behind a nonce already mined; every burst must be mined all the same.
When the watch acts is decided from what the node answers; that decision is checked on scripted
answers, since no request makes anvil strand on cue (the orphaned queue's state is made on cue
with ``anvil_setNonce``).
"""

from __future__ import annotations

import time

import httpx
import pytest
from eth_account import Account

from tests.anvil_strands import StrandWatch
from tests.conftest import ANVIL_KEY, AnvilNode, start_anvil

#: a block fits 8 of the burst's transactions (120,000 gas each)
GAS_LIMIT = "1000000"
BURST = 60


def _burst(node: AnvilNode, first_nonce: int) -> None:
    """Send ``BURST`` self-transfers with consecutive nonces in one JSON-RPC batch."""
    account = Account.from_key(ANVIL_KEY)
    chain_id = int(str(node.rpc("eth_chainId")), 16)
    raws = [
        account.sign_transaction(
            {
                "to": account.address,
                "value": 0,
                "gas": 120_000,
                "gasPrice": 2 * 10**9,
                "nonce": first_nonce + i,
                "chainId": chain_id,
            }
        ).raw_transaction.to_0x_hex()
        for i in range(BURST)
    ]
    answers = httpx.post(
        node.url,
        json=[
            {"jsonrpc": "2.0", "id": i, "method": "eth_sendRawTransaction", "params": [raw]}
            for i, raw in enumerate(raws)
        ],
        timeout=30,
    ).json()
    assert all("result" in answer for answer in answers), answers[:3]


def _mined_nonce(node: AnvilNode) -> int:
    address = Account.from_key(ANVIL_KEY).address
    return int(str(node.rpc("eth_getTransactionCount", [address, "latest"])), 16)


def _wait_mined(node: AnvilNode, nonce: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _mined_nonce(node) >= nonce:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.anvil
def test_bursts_beyond_a_block_are_all_mined() -> None:
    """What a test relies on: every burst is mined, stranded or not (with the watch stopped,
    about one burst in ten here keeps its tail in the pool until the next transaction)."""
    node = start_anvil(gas_limit=GAS_LIMIT)
    try:
        sent = 0
        for _ in range(10):
            _burst(node, sent)
            sent += BURST
            # automine seals what arrives at once; a stranded tail waits for the watch (two
            # looks a second apart): well within 10 s
            assert _wait_mined(node, sent, 10), (
                f"{sent - _mined_nonce(node)} of the burst still in the pool after 10 s: "
                f"{node.rpc('txpool_status')}"
            )
    finally:
        node.stop()


class _ScriptedNode:
    """What the watch asks a node, answered from a script: ``ready`` transactions, and
    transactions queued from nonce ``queued_from`` for a sender whose next nonce on chain is
    ``next_nonce``; automine; head block. Records ``evm_mine`` and the queues sent again."""

    SENDER = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"

    def __init__(
        self,
        ready: int,
        automine: bool,
        blocks: list[int],
        queued_from: int | None = None,
        next_nonce: int = 5,
    ) -> None:
        self.ready, self.automine, self.blocks, self.mines = ready, automine, blocks, 0
        self.queued = (
            {} if queued_from is None else {queued_from + i: f"0x{i:064x}" for i in range(3)}
        )
        self.next_nonce = next_nonce
        self.removed: list[str] = []
        self.sent: list[str] = []

    def __call__(self, method: str, params: list[object] | None) -> object:
        if method == "txpool_status":
            return {"pending": hex(self.ready), "queued": hex(len(self.queued))}
        if method == "txpool_content":
            by_nonce = {str(nonce): {"hash": h} for nonce, h in self.queued.items()}
            return {"pending": {}, "queued": {self.SENDER: by_nonce} if by_nonce else {}}
        if method == "eth_getTransactionCount":
            assert params == [self.SENDER, "latest"]
            return hex(self.next_nonce)
        if method == "anvil_getAutomine":
            return self.automine
        if method == "eth_blockNumber":
            return hex(self.blocks.pop(0) if len(self.blocks) > 1 else self.blocks[0])
        if method == "evm_mine":
            self.mines += 1
            self.ready = 0
            return "0x0"
        if method == "eth_getRawTransactionByHash":
            assert params is not None
            return f"raw-of-{params[0]}"
        if method == "anvil_removePoolTransactions":
            assert params == [self.SENDER]
            self.removed.append(self.SENDER)
            return None
        if method == "eth_sendRawTransaction":
            assert params is not None
            assert self.removed, "sent again before it left the pool"
            self.sent.append(str(params[0]))
            return "0x0"
        raise AssertionError(method)


def _looks(node: _ScriptedNode, times: int) -> StrandWatch:
    watch = StrandWatch(node, record=False)
    for _ in range(times):
        watch._look()
    return watch


@pytest.mark.parametrize(
    ("ready", "automine", "blocks", "mines"),
    [
        (12, True, [7], 1),  # ready, automine on, no block across two looks: stranded
        (12, True, [7, 8, 9], 0),  # the node keeps sealing: not stranded
        (12, False, [7], 0),  # automine off: a test holds the pool on purpose
    ],
)
def test_the_watch_mines_only_a_stranded_pool(
    ready: int, automine: bool, blocks: list[int], mines: int
) -> None:
    node = _ScriptedNode(ready, automine, blocks)
    watch = _looks(node, 3)
    assert (node.mines, watch.mined) == (mines, mines)


@pytest.mark.parametrize(
    ("queued_from", "automine", "blocks", "resent"),
    [
        (5, True, [7], 1),  # queued from the sender's next nonce, no block: orphaned
        (9, True, [7], 0),  # queued from 9, next nonce 5: a real gap no block can close
        (5, True, [7, 8, 9], 0),  # the node keeps sealing: look again
        (5, False, [7], 0),  # automine off: a test holds the pool on purpose
    ],
)
def test_the_watch_sends_again_only_an_orphaned_queue(
    queued_from: int, automine: bool, blocks: list[int], resent: int
) -> None:
    node = _ScriptedNode(0, automine, blocks, queued_from=queued_from)
    watch = _looks(node, 3)
    assert (watch.resent, node.mines) == (resent, 0)
    # what it sends again: every queued transaction's own bytes, lowest nonce first
    expected = [f"raw-of-{node.queued[n]}" for n in sorted(node.queued)] if resent else []
    assert node.sent == expected


@pytest.mark.anvil
def test_an_orphaned_queue_is_mined() -> None:
    """The pool's state after the race (a transaction queued behind a predecessor already
    mined), made on cue: nonces 1–3 sent while the account's nonce is 0 are queued behind 0;
    ``anvil_setNonce`` then moves the account past 0 without any transaction announcing it, as
    the race's block does. No block frees them; the watch does."""
    node = start_anvil()
    try:
        assert node.watch is not None
        account = Account.from_key(ANVIL_KEY)
        chain_id = int(str(node.rpc("eth_chainId")), 16)
        for nonce in (1, 2, 3):
            raw = account.sign_transaction(
                {
                    "to": account.address,
                    "value": 0,
                    "gas": 21_000,
                    "gasPrice": 2 * 10**9,
                    "nonce": nonce,
                    "chainId": chain_id,
                }
            ).raw_transaction.to_0x_hex()
            node.rpc("eth_sendRawTransaction", [raw])
        node.rpc("anvil_setNonce", [account.address, "0x1"])
        node.rpc("evm_mine")  # a block does not free them
        assert node.rpc("txpool_status") == {"pending": "0x0", "queued": "0x3"}
        assert _wait_mined(node, 4, 10), node.rpc("txpool_status")
        assert node.watch.resent == 1
    finally:
        node.stop()


@pytest.mark.anvil
def test_a_pool_held_on_purpose_is_left_alone() -> None:
    node = start_anvil()
    try:
        assert node.watch is not None
        node.rpc("evm_setAutomine", [False])
        _burst(node, 0)
        time.sleep(3.5)  # three looks of the watch
        assert _mined_nonce(node) == 0
        assert node.watch.mined == 0
        node.rpc("evm_setAutomine", [True])  # anvil seals the held pool itself
        assert _wait_mined(node, BURST, 10)
        assert node.watch.mined == 0
    finally:
        node.stop()
