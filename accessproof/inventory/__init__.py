"""Account snapshots: a directory of AWS CLI responses (format: docs/snapshot.md) → ``Snapshot``.

``load_snapshot(path)`` validates and loads; every problem is a ``SnapshotError`` naming the
file. Resources are typed, immutable and self-contained; ``resource.content_hash()`` keys the
analyzer's cache.
"""

from .errors import SnapshotError
from .load import load_snapshot
from .model import (
    EXTERNAL_ACCESS_RESOURCE_TYPES, AccessPoint, Account, AclGrant, DynamoDbStream, DynamoDbTable, Ec2Snapshot,
    EcrRepository, EfsFileSystem, IamRole, KmsGrant, KmsKey, LambdaFunction, LambdaLayerVersion, PolicyResource,
    PublicAccessBlock, RdsDbClusterSnapshot, RdsDbSnapshot, Resource, S3Bucket, S3DirectoryBucket,
    SecretsManagerSecret, Snapshot, SnsTopic, SqsQueue,
)

__all__ = [
    "EXTERNAL_ACCESS_RESOURCE_TYPES", "AccessPoint", "Account", "AclGrant", "DynamoDbStream", "DynamoDbTable",
    "Ec2Snapshot", "EcrRepository", "EfsFileSystem", "IamRole", "KmsGrant", "KmsKey", "LambdaFunction",
    "LambdaLayerVersion", "PolicyResource", "PublicAccessBlock", "RdsDbClusterSnapshot", "RdsDbSnapshot", "Resource",
    "S3Bucket", "S3DirectoryBucket", "SecretsManagerSecret", "Snapshot", "SnapshotError", "SnsTopic", "SqsQueue",
    "load_snapshot",
]
