"""Rules of accessproof.validate.rules.trust_policies."""

from __future__ import annotations

import pytest

from accessproof.validate.rule import REGISTRY

from .helpers import codes, only, paths, run

RES = "RESOURCE_POLICY"
TRUST = "AWS::IAM::AssumeRolePolicyDocument"
BASE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#"
ST = [{"value": "Statement"}, {"index": 0}]

COGNITO = "cognito-identity.amazonaws.com"
SAML = "arn:aws:iam::123456789012:saml-provider/ExampleOrgSSOProvider"
GITHUB = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
EKS = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"


def trust(**statement) -> dict:
    st = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}
    for k, v in statement.items():
        if v is None:
            st.pop(k, None)
        else:
            st[k] = v
    return {"Version": "2012-10-17", "Statement": [st]}


def federated(provider, action="sts:AssumeRoleWithWebIdentity", condition=None) -> dict:
    return trust(Principal={"Federated": provider}, Action=action, Condition=condition)


def github(*subs, operator="StringLike", extra=None) -> dict:
    cond = {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}
    if subs:
        cond[operator] = {"token.actions.githubusercontent.com:sub": list(subs) if len(subs) > 1 else subs[0]}
    if extra:
        cond["StringEquals"].update(extra)
    return federated(GITHUB, condition=cond)


ROLES_ANYWHERE = {"Service": "rolesanywhere.amazonaws.com"}

# (code, policy, findingDetails, path); validated as a role trust policy.
POSITIVE = [
    (
        "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL",
        trust(Principal=None, NotPrincipal={"AWS": "arn:aws:iam::123456789012:root"}),
        "Role trust policies do not support NotPrincipal. Update the policy to use a Principal element instead.",
        ST + [{"value": "NotPrincipal"}],
    ),
    (
        "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL", trust(Principal="*"),
        '"Principal:" "*" is not supported in the principal element of a role trust policy. Replace the wildcard '
        "with a valid principal value.",
        ST + [{"value": "Principal"}],
    ),
    (
        "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE", trust(Resource="arn:aws:iam::123456789012:role/Example"),
        "Role trust policies apply to the role that they are attached to. You cannot specify a resource. Remove "
        "the Resource or NotResource element.",
        ST + [{"value": "Resource"}],
    ),
    (
        "INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY",
        federated("arn:aws:iam::123456789012:role/ExampleRole", "sts:AssumeRoleWithSAML"),
        "The principal value specifies a federated principal that does not match the expected format. Update the "
        "federated principal to a domain name or a SAML metadata ARN.",
        ST + [{"value": "Principal"}, {"value": "Federated"}],
    ),
    (
        # The doc: "you can't use a SAML provider principal with the sts:AssumeRoleWithWebIdentity action".
        "MISMATCHED_ACTION_FOR_PRINCIPAL", federated(SAML, "sts:AssumeRoleWithWebIdentity"),
        "The sts:AssumeRoleWithWebIdentity action is invalid with the following principal(s): " + SAML + ". Use a "
        "SAML provider principal with the sts:AssumeRoleWithSAML action or use an OIDC provider principal with the "
        "sts:AssumeRoleWithWebIdentity action. Ensure the provider is Federated if you use either of the two options.",
        ST + [{"value": "Action"}],
    ),
    (
        "MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY",
        trust(Principal=ROLES_ANYWHERE, Action=["sts:AssumeRole", "sts:TagSession"]),
        "The rolesanywhere.amazonaws.com service principal requires the sts:AssumeRole, sts:SetSourceIdentity, and "
        "sts:TagSession permissions to assume a role. Add the missing permissions to the policy.",
        ST + [{"value": "Action"}],
    ),
    (
        "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL", federated(EKS),
        "Using an Open ID Connect principal without a condition can be overly permissive. Add condition keys with "
        "a prefix that matches your federated OIDC principals to ensure that only the intended identity provider "
        "assumes the role.",
        ST + [{"value": "Principal"}, {"value": "Federated"}],
    ),
    (
        "MISSING_GITHUB_REPO_CONDITION_KEY", github(),
        "Granting a federated GitHub principal permissions without a condition key can allow more sources to "
        "assume the role than you intended. Add the token.actions.githubusercontent.com:sub condition key and "
        "specify the branch and repository name in the value.",
        ST + [{"value": "Principal"}, {"value": "Federated"}],
    ),
    (
        "SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED", github("repo:octo-org/*"),
        "Using a wildcard (*) in token.actions.githubusercontent.com:sub can allow requests from more sources than "
        "you intended. Specify the value of token.actions.githubusercontent.com:sub with the repository and branch "
        "name. If the subject claim does not include the branch, specify it in a "
        "token.actions.githubusercontent.com:ref condition key.",
        ST + [{"value": "Condition"}, {"value": "StringLike"}, {"value": "token.actions.githubusercontent.com:sub"}],
    ),
    (
        # The doc's example: a role and a session of that role.
        "REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY",
        trust(Principal={"AWS": ["arn:aws:iam::123456789012:role/rolename",
                                 "arn:aws:sts::123456789012:assumed-role/rolename/rolesessionname"]}),
        "The assumed-role principal arn:aws:sts::123456789012:assumed-role/rolename/rolesessionname is redundant "
        "with its parent role arn:aws:iam::123456789012:role/rolename. Remove the assumed-role principal.",
        ST + [{"value": "Principal"}, {"value": "AWS"}, {"index": 1}],
    ),
    (
        "CONFIRM_AUDIENCE_CLAIM_TYPE",
        federated("accounts.google.com", condition={"ForAllValues:StringEquals": {"accounts.google.com:aud": "app-1"}}),
        'The "accounts.google.com:aud" (aud) claim key identifies the recipients that the JSON web token is '
        "intended for. Because this claim is single-valued, do not use a qualifier.",
        ST + [{"value": "Condition"}, {"value": "ForAllValues:StringEquals"}, {"key": "accounts.google.com:aud"}],
    ),
    (
        "FORANYVALUE_WITH_AUDIENCE_CLAIM_TYPE",
        federated(COGNITO, condition={"ForAnyValue:StringEquals": {COGNITO + ":aud": "us-east-1:1234-abcd"}}),
        "Using ForAnyValue qualifier with the single-valued condition key cognito-identity.amazonaws.com:aud can be "
        "overly permissive. We recommend that you remove ForAnyValue:.",
        ST + [{"value": "Condition"}, {"value": "ForAnyValue:StringEquals"}, {"key": COGNITO + ":aud"}],
    ),
]


