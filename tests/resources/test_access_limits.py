"""What takes access away besides a policy's own Denies, each a documented AWS rule turned into
statements by the resource modules: actions a service never allows across accounts (DynamoDB,
Secrets Manager), the AWS managed key of Secrets Manager, Lambda function URLs, S3 Object
Ownership, snapshot encryption and EBS block public access — and cross-account S3 access points,
which add access. Every rule is replayed: outsiders lose exactly the documented access, the
owner's own principals keep theirs."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from accessproof.evaluate import ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY
from accessproof.inventory import AclGrant, DynamoDbStream, DynamoDbTable, Ec2Snapshot, RdsDbSnapshot, S3Bucket
from accessproof.inventory.model import (
    SECRETS_MANAGER_MANAGED_KEY, FunctionUrl, KmsKey, LambdaFunction, PublicAccessBlock, QualifierPolicy,
    SecretsManagerSecret,
)
from accessproof.resources import SourceType, statements
from accessproof.resources.dynamodb_shared import NOT_CROSS_ACCOUNT_ACTIONS
from accessproof.resources.kms_key import analyzer_locked_out
from accessproof.resources.s3_bucket import access_point_account_statements, access_point_accounts

from .helpers import OTHER, OWNER, decide, policy, stmt

R = f"us-east-1:{OWNER}"
PARTNER = f"arn:aws:iam::{OTHER}:role/Partner"
INSIDER = f"arn:aws:iam::{OWNER}:role/Insider"


# ------------------------------------------------------------------------------- DynamoDB

TABLE = f"arn:aws:dynamodb:{R}:table/T"


def test_dynamodb_actions_without_cross_account_support_are_denied_to_outsiders_only():
    """DynamoDB Developer Guide, "DynamoDB API operations supported by resource-based policies"."""
    table = DynamoDbTable(arn=TABLE, account_id=OWNER, origin="t", name="T",
                          policy=policy(stmt({"AWS": [PARTNER, INSIDER]}, "dynamodb:*", [TABLE, f"{TABLE}/index/*"])))
    for action in ("dynamodb:PutResourcePolicy", "dynamodb:CreateBackup", "dynamodb:UpdateTimeToLive",
                   "dynamodb:PartiQLSelect", "dynamodb:ExportTableToPointInTime", "dynamodb:ListStreams"):
        assert action in NOT_CROSS_ACCOUNT_ACTIONS
        assert decide(table, PARTNER, action) == EXPLICIT_DENY
        assert decide(table, INSIDER, action) == ALLOWED
    for action in ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:BatchWriteItem",
                   "dynamodb:DescribeTable", "dynamodb:DeleteTable", "dynamodb:TagResource", "dynamodb:ConditionCheckItem"):
        assert decide(table, PARTNER, action) == ALLOWED
    assert decide(table, PARTNER, "dynamodb:GetItem", f"{TABLE}/index/byEmail") == ALLOWED


def test_dynamodb_limits_are_added_only_to_a_grant():
    table = DynamoDbTable(arn=TABLE, account_id=OWNER, origin="t", name="T")
    assert statements(table) == []
    stream = DynamoDbStream(arn=f"{TABLE}/stream/L", account_id=OWNER, origin="t", name="T/stream/L", table_name="T",
                            stream_label="L", policy=policy(stmt({"AWS": PARTNER}, "dynamodb:*", f"{TABLE}/stream/L")))
    assert [s.is_allow for s in statements(stream)] == [True, False]
    assert decide(stream, PARTNER, "dynamodb:GetRecords") == ALLOWED
    assert decide(stream, PARTNER, "dynamodb:ListStreams") == EXPLICIT_DENY


# ------------------------------------------------------------------------ Secrets Manager

SECRET = f"arn:aws:secretsmanager:{R}:secret:s-AbCdEf"


def secret(kms_key_id=None) -> SecretsManagerSecret:
    return SecretsManagerSecret(arn=SECRET, account_id=OWNER, origin="t", name="s", kms_key_id=kms_key_id,
                                policy=policy(stmt({"AWS": [PARTNER, INSIDER]}, "secretsmanager:*", "*")))


def test_secrets_manager_operations_without_cross_account_permission():
    """Secrets Manager User Guide, "Access AWS Secrets Manager secrets from a different account":
    "Cross-account permission is effective only for the following operations"."""
    s = secret()
    for action in ("secretsmanager:CreateSecret", "secretsmanager:ListSecrets", "secretsmanager:BatchGetSecretValue"):
        assert decide(s, PARTNER, action) == EXPLICIT_DENY
        assert decide(s, INSIDER, action) == ALLOWED
    for action in ("secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret",
                   "secretsmanager:PutResourcePolicy", "secretsmanager:RotateSecret"):
        assert decide(s, PARTNER, action) == ALLOWED


@pytest.mark.parametrize("key", [SECRETS_MANAGER_MANAGED_KEY, f"arn:aws:kms:{R}:alias/aws/secretsmanager"])
def test_the_aws_managed_key_keeps_the_secret_value_in_its_account(key):
    """Same page: "you can't use the AWS managed key (aws/secretsmanager) for cross-account
    access"; "Secret encryption and decryption": reading and writing the value use the key."""
    s = secret(key)
    assert s.uses_aws_managed_key
    for action in ("secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"):
        assert decide(s, PARTNER, action) == EXPLICIT_DENY
        assert decide(s, INSIDER, action) == ALLOWED
    for action in ("secretsmanager:DescribeSecret", "secretsmanager:PutResourcePolicy", "secretsmanager:UpdateSecret"):
        assert decide(s, PARTNER, action) == ALLOWED
    assert not secret(f"arn:aws:kms:{R}:key/1234abcd-12ab-34cd-56ef-1234567890ab").uses_aws_managed_key
    assert not secret("alias/team-secrets").uses_aws_managed_key


