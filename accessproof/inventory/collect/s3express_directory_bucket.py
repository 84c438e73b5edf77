"""S3 directory buckets: ``s3express/<bucket--zone--x-s3>/get-bucket-policy.json``."""

from __future__ import annotations

from .base import RegionContext, ResourceRef, Responses, paginate_all, ref

RESOURCE_TYPE = "AWS::S3Express::DirectoryBucket"
ACTIONS = ("s3express:ListAllMyDirectoryBuckets", "s3express:GetBucketPolicy")
GONE = ("NoSuchBucket",)


def _ref(ctx: RegionContext, name: str) -> ResourceRef:
    return ref(RESOURCE_TYPE, ctx.region, ("s3express", name), Bucket=name)


def discover(ctx: RegionContext) -> list[ResourceRef]:
    # Directory bucket names end with --x-s3 (bucket-base-name--zone-id--x-s3).
    return [_ref(ctx, b["Name"]) for b in paginate_all(ctx.client("s3"), "list_directory_buckets", "Buckets")
            if b["Name"].endswith("--x-s3")]


def ref_for(ctx: RegionContext, identifier: str) -> ResourceRef:
    """``identifier``: the bucket name or ARN."""
    return _ref(ctx, identifier.rsplit("/", 1)[-1])


def collect(ctx: RegionContext, target: ResourceRef) -> Responses:
    out = Responses()
    out.call("get-bucket-policy.json", ctx.client("s3").get_bucket_policy, gone=GONE, keep_not_found=True,
             Bucket=target.get("Bucket"))
    return out
