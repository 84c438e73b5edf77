"""Where findings live: a SQLAlchemy engine on a SQLite file (default) or PostgreSQL, and the schema.

``make_engine(url)`` checks the URL, ``create_schema(engine)`` connects and creates the tables (it
is the first place an unreachable database shows). Every failure becomes a ``DatabaseError`` with
a one-line message that names the URL without its password: a user sees "cannot reach database
postgresql://app:***@db/findings: connection refused", never a traceback.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator, Optional, Union

from sqlalchemy import (
    JSON, Boolean, DateTime, ForeignKey, ForeignKeyConstraint, Index, String, Text, create_engine, event,
)
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .errors import DatabaseError, DatabaseUnavailableError, DatabaseURLError

DEFAULT_DATABASE_FILE = "accessproof.db"
# Seconds to wait for a PostgreSQL server before calling it unreachable.
CONNECT_TIMEOUT_SECONDS = 5
# Seconds a SQLite writer waits for another writer's lock.
SQLITE_BUSY_TIMEOUT_SECONDS = 30
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


def make_engine(url: Optional[str], *, default_path: Union[str, Path] = DEFAULT_DATABASE_FILE) -> Engine:
    """An engine for ``url``, or for the SQLite file ``default_path`` when ``url`` is None.

    Raises DatabaseURLError for a malformed URL or a database kind without an installed driver.
    Does not connect: ``create_schema`` does.
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
    except DBAPIError as error:
        if error.connection_invalidated or isinstance(error.orig, _connection_error_types(engine)):
            raise DatabaseUnavailableError(f"cannot reach database {redacted(engine.url)}: {_first_line(error)}") from None
        raise DatabaseError(f"database error on {redacted(engine.url)}: {_first_line(error)}") from None
    except SQLAlchemyError as error:
        raise DatabaseError(f"database error on {redacted(engine.url)}: {_first_line(error)}") from None


def _connection_error_types(engine: Engine) -> tuple[type, ...]:
    dbapi = engine.dialect.dbapi
    return tuple(t for t in (getattr(dbapi, "OperationalError", None), getattr(dbapi, "InterfaceError", None)) if t)


class Base(DeclarativeBase):
    type_annotation_map = {
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


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


class ArchiveRuleRow(Base):
    __tablename__ = "archive_rules"

    analyzer_arn: Mapped[str] = mapped_column(Text, ForeignKey("analyzers.arn", ondelete="CASCADE"), primary_key=True)
    rule_name: Mapped[str] = mapped_column(String(255), primary_key=True)
    filter: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class FindingRow(Base):
    __tablename__ = "findings"
    __table_args__ = (
        Index("ix_findings_analyzer_resource", "analyzer_arn", "resource"),
        Index("ix_findings_analyzer_key", "analyzer_arn", "key"),
        Index("ix_findings_analyzer_status", "analyzer_arn", "status"),
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


class ServiceLinkedAnalyzerRow(Base):
    """The AWS service that manages a service-linked analyzer (CreateServiceLinkedAnalyzer)."""

    __tablename__ = "service_linked_analyzers"

    analyzer_arn: Mapped[str] = mapped_column(Text, ForeignKey("analyzers.arn", ondelete="CASCADE"), primary_key=True)
    managed_by: Mapped[str] = mapped_column(String(255))


def create_schema(engine: Engine) -> None:
    """Connect and create the tables that do not exist yet (idempotent)."""
    with database_errors(engine):
        Base.metadata.create_all(engine)


def drop_schema(engine: Engine) -> None:
    """Drop every table of ours (tests, and ``reset`` commands)."""
    with database_errors(engine):
        Base.metadata.drop_all(engine)
