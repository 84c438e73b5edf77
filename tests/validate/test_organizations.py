"""SCP_* and RCP_* (service and resource control policies)."""

import pytest

from accessproof.validate.rule import REGISTRY

from .helpers import codes, only, paths

BASE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#"
SCP, RCP = "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"


def policy(*statements) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def st(i, *rest):
    return [{"value": "Statement"}, {"index": i}, *rest]


def check(code, doc, policy_type, finding_type, details, path, anchor):
    found = only(code, doc, policy_type)
    assert len(found) == 1, found
    f = found[0]
    assert f["findingType"] == finding_type
    assert f["findingDetails"] == details
    assert f["learnMoreLink"] == BASE + "access-analyzer-reference-policy-checks-" + anchor
    assert paths(found) == [path]


RCP_DENY_BASE = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}


def rcp_deny(condition) -> dict:
    return policy(dict(RCP_DENY_BASE, Condition=condition))


PRINCIPAL_MSG = (
    "RCPs impact IAM roles, users, and AWS service principals. To prevent unintended impact to services acting "
    'on your behalf using a service principal, an additional statement should be added to the Condition block '
    '"BoolIfExists": { "aws:PrincipalIsAWSService": "false"} whenever a principal key aws:PrincipalOrgID is used.')
SERVICE_MSG = (
    "RCPs impact IAM roles, users, and AWS service principals. To prevent unintended impact to your principals, "
    'an additional statement should be added to the Condition block "BoolIfExists": { '
    '"aws:PrincipalIsAWSService": "true"} whenever the key aws:SourceOrgID is used.')
NULL_MSG = (
    "The specified service may have a service integration that does not require the use of the aws:SourceOrgID "
    "condition key. To prevent unintended impact to services acting on your behalf using a service principal, "
    'an additional statement should be added to the Condition block "Null": { "aws:SourceAccount": "false"} or '
    '"Null": { "aws:SourceArn": "false"} whenever the key aws:SourceOrgID is used.')

POSITIVE = [
    ("SCP_SYNTAX_ERROR_ACTION_WILDCARD", SCP,
     policy({"Effect": "Deny", "Action": ["iam:Get*", "iam:*role"], "Resource": "*"}),
     "ERROR", "SCP actions can include wildcards (*) only at the end of a string. Update iam:*role.",
     st(0, {"value": "Action"}, {"index": 1}), "error-scp-syntax-error-action-wildcard"),
    ("SCP_SYNTAX_ERROR_PRINCIPAL", SCP,
     policy({"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "s3:*",
             "Resource": "*"}),
     "ERROR", "SCPs do not support specifying principals. Remove the Principal or NotPrincipal element.",
     st(0, {"value": "Principal"}), "error-scp-syntax-error-principal"),
    ("RCP_SYNTAX_ERROR_PRINCIPAL", RCP,
     policy({"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "s3:*",
             "Resource": "*"}),
     "ERROR", 'The Principal element contents are not valid. RCPs only support specifying all principals ("*") '
     "in the Principal element. The NotPrincipal element is not supported for RCPs.",
     st(0, {"value": "Principal"}), "error-rcp-syntax-error-principal"),
    ("RCP_SYNTAX_ERROR_ALLOW", RCP,
     policy({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "arn:aws:s3:::bucket"}),
     "ERROR", 'RCPs only support specifying all principals ("*") in the Principal element, all resources ("*") '
     "in the Resource element, and no Condition element with an effect of Allow.",
     st(0, {"value": "Resource"}), "error-rcp-syntax-error-allow"),
    ("RCP_SYNTAX_ERROR_NOTACTION", RCP,
     policy({"Effect": "Deny", "Principal": "*", "NotAction": "s3:GetObject", "Resource": "*"}),
     "ERROR", "RCPs do not support the NotAction element. Update to use the Action element.",
     st(0, {"value": "NotAction"}), "error-rcp-syntax-error-notaction"),
    ("RCP_SYNTAX_ERROR_ACTION", RCP,
     policy({"Effect": "Deny", "Principal": "*", "Action": ["s3:*", "ec2:RunInstances"], "Resource": "*"}),
     "ERROR", "RCPs only support specifying select service prefixes in the Action element. Learn more here.",
     st(0, {"value": "Action"}, {"index": 1}), "error-rcp-syntax-error-action"),
    ("RCP_MISSING_RELATED_PRINCIPAL_CONDITION_KEY", RCP,
     rcp_deny({"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abcd1234"}}),
     "WARNING", PRINCIPAL_MSG,
     st(0, {"value": "Condition"}, {"value": "StringNotEqualsIfExists"}, {"key": "aws:PrincipalOrgID"}),
     "general-warning-rcp-missing-related-principal-condition-key"),
    ("RCP_MISSING_RELATED_SERVICE_PRINCIPAL_CONDITION_KEY", RCP,
     rcp_deny({"StringNotEqualsIfExists": {"aws:SourceOrgID": "o-abcd1234"},
               "Null": {"aws:SourceAccount": "false"}}),
     "WARNING", SERVICE_MSG,
     st(0, {"value": "Condition"}, {"value": "StringNotEqualsIfExists"}, {"key": "aws:SourceOrgID"}),
     "general-warning-rcp-missing-related-service-principal-condition-key"),
    ("RCP_MISSING_SERVICE_CONDITION_KEY_NULL_CHECK", RCP,
     rcp_deny({"StringNotEqualsIfExists": {"aws:SourceOrgID": "o-abcd1234"},
               "Bool": {"aws:PrincipalIsAWSService": "true"}}),
     "WARNING", NULL_MSG,
     st(0, {"value": "Condition"}, {"value": "StringNotEqualsIfExists"}, {"key": "aws:SourceOrgID"}),
     "general-warning-rcp-missing-service-condition-key-null-check"),
]


