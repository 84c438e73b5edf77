"""Requests AWS decides whatever the policies say (``accessproof.evaluate.service_rules``).

Each test cites the AWS page it is derived from.
"""

import pytest

from accessproof.evaluate import PolicySet, Request, evaluate
from accessproof.evaluate.service_rules import RULES, rule_for

from .helpers import ALICE, ME, OTHER, decide, doc

ALLOW_ALL = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
DENY_ALL = doc({"Effect": "Deny", "Action": "*", "Resource": "*"})
ROLE_SESSION = f"arn:aws:sts::{ME}:assumed-role/app/s1"
ROOT = f"arn:aws:iam::{ME}:root"


# --- sts:GetCallerIdentity ----------------------------------------------------------------------
# STS API Reference, GetCallerIdentity: "No permissions are required to perform this operation.
# If an administrator attaches a policy to your identity that explicitly denies access to the
# sts:GetCallerIdentity action, you can still perform this operation."

@pytest.mark.parametrize("caller", [ALICE, ROLE_SESSION, ROOT, f"arn:aws:iam::{ME}:role/app"])
def test_get_caller_identity_needs_no_permission(caller):
    assert decide(caller, "sts:GetCallerIdentity", "*") == "allowed"


@pytest.mark.parametrize("denying", [
    dict(identity=[DENY_ALL]),
    dict(identity=[doc({"Effect": "Deny", "Action": "sts:GetCallerIdentity", "Resource": "*"})]),
    dict(identity=[ALLOW_ALL], boundary=[DENY_ALL]),
    dict(identity=[ALLOW_ALL], scps=[DENY_ALL]),
    dict(identity=[ALLOW_ALL], boundary=[doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})]),
])
def test_get_caller_identity_cannot_be_denied(denying):
    assert decide(ALICE, "sts:GetCallerIdentity", "*", **denying) == "allowed"
    assert decide(ROLE_SESSION, "sts:GetCallerIdentity", "*", session=[DENY_ALL]) == "allowed"


def test_get_caller_identity_rule_is_for_signed_iam_callers_and_names_its_source():
    # An unsigned request has no identity to return; nothing but a resource policy could allow it.
    assert decide(None, "sts:GetCallerIdentity", "*") == "implicitDeny"
    d = evaluate(Request.of(ALICE, "sts:GetCallerIdentity"), PolicySet())
    assert d.allowed and "API_GetCallerIdentity.html" in d.reason
    # The operation acts on no resource: a request naming an ARN is decided by the policies.
    assert decide(ALICE, "sts:GetCallerIdentity", f"arn:aws:iam::{ME}:user/alice") == "implicitDeny"


def test_get_caller_identity_reports_the_allow_statements_that_match():
    allow = doc({"Sid": "Sts", "Effect": "Allow", "Action": "sts:*", "Resource": "*"})
    from accessproof.evaluate import IDENTITY, compile_policy_text

    policy = compile_policy_text(allow, "p", IDENTITY)
    d = evaluate(Request.of(ALICE, "sts:GetCallerIdentity"), PolicySet(identity=(policy,)))
    assert d.allowed and [m.statement.sid for m in d.matched] == ["Sts"]


# --- AWS managed policies -----------------------------------------------------------------------
# IAM User Guide, "AWS managed policies": "You cannot change the permissions defined in AWS
# managed policies"; "Define custom IAM permissions with customer managed policies": AWS managed
# policies "you can use them but not manage them"; TagPolicy/UntagPolicy act on "an IAM customer
# managed policy" (IAM API Reference).

AWS_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"


@pytest.mark.parametrize("action", ["iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion",
                                    "iam:DeletePolicy", "iam:CreatePolicy", "iam:TagPolicy", "iam:UntagPolicy"])
def test_aws_managed_policies_cannot_be_changed(action):
    assert decide(ALICE, action, AWS_POLICY, identity=[ALLOW_ALL]) == "implicitDeny"
    assert decide(ROOT, action, "arn:aws-cn:iam::aws:policy/job-function/ViewOnlyAccess") == "implicitDeny"


@pytest.mark.parametrize("action", ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions",
                                    "iam:ListEntitiesForPolicy", "iam:AttachRolePolicy"])
