"""Which CloudTrail events re-read which resource: one written-down list per resource type."""

from __future__ import annotations

import json

import pytest

from accessproof.inventory.collect.registry import BY_TYPE
from accessproof.inventory.model import EXTERNAL_ACCESS_RESOURCE_TYPES
from accessproof.monitor.changes import PERMISSION_CHANGES, Target, event_pattern, targets
from accessproof.monitor.service import cloudtrail_record

REGION = "eu-west-1"


def record(source: str, name: str, request=None, response=None, **extra) -> dict:
    return {"eventSource": source, "eventName": name, "awsRegion": REGION, "requestParameters": request,
            "responseElements": response, **extra}


CASES = [
    (record("s3.amazonaws.com", "PutBucketPolicy", {"bucketName": "b"}), "AWS::S3::Bucket", "b"),
    (record("s3.amazonaws.com", "PutBucketAcl", {"bucketName": "b", "AccessControlPolicy": {}}), "AWS::S3::Bucket", "b"),
    (record("s3.amazonaws.com", "PutAccessPointPolicy", {"name": "ap"}), "AWS::S3::Bucket", "accesspoint:ap"),
    (record("s3express.amazonaws.com", "PutBucketPolicy", {"bucketName": "d--use1-az4--x-s3"}),
     "AWS::S3Express::DirectoryBucket", "d--use1-az4--x-s3"),
    (record("kms.amazonaws.com", "PutKeyPolicy", {"keyId": "1234", "policyName": "default"}), "AWS::KMS::Key", "1234"),
    (record("kms.amazonaws.com", "CreateKey", {}, {"keyMetadata": {"keyId": "5678"}}), "AWS::KMS::Key", "5678"),
    (record("kms.amazonaws.com", "RetireGrant", {"grantToken": "t"},
            resources=[{"ARN": "arn:aws:kms:eu-west-1:111122223333:key/9", "type": "AWS::KMS::Key"}]),
     "AWS::KMS::Key", "arn:aws:kms:eu-west-1:111122223333:key/9"),
    (record("lambda.amazonaws.com", "AddPermission20150331v2", {"functionName": "fn"}), "AWS::Lambda::Function", "fn"),
    (record("lambda.amazonaws.com", "CreateFunctionUrlConfig20211031", {"functionName": "fn"}),
     "AWS::Lambda::Function", "fn"),
    (record("lambda.amazonaws.com", "AddLayerVersionPermission20181031", {"layerName": "l", "versionNumber": 3}),
     "AWS::Lambda::LayerVersion", "l:3"),
    (record("sqs.amazonaws.com", "SetQueueAttributes", {"queueUrl": "https://sqs/111122223333/q"}),
     "AWS::SQS::Queue", "https://sqs/111122223333/q"),
    (record("sns.amazonaws.com", "AddPermission", {"topicArn": "arn:aws:sns:eu-west-1:111122223333:t"}),
     "AWS::SNS::Topic", "arn:aws:sns:eu-west-1:111122223333:t"),
    (record("secretsmanager.amazonaws.com", "PutResourcePolicy", {"secretId": "app/db"}),
     "AWS::SecretsManager::Secret", "app/db"),
    (record("elasticfilesystem.amazonaws.com", "PutFileSystemPolicy", {"fileSystemId": "fs-12345678"}),
     "AWS::EFS::FileSystem", "fs-12345678"),
    (record("ecr.amazonaws.com", "SetRepositoryPolicy", {"repositoryName": "team/app"}),
     "AWS::ECR::Repository", "team/app"),
    (record("ec2.amazonaws.com", "ModifySnapshotAttribute", {"snapshotId": "snap-1"}), "AWS::EC2::Snapshot", "snap-1"),
    (record("ec2.amazonaws.com", "CreateSnapshot", {"volumeId": "vol-1"}, {"snapshotId": "snap-2"}),
     "AWS::EC2::Snapshot", "snap-2"),
    (record("rds.amazonaws.com", "ModifyDBSnapshotAttribute", {"dBSnapshotIdentifier": "s"}), "AWS::RDS::DBSnapshot", "s"),
    (record("rds.amazonaws.com", "CopyDBClusterSnapshot", {"sourceDBClusterSnapshotIdentifier": "a",
                                                           "targetDBClusterSnapshotIdentifier": "b"}),
     "AWS::RDS::DBClusterSnapshot", "b"),
    (record("dynamodb.amazonaws.com", "PutResourcePolicy",
            {"resourceArn": "arn:aws:dynamodb:eu-west-1:111122223333:table/t"}),
     "AWS::DynamoDB::Table", "arn:aws:dynamodb:eu-west-1:111122223333:table/t"),
    (record("dynamodb.amazonaws.com", "PutResourcePolicy",
            {"resourceArn": "arn:aws:dynamodb:eu-west-1:111122223333:table/t/stream/2024"}),
     "AWS::DynamoDB::Stream", "arn:aws:dynamodb:eu-west-1:111122223333:table/t/stream/2024"),
    (record("iam.amazonaws.com", "UpdateAssumeRolePolicy", {"roleName": "r", "policyDocument": "{}"}),
     "AWS::IAM::Role", "r"),
]


