"""``accessproof.client("iam").simulate_custom_policy`` and ``accessproof simulate-custom-policy``."""

import json
import subprocess
import sys

import pytest
from botocore.exceptions import ClientError

from accessproof.api.iam import IAMClient

POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*",
     "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}, indent=2)


def test_simulate_custom_policy_result_shape():
    response = IAMClient().simulate_custom_policy(
        PolicyInputList=[POLICY], ActionNames=["s3:GetObject", "s3:PutObject"], ResourceArns=["arn:aws:s3:::b/alice/k"],
        ContextEntries=[{"ContextKeyName": "aws:username", "ContextKeyValues": ["alice"], "ContextKeyType": "string"},
                        {"ContextKeyName": "aws:MultiFactorAuthPresent", "ContextKeyValues": ["true"], "ContextKeyType": "boolean"}])
    first, second = response["EvaluationResults"]
    assert first["EvalDecision"] == "allowed"
    assert first["MatchedStatements"] == [{"SourcePolicyId": "PolicyInputList.1", "StartPosition": {"Line": 4, "Column": 5},
                                           "EndPosition": {"Line": 14, "Column": 6}}]
    assert first["ResourceSpecificResults"][0]["EvalResourceDecision"] == "allowed"
    assert second["EvalDecision"] == "implicitDeny" and second["MatchedStatements"] == []


def test_missing_context_values_are_reported():
    response = IAMClient().simulate_custom_policy(PolicyInputList=[POLICY], ActionNames=["s3:GetObject"],
                                                  ResourceArns=["arn:aws:s3:::b/alice/k"],
                                                  ContextEntries=[{"ContextKeyName": "aws:username",
                                                                   "ContextKeyValues": ["alice"], "ContextKeyType": "string"}])
    assert response["EvaluationResults"][0]["MissingContextValues"] == ["aws:MultiFactorAuthPresent"]


def test_resource_policy_boundary_scp_and_session():
    resource_policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:user/alice"}, "Action": "s3:*", "Resource": "*"}]})
    deny_all = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]})
    client = IAMClient()
    common = dict(PolicyInputList=[], ActionNames=["s3:GetObject"], ResourceArns=["arn:aws:s3:::b/k"],
                  ResourcePolicy=resource_policy, CallerArn="arn:aws:iam::111111111111:user/alice")
    assert client.simulate_custom_policy(**common)["EvaluationResults"][0]["EvalDecision"] == "allowed"
    result = client.simulate_custom_policy(**common, ServiceControlPolicyInputList=[deny_all])["EvaluationResults"][0]
    assert result["EvalDecision"] == "explicitDeny"
    assert result["MatchedStatements"][0]["SourcePolicyId"] == "ServiceControlPolicyInputList.1"


@pytest.mark.parametrize("kwargs, code", [
    (dict(PolicyInputList=["{"], ActionNames=["s3:GetObject"]), "MalformedPolicyDocument"),
    (dict(PolicyInputList=[POLICY], ActionNames=["s3:GetObject"], ResourcePolicy=POLICY), "InvalidInput"),
    (dict(PolicyInputList=[POLICY], ActionNames=["GetObject"]), "InvalidInput"),
    (dict(PolicyInputList=[POLICY], ActionNames=["s3:GetObject"],
          ContextEntries=[{"ContextKeyName": "k", "ContextKeyValues": ["1"], "ContextKeyType": "float"}]), "InvalidInput"),
])
def test_errors_are_client_errors(kwargs, code):
    with pytest.raises(ClientError) as e:
        IAMClient().simulate_custom_policy(**kwargs)
    assert e.value.response["Error"]["Code"] == code


def _cli(*args, input=None):
    return subprocess.run([sys.executable, "-c", "from accessproof.cli.main import main; main()", *args],
                          capture_output=True, text=True, input=input, timeout=60)


