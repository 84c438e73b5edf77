"""Per resource type: public, cross-account, same-account and organization-internal access, and
conditions that keep access inside the zone of trust versus ones that do not. The types whose
access is more than a policy (S3 buckets, roles, KMS keys, snapshots) are covered on the
example account in test_external.py and here for their policy part."""

from __future__ import annotations

import json

import pytest

from accessproof.analyzers.external import ACCOUNT, ORGANIZATION, ZoneOfTrust, analyze_resource
from accessproof.inventory import IamRole, S3Bucket
from accessproof.inventory.model import Account

from ..resources.test_policy_types import CASES as POLICY_TYPE_CASES

OWNER, MEMBER, OTHER = "111122223333", "444455556666", "999988887777"
ORG = "o-a1b2c3d4e5"
ACCOUNT_ZONE = ZoneOfTrust.of(Account(OWNER, "us-east-1", ORG, (OWNER, MEMBER)), ACCOUNT)
ORG_ZONE = ZoneOfTrust.of(Account(OWNER, "us-east-1", ORG, (OWNER, MEMBER)), ORGANIZATION)
R = f"us-east-1:{OWNER}"  # the same owner as the resource tests

# The single-policy types as the resource modules' own tests build them, and S3 buckets.
CASES = [*POLICY_TYPE_CASES, (S3Bucket, {"name": "b"}, "arn:aws:s3:::b", "s3:GetObject")]


def make(kind, fields, arn, action, principal, condition=None):
    statement = {"Effect": "Allow", "Principal": principal, "Action": action,
                 "Resource": arn + ("/*" if kind is S3Bucket else "")}
    if condition:
        statement["Condition"] = condition
    return kind(arn=arn, account_id=OWNER, origin="test",
                policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}), **fields)


SCENARIOS = [
    # (principal, condition, findings in the ACCOUNT zone, public, findings in the ORGANIZATION zone)
    ("*", None, True, True, True),
    ({"AWS": f"arn:aws:iam::{OTHER}:role/Partner"}, None, True, False, True),
    ({"AWS": OWNER}, None, False, False, False),
    ({"AWS": f"arn:aws:iam::{MEMBER}:root"}, None, True, False, False),
    ("*", {"StringEquals": {"aws:PrincipalOrgID": ORG}}, True, False, False),
    ("*", {"StringEquals": {"aws:PrincipalAccount": OWNER}}, False, False, False),
    ("*", {"StringEquals": {"aws:SourceAccount": OWNER}}, False, False, False),
    ("*", {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}, True, False, True),
    ("*", {"Bool": {"aws:SecureTransport": "true"}}, True, True, True),
    ("*", {"StringLike": {"aws:PrincipalOrgID": "o-*"}}, True, True, True),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: f"{s[0]}-{s[1]}")
@pytest.mark.parametrize("case", CASES, ids=[c[0].__name__ for c in CASES])
def test_zone_of_trust(case, scenario):
    kind, fields, arn, action = case
    principal, condition, in_account_zone, public, in_org_zone = scenario
    resource = make(kind, fields, arn, action, principal, condition)
    account_findings = analyze_resource(resource, ACCOUNT_ZONE).findings
    assert bool(account_findings) == in_account_zone, account_findings
    if account_findings:
        assert any(f.is_public for f in account_findings) == public, account_findings
        assert all(action in f.action and f.witness for f in account_findings)
    assert bool(analyze_resource(resource, ORG_ZONE).findings) == in_org_zone


def test_role_trust_policy():
    def role(principal, condition=None):
        statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
        if condition:
            statement["Condition"] = condition
        return IamRole(arn=f"arn:aws:iam::{OWNER}:role/r", account_id=OWNER, origin="test", name="r", path="/",
                       role_id="AROAEXAMPLE", trust_policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    assert analyze_resource(role({"AWS": f"arn:aws:iam::{OTHER}:root"}), ACCOUNT_ZONE).findings
    assert not analyze_resource(role({"AWS": f"arn:aws:iam::{OWNER}:root"}), ACCOUNT_ZONE).findings
    assert not analyze_resource(role({"Service": "ec2.amazonaws.com"}), ACCOUNT_ZONE).findings
    external_id = role({"AWS": f"arn:aws:iam::{OTHER}:root"}, {"StringEquals": {"sts:ExternalId": "x"}})
    (finding,) = analyze_resource(external_id, ACCOUNT_ZONE).findings
    assert finding.condition == {"sts:ExternalId": "x"} and not finding.is_public


def test_kms_caller_account_confines_like_the_principal_account():
    from accessproof.inventory import KmsKey
    import dataclasses

    fields = {f.name for f in dataclasses.fields(KmsKey)}
    key_policy_field = next(name for name in ("key_policy", "policy") if name in fields)

    def key(condition):
        statement = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*",
                     "Condition": condition}
        return KmsKey(arn=f"arn:aws:kms:{R}:key/k", account_id=OWNER, origin="test", key_id="k",
                      **{key_policy_field: json.dumps({"Version": "2012-10-17", "Statement": [statement]})})
    assert not analyze_resource(key({"StringEquals": {"kms:CallerAccount": OWNER}}), ACCOUNT_ZONE).findings
    assert analyze_resource(key({"StringEquals": {"kms:CallerAccount": OTHER}}), ACCOUNT_ZONE).findings