def test_aws_managed_policies_can_be_used(action):
    assert decide(ALICE, action, AWS_POLICY, identity=[ALLOW_ALL]) == "allowed"


def test_customer_managed_policies_are_decided_by_the_policies():
    mine = f"arn:aws:iam::{ME}:policy/Mine"
    assert decide(ALICE, "iam:CreatePolicyVersion", mine, identity=[ALLOW_ALL]) == "allowed"
    assert decide(ALICE, "iam:CreatePolicyVersion", mine) == "implicitDeny"


def test_an_explicit_deny_is_still_reported_as_explicit():
    deny = doc({"Effect": "Deny", "Action": "iam:DeletePolicy", "Resource": "*"})
    assert decide(ALICE, "iam:DeletePolicy", AWS_POLICY, identity=[ALLOW_ALL, deny]) == "explicitDeny"


# --- service-linked roles -----------------------------------------------------------------------
# IAM API Reference, UnmodifiableEntityException (an error of AttachRolePolicy, DetachRolePolicy,
# PutRolePolicy, DeleteRolePolicy, UpdateAssumeRolePolicy, PutRolePermissionsBoundary,
# DeleteRolePermissionsBoundary, DeleteRole): "service-linked roles are protected AWS resources.
# Only the service that depends on the service-linked role can modify or delete the role".
# IAM User Guide, "Update permissions for a role": "You cannot modify the permissions policy for
# a service-linked role in IAM"; "Using service-linked roles": you can edit the description, and
# delete the role with DeleteServiceLinkedRole.

SLR = f"arn:aws:iam::{ME}:role/aws-service-role/elasticbeanstalk.amazonaws.com/AWSServiceRoleForElasticBeanstalk"


@pytest.mark.parametrize("action", ["iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePolicy",
                                    "iam:DeleteRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:PutRolePermissionsBoundary",
                                    "iam:DeleteRolePermissionsBoundary", "iam:DeleteRole"])
def test_service_linked_roles_are_protected(action):
    assert decide(ALICE, action, SLR, identity=[ALLOW_ALL]) == "implicitDeny"
    assert decide(ROOT, action, SLR) == "implicitDeny"


@pytest.mark.parametrize("action", ["iam:UpdateRoleDescription", "iam:DeleteServiceLinkedRole", "iam:GetRole",
                                    "iam:CreateServiceLinkedRole", "iam:ListRolePolicies"])
def test_service_linked_roles_can_be_read_described_and_deleted_through_iam(action):
    assert decide(ALICE, action, SLR, identity=[ALLOW_ALL]) == "allowed"


def test_ordinary_roles_are_decided_by_the_policies():
    role = f"arn:aws:iam::{ME}:role/app"
    assert decide(ALICE, "iam:PutRolePolicy", role, identity=[ALLOW_ALL]) == "allowed"
    assert decide(ALICE, "iam:PutRolePolicy", role) == "implicitDeny"


# --- roles created by IAM Identity Center -------------------------------------------------------
# AWS re:Post Knowledge Center, identity-center-aws-reserved-sso: "Cannot perform the operation on
# the protected role 'AWSReservedSSO_...' - this role is only modifiable by AWS"; IAM Identity
# Center User Guide, "IAM roles created by IAM Identity Center".

SSO_ROLE = f"arn:aws:iam::{ME}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef"
SSO_SERVICE_ROLE = f"arn:aws:sts::{ME}:assumed-role/AWSServiceRoleForSSO/sso"


@pytest.mark.parametrize("action", ["iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
                                    "iam:DetachRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole",
                                    "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:TagRole", "iam:UntagRole",
                                    "iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary"])
def test_identity_center_roles_are_only_modifiable_by_aws(action):
    assert decide(ALICE, action, SSO_ROLE, identity=[ALLOW_ALL]) == "implicitDeny"
    # AWS changes them through IAM Identity Center's service-linked role (AWSSSOServiceRolePolicy).
    assert decide(SSO_SERVICE_ROLE, action, SSO_ROLE, identity=[ALLOW_ALL]) == "allowed"


@pytest.mark.parametrize("action", ["iam:GetRole", "iam:ListAttachedRolePolicies", "iam:PassRole"])
def test_identity_center_roles_can_be_read_and_passed_as_the_policies_allow(action):
    assert decide(ALICE, action, SSO_ROLE, identity=[ALLOW_ALL]) == "allowed"


