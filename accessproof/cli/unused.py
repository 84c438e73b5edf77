"""``accessproof analyze-unused`` and ``accessproof recommend``: unused access on the terminal.

``run_unused_analysis(...)`` is the one entry point: an ``analyze`` command with ``--type
ACCOUNT_UNUSED_ACCESS|ORGANIZATION_UNUSED_ACCESS`` can call it as well.

The findings are recorded in the findings database (``--database``; default ``accessproof.db``)
under an analyzer named after the type, so that a later run resolves what was used again and
``accessproof recommend FINDING_ID`` finds the finding. Exit status: 0 no active finding; 1 active
findings; 2 bad input.
"""

from __future__ import annotations

import difflib
import json
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .inputs import InputError
from .output import QUERY_HELP, Query, compile_query, emit, stream_json_list
from .workers import RAY_HELP, WORKERS_HELP, make_executor

# What the workers of an unused access analysis import before their first task (once, in the forkserver).
UNUSED_PRELOAD = ("accessproof.analyzers.unused_service",)

UNUSED_TYPES = ("ACCOUNT_UNUSED_ACCESS", "ORGANIZATION_UNUSED_ACCESS")
DEFAULT_ANALYZER_NAMES = {"ACCOUNT_UNUSED_ACCESS": "accessproof-unused-access",
                          "ORGANIZATION_UNUSED_ACCESS": "accessproof-organization-unused-access"}
MAX_ACTIONS_SHOWN = 6


def parse_now(value: Optional[str]) -> datetime:
    if value is None:
        return datetime.now(timezone.utc)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"--now: not an ISO 8601 time: {value!r}") from None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def configuration_of(age: int, exclude_accounts: List[str], exclude_tags: List[str]) -> dict:
    exclusions: list[dict] = []
    if exclude_accounts:
        exclusions.append({"accountIds": list(exclude_accounts)})
    for text in exclude_tags:
        key, _, value = text.partition("=")
        if not key:
            raise InputError(f"--exclude-tag: expected KEY=VALUE or KEY=, found {text!r}")
        exclusions.append({"resourceTags": [{key: value}]})
    unused: dict = {"unusedAccessAge": age}
    if exclusions:
        unused["analysisRule"] = {"exclusions": exclusions}
    return {"unusedAccess": unused}


# The page size the findings are read from the store with (each page one keyset query).
LIST_PAGE_SIZE = 1000
OPEN_STATUSES = {"status": {"eq": ["ACTIVE", "ARCHIVED"]}}


@dataclass
class UnusedRun:
    analyzer_arn: str
    analysis: object  # UnusedAccessAnalysis
    outcome: object  # Reconciliation
    store: object  # the FindingsStore the findings were recorded in
    active: bool = False  # an ACTIVE finding has been read (by ``findings``): exit status 1

    def findings(self) -> Iterator:
        """The analyzer's ACTIVE and ARCHIVED findings, page after page, noting whether one is ACTIVE."""
        for finding in stored_findings(self.store, self.analyzer_arn, OPEN_STATUSES):
            self.active = self.active or finding.status == "ACTIVE"
            yield finding


def stored_findings(store: Any, analyzer_arn: str, filter: dict) -> Iterator:
    """The analyzer's findings that pass ``filter``, page after page (never all in memory at once)."""
    token = None
    while True:
        page = store.list_findings(analyzer_arn, filter, max_results=LIST_PAGE_SIZE, next_token=token)
        yield from page.items
        token = page.next_token
        if not token:
            return


