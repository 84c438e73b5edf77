"""Rules in accessproof/validate/rules/actions.py."""

import pytest

from accessproof.catalog import default_catalog
from accessproof.validate.engine import validate_policy
from accessproof.validate.rule import Context
from accessproof.policy import parse_policy
from accessproof.validate.rules.actions import unknown_service_prefix_locations

from .helpers import allow, only, paths

ACTION0 = [{"value": "Statement"}, {"index": 0}, {"value": "Action"}, {"index": 0}]
ACTION1 = [{"value": "Statement"}, {"index": 0}, {"value": "Action"}, {"index": 1}]


@pytest.mark.parametrize("code, policy, finding_type, details, locs", [
    # AWS's messages as it returns them (the dev file): no suggestion for a misspelt action or
    # service, and the whole action in "The service ... specified in the action".
    ("INVALID_ACTION", allow(["s3:GetObjekt"]), "ERROR",
     "The action s3:GetObjekt does not exist.", [ACTION0]),
    ("INVALID_SERVICE_IN_ACTION", allow(["s33:GetObject"]), "ERROR",
     "The service s33:GetObject specified in the action does not exist.", [ACTION0]),
    ("INVALID_SERVICE", allow(["s3:GetObject"], Condition={"StringEquals": {"foo:Bar": "x"}}), "ERROR",
     "The service foo does not exist. Use a valid service name.",
     [[{"value": "Statement"}, {"index": 0}, {"value": "Condition"}, {"value": "StringEquals"}, {"key": "foo:Bar"}]]),
    ("WILDCARD_IN_SERVICE_NAME", allow(["*code*:Get*"]), "SUGGESTION",
     "Avoid using wildcards (*, ?) in the service name because it might grant unintended access to other "
     "AWS services with similar names.", [ACTION0]),
    # AWS's example: iam:GetCredentialReport is already part of iam:Get*. As in every finding AWS
    # returned for the dev file, the group (the covering entry and the covered one) is counted
    # and located.
    ("REDUNDANT_ACTION", allow(["iam:Get*", "iam:List*", "iam:GetCredentialReport"]), "SUGGESTION",
     "The 2 action(s) are redundant because they provide similar permissions. Update the policy to remove "
     "the redundant action such as: iam:GetCredentialReport.",
     [ACTION0, [{"value": "Statement"}, {"index": 0}, {"value": "Action"}, {"index": 2}]]),
])
def test_positive(code, policy, finding_type, details, locs):
    found = only(code, policy)
    assert len(found) == 1
    assert found[0]["findingType"] == finding_type
    assert found[0]["findingDetails"] == details
    assert paths(found) == locs
    assert found[0]["learnMoreLink"].endswith(
        "access-analyzer-reference-policy-checks-" + {"ERROR": "error", "SUGGESTION": "suggestion"}[finding_type]
        + "-" + {"INVALID_ACTION": "invalid-action", "INVALID_SERVICE_IN_ACTION": "invalid-service-in-action",
                 "INVALID_SERVICE": "invalid-service", "WILDCARD_IN_SERVICE_NAME": "wildcard-in-service-name",
                 "REDUNDANT_ACTION": "redundant-action"}[code])


@pytest.mark.parametrize("code, policy", [
    ("INVALID_ACTION", allow(["s3:getobject", "s3:Get*", "*"])),  # case-insensitive; wildcards that match
    ("INVALID_ACTION", allow(["foo:GetObjekt"])),  # unknown service: not this code
    ("INVALID_SERVICE_IN_ACTION", allow(["S3:GetObject", "SNS:Publish"])),  # prefixes ignore case
    ("INVALID_SERVICE_IN_ACTION", allow(["*code*:Get*", "*"])),  # wildcards: WILDCARD_IN_SERVICE_NAME
    ("INVALID_SERVICE", allow(["foo:Bar", "s33:GetObject"])),  # in an action: INVALID_SERVICE_IN_ACTION
    ("WILDCARD_IN_SERVICE_NAME", allow(["*:Get*", "*", "s3:*"])),  # the whole service "*" is not "similar names"
    # AWS's near miss: iam:*CredentialReport also names GenerateCredentialReport, so it is not redundant.
    ("REDUNDANT_ACTION", allow(["iam:Get*", "iam:List*", "iam:*CredentialReport"])),
])
def test_near_miss(code, policy):
    assert only(code, policy) == []


def test_invalid_action_wildcard_matching_nothing():
    # As AWS reported codestar:Verify* while codestar existed.
    found = only("INVALID_ACTION", allow(["s3:GetObjekt*"]))
    assert [f["findingDetails"] for f in found] == ["The action s3:GetObjekt* does not exist."]