def test_cli_aws_style_lists_and_text_output(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(POLICY)
    run = _cli("simulate-custom-policy", "--policy-input-list", f"file://{path}", "--action-names", "s3:GetObject",
               "s3:PutObject", "--resource-arns", "arn:aws:s3:::b/alice/k", "--context-entries",
               "ContextKeyName=aws:username,ContextKeyValues=alice,ContextKeyType=string",
               "ContextKeyName=aws:MultiFactorAuthPresent,ContextKeyValues=true,ContextKeyType=boolean", "--output", "text")
    assert run.returncode == 0, run.stderr
    assert "allowed       s3:GetObject" in run.stdout and "Sid Read" in run.stdout
    assert "implicitDeny  s3:PutObject" in run.stdout


def test_cli_json_and_bad_input(tmp_path):
    run = _cli("simulate-custom-policy", "--policy-input-list", POLICY, "--action-names", "s3:GetObject")
    assert run.returncode == 0 and json.loads(run.stdout)["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"
    bad = _cli("simulate-custom-policy", "--policy-input-list", "{", "--action-names", "s3:GetObject")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


# --- botocore's OrderedOrganizationPolicyInputList (IAM API Reference, SimulateCustomPolicy) -----
# "An ordered list of service control policies (SCPs) ... Each element represents one level of an
# Organizations hierarchy, from the organization root to the account." (botocore IAM model)

ALLOW_ALL = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
ALLOW_EC2 = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]})
ALLOW_S3 = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})


def _decision(**kwargs) -> dict:
    return IAMClient().simulate_custom_policy(PolicyInputList=[ALLOW_S3], ActionNames=["s3:GetObject"], **kwargs)[
        "EvaluationResults"][0]


def level(*documents: str) -> dict:
    return {"ServiceControlPolicyInputList": list(documents)}


def test_ordered_organization_policies_every_level_must_allow():
    result = _decision(OrderedOrganizationPolicyInputList=[level(ALLOW_ALL), level(ALLOW_EC2), level(ALLOW_ALL)])
    assert result["EvalDecision"] == "implicitDeny"
    assert result["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": False}
    # Several SCPs at one level: one of them allowing is enough for that level.
    result = _decision(OrderedOrganizationPolicyInputList=[level(ALLOW_ALL), level(ALLOW_EC2, ALLOW_S3)])
    assert result["EvalDecision"] == "allowed"
    assert result["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": True}


def test_ordered_organization_policies_name_their_level_in_matched_statements():
    deny = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]})
    result = _decision(OrderedOrganizationPolicyInputList=[level(ALLOW_ALL), level(ALLOW_ALL, deny)])
    assert result["EvalDecision"] == "explicitDeny"
    assert result["MatchedStatements"][0]["SourcePolicyId"] == "OrderedOrganizationPolicyInputList.2.2"


def test_ordered_and_project_scp_lists_agree():
    ordered = _decision(OrderedOrganizationPolicyInputList=[level(ALLOW_ALL), level(ALLOW_EC2)])
    project = _decision(ServiceControlPolicyInputList=[ALLOW_ALL, ALLOW_EC2])
    assert ordered["EvalDecision"] == project["EvalDecision"] == "implicitDeny"


@pytest.mark.parametrize("kwargs", [
    dict(OrderedOrganizationPolicyInputList=[level(ALLOW_ALL)], ServiceControlPolicyInputList=[ALLOW_ALL]),
    dict(OrderedOrganizationPolicyInputList=[level(ALLOW_ALL)] * 8),  # botocore: "max": 7
    dict(OrderedOrganizationPolicyInputList=[{"ServiceControlPolicies": [ALLOW_ALL]}]),
    dict(OrderedOrganizationPolicyInputList=level(ALLOW_ALL)),
])
def test_ordered_organization_policies_bad_input(kwargs):
    with pytest.raises(ClientError) as e:
        _decision(**kwargs)
    assert e.value.response["Error"]["Code"] == "InvalidInput"


