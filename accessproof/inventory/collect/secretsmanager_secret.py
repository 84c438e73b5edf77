"""Secrets Manager secrets: ``secretsmanager/<name>/describe-secret.json`` and ``get-resource-policy.json``."""

from __future__ import annotations

from .base import RegionContext, ResourceRef, Responses, directory_name, paginate_all, ref

RESOURCE_TYPE = "AWS::SecretsManager::Secret"
ACTIONS = ("secretsmanager:ListSecrets", "secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy")
GONE = ("ResourceNotFoundException",)


def _ref(ctx: RegionContext, name: str, arn: str) -> ResourceRef:
    return ref(RESOURCE_TYPE, ctx.region, ("secretsmanager", directory_name(name)), SecretId=arn, name=name)


def discover(ctx: RegionContext) -> list[ResourceRef]:
    return [_ref(ctx, s["Name"], s["ARN"]) for s in paginate_all(ctx.client("secretsmanager"), "list_secrets",
                                                                   "SecretList")]


def ref_for(ctx: RegionContext, identifier: str) -> ResourceRef:
    """``identifier``: the secret's name or ARN (resolved with DescribeSecret)."""
    described = Responses().probe(ctx.client("secretsmanager").describe_secret, gone=GONE, SecretId=identifier)
    return _ref(ctx, described["Name"], described["ARN"])


def collect(ctx: RegionContext, target: ResourceRef) -> Responses:
    client = ctx.client("secretsmanager")
    out = Responses()
    out.call("describe-secret.json", client.describe_secret, gone=GONE, SecretId=target.get("SecretId"))
    out.call("get-resource-policy.json", client.get_resource_policy, gone=GONE, SecretId=target.get("SecretId"))
    return out
