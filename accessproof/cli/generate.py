"""``accessproof generate-policy``: a least-privilege policy from CloudTrail logs.

Prints JSON shaped like GetGeneratedPolicy's ``generatedPolicyResult`` (each policy as a JSON
string), plus accessproof's report (skipped files, unmapped events, denied actions, the
refinement proof). Exit status: 0 done; 1 the output has ERROR/SECURITY_WARNING findings or
the refinement could not be proven; 2 bad input.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Callable, List, Optional

import typer

from .inputs import InputError, read_argument

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
) -> None:
    """Generate a least-privilege policy from a principal's recorded CloudTrail activity."""
    from ..generate import PrincipalSelector, generate_from_activity
    from ..generate.reader import read_activity
    from ..generate.refine import ExistingPolicyError
    from ..generate.sources import discover
    from ..generate import TrailSource

    paths = list(cloudtrail) + [a for a in ctx.args]
    try:
        PrincipalSelector.parse(principal_arn)
    except ValueError as e:
        raise InputError(str(e)) from None
    start, end = _time(start_time, "--start-time"), _time(end_time, "--end-time")
    existing = read_argument(existing_policy)[1] if existing_policy else None
    regions = frozenset(region) if region else None
    try:
        found = discover(paths, regions, start, end)
    except FileNotFoundError as e:
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
    typer.echo(json.dumps(result.generated_policy_result(), indent=4))
    refinement_failed = result.refinement is not None and result.refinement.result != "PASS"
    if result.findings or refinement_failed:
        raise typer.Exit(1)
