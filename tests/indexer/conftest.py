"""Index fixtures: the storied network, a PostgreSQL server, anvil."""

from indexer.fixtures import anvil_network, anvil_url, pg_server, storied

__all__ = ["anvil_network", "anvil_url", "pg_server", "storied"]
