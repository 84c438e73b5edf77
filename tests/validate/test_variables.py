"""Tests for rules/variables.py and the policy-variable parser."""

import pytest

from accessproof.policy.variables import find_variables, substitute
from tests.validate.helpers import only, paths

V = "2012-10-17"


def pol(resource="*", action="s3:GetObject", condition=None, version=V, **extra):
    s = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition is not None:
        s["Condition"] = condition
    s.update(extra)
    doc = {"Statement": [s]}
    if version is not None:
        doc = {"Version": version, "Statement": [s]}
    return doc


def sub(element, start, length, *more):
    return [{"value": "Statement"}, {"index": 0}, {"value": element}, *more, {"substring": {"start": start, "length": length}}]


def cpath(op, key, *more):
    return [{"value": "Statement"}, {"index": 0}, {"value": "Condition"}, {"value": op}, {"value": key}, *more]


BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket-"

POSITIVE = [
    ("INVALID_VARIABLE_FOR_OPERATOR",
     pol(condition={"NumericLessThan": {"s3:max-keys": "${aws:username}"}}),
     "Policy variables can only be used with String and ARN operators.",
     [cpath("NumericLessThan", "s3:max-keys") + [{"substring": {"start": 0, "length": 15}}]]),
    ("MISSING_BRACE_IN_VARIABLE", pol(resource=BUCKET + "${aws:PrincipalTag/team"),
     "The policy variable is missing a closing curly brace. Add } after the variable text.",
     [sub("Resource", len(BUCKET), len("${aws:PrincipalTag/team"))]),
    # The doc's example, with the closing quote of the default value missing.
    ("MISSING_QUOTE_IN_VARIABLE", pol(resource=BUCKET + "${aws:PrincipalTag/team, 'company-wide}"),
     "The policy variable default value must begin and end with a single quote. Add the missing quote.",
     [sub("Resource", len(BUCKET), len("${aws:PrincipalTag/team, 'company-wide}"))]),
    ("UNSUPPORTED_SPACE_IN_VARIABLE", pol(resource="arn:aws:s3:::b/${aws: username}/*"),
     "A space is not supported within the policy variable text. Remove the space.",
     [sub("Resource", 15, len("${aws: username}"))]),
    ("EMPTY_VARIABLE", pol(resource="arn:aws:s3:::b/${ }/*"),
     "Empty policy variable. Remove the ${ } variable structure or provide a variable within the structure.",
     [sub("Resource", 15, 4)]),
    ("VARIABLE_UNSUPPORTED_IN_ELEMENT", pol(action="s3:${aws:username}"),
     "Policy variables are supported in the Resource and Condition elements. Remove the policy variable "
     "${aws:username} from this element.",
     [sub("Action", 3, 15)]),
    ("VARIABLE_UNSUPPORTED_IN_VERSION", pol(resource="arn:aws:s3:::b/${aws:username}/*", version="2008-10-17"),
     "To include variables in your policy, use the policy version 2012-10-17 or later.",
     [[{"value": "Version"}]]),
    ("VARIABLE_USAGE_TOO_PERMISSIVE",
     pol(condition={"StringLike": {"aws:PrincipalArn": "${aws:PrincipalTag/role}"}}),
     "Overly permissive use of policy variable for the aws:PrincipalArn condition key. Use the policy variable "
     "preceded by 6 consecutive characters.",
     [cpath("StringLike", "aws:PrincipalArn")]),
    ("WILDCARD_USAGE_TOO_PERMISSIVE",
     pol(condition={"StringLike": {"aws:userid": "*"}}),
     "Overly permissive use of wildcard with aws:userID. Use the wildcard on the right side of colon or as the only "
     "character on the left side of a colon.",
     [cpath("StringLike", "aws:userid")]),
]

