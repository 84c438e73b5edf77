"""RDS DB cluster snapshots (manual ones): ``rds/db-cluster-snapshots/<id>/``."""

from __future__ import annotations

from .base import RegionContext, ResourceRef, Responses, paginate_all, ref

RESOURCE_TYPE = "AWS::RDS::DBClusterSnapshot"
ACTIONS = ("rds:DescribeDBClusterSnapshots", "rds:DescribeDBClusterSnapshotAttributes")
GONE = ("DBClusterSnapshotNotFoundFault", "DBClusterSnapshotNotFound")


def _ref(ctx: RegionContext, identifier: str, listing=None) -> ResourceRef:
    return ref(RESOURCE_TYPE, ctx.region, ("rds", "db-cluster-snapshots", identifier), listing,
               DBClusterSnapshotIdentifier=identifier)


def discover(ctx: RegionContext) -> list[ResourceRef]:
    return [_ref(ctx, s["DBClusterSnapshotIdentifier"], s) for s in paginate_all(
        ctx.client("rds"), "describe_db_cluster_snapshots", "DBClusterSnapshots", SnapshotType="manual")]


def ref_for(ctx: RegionContext, identifier: str) -> ResourceRef:
    return _ref(ctx, identifier.rsplit(":", 1)[-1])


def collect(ctx: RegionContext, target: ResourceRef) -> Responses:
    client = ctx.client("rds")
    identifier = target.get("DBClusterSnapshotIdentifier")
    out = Responses()
    if target.listing is not None:
        out.put("describe-db-cluster-snapshots.json", {"DBClusterSnapshots": [target.listing]})
    else:
        out.call("describe-db-cluster-snapshots.json", client.describe_db_cluster_snapshots, gone=GONE,
                 DBClusterSnapshotIdentifier=identifier)
    out.call("describe-db-cluster-snapshot-attributes.json", client.describe_db_cluster_snapshot_attributes, gone=GONE,
             DBClusterSnapshotIdentifier=identifier)
    return out
