"""PASS_ROLE_WITH_* (iam:PassRole allowed too broadly)."""

import pytest

from accessproof.validate.rules.pass_role import covers_all_roles

from .helpers import allow, codes, only, paths, run

BASE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#"
ARNS = "We recommend that you specify resource ARNs instead."
ARNS_OR_KEY = "We recommend that you specify resource ARNs or add the iam:PassedToService condition key to your statement."


def statement(**elements) -> dict:
    st = {"Effect": "Allow"}
    st.update(elements)
    return {"Version": "2012-10-17", "Statement": [st]}


RESOURCE0 = [{"value": "Statement"}, {"index": 0}, {"value": "Resource"}]
NOT_RESOURCE0 = [{"value": "Statement"}, {"index": 0}, {"value": "NotResource"}]
ACTION0 = [{"value": "Statement"}, {"index": 0}, {"value": "Action"}]
NOT_ACTION0 = [{"value": "Statement"}, {"index": 0}, {"value": "NotAction"}]

POSITIVE = [
    (
        "PASS_ROLE_WITH_NOT_RESOURCE",
        statement(Action="iam:PassRole", NotResource="arn:aws:iam::123456789012:role/Admin"),
        "Using the iam:PassRole action with NotResource can be overly permissive because it can allow "
        "iam:PassRole permissions on multiple resources. " + ARNS,
        [ACTION0, NOT_RESOURCE0],
        "pass-role-with-not-resource",
    ),
    (
        "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
        statement(Action="iam:Pass*", NotResource="arn:aws:iam::123456789012:role/Admin"),
        "Using an action with a wildcard (*) and NotResource can be overly permissive because it can allow "
        "iam:PassRole permissions on multiple resources. " + ARNS,
        [ACTION0, NOT_RESOURCE0],
        "pass-role-with-star-in-action-and-not-resource",
    ),
    (
        "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE",
        statement(NotAction="s3:*", NotResource="arn:aws:iam::123456789012:role/Admin"),
        "Using NotAction with NotResource can be overly permissive because it can allow iam:PassRole "
        "permissions on multiple resources.. " + ARNS,
        [NOT_ACTION0, NOT_RESOURCE0],
        "pass-role-with-not-action-and-not-resource",
    ),
    (
        "PASS_ROLE_WITH_STAR_IN_RESOURCE",
        # A policy observed with this finding (Resource "arn:aws:iam::*:*").
        statement(Action=["iam:PassRole"], Resource="arn:aws:iam::*:*"),
        "Using the iam:PassRole action with wildcards (*) in the resource can be overly permissive because it "
        "allows iam:PassRole permissions on multiple resources. " + ARNS_OR_KEY,
        [ACTION0 + [{"index": 0}], RESOURCE0],
        "pass-role-with-star-in-resource",
    ),
    (
        "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
        statement(Action="*", Resource="*"),
        "Using wildcards (*) in the action and the resource can be overly permissive because it allows "
        "iam:PassRole permissions on all resources. " + ARNS_OR_KEY,
        [ACTION0, RESOURCE0],
        "pass-role-with-star-in-action-and-resource",
    ),
    (
        "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
        statement(NotAction="s3:*", Resource="*"),
        "Using a resource with wildcards (*) and NotAction can be overly permissive because it allows "
        "iam:PassRole permissions on all resources. " + ARNS_OR_KEY,
        [NOT_ACTION0, RESOURCE0],
        "pass-role-with-star-in-resource-and-not-action",
    ),
]


@pytest.mark.parametrize("code,policy,details,locs,anchor", POSITIVE, ids=[p[0] for p in POSITIVE])
def test_positive(code, policy, details, locs, anchor):
    # Two locations, as AWS gives them: the entry that grants iam:PassRole, then the resource side.
    found = only(code, policy)
    assert len(found) == 1
    f = found[0]
    assert f["findingType"] == "SECURITY_WARNING"
    assert f["findingDetails"] == details
    assert f["learnMoreLink"] == BASE + "access-analyzer-reference-policy-checks-security-warning-" + anchor
    assert paths(found) == locs
    # Exactly one shape of the family per statement.
    assert [c for c in codes(policy) if c.startswith("PASS_ROLE_")] == [code]


