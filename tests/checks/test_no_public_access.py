"""CheckNoPublicAccess through the engine: the Amazon S3 User Guide's examples of "The meaning of
'public'", every resource type, trust policies with web identities, IP ranges, Deny-based
confinement, API errors; every FAIL's witness is an outsider whose request the evaluator allows.
A brute-force test compares the check with enumeration over a small request space."""

from __future__ import annotations

import itertools
import json

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings, strategies as st

from accessproof import client
from accessproof.checks import ACCESS_CHECK_RESOURCE_TYPES, FAIL, PASS, RESOURCE_POLICY, Concrete, check_no_public_access, replay
from accessproof.checks.public import service_prefixes
from accessproof.evaluate import ContextValue, RESOURCE, compile_policy_text
from accessproof.evaluate.request import context_value

aa = client("accessanalyzer")
S3 = "AWS::S3::Bucket"
TRUST = "AWS::IAM::AssumeRolePolicyDocument"


def doc(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(principal="*", action="s3:GetObject", resource="arn:aws:s3:::b/*", condition=None, effect="Allow"):
    s = {"Effect": effect, "Principal": principal, "Action": action}
    if resource is not None:
        s["Resource"] = resource
    if condition:
        s["Condition"] = condition
    return s


def check(policy: str, resource_type: str = S3) -> dict:
    response = aa.check_no_public_access(policyDocument=policy, resourceType=resource_type)
    if response["result"] == FAIL:
        w = response["witness"]
        concrete = Concrete(w["principal"], w["action"], w["resource"],
                            {k: context_value(v, k) for k, v in w["context"].items()}, True)
        assert replay(compile_policy_text(policy, "p", RESOURCE), concrete, RESOURCE_POLICY).allowed
        assert w["principal"] == "anonymous" or ":user/accessproof-witness" in w["principal"] or \
            resource_type == TRUST
        assert response["reasons"]
    else:
        assert "witness" not in response and response["reasons"] == []
    return response


# ---------------------------------------------------- Amazon S3 User Guide, "The meaning of 'public'"

def test_s3_example_federated_facebook_is_public():
    # The documented example names a web identity of a public provider: anyone can sign in to it.
    assert check(doc(allow({"Federated": "graph.facebook.com"}, "sts:AssumeRoleWithWebIdentity", "*")), TRUST)["result"] == FAIL


def test_s3_example_star_is_public():
    assert check(doc(allow("*")))["result"] == FAIL


def test_s3_example_wildcard_vpc_is_public():
    r = check(doc(allow("*", condition={"StringLike": {"aws:SourceVpc": "vpc-*"}})))
    assert r["result"] == FAIL and r["witness"]["context"].get("aws:sourcevpc", "vpc-x").startswith("vpc-")


def test_s3_example_fixed_vpc_is_not_public():
    assert check(doc(allow("*", condition={"StringEquals": {"aws:SourceVpc": "vpc-91237329"}})))["result"] == PASS


@pytest.mark.parametrize("key,value", [
    ("aws:PrincipalOrgID", "o-a1b2c3d4e5"), ("aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:t"),
    ("aws:SourceVpce", "vpce-1a2b3c4d"), ("aws:SourceOwner", "111122223333"), ("aws:SourceAccount", "111122223333"),
    ("aws:PrincipalAccount", "111122223333"), ("s3:DataAccessPointAccount", "111122223333"),
    ("s3:x-amz-server-side-encryption-aws-kms-key-id", "arn:aws:kms:us-east-1:111122223333:key/k"),
])
def test_fixed_values_of_documented_keys_confine(key, value):
    assert check(doc(allow("*", condition={"StringEquals": {key: value}})))["result"] == PASS
    # the same key under IfExists does not: the outsider omits it
    assert check(doc(allow("*", condition={"StringEqualsIfExists": {key: value}})))["result"] == FAIL


def test_userid_role_pattern_confines_but_bare_wildcard_does_not():
    assert check(doc(allow("*", condition={"StringLike": {"aws:userid": "AROAEXAMPLEID:*"}})))["result"] == PASS
    assert check(doc(allow("*", condition={"StringLike": {"aws:userid": "*"}})))["result"] == FAIL


def test_access_point_arn_wildcard_in_bucket_policy_only():
    condition = {"StringLike": {"s3:DataAccessPointArn": "arn:aws:s3:us-west-2:123456789012:accesspoint/*"}}
    assert check(doc(allow("*", condition=condition)))["result"] == PASS
    assert check(doc(allow("*", condition=condition)), "AWS::S3::AccessPoint")["result"] == FAIL


@pytest.mark.parametrize("cidr,public", [("203.0.113.0/24", False), ("10.0.0.0/8", False), ("0.0.0.0/1", True),
                                         ("2001::/16", True), ("2001:db8::/64", False)])
def test_source_ip_ranges(cidr, public):
    r = check(doc(allow("*", condition={"IpAddress": {"aws:SourceIp": cidr}})))
    assert r["result"] == (FAIL if public else PASS)


def test_not_ip_address_deny_confines():
    policy = doc(allow("*"), allow("*", "*", "*", {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, "Deny"))
    assert check(policy)["result"] == PASS


def test_deny_outside_the_organization_confines():
    policy = doc(allow("*", "s3:*", "*"),
                 allow("*", "*", "*", {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}, "Deny"))
    assert check(policy)["result"] == PASS


def test_non_restricting_keys_do_not_confine():
    for condition in ({"Bool": {"aws:SecureTransport": "true"}}, {"StringEquals": {"s3:prefix": "home/"}},
                      {"NumericLessThan": {"s3:max-keys": "10"}}):
        r = check(doc(allow("*", condition=condition)))
        assert r["result"] == FAIL


def test_named_accounts_and_services_are_not_public():
    for principal in ({"AWS": "111122223333"}, {"AWS": "arn:aws:iam::111122223333:role/r"},
                      {"Service": "cloudtrail.amazonaws.com"}, {"CanonicalUser": "79a59df900b949e55d96a1e698fbaced"}):
        assert check(doc(allow(principal)))["result"] == PASS


def test_not_principal_allow_is_public():
    policy = doc({"Effect": "Allow", "NotPrincipal": {"AWS": "111122223333"}, "Action": "s3:GetObject", "Resource": "*"})
    assert check(policy)["result"] == FAIL


def test_reasons_name_each_public_statement():
    policy = doc({"Sid": "A", **allow("*", "s3:GetObject")}, {"Sid": "B", **allow({"AWS": "111122223333"}, "s3:*")},
                 {"Sid": "C", **allow("*", "s3:PutObject")})
    r = check(policy)
    assert [x["statementId"] for x in r["reasons"]] == ["A", "C"]


# ----------------------------------------------------------------------------- every type

def _real_action(prefix: str) -> str:
    """An action of the service that acts on a resource (the first the catalog lists)."""
    from accessproof.catalog import default_catalog

    return next(a.full_name for a in default_catalog().service(prefix).actions.values() if a.resource_types)


@pytest.mark.parametrize("resource_type", ACCESS_CHECK_RESOURCE_TYPES)
def test_every_resource_type(resource_type):
    prefix = sorted(service_prefixes(resource_type))[0]
    action = "sts:AssumeRole" if resource_type == TRUST else _real_action(prefix)
    assert check(doc(allow("*", action, "*")), resource_type)["result"] == FAIL
    assert check(doc(allow("*", action, "*", {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}})),
                 resource_type)["result"] == PASS
    other = "iam:GetUser" if prefix != "iam" else "s3:GetObject"
    assert check(doc(allow("*", other, "*")), resource_type)["result"] == PASS


@pytest.mark.parametrize("resource_type", [S3, "AWS::KMS::Key", "AWS::SQS::Queue"])
def test_an_action_the_service_does_not_have_is_public_only_as_a_string(resource_type):
    """No real request names ``<service>:SomeAction``: PASS by default, FAIL under string semantics."""
    policy = doc(allow("*", f"{sorted(service_prefixes(resource_type))[0]}:SomeAction", "*"))
    assert check(policy, resource_type)["result"] == PASS
    strings = check_no_public_access(policy, resource_type, string_semantics=True).as_dict()
    assert strings["result"] == FAIL and strings["witness"]["action"].endswith(":someaction")


# --------------------------------------------------------------------------- trust policies

def oidc(conditions):
    return doc(allow({"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
                     "sts:AssumeRoleWithWebIdentity", None, conditions))


def test_github_oidc_without_sub_is_public_and_with_sub_is_not():
    aud = {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
    assert check(oidc({"StringEquals": aud}), TRUST)["result"] == FAIL
    sub = {**aud, "token.actions.githubusercontent.com:sub": "repo:octo-org/octo-repo:ref:refs/heads/main"}
    assert check(oidc({"StringEquals": sub}), TRUST)["result"] == PASS
    wildcard_sub = {"StringEquals": aud, "StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}
    assert check(oidc(wildcard_sub), TRUST)["result"] == FAIL


def test_google_with_audience_is_not_public_saml_is_not_public():
    google = allow({"Federated": "accounts.google.com"}, "sts:AssumeRoleWithWebIdentity", None,
                   {"StringEquals": {"accounts.google.com:aud": "123.apps.googleusercontent.com"}})
    assert check(doc(google), TRUST)["result"] == PASS
    saml = allow({"Federated": "arn:aws:iam::111122223333:saml-provider/corp"}, "sts:AssumeRoleWithSAML", None)
    assert check(doc(saml), TRUST)["result"] == PASS


def test_cross_account_trust_is_not_public():
    assert check(doc(allow({"AWS": "arn:aws:iam::444455556666:root"}, "sts:AssumeRole", None)), TRUST)["result"] == PASS


# ------------------------------------------------------------------------------------ errors

@pytest.mark.parametrize("bad", ["AWS::IAM::Role", "AWS::S3::bucket", ""])
def test_unknown_resource_type_is_a_validation_error(bad):
    with pytest.raises(ClientError) as e:
        aa.check_no_public_access(policyDocument=doc(allow()), resourceType=bad)
    assert e.value.response["Error"]["Code"] == "ValidationException"


def test_malformed_policy_is_a_validation_error():
    with pytest.raises(ClientError) as e:
        aa.check_no_public_access(policyDocument="{not json", resourceType=S3)
    assert e.value.response["Error"]["Code"] == "ValidationException"


# ------------------------------------------------------------------------------ brute force

PRINCIPALS = ["*", {"AWS": "*"}, {"AWS": "111122223333"}, {"AWS": "arn:aws:iam::444455556666:user/u"},
              {"Service": "sqs.amazonaws.com"}]
CONDITIONS = [None, {"StringEquals": {"aws:SourceVpc": "vpc-1"}}, {"StringLike": {"aws:SourceVpc": "vpc-*"}},
              {"StringNotEquals": {"aws:SourceVpc": "vpc-1"}}, {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
              {"IpAddress": {"aws:SourceIp": "0.0.0.0/1"}}, {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
              {"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}}, {"Bool": {"aws:SecureTransport": "true"}}]
VPCS = [None, "vpc-1", "vpc-2"]
IPS = [None, "10.0.0.1", "192.0.2.1"]
OUTSIDERS = ["anonymous", "arn:aws:iam::999999999999:user/accessproof-witness"]


@st.composite
def public_policies(draw):
    statements = []
    for _ in range(draw(st.integers(1, 3))):
        statements.append(allow(draw(st.sampled_from(PRINCIPALS)), draw(st.sampled_from(["s3:GetObject", "sqs:*", "*"])),
                                "*", draw(st.sampled_from(CONDITIONS)), draw(st.sampled_from(["Allow", "Allow", "Deny"]))))
    return doc(*statements)


def _written(policy: str) -> dict:
    from accessproof.checks.public import restricting_values_in_policy
    return restricting_values_in_policy(S3, json.loads(policy)["Statement"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(public_policies())
def test_public_access_agrees_with_brute_force(policy):
    compiled = compile_policy_text(policy, "p", RESOURCE)
    written = {k: {v for _, v in pairs} for k, pairs in _written(policy).items()}
    result = check_no_public_access(policy, S3).as_dict()
    counterexample = None
    for principal, vpc, ip in itertools.product(OUTSIDERS, VPCS, IPS):
        context = {}
        if vpc is not None:
            context["aws:sourcevpc"] = ContextValue((vpc,))
        if ip is not None:
            context["aws:sourceip"] = ContextValue((ip,))
        if vpc in written.get("aws:sourcevpc", ()) or (ip == "10.0.0.1" and "10.0.0.0/8" in written.get("aws:sourceip", ())):
            continue  # inside a value the policy pins: not an outsider's request
        c = Concrete(principal, "s3:GetObject", "arn:aws:s3:::b/k", context, True)
        if replay(compiled, c, RESOURCE_POLICY).allowed:
            counterexample = c
            break
    if result["result"] == PASS:
        assert counterexample is None, (policy, counterexample)
    if counterexample is not None:
        assert result["result"] == FAIL
