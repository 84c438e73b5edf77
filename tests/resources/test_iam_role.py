"""AWS::IAM::Role: trust policies, including a GitHub OIDC trust without a ``sub`` condition."""

from __future__ import annotations

import json

from accessproof.evaluate import ALLOWED, IMPLICIT_DENY
from accessproof.inventory import IamRole
from accessproof.resources import statements

from .helpers import ORG, OTHER, OWNER, decide, policy, stmt

GH = "token.actions.githubusercontent.com"
PROVIDER = f"arn:aws:iam::{OWNER}:oidc-provider/{GH}"


def role(trust: str) -> IamRole:
    return IamRole(arn=f"arn:aws:iam::{OWNER}:role/Deploy", account_id=OWNER, origin="iam", name="Deploy",
                   path="/", role_id="AROAEXAMPLE", trust_policy=trust)


def test_statements_keep_the_trust_policy_as_written():
    trust = policy(stmt({"AWS": f"arn:aws:iam::{OTHER}:root"}, "sts:AssumeRole"))
    (s,) = statements(role(trust))
    assert s.statement == json.loads(trust)["Statement"][0]
    assert "Resource" not in s.statement
    assert s.origin == "trust policy statement 1"


def test_cross_account_trust():
    r = role(policy(stmt({"AWS": f"arn:aws:iam::{OTHER}:root"}, "sts:AssumeRole")))
    assert decide(r, f"arn:aws:iam::{OTHER}:user/anyone", "sts:AssumeRole") == ALLOWED
    assert decide(r, "arn:aws:iam::444455556666:user/anyone", "sts:AssumeRole") == IMPLICIT_DENY


def test_github_oidc_trust_without_sub_admits_any_repository():
    r = role(policy(stmt({"Federated": PROVIDER}, "sts:AssumeRoleWithWebIdentity", None,
                         {"StringEquals": {f"{GH}:aud": "sts.amazonaws.com"}})))
    for subject in ("repo:example-org/app:ref:refs/heads/main", "repo:attacker/evil:ref:refs/heads/main"):
        context = {f"{GH}:aud": "sts.amazonaws.com", f"{GH}:sub": subject}
        assert decide(r, PROVIDER, "sts:AssumeRoleWithWebIdentity", context=context) == ALLOWED


def test_github_oidc_trust_with_sub_admits_that_repository_only():
    r = role(policy(stmt({"Federated": PROVIDER}, "sts:AssumeRoleWithWebIdentity", None,
                         {"StringEquals": {f"{GH}:aud": "sts.amazonaws.com",
                                           f"{GH}:sub": "repo:example-org/app:ref:refs/heads/main"}})))
    ok = {f"{GH}:aud": "sts.amazonaws.com", f"{GH}:sub": "repo:example-org/app:ref:refs/heads/main"}
    bad = {f"{GH}:aud": "sts.amazonaws.com", f"{GH}:sub": "repo:attacker/evil:ref:refs/heads/main"}
    assert decide(r, PROVIDER, "sts:AssumeRoleWithWebIdentity", context=ok) == ALLOWED
    assert decide(r, PROVIDER, "sts:AssumeRoleWithWebIdentity", context=bad) == IMPLICIT_DENY


def test_org_restricted_trust():
    r = role(policy(stmt({"AWS": "*"}, "sts:AssumeRole", None, {"StringEquals": {"aws:PrincipalOrgID": ORG}})))
    outsider = f"arn:aws:iam::{OTHER}:role/X"
    assert decide(r, outsider, "sts:AssumeRole", context={"aws:PrincipalOrgID": ORG}) == ALLOWED
    assert decide(r, outsider, "sts:AssumeRole") == IMPLICIT_DENY


def test_service_trust():
    r = role(policy(stmt({"Service": "lambda.amazonaws.com"}, "sts:AssumeRole")))
    assert decide(r, "lambda.amazonaws.com", "sts:AssumeRole") == ALLOWED
    assert decide(r, f"arn:aws:iam::{OTHER}:root", "sts:AssumeRole") == IMPLICIT_DENY
