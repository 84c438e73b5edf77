"""The permission-changing calls, per resource type: which CloudTrail management events make the
monitor re-read which resource.

Each entry names the event source and the calls that change who can reach a resource of the type
(its policy, ACL, grants, sharing, the settings that confine them) or create or delete one, and how the
resource is named in the event (``requestParameters``, ``responseElements``, else the record's
``resources``). Two calls change a whole scope: the account's S3 Block Public Access (every bucket)
and a Region's EBS snapshot block public access (every snapshot there).

Lambda's CloudTrail event names carry the API version (``AddPermission20150331v2``): names are
compared without it, and the EventBridge pattern matches them by prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional

Record = Mapping[str, Any]
Identify = Callable[[Record], list[str]]

LAMBDA_VERSION_SUFFIX = re.compile(r"\d{8}(v\d+)?$")


def _field(record: Record, *path: str) -> Optional[Any]:
    value: Any = record
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _first(record: Record, *candidates: tuple[str, ...]) -> list[str]:
    for path in candidates:
        value = _field(record, *path)
        if isinstance(value, str) and value:
            return [value]
    return []


def _request(*names: str) -> tuple[tuple[str, ...], ...]:
    return tuple(("requestParameters", n) for n in names)


def _response(*names: str) -> tuple[tuple[str, ...], ...]:
    return tuple(("responseElements", n) for n in names)


def _resources_of(record: Record, resource_type: str) -> list[str]:
    """ARNs of the record's ``resources`` of ``resource_type`` (CloudTrail names them for many calls)."""
    return [r["ARN"] for r in record.get("resources") or [] if isinstance(r, Mapping)
            and r.get("type") == resource_type and isinstance(r.get("ARN"), str)]


def by(*paths: tuple[str, ...], resource_type: Optional[str] = None) -> Identify:
    def identify(record: Record) -> list[str]:
        found = _first(record, *paths)
        return found or (_resources_of(record, resource_type) if resource_type else [])
    return identify


def _lambda_layer(record: Record) -> list[str]:
    layer = _field(record, "requestParameters", "layerName")
    version = _field(record, "requestParameters", "versionNumber") or _field(record, "responseElements", "version")
    if layer and version is not None:
        return [f"{layer}:{version}"]
    arn = _field(record, "responseElements", "layerVersionArn")
    return [arn] if isinstance(arn, str) else []


def _ebs_snapshots(record: Record) -> list[str]:
    found = _first(record, *_request("snapshotId"), *_response("snapshotId"))
    items = _field(record, "responseElements", "snapshotSet", "items") or []
    return found + [i["snapshotId"] for i in items if isinstance(i, Mapping) and isinstance(i.get("snapshotId"), str)]


def _s3_bucket(record: Record) -> list[str]:
    found = _first(record, *_request("bucketName", "bucket"), ("requestParameters", "CreateAccessPointRequest", "Bucket"))
    if found:
        return found
    name = _field(record, "requestParameters", "name")  # an access point named without its bucket
    return [f"accesspoint:{name}"] if isinstance(name, str) else []


def _dynamodb(stream: bool) -> Identify:
    def identify(record: Record) -> list[str]:
        found = _first(record, *_request("resourceArn", "tableName"), ("responseElements", "tableDescription",
                                                                         "tableArn"))
        return [v for v in found if ("/stream/" in v) == stream]
    return identify


@dataclass(frozen=True)
class PermissionChange:
    resource_type: str
    event_source: str
    event_names: tuple[str, ...]
    identify: Identify


