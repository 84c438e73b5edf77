"""The definition of "public" for CheckNoPublicAccess (accessproof.checks.public).

The S3 cases are the examples of the Amazon S3 User Guide, "The meaning of 'public'"
(access-control-block-public-access.html#access-control-block-public-access-policy-status)."""

from __future__ import annotations

import pytest

from accessproof.checks.public import (
    ACCESS_CHECK_RESOURCE_TYPES, GLOBAL_RESTRICTING_KEYS, KEY_BASIS, RULES, InvalidResourceType,
    check_resource_type, condition_restricts, federated_restricting_keys, is_public_federated_provider,
    is_public_principal, is_public_statement_shape, is_restricting_key, is_restricting_value,
    principal_element_is_public, restricting_keys, restricting_values_in_policy, service_prefixes,
    value_restricts, values_restrict,
)

S3 = "AWS::S3::Bucket"
AP = "AWS::S3::AccessPoint"
TRUST = "AWS::IAM::AssumeRolePolicyDocument"


def stmt(principal, condition=None, effect="Allow", action="s3:PutObject"):
    s = {"Principal": principal, "Resource": "*", "Action": action, "Effect": effect}
    if condition is not None:
        s["Condition"] = condition
    return s


# ------------------------------------------------------------------------ resource types

def test_the_26_resource_types():
    assert len(ACCESS_CHECK_RESOURCE_TYPES) == 26
    assert len(set(ACCESS_CHECK_RESOURCE_TYPES)) == 26
    assert set(RULES) == set(ACCESS_CHECK_RESOURCE_TYPES)
    assert ACCESS_CHECK_RESOURCE_TYPES[0] == "AWS::DynamoDB::Table"
    assert ACCESS_CHECK_RESOURCE_TYPES[-1] == "AWS::S3Express::AccessPoint"


@pytest.mark.parametrize("bad", ["AWS::IAM::Role", "AWS::S3::bucket", "", None, "AWS::Lambda::LayerVersion"])
def test_other_resource_types_are_invalid(bad):
    with pytest.raises(InvalidResourceType):
        check_resource_type(bad)
    with pytest.raises(InvalidResourceType):
        restricting_keys(bad)  # type: ignore[arg-type]


def test_every_restricting_key_has_a_basis():
    for rt in ACCESS_CHECK_RESOURCE_TYPES:
        for key in restricting_keys(rt):
            assert key == key.lower()
            assert key in KEY_BASIS, key


@pytest.mark.parametrize("rt,prefix", [
    ("AWS::S3::Bucket", "s3"), ("AWS::KMS::Key", "kms"), ("AWS::Lambda::Function", "lambda"),
    ("AWS::IAM::AssumeRolePolicyDocument", "sts"), ("AWS::ApiGateway::RestApi", "execute-api"),
    ("AWS::EFS::FileSystem", "elasticfilesystem"), ("AWS::OpenSearchService::Domain", "es"),
    ("AWS::S3Outposts::Bucket", "s3-outposts"), ("AWS::S3Express::DirectoryBucket", "s3express"),
    ("AWS::S3::Glacier", "glacier"), ("AWS::S3Tables::Table", "s3tables"),
])
def test_service_prefixes(rt, prefix):
    assert prefix in service_prefixes(rt)


# Per resource type: one key that restricts with a fixed value, the global one and a specific one.
SPECIFIC_KEY = {
    "AWS::KMS::Key": ("kms:CallerAccount", "StringEquals", "111122223333"),
    "AWS::Lambda::Function": ("lambda:EventSourceToken", "StringEquals", "token-123"),
    "AWS::S3::Bucket": ("s3:DataAccessPointAccount", "StringEquals", "111122223333"),
    "AWS::S3::AccessPoint": ("s3:DataAccessPointArn", "StringEquals",
                             "arn:aws:s3:us-east-1:111122223333:accesspoint/ap"),
    "AWS::S3Express::DirectoryBucket": ("s3express:DataAccessPointAccount", "StringEquals", "111122223333"),
    "AWS::S3Express::AccessPoint": ("s3express:DataAccessPointAccount", "StringEquals", "111122223333"),
    "AWS::S3Outposts::Bucket": ("s3-outposts:DataAccessPointAccount", "StringEquals", "111122223333"),
    "AWS::S3Outposts::AccessPoint": ("s3-outposts:DataAccessPointAccount", "StringEquals", "111122223333"),
    "AWS::IAM::AssumeRolePolicyDocument": ("cognito-identity.amazonaws.com:aud", "StringEquals",
                                           "us-east-1:12345678-1234-1234-1234-123456789012"),
}


