"""Each resource type against AWS's documentation of it in Access Analyzer: a configuration taken
from the docs gets the finding (or no finding) AWS documents, with the fields of the API's
``Finding`` shape (``principal``, ``action``, ``condition``, ``isPublic``, ``sources``,
``resourceOwnerAccount``, ``error``).

Main source: IAM User Guide, "IAM Access Analyzer supported resource types" (cited as [RT], with
its section); the finding shape: Access Analyzer API Reference, ``Finding`` / ``FindingSource`` /
``FindingSourceDetail``, and the GetFinding example ``"principal": {"AWS": "111122223333"}``.
Every finding that is not an error carries a witness request, replayed here through the
concrete evaluator.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Optional

import pytest

from accessproof.analyzers.external import ACCOUNT, ORGANIZATION, ZoneOfTrust, analyze_resource
from accessproof.evaluate import IDENTITY, PolicySet, Request, compile_policy_text, evaluate, parse_principal
from accessproof.evaluate.request import context_value
from accessproof.inventory.model import (
    SECRETS_MANAGER_MANAGED_KEY, Account, AclGrant, DynamoDbStream, DynamoDbTable, Ec2Snapshot, EcrRepository,
    EfsFileSystem, FunctionUrl, IamRole, KmsGrant, KmsKey, LambdaFunction, LambdaLayerVersion, PublicAccessBlock,
    QualifierPolicy, RdsDbClusterSnapshot, RdsDbSnapshot, S3Bucket, S3DirectoryBucket, SecretsManagerSecret, SnsTopic,
    SqsQueue,
)
from accessproof.resources import resource_policy_text

OWNER, PARTNER, MEMBER = "111122223333", "999988887777", "444455556666"
ORG = "o-a1b2c3d4e5"
R = f"us-east-1:{OWNER}"
ACCOUNT_ZONE = ZoneOfTrust.of(Account(OWNER, "us-east-1", ORG, (OWNER, MEMBER)), ACCOUNT)
ORG_ZONE = ZoneOfTrust.of(Account(OWNER, "us-east-1", ORG, (OWNER, MEMBER)), ORGANIZATION)
ALLOW_ALL = compile_policy_text('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
                                "caller", IDENTITY)
PARTNER_ROOT = f"arn:aws:iam::{PARTNER}:root"
PARTNER_ROLE = f"arn:aws:iam::{PARTNER}:role/PartnerApp"
BLOCK_ALL = PublicAccessBlock(True, True, True, True)


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(principal: Any, action: Any, resource: Any = "*", condition: Optional[dict] = None) -> dict:
    out = {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource}
    if condition:
        out["Condition"] = condition
    return out


def analyze(resource, zone: ZoneOfTrust = ACCOUNT_ZONE) -> list:
    """The findings of ``resource``; every witness replays against its configuration."""
    findings = list(analyze_resource(resource, zone).findings)
    policy = compile_policy_text(resource_policy_text(resource), resource.arn, "resource")
    for f in findings:
        assert f.resource == resource.arn and f.resource_type == resource.resource_type
        assert f.resource_owner_account == OWNER
        if f.error is None:
            w = f.witness
            request = Request(parse_principal(w["principal"]), w["action"], w["resource"],
                              {k: context_value(v, k) for k, v in w["context"].items()}, resource.account_id)
            assert evaluate(request, PolicySet(identity=(ALLOW_ALL,), resource=policy), explain=False).allowed, f
    return findings


def one(resource, zone: ZoneOfTrust = ACCOUNT_ZONE):
    (finding,) = analyze(resource, zone)
    return finding


def source_types(finding) -> list[str]:
    return [s["type"] for s in finding.sources]


# ------------------------------------------------------------------------------------- S3

BUCKET = "arn:aws:s3:::doc-bucket"


def bucket(policy: Optional[str] = None, **fields) -> S3Bucket:
    return S3Bucket(arn=BUCKET, account_id=OWNER, origin="test", name="doc-bucket", policy=policy, **fields)


def test_s3_bucket_policy_granting_another_account():
    """[RT] S3: "if a bucket policy grants access to another account [...] IAM Access Analyzer
    generates a finding". The account is the finding's principal as a bare id (GetFinding example)."""
    f = one(bucket(doc(allow({"AWS": PARTNER_ROOT}, "s3:GetObject", f"{BUCKET}/*"))))
    assert f.principal == {"AWS": PARTNER} and f.action == ("s3:GetObject",) and f.is_public is False
    assert f.sources == ({"type": "POLICY"},) and f.condition == {} and f.error is None


