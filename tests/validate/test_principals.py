"""Rules of accessproof.validate.rules.principals."""

from __future__ import annotations

import pytest

from accessproof.validate.rule import REGISTRY

from .helpers import codes, only, paths, run

RES = "RESOURCE_POLICY"
IDN = "IDENTITY_POLICY"
TRUST = "AWS::IAM::AssumeRolePolicyDocument"
BUCKET = "AWS::S3::Bucket"
BASE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#"

ST = [{"value": "Statement"}, {"index": 0}]


def policy(**statement) -> dict:
    st = {
        "Effect": "Allow",
        "Principal": {"AWS": "123456789012"},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
    }
    for k, v in statement.items():
        if v is None:
            st.pop(k, None)
        else:
            st[k] = v
    return {"Version": "2012-10-17", "Statement": [st]}


def service_policy(service="cloudtrail.amazonaws.com", condition=None, **extra) -> dict:
    extra.setdefault("Action", "s3:PutObject")
    return policy(Principal={"Service": service}, Condition=condition, **extra)


# (code, policy, policy type, resource type, findingDetails, path of the single finding)
POSITIVE = [
    (
        "UNSUPPORTED_PRINCIPAL", policy(), IDN, None,
        "The policy type IDENTITY_POLICY does not support the Principal element. Remove the Principal element.",
        ST + [{"value": "Principal"}],
    ),
    (
        # The doc's fix is {"AWS": "123456789012"}; the plain string is the error.
        "INVALID_PRINCIPAL_FORMAT", policy(Principal="123456789012"), RES, None,
        "The Principal element contents are not valid. Specify a key-value pair in the Principal element.",
        ST + [{"value": "Principal"}],
    ),
    (
        "INVALID_PRINCIPAL_FORMAT", policy(Principal={"AWS": "arn:aws:iam::123456789012:group/Admins"}), RES, None,
        "The Principal element contents are not valid. Specify a key-value pair in the Principal element.",
        ST + [{"value": "Principal"}, {"value": "AWS"}],
    ),
    (
        "INVALID_PRINCIPAL_FORMAT", policy(Principal={"CanonicalUser": "79a59df900b949e55d96a1e698fbaced"}), RES, None,
        "The Principal element contents are not valid. Specify a key-value pair in the Principal element.",
        ST + [{"value": "Principal"}, {"value": "CanonicalUser"}],
    ),
    (
        # AWS writes the placeholder {{principal-key}}, with a hyphen.
        "INVALID_PRINCIPAL_KEY", policy(Principal={"Aws": "123456789012"}), RES, None,
        "The principal key Aws is not valid.",
        ST + [{"value": "Principal"}, {"key": "Aws"}],
    ),
    (
        "UNSUPPORTED_WILDCARD_IN_PRINCIPAL", policy(Principal={"AWS": "arn:aws:iam::123456789012:user/*"}), RES, None,
        "Wildcards (*, ?) are not supported with the principal key AWS. Replace the wildcard with a valid "
        "principal value.",
        ST + [{"value": "Principal"}, {"value": "AWS"}],
    ),
    (
        # The doc: "you can't use a SAML principal in an Amazon S3 bucket policy".
        "FEDERATED_PRINCIPAL_NOT_SUPPORTED",
        policy(Principal={"Federated": "arn:aws:iam::123456789012:saml-provider/ExampleOrgSSOProvider"}), RES, BUCKET,
        "The policy type does not support a federated identity provider in the principal element. Use a "
        "supported principal.",
        ST + [{"value": "Principal"}, {"key": "Federated"}],
    ),
    (
        "ALLOW_WITH_NOT_PRINCIPAL", policy(Principal=None, NotPrincipal={"AWS": "arn:aws:iam::123456789012:root"}),
        RES, None,
        "Using Allow with NotPrincipal can be overly permissive. We recommend that you use Principal instead.",
        ST + [{"value": "NotPrincipal"}],
    ),
    (
        "INVALID_ROLE_REFERENCE", policy(Principal={"AWS": "AROADBQP57FF2AEXAMPLE"}), RES, None,
        "The Principal element includes the IAM role ID AROADBQP57FF2AEXAMPLE. We recommend that you use a role "
        "ARN instead.",
        ST + [{"value": "Principal"}, {"value": "AWS"}],
    ),
    (
        "INVALID_USER_REFERENCE", policy(Principal={"AWS": ["123456789012", "AIDACKCEVSQ6C2EXAMPLE"]}), RES, None,
        "The Principal element includes the IAM user ID AIDACKCEVSQ6C2EXAMPLE. We recommend that you use a user "
        "ARN instead.",
        ST + [{"value": "Principal"}, {"value": "AWS"}, {"index": 1}],
    ),
    (
        "INVALID_SERVICE_PRINCIPAL_FORMAT",
        service_policy("cloudtrail", {"StringEquals": {"aws:SourceAccount": "123456789012"}}), RES, None,
        "The service principal does not match the expected format. Use the format {service-name}.amazonaws.com.",
        ST + [{"value": "Principal"}, {"value": "Service"}],
    ),
    (
        # kms:ViaService takes the regional form (the doc's example of a different format).
        "INVALID_SERVICE_PRINCIPAL_FORMAT",
        {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": "ec2.amazonaws.com"}},
        }]}, IDN, None,
        "The service principal does not match the expected format. Use the format "
        "{service-name.AWS_region}.amazonaws.com.",
        ST + [{"value": "Condition"}, {"value": "StringEquals"}, {"value": "kms:ViaService"}],
    ),
    (
        "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL", service_policy(), RES, None,
        "Granting access to a service principal without specifying a source is overly permissive. Use "
        "aws:SourceArn, aws:SourceAccount, aws:SourceOrgID, or aws:SourceOrgPaths condition key to grant "
        "fine-grained access.",
        ST + [{"value": "Principal"}, {"value": "Service"}],
    ),
    (
        # The doc: use aws:Source* "instead of other condition keys, such as aws:Referer".
        "RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
        service_policy("cloudfront.amazonaws.com", {"StringLike": {"aws:Referer": "https://example.com/*"}}),
        RES, None,
        "To restrict access to the service principal cloudfront operating on your behalf, we recommend "
        "aws:SourceArn, aws:SourceAccount, aws:SourceOrgID, or aws:SourceOrgPaths instead of aws:Referer.",
        ST + [{"value": "Condition"}, {"value": "StringLike"}, {"key": "aws:Referer"}],
    ),
    (
        # The doc: "you can't use the aws:PrincipalOrgID condition key with the service principal
        # cloudfront.amazonaws.com".
        "UNSUPPORTED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
        service_policy("cloudfront.amazonaws.com", {"StringEquals": {
            "aws:PrincipalOrgID": "o-a1b2c3d4e5", "aws:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E1"}}),
        RES, None,
        "The following condition keys are not supported when used with the service principal: aws:PrincipalOrgID.",
        ST + [{"value": "Condition"}, {"value": "StringEquals"}, {"key": "aws:PrincipalOrgID"}],
    ),
]


