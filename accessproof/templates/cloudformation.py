"""The policies a CloudFormation template (or a CDK ``cdk.out`` template) would create.

One extractor per resource type (``_EXTRACTORS``); each reads the resolved properties it needs
and returns ``ExtractedPolicy`` records with the line of the policy in the file. A policy whose
value cannot be resolved is still returned, with ``document=None`` and the reasons, so that the
report can say what was not checked. Policy names follow cfn-policy-validator's (``TrustPolicy``,
``BucketPolicy``, ``QueuePolicy``, ``TopicPolicy``, ``KeyPolicy``,
``RepositoryPolicy``, ``FileSystemPolicy``, ``PermissionsPolicy`` for a Lambda function's permissions,
``ResourcePolicy`` for a secret's).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Optional

from ..untrusted import JsonSyntaxError, excerpt, loads
from .model import (
    IDENTITY_POLICY, PERMISSIONS_BOUNDARY, RESOURCE_POLICY, TRUST_POLICY, BucketSettings, Deployment, ExtractedPolicy,
    Settings, Unresolved,
)
from .resolve import NO_VALUE, Resolver, Unresolvable
from .source import Mapping, TemplateError, line_of, parse_template_text


@dataclass
class _Context:
    resolver: Resolver
    file: str
    policies: list[ExtractedPolicy] = field(default_factory=list)
    buckets: list[BucketSettings] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    lambda_statements: dict[str, list] = field(default_factory=dict)  # function ARN → statements
    lambda_lines: dict[str, tuple[int, str]] = field(default_factory=dict)

    def resolve(self, tree: Any, line: int) -> tuple[Any, tuple[Unresolved, ...]]:
        try:
            value = self.resolver.value(tree, line)
        except Unresolvable as e:
            return None, (Unresolved(self.file, e.line or line, e.what),)
        return (None if value is NO_VALUE else value), ()


def load_cloudformation(text: str, name: str, settings: Settings) -> Deployment:
    """The deployment of a CloudFormation template's text (JSON or YAML)."""
    tree = parse_template_text(text, name)
    if not isinstance(tree, dict):
        raise TemplateError(name, line_of(tree) or 1, "a template is a mapping with a Resources section")
    return extract(tree, name, settings)


def looks_like_cloudformation(tree: Any) -> bool:
    return isinstance(tree, dict) and isinstance(tree.get("Resources"), dict)


def extract(tree: Mapping, name: str, settings: Settings) -> Deployment:
    resources = tree.get("Resources")
    if not isinstance(resources, dict):
        raise TemplateError(name, tree.line_of("Resources") if "Resources" in tree else 1,
                            "the template has no Resources mapping")
    resolver = Resolver(tree, settings, name)
    # Every condition is evaluated up front: a malformed or cyclic condition is an error even when unused.
    for condition in list(resolver.conditions):
        try:
            resolver.condition(condition, 0)
        except Unresolvable as e:
            raise TemplateError(name, e.line or None, f"condition {condition}: {e.what}") from None
    ctx = _Context(resolver, name)
    for logical_id, resource in resources.items():
        line = resources.line_of(logical_id)
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise TemplateError(name, line, f"resource {excerpt(logical_id, 60)} must be a mapping with a Type")
        if not resolver.included(logical_id):
            continue
        extractor = _EXTRACTORS.get(resource["Type"])
        if extractor is not None:
            extractor(ctx, logical_id, resource, line)
    _lambda_policies(ctx)
    _managed_attachments(ctx)
    notes = () if not ctx.unresolved else tuple(str(u) for u in ctx.unresolved)
    return Deployment(name, "cloudformation", tuple(ctx.policies), tuple(ctx.buckets), tuple(ctx.unresolved), notes)


# ------------------------------------------------------------------------------ helpers


def _properties(resource: dict) -> Mapping:
    value = resource.get("Properties")
    return value if isinstance(value, Mapping) else Mapping()