def run_unused_analysis(snapshot: str, analyzer_type: str, *, unused_access_age: int = 90,
                        now: Optional[datetime] = None, database: Optional[str] = None,
                        analyzer_name: Optional[str] = None, exclude_accounts: List[str] = (),
                        exclude_tags: List[str] = (), executor: Any = None) -> UnusedRun:
    """Analyse ``snapshot`` (an account snapshot, or an organization folder) and record the findings
    under an analyzer of the snapshot's account (an organization's management account): its ARN
    names that account and Region, as AWS's do. ``executor``: the accounts spread over its workers."""
    from ..analyzers import unused  # noqa: F401  (registers the statistics and filter keys)
    from ..analyzers.unused_service import UnusedAccessService, arn_account, load_snapshot
    from ..findings import ConflictError, FindingsError, FindingsStore
    from ..inventory import SnapshotError
    from ..parallel import ShardFailed

    if analyzer_type not in UNUSED_TYPES:
        raise InputError(f"--type must be one of {', '.join(UNUSED_TYPES)}")
    moment = now or datetime.now(timezone.utc)
    configuration = configuration_of(unused_access_age, list(exclude_accounts), list(exclude_tags))
    name = analyzer_name or DEFAULT_ANALYZER_NAMES[analyzer_type]
    try:
        loaded = load_snapshot(snapshot)
        store = FindingsStore.open(database, clock=lambda: moment, account_id=loaded.owner_account,
                                   region=loaded.region)
        service = UnusedAccessService(store, lambda: moment, executor)
        try:
            analyzer = store.get_analyzer(name)
            if analyzer.type != analyzer_type:
                raise InputError(f"analyzer {name} is a {analyzer.type} analyzer; give --analyzer-name")
            if analyzer_type == "ACCOUNT_UNUSED_ACCESS" and arn_account(analyzer.arn) != loaded.owner_account:
                raise InputError(f"analyzer {name} belongs to account {arn_account(analyzer.arn)}, the snapshot is "
                                 f"account {loaded.owner_account}: give --analyzer-name (or another --database)")
            service.update_analyzer(name, configuration)
        except FindingsError as e:
            if getattr(e, "code", "") != "ResourceNotFoundException":
                raise
            try:
                analyzer = service.create_analyzer(name, analyzer_type, configuration)
            except ConflictError:  # another run created it meanwhile: use it
                analyzer = store.get_analyzer(name)
                if analyzer.type != analyzer_type:
                    raise InputError(f"analyzer {name} is a {analyzer.type} analyzer; give --analyzer-name") from None
                service.update_analyzer(name, configuration)
        analysis, outcome = service.analyze(analyzer.arn, loaded, moment)
        return UnusedRun(analyzer.arn, analysis, outcome, store)
    except (SnapshotError, FindingsError, ShardFailed) as e:
        raise InputError(str(e)) from None
    finally:
        close = getattr(executor, "close", None)
        if close is not None:
            close()


# ------------------------------------------------------------------------------- output


def _when(value: Optional[str]) -> str:
    return value[:10] if value else "never"


def finding_row(finding) -> tuple[str, str, str, str]:
    """(entity, type, last used, unused services/actions) of a finding, for the table."""
    entity = finding.resource.split(":", 5)[-1]
    entries = finding.finding_details()
    if finding.finding_type == "UnusedPermission":
        parts = []
        for entry in entries:
            detail = entry["unusedPermissionDetails"]
            actions = [a["action"].split(":", 1)[1] for a in detail.get("actions", [])]
            if not actions:
                parts.append(f"{detail['serviceNamespace']} (all)")
            else:
                shown = ", ".join(actions[:MAX_ACTIONS_SHOWN]) + (f" +{len(actions) - MAX_ACTIONS_SHOWN}"
                                                                  if len(actions) > MAX_ACTIONS_SHOWN else "")
                parts.append(f"{detail['serviceNamespace']}: {shown}")
        last = max((e["unusedPermissionDetails"].get("lastAccessed") or "" for e in entries), default="") or None
        return entity, finding.finding_type, _when(last), "\n".join(parts)
    detail = next(iter(entries[0].values())) if entries else {}
    what = f"key {detail['accessKeyId']}" if "accessKeyId" in detail else ""
    return entity, finding.finding_type, _when(detail.get("lastAccessed")), what


