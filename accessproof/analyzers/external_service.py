"""The external access analyzer's operations over a findings store and account snapshots.

The client (``accessproof.api.accessanalyzer``) and the CLI call these; errors are
``FindingsError`` subclasses (their ``code`` is the AWS error code) or ``SnapshotError``.

- Snapshots: one account snapshot directory, several, or an organization folder
  (``describe-organization.json``; its member snapshots, with the organization's id and accounts as
  their zone). They are read afresh for each analysis, scan and preview: a snapshot on disk is
  the account's current state, and it changes.
- Access previews are kept in memory, per service (CHOICE: they are transient what-ifs; AWS too
  lets them expire). A process that serves the API keeps one service and so its previews.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Protocol, Sequence, Union

from sqlalchemy.engine import Engine

from ..findings import FindingsStore
from ..findings.db import make_engine
from ..findings.errors import ConflictError, NotFoundError, ValidationError
from ..findings.filters import Sort, criterion_matches, matches, paginate, parse_criterion, parse_filter, query_fingerprint
from ..findings.lifecycle import Reconciliation
from ..findings.model import EXTERNAL_ACCESS_ANALYZER_TYPES, Analyzer, Finding, ResourceAnalysis
from ..inventory import Snapshot, load_snapshot
from ..inventory.model import Resource
from ..inventory.organization import load_organization
from ..parallel import Executor
from ..resources import ACCESS_DENIED
from .external import ACCOUNT, ExternalAccessAnalyzer, ZoneOfTrust
from .external_previews import (
    PREVIEW_ONLY_FILTER_KEYS, InvalidConfiguration, PreviewFinding, compare, proposed_resource,
)

COMPLETED, FAILED = "COMPLETED", "FAILED"
INVALID_CONFIGURATION, INTERNAL_ERROR = "INVALID_CONFIGURATION", "INTERNAL_ERROR"


class Analyzes(Protocol):
    """What the service needs of an analyzer (``ExternalAccessAnalyzer``, or a test double)."""

    def analyze(self, resource: Resource, snapshot: Optional[Snapshot] = None) -> ResourceAnalysis: ...

    def analyze_snapshot(self, snapshot: Snapshot, progress: Any = None) -> list[ResourceAnalysis]: ...

    # ``ExternalAccessAnalyzer.analyze_snapshot`` also takes ``executor=`` (``accessproof.parallel``);
    # the service passes it only when it has one, so a stand-in needs not take it.


AnalyzerFactory = Callable[[ZoneOfTrust], Analyzes]
# Given the number of resources about to be analysed, a callback called after each (or None).
ProgressFactory = Callable[[int], Optional[Callable[[Resource], None]]]
SnapshotPaths = Union[str, Path, Sequence[Union[str, Path]], None]


def snapshot_paths(value: SnapshotPaths) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, Path)):
        return (str(value),)
    return tuple(str(v) for v in value)


def load_snapshots(paths: Sequence[str]) -> list[Snapshot]:
    """Each path: an account snapshot, or an organization folder (every member snapshot, its
    account carrying the organization's id and member accounts)."""
    out: list[Snapshot] = []
    for path in paths:
        if (Path(path) / "describe-organization.json").is_file():
            organization = load_organization(path)
            for _, directory in sorted(organization.snapshots.items()):
                snapshot = load_snapshot(directory)
                account = replace(snapshot.account, organization_id=organization.organization_id,
                                  member_account_ids=tuple(sorted(organization.accounts)))
                out.append(replace(snapshot, account=account, _by_arn={}))
        else:
            out.append(load_snapshot(path))
    return out


def open_store(database: Union[str, Engine, None], snapshots: Sequence[Snapshot],
               clock: Callable[[], datetime]) -> FindingsStore:
    """The findings store at ``database`` (URL, Engine, or None: the SQLite file accessproof.db);
    analyzer ARNs name the first snapshot's account and Region when there is one.

    Nothing is connected or created here: the store makes the database when an analyzer is first
    created, and reads of a database that does not exist create nothing (``FindingsStore``)."""
    names: dict[str, Any] = {}
    if snapshots:
        names = {"account_id": snapshots[0].account.account_id, "region": snapshots[0].account.region}
    engine = database if isinstance(database, Engine) else make_engine(database)
    return FindingsStore(engine, clock=clock, **names)


@dataclass(frozen=True)
class AccessPreview:
    id: str
    analyzer_arn: str
    configurations: dict[str, Any]
    created_at: datetime
    status: str
    status_reason: Optional[str] = None
    findings: tuple[PreviewFinding, ...] = ()
    problem: Optional[str] = None  # why it FAILED, for people (not in AWS's shape)

    def to_aws_summary(self) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.id, "analyzerArn": self.analyzer_arn, "createdAt": self.created_at,
                                "status": self.status}
        if self.status_reason:
            body["statusReason"] = {"code": self.status_reason}
        return body

    def to_aws(self) -> dict[str, Any]:
        body = self.to_aws_summary()
        body["configurations"] = self.configurations
        return body