def _document(ctx: _Context, value: Any, line: int) -> tuple[Optional[dict], tuple[Unresolved, ...]]:
    """A policy document property: a mapping, or a JSON string (KMS and ECR accept both)."""
    resolved, unresolved = ctx.resolve(value, line)
    if unresolved:
        return None, unresolved
    if isinstance(resolved, str):
        try:
            resolved = loads(resolved)
        except JsonSyntaxError as e:
            raise TemplateError(ctx.file, line, f"the policy document is a string that is not JSON: {e.message}") from None
    if not isinstance(resolved, dict):
        raise TemplateError(ctx.file, line, f"a policy document must be a mapping; got {excerpt(resolved, 60)}")
    return resolved, ()


def _add(ctx: _Context, logical_id: str, resource: dict, policy_name: str, kind: str, value: Any, line: int,
         **extra: Any) -> None:
    document, unresolved = _document(ctx, value, line)
    ctx.unresolved.extend(unresolved)
    ctx.policies.append(ExtractedPolicy(ctx.file, line, logical_id, resource["Type"], policy_name, kind, document,
                                        unresolved=unresolved, **extra))


def _string_value(ctx: _Context, value: Any, line: int) -> Optional[str]:
    resolved, unresolved = ctx.resolve(value, line)
    ctx.unresolved.extend(unresolved)
    return resolved if isinstance(resolved, str) else None


def _strings(ctx: _Context, value: Any, line: int) -> list[str]:
    resolved, unresolved = ctx.resolve(value, line)
    ctx.unresolved.extend(unresolved)
    if isinstance(resolved, str):
        return [resolved]
    return [v for v in resolved or [] if isinstance(v, str)]


def _self_ref(ctx: _Context, logical_id: str, attribute: str, line: int) -> str:
    try:
        return str(ctx.resolver.resource_value(logical_id, attribute, line))
    except Unresolvable as e:
        ctx.unresolved.append(Unresolved(ctx.file, e.line or line, e.what))
        return logical_id


def _inline_policies(ctx: _Context, logical_id: str, resource: dict, principal: str) -> None:
    props = _properties(resource)
    policies = props.get("Policies")
    if not isinstance(policies, list):
        return
    resolved_list, unresolved = ctx.resolve(policies, props.line_of("Policies"))
    if unresolved:  # one unresolved policy name or document: report each policy's own reasons below
        resolved_list = None
    for index, policy in enumerate(policies):
        line = policies.line_of(index) if hasattr(policies, "line_of") else props.line_of("Policies")
        if not isinstance(policy, dict):
            continue
        if resolved_list is not None and index < len(resolved_list) and not isinstance(resolved_list[index], dict):
            continue
        name_value, _ = ctx.resolve(policy.get("PolicyName", f"Policy{index}"), line)
        document_line = policy.line_of("PolicyDocument") if isinstance(policy, Mapping) else line
        _add(ctx, logical_id, resource, str(name_value or f"Policy{index}"), IDENTITY_POLICY,
             policy.get("PolicyDocument"), document_line, principals=(principal,))


def _boundary(ctx: _Context, logical_id: str, resource: dict, principal: str) -> None:
    props = _properties(resource)
    if "PermissionsBoundary" not in props:
        return
    line = props.line_of("PermissionsBoundary")
    arn = _string_value(ctx, props["PermissionsBoundary"], line)
    managed = _managed_policy_by_arn(ctx, arn)
    if managed is not None:
        managed_id, managed_resource = managed
        value = _properties(managed_resource).get("PolicyDocument")
        _add(ctx, logical_id, resource, "PermissionsBoundary", PERMISSIONS_BOUNDARY, value, line, principals=(principal,))


def _managed_policy_by_arn(ctx: _Context, arn: Optional[str]) -> Optional[tuple[str, dict]]:
    if arn is None:
        return None
    for logical_id, resource in ctx.resolver.resources.items():
        if isinstance(resource, dict) and resource.get("Type") == "AWS::IAM::ManagedPolicy":
            if _self_ref(ctx, logical_id, "Ref", 0) == arn:
                return logical_id, resource
    return None