def test_s3_public_bucket_policy_and_block_public_access():
    """[RT] S3: a bucket policy that "allows public access" is a finding; "Block Public Access
    settings override the bucket policies" (S3 User Guide, "Blocking public access",
    RestrictPublicBuckets)."""
    public = bucket(doc(allow("*", "s3:GetObject", f"{BUCKET}/*")))
    f = one(public)
    assert f.principal == {"AWS": "*"} and f.is_public is True and f.sources == ({"type": "POLICY"},)
    assert analyze(replace(public, public_access_block=BLOCK_ALL)) == []
    assert analyze(replace(public, account_public_access_block=PublicAccessBlock(restrict_public_buckets=True))) == []


def test_s3_bucket_acl_and_object_ownership():
    """[RT] S3: an "ACL [...] applied to a bucket" that grants access is a finding (source
    BUCKET_ACL). S3 User Guide, "Controlling ownership of objects and disabling ACLs": with
    BucketOwnerEnforced "ACLs are disabled and no longer affect permissions" — no finding."""
    owner_id = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
    grants = (AclGrant("FULL_CONTROL", "CanonicalUser", grantee_id=owner_id),
              AclGrant("READ", "Group", grantee_uri="http://acs.amazonaws.com/groups/global/AllUsers"))
    acl = bucket(acl_owner_id=owner_id, acl_grants=grants)
    f = one(acl)
    assert f.is_public is True and source_types(f) == ["BUCKET_ACL"] and "s3:ListBucket" in f.action
    assert analyze(replace(acl, object_ownership="ObjectWriter")) == [f]
    assert analyze(replace(acl, object_ownership="BucketOwnerPreferred")) == [f]
    assert analyze(replace(acl, object_ownership="BucketOwnerEnforced")) == []


DELEGATE_TO_PARTNER_ACCESS_POINTS = allow({"AWS": "*"}, "*", [BUCKET, f"{BUCKET}/*"],
                                          {"StringEquals": {"s3:DataAccessPointAccount": PARTNER}})


def test_s3_delegation_to_a_cross_account_access_point_is_public_without_block_public_access():
    """[RT] S3, note: "IAM Access Analyzer generates a public finding when a bucket delegates
    access to a cross-account access point and Block Public Access is not enabled on the bucket or
    account" — source S3_ACCESS_POINT_ACCOUNT with its ``accessPointAccount`` (API Reference,
    FindingSourceDetail: "The account of the cross-account access point that generated the finding")."""
    f = one(bucket(doc(DELEGATE_TO_PARTNER_ACCESS_POINTS)))
    assert f.is_public is True and f.principal == {"AWS": "*"}
    assert f.sources == ({"type": "S3_ACCESS_POINT_ACCOUNT", "detail": {"accessPointAccount": PARTNER}},)
    assert f.condition == {"s3:DataAccessPointAccount": PARTNER} and "s3:GetObject" in f.action
    assert f.witness["context"]["s3:dataaccesspointaccount"] == PARTNER


@pytest.mark.parametrize("where", ["bucket", "account"])
def test_s3_delegation_to_a_cross_account_access_point_is_cross_account_with_block_public_access(where):
    """[RT] S3, note: "When you enable Block Public Access, the public finding is resolved and IAM
    Access Analyzer generates a cross-account finding for the cross-account access point"."""
    blocked = {"public_access_block" if where == "bucket" else "account_public_access_block": BLOCK_ALL}
    f = one(bucket(doc(DELEGATE_TO_PARTNER_ACCESS_POINTS), **blocked))
    assert f.is_public is False and f.principal == {"AWS": PARTNER}
    assert f.sources == ({"type": "S3_ACCESS_POINT_ACCOUNT", "detail": {"accessPointAccount": PARTNER}},)