NEGATIVE = [
    ("INVALID_VARIABLE_FOR_OPERATOR", pol(condition={"StringEquals": {"s3:prefix": "${aws:username}/"}})),
    ("MISSING_BRACE_IN_VARIABLE", pol(resource=BUCKET + "${aws:PrincipalTag/team}")),
    ("MISSING_QUOTE_IN_VARIABLE", pol(resource=BUCKET + "${aws:PrincipalTag/team, 'company-wide'}")),
    ("UNSUPPORTED_SPACE_IN_VARIABLE", pol(resource=BUCKET + "${aws:PrincipalTag/team, 'company wide'}")),
    ("EMPTY_VARIABLE", pol(resource="arn:aws:s3:::b/${*}/${?}/${$}")),
    ("VARIABLE_UNSUPPORTED_IN_ELEMENT", pol(action="s3:GetObject", resource="arn:aws:s3:::b/${aws:username}/*")),
    ("VARIABLE_UNSUPPORTED_IN_VERSION", pol(resource="arn:aws:s3:::b/${aws:username}/*")),
    ("VARIABLE_USAGE_TOO_PERMISSIVE",
     pol(condition={"StringLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:role/${aws:PrincipalTag/r}",
                                   "aws:ResourceAccount": "${aws:PrincipalAccount}"}})),
    ("WILDCARD_USAGE_TOO_PERMISSIVE",
     pol(condition={"StringLike": {"aws:userid": ["AIDACKCEVSQ6C2EXAMPLE:*", "*:*"],
                                   "aws:PrincipalArn": "arn:aws:iam::111122223333:role/*"}})),
]


@pytest.mark.parametrize("code,policy,details,expected_paths", POSITIVE, ids=[p[0] for p in POSITIVE])
def test_positive(code, policy, details, expected_paths):
    found = only(code, policy)
    assert len(found) == 1, found
    assert found[0]["findingType"] == "ERROR"
    assert found[0]["findingDetails"] == details
    assert paths(found) == expected_paths


@pytest.mark.parametrize("code,policy", NEGATIVE, ids=[n[0] for n in NEGATIVE])
def test_near_miss(code, policy):
    assert only(code, policy) == []


def test_every_code_has_both_tests():
    assert {p[0] for p in POSITIVE} == {n[0] for n in NEGATIVE}


@pytest.mark.parametrize("key,value,variant_start", [
    ("aws:PrincipalOrgID", "o-*", "The wildcard is not allowed in the condition key aws:PrincipalOrgID."),
    ("aws:SourceArn", "arn:*", "Overly permissive use of wildcard for the aws:SourceArn condition key."),
])
def test_wildcard_variants(key, value, variant_start):
    found = only("WILDCARD_USAGE_TOO_PERMISSIVE", pol(condition={"StringLike": {key: value}}))
    assert len(found) == 1 and found[0]["findingDetails"].startswith(variant_start)


def test_variable_sensitive_key_variant():
    found = only("VARIABLE_USAGE_TOO_PERMISSIVE",
                 pol(condition={"StringEquals": {"aws:PrincipalOrgID": "${aws:PrincipalTag/org}"}}))
    assert len(found) == 1
    assert found[0]["findingDetails"].startswith("The policy variable is not allowed in the condition key aws:PrincipalOrgID.")


def test_wildcard_in_equals_operator_is_literal():
    assert only("WILDCARD_USAGE_TOO_PERMISSIVE", pol(condition={"StringEquals": {"aws:userid": "*"}})) == []


def test_missing_version_counts_as_old_version():
    found = only("VARIABLE_UNSUPPORTED_IN_VERSION", pol(resource="arn:aws:s3:::b/${aws:username}/*", version=None))
    assert paths(found) == [sub("Resource", 15, 15)]


# -- the parser ---------------------------------------------------------------------------------

def test_parser_names_defaults_and_spans():
    text = "a${aws:username}b${aws:PrincipalTag/team, 'company-wide'}c${*}"
    vs = find_variables(text)
    assert [(v.name, v.default, v.start, v.end) for v in vs] == [
        ("aws:username", None, 1, 16),
        ("aws:PrincipalTag/team", "company-wide", 17, 57),
        ("*", None, 58, 62),
    ]
    assert vs[2].is_special and all(v.is_well_formed for v in vs)


def test_parser_malformed():
    unclosed, = find_variables("x${aws:username")
    assert not unclosed.closed and unclosed.end == 15
    assert not find_variables("${a, 'b}")[0].quote_ok
    assert find_variables("${}")[0].is_empty
    assert find_variables("${a b}")[0].has_space_in_name
    two = find_variables("${a${b}")
    assert [(v.start, v.closed) for v in two] == [(0, False), (3, True)]


def test_substitute():
    assert substitute("home/${aws:username}/${*}", {"aws:UserName": "jane"}) == "home/jane/*"
    assert substitute("${aws:PrincipalTag/team, 'none'}", {}) == "none"
    assert substitute("${aws:PrincipalTag/team}", {}) is None
