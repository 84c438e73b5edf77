"""``FindingsStore``: analyzers, archive rules and findings in a database (the I/O edge).

Each public method is one transaction. Decisions are made by the pure functions of
``lifecycle``, ``filters`` and ``statistics``; this module loads rows, calls them, writes rows.
Errors are ``FindingsError`` subclasses whose ``code`` is the AWS error code the API layer raises.

Concurrency: a method that writes runs in a writing transaction (``db.writing``: SQLite's write
lock from BEGIN) and locks the analyzer's row (PostgreSQL: ``SELECT ... FOR UPDATE``) before it
reads what it will write over, so writers of one analyzer take turns and each sees the one before.
Only ``create_analyzer`` creates the database; the other methods, on a database that does not
exist, raise ``MissingDatabaseError`` (``list_analyzers`` answers an empty list, as AWS does for
an account without analyzers) and create nothing.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional, Sequence, Union

from sqlalchemy import Date, bindparam, cast, delete, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from . import lifecycle, outbox
from .db import (
    DEFAULT_DATABASE_FILE, FINDINGS, HISTORY, OPEN_STATUSES, AnalyzedResourceRow, AnalyzerRow, ArchiveRuleRow, FindingRow,
    database_errors, ensure_schema, finding_columns, finding_record, make_engine, reading, writing,
)
from .errors import ConflictError, DatabaseConstraintError, MissingDatabaseError, NotFoundError, ValidationError
from . import sql
from .filters import (
    Page, check_max_results, filter_to_aws, matches, page_token, parse_archive_rule_filter, parse_filter, parse_sort,
    position, query_fingerprint, token_position,
)
from .lifecycle import Reconciliation
from .model import (
    ACTIVE, ANALYZER_TYPES, ARCHIVED, CAUSE_ANALYSIS, CAUSE_ARCHIVE_RULE, CAUSE_UPDATE, EXTERNAL_ACCESS, RESOLVED,
    AnalyzedResource, Analyzer, ArchiveRule, Finding, FindingOverviewRow, ResourceAnalysis, StatusChange,
    StatusCount, as_utc, status_changes, utc_now,
)
from .statistics import findings_statistics

# Patterns from the botocore model: AnalyzerName, Name (archive rule), AnalyzerArn.
ANALYZER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,254}")
RULE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,254}")
ANALYZER_ARN = re.compile(r"[^:]*:[^:]*:[^:]*:[^:]*:[^:]*:analyzer/.{1,255}")
DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
RESOURCES = AnalyzedResourceRow.__table__
# What ``findings_page`` lets the database filter (equality) and sort by: columns that every finding
# has (no NULL to order), compared as ListFindings compares them.
SQL_FILTER_KEYS = {"status": "status", "findingType": "finding_type", "resourceType": "resource_type",
                   "resourceOwnerAccount": "resource_owner_account", "isPublic": "is_public"}
SQL_SORT_KEYS = {"createdAt": "created_at", "updatedAt": "updated_at", "resource": "resource",
                 "resourceType": "resource_type", "resourceOwnerAccount": "resource_owner_account",
                 "findingType": "finding_type", "status": "status"}
# The size of one DELETE ... WHERE id IN (...) batch, and of one ... WHERE resource IN (...) query
# (SQLite allows 32,766 parameters).
DELETE_BATCH = 500
# Rows one ListFindings query reads at a time when part of its filter is checked in Python (rows the
# database returns may then fail the filter): the next query starts after the last row read.
SCAN_BATCH = 500
# Rows of one INSERT ... VALUES executemany when an analysis opens findings.
INSERT_BATCH = 1000


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
        tags=dict(row.tags or {}), analyses_recorded=row.analyses_recorded or 0,
    )


def _archive_rule(row: ArchiveRuleRow) -> ArchiveRule:
    return ArchiveRule(analyzer_arn=row.analyzer_arn, rule_name=row.rule_name, filter=dict(row.filter),
                       created_at=as_utc(row.created_at), updated_at=as_utc(row.updated_at))


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
        self._reads = sessionmaker(reading(engine), expire_on_commit=False)
        self._writes = sessionmaker(writing(engine), expire_on_commit=False)
        self._schema_ready = False

    @classmethod
    def open(
        cls,
        url: Optional[str] = None,
        *,
        default_path: Union[str, Path] = DEFAULT_DATABASE_FILE,
        account_id: str = DEFAULT_ACCOUNT_ID,
        region: str = DEFAULT_REGION,
        clock: Callable[[], datetime] = utc_now,
        create: bool = True,
    ) -> "FindingsStore":
        """Connect to ``url`` (or the SQLite file ``default_path``): create the tables when there are
        none (``create``; else MissingDatabaseError, and nothing is created), upgrade an older database."""
        engine = make_engine(url, default_path=default_path)
        store = cls(engine, account_id=account_id, region=region, clock=clock)
        store._prepare(create=create)
        return store

    def close(self) -> None:
        self.engine.dispose()

    def _prepare(self, *, create: bool) -> None:
        if not self._schema_ready:
            ensure_schema(self.engine, create=create)
            self._schema_ready = True

    @contextmanager
    def _transaction(self, *, write: bool = False, create: bool = False) -> Iterator[Session]:
        """One transaction: ``write`` for one that writes (see the module's note), ``create`` for the
        one that may make the database."""
        self._prepare(create=create)
        sessions = self._writes if write else self._reads
        with database_errors(self.engine), sessions.begin() as session:
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
            with self._transaction(write=True, create=True) as session:
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
        except DatabaseConstraintError:  # lost a race with another writer (PostgreSQL)
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
            parsed.append((rule_name, filter_to_aws(parse_archive_rule_filter(rule["filter"]))))
        return parsed

    def _analyzer_row(self, session: Session, name: str, *, lock: bool = False) -> AnalyzerRow:
        """The analyzer named ``name``; ``lock``: held until the transaction ends (PostgreSQL's row
        lock; SQLite's writing transactions hold the whole database)."""
        query = select(AnalyzerRow).where(AnalyzerRow.name == name)
        row = session.scalar(query.with_for_update() if lock else query)
        if row is None:
            raise NotFoundError(f"Analyzer {name} not found")
        return row

    def _analyzer_row_by_arn(self, session: Session, arn: str, *, lock: bool = False) -> AnalyzerRow:
        _check_analyzer_arn(arn)
        row = session.get(AnalyzerRow, arn, with_for_update=lock or None)
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
        try:
            with self._transaction() as session:
                return [_analyzer(row) for row in session.scalars(query)]
        except MissingDatabaseError:
            return []  # no database, no analyzer; nothing created

    def update_analyzer(self, name: str, configuration: Mapping[str, Any]) -> Analyzer:
        """UpdateAnalyzer: replace the configuration (unused and internal access analyzers)."""
        if not isinstance(configuration, Mapping):
            raise ValidationError("configuration must be an object")
        with self._transaction(write=True) as session:
            row = self._analyzer_row(session, name, lock=True)
            row.configuration = dict(configuration)
            return _analyzer(row)

    def delete_analyzer(self, name: str) -> None:
        """DeleteAnalyzer: the analyzer, its archive rules, findings and analyzed resources."""
        with self._transaction(write=True) as session:
            arn = self._analyzer_row(session, name, lock=True).arn
            # Explicit deletes, not only ON DELETE CASCADE: a SQLite connection made by another
            # program may have foreign keys off.
            for table in (FindingRow, ArchiveRuleRow, AnalyzedResourceRow):
                session.execute(delete(table).where(table.analyzer_arn == arn))
            session.execute(delete(AnalyzerRow).where(AnalyzerRow.arn == arn))

    # --- archive rules --------------------------------------------------------------------

    def create_archive_rule(self, analyzer_name: str, rule_name: str, filter: Mapping[str, Any]) -> ArchiveRule:
        """CreateArchiveRule. The rule applies to findings opened from now on (AWS)."""
        _check_name(rule_name, RULE_NAME, "ruleName")
        parsed = filter_to_aws(parse_archive_rule_filter(filter))
        now = self._now()
        try:
            with self._transaction(write=True) as session:
                arn = self._analyzer_row(session, analyzer_name, lock=True).arn
                if session.get(ArchiveRuleRow, (arn, rule_name)) is not None:
                    raise ConflictError(f"Archive rule {rule_name} already exists for analyzer {analyzer_name}")
                row = ArchiveRuleRow(analyzer_arn=arn, rule_name=rule_name, filter=parsed, created_at=now, updated_at=now)
                session.add(row)
                session.flush()
                return _archive_rule(row)
        except DatabaseConstraintError:  # lost a race with another writer (PostgreSQL)
            raise ConflictError(f"Archive rule {rule_name} already exists for analyzer {analyzer_name}") from None

    def _rule_row(self, session: Session, analyzer_name: str, rule_name: str, *, lock: bool = False) -> ArchiveRuleRow:
        arn = self._analyzer_row(session, analyzer_name, lock=lock).arn
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
        parsed = filter_to_aws(parse_archive_rule_filter(filter))
        with self._transaction(write=True) as session:
            row = self._rule_row(session, analyzer_name, rule_name, lock=True)
            row.filter = parsed
            row.updated_at = self._now()
            return _archive_rule(row)

    def delete_archive_rule(self, analyzer_name: str, rule_name: str) -> None:
        """DeleteArchiveRule. Findings it archived stay archived."""
        with self._transaction(write=True) as session:
            session.delete(self._rule_row(session, analyzer_name, rule_name, lock=True))

    def apply_archive_rule(self, analyzer_arn: str, rule_name: str) -> list[Finding]:
        """ApplyArchiveRule: archive the ACTIVE findings the rule matches; returns them."""
        with self._transaction(write=True) as session:
            analyzer = self._analyzer_row_by_arn(session, analyzer_arn, lock=True)
            rule = session.get(ArchiveRuleRow, (analyzer.arn, rule_name))
            if rule is None:
                raise NotFoundError(f"Archive rule {rule_name} not found for analyzer {analyzer.name}")
            active = self._findings(session, analyzer.arn, statuses=(ACTIVE,))
            now = self._now()
            changed = lifecycle.apply_archive_rule(active, _archive_rule(rule), now)
            self._update_status_rows(session, changed)
            _record_history(session, status_changes({f.id: f.status for f in active}, changed,
                                                    f"{CAUSE_ARCHIVE_RULE} {rule_name}"))
            self._notify(session, analyzer, outbox.status_changes({f.id: f for f in active}, changed), now)
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
        return [finding_record(row) for row in session.execute(query)]

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
        limit = check_max_results(max_results)
        with self._transaction() as session:
            analyzer = self._analyzer_row_by_arn(session, analyzer_arn)
            fingerprint = query_fingerprint(analyzer.arn, parsed_filter, parsed_sort)
            after = token_position(next_token, fingerprint) if next_token else None
            items = self._page(session, analyzer.arn, parsed_filter, parsed_sort, after, limit + 1)
        page = items[:limit]
        return Page(page, page_token(fingerprint, page[-1], parsed_sort) if len(items) > limit else None)

    def _page(self, session: Session, analyzer_arn: str, parsed_filter: Mapping[str, Any], parsed_sort: Any,
              after: Optional[list], wanted: int) -> list[Finding]:
        """Up to ``wanted`` findings that match the filter, in the sort's order, after position
        ``after``: keyset queries on the sort's index (``sql``), each starting after the last row
        the one before read; the filter is checked on every row (``sql.filter_clause`` is only a
        necessary condition). Cost: the rows read, not the findings stored."""
        dialect = self.engine.dialect.name
        base = sql.order_by(select(FINDINGS).where(FINDINGS.c.analyzer_arn == analyzer_arn,
                                                   sql.filter_clause(parsed_filter)), parsed_sort, dialect)
        batch = max(wanted, SCAN_BATCH) if parsed_filter else wanted
        found: list[Finding] = []
        while True:
            query = base if after is None else base.where(sql.after_clause(parsed_sort, after, dialect))
            rows = session.execute(query.limit(batch)).all()
            for row in rows:
                finding = finding_record(row)
                after = position(finding, parsed_sort)
                if matches(finding, parsed_filter):
                    found.append(finding)
                    if len(found) == wanted:
                        return found
            if len(rows) < batch:
                return found

    def get_finding(self, analyzer_arn: str, finding_id: str) -> Finding:
        with self._transaction() as session:
            analyzer = self._analyzer_row_by_arn(session, analyzer_arn)
            row = session.get(FindingRow, finding_id) if isinstance(finding_id, str) else None
            if row is None or row.analyzer_arn != analyzer.arn:
                raise NotFoundError(f"Finding {finding_id} not found")
            return finding_record(row)

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
        with self._transaction(write=True) as session:
            analyzer = self._analyzer_row_by_arn(session, analyzer_arn, lock=True)
            if ids is not None:
                rows = {row.id: row for row in session.scalars(
                    select(FindingRow).where(FindingRow.analyzer_arn == analyzer.arn, FindingRow.id.in_(set(ids))))}
                missing = [i for i in ids if i not in rows]
                if missing:
                    raise NotFoundError(f"Finding {missing[0]} not found")
                findings = [finding_record(rows[i]) for i in dict.fromkeys(ids)]
                changed = lifecycle.update_status(findings, status, now, strict=True)
            else:
                findings = self._findings(session, analyzer.arn, resource=[resource_arn])
                changed = lifecycle.update_status(findings, status, now, strict=False)
            self._update_status_rows(session, changed)
            _record_history(session, status_changes({f.id: f.status for f in findings}, changed, CAUSE_UPDATE))
            self._notify(session, analyzer, outbox.status_changes({f.id: f for f in findings}, changed), now)
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
        started_after: Optional[int] = None,
    ) -> Reconciliation:
        """Store an analysis of some resources (``complete=False``: StartResourceScan, a partial
        rescan) or of all of them (``complete=True``: a whole snapshot, so that resources no longer
        in it have their findings resolved and leave the analyzed resources).

        ``started_after``: the analyzer's ``analyses_recorded`` read *before* the analysis read its
        snapshot. Findings and resources that analyses recorded since then saw are not resolved or
        removed by this one (those may have read a newer snapshot; ``lifecycle.reconcile``'s
        ``protected``). None: no other analysis ran meanwhile.

        One transaction, writers of the analyzer taking turns: concurrent analyses merge (an access
        both see is one finding) and never duplicate. Returns what changed (``Reconciliation``).
        """
        now = self._now()
        scanned = {result.resource for result in results}
        fresh = [finding for result in results for finding in result.findings]
        with self._transaction(write=True) as session:
            analyzer = self._analyzer_row_by_arn(session, analyzer_arn, lock=True)
            recorded = analyzer.analyses_recorded or 0
            seen = recorded if started_after is None else min(started_after, recorded)
            number = recorded + 1
            rules = [_archive_rule(row) for row in session.scalars(
                select(ArchiveRuleRow).where(ArchiveRuleRow.analyzer_arn == analyzer.arn))]
            in_scope = self._open_findings(session, analyzer.arn, None if complete else scanned)
            protected = frozenset(f.id for f, last in in_scope if last > seen)
            outcome = lifecycle.reconcile(analyzer.arn, [f for f, _ in in_scope], fresh, rules, now,
                                          protected=protected)
            self._write_reconciliation(session, outcome, number)
            _record_history(session, status_changes({f.id: f.status for f, _ in in_scope},
                                                    (*outcome.opened, *outcome.resolved), CAUSE_ANALYSIS, number))
            self._record_resources(session, analyzer.arn, results, outcome, now, number, seen, complete=complete)
            self._notify(session, analyzer, outbox.reconciliation_changes(
                {f.id: f for f, _ in in_scope}, outcome.opened, outcome.resolved, outcome.deleted), now)
            analyzer.analyses_recorded = number
            if results:
                analyzer.last_resource_analyzed = results[-1].resource
                analyzer.last_resource_analyzed_at = now
            return outcome

    def _notify(self, session: Session, analyzer: AnalyzerRow, changes: Sequence[outbox.FindingChange],
                now: datetime) -> None:
        """Enqueue ``changes`` for the analyzer's notification destinations, in this transaction
        (the transactional outbox: ``outbox``). No subscriber, nothing written."""
        if not changes:
            return
        subscribers = outbox.destinations(session, analyzer.arn)
        if not subscribers:
            return
        grouped: dict[str, list[Finding]] = {}
        resources = {c.finding.resource for c in changes if c.finding.finding_type == EXTERNAL_ACCESS}
        for finding, _ in self._open_findings(session, analyzer.arn, resources) if resources else ():
            grouped.setdefault(finding.resource, []).append(finding)
        outbox.enqueue(session, _analyzer(analyzer), changes, subscribers, grouped, now)

    @staticmethod
    def _open_findings(session: Session, analyzer_arn: str,
                       resources: Optional[set[str]]) -> list[tuple[Finding, int]]:
        """The analyzer's ACTIVE and ARCHIVED findings (of ``resources``, or all), each with the
        number of the last analysis that saw it."""
        query = select(FINDINGS).where(FINDINGS.c.analyzer_arn == analyzer_arn, FINDINGS.c.status.in_(OPEN_STATUSES))
        if resources is None:
            return [(finding_record(row), row.last_analysis) for row in session.execute(query)]
        chosen = sorted(resources)
        return [(finding_record(row), row.last_analysis)
                for start in range(0, len(chosen), DELETE_BATCH)
                for row in session.execute(query.where(FINDINGS.c.resource.in_(chosen[start:start + DELETE_BATCH])))]

    @staticmethod
    def _write_reconciliation(session: Session, outcome: Reconciliation, number: int) -> None:
        opened = outcome.opened
        for start in range(0, len(opened), INSERT_BATCH):
            session.execute(insert(FINDINGS), [{**finding_columns(f), "last_analysis": number}
                                               for f in opened[start:start + INSERT_BATCH]])
        if outcome.kept:
            _bulk_update(session, FINDINGS, ("id",), [
                {"id": f.id, "analyzed_at": f.analyzed_at, "witness": f.witness, "details": f.details,
                 "last_analysis": number}
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
                          outcome: Reconciliation, now: datetime, number: int, seen: int, *, complete: bool) -> None:
        changed = {f.resource for f in (*outcome.opened, *outcome.resolved, *outcome.deleted)}
        scanned = {result.resource: result for result in results}
        existing = {resource: last for resource, last in session.execute(
            select(AnalyzedResourceRow.resource, AnalyzedResourceRow.last_analysis)
            .where(AnalyzedResourceRow.analyzer_arn == analyzer_arn))}
        new_rows, quiet_rows, changed_rows = [], [], []
        for resource, result in scanned.items():
            columns = {"analyzer_arn": analyzer_arn, "resource": resource, "resource_type": result.resource_type,
                       "resource_owner_account": result.resource_owner_account, "analyzed_at": now,
                       "last_analysis": number}
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
        if complete:  # resources a newer concurrent analysis saw stay
            gone = [resource for resource, last in existing.items() if resource not in scanned and last <= seen]
            for start in range(0, len(gone), DELETE_BATCH):
                session.execute(delete(AnalyzedResourceRow).where(
                    AnalyzedResourceRow.analyzer_arn == analyzer_arn,
                    AnalyzedResourceRow.resource.in_(gone[start:start + DELETE_BATCH])))

    # --- history and overview (the console) -----------------------------------------------

    def finding_history(self, analyzer_arn: str, finding_id: str) -> list[StatusChange]:
        """The status changes of one finding, oldest first (none before schema 5 existed)."""
        with self._transaction() as session:
            analyzer = self._analyzer_row_by_arn(session, analyzer_arn)
            rows = session.execute(select(HISTORY).where(HISTORY.c.analyzer_arn == analyzer.arn,
                                                         HISTORY.c.finding_id == finding_id)
                                   .order_by(HISTORY.c.seq))
            return [_status_change(row) for row in rows]

    def latest_analysis_changes(self) -> list[StatusChange]:
        """The status changes that each analyzer's latest analysis made."""
        with self._transaction() as session:
            latest = {arn: number for arn, number in session.execute(
                select(AnalyzerRow.arn, AnalyzerRow.analyses_recorded))}
            rows = session.execute(select(HISTORY).where(HISTORY.c.cause == CAUSE_ANALYSIS,
                                                         HISTORY.c.analysis.in_(set(latest.values()) or {0}))
                                   .order_by(HISTORY.c.seq))
            return [change for change in map(_status_change, rows) if latest.get(change.analyzer_arn) == change.analysis]

    def overview_rows(self) -> list[FindingOverviewRow]:
        """Every analyzer's findings counted by account, finding type, resource type, status and
        isPublic (grouped by the database: an overview of 20,000 findings reads a few hundred rows)."""
        columns = (FINDINGS.c.resource_owner_account, FINDINGS.c.finding_type, FINDINGS.c.resource_type,
                   FINDINGS.c.status, FINDINGS.c.is_public)
        with self._transaction() as session:
            return [FindingOverviewRow(*row) for row in session.execute(
                select(*columns, func.count()).group_by(*columns))]

    def status_counts_since(self, since: datetime) -> list[StatusCount]:
        """Every analyzer's status changes at or after ``since``, counted per UTC day, kind and status."""
        changed = HISTORY.c.changed_at
        opened = HISTORY.c.previous_status.is_(None)
        with self._transaction() as session:
            day = (func.date(changed) if self.engine.dialect.name == "sqlite"
                   else cast(func.timezone("UTC", changed), Date))
            rows = session.execute(select(day, opened, HISTORY.c.status, func.count())
                                   .where(changed >= since).group_by(day, opened, HISTORY.c.status))
            return [StatusCount(_as_date(d), bool(o), status, n) for d, o, status, n in rows]

    def findings_page(self, analyzer_arns: Sequence[str], equals: Mapping[str, str], sort: Mapping[str, str],
                      offset: int, limit: int) -> tuple[int, list[Finding]]:
        """One page of the findings of ``analyzer_arns`` whose ``equals`` keys (``SQL_FILTER_KEYS``)
        have the given values, sorted as ListFindings sorts (``SQL_SORT_KEYS``; ties by id), done
        by the database; and how many there are in all. The console's table without a principal,
        condition or substring filter: the same findings, in the same order, as ``list_findings``
        of each analyzer merged, without reading the others."""
        parsed_sort = parse_sort(sort)
        column = FINDINGS.c[SQL_SORT_KEYS[parsed_sort.attribute_name]]
        conditions = [FINDINGS.c.analyzer_arn.in_(list(analyzer_arns))]
        for key, value in equals.items():
            if key == "isPublic":
                conditions.append(FINDINGS.c.is_public.is_(value.lower() == "true"))
            else:
                conditions.append(FINDINGS.c[SQL_FILTER_KEYS[key]] == value)
        postgresql = self.engine.dialect.name == "postgresql"
        ordered = [column.collate("C") if postgresql and column.name not in ("created_at", "updated_at") else column,
                   FINDINGS.c.id.collate("C") if postgresql else FINDINGS.c.id]
        if parsed_sort.order_by == "DESC":
            ordered = [c.desc() for c in ordered]
        with self._transaction() as session:
            total = session.scalar(select(func.count()).select_from(FINDINGS).where(*conditions)) or 0
            rows = session.execute(select(FINDINGS).where(*conditions).order_by(*ordered).offset(offset).limit(limit))
            return total, [finding_record(row) for row in rows]

    # --- analyzed resources ---------------------------------------------------------------

    def list_analyzed_resources(self, analyzer_arn: str, resource_type: Optional[str] = None, *,
                                after: Optional[str] = None, limit: Optional[int] = None) -> list[AnalyzedResource]:
        """ListAnalyzedResources, by ARN: those after the ARN ``after``, at most ``limit`` (keyset
        pages on the primary key: a page costs its size)."""
        with self._transaction() as session:
            analyzer = self._analyzer_row_by_arn(session, analyzer_arn)
            query = (select(AnalyzedResourceRow).where(AnalyzedResourceRow.analyzer_arn == analyzer.arn)
                     .order_by(AnalyzedResourceRow.resource))
            if resource_type is not None:
                query = query.where(AnalyzedResourceRow.resource_type == resource_type)
            if after is not None:
                query = query.where(AnalyzedResourceRow.resource > after)
            if limit is not None:
                query = query.limit(limit)
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


def _record_history(session: Session, changes: Sequence[StatusChange]) -> None:
    """Append ``changes`` to ``finding_history``, in the transaction that made them."""
    if changes:
        session.execute(insert(HISTORY), [
            {"finding_id": c.finding_id, "analyzer_arn": c.analyzer_arn,
             "resource_owner_account": c.resource_owner_account, "previous_status": c.previous_status,
             "status": c.status, "changed_at": c.changed_at, "cause": c.cause, "analysis": c.analysis}
            for c in changes])


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _status_change(row: Any) -> StatusChange:
    return StatusChange(row.finding_id, row.analyzer_arn, row.resource_owner_account, row.previous_status,
                        row.status, as_utc(row.changed_at), row.cause, row.analysis)


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
