"""Rules in accessproof/validate/rules/resources.py."""

import pytest

from accessproof.validate.rules.resources import is_valid_region, split_arn

from .helpers import allow, only, paths, run

RES = [{"value": "Statement"}, {"index": 0}, {"value": "Resource"}]


def res(i):
    return RES + [{"index": i}]


@pytest.mark.parametrize("code, action, resource, details", [
    ("ARN_ACCOUNT_NOT_ALLOWED", "s3:GetObject", "arn:aws:s3::111122223333:amzn-s3-demo-bucket/*",
     "The service s3 does not support specifying an account ID in the resource ARN."),
    ("ARN_REGION_NOT_ALLOWED", "iam:GetRole", "arn:aws:iam:us-east-1:111122223333:role/admin",
     "The service iam does not support specifying a Region in the resource ARN."),
    ("INVALID_ARN_ACCOUNT", "lambda:InvokeFunction", "arn:aws:lambda:us-east-1:12345:function:f",
     "The resource ARN account ID 12345 is not valid. Provide a 12-digit account ID."),
    ("INVALID_ARN_PREFIX", "s3:GetObject", "s3:::amzn-s3-demo-bucket/*",
     "Add the required prefix (arn) to the resource ARN."),
    ("INVALID_ARN_REGION", "lambda:InvokeFunction", "arn:aws:lambda:us-east:111122223333:function:f",
     "The Region us-east is not valid for this resource. Update the resource ARN to include a supported Region."),
    ("INVALID_ARN_RESOURCE", "iam:GetRole", "arn:aws:iam::111122223333:rol/admin",
     "Resource ARN does not match the expected ARN format. Update the resource portion of the ARN."),
    ("INVALID_ARN_SERVICE_CASE", "s3:GetObject", "arn:aws:S3:::amzn-s3-demo-bucket/*",
     "Update the service name S3 in the resource ARN to use all lowercase letters."),
    ("INVALID_PARTITION", "s3:GetObject", "arn:aws-moon:s3:::amzn-s3-demo-bucket/*",
     "The resource ARN for the service s3 does not support the partition aws-moon. Use the supported values: "
     "aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc"),
    ("MISSING_ARN_FIELD", "s3:GetObject", "arn:aws:s3",
     "Resource ARNs must include at least 6 fields in the following structure: "
     "arn:partition:service:region:account:resource"),
    ("MISSING_ARN_REGION", "lambda:InvokeFunction", "arn:aws:lambda::111122223333:function:f",
     "Add a Region to the lambda resource ARN."),
    ("MISSING_ARN_ACCOUNT", "lambda:InvokeFunction", "arn:aws:lambda:us-east-1::function:f",
     "The resource function in the arn is missing an account id. Please provide a 12 digit account id."),
])
def test_positive(code, action, resource, details):
    found = only(code, allow(action, [resource]))
    assert len(found) == 1, run(allow(action, [resource]))
    assert found[0]["findingType"] == "ERROR"
    assert found[0]["findingDetails"] == details
    assert paths(found) == [res(0)]


