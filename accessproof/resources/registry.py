"""ResourceType → its module, as a small typed record the analyzer calls."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Callable, Optional, Union

from ..inventory.model import EXTERNAL_ACCESS_RESOURCE_TYPES, KmsKey, Resource
from . import (
    dynamodb_stream, dynamodb_table, ec2_snapshot, ecr_repository, efs_file_system, iam_role, kms_key,
    lambda_function, lambda_layer_version, rds_db_cluster_snapshot, rds_db_snapshot, s3_bucket,
    s3express_directory_bucket, secretsmanager_secret, sns_topic, sqs_queue,
)
from .base import SourcedStatement, policy_text

PolicyIsPublic = Callable[[str], bool]


@dataclass(frozen=True)
class ResourceModule:
    """What the analyzer needs of one resource type.

    ``statements(resource, policy_is_public=None)``: the resource's access configuration as
    sourced statements (``policy_is_public`` answers "may this policy text grant public access?"
    for S3's RestrictPublicBuckets; other types ignore it). ``request_resources(resource)``:
    the ARN patterns a request on the resource names. ``service_prefixes``: the services whose
    actions are access to it.
    """

    resource_type: str
    service_prefixes: tuple[str, ...]
    statements: Callable[..., list[SourcedStatement]]
    request_resources: Callable[[Resource], tuple[str, ...]]
    module: ModuleType

    def arn(self, resource: Resource) -> str:
        return resource.arn


def _entry(module: ModuleType) -> ResourceModule:
    return ResourceModule(module.RESOURCE_TYPE, module.SERVICE_PREFIXES, module.statements,
                          module.request_resources, module)


REGISTRY: dict[str, ResourceModule] = {
    m.RESOURCE_TYPE: _entry(m) for m in (
        s3_bucket, s3express_directory_bucket, iam_role, kms_key, lambda_function, lambda_layer_version, sqs_queue,
        sns_topic, secretsmanager_secret, efs_file_system, ecr_repository, ec2_snapshot, rds_db_snapshot,
        rds_db_cluster_snapshot, dynamodb_table, dynamodb_stream,
    )
}
assert set(REGISTRY) == set(EXTERNAL_ACCESS_RESOURCE_TYPES), "one module per external-access resource type"


def module_for(resource: Union[Resource, str]) -> ResourceModule:
    """The module of a resource or of a ResourceType name; KeyError for an unsupported type."""
    resource_type = resource if isinstance(resource, str) else resource.resource_type
    try:
        return REGISTRY[resource_type]
    except KeyError:
        raise KeyError(f"no resource module for {resource_type}; supported: {', '.join(sorted(REGISTRY))}") from None


# The ``error`` of a finding for a resource whose configuration Access Analyzer cannot read, as in
# AWS's example: ``"error": "ACCESS_DENIED"`` (IAM User Guide, "IAM Access Analyzer resource
# types", KMS).
ACCESS_DENIED = "ACCESS_DENIED"


def access_denied(resource: Resource) -> bool:
    """Could part of the configuration not be read — refused in the snapshot, or, for a KMS key,
    missing (every key has a key policy: "Every KMS key must have exactly one key policy", AWS KMS
    Developer Guide, "Key policies in AWS KMS") or refused to Access Analyzer's own role by the
    key policy (``kms_key.analyzer_locked_out``)?"""
    if resource.unreadable:
        return True
    return isinstance(resource, KmsKey) and (resource.policy is None or kms_key.analyzer_locked_out(resource))


def statements(resource: Resource, policy_is_public: Optional[PolicyIsPublic] = None) -> list[SourcedStatement]:
    """The sourced statements of ``resource`` (dispatching on its type)."""
    return module_for(resource).statements(resource, policy_is_public)


def resource_policy_text(resource: Resource, policy_is_public: Optional[PolicyIsPublic] = None,
                         pretty: bool = False) -> str:
    """One resource-based policy document for ``resource``: statement i is ``statements(...)[i]``."""
    return policy_text(statements(resource, policy_is_public), pretty)
