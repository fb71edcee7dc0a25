"""tradeledger gateway: chain access, documents, services."""
