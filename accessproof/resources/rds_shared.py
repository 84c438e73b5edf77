"""RDS manual snapshot sharing: the ``restore`` attribute as statements.

"If all is included in the list of values for the restore attribute, then the manual DB
snapshot is public and can be copied or restored by all AWS accounts" (RDS API Reference,
DescribeDBSnapshotAttributes); other values are account ids. ``all`` → ``{"AWS": "*"}``, an
account → ``{"AWS": "<account>"}``, with the copy and restore actions of the snapshot kind.

Encryption (``describe-db-snapshots`` / ``describe-db-cluster-snapshots``) takes shares away,
per "Sharing encrypted snapshots" (RDS and Aurora User Guides): "You can't share encrypted
snapshots as public" — an encrypted snapshot's ``all`` grants nothing — and "You can't share a
snapshot that has been encrypted using the default KMS key of the AWS account" — with
``aws/rds`` (known when the key is given as that alias, as access previews may) nothing is
shared. When the snapshot does not record its encryption, every value is kept.
"""

from __future__ import annotations

from ..inventory.model import RdsDbClusterSnapshot, RdsDbSnapshot, is_aws_managed_key_alias
from .base import POLICY_SOURCE, SourcedStatement, allow


def restore_statements(snapshot: RdsDbSnapshot | RdsDbClusterSnapshot,
                       actions: tuple[str, ...]) -> list[SourcedStatement]:
    if is_aws_managed_key_alias(snapshot.kms_key_id, "rds"):
        return []
    out = []
    for value in snapshot.restore:
        if value == "all" and snapshot.encrypted is True:
            continue
        principal = {"AWS": "*"} if value == "all" else {"AWS": value}
        out.append(SourcedStatement(POLICY_SOURCE, allow(principal, actions, [snapshot.arn]),
                                    f"restore attribute value {value}"))
    return out
