"""AWS's documented uses of the custom policy checks (IAM User Guide, "IAM Access Analyzer custom
policy checks"; AWS Security Blog, "Introducing IAM Access Analyzer custom policy checks"; the
reference-policy pattern of aws-samples/iam-access-analyzer-custom-policy-check-samples: the
existing policy allows everything except a Deny of the sensitive access)."""

from __future__ import annotations

import json

import pytest

from accessproof import client
from accessproof.checks import replay
from accessproof.evaluate import IDENTITY, RESOURCE, compile_policy_text
from accessproof.reason import Concrete
from accessproof.evaluate.request import context_value


def doc(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


REFERENCE = doc({"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": ["iam:PassRole", "iam:CreateAccessKey", "s3:PutBucketPolicy"], "Resource": "*"})
aa = client("accessanalyzer")


def assert_replays(response: dict, new: str, old: str | None, policy_type: str) -> None:
    """The witness is allowed by the new policy and (if given) not by the old one."""
    w = response["witness"]
    concrete = Concrete(w["principal"], w["action"], w["resource"],
                        {k: context_value(v, k) for k, v in w["context"].items()}, True)
    kind = IDENTITY if policy_type == "IDENTITY_POLICY" else RESOURCE
    assert replay(compile_policy_text(new, "new", kind), concrete, policy_type).allowed
    if old is not None:
        assert not replay(compile_policy_text(old, "old", kind), concrete, policy_type).allowed


def test_reference_policy_pass():
    new = doc({"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket", "ec2:Describe*"], "Resource": "*"})
    r = aa.check_no_new_access(newPolicyDocument=new, existingPolicyDocument=REFERENCE, policyType="IDENTITY_POLICY")
    assert r["result"] == "PASS" and r["reasons"] == [] and "witness" not in r


def test_reference_policy_fail_names_the_statement():
    new = doc({"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
              {"Sid": "PassAny", "Effect": "Allow", "Action": "iam:Pass*", "Resource": "arn:aws:iam::123456789012:role/*"})
    r = aa.check_no_new_access(newPolicyDocument=new, existingPolicyDocument=REFERENCE, policyType="IDENTITY_POLICY")
    assert r["result"] == "FAIL"
    assert r["message"] == "The modified permissions grant new access compared to your existing policy."
    assert r["reasons"] == [{"description": "New access in the statement with index: 1.", "statementIndex": 1,
                             "statementId": "PassAny"}]
    assert r["witness"]["action"] == "iam:PassRole"
    assert_replays(r, new, REFERENCE, "IDENTITY_POLICY")


def test_updated_version_adds_actions():
    old = doc({"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::bucket/*"})
    new = doc({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::bucket/*"})
    r = aa.check_no_new_access(newPolicyDocument=new, existingPolicyDocument=old, policyType="IDENTITY_POLICY")
    assert r["result"] == "FAIL" and r["witness"]["action"] == "s3:PutObject"
    assert_replays(r, new, old, "IDENTITY_POLICY")
    # narrowing is never new access
    r = aa.check_no_new_access(newPolicyDocument=old, existingPolicyDocument=new, policyType="IDENTITY_POLICY")
    assert r["result"] == "PASS"


def test_resource_policy_compares_principals():
    existing = doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/reader"},
                    "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"})
    whole_account = doc({"Effect": "Allow", "Principal": {"AWS": "111122223333"},
                         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"})
    r = aa.check_no_new_access(newPolicyDocument=whole_account, existingPolicyDocument=existing, policyType="RESOURCE_POLICY")
    assert r["result"] == "FAIL"
    assert_replays(r, whole_account, existing, "RESOURCE_POLICY")
    r = aa.check_no_new_access(newPolicyDocument=existing, existingPolicyDocument=whole_account, policyType="RESOURCE_POLICY")
    assert r["result"] == "PASS"


def test_resource_reference_with_wildcard_principal_and_org_condition():
    reference = doc({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
                     "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-123"}}})
    inside = doc({"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "sqs:SendMessage",
                  "Resource": "arn:aws:sqs:us-east-1:111122223333:q", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-123"}}})
    outside = doc({"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "sqs:SendMessage",
                   "Resource": "arn:aws:sqs:us-east-1:111122223333:q"})
    assert aa.check_no_new_access(newPolicyDocument=inside, existingPolicyDocument=reference,
                                  policyType="RESOURCE_POLICY")["result"] == "PASS"
    r = aa.check_no_new_access(newPolicyDocument=outside, existingPolicyDocument=reference, policyType="RESOURCE_POLICY")
    assert r["result"] == "FAIL" and r["witness"]["context"].get("aws:principalorgid") != "o-123"
    assert_replays(r, outside, reference, "RESOURCE_POLICY")


POLICY = doc({"Sid": "S3", "Effect": "Allow", "Action": ["s3:Get*", "s3:ListBucket"], "Resource": "arn:aws:s3:::bucket/*"},
             {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/secret/*"})


@pytest.mark.parametrize("access, result, index", [
    ([{"actions": ["s3:PutObject", "iam:PassRole"]}], "PASS", None),
    ([{"actions": ["s3:GetObject"]}], "FAIL", 0),
    ([{"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::bucket/secret/*"]}], "PASS", None),
    ([{"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::bucket/public/*"]}], "FAIL", 0),
    ([{"resources": ["arn:aws:s3:::other/*"]}], "PASS", None),
    ([{"resources": ["arn:aws:s3:::bucket/x"]}], "FAIL", 0),
])
def test_check_access_not_granted(access, result, index):
    r = aa.check_access_not_granted(policyDocument=POLICY, access=access, policyType="IDENTITY_POLICY")
    assert r["result"] == result
    if result == "FAIL":
        assert r["reasons"][0]["statementIndex"] == index and r["reasons"][0]["statementId"] == "S3"
        assert r["message"].startswith("The policy document grants access to perform one or more of the listed")
        assert_replays(r, POLICY, None, "IDENTITY_POLICY")


@pytest.mark.parametrize("kwargs, fragment", [
    # The model's length constraints, answered by the protocol layer in AWS's wording.
    ({"access": [{"actions": ["s3:GetObject"]}, {"actions": ["s3:PutObject"]}]},
     "at 'access' failed to satisfy constraint: Member must have length less than or equal to 1"),
    ({"access": [{"actions": [f"s3:A{i}" for i in range(101)]}]},
     "at 'access.1.member.actions' failed to satisfy constraint: Member must have length less than or equal to 100"),
    ({"access": [{"resources": [f"arn:aws:s3:::b{i}" for i in range(101)]}]},
     "at 'access.1.member.resources' failed to satisfy constraint: Member must have length less than or equal to 100"),
    ({"access": [{"resources": ["arn:aws:s3:*::b"]}]}, "only in the resource ID"),
    ({"access": [{}]}, "at least one"),
    ({"access": [{"actions": ["s3:GetObject"]}], "policyType": "SERVICE_CONTROL_POLICY"}, "enum"),
    ({"access": [{"actions": ["s3:GetObject"]}], "policyDocument": "{"}, "not a valid policy"),
])
def test_api_limits(kwargs, fragment):
    args = {"policyDocument": POLICY, "policyType": "IDENTITY_POLICY", **kwargs}
    with pytest.raises(aa.exceptions.ValidationException) as e:
        aa.check_access_not_granted(**args)
    assert fragment in e.value.response["Error"]["Message"]