def test_invalid_service_condition_key_prefix():
    policy = allow("s3:GetObject", Condition={"StringEquals": {
        "foo:Bar": "x", "saml:aud": "x", "accounts.google.com:aud": "x", "aws:username": "x", "s3:prefix": "x",
    }})
    found = only("INVALID_SERVICE", policy)
    assert [f["findingDetails"] for f in found] == ["The service foo does not exist. Use a valid service name."]
    assert paths(found) == [[{"value": "Statement"}, {"index": 0}, {"value": "Condition"},
                             {"value": "StringEquals"}, {"key": "foo:Bar"}]]


def test_unknown_service_prefix_locations_helper():
    import json
    text = json.dumps(allow(["foo:Bar", "s3:GetObject"], Condition={"StringEquals": {"baz:Qux": "1"}}))
    ctx = Context(parse_policy(text), "IDENTITY_POLICY", None, default_catalog())
    assert [p for _, p in unknown_service_prefix_locations(ctx)] == ["baz"]


def test_api_operation_authorized_by_another_action():
    # AWS's message for lambda:GetLayerVersionByArn (AWSCodeDeployRoleForLambda... in the dev file);
    # the catalog knows the operation from GetLayerVersion's description.
    found = only("INVALID_ACTION", allow(["lambda:GetLayerVersionByArn"]))
    assert [f["findingDetails"] for f in found] == [
        "The action lambda:GetLayerVersionByArn does not exist. Did you mean lambda:GetLayerVersion? The API "
        "called GetLayerVersionByArn authorizes against the IAM action lambda:GetLayerVersion."]
    assert paths(found) == [ACTION0]


def test_unknown_prefix_in_not_action_and_retired_services():
    # A service the catalog no longer knows is reported like any unknown one: the entry grants
    # nothing today (see actions.py on catalogs that differ in time).
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["evidently:GetProject", "s3:GetObject"], "Resource": "*"},
        {"Effect": "Deny", "NotAction": "awsbillingconsole:*Billing", "Resource": "*"}]}
    found = only("INVALID_SERVICE_IN_ACTION", policy)
    assert [f["findingDetails"] for f in found] == [
        "The service evidently:GetProject specified in the action does not exist.",
        "The service awsbillingconsole:*Billing specified in the action does not exist."]
    assert paths(found) == [ACTION0, [{"value": "Statement"}, {"index": 1}, {"value": "NotAction"}]]


def test_wildcard_in_service_name_resource_example():
    # AWS's example is a Resource ARN.
    found = only("WILDCARD_IN_SERVICE_NAME", allow("s3:GetObject", "arn:aws:*code*::111122223333:*"))
    assert paths(found) == [[{"value": "Statement"}, {"index": 0}, {"value": "Resource"}]]


def test_redundant_action_duplicates_and_count():
    # One group: s3:* covers both spellings of s3:GetObject, which repeat each other (names ignore
    # case). The message names the longest redundant entry, the first of equals (AWS named
    # rds:DescribeDBSnapshots, not the later rds:describeDBSnapshots, in AWSBackupAdminPolicy).
    found = only("REDUNDANT_ACTION", allow(["s3:GetObject", "S3:getobject", "s3:*", "ec2:DescribeInstances"]))
    assert len(found) == 1
    assert found[0]["findingDetails"] == (
        "The 3 action(s) are redundant because they provide similar permissions. Update the policy to remove "
        "the redundant action such as: s3:GetObject.")
    assert paths(found) == [ACTION0, ACTION1, ACTION0[:-1] + [{"index": 2}]]


def test_redundant_action_one_finding_per_group():
    # Two unrelated overlaps are two findings (AWS_ConfigRole: an ec2:Describe* group and a repeated
    # rds action), each at its own entries; the example is the longest covered entry.
    policy = allow(["ec2:Describe*", "ec2:DescribeVolumes", "rds:ListTagsForResource",
                    "ec2:DescribeClientVpnEndpoints", "rds:ListTagsForResource"])
    found = only("REDUNDANT_ACTION", policy)
    assert [f["findingDetails"].split(" action(s)")[0] for f in found] == ["The 3", "The 2"]
    assert [f["findingDetails"].rsplit(": ", 1)[1] for f in found] == [
        "ec2:DescribeClientVpnEndpoints.", "rds:ListTagsForResource."]
    index = [[loc["path"][-1]["index"] for loc in f["locations"]] for f in found]
    assert index == [[0, 1, 3], [2, 4]]


def test_malformed_actions_do_not_raise():
    for policy in (allow([1, None, "", ":", "s3:", "noprefix"]), allow({"a": 1})):
        validate_policy(__import__("json").dumps(policy), "IDENTITY_POLICY")
