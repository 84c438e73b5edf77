"""The collector module of each resource type (one per type, as ``accessproof.resources``)."""

from __future__ import annotations

from types import ModuleType

from ..model import EXTERNAL_ACCESS_RESOURCE_TYPES
from . import (
    dynamodb_stream, dynamodb_table, ec2_snapshot, ecr_repository, efs_file_system, iam_role, kms_key,
    lambda_function, lambda_layer_version, rds_db_cluster_snapshot, rds_db_snapshot, s3_bucket,
    s3express_directory_bucket, secretsmanager_secret, sns_topic, sqs_queue,
)

# Regional resources, collected per Region (IAM roles are global: ``iam_role``).
REGIONAL: tuple[ModuleType, ...] = (
    s3_bucket, s3express_directory_bucket, kms_key, lambda_function, lambda_layer_version, sqs_queue, sns_topic,
    secretsmanager_secret, efs_file_system, ecr_repository, ec2_snapshot, rds_db_snapshot, rds_db_cluster_snapshot,
    dynamodb_table, dynamodb_stream,
)
BY_TYPE: dict[str, ModuleType] = {m.RESOURCE_TYPE: m for m in (*REGIONAL, iam_role)}
assert set(BY_TYPE) == set(EXTERNAL_ACCESS_RESOURCE_TYPES), "one collector per external-access resource type"