@pytest.mark.parametrize("code, action, resource", [
    ("ARN_ACCOUNT_NOT_ALLOWED", "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/*"),
    ("ARN_ACCOUNT_NOT_ALLOWED", "s3:GetObject", "arn:aws:s3:us-east-1:111122223333:accesspoint/ap/object/*"),
    ("ARN_REGION_NOT_ALLOWED", "iam:GetRole", "arn:aws:iam::111122223333:role/admin"),
    ("INVALID_ARN_ACCOUNT", "lambda:InvokeFunction", "arn:aws:lambda:us-east-1:111122223333:function:f"),
    ("INVALID_ARN_ACCOUNT", "iam:GetPolicy", "arn:aws:iam::aws:policy/AdministratorAccess"),
    ("INVALID_ARN_ACCOUNT", "lambda:InvokeFunction", "arn:aws:lambda:*:${aws:PrincipalAccount}:function:f"),
    ("INVALID_ARN_PREFIX", "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/*"),
    ("INVALID_ARN_PREFIX", "s3:GetObject", "*"),
    ("INVALID_ARN_REGION", "lambda:InvokeFunction", "arn:aws:lambda:ap-southeast-9:111122223333:function:f"),
    ("INVALID_ARN_REGION", "lambda:InvokeFunction", "arn:aws:lambda:*:111122223333:function:f"),
    ("INVALID_ARN_RESOURCE", "iam:GetRole", "arn:aws:iam::111122223333:role/admin"),
    ("INVALID_ARN_RESOURCE", "iam:GetRole", "arn:aws:iam::111122223333:*"),
    ("INVALID_ARN_RESOURCE", "foo:Bar", "arn:aws:foo:us-east-1:111122223333:anything"),  # unknown service
    ("INVALID_ARN_SERVICE_CASE", "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/*"),
    ("INVALID_PARTITION", "s3:GetObject", "arn:aws-cn:s3:::amzn-s3-demo-bucket/*"),
    ("INVALID_PARTITION", "s3:GetObject", "arn:*:s3:::amzn-s3-demo-bucket/*"),
    ("MISSING_ARN_FIELD", "s3:GetObject", "arn:aws:s3:::b"),
    ("MISSING_ARN_FIELD", "s3:GetObject", "arn:aws:s3:*"),  # a trailing wildcard may cover the rest
    ("MISSING_ARN_REGION", "lambda:InvokeFunction", "arn:aws:lambda:*:111122223333:function:f"),
    ("MISSING_ARN_ACCOUNT", "lambda:InvokeFunction", "arn:aws:lambda:us-east-1:*:function:f"),
    ("MISSING_ARN_ACCOUNT", "ssm:SendCommand", "arn:aws:ssm:*::document/AWS-RunShellScript"),  # AWS-owned
])
def test_near_miss(code, action, resource):
    assert only(code, allow(action, [resource])) == []


@pytest.mark.parametrize("resource", [
    "*", "arn:aws:s3:::*", "arn:aws:s3:::amzn-s3-demo-bucket/${aws:username}/*",
    "arn:aws:s3:::amzn-s3-demo-bucket-${aws:PrincipalTag/team, 'company-wide'}",
    "arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}", "arn:aws:ec2:*:*:instance/*",
    "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/f:*", "arn:aws-us-gov:iam::111122223333:role/r",
    "arn:aws:cloudformation:us-east-1:aws:transform/Serverless-2016-10-31", "arn:aws:iam::111122223333:root",
    "arn:aws:apigateway:us-east-1::/restapis/a1b2c3/stages/prod",
])
def test_ordinary_resources_have_no_arn_errors(resource):
    policy = allow(["s3:GetObject", "iam:GetUser", "ec2:StartInstances", "logs:PutLogEvents"], [resource])
    assert [f["issueCode"] for f in run(policy) if f["findingType"] == "ERROR"] == []


def test_not_resource_is_checked():
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:us-east-1::b"]}]}
    found = only("ARN_REGION_NOT_ALLOWED", policy)
    assert paths(found) == [[{"value": "Statement"}, {"index": 0}, {"value": "NotResource"}, {"index": 0}]]


def test_redundant_resource_doc_example():
    # AWS's example. The message and the shape of the finding are those of every REDUNDANT_RESOURCE
    # finding AWS returned for the dev file: the whole group (jane* and the two ARNs it covers) is
    # counted and located, and the longest covered ARN is named.
    policy = allow("iam:PassRole", [
        "arn:aws:iam::111122223333:role/jane-admin",
        "arn:aws:iam::111122223333:role/jane-s3only",
        "arn:aws:iam::111122223333:role/jane*",
    ])
    found = only("REDUNDANT_RESOURCE", policy)
    assert len(found) == 1
    assert found[0]["findingType"] == "SUGGESTION"
    assert found[0]["findingDetails"] == (
        "The 3 resource ARN(s) are redundant because they reference the same resource. Review the use of "
        "wildcards (*), or remove the resource arn:aws:iam::111122223333:role/jane-s3only to remove the "
        "redundancy.")
    assert paths(found) == [res(0), res(1), res(2)]