def _principal(ctx: _Context, kind: str, name: str) -> str:
    return f"{kind}/{name}"


# ----------------------------------------------------------------------------- identities


def _managed_attachments(ctx: _Context) -> None:
    """A role, user or group naming a managed policy of the template in ``ManagedPolicyArns``: the
    policy is attached to it too."""
    kinds = {"AWS::IAM::Role": "role", "AWS::IAM::User": "user", "AWS::IAM::Group": "group"}
    attached: dict[str, list[str]] = {}
    for logical_id, resource in ctx.resolver.resources.items():
        if not isinstance(resource, dict) or resource.get("Type") not in kinds or not ctx.resolver.included(logical_id):
            continue
        props = _properties(resource)
        if "ManagedPolicyArns" not in props:
            continue
        principal = f"{kinds[resource['Type']]}/{_self_ref(ctx, logical_id, 'Ref', 0)}"
        for arn in _strings(ctx, props["ManagedPolicyArns"], props.line_of("ManagedPolicyArns")):
            managed = _managed_policy_by_arn(ctx, arn)
            if managed is not None:
                attached.setdefault(managed[0], []).append(principal)
    if attached:
        ctx.policies[:] = [replace(p, principals=p.principals + tuple(x for x in attached[p.resource] if x not in p.principals))
                           if p.resource_type == "AWS::IAM::ManagedPolicy" and p.resource in attached else p
                           for p in ctx.policies]


def _role(ctx: _Context, logical_id: str, resource: dict, line: int) -> None:
    props = _properties(resource)
    name = _self_ref(ctx, logical_id, "Ref", line)
    principal = _principal(ctx, "role", name)
    if "AssumeRolePolicyDocument" in props:
        arn = _self_ref(ctx, logical_id, "Arn", line)
        _add(ctx, logical_id, resource, "TrustPolicy", TRUST_POLICY, props["AssumeRolePolicyDocument"],
             props.line_of("AssumeRolePolicyDocument"), target_type="AWS::IAM::Role", target_arn=arn)
    _inline_policies(ctx, logical_id, resource, principal)
    _boundary(ctx, logical_id, resource, principal)


def _user(ctx: _Context, logical_id: str, resource: dict, line: int) -> None:
    principal = _principal(ctx, "user", _self_ref(ctx, logical_id, "Ref", line))
    _inline_policies(ctx, logical_id, resource, principal)
    _boundary(ctx, logical_id, resource, principal)


def _group(ctx: _Context, logical_id: str, resource: dict, line: int) -> None:
    _inline_policies(ctx, logical_id, resource, _principal(ctx, "group", _self_ref(ctx, logical_id, "Ref", line)))


def _attached(ctx: _Context, props: Mapping) -> tuple[str, ...]:
    out: list[str] = []
    for key, kind in (("Roles", "role"), ("Users", "user"), ("Groups", "group")):
        if key in props:
            out += [f"{kind}/{n}" for n in _strings(ctx, props[key], props.line_of(key))]
    for key, kind in (("RoleName", "role"), ("UserName", "user"), ("GroupName", "group")):
        if key in props:
            value = _string_value(ctx, props[key], props.line_of(key))
            if value:
                out.append(f"{kind}/{value}")
    return tuple(out)


def _policy(ctx: _Context, logical_id: str, resource: dict, line: int) -> None:
    props = _properties(resource)
    name, _ = ctx.resolve(props.get("PolicyName", logical_id), props.line_of("PolicyName"))
    _add(ctx, logical_id, resource, str(name or logical_id), IDENTITY_POLICY, props.get("PolicyDocument"),
         props.line_of("PolicyDocument"), principals=_attached(ctx, props))


def _managed_policy(ctx: _Context, logical_id: str, resource: dict, line: int) -> None:
    props = _properties(resource)
    name, _ = ctx.resolve(props.get("ManagedPolicyName", logical_id), props.line_of("ManagedPolicyName"))
    _add(ctx, logical_id, resource, str(name or logical_id), IDENTITY_POLICY, props.get("PolicyDocument"),
         props.line_of("PolicyDocument"), principals=_attached(ctx, props))


