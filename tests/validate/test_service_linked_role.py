"""CREATE_SLR_WITH_* (iam:CreateServiceLinkedRole allowed too broadly)."""

import pytest

from .helpers import codes, only, paths

BASE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#"
ARNS = "We recommend that you specify resource ARNs instead."


def statement(**elements) -> dict:
    st = {"Effect": "Allow"}
    st.update(elements)
    return {"Version": "2012-10-17", "Statement": [st]}


RESOURCE0 = [{"value": "Statement"}, {"index": 0}, {"value": "Resource"}]
NOT_RESOURCE0 = [{"value": "Statement"}, {"index": 0}, {"value": "NotResource"}]
ACTION0 = [{"value": "Statement"}, {"index": 0}, {"value": "Action"}]
NOT_ACTION0 = [{"value": "Statement"}, {"index": 0}, {"value": "NotAction"}]
SOME_ROLE = "arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"

POSITIVE = [
    (
        "CREATE_SLR_WITH_NOT_RESOURCE",
        statement(Action="iam:CreateServiceLinkedRole", NotResource=SOME_ROLE),
        "Using the iam:CreateServiceLinkedRole action with NotResource can allow creation of unintended "
        "service-linked roles for multiple resources. " + ARNS,
        [ACTION0, NOT_RESOURCE0], "create-slr-with-not-resource",
    ),
    (
        "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
        statement(Action="iam:Create*", NotResource=SOME_ROLE),
        "Using an action with a wildcard(*) and NotResource can allow creation of unintended service-linked "
        "roles because it can allow iam:CreateServiceLinkedRole permissions on multiple resources. " + ARNS,
        [ACTION0, NOT_RESOURCE0], "create-slr-with-star-in-action-and-not-resource",
    ),
    (
        "CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE",
        statement(NotAction="s3:*", NotResource=SOME_ROLE),
        "Using NotAction with NotResource can allow creation of unintended service-linked roles because it "
        "allows iam:CreateServiceLinkedRole permissions on multiple resources. " + ARNS,
        [NOT_ACTION0, NOT_RESOURCE0], "create-slr-with-not-action-and-not-resource",
    ),
    (
        "CREATE_SLR_WITH_STAR_IN_RESOURCE",
        # The PowerUserAccess statement named by the reference.
        statement(Action=["iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles",
                          "organizations:DescribeOrganization"], Resource="*"),
        "Using the iam:CreateServiceLinkedRole action with wildcards (*) in the resource can allow creation of "
        "unintended service-linked roles. " + ARNS,
        [ACTION0 + [{"index": 0}], RESOURCE0], "create-slr-with-star-in-resource",
    ),
    (
        "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE",
        # The reference: "Action": "*", "iam:*" or "iam:Create*" with a wildcard resource.
        statement(Action="iam:*", Resource="*"),
        "Using wildcards (*) in the action and the resource can allow creation of unintended service-linked "
        "roles because it allows iam:CreateServiceLinkedRole permissions on all resources. " + ARNS,
        [ACTION0, RESOURCE0], "create-slr-with-star-in-action-and-resource",
    ),
    (
        "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
        statement(NotAction=["iam:PassRole"], Resource="*"),
        "Using a resource with wildcards (*) and NotAction can allow creation of unintended service-linked "
        "roles because it allows iam:CreateServiceLinkedRole permissions on all resources. " + ARNS,
        [NOT_ACTION0, RESOURCE0], "create-slr-with-star-in-resource-and-not-action",
    ),
]


@pytest.mark.parametrize("code,policy,details,locs,anchor", POSITIVE, ids=[p[0] for p in POSITIVE])
def test_positive(code, policy, details, locs, anchor):
    found = only(code, policy)
    assert len(found) == 1
    f = found[0]
    assert f["findingType"] == "WARNING"
    assert f["findingDetails"] == details
    assert f["learnMoreLink"] == BASE + "access-analyzer-reference-policy-checks-general-warning-" + anchor
    assert paths(found) == locs
    assert [c for c in codes(policy) if c.startswith("CREATE_SLR_")] == [code]


@pytest.mark.parametrize("action", ["*", "iam:*", "iam:Create*"])
def test_documented_wildcards(action):
    assert "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE" in codes(statement(Action=action, Resource="*"))


def test_action_star_yields_both_families():
    c = codes(statement(Action="*", Resource="*"))
    assert "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE" in c
    assert "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE" in c


NEGATIVE = [
    # the role of one service
    ("CREATE_SLR_WITH_STAR_IN_RESOURCE", statement(Action="iam:CreateServiceLinkedRole", Resource=SOME_ROLE)),
    # iam:AWSServiceName limits the services (the common AWS managed policy pattern)
    ("CREATE_SLR_WITH_STAR_IN_RESOURCE", statement(
        Action="iam:CreateServiceLinkedRole", Resource="*",
        Condition={"StringEquals": {"iam:AWSServiceName": "ecs.amazonaws.com"}})),
    # all service-linked roles of one service only
    ("CREATE_SLR_WITH_STAR_IN_RESOURCE", statement(
        Action="iam:CreateServiceLinkedRole", Resource="arn:aws:iam::*:role/aws-service-role/ecs.amazonaws.com/*")),
    # wildcards that miss the action
    ("CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE", statement(Action="iam:Delete*", Resource="*")),
    # NotAction that excludes it
    ("CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION", statement(NotAction="iam:Create*", Resource="*")),
    # NotResource that excludes every service-linked role
    ("CREATE_SLR_WITH_NOT_RESOURCE", statement(
        Action="iam:CreateServiceLinkedRole", NotResource="arn:aws:iam::*:role/aws-service-role/*")),
    # Deny
    ("CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE", {"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}),
]


@pytest.mark.parametrize("code,policy", NEGATIVE)
def test_near_miss(code, policy):
    assert code not in codes(policy)


def test_service_name_beginning_with_a_wildcard_does_not_limit():
    # The AlexaForBusinessFullAccess statement, reported by AWS: "*a4b.amazonaws.com" can end any
    # service's name. The finding is at the action entry and at the resource.
    policy = statement(Action=["iam:CreateServiceLinkedRole"], Resource="*",
                       Condition={"StringLike": {"iam:AWSServiceName": ["*a4b.amazonaws.com"]}})
    found = only("CREATE_SLR_WITH_STAR_IN_RESOURCE", policy)
    assert paths(found) == [ACTION0 + [{"index": 0}], RESOURCE0]
    limited = statement(Action=["iam:CreateServiceLinkedRole"], Resource="*",
                        Condition={"StringLike": {"iam:AWSServiceName": ["a4b.amazonaws.com*"]}})
    assert only("CREATE_SLR_WITH_STAR_IN_RESOURCE", limited) == []


def test_not_checked_in_scps():
    assert not [c for c in codes(statement(Action="*", Resource="*"), "SERVICE_CONTROL_POLICY")
                if c.startswith("CREATE_SLR")]