def test_redundant_resource_names_the_longest_covered_arn():
    # The shape of AmazonRedshiftAllCommandsFullAccess: *redshift* covers the three others; AWS
    # names redshift-downloads/* (the longest covered), not the first of the group.
    policy = allow("s3:GetObject", [
        "arn:aws:s3:::redshift-downloads", "arn:aws:s3:::redshift-downloads/*",
        "arn:aws:s3:::*redshift*", "arn:aws:s3:::*redshift*/*", "arn:aws:s3:::other",
    ])
    found = only("REDUNDANT_RESOURCE", policy)
    assert len(found) == 1
    assert found[0]["findingDetails"].startswith("The 4 resource ARN(s)")
    assert "remove the resource arn:aws:s3:::redshift-downloads/* to remove" in found[0]["findingDetails"]
    assert paths(found) == [res(0), res(1), res(2), res(3)]


def test_redundant_resource_near_miss():
    policy = allow("iam:PassRole", [
        "arn:aws:iam::111122223333:role/jane-admin",
        "arn:aws:iam::111122223333:role/john-s3only",
        "arn:aws:iam::111122223333:role/jane?",  # one character only
    ])
    assert only("REDUNDANT_RESOURCE", policy) == []


def test_helpers():
    assert split_arn("arn:aws:s3:::b/${aws:username}").fields == ("arn", "aws", "s3", "", "", "b/${aws:username}")
    assert split_arn("arn:aws:logs:r:1:log-group:x:*").resource == "log-group:x:*"
    assert is_valid_region("us-gov-west-1") and is_valid_region("eusc-de-east-1") and is_valid_region("xx-new-9")
    assert not is_valid_region("us-east") and not is_valid_region("US-EAST-1")


def test_malformed_resources_do_not_raise():
    run(allow("s3:GetObject", [1, None, "", "arn:", "arn::::::", ":::::"]))


@pytest.mark.parametrize("action, resource", [
    # Shapes from AWS managed policies that AWS answered without any ARN finding: a value with a
    # wildcard is not matched against the resource types' formats.
    ("states:StartExecution", "arn:aws:states:*:*:statemachine:*sagemaker*"),
    ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:*:*:sqlworkbench!*"),
    ("robomaker:CreateSimulationApplication", "arn:aws:robomaker:*:*:/createSimulationApplication"),
    ("logs:GetLogEvents", "arn:aws:logs:*:*:/aws-glue/*"),
    ("kms:Decrypt", "arn:aws:kms:*::*"),
    ("ec2:CreateTags", "arn:aws:ec2:*::launch-template/*"),
    ("lambda:InvokeFunction", "arn:aws:lambda:us-east-1::function:${aws:username}"),
])
def test_open_arns_are_not_judged_against_resource_formats(action, resource):
    found = {f["issueCode"] for f in run(allow(action, [resource]))}
    assert not found & {"INVALID_ARN_RESOURCE", "MISSING_ARN_ACCOUNT", "MISSING_ARN_REGION"}


def test_concrete_arns_are_still_judged():
    assert only("MISSING_ARN_ACCOUNT", allow("kms:Decrypt", ["arn:aws:kms:us-east-1::key/1234abcd"]))
    assert only("INVALID_ARN_RESOURCE", allow("states:StartExecution", ["arn:aws:states:us-east-1:111122223333:machine"]))
    # a present field that no resource type of the service allows is reported whatever the wildcards
    assert only("ARN_REGION_NOT_ALLOWED", allow("iam:GetRole", ["arn:aws:iam:us-east-1:111122223333:role/*"]))
