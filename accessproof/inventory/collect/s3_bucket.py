"""S3 buckets: ``s3/<bucket>/`` (policy, ACL, ownership controls, Block Public Access, access points)
and the account's ``s3control/get-public-access-block.json``.

A bucket belongs to the snapshot of its Region (GetBucketLocation: no constraint is us-east-1, ``EU``
is eu-west-1), as Access Analyzer analyses it in its Region. The bucket list is one call per account.
"""

from __future__ import annotations

from typing import Any, Optional

from .base import AWS_ERRORS, RegionContext, ResourceRef, Responses, call_or_fail, error_code, ref

RESOURCE_TYPE = "AWS::S3::Bucket"
ACTIONS = (
    "s3:ListAllMyBuckets", "s3:GetBucketLocation", "s3:GetBucketPolicy", "s3:GetBucketAcl",
    "s3:GetBucketOwnershipControls", "s3:GetBucketPublicAccessBlock", "s3:ListAccessPoints", "s3:GetAccessPoint",
    "s3:GetAccessPointPolicy", "s3:GetAccountPublicAccessBlock",
)
GONE = ("NoSuchBucket",)
LEGACY_LOCATIONS = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}


def bucket_region(location: Optional[str]) -> str:
    return LEGACY_LOCATIONS.get(location, location or "us-east-1")


def _all_buckets(ctx: RegionContext) -> dict[str, str]:
    """Every bucket of the account → its Region (one listing, one GetBucketLocation per bucket)."""
    client = ctx.client("s3")

    def listing() -> list[str]:
        if client.can_paginate("list_buckets"):
            return [b["Name"] for page in client.get_paginator("list_buckets").paginate() for b in page.get("Buckets", [])]
        return [b["Name"] for b in client.list_buckets().get("Buckets", [])]

    names = call_or_fail(listing, "s3 ListBuckets")
    located: dict[str, str] = {}
    for name in names:
        try:
            located[name] = bucket_region(client.get_bucket_location(Bucket=name).get("LocationConstraint"))
        except AWS_ERRORS as error:
            if error_code(error) in GONE:  # deleted since listed
                continue
            # Its Region unreadable: it is read (and its refusals kept) in the Region collecting it,
            # rather than left out.
            located[name] = ctx.region
    return located


def _ref(region: str, name: str) -> ResourceRef:
    return ref(RESOURCE_TYPE, region, ("s3", name), Bucket=name)


def discover(ctx: RegionContext) -> list[ResourceRef]:
    buckets = ctx.memo.get("s3-buckets", lambda: _all_buckets(ctx))
    return [_ref(ctx.region, name) for name, region in sorted(buckets.items()) if region == ctx.region]


def ref_for(ctx: RegionContext, identifier: str) -> ResourceRef:
    """``identifier``: the bucket name or ARN; the bucket's own Region is asked."""
    name = identifier.split(":::", 1)[-1]
    location = Responses().probe(ctx.client("s3").get_bucket_location, gone=GONE, Bucket=name)
    return _ref(bucket_region(location.get("LocationConstraint")), name)


def collect(ctx: RegionContext, target: ResourceRef) -> Responses:
    s3 = ctx.client("s3")
    bucket = target.get("Bucket")
    out = Responses()
    out.call("get-bucket-acl.json", s3.get_bucket_acl, gone=GONE, Bucket=bucket)
    out.call("get-bucket-policy.json", s3.get_bucket_policy, gone=GONE, Bucket=bucket)
    out.call("get-bucket-ownership-controls.json", s3.get_bucket_ownership_controls, gone=GONE, Bucket=bucket)
    out.call("get-public-access-block.json", s3.get_public_access_block, gone=GONE, Bucket=bucket)
    control = ctx.client("s3control")
    listed = out.call("list-access-points.json", lambda **kw: _access_points(control, **kw), gone=GONE,
                      AccountId=ctx.account_id, Bucket=bucket)
    for point in (listed or {}).get("AccessPointList", []):
        name = point["Name"]
        out.call(f"access-points/{name}/get-access-point.json", control.get_access_point,
                 AccountId=ctx.account_id, Name=name)
        out.call(f"access-points/{name}/get-access-point-policy.json", control.get_access_point_policy,
                 AccountId=ctx.account_id, Name=name)
    return out


def _access_points(control: Any, **kwargs: Any) -> dict[str, Any]:
    """ListAccessPoints, every page (the AWS CLI merges them the same way)."""
    points: list[Any] = []
    token: dict[str, str] = {}
    while True:
        page = control.list_access_points(**kwargs, **token)
        points += page.get("AccessPointList", [])
        if not page.get("NextToken"):
            return {"AccessPointList": points}
        token = {"NextToken": page["NextToken"]}


def account_files(ctx: RegionContext) -> Responses:
    """``s3control/get-public-access-block.json``: the account's Block Public Access (once per account)."""
    def read() -> Responses:
        out = Responses()
        out.call("get-public-access-block.json", ctx.client("s3control").get_public_access_block,
                 AccountId=ctx.account_id)
        return out
    return ctx.memo.get("s3control", read)
