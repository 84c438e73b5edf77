"""CreateAnalyzer's first analysis of the snapshot as a job, with AWS's analyzer lifecycle.

AWS answers CreateAnalyzer at once and scans the account afterwards: the analyzer is ``CREATING``,
then ``ACTIVE`` (or ``FAILED``). ``accessproof serve`` does the same (``analyze_in_background``
configuration), so that a large snapshot never holds a request past its deadline; the in-process
client keeps analysing before it answers unless configured otherwise. The snapshot is read and the
zone of trust checked before the analyzer is created, so bad input is still an immediate
ValidationException.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Mapping, Optional, Sequence

from sqlalchemy import update

from ..findings.db import AnalyzerRow
from ..findings.errors import ValidationError
from ..findings.model import Analyzer
from ..findings.store import FindingsStore

log = logging.getLogger("accessproof.serve")
CREATING, ACTIVE, FAILED = "CREATING", "ACTIVE", "FAILED"


def set_status(store: FindingsStore, arn: str, status: str) -> None:
    with store._transaction(write=True) as session:
        session.execute(update(AnalyzerRow).where(AnalyzerRow.arn == arn).values(status=status))


class InitialScans:
    """Runs the first analysis of each new external access analyzer on a background thread,
    under ``lock`` (the engine's, see ``application.REASONING_LOCK``)."""

    def __init__(self, lock: Any):
        self._lock = lock
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="accessproof-analysis")
        self._jobs: dict[str, Future] = {}
        self._jobs_lock = threading.Lock()

    def create(self, external: Any, name: str, analyzer_type: str,
               archive_rules: Optional[Sequence[Mapping[str, Any]]], tags: Optional[Mapping[str, str]]) -> Analyzer:
        from ..analyzers.external import ZoneOfTrust

        snapshots = external.snapshots() if external.paths else []
        for snapshot in snapshots:
            try:
                ZoneOfTrust.of(snapshot.account, analyzer_type)
            except ValueError as e:
                raise ValidationError(f"{snapshot.path}: {e}") from None
        created = external.store.create_analyzer(name, analyzer_type, archive_rules=archive_rules, tags=tags)
        if not snapshots:
            return created
        set_status(external.store, created.arn, CREATING)

        def scan() -> None:
            try:
                with self._lock:
                    external.analyze(created.arn)
            except Exception:  # noqa: BLE001 - the analyzer says FAILED; the log says why
                log.exception("the first analysis of analyzer %s failed", created.arn)
                set_status(external.store, created.arn, FAILED)
                return
            set_status(external.store, created.arn, ACTIVE)

        with self._jobs_lock:
            self._jobs[created.arn] = self._pool.submit(scan)
        return created

    def wait(self, arn: str, timeout: Optional[float] = None) -> None:
        with self._jobs_lock:
            job = self._jobs.get(arn)
        if job is not None:
            job.result(timeout)
