"""``accessproof template validate|check-no-new-access|check-access-not-granted|check-no-public-access|preview|parse``.

The options and the report of cfn-policy-validator, offline: ``--template-path`` (a CloudFormation
template in JSON or YAML, a ``cdk.out`` directory, or a Terraform plan from ``terraform show -json``),
``--parameters Key=Value`` (repeatable), ``--region``, ``--account-id``, ``--partition``,
``--ignore-finding`` and ``--treat-as-blocking`` (comma-separated). The report is
cfn-policy-validator's JSON (``BlockingFindings``/``NonBlockingFindings``), or SARIF, Markdown, text.

Exit status, as cfn-policy-validator's: 0 no blocking finding, 2 blocking findings, 1 an error
(a template that cannot be read, a bad option), with a one-line message on stderr.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Callable, Optional

import typer

from ..inventory import load_snapshot
from ..inventory.errors import SnapshotError
from ..templates import Deployment, Settings, TemplateError, load_deployment, run
from ..templates.render import report_markdown, report_sarif, report_text
from ..untrusted import one_line
from .inputs import InputError, read_argument

template_app = typer.Typer(name="template", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                           help="Check the policies of a CloudFormation template, cdk.out or Terraform plan, offline.")


class Format(str, Enum):
    json = "json"
    sarif = "sarif"
    markdown = "markdown"
    text = "text"


class ReferenceType(str, Enum):
    IDENTITY = "IDENTITY"
    RESOURCE = "RESOURCE"


TEMPLATE = typer.Option(..., "--template-path", help="CloudFormation template (JSON/YAML), cdk.out directory, or "
                                                    "Terraform plan JSON (terraform show -json).")
PARAMETERS = typer.Option(None, "--parameters", help="A template parameter as Key=Value (repeatable).")
REGION = typer.Option("us-east-1", "--region", help="The region the template is deployed to.")
ACCOUNT = typer.Option("123456789012", "--account-id", help="The account the template is deployed to.")
PARTITION = typer.Option("aws", "--partition", help="aws, aws-cn or aws-us-gov.")
IGNORE = typer.Option(None, "--ignore-finding", help="Findings to ignore: a resource name, a code, or Resource.CODE "
                                                    "(comma-separated, repeatable).")
BLOCKING = typer.Option("ERROR,SECURITY_WARNING", "--treat-as-blocking",
                        help="Finding types that block (comma-separated), or NONE.")
FORMAT = typer.Option(Format.json, "--output", help="json (cfn-policy-validator's report), sarif, markdown or text.")


def _fail(message: str) -> typer.Exit:
    print(f"accessproof: error: {one_line(message)}", file=sys.stderr)
    return typer.Exit(1)


def _settings(parameters: Optional[list[str]], region: str, account_id: str, partition: str) -> Settings:
    pairs = []
    for item in parameters or []:
        for part in item.split() if " " in item and "=" in item.split()[0] else [item]:
            key, sep, value = part.partition("=")
            if not sep or not key:
                raise _fail(f"--parameters {part!r}: expected Key=Value")
            pairs.append((key, value))
    if not (len(account_id) == 12 and account_id.isdigit()):
        raise _fail(f"--account-id {account_id!r}: expected 12 digits")
    if partition not in ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b"):
        raise _fail(f"--partition {partition!r}: expected aws, aws-cn or aws-us-gov")
    return Settings(account_id, region, partition, tuple(pairs))


def _load(path: str, settings: Settings) -> Deployment:
    try:
        return load_deployment(Path(path), settings)
    except TemplateError as e:
        raise _fail(str(e)) from None


def _split(values: Optional[list[str]]) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def _finish(findings: Callable[[], list], ignore: Optional[list[str]], blocking: str, output: Format,
            command: str, title: str) -> None:
    types = _split([blocking])
    for t in types:
        if t.upper() not in run.FINDING_TYPES + ("NONE",):
            raise _fail(f"--treat-as-blocking {t!r}: expected {', '.join(run.FINDING_TYPES)} or NONE")
    try:
        found = findings()
    except TemplateError as e:
        raise _fail(str(e)) from None
    report = run.report(found, _split(ignore), types)
    if output is Format.sarif:
        typer.echo(json.dumps(report_sarif(report, command), indent=4))
    elif output is Format.markdown:
        typer.echo(report_markdown(report, title), nl=False)
    elif output is Format.text:
        typer.echo(report_text(report))
    else:
        typer.echo(json.dumps(report.as_json(), indent=4))
    if report.blocking:
        raise typer.Exit(2)


def _snapshot(path: Optional[str]):
    if path is None:
        return None
    try:
        return load_snapshot(path)
    except SnapshotError as e:
        raise _fail(str(e)) from None


@template_app.command("validate")
def validate_command(
    template_path: str = TEMPLATE, parameters: Optional[list[str]] = PARAMETERS, region: str = REGION,
    account_id: str = ACCOUNT, partition: str = PARTITION, ignore_finding: Optional[list[str]] = IGNORE,
    treat_as_blocking: str = BLOCKING, output: Format = FORMAT,
    allow_external_principals: Optional[list[str]] = typer.Option(
        None, "--allow-external-principals", help="Account ids or principal ARNs whose access is expected (comma-separated)."),
    zone_of_trust: str = typer.Option("ACCOUNT", "--zone-of-trust", help="ACCOUNT or ORGANIZATION (needs --snapshot)."),
    snapshot: Optional[str] = typer.Option(None, "--snapshot", help="An account snapshot directory (zone of trust, "
                                                                     "existing resources)."),
) -> None:
    """ValidatePolicy on every policy, plus the external access of resource and trust policies."""
    settings = _settings(parameters, region, account_id, partition)
    deployment = _load(template_path, settings)
    snap = _snapshot(snapshot)
    _finish(lambda: run.validate(deployment, zone_of_trust, snap, _split(allow_external_principals)), ignore_finding,
            treat_as_blocking, output, "validate", "template validate")


@template_app.command("check-no-new-access")
def check_no_new_access_command(
    template_path: str = TEMPLATE, parameters: Optional[list[str]] = PARAMETERS, region: str = REGION,
    account_id: str = ACCOUNT, partition: str = PARTITION, ignore_finding: Optional[list[str]] = IGNORE,
    treat_as_blocking: str = typer.Option("ERROR,SECURITY_WARNING", "--treat-as-blocking",
                                          help="Finding types that block (comma-separated), or NONE."),
    output: Format = FORMAT,
    reference_policy: Optional[str] = typer.Option(None, "--reference-policy", help="The reference policy (a path, file://path or -)."),
    reference_policy_type: Optional[ReferenceType] = typer.Option(None, "--reference-policy-type", help="IDENTITY or RESOURCE."),
    base_template: Optional[str] = typer.Option(None, "--base-template", help="The template at the pull request's base: "
                                                                           "each policy is compared with its own earlier version."),
) -> None:
    """CheckNoNewAccess of each policy against a reference policy, or against the base template's version."""
    if (reference_policy is None) == (base_template is None):
        raise _fail("give --reference-policy (with --reference-policy-type) or --base-template")
    if reference_policy is not None and reference_policy_type is None:
        raise _fail("--reference-policy needs --reference-policy-type IDENTITY or RESOURCE")
    settings = _settings(parameters, region, account_id, partition)
    deployment = _load(template_path, settings)
    if base_template is not None:
        base = _load(base_template, settings)
        work = lambda: run.check_no_new_access(deployment, base=base)  # noqa: E731
    else:
        try:
            _, text = read_argument(reference_policy)
        except InputError as e:
            raise _fail(str(e)) from None
        kind = "IDENTITY_POLICY" if reference_policy_type is ReferenceType.IDENTITY else "RESOURCE_POLICY"
        work = lambda: run.check_no_new_access(deployment, reference=text, reference_type=kind)  # noqa: E731
    _finish(work, ignore_finding, treat_as_blocking, output, "check-no-new-access", "check-no-new-access")