# --------------------------------------------------------------------------------- Lambda

FUNCTION = f"arn:aws:lambda:{R}:function:fn"
URL_GRANT = stmt("*", "lambda:InvokeFunctionUrl", FUNCTION, {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}})


def function(*urls: FunctionUrl, qualified: tuple = (), grant=URL_GRANT) -> LambdaFunction:
    return LambdaFunction(arn=FUNCTION, account_id=OWNER, origin="t", name="fn", policy=policy(grant),
                          qualifier_policies=qualified, function_urls=urls)


def test_function_url_auth_type_is_the_urls():
    """Lambda Developer Guide, "Control access to Lambda function URLs": ``lambda:FunctionUrlAuthType``
    is the auth type of the URL the request came through."""
    none = {"lambda:FunctionUrlAuthType": "NONE"}
    assert decide(function(), None, "lambda:InvokeFunctionUrl", context=none) == ALLOWED  # not recorded
    assert decide(function(FunctionUrl(None, "NONE")), None, "lambda:InvokeFunctionUrl", context=none) == ALLOWED
    assert decide(function(FunctionUrl(None, "AWS_IAM")), None, "lambda:InvokeFunctionUrl", context=none) == EXPLICIT_DENY
    assert decide(function(FunctionUrl(None, None)), None, "lambda:InvokeFunctionUrl", context=none) == EXPLICIT_DENY
    # A request through the URL always carries its auth type; one value only.
    assert decide(function(FunctionUrl(None, "NONE")), None, "lambda:InvokeFunctionUrl") == EXPLICIT_DENY
    both = {"lambda:FunctionUrlAuthType": ["NONE", "AWS_IAM"]}
    assert decide(function(FunctionUrl(None, "AWS_IAM")), None, "lambda:InvokeFunctionUrl", context=both) == EXPLICIT_DENY


def test_function_url_limits_touch_only_invoke_function_url_on_their_own_target():
    alias_grant = stmt({"AWS": OTHER}, ["lambda:InvokeFunction", "lambda:InvokeFunctionUrl"], f"{FUNCTION}:live",
                       {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}})
    fn = function(FunctionUrl(None, None), qualified=(QualifierPolicy("live", policy(alias_grant)),))
    iam = {"lambda:FunctionUrlAuthType": "AWS_IAM"}
    # No URL on the function itself; the alias's URL is not recorded, so either auth type may be its.
    assert decide(fn, PARTNER, "lambda:InvokeFunctionUrl", f"{FUNCTION}:live", context=iam) == ALLOWED
    assert decide(fn, PARTNER, "lambda:InvokeFunction", f"{FUNCTION}:live", context=iam) == ALLOWED
    fn = replace(fn, function_urls=(FunctionUrl(None, None), FunctionUrl("live", None)))
    assert decide(fn, PARTNER, "lambda:InvokeFunctionUrl", f"{FUNCTION}:live", context=iam) == EXPLICIT_DENY
    assert decide(fn, PARTNER, "lambda:InvokeFunction", f"{FUNCTION}:live", context=iam) == ALLOWED


