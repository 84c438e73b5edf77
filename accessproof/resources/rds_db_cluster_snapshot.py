"""AWS::RDS::DBClusterSnapshot — a manual DB cluster snapshot's ``restore`` attribute (``aws rds
describe-db-cluster-snapshot-attributes``): who may restore (``rds:RestoreDBClusterFromSnapshot``)
or copy (``rds:CopyDBClusterSnapshot``) it. See ``rds_shared``.
"""

from __future__ import annotations

from typing import Callable, Optional

from ..inventory.model import RDS_DB_CLUSTER_SNAPSHOT, RdsDbClusterSnapshot
from .base import SourcedStatement
from .rds_shared import restore_statements

RESOURCE_TYPE = RDS_DB_CLUSTER_SNAPSHOT
SERVICE_PREFIXES = ("rds",)
SHARED_SNAPSHOT_ACTIONS = ("rds:RestoreDBClusterFromSnapshot", "rds:CopyDBClusterSnapshot")


def arn(snapshot: RdsDbClusterSnapshot) -> str:
    return snapshot.arn


def request_resources(snapshot: RdsDbClusterSnapshot) -> tuple[str, ...]:
    return (snapshot.arn,)


def statements(snapshot: RdsDbClusterSnapshot,
               policy_is_public: Optional[Callable[[str], bool]] = None) -> list[SourcedStatement]:
    return restore_statements(snapshot, SHARED_SNAPSHOT_ACTIONS)
