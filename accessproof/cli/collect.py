"""``accessproof collect OUT``: snapshots of a live account (or organization) with boto3.

Exit status: 0 everything was read (refusals included: they are kept and become error findings),
1 something could not be read (listed on stderr and in ``OUT/collect-report.json``), 2 bad usage.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .inputs import InputError

MAX_FAILURES_SHOWN = 20


class _Bar:
    """The collector's progress (``expect`` / ``advance``, from many threads) as a rich bar on stderr."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(TextColumn("collecting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                  console=console, transient=True)
        self._task = self._progress.add_task("collect", total=0)
        self._lock = threading.Lock()
        self._progress.start()

    def expect(self, count: int) -> None:
        with self._lock:
            total = self._progress.tasks[0].total or 0
            self._progress.update(self._task, total=total + count)

    def advance(self, count: int = 1) -> None:
        self._progress.advance(self._task, count)

    def stop(self) -> None:
        self._progress.stop()


def collect_command(
    out: Optional[Path] = typer.Argument(None, help="Output folder: one snapshot per Region (OUT/<region>/)."),
    region: Optional[List[str]] = typer.Option(None, "--region", help="A Region to collect (repeat); default every enabled Region."),
    organization: bool = typer.Option(False, "--organization", help="Collect the organization: its description and every "
                                      "ACTIVE member account (run from the management or delegated administrator account)."),
    member_role: Optional[str] = typer.Option(None, "--member-role", help="With --organization: the role to assume in "
                                              "each member account, e.g. OrganizationAccountAccessRole."),
    profile: Optional[str] = typer.Option(None, "--profile", help="AWS profile (default: the usual credential chain)."),
    endpoint_url: Optional[str] = typer.Option(None, "--endpoint-url", help="Send every call to this endpoint (moto, LocalStack)."),
    home_region: str = typer.Option("us-east-1", "--home-region", help="Region of the global calls (STS, IAM, Organizations)."),
    workers: int = typer.Option(8, "--workers", min=1, max=64, help="Resources read at once."),
    accounts_in_parallel: int = typer.Option(4, "--accounts-in-parallel", min=1, max=32, help="Member accounts collected at once."),
    activity: bool = typer.Option(True, "--activity/--no-activity", help="Also the unused-access data: credential report, "
                                  "access keys, service last accessed (docs/activity.md)."),
    max_attempts: int = typer.Option(10, "--max-attempts", min=1, max=50, help="Attempts per call (botocore's standard retry mode)."),
    progress: Optional[bool] = typer.Option(None, "--progress/--no-progress", help="Progress bar (default: when stderr is a terminal)."),
    print_policy: bool = typer.Option(False, "--print-policy", help="Print the least-privilege IAM policy the collector needs, and exit."),
) -> None:
    """Collect account snapshots (docs/snapshot.md, docs/activity.md) from AWS."""
    from ..inventory.collect import policy_text

    if organization and not member_role:
        raise InputError("--organization needs --member-role (the role to assume in each member account)")
    if member_role and not organization:
        raise InputError("--member-role is for --organization")
    if print_policy:
        typer.echo(policy_text(activity=activity, member_role=member_role), nl=False)
        return
    if out is None:
        raise InputError("give the output folder (OUT), or --print-policy")
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: not a directory")
    _run(out, tuple(region) if region else None, organization, member_role, profile, endpoint_url, home_region,
         workers, accounts_in_parallel, activity, max_attempts, progress)


def _run(out: Path, regions: Optional[tuple[str, ...]], organization: bool, member_role: Optional[str],
         profile: Optional[str], endpoint_url: Optional[str], home_region: str, workers: int, accounts_in_parallel: int,
         activity: bool, max_attempts: int, progress: Optional[bool]) -> None:
    import boto3
    from botocore.exceptions import BotoCoreError, ProfileNotFound

    from ..inventory.collect import AwsClients, CallFailed, CollectOptions, collect_organization_to, collect_to
    from ..inventory.collect.account import caller_account
    from ..inventory.collect.sessions import member_clients

    try:
        session = boto3.Session(profile_name=profile)
    except (ProfileNotFound, BotoCoreError) as e:
        raise InputError(str(e)) from None
    pool = max(32, workers * 2)
    clients = AwsClients(session, endpoint_url=endpoint_url, max_attempts=max_attempts, max_pool_connections=pool)
    options = CollectOptions(regions, workers, activity, accounts_in_parallel, home_region=home_region)
    console = Console(stderr=True)
    bar = _Bar(console) if (progress if progress is not None else console.is_terminal) else None
    try:
        if organization:
            assert member_role is not None
            _, partition = caller_account(clients, home_region)
            members = member_clients(session, member_role, partition=partition, region=home_region,
                                     endpoint_url=endpoint_url, max_attempts=max_attempts, max_pool_connections=pool)
            report = collect_organization_to(clients, out, members, options, bar)
        else:
            report = collect_to(clients, out, options, bar)
    except CallFailed as e:  # no identity, no Regions: nothing can be collected
        raise InputError(f"cannot collect: {e}") from None
    except (BotoCoreError, ValueError) as e:
        raise InputError(f"cannot collect: {' '.join(str(e).split())}") from None
    finally:
        if bar is not None:
            bar.stop()
    for account in report.accounts:
        for region_name, counts in sorted(account.resources.items()):
            total = sum(counts.values())
            print(f"{account.account_id} {region_name}: {total} resources"
                  + (f" ({', '.join(f'{n} {t.split(chr(58))[-1]}' for t, n in sorted(counts.items()))})" if counts else ""),
                  file=sys.stderr)
        if account.refused:
            print(f"{account.account_id}: {len(account.refused)} responses refused by AWS (kept: ACCESS_DENIED error "
                  "findings)", file=sys.stderr)
    failures = report.failures
    for line in failures[:MAX_FAILURES_SHOWN]:
        print(f"accessproof: could not read: {line}", file=sys.stderr)
    if len(failures) > MAX_FAILURES_SHOWN:
        print(f"accessproof: ... and {len(failures) - MAX_FAILURES_SHOWN} more in {out / 'collect-report.json'}",
              file=sys.stderr)
    if not report.complete:
        raise typer.Exit(1)
