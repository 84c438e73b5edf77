"""Resource ARNs from events, with each service's quirk."""

from __future__ import annotations

from accessproof.catalog import default_catalog, wildcard_match
from accessproof.generate.arns import derive_arns, placeholder_arns


def derive(action: str, operation: str, parameters: dict, listed=(), region="us-east-1"):
    catalog = default_catalog()
    return derive_arns(catalog.action(action), catalog, operation, "aws", region, "123456789012", parameters, listed)


def test_s3_object_and_bucket() -> None:
    assert derive("s3:GetObject", "GetObject", {"bucketName": "b", "key": "k/1"}) == ("arn:aws:s3:::b/k/1",)
    assert derive("s3:ListBucket", "ListObjectsV2", {"bucketName": "b"}) == ("arn:aws:s3:::b",)
    assert derive("s3:GetObject", "CopyObject", {"bucketName": "b", "key": "k"}) is None  # source not known


def test_secret_names_get_the_random_suffix() -> None:
    arns = derive("secretsmanager:GetSecretValue", "GetSecretValue", {"secretId": "prod/db"})
    assert arns == ("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-??????",)
    assert wildcard_match(arns[0], "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf")
    full = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf"
    assert derive("secretsmanager:GetSecretValue", "GetSecretValue", {"secretId": full}) == (full,)


def test_iam_names_without_path_cover_any_path() -> None:
    arns = derive("iam:AttachRolePolicy", "AttachRolePolicy", {"roleName": "app", "policyArn": "arn:aws:iam::aws:policy/X"})
    assert set(arns) == {"arn:aws:iam::123456789012:role/app", "arn:aws:iam::123456789012:role/*/app"}
    assert any(wildcard_match(a, "arn:aws:iam::123456789012:role/team/app") for a in arns)


def test_lambda_qualifiers_and_unknown_regions() -> None:
    arns = derive("lambda:InvokeFunction", "Invoke", {"functionName": "fn"}, region="moon-1")
    assert set(arns) == {"arn:aws:lambda:*:123456789012:function:fn", "arn:aws:lambda:*:123456789012:function:fn:*"}


def test_listed_resources_win_and_multi_type_actions_are_not_derived() -> None:
    listed = ("arn:aws:iam::123456789012:role/path/r",)
    assert derive("sts:AssumeRole", "AssumeRole", {"roleArn": "x"}, listed) == listed
    assert derive("ec2:RunInstances", "RunInstances", {"instanceId": "i-1"}) is None


def test_recorded_wildcards_are_never_copied() -> None:
    assert derive("s3:ListBucket", "ListObjects", {"bucketName": "b*"}) is None


def test_placeholders() -> None:
    catalog = default_catalog()
    # No required type: the alternatives (an object, or an object through an access point).
    assert "arn:aws:s3:::${BucketName}/${ObjectName}" in placeholder_arns(catalog.action("s3:GetObject"), catalog, "aws")
    assert placeholder_arns(catalog.action("secretsmanager:GetSecretValue"), catalog, "aws") == (
        "arn:aws:secretsmanager:${Region}:${Account}:secret:${SecretId}",)
    assert placeholder_arns(catalog.action("ec2:DescribeInstances"), catalog, "aws") == ()
