"""Rules: statements (to be written)."""

from ..rule import Context, Report, Reports, rule  # noqa: F401
