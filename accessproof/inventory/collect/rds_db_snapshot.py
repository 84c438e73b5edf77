"""RDS DB snapshots (manual ones: only those can be shared): ``rds/db-snapshots/<id>/``."""

from __future__ import annotations

from .base import RegionContext, ResourceRef, Responses, paginate_all, ref

RESOURCE_TYPE = "AWS::RDS::DBSnapshot"
ACTIONS = ("rds:DescribeDBSnapshots", "rds:DescribeDBSnapshotAttributes")
GONE = ("DBSnapshotNotFound", "DBSnapshotNotFoundFault")


def _ref(ctx: RegionContext, identifier: str, listing=None) -> ResourceRef:
    return ref(RESOURCE_TYPE, ctx.region, ("rds", "db-snapshots", identifier), listing, DBSnapshotIdentifier=identifier)


def discover(ctx: RegionContext) -> list[ResourceRef]:
    return [_ref(ctx, s["DBSnapshotIdentifier"], s) for s in paginate_all(
        ctx.client("rds"), "describe_db_snapshots", "DBSnapshots", SnapshotType="manual")]


def ref_for(ctx: RegionContext, identifier: str) -> ResourceRef:
    return _ref(ctx, identifier.rsplit(":", 1)[-1])


def collect(ctx: RegionContext, target: ResourceRef) -> Responses:
    client = ctx.client("rds")
    identifier = target.get("DBSnapshotIdentifier")
    out = Responses()
    if target.listing is not None:
        out.put("describe-db-snapshots.json", {"DBSnapshots": [target.listing]})
    else:
        out.call("describe-db-snapshots.json", client.describe_db_snapshots, gone=GONE, DBSnapshotIdentifier=identifier)
    out.call("describe-db-snapshot-attributes.json", client.describe_db_snapshot_attributes, gone=GONE,
             DBSnapshotIdentifier=identifier)
    return out
