"""The evaluation logic, from the IAM User Guide's "Policy evaluation logic" pages."""

import pytest

from accessproof.evaluate import IDENTITY, MalformedPolicy, compile_policy_text

from .helpers import ALICE, ME, OTHER, decide, doc

ALLOW_S3 = doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
DENY_GET = doc({"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"})
ROLE_SESSION = f"arn:aws:sts::{ME}:assumed-role/app/s1"


def rp(principal, action="s3:GetObject", effect="Allow"):
    return doc({"Effect": effect, "Principal": principal, "Action": action, "Resource": "*"})


def test_default_is_implicit_deny():
    assert decide() == "implicitDeny"


def test_identity_allow_and_explicit_deny_wins():
    assert decide(identity=[ALLOW_S3]) == "allowed"
    assert decide(identity=[ALLOW_S3, DENY_GET]) == "explicitDeny"
    assert decide(identity=[ALLOW_S3], resource_policy=rp({"AWS": ALICE}, effect="Deny")) == "explicitDeny"


@pytest.mark.parametrize("pattern, action, expected", [
    ("s3:GetObject", "S3:GETOBJECT", True), ("s3:get*", "s3:GetObject", True), ("s3:?etObject", "s3:GetObject", True),
    ("s3:Get", "s3:GetObject", False), ("*", "ec2:RunInstances", True), ("s*:Get*", "s3:GetObject", True),
])
def test_action_matching(pattern, action, expected):
    policy = doc({"Effect": "Allow", "Action": pattern, "Resource": "*"})
    assert (decide(action=action, identity=[policy]) == "allowed") is expected


def test_not_action_and_not_resource():
    policy = doc({"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::secret/*"})
    assert decide(identity=[policy]) == "allowed"
    assert decide(action="iam:CreateUser", identity=[policy]) == "implicitDeny"
    assert decide(resource="arn:aws:s3:::secret/x", identity=[policy]) == "implicitDeny"


@pytest.mark.parametrize("pattern, resource, expected", [
    ("arn:aws:s3:::b/*", "arn:aws:s3:::b/k", True),
    ("arn:aws:s3:::b/*", "arn:aws:s3:::B/k", False),  # case-sensitive
    ("arn:aws:s3:::b*", "arn:aws:s3:::b/x:y", True),  # the resource part spans colons
    ("arn:aws:sqs:*:111111111111:q", "arn:aws:sqs:us-east-1:111111111111:q", True),
    ("arn:aws:sqs:*:q", "arn:aws:sqs:us-east-1:111111111111:q", False),  # * stays inside a component
    ("arn:aws:ec2:us-east-?:*:instance/*", "arn:aws:ec2:us-east-1:1:instance/i-1", True),
])
def test_resource_matching(pattern, resource, expected):
    policy = doc({"Effect": "Allow", "Action": "*", "Resource": pattern})
    assert (decide(resource=resource, identity=[policy]) == "allowed") is expected


