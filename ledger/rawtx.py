"""What a signed transaction calls: its recipient and call data, read from its raw bytes.

The transaction journal (:class:`ledger.tx.TxJournal`) keeps each signed transaction as the
bytes sent. A write that must know what this gateway has sent and the chain has not mined yet
(a drawdown beside an earlier one still in the pool: :mod:`ledger.services.financing`) reads
them back here. EIP-2718 typed transactions (EIP-1559 fees, the default) are read with
eth-account's ``TypedTransaction``; legacy ones (``gasPrice``: a free-gas network) are an RLP
list ``[nonce, gasPrice, gas, to, value, data, v, r, s]`` (the Ethereum Yellow Paper, section
4.3), read with ``rlp``.
"""

from __future__ import annotations

from dataclasses import dataclass

import rlp
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from rlp.exceptions import RLPException

__all__ = ["SignedCall", "signed_call"]

#: the first byte of an EIP-2718 typed transaction is its type, 0x00..0x7f; an RLP list starts
#: at 0xc0
_TYPED_BELOW = 0x80


@dataclass(frozen=True)
class SignedCall:
    """A signed transaction's recipient (checksummed; None for a contract creation) and its
    call data (the 4-byte selector, then the ABI-encoded arguments)."""

    to: str | None
    data: bytes

    def uint_argument(self, index: int) -> int | None:
        """The ``index``-th (0-based) static 32-byte argument read as an unsigned integer, or
        None when the data is too short to hold it."""
        start = 4 + 32 * index
        word = self.data[start : start + 32]
        return int.from_bytes(word, "big") if len(word) == 32 else None


def signed_call(raw: bytes) -> SignedCall:
    """The call ``raw`` (a signed transaction, as sent to ``eth_sendRawTransaction``) makes.
    Raises ValueError when ``raw`` is not a transaction."""
    if not raw:
        raise ValueError("an empty transaction")
    try:
        if raw[0] < _TYPED_BELOW:
            fields = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
            to, data = fields.get("to"), fields.get("data", b"")
        else:
            items = rlp.decode(bytes(raw))
            if not isinstance(items, list) or len(items) != 9:
                raise ValueError("not a legacy transaction: an RLP list of 9 items")
            to, data = items[3], items[5]
    except RLPException as exc:
        raise ValueError(f"not a transaction: {exc}") from None
    return SignedCall(to_checksum_address(bytes(to)) if to else None, bytes(data or b""))