def test_unknown_parameters_are_rejected_as_boto3_rejects_them():
    from botocore.exceptions import ParamValidationError

    # A typo must never simulate on "*" silently (ResourceArn for ResourceArns).
    with pytest.raises(ParamValidationError, match='Unknown parameter in input: "ResourceArn"'):
        IAMClient().simulate_custom_policy(PolicyInputList=[ALLOW_S3], ActionNames=["s3:GetObject"],
                                           ResourceArn=["arn:aws:s3:::b/k"])
    with pytest.raises(ParamValidationError, match='Missing required parameter in input: "ActionNames"'):
        IAMClient().simulate_custom_policy(PolicyInputList=[ALLOW_S3])


def test_service_rules_reach_the_simulator():
    deny_all = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]})
    response = IAMClient().simulate_custom_policy(
        PolicyInputList=[ALLOW_ALL, deny_all], ActionNames=["sts:GetCallerIdentity", "iam:CreatePolicyVersion"])
    gci, version = response["EvaluationResults"]
    assert gci["EvalDecision"] == "allowed"  # STS API Reference, GetCallerIdentity
    assert version["EvalDecision"] == "explicitDeny"
    response = IAMClient().simulate_custom_policy(
        PolicyInputList=[ALLOW_ALL], ActionNames=["iam:CreatePolicyVersion"],
        ResourceArns=["arn:aws:iam::aws:policy/ReadOnlyAccess"])
    assert response["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"  # AWS managed policies


def test_cli_rejects_an_unknown_flag_instead_of_simulating_on_star():
    run = _cli("simulate-custom-policy", "--policy-input-list", ALLOW_S3, "--action-names", "s3:GetObject",
               "--resource-arn", "arn:aws:s3:::b/k")
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and "No such option: --resource-arn" in run.stderr
    assert "--resource-arns" in run.stderr  # the close match is suggested


def test_cli_rejects_a_stray_value_after_a_single_valued_flag():
    run = _cli("simulate-custom-policy", "--policy-input-list", ALLOW_S3, "--action-names", "s3:GetObject",
               "--caller-arn", "arn:aws:iam::111111111111:user/a", "arn:aws:iam::111111111111:user/b")
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "unexpected extra argument" in run.stderr


def test_cli_ordered_organization_policy_input_list(tmp_path):
    levels = [level(ALLOW_ALL), level(ALLOW_EC2)]
    path = tmp_path / "levels.json"
    path.write_text(json.dumps(levels))
    for value in (f"file://{path}", json.dumps(levels)):
        run = _cli("simulate-custom-policy", "--policy-input-list", ALLOW_S3, "--action-names", "s3:GetObject",
                   "--ordered-organization-policy-input-list", value)
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout)["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"
    # One level per value, AWS CLI style (several values after one flag).
    run = _cli("simulate-custom-policy", "--policy-input-list", ALLOW_S3, "--action-names", "s3:GetObject",
               "--ordered-organization-policy-input-list", json.dumps(level(ALLOW_ALL)), json.dumps(level(ALLOW_S3)))
    assert json.loads(run.stdout)["EvaluationResults"][0]["EvalDecision"] == "allowed"
    bad = _cli("simulate-custom-policy", "--policy-input-list", ALLOW_S3, "--action-names", "s3:GetObject",
               "--ordered-organization-policy-input-list", "[{")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "not valid JSON" in bad.stderr


def test_expand_list_flags():
    from accessproof.cli.awscommand import expand_list_flags

    flags = frozenset({"--a", "--b"})
    assert expand_list_flags(["--a", "1", "2", "--c", "3", "--b=4", "5"], flags) == \
        ["--a", "1", "--a", "2", "--c", "3", "--b=4", "--b", "5"]
    assert expand_list_flags(["--c", "3", "4"], flags) == ["--c", "3", "4"]  # left for the parser to reject
