"""AWS::EC2::Snapshot — EBS snapshot sharing (``createVolumePermission``, from ``aws ec2
describe-snapshot-attribute --attribute createVolumePermission``).

"EBS, RDS DB and cluster snapshots: share attributes only" (IAM User Guide, "IAM Access
Analyzer resource types"). A shared snapshot can be used to create volumes and be copied by the
accounts it is shared with (EC2 User Guide, "Share an Amazon EBS snapshot"): the group ``all``
makes it public — ``{"AWS": "*"}`` — and each ``UserId`` is that account's root —
``{"AWS": "<account>"}``; the actions are ``ec2:CreateVolume`` and ``ec2:CopySnapshot`` on the
snapshot ARN. Source POLICY (there is no dedicated ``FindingSourceType``).
"""

from __future__ import annotations

from typing import Callable, Optional

from ..inventory.model import EC2_SNAPSHOT, Ec2Snapshot
from .base import POLICY_SOURCE, SourcedStatement, allow

RESOURCE_TYPE = EC2_SNAPSHOT
SERVICE_PREFIXES = ("ec2",)
SHARED_SNAPSHOT_ACTIONS = ("ec2:CreateVolume", "ec2:CopySnapshot")


def arn(snapshot: Ec2Snapshot) -> str:
    return snapshot.arn


def request_resources(snapshot: Ec2Snapshot) -> tuple[str, ...]:
    return (snapshot.arn,)


def statements(snapshot: Ec2Snapshot,
               policy_is_public: Optional[Callable[[str], bool]] = None) -> list[SourcedStatement]:
    out = []
    for group in snapshot.groups:  # the only group is "all"
        out.append(SourcedStatement(POLICY_SOURCE, allow({"AWS": "*"}, SHARED_SNAPSHOT_ACTIONS, [snapshot.arn]),
                                    f"createVolumePermission group {group}"))
    for account in snapshot.user_ids:
        out.append(SourcedStatement(POLICY_SOURCE, allow({"AWS": account}, SHARED_SNAPSHOT_ACTIONS, [snapshot.arn]),
                                    f"createVolumePermission user {account}"))
    return out
