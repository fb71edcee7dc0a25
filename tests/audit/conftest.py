"""Audit fixtures: the storied network (shared with tests/indexer), a PostgreSQL server."""

from indexer.fixtures import anvil_network, anvil_url, pg_server, storied

__all__ = ["anvil_network", "anvil_url", "pg_server", "storied"]
