"""The shared shape of resource types whose access is one resource-based policy.

Lambda functions and layer versions, SQS queues, SNS topics, Secrets Manager secrets, EFS file
systems, ECR repositories, DynamoDB tables and streams, S3 directory buckets: "IAM Access
Analyzer analyzes the [resource-based] policy [...] including condition statements" (IAM User
Guide, "IAM Access Analyzer resource types"). Their statements are the policy's, source POLICY;
no policy means no statement (nothing is granted to anyone outside the account). Some modules
add Denies for what their service documents as impossible across accounts (DynamoDB, Secrets
Manager) or what their configuration rules out (Lambda function URLs).
"""

from __future__ import annotations

from ..inventory.model import PolicyResource, S3DirectoryBucket
from .base import POLICY_SOURCE, SourcedStatement, statements_of_policy


def policy_statements(resource: PolicyResource | S3DirectoryBucket, label: str) -> list[SourcedStatement]:
    return statements_of_policy(resource.policy, POLICY_SOURCE, label)