def test_s3_delegation_by_access_point_arn_and_to_the_owners_own_access_points():
    """[RT] S3: the access point account may be named by its access point ARN
    (``s3:DataAccessPointArn``); delegating to the owner's own access points ("Delegating access
    control to access points", S3 User Guide) grants nothing outside the account by itself."""
    by_arn = allow({"AWS": "*"}, "s3:GetObject", f"{BUCKET}/*",
                   {"ArnLike": {"s3:DataAccessPointArn": f"arn:aws:s3:us-east-1:{PARTNER}:accesspoint/*"}})
    f = one(bucket(doc(by_arn)))
    assert f.sources[0]["detail"] == {"accessPointAccount": PARTNER} and f.is_public is True
    own = allow({"AWS": "*"}, "*", [BUCKET, f"{BUCKET}/*"], {"StringEquals": {"s3:DataAccessPointAccount": OWNER}})
    assert analyze(bucket(doc(own))) == []


def test_s3_delegation_to_an_organization_members_access_points():
    """An ORGANIZATION zone trusts its members ("zone of trust", IAM User Guide, "Using IAM Access
    Analyzer"): with Block Public Access on, access through a member's access point is inside the
    zone; without it, the access point may still be public."""
    to_member = allow({"AWS": "*"}, "s3:GetObject", f"{BUCKET}/*", {"StringEquals": {"s3:DataAccessPointAccount": MEMBER}})
    assert analyze(bucket(doc(to_member), public_access_block=BLOCK_ALL), ORG_ZONE) == []
    assert one(bucket(doc(to_member)), ORG_ZONE).is_public is True
    assert one(bucket(doc(to_member), public_access_block=BLOCK_ALL)).principal == {"AWS": MEMBER}


def test_s3_directory_bucket_policy():
    """[RT] "Amazon Simple Storage Service directory buckets": the directory bucket policy is
    analysed like a bucket policy (access through ``s3express:CreateSession``)."""
    arn = f"arn:aws:s3express:{R}:bucket/doc--use1-az4--x-s3"
    directory = S3DirectoryBucket(arn=arn, account_id=OWNER, origin="test", name="doc--use1-az4--x-s3",
                                  policy=doc(allow({"AWS": PARTNER}, "s3express:CreateSession", arn)))
    f = one(directory)
    assert f.principal == {"AWS": PARTNER} and f.action == ("s3express:CreateSession",) and not f.is_public
    own = replace(directory, policy=doc(allow({"AWS": OWNER}, "s3express:CreateSession", arn)))
    assert analyze(own) == []


# ------------------------------------------------------------------------------------ IAM


def role(trust: str) -> IamRole:
    return IamRole(arn=f"arn:aws:iam::{OWNER}:role/doc", account_id=OWNER, origin="test", name="doc", path="/",
                   role_id="AROAEXAMPLEDOC", trust_policy=trust)


def test_iam_role_trust_policies():
    """[RT] IAM roles: "IAM Access Analyzer generates findings for roles within the zone of trust
    that can be accessed by an external entity"; AWS service principals are not reported ("Access
    Analyzer does not currently report findings from AWS service principals")."""
    f = one(role(doc({"Effect": "Allow", "Principal": {"AWS": PARTNER_ROOT}, "Action": "sts:AssumeRole"})))
    assert f.principal == {"AWS": PARTNER} and f.action == ("sts:AssumeRole",) and f.is_public is False
    assert analyze(role(doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}))) == []
    assert analyze(role(doc({"Effect": "Allow", "Principal": {"AWS": OWNER}, "Action": "sts:AssumeRole"}))) == []


# ------------------------------------------------------------------------------------ KMS

KEY = f"arn:aws:kms:{R}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROOT_STATEMENT = allow({"AWS": f"arn:aws:iam::{OWNER}:root"}, "kms:*")


def key(policy: str, grants: tuple = ()) -> KmsKey:
    return KmsKey(arn=KEY, account_id=OWNER, origin="test", key_id=KEY.rsplit("/", 1)[1], policy=policy, grants=grants)


def test_kms_key_policy_and_caller_account():
    """[RT] KMS: "IAM Access Analyzer generates a finding if a key policy or grant allows an
    external entity to access the key. For example, if you use the kms:CallerAccount condition key
    [...] and you specify an account other than the current account"."""
    f = one(key(doc(ROOT_STATEMENT, allow({"AWS": "*"}, ["kms:Decrypt", "kms:DescribeKey"], "*",
                                          {"StringEquals": {"kms:CallerAccount": PARTNER}}))))
    assert f.condition == {"kms:CallerAccount": PARTNER} and f.principal == {"AWS": "*"}
    assert set(f.action) == {"kms:Decrypt", "kms:DescribeKey"} and f.is_public is False
    same = key(doc(ROOT_STATEMENT, allow({"AWS": "*"}, "kms:Decrypt", "*", {"StringEquals": {"kms:CallerAccount": OWNER}})))
    assert analyze(same) == []


