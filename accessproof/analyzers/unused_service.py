"""The unused access analyzer's operations over a findings store, in AWS's request/response shapes.

The client (``accessproof.api.accessanalyzer``), the CLI and the server call these; errors are
``FindingsError`` subclasses (their ``code`` is the AWS error code). Recommendations are kept in
memory per service instance (CHOICE: the store has no table for them; ``accessproof recommend``
computes one directly).

An analyzer belongs to an account (its ARN says which): an ``ACCOUNT_UNUSED_ACCESS`` analyzer
analyses its own account's snapshot only, an ``ORGANIZATION_UNUSED_ACCESS`` analyzer an
organization its account belongs to (the management account or a delegated administrator).
Analysing another account's snapshot is refused rather than recorded as the analyzer's state.

An organization analysis reconciles the findings of the accounts it analysed (and of the accounts
the analysis rule excludes) only. A member account without a snapshot, or one that left the
organization, keeps its findings as they were: AWS "will stop generating new findings and updating
existing findings for that account" (IAM User Guide, "Create an unused access analyzer"); a missing
snapshot says nothing about use. (AWS then deletes a departed account's findings after 90 days;
accessproof keeps them.)
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
from ..findings.model import ACTIVE, ARCHIVED, UNUSED_ACCESS_ANALYZER_TYPES, Analyzer, Finding, ResourceAnalysis
from ..inventory import SnapshotError
from ..inventory.account import ACCOUNT_FILE, load_account
from ..inventory.activity import (
    AUTHORIZATION_DETAILS, AccountActivity, TrailActivity, account_trail, load_account_activity,
)
from ..inventory.organization import Organization, load_organization
from ..parallel import Executor, SerialExecutor
from .unused import (
    ORGANIZATION_UNUSED_ACCESS, UNUSED_PERMISSION, Skipped, UnusedAccessAnalysis, UnusedAccessSettings,
    UnusedConfigurationError, analyze_account, settings_from_configuration,
)
from .unused_recommend import Recommendation, recommend

RECOMMENDATION_TYPE = "UnusedPermissionRecommendation"
# GetFindingV2 / GetFindingRecommendation page sizes (CHOICE: AWS documents none).
DEFAULT_DETAILS_PAGE = 100
DEFAULT_STEPS_PAGE = 100
MAX_STEPS_PAGE = 1000  # GetFindingRecommendation's maxResults: 1 to 1000 (botocore model)
LIST_PAGE = 1000
_TIMESTAMP_MEMBERS = ("lastAccessed",)


def is_organization_folder(path: Path) -> bool:
    return (path / "describe-organization.json").is_file()


def account_activity(path: Union[str, Path]) -> AccountActivity:
    """One account snapshot's identities, policies and activity (read afresh: snapshots change)."""
    return load_account_activity(path)


def load_accounts(path: Union[str, Path]) -> tuple[list[AccountActivity], Optional[Organization]]:
    """An account snapshot, or every snapshot of an organization folder."""
    layout = load_snapshot(path)
    return [account_activity(d) for _, d in layout.account_dirs], layout.organization


@dataclass(frozen=True)
class SnapshotLayout:
    """An account snapshot, or an organization folder: which account snapshots it has and whose
    analyzer analyses it. The accounts' identities and activity are read by the analysis, one
    account (or part of one) at a time, in this process or in workers."""

    path: str
    account_dirs: tuple[tuple[str, str], ...]  # (account id, snapshot directory), by account id
    owner_account: str  # an organization's management account, else the snapshot's account
    region: str  # the owner account's Region (an organization's first snapshot when the owner has none)
    organization: Optional[Organization] = None