@template_app.command("check-access-not-granted")
def check_access_not_granted_command(
    template_path: str = TEMPLATE, parameters: Optional[list[str]] = PARAMETERS, region: str = REGION,
    account_id: str = ACCOUNT, partition: str = PARTITION, ignore_finding: Optional[list[str]] = IGNORE,
    treat_as_blocking: str = BLOCKING, output: Format = FORMAT,
    actions: Optional[list[str]] = typer.Option(None, "--actions", help="Actions that must not be granted (comma-separated)."),
    resources: Optional[list[str]] = typer.Option(None, "--resources", help="Resource ARNs that must not be reachable (comma-separated)."),
) -> None:
    """CheckAccessNotGranted of each policy for the listed actions and/or resources."""
    if not _split(actions) and not _split(resources):
        raise _fail("At least one of --actions or --resources must be specified.")
    settings = _settings(parameters, region, account_id, partition)
    deployment = _load(template_path, settings)
    _finish(lambda: run.check_access_not_granted(deployment, _split(actions), _split(resources)), ignore_finding,
            treat_as_blocking, output, "check-access-not-granted", "check-access-not-granted")


@template_app.command("check-no-public-access")
def check_no_public_access_command(
    template_path: str = TEMPLATE, parameters: Optional[list[str]] = PARAMETERS, region: str = REGION,
    account_id: str = ACCOUNT, partition: str = PARTITION, ignore_finding: Optional[list[str]] = IGNORE,
    treat_as_blocking: str = BLOCKING, output: Format = FORMAT,
) -> None:
    """CheckNoPublicAccess of each resource policy and trust policy."""
    settings = _settings(parameters, region, account_id, partition)
    deployment = _load(template_path, settings)
    _finish(lambda: run.check_no_public_access(deployment), ignore_finding, treat_as_blocking, output,
            "check-no-public-access", "check-no-public-access")