def test_kms_grant_to_another_account():
    """[RT] KMS: "analyzes the key policies and grants applied to a key"; a grant to another
    account (AWS KMS Developer Guide, "Grants in AWS KMS") is a finding on that account."""
    grant = KmsGrant(grant_id="g1", grantee_principal=PARTNER_ROOT, operations=("Decrypt",), issuing_account=OWNER)
    f = one(key(doc(ROOT_STATEMENT), (grant,)))
    assert f.principal == {"AWS": PARTNER} and f.action == ("kms:Decrypt",) and f.sources == ({"type": "POLICY"},)


ADMIN_ONLY = {"Sid": "Allow access for Key Administrators", "Effect": "Allow",
              "Principal": {"AWS": f"arn:aws:iam::{OWNER}:role/Admin"}, "Action": "kms:*", "Resource": "*"}
ANALYZER_ACCESS = {"Sid": "Allow IAM Access Analyzer access to key metadata", "Effect": "Allow",
                   "Principal": {"AWS": f"arn:aws:iam::{OWNER}:role/aws-service-role/access-analyzer.amazonaws.com/"
                                        "AWSServiceRoleForAccessAnalyzer"},
                   "Action": ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:List*"], "Resource": "*"}


def test_kms_key_policy_that_locks_the_analyzer_out_is_an_access_denied_error():
    """[RT] KMS: "if the following example policy statement is the only policy applied to a key,
    it results in an Access denied error finding" — ``"error": "ACCESS_DENIED"``, no principal,
    action or isPublic; the documented fix statement resolves it, as does the account-wide
    statement of the default key policy ("Default key policy", AWS KMS Developer Guide)."""
    f = one(key(doc(ADMIN_ONLY)))
    assert f.error == "ACCESS_DENIED" and f.principal is None and f.action is None and f.is_public is None
    assert analyze(key(doc(ADMIN_ONLY, ANALYZER_ACCESS))) == []
    assert analyze(key(doc(ADMIN_ONLY, ROOT_STATEMENT))) == []


def test_unreadable_configuration_is_an_access_denied_error_beside_what_was_read():
    """A response the snapshot could not read (docs/snapshot.md, ``.error`` files) is an
    ``ACCESS_DENIED`` error finding, never a silent skip; the parts that were read keep their
    findings (their access is real)."""
    unreadable = replace(key(doc(ROOT_STATEMENT)), unreadable=("kms/k/list-grants.json: AccessDeniedException",))
    assert [f.error for f in analyze(unreadable)] == ["ACCESS_DENIED"]
    # Every KMS key has a key policy ("Key policies in AWS KMS"): a key without one was not read.
    assert [f.error for f in analyze(replace(key(doc(ROOT_STATEMENT)), policy=None))] == ["ACCESS_DENIED"]
    queue = SqsQueue(arn=f"arn:aws:sqs:{R}:q", account_id=OWNER, origin="test", name="q",
                     policy=doc(allow({"AWS": PARTNER}, "sqs:SendMessage", f"arn:aws:sqs:{R}:q")),
                     unreadable=("sqs/q/get-queue-attributes.json: AccessDenied",))
    assert sorted((f.error or "", str(f.principal)) for f in analyze(queue)) == [
        ("", str({"AWS": PARTNER})), ("ACCESS_DENIED", "None")]


# --------------------------------------------------------------------------------- Lambda

FUNCTION = f"arn:aws:lambda:{R}:function:doc-fn"


def function(policy: Optional[str] = None, **fields) -> LambdaFunction:
    return LambdaFunction(arn=FUNCTION, account_id=OWNER, origin="test", name="doc-fn", policy=policy, **fields)


def test_lambda_function_policy_and_alias_policy():
    """[RT] Lambda: "IAM Access Analyzer analyzes policies, including condition statements in a
    policy, that grant access to the function to an external entity". An alias has a policy of
    its own (Lambda Developer Guide, "Using resource-based policies in Lambda")."""
    f = one(function(doc(allow({"AWS": PARTNER_ROOT}, "lambda:InvokeFunction", FUNCTION))))
    assert f.principal == {"AWS": PARTNER} and f.action == ("lambda:InvokeFunction",)
    alias = QualifierPolicy("live", doc(allow({"AWS": PARTNER}, "lambda:InvokeFunction", f"{FUNCTION}:live")))
    f = one(function(qualifier_policies=(alias,)))
    assert f.principal == {"AWS": PARTNER} and f.witness["resource"] == f"{FUNCTION}:live"


PUBLIC_URL = allow("*", "lambda:InvokeFunctionUrl", FUNCTION, {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}})


