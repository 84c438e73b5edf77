import pytest
from botocore.exceptions import ClientError, ParamValidationError

import accessproof

POLICY = '{"Version": "2012-10-17", "Statement": [{"Sid": "", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'


@pytest.fixture
def client():
    return accessproof.client("accessanalyzer")


def test_validate_policy_response_shape(client):
    response = client.validate_policy(policyDocument=POLICY, policyType="IDENTITY_POLICY")
    assert set(response) == {"findings", "ResponseMetadata"}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200 and response["ResponseMetadata"]["RequestId"]
    [finding] = [f for f in response["findings"] if f["issueCode"] == "EMPTY_SID_VALUE"]
    assert set(finding) == {"findingDetails", "findingType", "issueCode", "learnMoreLink", "locations"}
    assert finding["learnMoreLink"].endswith("#access-analyzer-reference-policy-checks-suggestion-empty-sid-value")


@pytest.mark.parametrize("kwargs,field", [
    ({"policyType": "IDENTITY"}, "policyType"),
    ({"policyType": "RESOURCE_POLICY", "validatePolicyResourceType": "AWS::SQS::Queue"}, "validatePolicyResourceType"),
    ({"policyType": "IDENTITY_POLICY", "locale": "XX"}, "locale"),
])
def test_invalid_enums_raise_validation_exception(client, kwargs, field):
    with pytest.raises(client.exceptions.ValidationException) as e:
        client.validate_policy(policyDocument=POLICY, **kwargs)
    assert isinstance(e.value, ClientError)
    assert e.value.response["Error"]["Code"] == "ValidationException"
    assert f"at '{field}'" in e.value.response["Error"]["Message"]


def test_resource_type_only_with_resource_policies(client):
    with pytest.raises(client.exceptions.ValidationException):
        client.validate_policy(policyDocument=POLICY, policyType="IDENTITY_POLICY",
                               validatePolicyResourceType="AWS::S3::Bucket")


def test_missing_required_argument_is_refused_by_botocore(client):
    with pytest.raises(ParamValidationError, match="Missing required parameter.*policyDocument"):
        client.validate_policy(policyType="IDENTITY_POLICY")


def test_document_must_be_a_string(client):
    with pytest.raises(ParamValidationError, match="Invalid type for parameter policyDocument"):
        client.validate_policy(policyDocument={"Statement": []}, policyType="IDENTITY_POLICY")


def test_the_client_is_botocores():
    from botocore.client import BaseClient

    client = accessproof.client("accessanalyzer")
    assert isinstance(client, BaseClient)
    assert client.can_paginate("validate_policy") and client.can_paginate("list_findings")
    names = {name for name in dir(client.exceptions) if name.endswith("Exception")}
    assert {"AccessDeniedException", "ThrottlingException", "ServiceQuotaExceededException",
            "ValidationException", "ResourceNotFoundException", "ConflictException"} <= names


def test_ten_megabyte_document_is_refused_as_aws_refuses_it(client):
    big = '{"Version": "2012-10-17", "Statement": [' + ",".join(
        ['{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/%d"}' % i for i in range(140000)]) + "]}"
    assert len(big) > 10_000_000
    with pytest.raises(client.exceptions.ValidationException) as e:
        client.validate_policy(policyDocument=big, policyType="IDENTITY_POLICY")
    # AWS's whole message for a document over 32 KiB (the dev file's 15 refused requests).
    assert e.value.response["Error"]["Message"] == "InvalidPolicy"


def test_document_just_over_32_kib_is_refused(client):
    statement = '{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/%05d"}'
    policy = lambda n: '{"Version": "2012-10-17", "Statement": [' + ",".join([statement % i for i in range(n)]) + "]}"
    fits = policy(399)
    assert len(fits) <= 32768
    findings = client.validate_policy(policyDocument=fits, policyType="IDENTITY_POLICY")["findings"]
    assert "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA" in {f["issueCode"] for f in findings}
    over = policy(400)
    assert len(over) > 32768
    with pytest.raises(client.exceptions.ValidationException) as e:
        client.validate_policy(policyDocument=over, policyType="IDENTITY_POLICY")
    assert e.value.response["Error"]["Message"] == "InvalidPolicy"


def test_pagination(client):
    policy = '{"Statement": [' + ",".join(['{"Sid": "", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}'] * 5) + "]}"
    everything = client.validate_policy(policyDocument=policy, policyType="IDENTITY_POLICY")["findings"]
    assert len(everything) >= 5
    pages = list(client.get_paginator("validate_policy").paginate(
        policyDocument=policy, policyType="IDENTITY_POLICY", maxResults=2))
    assert all(len(p["findings"]) <= 2 for p in pages)
    assert [f for p in pages for f in p["findings"]] == everything


def test_paginator_build_full_result(client):
    policy = '{"Statement": [' + ",".join(['{"Sid": "", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}'] * 5) + "]}"
    everything = client.validate_policy(policyDocument=policy, policyType="IDENTITY_POLICY")["findings"]
    full = client.get_paginator("validate_policy").paginate(
        policyDocument=policy, policyType="IDENTITY_POLICY", PaginationConfig={"PageSize": 2}).build_full_result()
    assert full["findings"] == everything


def test_unknown_service_name():
    with pytest.raises(ValueError):
        accessproof.client("s3")
