"""The unused access analyzer's operations over a findings store, in AWS's request/response shapes.

The client (``accessproof.api.accessanalyzer``), the CLI and the server call these; errors are
``FindingsError`` subclasses (their ``code`` is the AWS error code). Recommendations are kept in
memory per service instance (CHOICE: the store has no table for them; ``accessproof recommend``
computes one directly).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence, Union

from ..findings import FindingsStore
from ..findings.errors import NotFoundError, ValidationError
from ..findings.lifecycle import Reconciliation
from ..findings.model import UNUSED_ACCESS_ANALYZER_TYPES, Analyzer, Finding
from ..inventory.activity import AccountActivity, load_account_activity
from ..inventory.organization import Organization, load_organization
from .unused import (
    ORGANIZATION_UNUSED_ACCESS, UNUSED_PERMISSION, UnusedAccessAnalysis, UnusedConfigurationError, analyze_account,
    analyze_accounts, settings_from_configuration,
)
from .unused_recommend import Recommendation, recommend

RECOMMENDATION_TYPE = "UnusedPermissionRecommendation"
# GetFindingV2 / GetFindingRecommendation page sizes (CHOICE: AWS documents none).
DEFAULT_DETAILS_PAGE = 100
DEFAULT_STEPS_PAGE = 100
_TIMESTAMP_MEMBERS = ("lastAccessed",)


def is_organization_folder(path: Path) -> bool:
    return (path / "describe-organization.json").is_file()


def account_activity(path: Union[str, Path]) -> AccountActivity:
    """One account snapshot's identities, policies and activity (read afresh: snapshots change)."""
    return load_account_activity(path)


def load_accounts(path: Union[str, Path]) -> tuple[list[AccountActivity], Optional[Organization]]:
    """An account snapshot, or every snapshot of an organization folder."""
    p = Path(path)
    if is_organization_folder(p):
        organization = load_organization(p)
        return [account_activity(d) for _, d in sorted(organization.snapshots.items())], organization
    return [account_activity(p)], None


def run_analysis(path: Union[str, Path], analyzer_type: str, configuration: Optional[Mapping[str, Any]],
                 now: datetime) -> tuple[UnusedAccessAnalysis, Optional[Organization]]:
    """Analyse a snapshot (ACCOUNT_UNUSED_ACCESS) or an organization folder (ORGANIZATION_UNUSED_ACCESS)."""
    accounts, organization = load_accounts(path)
    owner = organization.management_account_id if organization else accounts[0].account.account_id
    settings = settings_from_configuration(configuration, analyzer_type, owner)
    if analyzer_type == ORGANIZATION_UNUSED_ACCESS:
        if organization is None:
            raise UnusedConfigurationError(f"{path}: an ORGANIZATION_UNUSED_ACCESS analyzer reads an organization "
                                           "folder (describe-organization.json, list-accounts.json, snapshots)")
        analysis = analyze_accounts(accounts, settings, now)
        analysis.problems.extend(f"account {a} of {organization.organization_id} has no snapshot: not analysed"
                                 for a in organization.accounts_without_snapshot)
        return analysis, organization
    if organization is not None:
        raise UnusedConfigurationError(f"{path} is an organization folder: use ORGANIZATION_UNUSED_ACCESS, or give "
                                       "one account's snapshot")
    return analyze_account(accounts[0], settings, now), None


def _timestamps(value: Any) -> Any:
    """ISO strings of ``lastAccessed`` members as datetimes (boto3 returns Timestamp members so)."""
    if isinstance(value, list):
        return [_timestamps(v) for v in value]
    if isinstance(value, dict):
        return {k: (datetime.fromisoformat(v) if k in _TIMESTAMP_MEMBERS and isinstance(v, str) else _timestamps(v))
                for k, v in value.items()}
    return value


def _page(items: list, max_results: Optional[int], next_token: Optional[str], default: int) -> tuple[list, Optional[str]]:
    start = 0
    if next_token:
        try:
            start = int(base64.urlsafe_b64decode(next_token.encode()).decode())
        except (ValueError, UnicodeDecodeError):
            raise ValidationError("Invalid nextToken") from None
    size = default if max_results is None else max_results
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValidationError("maxResults must be a positive integer")
    end = start + size
    token = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else None
    return items[start:end], token


@dataclass
class _StoredRecommendation:
    started_at: datetime
    completed_at: Optional[datetime]
    resource_arn: str
    result: Optional[Recommendation] = None
    error: Optional[dict] = None


