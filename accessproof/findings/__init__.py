"""Findings: analyzers, findings and archive rules, their lifecycle, and their storage.

- ``model``: the records (``Analyzer``, ``ArchiveRule``, ``Finding``, ``FreshFinding``,
  ``ResourceAnalysis``) and their AWS-shaped dicts.
- ``filters``: AWS's filter keys and criteria, sorting and pagination.
- ``lifecycle``: pure functions for re-analysis, archive rules and UpdateFindings.
- ``statistics``: GetFindingsStatistics.
- ``db``/``store``: SQLAlchemy storage (a SQLite file by default, PostgreSQL by URL).
"""

from .errors import (
    ConflictError, DatabaseError, DatabaseUnavailableError, DatabaseURLError, FindingsError, MissingDatabaseError,
    NotFoundError, SchemaVersionError, ValidationError,
)
from .filters import Page
from .lifecycle import Reconciliation, reconcile
from .model import (
    Analyzer, AnalyzedResource, ArchiveRule, Finding, FreshFinding, ResourceAnalysis, finding_key,
)
from .store import FindingsStore

__all__ = [
    "Analyzer", "AnalyzedResource", "ArchiveRule", "ConflictError", "DatabaseError", "DatabaseURLError",
    "DatabaseUnavailableError", "Finding", "FindingsError", "FindingsStore", "FreshFinding", "MissingDatabaseError",
    "NotFoundError", "Page", "Reconciliation", "ResourceAnalysis", "SchemaVersionError", "ValidationError",
    "finding_key", "reconcile",
]
