"""Policy generation jobs: stored through SQLAlchemy, run in the background.

``JobStore`` keeps one row per job (a SQLite file by default, any SQLAlchemy URL or Engine
otherwise). ``JobRunner`` runs jobs on a worker thread; cancelling a job interrupts its DuckDB
scan. A job stores both renderings of its result, with and without resource placeholders,
because GetGeneratedPolicy chooses ``includeResourcePlaceholders`` when it reads the result.
"""

from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Optional, Union

from sqlalchemy import DateTime, String, Text, create_engine, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import StaticPool
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

IN_PROGRESS, SUCCEEDED, FAILED, CANCELED = "IN_PROGRESS", "SUCCEEDED", "FAILED", "CANCELED"
# The same default file as the findings store (accessproof.findings.db): one database per working directory.
DEFAULT_DB = Path("accessproof.db")


class Base(DeclarativeBase):
    pass


class PolicyGenerationJob(Base):
    __tablename__ = "policy_generation_jobs"

    job_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    principal_arn: Mapped[str] = mapped_column(String(2048), index=True)
    client_token: Mapped[Optional[str]] = mapped_column(String(128), index=True, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    started_on: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_on: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True), nullable=True)
    request: Mapped[str] = mapped_column(Text)  # the cloudTrailDetails, as JSON
    result: Mapped[Optional[str]] = mapped_column(Text, nullable=True)  # without placeholders
    result_with_placeholders: Mapped[Optional[str]] = mapped_column(Text, nullable=True)
    error_code: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    error_message: Mapped[Optional[str]] = mapped_column(Text, nullable=True)


@dataclass(frozen=True)
class JobRecord:
    job_id: str
    principal_arn: str
    status: str
    started_on: datetime
    completed_on: Optional[datetime]
    request: dict
    result: Optional[dict]
    result_with_placeholders: Optional[dict]
    error_code: Optional[str]
    error_message: Optional[str]
    client_token: Optional[str]


def _utc(value: Optional[datetime]) -> Optional[datetime]:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _record(row: PolicyGenerationJob) -> JobRecord:
    return JobRecord(row.job_id, row.principal_arn, row.status, _utc(row.started_on), _utc(row.completed_on),  # type: ignore[arg-type]
                     json.loads(row.request), json.loads(row.result) if row.result else None,
                     json.loads(row.result_with_placeholders) if row.result_with_placeholders else None,
                     row.error_code, row.error_message, row.client_token)


def make_engine(url: Union[str, Engine, None]) -> Engine:
    if isinstance(url, Engine):
        return url
    if url is None:
        url = f"sqlite:///{DEFAULT_DB}"
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        # One in-memory database shared by the caller's thread and the job threads.
        return create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    return create_engine(url)


class JobStore:
    def __init__(self, engine: Union[str, Engine, None] = None):
        self.engine = make_engine(engine)
        Base.metadata.create_all(self.engine)
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    def create(self, principal_arn: str, request: dict, client_token: Optional[str]) -> JobRecord:
        with self._session.begin() as s:
            if client_token:
                found = s.scalars(select(PolicyGenerationJob).where(
                    PolicyGenerationJob.client_token == client_token,
                    PolicyGenerationJob.principal_arn == principal_arn)).first()
                if found is not None:
                    return _record(found)
            row = PolicyGenerationJob(job_id=str(uuid.uuid4()), principal_arn=principal_arn, client_token=client_token,
                                      status=IN_PROGRESS, started_on=datetime.now(timezone.utc),
                                      request=json.dumps(request, default=str))
            s.add(row)
            s.flush()
            return _record(row)

    def get(self, job_id: str) -> Optional[JobRecord]:
        with self._session() as s:
            row = s.get(PolicyGenerationJob, job_id)
            return _record(row) if row is not None else None

    def list(self, principal_arn: Optional[str] = None, since: Optional[datetime] = None) -> list[JobRecord]:
        with self._session() as s:
            query = select(PolicyGenerationJob).order_by(PolicyGenerationJob.started_on.desc())
            if principal_arn:
                query = query.where(PolicyGenerationJob.principal_arn == principal_arn)
            rows = [_record(r) for r in s.scalars(query)]
        return [r for r in rows if since is None or r.started_on >= since]

    def finish(self, job_id: str, status: str, result: Optional[dict] = None, with_placeholders: Optional[dict] = None,
               error_code: Optional[str] = None, error_message: Optional[str] = None) -> bool:
        """Set the final state, unless the job already has one (a cancel wins over a late result)."""
        with self._session.begin() as s:
            row = s.get(PolicyGenerationJob, job_id)
            if row is None or row.status != IN_PROGRESS:
                return False
            row.status = status
            row.completed_on = datetime.now(timezone.utc)
            row.result = json.dumps(result) if result is not None else None
            row.result_with_placeholders = json.dumps(with_placeholders) if with_placeholders is not None else None
            row.error_code, row.error_message = error_code, error_message
            return True


# JobErrorCode for a trail's logs that cannot be listed or fetched (s3.TrailAccessError.kind).
_ACCESS_ERROR_CODES = {"authorization": "AUTHORIZATION_ERROR", "not_found": "RESOURCE_NOT_FOUND_ERROR"}


def job_error_code(error: Exception) -> str:
    """JobErrorCode: a trail without a configured location, a missing folder or bucket is
    RESOURCE_NOT_FOUND_ERROR; missing credentials or access denied AUTHORIZATION_ERROR; anything
    else SERVICE_ERROR."""
    from .s3 import TrailAccessError

    if isinstance(error, FileNotFoundError):
        return "RESOURCE_NOT_FOUND_ERROR"
    if isinstance(error, TrailAccessError):
        return _ACCESS_ERROR_CODES.get(error.kind, "SERVICE_ERROR")
    return "SERVICE_ERROR"


class JobRunner:
    """Runs jobs on background threads; ``cancel`` stops a running scan."""

    def __init__(self, store: JobStore, workers: int = 1):
        self.store = store
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="accessproof-generation")
        self._cancel: dict[str, threading.Event] = {}
        self._futures: dict[str, object] = {}

    def submit(self, job_id: str, work: Callable[[Callable[[], bool]], tuple[dict, dict]]) -> None:
        flag = self._cancel.setdefault(job_id, threading.Event())

        def run() -> None:
            try:
                plain, placeholders = work(flag.is_set)
            except Exception as e:  # noqa: BLE001 - a job records its failure instead of raising
                if flag.is_set():
                    return
                self.store.finish(job_id, FAILED, error_code=job_error_code(e), error_message=str(e))
                return
            if not flag.is_set():
                self.store.finish(job_id, SUCCEEDED, plain, placeholders)

        self._futures[job_id] = self._pool.submit(run)

    def cancel(self, job_id: str) -> None:
        self._cancel.setdefault(job_id, threading.Event()).set()
        self.store.finish(job_id, CANCELED)

    def wait(self, job_id: str, timeout: Optional[float] = None) -> None:
        future = self._futures.get(job_id)
        if future is not None:
            future.result(timeout)  # type: ignore[attr-defined]