@dataclass
class UnusedAccessService:
    store: FindingsStore
    clock: Callable[[], datetime]
    _recommendations: dict = field(default_factory=dict)

    # --- analyzers -----------------------------------------------------------------------
    def create_analyzer(self, name: str, analyzer_type: str, configuration: Optional[Mapping[str, Any]] = None,
                        archive_rules: Optional[Sequence[Mapping[str, Any]]] = None,
                        tags: Optional[Mapping[str, str]] = None) -> Analyzer:
        try:
            settings = settings_from_configuration(configuration, analyzer_type, self.store.account_id)
        except UnusedConfigurationError as e:
            raise ValidationError(str(e)) from None
        return self.store.create_analyzer(name, analyzer_type, archive_rules=archive_rules, tags=tags,
                                          configuration=settings.to_configuration())

    def update_analyzer(self, name: str, configuration: Mapping[str, Any]) -> Analyzer:
        analyzer = self.store.get_analyzer(name)
        try:
            settings = settings_from_configuration(configuration, analyzer.type, self.store.account_id)
        except UnusedConfigurationError as e:
            raise ValidationError(str(e)) from None
        return self.store.update_analyzer(name, settings.to_configuration())

    def _unused_analyzer(self, analyzer_arn: str) -> Analyzer:
        analyzer = self.store.get_analyzer_by_arn(analyzer_arn)
        if analyzer.type not in UNUSED_ACCESS_ANALYZER_TYPES:
            raise ValidationError(f"Analyzer {analyzer.name} is a {analyzer.type} analyzer, not an unused access analyzer")
        return analyzer

    # --- analysis ------------------------------------------------------------------------
    def analyze(self, analyzer_arn: str, path: Union[str, Path],
                now: Optional[datetime] = None) -> tuple[UnusedAccessAnalysis, Reconciliation]:
        """Analyse a snapshot or organization folder and record it as the analyzer's complete state."""
        analyzer = self._unused_analyzer(analyzer_arn)  # before the snapshot is read: see record_analysis
        try:
            analysis, _ = run_analysis(path, analyzer.type, analyzer.configuration, now or self.clock())
        except UnusedConfigurationError as e:
            raise ValidationError(str(e)) from None
        outcome = self.store.record_analysis(analyzer.arn, analysis.results, complete=True,
                                             started_after=analyzer.analyses_recorded)
        return analysis, outcome

    # --- findings ------------------------------------------------------------------------
    def get_finding_v2(self, analyzer_arn: str, finding_id: str, max_results: Optional[int] = None,
                       next_token: Optional[str] = None) -> dict[str, Any]:
        finding = self.store.get_finding(analyzer_arn, finding_id)
        response = finding.to_aws_summary_v2()
        details, token = _page(_timestamps(finding.finding_details()), max_results, next_token, DEFAULT_DETAILS_PAGE)
        response["findingDetails"] = details
        if token:
            response["nextToken"] = token
        return response

    # --- recommendations -----------------------------------------------------------------
    def _permission_finding(self, analyzer_arn: str, finding_id: str) -> Finding:
        self._unused_analyzer(analyzer_arn)
        finding = self.store.get_finding(analyzer_arn, finding_id)
        if finding.finding_type != UNUSED_PERMISSION:
            raise ValidationError(f"Recommendations are for UnusedPermission findings; {finding_id} is {finding.finding_type}")
        return finding

    def generate_recommendation(self, analyzer_arn: str, finding_id: str) -> None:
        """GenerateFindingRecommendation: computed at once (it takes well under a second)."""
        finding = self._permission_finding(analyzer_arn, finding_id)
        started = self.clock()
        stored = _StoredRecommendation(started, None, finding.resource)
        try:
            stored.result = recommendation_for(finding)
        except (OSError, ValueError) as e:
            stored.error = {"code": "SnapshotUnavailable", "message": str(e)}
        stored.completed_at = self.clock()
        self._recommendations[(analyzer_arn, finding_id)] = stored

    def get_recommendation(self, analyzer_arn: str, finding_id: str, max_results: Optional[int] = None,
                           next_token: Optional[str] = None) -> dict[str, Any]:
        self._permission_finding(analyzer_arn, finding_id)
        stored = self._recommendations.get((analyzer_arn, finding_id))
        if stored is None:
            raise NotFoundError(f"No recommendation for finding {finding_id}: call GenerateFindingRecommendation first")
        response: dict[str, Any] = {"startedAt": stored.started_at, "resourceArn": stored.resource_arn,
                                    "recommendationType": RECOMMENDATION_TYPE,
                                    "status": "FAILED" if stored.error else "SUCCEEDED"}
        if stored.completed_at is not None:
            response["completedAt"] = stored.completed_at
        if stored.error:
            response["error"] = stored.error
            return response
        assert stored.result is not None
        steps, token = _page(stored.result.steps, max_results, next_token, DEFAULT_STEPS_PAGE)
        response["recommendedSteps"] = [step.to_aws() for step in steps]
        if token:
            response["nextToken"] = token
        # accessproof extension: the proof and validation of each recommended policy
        response["accessproof"] = {
            "proofs": [{"existingPolicyId": s.existing_policy_id, "checkNoNewAccess": s.proof,
                        "validationFindings": list(s.validation)} for s in steps if s.proof is not None],
            "problems": list(stored.result.problems),
        }
        return response


def recommendation_for(finding: Finding) -> Recommendation:
    """Recompute the identity's policies from the snapshot the finding came from."""
    snapshot = ((finding.details or {}).get("accessproof") or {}).get("snapshot")
    if not snapshot:
        raise ValueError(f"finding {finding.id} does not name its snapshot")
    account = account_activity(snapshot)
    identity = account.identity(finding.resource)
    if identity is None:
        raise ValueError(f"{finding.resource} is no longer in the snapshot {snapshot}")
    return recommend(identity, account, finding.finding_details())