@dataclass
class ExternalAccessService:
    store: FindingsStore
    paths: tuple[str, ...]
    clock: Callable[[], datetime]
    analyzer_factory: AnalyzerFactory = ExternalAccessAnalyzer
    progress: Optional[ProgressFactory] = None
    # Where analyses run (``accessproof.parallel``): None, this process.
    executor: Optional[Executor] = None
    _analyzers: dict[ZoneOfTrust, Analyzes] = field(default_factory=dict)
    _previews: dict[str, AccessPreview] = field(default_factory=dict)

    # --- snapshots and zones ---------------------------------------------------------------
    def snapshots(self, paths: SnapshotPaths = None) -> list[Snapshot]:
        chosen = snapshot_paths(paths) or self.paths
        if not chosen:
            raise ValidationError("no snapshot to analyse: configure the client with snapshot=PATH "
                                  "(or give snapshotPath)")
        return load_snapshots(chosen)

    def _analyzer_for(self, snapshot: Snapshot, analyzer_type: str) -> Analyzes:
        try:
            zone = ZoneOfTrust.of(snapshot.account, analyzer_type)
        except ValueError as e:
            raise ValidationError(f"{snapshot.path}: {e}") from None
        if zone not in self._analyzers:  # one per zone: its cache serves rescans and previews
            self._analyzers[zone] = self.analyzer_factory(zone)
        return self._analyzers[zone]

    def _external(self, analyzer_arn: str) -> Analyzer:
        analyzer = self.store.get_analyzer_by_arn(analyzer_arn)
        if analyzer.type not in EXTERNAL_ACCESS_ANALYZER_TYPES:
            raise ValidationError(f"Analyzer {analyzer.name} is a {analyzer.type} analyzer, not an external access analyzer")
        return analyzer

    # --- analysis ----------------------------------------------------------------------------
    def create_analyzer(self, name: str, analyzer_type: str, archive_rules: Optional[Sequence[Mapping[str, Any]]] = None,
                        tags: Optional[Mapping[str, str]] = None) -> Analyzer:
        """CreateAnalyzer for ACCOUNT / ORGANIZATION, then the analysis of the configured snapshots
        (none configured: the analyzer starts empty; ``analyze`` fills it later)."""
        snapshots = self.snapshots() if self.paths else []
        analyzers = [self._analyzer_for(s, analyzer_type) for s in snapshots]  # bad zone: nothing created
        created = self.store.create_analyzer(name, analyzer_type, archive_rules=archive_rules, tags=tags)
        if snapshots:
            # Every analysis recorded for it started after the snapshots were read: none is older.
            self._record(created, snapshots, analyzers)
        return self.store.get_analyzer(name)

    def analyze(self, analyzer_arn: str, paths: SnapshotPaths = None) -> tuple[int, Reconciliation]:
        """Analyse every resource of the snapshots and record it as the analyzer's complete state:
        access that is gone is resolved, new access opens findings. Returns (resources, changes)."""
        analyzer = self._external(analyzer_arn)  # before the snapshots are read: see record_analysis
        snapshots = self.snapshots(paths)
        analyzers = [self._analyzer_for(s, analyzer.type) for s in snapshots]
        return self._record(analyzer, snapshots, analyzers)

    def _record(self, analyzer: Analyzer, snapshots: Sequence[Snapshot],
                analyzers: Sequence[Analyzes]) -> tuple[int, Reconciliation]:
        tick = self.progress(sum(len(s) for s in snapshots)) if self.progress else None
        spread = {"executor": self.executor} if self.executor is not None else {}
        # Every shard is analysed before anything is recorded: a worker that dies leaves no trace.
        results = [r for s, a in zip(snapshots, analyzers) for r in a.analyze_snapshot(s, tick, **spread)]
        return len(results), self.store.record_analysis(analyzer.arn, results, complete=True,
                                                        started_after=analyzer.analyses_recorded)

    def scan_resource(self, analyzer_arn: str, resource_arn: str, owner_account: Optional[str] = None) -> Reconciliation:
        """StartResourceScan: re-read the snapshots and re-analyse one resource, now."""
        analyzer = self._external(analyzer_arn)  # before the snapshots are read: see record_analysis
        snapshot, resource = self._find(resource_arn, owner_account)
        result = self._analyzer_for(snapshot, analyzer.type).analyze(resource)
        return self.store.record_analysis(analyzer.arn, [result], complete=False,
                                          started_after=analyzer.analyses_recorded)

    def _find(self, resource_arn: Any, owner_account: Optional[str]) -> tuple[Snapshot, Resource]:
        if not isinstance(resource_arn, str) or not resource_arn.startswith("arn:"):
            raise ValidationError(f"resourceArn '{resource_arn}' is not an ARN")
        for snapshot in self.snapshots():
            resource = snapshot.get(resource_arn)
            if resource is not None and owner_account in (None, resource.account_id):
                return snapshot, resource
        raise NotFoundError(f"Resource {resource_arn} is not in the snapshot")

    # --- access previews -------------------------------------------------------------------
    def create_preview(self, analyzer_arn: str, configurations: Any) -> AccessPreview:
        """CreateAccessPreview, computed at once (status COMPLETED or FAILED).

        CHOICE: AWS takes exactly one resource; several are accepted (each is overlaid, then all
        are analysed together against the same snapshot)."""
        analyzer = self._external(analyzer_arn)
        if analyzer.type != ACCOUNT:
            raise ValidationError("You can only create an access preview for analyzers with an Account type "
                                  f"and Active status; {analyzer.name} is {analyzer.type}")
        if not isinstance(configurations, Mapping) or not configurations:
            raise ValidationError("configurations must map at least one resource ARN to its proposed configuration")
        snapshot = self.snapshots()[0]
        preview = AccessPreview(str(uuid.uuid4()), analyzer.arn, _plain(configurations), self.clock(), COMPLETED)
        try:
            proposed = [proposed_resource(snapshot, arn, config) for arn, config in configurations.items()]
        except InvalidConfiguration as e:
            preview = replace(preview, status=FAILED, status_reason=INVALID_CONFIGURATION, problem=str(e))
        else:
            for resource in proposed:
                snapshot = snapshot.with_resource(resource)
            preview = self._preview_findings(preview, analyzer, snapshot, proposed)
        self._previews[preview.id] = preview
        return preview

    def _preview_findings(self, preview: AccessPreview, analyzer: Analyzer, snapshot: Snapshot,
                          proposed: Sequence[Resource]) -> AccessPreview:
        engine = self._analyzer_for(snapshot, analyzer.type)
        try:
            # A preview is given the configuration: Access Analyzer reading it (a key policy that
            # locks the analyzer out) is no concern here. A part of an existing resource that the
            # snapshot could not read and the proposal keeps stays an ACCESS_DENIED finding.
            fresh = [f for resource in proposed for f in engine.analyze(resource).findings
                     if not (f.error == ACCESS_DENIED and not resource.unreadable)]
        except Exception as e:  # AWS's INTERNAL_ERROR status: the preview exists and says why it failed
            return replace(preview, status=FAILED, status_reason=INTERNAL_ERROR, problem=f"{type(e).__name__}: {e}")
        errors = [f.error for f in fresh if f.error and f.error != ACCESS_DENIED]
        if errors:
            reason = INVALID_CONFIGURATION if all(e.startswith("INVALID_POLICY") for e in errors) else INTERNAL_ERROR
            return replace(preview, status=FAILED, status_reason=reason, problem=errors[0])
        existing = [f for resource in proposed for f in self._findings_of(analyzer.arn, resource.arn)]
        rules = self.store.list_archive_rules(analyzer.name)
        found = compare(analyzer.arn, existing, fresh, rules, preview.created_at)
        return replace(preview, findings=tuple(found))

    def _findings_of(self, analyzer_arn: str, resource_arn: str) -> list[Finding]:
        found: list[Finding] = []
        token = None
        while True:
            page = self.store.list_findings(analyzer_arn, {"resource": {"eq": [resource_arn]}}, next_token=token)
            found += page.items
            token = page.next_token
            if not token:
                return found

    def get_preview(self, analyzer_arn: str, preview_id: Any) -> AccessPreview:
        analyzer = self.store.get_analyzer_by_arn(analyzer_arn)
        preview = self._previews.get(preview_id) if isinstance(preview_id, str) else None
        if preview is None or preview.analyzer_arn != analyzer.arn:
            raise NotFoundError(f"Access preview {preview_id} not found")
        return preview

    def list_previews(self, analyzer_arn: str) -> list[AccessPreview]:
        analyzer = self.store.get_analyzer_by_arn(analyzer_arn)
        return sorted((p for p in self._previews.values() if p.analyzer_arn == analyzer.arn),
                      key=lambda p: (p.created_at, p.id))

    def preview_findings(self, analyzer_arn: str, preview_id: Any, filter: Optional[Mapping[str, Any]] = None,
                         max_results: Optional[int] = None, next_token: Optional[str] = None
                         ) -> tuple[list[PreviewFinding], Optional[str]]:
        """ListAccessPreviewFindings: the filter takes the finding keys plus changeType,
        existingFindingId and existingFindingStatus."""
        preview = self.get_preview(analyzer_arn, preview_id)
        if preview.status != COMPLETED:
            raise ConflictError(f"Access preview {preview.id} is {preview.status} ({preview.problem}): it has no findings")
        if filter is not None and not isinstance(filter, Mapping):
            raise ValidationError("filter must be a map of filter key to Criterion")
        raw = dict(filter or {})
        own = {k: parse_criterion(raw.pop(k), k) for k in PREVIEW_ONLY_FILTER_KEYS if k in raw}
        parsed = parse_filter(raw)
        by_id = {p.finding.id: p for p in preview.findings}
        selected = [p.finding for p in preview.findings if matches(p.finding, parsed)
                    and all(criterion_matches(c, p.filter_value(k)) for k, c in own.items())]
        sort = Sort()
        page = paginate(selected, sort,
                        query_fingerprint(preview.id, {**parsed, **own}, sort), max_results, next_token)
        return [by_id[f.id] for f in page.items], page.next_token


def _plain(value: Any) -> Any:
    """The request's configurations as plain dicts and lists (kept for GetAccessPreview)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
