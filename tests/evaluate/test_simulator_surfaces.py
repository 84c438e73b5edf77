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