NEGATIVE = [
    # a specific role
    ("PASS_ROLE_WITH_STAR_IN_RESOURCE", statement(Action="iam:PassRole", Resource="arn:aws:iam::123456789012:role/App")),
    # a service naming convention (the reference's example)
    ("PASS_ROLE_WITH_STAR_IN_RESOURCE", statement(Action="iam:PassRole", Resource="arn:aws:iam::*:role/Service*")),
    # iam:PassedToService limits the services, as the message recommends
    ("PASS_ROLE_WITH_STAR_IN_RESOURCE", statement(
        Action="iam:PassRole", Resource="*",
        Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}})),
    # Deny statements grant nothing
    ("PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "*", "Resource": "*"}]}),
    # the wildcard does not reach iam:PassRole
    ("PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE", statement(Action="iam:Get*", Resource="*")),
    ("PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE", statement(Action="s3:*", Resource="*")),
    # NotAction that excludes iam:PassRole
    ("PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION", statement(NotAction="iam:*", Resource="*")),
    ("PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE", statement(NotAction=["s3:*", "iam:PassRole"], NotResource="arn:aws:s3:::b")),
    # NotResource that excludes every role
    ("PASS_ROLE_WITH_NOT_RESOURCE", statement(Action="iam:PassRole", NotResource="arn:aws:iam::*:role/*")),
    # explicit name wins over the wildcard shape
    ("PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE", statement(Action=["iam:*", "iam:PassRole"], NotResource="arn:aws:s3:::b")),
]


@pytest.mark.parametrize("code,policy", NEGATIVE)
def test_near_miss(code, policy):
    assert code not in codes(policy)


def test_not_checked_outside_identity_policies():
    # The default FullAWSAccess SCP is Allow * on *.
    policy = statement(Action="*", Resource="*")
    assert "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE" in codes(policy)
    assert not [c for c in codes(policy, "SERVICE_CONTROL_POLICY") if c.startswith("PASS_ROLE")]


def test_case_insensitive_action_and_array_location():
    policy = allow(["s3:GetObject", "IAM:passrole"], ["arn:aws:s3:::b/*", "arn:aws:iam::123456789012:role/*"])
    found = only("PASS_ROLE_WITH_STAR_IN_RESOURCE", policy)
    assert paths(found) == [ACTION0 + [{"index": 1}], RESOURCE0 + [{"index": 1}]]


def passrole_star(condition: dict) -> dict:
    return statement(Action="iam:PassRole", Resource="*", Condition=condition)


@pytest.mark.parametrize("condition", [
    # The AWSServiceRoleForAmazonEKSNodegroup statement: the key may be absent, so any service.
    {"StringEqualsIfExists": {"iam:PassedToService": ["ec2.amazonaws.com"]}},
    # A value that begins with a wildcard can end any service's name.
    {"StringLike": {"iam:PassedToService": "*.amazonaws.com"}},
    # Negated, set-qualified or existence tests do not name the services.
    {"StringNotEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
    {"ForAllValues:StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
    {"Null": {"iam:PassedToService": "false"}},
    # A key that is not one of iam:PassRole's own.
    {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
])
def test_conditions_that_do_not_limit_pass_role(condition):
    found = only("PASS_ROLE_WITH_STAR_IN_RESOURCE", passrole_star(condition))
    assert paths(found) == [ACTION0, RESOURCE0]


@pytest.mark.parametrize("condition", [
    {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
    {"StringEquals": {"iam:passedToService": "lambda.amazonaws.com"}},  # key names ignore case
    # A trailing wildcard keeps the service (and covers ec2.amazonaws.com.cn).
    {"StringLike": {"iam:PassedToService": "ec2.amazonaws.com*"}},
    # iam:PassRole's other own key: the resource the role is associated with.
    {"StringEqualsIfExists": {"iam:PassedToService": "cloudformation.amazonaws.com"},
     "StringLike": {"iam:AssociatedResourceArn": "arn:aws:cloudformation:*:*:stack/sms-app-*/*"}},
])
def test_conditions_that_limit_pass_role(condition):
    assert only("PASS_ROLE_WITH_STAR_IN_RESOURCE", passrole_star(condition)) == []


@pytest.mark.parametrize("value,expected", [
    ("*", True),
    ("arn:aws:iam::*:role/*", True),
    ("arn:aws:iam::123456789012:role/*", True),
    ("arn:aws:iam::*:*", True),
    ("arn:aws:iam::*", True),
    ("arn:*:*:*:*:*", True),
    ("arn:aws:iam::*:role/Service*", False),
    ("arn:aws:iam::*:role/aws-service-role/*", False),
    ("arn:aws:s3:::*", False),
    ("arn:aws:iam::*:user/*", False),
])
def test_covers_all_roles(value, expected):
    assert covers_all_roles(value, "role/*") is expected


@pytest.mark.parametrize("doc", [
    '{"Statement": [{"Effect": "Allow", "Action": 5, "Resource": ["*", 3]}]}',
    '{"Statement": {"Effect": "Allow", "NotAction": [null], "NotResource": {}}}',
    '{"Statement": [{"Effect": "Allow", "Action": "iam:PassRole"}]}',
    '[1, 2]',
])
def test_malformed_policies_do_not_raise(doc):
    run(doc)
