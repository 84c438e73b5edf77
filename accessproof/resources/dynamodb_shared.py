"""What DynamoDB tables and streams share: the actions DynamoDB never allows across accounts.

"for cross-account access, you can only use a certain set of DynamoDB APIs through
resource-based policies" (Amazon DynamoDB Developer Guide, "DynamoDB API operations supported
by resource-based policies"). That page lists, per API, whether a resource-based policy can
grant it across accounts; the APIs marked "Cross-account support: No" are below, as the IAM
actions that authorize them (the PartiQL APIs BatchExecuteStatement, ExecuteStatement and
ExecuteTransaction are authorized by the four ``PartiQL*`` actions). An outside principal can
never perform them, whatever the policy says: they are denied to callers outside the owner
account, so they yield no finding. Every other action stays as the policy grants it (an action
the page does not list, e.g. ``dynamodb:ConditionCheckItem``, which TransactWriteItems uses, is
kept: more access, never less).
"""

from __future__ import annotations

from ..inventory.model import DynamoDbStream, DynamoDbTable
from .base import SourcedStatement, outside_account_deny

NOT_CROSS_ACCOUNT_ACTIONS: tuple[str, ...] = tuple(f"dynamodb:{name}" for name in (
    # PartiQL
    "PartiQLSelect", "PartiQLInsert", "PartiQLUpdate", "PartiQLDelete",
    # control plane
    "CreateTable",
    # global tables, version 2019.11.21 (current) and 2017.11.29 (legacy)
    "DescribeTableReplicaAutoScaling", "UpdateTableReplicaAutoScaling",
    "CreateGlobalTable", "DescribeGlobalTable", "DescribeGlobalTableSettings", "ListGlobalTables",
    "UpdateGlobalTable", "UpdateGlobalTableSettings",
    # backup and restore, continuous backups (PITR)
    "CreateBackup", "DescribeBackup", "DeleteBackup", "RestoreTableFromBackup",
    "DescribeContinuousBackups", "UpdateContinuousBackups", "RestoreTableToPointInTime",
    # Contributor Insights, export, import
    "DescribeContributorInsights", "ListContributorInsights", "UpdateContributorInsights",
    "DescribeExport", "ExportTableToPointInTime", "ListExports",
    "DescribeImport", "ImportTable", "ListImports",
    # Kinesis Data Streams
    "DescribeKinesisStreamingDestination", "DisableKinesisStreamingDestination",
    "EnableKinesisStreamingDestination", "UpdateKinesisStreamingDestination",
    # resource-based policies, Time to Live
    "GetResourcePolicy", "PutResourcePolicy", "DeleteResourcePolicy",
    "DescribeTimeToLive", "UpdateTimeToLive",
    # others, and DynamoDB Streams
    "DescribeEndpoints", "DescribeLimits", "ListBackups", "ListTables", "ListStreams",
))


def not_cross_account(resource: DynamoDbTable | DynamoDbStream) -> SourcedStatement:
    return outside_account_deny(resource.account_id, NOT_CROSS_ACCOUNT_ACTIONS,
                                "DynamoDB: actions without cross-account support")
