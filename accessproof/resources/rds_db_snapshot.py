"""AWS::RDS::DBSnapshot — a manual DB snapshot's ``restore`` attribute (``aws rds
describe-db-snapshot-attributes``): who may restore (``rds:RestoreDBInstanceFromDBSnapshot``)
or copy (``rds:CopyDBSnapshot``) it. See ``rds_shared``.
"""

from __future__ import annotations

from typing import Callable, Optional

from ..inventory.model import RDS_DB_SNAPSHOT, RdsDbSnapshot
from .base import SourcedStatement
from .rds_shared import restore_statements

RESOURCE_TYPE = RDS_DB_SNAPSHOT
SERVICE_PREFIXES = ("rds",)
SHARED_SNAPSHOT_ACTIONS = ("rds:RestoreDBInstanceFromDBSnapshot", "rds:CopyDBSnapshot")


def arn(snapshot: RdsDbSnapshot) -> str:
    return snapshot.arn


def request_resources(snapshot: RdsDbSnapshot) -> tuple[str, ...]:
    return (snapshot.arn,)


def statements(snapshot: RdsDbSnapshot,
               policy_is_public: Optional[Callable[[str], bool]] = None) -> list[SourcedStatement]:
    return restore_statements(snapshot, SHARED_SNAPSHOT_ACTIONS)
