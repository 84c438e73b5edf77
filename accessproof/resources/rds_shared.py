"""RDS manual snapshot sharing: the ``restore`` attribute as statements.

"If all is included in the list of values for the restore attribute, then the manual DB
snapshot is public and can be copied or restored by all AWS accounts" (RDS API Reference,
DescribeDBSnapshotAttributes); other values are account ids. ``all`` → ``{"AWS": "*"}``, an
account → ``{"AWS": "<account>"}``, with the copy and restore actions of the snapshot kind.
"""

from __future__ import annotations

from ..inventory.model import RdsDbClusterSnapshot, RdsDbSnapshot
from .base import POLICY_SOURCE, SourcedStatement, allow


def restore_statements(snapshot: RdsDbSnapshot | RdsDbClusterSnapshot,
                       actions: tuple[str, ...]) -> list[SourcedStatement]:
    out = []
    for value in snapshot.restore:
        principal = {"AWS": "*"} if value == "all" else {"AWS": value}
        out.append(SourcedStatement(POLICY_SOURCE, allow(principal, actions, [snapshot.arn]),
                                    f"restore attribute value {value}"))
    return out