@pytest.mark.parametrize("event, resource_type, identifier", CASES)
def test_each_permission_change_names_its_resource(event, resource_type, identifier):
    assert targets(event) == [Target("resource", resource_type, REGION, identifier)]


def test_every_resource_type_has_its_list_of_calls():
    assert {c.resource_type for c in PERMISSION_CHANGES} == set(EXTERNAL_ACCESS_RESOURCE_TYPES) == set(BY_TYPE)
    assert {type_ for _, type_, _ in CASES} == set(EXTERNAL_ACCESS_RESOURCE_TYPES)


def test_failed_calls_and_reads_change_nothing():
    assert targets(record("s3.amazonaws.com", "PutBucketPolicy", {"bucketName": "b"}, errorCode="AccessDenied")) == []
    assert targets(record("s3.amazonaws.com", "GetBucketPolicy", {"bucketName": "b"})) == []
    assert targets(record("kms.amazonaws.com", "Decrypt", {"keyId": "1"})) == []


def test_scope_changes():
    assert targets(record("s3.amazonaws.com", "PutAccountPublicAccessBlock", {})) == [
        Target("scope", "s3control", REGION)]
    assert targets(record("ec2.amazonaws.com", "EnableSnapshotBlockPublicAccess", {})) == [Target("scope", "ec2", REGION)]


def test_the_event_pattern_matches_every_listed_call():
    pattern = event_pattern()
    assert pattern["detail-type"] == ["AWS API Call via CloudTrail"]
    names = pattern["detail"]["eventName"]
    for change in PERMISSION_CHANGES:
        assert change.event_source in pattern["detail"]["eventSource"]
        assert "aws." + change.event_source.removesuffix(".amazonaws.com") in pattern["source"]
        for name in change.event_names:
            assert ({"prefix": name} if change.event_source == "lambda.amazonaws.com" else name) in names


def test_sqs_messages_are_eventbridge_events_or_bare_records():
    event = {"detail-type": "AWS API Call via CloudTrail", "region": REGION,
             "detail": {"eventSource": "s3.amazonaws.com", "eventName": "PutBucketPolicy",
                        "requestParameters": {"bucketName": "b"}}}
    assert cloudtrail_record(json.dumps(event))["awsRegion"] == REGION
    bare = event["detail"]
    assert cloudtrail_record(json.dumps(bare)) == bare
    assert cloudtrail_record("not json") is None
    assert cloudtrail_record(json.dumps({"hello": 1})) is None


def test_docs_list_every_call_of_every_resource_type():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "monitor.md").read_text()
    for change in PERMISSION_CHANGES:
        row = next(line for line in text.splitlines() if line.startswith(f"| `{change.resource_type}` |"))
        assert row == f"| `{change.resource_type}` | `{change.event_source}` | {', '.join(change.event_names)} |"


def test_hostile_sqs_messages_are_not_records():
    deep = '{"detail": ' * 10_000 + "1" + "}" * 10_000
    assert cloudtrail_record(deep) is None  # not a RecursionError
    repeated = '{"eventSource": "s3.amazonaws.com", "eventName": "PutBucketPolicy", "eventName": "GetObject"}'
    assert cloudtrail_record(repeated) is None  # which name would count is ambiguous: neither
    assert cloudtrail_record('{"eventSource": "s3.amazonaws.com", "eventName": 1' + "0" * 5000 + "}") is None