@pytest.mark.parametrize("rt", ACCESS_CHECK_RESOURCE_TYPES)
def test_each_type_has_restricting_keys(rt):
    keys = restricting_keys(rt)
    assert GLOBAL_RESTRICTING_KEYS <= keys
    for key, value in [("aws:SourceAccount", "111122223333"), ("aws:PrincipalOrgID", "o-a1b2c3d4e5"),
                       ("aws:SourceVpce", "vpce-1a2b3c4d"), ("aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:t")]:
        assert value_restricts(rt, key, "StringEquals", value)
        assert value_restricts(rt, key.upper(), "StringEquals", value)  # key names are case-insensitive
        assert not value_restricts(rt, key, "StringEquals", "${aws:username}")
        assert not value_restricts(rt, key, "StringNotEquals", value)
    assert value_restricts(rt, "aws:SourceIp", "IpAddress", "203.0.113.0/24")
    if rt in SPECIFIC_KEY:
        key, op, value = SPECIFIC_KEY[rt]
        assert is_restricting_key(rt, key)
        assert value_restricts(rt, key, op, value)
        assert not value_restricts(rt, key, op + "IfExists", value)


def test_type_specific_keys_are_not_global():
    assert not is_restricting_key("AWS::SQS::Queue", "kms:CallerAccount")
    assert not is_restricting_key("AWS::KMS::Key", "lambda:EventSourceToken")
    assert not is_restricting_key("AWS::SNS::Topic", "s3:DataAccessPointArn")
    assert not is_restricting_key("AWS::S3::Bucket", "cognito-identity.amazonaws.com:aud")
    assert not value_restricts("AWS::SQS::Queue", "kms:CallerAccount", "StringEquals", "111122223333")


@pytest.mark.parametrize("key", ["kms:ViaService", "sts:ExternalId", "aws:SecureTransport", "aws:Referer",
                                 "aws:UserAgent", "s3:prefix", "lambda:FunctionUrlAuthType", "aws:RequestTag/x"])
def test_keys_an_outsider_controls_do_not_restrict(key):
    for rt in ("AWS::KMS::Key", "AWS::S3::Bucket", "AWS::Lambda::Function", TRUST):
        assert not value_restricts(rt, key, "StringEquals", "fixed-value")


# ------------------------------------------------------------- the S3 documented examples

S3_DOC_CASES = [
    # (principal, condition, public?) — Amazon S3 User Guide, "The meaning of 'public'"
    ({"Federated": "graph.facebook.com"}, None, True),
    ("*", None, True),
    ("*", {"StringLike": {"aws:SourceVpc": "vpc-*"}}, True),
    ("*", {"StringEquals": {"aws:SourceVpc": "vpc-91237329"}}, False),
]


@pytest.mark.parametrize("principal,condition,public", S3_DOC_CASES)
def test_s3_documented_examples(principal, condition, public):
    assert is_public_statement_shape(S3, stmt(principal, condition)) is public


def test_s3_documented_mixed_policy():
    """Account-1's bucket: CloudTrail (service principal), Account-2, and "*" with no condition."""
    cloudtrail = stmt({"Service": "cloudtrail.amazonaws.com"})
    account2 = stmt({"AWS": "arn:aws:iam::222222222222:root"})
    everyone = stmt("*")
    assert [is_public_statement_shape(S3, s) for s in (cloudtrail, account2, everyone)] == [False, False, True]
    # The policy is public because of the third statement; without it, it is not.
    assert any(is_public_statement_shape(S3, s) for s in (cloudtrail, account2, everyone))
    assert not any(is_public_statement_shape(S3, s) for s in (cloudtrail, account2))