def _permission_set(ctx: _Context, logical_id: str, resource: dict, line: int) -> None:
    props = _properties(resource)
    if "InlinePolicy" in props:
        name, _ = ctx.resolve(props.get("Name", logical_id), props.line_of("Name"))
        _add(ctx, logical_id, resource, "InlinePolicy", IDENTITY_POLICY, props["InlinePolicy"],
             props.line_of("InlinePolicy"), principals=(f"permission-set/{name}",))


# ------------------------------------------------------------------------------ resources


def _resource_policy(policy_name: str, target_type: str, document_key: str, target_key: Optional[str],
                     target_attribute: str = "Arn", many: bool = False, nested: Optional[str] = None) -> Callable:
    """An extractor for a resource policy held by ``document_key``; the target is the resource
    itself (``target_key`` None) or named by ``target_key`` (a name, URL or ARN, resolved to an ARN)."""

    def extractor(ctx: _Context, logical_id: str, resource: dict, line: int) -> None:
        props = _properties(resource)
        holder = props
        if nested is not None:
            holder = props.get(nested)
            if not isinstance(holder, Mapping):
                return
        if document_key not in holder:
            return
        doc_line = holder.line_of(document_key)
        if target_key is None:
            targets = [_self_ref(ctx, logical_id, target_attribute, line)]
        elif target_key not in props:
            raise TemplateError(ctx.file, line, f"{logical_id} ({resource['Type']}) has no {target_key}")
        else:
            values = _strings(ctx, props[target_key], props.line_of(target_key))
            targets = [ctx.resolver.settings.arn_of(target_type, v) for v in values]
        for target in targets if many or target_key is None else targets[:1]:
            _add(ctx, logical_id, resource, policy_name, RESOURCE_POLICY, holder[document_key], doc_line,
                 target_type=target_type, target_arn=target)

    return extractor


def _bucket(ctx: _Context, logical_id: str, resource: dict, line: int) -> None:
    props = _properties(resource)
    arn = _self_ref(ctx, logical_id, "Arn", line)
    block, _ = ctx.resolve(props.get("PublicAccessBlockConfiguration", {}), props.line_of("PublicAccessBlockConfiguration"))
    acl, _ = ctx.resolve(props.get("AccessControl"), props.line_of("AccessControl"))
    block = block if isinstance(block, dict) else {}

    def flag(key: str) -> bool:
        return block.get(key) in (True, "true", "True")

    ctx.buckets.append(BucketSettings(arn, logical_id, line, flag("BlockPublicAcls"), flag("IgnorePublicAcls"),
                                      flag("BlockPublicPolicy"), flag("RestrictPublicBuckets"),
                                      acl if isinstance(acl, str) else None))


def _lambda_permission(ctx: _Context, logical_id: str, resource: dict, line: int) -> None:
    """A Lambda permission is one statement of the function's resource policy (AWS Lambda
    Developer Guide, "Using resource-based policies for Lambda"): the statements of every
    permission on one function are gathered into its policy (``PermissionsPolicy``)."""
    props = _properties(resource)
    values, unresolved = ctx.resolve(props, line)
    function = values.get("FunctionName") if isinstance(values, dict) else None
    if unresolved or not isinstance(function, str):
        ctx.unresolved.extend(unresolved)
        ctx.policies.append(ExtractedPolicy(ctx.file, line, logical_id, resource["Type"], "PermissionsPolicy",
                                            RESOURCE_POLICY, None, "AWS::Lambda::Function", None, (), tuple(unresolved)))
        return
    arn = ctx.resolver.settings.arn_of("AWS::Lambda::Function",
                                       function.split(":")[0] if not function.startswith("arn:") else function)
    principal = values.get("Principal")
    statement: dict = {"Effect": "Allow", "Action": values.get("Action"), "Resource": arn}
    if isinstance(principal, str) and principal.endswith(".amazonaws.com") or principal == "*":
        statement["Principal"] = principal if principal == "*" else {"Service": principal}
    elif isinstance(principal, str) and principal.isdigit():
        statement["Principal"] = {"AWS": f"arn:{ctx.resolver.settings.partition}:iam::{principal}:root"}
    else:
        statement["Principal"] = {"AWS": principal}
    condition: dict = {}
    if "SourceArn" in values:
        condition.setdefault("ArnLike", {})["AWS:SourceArn"] = values["SourceArn"]
    if "SourceAccount" in values:
        condition.setdefault("StringEquals", {})["AWS:SourceAccount"] = values["SourceAccount"]
    if "PrincipalOrgID" in values:
        condition.setdefault("StringEquals", {})["aws:PrincipalOrgID"] = values["PrincipalOrgID"]
    if "FunctionUrlAuthType" in values:
        condition.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = values["FunctionUrlAuthType"]
    if condition:
        statement["Condition"] = condition
    ctx.lambda_statements.setdefault(arn, []).append(statement)
    ctx.lambda_lines.setdefault(arn, (line, logical_id))


