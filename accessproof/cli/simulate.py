"""``accessproof simulate-custom-policy``: the IAM policy simulator, with the AWS CLI's flags.

List flags take several values after one flag, as in the AWS CLI
(``--action-names s3:GetObject s3:PutObject``), or the flag repeated. Documents are a path,
``file://path``, ``-`` or inline JSON. ``--output text`` says which statement decided each result.
An unknown flag or a stray value is a usage error (exit 2), never silently ignored.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Optional

import typer
from botocore.exceptions import ClientError, ParamValidationError
from typer.core import TyperCommand

from ..api.iam import IAMClient
from .inputs import InputError, json_argument, parse_json_text, read_argument


class Output(str, Enum):
    json = "json"
    text = "text"


def expand_list_flags(args: list[str], list_flags: frozenset[str]) -> list[str]:
    """AWS CLI list syntax (``--flag a b``) rewritten as the flag repeated (``--flag a --flag b``).

    Values run up to the next ``--`` token; any other token is left where it is, so that the
    parser reports an unknown flag or a stray value instead of this function guessing."""
    out: list[str] = []
    current: Optional[str] = None
    first_value_pending = False
    for token in args:
        if token.startswith("--"):
            name, eq, _ = token.partition("=")
            current = name if name in list_flags else None
            first_value_pending = current is not None and not eq
            out.append(token)
        elif current is not None and not first_value_pending:
            out.extend((current, token))
        else:
            first_value_pending = False
            out.append(token)
    return out


class AwsListCommand(TyperCommand):
    """A command whose list options also take the AWS CLI's several-values-after-one-flag form."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        flags = frozenset(opt for p in self.params if getattr(p, "multiple", False)
                          for opt in p.opts if opt.startswith("--"))
        return super().parse_args(ctx, expand_list_flags(list(args), flags))


def _documents(values: list[str]) -> list[str]:
    return [read_argument(v)[1] for v in values]


def _context_entries(values: list[str]) -> list[dict]:
    """JSON (inline or file://) or the AWS CLI shorthand
    ``ContextKeyName=aws:SourceIp,ContextKeyValues=10.0.0.1,ContextKeyType=ip``."""
    entries: list[dict] = []
    for value in values:
        if value.startswith("file://") or value.lstrip().startswith(("[", "{")):
            parsed = json_argument(value, "--context-entries")
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


def _organization_levels(values: list[str]) -> list:
    """``--ordered-organization-policy-input-list``: JSON (inline or file://), a list of levels or one
    level per value, each ``{"ServiceControlPolicyInputList": ["<policy JSON>", ...]}``."""
    levels: list = []
    for value in values:
        option = "--ordered-organization-policy-input-list"
        if value.startswith("file://") or value == "-":
            parsed = json_argument(value, option)
        else:
            parsed = parse_json_text(value, "<argument>", option)
        levels.extend(parsed if isinstance(parsed, list) else [parsed])
    return levels


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
) -> None:
    """Simulate identity, resource, boundary, session, SCP and RCP policies for actions and resources.

    Exit status: 0 (whatever the decisions, as the AWS CLI), 2 bad input or usage.
    """
    if not action_names:
        raise InputError("--action-names is required")
    kwargs: dict = {
        "PolicyInputList": _documents(policy_input_list or []),
        "ActionNames": list(action_names),
    }
    if resource_arns:
        kwargs["ResourceArns"] = list(resource_arns)
    if resource_policy is not None:
        kwargs["ResourcePolicy"] = read_argument(resource_policy)[1]
    if resource_owner is not None:
        kwargs["ResourceOwner"] = resource_owner
    if caller_arn is not None:
        kwargs["CallerArn"] = caller_arn
    if context_entries:
        kwargs["ContextEntries"] = _context_entries(context_entries)
    if ordered_organization_policy_input_list:
        kwargs["OrderedOrganizationPolicyInputList"] = _organization_levels(ordered_organization_policy_input_list)
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
    if output is Output.text:
        for result, reason in zip(response["EvaluationResults"], reasons):
            typer.echo(f"{result['EvalDecision']:<13} {result['EvalActionName']} on {result['EvalResourceName']}")
            typer.echo(f"              {reason}")
            if result["MissingContextValues"]:
                typer.echo(f"              missing context keys: {', '.join(result['MissingContextValues'])}")
    else:
        typer.echo(json.dumps(response, indent=4))