def test_policy_variables_in_resource():
    policy = doc({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}/*"})
    assert decide(resource="arn:aws:s3:::b/alice/x", context={"aws:username": "alice"}, identity=[policy]) == "allowed"
    assert decide(resource="arn:aws:s3:::b/bob/x", context={"aws:username": "alice"}, identity=[policy]) == "implicitDeny"
    assert decide(resource="arn:aws:s3:::b/alice/x", identity=[policy]) == "implicitDeny"  # unresolvable
    # A substituted value is literal text: a * in a user name is no wildcard.
    assert decide(resource="arn:aws:s3:::b/al/x", context={"aws:username": "a*"}, identity=[policy]) == "implicitDeny"
    # Version 2008-10-17: no variables; the text is literal.
    old = doc({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}/*"}, version="2008-10-17")
    assert decide(resource="arn:aws:s3:::b/alice/x", context={"aws:username": "alice"}, identity=[old]) == "implicitDeny"


def test_permissions_boundary_limits_identity_policies():
    assert decide(identity=[ALLOW_S3], boundary=[doc({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"})]) == "implicitDeny"
    assert decide(identity=[ALLOW_S3], boundary=[ALLOW_S3]) == "allowed"


def test_session_policy_limits_identity_policies():
    assert decide(ROLE_SESSION, identity=[ALLOW_S3], session=[doc({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"})]) == "implicitDeny"
    assert decide(ROLE_SESSION, identity=[ALLOW_S3], session=[ALLOW_S3]) == "allowed"


def test_scps_every_level_must_allow():
    full = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
    ec2_only = doc({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"})
    assert decide(identity=[ALLOW_S3], scps=[full, full]) == "allowed"
    assert decide(identity=[ALLOW_S3], scps=[full, ec2_only]) == "implicitDeny"
    assert decide(identity=[ALLOW_S3], scps=[full, DENY_GET]) == "explicitDeny"


def test_scps_do_not_apply_to_service_linked_roles():
    slr = f"arn:aws:sts::{ME}:assumed-role/AWSServiceRoleForSupport/s"
    assert decide(slr, identity=[ALLOW_S3], scps=[doc({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"})]) == "allowed"


def test_rcps_only_deny():
    rcp_deny = doc({"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"})
    assert decide(identity=[ALLOW_S3], rcps=[rcp_deny]) == "explicitDeny"
    rcp_other = doc({"Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": "*"})
    assert decide(identity=[ALLOW_S3], rcps=[rcp_other]) == "allowed"  # RCPFullAWSAccess allows


def test_same_account_resource_policy_alone():
    # A grant to the user ARN allows even without identity policies, and a boundary does not limit it.
    assert decide(resource_policy=rp({"AWS": ALICE})) == "allowed"
    assert decide(resource_policy=rp({"AWS": ALICE}), boundary=[doc({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"})]) == "allowed"
    # A grant to the account delegates to IAM: the identity side must allow.
    assert decide(resource_policy=rp({"AWS": ME})) == "implicitDeny"
    assert decide(resource_policy=rp({"AWS": f"arn:aws:iam::{ME}:root"}), identity=[ALLOW_S3]) == "allowed"


def test_role_and_role_session_grants():
    ec2_boundary = [doc({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"})]
    role = {"AWS": f"arn:aws:iam::{ME}:role/app"}
    session = {"AWS": ROLE_SESSION}
    assert decide(ROLE_SESSION, resource_policy=rp(role)) == "allowed"
    assert decide(ROLE_SESSION, resource_policy=rp(role), boundary=ec2_boundary) == "implicitDeny"  # limited
    assert decide(ROLE_SESSION, resource_policy=rp(session), boundary=ec2_boundary) == "allowed"  # not limited


def test_cross_account_needs_both_sides():
    carol = f"arn:aws:iam::{OTHER}:user/carol"
    assert decide(carol, resource_policy=rp({"AWS": OTHER}), owner=ME) == "implicitDeny"
    assert decide(carol, identity=[ALLOW_S3], owner=ME) == "implicitDeny"
    assert decide(carol, identity=[ALLOW_S3], resource_policy=rp({"AWS": OTHER}), owner=ME) == "allowed"
    assert decide(carol, identity=[ALLOW_S3], resource_policy=rp({"AWS": carol}), owner=ME) == "allowed"
    assert decide(carol, identity=[ALLOW_S3], resource_policy=rp({"AWS": ME}), owner=ME) == "implicitDeny"


def test_root_user_has_full_access_in_its_account():
    root = f"arn:aws:iam::{ME}:root"
    assert decide(root) == "allowed"
    assert decide(root, resource_policy=rp("*", effect="Deny")) == "explicitDeny"


def test_anonymous_and_service_principals():
    assert decide(None, resource_policy=rp("*")) == "allowed"
    assert decide(None, resource_policy=rp({"AWS": ME})) == "implicitDeny"
    assert decide(None, identity=[ALLOW_S3]) == "implicitDeny"
    assert decide("cloudtrail.amazonaws.com", resource_policy=rp({"Service": "cloudtrail.amazonaws.com"})) == "allowed"
    assert decide("cloudtrail.amazonaws.com", resource_policy=rp({"Service": "s3.amazonaws.com"})) == "implicitDeny"
    canonical = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
    assert decide(canonical, resource_policy=rp({"CanonicalUser": canonical})) == "allowed"
    assert decide("cognito-identity.amazonaws.com", action="sts:AssumeRoleWithWebIdentity",
                  resource=f"arn:aws:iam::{ME}:role/app",
                  resource_policy=rp({"Federated": "cognito-identity.amazonaws.com"}, "sts:AssumeRoleWithWebIdentity")) == "allowed"


def test_role_trust_and_kms_key_policies_must_allow_themselves():
    role = f"arn:aws:iam::{ME}:role/target"
    trust_other = doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})
    allow_assume = doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})
    assert decide(action="sts:AssumeRole", resource=role, identity=[allow_assume], resource_policy=trust_other) == "implicitDeny"
    trust_account = doc({"Effect": "Allow", "Principal": {"AWS": ME}, "Action": "sts:AssumeRole"})
    assert decide(action="sts:AssumeRole", resource=role, identity=[allow_assume], resource_policy=trust_account) == "allowed"
    key = f"arn:aws:kms:us-east-1:{ME}:key/k"
    allow_kms = doc({"Effect": "Allow", "Action": "kms:*", "Resource": "*"})
    key_policy = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}, "Action": "kms:*", "Resource": "*"})
    assert decide(action="kms:Decrypt", resource=key, identity=[allow_kms], resource_policy=key_policy) == "implicitDeny"


def test_not_principal():
    deny_others = doc({"Effect": "Deny", "NotPrincipal": {"AWS": ALICE}, "Action": "s3:*", "Resource": "*"})
    assert decide(identity=[ALLOW_S3], resource_policy=deny_others) == "allowed"
    bob = f"arn:aws:iam::{ME}:user/bob"
    assert decide(bob, identity=[ALLOW_S3], resource_policy=deny_others) == "explicitDeny"
    # NotPrincipal with Deny always denies a principal that has a permissions boundary.
    assert decide(identity=[ALLOW_S3], resource_policy=deny_others, boundary=[ALLOW_S3]) == "explicitDeny"


def test_matched_statements_and_positions():
    from accessproof.evaluate import PolicySet, Request, evaluate

    policy = compile_policy_text(doc({"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}), "p", IDENTITY)
    d = evaluate(Request.of(ALICE, "s3:GetObject", "arn:aws:s3:::b/k"), PolicySet(identity=(policy,)))
    assert d.allowed and [m.statement.sid for m in d.matched] == ["A"]
    assert d.matched[0].start == (4, 5)


@pytest.mark.parametrize("text", [
    "{", '{"Statement": 3}', doc({"Effect": "Maybe", "Action": "*", "Resource": "*"}),
    doc({"Effect": "Allow", "Resource": "*"}), doc({"Effect": "Allow", "Action": "*", "Resource": "*", "Principal": "*"}),
    doc({"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"StringEqualz": {"a": "b"}}}),
])
def test_malformed_policies_raise_one_line_errors(text):
    with pytest.raises(MalformedPolicy) as e:
        compile_policy_text(text, "p", IDENTITY)
    assert "\n" not in str(e.value) and isinstance(e.value, ValueError)