def test_alias_policies_grant_on_the_alias():
    """Lambda Developer Guide, "Using resource-based policies in Lambda": a permission added with
    ``--qualifier`` is in the alias's (or version's) own policy, naming ``function:NAME:QUALIFIER``."""
    grant = stmt({"AWS": OTHER}, "lambda:InvokeFunction", f"{FUNCTION}:live")
    fn = LambdaFunction(arn=FUNCTION, account_id=OWNER, origin="t", name="fn",
                        qualifier_policies=(QualifierPolicy("live", policy(grant)),))
    (s,) = statements(fn)
    assert s.origin == "live policy statement 1" and s.source.type == SourceType.POLICY
    assert decide(fn, PARTNER, "lambda:InvokeFunction", f"{FUNCTION}:live") == ALLOWED
    assert decide(fn, PARTNER, "lambda:InvokeFunction", FUNCTION) == IMPLICIT_DENY


# ------------------------------------------------------------------------------------- S3

BUCKET = "arn:aws:s3:::b"
OWNER_ID = "a" * 64


def test_bucket_owner_enforced_disables_the_acl():
    """S3 User Guide, "Controlling ownership of objects and disabling ACLs for your bucket"."""
    grants = (AclGrant("FULL_CONTROL", "CanonicalUser", grantee_id=OWNER_ID),
              AclGrant("READ", "Group", grantee_uri="http://acs.amazonaws.com/groups/global/AllUsers"))
    b = S3Bucket(arn=BUCKET, account_id=OWNER, origin="t", name="b", acl_owner_id=OWNER_ID, acl_grants=grants)
    assert decide(b, None, "s3:ListBucket", BUCKET) == ALLOWED
    enforced = replace(b, object_ownership="BucketOwnerEnforced")
    assert statements(enforced) == [] and decide(enforced, None, "s3:ListBucket", BUCKET) == IMPLICIT_DENY


def test_access_point_accounts_named_by_a_bucket_policy():
    """S3 User Guide, "Delegating access control to access points": ``s3:DataAccessPointAccount``
    and ``s3:DataAccessPointArn`` name the access points a bucket policy delegates to."""
    def bucket_with(*condition_blocks):
        return S3Bucket(arn=BUCKET, account_id=OWNER, origin="t", name="b", policy=policy(
            *(stmt("*", "s3:GetObject", f"{BUCKET}/*", c) for c in condition_blocks)))
    assert access_point_accounts(S3Bucket(arn=BUCKET, account_id=OWNER, origin="t", name="b",
                                          policy=policy(stmt("*", "s3:GetObject", f"{BUCKET}/*")))) == ()
    named = bucket_with({"StringEquals": {"s3:DataAccessPointAccount": [OWNER, OTHER]}},
                        {"ArnLike": {"S3:DataAccessPointArn": "arn:aws:s3:us-east-1:555566667777:accesspoint/x*"}},
                        {"StringLike": {"s3:DataAccessPointAccount": "4444*"}})
    assert access_point_accounts(named) == ("555566667777", OTHER, None)  # sorted, then any other account


def test_block_public_access_narrows_a_grant_to_everyone_to_the_access_points_account():
    """S3 User Guide, "Blocking public access", RestrictPublicBuckets: a public access point
    policy reaches "authorized users within the bucket owner's account and access point owner's
    account" — a grant to everyone through another account's access point is a grant to it."""
    delegation = stmt({"AWS": "*"}, "*", f"{BUCKET}/*", {"StringEquals": {"s3:DataAccessPointAccount": OTHER}})
    named = stmt({"AWS": PARTNER}, "s3:GetObject", f"{BUCKET}/*", {"StringEquals": {"s3:DataAccessPointAccount": OTHER}})
    b = S3Bucket(arn=BUCKET, account_id=OWNER, origin="t", name="b", policy=policy(delegation, named))
    sourced = access_point_account_statements(b, OTHER)
    assert [s.statement["Principal"] for s in sourced] == [{"AWS": "*"}, {"AWS": PARTNER}]
    assert all(s.source.to_api() == {"type": "S3_ACCESS_POINT_ACCOUNT", "detail": {"accessPointAccount": OTHER}}
               for s in sourced)
    blocked = replace(b, public_access_block=PublicAccessBlock(restrict_public_buckets=True))
    assert [s.statement["Principal"] for s in access_point_account_statements(blocked, OTHER)] == [
        {"AWS": OTHER}, {"AWS": PARTNER}]
    assert [s.statement["Principal"] for s in access_point_account_statements(blocked, None)] == [
        {"AWS": "*"}, {"AWS": PARTNER}]
    assert access_point_account_statements(blocked, None)[0].source.to_api() == {"type": "S3_ACCESS_POINT_ACCOUNT"}