def test_lambda_function_url_decides_invoke_function_url():
    """Lambda Developer Guide, "Control access to Lambda function URLs": the policy statement for
    a URL with AuthType NONE is public; ``lambda:FunctionUrlAuthType`` is the URL's auth type, so
    the same statement reaches nothing when the URL is AWS_IAM, or when there is no URL."""
    assert one(function(doc(PUBLIC_URL), function_urls=(FunctionUrl(None, "NONE"),))).is_public is True
    assert one(function(doc(PUBLIC_URL))).is_public is True  # the URL is not recorded: it may be NONE
    assert analyze(function(doc(PUBLIC_URL), function_urls=(FunctionUrl(None, "AWS_IAM"),))) == []
    assert analyze(function(doc(PUBLIC_URL), function_urls=(FunctionUrl(None, None),))) == []


def test_lambda_layer_version_shared_with_an_organization_or_an_account():
    """[RT] Lambda layers; AddLayerVersionPermission shares a version with an account or, with
    ``--organization-id``, with ``"*"`` conditioned on ``aws:PrincipalOrgID`` (Lambda Developer
    Guide, "Layer access")."""
    arn = f"arn:aws:lambda:{R}:layer:doc-layer:2"
    layer = LambdaLayerVersion(arn=arn, account_id=OWNER, origin="test", name="doc-layer", version=2,
                               policy=doc(allow("*", "lambda:GetLayerVersion", arn, {"StringEquals": {"aws:PrincipalOrgID": ORG}})))
    f = one(layer)
    assert f.condition == {"aws:PrincipalOrgID": ORG} and f.is_public is False
    assert analyze(layer, ORG_ZONE) == []
    shared = replace(layer, policy=doc(allow({"AWS": PARTNER}, "lambda:GetLayerVersion", arn)))
    assert one(shared).principal == {"AWS": PARTNER}


# ---------------------------------------------------------------------------- SQS, SNS, ...


def test_sqs_queue_policy():
    """[RT] SQS: "analyzes policies, including condition statements in a policy, that allow an
    external entity access to a queue"."""
    arn = f"arn:aws:sqs:{R}:doc-queue"
    queue = SqsQueue(arn=arn, account_id=OWNER, origin="test", name="doc-queue",
                     policy=doc(allow({"AWS": PARTNER}, "sqs:SendMessage", arn)))
    f = one(queue)
    assert f.principal == {"AWS": PARTNER} and f.action == ("sqs:SendMessage",)


def test_sns_topic_everyone_and_the_default_policy():
    """[RT] SNS: "When you choose Everyone in your policy when creating an Amazon SNS topic, you
    make the topic accessible to the public"; the default topic policy limits ``"AWS": "*"`` with
    ``AWS:SourceOwner`` (SNS Developer Guide), a key only services set: no finding."""
    arn = f"arn:aws:sns:{R}:doc-topic"
    everyone = SnsTopic(arn=arn, account_id=OWNER, origin="test", name="doc-topic",
                        policy=doc(allow({"AWS": "*"}, ["sns:Subscribe", "sns:Receive"], arn)))
    assert one(everyone).is_public is True
    default = replace(everyone, policy=doc(allow({"AWS": "*"}, ["sns:Publish", "sns:Subscribe"], arn,
                                                 {"StringEquals": {"AWS:SourceOwner": OWNER}})))
    assert analyze(default) == []


SECRET = f"arn:aws:secretsmanager:{R}:secret:doc-secret-AbCdEf"


def secret(policy: str, kms_key_id: Optional[str] = None) -> SecretsManagerSecret:
    return SecretsManagerSecret(arn=SECRET, account_id=OWNER, origin="test", name="doc-secret", policy=policy,
                                kms_key_id=kms_key_id)


