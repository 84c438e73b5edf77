"""``accessproof analyze SNAPSHOT``: the external access analyzer on an account snapshot, and the
AWS CLI verbs over its findings (``list-findings``, ``update-findings``, ``create-archive-rule``,
``apply-archive-rule``). All of them go through ``accessproof.client("accessanalyzer")``.

Exit status of ``analyze``: 0 no ACTIVE finding, 1 ACTIVE findings, 2 bad input (one line on stderr).
"""

from __future__ import annotations

import re
import sys
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional

import typer
from botocore.exceptions import ClientError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ..api.accessanalyzer import AccessAnalyzerClient
from .awsmodel import Mirror
from .inputs import InputError
from .output import QUERY_HELP, Query, compile_query, emit, stream_json_list
from .workers import RAY_HELP, WORKERS_HELP, make_executor

LIST_FINDINGS = Mirror("accessanalyzer", "ListFindings")
UPDATE_FINDINGS = Mirror("accessanalyzer", "UpdateFindings")
CREATE_ARCHIVE_RULE = Mirror("accessanalyzer", "CreateArchiveRule")
APPLY_ARCHIVE_RULE = Mirror("accessanalyzer", "ApplyArchiveRule")
CLIENT_TOKEN_HELP = "An idempotency token, passed to the operation as the AWS CLI passes it."

MAX_ACTIONS_SHOWN = 4
DATABASE_HELP = "Findings database URL (sqlite:///path or postgresql://...); default the SQLite file accessproof.db."


class Zone(str, Enum):
    ACCOUNT = "ACCOUNT"
    ORGANIZATION = "ORGANIZATION"


