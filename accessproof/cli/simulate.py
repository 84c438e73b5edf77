"""``accessproof simulate-custom-policy``: the IAM policy simulator, with the AWS CLI's flags.

List flags take several values after one flag, as in the AWS CLI
(``--action-names s3:GetObject s3:PutObject``), or the flag repeated; ``--context-entries`` and
``--ordered-organization-policy-input-list`` take JSON or shorthand
(``ContextKeyName=aws:username,ContextKeyValues=alice,ContextKeyType=string``). Documents are a path,
``file://path``, ``-`` or inline JSON. ``--output text`` says which statement decided each result.
An unknown flag or a stray value is a usage error (exit 2), never silently ignored.
"""

from __future__ import annotations

from enum import Enum
from typing import Optional

import typer
from botocore.exceptions import ClientError, ParamValidationError

from ..api.iam import IAMClient
from .awsmodel import Mirror, read_document
from .inputs import InputError
from .output import QUERY_HELP, compile_query, emit

SIMULATE_CUSTOM_POLICY = Mirror("iam", "SimulateCustomPolicy")


class Output(str, Enum):
    json = "json"
    text = "text"


def _documents(values: list[str]) -> list[str]:
    return [read_document(v)[1] for v in values]


def simulate_custom_policy(
    policy_input_list: Optional[list[str]] = typer.Option(None, "--policy-input-list", help="Identity-based policies (file://path or JSON)."),
    action_names: Optional[list[str]] = typer.Option(None, "--action-names", help="Actions to simulate, e.g. s3:GetObject."),
    resource_arns: Optional[list[str]] = typer.Option(None, "--resource-arns", help="Resource ARNs (default *)."),
    resource_policy: Optional[str] = typer.Option(None, "--resource-policy", help="The resource-based policy."),
    resource_owner: Optional[str] = typer.Option(None, "--resource-owner", help="Account that owns the resources."),
    caller_arn: Optional[str] = typer.Option(None, "--caller-arn", help="The simulated caller (needed with --resource-policy)."),
    context_entries: Optional[list[str]] = typer.Option(None, "--context-entries", help="Context keys and values."),
    permissions_boundary_policy_input_list: Optional[list[str]] = typer.Option(
        None, "--permissions-boundary-policy-input-list", help="The permissions boundary."),
    ordered_organization_policy_input_list: Optional[list[str]] = typer.Option(
        None, "--ordered-organization-policy-input-list",
        help='SCPs by level, root first, as the AWS CLI takes them: JSON [{"ServiceControlPolicyInputList": [...]}, ...].'),
    service_control_policy_input_list: Optional[list[str]] = typer.Option(
        None, "--service-control-policy-input-list", help="SCPs, one document per level of the organization (root first)."),
    resource_control_policy_input_list: Optional[list[str]] = typer.Option(
        None, "--resource-control-policy-input-list", help="RCPs, one per level of the organization."),
    session_policy_input_list: Optional[list[str]] = typer.Option(
        None, "--session-policy-input-list", help="Session policies of the caller's session."),
    output: Output = typer.Option(Output.json, "--output", help="json (as the AWS CLI prints it) or text."),
    query: Optional[str] = typer.Option(None, "--query", help=QUERY_HELP),
) -> None:
    """Simulate identity, resource, boundary, session, SCP and RCP policies for actions and resources.

    Exit status: 0 (whatever the decisions, as the AWS CLI), 2 bad input or usage.
    """
    if not action_names:
        raise InputError("--action-names is required")
    expression = compile_query(query)
    kwargs: dict = {
        "PolicyInputList": _documents(policy_input_list or []),
        "ActionNames": SIMULATE_CUSTOM_POLICY.argument("ActionNames", action_names),
    }
    if resource_arns:
        kwargs["ResourceArns"] = SIMULATE_CUSTOM_POLICY.argument("ResourceArns", resource_arns)
    if resource_policy is not None:
        kwargs["ResourcePolicy"] = read_document(resource_policy)[1]
    if resource_owner is not None:
        kwargs["ResourceOwner"] = resource_owner
    if caller_arn is not None:
        kwargs["CallerArn"] = caller_arn
    if context_entries:
        kwargs["ContextEntries"] = SIMULATE_CUSTOM_POLICY.argument("ContextEntries", context_entries)
    if ordered_organization_policy_input_list:
        kwargs["OrderedOrganizationPolicyInputList"] = SIMULATE_CUSTOM_POLICY.argument(
            "OrderedOrganizationPolicyInputList", ordered_organization_policy_input_list)
    for values, name in (
        (permissions_boundary_policy_input_list, "PermissionsBoundaryPolicyInputList"),
        (service_control_policy_input_list, "ServiceControlPolicyInputList"),
        (resource_control_policy_input_list, "ResourceControlPolicyInputList"),
        (session_policy_input_list, "SessionPolicyInputList"),
    ):
        if values:
            kwargs[name] = _documents(values)
    try:
        response, reasons = IAMClient().simulate_custom_policy_explained(**kwargs)
    except ClientError as e:
        raise InputError(f"{e.response['Error']['Code']}: {e.response['Error']['Message']}") from None
    except ParamValidationError as e:
        raise InputError(str(e).replace("\n", " ")) from None

    def explain() -> None:
        for result, reason in zip(response["EvaluationResults"], reasons):
            typer.echo(f"{result['EvalDecision']:<13} {result['EvalActionName']} on {result['EvalResourceName']}")
            typer.echo(f"              {reason}")
            if result["MissingContextValues"]:
                typer.echo(f"              missing context keys: {', '.join(result['MissingContextValues'])}")

    emit(response, output.value, expression, text=explain)
