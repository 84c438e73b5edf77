"""The monitor: keeps an analyzer's findings current, and its notifications flowing.

- ``LiveMonitor``: an account Region collected in ``OUT/<region>/`` (``accessproof collect``). It reads
  CloudTrail management events of permission-changing calls (``changes``) from an SQS queue that an
  EventBridge rule feeds, re-reads only the resource an event names (``inventory.collect.refresh``),
  re-analyses it and records it; a full collection and analysis runs every ``rescan_interval`` (24 h,
  as AWS rescans) to catch what events miss. An event is deleted from the queue only once its
  analysis is committed: a crash, a failed read or a restart leaves it for the next receive, and
  analysing a resource twice changes nothing (findings are matched by access).
- ``LocalMonitor``: a snapshot folder on disk, polled for changes: editing a policy file re-analyses the
  snapshot (unchanged configurations come from the analyzer's cache).

Both record through ``FindingsStore`` (whose transactions enqueue the notifications) and then run the
``Deliverer``. What must survive a restart lives in the database: findings, the outbox, the time of the
last full scan (``MonitorState``).
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional

from ..analyzers.external import ExternalAccessAnalyzer, ZoneOfTrust
from ..analyzers.external_service import ExternalAccessService
from ..findings import FindingsStore
from ..findings.errors import NotFoundError
from ..findings.lifecycle import Reconciliation
from ..findings.model import Analyzer, ResourceAnalysis, utc_now
from ..findings.outbox import MonitorState
from ..integrations.outbox import Deliverer
from ..inventory import Snapshot, SnapshotError, load_snapshot
from ..inventory.jsonread import read_object
from ..inventory.collect import CallFailed, CollectOptions, ResourceGone, collect_to
from ..inventory.collect.base import ClientFactory, RegionContext, Responses, directory_name
from ..inventory.collect.account import caller_account
from ..inventory.collect.refresh import load_resources, refresh, replace_directory
from ..inventory.collect.registry import BY_TYPE
from ..inventory.collect import ec2_snapshot, iam_role
from ..untrusted import loads
from . import changes

FAULT_VARIABLE = "ACCESSPROOF_FAULT"
Log = Callable[[str], None]


def fault_point(name: str) -> None:
    """Fault injection for the crash tests: with ``ACCESSPROOF_FAULT=<name>`` the process is killed
    (SIGKILL: no cleanup, no atexit) at this point."""
    if os.environ.get(FAULT_VARIABLE) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def cloudtrail_record(body: str) -> Optional[dict[str, Any]]:
    """The CloudTrail record in an SQS message: an EventBridge event (``detail`` is the record, as
    an SQS target of a rule receives it) or a bare record. None for anything else."""
    try:
        message = loads(body)  # within limits: anyone allowed to send to the queue writes it
    except (TypeError, ValueError):
        return None
    if not isinstance(message, dict):
        return None
    detail = message.get("detail")
    if isinstance(detail, dict) and "eventSource" in detail:
        record = dict(detail)
        record.setdefault("awsRegion", message.get("region"))
        return record
    return message if "eventSource" in message and "eventName" in message else None


def _describe(outcome: Reconciliation) -> str:
    return f"{len(outcome.opened)} new, {len(outcome.resolved)} resolved, {len(outcome.kept)} unchanged"


def ensure_analyzer(store: FindingsStore, name: str, zone: str) -> Analyzer:
    try:
        analyzer = store.get_analyzer(name)
    except NotFoundError:
        analyzer = store.create_analyzer(name, zone)
    if analyzer.type != zone:
        raise ValueError(f"analyzer {name} is a {analyzer.type} analyzer, not {zone}")
    return analyzer


@dataclass
class LiveMonitor:
    clients: ClientFactory
    out: Path  # the collection folder: the snapshot is out/<region>
    region: str
    queue_url: str
    store: FindingsStore
    analyzer_name: str
    zone: str = "ACCOUNT"
    deliverer: Optional[Deliverer] = None
    rescan_interval: timedelta = timedelta(hours=24)
    wait_seconds: int = 10
    visibility_timeout: int = 60
    workers: int = 8
    clock: Callable[[], datetime] = utc_now
    log: Log = print
    _account: Optional[tuple[str, str]] = None
    _analyzers: dict[ZoneOfTrust, ExternalAccessAnalyzer] = field(default_factory=dict)
    _retry_rescan_at: Optional[datetime] = None

    @property
    def root(self) -> Path:
        return self.out / self.region

    @property
    def _state_name(self) -> str:
        return f"live:{self.store.analyzer_arn(self.analyzer_name)}:{self.region}"

    def _state(self) -> MonitorState:
        return MonitorState(self.store.engine, clock=self.clock)

    def account(self) -> tuple[str, str]:
        if self._account is None:
            self._account = caller_account(self.clients, self.region)
        return self._account

    def _ctx(self, region: Optional[str] = None) -> RegionContext:
        account_id, partition = self.account()
        return RegionContext(self.clients, account_id, partition, region or self.region)

    # --- full scans ----------------------------------------------------------------------------

    def rescan_due(self) -> bool:
        now = self.clock()
        if self._retry_rescan_at is not None and now < self._retry_rescan_at:
            return False
        if not (self.root / "account.json").is_file():
            return True
        last = self._state().get(self._state_name)
        if not last or not last.get("complete"):
            return True
        return datetime.fromisoformat(last["at"]) + self.rescan_interval <= now

    def full_rescan(self) -> Optional[Reconciliation]:
        """Collect the Region afresh and record a complete analysis (an incomplete collection records
        what it read, and resolves nothing: a resource it could not read may still grant access)."""
        analyzer = ensure_analyzer(self.store, self.analyzer_name, self.zone)
        started = self.clock()
        try:
            report = collect_to(self.clients, self.out, CollectOptions((self.region,), self.workers, activity=False,
                                                                       home_region=self.region))
            snapshot = load_snapshot(self.root)
        except (CallFailed, SnapshotError) as e:
            self._retry_rescan_at = self.clock() + timedelta(minutes=5)
            self.log(f"full scan failed, retrying in 5 minutes: {e}")
            return None
        for failure in report.failures:
            self.log(f"full scan could not read: {failure}")
        results = self._analyzer(snapshot).analyze_snapshot(snapshot)
        outcome = self.store.record_analysis(analyzer.arn, results, complete=report.complete,
                                             started_after=analyzer.analyses_recorded)
        fault_point("after-record")
        self._state().put(self._state_name, {"at": started.isoformat(), "complete": report.complete})
        self._retry_rescan_at = None if report.complete else self.clock() + timedelta(minutes=15)
        self.log(f"full scan of {self.region}: {len(results)} resources, {_describe(outcome)}")
        return outcome

    def _analyzer(self, snapshot: Snapshot) -> ExternalAccessAnalyzer:
        zone = ZoneOfTrust.of(snapshot.account, self.zone)
        if zone not in self._analyzers:
            self._analyzers[zone] = ExternalAccessAnalyzer(zone)
        return self._analyzers[zone]

    # --- events --------------------------------------------------------------------------------

    def handle(self, record: Mapping[str, Any]) -> bool:
        """Act on one CloudTrail record; True when done (the message may go), False to retry later."""
        found = changes.targets(record)
        name = changes.event_name(record)
        mine = [t for t in found if t.region == self.region or record.get("eventSource") in changes.GLOBAL_EVENT_SOURCES]
        if not mine:
            return True
        analyzer = ensure_analyzer(self.store, self.analyzer_name, self.zone)
        try:
            analyses: list[ResourceAnalysis] = []
            complete_rescan = False
            for target in mine:
                if target.kind == "scope":
                    self._refresh_shared(target.resource_type)
                    complete_rescan = True
                else:
                    analyses += self._refresh_resource(target)
        except CallFailed as e:
            self.log(f"{name}: could not read the resource, retrying later: {e}")
            return False
        except SnapshotError as e:
            self.log(f"{name}: the snapshot does not load, retrying later: {e}")
            return False
        if complete_rescan:
            snapshot = load_snapshot(self.root)
            outcome = self.store.record_analysis(analyzer.arn, self._analyzer(snapshot).analyze_snapshot(snapshot),
                                                 complete=True, started_after=analyzer.analyses_recorded)
        else:
            outcome = self.store.record_analysis(analyzer.arn, analyses, complete=False,
                                                 started_after=analyzer.analyses_recorded)
        fault_point("after-record")
        what = ", ".join(sorted({r.resource for r in analyses})) or "every resource"
        self.log(f"{name} → {what}: {_describe(outcome)}")
        return True

    def _refresh_shared(self, scope: str) -> None:
        ctx = self._ctx()
        if scope == changes.ACCOUNT_S3_BLOCK_PUBLIC_ACCESS:
            files = Responses()
            files.call("get-public-access-block.json", ctx.client("s3control").get_public_access_block,
                       AccountId=ctx.account_id)
            replace_directory(self.root, ("s3control",), files)
        else:
            ec2_files = ec2_snapshot.region_files(ctx)
            for name, content in ec2_files.files.items():
                (self.root / "ec2").mkdir(exist_ok=True)
                for stale in ("get-snapshot-block-public-access-state.json", "get-snapshot-block-public-access-state.error"):
                    (self.root / "ec2" / stale).unlink(missing_ok=True)
                (self.root / "ec2" / name).write_bytes(content)

    def _refresh_resource(self, target: changes.Target) -> list[ResourceAnalysis]:
        if target.resource_type == "AWS::IAM::Role":
            return self._refresh_role(target.identifier)
        module = BY_TYPE[target.resource_type]
        ctx = self._ctx(target.region or self.region)
        identifier = target.identifier
        if identifier.startswith("accesspoint:"):
            bucket = self._bucket_of_access_point(identifier.split(":", 1)[1])
            if bucket is None:
                return []
            identifier = bucket
        try:
            ref = module.ref_for(ctx, identifier)
        except ResourceGone:
            directory = _gone_directory(target.resource_type, identifier)
            if directory is None:
                return []
            before = self._loaded(directory)
            replace_directory(self.root, directory, None)
            return [ResourceAnalysis(r.arn, r.resource_type, r.account_id) for r in before]
        if ref.region != self.region:
            return []  # a bucket of another Region: that Region's monitor
        before = self._loaded(ref.directory)
        refresh(ctx, ref, self.root)
        after = load_resources(self.root, ref.directory)
        analyzer = self._analyzer(after) if after.resources else None
        results = [analyzer.analyze(r) for r in after.resources] if analyzer else []
        now_arns = {r.arn for r in after.resources}
        return results + [ResourceAnalysis(r.arn, r.resource_type, r.account_id) for r in before if r.arn not in now_arns]

    def _loaded(self, directory: Iterable[str]) -> tuple:
        return load_resources(self.root, tuple(directory)).resources

    def _refresh_role(self, role_name: str) -> list[ResourceAnalysis]:
        before = [r for r in self._loaded(("iam",)) if getattr(r, "name", None) == role_name]
        iam_role.refresh_role(self._ctx(), role_name, [self.root / "iam"])
        after = load_resources(self.root, ("iam",))
        mine = [r for r in after.resources if getattr(r, "name", None) == role_name]
        analyzer = self._analyzer(after)
        arns = {r.arn for r in mine}
        return [analyzer.analyze(r) for r in mine] + [
            ResourceAnalysis(r.arn, r.resource_type, r.account_id) for r in before if r.arn not in arns]

    def _bucket_of_access_point(self, name: str) -> Optional[str]:
        s3 = self.root / "s3"
        for listing in sorted(s3.glob("*/list-access-points.json")) if s3.is_dir() else []:
            points = read_object(listing).get("AccessPointList")
            if isinstance(points, list) and any(isinstance(p, dict) and p.get("Name") == name for p in points):
                return listing.parent.name
        return None

    # --- the loop -------------------------------------------------------------------------------

    def deliver(self) -> None:
        if self.deliverer is not None:
            self.deliverer.deliver_all_due()

    def poll(self, wait_seconds: Optional[int] = None) -> int:
        """One receive from the queue; returns how many messages it handled."""
        sqs = self.clients("sqs", self.region)
        response = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10,
                                       WaitTimeSeconds=self.wait_seconds if wait_seconds is None else wait_seconds,
                                       VisibilityTimeout=self.visibility_timeout)
        messages = response.get("Messages", [])
        for message in messages:
            record = cloudtrail_record(message.get("Body", ""))
            if record is None:
                self.log(f"message {message.get('MessageId')}: not a CloudTrail event; dropped")
                done = True
            else:
                done = self.handle(record)
            if done:
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        if messages:
            self.deliver()
        return len(messages)

    def start(self) -> None:
        ensure_analyzer(self.store, self.analyzer_name, self.zone)
        self.deliver()  # what a previous run committed and did not send
        if self.rescan_due():
            self.full_rescan()
            self.deliver()

    def run_once(self) -> None:
        """Everything queued now, then the deliveries due; returns (cron, tests)."""
        self.start()
        while self.poll(wait_seconds=1):
            pass
        self.deliver()

    def run_forever(self, should_stop: Callable[[], bool] = lambda: False) -> None:
        self.start()
        while not should_stop():
            self.poll()
            self.deliver()
            if self.rescan_due():
                self.full_rescan()
                self.deliver()


def _gone_directory(resource_type: str, identifier: str) -> Optional[tuple[str, ...]]:
    """The directory of a resource an event names, when it no longer exists to be asked."""
    if resource_type == "AWS::S3::Bucket":
        return ("s3", identifier.split(":::", 1)[-1])
    if resource_type == "AWS::SecretsManager::Secret":
        name = identifier.split(":secret:", 1)[1].rsplit("-", 1)[0] if identifier.startswith("arn:") else identifier
        return ("secretsmanager", directory_name(name))
    if resource_type == "AWS::SQS::Queue":
        return ("sqs", identifier.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1])
    return None


def tree_signature(root: Path) -> tuple:
    """What changes when any file under ``root`` is added, removed or rewritten."""
    entries: list[tuple[str, int, int]] = []
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            with os.scandir(directory) as it:
                for entry in it:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(Path(entry.path))
                    else:
                        info = entry.stat(follow_symlinks=False)
                        entries.append((entry.path, info.st_mtime_ns, info.st_size))
        except FileNotFoundError:
            continue
    return tuple(sorted(entries))


@dataclass
class LocalMonitor:
    snapshot: Path
    store: FindingsStore
    analyzer_name: str
    zone: str = "ACCOUNT"
    deliverer: Optional[Deliverer] = None
    poll_seconds: float = 1.0
    clock: Callable[[], datetime] = utc_now
    log: Log = print
    _service: Optional[ExternalAccessService] = None
    _seen: Optional[tuple] = None

    def step(self) -> Optional[Reconciliation]:
        """Analyse the snapshot if anything in it changed since the last look; deliver what is due."""
        signature = tree_signature(self.snapshot)
        outcome = None
        if signature != self._seen:
            self._seen = signature
            analyzer = ensure_analyzer(self.store, self.analyzer_name, self.zone)
            if self._service is None:
                self._service = ExternalAccessService(self.store, (str(self.snapshot),), self.clock)
            try:
                count, outcome = self._service.analyze(analyzer.arn)
            except SnapshotError as e:
                self.log(f"snapshot does not load (waiting for the next change): {e}")
            else:
                fault_point("after-record")
                self.log(f"{self.snapshot}: {count} resources, {_describe(outcome)}")
        if self.deliverer is not None:
            self.deliverer.deliver_all_due()
        return outcome

    def run_forever(self, should_stop: Callable[[], bool] = lambda: False) -> None:
        while not should_stop():
            self.step()
            time.sleep(self.poll_seconds)