@pytest.mark.parametrize("code,ptype,doc,ftype,details,path,anchor", POSITIVE, ids=[p[0] for p in POSITIVE])
def test_positive(code, ptype, doc, ftype, details, path, anchor):
    check(code, doc, ptype, ftype, details, path, anchor)


NEGATIVE = [
    # a trailing wildcard, and "*" alone, are fine
    ("SCP_SYNTAX_ERROR_ACTION_WILDCARD", SCP, policy({"Effect": "Deny", "NotAction": ["iam:Get*", "*"], "Resource": "*"})),
    # the rule is about SCPs only
    ("SCP_SYNTAX_ERROR_ACTION_WILDCARD", "IDENTITY_POLICY", policy({"Effect": "Allow", "Action": "iam:*role", "Resource": "*"})),
    ("SCP_SYNTAX_ERROR_PRINCIPAL", SCP, policy({"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                                                "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/x"}}})),
    ("SCP_SYNTAX_ERROR_PRINCIPAL", RCP, policy(dict(RCP_DENY_BASE))),
    ("RCP_SYNTAX_ERROR_PRINCIPAL", RCP, policy(dict(RCP_DENY_BASE))),
    # RCPFullAWSAccess
    ("RCP_SYNTAX_ERROR_ALLOW", RCP, policy({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})),
    # a Deny may name resources and conditions
    ("RCP_SYNTAX_ERROR_ALLOW", RCP, policy(dict(RCP_DENY_BASE, Resource="arn:aws:s3:::bucket/*",
                                                Condition={"Bool": {"aws:SecureTransport": "false"}}))),
    ("RCP_SYNTAX_ERROR_NOTACTION", RCP, policy(dict(RCP_DENY_BASE))),
    ("RCP_SYNTAX_ERROR_ACTION", RCP, policy(dict(RCP_DENY_BASE, Action=["s3:*", "sts:AssumeRole", "kms:Decrypt", "*"]))),
    ("RCP_MISSING_RELATED_PRINCIPAL_CONDITION_KEY", RCP, rcp_deny({
        "StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abcd1234"},
        "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}})),
    ("RCP_MISSING_RELATED_PRINCIPAL_CONDITION_KEY", SCP, policy({
        "Effect": "Deny", "Action": "s3:*", "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abcd1234"}}})),
    # AWS's confused-deputy RCP: both companions present
    ("RCP_MISSING_RELATED_SERVICE_PRINCIPAL_CONDITION_KEY", RCP, rcp_deny({
        "StringNotEqualsIfExists": {"aws:SourceOrgID": "o-abcd1234"},
        "Null": {"aws:SourceAccount": "false"}, "Bool": {"aws:PrincipalIsAWSService": "true"}})),
    ("RCP_MISSING_SERVICE_CONDITION_KEY_NULL_CHECK", RCP, rcp_deny({
        "StringNotEqualsIfExists": {"aws:SourceOrgID": "o-abcd1234"},
        "Null": {"aws:SourceArn": "false"}, "Bool": {"aws:PrincipalIsAWSService": "true"}})),
]


@pytest.mark.parametrize("code,ptype,doc", NEGATIVE)
def test_near_miss(code, ptype, doc):
    assert code not in codes(doc, ptype)


def test_confused_deputy_rcp_is_clean():
    doc = rcp_deny({"StringNotEqualsIfExists": {"aws:SourceOrgID": "o-abcd1234"},
                    "Null": {"aws:SourceAccount": "false"}, "Bool": {"aws:PrincipalIsAWSService": "true"}})
    assert not [c for c in codes(doc, RCP) if c.startswith("RCP_")]


def test_rcp_not_principal_and_allow_condition():
    doc = policy({"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "*",
                  "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}})
    assert paths(only("RCP_SYNTAX_ERROR_PRINCIPAL", doc, RCP)) == [st(0, {"value": "NotPrincipal"})]
    assert paths(only("RCP_SYNTAX_ERROR_ALLOW", doc, RCP)) == [st(0, {"value": "Condition"})]


def test_legacy_scp_codes_are_not_registered():
    for code in ("SCP_SYNTAX_ERROR_ALLOW_CONDITION", "SCP_SYNTAX_ERROR_ALLOW_NOTACTION",
                 "SCP_SYNTAX_ERROR_ALLOW_RESOURCE", "SCP_SYNTAX_ERROR_NOTRESOURCE"):
        assert code not in REGISTRY
    # SCPs now support the full IAM language: none of those shapes is reported.
    doc = policy({"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::b",
                  "Condition": {"Bool": {"aws:SecureTransport": "true"}}})
    assert not [c for c in codes(doc, SCP) if c.startswith("SCP_")]


@pytest.mark.parametrize("doc", [
    '{"Statement": [{"Effect": "Allow", "Principal": 5, "NotAction": 3, "Action": [null], "Resource": [1]}]}',
    '{"Statement": {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*", '
    '"Condition": {"Null": {"aws:SourceAccount": [false, 1]}, "StringEquals": {"aws:SourceArn": []}}}}',
    '{"Statement": [{"Condition": []}]}',
])
@pytest.mark.parametrize("ptype", [SCP, RCP])
def test_malformed_policies_do_not_raise(doc, ptype):
    codes(doc, ptype)
