"""GetFindingsStatistics: counts for the dashboard, per analyzer kind.

The response is ``{findingsStatistics: [FindingsStatistics union], lastUpdatedAt}``; the union
member depends on the analyzer type (botocore model, ``FindingsStatistics``). Each kind has a
builder in ``STATISTICS_BUILDERS``; the unused-access analyzer (issue 7) registers a richer one with
``register_statistics``.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any, Callable, Optional, Sequence

from .model import (
    ACTIVE, ARCHIVED, EXTERNAL_ACCESS_ANALYZER_TYPES, INTERNAL_ACCESS_ANALYZER_TYPES, RESOLVED,
    UNUSED_ACCESS_ANALYZER_TYPES, Finding,
)

StatisticsBuilder = Callable[[Sequence[Finding]], dict[str, Any]]


def status_totals(findings: Sequence[Finding]) -> dict[str, int]:
    counts = Counter(finding.status for finding in findings)
    return {
        "totalActiveFindings": counts[ACTIVE],
        "totalArchivedFindings": counts[ARCHIVED],
        "totalResolvedFindings": counts[RESOLVED],
    }


def external_access_statistics(findings: Sequence[Finding]) -> dict[str, Any]:
    """ExternalAccessFindingsStatistics. ``resourceTypeStatistics`` has every resource type that
    has a finding in any status (CHOICE), with counts of its ACTIVE findings."""
    per_type: dict[str, dict[str, int]] = {}
    for finding in findings:
        counts = per_type.setdefault(
            finding.resource_type, {"totalActivePublic": 0, "totalActiveCrossAccount": 0, "totalActiveErrors": 0}
        )
        if finding.status != ACTIVE:
            continue
        if finding.is_error:
            counts["totalActiveErrors"] += 1
        elif finding.is_public:
            counts["totalActivePublic"] += 1
        else:
            # CHOICE: AWS does not define the split; we make public, cross-account and errors
            # disjoint (an error finding counts as neither public nor cross-account).
            counts["totalActiveCrossAccount"] += 1
    return {"resourceTypeStatistics": dict(sorted(per_type.items())), **status_totals(findings)}


def internal_access_statistics(findings: Sequence[Finding]) -> dict[str, Any]:
    """InternalAccessFindingsStatistics: per resource type, counts by status."""
    per_type: dict[str, dict[str, int]] = {}
    for resource_type in sorted({finding.resource_type for finding in findings}):
        totals = status_totals([f for f in findings if f.resource_type == resource_type])
        per_type[resource_type] = {
            "totalActiveFindings": totals["totalActiveFindings"],
            "totalResolvedFindings": totals["totalResolvedFindings"],
            "totalArchivedFindings": totals["totalArchivedFindings"],
        }
    return {"resourceTypeStatistics": per_type, **status_totals(findings)}


def unused_access_statistics(findings: Sequence[Finding]) -> dict[str, Any]:
    """UnusedAccessFindingsStatistics, totals only until the unused-access analyzer registers
    its builder (type statistics and top accounts need its ``details``)."""
    return status_totals(findings)


STATISTICS_BUILDERS: dict[str, tuple[str, StatisticsBuilder]] = {}


def register_statistics(analyzer_types: Sequence[str], union_member: str, builder: StatisticsBuilder) -> None:
    for analyzer_type in analyzer_types:
        STATISTICS_BUILDERS[analyzer_type] = (union_member, builder)


register_statistics(EXTERNAL_ACCESS_ANALYZER_TYPES, "externalAccessFindingsStatistics", external_access_statistics)
register_statistics(INTERNAL_ACCESS_ANALYZER_TYPES, "internalAccessFindingsStatistics", internal_access_statistics)
register_statistics(UNUSED_ACCESS_ANALYZER_TYPES, "unusedAccessFindingsStatistics", unused_access_statistics)


def last_updated_at(findings: Sequence[Finding]) -> Optional[datetime]:
    """CHOICE: the latest change or analysis among the analyzer's findings."""
    moments = [moment for finding in findings for moment in (finding.updated_at, finding.analyzed_at)]
    return max(moments) if moments else None


def findings_statistics(analyzer_type: str, findings: Sequence[Finding]) -> dict[str, Any]:
    """GetFindingsStatistics' response body."""
    union_member, builder = STATISTICS_BUILDERS[analyzer_type]
    response: dict[str, Any] = {"findingsStatistics": [{union_member: builder(findings)}]}
    updated = last_updated_at(findings)
    if updated is not None:
        response["lastUpdatedAt"] = updated
    return response