def load_snapshot(path: Union[str, Path, SnapshotLayout]) -> SnapshotLayout:
    """The layout of ``path``. A missing or malformed ``account.json``, or a missing authorization
    details file, is reported here, before any analyzer is created or changed; what the accounts'
    other files hold is read (and reported) by the analysis."""
    if isinstance(path, SnapshotLayout):
        return path
    root = Path(path)
    if is_organization_folder(root):
        organization = load_organization(root)
        dirs = tuple((account, str(d)) for account, d in sorted(organization.snapshots.items()))
        owner = organization.management_account_id
        first = dict(dirs).get(owner) or (dirs[0][1] if dirs else None)
        region = load_account(Path(first) / ACCOUNT_FILE).region if first else "us-east-1"
        return SnapshotLayout(str(path), dirs, owner, region, organization)
    if not root.is_dir():
        raise SnapshotError(root, "no such snapshot directory")
    account = load_account(root / ACCOUNT_FILE)
    details = root / "iam" / AUTHORIZATION_DETAILS
    if not details.is_file():
        raise SnapshotError(details, "missing required file: the unused access analyzer reads the IAM users, "
                                     "roles and policies from it")
    return SnapshotLayout(str(path), ((account.account_id, str(root)),), account.account_id, account.region)


# An account whose authorization details are at least this large (about 1,800 roles) is analysed
# in as many parts as there are workers; smaller ones are one task each.
SPLIT_ACCOUNT_BYTES = 1 << 20
# Below this much authorization details in all, the analysis runs in this process: starting workers
# costs more than it saves.
PARALLEL_MIN_BYTES = 1 << 20


@dataclass(frozen=True)
class AccountPart:
    """One task of an analysis: part ``part`` of ``parts`` of an account snapshot's identities.
    ``trail``: the account's trail activity, read once for all its parts (``trail_given``)."""

    directory: str
    part: int = 0
    parts: int = 1
    trail: Optional[TrailActivity] = None
    trail_given: bool = False


@dataclass(frozen=True)
class PartFailed:
    """A SnapshotError met in a worker, as a value (its constructor's arguments do not survive pickling)."""

    file: str
    message: str
    field: Optional[str] = None


def analyze_part(payload: tuple[AccountPart, UnusedAccessSettings, datetime]) -> Union[UnusedAccessAnalysis, PartFailed]:
    """Read one part of an account snapshot and analyse it (a worker's task; module level to be pickled)."""
    part, settings, now = payload
    try:
        account = (load_account_activity(part.directory, part.part, part.parts, part.trail) if part.trail_given
                   else load_account_activity(part.directory, part.part, part.parts))
    except SnapshotError as e:
        return PartFailed(e.file, e.message, e.field)
    return analyze_account(account, settings, now)


def _details_size(directory: str) -> int:
    try:
        return (Path(directory) / "iam" / AUTHORIZATION_DETAILS).stat().st_size
    except OSError:
        return 0  # the task reports the missing file


def _parts_of(directory: str, workers: int) -> list[AccountPart]:
    if workers < 2 or _details_size(directory) < SPLIT_ACCOUNT_BYTES:
        return [AccountPart(directory)]
    try:
        trail = account_trail(directory)  # once, here: DuckDB uses every core for the scan itself
    except SnapshotError:
        return [AccountPart(directory)]  # the task reports it
    return [AccountPart(directory, index, workers, trail, True) for index in range(workers)]


def analyze_layout(layout: SnapshotLayout, settings: UnusedAccessSettings, now: datetime,
                   executor: Optional[Executor] = None) -> UnusedAccessAnalysis:
    """Every account of ``layout`` (an organization's excluded accounts are skipped whole), on the
    executor's workers when the snapshot is large enough: the same analysis, in the same order, as
    one process."""
    chosen = [(account, d) for account, d in layout.account_dirs
              if layout.organization is None or not settings.excludes_account(account)]
    workers = executor.workers if executor is not None else 1
    if workers > 1 and sum(_details_size(d) for _, d in chosen) < PARALLEL_MIN_BYTES:
        workers = 1
    parts = {account: _parts_of(d, workers) for account, d in chosen}
    payloads = [(part, settings, now) for account, _ in chosen for part in parts[account]]
    runner: Executor = executor if executor is not None and workers > 1 and len(payloads) > 1 else SerialExecutor()
    done = iter(runner.map(analyze_part, payloads, lambda i: _describe(payloads[i][0])))
    out = UnusedAccessAnalysis()
    for account, _ in layout.account_dirs:
        if account not in parts:
            out.skipped.append(Skipped(account, "account excluded by the analysis rule"))
            out.excluded_accounts.append(account)
            continue
        for _ in parts[account]:
            result = next(done)
            if isinstance(result, PartFailed):
                raise SnapshotError(result.file, result.message, result.field)
            out.results.extend(result.results)
            out.skipped.extend(result.skipped)
            out.problems.extend(result.problems)
            out.accounts.extend(a for a in result.accounts if a not in out.accounts[-1:])
    return out


