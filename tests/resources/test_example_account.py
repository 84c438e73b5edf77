"""The bundled example account: every resource compiles, and its exposures replay as designed."""

from __future__ import annotations

from pathlib import Path

import pytest

from accessproof.evaluate import ALLOWED, IMPLICIT_DENY, RESOURCE, compile_policy_text
from accessproof.inventory import load_snapshot
from accessproof.resources import SourceType, module_for, resource_policy_text, statements

from .helpers import ORG, OTHER, always_public, decide

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "account"
R = "us-east-1:111122223333"
GH = "token.actions.githubusercontent.com"
MEMBER = "arn:aws:iam::444455556666:role/Member"
STRANGER = "arn:aws:iam::555566667777:role/Stranger"
PARTNER_ROOT = f"arn:aws:iam::{OTHER}:root"


@pytest.fixture(scope="module")
def snapshot():
    return load_snapshot(EXAMPLE)


def test_every_resource_compiles_with_one_statement_per_source(snapshot):
    total = 0
    for resource in snapshot:
        sourced = statements(resource)
        compiled = compile_policy_text(resource_policy_text(resource), resource.arn, RESOURCE)
        assert len(compiled.statements) == len(sourced)
        assert module_for(resource).arn(resource) == resource.arn
        total += len(sourced)
    assert total > 40


# (resource ARN, principal, action, target or None, context, expected decision)
EXPOSED = [
    ("arn:aws:s3:::example-public-website", None, "s3:GetObject", "arn:aws:s3:::example-public-website/index.html",
     {}, ALLOWED),
    ("arn:aws:s3:::example-acl-public-logs", None, "s3:ListBucket", None, {}, ALLOWED),
    ("arn:aws:s3:::example-data-lake", f"arn:aws:iam::{OTHER}:role/PartnerAnalytics", "s3:GetObject",
     "arn:aws:s3:::example-data-lake/shared/q1.csv",
     {"s3:DataAccessPointArn": f"arn:aws:s3:{R}:accesspoint/partner-ap"}, ALLOWED),
    ("arn:aws:iam::111122223333:role/CrossAccountAuditRole", f"arn:aws:iam::{OTHER}:user/auditor", "sts:AssumeRole",
     None, {}, ALLOWED),
    ("arn:aws:iam::111122223333:role/GitHubDeployRole", f"arn:aws:iam::111122223333:oidc-provider/{GH}",
     "sts:AssumeRoleWithWebIdentity", None,
     {f"{GH}:aud": "sts.amazonaws.com", f"{GH}:sub": "repo:attacker/evil:ref:refs/heads/main"}, ALLOWED),
    (f"arn:aws:kms:{R}:key/1234abcd-12ab-34cd-56ef-1234567890ab", f"arn:aws:iam::{OTHER}:role/PartnerDecryptRole",
     "kms:Decrypt", None, {"kms:EncryptionContext:project": "alpha"}, ALLOWED),
    ("arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0", STRANGER, "ec2:CreateVolume", None, {}, ALLOWED),
    (f"arn:aws:rds:{R}:snapshot:orders-db-final", f"arn:aws:iam::{OTHER}:user/dba",
     "rds:RestoreDBInstanceFromDBSnapshot", None, {}, ALLOWED),
    (f"arn:aws:lambda:{R}:function:public-webhook", None, "lambda:InvokeFunctionUrl", None,
     {"lambda:FunctionUrlAuthType": "NONE"}, ALLOWED),
    (f"arn:aws:lambda:{R}:layer:partner-sdk:1", PARTNER_ROOT, "lambda:GetLayerVersion", None, {}, ALLOWED),
    (f"arn:aws:sqs:{R}:partner-inbox", PARTNER_ROOT, "sqs:SendMessage", None, {}, ALLOWED),
    (f"arn:aws:sns:{R}:public-announcements", STRANGER, "sns:Subscribe", None, {}, ALLOWED),
    (f"arn:aws:secretsmanager:{R}:secret:prod/db-password-AbCdEf", f"arn:aws:iam::{OTHER}:role/PartnerApp",
     "secretsmanager:GetSecretValue", None, {}, ALLOWED),
    (f"arn:aws:elasticfilesystem:{R}:file-system/fs-0123456789abcdef0", STRANGER, "elasticfilesystem:ClientMount",
     None, {"aws:SecureTransport": "true"}, ALLOWED),
    (f"arn:aws:dynamodb:{R}:table/Customers", f"arn:aws:iam::{OTHER}:role/PartnerApp", "dynamodb:GetItem", None, {},
     ALLOWED),
]

