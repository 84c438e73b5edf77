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
    principal_arn: str = typer.Option(..., "--principal-arn", help="The IAM user or role (its sessions included)."),
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
) -> None:
    """Generate a least-privilege policy from a principal's recorded CloudTrail activity."""
    from ..generate import PrincipalSelector, check_time_range, generate_from_activity
    from ..generate.collect import DownloadFolder, discover
    from ..generate.reader import read_activity
    from ..generate.refine import ExistingPolicyError
    from ..generate.s3 import TrailAccessError
    from ..generate import TrailSource

    expression = compile_query(query)
    paths = list(cloudtrail) + [a for a in ctx.args]
    try:
        PrincipalSelector.parse(principal_arn)
    except ValueError as e:
        raise InputError(str(e)) from None
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
        try:
            activity = read_activity(found.files, PrincipalSelector.parse(principal_arn), start, end, on_progress)
        finally:
            if progress is not None:
                progress.stop()
    activity.problems[:0] = found.problems
    try:
        result = generate_from_activity(principal_arn, activity, start=start, end=end,
                                        include_placeholders=include_resource_placeholders,
                                        existing_policy=existing,
                                        trails=[TrailSource(", ".join(paths), tuple(sorted(regions)) if regions else None)])
    except ExistingPolicyError as e:
        raise InputError(str(e)) from None
    for problem in result.problems:
        print(f"accessproof: skipped {problem.name}: {problem.reason}", file=sys.stderr)
    print_json(result.generated_policy_result(), expression)
    refinement_failed = result.refinement is not None and result.refinement.result != "PASS"
    if result.findings or refinement_failed:
        raise typer.Exit(1)