def _describe(part: AccountPart) -> str:
    where = f"part {part.part + 1} of {part.parts} of " if part.parts > 1 else ""
    return f"{where}the account snapshot {part.directory}"


def arn_account(analyzer_arn: str) -> str:
    return analyzer_arn.split(":")[4]


def check_owner(analyzer_type: str, owner: str, snapshot: SnapshotLayout, analyzer: str = "the analyzer") -> None:
    """The analyzer's account (``owner``) must be the snapshot's (account analyzer) or one of the
    organization's."""
    if analyzer_type == ORGANIZATION_UNUSED_ACCESS:
        if snapshot.organization is None:
            raise UnusedConfigurationError(f"{snapshot.path}: an ORGANIZATION_UNUSED_ACCESS analyzer reads an "
                                           "organization folder (describe-organization.json, list-accounts.json, "
                                           "snapshots)")
        if owner not in snapshot.organization.accounts:
            raise UnusedConfigurationError(
                f"{analyzer} is in account {owner}, which is not an account of organization "
                f"{snapshot.organization.organization_id}")
        return
    if snapshot.organization is not None:
        raise UnusedConfigurationError(f"{snapshot.path} is an organization folder: use ORGANIZATION_UNUSED_ACCESS, "
                                       "or give one account's snapshot")
    if owner != snapshot.owner_account:
        raise UnusedConfigurationError(
            f"{analyzer} is in account {owner}; the snapshot {snapshot.path} is of account "
            f"{snapshot.owner_account} (an account analyzer analyses its own account)")


def run_analysis(snapshot: Union[str, Path, SnapshotLayout], analyzer_type: str,
                 configuration: Optional[Mapping[str, Any]], now: datetime,
                 analyzer_arn: Optional[str] = None,
                 executor: Optional[Executor] = None) -> tuple[UnusedAccessAnalysis, Optional[Organization]]:
    """Analyse a snapshot (ACCOUNT_UNUSED_ACCESS) or an organization folder (ORGANIZATION_UNUSED_ACCESS),
    for the analyzer ``analyzer_arn`` (default: one in the snapshot's owner account); ``executor``
    (``accessproof.parallel``): the accounts spread over its workers."""
    layout = load_snapshot(snapshot)
    owner = arn_account(analyzer_arn) if analyzer_arn else layout.owner_account
    check_owner(analyzer_type, owner, layout, f"analyzer {analyzer_arn}" if analyzer_arn else "the analyzer")
    settings = settings_from_configuration(configuration, analyzer_type, owner)
    analysis = analyze_layout(layout, settings, now, executor)
    organization = layout.organization
    if organization is not None:
        analysis.problems.extend(f"account {a} of {organization.organization_id} has no snapshot: not analysed, "
                                 "its findings left as they were" for a in organization.accounts_without_snapshot)
    return analysis, organization


def _timestamps(value: Any) -> Any:
    """ISO strings of ``lastAccessed`` members as datetimes (boto3 returns Timestamp members so)."""
    if isinstance(value, list):
        return [_timestamps(v) for v in value]
    if isinstance(value, dict):
        return {k: (datetime.fromisoformat(v) if k in _TIMESTAMP_MEMBERS and isinstance(v, str) else _timestamps(v))
                for k, v in value.items()}
    return value


