"""EFS file systems: ``efs/<fs-id>/describe-file-system-policy.json``."""

from __future__ import annotations

from .base import RegionContext, ResourceRef, Responses, paginate_all, ref

RESOURCE_TYPE = "AWS::EFS::FileSystem"
ACTIONS = ("elasticfilesystem:DescribeFileSystems", "elasticfilesystem:DescribeFileSystemPolicy")
GONE = ("FileSystemNotFound",)


def _ref(ctx: RegionContext, fs_id: str) -> ResourceRef:
    return ref(RESOURCE_TYPE, ctx.region, ("efs", fs_id), FileSystemId=fs_id)


def discover(ctx: RegionContext) -> list[ResourceRef]:
    return [_ref(ctx, fs["FileSystemId"]) for fs in paginate_all(ctx.client("efs"), "describe_file_systems",
                                                                 "FileSystems")]


def ref_for(ctx: RegionContext, identifier: str) -> ResourceRef:
    """``identifier``: the file system id or ARN."""
    return _ref(ctx, identifier.rsplit("/", 1)[-1])


def collect(ctx: RegionContext, target: ResourceRef) -> Responses:
    out = Responses()
    out.call("describe-file-system-policy.json", ctx.client("efs").describe_file_system_policy, gone=GONE,
             keep_not_found=True,
             FileSystemId=target.get("FileSystemId"))
    return out
