"""The policies a Terraform plan would create (``terraform show -json plan.out``).

Terraform has already evaluated the configuration's expressions into the plan's
``planned_values`` (Terraform's "JSON Output Format": ``planned_values.root_module`` with its
``resources`` and ``child_modules``); a value it can know only after apply (the ARN of a role the
plan creates, a policy built from it) is absent there and ``true`` in the resource change's
``after_unknown``. Such a policy is reported as unresolved, naming the references the
configuration makes (``configuration`` → ``expressions`` → ``references``), never guessed.
"""

from __future__ import annotations

from typing import Any, Iterator, Optional

from ..untrusted import JsonSyntaxError, excerpt, loads
from .model import (
    IDENTITY_POLICY, RESOURCE_POLICY, TRUST_POLICY, BucketSettings, Deployment, ExtractedPolicy, Settings, Unresolved,
)
from .source import Mapping, TemplateError, line_of

# type → [(attribute, policy name, kind, target type, attribute naming the target or None for itself)]
_POLICY_ATTRIBUTES: dict[str, list[tuple[str, str, str, Optional[str], Optional[str]]]] = {
    "aws_iam_role": [("assume_role_policy", "TrustPolicy", TRUST_POLICY, "AWS::IAM::Role", None)],
    "aws_iam_policy": [("policy", "", IDENTITY_POLICY, None, None)],
    "aws_iam_role_policy": [("policy", "", IDENTITY_POLICY, None, None)],
    "aws_iam_user_policy": [("policy", "", IDENTITY_POLICY, None, None)],
    "aws_iam_group_policy": [("policy", "", IDENTITY_POLICY, None, None)],
    "aws_s3_bucket_policy": [("policy", "BucketPolicy", RESOURCE_POLICY, "AWS::S3::Bucket", "bucket")],
    "aws_sqs_queue": [("policy", "QueuePolicy", RESOURCE_POLICY, "AWS::SQS::Queue", None)],
    "aws_sqs_queue_policy": [("policy", "QueuePolicy", RESOURCE_POLICY, "AWS::SQS::Queue", "queue_url")],
    "aws_sns_topic": [("policy", "TopicPolicy", RESOURCE_POLICY, "AWS::SNS::Topic", None)],
    "aws_sns_topic_policy": [("policy", "TopicPolicy", RESOURCE_POLICY, "AWS::SNS::Topic", "arn")],
    "aws_kms_key": [("policy", "KeyPolicy", RESOURCE_POLICY, "AWS::KMS::Key", None)],
    "aws_secretsmanager_secret": [("policy", "ResourcePolicy", RESOURCE_POLICY, "AWS::SecretsManager::Secret", None)],
    "aws_secretsmanager_secret_policy": [("policy", "ResourcePolicy", RESOURCE_POLICY, "AWS::SecretsManager::Secret",
                                          "secret_arn")],
    "aws_ecr_repository_policy": [("policy", "RepositoryPolicy", RESOURCE_POLICY, "AWS::ECR::Repository", "repository")],
    "aws_efs_file_system_policy": [("policy", "FileSystemPolicy", RESOURCE_POLICY, "AWS::EFS::FileSystem",
                                    "file_system_id")],
    "aws_dynamodb_resource_policy": [("policy", "ResourcePolicy", RESOURCE_POLICY, "AWS::DynamoDB::Table", "resource_arn")],
}
SUPPORTED_TYPES = tuple(sorted(set(_POLICY_ATTRIBUTES) | {"aws_lambda_permission", "aws_s3_bucket_public_access_block"}))


def looks_like_plan(tree: Any) -> bool:
    return isinstance(tree, dict) and "format_version" in tree and ("planned_values" in tree or "resource_changes" in tree)


def _resources(module: Any) -> Iterator[Mapping]:
    if not isinstance(module, dict):
        return
    for resource in module.get("resources") or []:
        if isinstance(resource, dict) and resource.get("mode", "managed") == "managed":
            yield resource
    for child in module.get("child_modules") or []:
        yield from _resources(child)