class Output(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"


def _call(operation: Callable[..., dict], **kwargs: Any) -> dict:
    """One client call; an error is bad input: one line, exit status 2."""
    try:
        return operation(**kwargs)
    except ClientError as e:
        raise InputError(e.response["Error"]["Message"]) from None


# A progress bar for snapshots at least this large, when standard error is a terminal.
PROGRESS_MIN_RESOURCES = 200


def _progress_bar(total: int) -> Optional[Callable[[object], None]]:
    console = Console(stderr=True)
    if total < PROGRESS_MIN_RESOURCES or not console.is_terminal:
        return None
    progress = Progress(TextColumn("analysing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=console, transient=True)
    task = progress.add_task("analyse", total=total)
    progress.start()

    def advance(_resource: object) -> None:
        progress.advance(task)
        if progress.tasks[0].finished:
            progress.stop()
    return advance


def _client(database: Optional[str], snapshot: Optional[str] = None, executor: Any = None) -> AccessAnalyzerClient:
    config: dict[str, Any] = {"progress": _progress_bar}
    if executor is not None:
        config["executor"] = executor
    if database is not None:
        config["database"] = database
    if snapshot is not None:
        config["snapshot"] = snapshot
    return AccessAnalyzerClient(**config)


# The page size the CLI lists findings with (each page is one keyset query of the store).
LIST_PAGE_SIZE = 1000


def _findings_pages(client: AccessAnalyzerClient, analyzer_arn: str, filter: Optional[dict] = None,
                    sort: Optional[dict] = None) -> Iterator[dict]:
    """Every finding, page after page (each page costs its own size: the store pages in SQL)."""
    token = None
    while True:
        page = _call(client.list_findings, analyzerArn=analyzer_arn, filter=filter, sort=sort,
                     maxResults=LIST_PAGE_SIZE, **({"nextToken": token} if token else {}))
        yield from page["findings"]
        token = page.get("nextToken")
        if not token:
            return


def _all_findings(client: AccessAnalyzerClient, analyzer_arn: str, filter: Optional[dict] = None,
                  sort: Optional[dict] = None) -> list[dict]:
    return list(_findings_pages(client, analyzer_arn, filter, sort))


def _streamed(findings: Iterator[dict], active: list[bool]) -> Iterator[dict]:
    """``findings``, noting in ``active`` whether one is ACTIVE (the exit status) as they pass."""
    for finding in findings:
        if finding["status"] == "ACTIVE":
            active[0] = True
        yield finding


def _client_token(token: Optional[str]) -> dict[str, str]:
    return {"clientToken": token} if token is not None else {}


# ------------------------------------------------------------------------------ the table


def _short_resource(arn: str) -> str:
    """The ARN's resource part without its type word: role/X → X, function:X → X, bucket → bucket."""
    resource = arn.split(":", 5)[-1]
    return re.sub(r"^[a-z-]+[:/]", "", resource, count=1)


def _principal(principal: Optional[dict]) -> str:
    return "\n".join(f"{kind}: {value}" for kind, value in (principal or {}).items())


def _actions(actions: Optional[list]) -> str:
    actions = actions or []
    shown = "\n".join(actions[:MAX_ACTIONS_SHOWN])
    return shown + (f"\n+{len(actions) - MAX_ACTIONS_SHOWN} more" if len(actions) > MAX_ACTIONS_SHOWN else "")


def _condition(condition: Optional[dict]) -> str:
    return "\n".join(f"{key} = {value}" for key, value in (condition or {}).items())


def _sources(sources: Optional[list]) -> str:
    return ", ".join(s["type"] for s in sources or [])


_STATUS_STYLE = {"ACTIVE": "bold red", "ARCHIVED": "dim", "RESOLVED": "green"}


def findings_table(findings: list[dict], title: str) -> Table:
    table = Table(title=title, show_lines=True)
    for column in ("resource", "type", "principal", "actions", "condition", "public", "sources", "status"):
        table.add_column(column, overflow="fold")
    for f in sorted(findings, key=lambda f: (f["resourceType"], f["resource"], f["status"])):
        style = _STATUS_STYLE.get(f["status"], "")
        table.add_row(
            escape(_short_resource(f["resource"])), f["resourceType"].removeprefix("AWS::"),
            escape(f.get("error") or _principal(f.get("principal"))), escape(_actions(f.get("action"))),
            escape(_condition(f.get("condition"))), "[bold]yes[/bold]" if f.get("isPublic") else "no",
            _sources(f.get("sources")), f"[{style}]{f['status']}[/{style}]" if style else f["status"])
    return table


# ------------------------------------------------------------------------------ analyze


def _analyzer_arn(client: AccessAnalyzerClient, name: str, zone: Zone) -> tuple[str, Optional[dict]]:
    """Create the analyzer (which analyses the snapshot) or re-analyse with the existing one."""
    try:
        analyzer = client.get_analyzer(analyzerName=name)["analyzer"]
    except client.exceptions.ResourceNotFoundException:
        try:
            return client.create_analyzer(analyzerName=name, type=zone.value)["arn"], None
        except client.exceptions.ConflictException:  # another run created it meanwhile: use it
            analyzer = _call(client.get_analyzer, analyzerName=name)["analyzer"]
        except ClientError as e:
            raise InputError(e.response["Error"]["Message"]) from None
    except ClientError as e:
        raise InputError(e.response["Error"]["Message"]) from None
    if analyzer["type"] != zone.value:
        raise InputError(f"analyzer {name} is a {analyzer['type']} analyzer; use --analyzer-name for a {zone.value} one")
    return analyzer["arn"], _call(client.analyze_external_access, analyzerArn=analyzer["arn"])


def analyze_command(
    snapshot: str = typer.Argument(..., help="An account snapshot directory (docs/snapshot.md), or an organization folder."),
    zone_of_trust: Zone = typer.Option(Zone.ACCOUNT, "--zone-of-trust", help="ACCOUNT or ORGANIZATION."),
    database: Optional[str] = typer.Option(None, "--database", "--db", help=DATABASE_HELP),
    analyzer_name: Optional[str] = typer.Option(
        None, "--analyzer-name", help="The analyzer to record the findings under (created when missing); "
                                      "default accessproof-external-account / -organization."),
    output: Output = typer.Option(Output.text, "--output", help="text (a table), json (as list-findings prints it) or sarif."),
    type: Optional[str] = typer.Option(None, "--type", help="ACCOUNT_UNUSED_ACCESS or ORGANIZATION_UNUSED_ACCESS: the unused "
                                       "access analyzer (as accessproof analyze-unused); ACCOUNT or ORGANIZATION: as --zone-of-trust."),
    unused_access_age: int = typer.Option(90, "--unused-access-age", help="Unused access: the tracking period in days (1-365)."),
    now: Optional[str] = typer.Option(None, "--now", help="Unused access: the analysis time (ISO 8601); default now."),
    query: Optional[str] = typer.Option(None, "--query", help=QUERY_HELP),
    workers: Optional[int] = typer.Option(None, "--workers", help=WORKERS_HELP),
    ray: Optional[str] = typer.Option(None, "--ray", help=RAY_HELP),
) -> None:
    """Find who outside the zone of trust can reach the snapshot's resources.

    Records the findings (new access opens findings, access that is gone is resolved, archive rules
    apply). Exit status: 0 no ACTIVE finding, 1 ACTIVE findings, 2 bad input.
    """
    expression = compile_query(query)
    if type in ("ACCOUNT_UNUSED_ACCESS", "ORGANIZATION_UNUSED_ACCESS"):  # unused access (issue 7)
        from .unused import analyze_unused

        return analyze_unused(snapshot, type, unused_access_age=unused_access_age, now=now, database=database,
                              analyzer_name=analyzer_name, output=output.value, query=expression, workers=workers,
                              ray=ray)
    if type is not None:
        if type not in Zone.__members__:
            raise InputError(f"--type must be ACCOUNT, ORGANIZATION, ACCOUNT_UNUSED_ACCESS or ORGANIZATION_UNUSED_ACCESS, not {type!r}")
        zone_of_trust = Zone(type)
    if not Path(snapshot).is_dir():
        raise InputError(f"{snapshot}: no such snapshot directory")
    client = _client(database, snapshot, make_executor(workers, ray))
    name = analyzer_name or f"accessproof-external-{zone_of_trust.value.lower()}"
    arn, changes = _analyzer_arn(client, name, zone_of_trust)
    if output == Output.json and expression is None:  # streamed: never the whole listing in memory
        active = [False]
        stream_json_list("findings", _streamed(_findings_pages(client, arn), active))
        if active[0]:
            raise typer.Exit(1)
        return
    findings = _all_findings(client, arn)
    _emit_findings(findings, output, expression, snapshot, text=lambda: _render(findings, arn, changes))
    if any(f["status"] == "ACTIVE" for f in findings):
        raise typer.Exit(1)


def _emit_findings(findings: list[dict], output: Output, query: Query, snapshot: Optional[str],
                   text: Callable[[], None]) -> None:
    """The findings as ListFindings prints them, a table, or SARIF located in the snapshot's files."""

    def sarif() -> dict:
        from ..integrations.sarif import Place, external_access_sarif
        from ..integrations.snapshot_places import external_access_places

        if snapshot is None:
            print("accessproof: note: without --snapshot the SARIF results point at no file; code scanning shows "
                  "only results with a file", file=sys.stderr)
            return external_access_sarif(findings, lambda f: [Place(None, description=f.get("resource", ""))])
        return external_access_sarif(findings, external_access_places(snapshot))

    emit({"findings": findings}, output.value, query, text=text, sarif=sarif)


def _render(findings: list[dict], analyzer_arn: str, changes: Optional[dict]) -> None:
    console = Console(highlight=False)
    shown = [f for f in findings if f["status"] != "RESOLVED"]
    counts = {s: sum(f["status"] == s for f in findings) for s in ("ACTIVE", "ARCHIVED", "RESOLVED")}
    if shown:
        console.print(findings_table(shown, f"External access ({len(shown)} findings)"))
    else:
        console.print("[green]No external access found.[/green]")
    summary = f"{counts['ACTIVE']} active, {counts['ARCHIVED']} archived, {counts['RESOLVED']} resolved"
    if changes is not None:
        summary += (f" — this run: {changes['analyzedResources']} resources, {changes['opened']} new, "
                    f"{changes['kept']} unchanged, {changes['resolved']} resolved")
    console.print(f"{summary}\nanalyzer {analyzer_arn}", soft_wrap=True)


# ------------------------------------------------------------------------------ AWS CLI verbs


def list_findings_command(
    analyzer_arn: str = typer.Option(..., "--analyzer-arn", help="The analyzer's ARN."),
    filter: Optional[str] = typer.Option(None, "--filter", help="FilterCriteriaMap as JSON (inline or file://path) or "
                                         "shorthand, e.g. status={eq=[ACTIVE]},resourceType={eq=[AWS::S3::Bucket]}."),
    sort: Optional[str] = typer.Option(None, "--sort", help="SortCriteria as JSON or shorthand, e.g. "
                                       "attributeName=resource,orderBy=ASC."),
    database: Optional[str] = typer.Option(None, "--database", "--db", help=DATABASE_HELP),
    output: Output = typer.Option(Output.json, "--output", help="json (as the AWS CLI prints it), text (a table) or sarif."),
    snapshot: Optional[str] = typer.Option(None, "--snapshot", help="SARIF: the snapshot the findings were found in, "
                                           "to point each result at the file that grants the access."),
    query: Optional[str] = typer.Option(None, "--query", help=QUERY_HELP),
) -> None:
    """ListFindings (every page)."""
    expression = compile_query(query)
    client = _client(database)
    filter_value, sort_value = LIST_FINDINGS.argument("filter", filter), LIST_FINDINGS.argument("sort", sort)
    if output == Output.json and expression is None:  # streamed, page by page
        stream_json_list("findings", _findings_pages(client, analyzer_arn, filter_value, sort_value))
        return
    findings = _all_findings(client, analyzer_arn, filter_value, sort_value)
    _emit_findings(findings, output, expression, snapshot,
                   text=lambda: Console(highlight=False).print(findings_table(findings, f"{len(findings)} findings")))


def update_findings_command(
    analyzer_arn: str = typer.Option(..., "--analyzer-arn", help="The analyzer's ARN."),
    status: str = typer.Option(..., "--status", help="ACTIVE or ARCHIVED."),
    ids: Optional[List[str]] = typer.Option(None, "--ids", help="Finding ids (several after one --ids, as in the AWS CLI)."),
    resource_arn: Optional[str] = typer.Option(None, "--resource-arn", help="Every finding of this resource."),
    client_token: Optional[str] = typer.Option(None, "--client-token", help=CLIENT_TOKEN_HELP),
    database: Optional[str] = typer.Option(None, "--database", "--db", help=DATABASE_HELP),
) -> None:
    """UpdateFindings: archive or unarchive findings."""
    finding_ids = UPDATE_FINDINGS.argument("ids", ids)
    _call(_client(database).update_findings, analyzerArn=analyzer_arn, status=status,
          **({"ids": finding_ids} if finding_ids else {}), **({"resourceArn": resource_arn} if resource_arn else {}),
          **_client_token(client_token))


def create_archive_rule_command(
    analyzer_name: str = typer.Option(..., "--analyzer-name", help="The analyzer's name."),
    rule_name: str = typer.Option(..., "--rule-name", help="The rule's name."),
    filter: str = typer.Option(..., "--filter", help="FilterCriteriaMap as JSON (inline or file://path) or shorthand, "
                               "e.g. principal.AWS={contains=[999988887777]}."),
    client_token: Optional[str] = typer.Option(None, "--client-token", help=CLIENT_TOKEN_HELP),
    database: Optional[str] = typer.Option(None, "--database", "--db", help=DATABASE_HELP),
) -> None:
    """CreateArchiveRule: archive new findings that match the filter."""
    _call(_client(database).create_archive_rule, analyzerName=analyzer_name, ruleName=rule_name,
          filter=CREATE_ARCHIVE_RULE.argument("filter", filter), **_client_token(client_token))


def apply_archive_rule_command(
    analyzer_arn: str = typer.Option(..., "--analyzer-arn", help="The analyzer's ARN."),
    rule_name: str = typer.Option(..., "--rule-name", help="The rule's name."),
    client_token: Optional[str] = typer.Option(None, "--client-token", help=CLIENT_TOKEN_HELP),
    database: Optional[str] = typer.Option(None, "--database", "--db", help=DATABASE_HELP),
) -> None:
    """ApplyArchiveRule: archive the ACTIVE findings the rule matches."""
    _call(_client(database).apply_archive_rule, analyzerArn=analyzer_arn, ruleName=rule_name,
          **_client_token(client_token))
