"""AWS::S3Express::DirectoryBucket — the directory bucket policy (s3express GetBucketPolicy).

Directory buckets have no ACLs, and PutPublicAccessBlock "is not supported for directory
buckets" (S3 API Reference): no Block Public Access setting is read or applied here, the policy
is analysed as written (an account-level setting would only remove access, so this never
misses any). Actions are ``s3express:*`` (data access goes through
``s3express:CreateSession`` on the bucket ARN).
"""

from __future__ import annotations

from typing import Callable, Optional

from ..inventory.model import S3_DIRECTORY_BUCKET, S3DirectoryBucket
from .base import SourcedStatement
from .policy_only import policy_statements

RESOURCE_TYPE = S3_DIRECTORY_BUCKET
SERVICE_PREFIXES = ("s3express",)


def arn(bucket: S3DirectoryBucket) -> str:
    return bucket.arn


def request_resources(bucket: S3DirectoryBucket) -> tuple[str, ...]:
    return (bucket.arn,)


def statements(bucket: S3DirectoryBucket,
               policy_is_public: Optional[Callable[[str], bool]] = None) -> list[SourcedStatement]:
    return policy_statements(bucket, "directory bucket policy")
