"""The resource types whose access is one resource policy, the registry, and policy joining."""

from __future__ import annotations

import json
import pytest
from botocore.loaders import Loader

from accessproof.evaluate import ALLOWED, IMPLICIT_DENY, RESOURCE, compile_policy_text
from accessproof.inventory import (
    EXTERNAL_ACCESS_RESOURCE_TYPES, DynamoDbStream, DynamoDbTable, EcrRepository, EfsFileSystem, LambdaFunction,
    LambdaLayerVersion, S3DirectoryBucket, SecretsManagerSecret, SnsTopic, SqsQueue,
)
from accessproof.resources import (
    REGISTRY, SourceType, module_for, policy_text, resource_policy_text, statements, statements_of_policy,
)
from accessproof.resources.base import POLICY_SOURCE, with_condition

from .helpers import OTHER, OWNER, decide, policy, stmt

R = f"us-east-1:{OWNER}"
PARTNER = f"arn:aws:iam::{OTHER}:role/Partner"
ANYONE = "arn:aws:iam::555566667777:role/Anyone"

CASES = [
    (LambdaFunction, {"name": "fn"}, f"arn:aws:lambda:{R}:function:fn", "lambda:InvokeFunction"),
    (LambdaLayerVersion, {"name": "layer", "version": 3}, f"arn:aws:lambda:{R}:layer:layer:3",
     "lambda:GetLayerVersion"),
    (SqsQueue, {"name": "q"}, f"arn:aws:sqs:{R}:q", "sqs:SendMessage"),
    (SnsTopic, {"name": "t"}, f"arn:aws:sns:{R}:t", "sns:Publish"),
    (SecretsManagerSecret, {"name": "s"}, f"arn:aws:secretsmanager:{R}:secret:s-AbCdEf",
     "secretsmanager:GetSecretValue"),
    (EfsFileSystem, {"name": "fs-0123abcd"}, f"arn:aws:elasticfilesystem:{R}:file-system/fs-0123abcd",
     "elasticfilesystem:ClientMount"),
    (EcrRepository, {"name": "team/img"}, f"arn:aws:ecr:{R}:repository/team/img", "ecr:BatchGetImage"),
    (DynamoDbTable, {"name": "T"}, f"arn:aws:dynamodb:{R}:table/T", "dynamodb:GetItem"),
    (DynamoDbStream, {"name": "T/stream/L", "table_name": "T", "stream_label": "L"},
     f"arn:aws:dynamodb:{R}:table/T/stream/L", "dynamodb:GetRecords"),
    (S3DirectoryBucket, {"name": "d--use1-az4--x-s3"}, f"arn:aws:s3express:{R}:bucket/d--use1-az4--x-s3",
     "s3express:CreateSession"),
]


@pytest.mark.parametrize("kind, fields, arn, action", CASES, ids=[c[0].__name__ for c in CASES])
def test_policy_resource(kind, fields, arn, action):
    granted = kind(arn=arn, account_id=OWNER, origin="x", policy=policy(stmt({"AWS": PARTNER}, action, arn)),
                   **fields)
    module = module_for(granted)
    assert module.resource_type == kind.resource_type
    assert module.arn(granted) == arn
    assert module.request_resources(granted)[0] == arn
    assert action.split(":")[0] in module.service_prefixes
    # The policy's statement, then the Denies by which a type states what a policy can never
    # grant across accounts (DynamoDB, Secrets Manager): they only take access away.
    s, *limits = statements(granted)
    assert s.source.type == SourceType.POLICY and s.source.to_api() == {"type": "POLICY"}
    assert all(not limit.is_allow for limit in limits)
    assert decide(granted, PARTNER, action) == ALLOWED
    assert decide(granted, ANYONE, action) == IMPLICIT_DENY
    public = kind(arn=arn, account_id=OWNER, origin="x", policy=policy(stmt("*", action, arn)), **fields)
    assert decide(public, None, action) == ALLOWED
    nothing = kind(arn=arn, account_id=OWNER, origin="x", **fields)
    assert statements(nothing) == []
    assert decide(nothing, PARTNER, action) == IMPLICIT_DENY


def test_registry_covers_the_external_access_resource_types_of_the_service_model():
    model = Loader().load_service_model("accessanalyzer", "service-2", "2019-11-01")
    enum = model["shapes"]["ResourceType"]["enum"]
    external = set(enum) - {"AWS::IAM::User"}  # IAM users are for the unused access analyzer only
    assert set(REGISTRY) == external == set(EXTERNAL_ACCESS_RESOURCE_TYPES)
    assert len(REGISTRY) == 16


def test_unknown_type():
    with pytest.raises(KeyError, match="no resource module for AWS::IAM::User"):
        module_for("AWS::IAM::User")


def test_policy_of_version_2008_keeps_dollar_signs_literal():
    arn = f"arn:aws:sns:{R}:t"
    text = policy(stmt({"AWS": "*"}, "sns:Publish", arn, {"StringEquals": {"aws:SourceArn": "arn:${literal}"}}),
                  version="2008-10-17")
    topic = SnsTopic(arn=arn, account_id=OWNER, origin="x", name="t", policy=text)
    (s,) = statements(topic)
    assert s.statement["Condition"] == {"StringEquals": {"aws:SourceArn": "arn:${$}{literal}"}}
    assert decide(topic, PARTNER, "sns:Publish", context={"aws:SourceArn": "arn:${literal}"}) == ALLOWED
    assert decide(topic, PARTNER, "sns:Publish", context={"aws:SourceArn": "arn:"}) == IMPLICIT_DENY


def test_single_statement_object_and_indices():
    text = json.dumps({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": "*",
                                                                "Action": "sqs:*", "Resource": "*"}})
    sourced = statements_of_policy(text, POLICY_SOURCE, "queue policy")
    assert [s.origin for s in sourced] == ["queue policy statement 1"]
    joined = json.loads(policy_text(sourced + sourced))
    assert joined["Version"] == "2012-10-17" and len(joined["Statement"]) == 2
    compiled = compile_policy_text(policy_text(sourced + sourced), "q", RESOURCE)
    assert [st.index for st in compiled.statements] == [0, 1]


def test_empty_policy_text_allows_nothing():
    queue = SqsQueue(arn=f"arn:aws:sqs:{R}:q", account_id=OWNER, origin="x", name="q")
    assert json.loads(resource_policy_text(queue)) == {"Version": "2012-10-17", "Statement": []}
    assert decide(queue, None, "sqs:SendMessage") == IMPLICIT_DENY


def test_with_condition_picks_a_free_operator():
    base = {"Effect": "Allow", "Condition": {"StringEquals": {"aws:PrincipalAccount": "1"},
                                             "StringLike": {"AWS:PrincipalAccount": "2"}}}
    out = with_condition(base, "aws:PrincipalAccount", ["3"])
    assert out["Condition"]["StringEqualsIgnoreCase"] == {"aws:PrincipalAccount": "3"}
    assert base["Condition"] == {"StringEquals": {"aws:PrincipalAccount": "1"},
                                 "StringLike": {"AWS:PrincipalAccount": "2"}}  # not mutated
    out["Condition"]["StringEqualsIgnoreCase"]["x"] = "y"
    assert with_condition(out, "aws:PrincipalAccount", ["4"]) is None