def test_secrets_manager_secret_with_a_customer_managed_key():
    """[RT] Secrets Manager: "analyzes policies, including condition statements in a policy, that
    allow an external entity to access a secret"; with a key of its own, the cross-account read
    works ("Access AWS Secrets Manager secrets from a different account")."""
    shared = doc(allow({"AWS": PARTNER_ROLE}, "secretsmanager:GetSecretValue"))
    for key_id in (None, f"arn:aws:kms:{R}:key/1234abcd-12ab-34cd-56ef-1234567890ab"):
        f = one(secret(shared, key_id))
        assert f.principal == {"AWS": PARTNER_ROLE} and f.action == ("secretsmanager:GetSecretValue",)


def test_secrets_manager_secret_with_the_aws_managed_key_cannot_be_read_from_another_account():
    """Secrets Manager User Guide, "Access AWS Secrets Manager secrets from a different account":
    "you can't use the AWS managed key (aws/secretsmanager) for cross-account access" — a grant of
    GetSecretValue to another account is no finding. Operations that do not touch the value
    (DescribeSecret, PutResourcePolicy, ...) still work across accounts and stay findings."""
    assert analyze(secret(doc(allow({"AWS": PARTNER_ROLE}, "secretsmanager:GetSecretValue")),
                          SECRETS_MANAGER_MANAGED_KEY)) == []
    assert analyze(secret(doc(allow({"AWS": PARTNER_ROLE}, "secretsmanager:GetSecretValue")),
                          f"arn:aws:kms:{R}:alias/aws/secretsmanager")) == []
    f = one(secret(doc(allow({"AWS": PARTNER_ROLE}, "secretsmanager:*")), SECRETS_MANAGER_MANAGED_KEY))
    assert "secretsmanager:DescribeSecret" in f.action and "secretsmanager:PutResourcePolicy" in f.action
    assert "secretsmanager:GetSecretValue" not in f.action and "secretsmanager:PutSecretValue" not in f.action


