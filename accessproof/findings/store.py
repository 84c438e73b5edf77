"""``FindingsStore``: analyzers, archive rules and findings in a database (the I/O edge).

Each public method is one transaction. Decisions are made by the pure functions of
``lifecycle``, ``filters`` and ``statistics``; this module loads rows, calls them, writes rows.
Errors are ``FindingsError`` subclasses whose ``code`` is the AWS error code the API layer raises.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional, Sequence, Union

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from . import lifecycle
from .db import (
    DEFAULT_DATABASE_FILE, AnalyzedResourceRow, AnalyzerRow, ArchiveRuleRow, FindingRow, create_schema,
    database_errors, make_engine,
)
from .errors import ConflictError, NotFoundError, ValidationError
from .filters import Page, filter_to_aws, matches, paginate, parse_filter, parse_sort, query_fingerprint, sort_findings
from .lifecycle import Reconciliation
from .model import (
    ACTIVE, ANALYZER_TYPES, ARCHIVED, RESOLVED, AnalyzedResource, Analyzer, ArchiveRule, Finding,
    ResourceAnalysis, as_utc, utc_now,
)
from .statistics import findings_statistics

# Patterns from the botocore model: AnalyzerName, Name (archive rule), AnalyzerArn.
ANALYZER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,254}")
RULE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,254}")
ANALYZER_ARN = re.compile(r"[^:]*:[^:]*:[^:]*:[^:]*:[^:]*:analyzer/.{1,255}")
DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
FINDINGS = FindingRow.__table__
RESOURCES = AnalyzedResourceRow.__table__
# The size of one DELETE ... WHERE id IN (...) batch (SQLite allows 32,766 parameters).
DELETE_BATCH = 500


def _enum_error(value: object, field: str, allowed: Sequence[str]) -> ValidationError:
    return ValidationError(
        f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: "
        f"Member must satisfy enum value set: [{', '.join(allowed)}]"
    )


def _check_name(value: object, pattern: re.Pattern[str], field: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValidationError(
            f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {pattern.pattern}"
        )
    return value


def _check_analyzer_arn(value: object) -> str:
    return _check_name(value, ANALYZER_ARN, "analyzerArn")


# --- rows <-> records -----------------------------------------------------------------------

def _analyzer(row: AnalyzerRow) -> Analyzer:
    return Analyzer(
        arn=row.arn, name=row.name, type=row.type, created_at=as_utc(row.created_at), status=row.status,
        status_reason=row.status_reason, last_resource_analyzed=row.last_resource_analyzed,
        last_resource_analyzed_at=as_utc(row.last_resource_analyzed_at), configuration=row.configuration,
        tags=dict(row.tags or {}),
    )


def _archive_rule(row: ArchiveRuleRow) -> ArchiveRule:
    return ArchiveRule(analyzer_arn=row.analyzer_arn, rule_name=row.rule_name, filter=dict(row.filter),
                       created_at=as_utc(row.created_at), updated_at=as_utc(row.updated_at))


def _finding(row: FindingRow) -> Finding:
    return Finding(
        id=row.id, analyzer_arn=row.analyzer_arn, key=row.key, resource=row.resource,
        resource_type=row.resource_type, resource_owner_account=row.resource_owner_account, status=row.status,
        created_at=as_utc(row.created_at), updated_at=as_utc(row.updated_at), analyzed_at=as_utc(row.analyzed_at),
        finding_type=row.finding_type, principal=row.principal,
        action=tuple(row.action) if row.action is not None else None, condition=dict(row.condition or {}),
        is_public=row.is_public, sources=tuple(row.sources) if row.sources is not None else None,
        error=row.error, resource_control_policy_restriction=row.resource_control_policy_restriction,
        witness=row.witness, details=row.details,
    )


def _finding_columns(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.id, "analyzer_arn": finding.analyzer_arn, "key": finding.key, "resource": finding.resource,
        "resource_type": finding.resource_type, "resource_owner_account": finding.resource_owner_account,
        "finding_type": finding.finding_type, "principal": finding.principal,
        "action": list(finding.action) if finding.action is not None else None,
        "condition": dict(finding.condition), "is_public": finding.is_public,
        "sources": [dict(s) for s in finding.sources] if finding.sources is not None else None,
        "status": finding.status, "error": finding.error,
        "resource_control_policy_restriction": finding.resource_control_policy_restriction,
        "created_at": finding.created_at, "updated_at": finding.updated_at, "analyzed_at": finding.analyzed_at,
        "witness": finding.witness, "details": finding.details,
    }


def _analyzed_resource(row: AnalyzedResourceRow) -> AnalyzedResource:
    return AnalyzedResource(
        analyzer_arn=row.analyzer_arn, resource=row.resource, resource_type=row.resource_type,
        resource_owner_account=row.resource_owner_account, created_at=as_utc(row.created_at),
        analyzed_at=as_utc(row.analyzed_at), updated_at=as_utc(row.updated_at),
    )


def analyzed_resource_view(resource: AnalyzedResource, findings: Iterable[Finding]) -> dict[str, Any]:
    """GetAnalyzedResource's ``resource`` (AnalyzedResource), summarised from its findings.

    CHOICE (AWS is terse): ``isPublic``, ``actions``, ``sharedVia`` and ``error`` come from the
    resource's ACTIVE findings (``sharedVia`` = their source types); ``status`` is ACTIVE if one is
    active, else ARCHIVED if one is archived, else RESOLVED if one was resolved, else absent.
    """
    findings = list(findings)
    active = [f for f in findings if f.status == ACTIVE]
    statuses = {f.status for f in findings}
    status = next((s for s in (ACTIVE, ARCHIVED, RESOLVED) if s in statuses), None)
    view: dict[str, Any] = {
        "resourceArn": resource.resource,
        "resourceType": resource.resource_type,
        "createdAt": resource.created_at,
        "analyzedAt": resource.analyzed_at,
        "updatedAt": resource.updated_at,
        "isPublic": any(f.is_public for f in active),
        "resourceOwnerAccount": resource.resource_owner_account,
    }
    actions = sorted({a for f in active for a in f.action or ()})
    if actions:
        view["actions"] = actions
    shared_via = sorted({s["type"] for f in active for s in f.sources or () if s.get("type")})
    if shared_via:
        view["sharedVia"] = shared_via
    if status is not None:
        view["status"] = status
    error = next((f.error for f in active if f.error), None)
    if error is not None:
        view["error"] = error
    return view


class FindingsStore:
    """Analyzers, archive rules and findings, in the database behind ``engine``."""

    def __init__(
        self,
        engine: Engine,
        *,
        account_id: str = DEFAULT_ACCOUNT_ID,
        region: str = DEFAULT_REGION,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.engine = engine
        self.account_id = account_id
        self.region = region
        self._clock = clock
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(
        cls,
        url: Optional[str] = None,
        *,
        default_path: Union[str, Path] = DEFAULT_DATABASE_FILE,
        account_id: str = DEFAULT_ACCOUNT_ID,
        region: str = DEFAULT_REGION,
        clock: Callable[[], datetime] = utc_now,
    ) -> "FindingsStore":
        """Connect to ``url`` (or the SQLite file ``default_path``) and create missing tables."""
        engine = make_engine(url, default_path=default_path)
        create_schema(engine)
        return cls(engine, account_id=account_id, region=region, clock=clock)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        with database_errors(self.engine), self._sessions.begin() as session:
            yield session

    def _now(self) -> datetime:
        return self._clock()

    def analyzer_arn(self, name: str) -> str:
        return f"arn:aws:access-analyzer:{self.region}:{self.account_id}:analyzer/{name}"

    # --- analyzers ------------------------------------------------------------------------

    def create_analyzer(
        self,
        name: str,
        type: str,
        *,
        archive_rules: Optional[Sequence[Mapping[str, Any]]] = None,
        tags: Optional[Mapping[str, str]] = None,
        configuration: Optional[Mapping[str, Any]] = None,
    ) -> Analyzer:
        """CreateAnalyzer, with its inline archive rules (``[{ruleName, filter}]``).

        CHOICE: AWS's quota of one account analyzer per account and Region is not enforced: a
        local store may hold several (e.g. one per snapshot).
        """
        _check_name(name, ANALYZER_NAME, "analyzerName")
        if type not in ANALYZER_TYPES:
            raise _enum_error(type, "type", ANALYZER_TYPES)
        rules = self._inline_rules(archive_rules or ())
        now = self._now()
        arn = self.analyzer_arn(name)
        try:
            with self._transaction() as session:
                if session.scalar(select(AnalyzerRow.arn).where(AnalyzerRow.name == name)) is not None:
                    raise ConflictError(f"Analyzer {name} already exists")
                row = AnalyzerRow(arn=arn, name=name, type=type, status="ACTIVE", status_reason=None, created_at=now,
                                  last_resource_analyzed=None, last_resource_analyzed_at=None,
                                  configuration=dict(configuration) if configuration else None, tags=dict(tags or {}))
                session.add(row)
                session.flush()
                for rule_name, parsed in rules:
                    session.add(ArchiveRuleRow(analyzer_arn=arn, rule_name=rule_name, filter=parsed,
                                               created_at=now, updated_at=now))
                return _analyzer(row)
        except IntegrityError:  # lost a race with another writer
            raise ConflictError(f"Analyzer {name} already exists") from None

    @staticmethod
    def _inline_rules(rules: Sequence[Mapping[str, Any]]) -> list[tuple[str, dict]]:
        parsed: list[tuple[str, dict]] = []
        for index, rule in enumerate(rules):
            if not isinstance(rule, Mapping) or "ruleName" not in rule or "filter" not in rule:
                raise ValidationError(f"archiveRules[{index}] must have ruleName and filter")
            rule_name = _check_name(rule["ruleName"], RULE_NAME, f"archiveRules.{index + 1}.member.ruleName")
            if any(rule_name == seen for seen, _ in parsed):
                raise ConflictError(f"Archive rule {rule_name} is given twice")
            parsed.append((rule_name, filter_to_aws(parse_filter(rule["filter"], for_archive_rule=True))))
        return parsed

    def _analyzer_row(self, session: Session, name: str) -> AnalyzerRow:
        row = session.scalar(select(AnalyzerRow).where(AnalyzerRow.name == name))
        if row is None:
            raise NotFoundError(f"Analyzer {name} not found")
        return row

    def _analyzer_row_by_arn(self, session: Session, arn: str) -> AnalyzerRow:
        _check_analyzer_arn(arn)
        row = session.get(AnalyzerRow, arn)
        if row is None:
            raise NotFoundError(f"Analyzer {arn} not found")
        return row

    def get_analyzer(self, name: str) -> Analyzer:
        with self._transaction() as session:
            return _analyzer(self._analyzer_row(session, name))

    def get_analyzer_by_arn(self, arn: str) -> Analyzer:
        with self._transaction() as session:
            return _analyzer(self._analyzer_row_by_arn(session, arn))

    def list_analyzers(self, type: Optional[str] = None) -> list[Analyzer]:
        """ListAnalyzers, oldest first (the API layer pages the list)."""
        if type is not None and type not in ANALYZER_TYPES:
            raise _enum_error(type, "type", ANALYZER_TYPES)
        query = select(AnalyzerRow).order_by(AnalyzerRow.created_at, AnalyzerRow.name)
        if type is not None:
            query = query.where(AnalyzerRow.type == type)
        with self._transaction() as session:
            return [_analyzer(row) for row in session.scalars(query)]

    def update_analyzer(self, name: str, configuration: Mapping[str, Any]) -> Analyzer:
        """UpdateAnalyzer: replace the configuration (unused and internal access analyzers)."""
        if not isinstance(configuration, Mapping):
            raise ValidationError("configuration must be an object")
        with self._transaction() as session:
            row = self._analyzer_row(session, name)
            row.configuration = dict(configuration)
            return _analyzer(row)

    def delete_analyzer(self, name: str) -> None:
        """DeleteAnalyzer: the analyzer, its archive rules, findings and analyzed resources."""
        with self._transaction() as session:
            arn = self._analyzer_row(session, name).arn
            # Explicit deletes, not only ON DELETE CASCADE: a SQLite connection made by another
            # program may have foreign keys off.
            for table in (FindingRow, ArchiveRuleRow, AnalyzedResourceRow):
                session.execute(delete(table).where(table.analyzer_arn == arn))
            session.execute(delete(AnalyzerRow).where(AnalyzerRow.arn == arn))

    # --- archive rules --------------------------------------------------------------------

    def create_archive_rule(self, analyzer_name: str, rule_name: str, filter: Mapping[str, Any]) -> ArchiveRule:
        """CreateArchiveRule. The rule applies to findings opened from now on (AWS)."""
        _check_name(rule_name, RULE_NAME, "ruleName")
        parsed = filter_to_aws(parse_filter(filter, for_archive_rule=True))
        now = self._now()
        try:
            with self._transaction() as session:
                arn = self._analyzer_row(session, analyzer_name).arn
                if session.get(ArchiveRuleRow, (arn, rule_name)) is not None:
                    raise ConflictError(f"Archive rule {rule_name} already exists for analyzer {analyzer_name}")
                row = ArchiveRuleRow(analyzer_arn=arn, rule_name=rule_name, filter=parsed, created_at=now, updated_at=now)
                session.add(row)
                session.flush()
                return _archive_rule(row)
        except IntegrityError:
            raise ConflictError(f"Archive rule {rule_name} already exists for analyzer {analyzer_name}") from None

    def _rule_row(self, session: Session, analyzer_name: str, rule_name: str) -> ArchiveRuleRow:
        arn = self._analyzer_row(session, analyzer_name).arn
        row = session.get(ArchiveRuleRow, (arn, rule_name))
        if row is None:
            raise NotFoundError(f"Archive rule {rule_name} not found for analyzer {analyzer_name}")
        return row

    def get_archive_rule(self, analyzer_name: str, rule_name: str) -> ArchiveRule:
        with self._transaction() as session:
            return _archive_rule(self._rule_row(session, analyzer_name, rule_name))

    def list_archive_rules(self, analyzer_name: str) -> list[ArchiveRule]:
        """ListArchiveRules, by name (the API layer pages the list)."""
        with self._transaction() as session:
            arn = self._analyzer_row(session, analyzer_name).arn
            rows = session.scalars(select(ArchiveRuleRow).where(ArchiveRuleRow.analyzer_arn == arn)
                                   .order_by(ArchiveRuleRow.rule_name))
            return [_archive_rule(row) for row in rows]

    def update_archive_rule(self, analyzer_name: str, rule_name: str, filter: Mapping[str, Any]) -> ArchiveRule:
        """UpdateArchiveRule: replace the filter. Findings it archived before stay archived."""
        parsed = filter_to_aws(parse_filter(filter, for_archive_rule=True))
        with self._transaction() as session:
            row = self._rule_row(session, analyzer_name, rule_name)
            row.filter = parsed
            row.updated_at = self._now()
            return _archive_rule(row)

    def delete_archive_rule(self, analyzer_name: str, rule_name: str) -> None:
        """DeleteArchiveRule. Findings it archived stay archived."""
        with self._transaction() as session:
            session.delete(self._rule_row(session, analyzer_name, rule_name))

    def apply_archive_rule(self, analyzer_arn: str, rule_name: str) -> list[Finding]:
        """ApplyArchiveRule: archive the ACTIVE findings the rule matches; returns them."""
        with self._transaction() as session:
            analyzer = self._analyzer_row_by_arn(session, analyzer_arn)
            rule = session.get(ArchiveRuleRow, (analyzer.arn, rule_name))
            if rule is None:
                raise NotFoundError(f"Archive rule {rule_name} not found for analyzer {analyzer.name}")
            active = self._findings(session, analyzer.arn, statuses=(ACTIVE,))
            changed = lifecycle.apply_archive_rule(active, _archive_rule(rule), self._now())
            self._update_status_rows(session, changed)
            return changed

    # --- findings -------------------------------------------------------------------------

    def _findings(self, session: Session, analyzer_arn: str, *, statuses: Optional[Sequence[str]] = None,
                  resource: Optional[Sequence[str]] = None, resource_type: Optional[Sequence[str]] = None) -> list[Finding]:
        query = select(FINDINGS).where(FINDINGS.c.analyzer_arn == analyzer_arn)
        if statuses is not None:
            query = query.where(FINDINGS.c.status.in_(statuses))
        if resource is not None:
            query = query.where(FINDINGS.c.resource.in_(resource))
        if resource_type is not None:
            query = query.where(FINDINGS.c.resource_type.in_(resource_type))
        return [_finding(row) for row in session.execute(query)]

    @staticmethod
    def _update_status_rows(session: Session, findings: Sequence[Finding]) -> None:
        if findings:
            _bulk_update(session, FINDINGS, ("id",), [
                {"id": f.id, "status": f.status, "updated_at": f.updated_at} for f in findings
            ])

    def list_findings(
        self,
        analyzer_arn: str,
        filter: Optional[Mapping[str, Any]] = None,
        sort: Optional[Mapping[str, Any]] = None,
        max_results: Optional[int] = None,
        next_token: Optional[str] = None,
    ) -> Page:
        """ListFindings / ListFindingsV2: ``Page(items, next_token)``; shape items with
        ``Finding.to_aws()`` (V1) or ``Finding.to_aws_summary_v2()`` (V2)."""
        parsed_filter = parse_filter(filter)
        parsed_sort = parse_sort(sort)
        with self._transaction() as session:
            analyzer = self._analyzer_row_by_arn(session, analyzer_arn)
            candidates = self._findings(session, analyzer.arn, **_pushdown(parsed_filter))
        selected = sort_findings((f for f in candidates if matches(f, parsed_filter)), parsed_sort)
        fingerprint = query_fingerprint(analyzer.arn, parsed_filter, parsed_sort)
        return paginate(selected, parsed_sort, fingerprint, max_results, next_token)

    def get_finding(self, analyzer_arn: str, finding_id: str) -> Finding:
        with self._transaction() as session:
            analyzer = self._analyzer_row_by_arn(session, analyzer_arn)
            row = session.get(FindingRow, finding_id) if isinstance(finding_id, str) else None
            if row is None or row.analyzer_arn != analyzer.arn:
                raise NotFoundError(f"Finding {finding_id} not found")
            return _finding(row)

    def update_findings(
        self,
        analyzer_arn: str,
        status: str,
        *,
        ids: Optional[Sequence[str]] = None,
        resource_arn: Optional[str] = None,
    ) -> list[Finding]:
        """UpdateFindings: set ACTIVE or ARCHIVED on the findings named by ``ids``, or on every
        finding of ``resource_arn``. Returns the findings whose status changed.

        CHOICE: exactly one of ``ids`` and ``resource_arn`` (AWS: "ids" or "resourceArn"); an id
        that is not a finding of this analyzer is a ResourceNotFoundException and nothing changes.
        """
        lifecycle.check_status_update(status)
        if (ids is None) == (resource_arn is None):
            raise ValidationError("Give either ids or resourceArn, not both and not neither")
        if ids is not None and (not ids or not all(isinstance(i, str) for i in ids)):
            raise ValidationError("ids must be a non-empty list of finding ids")
        now = self._now()
        with self._transaction() as session:
            analyzer = self._analyzer_row_by_arn(session, analyzer_arn)
            if ids is not None:
                rows = {row.id: row for row in session.scalars(
                    select(FindingRow).where(FindingRow.analyzer_arn == analyzer.arn, FindingRow.id.in_(set(ids))))}
                missing = [i for i in ids if i not in rows]
                if missing:
                    raise NotFoundError(f"Finding {missing[0]} not found")
                changed = lifecycle.update_status([_finding(rows[i]) for i in dict.fromkeys(ids)], status, now, strict=True)
            else:
                findings = self._findings(session, analyzer.arn, resource=[resource_arn])
                changed = lifecycle.update_status(findings, status, now, strict=False)
            self._update_status_rows(session, changed)
            return changed

    def statistics(self, analyzer_arn: str) -> dict[str, Any]:
        """GetFindingsStatistics' response body."""
        with self._transaction() as session:
            analyzer = self._analyzer_row_by_arn(session, analyzer_arn)
            findings = self._findings(session, analyzer.arn)
        return findings_statistics(analyzer.type, findings)

    # --- analysis -------------------------------------------------------------------------

    def record_analysis(
        self,
        analyzer_arn: str,
        results: Sequence[ResourceAnalysis],
        *,
        complete: bool = False,
    ) -> Reconciliation:
        """Store an analysis of some resources (``complete=False``: StartResourceScan, a partial
        rescan) or of all of them (``complete=True``: a whole snapshot, so that resources no longer
        in it have their findings resolved and leave the analyzed resources).

        Returns what changed (``Reconciliation``), for events and reports.
        """
        now = self._now()
        scanned = {result.resource for result in results}
        fresh = [finding for result in results for finding in result.findings]
        with self._transaction() as session:
            analyzer = self._analyzer_row_by_arn(session, analyzer_arn)
            rules = [_archive_rule(row) for row in session.scalars(
                select(ArchiveRuleRow).where(ArchiveRuleRow.analyzer_arn == analyzer.arn))]
            open_findings = self._findings(session, analyzer.arn, statuses=(ACTIVE, ARCHIVED))
            in_scope = [f for f in open_findings if complete or f.resource in scanned]
            outcome = lifecycle.reconcile(analyzer.arn, in_scope, fresh, rules, now)
            self._write_reconciliation(session, outcome)
            self._record_resources(session, analyzer.arn, results, outcome, now, complete=complete)
            if results:
                analyzer.last_resource_analyzed = results[-1].resource
                analyzer.last_resource_analyzed_at = now
            return outcome

    @staticmethod
    def _write_reconciliation(session: Session, outcome: Reconciliation) -> None:
        if outcome.opened:
            session.execute(insert(FINDINGS), [_finding_columns(f) for f in outcome.opened])
        if outcome.kept:
            _bulk_update(session, FINDINGS, ("id",), [
                {"id": f.id, "analyzed_at": f.analyzed_at, "witness": f.witness, "details": f.details}
                for f in outcome.kept
            ])
        if outcome.resolved:
            _bulk_update(session, FINDINGS, ("id",), [
                {"id": f.id, "status": f.status, "updated_at": f.updated_at, "analyzed_at": f.analyzed_at}
                for f in outcome.resolved
            ])
        deleted = [f.id for f in outcome.deleted]
        for start in range(0, len(deleted), DELETE_BATCH):
            session.execute(delete(FindingRow).where(FindingRow.id.in_(deleted[start:start + DELETE_BATCH])))

    @staticmethod
    def _record_resources(session: Session, analyzer_arn: str, results: Sequence[ResourceAnalysis],
                          outcome: Reconciliation, now: datetime, *, complete: bool) -> None:
        changed = {f.resource for f in (*outcome.opened, *outcome.resolved, *outcome.deleted)}
        scanned = {result.resource: result for result in results}
        existing = set(session.scalars(
            select(AnalyzedResourceRow.resource).where(AnalyzedResourceRow.analyzer_arn == analyzer_arn)))
        new_rows, quiet_rows, changed_rows = [], [], []
        for resource, result in scanned.items():
            columns = {"analyzer_arn": analyzer_arn, "resource": resource, "resource_type": result.resource_type,
                       "resource_owner_account": result.resource_owner_account, "analyzed_at": now}
            if resource not in existing:
                new_rows.append({**columns, "created_at": now, "updated_at": now})
            elif resource in changed:
                changed_rows.append({**columns, "updated_at": now})
            else:
                quiet_rows.append(columns)
        if new_rows:
            session.execute(insert(RESOURCES), new_rows)
        _bulk_update(session, RESOURCES, ("analyzer_arn", "resource"), quiet_rows)
        _bulk_update(session, RESOURCES, ("analyzer_arn", "resource"), changed_rows)
        if complete:
            gone = [resource for resource in existing if resource not in scanned]
            for start in range(0, len(gone), DELETE_BATCH):
                session.execute(delete(AnalyzedResourceRow).where(
                    AnalyzedResourceRow.analyzer_arn == analyzer_arn,
                    AnalyzedResourceRow.resource.in_(gone[start:start + DELETE_BATCH])))

    # --- analyzed resources ---------------------------------------------------------------

    def list_analyzed_resources(self, analyzer_arn: str, resource_type: Optional[str] = None) -> list[AnalyzedResource]:
        """ListAnalyzedResources, by ARN (the API layer pages the list)."""
        with self._transaction() as session:
            analyzer = self._analyzer_row_by_arn(session, analyzer_arn)
            query = (select(AnalyzedResourceRow).where(AnalyzedResourceRow.analyzer_arn == analyzer.arn)
                     .order_by(AnalyzedResourceRow.resource))
            if resource_type is not None:
                query = query.where(AnalyzedResourceRow.resource_type == resource_type)
            return [_analyzed_resource(row) for row in session.scalars(query)]

    def get_analyzed_resource(self, analyzer_arn: str, resource_arn: str) -> dict[str, Any]:
        """GetAnalyzedResource's ``resource``."""
        with self._transaction() as session:
            analyzer = self._analyzer_row_by_arn(session, analyzer_arn)
            row = session.get(AnalyzedResourceRow, (analyzer.arn, resource_arn))
            if row is None:
                raise NotFoundError(f"Analyzed resource {resource_arn} not found")
            findings = self._findings(session, analyzer.arn, resource=[resource_arn])
            return analyzed_resource_view(_analyzed_resource(row), findings)


def _bulk_update(session: Session, table: Any, key_columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> None:
    """One UPDATE ... WHERE key = ? run for every row (executemany), through Core: the ORM's bulk
    update groups rows in ways that cost one round trip per few rows. All rows set the same columns."""
    if not rows:
        return
    assigned = [name for name in rows[0] if name not in key_columns]
    statement = (update(table)
                 .where(*(table.c[name] == bindparam(f"key_{name}") for name in key_columns))
                 .values({name: bindparam(f"new_{name}") for name in assigned}))
    session.execute(statement, [
        {**{f"key_{name}": row[name] for name in key_columns}, **{f"new_{name}": row[name] for name in assigned}}
        for row in rows
    ])


def _pushdown(parsed_filter: Mapping[str, Any]) -> dict[str, Any]:
    """The ``eq`` criteria the database can apply before the exact match in Python (which is
    applied anyway, so that listing and archive rules share one semantics)."""
    columns = {"status": "statuses", "resource": "resource", "resourceType": "resource_type"}
    pushed: dict[str, Any] = {}
    for key, argument in columns.items():
        criterion = parsed_filter.get(key)
        if criterion is not None and criterion.eq is not None:
            pushed[argument] = list(criterion.eq)
    return pushed