PERMISSION_CHANGES: tuple[PermissionChange, ...] = (
    PermissionChange("AWS::S3::Bucket", "s3.amazonaws.com", (
        "PutBucketPolicy", "DeleteBucketPolicy", "PutBucketAcl", "PutBucketPublicAccessBlock",
        "DeleteBucketPublicAccessBlock", "PutBucketOwnershipControls", "DeleteBucketOwnershipControls",
        "CreateBucket", "DeleteBucket", "CreateAccessPoint", "DeleteAccessPoint", "PutAccessPointPolicy",
        "DeleteAccessPointPolicy"), _s3_bucket),
    PermissionChange("AWS::S3Express::DirectoryBucket", "s3express.amazonaws.com", (
        "PutBucketPolicy", "DeleteBucketPolicy", "CreateBucket", "DeleteBucket"), by(*_request("bucketName"))),
    PermissionChange("AWS::KMS::Key", "kms.amazonaws.com", (
        "PutKeyPolicy", "CreateGrant", "RetireGrant", "RevokeGrant", "CreateKey", "ScheduleKeyDeletion",
        "CancelKeyDeletion", "ReplicateKey"),
        by(*_request("keyId"), ("responseElements", "keyMetadata", "keyId"), resource_type="AWS::KMS::Key")),
    PermissionChange("AWS::Lambda::Function", "lambda.amazonaws.com", (
        "AddPermission", "RemovePermission", "CreateFunction", "DeleteFunction", "CreateFunctionUrlConfig",
        "UpdateFunctionUrlConfig", "DeleteFunctionUrlConfig", "CreateAlias", "UpdateAlias", "DeleteAlias",
        "PublishVersion"), by(*_request("functionName"), *_response("functionName"))),
    PermissionChange("AWS::Lambda::LayerVersion", "lambda.amazonaws.com", (
        "AddLayerVersionPermission", "RemoveLayerVersionPermission", "PublishLayerVersion", "DeleteLayerVersion"),
        _lambda_layer),
    PermissionChange("AWS::SQS::Queue", "sqs.amazonaws.com", (
        "SetQueueAttributes", "AddPermission", "RemovePermission", "CreateQueue", "DeleteQueue"),
        by(*_request("queueUrl"), *_response("queueUrl"), *_request("queueName"))),
    PermissionChange("AWS::SNS::Topic", "sns.amazonaws.com", (
        "SetTopicAttributes", "AddPermission", "RemovePermission", "CreateTopic", "DeleteTopic"),
        by(*_request("topicArn"), *_response("topicArn"), *_request("name"))),
    PermissionChange("AWS::SecretsManager::Secret", "secretsmanager.amazonaws.com", (
        "PutResourcePolicy", "DeleteResourcePolicy", "CreateSecret", "DeleteSecret", "RestoreSecret", "UpdateSecret",
        "ReplicateSecretToRegions"), by(*_request("secretId", "name"), *_response("aRN", "arn"))),
    PermissionChange("AWS::EFS::FileSystem", "elasticfilesystem.amazonaws.com", (
        "PutFileSystemPolicy", "DeleteFileSystemPolicy", "CreateFileSystem", "DeleteFileSystem"),
        by(*_request("fileSystemId"), *_response("fileSystemId"))),
    PermissionChange("AWS::ECR::Repository", "ecr.amazonaws.com", (
        "SetRepositoryPolicy", "DeleteRepositoryPolicy", "CreateRepository", "DeleteRepository"),
        by(*_request("repositoryName"))),
    PermissionChange("AWS::EC2::Snapshot", "ec2.amazonaws.com", (
        "ModifySnapshotAttribute", "ResetSnapshotAttribute", "CreateSnapshot", "CreateSnapshots", "CopySnapshot",
        "DeleteSnapshot"), _ebs_snapshots),
    PermissionChange("AWS::RDS::DBSnapshot", "rds.amazonaws.com", (
        "ModifyDBSnapshotAttribute", "CreateDBSnapshot", "CopyDBSnapshot", "DeleteDBSnapshot"),
        by(*_request("targetDBSnapshotIdentifier", "dBSnapshotIdentifier"))),
    PermissionChange("AWS::RDS::DBClusterSnapshot", "rds.amazonaws.com", (
        "ModifyDBClusterSnapshotAttribute", "CreateDBClusterSnapshot", "CopyDBClusterSnapshot",
        "DeleteDBClusterSnapshot"), by(*_request("targetDBClusterSnapshotIdentifier", "dBClusterSnapshotIdentifier"))),
    PermissionChange("AWS::DynamoDB::Table", "dynamodb.amazonaws.com", (
        "PutResourcePolicy", "DeleteResourcePolicy", "CreateTable", "DeleteTable"), _dynamodb(stream=False)),
    PermissionChange("AWS::DynamoDB::Stream", "dynamodb.amazonaws.com", (
        "PutResourcePolicy", "DeleteResourcePolicy"), _dynamodb(stream=True)),
    PermissionChange("AWS::IAM::Role", "iam.amazonaws.com", (
        "UpdateAssumeRolePolicy", "CreateRole", "DeleteRole"), by(*_request("roleName"))),
)

