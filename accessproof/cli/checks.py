"""``accessproof check-no-new-access``, ``check-access-not-granted``, ``check-no-public-access``.

Output as the AWS CLI prints the response (JSON, plus accessproof's ``witness``), or text, or
SARIF. Exit status: 0 PASS, 1 FAIL, 2 bad input. ``--string-semantics`` answers about any action
string with any resource string instead of the requests AWS can receive.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Optional

import typer
from botocore.exceptions import ClientError

from ..api.accessanalyzer import AccessAnalyzerClient
from ..checks import ACCESS_CHECK_RESOURCE_TYPES
from ..integrations.sarif import check_sarif
from .awsmodel import Mirror, read_document
from .inputs import InputError
from .output import QUERY_HELP, Query, compile_query, emit

CHECK_NO_NEW_ACCESS = Mirror("accessanalyzer", "CheckNoNewAccess")
CHECK_ACCESS_NOT_GRANTED = Mirror("accessanalyzer", "CheckAccessNotGranted")
CHECK_NO_PUBLIC_ACCESS = Mirror("accessanalyzer", "CheckNoPublicAccess")


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


def _emit(response: dict, output: CheckOutput, query: Query, document: tuple[str, str], check: str) -> None:
    name, text = document
    emit(response, output.value, query, text=lambda: typer.echo(render_text(response)),
         sarif=lambda: check_sarif(response, name, text, check))
    if response["result"] == "FAIL":
        raise typer.Exit(1)


STRING_SEMANTICS_HELP = ("Answer about any action string with any resource string, not only the requests AWS can "
                         "receive (a catalog action on a resource of one of its types).")


def check_no_new_access_command(
    new_policy_document: str = typer.Option(..., "--new-policy-document", help="The updated policy: a path, file://path, - or inline JSON."),
    existing_policy_document: str = typer.Option(..., "--existing-policy-document", help="The existing (reference) policy."),
    policy_type: CheckPolicyType = typer.Option(..., "--policy-type", help="IDENTITY_POLICY or RESOURCE_POLICY."),
    output: CheckOutput = typer.Option(CheckOutput.json, "--output", help="json (as the AWS CLI prints it), text, or sarif."),
    string_semantics: bool = typer.Option(False, "--string-semantics", help=STRING_SEMANTICS_HELP),
    query: Optional[str] = typer.Option(None, "--query", help=QUERY_HELP),
) -> None:
    """Prove that the new policy grants nothing the existing one does not (CheckNoNewAccess).

    Exit status: 0 PASS, 1 FAIL, 2 bad input.
    """
    expression = compile_query(query)
    new = read_document(new_policy_document)
    _, old_text = read_document(existing_policy_document)
    response = _call(AccessAnalyzerClient().check_no_new_access, newPolicyDocument=new[1],
                     existingPolicyDocument=old_text, policyType=policy_type.value,
                     stringSemantics=string_semantics)
    _emit(response, output, expression, new, "CheckNoNewAccess")


def _access_argument(access: Optional[list[str]], actions: Optional[list[str]], resources: Optional[list[str]]) -> list:
    if access:
        if actions or resources:
            raise InputError("give --access or --action/--resource, not both")
        return CHECK_ACCESS_NOT_GRANTED.argument("access", access)
    if not actions and not resources:
        raise InputError("give --access, or --action and/or --resource")
    item: dict = {}
    if actions:
        item["actions"] = actions
    if resources:
        item["resources"] = resources
    return [item]


def check_access_not_granted_command(
    policy_document: str = typer.Option(..., "--policy-document", help="The policy: a path, file://path, - or inline JSON."),
    policy_type: CheckPolicyType = typer.Option(..., "--policy-type", help="IDENTITY_POLICY or RESOURCE_POLICY."),
    access: Optional[list[str]] = typer.Option(
        None, "--access", help='As the AWS CLI takes it: JSON [{"actions": [...], "resources": [...]}], or shorthand '
                               'actions=s3:GetObject,s3:PutObject,resources=arn:aws:s3:::b/* (one per value).'),
    actions: Optional[list[str]] = typer.Option(None, "--action", help="An action that must not be granted (repeatable)."),
    resources: Optional[list[str]] = typer.Option(None, "--resource", help="A resource ARN that must not be reachable (repeatable)."),
    output: CheckOutput = typer.Option(CheckOutput.json, "--output", help="json (as the AWS CLI prints it), text, or sarif."),
    string_semantics: bool = typer.Option(False, "--string-semantics", help=STRING_SEMANTICS_HELP),
    query: Optional[str] = typer.Option(None, "--query", help=QUERY_HELP),
) -> None:
    """Prove that the policy does not grant the listed access (CheckAccessNotGranted).

    Exit status: 0 PASS, 1 FAIL, 2 bad input.
    """
    expression = compile_query(query)
    document = read_document(policy_document)
    response = _call(AccessAnalyzerClient().check_access_not_granted, policyDocument=document[1],
                     access=_access_argument(access, actions, resources), policyType=policy_type.value,
                     stringSemantics=string_semantics)
    _emit(response, output, expression, document, "CheckAccessNotGranted")


def check_no_public_access_command(
    policy_document: str = typer.Option(..., "--policy-document", help="The resource policy: a path, file://path, - or inline JSON."),
    resource_type: ResourceType = typer.Option(..., "--resource-type", help="The resource type, e.g. AWS::S3::Bucket."),
    output: CheckOutput = typer.Option(CheckOutput.json, "--output", help="json (as the AWS CLI prints it), text, or sarif."),
    string_semantics: bool = typer.Option(False, "--string-semantics", help=STRING_SEMANTICS_HELP),
    query: Optional[str] = typer.Option(None, "--query", help=QUERY_HELP),
) -> None:
    """Prove that the resource policy grants no public access to this resource type (CheckNoPublicAccess).

    Exit status: 0 PASS, 1 FAIL, 2 bad input.
    """
    expression = compile_query(query)
    document = read_document(policy_document)
    response = _call(AccessAnalyzerClient().check_no_public_access, policyDocument=document[1],
                     resourceType=resource_type.value, stringSemantics=string_semantics)
    _emit(response, output, expression, document, "CheckNoPublicAccess")
