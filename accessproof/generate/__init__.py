"""Policy generation from CloudTrail logs: least-privilege policies from recorded activity.

``generate_policy`` runs the whole pipeline: find the log files (``sources``), read them in
place with DuckDB (``reader``), map the calls to IAM actions and resources (``mapping``,
``arns``, ``generator``), group and split the statements (``policy``), validate the output, and
optionally refine it against an existing policy with a proof (``refine``). The result renders
as GetGeneratedPolicy's ``generatedPolicyResult``, plus an ``accessproof`` report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Optional, Sequence

from ..catalog import Catalog, default_catalog
from ..parallel import Executor, split
from .collect import DownloadFolder, discover
from .generator import Mapper, default_window_start, in_window, tally_usage
from .policy import build_statements, denied_actions, policy_text, split_policies
from .reader import Activity, PrincipalSelector, read_activity
from .refine import Refinement, refine
from .sources import DEFAULT_MAX_FILE_BYTES, Discovery, FileProblem

__all__ = ["GenerationResult", "PrincipalSelector", "check_time_range", "generate_for_principals", "generate_policy",
           "generate_from_activity", "split_activity"]

BLOCKING_FINDINGS = ("ERROR", "SECURITY_WARNING")


@dataclass
class TrailSource:
    """Where logs came from: a trail ARN (client) or the path given (CLI), and its Regions."""

    name: str
    regions: Optional[tuple[str, ...]] = None

    def as_dict(self) -> dict:
        out: dict = {"cloudTrailArn": self.name, "allRegions": self.regions is None}
        if self.regions is not None:
            out["regions"] = list(self.regions)
        return out


@dataclass
class GenerationResult:
    principal_arn: str
    documents: list[dict]
    start: Optional[datetime]
    end: Optional[datetime]
    trails: list[TrailSource]
    problems: list[FileProblem] = field(default_factory=list)
    unmapped: list[dict] = field(default_factory=list)
    no_permission: list[dict] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)  # ERROR / SECURITY_WARNING of the output (none expected)
    refinement: Optional[Refinement] = None
    events_read: int = 0
    calls_selected: int = 0
    calls_outside: int = 0  # calls of the principal read but outside the time range
    files_read: int = 0

    @property
    def is_complete(self) -> bool:
        """AWS: true "if the generated policy contains all possible actions for a service that IAM
        Access Analyzer identified". Here: no file was skipped and every call was mapped."""
        return not self.problems and not self.unmapped

    def generated_policy_result(self) -> dict:
        properties: dict = {"isComplete": self.is_complete, "principalArn": self.principal_arn,
                            "cloudTrailProperties": {"trailProperties": [t.as_dict() for t in self.trails]}}
        if self.start is not None:
            properties["cloudTrailProperties"]["startTime"] = _iso(self.start)
        if self.end is not None:
            properties["cloudTrailProperties"]["endTime"] = _iso(self.end)
        report: dict = {
            "eventsRead": self.events_read, "callsOfPrincipal": self.calls_selected,
            "callsOutsideTimeRange": self.calls_outside, "filesRead": self.files_read,
            "skippedFiles": [p.as_dict() for p in self.problems],
            "unmappedEvents": self.unmapped, "noPermissionEvents": self.no_permission,
            "deniedActions": denied_actions(self.documents),
            "validation": self.findings,
        }
        if self.refinement is not None:
            report["refinement"] = self.refinement.as_dict()
        return {"generatedPolicies": [{"policy": policy_text(d)} for d in self.documents],
                "properties": properties, "accessproof": report}


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _validation_findings(documents: list[dict], catalog: Catalog) -> list[dict]:
    from ..validate.engine import finding_dict, validate_policy

    out = []
    for i, document in enumerate(documents):
        found, index = validate_policy(policy_text(document), "IDENTITY_POLICY", catalog=catalog)
        for f in found:
            if f.finding_type in BLOCKING_FINDINGS:
                out.append({"policyIndex": i, **finding_dict(f, index)})
    return out


