"""The records of the findings package: analyzers, archive rules, findings.

Field names follow Python; ``to_aws()`` gives the camelCase dicts of the botocore model
(``AnalyzerSummary``, ``ArchiveRuleSummary``, ``Finding``/``FindingSummary``, ``FindingSummaryV2``,
``GetFindingV2``), leaving out members that are unset, as AWS does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from typing import Any, Iterable, Mapping, Optional

# Enums as the botocore model (accessanalyzer 2019-11-01) spells them.
ANALYZER_TYPES = (
    "ACCOUNT", "ORGANIZATION",
    "ACCOUNT_UNUSED_ACCESS", "ORGANIZATION_UNUSED_ACCESS",
    "ACCOUNT_INTERNAL_ACCESS", "ORGANIZATION_INTERNAL_ACCESS",
)
EXTERNAL_ACCESS_ANALYZER_TYPES = ("ACCOUNT", "ORGANIZATION")
UNUSED_ACCESS_ANALYZER_TYPES = ("ACCOUNT_UNUSED_ACCESS", "ORGANIZATION_UNUSED_ACCESS")
INTERNAL_ACCESS_ANALYZER_TYPES = ("ACCOUNT_INTERNAL_ACCESS", "ORGANIZATION_INTERNAL_ACCESS")
ANALYZER_STATUSES = ("ACTIVE", "CREATING", "DISABLED", "FAILED")

ACTIVE = "ACTIVE"
ARCHIVED = "ARCHIVED"
RESOLVED = "RESOLVED"
FINDING_STATUSES = (ACTIVE, ARCHIVED, RESOLVED)
FINDING_STATUS_UPDATES = (ACTIVE, ARCHIVED)  # UpdateFindings' FindingStatusUpdate

EXTERNAL_ACCESS = "ExternalAccess"
FINDING_TYPES = (
    EXTERNAL_ACCESS, "UnusedIAMRole", "UnusedIAMUserAccessKey", "UnusedIAMUserPassword",
    "UnusedPermission", "InternalAccess",
)
# FindingDetails union member for each finding type (GetFindingV2).
DETAILS_MEMBER_BY_FINDING_TYPE = {
    EXTERNAL_ACCESS: "externalAccessDetails",
    "InternalAccess": "internalAccessDetails",
    "UnusedPermission": "unusedPermissionDetails",
    "UnusedIAMUserAccessKey": "unusedIamUserAccessKeyDetails",
    "UnusedIAMRole": "unusedIamRoleDetails",
    "UnusedIAMUserPassword": "unusedIamUserPasswordDetails",
}

JSONMap = Mapping[str, Any]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: Optional[datetime]) -> Optional[datetime]:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def _without_none(members: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in members.items() if value is not None}


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


@dataclass(frozen=True)
class Analyzer:
    arn: str
    name: str
    type: str
    created_at: datetime
    status: str = "ACTIVE"
    status_reason: Optional[dict] = None
    last_resource_analyzed: Optional[str] = None
    last_resource_analyzed_at: Optional[datetime] = None
    configuration: Optional[dict] = None
    tags: dict[str, str] = field(default_factory=dict)
    # How many analyses the store has recorded for it (not in AWS's shape). Read before an analysis
    # reads its snapshot, it is that analysis' ``started_after`` (``FindingsStore.record_analysis``).
    analyses_recorded: int = 0

    def to_aws(self) -> dict[str, Any]:
        """AnalyzerSummary."""
        return _without_none({
            "arn": self.arn,
            "name": self.name,
            "type": self.type,
            "createdAt": self.created_at,
            "lastResourceAnalyzed": self.last_resource_analyzed,
            "lastResourceAnalyzedAt": self.last_resource_analyzed_at,
            "tags": dict(self.tags),
            "status": self.status,
            "statusReason": self.status_reason,
            "configuration": self.configuration,
        })


@dataclass(frozen=True)
class ArchiveRule:
    analyzer_arn: str
    rule_name: str
    filter: dict[str, dict]  # FilterCriteriaMap, already validated by filters.parse_filter
    created_at: datetime
    updated_at: datetime

    def to_aws(self) -> dict[str, Any]:
        """ArchiveRuleSummary."""
        return {
            "ruleName": self.rule_name,
            "filter": self.filter,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }


@dataclass(frozen=True)
class FreshFinding:
    """One finding as an analysis computes it: no id, no status, no timestamps yet.

    ``identity`` overrides what makes two analyses' findings "the same access"; by default it is
    everything that describes the access (see ``finding_key``). Unused-access findings, whose
    ``details`` carry last-used dates that change without the finding changing, set it.
    """

    resource: str
    resource_type: str
    resource_owner_account: str
    finding_type: str = EXTERNAL_ACCESS
    principal: Optional[dict[str, str]] = None
    action: Optional[tuple[str, ...]] = None
    condition: dict[str, str] = field(default_factory=dict)
    is_public: Optional[bool] = None
    sources: Optional[tuple[dict, ...]] = None
    error: Optional[str] = None
    resource_control_policy_restriction: Optional[str] = None
    witness: Optional[dict] = None
    details: Optional[dict] = None
    identity: Optional[str] = None


def finding_key(fresh: FreshFinding) -> str:
    """A stable hash of the access a finding describes, used to match findings across analyses.

    Action order, condition key order and source order do not matter; the witness does not count
    (another solver run may pick another witness for the same access).
    """
    if fresh.identity is not None:
        material: Any = ["identity", fresh.finding_type, fresh.resource, fresh.identity]
    else:
        material = [
            fresh.finding_type,
            fresh.resource,
            fresh.resource_type,
            fresh.resource_owner_account,
            fresh.principal or {},
            sorted(fresh.action or ()),
            fresh.condition or {},
            fresh.is_public,
            sorted(canonical_json(source) for source in fresh.sources or ()),
            fresh.error,
            fresh.resource_control_policy_restriction,
        ]
    return hashlib.sha256(canonical_json(material).encode()).hexdigest()


@dataclass(frozen=True)
class Finding:
    """A stored finding."""

    id: str
    analyzer_arn: str
    key: str
    resource: str
    resource_type: str
    resource_owner_account: str
    status: str
    created_at: datetime
    updated_at: datetime
    analyzed_at: datetime
    finding_type: str = EXTERNAL_ACCESS
    principal: Optional[dict[str, str]] = None
    action: Optional[tuple[str, ...]] = None
    condition: dict[str, str] = field(default_factory=dict)
    is_public: Optional[bool] = None
    sources: Optional[tuple[dict, ...]] = None
    error: Optional[str] = None
    resource_control_policy_restriction: Optional[str] = None
    witness: Optional[dict] = None
    details: Optional[dict] = None

    @classmethod
    def open(cls, fresh: FreshFinding, *, finding_id: str, analyzer_arn: str, status: str, now: datetime) -> "Finding":
        return cls(
            id=finding_id,
            analyzer_arn=analyzer_arn,
            key=finding_key(fresh),
            resource=fresh.resource,
            resource_type=fresh.resource_type,
            resource_owner_account=fresh.resource_owner_account,
            status=status,
            created_at=now,
            updated_at=now,
            analyzed_at=now,
            finding_type=fresh.finding_type,
            principal=dict(fresh.principal) if fresh.principal is not None else None,
            action=tuple(fresh.action) if fresh.action is not None else None,
            condition=dict(fresh.condition or {}),
            is_public=fresh.is_public,
            sources=tuple(fresh.sources) if fresh.sources is not None else None,
            error=fresh.error,
            resource_control_policy_restriction=fresh.resource_control_policy_restriction,
            witness=fresh.witness,
            details=fresh.details,
        )

    def with_status(self, status: str, now: datetime) -> "Finding":
        return replace(self, status=status, updated_at=now)

    @property
    def is_error(self) -> bool:
        return self.error is not None

    def to_aws(self) -> dict[str, Any]:
        """Finding (GetFinding) and FindingSummary (ListFindings): the same members, plus
        accessproof's ``witness`` (a request the evaluator replayed) when the analysis gave one."""
        return _without_none({
            "id": self.id,
            "principal": self.principal,
            "action": list(self.action) if self.action is not None else None,
            "resource": self.resource,
            "isPublic": self.is_public,
            "resourceType": self.resource_type,
            "condition": dict(self.condition),
            "createdAt": self.created_at,
            "analyzedAt": self.analyzed_at,
            "updatedAt": self.updated_at,
            "status": self.status,
            "resourceOwnerAccount": self.resource_owner_account,
            "error": self.error,
            "sources": [dict(source) for source in self.sources] if self.sources is not None else None,
            "resourceControlPolicyRestriction": self.resource_control_policy_restriction,
            "witness": self.witness,
        })

    def to_aws_summary_v2(self) -> dict[str, Any]:
        """FindingSummaryV2 (ListFindingsV2)."""
        return _without_none({
            "analyzedAt": self.analyzed_at,
            "createdAt": self.created_at,
            "error": self.error,
            "id": self.id,
            "resource": self.resource,
            "resourceType": self.resource_type,
            "resourceOwnerAccount": self.resource_owner_account,
            "status": self.status,
            "updatedAt": self.updated_at,
            "findingType": self.finding_type,
        })

    def finding_details(self) -> list[dict[str, Any]]:
        """GetFindingV2's ``findingDetails``: a list of FindingDetails unions.

        External access has one entry built from the finding's own fields. Other finding types
        keep their entries in ``details`` (``{"findingDetails": [...]}``), written by their
        analyzer.
        """
        if self.finding_type == EXTERNAL_ACCESS:
            external = _without_none({
                "action": list(self.action) if self.action is not None else None,
                "condition": dict(self.condition),
                "isPublic": self.is_public,
                "principal": self.principal,
                "sources": [dict(source) for source in self.sources] if self.sources is not None else None,
                "resourceControlPolicyRestriction": self.resource_control_policy_restriction,
            })
            return [{"externalAccessDetails": external}]
        return list((self.details or {}).get("findingDetails", []))

    def to_aws_v2(self) -> dict[str, Any]:
        """GetFindingV2's response, without paging of ``findingDetails`` (the API layer pages)."""
        response = self.to_aws_summary_v2()
        response["findingDetails"] = self.finding_details()
        return response


