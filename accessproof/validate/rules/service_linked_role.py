"""Rules: service_linked_role (to be written)."""

from ..rule import Context, Report, Reports, rule  # noqa: F401