def generate_from_activity(principal_arn: str, activity: Activity, *, start: Optional[datetime] = None,
                           end: Optional[datetime] = None, include_placeholders: bool = False,
                           existing_policy: Optional[str] = None, trails: Sequence[TrailSource] = (),
                           catalog: Optional[Catalog] = None, validate: bool = True) -> GenerationResult:
    """Generate from activity already read (the activity may hold other principals too)."""
    catalog = catalog or default_catalog()
    selector = PrincipalSelector.parse(principal_arn)
    first_day = None
    if start is None and activity.data_end is not None:
        first_day = default_window_start(activity.data_end)
        start = datetime.combine(first_day, datetime.min.time(), tzinfo=timezone.utc)
    if end is None:
        end = activity.data_end
    mine = [g for g in activity.groups if _belongs(g.principal, g.caller, selector)]
    naive_start, naive_end = _naive_utc(start), _naive_utc(end)
    groups = [g for g in mine if in_window(g, first_day) and (naive_start is None or g.last_seen >= naive_start)
              and (naive_end is None or g.first_seen <= naive_end)]
    usage = tally_usage(groups, Mapper(catalog, selector.partition, include_placeholders))
    documents = split_policies(build_statements(usage.uses.values()))
    result = GenerationResult(
        principal_arn, documents, start, end, list(trails), list(activity.problems),
        unmapped=[t.as_dict() for t in sorted(usage.unmapped.values(), key=lambda t: (t.event_source, t.event_name))],
        no_permission=[t.as_dict() for t in sorted(usage.no_permission.values(), key=lambda t: (t.event_source, t.event_name))],
        events_read=activity.events_read, calls_selected=usage.calls, files_read=activity.files_read,
        calls_outside=sum(g.count for g in mine) - usage.calls)
    if existing_policy is not None:
        result.refinement = refine(documents, existing_policy, catalog)
        result.documents = result.refinement.documents
    if validate:
        result.findings = _validation_findings(result.documents, catalog)
    return result


def _naive_utc(value: Optional[datetime]) -> Optional[datetime]:
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value is not None else None


def split_activity(activity: Activity, principal_arns: Sequence[str]) -> dict[str, Activity]:
    """The activity of many principals read in one scan (``read_activity`` without a selector),
    split into each principal's: the groups that can belong to it (``_belongs`` decides, in
    ``generate_from_activity``), in their order, found through indexes (cost: the groups once,
    plus each principal's own), with the scan's totals. Generating from each gives what one scan
    per principal gives."""
    by_principal: dict[str, list[int]] = {}
    by_caller: dict[str, list[int]] = {}
    by_session_role: dict[str, list[int]] = {}
    for index, group in enumerate(activity.groups):
        by_principal.setdefault(group.principal, []).append(index)
        by_caller.setdefault(group.caller, []).append(index)
        prefix = _session_prefix_of(group.caller)
        if prefix is not None:
            by_session_role.setdefault(prefix, []).append(index)
    out: dict[str, Activity] = {}
    for arn in principal_arns:
        selector = PrincipalSelector.parse(arn)
        chosen = set(by_principal.get(arn, ())) | set(by_caller.get(arn, ()))
        if selector.kind == "role":
            chosen |= set(by_session_role.get(selector.session_prefix, ()))
        out[arn] = Activity(groups=[activity.groups[i] for i in sorted(chosen)], problems=list(activity.problems),
                            data_end=activity.data_end, events_read=activity.events_read,
                            files_read=activity.files_read)
    return out


@dataclass(frozen=True)
class GenerationJob:
    """One principal's generation from its share of a scan (``split_activity``), for a worker."""

    principal_arn: str
    activity: Activity
    start: Optional[datetime]
    end: Optional[datetime]
    include_placeholders: bool
    trails: tuple[TrailSource, ...]


def run_jobs(jobs: Sequence[GenerationJob]) -> list[GenerationResult]:
    """Generate for each job, in order (a worker's task: module level, to be pickled)."""
    return [generate_from_activity(job.principal_arn, job.activity, start=job.start, end=job.end,
                                   include_placeholders=job.include_placeholders, trails=job.trails)
            for job in jobs]


# Fewer principals than this are generated in this process: starting workers costs more.
PARALLEL_MIN_PRINCIPALS = 16
JOBS_PER_WORKER = 4


