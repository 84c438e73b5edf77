"""KMS keys: ``kms/<key-id>/get-key-policy.json`` (the default policy) and ``list-grants.json``."""

from __future__ import annotations

from .base import RegionContext, ResourceRef, Responses, paginate_all, ref

RESOURCE_TYPE = "AWS::KMS::Key"
ACTIONS = ("kms:ListKeys", "kms:GetKeyPolicy", "kms:ListGrants", "kms:DescribeKey")
GONE = ("NotFoundException",)


def _ref(ctx: RegionContext, key_id: str) -> ResourceRef:
    return ref(RESOURCE_TYPE, ctx.region, ("kms", key_id), KeyId=key_id)


def discover(ctx: RegionContext) -> list[ResourceRef]:
    return [_ref(ctx, k["KeyId"]) for k in paginate_all(ctx.client("kms"), "list_keys", "Keys")]


def ref_for(ctx: RegionContext, identifier: str) -> ResourceRef:
    """``identifier``: a key id, key ARN, alias or alias ARN (resolved with DescribeKey)."""
    if identifier.startswith("arn:") and ":key/" in identifier:
        return _ref(ctx, identifier.rsplit("/", 1)[-1])
    if identifier.startswith(("alias/", "arn:")):
        described = Responses().probe(ctx.client("kms").describe_key, gone=GONE, KeyId=identifier)
        return _ref(ctx, described["KeyMetadata"]["KeyId"])
    return _ref(ctx, identifier)


def collect(ctx: RegionContext, target: ResourceRef) -> Responses:
    client = ctx.client("kms")
    out = Responses()
    # PolicyName "default": the only name KMS has, and an error without it on some endpoints.
    out.call("get-key-policy.json", client.get_key_policy, gone=GONE, KeyId=target.get("KeyId"), PolicyName="default")
    out.paginate("list-grants.json", client, "list_grants", gone=GONE, KeyId=target.get("KeyId"))
    return out
