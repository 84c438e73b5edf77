"""EBS snapshots: ``ec2/snapshots/<id>/describe-snapshot-attribute.json`` (createVolumePermission) and
``describe-snapshots.json``; the Region's ``ec2/get-snapshot-block-public-access-state.json``."""

from __future__ import annotations

from .base import RegionContext, ResourceRef, Responses, paginate_all, ref

RESOURCE_TYPE = "AWS::EC2::Snapshot"
ACTIONS = ("ec2:DescribeSnapshots", "ec2:DescribeSnapshotAttribute", "ec2:GetSnapshotBlockPublicAccessState",
           "ec2:DescribeRegions")
GONE = ("InvalidSnapshot.NotFound",)


def _ref(ctx: RegionContext, snapshot_id: str, listing=None) -> ResourceRef:
    return ref(RESOURCE_TYPE, ctx.region, ("ec2", "snapshots", snapshot_id), listing, SnapshotId=snapshot_id)


def discover(ctx: RegionContext) -> list[ResourceRef]:
    return [_ref(ctx, s["SnapshotId"], s)
            for s in paginate_all(ctx.client("ec2"), "describe_snapshots", "Snapshots", OwnerIds=["self"])]


def ref_for(ctx: RegionContext, identifier: str) -> ResourceRef:
    return _ref(ctx, identifier.rsplit("/", 1)[-1])


def collect(ctx: RegionContext, target: ResourceRef) -> Responses:
    client = ctx.client("ec2")
    snapshot_id = target.get("SnapshotId")
    out = Responses()
    if target.listing is not None:  # the listing's item is what describe-snapshots --snapshot-ids <id> prints
        out.put("describe-snapshots.json", {"Snapshots": [target.listing]})
    else:
        out.call("describe-snapshots.json", client.describe_snapshots, gone=GONE, SnapshotIds=[snapshot_id])
    out.call("describe-snapshot-attribute.json", client.describe_snapshot_attribute, gone=GONE,
             SnapshotId=snapshot_id, Attribute="createVolumePermission")
    return out


def region_files(ctx: RegionContext) -> Responses:
    out = Responses()
    out.call("get-snapshot-block-public-access-state.json", ctx.client("ec2").get_snapshot_block_public_access_state)
    return out
