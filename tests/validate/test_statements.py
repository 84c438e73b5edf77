"""Rules in accessproof/validate/rules/statements.py."""

import pytest

from .helpers import only, paths

BUCKET = "AWS::S3::Bucket"


def resource_policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def st(action, resource="arn:aws:s3:::amzn-s3-demo-bucket/*", **extra):
    out = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": action}
    if resource is not None:
        out["Resource"] = resource
    out.update(extra)
    return out


def test_redundant_statement():
    s = {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*"}
    again = {"Sid": "Copy", "Effect": "Allow", "Action": ["s3:putobject", "s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]}
    found = only("REDUNDANT_STATEMENT", {"Version": "2012-10-17", "Statement": [s, again]})
    assert len(found) == 1
    assert found[0]["findingType"] == "SUGGESTION"
    assert found[0]["findingDetails"] == (
        "The statements are redundant because they provide identical permissions. "
        "Update the policy to remove the redundant statement.")
    assert paths(found) == [[{"value": "Statement"}, {"index": 1}]]


@pytest.mark.parametrize("change", [
    {"Resource": "arn:aws:s3:::c/*"},
    {"Effect": "Deny"},
    {"Condition": {"Bool": {"aws:SecureTransport": "true"}}},
    {"Action": ["s3:GetObject"]},
])
def test_redundant_statement_near_miss(change):
    s = {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*"}
    assert only("REDUNDANT_STATEMENT", {"Version": "2012-10-17", "Statement": [s, {**s, **change}]}) == []


@pytest.mark.parametrize("resource_type, action, expected", [
    (BUCKET, "kms:Decrypt", True),  # AWS's example: KMS actions in a bucket policy
    (BUCKET, "s3:GetObject", False),
    (BUCKET, "*", False),
    (BUCKET, "S3:Get*", False),
    ("AWS::S3::AccessPoint", "s3-object-lambda:GetObject", True),
    ("AWS::S3ObjectLambda::AccessPoint", "s3-object-lambda:GetObject", False),
    ("AWS::S3ObjectLambda::AccessPoint", "s3:GetObject", True),
    ("AWS::DynamoDB::Table", "dynamodb:GetItem", False),
    ("AWS::DynamoDB::Table", "s3:GetObject", True),
    ("AWS::IAM::AssumeRolePolicyDocument", "sts:AssumeRole", False),
    ("AWS::IAM::AssumeRolePolicyDocument", "sts:Assume*", False),
    ("AWS::IAM::AssumeRolePolicyDocument", "sts:GetCallerIdentity", True),
    ("AWS::IAM::AssumeRolePolicyDocument", "s3:GetObject", True),
])
def test_unsupported_action_in_policy(resource_type, action, expected):
    resource = None if resource_type == "AWS::IAM::AssumeRolePolicyDocument" else "*"
    found = only("UNSUPPORTED_ACTION_IN_POLICY", resource_policy(st([action], resource)), "RESOURCE_POLICY",
                 resource_type)
    if not expected:
        assert found == []
        return
    assert len(found) == 1
    assert found[0]["findingType"] == "ERROR"
    assert found[0]["findingDetails"] == (
        f"The action {action} is not supported for the resource-based policy attached to the resource type "
        f"{resource_type}.")
    assert paths(found) == [[{"value": "Statement"}, {"index": 0}, {"value": "Action"}, {"index": 0}]]


def test_unsupported_action_needs_resource_type():
    assert only("UNSUPPORTED_ACTION_IN_POLICY", resource_policy(st("kms:Decrypt")), "RESOURCE_POLICY") == []


@pytest.mark.parametrize("resource_type, resource, expected", [
    # AWS's example: KMS ARNs in a bucket policy
    (BUCKET, "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", True),
    (BUCKET, "arn:aws:s3:::amzn-s3-demo-bucket", False),
    (BUCKET, "arn:aws:s3:::amzn-s3-demo-bucket/${aws:username}/*", False),
    (BUCKET, "*", False),
    (BUCKET, "arn:aws:s3:us-east-1:111122223333:accesspoint/ap", True),
    ("AWS::S3::AccessPoint", "arn:aws:s3:us-east-1:111122223333:accesspoint/ap/object/*", False),
    ("AWS::S3::AccessPoint", "arn:aws:s3:::amzn-s3-demo-bucket/*", True),
    ("AWS::S3::MultiRegionAccessPoint", "arn:aws:s3::111122223333:accesspoint/mfzwi23gnjvgw.mrap/object/*", False),
    ("AWS::S3ObjectLambda::AccessPoint", "arn:aws:s3-object-lambda:us-east-1:111122223333:accesspoint/olap", False),
    ("AWS::DynamoDB::Table", "arn:aws:dynamodb:us-east-1:111122223333:table/Books", False),
    ("AWS::DynamoDB::Table", "arn:aws:dynamodb:us-east-1:111122223333:table/Books/index/*", False),
    ("AWS::DynamoDB::Table", "arn:aws:s3:::amzn-s3-demo-bucket", True),
])
def test_unsupported_resource_arn_in_policy(resource_type, resource, expected):
    found = only("UNSUPPORTED_RESOURCE_ARN_IN_POLICY", resource_policy(st("*", [resource])), "RESOURCE_POLICY",
                 resource_type)
    if not expected:
        assert found == []
        return
    assert len(found) == 1
    assert found[0]["findingType"] == "ERROR"
    assert found[0]["findingDetails"] == (
        f"The resource ARN is not supported for the resource-based policy attached to the resource type "
        f"{resource_type}.")
    assert paths(found) == [[{"value": "Statement"}, {"index": 0}, {"value": "Resource"}, {"index": 0}]]


def test_statements_rules_do_not_raise_on_malformed():
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": 1, "Action": [1], "Resource": {"a": 1}},
                                                      {"Effect": "Allow", "Action": [1], "Resource": [None]},
                                                      {"Effect": "Allow", "Action": [1], "Resource": [None]}]}
    only("REDUNDANT_STATEMENT", policy, "RESOURCE_POLICY", BUCKET)
