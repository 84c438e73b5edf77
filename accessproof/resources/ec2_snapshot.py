"""AWS::EC2::Snapshot — EBS snapshot sharing (``createVolumePermission``, from ``aws ec2
describe-snapshot-attribute --attribute createVolumePermission``), with the snapshot's
encryption (``aws ec2 describe-snapshots``) and the Region's block public access for snapshots
(``aws ec2 get-snapshot-block-public-access-state``).

"EBS, RDS DB and cluster snapshots: share attributes only" (IAM User Guide, "IAM Access
Analyzer resource types"). A shared snapshot can be used to create volumes and be copied by the
accounts it is shared with (EC2 User Guide, "Share an Amazon EBS snapshot"): the group ``all``
makes it public — ``{"AWS": "*"}`` — and each ``UserId`` is that account's root —
``{"AWS": "<account>"}``; the actions are ``ec2:CreateVolume`` and ``ec2:CopySnapshot`` on the
snapshot ARN. Source POLICY (there is no dedicated ``FindingSourceType``).

What takes a share away (each from the EBS User Guide; when the snapshot does not record the
setting, the share is kept — more access, never less):

* "You can share only unencrypted snapshots publicly" ("Share an Amazon EBS snapshot"): an
  encrypted snapshot's ``all`` grants nothing.
* "You can't share snapshots that are encrypted with the default AWS managed key" (same page):
  a snapshot encrypted with ``aws/ebs`` (known when its key is given as that alias, as access
  previews may) grants nothing to anyone.
* Block public access for snapshots in ``block-all-sharing`` state: "snapshots that were already
  publicly shared are treated as private and are no longer publicly available" ("Block public
  access for Amazon EBS snapshots"): ``all`` grants nothing; ``block-new-sharing`` leaves
  existing public shares in force.
"""

from __future__ import annotations

from typing import Callable, Optional

from ..inventory.model import EC2_SNAPSHOT, SNAPSHOT_BLOCK_ALL_SHARING, Ec2Snapshot, is_aws_managed_key_alias
from .base import POLICY_SOURCE, SourcedStatement, allow

RESOURCE_TYPE = EC2_SNAPSHOT
SERVICE_PREFIXES = ("ec2",)
SHARED_SNAPSHOT_ACTIONS = ("ec2:CreateVolume", "ec2:CopySnapshot")


def arn(snapshot: Ec2Snapshot) -> str:
    return snapshot.arn


def request_resources(snapshot: Ec2Snapshot) -> tuple[str, ...]:
    return (snapshot.arn,)


def can_be_shared(snapshot: Ec2Snapshot) -> bool:
    return not is_aws_managed_key_alias(snapshot.kms_key_id, "ebs")


def can_be_public(snapshot: Ec2Snapshot) -> bool:
    return snapshot.encrypted is not True and snapshot.block_public_access != SNAPSHOT_BLOCK_ALL_SHARING


def statements(snapshot: Ec2Snapshot,
               policy_is_public: Optional[Callable[[str], bool]] = None) -> list[SourcedStatement]:
    if not can_be_shared(snapshot):
        return []
    out = []
    if can_be_public(snapshot):
        for group in snapshot.groups:  # the only group is "all"
            out.append(SourcedStatement(POLICY_SOURCE, allow({"AWS": "*"}, SHARED_SNAPSHOT_ACTIONS, [snapshot.arn]),
                                        f"createVolumePermission group {group}"))
    for account in snapshot.user_ids:
        out.append(SourcedStatement(POLICY_SOURCE, allow({"AWS": account}, SHARED_SNAPSHOT_ACTIONS, [snapshot.arn]),
                                    f"createVolumePermission user {account}"))
    return out
