"""Tests for rules/condition_keys.py: one positive (doc example where there is one) and one near miss per code."""

import json

import pytest

from tests.validate.helpers import only, paths

V = "2012-10-17"


def pol(*statements):
    return {"Version": V, "Statement": list(statements)}


def st(effect="Allow", action="s3:ListBucket", resource="*", condition=None, key="Action"):
    s = {"Effect": effect, key: action, "Resource": resource}
    if condition is not None:
        s["Condition"] = condition
    return s


def cond_path(op, key, kind="key"):
    return [{"value": "Statement"}, {"index": 0}, {"value": "Condition"}, {"value": op}, {kind: key}]


def action_path(i=None, element="Action", stmt=0):
    p = [{"value": "Statement"}, {"index": stmt}, {"value": element}]
    return p + ([{"index": i}] if i is not None else [])


# (code, finding type, policy, policy type, resource type, expected details, expected paths)
POSITIVE = [
    ("INVALID_CONDITION_KEY_FORMAT", "ERROR",
     pol(st(condition={"StringEquals": {"prefix": "home/"}})), "IDENTITY_POLICY", None,
     "The condition key format is not valid. Use the format service:keyname.",
     [cond_path("StringEquals", "prefix")]),
    ("INVALID_GLOBAL_CONDITION_KEY", "ERROR",
     pol(st(condition={"StringEquals": {"aws:SourceAccountId": "111122223333"}})), "IDENTITY_POLICY", None,
     "The condition key aws:SourceAccountId does not exist. Use a valid condition key.",
     [cond_path("StringEquals", "aws:SourceAccountId")]),
    ("INVALID_SERVICE_CONDITION_KEY", "ERROR",
     pol(st(condition={"StringEquals": {"s3:prefixes": "home/"}})), "IDENTITY_POLICY", None,
     "The condition key s3:prefixes does not exist in the service s3. Use a valid condition key.",
     [cond_path("StringEquals", "s3:prefixes")]),
    ("UNSUPPORTED_GLOBAL_CONDITION_KEY", "ERROR",
     pol(dict(st(condition={"ArnEquals": {"aws:ARN": "arn:aws:iam::111122223333:role/r"}}),
              Principal={"AWS": "111122223333"})), "RESOURCE_POLICY", None,
     "The condition key aws:ARN is not supported. Use aws:PrincipalArn or aws:SourceArn instead.",
     [cond_path("ArnEquals", "aws:ARN")]),
    ("DEPRECATED_GLOBAL_CONDITION_KEY", "WARNING",
     pol(st(condition={"ArnEquals": {"aws:ARN": "arn:aws:iam::111122223333:role/r"}})), "IDENTITY_POLICY", None,
     "We recommend that you update aws:ARN to use the newer condition key aws:PrincipalArn.",
     [cond_path("ArnEquals", "aws:ARN")]),
    ("MISSING_TAG_KEY_IN_CONDITION", "ERROR",
     pol(st(action="ec2:StopInstances", condition={"StringEquals": {"aws:ResourceTag": "JaneDoe"}})),
     "IDENTITY_POLICY", None,
     "The condition key aws:ResourceTag/ must include a tag key to control access based on tags. Use the format "
     "aws:ResourceTag/tag-key and specify a key name for tag-key.",
     [cond_path("StringEquals", "aws:ResourceTag")]),
    ("UNSUPPORTED_ACTION_FOR_CONDITION_KEY", "ERROR",
     pol(dict(st(action=["s3:ListBucket", "s3:GetObject"], condition={"StringLike": {"s3:prefix": "home/*"}}),
              Principal={"AWS": "111122223333"})),
     "RESOURCE_POLICY", None,
     "The following actions: s3:GetObject are not supported by the condition key s3:prefix. The condition will "
     "not be evaluated for these actions. We recommend that you move these actions to a different statement "
     "without this condition key.",
     [action_path(1), cond_path("StringLike", "s3:prefix", "value")]),
    ("MISSING_ACTION_FOR_CONDITION_KEY", "ERROR",
     pol(st(action="ec2:RunInstances", condition={"StringEquals": {"ec2:CreateAction": "RunInstances"}})),
     "IDENTITY_POLICY", None,
     "The ec2:CreateTags action must be in the action block to allow setting values for the condition key "
     "ec2:CreateAction. Add ec2:CreateTags to the action block.",
     [action_path()]),
    ("INVALID_REGION", "ERROR",
     pol(st(action="ec2:*", condition={"StringEquals": {"aws:RequestedRegion": ["us-east-1", "us-east-9"]}})),
     "IDENTITY_POLICY", None,
     "The Region us-east-9 is not valid. Update the condition value to a supported Region.",
     [cond_path("StringEquals", "aws:RequestedRegion", "value") + [{"index": 1}]]),
    ("INVALID_VPC_FORMAT", "ERROR",
     pol(st(condition={"StringEquals": {"aws:SourceVpc": "vpc-1234"}})), "IDENTITY_POLICY", None,
     "The VPC identifier in the condition key value is not valid. Use the prefix 'vpc-' followed by 8 or 17 "
     "alphanumeric characters.",
     [cond_path("StringEquals", "aws:SourceVpc", "value")]),
    ("INVALID_VPCE_FORMAT", "ERROR",
     pol(st(condition={"StringEquals": {"aws:SourceVpce": "vpc-12345678"}})), "IDENTITY_POLICY", None,
     "The VPCE identifier in the condition key value is not valid.  Use the prefix 'vpce-' followed by 8 or 17 "
     "alphanumeric characters.",
     [cond_path("StringEquals", "aws:SourceVpce", "value")]),
    ("INVALID_KMS_KEY_VALUE", "ERROR",
     pol(st(action="s3:PutObject", condition={"StringEquals": {
         "s3:x-amz-server-side-encryption-aws-kms-key-id": "alias/my-key"}})), "IDENTITY_POLICY", None,
     "The s3:x-amz-server-side-encryption-aws-kms-key-id condition key value must be a valid KMS key ARN.",
     [cond_path("StringEquals", "s3:x-amz-server-side-encryption-aws-kms-key-id", "value")]),
    ("MISSING_PAIRED_CONDITION_KEYS", "SECURITY_WARNING",
     pol(st(condition={"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"}})), "IDENTITY_POLICY", None,
     "Using the condition key aws:VpcSourceIp can be overly permissive without also using the following condition "
     "keys: aws:SourceVpc. Condition keys like this one are more secure when paired with a related key. We "
     "recommend that you add the related condition keys to the same condition block.",
     [cond_path("IpAddress", "aws:VpcSourceIp")]),
    # The doc's example (Lambda now supports aws:ResourceTag, so sts stands in for the unsupported service).
    ("DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", "SECURITY_WARNING",
     pol(st("Deny", ["appmesh:DeleteMesh", "lambda:DeleteFunction", "sts:GetCallerIdentity"],
            condition={"StringEquals": {"aws:ResourceTag/status": "Confidential"}})), "IDENTITY_POLICY", None,
     "Using the effect Deny with the tag condition key aws:ResourceTag/status and actions for services with the "
     "following prefixes can be overly permissive: sts. Actions for the listed services are not denied by this "
     "statement. We recommend that you move these actions to a different statement without this condition key.",
     [action_path(2), cond_path("StringEquals", "aws:ResourceTag/status")]),
    ("DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", "SECURITY_WARNING",
     pol(st("Deny", "iam:*", key="NotAction", condition={"StringEquals": {"aws:ResourceTag/status": "Confidential"}})),
     "IDENTITY_POLICY", None,
     "Using the effect Deny with NotAction and the tag condition key aws:ResourceTag/status can be overly permissive "
     "because some service actions are not denied by this statement. This is because the condition key doesn't "
     "apply to some service actions. We recommend that you use Action instead of NotAction.",
     [action_path(element="NotAction")]),
    # AWS's API wording differs from the reference page's ("the condition key", "The actions for").
    ("ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", "SUGGESTION",
     pol(st("Allow", ["appmesh:DescribeMesh", "lambda:GetFunction", "sts:GetCallerIdentity"],
            condition={"StringEquals": {"aws:ResourceTag/team": "BumbleBee"}})), "IDENTITY_POLICY", None,
     "Using the effect Allow with the condition key aws:ResourceTag/team and actions for services with the "
     "following prefixes does not affect the policy: sts. The actions for the listed service are not allowed by "
     "this statement. We recommend that you move these actions to a different statement without this condition "
     "key.",
     [action_path(2), cond_path("StringEquals", "aws:ResourceTag/team")]),
    ("ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", "SUGGESTION",
     pol(st("Allow", "iam:*", key="NotAction", condition={"StringEquals": {"aws:ResourceTag/team": "BumbleBee"}})),
     "IDENTITY_POLICY", None,
     "Using the effect Allow with NotAction and the tag condition key aws:ResourceTag/team allows only service "
     "actions that support the condition key. The condition key doesn't apply to some service actions. We "
     "recommend that you use Action instead of NotAction.",
     [action_path(element="NotAction")]),
    ("IRRELEVANT_CONDITION_KEY_IN_POLICY", "SUGGESTION",
     pol(dict(st(action="s3:GetObject", resource="arn:aws:s3:::b/*",
                 condition={"StringEquals": {"s3:ResourceAccount": "111122223333"}}), Principal={"AWS": "111122223333"})),
     "RESOURCE_POLICY", "AWS::S3::Bucket",
     "The condition key s3:ResourceAccount is not relevant for the AWS::S3::Bucket policy.  Use this key in an "
     "identity-based policy to govern access to this resource.",
     [cond_path("StringEquals", "s3:ResourceAccount")]),
    ("UNTRUSTWORTHY_CONDITION_KEY", "SECURITY_WARNING",
     pol(st(action="s3:GetObject", condition={"StringLike": {"aws:UserAgent": "MyApp/*"}})), "IDENTITY_POLICY", None,
     "The aws:UserAgent condition key is not recommended for access control as it can be spoofed/manipulated by "
     "the caller.",
     [cond_path("StringLike", "aws:UserAgent")]),
    # AWS's message names types, not operators (a global ARN key accepts "ARN, String").
    ("STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS", "SECURITY_WARNING",
     pol(st(condition={"StringLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:*"}})),
     "IDENTITY_POLICY", None,
     "Use the operator type ARN, String instead of operator string for the condition key aws:SourceArn.",
     [cond_path("StringLike", "aws:SourceArn")]),
    ("DYNAMODB_ATTRIBUTES_WITHOUT_SELECT", "SECURITY_WARNING",
     pol(st(action="dynamodb:GetItem",
            condition={"ForAllValues:StringEquals": {"dynamodb:Attributes": ["UserId", "Score"]}})),
     "IDENTITY_POLICY", None,
     "Restricting dynamodb:Attributes without also setting dynamodb:Select to SPECIFIC_ATTRIBUTES allows all "
     "attributes to be returned on read requests that omit a projection expression. We recommend that you also set "
     "dynamodb:Select to SPECIFIC_ATTRIBUTES.",
     [cond_path("ForAllValues:StringEquals", "dynamodb:Attributes")]),
    ("S3_PREFIX_IN_NEGATIVE_CONTEXT", "SECURITY_WARNING",
     pol(st("Deny", condition={"StringLike": {"s3:prefix": "private/*"}})), "IDENTITY_POLICY", None,
     "Using the s3:prefix condition key in a Deny statement or with a negated string operator does not block "
     "listing the objects under the matching prefixes. A request that specifies a shorter prefix does not match the "
     "condition and can still list those objects. To restrict listing to specific prefixes, use s3:prefix with "
     "StringLike in an Allow statement, or use a Deny statement with StringNotLike.",
     [cond_path("StringLike", "s3:prefix")]),
    ("USE_CONDITION_KEY_ONLY_WITH_SUPPORTED_SERVICES", "WARNING",
     pol(st("Deny", "*", condition={"StringNotEquals": {"aws:VpceAccount": "111122223333"}})), "IDENTITY_POLICY", None,
     "The condition key aws:VpceAccount works only with specific AWS services and must be scoped to supported "
     "services in your policies.",
     [cond_path("StringNotEquals", "aws:VpceAccount")]),
]