# ------------------------------------------------------------------------------ snapshots

EBS = "arn:aws:ec2:us-east-1::snapshot/snap-0123"
ANYONE = "arn:aws:iam::555566667777:user/anyone"


def ebs(**fields) -> Ec2Snapshot:
    return Ec2Snapshot(arn=EBS, account_id=OWNER, origin="t", snapshot_id="snap-0123", groups=("all",),
                       user_ids=(OTHER,), **fields)


def test_ebs_snapshot_encryption_and_block_public_access():
    """EBS User Guide, "Share an Amazon EBS snapshot" (only unencrypted snapshots publicly; not with
    the default AWS managed key) and "Block public access for Amazon EBS snapshots"."""
    assert decide(ebs(), ANYONE, "ec2:CreateVolume") == ALLOWED
    for blocked in (ebs(encrypted=True), ebs(block_public_access="block-all-sharing")):
        assert decide(blocked, ANYONE, "ec2:CreateVolume") == IMPLICIT_DENY
        assert decide(blocked, PARTNER, "ec2:CreateVolume") == ALLOWED
    assert decide(ebs(block_public_access="block-new-sharing"), ANYONE, "ec2:CreateVolume") == ALLOWED
    assert statements(ebs(encrypted=True, kms_key_id="alias/aws/ebs")) == []


def test_rds_snapshot_encryption():
    """RDS User Guide, "Sharing encrypted snapshots"."""
    snap = RdsDbSnapshot(arn=f"arn:aws:rds:{R}:snapshot:db", account_id=OWNER, origin="t", identifier="db",
                         restore=("all", OTHER))
    assert decide(snap, ANYONE, "rds:RestoreDBInstanceFromDBSnapshot") == ALLOWED
    encrypted = replace(snap, encrypted=True, kms_key_id=f"arn:aws:kms:{R}:key/k")
    assert decide(encrypted, ANYONE, "rds:RestoreDBInstanceFromDBSnapshot") == IMPLICIT_DENY
    assert decide(encrypted, PARTNER, "rds:RestoreDBInstanceFromDBSnapshot") == ALLOWED
    assert statements(replace(snap, encrypted=True, kms_key_id="alias/aws/rds")) == []


# ------------------------------------------------------------------------------------ KMS


def test_analyzer_lock_out_follows_the_key_policy():
    """IAM User Guide, "IAM Access Analyzer supported resource types", KMS: the example key policy
    (only an ``Admin`` role) keeps Access Analyzer's role from the key metadata; the documented
    statement for the analyzer, or the account-wide statement, lets it in."""
    def key(*statements_):
        return KmsKey(arn=f"arn:aws:kms:{R}:key/k", account_id=OWNER, origin="t", key_id="k", policy=policy(*statements_))
    admin = stmt({"AWS": f"arn:aws:iam::{OWNER}:role/Admin"}, "kms:*", "*")
    root = stmt({"AWS": f"arn:aws:iam::{OWNER}:root"}, "kms:*", "*")
    analyzer = stmt({"AWS": f"arn:aws:iam::{OWNER}:role/aws-service-role/access-analyzer.amazonaws.com/"
                            "AWSServiceRoleForAccessAnalyzer"}, ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:List*"], "*")
    only_list = stmt({"AWS": f"arn:aws:iam::{OWNER}:role/aws-service-role/access-analyzer.amazonaws.com/"
                             "AWSServiceRoleForAccessAnalyzer"}, "kms:List*", "*")
    assert analyzer_locked_out(key(admin))
    assert analyzer_locked_out(key(admin, only_list))  # GetKeyPolicy is still refused
    assert not analyzer_locked_out(key(admin, analyzer))
    assert not analyzer_locked_out(key(admin, root))
    # A policy about outside access is reported as such (see kms_key's CHOICE note).
    assert not analyzer_locked_out(key(stmt({"AWS": OTHER}, "kms:Decrypt", "*")))
    assert not analyzer_locked_out(KmsKey(arn=f"arn:aws:kms:{R}:key/k", account_id=OWNER, origin="t", key_id="k"))
    assert json.loads(key(admin).policy)["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{OWNER}:role/Admin"}