@pytest.mark.parametrize("key,value", [
    ("aws:SourceArn", "arn:aws:cloudtrail:us-east-1:111122223333:trail/t"),
    ("aws:SourceVpc", "vpc-91237329"),
    ("aws:SourceVpce", "vpce-1a2b3c4d"),
    ("aws:SourceOwner", "111122223333"),
    ("aws:SourceAccount", "111122223333"),
    ("s3:x-amz-server-side-encryption-aws-kms-key-id",
     "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
    ("aws:userid", "AIDAEXAMPLEUSERID"),
    ("s3:DataAccessPointArn", "arn:aws:s3:us-west-2:123456789012:accesspoint/my-ap"),
    ("s3:DataAccessPointAccount", "123456789012"),
    ("aws:PrincipalOrgID", "o-a1b2c3d4e5"),
])
def test_s3_listed_keys_with_fixed_values_make_star_non_public(key, value):
    assert not is_public_statement_shape(S3, stmt("*", {"StringEquals": {key: value}}))
    assert is_public_statement_shape(S3, stmt("*", {"StringNotEquals": {key: value}}))
    assert is_public_statement_shape(S3, stmt("*", {"StringEqualsIfExists": {key: value}}))
    wildcard = stmt("*", {"StringLike": {key: value + "*"}})
    # The one documented exception: a bucket policy may wildcard the access point name.
    assert is_public_statement_shape(S3, wildcard) is (key != "s3:DataAccessPointArn")


@pytest.mark.parametrize("cidr,restricts", [
    ("0.0.0.0/0", False), ("0.0.0.0/1", False), ("128.0.0.0/7", False),
    ("11.0.0.0/8", True),  # "broader than /8" is public; /8 itself is not broader
    ("54.240.143.0/24", True), ("203.0.113.7", True), ("203.0.113.7/32", True),
    ("10.0.0.0/8", True), ("172.16.0.0/12", True), ("192.168.0.0/16", True),
    ("::/0", False), ("2001:db8::/31", False), ("2001:db8::/32", True), ("2001:db8::1", True),
    ("not-an-ip", False), ("", False),
])
def test_s3_source_ip_breadth(cidr, restricts):
    assert value_restricts(S3, "aws:SourceIp", "IpAddress", cidr) is restricts
    assert not value_restricts(S3, "aws:SourceIp", "NotIpAddress", cidr)
    assert not value_restricts(S3, "aws:SourceIp", "IpAddressIfExists", cidr)
    assert not value_restricts(S3, "aws:SourceIp", "StringEquals", cidr)


def test_source_ip_list_restricts_only_when_every_range_is_narrow():
    assert values_restrict(S3, "aws:SourceIp", "IpAddress", ["203.0.113.0/24", "198.51.100.0/24"])
    assert not values_restrict(S3, "aws:SourceIp", "IpAddress", ["203.0.113.0/24", "0.0.0.0/0"])
    assert not values_restrict(S3, "aws:SourceIp", "IpAddress", [])
    # The S3 User Guide's IPAllow example: a /24 with a NotIpAddress hole is non-public.
    condition = {"IpAddress": {"aws:SourceIp": "54.240.143.0/24"},
                 "NotIpAddress": {"aws:SourceIp": "54.240.143.188/32"}}
    assert not is_public_statement_shape(S3, stmt("*", condition, action="s3:*"))


def test_userid_role_session_pattern():
    # "aws:userid, outside the pattern AROLEID:*": every session of one fixed role id restricts.
    assert value_restricts(S3, "aws:userid", "StringLike", "AROAEXAMPLEROLEID:*")
    assert value_restricts(S3, "aws:userid", "StringEquals", "AROAEXAMPLEROLEID:session")
    assert not value_restricts(S3, "aws:userid", "StringLike", "AROA*:*")
    assert not value_restricts(S3, "aws:userid", "StringLike", "*:session")
    assert not value_restricts(S3, "aws:userid", "StringLike", "*")


def test_data_access_point_arn_bucket_versus_access_point():
    arn = "arn:aws:s3:us-west-2:123456789012:accesspoint/*"
    # Bucket policy: a wildcard in the access point name is fine when the account is fixed.
    assert value_restricts(S3, "s3:DataAccessPointArn", "ArnLike", arn)
    assert value_restricts(S3, "s3:DataAccessPointArn", "StringLike", arn)
    assert not value_restricts(S3, "s3:DataAccessPointArn", "ArnLike", "arn:aws:s3:us-west-2:*:accesspoint/*")
    assert not value_restricts(S3, "s3:DataAccessPointArn", "ArnLike", "arn:aws:s3:*")
    assert not value_restricts(S3, "s3:DataAccessPointArn", "ArnLike", "*")
    # Access point policy: "grants access to a set of access points ... is considered public".
    assert not value_restricts(AP, "s3:DataAccessPointArn", "ArnLike", arn)
    assert value_restricts(AP, "s3:DataAccessPointArn", "ArnEquals",
                           "arn:aws:s3:us-west-2:123456789012:accesspoint/my-ap")
    # Directory buckets and Outposts buckets are bucket policies too.
    assert value_restricts("AWS::S3Outposts::Bucket", "s3-outposts:DataAccessPointArn", "ArnLike",
                           "arn:aws:s3-outposts:us-west-2:123456789012:outpost/op-01ac5d28a6a232904/accesspoint/*")
    assert not value_restricts("AWS::S3Outposts::AccessPoint", "s3-outposts:DataAccessPointArn", "ArnLike",
                               "arn:aws:s3-outposts:us-west-2:123456789012:outpost/op-01ac5d28a6a232904/accesspoint/*")


# ---------------------------------------------------------------------- operators & values

@pytest.mark.parametrize("operator,restricts", [
    ("StringEquals", True), ("StringEqualsIgnoreCase", True), ("StringLike", True),
    ("ForAnyValue:StringEquals", True), ("ForAnyValue:StringLike", True),
    ("ForAllValues:StringEquals", False), ("StringEqualsIfExists", False),
    ("ForAnyValue:StringEqualsIfExists", False),
    ("StringNotEquals", False), ("StringNotLike", False), ("StringNotEqualsIgnoreCase", False),
    ("ArnEquals", False), ("ArnLike", False),  # aws:SourceVpc is not an ARN key
    ("Null", False), ("Bool", False), ("NumericEquals", False), ("BinaryEquals", False),
])
def test_operators_on_a_string_key(operator, restricts):
    assert value_restricts(S3, "aws:SourceVpc", operator, "vpc-91237329") is restricts


@pytest.mark.parametrize("operator,restricts", [
    ("ArnEquals", True), ("ArnLike", True), ("StringEquals", True), ("ForAnyValue:ArnLike", True),
    ("ArnNotEquals", False), ("ArnNotLike", False), ("ArnLikeIfExists", False), ("ForAllValues:ArnLike", False),
])
def test_operators_on_an_arn_key(operator, restricts):
    arn = "arn:aws:sns:us-east-1:111122223333:topic"
    assert value_restricts("AWS::SQS::Queue", "aws:SourceArn", operator, arn) is restricts


def test_wildcards_and_variables():
    rt = "AWS::SNS::Topic"
    # Under *Like and Arn* operators * and ? are wildcards; under StringEquals they are literal.
    assert not value_restricts(rt, "aws:SourceArn", "ArnLike", "arn:aws:s3:::bucket-*")
    assert not value_restricts(rt, "aws:SourceArn", "ArnEquals", "arn:aws:s3:::bucket-?")
    assert not value_restricts(rt, "aws:SourceAccount", "StringLike", "1111222233?3")
    assert value_restricts(rt, "aws:SourceAccount", "StringEquals", "1111*")
    # Policy variables are never fixed; the escapes ${*} ${?} ${$} are literal characters.
    assert not value_restricts(rt, "aws:SourceAccount", "StringEquals", "${aws:PrincipalAccount}")
    assert not value_restricts(rt, "aws:PrincipalArn", "ArnLike", "arn:aws:iam::111122223333:user/${aws:username}")
    assert value_restricts(rt, "aws:SourceVpc", "StringLike", "vpc-${*}")
    assert not value_restricts(rt, "aws:SourceVpc", "StringEquals", "")


def test_principal_org_paths():
    rt = "AWS::SecretsManager::Secret"
    assert value_restricts(rt, "aws:PrincipalOrgPaths", "ForAnyValue:StringLike", "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*")
    assert value_restricts(rt, "aws:PrincipalOrgPaths", "ForAnyValue:StringEquals", "o-a1b2c3d4e5/r-ab12/")
    assert not value_restricts(rt, "aws:PrincipalOrgPaths", "ForAnyValue:StringLike", "o-*/*")
    assert not value_restricts(rt, "aws:PrincipalOrgPaths", "ForAllValues:StringLike", "o-a1b2c3d4e5/*")


def test_condition_blocks_are_anded_values_ored():
    rt = "AWS::SQS::Queue"
    assert condition_restricts(rt, {"StringLike": {"aws:SourceArn": "*"},
                                    "StringEquals": {"aws:SourceAccount": "111122223333"}})
    assert not condition_restricts(rt, {"StringEquals": {"aws:SourceAccount": ["111122223333", "${aws:x}"]}})
    assert not condition_restricts(rt, {"Bool": {"aws:SecureTransport": "true"}})
    assert not condition_restricts(rt, None)


def test_restricting_values_in_policy_collects_deny_and_negated_values():
    statements = [
        stmt("*", action="sqs:SendMessage"),
        stmt("*", {"StringNotEquals": {"aws:SourceVpc": "vpc-1"}}, effect="Deny"),
        stmt("*", {"IpAddress": {"aws:SourceIp": ["0.0.0.0/0", "203.0.113.0/24"]}}),
        stmt("*", {"StringLike": {"aws:SourceArn": "arn:aws:sns:*"}, "Bool": {"aws:SecureTransport": "true"}}),
    ]
    found = restricting_values_in_policy("AWS::SQS::Queue", statements)
    assert found == {"aws:sourcevpc": [("StringNotEquals", "vpc-1")],
                     "aws:sourceip": [("IpAddress", "203.0.113.0/24")]}


def test_is_restricting_value_ignores_polarity():
    assert is_restricting_value(S3, "aws:SourceVpc", "vpc-1", "StringNotEquals")
    assert not is_restricting_value(S3, "aws:SourceVpc", "vpc-*", "StringNotLike")
    assert is_restricting_value(S3, "aws:SourceVpc", "vpc-*", "StringNotEquals")  # literal under Equals
    assert not is_restricting_value(S3, "aws:Referer", "x", "StringEquals")


# ------------------------------------------------------------------------------ principals

@pytest.mark.parametrize("kind,value,public", [
    ("*", "*", True),
    ("AWS", "*", True),
    ("AWS", "arn:aws:iam::*:root", True),
    ("AWS", "111122223333", False),
    ("AWS", "arn:aws:iam::111122223333:root", False),
    ("AWS", "arn:aws:iam::111122223333:role/r", False),
    ("AWS", "arn:aws:sts::111122223333:assumed-role/r/s", False),
    ("AWS", "AIDAEXAMPLEUSERID", False),
    ("Service", "cloudtrail.amazonaws.com", False),
    ("Service", "*", True),
    ("CanonicalUser", "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be", False),
    ("CanonicalUser", "*", True),
    ("Federated", "graph.facebook.com", True),
    ("Federated", "cognito-identity.amazonaws.com", True),
    ("Federated", "accounts.google.com", True),
    ("Federated", "www.amazon.com", True),
    ("Federated", "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com", True),
    ("Federated", "arn:aws:iam::111122223333:saml-provider/MyIdP", False),
])
def test_is_public_principal(kind, value, public):
    assert is_public_principal(kind, value) is public


def test_principal_elements():
    assert principal_element_is_public("*")
    assert principal_element_is_public({"AWS": ["111122223333", "*"]})
    assert not principal_element_is_public({"AWS": ["111122223333"], "Service": "sns.amazonaws.com"})
    assert not principal_element_is_public({"Federated": "arn:aws:iam::111122223333:saml-provider/X"})


def test_not_principal_in_allow_is_public():
    s = {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sqs:*",
         "Resource": "*"}
    assert is_public_statement_shape("AWS::SQS::Queue", s)
    s["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
    assert not is_public_statement_shape("AWS::SQS::Queue", s)


def test_deny_statements_are_never_public_grants():
    assert not is_public_statement_shape(S3, stmt("*", effect="Deny"))


# ------------------------------------------------------------------- per-service examples

def test_kms_caller_account_and_via_service():
    rt = "AWS::KMS::Key"
    via_only = stmt({"AWS": "*"}, {"StringEquals": {"kms:ViaService": "ec2.us-east-1.amazonaws.com"}},
                    action="kms:Decrypt")
    assert is_public_statement_shape(rt, via_only)
    both = stmt({"AWS": "*"}, {"StringEquals": {"kms:ViaService": "ec2.us-east-1.amazonaws.com",
                                                "kms:CallerAccount": "111122223333"}}, action="kms:Decrypt")
    assert not is_public_statement_shape(rt, both)
    assert federated_restricting_keys("graph.facebook.com") == frozenset({"graph.facebook.com:app_id"})


def test_lambda_event_source_token_and_function_url():
    rt = "AWS::Lambda::Function"
    url = stmt("*", {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}, action="lambda:InvokeFunctionUrl")
    assert is_public_statement_shape(rt, url)
    alexa = stmt({"Service": "alexa-connectedhome.amazonaws.com"},
                 {"StringEquals": {"lambda:EventSourceToken": "amzn1.ask.skill.xxxx"}}, action="lambda:InvokeFunction")
    assert not is_public_statement_shape(rt, alexa)
    assert not is_public_statement_shape(rt, stmt("*", {"StringEquals": {"lambda:EventSourceToken": "tok"}}))


def test_sns_sqs_source_arn_and_account():
    for rt in ("AWS::SNS::Topic", "AWS::SQS::Queue"):
        assert is_public_statement_shape(rt, stmt("*", action="sqs:SendMessage"))
        assert not is_public_statement_shape(rt, stmt("*", {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:t"}}))
        assert not is_public_statement_shape(rt, stmt("*", {"StringEquals": {"aws:SourceAccount": "111122223333"}}))
        assert is_public_statement_shape(rt, stmt("*", {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:t"}}))


def test_trust_policy_federated_principals():
    cognito = {"Federated": "cognito-identity.amazonaws.com"}
    action = "sts:AssumeRoleWithWebIdentity"
    assert is_public_statement_shape(TRUST, stmt(cognito, action=action))
    amr_only = {"ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "unauthenticated"}}
    assert is_public_statement_shape(TRUST, stmt(cognito, amr_only, action=action))
    aud = {"StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:12345678-1234-1234-1234-123456789012"}}
    assert not is_public_statement_shape(TRUST, stmt(cognito, aud, action=action))

    github = {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}
    aud_only = {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}
    assert is_public_statement_shape(TRUST, stmt(github, aud_only, action=action))
    sub = {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                            "token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"}}
    assert not is_public_statement_shape(TRUST, stmt(github, sub, action=action))
    wildcard_sub = {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}
    assert is_public_statement_shape(TRUST, stmt(github, wildcard_sub, action=action))
    assert federated_restricting_keys(github["Federated"]) == frozenset({"token.actions.githubusercontent.com:sub"})
    assert is_public_federated_provider("accounts.google.com")

    saml = {"Federated": "arn:aws:iam::111122223333:saml-provider/Corp"}
    assert not is_public_statement_shape(TRUST, stmt(saml, action="sts:AssumeRoleWithSAML"))
    # A star principal in a trust policy is public unless restricted.
    assert is_public_statement_shape(TRUST, stmt({"AWS": "*"}, action="sts:AssumeRole"))
    assert is_public_statement_shape(TRUST, stmt({"AWS": "*"}, {"StringEquals": {"sts:ExternalId": "secret"}},
                                                 action="sts:AssumeRole"))
    assert not is_public_statement_shape(TRUST, stmt({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
                                                     action="sts:AssumeRole"))
