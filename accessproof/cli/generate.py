"""``accessproof generate-policy``: a least-privilege policy from CloudTrail logs.

Prints JSON shaped like GetGeneratedPolicy's ``generatedPolicyResult`` (each policy as a JSON
string), plus accessproof's report (skipped files, unmapped events, denied actions, the
refinement proof). Exit status: 0 done; 1 the output has ERROR/SECURITY_WARNING findings or
the refinement could not be proven; 2 bad input (including an end time before the start time,
and ``s3://`` locations that cannot be listed: credentials, network, access denied).
"""

from __future__ import annotations

import re
import signal
import sys
import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator, List, Optional

import typer

from ..generate.sources import DEFAULT_MAX_FILE_BYTES, format_bytes
from .awsmodel import read_document
from .inputs import InputError
from .output import QUERY_HELP, compile_query, print_json
from .workers import make_executor

# What the workers of a many-principal generation import before their first task (once, in the forkserver).
GENERATION_PRELOAD = ("accessproof.generate",)

# Inputs above these show a progress bar on standard error.
PROGRESS_BYTES = 64 * 1024 * 1024
PROGRESS_FILES = 500


def _time(value: Optional[str], option: str) -> Optional[datetime]:
    if value is None:
        return None
    from ..generate import parse_time

    try:
        return parse_time(value)
    except ValueError:
        raise InputError(f"{option}: not an ISO 8601 time: {value!r}") from None


