"""Where findings live: a SQLAlchemy engine on a SQLite file (default) or PostgreSQL, and the schema.

``make_engine(url)`` checks the URL, ``ensure_schema(engine, create=...)`` connects, creates the
tables (or, with ``create=False``, says there is no database) and upgrades a database made by an
earlier version (it is the first place an unreachable database shows). Every failure becomes a
``DatabaseError`` with a one-line message that names the URL without its password: a user sees
"cannot reach database postgresql://app:***@db/findings: connection refused", never a traceback.

Concurrent writers (several ``accessproof analyze`` processes, threads of one client, servers on
one PostgreSQL) are serialized: a writing transaction (``writing(engine)``) on SQLite takes the
database's write lock at ``BEGIN IMMEDIATE``; on PostgreSQL the store locks the analyzer's row
(``SELECT ... FOR UPDATE``). A unique index on the open findings of an analyzer by key makes a
duplicate finding impossible whatever a writer does.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional, Union

from sqlalchemy import (
    JSON, Boolean, DateTime, ForeignKey, ForeignKeyConstraint, Index, Integer, String, Text, create_engine, delete,
    event, func, insert, inspect, select, text, update,
)
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from . import lifecycle
from .errors import (
    DatabaseConstraintError, DatabaseError, DatabaseUnavailableError, DatabaseURLError, MissingDatabaseError,
    SchemaVersionError,
)
from .model import ACTIVE, ARCHIVED, Finding, as_utc, utc_now

DEFAULT_DATABASE_FILE = "accessproof.db"
# Seconds to wait for a PostgreSQL server before calling it unreachable.
CONNECT_TIMEOUT_SECONDS = 5
# Seconds a SQLite writer waits for another writer's lock. Writers take turns (``writing``), and
# recording an analysis of tens of thousands of findings holds the lock for tens of seconds on a busy
# machine: a second run waits for the first rather than fail.
SQLITE_BUSY_TIMEOUT_SECONDS = 300
# ``postgresql://`` means psycopg2 to SQLAlchemy; we ship psycopg 3, so a URL without a driver gets it.
POSTGRESQL_DRIVER = "postgresql+psycopg"
POSTGRESQL_SCHEMES = {"postgresql", "postgres"}  # "postgres://" is what Heroku and others print


def sqlite_url(path: Union[str, Path]) -> str:
    return f"sqlite:///{Path(path)}"


def redacted(url: Union[str, URL]) -> str:
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<unparseable URL>" if "@" in url else url


def _parse_url(url: str) -> URL:
    if not isinstance(url, str) or not url.strip():
        raise DatabaseURLError("database URL is empty; give e.g. sqlite:///accessproof.db or postgresql://user@host/db")
    try:
        parsed = make_url(url.strip())
    except (ArgumentError, ValueError) as error:
        raise DatabaseURLError(
            f"malformed database URL {redacted(url)!s} ({error}); give e.g. sqlite:///accessproof.db or postgresql://user@host/db"
        ) from None
    if parsed.drivername in POSTGRESQL_SCHEMES:
        parsed = parsed.set(drivername=POSTGRESQL_DRIVER)
    return parsed


def _engine_options(url: URL) -> dict[str, Any]:
    backend = url.get_backend_name()
    if backend == "sqlite":
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}}
    if backend == "postgresql":
        return {"connect_args": {"connect_timeout": CONNECT_TIMEOUT_SECONDS}, "pool_pre_ping": True}
    return {}


def _enable_sqlite_foreign_keys(engine: Engine) -> None:
    """SQLite ignores foreign keys (and so ON DELETE CASCADE) unless each connection asks."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


# Execution option of the transactions that write (``writing``).
WRITES = "accessproof_writes"


def _begin_sqlite(connection: Connection) -> None:
    """Begin SQLite transactions ourselves, at their start.

    pysqlite's legacy mode sends BEGIN only before the first INSERT/UPDATE/DELETE, so a transaction
    reads outside any transaction, and two writers both act on what they read (two analyses each
    inserting the findings the other also inserts). A writing transaction takes the write lock at
    once (BEGIN IMMEDIATE, waiting up to the busy timeout for the writer before it), so what it reads
    is what it writes over; a reading one sees one snapshot (BEGIN).
    See "Serializable isolation / Savepoints / Transactional DDL" in SQLAlchemy's SQLite dialect docs.
    """
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection.isolation_level is not None:
        dbapi_connection.isolation_level = None  # pysqlite sends no BEGIN of its own (still COMMIT/ROLLBACK)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get(WRITES) else "BEGIN")