@pytest.mark.parametrize("code,doc,ptype,rtype,details,path", POSITIVE)
def test_positive(code, doc, ptype, rtype, details, path):
    found = only(code, doc, ptype, rtype)
    assert len(found) == 1, found
    f = found[0]
    assert f["findingType"] == REGISTRY[code].finding_type
    assert f["findingDetails"] == details
    assert paths(found) == [path]


# Near misses: almost the same policy, and the code must not appear.
NEGATIVE = [
    ("UNSUPPORTED_PRINCIPAL", policy(Principal=None), IDN, None),
    ("UNSUPPORTED_PRINCIPAL", policy(), RES, None),
    ("INVALID_PRINCIPAL_FORMAT", policy(Principal={"AWS": "123456789012"}), RES, None),
    ("INVALID_PRINCIPAL_FORMAT", policy(Principal="*"), RES, None),
    ("INVALID_PRINCIPAL_FORMAT", policy(Principal={"AWS": [
        "arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:user/division/Bob",
        "arn:aws:iam::123456789012:role/service-role/Admins", "arn:aws:sts::123456789012:assumed-role/Admins/session",
        "arn:aws:sts::123456789012:federated-user/Bob", "arn:aws-cn:iam::123456789012:root",
        "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E15MNIMTCFKK4C",
    ]}), RES, None),
    ("INVALID_PRINCIPAL_FORMAT", policy(Principal={
        "CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}), RES, None),
    ("INVALID_PRINCIPAL_KEY", policy(Principal={"AWS": "1", "Service": "s3.amazonaws.com",
                                                "Federated": "accounts.google.com", "CanonicalUser": "a"}), RES, None),
    ("UNSUPPORTED_WILDCARD_IN_PRINCIPAL", policy(Principal={"AWS": "*"}), RES, None),
    ("UNSUPPORTED_WILDCARD_IN_PRINCIPAL", policy(Principal="*"), RES, None),
    ("FEDERATED_PRINCIPAL_NOT_SUPPORTED",
     policy(Principal={"Federated": "arn:aws:iam::123456789012:saml-provider/ExampleOrgSSOProvider"}), RES, None),
    ("FEDERATED_PRINCIPAL_NOT_SUPPORTED",
     policy(Principal={"Federated": "arn:aws:iam::123456789012:saml-provider/ExampleOrgSSOProvider"}), RES, TRUST),
    ("FEDERATED_PRINCIPAL_NOT_SUPPORTED", policy(), RES, BUCKET),
    ("ALLOW_WITH_NOT_PRINCIPAL",
     policy(Effect="Deny", Principal=None, NotPrincipal={"AWS": "arn:aws:iam::123456789012:root"}), RES, None),
    ("ALLOW_WITH_NOT_PRINCIPAL", policy(), RES, None),
    ("INVALID_ROLE_REFERENCE", policy(Principal={"AWS": "arn:aws:iam::123456789012:role/Admins"}), RES, None),
    ("INVALID_ROLE_REFERENCE", policy(Principal={"AWS": "AIDACKCEVSQ6C2EXAMPLE"}), RES, None),
    ("INVALID_USER_REFERENCE", policy(Principal={"AWS": "arn:aws:iam::123456789012:user/Bob"}), RES, None),
    ("INVALID_USER_REFERENCE", policy(Principal={"AWS": "AROADBQP57FF2AEXAMPLE"}), RES, None),
    ("INVALID_SERVICE_PRINCIPAL_FORMAT", service_policy("cloudtrail.amazonaws.com"), RES, None),
    ("INVALID_SERVICE_PRINCIPAL_FORMAT", service_policy(["logs.us-east-1.amazonaws.com", "ec2.amazonaws.com.cn",
                                                         "ops.apigateway.amazonaws.com"]), RES, None),
    ("INVALID_SERVICE_PRINCIPAL_FORMAT",
     {"Version": "2012-10-17", "Statement": [{
         "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
         "Condition": {"StringEquals": {"kms:ViaService": "ec2.us-east-1.amazonaws.com"},
                       "Null": {"kms:ViaService": "false"}}}]}, IDN, None),
    ("RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
     service_policy(condition={"StringEquals": {"aws:SourceAccount": "123456789012"}}), RES, None),
    ("RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL", service_policy(Effect="Deny"), RES, None),
    ("RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL", service_policy(Action="sts:AssumeRole", Resource=None), RES, TRUST),
    ("RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
     service_policy("cloudfront.amazonaws.com", {"StringLike": {"aws:Referer": "https://example.com/*"},
                                                 "ArnLike": {"aws:SourceArn": "arn:aws:cloudfront::1:distribution/E"}}),
     RES, None),
    ("RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
     policy(Condition={"StringLike": {"aws:Referer": "https://example.com/*"}}), RES, None),
    ("UNSUPPORTED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
     policy(Condition={"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}), RES, None),
    ("UNSUPPORTED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
     service_policy("cloudfront.amazonaws.com", {"StringEquals": {"aws:SourceOrgID": "o-a1b2c3d4e5"}}), RES, None),
]


@pytest.mark.parametrize("code,doc,ptype,rtype", NEGATIVE)
def test_negative(code, doc, ptype, rtype):
    assert code not in codes(doc, ptype, rtype)


def test_every_code_has_a_positive_and_a_negative_case():
    mine = {r.code for r in REGISTRY.values() if r.check.__module__.endswith(".principals")}
    assert mine == {c[0] for c in POSITIVE} == {c[0] for c in NEGATIVE}
    assert len(mine) == 12


def test_learn_more_links():
    found = run(policy(Principal=None, NotPrincipal={"AWS": "123456789012"}), RES)
    link = next(f["learnMoreLink"] for f in found if f["issueCode"] == "ALLOW_WITH_NOT_PRINCIPAL")
    assert link == BASE + "access-analyzer-reference-policy-checks-security-warning-allow-with-not-principal"
    assert REGISTRY["INVALID_ROLE_REFERENCE"].learn_more_link == (
        BASE + "access-analyzer-reference-policy-checks-general-warning-invalid-role-reference")
    assert REGISTRY["UNSUPPORTED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL"].learn_more_link == (
        BASE + "access-analyzer-reference-policy-checks-error-unsupported-condition-key-for-service-principal")


def test_unsupported_principal_reports_principal_and_not_principal():
    doc = policy(NotPrincipal={"AWS": "123456789012"})
    assert paths(only("UNSUPPORTED_PRINCIPAL", doc, IDN)) == [
        ST + [{"value": "Principal"}], ST + [{"value": "NotPrincipal"}]]


def test_restrict_access_reports_each_service_principal():
    doc = service_policy(["cloudtrail.amazonaws.com", "config.amazonaws.com"])
    assert paths(only("RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL", doc, RES)) == [
        ST + [{"value": "Principal"}, {"value": "Service"}, {"index": 0}],
        ST + [{"value": "Principal"}, {"value": "Service"}, {"index": 1}],
    ]


def test_unsupported_condition_keys_are_listed_in_one_finding():
    doc = service_policy("cloudfront.amazonaws.com", {
        "StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5", "aws:PrincipalTag/team": "red",
                         "aws:SourceAccount": "123456789012"}})
    found = only("UNSUPPORTED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL", doc, RES)
    assert len(found) == 1
    assert found[0]["findingDetails"].endswith(": aws:PrincipalOrgID, aws:PrincipalTag/team.")
    assert len(found[0]["locations"]) == 2


MALFORMED = [
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": 5, "Action": "s3:*", "Resource": "*"}]},
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": ["*"], "Action": "s3:*"}]},
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": [1, None, {}],
                                             "Service": 3, "Federated": [True]}, "Action": 7,
                                             "Condition": {"StringLike": {"kms:ViaService": [1, {}]}}}]},
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotPrincipal": "x",
                                             "Principal": {"Service": "a.amazonaws.com"},
                                             "Condition": {"StringEquals": 5}}]},
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {}, "Condition": []}]},
    {"Statement": "nope"},
]


@pytest.mark.parametrize("doc", MALFORMED)
@pytest.mark.parametrize("ptype,rtype", [(IDN, None), (RES, None), (RES, TRUST), (RES, BUCKET),
                                         ("SERVICE_CONTROL_POLICY", None), ("RESOURCE_CONTROL_POLICY", None)])
def test_malformed_policies_do_not_raise(doc, ptype, rtype):
    run(doc, ptype, rtype)