_SIZE = re.compile(r"^\s*(\d+)\s*([KMG]i?B?|B)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def parse_size(text: str) -> int:
    """``134217728``, ``128MiB``, ``128M``, ``2GiB``: bytes (binary units)."""
    m = _SIZE.match(text)
    if m is None or int(m[1]) <= 0:
        raise InputError(f"--max-file-size: expected a positive size such as 256MiB or 1GiB, not {text!r}")
    return int(m[1]) * _UNITS[(m[2] or "")[:1].upper()]


def _progress_bar(total_bytes: int, files: int):
    """A rich progress bar fed by DuckDB's query progress, or None for small inputs."""
    if total_bytes < PROGRESS_BYTES and files < PROGRESS_FILES:
        return None, None
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn(f"reading {files} CloudTrail files"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                        TimeElapsedColumn(), console=Console(stderr=True), transient=True)
    task = progress.add_task("read", total=100)

    def update(percent: float) -> None:
        progress.update(task, completed=percent)

    return progress, update


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """A kill (SIGTERM) unwinds the stack like Ctrl-C, so that ``finally`` blocks run (downloaded
    logs are removed); Python's default would end the process on the spot."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def leave(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, leave)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def generate_policy_command(
    ctx: typer.Context,
    principal_arn: Optional[List[str]] = typer.Option(
        None, "--principal-arn", help="The IAM user or role (its sessions included). Repeat for several: the logs "
                                      "are read once for all, and each gets its policies in --output-dir."),
    cloudtrail: List[str] = typer.Option(..., "--cloudtrail", help="Log files or folders (CloudTrail's S3 layout, "
                                         ".json/.json.gz), or s3://bucket/prefix; more paths may follow."),
    start_time: Optional[str] = typer.Option(None, "--start-time", help="ISO 8601; default: 90 days before the end."),
    end_time: Optional[str] = typer.Option(None, "--end-time", help="ISO 8601; default: the last event in the logs."),
    include_resource_placeholders: bool = typer.Option(False, "--include-resource-placeholders",
                                                       help="ARN templates instead of * where the logs name no resource."),
    existing_policy: Optional[str] = typer.Option(None, "--existing-policy", help="Refine against this policy "
                                                  "(path, file://path or -) and prove no new access."),
    region: Optional[List[str]] = typer.Option(None, "--region", help="Only these Regions (S3 folder layout)."),
    max_file_size: Optional[str] = typer.Option(
        None, "--max-file-size", help=f"Skip (and report) a log file whose content, decompressed, is larger "
                                      f"(default {format_bytes(DEFAULT_MAX_FILE_BYTES)}; e.g. 512MiB, 2GiB): it bounds "
                                      "the memory one file can take (about ten times this). CloudTrail's files are "
                                      "tens of MB at most."),
    download_dir: Optional[Path] = typer.Option(None, "--download-dir",
                                                help="Fetch s3:// logs into this folder and keep them (reused by later "
                                                     "runs); default: a temporary folder, removed at the end."),
    query: Optional[str] = typer.Option(None, "--query", help=QUERY_HELP),
    roles_of: Optional[Path] = typer.Option(None, "--roles-of", help="Generate for every IAM role of this account "
                                            "snapshot (with --output-dir)."),
    output_dir: Optional[Path] = typer.Option(None, "--output-dir", help="Write each principal's result to "
                                              "DIR/<account>_<role-or-user>.json and print a summary (needed for "
                                              "several principals)."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Processes that generate the policies of many "
                                          "principals in parallel (default: every local core; 1: this process only)."),
    ray: Optional[str] = typer.Option(None, "--ray", help="Read the logs in shards of files and generate on the Ray "
                                      "cluster at this address (the logs at the same path on every node). Needs "
                                      "accessproof[ray]."),
) -> None:
    """Generate a least-privilege policy from a principal's recorded CloudTrail activity."""
    from ..generate import PrincipalSelector, check_time_range, generate_from_activity
    from ..generate.collect import DownloadFolder, discover
    from ..generate.reader import read_activity
    from ..generate.refine import ExistingPolicyError
    from ..generate.shards import read_activity_in_shards
    from ..parallel import ShardFailed
    from ..generate.s3 import TrailAccessError
    from ..generate import TrailSource

    expression = compile_query(query)
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1, not {workers}")
    paths = list(cloudtrail) + [a for a in ctx.args]
    principals = list(dict.fromkeys([*(principal_arn or []), *(_roles_of(roles_of) if roles_of else [])]))
    if not principals:
        raise InputError("give --principal-arn (one or more) or --roles-of SNAPSHOT")
    for arn in principals:
        try:
            PrincipalSelector.parse(arn)
        except ValueError as e:
            raise InputError(str(e)) from None
    many = len(principals) > 1 or output_dir is not None or roles_of is not None
    if many and output_dir is None:
        raise InputError("several principals need --output-dir (one result file each)")
    if many and existing_policy:
        raise InputError("--existing-policy refines one principal's policy: give one --principal-arn")
    principal_arn = principals[0]
    start, end = _time(start_time, "--start-time"), _time(end_time, "--end-time")
    try:
        check_time_range(start, end)
    except ValueError as e:
        raise InputError(f"--end-time must not be before --start-time: {e}") from None
    limit = parse_size(max_file_size) if max_file_size is not None else DEFAULT_MAX_FILE_BYTES
    existing = read_document(existing_policy)[1] if existing_policy else None
    regions = frozenset(region) if region else None
    with _sigterm_unwinds(), DownloadFolder(download_dir) as downloads:
        try:
            found = discover(paths, regions, start, end, downloads=downloads, max_file_bytes=limit)
        except (OSError, TrailAccessError) as e:  # a missing path, the download folder, S3
            raise InputError(str(e)) from None
        progress, update = _progress_bar(sum(f.size for f in found.files), len(found.files))
        on_progress: Optional[Callable[[float], None]] = update
        if progress is not None:
            progress.start()
        selector = None if many else PrincipalSelector.parse(principal_arn)
        cluster = make_executor(None, ray, GENERATION_PRELOAD) if ray else None
        try:
            # Several principals: one scan of the logs, grouped by principal (DuckDB), split afterwards.
            activity = (read_activity_in_shards(found.files, cluster, selector, start, end) if cluster is not None
                        else read_activity(found.files, selector, start, end, on_progress))
        except ShardFailed as e:
            raise InputError(str(e).replace("nothing was recorded", "no policy was generated")) from None
        finally:
            if progress is not None:
                progress.stop()
    activity.problems[:0] = found.problems
    trails = [TrailSource(", ".join(paths), tuple(sorted(regions)) if regions else None)]
    if many:
        assert output_dir is not None
        return _generate_many(principals, activity, output_dir, start, end, include_resource_placeholders, trails,
                              expression, cluster or make_executor(workers, None, GENERATION_PRELOAD))
    try:
        result = generate_from_activity(principal_arn, activity, start=start, end=end,
                                        include_placeholders=include_resource_placeholders,
                                        existing_policy=existing, trails=trails)
    except ExistingPolicyError as e:
        raise InputError(str(e)) from None
    for problem in result.problems:
        print(f"accessproof: skipped {problem.name}: {problem.reason}", file=sys.stderr)
    print_json(result.generated_policy_result(), expression)
    refinement_failed = result.refinement is not None and result.refinement.result != "PASS"
    if result.findings or refinement_failed:
        raise typer.Exit(1)


def result_file_name(principal_arn: str) -> str:
    """``<account>_<role-or-user path and name>.json``, safe as a file name."""
    parts = principal_arn.split(":", 5)
    return f"{parts[4]}_{re.sub(r'[^A-Za-z0-9_.+=@-]', '_', parts[5])}.json"


def _roles_of(snapshot: Path) -> list[str]:
    from ..inventory import load_snapshot
    from ..inventory.errors import SnapshotError
    from ..inventory.model import IamRole

    try:
        loaded = load_snapshot(snapshot)
    except SnapshotError as e:
        raise InputError(str(e)) from None
    roles = sorted(r.arn for r in loaded.resources if isinstance(r, IamRole))
    if not roles:
        raise InputError(f"{snapshot}: the snapshot has no IAM role")
    return roles


def _generate_many(principals: list[str], activity, output_dir: Path, start, end, placeholders: bool, trails,
                   expression, executor) -> None:
    """One result file per principal from one scan's activity (spread over the executor's
    workers); a summary on standard output."""
    import json

    from ..generate import generate_for_principals
    from ..parallel import ShardFailed

    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"--output-dir: {e}") from None
    for problem in activity.problems:
        print(f"accessproof: skipped {problem.name}: {problem.reason}", file=sys.stderr)
    summary, failed = [], False
    try:
        for result in generate_for_principals(activity, principals, start=start, end=end,
                                              include_placeholders=placeholders, trails=trails, executor=executor):
            arn = result.principal_arn
            target = output_dir / result_file_name(arn)
            target.write_text(json.dumps(result.generated_policy_result(), indent=4) + "\n")
            failed = failed or bool(result.findings)
            summary.append({"principalArn": arn, "file": str(target), "policies": len(result.documents),
                            "callsOfPrincipal": result.calls_selected, "isComplete": result.is_complete})
    except ShardFailed as e:
        raise InputError(str(e).replace("nothing was recorded", "no result file was written")) from None
    finally:
        close = getattr(executor, "close", None)
        if close is not None:
            close()
    print_json({"generated": summary, "eventsRead": activity.events_read, "filesRead": activity.files_read},
               expression)
    if failed:
        raise typer.Exit(1)