def _begin_transactions_explicitly(engine: Engine) -> None:
    if engine.url.get_backend_name() == "sqlite" and not event.contains(engine, "begin", _begin_sqlite):
        event.listen(engine, "begin", _begin_sqlite)


def reading(engine: Engine) -> Engine:
    """``engine`` for transactions that only read (one consistent snapshot on SQLite too)."""
    _begin_transactions_explicitly(engine)
    return engine


def writing(engine: Engine) -> Engine:
    """``engine`` for transactions that write: on SQLite they hold the write lock from their start."""
    _begin_transactions_explicitly(engine)
    return engine.execution_options(**{WRITES: True})


def make_engine(url: Optional[str], *, default_path: Union[str, Path] = DEFAULT_DATABASE_FILE) -> Engine:
    """An engine for ``url``, or for the SQLite file ``default_path`` when ``url`` is None.

    Raises DatabaseURLError for a malformed URL or a database kind without an installed driver.
    Does not connect: ``ensure_schema`` does.
    """
    parsed = _parse_url(url if url is not None else sqlite_url(default_path))
    try:
        engine = create_engine(parsed, **_engine_options(parsed))
    except (NoSuchModuleError, ImportError) as error:
        raise DatabaseURLError(f"unsupported database URL {redacted(parsed)}: no driver ({error})") from None
    except (ArgumentError, ValueError, TypeError) as error:
        raise DatabaseURLError(f"malformed database URL {redacted(parsed)}: {error}") from None
    if parsed.get_backend_name() == "sqlite":
        _enable_sqlite_foreign_keys(engine)
        _begin_transactions_explicitly(engine)
    return engine


