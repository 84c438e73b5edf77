"""``accessproof simulate-custom-policy``: the IAM policy simulator, with the AWS CLI's flags.

List flags take several values after one flag, as in the AWS CLI
(``--action-names s3:GetObject s3:PutObject``), or the flag repeated. Documents are a path,
``file://path``, ``-`` or inline JSON. ``--output text`` says which statement decided each result.
"""

from __future__ import annotations

import json
import shlex
import sys
from enum import Enum
from typing import Optional

import typer
from botocore.exceptions import ClientError

from ..api.iam import IAMClient
from .inputs import InputError, read_argument

LIST_FLAGS = (
    "--policy-input-list", "--action-names", "--resource-arns", "--context-entries",
    "--permissions-boundary-policy-input-list", "--service-control-policy-input-list",
    "--resource-control-policy-input-list", "--session-policy-input-list",
)


class Output(str, Enum):
    json = "json"
    text = "text"


def _list_flags(argv: list[str]) -> dict[str, list[str]]:
    """The values of each list flag in ``argv``, AWS CLI style (values up to the next ``--flag``)."""
    found: dict[str, list[str]] = {}
    current: Optional[list[str]] = None
    for token in argv:
        name, eq, inline = token.partition("=")
        if token.startswith("--"):
            current = found.setdefault(name, []) if name in LIST_FLAGS else None
            if current is not None and eq:
                current.append(inline)
        elif current is not None:
            current.append(token)
    return found


def _documents(values: list[str]) -> list[str]:
    return [read_argument(v)[1] for v in values]


def _context_entries(values: list[str]) -> list[dict]:
    """JSON (inline or file://) or the AWS CLI shorthand
    ``ContextKeyName=aws:SourceIp,ContextKeyValues=10.0.0.1,ContextKeyType=ip``."""
    entries: list[dict] = []
    for value in values:
        if value.startswith("file://") or value.lstrip().startswith(("[", "{")):
            text = read_argument(value)[1]
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError as e:
                raise InputError(f"--context-entries: not valid JSON: {e.msg}") from None
            entries.extend(parsed if isinstance(parsed, list) else [parsed])
            continue
        entry: dict = {"ContextKeyValues": []}
        last = None
        for part in value.split(","):
            key, eq, item = part.partition("=")
            if eq and key in ("ContextKeyName", "ContextKeyValues", "ContextKeyType"):
                last = key
                if key == "ContextKeyValues":
                    entry[key].extend(v for v in item.strip("[]").split(",") if v)
                else:
                    entry[key] = item
            elif last == "ContextKeyValues":
                entry[last].append(part.strip("[]"))
            else:
                raise InputError(f"--context-entries: cannot read {value!r} "
                                 "(expected ContextKeyName=...,ContextKeyValues=...,ContextKeyType=...)")
        if "ContextKeyName" not in entry:
            raise InputError(f"--context-entries: {value!r} has no ContextKeyName")
        entries.append(entry)
    return entries


def simulate_custom_policy(
    ctx: typer.Context,
    policy_input_list: Optional[list[str]] = typer.Option(None, "--policy-input-list", help="Identity-based policies (file://path or JSON)."),
    action_names: Optional[list[str]] = typer.Option(None, "--action-names", help="Actions to simulate, e.g. s3:GetObject."),
    resource_arns: Optional[list[str]] = typer.Option(None, "--resource-arns", help="Resource ARNs (default *)."),
    resource_policy: Optional[str] = typer.Option(None, "--resource-policy", help="The resource-based policy."),
    resource_owner: Optional[str] = typer.Option(None, "--resource-owner", help="Account that owns the resources."),
    caller_arn: Optional[str] = typer.Option(None, "--caller-arn", help="The simulated caller (needed with --resource-policy)."),
    context_entries: Optional[list[str]] = typer.Option(None, "--context-entries", help="Context keys and values."),
    permissions_boundary_policy_input_list: Optional[list[str]] = typer.Option(
        None, "--permissions-boundary-policy-input-list", help="The permissions boundary."),
    service_control_policy_input_list: Optional[list[str]] = typer.Option(
        None, "--service-control-policy-input-list", help="SCPs, one per level of the organization (root first)."),
    resource_control_policy_input_list: Optional[list[str]] = typer.Option(
        None, "--resource-control-policy-input-list", help="RCPs, one per level of the organization."),
    session_policy_input_list: Optional[list[str]] = typer.Option(
        None, "--session-policy-input-list", help="Session policies of the caller's session."),
    output: Output = typer.Option(Output.json, "--output", help="json (as the AWS CLI prints it) or text."),
) -> None:
    """Simulate identity, resource, boundary, session, SCP and RCP policies for actions and resources.

    Exit status: 0 (whatever the decisions, as the AWS CLI), 2 bad input or usage.
    """
    lists = _list_flags(sys.argv[1:])
    if ctx.args and not lists:
        raise InputError(f"unexpected arguments: {shlex.join(ctx.args)}")

    def values(flag: str, parsed: Optional[list[str]]) -> list[str]:
        return lists.get(flag, parsed or [])

    policies = values("--policy-input-list", policy_input_list)
    actions = values("--action-names", action_names)
    if not actions:
        raise InputError("--action-names is required")
    kwargs: dict = {
        "PolicyInputList": _documents(policies),
        "ActionNames": actions,
    }
    if values("--resource-arns", resource_arns):
        kwargs["ResourceArns"] = values("--resource-arns", resource_arns)
    if resource_policy is not None:
        kwargs["ResourcePolicy"] = read_argument(resource_policy)[1]
    if resource_owner is not None:
        kwargs["ResourceOwner"] = resource_owner
    if caller_arn is not None:
        kwargs["CallerArn"] = caller_arn
    if values("--context-entries", context_entries):
        kwargs["ContextEntries"] = _context_entries(values("--context-entries", context_entries))
    for flag, parsed, name in (
        ("--permissions-boundary-policy-input-list", permissions_boundary_policy_input_list,
         "PermissionsBoundaryPolicyInputList"),
        ("--service-control-policy-input-list", service_control_policy_input_list, "ServiceControlPolicyInputList"),
        ("--resource-control-policy-input-list", resource_control_policy_input_list, "ResourceControlPolicyInputList"),
        ("--session-policy-input-list", session_policy_input_list, "SessionPolicyInputList"),
    ):
        if values(flag, parsed):
            kwargs[name] = _documents(values(flag, parsed))
    try:
        response, reasons = IAMClient().simulate_custom_policy_explained(**kwargs)
    except ClientError as e:
        raise InputError(f"{e.response['Error']['Code']}: {e.response['Error']['Message']}") from None
    if output is Output.text:
        for result, reason in zip(response["EvaluationResults"], reasons):
            typer.echo(f"{result['EvalDecision']:<13} {result['EvalActionName']} on {result['EvalResourceName']}")
            typer.echo(f"              {reason}")
            if result["MissingContextValues"]:
                typer.echo(f"              missing context keys: {', '.join(result['MissingContextValues'])}")
    else:
        typer.echo(json.dumps(response, indent=4))
