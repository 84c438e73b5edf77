"""The encoding read without a solver: terms of small policies."""

from __future__ import annotations

import json

from accessproof.evaluate import IDENTITY, RESOURCE, compile_policy_text
from accessproof.reason import Encoder, opaque_keys
from accessproof.reason.strings import literal_pattern, wildcard_pattern
from accessproof.reason.terms import (
    ACTION, FALSE, TRUE, And, KeyPresent, Matches, Not, Opaque, Or, PrincipalNamed, SomeValue, atoms, evaluate_term,
)


def policy(statements, kind=IDENTITY, version="2012-10-17"):
    return compile_policy_text(json.dumps({"Version": version, "Statement": statements}), "p", kind)


def test_actions_are_lower_cased_and_star_is_true():
    p = policy([{"Effect": "Allow", "Action": ["S3:Get*"], "Resource": "*"}])
    assert Encoder().grants(p) == Matches(ACTION, wildcard_pattern("s3:get*"))
    p = policy([{"Effect": "Allow", "Action": "*", "Resource": "*"}])
    assert Encoder().grants(p) == TRUE


def test_deny_is_negated_and_not_action_inverts():
    p = policy([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}])
    term = Encoder().grants(p)
    assert term == And((Not(Matches(ACTION, wildcard_pattern("iam:*"))),
                        Not(Matches(ACTION, wildcard_pattern("s3:deletebucket")))))


def test_condition_table():
    p = policy([{"Effect": "Allow", "Action": "*", "Resource": "*",
                 "Condition": {"StringEquals": {"K": "v"}, "ForAllValues:StringLike": {"k2": "a*"}}}])
    term = Encoder().grants(p)
    found = atoms(term)
    assert KeyPresent("k") in found and SomeValue("k", (literal_pattern("v"),), False) in found
    assert SomeValue("k2", (wildcard_pattern("a*"),), True) in found
    # absent k2 → ForAllValues holds; absent k → StringEquals fails
    valuation = {KeyPresent("k"): True, SomeValue("k", (literal_pattern("v"),), False): True}
    assert evaluate_term(term, lambda a: valuation.get(a, False))
    assert not evaluate_term(term, lambda a: False)


def test_numeric_conditions_and_variables_are_opaque():
    p = policy([{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/${aws:username}/*",
                 "Condition": {"NumericLessThan": {"n": "3"}, "StringEquals": {"n": "x"}}}])
    assert opaque_keys([p]) == {"n"}
    found = atoms(Encoder(opaque_keys([p])).grants(p))
    assert all(isinstance(a, Opaque) for a in found)
    # Version 2008-10-17: no variables, the resource is plain text
    p = policy([{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/${aws:username}"}], version="2008-10-17")
    assert not any(isinstance(a, Opaque) for a in atoms(Encoder().grants(p)))


def test_principals():
    p = policy([{"Effect": "Allow", "Principal": {"AWS": ["111122223333"]}, "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "NotPrincipal": "*", "Action": "*", "Resource": "*"}], kind=RESOURCE)
    term = Encoder().grants(p)
    assert PrincipalNamed("AWS", "111122223333") in atoms(term)
    null = policy([{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Null": {"k": ["true", "false"]}}}])
    assert Encoder().grants(null) == Or((Not(KeyPresent("k")), KeyPresent("k")))
    # An ARN operator's value without a colon compares with nothing: present → false, absent → the negation holds.
    assert Not(KeyPresent("k")) == Encoder().condition_term(
        compile_policy_text(json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"ArnNotEquals": {"k": "*"}}}]}), "p", IDENTITY).statements[0].conditions[0], True)