def _first_line(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    text = str(original).strip().splitlines()
    return text[0] if text else type(original).__name__


@contextmanager
def database_errors(engine: Engine) -> Iterator[None]:
    """Turn the driver's errors into DatabaseError with one line, for anything done in the block.

    Errors of our own (FindingsError) pass through untouched.
    """
    try:
        yield
    except IntegrityError as error:
        raise DatabaseConstraintError(f"database error on {redacted(engine.url)}: {_first_line(error)}") from None
    except DBAPIError as error:
        if _sqlite_busy(engine, error):
            raise DatabaseUnavailableError(
                f"database {redacted(engine.url)} stayed locked by another writer for {SQLITE_BUSY_TIMEOUT_SECONDS} s "
                f"({_first_line(error)}); try again when it is done") from None
        if error.connection_invalidated or isinstance(error.orig, _connection_error_types(engine)):
            raise DatabaseUnavailableError(f"cannot reach database {redacted(engine.url)}: {_first_line(error)}") from None
        raise DatabaseError(f"database error on {redacted(engine.url)}: {_first_line(error)}") from None
    except SQLAlchemyError as error:
        raise DatabaseError(f"database error on {redacted(engine.url)}: {_first_line(error)}") from None


def _sqlite_busy(engine: Engine, error: DBAPIError) -> bool:
    message = str(getattr(error, "orig", "")).lower()
    return engine.url.get_backend_name() == "sqlite" and ("database is locked" in message or "database is busy" in message)


def _connection_error_types(engine: Engine) -> tuple[type, ...]:
    dbapi = engine.dialect.dbapi
    return tuple(t for t in (getattr(dbapi, "OperationalError", None), getattr(dbapi, "InterfaceError", None)) if t)


class Base(DeclarativeBase):
    type_annotation_map = {
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


OPEN_STATUSES = (ACTIVE, ARCHIVED)
_OPEN_FINDING = text("status IN ('ACTIVE', 'ARCHIVED')")


class AnalyzerRow(Base):
    __tablename__ = "analyzers"

    arn: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    status_reason: Mapped[Optional[dict[str, Any]]]
    created_at: Mapped[datetime]
    last_resource_analyzed: Mapped[Optional[str]] = mapped_column(Text)
    last_resource_analyzed_at: Mapped[Optional[datetime]]
    configuration: Mapped[Optional[dict[str, Any]]]
    tags: Mapped[dict[str, Any]]
    # How many analyses have been recorded; the number of the latest one (``FindingRow.last_analysis``).
    analyses_recorded: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ArchiveRuleRow(Base):
    __tablename__ = "archive_rules"

    analyzer_arn: Mapped[str] = mapped_column(Text, ForeignKey("analyzers.arn", ondelete="CASCADE"), primary_key=True)
    rule_name: Mapped[str] = mapped_column(String(255), primary_key=True)
    filter: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


# One open (ACTIVE or ARCHIVED) finding per access and analyzer: concurrent analyses cannot record an
# access twice. RESOLVED findings are outside it, as a new finding is opened when resolved access returns.
OPEN_FINDING_KEY_INDEX = "ux_findings_analyzer_open_key"


class FindingRow(Base):
    __tablename__ = "findings"
    __table_args__ = (
        Index("ix_findings_analyzer_resource", "analyzer_arn", "resource"),
        Index("ix_findings_analyzer_key", "analyzer_arn", "key"),
        Index("ix_findings_analyzer_status", "analyzer_arn", "status"),
        Index(OPEN_FINDING_KEY_INDEX, "analyzer_arn", "key", unique=True,
              sqlite_where=_OPEN_FINDING, postgresql_where=_OPEN_FINDING),
        # Schema 4: keyset pagination of ListFindings in its default order (createdAt, id), by status
        # too (the filter everyone uses), and by updatedAt.
        Index("ix_findings_sort_created", "analyzer_arn", "created_at", "id"),
        Index("ix_findings_sort_status_created", "analyzer_arn", "status", "created_at", "id"),
        Index("ix_findings_sort_updated", "analyzer_arn", "updated_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    analyzer_arn: Mapped[str] = mapped_column(Text, ForeignKey("analyzers.arn", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str] = mapped_column(Text)
    resource_type: Mapped[str] = mapped_column(String(64))
    resource_owner_account: Mapped[str] = mapped_column(String(32))
    finding_type: Mapped[str] = mapped_column(String(64))
    principal: Mapped[Optional[dict[str, Any]]]
    action: Mapped[Optional[list[Any]]]
    condition: Mapped[dict[str, Any]]
    is_public: Mapped[Optional[bool]] = mapped_column(Boolean)
    sources: Mapped[Optional[list[Any]]]
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[Optional[str]] = mapped_column(Text)
    resource_control_policy_restriction: Mapped[Optional[str]] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    analyzed_at: Mapped[datetime]
    witness: Mapped[Optional[dict[str, Any]]]
    details: Mapped[Optional[dict[str, Any]]]
    # The number of the latest analysis that saw this access (``AnalyzerRow.analyses_recorded``).
    last_analysis: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AnalyzedResourceRow(Base):
    __tablename__ = "analyzed_resources"
    __table_args__ = (
        ForeignKeyConstraint(["analyzer_arn"], ["analyzers.arn"], ondelete="CASCADE"),
    )

    analyzer_arn: Mapped[str] = mapped_column(Text, primary_key=True)
    resource: Mapped[str] = mapped_column(Text, primary_key=True)
    resource_type: Mapped[str] = mapped_column(String(64))
    resource_owner_account: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    analyzed_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # The number of the latest analysis that analysed this resource.
    last_analysis: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class MergedFindingRow(Base):
    """Duplicate findings that the upgrade to schema 2 merged: kept, whole, never deleted."""

    __tablename__ = "findings_merged"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    analyzer_arn: Mapped[str] = mapped_column(Text)
    merged_into: Mapped[str] = mapped_column(String(36))
    merged_at: Mapped[datetime]
    finding: Mapped[dict[str, Any]]  # the row as it was, timestamps as ISO 8601 text


class SchemaVersionRow(Base):
    __tablename__ = "schema_versions"

    component: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class NotificationSubscriptionRow(Base):
    """A destination (``eventbridge``, ``securityhub``, ``webhook:<name>``) told of every change of an
    analyzer's findings. Every writer of the store enqueues for it (``outbox``), whoever delivers."""

    __tablename__ = "notification_subscriptions"

    analyzer_arn: Mapped[str] = mapped_column(Text, ForeignKey("analyzers.arn", ondelete="CASCADE"), primary_key=True)
    destination: Mapped[str] = mapped_column(String(255), primary_key=True)
    created_at: Mapped[datetime]


class NotificationOutboxRow(Base):
    """One notification of one finding change to one destination (the transactional outbox): written
    in the transaction that changes the finding, delivered after it commits (``outbox``)."""

    __tablename__ = "notification_outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "state", "destination", "resource"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(String(36), unique=True)
    change_id: Mapped[str] = mapped_column(String(36))
    destination: Mapped[str] = mapped_column(String(255))
    analyzer_arn: Mapped[str] = mapped_column(Text)  # no foreign key: a deleted analyzer's news is still news
    finding_id: Mapped[str] = mapped_column(String(36))
    resource: Mapped[str] = mapped_column(Text)
    change: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_by: Mapped[Optional[str]] = mapped_column(String(64))
    claimed_until: Mapped[Optional[datetime]]
    last_error: Mapped[Optional[str]] = mapped_column(Text)
    delivered_at: Mapped[Optional[datetime]]


class MonitorStateRow(Base):
    """What a monitor must remember across restarts (its last full rescan, ...), by name."""

    __tablename__ = "monitor_state"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class FindingHistoryRow(Base):
    """One change of a finding's status (the console's "history"): written by the store in the
    transaction that makes the change. ``previous_status`` None: the finding was opened."""

    __tablename__ = "finding_history"
    __table_args__ = (
        Index("ix_finding_history_finding", "finding_id", "seq"),
        Index("ix_finding_history_analyzer_time", "analyzer_arn", "changed_at"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    finding_id: Mapped[str] = mapped_column(String(36))
    analyzer_arn: Mapped[str] = mapped_column(Text)  # no foreign key: history outlives a deleted analyzer
    resource_owner_account: Mapped[str] = mapped_column(String(32))
    previous_status: Mapped[Optional[str]] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime]
    cause: Mapped[str] = mapped_column(String(300))  # "analysis", "UpdateFindings", "archive rule <name>"
    analysis: Mapped[Optional[int]] = mapped_column(Integer)  # the analysis number, for cause "analysis"


FINDINGS = FindingRow.__table__
HISTORY = FindingHistoryRow.__table__
# Version 1: the tables without a version row (accessproof 0.1 before this change). Version 2: the
# unique index on open findings, analysis numbers, findings_merged. Version 3: notification
# subscriptions, the notification outbox, monitor state. Version 4 (issue 16): the sort indexes of
# findings (``SORT_INDEXES``) for keyset pagination. Version 5: finding_history (status changes of findings).
SCHEMA_COMPONENT = "findings"
SCHEMA_VERSION = 5
UNVERSIONED = 1
OUR_TABLES = frozenset({"analyzers", "archive_rules", "findings", "analyzed_resources"})
# pg_advisory_xact_lock key that serializes schema creation and upgrades on one PostgreSQL database.
SCHEMA_LOCK_KEY = 0x616363657373  # "access"

logger = logging.getLogger("accessproof.findings")


# --- rows <-> records -----------------------------------------------------------------------

def finding_record(row: Any) -> Finding:
    """A ``Finding`` from a row of ``findings`` (ORM object or Core row)."""
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


def finding_columns(finding: Finding) -> dict[str, Any]:
    """The columns of ``findings`` for a record (``last_analysis`` is the writer's)."""
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


# --- the schema: create, check, upgrade -----------------------------------------------------

def _sqlite_file_absent(engine: Engine) -> bool:
    """True for a SQLite URL naming a file that does not exist (connecting would create it).
    In-memory databases and ``file:`` URIs are not files we can look at: False."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.query.get("uri"):
        return False
    database = url.database or ""
    return database not in ("", ":memory:") and not Path(database).exists()


def _missing(engine: Engine) -> MissingDatabaseError:
    return MissingDatabaseError(f"no findings database at {redacted(engine.url)}: nothing has been analysed into it yet")


def _schema_version(connection: Connection) -> Optional[int]:
    """None when none of our tables exist; else the recorded version (UNVERSIONED without one)."""
    tables = set(inspect(connection).get_table_names())
    if not tables & OUR_TABLES:
        return None
    if SchemaVersionRow.__tablename__ not in tables:
        return UNVERSIONED
    version = connection.scalar(select(SchemaVersionRow.version).where(SchemaVersionRow.component == SCHEMA_COMPONENT))
    return UNVERSIONED if version is None else version


def _refuse_newer(engine: Engine, version: Optional[int]) -> None:
    if version is not None and version > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"the findings database {redacted(engine.url)} has schema version {version}, made by a newer accessproof "
            f"(this one knows version {SCHEMA_VERSION}): upgrade accessproof, or give another --database")


def _lock_schema(connection: Connection) -> None:
    """Serialize schema work between processes. SQLite: the writing transaction already holds the lock."""
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(SCHEMA_LOCK_KEY)))


def _record_version(connection: Connection) -> None:
    connection.execute(delete(SchemaVersionRow).where(SchemaVersionRow.component == SCHEMA_COMPONENT))
    connection.execute(insert(SchemaVersionRow).values(component=SCHEMA_COMPONENT, version=SCHEMA_VERSION))


def ensure_schema(engine: Engine, *, create: bool) -> None:
    """Make the database ready for this version: create the tables when there are none (``create``),
    upgrade a database made by an earlier version, refuse one made by a newer version.

    With ``create=False`` a database that does not exist raises MissingDatabaseError and nothing is
    created (no SQLite file, no table): reading commands never make a database.
    """
    with database_errors(engine):
        if not create and _sqlite_file_absent(engine):
            raise _missing(engine)
        with reading(engine).connect() as connection:
            version = _schema_version(connection)
        if version == SCHEMA_VERSION:
            return
        _refuse_newer(engine, version)
        if version is None and not create:
            raise _missing(engine)
        upgrade: Optional[Upgrade] = None
        with writing(engine).begin() as connection:
            _lock_schema(connection)
            version = _schema_version(connection)  # again: another process may have done it meanwhile
            _refuse_newer(engine, version)
            if version is None:
                Base.metadata.create_all(connection)
                _record_version(connection)
            elif version < SCHEMA_VERSION:
                upgrade = _upgrade(connection, version)
    if upgrade is not None:
        _report(upgrade, redacted(engine.url))


class ServiceLinkedAnalyzerRow(Base):
    """The AWS service that manages a service-linked analyzer (CreateServiceLinkedAnalyzer)."""

    __tablename__ = "service_linked_analyzers"

    analyzer_arn: Mapped[str] = mapped_column(Text, ForeignKey("analyzers.arn", ondelete="CASCADE"), primary_key=True)
    managed_by: Mapped[str] = mapped_column(String(255))


def create_schema(engine: Engine) -> None:
    """Connect and create the tables that do not exist yet, or upgrade them (idempotent)."""
    ensure_schema(engine, create=True)


def drop_schema(engine: Engine) -> None:
    """Drop every table of ours (tests, and ``reset`` commands)."""
    with database_errors(engine):
        Base.metadata.drop_all(writing(engine))


# Columns that schema 2 adds to the tables of schema 1.
_ANALYSIS_NUMBER_COLUMNS = (("analyzers", "analyses_recorded"), ("findings", "last_analysis"),
                            ("analyzed_resources", "last_analysis"))


@dataclass(frozen=True)
class Upgrade:
    """What an upgrade changed or found, for the user."""

    merged_findings: int
    empty_archive_rules: tuple[tuple[str, str], ...]  # (analyzer ARN, rule name)


def _report(upgrade: Upgrade, where: str) -> None:
    """Say what the upgrade did on standard error (``logging``'s last-resort handler when the program
    configured none)."""
    if upgrade.merged_findings:
        logger.warning("accessproof: upgraded the findings database %s: %d duplicate findings (recorded by concurrent "
                       "analyses) merged into the finding of the same access; they are kept in table findings_merged",
                       where, upgrade.merged_findings)
    for analyzer_arn, rule_name in upgrade.empty_archive_rules:
        logger.warning("accessproof: archive rule %s of %s has an empty filter, which would archive every finding; "
                       "it archives nothing now: delete it or give it a filter", rule_name, analyzer_arn)


def _upgrade(connection: Connection, version: int) -> Upgrade:
    """Every step from ``version`` to SCHEMA_VERSION, in the caller's transaction."""
    upgrade = Upgrade(merged_findings=0, empty_archive_rules=())
    if version == UNVERSIONED:
        upgrade = _upgrade_from_unversioned(connection)
    _upgrade_to_notifications(connection)
    if version < 4:
        _upgrade_to_sort_indexes(connection)
    if version < 5:
        _upgrade_to_history(connection)
    _record_version(connection)
    return upgrade


SORT_INDEXES = ("ix_findings_sort_created", "ix_findings_sort_status_created", "ix_findings_sort_updated")


def _upgrade_to_sort_indexes(connection: Connection) -> None:
    """Schema 3 → 4: the findings' sort indexes, each created only if missing (idempotent)."""
    existing = {i["name"] for i in inspect(connection).get_indexes("findings")}
    for index in FINDINGS.indexes:
        if index.name in SORT_INDEXES and index.name not in existing:
            index.create(connection)


def _upgrade_to_notifications(connection: Connection) -> None:
    """Schema 2 → 3: the notification and monitor tables (new tables only; nothing existing changes)."""
    Base.metadata.create_all(connection, tables=[NotificationSubscriptionRow.__table__,
                                                 NotificationOutboxRow.__table__, MonitorStateRow.__table__])


def _upgrade_to_history(connection: Connection) -> None:
    """Schema 4 → 5: ``finding_history`` (a new table and its indexes, created only if missing).
    Findings that exist already get no history before the upgrade: the console says so."""
    Base.metadata.create_all(connection, tables=[HISTORY])


def _upgrade_from_unversioned(connection: Connection) -> Upgrade:
    """Schema 1 → 2, in the caller's transaction: new tables and columns, duplicate open findings
    merged (the duplicates are kept in ``findings_merged``), then the unique index they broke."""
    Base.metadata.create_all(connection)  # findings_merged, schema_versions, and any table 1 lacked
    inspector = inspect(connection)
    for table, column in _ANALYSIS_NUMBER_COLUMNS:
        if column not in {c["name"] for c in inspector.get_columns(table)}:
            connection.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0")
    merged = _merge_duplicate_findings(connection, utc_now())
    if OPEN_FINDING_KEY_INDEX not in {i["name"] for i in inspect(connection).get_indexes("findings")}:
        next(i for i in FINDINGS.indexes if i.name == OPEN_FINDING_KEY_INDEX).create(connection)
    _record_version(connection)
    return Upgrade(merged_findings=merged, empty_archive_rules=tuple(_empty_archive_rules(connection)))


def _merge_duplicate_findings(connection: Connection, now: datetime) -> int:
    """Merge each group of open findings of one analyzer with one key (``lifecycle.merge_duplicates``).
    Returns how many findings were merged into another."""
    groups = connection.execute(
        select(FINDINGS.c.analyzer_arn, FINDINGS.c.key).where(FINDINGS.c.status.in_(OPEN_STATUSES))
        .group_by(FINDINGS.c.analyzer_arn, FINDINGS.c.key).having(func.count() > 1)).all()
    merged_count = 0
    for analyzer_arn, key in groups:
        rows = connection.execute(select(FINDINGS).where(
            FINDINGS.c.analyzer_arn == analyzer_arn, FINDINGS.c.key == key, FINDINGS.c.status.in_(OPEN_STATUSES))).all()
        merge = lifecycle.merge_duplicates([finding_record(row) for row in rows], now)
        by_id = {row.id: row for row in rows}
        connection.execute(insert(MergedFindingRow), [
            {"id": f.id, "analyzer_arn": analyzer_arn, "merged_into": merge.survivor.id, "merged_at": now,
             "finding": _as_json(by_id[f.id]._mapping)} for f in merge.merged])
        connection.execute(delete(FINDINGS).where(FINDINGS.c.id.in_([f.id for f in merge.merged])))
        connection.execute(update(FINDINGS).where(FINDINGS.c.id == merge.survivor.id)
                           .values(status=merge.survivor.status, updated_at=merge.survivor.updated_at))
        merged_count += len(merge.merged)
    return merged_count


def _as_json(row: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value.isoformat() if isinstance(value, datetime) else value for name, value in row.items()}


def _empty_archive_rules(connection: Connection) -> list[tuple[str, str]]:
    rules = ArchiveRuleRow.__table__
    return [(row.analyzer_arn, row.rule_name)
            for row in connection.execute(select(rules.c.analyzer_arn, rules.c.rule_name, rules.c.filter))
            if not row.filter]