def render_table(run: UnusedRun, console: Console) -> None:
    analysis = run.analysis
    findings = list(run.findings())
    table = Table(title=f"Unused access ({len(findings)} findings)", show_lines=False)
    for column in ("id", "account", "entity", "type", "last used", "unused services / actions", "status"):
        wide = column in ("entity", "unused services / actions")
        table.add_column(column, overflow="fold", no_wrap=column in ("id", "status"), min_width=14 if wide else None,
                         ratio=3 if wide else None)
    for finding in sorted(findings, key=lambda f: (f.resource_owner_account, f.resource, f.finding_type)):
        entity, kind, last, what = finding_row(finding)
        table.add_row(finding.id[:8], finding.resource_owner_account, escape(entity), kind, last, escape(what),
                      finding.status)
    console.print(table)
    outcome = run.outcome
    console.print(f"analyzed {len(analysis.results)} entities in {len(analysis.accounts)} account(s); "
                  f"{len(outcome.opened)} new, {len(outcome.kept)} unchanged, {len(outcome.resolved)} resolved")
    for skipped in analysis.skipped:
        console.print(f"[dim]skipped {escape(skipped.arn)}: {escape(skipped.reason)}[/dim]")
    for problem in analysis.problems:
        console.print(f"[yellow]{escape(problem)}[/yellow]")


def finding_json(finding) -> dict:
    """A finding as ``GetFindingV2`` prints it (its details whole). The details' ``lastAccessed``
    are kept as the ISO 8601 text they are stored as: what printing their datetimes prints."""
    return {**finding.to_aws_summary_v2(), "findingDetails": finding.finding_details()}


def findings_json(run: UnusedRun) -> Iterator[dict]:
    return (finding_json(f) for f in run.findings())


# ------------------------------------------------------------------------------ commands


def analyze_unused_command(
    snapshot: str = typer.Argument(..., help="An account snapshot, or an organization folder (ORGANIZATION_UNUSED_ACCESS)."),
    type: str = typer.Option("ACCOUNT_UNUSED_ACCESS", "--type", help="ACCOUNT_UNUSED_ACCESS or ORGANIZATION_UNUSED_ACCESS."),
    unused_access_age: int = typer.Option(90, "--unused-access-age", help="The tracking period in days (1-365)."),
    exclude_account: Optional[List[str]] = typer.Option(None, "--exclude-account", help="Leave out this account (organization)."),
    exclude_tag: Optional[List[str]] = typer.Option(None, "--exclude-tag", help="Leave out roles and users with this tag "
                                                    "(KEY=VALUE; KEY= for any value)."),
    now: Optional[str] = typer.Option(None, "--now", help="The analysis time (ISO 8601); default: now."),
    database: Optional[str] = typer.Option(None, "--database", help="Findings database URL; default the SQLite file accessproof.db."),
    analyzer_name: Optional[str] = typer.Option(None, "--analyzer-name", help="The analyzer to record the findings under."),
    output: str = typer.Option("table", "--output", help="table (or text), json or sarif."),
    query: Optional[str] = typer.Option(None, "--query", help=QUERY_HELP),
    workers: Optional[int] = typer.Option(None, "--workers", help=WORKERS_HELP),
    ray: Optional[str] = typer.Option(None, "--ray", help=RAY_HELP),
) -> None:
    """Find unused roles, access keys, passwords and permissions."""
    analyze_unused(snapshot, type, unused_access_age=unused_access_age, now=now, database=database,
                   analyzer_name=analyzer_name, output=output, exclude_accounts=exclude_account or [],
                   exclude_tags=exclude_tag or [], query=compile_query(query), workers=workers, ray=ray)


def analyze_unused(snapshot: str, analyzer_type: str, *, unused_access_age: int = 90, now: Optional[str] = None,
                   database: Optional[str] = None, analyzer_name: Optional[str] = None, output: str = "table",
                   exclude_accounts: List[str] = (), exclude_tags: List[str] = (), query: Query = None,
                   workers: Optional[int] = None, ray: Optional[str] = None) -> None:
    """The command body, shared by ``analyze-unused`` and ``analyze --type ..._UNUSED_ACCESS``:
    prints the table (or JSON, or SARIF) and exits 1 when a finding is ACTIVE."""
    if output == "table":
        output = "text"
    if output not in ("text", "json", "sarif"):
        raise InputError("--output must be table (text), json or sarif")
    if not Path(snapshot).is_dir():
        raise InputError(f"{snapshot}: no such snapshot directory")
    executor = make_executor(workers, ray, UNUSED_PRELOAD)
    run = run_unused_analysis(snapshot, analyzer_type, unused_access_age=unused_access_age, now=parse_now(now),
                              database=database, analyzer_name=analyzer_name, exclude_accounts=list(exclude_accounts),
                              exclude_tags=list(exclude_tags), executor=executor)
    if output == "json" and query is None:  # streamed, page by page: any number of findings
        stream_json_list("findings", findings_json(run), before={"analyzerArn": run.analyzer_arn})
    else:
        body = {"analyzerArn": run.analyzer_arn, "findings": list(findings_json(run))}

        def sarif() -> dict:
            from ..integrations.sarif import unused_access_sarif
            from ..integrations.snapshot_places import unused_access_places

            return unused_access_sarif(body["findings"], unused_access_places(snapshot))

        emit(body, output, query, text=lambda: render_table(run, Console(highlight=False)), sarif=sarif)
    if run.active:
        raise typer.Exit(1)


