"""Builders for findings in tests."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from accessproof.findings.model import ACTIVE, Finding, FreshFinding, ResourceAnalysis

OWNER = "111122223333"
OUTSIDER = "999988887777"
BUCKET = "arn:aws:s3:::shared-bucket"
QUEUE = "arn:aws:sqs:us-east-1:111122223333:jobs"
KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)

RESOURCE_TYPES = {BUCKET: "AWS::S3::Bucket", QUEUE: "AWS::SQS::Queue", KEY: "AWS::KMS::Key"}


def fresh(resource: str = BUCKET, **fields: Any) -> FreshFinding:
    """An external-access finding for ``resource``: cross-account to OUTSIDER, s3:GetObject, by policy."""
    values: dict[str, Any] = {
        "resource": resource,
        "resource_type": RESOURCE_TYPES.get(resource, "AWS::S3::Bucket"),
        "resource_owner_account": OWNER,
        "principal": {"AWS": OUTSIDER},
        "action": ("s3:GetObject",),
        "condition": {},
        "is_public": False,
        "sources": ({"type": "POLICY"},),
        "witness": {"principal": f"arn:aws:iam::{OUTSIDER}:root", "action": "s3:GetObject"},
    }
    values.update(fields)
    return FreshFinding(**values)


def public(resource: str = BUCKET, **fields: Any) -> FreshFinding:
    return fresh(resource, principal={"AWS": "*"}, is_public=True, **fields)


def errored(resource: str = KEY) -> FreshFinding:
    return fresh(resource, principal=None, action=None, is_public=None, sources=None, error="ACCESS_DENIED")


def stored(fresh_finding: FreshFinding, finding_id: str, status: str = ACTIVE,
           analyzer_arn: str = "arn:aws:access-analyzer:us-east-1:111122223333:analyzer/a") -> Finding:
    return Finding.open(fresh_finding, finding_id=finding_id, analyzer_arn=analyzer_arn, status=status, now=T0)


def analysis(resource: str, *findings: FreshFinding) -> ResourceAnalysis:
    return ResourceAnalysis(resource, RESOURCE_TYPES.get(resource, "AWS::S3::Bucket"), OWNER, tuple(findings))
