"""Who an address is and which currency a financing is in, read from an open ledger: the
:class:`ledger.words.Names` the API and the CLI hand to :mod:`ledger.messages`.

Members are named from this gateway's own participants first, then from the chain's
``MemberAdded`` events; a financing's currency from the record of a document it pledged when this
gateway made it, else from its ``FinancingRegistered`` event. (On the embedded chain a log query
scans every block, so the gateway's own records come first.)
Answers are cached for the life of the object (one request, one command). A lookup that fails
(the chain does not answer, an unknown address) answers None: naming never turns one error into
another.
"""

from __future__ import annotations

import json

from web3 import Web3

from ledger.errors import LedgerError
from ledger.network import Ledger


class LedgerNames:
    """:class:`ledger.words.Names` over an open :class:`~ledger.network.Ledger`."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._members: dict[str, str | None] = {}
        self._currencies: dict[int, str | None] = {}

    def member(self, address: str) -> str | None:
        key = str(address).lower()
        if key not in self._members:
            self._members[key] = self._member(str(address))
        return self._members[key]

    def _member(self, address: str) -> str | None:
        try:
            checksummed = Web3.to_checksum_address(address)
        except ValueError:
            return None
        try:
            name = self.ledger.db.participant_name(checksummed)
            if name:
                return name
        except LedgerError:
            pass
        from ledger.services.members import chain_names  # it imports the services here

        try:  # every member's on-chain name, read once (from the event index where served)
            return chain_names(self.ledger).get(checksummed.lower()) or None
        except LedgerError:  # the chain does not answer: no name, not another error
            return None

    def financing_currency(self, financing_id: int) -> str | None:
        if financing_id not in self._currencies:
            self._currencies[financing_id] = self._currency(financing_id)
        return self._currencies[financing_id]

    def _currency(self, financing_id: int) -> str | None:
        """The currency of a financing this gateway made (its terms are confidential: from
        the facts of the files it pledged, which this gateway holds), else None."""
        if not 0 < financing_id < 2**63:
            return None
        try:
            for pledge in self.ledger.db.pledges(financing_id):
                for row in self.ledger.db.received(pledge.doc_hash):
                    currency = json.loads(row.facts_json or "{}").get("currency")
                    if currency:
                        return str(currency)
        except LedgerError:
            return None
        return None
