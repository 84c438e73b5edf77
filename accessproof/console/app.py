"""The console's Starlette application, mounted at ``/console`` by ``accessproof serve``.

Pages (GET, server-rendered): ``/`` overview, ``/findings`` the table (filter, sort and page in
the URL), ``/analyzers/{name}/findings/{id}`` one finding, ``/unused`` unused access per role and
user, ``/checks`` policy checks. Forms (POST, each with a CSRF token): a finding's status, an
archive rule from a finding, the policy checks, login and logout.

Reads go to the findings store of the API's backend (the same database as ``serve``); changes go
through the backend's operations (UpdateFindings, CreateArchiveRule, ApplyArchiveRule) so they
behave as through the API. The engine's work (checks, recommendations, granting statements) runs
under the API's ``REASONING_LOCK``.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Mapping, Optional
from urllib.parse import parse_qsl, quote, urlencode

from botocore.exceptions import ClientError
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..api.application import REASONING_LOCK, Application
from ..findings.errors import FindingsError
from ..findings.model import ACTIVE, ARCHIVED, EXTERNAL_ACCESS, UNUSED_ACCESS_ANALYZER_TYPES, Finding, utc_now
from ..validate.rule import POLICY_TYPES, VALIDATE_RESOURCE_TYPES
from . import query as query_module
from . import summary, svg
from .auth import COOKIE, SESSION_SECONDS, ConsoleAuth, Session
from .diff import side_by_side
from .highlight import highlight
from .sentence import witness_sentence
from .source import SnapshotPolicies, validation_spans

log = logging.getLogger("accessproof.console")

MAX_FORM_BYTES = 2 << 20  # two policies of AWS's largest size, URL-encoded, with room to spare
TREND_DAYS = 30
TOP_ACCOUNTS = 25  # the overview lists this many accounts; ?accounts=all lists every one
PUBLIC_ACCESS_RESOURCE_TYPES = (
    "AWS::S3::Bucket", "AWS::S3::AccessPoint", "AWS::S3::Glacier", "AWS::S3Express::DirectoryBucket",
    "AWS::S3Express::AccessPoint", "AWS::S3::Table", "AWS::S3Tables::TableBucket", "AWS::S3Tables::Table",
    "AWS::IAM::AssumeRolePolicyDocument", "AWS::DynamoDB::Table", "AWS::DynamoDB::Stream",
    "AWS::EFS::FileSystem", "AWS::OpenSearchService::Domain", "AWS::Kinesis::Stream",
    "AWS::Kinesis::StreamConsumer", "AWS::KMS::Key", "AWS::Lambda::Function", "AWS::SNS::Topic",
    "AWS::SQS::Queue", "AWS::SecretsManager::Secret", "AWS::ApiGateway::RestApi",
    "AWS::CodeArtifact::Domain", "AWS::Backup::BackupVault", "AWS::CloudTrail::Dashboard",
    "AWS::CloudTrail::EventDataStore", "AWS::S3Outposts::AccessPoint", "AWS::S3Outposts::Bucket")
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


@dataclass(frozen=True)
class ConsoleSettings:
    """``credentials``: access key id → secret access key of the logins (None: no login, as the
    API under ``--no-auth``); ``snapshot``: what the server analyses (for the policies of
    findings); ``secure_cookies``: mark the cookie ``Secure`` (behind a TLS proxy)."""

    credentials: Optional[Mapping[str, str]] = None
    snapshot: Any = None
    secure_cookies: bool = False
    key: Optional[bytes] = None  # the session key (tests); default a random one per start


class HttpError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Page:
    """What a handler gives back: a template and its values, or a redirect."""

    template: Optional[str] = None
    values: Optional[dict] = None
    redirect: Optional[str] = None
    status: int = 200


def _when(moment: Any) -> str:
    if isinstance(moment, datetime):
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return "" if moment is None else str(moment)


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, default=str, sort_keys=False)


def _error_message(error: Exception) -> str:
    if isinstance(error, ClientError):
        detail = error.response.get("Error", {})
        return f"{detail.get('Code', 'Error')}: {detail.get('Message', '')}"
    return str(error).splitlines()[0] if str(error) else type(error).__name__


class Console:
    """The console's state: the backend it reads, its sessions, its templates."""

    def __init__(self, application: Application, settings: ConsoleSettings):
        self.application = application
        self.settings = settings
        self.auth = ConsoleAuth(settings.credentials, settings.key)
        self.policies = SnapshotPolicies(settings.snapshot)
        self.templates = Environment(loader=PackageLoader("accessproof.console", "templates"),
                                     autoescape=select_autoescape(default=True, default_for_string=True),
                                     trim_blocks=True, lstrip_blocks=True)
        self.templates.filters["when"] = _when
        self.templates.filters["json"] = _json
        self.templates.globals["kind_of"] = summary.kind_of

    # --- the backend ------------------------------------------------------------------------
    @property
    def backend(self) -> Any:
        return self.application.backend("accessanalyzer")

    @property
    def store(self) -> Any:
        return self.backend.findings_store()

    def analyzers(self) -> list:
        try:
            return self.store.list_analyzers()
        except FindingsError:
            return []

    def _analyzer(self, name: str) -> Any:
        try:
            return self.store.get_analyzer(name)
        except FindingsError as e:
            raise HttpError(404, f"No analyzer named {name}") from e

    # --- requests -----------------------------------------------------------------------------
    async def handle(self, request: Request, handler: Callable[..., Page], public: bool = False) -> Response:
        started = time.perf_counter()
        fresh = False
        session = self.auth.load(request.cookies.get(COOKIE))
        if session is None:
            session, fresh = self.auth.new_session(), True
        form: dict[str, str] = {}
        try:
            if request.method == "POST":
                form = await self._form(request)
                self._check_post(request, session, form)
            if not public and not self.auth.allowed(session):
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                page = Page(redirect=f"{self._base(request)}/login?{urlencode({'next': target})}")
            else:
                page = await run_in_threadpool(handler, request, session, form)
        except HttpError as e:
            page = Page("error.html", {"message": e.message, "status": e.status}, status=e.status)
        except (ClientError, FindingsError) as e:
            page = Page("error.html", {"message": _error_message(e), "status": 400}, status=400)
        except Exception as e:  # noqa: BLE001 - a bug of ours: logged, answered without a traceback
            log.exception("console request %s failed", request.url.path)
            page = Page("error.html", {"message": f"accessproof internal error: {type(e).__name__}", "status": 500},
                        status=500)
        new_session = (page.values or {}).pop("_session", None) if page.values else None
        if isinstance(new_session, Session):
            session, fresh = new_session, True
        if page.redirect is not None:
            response: Response = RedirectResponse(page.redirect, status_code=303)
        else:
            values = dict(page.values or {})
            values.update(base=self._base(request), csrf_token=self.auth.csrf_token(session), session=session,
                          auth_required=self.auth.required, path=request.url.path)
            body = self.templates.get_template(page.template or "error.html").render(**values)
            response = HTMLResponse(body, status_code=page.status)
            response.headers["server-timing"] = f"render;dur={(time.perf_counter() - started) * 1000:.1f}"
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        if fresh:
            response.set_cookie(COOKIE, self.auth.dump(session), max_age=SESSION_SECONDS, httponly=True,
                                samesite="strict", secure=self.settings.secure_cookies,
                                path=self._base(request) or "/")
        return response

    @staticmethod
    def _base(request: Request) -> str:
        return request.scope.get("root_path", "").rstrip("/")

    @staticmethod
    async def _form(request: Request) -> dict[str, str]:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise HttpError(415, "Forms are sent as application/x-www-form-urlencoded")
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_FORM_BYTES:
            raise HttpError(413, f"The form is larger than {MAX_FORM_BYTES} bytes")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM_BYTES:
                raise HttpError(413, f"The form is larger than {MAX_FORM_BYTES} bytes")
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=100)
        except (UnicodeDecodeError, ValueError):
            raise HttpError(400, "The form could not be read") from None
        return dict(pairs)

    def _check_post(self, request: Request, session: Session, form: Mapping[str, str]) -> None:
        origin = request.headers.get("origin")
        if origin and origin != "null":
            expected = f"{request.url.scheme}://{request.headers.get('host', '')}"
            if origin != expected:
                raise HttpError(403, "This form was sent from another site (Origin does not match)")
        if not self.auth.csrf_ok(session, form.get("csrf_token")):
            raise HttpError(403, "The form's CSRF token is missing or wrong: reload the page and send it again")

    # --- login --------------------------------------------------------------------------------
    def login_page(self, request: Request, session: Session, form: Mapping[str, str]) -> Page:
        next_url = self._safe_next(request, form.get("next") or request.query_params.get("next", ""))
        if not self.auth.required:
            return Page(redirect=next_url)
        if request.method == "POST":
            made = self.auth.login(form.get("access_key_id", ""), form.get("secret_access_key", ""))
            if made is not None:
                return Page(redirect=next_url, values={"_session": made})
            return Page("login.html", {"next": next_url, "failed": True, "title": "Log in"}, status=401)
        return Page("login.html", {"next": next_url, "failed": False, "title": "Log in"})

    def logout(self, request: Request, session: Session, form: Mapping[str, str]) -> Page:
        return Page(redirect=f"{self._base(request)}/login", values={"_session": self.auth.new_session()})

    def _safe_next(self, request: Request, value: str) -> str:
        base = self._base(request)
        if value.startswith(base + "/") and not value.startswith("//") and "\\" not in value:
            return value
        return base + "/"

    # --- overview -----------------------------------------------------------------------------
    def overview_page(self, request: Request, session: Session, form: Mapping[str, str]) -> Page:
        analyzers = self.analyzers()
        today = utc_now().date()
        try:
            store = self.store
            rows = store.overview_rows() if analyzers else []
            latest = store.latest_analysis_changes() if analyzers else []
            history = store.status_counts_since(
                datetime.combine(today - timedelta(days=TREND_DAYS - 1), datetime.min.time(), tzinfo=timezone.utc)) \
                if analyzers else []
        except FindingsError:
            rows, latest, history = [], [], []
        data = summary.overview(rows, latest, history, today=today, days=TREND_DAYS)
        labels = [d.day.strftime("%m-%d") for d in data.trend]
        trend_chart = svg.column_chart(f"Findings per day, last {TREND_DAYS} days", labels, [
            svg.Series("created", tuple(d.created for d in data.trend)),
            svg.Series("archived", tuple(d.archived for d in data.trend)),
            svg.Series("resolved", tuple(d.resolved for d in data.trend))])
        everyone = request.query_params.get("accounts") == "all"
        return Page("overview.html", {
            "title": "Overview", "overview": data, "accounts": data.accounts if everyone else data.accounts[:TOP_ACCOUNTS],
            "top_accounts": TOP_ACCOUNTS, "analyzers": analyzers, "trend_chart": trend_chart,
            "type_chart": svg.bar_chart("Active findings by type", list(data.by_type[:10])),
            "resource_chart": svg.bar_chart("Active findings by resource type", list(data.by_resource_type[:10])),
            "account_chart": svg.bar_chart("Active findings by account",
                                           [(a.account, a.active) for a in data.accounts[:10]]),
            "trend_rows": [d for d in data.trend if d.created or d.archived or d.resolved],
        })

    # --- findings -------------------------------------------------------------------------------
    def _selected(self, chosen: query_module.FindingsQuery, analyzers: list) -> tuple[int, list[Finding]]:
        """How many findings the query selects, and those of its page. Equality filters and sorts on
        columns are done by the database (``FindingsStore.findings_page``); a principal, condition or
        substring filter reads the analyzers' findings and filters them as ListFindings does."""
        targets = [a.arn for a in analyzers if not chosen.analyzer or chosen.analyzer in (a.arn, a.name)]
        if not targets:
            return 0, []
        first = (chosen.page - 1) * query_module.PAGE_SIZE
        equals = chosen.equals()
        if equals is not None:
            total, items = self.store.findings_page(targets, equals, chosen.to_sort(), first, query_module.PAGE_SIZE)
            if items or not total:
                return total, items
            last = (max(1, -(-total // query_module.PAGE_SIZE)) - 1) * query_module.PAGE_SIZE  # past the end
            return self.store.findings_page(targets, equals, chosen.to_sort(), last, query_module.PAGE_SIZE)
        from ..findings.filters import parse_sort, sort_findings

        found: list[Finding] = []
        for arn in targets:
            found.extend(self.store.list_findings(arn, chosen.to_filter(), chosen.to_sort()).items)
        found = sort_findings(found, parse_sort(chosen.to_sort()))
        start, end, _ = query_module.page_bounds(len(found), chosen.page)
        return len(found), found[start:end]

    def findings_page(self, request: Request, session: Session, form: Mapping[str, str]) -> Page:
        chosen = query_module.parse_query(request.query_params)
        analyzers = self.analyzers()
        problems = list(chosen.problems)
        try:
            total, shown = self._selected(chosen, analyzers)
        except FindingsError as e:
            problems.append(_error_message(e))
            total, shown = 0, []
        start, end, pages = query_module.page_bounds(total, chosen.page)
        names = {a.arn: a.name for a in analyzers}
        base = self._base(request) + "/findings"
        return Page("findings.html", {
            "title": "Findings", "query": chosen, "findings": shown, "total": total,
            "first": start + 1, "last": end, "pages": pages, "page": min(chosen.page, pages), "names": names,
            "analyzers": analyzers, "problems": problems, "findings_url": base,
            "statuses": query_module.STATUSES,
        })

    # --- one finding ----------------------------------------------------------------------------
    def _finding(self, name: str, finding_id: str) -> tuple[Any, Finding]:
        analyzer = self._analyzer(name)
        try:
            return analyzer, self.store.get_finding(analyzer.arn, finding_id)
        except FindingsError as e:
            raise HttpError(404, f"No finding {finding_id} in analyzer {name}") from e

    def finding_page(self, request: Request, session: Session, form: Mapping[str, str]) -> Page:
        name, finding_id = request.path_params["name"], request.path_params["finding_id"]
        analyzer, finding = self._finding(name, finding_id)
        shown = finding.to_aws()
        policy = None
        if finding.finding_type == EXTERNAL_ACCESS and not finding.is_error:
            with REASONING_LOCK:
                view = self.policies.policy_for(shown)
            if view is not None:
                policy = {"view": view, "html": highlight(view.text, view.spans)}
        recommendation = None
        if finding.finding_type == "UnusedPermission" and finding.status == ACTIVE:
            recommendation = self._recommendation(finding)
        return Page("finding.html", {
            "title": f"Finding {finding.id}", "analyzer": analyzer, "finding": finding, "shown": shown,
            "sentence": witness_sentence(finding.witness, finding.condition, bool(finding.is_public))
            if finding.witness else None,
            "policy": policy, "history": self.store.finding_history(analyzer.arn, finding.id),
            "details": finding.finding_details() if finding.finding_type != EXTERNAL_ACCESS else [],
            "recommendation": recommendation, "message": request.query_params.get("done", "")[:200],
            "rule_name": f"from-{finding.id[:8]}",
        })

    def _recommendation(self, finding: Finding) -> dict:
        from ..analyzers.unused_service import recommendation_for

        try:
            with REASONING_LOCK:
                made = recommendation_for(finding)
        except Exception as e:  # noqa: BLE001 - a snapshot gone or changed: said on the page, never a traceback
            log.warning("recommendation for finding %s failed: %s", finding.id, e)
            return {"error": _error_message(e), "steps": []}
        steps = []
        replaced = {step.existing_policy_id for step in made.steps if step.recommended_policy}
        for step in made.steps:
            steps.append({
                "replaced": step.recommended_action == "DETACH_POLICY" and step.existing_policy_id in replaced,
                "action": step.recommended_action, "policy": step.existing_policy_id,
                "diff": side_by_side(step.existing_policy, step.recommended_policy) if step.recommended_policy else None,
                "proof": (step.proof or {}).get("result"), "proof_reasons": (step.proof or {}).get("reasons") or [],
                "validation": list(step.validation)})
        return {"error": None, "steps": steps, "problems": list(made.problems)}

    def status_form(self, request: Request, session: Session, form: Mapping[str, str]) -> Page:
        name, finding_id = request.path_params["name"], request.path_params["finding_id"]
        analyzer, finding = self._finding(name, finding_id)
        status = form.get("status")
        if status not in (ACTIVE, ARCHIVED):
            raise HttpError(400, "status is ACTIVE or ARCHIVED")
        self.backend.update_findings(analyzerArn=analyzer.arn, status=status, ids=[finding.id])
        done = "archived" if status == ARCHIVED else "unarchived"
        return Page(redirect=f"{self._base(request)}/analyzers/{quote(name)}/findings/{quote(finding_id)}?done={done}")

    def archive_rule_form(self, request: Request, session: Session, form: Mapping[str, str]) -> Page:
        name, finding_id = request.path_params["name"], request.path_params["finding_id"]
        analyzer, finding = self._finding(name, finding_id)
        criteria = rule_filter(finding, [key for key in ("resource", "resourceType", "principal", "isPublic",
                                                         "resourceOwnerAccount", "findingType") if form.get(key)])
        if not criteria:
            raise HttpError(400, "Choose at least one criterion: an empty archive rule would archive every finding")
        rule_name = form.get("rule_name", "").strip()
        self.backend.create_archive_rule(analyzerName=analyzer.name, ruleName=rule_name, filter=criteria)
        done = f"rule {rule_name} created"
        if form.get("apply"):
            self.backend.apply_archive_rule(analyzerArn=analyzer.arn, ruleName=rule_name)
            done += " and applied"
        return Page(redirect=f"{self._base(request)}/analyzers/{quote(name)}/findings/{quote(finding_id)}?"
                             + urlencode({"done": done}))

    # --- unused access --------------------------------------------------------------------------
    def unused_page(self, request: Request, session: Session, form: Mapping[str, str]) -> Page:
        entities: dict[str, dict] = {}
        for analyzer in self.analyzers():
            if analyzer.type not in UNUSED_ACCESS_ANALYZER_TYPES:
                continue
            for finding in self.store.list_findings(analyzer.arn, {"status": {"eq": [ACTIVE]}},
                                                    {"attributeName": "resource", "orderBy": "ASC"}).items:
                entity = entities.setdefault(finding.resource, {
                    "resource": finding.resource, "account": finding.resource_owner_account,
                    "kind": "role" if finding.resource_type == "AWS::IAM::Role" else "user", "rows": []})
                for detail in finding.finding_details():
                    for kind, values in detail.items():
                        entity["rows"].append(unused_row(analyzer.name, finding, kind, values))
        return Page("unused.html", {"title": "Unused access", "entities": sorted(entities.values(),
                                                                              key=lambda e: (e["account"], e["resource"]))})

    # --- policy checks ----------------------------------------------------------------------------
    def checks_page(self, request: Request, session: Session, form: Mapping[str, str]) -> Page:
        values: dict[str, Any] = {
            "title": "Policy checks", "policy_types": POLICY_TYPES, "resource_types": VALIDATE_RESOURCE_TYPES,
            "public_types": PUBLIC_ACCESS_RESOURCE_TYPES, "form": dict(form), "result": None,
        }
        if request.method != "POST":
            return Page("checks.html", values)
        # Browsers send a textarea's line ends as CRLF: the policy is checked as it was typed.
        form = {name: value.replace("\r\n", "\n") for name, value in form.items()}
        values["form"] = form
        document = form.get("policy", "")
        policy_type = form.get("policy_type", "IDENTITY_POLICY")
        check = form.get("check", "validate")
        result: dict[str, Any] = {"check": check}
        try:
            if check == "validate":
                arguments = {"policyDocument": document, "policyType": policy_type}
                if form.get("resource_type"):
                    arguments["validatePolicyResourceType"] = form["resource_type"]
                findings = self.backend.validate_policy(**arguments)["findings"]
                result.update(findings=findings, html=highlight(document, validation_spans(findings)))
            else:
                with REASONING_LOCK:
                    answer = self._run_check(check, document, policy_type, form)
                result.update(answer=answer, html=highlight(document, ()),
                              sentence=witness_sentence(answer["witness"]) if answer.get("witness") else None)
        except ClientError as e:
            result["error"] = _error_message(e)
        values["result"] = result
        return Page("checks.html", values)

    def _run_check(self, check: str, document: str, policy_type: str, form: Mapping[str, str]) -> dict:
        if check == "no-new-access":
            return self.backend.check_no_new_access(newPolicyDocument=document, policyType=policy_type,
                                                    existingPolicyDocument=form.get("existing", ""))
        if check == "access-not-granted":
            actions = [a for a in form.get("actions", "").replace(",", " ").split() if a]
            resources = [r for r in form.get("resources", "").split() if r]
            access: dict[str, list] = {}
            if actions:
                access["actions"] = actions
            if resources:
                access["resources"] = resources
            return self.backend.check_access_not_granted(policyDocument=document, policyType=policy_type,
                                                         access=[access])
        if check == "no-public-access":
            return self.backend.check_no_public_access(policyDocument=document,
                                                       resourceType=form.get("public_type", "AWS::S3::Bucket"))
        raise HttpError(400, f"Unknown check {check[:40]!r}")


def rule_filter(finding: Finding, keys: list[str]) -> dict[str, dict]:
    """An archive rule's filter that matches ``finding`` on the chosen ``keys``."""
    criteria: dict[str, dict] = {}
    for key in keys:
        if key == "principal":
            for principal_type, value in (finding.principal or {}).items():
                criteria[f"principal.{principal_type}"] = {"eq": [value]}
        elif key == "isPublic" and finding.is_public is not None:
            criteria["isPublic"] = {"eq": ["true" if finding.is_public else "false"]}
        elif key in ("resource", "resourceType", "resourceOwnerAccount", "findingType"):
            value = {"resource": finding.resource, "resourceType": finding.resource_type,
                     "resourceOwnerAccount": finding.resource_owner_account,
                     "findingType": finding.finding_type}[key]
            criteria[key] = {"eq": [value]}
    return criteria


def unused_row(analyzer_name: str, finding: Finding, kind: str, values: Mapping[str, Any]) -> dict:
    """One line of the unused access page: what is unused and when it was last used."""
    label = {"unusedIamRoleDetails": "role unused", "unusedIamUserAccessKeyDetails": "access key unused",
             "unusedIamUserPasswordDetails": "password unused", "unusedPermissionDetails": "permissions unused"
             }.get(kind, kind)
    what = ""
    if kind == "unusedIamUserAccessKeyDetails":
        what = values.get("accessKeyId", "")
    elif kind == "unusedPermissionDetails":
        actions = [a.get("action", "") for a in values.get("actions") or ()]
        what = values.get("serviceNamespace", "") + (": " + ", ".join(actions) if actions else " (every action)")
    return {"analyzer": analyzer_name, "id": finding.id, "type": finding.finding_type, "label": label, "what": what,
            "last": values.get("lastAccessed"), "recommendable": finding.finding_type == "UnusedPermission"}


def create_console(application: Application, settings: ConsoleSettings) -> Starlette:
    """The console as an ASGI application (mount it, e.g. at ``/console``)."""
    console = Console(application, settings)

    def page(handler: Callable[..., Page], public: bool = False):
        async def endpoint(request: Request) -> Response:
            return await console.handle(request, handler, public)
        return endpoint

    static = StaticFiles(directory=str(Path(__file__).parent / "static"))
    routes = [
        Route("/", page(console.overview_page)),
        Route("/findings", page(console.findings_page)),
        Route("/analyzers/{name}/findings/{finding_id}", page(console.finding_page)),
        Route("/analyzers/{name}/findings/{finding_id}/status", page(console.status_form), methods=["POST"]),
        Route("/analyzers/{name}/findings/{finding_id}/archive-rule", page(console.archive_rule_form),
              methods=["POST"]),
        Route("/unused", page(console.unused_page)),
        Route("/checks", page(console.checks_page), methods=["GET", "POST"]),
        Route("/login", page(console.login_page, public=True), methods=["GET", "POST"]),
        Route("/logout", page(console.logout, public=True), methods=["POST"]),
        Mount("/static", app=static, name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.console = console
    return app
