"""What participants do, as functions over an open :class:`~ledger.network.Ledger`.

Each service takes the acting participant's address, signs with that participant's key, and
raises the gateway's typed errors (``ledger.errors``). The API and the CLI are thin layers over
these functions.
"""
