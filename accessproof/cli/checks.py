"""``accessproof check-no-new-access``, ``check-access-not-granted``, ``check-no-public-access``.

Output as the AWS CLI prints the response (JSON, plus accessproof's ``witness``), or text, or
SARIF. Exit status: 0 PASS, 1 FAIL, 2 bad input.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Optional

import typer
from botocore.exceptions import ClientError

from ..api.accessanalyzer import AccessAnalyzerClient
from ..checks import ACCESS_CHECK_RESOURCE_TYPES
from .inputs import InputError, json_argument, read_argument


class CheckPolicyType(str, Enum):
    IDENTITY_POLICY = "IDENTITY_POLICY"
    RESOURCE_POLICY = "RESOURCE_POLICY"


ResourceType = Enum("ResourceType", {t: t for t in ACCESS_CHECK_RESOURCE_TYPES}, type=str)


class CheckOutput(str, Enum):
    json = "json"
    text = "text"
    sarif = "sarif"


def _call(method, **kwargs) -> dict:
    try:
        return method(**kwargs)
    except ClientError as e:
        raise InputError(e.response["Error"]["Message"]) from None


def render_text(response: dict) -> str:
    lines = [f"{response['result']}: {response['message']}"]
    for reason in response.get("reasons", []):
        sid = f" (Sid {reason['statementId']})" if reason.get("statementId") else ""
        lines.append(f"  statement {reason.get('statementIndex')}{sid}: {reason.get('description')}")
    witness = response.get("witness")
    if witness:
        lines.append(f"  witness: {witness['principal']} may {witness['action']} on {witness['resource']}")
        for key, value in witness["context"].items():
            lines.append(f"    context {key} = {json.dumps(value)}")
    return "\n".join(lines)


def render_sarif(response: dict, uri: str, rule: str) -> dict:
    results = []
    if response["result"] == "FAIL":
        for reason in response.get("reasons") or [{"description": response["message"]}]:
            results.append({
                "ruleId": rule, "level": "error",
                "message": {"text": f"{response['message']} {reason.get('description', '')}".strip()},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}}}],
                "properties": {"statementIndex": reason.get("statementIndex"), "witness": response.get("witness")},
            })
    return {"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "runs": [{"tool": {"driver": {"name": "accessproof", "rules": [{"id": rule}]}}, "results": results}]}


def _emit(response: dict, output: CheckOutput, uri: str, rule: str) -> None:
    if output is CheckOutput.text:
        typer.echo(render_text(response))
    elif output is CheckOutput.sarif:
        typer.echo(json.dumps(render_sarif(response, uri, rule), indent=2))
    else:
        typer.echo(json.dumps(response, indent=4))
    if response["result"] == "FAIL":
        raise typer.Exit(1)


def check_no_new_access_command(
    new_policy_document: str = typer.Option(..., "--new-policy-document", help="The updated policy: a path, file://path, - or inline JSON."),
    existing_policy_document: str = typer.Option(..., "--existing-policy-document", help="The existing (reference) policy."),
    policy_type: CheckPolicyType = typer.Option(..., "--policy-type", help="IDENTITY_POLICY or RESOURCE_POLICY."),
    output: CheckOutput = typer.Option(CheckOutput.json, "--output", help="json (as the AWS CLI prints it), text, or sarif."),
) -> None:
    """Prove that the new policy grants nothing the existing one does not (CheckNoNewAccess).

    Exit status: 0 PASS, 1 FAIL, 2 bad input.
    """
    new_name, new_text = read_argument(new_policy_document)
    _, old_text = read_argument(existing_policy_document)
    response = _call(AccessAnalyzerClient().check_no_new_access, newPolicyDocument=new_text,
                     existingPolicyDocument=old_text, policyType=policy_type.value)
    _emit(response, output, new_name, "CheckNoNewAccess")


def _access_argument(access: Optional[str], actions: Optional[list[str]], resources: Optional[list[str]]) -> list:
    if access is not None:
        if actions or resources:
            raise InputError("give --access or --actions/--resources, not both")
        value = json_argument(access, "--access")
        return value if isinstance(value, list) else [value]
    if not actions and not resources:
        raise InputError("give --access, or --actions and/or --resources")
    item: dict = {}
    if actions:
        item["actions"] = actions
    if resources:
        item["resources"] = resources
    return [item]


def check_access_not_granted_command(
    policy_document: str = typer.Option(..., "--policy-document", help="The policy: a path, file://path, - or inline JSON."),
    policy_type: CheckPolicyType = typer.Option(..., "--policy-type", help="IDENTITY_POLICY or RESOURCE_POLICY."),
    access: Optional[str] = typer.Option(None, "--access", help='JSON as the AWS CLI takes it: [{"actions": [...], "resources": [...]}].'),
    actions: Optional[list[str]] = typer.Option(None, "--action", help="An action that must not be granted (repeatable)."),
    resources: Optional[list[str]] = typer.Option(None, "--resource", help="A resource ARN that must not be reachable (repeatable)."),
    output: CheckOutput = typer.Option(CheckOutput.json, "--output", help="json (as the AWS CLI prints it), text, or sarif."),
) -> None:
    """Prove that the policy does not grant the listed access (CheckAccessNotGranted).

    Exit status: 0 PASS, 1 FAIL, 2 bad input.
    """
    name, text = read_argument(policy_document)
    response = _call(AccessAnalyzerClient().check_access_not_granted, policyDocument=text,
                     access=_access_argument(access, actions, resources), policyType=policy_type.value)
    _emit(response, output, name, "CheckAccessNotGranted")


def check_no_public_access_command(
    policy_document: str = typer.Option(..., "--policy-document", help="The resource policy: a path, file://path, - or inline JSON."),
    resource_type: ResourceType = typer.Option(..., "--resource-type", help="The resource type, e.g. AWS::S3::Bucket."),
    output: CheckOutput = typer.Option(CheckOutput.json, "--output", help="json (as the AWS CLI prints it), text, or sarif."),
) -> None:
    """Prove that the resource policy grants no public access to this resource type (CheckNoPublicAccess).

    Exit status: 0 PASS, 1 FAIL, 2 bad input.
    """
    name, text = read_argument(policy_document)
    response = _call(AccessAnalyzerClient().check_no_public_access, policyDocument=text,
                     resourceType=resource_type.value)
    _emit(response, output, name, "CheckNoPublicAccess")