SAFE = [
    ("arn:aws:s3:::example-acl-public-logs", None, "s3:GetObject", "arn:aws:s3:::example-acl-public-logs/x", {},
     IMPLICIT_DENY),
    ("arn:aws:s3:::example-bpa-blocked", None, "s3:ListBucket", None, {}, IMPLICIT_DENY),
    ("arn:aws:s3:::example-org-reports", STRANGER, "s3:GetObject", "arn:aws:s3:::example-org-reports/r.pdf",
     {"aws:PrincipalOrgID": "o-zzzzzzzzzz"}, IMPLICIT_DENY),
    ("arn:aws:s3:::example-org-reports", MEMBER, "s3:GetObject", "arn:aws:s3:::example-org-reports/r.pdf",
     {"aws:PrincipalOrgID": ORG}, ALLOWED),
    ("arn:aws:s3:::example-private-config", STRANGER, "s3:GetObject", "arn:aws:s3:::example-private-config/c",
     {"aws:SecureTransport": "true"}, IMPLICIT_DENY),
    ("arn:aws:s3:::example-data-lake", STRANGER, "s3:GetObject", "arn:aws:s3:::example-data-lake/shared/q1.csv",
     {"s3:DataAccessPointArn": f"arn:aws:s3:{R}:accesspoint/partner-ap"}, IMPLICIT_DENY),
    ("arn:aws:iam::111122223333:role/GitHubDeployScopedRole", f"arn:aws:iam::111122223333:oidc-provider/{GH}",
     "sts:AssumeRoleWithWebIdentity", None,
     {f"{GH}:aud": "sts.amazonaws.com", f"{GH}:sub": "repo:attacker/evil:ref:refs/heads/main"}, IMPLICIT_DENY),
    ("arn:aws:iam::111122223333:role/OrgReadOnlyRole", STRANGER, "sts:AssumeRole", None, {}, IMPLICIT_DENY),
    (f"arn:aws:kms:{R}:key/1234abcd-12ab-34cd-56ef-1234567890ab", f"arn:aws:iam::{OTHER}:role/PartnerDecryptRole",
     "kms:Decrypt", None, {"kms:EncryptionContext:project": "beta"}, IMPLICIT_DENY),
    (f"arn:aws:kms:{R}:key/0987dcba-09fe-87dc-65ba-ab0987654321", STRANGER, "kms:Decrypt", None, {}, IMPLICIT_DENY),
    ("arn:aws:ec2:us-east-1::snapshot/snap-0fedcba9876543210", STRANGER, "ec2:CreateVolume", None, {},
     IMPLICIT_DENY),
    (f"arn:aws:lambda:{R}:function:orders-processor", STRANGER, "lambda:InvokeFunction", None, {}, IMPLICIT_DENY),
    (f"arn:aws:lambda:{R}:layer:shared-utils:3", STRANGER, "lambda:GetLayerVersion", None, {}, IMPLICIT_DENY),
    (f"arn:aws:sns:{R}:orders-events", STRANGER, "sns:Publish", None, {"aws:SourceOwner": "555566667777"},
     IMPLICIT_DENY),
    (f"arn:aws:ecr:{R}:repository/team/base-images", STRANGER, "ecr:BatchGetImage", None, {}, IMPLICIT_DENY),
    (f"arn:aws:dynamodb:{R}:table/Customers/stream/2026-11-01T00:00:00.000", STRANGER, "dynamodb:GetRecords", None,
     {}, IMPLICIT_DENY),
    (f"arn:aws:rds:{R}:cluster-snapshot:analytics-cluster-2026-11-01", STRANGER, "rds:RestoreDBClusterFromSnapshot",
     None, {}, IMPLICIT_DENY),
    (f"arn:aws:secretsmanager:{R}:secret:api-key-Gh1jK2", STRANGER, "secretsmanager:GetSecretValue", None, {},
     IMPLICIT_DENY),
]


@pytest.mark.parametrize("arn, principal, action, target, context, expected", EXPOSED + SAFE,
                         ids=[f"{c[0].rsplit(':', 1)[-1]}-{c[2]}" for c in EXPOSED + SAFE])
def test_example_access(snapshot, arn, principal, action, target, context, expected):
    resource = snapshot.get(arn)
    assert resource is not None, arn
    assert decide(resource, principal, action, target, context) == expected


def test_bpa_blocked_bucket_with_a_public_answer_blocks_its_policy_too(snapshot):
    bucket = snapshot.get("arn:aws:s3:::example-bpa-blocked")
    target = "arn:aws:s3:::example-bpa-blocked/x"
    assert decide(bucket, None, "s3:GetObject", target) == ALLOWED  # without the public check: kept (sound)
    assert decide(bucket, None, "s3:GetObject", target, policy_is_public=always_public) == IMPLICIT_DENY


def test_example_sources(snapshot):
    kinds = {s.source.type for r in snapshot for s in statements(r)}
    assert kinds == {SourceType.POLICY, SourceType.BUCKET_ACL, SourceType.S3_ACCESS_POINT}
