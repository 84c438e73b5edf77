"""The bundled example account loads, round-trips its values, and hashes stably."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from accessproof.inventory import (
    EXTERNAL_ACCESS_RESOURCE_TYPES, Ec2Snapshot, EcrRepository, IamRole, KmsKey, RdsDbSnapshot, S3Bucket,
    SecretsManagerSecret, SnsTopic, load_snapshot,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "account"


@pytest.fixture(scope="module")
def example():
    return load_snapshot(EXAMPLE)


def test_example_has_every_resource_type(example):
    counts = example.counts()
    assert set(counts) == set(EXTERNAL_ACCESS_RESOURCE_TYPES)
    assert len(EXTERNAL_ACCESS_RESOURCE_TYPES) == 16
    assert all(n >= 1 for n in counts.values())


def test_account(example):
    assert example.account.account_id == "111122223333"
    assert example.account.region == "us-east-1"
    assert example.account.organization_id == "o-a1b2c3d4e5"
    assert example.account.member_account_ids == ("111122223333", "444455556666")
    assert example.account_public_access_block is not None
    assert not example.account_public_access_block.restrict_public_buckets


def test_resources_are_sorted_and_unique(example):
    keys = [(r.resource_type, r.arn) for r in example]
    assert keys == sorted(keys)
    assert len({r.arn for r in example}) == len(example)
    assert all(r.account_id == "111122223333" for r in example)


def test_s3_bucket_round_trip(example):
    bucket = example.get("arn:aws:s3:::example-data-lake")
    assert isinstance(bucket, S3Bucket)
    assert bucket.origin == "s3/example-data-lake"
    assert [ap.name for ap in bucket.access_points] == ["internal-ap", "partner-ap"]
    internal, partner = bucket.access_points
    assert internal.network_origin == "VPC" and internal.vpc_id == "vpc-0a1b2c3d4e5f67890"
    assert internal.public_access_block is None
    assert partner.arn == "arn:aws:s3:us-east-1:111122223333:accesspoint/partner-ap"
    assert partner.public_access_block is not None and partner.public_access_block.restrict_public_buckets
    assert json.loads(partner.policy)["Statement"][0]["Sid"] == "PartnerRead"
    logs = example.get("arn:aws:s3:::example-acl-public-logs")
    assert isinstance(logs, S3Bucket)
    assert [(g.permission, g.grantee_type) for g in logs.acl_grants] == [("FULL_CONTROL", "CanonicalUser"),
                                                                          ("READ", "Group")]
    assert logs.policy is None
    blocked = example.get("arn:aws:s3:::example-bpa-blocked")
    assert blocked.effective_public_access_block.ignore_public_acls


def test_policies_are_kept_verbatim(example):
    raw = json.loads((EXAMPLE / "s3" / "example-public-website" / "get-bucket-policy.json").read_text())
    assert example.get("arn:aws:s3:::example-public-website").policy == raw["Policy"]


def test_roles_from_authorization_details(example):
    roles = {r.name: r for r in example.of_type("AWS::IAM::Role")}
    assert set(roles) == {"CrossAccountAuditRole", "GitHubDeployRole", "GitHubDeployScopedRole", "OrgReadOnlyRole",
                          "OrdersLambdaRole"}
    lambda_role = roles["OrdersLambdaRole"]
    assert isinstance(lambda_role, IamRole)
    assert lambda_role.arn == "arn:aws:iam::111122223333:role/service-role/OrdersLambdaRole"
    assert lambda_role.origin.startswith("iam/get-account-authorization-details.json#RoleDetailList[")
    assert json.loads(lambda_role.trust_policy)["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}


def test_kms_grants(example):
    key = example.get("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    assert isinstance(key, KmsKey)
    (grant,) = key.grants
    assert grant.operations == ("Decrypt", "DescribeKey")
    assert grant.grantee_principal == "arn:aws:iam::999988887777:role/PartnerDecryptRole"
    assert grant.encryption_context_subset == (("project", "alpha"),)
    assert grant.encryption_context_equals is None


def test_names_with_slashes_and_arns(example):
    secret = example.get("arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-password-AbCdEf")
    assert isinstance(secret, SecretsManagerSecret) and secret.name == "prod/db-password"
    no_policy = example.get("arn:aws:secretsmanager:us-east-1:111122223333:secret:api-key-Gh1jK2")
    assert no_policy.policy is None
    repo = example.get("arn:aws:ecr:us-east-1:111122223333:repository/team/base-images")
    assert isinstance(repo, EcrRepository) and repo.policy is not None


def test_shares(example):
    public = example.get("arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0")
    assert isinstance(public, Ec2Snapshot) and public.groups == ("all",) and public.user_ids == ()
    shared = example.get("arn:aws:rds:us-east-1:111122223333:snapshot:orders-db-final")
    assert isinstance(shared, RdsDbSnapshot) and shared.restore == ("999988887777",)


def test_sns_topic_keeps_2008_policy(example):
    topic = example.get("arn:aws:sns:us-east-1:111122223333:public-announcements")
    assert isinstance(topic, SnsTopic)
    assert json.loads(topic.policy)["Version"] == "2008-10-17"


def test_content_hash_is_stable_across_loads_and_copies(example, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(EXAMPLE, copy)
    again = load_snapshot(copy)
    assert [r.content_hash() for r in again] == [r.content_hash() for r in example]
    assert len({r.content_hash() for r in example}) == len(example)  # every example resource differs


def test_content_hash_ignores_policy_formatting_but_not_content(tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(EXAMPLE, copy)
    arn = "arn:aws:sqs:us-east-1:111122223333:partner-inbox"
    before = load_snapshot(copy).get(arn).content_hash()
    path = copy / "sqs" / "partner-inbox" / "get-queue-attributes.json"
    data = json.loads(path.read_text())
    policy = json.loads(data["Attributes"]["Policy"])
    data["Attributes"]["Policy"] = json.dumps(policy, indent=7)  # same policy, other whitespace
    path.write_text(json.dumps(data))
    assert load_snapshot(copy).get(arn).content_hash() == before
    policy["Statement"][0]["Action"] = "sqs:*"
    data["Attributes"]["Policy"] = json.dumps(policy)
    path.write_text(json.dumps(data))
    assert load_snapshot(copy).get(arn).content_hash() != before


def test_account_block_public_access_is_part_of_a_bucket_hash(tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(EXAMPLE, copy)
    arn = "arn:aws:s3:::example-acl-public-logs"
    before = load_snapshot(copy).get(arn)
    path = copy / "s3control" / "get-public-access-block.json"
    path.write_text(json.dumps({"PublicAccessBlockConfiguration": {"IgnorePublicAcls": True}}))
    after = load_snapshot(copy).get(arn)
    assert after.account_public_access_block.ignore_public_acls
    assert after.content_hash() != before.content_hash()


def test_minimal_snapshot(tmp_path):
    (tmp_path / "account.json").write_text('{"accountId": "123456789012", "region": "eu-west-1"}')
    snapshot = load_snapshot(tmp_path)
    assert len(snapshot) == 0
    assert snapshot.account.organization_id is None and snapshot.account.member_account_ids == ()


def test_url_encoded_trust_policy_is_decoded(tmp_path):
    (tmp_path / "account.json").write_text('{"accountId": "123456789012", "region": "eu-west-1"}')
    (tmp_path / "iam").mkdir()
    encoded = ("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C"
               "%22Principal%22%3A%7B%22AWS%22%3A%22999988887777%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D")
    (tmp_path / "iam" / "get-account-authorization-details.json").write_text(json.dumps({"RoleDetailList": [
        {"RoleName": "R", "Path": "/", "RoleId": "AROAEXAMPLE", "Arn": "arn:aws:iam::123456789012:role/R",
         "AssumeRolePolicyDocument": encoded}]}))
    (role,) = load_snapshot(tmp_path)
    assert json.loads(role.trust_policy)["Statement"][0]["Principal"] == {"AWS": "999988887777"}


def test_with_resource_overlays_one_resource(example):
    import dataclasses

    arn = "arn:aws:sqs:us-east-1:111122223333:partner-inbox"
    queue = example.get(arn)
    proposed = dataclasses.replace(queue, policy=None)
    preview = example.with_resource(proposed)
    assert preview.get(arn).policy is None and example.get(arn).policy is not None
    assert len(preview) == len(example)
    assert [r.arn for r in preview] == [r.arn for r in example]
    new = dataclasses.replace(queue, arn=arn + "-2", name="partner-inbox-2")
    assert len(example.with_resource(new)) == len(example) + 1