def _references(tree: Mapping, address: str, attribute: str) -> list[str]:
    """The references the configuration makes in ``attribute`` of the resource at ``address``."""
    module = (tree.get("configuration") or {}).get("root_module") or {}
    bare = address.split("[")[0]
    for resource in module.get("resources") or []:
        if isinstance(resource, dict) and resource.get("address") == bare:
            expression = (resource.get("expressions") or {}).get(attribute) or {}
            if isinstance(expression, dict):
                return [r for r in expression.get("references") or [] if isinstance(r, str)]
    return []


def extract_plan(tree: Mapping, name: str, settings: Settings) -> Deployment:
    planned = tree.get("planned_values")
    if not isinstance(planned, dict):
        raise TemplateError(name, line_of(tree) or 1, "the plan has no planned_values (give `terraform show -json` output)")
    unknown: dict[str, dict] = {}
    for change in tree.get("resource_changes") or []:
        if isinstance(change, dict) and isinstance(change.get("change"), dict):
            after_unknown = change["change"].get("after_unknown")
            if isinstance(after_unknown, dict):
                unknown[str(change.get("address"))] = after_unknown
    policies: list[ExtractedPolicy] = []
    buckets: list[BucketSettings] = []
    unresolved: list[Unresolved] = []
    lambda_statements: dict[str, list] = {}
    lambda_places: dict[str, tuple[int, str]] = {}
    for resource in _resources(planned.get("root_module")):
        kind, address = str(resource.get("type")), str(resource.get("address"))
        values = resource.get("values") if isinstance(resource.get("values"), Mapping) else Mapping()
        line = line_of(values, line_of(resource, 1))
        for attribute, policy_name, policy_kind, target_type, target_key in _POLICY_ATTRIBUTES.get(kind, []):
            attr_line = values.line_of(attribute) if attribute in values else line
            text = values.get(attribute)
            if text in (None, "") and not unknown.get(address, {}).get(attribute):
                continue
            target = _target(values, address, kind, target_key, settings)
            label = policy_name or str(values.get("name") or address)
            principals = _principals(kind, values)
            if unknown.get(address, {}).get(attribute) or not isinstance(text, str):
                refs = _references(tree, address, attribute)
                what = f"{address}.{attribute} is known only after apply"
                if refs:
                    what += f" (it refers to {', '.join(refs[:5])})"
                reason = Unresolved(name, attr_line, what)
                unresolved.append(reason)
                policies.append(ExtractedPolicy(name, attr_line, address, kind, label, policy_kind, None, target_type,
                                                target, principals, (reason,)))
                continue
            try:
                document = loads(text)
            except JsonSyntaxError as e:
                raise TemplateError(name, attr_line, f"{address}.{attribute} is not a JSON policy: {e.message}") from None
            if not isinstance(document, dict):
                raise TemplateError(name, attr_line, f"{address}.{attribute} must be a JSON object")
            policies.append(ExtractedPolicy(name, attr_line, address, kind, label, policy_kind, document, target_type,
                                            target, principals))
        if kind == "aws_iam_role":
            for index, inline in enumerate(values.get("inline_policy") or []):
                if isinstance(inline, dict) and isinstance(inline.get("policy"), str) and inline["policy"]:
                    document = loads(inline["policy"])
                    policies.append(ExtractedPolicy(name, line_of(inline, line), address, kind,
                                                    str(inline.get("name") or f"inline{index}"), IDENTITY_POLICY,
                                                    document, principals=(f"role/{values.get('name')}",)))
        elif kind == "aws_s3_bucket_public_access_block":
            bucket = str(values.get("bucket"))
            buckets.append(BucketSettings(f"arn:{settings.partition}:s3:::{bucket}", address, line,
                                          values.get("block_public_acls") is True, values.get("ignore_public_acls") is True,
                                          values.get("block_public_policy") is True,
                                          values.get("restrict_public_buckets") is True))
        elif kind == "aws_lambda_permission":
            _lambda_permission(values, address, line, settings, lambda_statements, lambda_places)
    for arn, statements in lambda_statements.items():
        line, address = lambda_places[arn]
        policies.append(ExtractedPolicy(name, line, address, "aws_lambda_permission", "PermissionsPolicy", RESOURCE_POLICY,
                                        {"Version": "2012-10-17", "Statement": statements}, "AWS::Lambda::Function", arn))
    return Deployment(name, "terraform", tuple(policies), tuple(buckets), tuple(unresolved),
                      tuple(str(u) for u in unresolved))