def test_efs_file_system_policy():
    """[RT] EFS: "An Amazon EFS file system is externally accessible if principals from an account
    outside of your zone of trust can perform operations on that file system"."""
    arn = f"arn:aws:elasticfilesystem:{R}:file-system/fs-0123abcd"
    fs = EfsFileSystem(arn=arn, account_id=OWNER, origin="test", name="fs-0123abcd",
                       policy=doc(allow({"AWS": "*"}, ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"], arn,
                                        {"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}})))
    f = one(fs)
    assert f.is_public is True and set(f.action) == {"elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"}


def test_ecr_repository_policy():
    """[RT] ECR: "analyzes resource-based policies, including condition statements in a policy,
    that allow an external entity access to a repository"."""
    arn = f"arn:aws:ecr:{R}:repository/doc/images"
    repo = EcrRepository(arn=arn, account_id=OWNER, origin="test", name="doc/images",
                         policy=doc({"Sid": "pull", "Effect": "Allow", "Principal": {"AWS": PARTNER_ROOT},
                                     "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}))
    f = one(repo)
    assert f.principal == {"AWS": PARTNER} and set(f.action) == {"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}


# ------------------------------------------------------------------------------ snapshots

EBS = "arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0"


def ebs(**fields) -> Ec2Snapshot:
    return Ec2Snapshot(arn=EBS, account_id=OWNER, origin="test", snapshot_id="snap-0123456789abcdef0", **fields)


def test_ebs_snapshot_shares():
    """[RT] EBS: "An unencrypted volume snapshot can be shared with external accounts and grant
    public access"; "An Amazon EBS volume snapshot can be shared with external accounts when
    encrypted" — but "You can share only unencrypted snapshots publicly" (EBS User Guide, "Share an
    Amazon EBS snapshot")."""
    f = one(ebs(groups=("all",)))
    assert f.is_public is True and f.principal == {"AWS": "*"} and set(f.action) == {"ec2:CreateVolume", "ec2:CopySnapshot"}
    assert one(ebs(user_ids=(PARTNER,))).principal == {"AWS": PARTNER}
    assert analyze(ebs(groups=("all",), encrypted=True, kms_key_id=KEY)) == []
    assert one(ebs(user_ids=(PARTNER,), encrypted=True, kms_key_id=KEY)).principal == {"AWS": PARTNER}


def test_ebs_snapshot_block_public_access_and_the_aws_managed_key():
    """EBS User Guide, "Block public access for Amazon EBS snapshots": in block-all-sharing mode
    "snapshots that were already publicly shared are treated as private"; block-new-sharing leaves
    them public. "You can't share snapshots that are encrypted with the default AWS managed key"."""
    assert analyze(ebs(groups=("all",), block_public_access="block-all-sharing")) == []
    assert one(ebs(groups=("all",), block_public_access="block-new-sharing")).is_public is True
    assert analyze(ebs(user_ids=(PARTNER,), encrypted=True, kms_key_id="alias/aws/ebs")) == []


@pytest.mark.parametrize("kind, arn, actions", [
    (RdsDbSnapshot, f"arn:aws:rds:{R}:snapshot:doc-db", {"rds:RestoreDBInstanceFromDBSnapshot", "rds:CopyDBSnapshot"}),
    (RdsDbClusterSnapshot, f"arn:aws:rds:{R}:cluster-snapshot:doc-cluster",
     {"rds:RestoreDBClusterFromSnapshot", "rds:CopyDBClusterSnapshot"}),
])
def test_rds_snapshot_shares(kind, arn, actions):
    """[RT] RDS DB and DB cluster snapshots: "Unencrypted DB snapshots can be public. Encrypted DB
    snapshots cannot be shared publicly, but they can be shared with up to 20 other accounts"; and
    "You can't share a snapshot that has been encrypted using the default KMS key" (RDS User Guide,
    "Sharing encrypted snapshots")."""
    def snap(**fields):
        return kind(arn=arn, account_id=OWNER, origin="test", identifier=arn.rsplit(":", 1)[1], **fields)
    f = one(snap(restore=("all",)))
    assert f.is_public is True and set(f.action) == actions
    assert one(snap(restore=(PARTNER,))).principal == {"AWS": PARTNER}
    assert analyze(snap(restore=("all",), encrypted=True, kms_key_id=KEY)) == []
    assert one(snap(restore=("all", PARTNER), encrypted=True, kms_key_id=KEY)).principal == {"AWS": PARTNER}
    assert analyze(snap(restore=(PARTNER,), encrypted=True, kms_key_id="alias/aws/rds")) == []


# ------------------------------------------------------------------------------- DynamoDB

TABLE = f"arn:aws:dynamodb:{R}:table/DocTable"


def test_dynamodb_table_cross_account_actions_only():
    """DynamoDB Developer Guide, "DynamoDB API operations supported by resource-based policies":
    "for cross-account access, you can only use a certain set of DynamoDB APIs" — a grant of
    ``dynamodb:*`` to another account is a finding whose actions leave out the ones without
    cross-account support; a grant of only those is no finding."""
    table = DynamoDbTable(arn=TABLE, account_id=OWNER, origin="test", name="DocTable",
                          policy=doc(allow({"AWS": PARTNER_ROLE}, "dynamodb:*", TABLE)))
    f = one(table)
    assert {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DescribeTable"} <= set(f.action)
    assert not {"dynamodb:PutResourcePolicy", "dynamodb:CreateBackup", "dynamodb:UpdateTimeToLive",
                "dynamodb:PartiQLSelect", "dynamodb:ExportTableToPointInTime"} & set(f.action)
    admin_only = replace(table, policy=doc(allow({"AWS": PARTNER_ROLE}, ["dynamodb:PutResourcePolicy",
                                                                           "dynamodb:CreateBackup"], TABLE)))
    assert analyze(admin_only) == []


def test_dynamodb_stream_cross_account_actions_only():
    """Same page, "DynamoDB Streams API operations": DescribeStream, GetRecords and GetShardIterator
    support cross-account access, ListStreams does not."""
    arn = f"{TABLE}/stream/2026-11-01T00:00:00.000"
    stream = DynamoDbStream(arn=arn, account_id=OWNER, origin="test", name="DocTable/stream/2026-11-01T00:00:00.000",
                            table_name="DocTable", stream_label="2026-11-01T00:00:00.000",
                            policy=doc(allow({"AWS": PARTNER}, ["dynamodb:GetRecords", "dynamodb:GetShardIterator",
                                                                 "dynamodb:DescribeStream", "dynamodb:ListStreams"], arn)))
    f = one(stream)
    assert set(f.action) == {"dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream"}
    assert analyze(replace(stream, policy=doc(allow({"AWS": PARTNER}, "dynamodb:ListStreams", arn)))) == []