# Calls that change every resource of a kind: (event source, name) → the shared file to re-read.
ACCOUNT_S3_BLOCK_PUBLIC_ACCESS = "s3control"
REGION_SNAPSHOT_BLOCK_PUBLIC_ACCESS = "ec2"
SCOPE_CHANGES: dict[tuple[str, str], str] = {
    ("s3.amazonaws.com", "PutAccountPublicAccessBlock"): ACCOUNT_S3_BLOCK_PUBLIC_ACCESS,
    ("s3.amazonaws.com", "DeleteAccountPublicAccessBlock"): ACCOUNT_S3_BLOCK_PUBLIC_ACCESS,
    ("ec2.amazonaws.com", "EnableSnapshotBlockPublicAccess"): REGION_SNAPSHOT_BLOCK_PUBLIC_ACCESS,
    ("ec2.amazonaws.com", "DisableSnapshotBlockPublicAccess"): REGION_SNAPSHOT_BLOCK_PUBLIC_ACCESS,
}
GLOBAL_EVENT_SOURCES = frozenset({"iam.amazonaws.com"})  # recorded in us-east-1, true in every Region


def event_name(record: Record) -> str:
    name = str(record.get("eventName") or "")
    if record.get("eventSource") == "lambda.amazonaws.com":
        return LAMBDA_VERSION_SUFFIX.sub("", name)
    return name


@dataclass(frozen=True)
class Target:
    """What an event asks the monitor to do: re-read one resource, or a shared setting."""

    kind: str  # "resource" | "scope"
    resource_type: str  # for a scope: ACCOUNT_S3_BLOCK_PUBLIC_ACCESS or REGION_SNAPSHOT_BLOCK_PUBLIC_ACCESS
    region: str
    identifier: str = ""


def targets(record: Record) -> list[Target]:
    """The resources (or scopes) a CloudTrail record changed; none for a failed call (``errorCode``) or
    a call that changes no permission."""
    if record.get("errorCode"):
        return []
    source, name = record.get("eventSource"), event_name(record)
    region = str(record.get("awsRegion") or "")
    scope = SCOPE_CHANGES.get((str(source), name))
    if scope is not None:
        return [Target("scope", scope, region)]
    out: list[Target] = []
    for change in PERMISSION_CHANGES:
        if change.event_source == source and name in change.event_names:
            out += [Target("resource", change.resource_type, region, i) for i in change.identify(record)]
    return out


def event_pattern() -> dict[str, Any]:
    """The EventBridge rule's pattern: the management events of every call above."""
    by_source: dict[str, set[str]] = {}
    for change in PERMISSION_CHANGES:
        by_source.setdefault(change.event_source, set()).update(change.event_names)
    for source, name in SCOPE_CHANGES:
        by_source.setdefault(source, set()).add(name)
    names: list[Any] = []
    for source, found in sorted(by_source.items()):
        if source == "lambda.amazonaws.com":
            names += [{"prefix": n} for n in sorted(found)]
        else:
            names += sorted(found)
    unique: list[Any] = []
    for name in names:
        if name not in unique:
            unique.append(name)
    return {
        "source": sorted({"aws." + s.removesuffix(".amazonaws.com") for s in by_source}),
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {"eventSource": sorted(by_source), "eventName": unique},
    }