def _principals(kind: str, values: dict) -> tuple[str, ...]:
    for key, prefix in (("role", "role"), ("user", "user"), ("group", "group")):
        if kind == f"aws_iam_{key}_policy" and isinstance(values.get(key), str):
            return (f"{prefix}/{values[key].split('/')[-1]}",)
    return ()


# The CloudFormation type of the resource a policy resource names by ``target_key``.
POLICY_TARGET_TYPES = {"aws_s3_bucket_policy": "AWS::S3::Bucket", "aws_sqs_queue_policy": "AWS::SQS::Queue",
                       "aws_ecr_repository_policy": "AWS::ECR::Repository",
                       "aws_efs_file_system_policy": "AWS::EFS::FileSystem"}


def _target(values: dict, address: str, kind: str, target_key: Optional[str], s: Settings) -> Optional[str]:
    if kind == "aws_iam_role":
        return f"arn:{s.partition}:iam::{s.account_id}:role{values.get('path') or '/'}{values.get('name') or address}"
    if target_key is None:
        arn = values.get("arn")
        if isinstance(arn, str) and arn:
            return arn
        name = values.get("name") or address
        formats = {
            "aws_sqs_queue": f"arn:{s.partition}:sqs:{s.region}:{s.account_id}:{name}",
            "aws_sns_topic": f"arn:{s.partition}:sns:{s.region}:{s.account_id}:{name}",
            "aws_kms_key": f"arn:{s.partition}:kms:{s.region}:{s.account_id}:key/{address}",
            "aws_secretsmanager_secret": f"arn:{s.partition}:secretsmanager:{s.region}:{s.account_id}:secret:{name}",
        }
        return formats.get(kind)
    value = values.get(target_key)
    if not isinstance(value, str) or not value:
        return None
    return s.arn_of(POLICY_TARGET_TYPES.get(kind, ""), value)


def _lambda_permission(values: dict, address: str, line: int, s: Settings, statements: dict, places: dict) -> None:
    function = values.get("function_name")
    if not isinstance(function, str):
        return
    arn = s.arn_of("AWS::Lambda::Function", function)
    principal = str(values.get("principal"))
    statement: dict = {"Sid": str(values.get("statement_id") or address), "Effect": "Allow",
                       "Action": values.get("action"), "Resource": arn}
    if principal == "*":
        statement["Principal"] = "*"
    elif principal.endswith(".amazonaws.com"):
        statement["Principal"] = {"Service": principal}
    elif principal.isdigit():
        statement["Principal"] = {"AWS": f"arn:{s.partition}:iam::{principal}:root"}
    else:
        statement["Principal"] = {"AWS": principal}
    condition: dict = {}
    if values.get("source_arn"):
        condition.setdefault("ArnLike", {})["AWS:SourceArn"] = values["source_arn"]
    if values.get("source_account"):
        condition.setdefault("StringEquals", {})["AWS:SourceAccount"] = values["source_account"]
    if values.get("principal_org_id"):
        condition.setdefault("StringEquals", {})["aws:PrincipalOrgID"] = values["principal_org_id"]
    if values.get("function_url_auth_type"):
        condition.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = values["function_url_auth_type"]
    if condition:
        statement["Condition"] = condition
    statements.setdefault(arn, []).append(statement)
    places.setdefault(arn, (line, address))


def describe(value: Any) -> str:
    return excerpt(value, 60)
