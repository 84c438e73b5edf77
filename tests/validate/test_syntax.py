"""Syntax, elements, types, required elements and Version (rules/syntax.py)."""

import pytest

from .helpers import allow, codes, only, paths, run

LINK = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#"


@pytest.mark.parametrize("text,offset,line,column", [
    ('{"Version": "2012-10-17",\n "Statement": [}', 41, 2, 15),
    ("", 0, 1, 0),
    ("{\n  'Version': 1}", 4, 2, 2),
])
def test_json_syntax_error_names_index_line_and_column(text, offset, line, column):
    [f] = run(text)
    assert f["issueCode"] == "JSON_SYNTAX_ERROR" and f["findingType"] == "ERROR"
    assert f["findingDetails"] == f"Fix the JSON syntax error at index {offset} line {line} column {column}."
    assert f["locations"][0]["span"]["start"] == {"line": line, "column": column, "offset": offset}
    assert f["learnMoreLink"] == LINK + "access-analyzer-reference-policy-checks-error-json-syntax-error"


def test_json_that_is_not_an_object_is_a_syntax_error():
    assert codes("[]") == ["JSON_SYNTAX_ERROR"]
    assert "JSON_SYNTAX_ERROR" not in codes(allow("s3:GetObject"))


def test_invalid_policy_element_at_the_key():
    policy = allow("s3:GetObject", Actions="s3:PutObject")
    policy["Versions"] = "2012-10-17"
    found = only("INVALID_POLICY_ELEMENT", policy)
    assert sorted(f["findingDetails"] for f in found) == [
        "The policy element Actions is not valid.", "The policy element Versions is not valid."]
    assert [{"key": "Actions"}] in [p[-1:] for p in paths(found)]
    # Element names are case sensitive: "effect" is not "Effect".
    assert only("INVALID_POLICY_ELEMENT", {"Version": "2012-10-17", "Statement": [
        {"effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
    assert not only("INVALID_POLICY_ELEMENT", allow("s3:GetObject", Sid="A1"))


@pytest.mark.parametrize("policy,path,expected", [
    ({"Version": 2012, "Statement": []}, [{"value": "Version"}], "String"),
    ({"Statement": "x"}, [{"value": "Statement"}], "Object or Array of Object"),
    ({"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", 5], "Resource": "*"}]},
     [{"value": "Statement"}, {"index": 0}, {"value": "Action"}, {"index": 1}], "String"),
    ({"Statement": [{"Effect": ["Allow"], "Action": "s3:*", "Resource": "*"}]},
     [{"value": "Statement"}, {"index": 0}, {"value": "Effect"}], "String"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:username": {"a": 1}}}}]},
     [{"value": "Statement"}, {"index": 0}, {"value": "Condition"}, {"value": "StringEquals"}, {"value": "aws:username"}],
     "String, Number, Boolean or an Array of them"),
])
def test_data_type_mismatch(policy, path, expected):
    [f] = only("DATA_TYPE_MISMATCH", policy)
    assert f["locations"][0]["path"] == path
    assert f["findingDetails"] == f"The text does not match the expected JSON data type {expected}."


def test_no_data_type_mismatch_for_the_documented_forms():
    policy = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": ["*"],
              "Condition": {"NumericLessThan": {"s3:max-keys": 10}, "Bool": {"aws:SecureTransport": True}}}}
    assert not only("DATA_TYPE_MISMATCH", policy)


def test_missing_statement_effect_action_resource():
    assert "MISSING_STATEMENT" in codes({"Version": "2012-10-17"})
    assert "MISSING_STATEMENT" not in codes(allow("s3:*"))
    st = {"Sid": "A", "Action": "s3:*", "Resource": "*"}
    [f] = only("MISSING_EFFECT", {"Version": "2012-10-17", "Statement": [st]})
    assert f["findingDetails"] == "Add an Effect element to the policy statement with a value of Allow or Deny."
    assert f["locations"][0]["path"] == [{"value": "Statement"}, {"index": 0}]
    [f] = only("MISSING_ACTION", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]})
    assert f["findingDetails"] == "Add an Action or NotAction element to the policy statement."
    assert not only("MISSING_ACTION", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]})
    [f] = only("MISSING_RESOURCE", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]})
    assert f["findingDetails"] == "Add a Resource or NotResource element to the policy statement."
    assert not only("MISSING_RESOURCE", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::b"}]})


def test_role_trust_policies_need_no_resource():
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    assert not only("MISSING_RESOURCE", trust, "RESOURCE_POLICY", "AWS::IAM::AssumeRolePolicyDocument")
    assert not only("MISSING_RESOURCE", trust, "RESOURCE_POLICY")
    bucket = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:GetObject"}]}
    assert only("MISSING_RESOURCE", bucket, "RESOURCE_POLICY")


def test_missing_principal_in_resource_policies_only():
    policy = allow("s3:GetObject", "arn:aws:s3:::b/*")
    [f] = only("MISSING_PRINCIPAL", policy, "RESOURCE_POLICY")
    assert f["findingDetails"] == "Add a Principal element to the policy statement."
    assert not only("MISSING_PRINCIPAL", policy, "IDENTITY_POLICY")
    policy["Statement"][0]["Principal"] = {"AWS": "111122223333"}
    assert not only("MISSING_PRINCIPAL", policy, "RESOURCE_POLICY")


def test_invalid_effect_is_case_sensitive():
    policy = allow("s3:*")
    policy["Statement"][0]["Effect"] = "allow"
    [f] = only("INVALID_EFFECT", policy)
    assert f["findingDetails"] == "The effect allow is not valid. Use Allow or Deny."
    assert f["locations"][0]["path"][-1] == {"value": "Effect"}
    assert not only("INVALID_EFFECT", allow("s3:*"))


def test_version():
    policy = allow("s3:*")
    policy["Version"] = "2012-10-18"
    [f] = only("INVALID_VERSION", policy)
    assert f["findingDetails"] == "The version 2012-10-18 is not valid. Use one of the following versions: 2012-10-17, 2008-10-17"
    assert not only("INVALID_VERSION", allow("s3:*"))
    del policy["Version"]
    [f] = only("MISSING_VERSION", policy)
    assert f["findingType"] == "WARNING"
    assert not only("MISSING_VERSION", allow("s3:*"))


@pytest.mark.parametrize("first,second", [("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal")])
def test_unsupported_element_combination(first, second):
    st = {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Principal": "*"}
    st[second] = "*"
    policy = {"Version": "2012-10-17", "Statement": [st]}
    [f] = only("UNSUPPORTED_ELEMENT_COMBINATION", policy, "RESOURCE_POLICY")
    assert f["findingDetails"] == (f"The policy elements {first} and {second} can not be used in the same statement. "
                                   "Remove one of these elements.")
    del st[second]
    assert not only("UNSUPPORTED_ELEMENT_COMBINATION", policy, "RESOURCE_POLICY")