# --- AWS managed KMS aliases --------------------------------------------------------------------
# AWS KMS Developer Guide, "Create aliases": "The alias/aws/ prefix is reserved for AWS managed
# key." ... "You cannot manage aliases for AWS managed keys or AWS owned keys."

@pytest.mark.parametrize("action", ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"])
def test_aws_managed_kms_aliases_cannot_be_managed(action):
    aws_alias = f"arn:aws:kms:us-east-1:{ME}:alias/aws/s3"
    mine = f"arn:aws:kms:us-east-1:{ME}:alias/example-key"
    allow = doc({"Effect": "Allow", "Action": action, "Resource": "*"})
    assert decide(ALICE, action, aws_alias, identity=[allow]) == "implicitDeny"
    assert decide(ALICE, action, mine, identity=[allow]) == "allowed"
    assert decide(ALICE, action, aws_alias, identity=[allow, doc({"Effect": "Deny", "Action": "kms:*", "Resource": "*"})]) \
        == "explicitDeny"


# --- KMS key policies ---------------------------------------------------------------------------
# AWS KMS Developer Guide, "Key policies in AWS KMS": "Unless the key policy explicitly allows it,
# you cannot use IAM policies to allow access to a KMS key. Without permission from the key
# policy, IAM policies that allow permissions have no effect." Key policies allow directly, or
# delegate to IAM by naming the account.

KEY = f"arn:aws:kms:us-east-1:{ME}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ALLOW_KMS = doc({"Effect": "Allow", "Action": "kms:*", "Resource": "*"})


def key_policy(principal: str) -> str:
    return doc({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "kms:*", "Resource": "*"})


def test_a_key_is_usable_only_if_its_key_policy_allows():
    other_user = key_policy(f"arn:aws:iam::{ME}:user/bob")
    assert decide(ALICE, "kms:Decrypt", KEY, identity=[ALLOW_KMS], resource_policy=other_user) == "implicitDeny"
    # The account root user is no exception: the key policy must allow it too.
    assert decide(ROOT, "kms:Decrypt", KEY, resource_policy=other_user) == "implicitDeny"


def test_a_key_policy_allows_directly_or_by_delegating_to_the_account():
    assert decide(ALICE, "kms:Decrypt", KEY, resource_policy=key_policy(ALICE)) == "allowed"
    delegating = key_policy(ROOT)
    assert decide(ALICE, "kms:Decrypt", KEY, resource_policy=delegating) == "implicitDeny"
    assert decide(ALICE, "kms:Decrypt", KEY, identity=[ALLOW_KMS], resource_policy=delegating) == "allowed"


def test_a_key_of_another_account_needs_its_key_policy_and_the_callers_policies():
    key = f"arn:aws:kms:us-east-1:{OTHER}:key/k"
    trusting = key_policy(f"arn:aws:iam::{ME}:root")
    assert decide(ALICE, "kms:Decrypt", key, identity=[ALLOW_KMS], resource_policy=trusting, owner=OTHER) == "allowed"
    assert decide(ALICE, "kms:Decrypt", key, resource_policy=trusting, owner=OTHER) == "implicitDeny"
    assert decide(ALICE, "kms:Decrypt", key, identity=[ALLOW_KMS], owner=OTHER) == "implicitDeny"


# --- scope of the rules -------------------------------------------------------------------------

def test_rules_apply_to_iam_identities_in_their_own_account_only():
    # Another account's protected role: the cross-account logic decides (no resource policy, denied).
    other_slr = f"arn:aws:iam::{OTHER}:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX"
    assert rule_for(Request.of(ALICE, "iam:PutRolePolicy", other_slr, resource_account=OTHER)) is None
    assert rule_for(Request.of("s3.amazonaws.com", "iam:PutRolePolicy", SLR)) is None
    assert rule_for(Request.of(ALICE, "iam:PutRolePolicy", SLR)).name == "ServiceLinkedRole"


def test_every_rule_names_its_source_and_its_actions_exist():
    from accessproof.catalog import default_catalog

    catalog = default_catalog()
    for rule in RULES:
        assert rule.source.startswith("https://docs.aws.amazon.com/"), rule.name
        for action in rule.actions:
            assert catalog.action(action) is not None, action