def generate_for_principals(activity: Activity, principal_arns: Sequence[str], *, start: Optional[datetime] = None,
                            end: Optional[datetime] = None, include_placeholders: bool = False,
                            trails: Sequence[TrailSource] = (),
                            executor: Optional[Executor] = None) -> Iterator[GenerationResult]:
    """Each principal's result from one scan's ``activity``, in the order of ``principal_arns`` —
    what ``generate_from_activity`` gives for each alone — spread over the executor's workers
    (``accessproof.parallel``) when there are many principals."""
    shares = split_activity(activity, principal_arns)
    jobs = [GenerationJob(arn, shares[arn], start, end, include_placeholders, tuple(trails)) for arn in shares]
    if executor is None or executor.workers < 2 or len(jobs) < PARALLEL_MIN_PRINCIPALS:
        for job in jobs:
            yield from run_jobs([job])
        return
    shards = split(jobs, executor.workers * JOBS_PER_WORKER)
    for part in executor.map(run_jobs, shards, lambda i: f"{len(shards[i])} principals from {shards[i][0].principal_arn}"):
        yield from part


def _session_prefix_of(caller: str) -> Optional[str]:
    """``arn:aws:sts::<account>:assumed-role/<name>/`` of a role session's ARN, else None."""
    head, marker, rest = caller.partition(":assumed-role/")
    if not marker or not head.startswith("arn:") or "/" not in rest:
        return None
    return f"{head}{marker}{rest.split('/', 1)[0]}/"


def _belongs(principal: str, caller: str, selector: PrincipalSelector) -> bool:
    if principal == selector.arn or caller == selector.arn:
        return True
    return selector.kind == "role" and caller.startswith(selector.session_prefix)


def generate_policy(principal_arn: str, paths: Sequence[str], *, start: Optional[datetime] = None,
                    end: Optional[datetime] = None, include_placeholders: bool = False,
                    existing_policy: Optional[str] = None, regions: Optional[Sequence[str]] = None,
                    trail_name: Optional[str] = None, download_dir: Optional[Path] = None,
                    s3_endpoint_url: Optional[str] = None, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
                    on_progress: Optional[Callable[[float], None]] = None,
                    cancelled: Optional[Callable[[], bool]] = None,
                    catalog: Optional[Catalog] = None) -> GenerationResult:
    """Read the logs under ``paths`` and generate the policy of ``principal_arn``.

    ``s3://`` objects are fetched into a temporary folder removed at the end, or into
    ``download_dir`` (kept, and reused by later runs). Raises ``ValueError`` for a bad principal
    ARN or time range, ``FileNotFoundError`` for a missing path, ``s3.TrailAccessError`` when S3
    cannot be used.
    """
    selector = PrincipalSelector.parse(principal_arn)
    check_time_range(start, end)
    region_set = frozenset(regions) if regions else None
    with DownloadFolder(download_dir) as downloads:
        found: Discovery = discover(paths, region_set, start, end, downloads=downloads,
                                    s3_endpoint_url=s3_endpoint_url, max_file_bytes=max_file_bytes)
        activity = read_activity(found.files, selector, start, end, on_progress, cancelled)
    activity.problems[:0] = found.problems
    trails = [TrailSource(trail_name or ", ".join(paths), tuple(regions) if regions else None)]
    return generate_from_activity(principal_arn, activity, start=start, end=end,
                                  include_placeholders=include_placeholders, existing_policy=existing_policy,
                                  trails=trails, catalog=catalog)


def check_time_range(start: Optional[datetime], end: Optional[datetime]) -> None:
    """An end before the start selects nothing: a mistake, never an empty policy."""
    if start is None or end is None:
        return
    start, end = _aware_utc(start), _aware_utc(end)  # naive times are UTC, as in the reader
    if end < start:
        raise ValueError(f"the end time {_iso(end)} is before the start time {_iso(start)}")


def _aware_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def parse_time(text: str) -> datetime:
    """ISO 8601 (``2024-07-30``, ``2024-07-30T21:31:21Z``) as an aware UTC datetime."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def dumps(result: GenerationResult) -> str:
    return json.dumps(result.generated_policy_result(), indent=4)