@dataclass(frozen=True)
class ResourceAnalysis:
    """What one analysis found for one resource (an empty ``findings`` means no outside access)."""

    resource: str
    resource_type: str
    resource_owner_account: str
    findings: tuple[FreshFinding, ...] = ()


@dataclass(frozen=True)
class AnalyzedResource:
    """A resource an analyzer has looked at (ListAnalyzedResources / GetAnalyzedResource)."""

    analyzer_arn: str
    resource: str
    resource_type: str
    resource_owner_account: str
    created_at: datetime
    analyzed_at: datetime
    updated_at: datetime

    def to_aws_summary(self) -> dict[str, Any]:
        """AnalyzedResourceSummary."""
        return {
            "resourceArn": self.resource,
            "resourceOwnerAccount": self.resource_owner_account,
            "resourceType": self.resource_type,
        }


# What changed a finding's status (``StatusChange.cause``).
CAUSE_ANALYSIS = "analysis"
CAUSE_UPDATE = "UpdateFindings"
CAUSE_ARCHIVE_RULE = "archive rule"  # followed by the rule's name


@dataclass(frozen=True)
class StatusChange:
    """One change of a finding's status, as the store records it (``finding_history``)."""

    finding_id: str
    analyzer_arn: str
    resource_owner_account: str
    previous_status: Optional[str]  # None: the finding was opened
    status: str
    changed_at: datetime
    cause: str
    analysis: Optional[int] = None  # the analysis number when ``cause`` is an analysis


def status_changes(before: Mapping[str, str], after: Iterable["Finding"], cause: str,
                   analysis: Optional[int] = None) -> list[StatusChange]:
    """The changes from ``before`` (finding id → status; absent: new) to ``after``; unchanged
    findings give none."""
    return [StatusChange(f.id, f.analyzer_arn, f.resource_owner_account, before.get(f.id), f.status, f.updated_at,
                         cause, analysis)
            for f in after if before.get(f.id) != f.status]


@dataclass(frozen=True)
class FindingOverviewRow:
    """How many findings have these counted columns (``FindingsStore.overview_rows``)."""

    resource_owner_account: str
    finding_type: str
    resource_type: str
    status: str
    is_public: Optional[bool]
    count: int = 1


@dataclass(frozen=True)
class StatusCount:
    """How many status changes of one kind a day saw (``FindingsStore.status_counts_since``)."""

    day: date
    opened: bool  # the change opened the finding (no previous status)
    status: str
    count: int
