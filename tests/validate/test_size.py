"""POLICY_SIZE_EXCEEDS_* (policy size quotas)."""

import json

import pytest

from accessproof.validate.rules.size import size_without_whitespace

from .helpers import codes, only, paths

BASE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#"
TRUST = "AWS::IAM::AssumeRolePolicyDocument"


def policy_of_size(size: int, indent=None, principal=False) -> str:
    """A policy whose minified text is exactly ``size`` characters (padded through the Sid)."""
    st = {"Sid": "", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    if principal:
        st = {"Sid": "", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
              "Action": "sts:AssumeRole"}
    doc = {"Version": "2012-10-17", "Statement": [st]}
    base = len(json.dumps(doc, separators=(",", ":")))
    st["Sid"] = "A" * (size - base)
    text = json.dumps(doc, indent=indent, separators=(",", ":") if indent is None else None)
    return text


def test_counting_excludes_whitespace_between_tokens_only():
    text = '{ "Sid" : "a b\\" c" ,\n\t"X": [ 1 ] }'
    assert size_without_whitespace(text) == len('{"Sid":"a b\\" c","X":[1]}')


def test_identity_quota_positive():
    # AWS's figure is one more than the characters without whitespace, and its quota 10,240 (all 33
    # findings of the dev file, e.g. "The 23353 characters ..." for 23,352 characters).
    text = policy_of_size(10240, indent=4)  # the indentation is not counted
    found = only("POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA", text)
    assert len(found) == 1
    f = found[0]
    assert f["findingType"] == "WARNING"
    assert f["findingDetails"] == (
        "The 10241 characters in the identity policy, excluding whitespace, exceed the 10240 character maximum "
        "for inline and managed policies. We recommend that you use multiple granular policies.")
    assert f["learnMoreLink"] == BASE + (
        "access-analyzer-reference-policy-checks-general-warning-policy-size-exceeds-identity-policy-quota")
    assert paths(found) == [[]]
    assert f["locations"][0]["span"]["start"]["offset"] == 0
    assert f["locations"][0]["span"]["end"]["offset"] == len(text)


def test_identity_quota_near_miss():
    text = policy_of_size(10239, indent=4)
    assert len(text) > 10240  # whitespace would push it over
    assert "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA" not in codes(text)
    # A managed policy's own quota (6,144) is not what ValidatePolicy checks.
    assert "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA" not in codes(policy_of_size(8000))


def test_documents_over_32_kib_are_refused():
    # AWS answered ValidationException "InvalidPolicy" for every dev-file request of 34,365
    # characters or more, and findings for every one of 32,693 or fewer.
    from accessproof.validate.engine import InvalidRequest, validate_policy
    from accessproof.validate.rules.size import MAX_POLICY_DOCUMENT_CHARS

    assert MAX_POLICY_DOCUMENT_CHARS == 32768
    at_limit = policy_of_size(32768)
    assert len(at_limit) == 32768
    assert "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA" in codes(at_limit)
    over = policy_of_size(32700, indent=8)  # whitespace counts towards this limit
    assert len(over) > 32768
    for policy_type in ("IDENTITY_POLICY", "RESOURCE_POLICY", "SERVICE_CONTROL_POLICY"):
        with pytest.raises(InvalidRequest, match="^InvalidPolicy$"):
            validate_policy(over, policy_type)


@pytest.mark.parametrize("resource_type", [
    "AWS::S3::Bucket", "AWS::S3::AccessPoint", "AWS::S3::MultiRegionAccessPoint",
    "AWS::S3ObjectLambda::AccessPoint", "AWS::DynamoDB::Table",
])
def test_resource_quota(resource_type):
    over = policy_of_size(20481, principal=True)
    found = only("POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA", over, "RESOURCE_POLICY", resource_type)
    assert len(found) == 1
    assert found[0]["findingType"] == "WARNING"
    assert found[0]["findingDetails"] == (
        "The 20481 characters in the resource policy exceed the 20480 character maximum for resource "
        "policies. We recommend that you use multiple granular policies.")
    assert found[0]["learnMoreLink"].endswith("general-warning-policy-size-exceeds-resource-policy-quota")
    assert paths(found) == [[]]
    at_quota = policy_of_size(20480, principal=True)
    assert "POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA" not in codes(at_quota, "RESOURCE_POLICY", resource_type)


def test_resource_quota_counts_whitespace():
    text = policy_of_size(20400, indent=4, principal=True)
    assert len(text) > 20480
    assert "POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA" in codes(text, "RESOURCE_POLICY", "AWS::S3::Bucket")


def test_resource_quota_needs_a_resource_type():
    text = policy_of_size(30000, principal=True)
    assert "POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA" not in codes(text, "RESOURCE_POLICY")
    assert "POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA" not in codes(text, "RESOURCE_POLICY", TRUST)


def test_role_trust_quota():
    text = policy_of_size(2049, indent=2, principal=True)
    found = only("POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA", text, "RESOURCE_POLICY", TRUST)
    assert len(found) == 1
    assert found[0]["findingType"] == "WARNING"
    assert found[0]["findingDetails"] == (
        "The characters in the role trust policy, excluding whitespace, exceed the character maximum. We "
        "recommend that you request a role trust policy length quota increase using Service Quotas and AWS "
        "Support Center. If the quotas have already been increased, then you can ignore this warning.")
    assert found[0]["learnMoreLink"].endswith("general-warning-policy-size-exceeds-role-trust-policy-quota")
    assert paths(found) == [[]]
    near = policy_of_size(2048, indent=2, principal=True)
    assert len(near) > 2048
    assert "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA" not in codes(near, "RESOURCE_POLICY", TRUST)
    # not without the trust policy resource type
    assert "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA" not in codes(text, "RESOURCE_POLICY", "AWS::S3::Bucket")


@pytest.mark.parametrize("policy_type,code,name,anchor", [
    ("SERVICE_CONTROL_POLICY", "POLICY_SIZE_EXCEEDS_SCP_QUOTA",
     "service control policy (SCP) exceed the 5120 character maximum for SCPs", "policy-size-exceeds-scp-quota"),
    ("RESOURCE_CONTROL_POLICY", "POLICY_SIZE_EXCEEDS_RCP_QUOTA",
     "resource control policy (RCP) exceed the 5120 character maximum for RCPs", "policy-size-exceeds-rcp-quota"),
])
def test_organizations_quotas(policy_type, code, name, anchor):
    over = policy_of_size(5121)
    found = only(code, over, policy_type)
    assert len(found) == 1
    assert found[0]["findingType"] == "ERROR"
    assert found[0]["findingDetails"] == (
        f"The 5121 characters in the {name}. We recommend that you use multiple granular policies.")
    assert found[0]["learnMoreLink"] == BASE + "access-analyzer-reference-policy-checks-error-" + anchor
    assert paths(found) == [[]]
    assert code not in codes(policy_of_size(5120), policy_type)
    # "All characters in your SCP count against its maximum size": whitespace included.
    spaced = policy_of_size(5100, indent=4)
    assert len(spaced) > 5120
    assert code in codes(spaced, policy_type)
    # other policy types have other quotas
    assert code not in codes(over, "IDENTITY_POLICY")
