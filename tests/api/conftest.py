"""The findings tests' throwaway PostgreSQL cluster, for the client's lifecycle on PostgreSQL."""

from tests.findings.conftest import postgresql_url  # noqa: F401  (a session fixture)