def _page(items: list, max_results: Optional[int], next_token: Optional[str], default: int,
          maximum: Optional[int] = None) -> tuple[list, Optional[str]]:
    start = 0
    if next_token:
        try:
            start = int(base64.urlsafe_b64decode(next_token.encode()).decode())
        except (ValueError, UnicodeDecodeError):
            raise ValidationError("Invalid nextToken") from None
    size = default if max_results is None else max_results
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValidationError("maxResults must be a positive integer")
    if maximum is not None and size > maximum:
        raise ValidationError(f"1 validation error detected: Value '{size}' at 'maxResults' failed to satisfy "
                              f"constraint: Member must have value less than or equal to {maximum}")
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
    executor: Optional[Executor] = None  # ``accessproof.parallel``: analyses spread over its workers
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
            settings = settings_from_configuration(configuration, analyzer.type, arn_account(analyzer.arn))
        except UnusedConfigurationError as e:
            raise ValidationError(str(e)) from None
        return self.store.update_analyzer(name, settings.to_configuration())

    def _unused_analyzer(self, analyzer_arn: str) -> Analyzer:
        analyzer = self.store.get_analyzer_by_arn(analyzer_arn)
        if analyzer.type not in UNUSED_ACCESS_ANALYZER_TYPES:
            raise ValidationError(f"Analyzer {analyzer.name} is a {analyzer.type} analyzer, not an unused access analyzer")
        return analyzer

    # --- analysis ------------------------------------------------------------------------
    def analyze(self, analyzer_arn: str, snapshot: Union[str, Path, SnapshotLayout],
                now: Optional[datetime] = None) -> tuple[UnusedAccessAnalysis, Reconciliation]:
        """Analyse a snapshot or organization folder and record it as the analyzer's state: the
        whole state for an account; for an organization, that of the accounts analysed."""
        analyzer = self._unused_analyzer(analyzer_arn)  # before the snapshot is read: see record_analysis
        try:
            analysis, organization = run_analysis(snapshot, analyzer.type, analyzer.configuration,
                                                  now or self.clock(), analyzer.arn, self.executor)
        except UnusedConfigurationError as e:
            raise ValidationError(str(e)) from None
        if organization is None:
            return analysis, self.store.record_analysis(analyzer.arn, analysis.results, complete=True,
                                                        started_after=analyzer.analyses_recorded)
        in_scope = set(analysis.accounts) | set(analysis.excluded_accounts)
        return analysis, self.store.record_analysis(analyzer.arn, self._with_vanished(analyzer.arn, analysis.results,
                                                                                      in_scope),
                                                    started_after=analyzer.analyses_recorded)

    def _with_vanished(self, analyzer_arn: str, results: Sequence[ResourceAnalysis],
                       accounts: set[str]) -> list[ResourceAnalysis]:
        """The results, plus an empty result for each role or user of ``accounts`` that has an open
        finding and is no longer analysed (deleted, excluded, or now too young), so that a partial
        recording resolves its findings."""
        scanned = {result.resource for result in results}
        vanished: dict[str, ResourceAnalysis] = {}
        for finding in self._open_findings(analyzer_arn):
            if finding.resource_owner_account in accounts and finding.resource not in scanned:
                vanished.setdefault(finding.resource, ResourceAnalysis(finding.resource, finding.resource_type,
                                                                       finding.resource_owner_account))
        return [*results, *vanished.values()]

    def _open_findings(self, analyzer_arn: str) -> list[Finding]:
        out: list[Finding] = []
        token = None
        while True:
            page = self.store.list_findings(analyzer_arn, {"status": {"eq": [ACTIVE, ARCHIVED]}}, None, LIST_PAGE, token)
            out.extend(page.items)
            token = page.next_token
            if not token:
                return out

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
        steps, token = _page(stored.result.steps, max_results, next_token, DEFAULT_STEPS_PAGE, MAX_STEPS_PAGE)
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