@template_app.command("preview")
def preview_command(
    template_path: str = TEMPLATE, parameters: Optional[list[str]] = PARAMETERS, region: str = REGION,
    account_id: str = ACCOUNT, partition: str = PARTITION, ignore_finding: Optional[list[str]] = IGNORE,
    treat_as_blocking: str = BLOCKING, output: Format = FORMAT,
    zone_of_trust: str = typer.Option("ACCOUNT", "--zone-of-trust", help="ACCOUNT or ORGANIZATION (needs --snapshot)."),
    snapshot: Optional[str] = typer.Option(None, "--snapshot", help="The account as it is: findings are then NEW, "
                                                                     "UNCHANGED or RESOLVED against it."),
) -> None:
    """The access preview of the deployment: the external access its resources would have."""
    settings = _settings(parameters, region, account_id, partition)
    deployment = _load(template_path, settings)
    snap = _snapshot(snapshot)
    if zone_of_trust not in ("ACCOUNT", "ORGANIZATION"):
        raise _fail(f"--zone-of-trust {zone_of_trust!r}: expected ACCOUNT or ORGANIZATION")

    def work() -> list:
        try:
            return run.preview(deployment, zone_of_trust, snap, account_id)[0]
        except ValueError as e:
            raise _fail(str(e)) from None

    _finish(work, ignore_finding, treat_as_blocking, output, "preview", "access preview")


@template_app.command("parse")
def parse_command(
    template_path: str = TEMPLATE, parameters: Optional[list[str]] = PARAMETERS, region: str = REGION,
    account_id: str = ACCOUNT, partition: str = PARTITION,
) -> None:
    """Print the policies the template would create (with file and line), and what was not resolved."""
    settings = _settings(parameters, region, account_id, partition)
    deployment = _load(template_path, settings)
    body = {
        "Policies": [{"file": p.file, "line": p.line, "resource": p.resource, "resourceType": p.resource_type,
                      "policyName": p.policy_name, "kind": p.kind, "target": p.target_arn,
                      "principals": list(p.principals), "document": p.document,
                      "unresolved": [u.what for u in p.unresolved]} for p in deployment.policies],
        "Buckets": [vars(b) for b in deployment.buckets],
        "Unresolved": [str(u) for u in deployment.unresolved],
    }
    typer.echo(json.dumps(body, indent=4))
