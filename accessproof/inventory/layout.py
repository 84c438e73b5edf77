"""Where a snapshot writes what grants access to a resource (docs/snapshot.md, "Layout"): the
response files, and the JSON member in each, that hold its policy, ACL or share attributes.

Used to point a finding at the file a reviewer would edit (SARIF for code scanning). A file is
given relative to the snapshot; a member as a path such as ``Attributes.Policy`` or
``RoleDetailList[3].AssumeRolePolicyDocument``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .model import (
    DYNAMODB_STREAM, DYNAMODB_TABLE, EC2_SNAPSHOT, ECR_REPOSITORY, EFS_FILE_SYSTEM, IAM_ROLE, KMS_KEY, LAMBDA_FUNCTION,
    LAMBDA_LAYER_VERSION, RDS_DB_CLUSTER_SNAPSHOT, RDS_DB_SNAPSHOT, S3_BUCKET, S3_DIRECTORY_BUCKET, SECRETS_MANAGER_SECRET,
    SNS_TOPIC, SQS_QUEUE, Resource,
)

# The response that holds a resource's policy (or what stands for it), per resource type:
# (file in the resource's directory, member holding the policy).
POLICY_RESPONSES: dict[str, tuple[str, str]] = {
    S3_BUCKET: ("get-bucket-policy.json", "Policy"),
    S3_DIRECTORY_BUCKET: ("get-bucket-policy.json", "Policy"),
    KMS_KEY: ("get-key-policy.json", "Policy"),
    LAMBDA_FUNCTION: ("get-policy.json", "Policy"),
    LAMBDA_LAYER_VERSION: ("get-layer-version-policy.json", "Policy"),
    SQS_QUEUE: ("get-queue-attributes.json", "Attributes.Policy"),
    SNS_TOPIC: ("get-topic-attributes.json", "Attributes.Policy"),
    SECRETS_MANAGER_SECRET: ("get-resource-policy.json", "ResourcePolicy"),
    EFS_FILE_SYSTEM: ("describe-file-system-policy.json", "Policy"),
    ECR_REPOSITORY: ("get-repository-policy.json", "policyText"),
    DYNAMODB_TABLE: ("get-resource-policy.json", "Policy"),
    DYNAMODB_STREAM: ("get-resource-policy.json", "Policy"),
    EC2_SNAPSHOT: ("describe-snapshot-attribute.json", "CreateVolumePermissions"),
    RDS_DB_SNAPSHOT: ("describe-db-snapshot-attributes.json", "DBSnapshotAttributesResult"),
    RDS_DB_CLUSTER_SNAPSHOT: ("describe-db-cluster-snapshot-attributes.json", "DBClusterSnapshotAttributesResult"),
}

# Other responses that grant access to a resource of the type (shown beside the main one).
OTHER_GRANTING_RESPONSES: dict[str, tuple[tuple[str, str], ...]] = {
    S3_BUCKET: (("get-bucket-acl.json", "Grants"),),
    KMS_KEY: (("list-grants.json", "Grants"),),  # KMS grants are reported with source POLICY
    LAMBDA_FUNCTION: (("get-function-url-config.json", "AuthType"),),
}


@dataclass(frozen=True)
class SnapshotPlace:
    """A file of the snapshot (relative to it) and the member in it (None: the whole file)."""

    file: str
    member: Optional[str] = None


def finding_places(snapshot: Path, resource: Resource, finding: dict) -> list[SnapshotPlace]:
    """The files (existing ones only) that grant the access ``finding`` (ListFindings shape)
    reports on ``resource``, the most likely first; for an error finding, the responses AWS refused."""
    if finding.get("error"):
        refused = []
        for entry in resource.unreadable:  # "<response>.json: <error code>"; the file kept is <response>.error
            response = entry.rsplit(": ", 1)[0]
            kept = [f for f in (response.removesuffix(".json") + ".error", response) if (snapshot / f).is_file()]
            refused.extend(SnapshotPlace(f) for f in kept[:1])
        return refused or _fallback(resource)
    if resource.resource_type == IAM_ROLE:
        file, _, where = resource.origin.partition("#")
        return [SnapshotPlace(file, f"{where}.AssumeRolePolicyDocument" if where else None)]
    directory = _directory(resource)
    candidates: list[SnapshotPlace] = []
    for source in finding.get("sources") or [{"type": "POLICY"}]:
        candidates.extend(_source_places(resource, directory, source))
    for file, member in OTHER_GRANTING_RESPONSES.get(resource.resource_type, ()):
        candidates.append(SnapshotPlace(_join(directory, file), member))
    if resource.resource_type == LAMBDA_FUNCTION:  # the aliases' and versions' own policies
        for qualifier in sorted((snapshot / directory / "qualifiers").glob("*/get-policy.json")):
            candidates.append(SnapshotPlace(qualifier.relative_to(snapshot).as_posix(), "Policy"))
    seen: set[str] = set()
    out = []
    for place in candidates:
        if place.file not in seen and (snapshot / place.file).is_file():
            seen.add(place.file)
            out.append(place)
    return out or _fallback(resource)


def _source_places(resource: Resource, directory: str, source: dict) -> list[SnapshotPlace]:
    kind = source.get("type")
    if kind == "BUCKET_ACL":
        return [SnapshotPlace(_join(directory, "get-bucket-acl.json"), "Grants")]
    if kind == "S3_ACCESS_POINT":
        arn = (source.get("detail") or {}).get("accessPointArn", "")
        name = arn.rsplit("/", 1)[-1]
        return [SnapshotPlace(_join(directory, f"access-points/{name}/get-access-point-policy.json"), "Policy")]
    policy = POLICY_RESPONSES.get(resource.resource_type)
    return [SnapshotPlace(_join(directory, policy[0]), policy[1])] if policy else []


def _directory(resource: Resource) -> str:
    return resource.origin.partition("#")[0]


def _fallback(resource: Resource) -> list[SnapshotPlace]:
    """The resource's own directory (or file) when no response file says more."""
    return [SnapshotPlace(_directory(resource))]


def _join(directory: str, file: str) -> str:
    return f"{directory}/{file}" if directory else file