@pytest.mark.parametrize("code,doc,details,path", POSITIVE)
def test_positive(code, doc, details, path):
    found = only(code, doc, RES, TRUST)
    assert len(found) == 1, found
    f = found[0]
    assert f["findingType"] == REGISTRY[code].finding_type
    assert f["findingDetails"] == details
    assert paths(found) == [path]


NEGATIVE = [
    ("ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL", trust(), TRUST),
    ("ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL",
     trust(Principal=None, NotPrincipal={"AWS": "arn:aws:iam::123456789012:root"}), None),
    ("ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL", trust(Principal={"AWS": "*"}), TRUST),
    ("ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL", trust(Principal="*"), None),
    ("ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE", trust(), TRUST),
    ("ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE", trust(Resource="*"), "AWS::S3::Bucket"),
    ("INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY", federated(SAML, "sts:AssumeRoleWithSAML"), TRUST),
    ("INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY",
     federated([COGNITO, "accounts.google.com", EKS, GITHUB]), TRUST),
    ("MISMATCHED_ACTION_FOR_PRINCIPAL", federated(SAML, ["sts:AssumeRoleWithSAML", "sts:TagSession"]), TRUST),
    ("MISMATCHED_ACTION_FOR_PRINCIPAL",
     federated(COGNITO, "sts:AssumeRoleWithWebIdentity", {"StringEquals": {COGNITO + ":aud": "x"}}), TRUST),
    ("MISMATCHED_ACTION_FOR_PRINCIPAL", trust(Action=["sts:AssumeRole", "sts:SetSourceIdentity"]), TRUST),
    ("MISMATCHED_ACTION_FOR_PRINCIPAL", federated(SAML, "sts:AssumeRoleWithWebIdentity"), None),
    ("MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY",
     trust(Principal=ROLES_ANYWHERE, Action=["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]), TRUST),
    ("MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY", trust(Principal=ROLES_ANYWHERE, Action="sts:*"), TRUST),
    ("MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY",
     trust(Principal={"Service": "ec2.amazonaws.com"}, Action="sts:AssumeRole"), TRUST),
    ("MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL",
     federated(EKS, condition={"StringEquals": {EKS.split("oidc-provider/")[1] + ":sub": "system:serviceaccount:a:b"}}),
     TRUST),
    ("MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL", federated(COGNITO, condition={
        "StringEquals": {COGNITO + ":aud": "us-east-1:1234-abcd"}}), TRUST),
    ("MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL", federated(SAML, "sts:AssumeRoleWithSAML"), TRUST),
    ("MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL", federated(EKS), None),
    ("MISSING_GITHUB_REPO_CONDITION_KEY", github("repo:octo-org/octo-repo:ref:refs/heads/main",
                                                 operator="StringEquals"), TRUST),
    ("MISSING_GITHUB_REPO_CONDITION_KEY", federated(EKS), TRUST),
    ("SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED", github("repo:octo-org/octo-repo:ref:refs/heads/main"), TRUST),
    ("SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED",
     github("repo:octo-org/octo-repo:*", extra={"token.actions.githubusercontent.com:ref": "refs/heads/main"}), TRUST),
    ("SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED", github("repo:octo-org/*", operator="StringEquals"), TRUST),
    ("REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY",
     trust(Principal={"AWS": ["arn:aws:iam::123456789012:role/rolename",
                              "arn:aws:sts::123456789012:assumed-role/othername/rolesessionname"]}), TRUST),
    ("REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY",
     trust(Principal={"AWS": ["arn:aws:iam::111122223333:role/rolename",
                              "arn:aws:sts::123456789012:assumed-role/rolename/rolesessionname"]}), TRUST),
    ("CONFIRM_AUDIENCE_CLAIM_TYPE",
     federated("accounts.google.com", condition={"StringEquals": {"accounts.google.com:aud": "app-1"}}), TRUST),
    ("CONFIRM_AUDIENCE_CLAIM_TYPE",
     federated(COGNITO, condition={"ForAllValues:StringLike": {COGNITO + ":amr": "authenticated"}}), TRUST),
    ("FORANYVALUE_WITH_AUDIENCE_CLAIM_TYPE",
     federated(COGNITO, condition={"StringEquals": {COGNITO + ":aud": "us-east-1:1234-abcd"},
                                   "ForAnyValue:StringLike": {COGNITO + ":amr": "unauthenticated"}}), TRUST),
]


@pytest.mark.parametrize("code,doc,rtype", NEGATIVE)
def test_negative(code, doc, rtype):
    assert code not in codes(doc, RES, rtype)


def test_every_code_has_a_positive_and_a_negative_case():
    mine = {r.code for r in REGISTRY.values() if r.check.__module__.endswith(".trust_policies")}
    assert mine == {c[0] for c in POSITIVE} == {c[0] for c in NEGATIVE}
    assert len(mine) == 12


# The aws-cli ``validate-policy`` example (awscli/examples/accessanalyzer/validate-policy.rst): a
# Cognito trust policy validated as RESOURCE_POLICY without validatePolicyResourceType.
AWSCLI_EXAMPLE = """{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "",
            "Effect": "Allow",
            "Principal": {
                "Federated": "cognito-identity.amazonaws.com"
            },
            "Action": [
                "sts:AssumeRole",
                "sts:TagSession"
            ],
            "Condition": {
                "StringEquals": {
                    "cognito-identity.amazonaws.com:aud": "us-west-2_EXAMPLE"
                }
            }
        }
    ]
}"""


def test_awscli_example_as_resource_policy():
    # The example's current output (RESOURCE_POLICY, no resource type) has three findings:
    # EMPTY_SID_VALUE, MISMATCHED_ACTION_FOR_PRINCIPAL and UNSUPPORTED_ACTION_FOR_CONDITION_KEY
    # (sts:TagSession does not take cognito-identity.amazonaws.com:aud). MISMATCHED_ACTION_FOR_PRINCIPAL
    # runs here only for role trust policies (see the trust-policy test below).
    found = run(AWSCLI_EXAMPLE, RES)
    assert found[0] == {
        "findingDetails": "Add a value to the empty string in the Sid element.",
        "findingType": "SUGGESTION",
        "issueCode": "EMPTY_SID_VALUE",
        "learnMoreLink": BASE + "access-analyzer-reference-policy-checks-suggestion-empty-sid-value",
        "locations": [{
            "path": [{"value": "Statement"}, {"index": 0}, {"value": "Sid"}],
            "span": {"start": {"line": 5, "column": 19, "offset": 79},
                     "end": {"line": 5, "column": 21, "offset": 81}},
        }],
    }
    unsupported = [f for f in found if f["issueCode"] == "UNSUPPORTED_ACTION_FOR_CONDITION_KEY"]
    assert len(unsupported) == 1
    assert unsupported[0]["learnMoreLink"] == BASE + "access-analyzer-reference-policy-checks-error-unsupported-action-for-condition-key"


def test_awscli_example_as_trust_policy_reports_the_mismatched_action():
    # The example's prose: the findings relate to the empty Sid and to sts:AssumeRole, which is
    # the wrong action for Cognito (sts:AssumeRoleWithWebIdentity is right).
    found = run(AWSCLI_EXAMPLE, RES, TRUST)
    assert [f["issueCode"] for f in found] == [
        "EMPTY_SID_VALUE", "MISMATCHED_ACTION_FOR_PRINCIPAL", "UNSUPPORTED_ACTION_FOR_CONDITION_KEY"]
    mismatch = found[1]
    assert mismatch["findingDetails"].startswith(
        "The sts:AssumeRole action is invalid with the following principal(s): cognito-identity.amazonaws.com. ")
    assert mismatch["locations"][0]["path"] == ST + [{"value": "Action"}, {"index": 0}]
    assert mismatch["learnMoreLink"] == (
        BASE + "access-analyzer-reference-policy-checks-error-mismatched-action-for-principal")


def test_mismatched_action_lists_every_mismatched_principal():
    doc = trust(Principal={"AWS": "arn:aws:iam::123456789012:root", "Service": "ec2.amazonaws.com",
                           "Federated": SAML},
                Action="sts:AssumeRoleWithSAML")
    found = only("MISMATCHED_ACTION_FOR_PRINCIPAL", doc, RES, TRUST)
    assert len(found) == 1
    assert "principal(s): arn:aws:iam::123456789012:root, ec2.amazonaws.com. Use" in found[0]["findingDetails"]


def test_cognito_needs_the_aud_claim():
    doc = federated(COGNITO, condition={"ForAnyValue:StringLike": {COGNITO + ":amr": "authenticated"}})
    assert "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL" in codes(doc, RES, TRUST)


def test_github_wildcard_after_repo_needs_ref():
    assert "SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED" in codes(github("repo:octo-org/octo-repo:*"), RES, TRUST)


def test_roles_anywhere_permissions_may_span_statements():
    doc = trust(Principal=ROLES_ANYWHERE, Action=["sts:AssumeRole", "sts:TagSession"])
    doc["Statement"].append({"Effect": "Allow", "Principal": ROLES_ANYWHERE, "Action": "sts:SetSourceIdentity"})
    assert "MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY" not in codes(doc, RES, TRUST)


MALFORMED = [
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": [1, {}]}, "Action": [2]}]},
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": 5, "NotPrincipal": [],
                                             "Resource": 3, "Action": {}}]},
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": ["rolesanywhere.amazonaws.com"]},
                                             "Condition": {"ForAnyValue:StringEquals": {"x.com:aud": [{}]}}}]},
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": GITHUB},
                                             "Action": "sts:AssumeRoleWithWebIdentity",
                                             "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": 7}}}]},
    [],
]


@pytest.mark.parametrize("doc", MALFORMED)
@pytest.mark.parametrize("rtype", [None, TRUST])
def test_malformed_policies_do_not_raise(doc, rtype):
    run(doc, RES, rtype)