def policy_diff(existing: str, recommended: Optional[str], name: str) -> str:
    before = json.dumps(json.loads(existing), indent=4).splitlines()
    after = recommended.splitlines() if recommended is not None else []
    return "\n".join(difflib.unified_diff(before, after, f"{name} (existing)", f"{name} (recommended)", lineterm=""))


def recommend_command(
    finding_id: str = typer.Argument(..., help="An UnusedPermission finding id (or its first characters, as the table shows)."),
    database: Optional[str] = typer.Option(None, "--database", help="Findings database URL; default the SQLite file accessproof.db."),
    output: str = typer.Option("text", "--output", help="text or json."),
    query: Optional[str] = typer.Option(None, "--query", help=QUERY_HELP),
) -> None:
    """Recommend how to remove a finding's unused permissions: each policy's step and diff, proven."""
    from ..analyzers.unused_service import recommendation_for
    from ..findings import FindingsError, FindingsStore
    from ..findings.model import UNUSED_ACCESS_ANALYZER_TYPES

    expression = compile_query(query)
    matches = []
    try:
        store = FindingsStore.open(database, create=False)  # a reading command: never makes a database
        for analyzer in store.list_analyzers():
            if analyzer.type not in UNUSED_ACCESS_ANALYZER_TYPES:
                continue
            matches += [f for f in stored_findings(store, analyzer.arn, {"findingType": {"eq": ["UnusedPermission"]}})
                        if f.id == finding_id or f.id.startswith(finding_id)]
    except FindingsError as e:
        raise InputError(str(e)) from None
    if not matches:
        raise InputError(f"no UnusedPermission finding {finding_id!r} in the findings database")
    if len(matches) > 1:
        raise InputError(f"{finding_id!r} names {len(matches)} findings; give more of the id")
    finding = matches[0]
    try:
        recommendation = recommendation_for(finding)
    except ValueError as e:
        raise InputError(str(e)) from None
    if output == "json" or expression is not None:
        body = {"resourceArn": finding.resource, "recommendationType": "UnusedPermissionRecommendation",
                "status": "SUCCEEDED", "recommendedSteps": [s.to_aws() for s in recommendation.steps],
                "accessproof": {"problems": recommendation.problems}}
        emit(body, output, expression, text=lambda: None)
        return
    console = Console(highlight=False)
    console.print(f"[bold]{escape(finding.resource)}[/bold]: {len(recommendation.steps)} recommended step(s)")
    replaced: set[str] = set()
    for number, step in enumerate(recommendation.steps, start=1):
        console.print(f"\n[bold]{number}. {step.recommended_action}[/bold] {escape(step.existing_policy_id)}")
        if step.recommended_action == "DETACH_POLICY" and step.existing_policy_id in replaced:
            console.print("   once the recommended policy above is attached, detach (or delete) this one")
            continue
        if step.recommended_action == "DETACH_POLICY":
            console.print("   nothing this policy grants was used in the tracking period: detach (or delete) it")
        else:
            replaced.add(step.existing_policy_id)
            console.print(f"   check-no-new-access: [green]{step.proof['result']}[/green] (the new policy grants nothing "
                          f"the existing one does not); validate-policy: {len(step.validation)} finding(s)")
        diff = policy_diff(step.existing_policy, step.recommended_policy, step.existing_policy_id.split("/")[-1])
        for line in diff.splitlines():
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
            console.print(f"[{style}]{escape(line)}[/{style}]")
    for problem in recommendation.problems:
        print(f"accessproof: {problem}", file=sys.stderr)
