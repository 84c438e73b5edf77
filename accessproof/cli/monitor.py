"""``accessproof monitor``: keep an analyzer's findings current, and notify.

Locally: ``accessproof monitor --snapshot DIR`` re-analyses the snapshot whenever a file in it changes.
Live: ``accessproof monitor --queue-url URL --out OUT --region R`` reads permission-changing CloudTrail
events from the SQS queue an EventBridge rule feeds (``--print-event-pattern`` prints the rule's
pattern), re-reads and re-analyses the resource each names, and rescans the Region every
``--rescan-hours``. ``--notifications FILE`` (TOML) names the destinations. ``--once`` does what is
pending and exits (0), instead of running until interrupted.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional

import typer

from .analyze import DATABASE_HELP, Zone
from .inputs import InputError


def _log(line: str) -> None:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    print(f"accessproof monitor {stamp} {line}", file=sys.stderr, flush=True)


def monitor_command(
    snapshot: Optional[Path] = typer.Option(None, "--snapshot", help="Watch this snapshot folder (local mode)."),
    queue_url: Optional[str] = typer.Option(None, "--queue-url", help="Live mode: the SQS queue of CloudTrail events."),
    out: Optional[Path] = typer.Option(None, "--out", help="Live mode: the collection folder (the snapshot is OUT/<region>)."),
    region: Optional[str] = typer.Option(None, "--region", help="Live mode: the Region monitored."),
    zone_of_trust: Zone = typer.Option(Zone.ACCOUNT, "--zone-of-trust", help="ACCOUNT or ORGANIZATION."),
    analyzer_name: Optional[str] = typer.Option(None, "--analyzer-name", help="Default accessproof-external-account / -organization."),
    database: Optional[str] = typer.Option(None, "--database", "--db", help=DATABASE_HELP),
    notifications: Optional[Path] = typer.Option(None, "--notifications", help="Notification destinations (TOML)."),
    profile: Optional[str] = typer.Option(None, "--profile", help="Live mode: AWS profile."),
    endpoint_url: Optional[str] = typer.Option(None, "--endpoint-url", help="Live mode: send every AWS call there."),
    rescan_hours: float = typer.Option(24.0, "--rescan-hours", min=0.01, help="Live mode: hours between full scans."),
    wait_seconds: int = typer.Option(10, "--wait-seconds", min=0, max=20, help="Live mode: SQS long-poll wait."),
    visibility_timeout: int = typer.Option(60, "--visibility-timeout", min=1, max=43200,
                                           help="Live mode: seconds an event being handled stays hidden from other receivers."),
    poll_seconds: float = typer.Option(1.0, "--poll-seconds", min=0.05, help="Local mode: seconds between looks at the folder."),
    workers: int = typer.Option(8, "--workers", min=1, max=64, help="Live mode: resources read at once in a full scan."),
    once: bool = typer.Option(False, "--once", help="Do what is pending, deliver, and exit."),
    print_event_pattern: bool = typer.Option(False, "--print-event-pattern", help="Print the EventBridge rule's event pattern, and exit."),
) -> None:
    """Keep findings current (continuous monitoring) and send notifications."""
    from ..monitor.changes import event_pattern

    if print_event_pattern:
        typer.echo(json.dumps(event_pattern(), indent=4))
        return
    live = queue_url is not None or out is not None or region is not None
    if snapshot is not None and live:
        raise InputError("give either --snapshot (local mode) or --queue-url, --out and --region (live mode)")
    if snapshot is None and not (queue_url and out and region):
        raise InputError("give --snapshot DIR, or --queue-url, --out and --region")
    if snapshot is not None and not snapshot.is_dir():
        raise InputError(f"{snapshot}: no such snapshot directory")
    name = analyzer_name or f"accessproof-external-{zone_of_trust.value.lower()}"
    config = _config(notifications)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if snapshot is not None:
        from ..monitor.service import LocalMonitor

        account_id, account_region = _snapshot_account(snapshot)
        store, deliverer = _prepare(database, account_id, account_region, name, zone_of_trust.value, config)
        monitor = LocalMonitor(snapshot, store, name, zone_of_trust.value, deliverer, poll_seconds, log=_log)
        run = monitor.step if once else (lambda: monitor.run_forever(stop.is_set))
    else:
        import boto3
        from botocore.exceptions import BotoCoreError, ProfileNotFound

        from ..inventory.collect import AwsClients, CallFailed
        from ..inventory.collect.account import caller_account
        from ..monitor.service import LiveMonitor

        try:
            session = boto3.Session(profile_name=profile)
        except (ProfileNotFound, BotoCoreError) as e:
            raise InputError(str(e)) from None
        clients = AwsClients(session, endpoint_url=endpoint_url, max_pool_connections=max(32, workers * 2))
        try:
            account_id, _ = caller_account(clients, region)
        except CallFailed as e:
            raise InputError(f"cannot reach AWS: {e}") from None
        store, deliverer = _prepare(database, account_id, region, name, zone_of_trust.value, config)
        live = LiveMonitor(clients, out, region, queue_url, store, name, zone_of_trust.value, deliverer,
                           timedelta(hours=rescan_hours), wait_seconds, visibility_timeout, workers, log=_log)
        run = live.run_once if once else (lambda: live.run_forever(stop.is_set))
    from ..findings.errors import FindingsError

    try:
        run()
    except KeyboardInterrupt:
        pass
    except FindingsError as e:  # the database went away: say so on one line, and stop
        print(f"accessproof: error: {e}", file=sys.stderr)
        raise typer.Exit(1) from None
    finally:
        store.close()


def _config(notifications: Optional[Path]):
    from ..integrations.notifications import NotificationConfigError, load_config

    if notifications is None:
        return None
    try:
        return load_config(notifications)
    except NotificationConfigError as e:
        raise InputError(str(e)) from None


def _snapshot_account(snapshot: Path) -> tuple[str, str]:
    """(account, Region) the analyzer ARN names: the snapshot's, or for an organization folder its
    management account's, in the Region of its first snapshot."""
    from ..inventory import SnapshotError, load_snapshot
    from ..inventory.organization import DESCRIBE, load_organization

    try:
        if (snapshot / DESCRIBE).is_file():
            organization = load_organization(snapshot)
            first = sorted(organization.snapshots.values())
            region = load_snapshot(first[0]).account.region if first else "us-east-1"
            return organization.management_account_id, region
        account = load_snapshot(snapshot).account
    except SnapshotError as e:
        raise InputError(str(e)) from None
    return account.account_id, account.region


def _prepare(database: Optional[str], account_id: str, region: str, name: str, zone: str, config):
    """The store (analyzer ARNs of the monitored account), the analyzer, its subscriptions (exactly the
    configured destinations: none without a file) and the deliverer."""
    from ..findings import FindingsStore
    from ..findings.errors import FindingsError
    from ..findings.outbox import Outbox
    from ..integrations.notifications import senders
    from ..integrations.outbox import Deliverer
    from ..monitor.service import ensure_analyzer

    try:
        store = FindingsStore.open(database, account_id=account_id, region=region)
        analyzer = ensure_analyzer(store, name, zone)
        outbox = Outbox(store.engine)
        outbox.subscribe(analyzer.arn, config.destinations if config is not None else [])
    except (FindingsError, ValueError) as e:
        raise InputError(str(e)) from None
    if config is None:
        return store, None
    return store, Deliverer(outbox, senders(config), config.backoff)