NEGATIVE = [
    ("INVALID_CONDITION_KEY_FORMAT", pol(st(condition={"StringEquals": {"s3:prefix": "home/"}})), "IDENTITY_POLICY", None),
    ("INVALID_GLOBAL_CONDITION_KEY", pol(st(condition={"StringEquals": {"aws:sourceaccount": "111122223333"}})),
     "IDENTITY_POLICY", None),
    ("INVALID_SERVICE_CONDITION_KEY", pol(st(action="s3:GetObject", condition={
        "StringEquals": {"s3:ExistingObjectTag/team": "x", "accounts.google.com:aud": "a", "saml:aud": "b"}})),
     "IDENTITY_POLICY", None),
    ("UNSUPPORTED_GLOBAL_CONDITION_KEY", pol(dict(st(condition={"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::1:role/r"}}),
                                                  Principal={"AWS": "111122223333"})), "RESOURCE_POLICY", None),
    ("DEPRECATED_GLOBAL_CONDITION_KEY", pol(st(condition={"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::1:role/r"}})),
     "IDENTITY_POLICY", None),
    ("MISSING_TAG_KEY_IN_CONDITION", pol(st(action="ec2:StopInstances",
                                            condition={"StringEquals": {"aws:ResourceTag/owner": "JaneDoe"}})),
     "IDENTITY_POLICY", None),
    ("UNSUPPORTED_ACTION_FOR_CONDITION_KEY", pol(dict(st(action=["s3:ListBucket", "s3:Get*"],
                                                         condition={"StringLike": {"s3:prefix": "home/*"}}),
                                                      Principal={"AWS": "111122223333"})),
     "RESOURCE_POLICY", None),
    ("MISSING_ACTION_FOR_CONDITION_KEY", pol(st(action=["ec2:RunInstances", "ec2:CreateTags"],
                                                condition={"StringEquals": {"ec2:CreateAction": "RunInstances"}})),
     "IDENTITY_POLICY", None),
    ("INVALID_REGION", pol(st(action="ec2:*", condition={"StringLike": {"aws:RequestedRegion": ["us-east-1", "eu-*"]}})),
     "IDENTITY_POLICY", None),
    ("INVALID_VPC_FORMAT", pol(st(condition={"StringEquals": {"aws:SourceVpc": ["vpc-12345678", "vpc-11223344556677889"]}})),
     "IDENTITY_POLICY", None),
    ("INVALID_VPCE_FORMAT", pol(st(condition={"StringEquals": {"aws:SourceVpce": "vpce-12345678"}})),
     "IDENTITY_POLICY", None),
    ("INVALID_KMS_KEY_VALUE", pol(st(action="s3:PutObject", condition={"StringEquals": {
        "s3:x-amz-server-side-encryption-aws-kms-key-id":
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}})), "IDENTITY_POLICY", None),
    ("MISSING_PAIRED_CONDITION_KEYS", pol(st(condition={"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"},
                                                        "StringEquals": {"aws:SourceVpc": "vpc-12345678"}})),
     "IDENTITY_POLICY", None),
    ("DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
     pol(st("Deny", ["appmesh:DeleteMesh", "lambda:DeleteFunction"],
            condition={"StringEquals": {"aws:ResourceTag/status": "Confidential"}})), "IDENTITY_POLICY", None),
    ("DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
     pol(st("Deny", "iam:*", condition={"StringEquals": {"aws:ResourceTag/status": "Confidential"}})),
     "IDENTITY_POLICY", None),
    ("ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
     pol(st("Allow", ["appmesh:DescribeMesh", "sts:GetCallerIdentity"],
            condition={"StringEqualsIfExists": {"aws:ResourceTag/team": "BumbleBee"}})), "IDENTITY_POLICY", None),
    ("ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
     pol(st("Allow", "iam:*", key="NotAction", condition={"StringNotEquals": {"aws:ResourceTag/team": "BumbleBee"}})),
     "IDENTITY_POLICY", None),
    ("IRRELEVANT_CONDITION_KEY_IN_POLICY",
     pol(st(action="s3:GetObject", condition={"StringEquals": {"s3:ResourceAccount": "111122223333"}})),
     "IDENTITY_POLICY", None),
    ("UNTRUSTWORTHY_CONDITION_KEY", pol(st(action="s3:GetObject", condition={"StringEquals": {"aws:SourceVpce": "vpce-12345678"}})),
     "IDENTITY_POLICY", None),
    ("STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS",
     pol(st(condition={"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:*"},
                       "StringLike": {"aws:SourceAccount": "111122223333"}})), "IDENTITY_POLICY", None),
    ("DYNAMODB_ATTRIBUTES_WITHOUT_SELECT",
     pol(st(action="dynamodb:GetItem", condition={
         "ForAllValues:StringEquals": {"dynamodb:Attributes": ["UserId", "Score"]},
         "StringEqualsIfExists": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"}})), "IDENTITY_POLICY", None),
    ("S3_PREFIX_IN_NEGATIVE_CONTEXT", pol(st("Deny", condition={"StringNotLike": {"s3:prefix": "public/*"}})),
     "IDENTITY_POLICY", None),
    ("USE_CONDITION_KEY_ONLY_WITH_SUPPORTED_SERVICES",
     pol(st("Deny", "s3:*", condition={"StringNotEquals": {"aws:VpceAccount": "111122223333"}})), "IDENTITY_POLICY", None),
]


@pytest.mark.parametrize("code,ftype,policy,ptype,rtype,details,expected_paths", POSITIVE, ids=[p[0] for p in POSITIVE])
def test_positive(code, ftype, policy, ptype, rtype, details, expected_paths):
    found = only(code, policy, ptype, rtype)
    assert len(found) == 1, found
    assert found[0]["findingType"] == ftype
    assert found[0]["findingDetails"] == details
    assert paths(found) == expected_paths


@pytest.mark.parametrize("code,policy,ptype,rtype", NEGATIVE, ids=[n[0] for n in NEGATIVE])
def test_near_miss(code, policy, ptype, rtype):
    assert only(code, policy, ptype, rtype) == []


def test_every_code_has_both_tests():
    assert {p[0] for p in POSITIVE} == {n[0] for n in NEGATIVE}
    assert len(POSITIVE) == 23


def test_key_names_are_case_insensitive():
    p = pol(st(condition={"StringLike": {"S3:PREFIX": "home/*", "AWS:SOURCEVPC": "vpc-12345678"}}))
    for code in ("INVALID_SERVICE_CONDITION_KEY", "INVALID_GLOBAL_CONDITION_KEY", "UNSUPPORTED_ACTION_FOR_CONDITION_KEY"):
        assert only(code, p) == []


def test_aws_arn_in_scp_is_the_warning_not_the_error():
    p = pol(st("Deny", "*", condition={"ArnNotLike": {"aws:ARN": "arn:aws:iam::*:role/admin"}}))
    assert only("UNSUPPORTED_GLOBAL_CONDITION_KEY", p, "SERVICE_CONTROL_POLICY") == []
    assert len(only("DEPRECATED_GLOBAL_CONDITION_KEY", p, "SERVICE_CONTROL_POLICY")) == 1


def test_malformed_conditions_do_not_raise():
    p = {"Version": V, "Statement": [{"Effect": "Allow", "Action": [1, None], "Resource": "*",
                                      "Condition": {"StringEquals": {"aws:SourceVpc": [1, True], "": "x"}}},
                                     {"Effect": "Deny", "NotAction": 5, "Condition": {"StringEquals": "x"}}]}
    only("INVALID_CONDITION_KEY_FORMAT", p)


# -- AWS's real responses: the general rules behind them ----------------------------------------

TAG_MESSAGE = ("Using the effect Allow with the condition key aws:ResourceTag/team and actions for services with the "
               "following prefixes does not affect the policy: {}. The actions for the listed service are not "
               "allowed by this statement. We recommend that you move these actions to a different statement "
               "without this condition key.")


def test_tag_condition_applies_to_actions_that_take_request_tags():
    # cloudfront:CreateDistribution lists aws:RequestTag but not aws:ResourceTag: AWS does not list it
    # (nor ssm:CreateOpsItem, ...); sts:GetCallerIdentity takes no tag key at all and is listed.
    p = pol(st("Allow", ["cloudfront:CreateDistribution", "ssm:CreateOpsItem", "sts:GetCallerIdentity"],
               condition={"StringEquals": {"aws:ResourceTag/team": "BumbleBee"}}))
    found = only("ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", p)
    assert [f["findingDetails"] for f in found] == [TAG_MESSAGE.format("sts")]
    assert paths(found) == [action_path(2), cond_path("StringEquals", "aws:ResourceTag/team")]
    deny = pol(st("Deny", ["cloudfront:CreateDistribution"], condition={"StringEquals": {"aws:ResourceTag/team": "x"}}))
    assert only("DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", deny) == []


def test_tag_support_through_resource_types_with_mixed_case_names():
    # wisdom:GetAssistant supports aws:ResourceTag through its resource type "Assistant" (the
    # catalog's resource-type files are keyed in lower case).
    p = pol(st("Allow", ["wisdom:GetAssistant"], condition={"StringEquals": {"aws:ResourceTag/team": "x"}}))
    assert only("ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", p) == []


def test_one_tag_finding_per_statement_lists_every_unsupported_item_then_the_key():
    p = pol(st("Allow", ["sts:GetCallerIdentity", "appmesh:DescribeMesh", "sts:GetSessionToken"],
               condition={"StringEquals": {"aws:ResourceTag/team": "BumbleBee"}}))
    found = only("ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", p)
    assert len(found) == 1
    assert paths(found) == [action_path(0), action_path(2), cond_path("StringEquals", "aws:ResourceTag/team")]


@pytest.mark.parametrize("operator", ["StringLike", "StringNotLike", "ForAnyValue:StringLike", "StringLikeIfExists"])
def test_string_like_on_a_service_arn_key_names_the_types(operator):
    p = pol(st(action="ec2:CreateFleet", condition={operator: {"ec2:CapacityReservationFleet": "arn:aws:ec2:*"}}))
    found = only("STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS", p)
    assert [f["findingDetails"] for f in found] == [
        "Use the operator type ARN instead of operator string for the condition key ec2:CapacityReservationFleet."]
    assert paths(found) == [cond_path(operator, "ec2:CapacityReservationFleet")]


def test_string_equals_on_an_arn_key_is_not_a_string_like_finding():
    p = pol(st(action="ec2:CreateFleet", condition={"StringEquals": {"ec2:CapacityReservationFleet": "arn:aws:ec2:x"}}))
    assert only("STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS", p) == []


# AWS's documented example (aws-cli ``accessanalyzer validate-policy``), byte for byte as sent.
CLI_TRUST_POLICY = """{
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


def test_unsupported_action_for_an_identity_provider_key_as_documented():
    found = only("UNSUPPORTED_ACTION_FOR_CONDITION_KEY", CLI_TRUST_POLICY, "RESOURCE_POLICY")
    assert len(found) == 1
    assert found[0]["findingDetails"] == (
        "The following actions: sts:TagSession are not supported by the condition key "
        "cognito-identity.amazonaws.com:aud. The condition will not be evaluated for these actions. We recommend "
        "that you move these actions to a different statement without this condition key.")
    action, value = found[0]["locations"]
    assert action["path"] == action_path(1)
    assert action["span"]["start"] == {"line": 12, "column": 16, "offset": 292}
    assert action["span"]["end"] == {"line": 12, "column": 32, "offset": 308}
    assert value["path"] == cond_path("StringEquals", "cognito-identity.amazonaws.com:aud", "value")
    assert value["span"]["start"] == {"line": 16, "column": 58, "offset": 443}


def test_unsupported_action_is_not_reported_in_identity_policies():
    statement = st(action=["iam:PassRole", "iam:GetRole"], resource="arn:aws:iam::*:role/*",
                   condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}})
    assert only("UNSUPPORTED_ACTION_FOR_CONDITION_KEY", pol(statement)) == []
    resource_policy = pol(dict(statement, Principal={"AWS": "111122223333"}))
    assert len(only("UNSUPPORTED_ACTION_FOR_CONDITION_KEY", resource_policy, "RESOURCE_POLICY")) == 1


def test_principal_org_master_account_id_is_a_valid_global_key():
    p = pol(st("Deny", "sso:*", condition={"StringNotEquals": {"aws:PrincipalOrgMasterAccountId": "${aws:PrincipalAccount}"}}))
    assert only("INVALID_GLOBAL_CONDITION_KEY", p) == []


def test_literal_tag_key_placeholder_of_the_catalog_matches_any_tag():
    # The catalog lists secretsmanager:ResourceTag/tag-key with secretsmanager:GetSecretValue.
    statement = dict(st(action=["secretsmanager:GetSecretValue", "secretsmanager:ListSecrets"],
                        condition={"StringEquals": {"secretsmanager:ResourceTag/Owner": "me"}}),
                     Principal={"AWS": "111122223333"})
    found = only("UNSUPPORTED_ACTION_FOR_CONDITION_KEY", pol(statement), "RESOURCE_POLICY")
    assert [f["findingDetails"].split(" are not")[0] for f in found] == [
        "The following actions: secretsmanager:ListSecrets"]


def _one_service_catalog(root, resource_type_keys, service_keys=()):
    """A catalog of one service ``demo`` whose action GetThing acts on resource type "Thing"."""
    from accessproof.catalog import Catalog

    for sub in ("actions", "resourceTypes", "conditionKeys"):
        (root / sub).mkdir(parents=True)
    (root / "services.json").write_text(json.dumps(["demo"]))
    (root / "serviceNames.json").write_text(json.dumps({"demo": "Demo"}))
    (root / "unassociatedConditions.json").write_text("{}")
    (root / "actions" / "demo.json").write_text(json.dumps({"getthing": {
        "name": "GetThing", "accessLevel": "Read", "conditionKeys": [],
        "resourceTypes": [{"name": "Thing", "required": True, "conditionKeys": []}]}}))
    (root / "resourceTypes" / "demo.json").write_text(json.dumps({"thing": {
        "key": "Thing", "arn": "arn:${Partition}:demo:${Region}:${Account}:thing/${Id}",
        "conditionKeys": resource_type_keys}}))
    (root / "conditionKeys" / "demo.json").write_text(json.dumps(
        {k.lower(): {"key": k, "type": "String"} for k in service_keys}))
    return Catalog(root)


def test_each_catalog_answers_for_its_own_actions(tmp_path):
    # The same action name, supported through its resource type in one catalog and not in the other.
    from accessproof.validate.engine import validate_policy

    text = json.dumps(pol(st("Allow", ["demo:GetThing"], condition={"StringEquals": {"aws:ResourceTag/team": "x"}})))
    supported = _one_service_catalog(tmp_path / "a", ["aws:ResourceTag/${TagKey}"])
    unsupported = _one_service_catalog(tmp_path / "b", [])
    code = "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE"
    assert code not in [f.issue_code for f in validate_policy(text, "IDENTITY_POLICY", catalog=supported)[0]]
    assert code in [f.issue_code for f in validate_policy(text, "IDENTITY_POLICY", catalog=unsupported)[0]]


def test_a_literal_tag_key_placeholder_in_the_catalog_names_every_tag(tmp_path):
    # The Service Authorization Reference writes some keys as ".../tag-key" (secretsmanager).
    from accessproof.validate.engine import validate_policy

    catalog = _one_service_catalog(tmp_path, [], ["demo:ResourceTag/tag-key"])
    text = json.dumps(pol(st("Allow", ["demo:GetThing"], condition={"StringEquals": {"demo:ResourceTag/team": "x"}})))
    codes = [f.issue_code for f in validate_policy(text, "IDENTITY_POLICY", catalog=catalog)[0]]
    assert "INVALID_SERVICE_CONDITION_KEY" not in codes
    other = json.dumps(pol(st("Allow", ["demo:GetThing"], condition={"StringEquals": {"demo:Owner": "x"}})))
    assert "INVALID_SERVICE_CONDITION_KEY" in [f.issue_code for f in validate_policy(other, "IDENTITY_POLICY", catalog=catalog)[0]]