def _lambda_policies(ctx: _Context) -> None:
    for arn, statements in ctx.lambda_statements.items():
        line, logical_id = ctx.lambda_lines[arn]
        ctx.policies.append(ExtractedPolicy(ctx.file, line, logical_id, "AWS::Lambda::Permission", "PermissionsPolicy",
                                            RESOURCE_POLICY, {"Version": "2012-10-17", "Statement": statements},
                                            "AWS::Lambda::Function", arn))


_EXTRACTORS: dict[str, Callable[[_Context, str, dict, int], None]] = {
    "AWS::IAM::Role": _role,
    "AWS::IAM::User": _user,
    "AWS::IAM::Group": _group,
    "AWS::IAM::Policy": _policy,
    "AWS::IAM::ManagedPolicy": _managed_policy,
    "AWS::IAM::RolePolicy": _policy,
    "AWS::IAM::UserPolicy": _policy,
    "AWS::IAM::GroupPolicy": _policy,
    "AWS::SSO::PermissionSet": _permission_set,
    "AWS::S3::Bucket": _bucket,
    "AWS::S3::BucketPolicy": _resource_policy("BucketPolicy", "AWS::S3::Bucket", "PolicyDocument", "Bucket"),
    "AWS::S3::AccessPoint": _resource_policy("AccessPointPolicy", "AWS::S3::AccessPoint", "Policy", None),
    "AWS::SQS::QueuePolicy": _resource_policy("QueuePolicy", "AWS::SQS::Queue", "PolicyDocument", "Queues", many=True),
    "AWS::SQS::QueueInlinePolicy": _resource_policy("QueuePolicy", "AWS::SQS::Queue", "PolicyDocument", "Queue"),
    "AWS::SNS::TopicPolicy": _resource_policy("TopicPolicy", "AWS::SNS::Topic", "PolicyDocument", "Topics", many=True),
    "AWS::SNS::TopicInlinePolicy": _resource_policy("TopicPolicy", "AWS::SNS::Topic", "PolicyDocument", "TopicArn"),
    "AWS::KMS::Key": _resource_policy("KeyPolicy", "AWS::KMS::Key", "KeyPolicy", None),
    "AWS::SecretsManager::ResourcePolicy": _resource_policy("ResourcePolicy", "AWS::SecretsManager::Secret",
                                                            "ResourcePolicy", "SecretId"),
    "AWS::ECR::Repository": _resource_policy("RepositoryPolicy", "AWS::ECR::Repository", "RepositoryPolicyText", None),
    "AWS::EFS::FileSystem": _resource_policy("FileSystemPolicy", "AWS::EFS::FileSystem", "FileSystemPolicy", None),
    "AWS::DynamoDB::Table": _resource_policy("ResourcePolicy", "AWS::DynamoDB::Table", "PolicyDocument", None,
                                             nested="ResourcePolicy"),
    "AWS::Lambda::Permission": _lambda_permission,
}
SUPPORTED_TYPES = tuple(sorted(_EXTRACTORS))
