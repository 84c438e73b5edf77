"""Extraction: the policies a template or plan would create, with their lines, resolved."""

from __future__ import annotations

import json
from pathlib import Path

from accessproof.templates import (
    IDENTITY_POLICY, RESOURCE_POLICY, TRUST_POLICY, Settings, load_deployment, load_text,
)

DATA = Path(__file__).parent / "data"
PARAMS = (("Stage", "dev"), ("OtherAccounts", "111122223333,222233334444"), ("TopicSuffix", "x"))


def _by_name(deployment):
    return {(p.resource, p.policy_name): p for p in deployment.policies}


def test_yaml_short_forms_and_json_give_the_same_policies() -> None:
    from_json = load_deployment(DATA / "coverage.json", Settings(parameters=PARAMS))
    from_yaml = load_deployment(DATA / "coverage.yaml", Settings(parameters=PARAMS))
    assert {k: p.document for k, p in _by_name(from_json).items()} == {k: p.document for k, p in _by_name(from_yaml).items()}
    assert len(from_json.policies) == 12


def test_intrinsics_resolve() -> None:
    d = _by_name(load_deployment(DATA / "coverage.yaml", Settings("210987654321", "eu-west-1", "aws", PARAMS)))
    bucket = d[("LogBucketPolicy", "BucketPolicy")]
    assert bucket.target_arn == "arn:aws:s3:::dev-logs-210987654321"  # Join + FindInMap + pseudo-parameter
    statements = bucket.document["Statement"]
    assert len(statements) == 1  # Fn::If on a false condition → AWS::NoValue removes the statement
    assert statements[0]["Principal"] == {"AWS": ["arn:aws:iam::111122223333:root"]}  # Sub with variables + Select
    assert statements[0]["Resource"] == ["arn:aws:s3:::dev-logs-210987654321", "arn:aws:s3:::dev-logs-210987654321/*"]
    topic = d[("TopicPolicy", "TopicPolicy")].document["Statement"][0]
    assert topic["Principal"]["AWS"] == ["arn:aws:iam::210987654321:root", "arn:aws:iam::444455556666:root"]  # Split
    role = d[("AppRole", "TrustPolicy")]
    assert role.kind == TRUST_POLICY and role.target_arn == "arn:aws:iam::210987654321:role/service/app-dev"
    inline = d[("AppRole", "Inline")]
    assert inline.kind == IDENTITY_POLICY and inline.principals == ("role/app-dev",)
    assert inline.document["Statement"][1]["Effect"] == "Allow"  # Fn::If on Fn::Or of conditions
    assert inline.document["Statement"][1]["Resource"] == "arn:aws:logs:eu-west-1:210987654321:log-group:/aws/lambda/*"
    assert d[("SharedManaged", "shared-read")].principals == ("role/app-dev",)  # attached by ManagedPolicyArns
    key = d[("Key", "KeyPolicy")]
    assert key.kind == RESOURCE_POLICY and key.target_type == "AWS::KMS::Key"
    assert key.document["Statement"][1]["Principal"] == {"AWS": "arn:aws:iam::210987654321:role/service/app-dev"}
    function = d[("FunctionPermission", "PermissionsPolicy")]
    assert function.document["Statement"][0]["Condition"]["ArnLike"]["AWS:SourceArn"] == "arn:aws:s3:::dev-logs-210987654321"


def test_lines_point_at_the_policy() -> None:
    text = (DATA / "coverage.yaml").read_text().splitlines()
    for p in load_deployment(DATA / "coverage.yaml", Settings(parameters=PARAMS)).policies:
        line = text[p.line - 1].strip()
        assert line.startswith(("PolicyDocument:", "AssumeRolePolicyDocument:", "KeyPolicy:", "ResourcePolicy:",
                                "Type: AWS::Lambda::Permission", "FunctionPermission:")), (p.policy_name, line)


def test_missing_parameter_is_reported_not_guessed() -> None:
    deployment = load_deployment(DATA / "sample.yaml", Settings())
    [policy] = [p for p in deployment.policies if p.policy_name == "BucketPolicy"]
    assert policy.document is None
    assert "parameter TrustedAccount has no value" in policy.unresolved[0].what
    assert policy.unresolved[0].line == 29
    # The other policies are still extracted.
    assert {p.policy_name for p in deployment.policies if p.document is not None} >= {"QueuePolicy", "TrustPolicy", "ReadData"}


def test_import_value_is_unresolved() -> None:
    template = {"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                               "Resource": {"Fn::ImportValue": "shared-bucket-arn"}}]}}}}}
    [policy] = load_text(json.dumps(template, indent=1), "t.json", Settings()).policies
    assert policy.document is None and "Fn::ImportValue" in policy.unresolved[0].what


def test_terraform_plan() -> None:
    d = load_deployment(DATA / "plan.json", Settings())
    assert d.source_format == "terraform"
    names = {(p.resource, p.policy_name): p for p in d.policies}
    assert names[("aws_iam_role.app", "TrustPolicy")].document["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    assert names[("aws_iam_role_policy.app_s3", "app-s3")].principals == ("role/app",)
    assert names[("aws_s3_bucket_policy.data", "BucketPolicy")].target_arn == "arn:aws:s3:::tf-data"
    queue = names[("aws_sqs_queue.jobs", "QueuePolicy")]
    assert queue.document is None and "known only after apply" in queue.unresolved[0].what
    assert "data.aws_iam_policy_document.jobs" in queue.unresolved[0].what
    lam = names[("aws_lambda_permission.from_sns", "PermissionsPolicy")].document["Statement"][0]
    assert lam["Principal"] == {"Service": "sns.amazonaws.com"} and lam["Sid"] == "AllowSNS"
    [bucket] = d.buckets
    assert bucket.restrict_public_buckets and bucket.arn == "arn:aws:s3:::tf-data"
    assert ("module.keys.aws_kms_key.main", "KeyPolicy") not in names  # no policy set: the default key policy


def test_cdk_out_directory() -> None:
    d = load_deployment(DATA / "cdk.out", Settings())
    names = {(p.resource, p.policy_name) for p in d.policies}
    assert ("HandlerServiceRoleFCDC14AE", "TrustPolicy") in names
    assert ("BucketPolicyE9A3008A", "BucketPolicy") in names
    [policy] = [p for p in d.policies if p.resource == "HandlerServiceRoleDefaultPolicyCBD0CC91"]
    assert policy.principals == ("role/HandlerServiceRoleFCDC14AE",)
    assert policy.document["Statement"][0]["Resource"] == ["arn:aws:s3:::Bucket83908E77", "arn:aws:s3:::Bucket83908E77/*"]
